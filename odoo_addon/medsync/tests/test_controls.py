"""The bypasses an attacker found, each replayed through Odoo's own JSON-RPC
as the role that tried it, and the audit each control leaves in the chatter."""

import json

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.medsync.services import guard, matching


@tagged("post_install", "-at_install")
class TestControls(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        mk = lambda login, groups, email=False: new_test_user(  # noqa: E731
            env, login=login, password=login + "-Pw-9", email=email, groups=f"base.group_user,{groups}")
        # the clerk is also a buyer, as in the attack; nobody here has an e-mail but the manager
        cls.clerk = mk("ctl_clerk", "medsync.group_medsync_ap_clerk,medsync.group_medsync_buyer")
        cls.manager = mk("ctl_manager", "medsync.group_medsync_ap_manager", "ap.manager@example.com")
        cls.inventory = mk("ctl_inventory", "medsync.group_medsync_inventory")
        cls.admin_stock = mk("ctl_stock_admin", "medsync.group_medsync_inventory,stock.group_stock_manager")
        env.company.medsync_no_po_policy = "hold"  # the attacks are on holds: bills without a PO are held
        cls.vendor = env["res.partner"].create({"name": "Control Test Vendor", "supplier_rank": 1})
        cls.product = env["product.product"].create({"name": "Control gloves", "type": "consu",
                                                     "purchase_method": "receive", "standard_price": 3.0})

    def rpc(self, user, model, method, args, kwargs=None):
        self.authenticate(user.login, user.login + "-Pw-9")
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1,
                   "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}}
        body = self.url_open("/web/dataset/call_kw", data=json.dumps(payload),
                             headers={"Content-Type": "application/json"}).json()
        return body.get("result"), body.get("error")

    def execute_kw(self, user, model, method, args, kwargs=None):
        """The external API: /jsonrpc, service object, execute_kw with the password."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": [self.env.cr.dbname, user.id, user.login + "-Pw-9", model, method, args, kwargs or {}]}}
        body = self.url_open("/jsonrpc", data=json.dumps(payload), headers={"Content-Type": "application/json"}).json()
        return body.get("result"), body.get("error")

    def bills(self, n, post=True):
        """``n`` vendor bills without a purchase order: each is held ("no PO")."""
        moves = self.env["account.move"].create([{
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": fields.Date.today(),
            "ref": f"CTL-{i}",
            "invoice_line_ids": [Command.create({"product_id": self.product.id, "quantity": 2, "price_unit": 7.5})],
        } for i in range(n)])
        if post:
            moves.action_post()
        return moves

    # ------------------------------------------------------------------ holds

    def test_clerk_cannot_release_a_hold_and_pay(self):
        bill = self.bills(1)
        matching.match_moves(bill)
        self.assertEqual(bill.medsync_match_state, "hold")
        _r, error = self.rpc(self.clerk, "account.move", "write", [bill.ids, {"medsync_match_state": "released"}])
        self.assertTrue(error)
        self.assertIn("MedSync's own actions", error["data"]["message"])
        _r, error = self.execute_kw(self.clerk, "account.move", "write", [bill.ids,
                                                                          {"medsync_match_state": "released"}])
        self.assertTrue(error)
        bill.invalidate_recordset()
        self.assertEqual(bill.medsync_match_state, "hold")
        # and the payment wizard refuses the held bill before anything is filled in
        _r, error = self.rpc(self.clerk, "account.payment.register", "create", [{}],
                             {"context": {"active_model": "account.move", "active_ids": bill.ids}})
        self.assertTrue(error)
        self.assertIn("payment hold", error["data"]["message"])
        self.assertEqual(bill.payment_state, "not_paid")

    def test_a_release_cannot_be_recorded_in_someone_elses_name(self):
        bill = self.bills(1)
        matching.match_moves(bill)
        _r, error = self.rpc(self.clerk, "account.move", "write", [bill.ids, {
            "medsync_hold_released_by_id": self.manager.id, "medsync_hold_release_note": "ok by manager"}])
        self.assertTrue(error)
        bill.invalidate_recordset()
        self.assertFalse(bill.medsync_hold_released_by_id)
        # the manager's own release, through the wizard, records the manager, why, and the chatter says so
        wizard, error = self.rpc(self.manager, "medsync.hold.release", "create",
                                 [{"move_ids": [Command.set(bill.ids)], "note": "Price confirmed by phone"}])
        self.assertFalse(error)
        _r, error = self.rpc(self.manager, "medsync.hold.release", "action_confirm", [[wizard]])
        self.assertFalse(error)
        bill.invalidate_recordset()
        self.assertRecordValues(bill, [{"medsync_match_state": "released",
                                        "medsync_hold_released_by_id": self.manager.id,
                                        "medsync_hold_release_note": "Price confirmed by phone"}])
        note = bill.message_ids.filtered(lambda m: "released by" in (m.body or ""))
        self.assertIn("Price confirmed by phone", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)
        tracked = bill.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "medsync_match_state")
        self.assertIn(("On hold", "Hold released"), [(t.old_value_char, t.new_value_char) for t in tracked])

    def test_bulk_match_writes_each_hold_in_the_chatter(self):
        bills = self.bills(1000)
        run = matching.match_moves(bills, trigger="cron")
        self.assertEqual(set(bills.mapped("medsync_match_state")), {"hold"})
        self.assertGreaterEqual(run.audit_seconds, 0.0)
        # one note per bill, with the tracked change and the reasons, as Odoo's tracking shows it (Odoo's own
        # tracking of the posting is written too once its precommit runs, at the latest on commit)
        hold_tracked = [("model", "=", "account.move"), ("res_id", "in", bills.ids),
                        ("tracking_value_ids.field_id.name", "=", "medsync_match_state")]
        notes = self.env["mail.message"].search(hold_tracked)
        self.assertEqual(len(notes), 1000)
        self.assertEqual(set(notes.mapped("res_id")), set(bills.ids))
        sample = bills[500]
        note = sample.message_ids & notes
        self.assertIn("No purchase order", note.body)
        self.assertEqual((note.tracking_value_ids.old_value_char, note.tracking_value_ids.new_value_char),
                         ("Not matched", "On hold"))
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(sample.write_uid, self.env.user)
        # matching again without a change writes nothing more
        matching.match_moves(bills, trigger="cron")
        self.assertEqual(self.env["mail.message"].search_count(hold_tracked), 1000)

    def test_a_release_does_not_survive_a_change_of_the_bill(self):
        bill = self.bills(1)
        matching.match_moves(bill)
        bill.with_user(self.manager)._medsync_release("Utility bill, no PO expected")
        self.assertEqual(bill.medsync_match_state, "released")
        matching.match_moves(bill)
        self.assertEqual(bill.medsync_match_state, "released", "the same bill: the release holds")
        # reset to draft, the amount edited, posted again: matched again at posting, held again
        bill.button_draft()
        bill.invoice_line_ids.price_unit = 75.0
        bill.action_post()
        self.assertEqual(bill.medsync_match_state, "hold")
        self.assertIn("On hold", " ".join(bill.message_ids.mapped("body")))

    # ------------------------------------------------------------------ exceptions

    def test_exception_waived_by_context_and_on_someone_elses_behalf(self):
        exc = self.env["medsync.exception"].create({
            "name": "Price 12.40 above PO 11.90", "reason_id": self.env.ref("medsync.reason_match_price_po").id,
            "owner_user_id": self.clerk.id})
        for user in (self.clerk,):
            _r, error = self.rpc(user, "medsync.exception", "write",
                                 [exc.ids, {"state": "waived", "closed_by_id": self.manager.id}],
                                 {"context": {"medsync_exception_lifecycle": True}})
            self.assertTrue(error)
        # the waive wizard as a clerk: refused, the reason's waive group is AP managers
        wizard, error = self.rpc(self.clerk, "medsync.exception.close", "create",
                                 [{"exception_ids": [Command.set(exc.ids)], "mode": "waive", "note": "small"}])
        if not error:
            _r, error = self.rpc(self.clerk, "medsync.exception.close", "action_confirm", [[wizard]])
        self.assertTrue(error)
        exc.invalidate_recordset()
        self.assertEqual((exc.state, exc.closed_by_id.id), ("open", False))
        self.assertTrue(exc.activity_ids, "the owner's to-do stays open")
        # the manager waives, as the manager, with the reason, and the to-do is done
        wizard, error = self.rpc(self.manager, "medsync.exception.close", "create",
                                 [{"exception_ids": [Command.set(exc.ids)], "mode": "waive", "note": "0.50 total"}])
        self.assertFalse(error)
        _r, error = self.rpc(self.manager, "medsync.exception.close", "action_confirm", [[wizard]])
        self.assertFalse(error)
        exc.invalidate_recordset()
        self.assertRecordValues(exc, [{"state": "waived", "closed_by_id": self.manager.id, "close_note": "0.50 total"}])
        self.assertFalse(exc.activity_ids)
        note = exc.message_ids.filtered(lambda m: "0.50 total" in (m.body or ""))
        self.assertEqual(note.author_id, self.manager.partner_id)

    # ------------------------------------------------------------------ four eyes

    def _four_eyes_line(self):
        location = self.env.ref("stock.stock_location_stock")
        snapshot = guard.privileged(self.env["medsync.stock.snapshot"]).create(
            {"source": "cabinet", "as_of": fields.Datetime.now(), "state": "reconciled"})
        return guard.privileged(self.env["medsync.stock.recon.line"]).create({
            "snapshot_id": snapshot.id, "company_id": self.env.company.id, "location_id": location.id,
            "product_id": self.product.id, "ext_qty": 12, "odoo_qty": 2, "diff": 10, "value": 7800,
            "approval": "four_eyes", "state": "to_approve", "diff_class": "over"})

    def test_four_eyes_cannot_be_skipped(self):
        line = self._four_eyes_line()
        for vals in ({"state": "approved"}, {"diff": 100, "approval": "auto"}, {"second_approved_by_id": 1}):
            _r, error = self.rpc(self.inventory, "medsync.stock.recon.line", "write", [line.ids, vals])
            self.assertTrue(error, vals)
        line.invalidate_recordset()
        self.assertEqual((line.state, line.diff, line.approval), ("to_approve", 10, "four_eyes"))
        # first approval, then the same person cannot give the second
        _r, error = self.rpc(self.admin_stock, "medsync.stock.recon.line", "action_approve", [line.ids])
        self.assertFalse(error)
        _r, error = self.rpc(self.admin_stock, "medsync.stock.recon.line", "action_approve_second", [line.ids])
        self.assertTrue(error)
        line.invalidate_recordset()
        self.assertEqual((line.state, line.approved_diff), ("second", 10))
        # applying before the second approval is refused
        _r, error = self.rpc(self.admin_stock, "medsync.stock.snapshot", "action_apply", [line.snapshot_id.ids])
        self.assertTrue(error)
        self.assertTrue(line.snapshot_id.message_ids.filtered(lambda m: "First approval" in (m.body or "")))

    def test_second_approval_holds_only_for_the_approved_difference(self):
        line = self._four_eyes_line()
        line.with_user(self.inventory).action_approve()
        guard.privileged(line).diff = 40  # what a new count would bring (a re-reconcile resets it entirely)
        with self.assertRaisesRegex(Exception, "changed since it was approved"):
            line.with_user(self.admin_stock).action_approve_second()

    # ------------------------------------------------------------------ settings

    def test_control_settings_are_on_record(self):
        rule = self.env["medsync.match.tolerance"].search([("scope", "=", "company")], limit=1)
        rule.write({"price_over_pct": 25.0})
        reason = self.env.ref("medsync.reason_match_price_po")
        reason.waive_group_id = self.env.ref("medsync.group_medsync_buyer")
        self.env.cr.flush()  # tracking is written when the transaction commits
        tracked = rule.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "price_over_pct")
        self.assertEqual(tracked[:1].new_value_float, 25.0)
        self.assertTrue(reason.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "waive_group_id"))
        self.env.company.medsync_hold_blocks_posting = True
        audit = self.env["medsync.audit"].search([("action", "=", "settings")], limit=1)
        self.assertIn("Held bills cannot be posted: False → True", audit.reason)
        self.assertEqual(audit.user_id, self.env.user)

    # ------------------------------------------------------------------ found by the attacker review

    def test_a_bill_waiting_for_no_po_approval_is_not_paid(self):
        self.env.company.medsync_no_po_policy = "approval"
        bill = self.bills(1)
        matching.match_moves(bill)
        self.assertEqual(bill.medsync_match_state, "to_approve")
        _r, error = self.rpc(self.clerk, "account.payment.register", "create", [{}],
                             {"context": {"active_model": "account.move", "active_ids": bill.ids}})
        self.assertTrue(error)
        self.assertIn("approved", error["data"]["message"])
        self.assertEqual(bill.payment_state, "not_paid")

    def test_matching_before_payment_covers_bills_nobody_matched(self):
        self.env.company.medsync_match_before_payment = True
        # a copy of a held bill starts unmatched: posting it matches it, and holds it again
        held = self.bills(1)
        matching.match_moves(held)
        copy = held.copy({"invoice_date": fields.Date.today()})
        self.assertEqual(copy.medsync_match_state, "none")
        copy.action_post()
        self.assertEqual(copy.medsync_match_state, "hold")
        # a posted bill nobody matched is matched before it is paid
        guard.privileged(copy).write({"medsync_match_state": "none"})  # as before MedSync looked at it
        _r, error = self.rpc(self.clerk, "account.payment.register", "create", [{}],
                             {"context": {"active_model": "account.move", "active_ids": copy.ids}})
        self.assertTrue(error)
        self.assertIn("payment hold", error["data"]["message"])
        self.assertEqual(copy.payment_state, "not_paid")

    def test_a_line_without_a_product_is_a_line_without_a_po(self):
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "Consulting, November", "quantity": 1,
                                                 "price_unit": 25000.0})]})
        matching.match_moves(bill)
        self.assertEqual(bill.medsync_match_state, "hold")
        self.assertIn("No purchase order", bill.medsync_hold_reason)

    def test_an_exception_keeps_its_reason_and_its_workers(self):
        stock = self.env["medsync.exception"].create({
            "name": "Drift on cabinet 3", "reason_id": self.env.ref("medsync.reason_core_manual").id,
            "amount": 900.0})
        billing = self.env["medsync.exception"].create({
            "name": "Price above PO", "reason_id": self.env.ref("medsync.reason_match_price_po").id})
        # re-labelled to a reason the buyer may waive: refused
        _r, error = self.rpc(self.clerk, "medsync.exception", "write",
                             [billing.ids, {"reason_id": self.env.ref("medsync.reason_hub_ack_exception").id}])
        self.assertTrue(error)
        # an inventory exception's value and due date are not a clerk's to change
        reconcile = self.env["medsync.exception.reason"].create({
            "code": "CTL_STOCK", "name": "Stock", "engine": "reconcile",
            "waive_group_id": self.env.ref("medsync.group_medsync_inventory").id})
        drift = self.env["medsync.exception"].create({"name": "Cabinet drift", "reason_id": reconcile.id,
                                                      "amount": 900.0})
        for vals in ({"amount": 0}, {"severity": "low", "date_due": "2030-01-01 00:00:00"}):
            _r, error = self.rpc(self.clerk, "medsync.exception", "write", [drift.ids, vals])
            self.assertTrue(error, vals)
        drift.invalidate_recordset()
        self.assertEqual((drift.amount, drift.reason_id), (900.0, reconcile))
        self.assertTrue(stock.exists())

    def test_users_without_email_work_exceptions(self):
        nomail = self.clerk  # no e-mail address
        exc = self.env["medsync.exception"].create({
            "name": "Missing receipt", "reason_id": self.env.ref("medsync.reason_match_price_po").id,
            "owner_user_id": self.manager.id})
        for mode, note in (("start", "calling the dock"), ("resolve", "received"), ("reopen", "wrong PO")):
            exc.with_user(nomail)._close(mode, note)
        exc.with_user(nomail).owner_user_id = self.manager  # the owner's to-do is given again
        self.assertEqual(exc.state, "open")
        self.assertTrue(exc.message_ids.filtered(lambda m: "wrong PO" in (m.body or "")))

    def test_raw_snapshot_rows_are_for_inventory_control(self):
        snapshot = guard.privileged(self.env["medsync.stock.snapshot"]).create(
            {"source": "cabinet", "as_of": fields.Datetime.now()})
        guard.privileged(self.env["medsync.stock.snapshot.row"]).create(
            {"snapshot_id": snapshot.id, "location_code": "CAB-1", "product_code": "0100312345678906", "qty": 4})
        _r, error = self.rpc(self.clerk, "medsync.stock.snapshot.row", "search_read", [[]], {"fields": ["qty"]})
        self.assertTrue(error)
        rows, error = self.rpc(self.inventory, "medsync.stock.snapshot.row", "search_read",
                               [[("snapshot_id", "=", snapshot.id)]], {"fields": ["qty"]})
        self.assertFalse(error)
        self.assertEqual([r["qty"] for r in rows], [4])
        # the snapshot itself still opens for a reader of MedSync, with its counts
        data, error = self.rpc(self.clerk, "medsync.stock.snapshot", "read", [snapshot.ids, ["row_count", "name"]])
        self.assertFalse(error)
        self.assertEqual(data[0]["row_count"], 1)

    def test_the_executive_overview_is_the_executives(self):
        # its menu is the executive's; so are its figures, by every path a clerk has
        executive = new_test_user(self.env, login="ctl_exec", password="ctl_exec-Pw-9", email=False,
                                  groups="base.group_user,medsync.group_medsync_executive")
        self.env["medsync.kpi.fact"]._refresh(self.env.company)
        month = fields.Date.to_string(fields.Date.today().replace(day=1))
        for method, args in (("dashboard_data", ["executive"]), ("action_refresh", ["executive"]),
                             ("kpi_action", ["executive", "exec_spend", month])):
            _r, error = self.rpc(self.clerk, "medsync.kpi.fact", method, args)
            self.assertEqual((error or {}).get("data", {}).get("name"), "odoo.exceptions.AccessError", method)
        for call in (self.rpc, self.execute_kw):
            rows, error = call(self.clerk, "medsync.kpi.fact", "search_read", [[("kpi", "=like", "exec_%")]],
                               {"fields": ["kpi", "value"]})
            self.assertFalse(error)
            self.assertEqual(rows, [], "a clerk reads none of the executive's facts")
            rows, error = call(self.clerk, "medsync.kpi.fact", "search_read", [[("kpi", "=", "ap_on_hold")]],
                               {"fields": ["role"]})
            self.assertEqual({r["role"] for r in rows}, {"ap"}, "the clerk's own overview stays open")
        # the executive reads his overview and the operational ones
        data, error = self.rpc(executive, "medsync.kpi.fact", "dashboard_data", ["executive"])
        self.assertFalse(error)
        self.assertEqual(data["role"], "executive")
        data, error = self.rpc(executive, "medsync.kpi.fact", "dashboard_data", ["ap"])
        self.assertFalse(error)
        # a fact cannot be moved to another dashboard by a write either
        fact = self.env["medsync.kpi.fact"].search([("role", "=", "executive")], limit=1)
        _r, error = self.rpc(executive, "medsync.kpi.fact", "write", [fact.ids, {"role": "ap"}])
        self.assertTrue(error)
        self.assertEqual(fact.role, "executive")
