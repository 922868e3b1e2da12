"""Stored KPI facts and the role dashboards: the facts equal what the
database holds, a refresh replaces a day's facts, past days stay, two
refreshes meeting leave each other's work, and every MedSync user can open
every operational dashboard (the executive's is the executive's), whose
figures open the records behind them."""

import datetime as dt
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import SQL, float_compare

from ..models import medsync_kpi_fact as fact_module
from ..services import guard, matching
from ..services import kpi as registry
from .common import MedsyncCase


def fact_rows(env, company, code, day=None):
    """{(dimension, key): (value, amount, count)} of one KPI and day."""
    env["medsync.kpi.fact"].flush_model()
    rows = env.execute_query(SQL(
        """SELECT dimension, dim_key, value, amount, count FROM medsync_kpi_fact
            WHERE company_id = %s AND kpi = %s AND date = %s""", company.id, code, day or fields.Date.today()))
    return {(d, k): (v, float(a), c) for d, k, v, a, c in rows}


@tagged("post_install", "-at_install")
class TestKpi(MedsyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.Fact = env["medsync.kpi.fact"]
        cls.vendor_a = env["res.partner"].create({"name": "KPI Vendor A", "supplier_rank": 1})
        cls.vendor_b = env["res.partner"].create({"name": "KPI Vendor B", "supplier_rank": 1})
        cls.product = env["product.product"].create({"name": "KPI gauze", "standard_price": 2.0,
                                                     "supplier_taxes_id": [Command.clear()]})
        cls.term = env["account.payment.term"].create({
            "name": "2% 10 days, net 30", "early_discount": True, "discount_percentage": 2, "discount_days": 10,
            "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})]})
        Move = guard.privileged(env["account.move"])
        # two held bills of vendor A (300 + 500, the second with an early discount), one of vendor B (50),
        # one posted unpaid bill of B with a discount (1000), one held bill cancelled (not counted)
        cls.held_a1 = cls.bill(cls.vendor_a, 300)
        cls.held_a2 = cls.bill(cls.vendor_a, 500, term=cls.term)
        cls.held_b = cls.bill(cls.vendor_b, 50)
        cls.unpaid_b = cls.bill(cls.vendor_b, 1000, term=cls.term)
        cls.unpaid_b.action_post()
        cls.cancelled = cls.bill(cls.vendor_b, 70)
        cls.cancelled.button_cancel()
        Move.browse((cls.held_a1 | cls.held_a2 | cls.held_b | cls.cancelled).ids).write(
            {"medsync_match_state": "hold"})

        # reconciliation lines: two open "under" (values -10 and -5), one "over" (7), one applied and one
        # matched (not open)
        location = env["stock.location"].create({"name": "KPI cabinet", "usage": "internal",
                                                 "location_id": env.ref("stock.stock_location_stock").id})
        snap = env["medsync.stock.snapshot"].create({"source": "KPI cabinet", "as_of": fields.Datetime.now()})
        Line = guard.privileged(env["medsync.stock.recon.line"])
        for cls_, state, value in (("under", "to_approve", -10.0), ("under", "none", -5.0), ("over", "approved", 7.0),
                                   ("over", "applied", 3.0), ("matched", "none", 0.0)):
            Line.create({"snapshot_id": snap.id, "company_id": cls.company.id, "location_id": location.id,
                         "product_id": cls.product.id, "diff_class": cls_, "state": state, "value": value})

        # duplicate pairs: two open (likely, possible), one decided
        Dup = guard.privileged(env["medsync.vendor.duplicate"])
        partners = env["res.partner"].create([{"name": f"KPI dup {i}", "supplier_rank": 1} for i in range(6)])
        for (left, right), band, state in (((0, 1), "likely", "new"), ((2, 3), "possible", "duplicate"),
                                           ((4, 5), "likely", "not_duplicate")):
            Dup.create({"left_id": partners[left].id, "right_id": partners[right].id, "band": band, "state": state,
                        "company_id": cls.company.id, "spend_exposure": 100.0})

        # messages: two waiting on a flow, two dead letters (one with an error code)
        system = env["medsync.system"].create({"name": "KPI cabinets", "code": "kpi-cab", "kind": "warehouse"})
        cls.flow = env["medsync.flow"].create({"system_id": system.id, "code": "snap", "name": "Snapshots",
                                               "doc_type": "stock_snapshot"})
        Msg = guard.privileged(env["medsync.message"])
        cls.messages = Msg.create([
            {"direction": "inbound", "system_id": system.id, "flow_id": cls.flow.id, "company_id": cls.company.id,
             "doc_type": "stock_snapshot", "state": state, "error_code": code,
             "received_at": fields.Datetime.now() - dt.timedelta(minutes=minutes)}
            for state, code, minutes in (("queued", False, 30), ("retrying", "TIMEOUT", 10),
                                         ("dead", "SCHEMA", 5), ("dead", False, 1))])

    @classmethod
    def bill(cls, vendor, amount, term=None):
        return cls.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": vendor.id, "invoice_date": fields.Date.today(),
            "invoice_payment_term_id": term.id if term else False,
            "invoice_line_ids": [Command.create({"product_id": cls.product.id, "quantity": 1, "price_unit": amount,
                                                 "tax_ids": [Command.clear()]})],
        })

    def assertMoney(self, a, b, msg=None):
        self.assertEqual(float_compare(a, b, precision_digits=2), 0, msg or f"{a} != {b}")

    def action_of(self, code, key=None, user=None):
        env = self.env(user=user) if user else self.env
        kpi = registry.KPIS[code]
        return env["medsync.kpi.fact"]._kpi_action(kpi, self.company, fields.Date.today(), key)

    # ------------------------------------------------------------------ facts equal the database

    def test_facts_equal_the_database(self):
        self.Fact._refresh(self.company)
        Move = self.env["account.move"]

        # AP: value on hold, by vendor; equal to the records the figure opens
        facts = fact_rows(self.env, self.company, "ap_on_hold")
        held = Move.search(self.action_of("ap_on_hold")["domain"])
        self.assertIn(self.held_a1, held)
        self.assertNotIn(self.cancelled, held)
        self.assertMoney(facts[("", "")][0], sum(abs(m.amount_residual_signed) for m in held))
        self.assertEqual(facts[("", "")][2], len(held))
        self.assertMoney(facts[("vendor", str(self.vendor_a.id))][0], 800.0)
        self.assertMoney(facts[("vendor", str(self.vendor_b.id))][0], 50.0)
        self.assertEqual(facts[("vendor", str(self.vendor_a.id))][2], 2)

        # AP: discounts at risk, 2 % of the held 500 and of the unpaid 1000
        facts = fact_rows(self.env, self.company, "ap_discount_risk")
        terms = (self.held_a2 | self.unpaid_b).line_ids.filtered(lambda ln: ln.display_type == "payment_term")
        self.assertMoney(sum(abs(ln.balance - ln.discount_balance) for ln in terms), 30.0)
        bills = Move.search(self.action_of("ap_discount_risk")["domain"])
        self.assertIn(self.held_a2, bills)
        self.assertIn(self.unpaid_b, bills)
        self.assertNotIn(self.held_a1, bills)
        expected = sum(abs(ln.balance - ln.discount_balance) for ln in bills.line_ids
                       if ln.display_type == "payment_term" and ln.discount_date
                       and ln.discount_date >= fields.Date.today() and not ln.reconciled)
        self.assertMoney(facts[("", "")][0], expected)
        self.assertEqual(facts[("", "")][2], len(bills))
        held_bills = Move.search(self.action_of("ap_discount_risk", "held")["domain"])
        self.assertMoney(facts[("status", "held")][0], sum(
            abs(ln.balance - ln.discount_balance) for ln in held_bills.line_ids if ln.display_type == "payment_term"))

        # inventory: open differences by class (count and value)
        facts = fact_rows(self.env, self.company, "inv_recon_open")
        lines = self.env["medsync.stock.recon.line"].search(self.action_of("inv_recon_open")["domain"])
        self.assertEqual(facts[("", "")][2], len(lines))
        self.assertMoney(facts[("", "")][1], sum(abs(ln.value) for ln in lines))
        ours = lines.filtered(lambda ln: ln.product_id == self.product)
        self.assertEqual(sorted(ours.mapped("diff_class")), ["over", "under", "under"])
        under = lines.filtered(lambda ln: ln.diff_class == "under")
        self.assertEqual(facts[("class", "under")][:3:2], (len(under), len(under)))
        self.assertMoney(facts[("class", "under")][1], sum(abs(ln.value) for ln in under))

        # inventory: expiry risk equals its view
        facts = fact_rows(self.env, self.company, "inv_expiry_risk")
        risk = self.env["medsync.expiry.risk"].search(self.action_of("inv_expiry_risk")["domain"])
        self.assertMoney(facts[("", "")][0], sum(risk.mapped("value")))
        self.assertEqual(facts[("", "")][2], len(risk))

        # steward: open pairs by band
        facts = fact_rows(self.env, self.company, "steward_open_pairs")
        Dup = self.env["medsync.vendor.duplicate"]
        self.assertEqual(facts[("", "")][0], Dup.search_count(self.action_of("steward_open_pairs")["domain"]))
        self.assertEqual(facts[("band", "likely")][0],
                         Dup.search_count(self.action_of("steward_open_pairs", "likely")["domain"]))

        # integration: waiting per flow, age of the oldest, dead letters by error
        Msg = self.env["medsync.message"]
        facts = fact_rows(self.env, self.company, "hub_waiting")
        self.assertEqual(facts[("", "")][0], Msg.search_count(self.action_of("hub_waiting")["domain"]))
        self.assertEqual(facts[("flow", str(self.flow.id))][0], 2)
        facts = fact_rows(self.env, self.company, "hub_oldest_waiting")
        self.assertAlmostEqual(facts[("flow", str(self.flow.id))][0], 30.0, delta=2.0)
        facts = fact_rows(self.env, self.company, "hub_dead_letters")
        self.assertEqual(facts[("", "")][0], Msg.search_count(self.action_of("hub_dead_letters")["domain"]))
        self.assertEqual(facts[("error", "SCHEMA")][0], 1)
        self.assertEqual(Msg.search_count(self.action_of("hub_dead_letters", "")["domain"]), facts[("error", "")][0])

    def test_compliance_facts_equal_the_database(self):
        officer = self.env["res.users"].create({
            "name": "KPI officer", "login": "kpi_officer",
            "groups_id": [Command.set([self.env.ref("medsync.group_medsync_compliance").id])]})
        self.vendor_a.with_user(officer)._medsync_set_compliance("suspended", "screening")
        self.vendor_b.medsync_compliance_profile_id = self.env.ref("medsync.profile_medsurg")
        self.vendor_b.medsync_credential_ids[:1].write({"number": "W9-1"})
        self.Fact._refresh(self.company)
        Partner, Move = self.env["res.partner"], self.env["account.move"]
        facts = fact_rows(self.env, self.company, "compliance_vendors_not_clear")
        self.assertEqual(facts[("", "")][0],
                         Partner.search_count(self.action_of("compliance_vendors_not_clear")["domain"]))
        self.assertEqual(facts[("state", "suspended")][0],
                         Partner.search_count(self.action_of("compliance_vendors_not_clear", "suspended")["domain"]))
        self.assertGreaterEqual(facts[("state", "suspended")][0], 1)
        facts = fact_rows(self.env, self.company, "compliance_bills_held")
        held = Move.search(self.action_of("compliance_bills_held")["domain"])
        self.assertIn(self.vendor_a, held.commercial_partner_id)
        self.assertEqual(facts[("vendor", str(self.vendor_a.id))][2],
                         len(held.filtered(lambda m: m.commercial_partner_id == self.vendor_a)))
        self.assertMoney(facts[("", "")][0], sum(abs(m.amount_residual_signed) for m in held))
        facts = fact_rows(self.env, self.company, "compliance_credentials_to_act")
        Cred = self.env["medsync.vendor.credential"]
        self.assertEqual(facts[("", "")][0],
                         Cred.search_count(self.action_of("compliance_credentials_to_act")["domain"]))
        submitted = Cred.search(self.action_of("compliance_credentials_to_act", "submitted")["domain"])
        self.assertIn(self.vendor_b, submitted.partner_id)
        self.assertEqual(facts[("state", "submitted")][0], len(submitted))

    def test_first_pass_rate(self):
        line_a = self.held_a1.invoice_line_ids
        line_b = self.held_b.invoice_line_ids
        Result = guard.privileged(self.env["medsync.match.result"])
        now = fields.Datetime.now()
        # line A: first matched, then held on a re-match (still a first-pass match); line B: held first
        for line, status, is_current in ((line_a, "matched", False), (line_a, "price_above_po", True),
                                         (line_b, "missing_receipt", True)):
            Result.create({"move_id": line.move_id.id, "move_line_id": line.id, "company_id": self.company.id,
                           "status": status, "is_current": is_current, "date": now})
        self.Fact._refresh(self.company, kpis=["ap_first_pass"])
        facts = fact_rows(self.env, self.company, "ap_first_pass")
        # other matched lines of the database (demo data) count as well: compute the expectation from it
        first = {}
        for r in self.env["medsync.match.result"].search([("company_id", "=", self.company.id)], order="id"):
            first.setdefault(r.move_line_id.id, r)
        start = fields.Date.today() - dt.timedelta(days=registry.TREND_DAYS - 1)
        window = [r for r in first.values() if r.date.date() >= start and r.status != "credit_note"]
        passed = [r for r in window if r.status in registry.FIRST_PASS]
        self.assertEqual(facts[("", "")][2], len(window))
        self.assertAlmostEqual(facts[("", "")][0], 100.0 * len(passed) / len(window), places=6)
        self.assertEqual(facts[("status", "missing_receipt")][2],
                         sum(1 for r in window if r.status == "missing_receipt"))

    # ------------------------------------------------------------------ refresh replaces, history stays

    def test_refresh_replaces_and_keeps_past_days(self):
        yesterday = fields.Date.today() - dt.timedelta(days=1)
        self.Fact._refresh(self.company)
        # what the hourly refresh stored yesterday
        self.env.cr.execute(SQL(
            """INSERT INTO medsync_kpi_fact (company_id, kpi, date, dimension, dim_key, value, amount, count)
               VALUES (%s, 'hub_dead_letters', %s, '', '', 7, 0, 7)""", self.company.id, yesterday))
        n_facts = self.Fact.search_count([])
        dead = fact_rows(self.env, self.company, "hub_dead_letters")[("", "")][0]

        # one more dead letter, a new error code; one pair decided
        guard.privileged(self.messages[0]).write({"state": "dead", "error_code": "NEW"})
        self.Fact._refresh(self.company)
        facts = fact_rows(self.env, self.company, "hub_dead_letters")
        self.assertEqual(facts[("", "")][0], dead + 1)
        self.assertEqual(facts[("error", "NEW")][0], 1)
        self.assertEqual(self.Fact.search_count([]), n_facts + 1, "replaced, not duplicated (one new error key)")

        # a key gone today is gone from today's facts
        guard.privileged(self.messages[0]).write({"state": "done", "error_code": False})
        self.Fact._refresh(self.company)
        self.assertNotIn(("error", "NEW"), fact_rows(self.env, self.company, "hub_dead_letters"))
        self.assertEqual(self.Fact.search_count([]), n_facts)

        # yesterday stays as stored; refreshing yesterday leaves snapshot KPIs alone
        self.Fact._refresh(self.company, days=[yesterday])
        self.assertEqual(fact_rows(self.env, self.company, "hub_dead_letters", yesterday), {("", ""): (7.0, 0.0, 7)})
        self.assertIn(("", ""), fact_rows(self.env, self.company, "ap_first_pass", yesterday),
                      "a dated KPI is computed for a past day")

        # the dashboard's trend reads the past day
        data = self.Fact.dashboard_data("integration")
        dead_kpi = next(k for k in data["kpis"] if k["code"] == "hub_dead_letters")
        trend = {p["date"]: p["value"] for p in dead_kpi["trend"]}
        self.assertEqual(trend[fields.Date.to_string(yesterday)], 7.0)
        self.assertEqual(trend[fields.Date.to_string(fields.Date.today())], dead_kpi["value"])
        self.assertEqual(len(dead_kpi["trend"]), registry.TREND_DAYS)

    def test_engines_and_cron_refresh(self):
        self.Fact.sudo().search([]).unlink()  # start from no facts (nobody else may delete them)
        self.Fact._refresh_after("dedupe", self.company)
        self.assertEqual(set(self.Fact.search([]).mapped("kpi")), {"steward_open_pairs"})
        self.env.ref("medsync.ir_cron_kpi_refresh").method_direct_trigger()
        self.assertEqual(set(self.Fact.search([("company_id", "=", self.company.id)]).mapped("kpi")),
                         set(registry.KPIS))
        self.assertTrue(self.Fact.sudo().search([("company_id", "=", self.company_b.id)]),
                        "every company is refreshed")

    def test_a_matching_run_refreshes_the_ap_facts(self):
        self.company.medsync_no_po_policy = "hold"  # a bill without a PO is held under this policy
        bill = self.bill(self.vendor_b, 120)
        self.Fact.sudo().search([]).unlink()
        matching.match_moves(bill.with_user(self.users["ap_clerk"]))
        self.assertEqual(bill.medsync_match_state, "hold", "no purchase order")
        self.assertEqual(set(self.Fact.search([]).mapped("kpi")),
                         {k.code for k in registry.for_engine("matching")})
        facts = fact_rows(self.env, self.company, "ap_on_hold")
        held = self.env["account.move"].search(self.action_of("ap_on_hold")["domain"])
        self.assertIn(bill, held)
        self.assertMoney(facts[("", "")][0], sum(abs(m.amount_residual_signed) for m in held))
        self.assertMoney(facts[("vendor", str(self.vendor_b.id))][0], 50.0 + 120.0)

    # ------------------------------------------------------------------ the dashboards and who sees them

    def test_dashboard_data(self):
        self.Fact._refresh(self.company)
        clerk = self.users["ap_clerk"]
        data = self.Fact.with_user(clerk).dashboard_data("ap")
        self.assertEqual([k["code"] for k in data["kpis"]], ["ap_on_hold", "ap_first_pass", "ap_discount_risk"])
        self.assertFalse(data["stale"])
        hold = data["kpis"][0]
        facts = fact_rows(self.env, self.company, "ap_on_hold")
        self.assertMoney(hold["value"], facts[("", "")][0])
        self.assertTrue(hold["definition"])
        self.assertEqual(hold["unit"], "amount")
        # the click opens the records behind the figure, for this user
        action = hold["action"]
        self.assertEqual((action["type"], action["res_model"]), ("ir.actions.act_window", "account.move"))
        held = self.env(user=clerk)["account.move"].search(action["domain"])
        self.assertMoney(sum(abs(m.amount_residual_signed) for m in held), hold["value"])
        row = next(r for r in hold["breakdown"] if r["key"] == str(self.vendor_a.id))
        self.assertEqual(row["label"], "KPI Vendor A")
        self.assertEqual(self.env(user=clerk)["account.move"].search(row["action"]["domain"]),
                         self.held_a1 | self.held_a2)
        # selection keys get their labels
        inv = self.Fact.with_user(self.users["inventory"]).dashboard_data("inventory")
        recon = next(k for k in inv["kpis"] if k["code"] == "inv_recon_open")
        self.assertIn("Under (less counted)", [r["label"] for r in recon["breakdown"]])

    def test_every_medsync_user_opens_every_operational_dashboard(self):
        self.Fact._refresh(self.company)
        reader = self.users["reader"]
        operational = [r for r in registry.ROLES if registry.reader_group(r) == "medsync.group_medsync_user"]
        self.assertEqual(set(registry.ROLES) - set(operational), {"executive"})
        for role in operational:
            data = self.Fact.with_user(reader).dashboard_data(role)
            self.assertTrue(data["kpis"], role)
            for k in data["kpis"]:
                self.assertTrue(k["definition"])
        # the executive overview is the executive's: refused, and its facts are not read by another path
        for call in (lambda f: f.dashboard_data("executive"), lambda f: f.action_refresh("executive"),
                     lambda f: f.kpi_action("executive", "exec_spend", fields.Date.to_string(fields.Date.today()))):
            with self.assertRaisesRegex(AccessError, "Executive overview is not yours"):
                call(self.Fact.with_user(reader))
        self.assertTrue(self.Fact.search([("role", "=", "executive")]))
        self.assertFalse(self.Fact.with_user(reader).search([("kpi", "=like", "exec_%")]))
        # a reader may not open bills: the AP figures are shown, not clickable
        ap = self.Fact.with_user(reader).dashboard_data("ap")
        self.assertIsNone(ap["kpis"][0]["action"])
        self.assertEqual(ap["kpis"][1]["action"]["res_model"], "medsync.match.result")
        # reading facts is all a user may do
        with self.assertRaises(AccessError):
            self.Fact.with_user(self.users["ap_manager"]).create({"kpi": "ap_on_hold", "date": fields.Date.today(),
                                                                  "company_id": self.company.id})
        for user in (self.users["ap_manager"], self.env.ref("base.user_admin")):
            fact = self.Fact.with_user(user).search([], limit=1)
            with self.assertRaises(AccessError):
                fact.write({"value": 0})
            with self.assertRaises(AccessError):
                fact.unlink()
        # someone without a MedSync role gets nothing
        with self.assertRaises(AccessError):
            self.Fact.with_user(self.outsider).dashboard_data("ap")
        with self.assertRaises(AccessError):
            self.Fact.with_user(self.outsider).action_refresh("ap")
        # Refresh now, as any MedSync user, for the current company
        self.assertTrue(self.Fact.with_user(reader).action_refresh("steward"))

    def test_company_rule(self):
        self.Fact._refresh(self.company)
        self.Fact._refresh(self.company_b)
        data = self.Fact.with_user(self.clerk_b).dashboard_data("ap")
        self.assertEqual(data["company"], self.company_b.name)
        self.assertEqual(data["kpis"][0]["value"], 0.0)
        self.assertIsNone(data["kpis"][1]["value"], "no line matched: no rate, not 0 %")
        self.assertFalse(self.Fact.with_user(self.clerk_b).search([("company_id", "=", self.company.id)]))


@tagged("post_install", "-at_install")
class TestKpiConcurrentRefresh(TransactionCase):
    def test_an_engine_run_keeps_its_work_when_the_hourly_refresh_wrote_the_same_facts(self):
        """The nightly duplicate scan ends by refreshing its figures; the hourly refresh (another cron thread,
        another connection) wrote the same fact rows after this transaction began. The scan is not lost to a
        serialization failure: its transaction goes on, and the figures are the other refresh's."""
        Fact, company, today = self.env["medsync.kpi.fact"], self.env.company, fields.Date.today()
        codes = [k.code for k in registry.for_engine("dedupe")]
        self.assertIn("steward_open_pairs", codes)
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM medsync_kpi_fact"))  # this transaction's snapshot
        db = self.env.cr.dbname

        def other_refresh():  # another connection (another cron thread or node), committed
            with db_connect(db).cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                return env["medsync.kpi.fact"]._refresh_unless_busy(env.company, kpis=codes)

        with db_connect(db).cursor() as cr:
            cr.execute(SQL("SELECT id FROM medsync_kpi_fact WHERE company_id = %s AND date = %s AND kpi = ANY(%s)",
                           company.id, today, codes))
            before = [r for r, in cr.fetchall()]

        def cleanup():  # the rows the other connection added (the ones it updated hold the same figures)
            with db_connect(db).cursor() as cr:
                cr.execute(SQL("""DELETE FROM medsync_kpi_fact WHERE company_id = %s AND date = %s
                                     AND kpi = ANY(%s) AND id != ALL(%s)""", company.id, today, codes, before))
        self.addCleanup(cleanup)
        self.assertTrue(other_refresh())

        partner = self.env["res.partner"].create({"name": "Kept by the scan", "supplier_rank": 1})
        with patch.object(fact_module._logger, "info") as info:
            Fact._refresh_after("dedupe", company)
        self.assertIn("refreshed by another transaction meanwhile, left to it", info.call_args.args[0])
        # the transaction is usable and keeps what it wrote before
        self.assertTrue(partner.exists())
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Kept by the scan")]), 1)
        # with nobody else writing them, the same refresh writes the facts
        self.assertTrue(other_refresh())


@tagged("post_install", "-at_install")
class TestKpiDashboardBrowser(HttpCase):
    def test_dashboard_renders_and_opens_records(self):
        new_test_user(self.env, login="kpi_clerk", groups="base.group_user,medsync.group_medsync_ap_clerk")
        code = """
            (async () => {
                const wait = async (selector, what) => {
                    for (let i = 0; i < 150; i++) {
                        const el = document.querySelector(selector);
                        if (el) { return el; }
                        await new Promise((r) => setTimeout(r, 200));
                    }
                    throw new Error(what + " did not appear");
                };
                await wait(".o_medsync_dashboard .o_medsync_kpi canvas", "the trend chart");
                const cards = document.querySelectorAll(".o_medsync_dashboard .o_medsync_kpi");
                if (cards.length !== 3) { throw new Error(cards.length + " cards"); }
                (await wait(".o_medsync_kpi[data-kpi=ap_on_hold] .o_medsync_kpi_figure", "the figure")).click();
                await wait(".o_list_view", "the bills behind the figure");
                console.log("test successful");
            })().catch((e) => console.error(e.message));
        """
        self.browser_js("/odoo/medsync-ap", code, login="kpi_clerk", timeout=90)
