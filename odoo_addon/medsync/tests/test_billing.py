"""Billing to the ledger through the hub's real HTTP door and a CSV file:
validation whole before anything is written, the posting window and its
technical user, lock-date policies, duplicates, reversals, payment status
back to the platform, the daily reconciliation and who may do what."""

import base64
import hashlib
import hmac
import json
from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..services import billing, guard, hub
from .common import webhook_receiver
from .test_role_matrix import rpc

DAY = date(2023, 3, 6)  # before any demo bank statement line: the period can be locked


@tagged("post_install", "-at_install")
class TestBilling(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.gl = new_test_user(env, login="bl_gl", groups="base.group_user,medsync.group_medsync_gl")
        cls.clerk = new_test_user(env, login="bl_clerk", groups="base.group_user,medsync.group_medsync_ap_clerk")
        cls.admin = new_test_user(env, login="bl_admin", groups="base.group_user,medsync.group_medsync_integration")
        Account = env["account.account"]
        cls.revenue = Account.create({"code": "400910", "name": "Test inpatient revenue", "account_type": "income"})
        cls.lab = Account.create({"code": "400920", "name": "Test lab revenue", "account_type": "income"})
        cls.receivable = Account.create({"code": "121910", "name": "Test patient receivables",
                                         "account_type": "asset_receivable", "reconcile": True})
        cls.bank = Account.create({"code": "101910", "name": "Test bank", "account_type": "asset_current"})
        cls.journal = env["account.journal"].create({"name": "Billing test", "code": "BLT", "type": "general"})
        cls.other_journal = env["account.journal"].create({"name": "Other", "code": "OTHT", "type": "general"})
        depts = env.ref("medsync.analytic_plan_departments")
        payers = env.ref("medsync.analytic_plan_payer_classes")
        Analytic = env["account.analytic.account"]
        cls.card = Analytic.create({"name": "Cardiology", "code": "CARD-T", "plan_id": depts.id})
        cls.labd = Analytic.create({"name": "Laboratory", "code": "LAB-T", "plan_id": depts.id})
        cls.mcare = Analytic.create({"name": "Medicare", "code": "MCARE-T", "plan_id": payers.id})
        Rule = env["medsync.billing.rule"].with_user(cls.gl)
        cls.rules = Rule.create([
            {"source": "HBT", "code": "REV", "account_id": cls.revenue.id, "journal_id": cls.journal.id},
            {"source": "HBT", "code": "AR", "account_id": cls.receivable.id, "journal_id": cls.journal.id}])
        System = env["medsync.system"].with_user(cls.admin)
        cls.system = System.create({"name": "Billing test platform", "code": "hbs-t", "kind": "billing"})
        Flow = env["medsync.flow"].with_user(cls.admin)
        cls.flow = Flow.create({"system_id": cls.system.id, "code": "b", "name": "batches",
                                "doc_type": "billing_batch", "billing_window": "nightly", "billing_hour": 2,
                                "billing_lock_policy": "refuse", "billing_sources": "HBT"})
        Flow.create({"system_id": cls.system.id, "code": "t", "name": "totals", "doc_type": "billing_daily_totals"})
        cls.key = cls.system.with_user(cls.admin)._generate_key(30)

    def setUp(self):
        super().setUp()
        hub._auth_cache.clear()

    # ------------------------------------------------------------------ helpers

    def post(self, doc_type, doc, idem):
        res = self.url_open(f"/medsync/api/v1/hbs-t/{doc_type}", data=json.dumps(doc).encode(),
                            headers={"Content-Type": "application/json", "Idempotency-Key": idem,
                                     "Authorization": f"Bearer {self.key}"})
        self.env.invalidate_all()
        return res

    def run_jobs(self):
        msgs = self.env["medsync.message"].search([("state", "in", ("queued", "retrying")),
                                                   ("direction", "=", "inbound")])
        msgs._hub_process()
        self.env.invalidate_all()
        return msgs

    def batch_doc(self, batch_id, lines, day=DAY, **header):
        """lines: (code, department, payer class, amount, side, payer ref)."""
        out = []
        for n, (code, dept, payer, amount, side, ref) in enumerate(lines, start=1):
            line = {"line_id": f"L{n}", "code": code, "amount": amount, "side": side,
                    "service_date": str(day)}
            line.update({k: v for k, v in (("department", dept), ("payer_class", payer), ("payer_ref", ref)) if v})
            out.append(line)
        debit = sum(float(a) for _c, _d, _p, a, s, _r in lines if s == "debit")
        credit = sum(float(a) for _c, _d, _p, a, s, _r in lines if s == "credit")
        return {"batch_id": batch_id, "source": "HBT", "business_date": str(day),
                "currency": self.env.company.currency_id.name, "record_count": len(out),
                "total_debit": f"{debit:.2f}", "total_credit": f"{credit:.2f}", "lines": out, **header}

    def charges(self, batch_id, day=DAY, **header):
        return self.batch_doc(batch_id, [("REV", "CARD-T", "MCARE-T", "100.00", "credit", "ACC-1"),
                                         ("REV", "CARD-T", "MCARE-T", "50.00", "credit", "ACC-2"),
                                         ("REV", "LAB-T", "MCARE-T", "30.00", "credit", "ACC-1"),
                                         ("AR", None, "MCARE-T", "130.00", "debit", "ACC-1"),
                                         ("AR", None, "MCARE-T", "50.00", "debit", "ACC-2")], day=day, **header)

    def batch(self, batch_id):
        return self.env["medsync.billing.batch"].search([("batch_ref", "=", batch_id)])

    def post_now(self, batch):
        guard.privileged(batch.sudo()).scheduled_at = fields.Datetime.now() - timedelta(minutes=1)
        billing.post_due(self.env)
        self.env.invalidate_all()

    # ------------------------------------------------------------------ the happy path

    def test_batch_through_api_posts_at_its_window_into_accounts_and_analytics(self):
        res = self.post("billing_batch", self.charges("B-1"), "b-1")
        self.assertEqual(res.status_code, 202, res.text)
        self.run_jobs()
        batch = self.batch("B-1")
        self.assertEqual(batch.state, "scheduled", batch.problem_ids.mapped("message"))
        self.assertEqual(batch.scheduled_at.hour, 2)
        self.assertFalse(batch.move_id)
        billing.post_due(self.env)  # the window has not come
        self.assertEqual(batch.state, "scheduled")
        self.post_now(batch)
        self.assertEqual(batch.state, "posted")
        move = batch.move_id
        self.assertEqual((move.state, move.journal_id, move.date, move.medsync_business_date),
                         ("posted", self.journal, DAY, DAY))
        self.assertEqual(move.create_uid, self.env.ref("medsync.user_billing_poster"))
        revenue = move.line_ids.filtered(lambda aml: aml.account_id == self.revenue)
        by_dist = {tuple(sorted(aml.analytic_distribution)): aml.credit for aml in revenue}
        self.assertEqual(by_dist, {(f"{self.card.id},{self.mcare.id}",): 150.0,
                                   (f"{self.labd.id},{self.mcare.id}",): 30.0})
        receivable = move.line_ids.filtered(lambda aml: aml.account_id == self.receivable)
        self.assertEqual(sorted(receivable.mapped("debit")), [50.0, 130.0])
        self.assertTrue(all(r.startswith("h:") for r in receivable.mapped("medsync_payer_ref")))
        # every line to the item it went into: its account, its department's share
        for line in batch.line_ids:
            self.assertEqual(line.move_line_id.account_id, line.account_id)
            self.assertIn(line.move_line_id, move.line_ids)
        self.assertIn("Posted as", batch.message_ids[0].body)
        # no reference in clear: not in the message, not on the lines
        payload = batch.message_id.sudo()._payload_text()
        self.assertNotIn("ACC-1", payload)
        self.assertNotIn("ACC-1", "".join(batch.line_ids.mapped("payer_ref")))
        # the same document under its key again: the first answer, nothing twice
        again = self.post("billing_batch", self.charges("B-1"), "b-1")
        self.assertEqual((again.status_code, again.headers.get("Idempotent-Replayed")), (202, "true"))
        self.assertEqual(len(self.batch("B-1")), 1)

    def test_csv_file_goes_through_the_same_door_once(self):
        rows = ["record,batch_id,source,business_date,currency,record_count,total_debit,total_credit,"
                "total_kind,key,debit,credit,line_id,code,department,payer_class,amount,side,service_date,"
                "payer_ref",
                f"H,F-1,HBT,{DAY},{self.env.company.currency_id.name},2,75.00,75.00,,,,,,,,,,,,",
                "T,F-1,,,,,,,department,CARD-T,0,75.00,,,,,,,,",
                f"L,F-1,,,,,,,,,,,1,REV,CARD-T,MCARE-T,75.00,credit,{DAY},ACC-9",
                f"L,F-1,,,,,,,,,,,2,AR,,MCARE-T,75.00,debit,{DAY},ACC-9"]
        data = base64.b64encode("\n".join(rows).encode())
        Wizard = self.env["medsync.billing.import"].with_user(self.gl)
        for _ in range(2):
            Wizard.create({"system_id": self.system.id, "file": data, "file_name": "hbs.csv"}).action_import()
        batch = self.batch("F-1")
        self.assertEqual((len(batch), batch.origin, batch.state), (1, "file", "scheduled"),
                         batch.problem_ids.mapped("message"))
        self.assertTrue(batch.total_ids.filtered("declared").agrees)
        # a bad row: named by its row in the file, and nothing is written
        bad = [*rows[:3], f"L,F-2,,,,,,,,,,,1,REV,CARD-T,MCARE-T,abc,credit,{DAY},ACC-9"]
        bad[1] = bad[1].replace("F-1", "F-2")
        bad[2] = bad[2].replace("F-1", "F-2")
        with self.assertRaisesRegex(UserError, r"Row 4 \(lines\[0\]\.amount\)"):
            Wizard.create({"system_id": self.system.id, "file": base64.b64encode("\n".join(bad).encode()),
                           "file_name": "bad.csv"}).action_import()
        self.assertFalse(self.batch("F-2"))
        # the file is kept with its references hashed, never as an attachment; a column for patient data
        # refuses it before anything is stored
        kept = self.env["medsync.billing.import"].search([], order="id desc", limit=1)
        self.assertNotIn(b"ACC-9", base64.b64decode(kept.with_context(bin_size=False).file))
        self.assertFalse(self.env["ir.attachment"].sudo().search([("res_model", "=", "medsync.billing.import")]))
        named = "\n".join([rows[0] + ",patient_name", *(r + "," for r in rows[1:])])
        before = self.env["medsync.billing.import"].search_count([])
        with self.assertRaisesRegex(UserError, "patient_name"):
            Wizard.create({"system_id": self.system.id, "file": base64.b64encode(named.encode())})
        self.assertEqual(self.env["medsync.billing.import"].search_count([]), before)
        with self.assertRaises(UserError):  # finance only
            self.env["medsync.billing.import"].with_user(self.clerk).create(
                {"system_id": self.system.id, "file": data}).action_import()

    # ------------------------------------------------------------------ refused whole

    def test_unbalanced_and_unmapped_batches_are_rejected_whole_then_released(self):
        doc = self.charges("U-1")
        doc["lines"][0]["amount"] = "101.00"
        doc["totals"] = [{"kind": "department", "key": "CARD-T", "debit": "0", "credit": "150.00"}]
        self.post("billing_batch", doc, "u-1")
        doc = self.batch_doc("U-2", [("REV", "CARD-T", "MCARE-T", "10.00", "credit", None),
                                     ("XRAY", "CARD-T", "MCARE-T", "5.00", "credit", None),
                                     ("AR", None, "MCARE-T", "15.00", "debit", "ACC-3")])
        self.post("billing_batch", doc, "u-2")
        self.run_jobs()
        unbalanced, unmapped = self.batch("U-1"), self.batch("U-2")
        self.assertEqual((unbalanced.state, unmapped.state), ("rejected", "rejected"))
        self.assertFalse(unbalanced.move_id | unmapped.move_id)
        rules = set(unbalanced.problem_ids.mapped("rule"))
        self.assertTrue({"balance", "control_total"} <= rules, rules)
        self.assertEqual(unmapped.problem_ids.mapped("path"), ["lines[1]"])
        self.assertEqual(unmapped.problem_ids.rule, "unmapped")
        exc = self.env["medsync.exception"].search([("key", "=", f"billing-rejected-{unmapped.id}")])
        self.assertEqual((exc.state, exc.reason_id.code), ("open", "BILLING_REJECTED"))
        # an AP clerk may neither map nor release
        with self.assertRaises(AccessError):
            self.env["medsync.billing.rule"].with_user(self.clerk).create(
                {"source": "HBT", "code": "XRAY", "account_id": self.revenue.id, "journal_id": self.journal.id})
        with self.assertRaises(UserError):
            unmapped.with_user(self.clerk).action_validate()
        # the GL accountant maps the code and validates again
        self.env["medsync.billing.rule"].with_user(self.gl).create(
            {"source": "HBT", "code": "XRAY", "account_id": self.lab.id, "journal_id": self.journal.id})
        unmapped.with_user(self.gl).action_validate()
        self.assertEqual(unmapped.state, "scheduled")
        self.assertFalse(unmapped.problem_ids)
        self.assertEqual(exc.state, "resolved")
        unbalanced.with_user(self.gl).action_validate()
        self.assertEqual(unbalanced.state, "rejected")  # data problems stay until the platform resends
        # the platform sends the batch again under the same id: it replaces the rejected one
        self.post("billing_batch", self.charges("U-1"), "u-1-again")
        self.run_jobs()
        self.assertEqual((self.batch("U-1").state, len(self.batch("U-1"))), ("scheduled", 1))

    def test_locked_period_refused_or_redirected_by_policy(self):
        self.env.company.fiscalyear_lock_date = DAY
        self.post("billing_batch", self.charges("P-1"), "p-1")
        self.run_jobs()
        refused = self.batch("P-1")
        self.assertEqual(refused.state, "rejected")
        self.assertEqual(refused.problem_ids.mapped("rule"), ["closed_period"])
        self.flow.with_user(self.admin).billing_lock_policy = "redirect"
        self.post("billing_batch", self.charges("P-2"), "p-2")
        self.run_jobs()
        redirected = self.batch("P-2")
        self.post_now(redirected)
        move = redirected.move_id
        self.assertEqual((redirected.state, redirected.redirected), ("posted", True))
        self.assertGreater(move.date, DAY)
        expected = self.env["account.move"].new({"move_type": "entry", "journal_id": self.journal.id,
                                                 "date": DAY})._get_accounting_date(DAY, False)
        self.assertEqual(move.date, expected)  # as Odoo dates an entry of a locked period
        self.assertEqual(move.medsync_business_date, DAY)

    def test_batch_in_another_currency_is_refused(self):
        other = self.env["res.currency"].with_context(active_test=False).search(
            [("id", "!=", self.env.company.currency_id.id)], limit=1)
        other.active = True
        self.post("billing_batch", self.charges("FX-1", currency=other.name), "fx-1")
        self.run_jobs()
        batch = self.batch("FX-1")
        self.assertEqual((batch.state, batch.problem_ids.mapped("rule")), ("rejected", ["currency"]))
        self.assertFalse(batch.move_id)

    def test_a_platform_speaks_for_its_sources_only(self):
        res = self.post("billing_batch", dict(self.charges("S-1"), source="HBS"), "s-1")
        self.assertEqual((res.status_code, res.json()["error"]["code"]), (422, "UNKNOWN_SOURCE"))
        self.assertFalse(self.batch("S-1"))

    def test_duplicate_batch_id_is_refused_at_the_door(self):
        self.post("billing_batch", self.charges("D-1"), "d-1")
        self.run_jobs()
        res = self.post("billing_batch", self.charges("D-1"), "d-1-other-key")
        self.assertEqual((res.status_code, res.json()["error"]["code"]), (422, "DUPLICATE_BATCH"))
        self.assertEqual(len(self.batch("D-1")), 1)

    def test_reversal_posts_the_exact_reversal_once(self):
        self.post("billing_batch", self.charges("R-1"), "r-1")
        self.run_jobs()
        original = self.batch("R-1")
        self.post_now(original)
        reversal = {"batch_id": "R-1-REV", "source": "HBT", "business_date": str(DAY + timedelta(days=1)),
                    "currency": self.env.company.currency_id.name, "kind": "reversal", "original": "R-1",
                    "record_count": 0, "total_debit": "0", "total_credit": "0"}
        self.post("billing_batch", reversal, "r-1-rev")
        self.run_jobs()
        rev = self.batch("R-1-REV")
        self.post_now(rev)
        self.assertEqual((rev.state, original.state), ("posted", "reversed"))
        self.assertEqual(rev.move_id.reversed_entry_id, original.move_id)
        self.assertEqual(original.reversal_move_id, rev.move_id)
        self.assertEqual(sorted(rev.move_id.line_ids.mapped("balance")),
                         sorted(-b for b in original.move_id.line_ids.mapped("balance")))
        self.assertEqual(rev.original_id, original)
        # a second reversal of the same batch is refused: it is reversed already
        self.post("billing_batch", dict(reversal, batch_id="R-1-REV2"), "r-1-rev2")
        self.run_jobs()
        second = self.batch("R-1-REV2")
        self.assertEqual((second.state, second.problem_ids.rule), ("rejected", "correction"))
        self.assertEqual(self.env["account.move"].search_count([("reversed_entry_id", "=", original.move_id.id)]), 1)

    # ------------------------------------------------------------------ payment status back

    def test_payment_status_goes_back_once_signed(self):
        url, received = webhook_receiver(self, "/paid")
        self.system.with_user(self.admin).write({"webhook_url": url})
        self.system.with_user(self.admin).action_new_webhook_secret()
        self.env["medsync.flow"].with_user(self.admin).create({
            "system_id": self.system.id, "code": "pay", "name": "paid", "doc_type": "billing_payment"})
        self.post("billing_batch", self.charges("Y-1"), "y-1")
        self.run_jobs()
        batch = self.batch("Y-1")
        self.post_now(batch)
        item = batch.move_id.line_ids.filtered(lambda aml: aml.account_id == self.receivable and aml.debit == 130)
        cash = self.env["account.move"].create({"move_type": "entry", "journal_id": self.other_journal.id,
                                                "date": DAY, "line_ids": [
            Command.create({"account_id": self.bank.id, "debit": 130.0, "name": "Medicare remittance"}),
            Command.create({"account_id": self.receivable.id, "credit": 130.0, "name": "Medicare remittance"})]})
        cash.action_post()
        (item | cash.line_ids.filtered(lambda aml: aml.account_id == self.receivable)).reconcile()
        out = self.env["medsync.message"].search([("doc_type", "=", "billing_payment")])
        self.assertEqual(len(out), 1)
        out._hub_process()
        out._hub_process()  # a job run twice sends once
        self.assertEqual((out.state, len(received)), ("done", 1), out.error_message)
        headers, body = received[0]
        t, v1 = (part.split("=", 1)[1] for part in headers["X-MedSync-Signature"].split(","))
        secret = self.system.sudo().webhook_secret
        self.assertEqual(v1, hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest())
        sent = json.loads(body)
        self.assertEqual((sent["event"], sent["batch_id"], sent["amount"], sent["residual"], sent["line_ids"]),
                         ("reconciled", "Y-1", "130.0", "0.0", ["L4"]))
        self.assertEqual(sent["payer_ref"], item.medsync_payer_ref)
        self.assertEqual(headers["Idempotency-Key"], out.idempotency_key)
        # undone: the platform hears it too
        item.remove_move_reconcile()
        undone = self.env["medsync.message"].search([("doc_type", "=", "billing_payment")]) - out
        self.assertEqual(json.loads(undone._payload_text())["event"], "unreconciled")

    # ------------------------------------------------------------------ daily reconciliation

    def test_daily_reconciliation_raises_and_resolves_drift(self):
        self.post("billing_batch", self.charges("C-1"), "c-1")
        self.run_jobs()
        self.post_now(self.batch("C-1"))
        totals = {"source": "HBT", "business_date": str(DAY), "currency": self.env.company.currency_id.name,
                  "rows": [{"department": "CARD-T", "account": "400910", "debit": "0", "credit": "150.00"},
                           {"department": "LAB-T", "account": "400910", "debit": "0", "credit": "30.00"},
                           {"account": "121910", "debit": "180.00", "credit": "0"}]}
        self.post("billing_daily_totals", totals, "t-1")
        self.run_jobs()
        day = self.env["medsync.billing.day"].search([("source", "=", "HBT"), ("business_date", "=", DAY)])
        self.assertEqual(day.state, "green", day.line_ids.mapped(lambda ln: (ln.account_code, ln.difference)))
        # a manual entry on cardiology's revenue that the platform never had: drift
        manual = self.env["account.move"].create({"move_type": "entry", "journal_id": self.other_journal.id,
                                                  "date": DAY, "line_ids": [
            Command.create({"account_id": self.revenue.id, "credit": 40.0, "name": "manual",
                            "analytic_distribution": {str(self.card.id): 100}}),
            Command.create({"account_id": self.bank.id, "debit": 40.0, "name": "manual"})]})
        manual.action_post()
        day.with_user(self.gl).action_recheck()
        self.assertEqual(day.state, "red")
        red = day.line_ids.filtered(lambda ln: ln.state == "red")
        self.assertEqual((red.department, red.account_code, red.difference), ("CARD-T", "400910", 40.0))
        exc = day.exception_id
        self.assertEqual((exc.reason_id.code, exc.state), ("BILLING_DRIFT", "open"))
        self.assertIn("HBT/C-1", exc.description)
        # the manual entry reversed: the day agrees again and the exception closes itself
        manual._reverse_moves([{"date": DAY}], cancel=True)
        day.with_user(self.gl).action_recheck()
        self.assertEqual((day.state, exc.state), ("green", "resolved"))

    # ------------------------------------------------------------------ who may do what

    def test_rights(self):
        # the platform's user posts documents, never entries, batches or mappings
        platform = self.system.user_id
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(platform).create({"move_type": "entry",
                                                                 "journal_id": self.journal.id})
        with self.assertRaises(AccessError):
            self.env["medsync.billing.batch"].with_user(platform).search([])
        # the poster writes entries in the billing journals only
        poster = self.env.ref("medsync.user_billing_poster")
        lines = [Command.create({"account_id": self.revenue.id, "credit": 1.0, "name": "x"}),
                 Command.create({"account_id": self.bank.id, "debit": 1.0, "name": "x"})]
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(poster).create(
                {"move_type": "entry", "journal_id": self.other_journal.id, "line_ids": lines})
        self.env["account.move"].with_user(poster).create(
            {"move_type": "entry", "journal_id": self.journal.id, "line_ids": lines})
        # a rule cannot point the poster at a sales, purchase, bank or cash journal
        sales = self.env["account.journal"].search([("type", "=", "sale")], limit=1)
        with self.assertRaisesRegex(ValidationError, "miscellaneous"):
            self.env["medsync.billing.rule"].with_user(self.gl).create(
                {"source": "HBT", "code": "EVIL", "account_id": self.revenue.id, "journal_id": sales.id})
        # finance's screens are not an AP clerk's
        with self.assertRaises(AccessError):
            self.env["medsync.billing.batch"].with_user(self.clerk).search([])
        # a GL accountant cannot write a batch's state over JSON-RPC, nor a payer reference on an item
        self.post("billing_batch", self.charges("X-1"), "x-1")
        self.run_jobs()
        batch = self.batch("X-1")
        self.authenticate("bl_gl", "bl_gl")
        _r, error = rpc(self, "medsync.billing.batch", "write", [batch.ids, {"state": "posted"}])
        self.assertTrue(error)
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "scheduled")

    def test_no_patient_data_is_kept(self):
        doc = self.charges("N-1")
        doc["lines"][0]["patient_name"] = "Jane Roe"
        res = self.post("billing_batch", doc, "n-1")
        self.assertEqual(res.status_code, 422)
        problems = res.json()["error"]["problems"]
        self.assertEqual((problems[0]["path"], problems[0]["rule"]), ("lines[0].patient_name", "unknown_field"))
        # a clear value dressed as a hash is hashed all the same
        doc = self.charges("N-2")
        doc["lines"][0]["payer_ref"] = "h:Jane Roe MRN 1234"
        self.assertEqual(self.post("billing_batch", doc, "n-2").status_code, 202)
        self.run_jobs()
        self.env.cr.execute("SELECT count(*) FROM medsync_billing_line WHERE payer_ref LIKE %s", ("%Jane%",))
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        refused = self.env["medsync.message"].search([("refused_key", "=", "n-1")])
        self.assertEqual(refused.state, "rejected")
        self.assertNotIn("Jane", refused._payload_text() or "")
        self.env.cr.execute("SELECT count(*) FROM medsync_message WHERE payload LIKE %s", ("%Jane%",))
        self.assertEqual(self.env.cr.fetchone()[0], 0)
