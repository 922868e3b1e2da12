"""Supplier scorecards (issue 19): figures from real orders, receipts,
returns, acknowledgements and bills; the standing's gate (a warning, a block,
a compliance officer's override) through the ORM and JSON-RPC; the nightly
refresh rewriting only what changed; the printed review; the dashboard
narrowed to one vendor; the settings refusing weights that do not add up.
"""

from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.medsync.services import guard, scorecard
from odoo.addons.medsync.tests.test_role_matrix import rpc


@tagged("post_install", "-at_install")
class TestScorecard(AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.partner_id.tz = "UTC"
        cls.company.medsync_scorecard_min_lines = 1
        common = {"email": False, "company_id": cls.company.id}
        cls.buyer = new_test_user(cls.env, login="sc_buyer", password="sc_buyer-pw-1",
                                  groups="base.group_user,medsync.group_medsync_buyer,purchase.group_purchase_manager",
                                  **common)
        cls.purchaser = new_test_user(cls.env, login="sc_purchaser", password="sc_purchaser-pw-1",
                                      groups="base.group_user,purchase.group_purchase_user", **common)
        cls.officer = new_test_user(cls.env, login="sc_officer", password="sc_officer-pw-1",
                                    groups="base.group_user,medsync.group_medsync_compliance", **common)
        cls.category = cls.env["product.category"].create({"name": "Wound care"})
        cls.product = cls.env["product.product"].create({"name": "Gauze 4x4", "is_storable": True,
                                                         "categ_id": cls.category.id, "standard_price": 2.0})
        cls.slow = cls.env["res.partner"].create({"name": "Tardy Medical", "supplier_rank": 1, "is_company": True})
        cls.prompt = cls.env["res.partner"].create({"name": "Prompt Surgical", "supplier_rank": 1,
                                                    "is_company": True})
        cls.now = fields.Datetime.now().replace(microsecond=0)
        cls.as_of = cls.now + timedelta(days=5)
        cls.month = cls.now.date().replace(day=1)

    # ------------------------------------------------------------------ helpers

    def po(self, vendor, qtys, promised=None, price=2.0, user=None):
        po = self.env["purchase.order"].with_user(user or self.env.user).create({
            "partner_id": vendor.id, "company_id": self.company.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": q, "price_unit": price,
                                           "date_planned": promised or self.now}) for q in qtys]})
        return po

    def confirmed(self, vendor, qtys, promised=None):
        po = self.po(vendor, qtys, promised)
        po.button_confirm()
        self.assertEqual(po.state, "purchase")
        return po

    def receive(self, po, qtys, when=None):
        """Validate the order's open receipt with ``qtys`` per line (a short one leaves a backorder), dated
        ``when``."""
        picking = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(len(picking), 1)
        for move, qty in zip(picking.move_ids.sorted(lambda m: m.purchase_line_id.id), qtys, strict=True):
            move.quantity = qty
            move.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")
        if when:
            self.date_moves(picking.move_ids, when)
        return picking

    def date_moves(self, moves, when):
        moves.flush_recordset()
        self.env.cr.execute(SQL("UPDATE stock_move SET date = %s WHERE id = ANY(%s)", when, moves.ids))
        self.env.cr.execute(SQL("UPDATE stock_move_line SET date = %s WHERE move_id = ANY(%s)", when, moves.ids))
        self.env.invalidate_all()

    def give_back(self, picking, qty):
        wizard = self.env["stock.return.picking"].with_context(
            active_id=picking.id, active_ids=picking.ids, active_model="stock.picking").create({})
        for ret in wizard.product_return_moves:  # the first line's goods only
            ret.quantity = qty if ret == wizard.product_return_moves[0] else 0
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        returned.move_ids.quantity = qty
        returned.move_ids.picked = True
        returned._action_done()
        self.assertEqual(returned.state, "done")
        self.assertTrue(returned.move_ids.purchase_line_id, "a return stays on its order line")
        return returned

    def acknowledge(self, line, at, **vals):
        return guard.privileged(self.env["medsync.po.ack"].sudo()).create({
            "line_id": line.id, "received_at": at, "status": "accepted", "qty": line.product_qty, **vals})

    def refresh(self, now=None, **kw):
        return scorecard.refresh(self.env, self.company, now=now or self.as_of, **kw)

    def rows(self, vendor, category=False):
        return self.env["medsync.scorecard"].search([
            ("company_id", "=", self.company.id), ("partner_id", "=", vendor.id),
            ("category_id", "=", category.id if category else False)], order="month")

    def vendors_world(self, promised=None):
        """Tardy: one line on time and in full (later partly returned), one short then completed late. Prompt:
        one line on time and in full, acknowledged within the hour. Lines promised for ``promised`` (now)."""
        slow = self.confirmed(self.slow, [10, 10], promised=promised)
        first = self.receive(slow, [10, 4], when=promised)
        self.receive(slow, [6], when=(promised or self.now) + timedelta(days=3))
        self.give_back(first, 2)
        prompt = self.confirmed(self.prompt, [5], promised=promised)
        self.receive(prompt, [5], when=promised)
        self.acknowledge(prompt.order_line, prompt.date_approve + timedelta(hours=1))
        return slow, prompt

    def gate(self, poor="off", very_poor="off"):
        self.company.write({"medsync_scorecard_gate_poor": poor, "medsync_scorecard_gate_very_poor": very_poor})

    # ------------------------------------------------------------------ figures

    def test_figures_from_real_receipts_returns_and_acknowledgements(self):
        self.vendors_world()
        run = self.refresh(full=True)
        self.assertEqual(run.state, "done")
        slow = self.rows(self.slow).filtered(lambda r: r.month == self.month)
        self.assertRecordValues(slow, [{
            "lines_due": 2, "lines_otif": 1, "lines_filled": 1, "lines_backordered": 1, "lines_received": 2,
            "lines_returned": 1, "lines_sent": 0, "otif": 50.0, "fill_rate": 50.0, "backorder_rate": 50.0,
            "return_rate": 50.0, "has_score": True, "standing": "very_poor", "is_latest": True}])
        # 30 × 50 + 15 × 50 + 5 × 50 + 5 × 50 over the weights with data (55): 50
        self.assertAlmostEqual(slow.month_score, 50.0, places=4)
        self.assertAlmostEqual(slow.score, 50.0, places=4)
        self.assertLess(slow.lead_time_days, 1.0)
        prompt = self.rows(self.prompt)
        self.assertRecordValues(prompt, [{
            "month": self.month, "lines_due": 1, "lines_otif": 1, "lines_sent": 1, "lines_acked": 1,
            "lines_ack_on_time": 1, "ack_on_time": 100.0, "return_rate": 0.0, "standing": "excellent"}])
        self.assertAlmostEqual(prompt.ack_latency_hours, 1.0, places=3)
        # the category's comparison row, and the vendor's form
        self.assertEqual(self.rows(self.slow, self.category).lines_due, 2)
        self.assertEqual(self.slow.medsync_scorecard_standing, "very_poor")
        self.assertAlmostEqual(self.slow.medsync_scorecard_score, 50.0, places=1)
        # the standing change is on the vendor's chatter
        self.assertIn("Very poor", self.slow.message_ids[0].body)

    def test_target_can_be_the_last_acknowledged_date(self):
        """The vendor moved the date by acknowledging a later one: late against the first promise, on time
        against its own."""
        po = self.confirmed(self.slow, [10], promised=self.now - timedelta(days=20))
        self.acknowledge(po.order_line, self.now - timedelta(days=19),
                         promised_date=(self.now + timedelta(days=1)).date())
        self.receive(po, [10])
        self.refresh(full=True)
        first = self.rows(self.slow)
        self.assertEqual(sum(first.mapped("lines_due")), 1)
        self.assertEqual(sum(first.mapped("lines_otif")), 0)
        self.company.medsync_scorecard_target = "last_acknowledged"
        self.assertTrue(self.company.medsync_scorecard_stale, "a changed measure asks for a rebuild")
        self.refresh()
        self.assertFalse(self.company.medsync_scorecard_stale)
        last = self.rows(self.slow)
        self.assertEqual(sum(last.mapped("lines_due")), 1)
        self.assertEqual(sum(last.mapped("lines_otif")), 1)

    def test_cancelled_lines_are_left_out(self):
        po = self.confirmed(self.slow, [10])
        po.button_cancel()
        self.assertEqual(po.state, "cancel")
        self.confirmed(self.prompt, [5])
        self.refresh(full=True)
        self.assertFalse(self.rows(self.slow), "a cancelled order scores nothing")
        self.assertRecordValues(self.rows(self.prompt), [{"lines_due": 1, "lines_otif": 0, "otif": 0.0}])

    def test_price_accuracy_against_the_contract(self):
        self.env["product.supplierinfo"].create({"partner_id": self.prompt.id, "product_tmpl_id":
                                                 self.product.product_tmpl_id.id, "price": 2.0})
        po = self.confirmed(self.prompt, [5, 5])
        self.receive(po, [5, 5])
        bill = self.init_invoice("in_invoice", partner=self.prompt, invoice_date=self.now.date(), amounts=[1.0],
                                 taxes=[])
        bill.write({"invoice_line_ids": [Command.clear()] + [
            Command.create({"purchase_line_id": line.id, "product_id": self.product.id, "quantity": 5,
                            "price_unit": price, "tax_ids": []})
            for line, price in zip(po.order_line, (2.0, 2.3), strict=True)]})
        self.refresh(full=True)
        self.assertRecordValues(self.rows(self.prompt), [{"bill_lines": 2, "bill_accurate": 1, "billed_over_po": 1,
                                                          "price_accuracy": 50.0}])

    # ------------------------------------------------------------------ nightly

    def test_nightly_refresh_rewrites_only_what_changed(self):
        """Last night's refresh saw everything; since then, one return of Tardy's. Tonight recomputes Tardy alone
        and writes only the month whose figures moved."""
        old = self.now - timedelta(days=45)
        slow_old = self.confirmed(self.slow, [10], promised=old)
        self.receive(slow_old, [10], when=old)
        promised = self.now - timedelta(days=4)
        slow_new, _prompt = self.vendors_world(promised=promised)
        first = self.refresh(now=self.now, full=True)
        self.assertEqual(first.scope, "all vendors")
        stored = self.env["medsync.scorecard"].search([("company_id", "=", self.company.id)])
        self.assertGreaterEqual(len(self.rows(self.slow)), 2, "two months of Tardy")
        # the facts are older than last night's run
        self.env.flush_all()
        for table in ("purchase_order", "purchase_order_line", "medsync_po_ack", "stock_move", "account_move_line"):
            self.env.cr.execute(SQL("UPDATE %s SET write_date = %s, create_date = %s", SQL.identifier(table),
                                    self.now - timedelta(days=3), self.now - timedelta(days=3)))
        self.env.cr.execute(SQL("UPDATE medsync_run SET date_start = %s WHERE id = %s",
                                self.now - timedelta(days=1), first.id))
        self.env.invalidate_all()
        later = self.now + timedelta(minutes=5)
        quiet = self.refresh(now=later, trigger="cron")
        self.assertEqual(quiet.scope, "vendors: 0")
        self.assertFalse(self.env["medsync.scorecard"].search([("computed_at", "=", later)]))
        # Tardy's goods of four days ago go back: its vendor, that month, and nothing else
        self.give_back(slow_new.picking_ids.filtered(lambda p: p.state == "done").sorted("id")[0], 1)
        night = self.refresh(now=later, trigger="cron")
        self.assertEqual(night.scope, "vendors: 1")
        touched = self.env["medsync.scorecard"].search([("computed_at", "=", later)])
        self.assertTrue(touched)
        self.assertEqual(touched.partner_id, self.slow)
        self.assertEqual(set(touched.mapped("month")), {promised.date().replace(day=1)})
        self.assertEqual(len(self.env["medsync.scorecard"].search([("company_id", "=", self.company.id)])),
                         len(stored), "nothing added or lost")

    def test_nightly_refresh_sees_lines_falling_due(self):
        """A line nobody touched falls due when its date passes: it counts (as not delivered) that night."""
        po = self.confirmed(self.slow, [10], promised=self.now + timedelta(days=2))
        self.refresh(now=self.now, full=True)
        self.assertEqual(sum(self.rows(self.slow).mapped("lines_due")), 0)
        self.env.flush_all()
        for table in ("purchase_order", "purchase_order_line", "stock_move"):
            self.env.cr.execute(SQL("UPDATE %s SET write_date = %s, create_date = %s", SQL.identifier(table),
                                    self.now - timedelta(days=3), self.now - timedelta(days=3)))
        self.env.invalidate_all()
        run = self.refresh(now=self.now + timedelta(days=4), trigger="cron")
        self.assertEqual(run.scope, "vendors: 1")
        self.assertEqual(sum(self.rows(self.slow).mapped("lines_due")), 1)
        self.assertEqual(sum(self.rows(self.slow).mapped("lines_otif")), 0)
        self.assertTrue(po.order_line.medsync_first_promised)

    def test_first_promised_date_is_frozen_at_confirmation(self):
        po = self.po(self.slow, [3], promised=self.now + timedelta(days=7))
        self.assertFalse(po.order_line.medsync_first_promised)
        po.button_confirm()
        self.assertEqual(po.order_line.medsync_first_promised, self.now + timedelta(days=7))
        po.order_line.date_planned = self.now + timedelta(days=30)
        self.assertEqual(po.order_line.medsync_first_promised, self.now + timedelta(days=7))
        po.write({"order_line": [Command.create({"product_id": self.product.id, "product_qty": 1,
                                                 "date_planned": self.now + timedelta(days=9)})]})
        self.assertEqual(po.order_line[-1].medsync_first_promised, self.now + timedelta(days=9))

    # ------------------------------------------------------------------ gate

    def test_poor_standing_warns_the_buyer(self):
        self.vendors_world()
        self.refresh(full=True)
        self.gate(very_poor="warn")
        po = self.po(self.slow, [1], user=self.buyer)
        po.with_user(self.buyer).button_confirm()
        self.assertEqual(po.state, "purchase")
        self.assertIn("Scorecard warning", po.message_ids[0].body)
        self.assertIn("Very poor", po.message_ids[0].body)
        # the excellent vendor goes through without a word
        other = self.po(self.prompt, [1], user=self.buyer)
        other.with_user(self.buyer).button_confirm()
        self.assertFalse(other.message_ids.filtered(lambda m: "Scorecard warning" in (m.body or "")))

    def test_very_poor_standing_blocks_new_orders_until_overridden(self):
        self.vendors_world()
        self.refresh(full=True)
        self.gate(poor="warn", very_poor="block")
        po = self.po(self.slow, [1], user=self.buyer)
        self.assertTrue(po.medsync_vendor_standing_blocks)
        with self.assertRaisesRegex(UserError, "blocked by their standing"):
            po.with_user(self.buyer).button_confirm()
        # through JSON-RPC, as a buyer and as a purchase user without a MedSync role
        for user in (self.buyer, self.purchaser):
            self.authenticate(user.login, user.login + "-pw-1")
            _r, error = rpc(self, "purchase.order", "button_confirm", [po.ids])
            self.assertTrue(error, f"{user.login} confirmed over JSON-RPC")
            self.assertIn("standing", error["data"]["message"])
            _r, error = rpc(self, "purchase.order", "write", [po.ids, {"state": "purchase"}])
            self.assertTrue(error, f"{user.login} wrote the state over JSON-RPC")
            # and the standing itself is no one's to write
            _r, error = rpc(self, "medsync.scorecard", "write", [self.rows(self.slow).ids, {"standing": "excellent"}])
            self.assertTrue(error)
            _r, error = rpc(self, "res.company", "write", [self.company.ids, {"medsync_scorecard_gate_very_poor":
                                                                              "off"}])
            self.assertTrue(error)
        po.invalidate_recordset()
        self.assertEqual(po.state, "draft")
        # the buyer moves an existing draft of the good vendor to the blocked one: refused too
        good = self.po(self.prompt, [1], user=self.buyer)
        good.with_user(self.buyer).button_confirm()
        with self.assertRaisesRegex(UserError, "blocked by their standing"):
            good.with_user(self.buyer).write({"partner_id": self.slow.id})
        # a compliance officer lets this one order through, with a reason on record
        po.with_user(self.officer)._medsync_compliance_override("Sole source of the gauze this week")
        po.with_user(self.buyer).button_confirm()
        self.assertEqual(po.state, "purchase")

    # ------------------------------------------------------------------ screens

    def test_printed_review(self):
        self.vendors_world()
        self.refresh(full=True)
        action = self.slow.with_user(self.buyer).action_medsync_scorecard_print()
        self.assertEqual(action["report_name"], "medsync.report_medsync_scorecard")
        html, _kind = self.env["ir.actions.report"].with_user(self.buyer)._render_qweb_html(
            "medsync.action_report_medsync_scorecard", self.slow.ids)
        html = html.decode()
        for text in ("Tardy Medical", "Very poor", "On time in full", "50.0", "Wound care",
                     str(scorecard.METRICS["otif"])[:40]):
            self.assertIn(text, html)

    def test_vendor_scorecard_on_the_dashboard(self):
        self.vendors_world()
        self.refresh(full=True)
        action = self.slow.with_user(self.buyer).action_medsync_scorecard()
        self.assertEqual(action["params"], {"role": "scorecard", "vendor_id": self.slow.id})
        data = self.env["medsync.kpi.fact"].with_user(self.buyer).dashboard_data("scorecard",
                                                                                vendor_id=self.slow.id)
        by_code = {k["code"]: k for k in data["kpis"]}
        self.assertAlmostEqual(by_code["scorecard_otif"]["value"], 50.0, places=3)
        self.assertAlmostEqual(by_code["scorecard_score"]["value"], 50.0, places=3)
        self.assertEqual(len(by_code["scorecard_otif"]["trend"]), 12)
        self.assertIsNone(by_code["scorecard_ack_on_time"]["value"], "no order was sent: no figure, not 0 %")
        self.assertEqual(by_code["scorecard_otif"]["breakdown"], [])
        # the company's view: the vendors worst first
        company = {k["code"]: k for k in self.env["medsync.kpi.fact"].with_user(self.buyer).dashboard_data(
            "scorecard")["kpis"]}
        self.assertAlmostEqual(company["scorecard_otif"]["value"], 100.0 * 2 / 3, places=3)
        self.assertEqual([b["label"] for b in company["scorecard_otif"]["breakdown"]],
                         ["Tardy Medical", "Prompt Surgical"])

    def test_settings_refuse_weights_that_do_not_add_up(self):
        settings = self.env["res.config.settings"].create({"medsync_scorecard_w_otif": 50})
        self.assertEqual(settings.medsync_scorecard_weight_total, 120)
        with self.assertRaisesRegex(ValidationError, "add up to 120"):
            settings.execute()  # the request fails: nothing of it is kept
        self.company.medsync_scorecard_w_otif = 50  # written by a script, around the settings
        with self.assertRaisesRegex(UserError, "1. The weights add up to 120"):
            self.refresh(full=True)

    def test_time_zone_transitions(self):
        """New York's offsets over a year: winter, summer from the second Sunday of March, winter again."""
        out = scorecard.tz_transitions("America/New_York", datetime(2026, 1, 1), datetime(2027, 1, 1))
        self.assertEqual([o for _t, o in out], [-18000, -14400, -18000])
        self.assertEqual(datetime.utcfromtimestamp(out[1][0]), datetime(2026, 3, 8, 7, 0))
        self.assertEqual(datetime.utcfromtimestamp(out[2][0]), datetime(2026, 11, 1, 6, 0))
