"""Vendor compliance (issue 18): the purchasing gate through every path, the
officer's decisions and overrides, credentials and their reminders, the
legacy start, a merge that keeps the worst state.

Every refusal that a user could try from a script is tried over
``/web/dataset/call_kw`` as a user without e-mail, as well as from the ORM.
"""

import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.medsync.services import guard
from odoo.addons.medsync.tests.test_role_matrix import rpc


class ComplianceCase(AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        common = {"email": False, "company_id": cls.company.id}
        cls.buyer = new_test_user(cls.env, login="comp_buyer", password="comp_buyer-pw-1",
                                  groups="base.group_user,medsync.group_medsync_buyer,purchase.group_purchase_manager",
                                  **common)
        cls.clerk = new_test_user(cls.env, login="comp_clerk", password="comp_clerk-pw-1",
                                  groups="base.group_user,medsync.group_medsync_ap_manager", **common)
        cls.officer = new_test_user(cls.env, login="comp_officer", password="comp_officer-pw-1",
                                    groups="base.group_user,medsync.group_medsync_compliance", **common)
        cls.plain = new_test_user(cls.env, login="comp_plain", password="comp_plain-pw-1",
                                  groups="base.group_user,purchase.group_purchase_manager,account.group_account_manager,"
                                         "stock.group_stock_user", **common)
        cls.product = cls.env["product.product"].create({"name": "Suture kit", "is_storable": True,
                                                         "standard_price": 10.0})
        cls.vendor = cls.env["res.partner"].create({"name": "Gate Medical Supply", "supplier_rank": 1,
                                                    "is_company": True})
        cls.profile = cls.env.ref("medsync.profile_medsurg")

    # ------------------------------------------------------------------ helpers

    def gate(self, on=True, **modes):
        self.company.write({"medsync_compliance_gate": on, **{f"medsync_gate_{k}": v for k, v in modes.items()}})

    def set_state(self, vendor, state, note="test"):
        vendor.with_user(self.officer)._medsync_set_compliance(state, note)

    def po(self, vendor=None, confirm=False):
        po = self.env["purchase.order"].create({
            "partner_id": (vendor or self.vendor).id, "company_id": self.company.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": 5, "price_unit": 10.0})]})
        if confirm:
            po.button_confirm()
        return po

    def bill(self, vendor=None, post=False, amount=100.0):
        return self.init_invoice("in_invoice", partner=vendor or self.vendor, amounts=[amount], taxes=[],
                                 post=post, invoice_date=fields.Date.today())

    def decide(self, user, partners, decision, note="checked"):
        wizard, error = rpc(self, "medsync.compliance.decision", "create",
                            [{"decision": decision, "partner_ids": [Command.set(partners.ids)], "note": note}])
        if not error:
            _r, error = rpc(self, "medsync.compliance.decision", "action_apply", [[wizard]])
        return error

    def login(self, user):
        self.authenticate(user.login, user.login + "-pw-1")

    def assertRefusedRpc(self, error, text="compliance"):
        self.assertTrue(error, "accepted over JSON-RPC")
        self.assertIn(text.lower(), error["data"]["message"].lower())


@tagged("post_install", "-at_install")
class TestComplianceGate(ComplianceCase):

    def test_legacy_start_and_gate_off_by_default(self):
        """Partners that existed when MedSync was installed start approved
        (legacy); the gate is off until a company switches it on, so a new
        vendor still onboarding is ordered from, billed and paid."""
        self.assertEqual(self.env.ref("base.main_partner").medsync_compliance_state, "legacy")
        self.assertFalse(self.env["res.company"].new({"name": "x"}).medsync_compliance_gate)
        self.assertFalse(self.company.medsync_compliance_gate)
        self.assertEqual(self.vendor.medsync_compliance_state, "onboarding")
        po = self.po(confirm=True)
        self.assertEqual(po.state, "purchase")
        bill = self.bill(post=True)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids).create({})._create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))

    def test_po_confirmation_blocked_by_every_path(self):
        self.gate()
        # a draft may still be prepared, by hand or by script
        with Form(self.env["purchase.order"].with_user(self.buyer)) as form:
            form.partner_id = self.vendor
            with form.order_line.new() as line:
                line.product_id = self.product
        po = form.save()
        self.assertIn("Onboarding", po.medsync_vendor_compliance_problem)
        # the button
        with self.assertRaisesRegex(UserError, "not approved"):
            po.with_user(self.buyer).button_confirm()
        # JSON-RPC: the button's method, a write of the state, a second approval
        self.login(self.buyer)
        _r, error = rpc(self, "purchase.order", "button_confirm", [po.ids])
        self.assertRefusedRpc(error)
        _r, error = rpc(self, "purchase.order", "write", [po.ids, {"state": "purchase"}])
        self.assertRefusedRpc(error)
        po.write({"state": "to approve"})
        _r, error = rpc(self, "purchase.order", "button_approve", [po.ids])
        self.assertRefusedRpc(error)
        # an import of an order already confirmed
        result = self.env["purchase.order"].load(
            ["partner_id/id", "state", "order_line/product_id/id", "order_line/product_qty"],
            [[self._xmlid(self.vendor), "purchase", self._xmlid(self.product), "3"]])
        self.assertFalse(result["ids"])
        self.assertIn("not approved", " ".join(m["message"] for m in result["messages"]))
        po.invalidate_recordset()
        self.assertEqual(po.state, "to approve")
        # approved: it goes through
        self.set_state(self.vendor, "approved")
        po.button_approve()
        self.assertEqual(po.state, "purchase")

    def _xmlid(self, record):
        xmlid = record.get_external_id().get(record.id)
        if not xmlid:
            name = f"comp_{record._table}_{record.id}"
            self.env["ir.model.data"].create({"module": "__test__", "name": name, "model": record._name,
                                              "res_id": record.id})
            xmlid = f"__test__.{name}"
        return xmlid

    def test_odoo_blocking_purchase_warning_holds_at_confirmation(self):
        """Odoo checks its own "blocking" warning only in the form's onchange:
        MedSync refuses the confirmation whoever confirms, gate on or off."""
        self.vendor.write({"purchase_warn": "block", "purchase_warn_msg": "Recalled products, do not order"})
        po = self.po()
        self.login(self.buyer)
        _r, error = rpc(self, "purchase.order", "button_confirm", [po.ids])
        self.assertRefusedRpc(error, "Recalled products")
        self.assertEqual(po.state, "draft")

    def test_warn_mode_lets_through_with_a_note_and_an_exception(self):
        self.gate(po="warn", bill="warn", payment="warn")
        po = self.po()
        po.with_user(self.buyer).button_confirm()
        self.assertEqual(po.state, "purchase")
        self.assertIn("Compliance warning", " ".join(po.message_ids.mapped("body")))
        bill = self.bill()
        bill.with_user(self.clerk).action_post()
        self.assertEqual(bill.state, "posted")
        excs = self.env["medsync.exception"].search([("reason_code", "=", "COMPLIANCE_GATE_WARN"),
                                                     ("partner_id", "=", self.vendor.id)])
        self.assertEqual(sorted(excs.mapped("res_model")), ["account.move", "purchase.order"])
        self.assertEqual(excs.mapped("engine"), ["compliance", "compliance"])

    def test_bill_posting_and_every_payment_path_blocked(self):
        self.gate(bill="block", payment="block")
        bill = self.bill()
        self.login(self.clerk)
        _r, error = rpc(self, "account.move", "action_post", [bill.ids])
        self.assertRefusedRpc(error)
        _r, error = rpc(self, "account.move", "write", [bill.ids, {"state": "posted"}])
        self.assertRefusedRpc(error)
        self.assertEqual(bill.state, "draft")
        # posted under a warning, then payment blocked by every path
        self.gate(bill="warn", payment="block")
        bill.action_post()
        with self.assertRaisesRegex(UserError, "compliance"):
            bill.with_user(self.clerk).action_register_payment()
        with self.assertRaisesRegex(UserError, "compliance"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=bill.ids).create({})
        with self.assertRaisesRegex(UserError, "compliance"):
            self.env["account.payment"].create({
                "payment_type": "outbound", "partner_type": "supplier", "partner_id": self.vendor.id,
                "amount": 100.0, "journal_id": self.bank_journal.id, "invoice_ids": [Command.set(bill.ids)],
                "state": "in_process"})
        payment = self.env["account.payment"].create({
            "payment_type": "outbound", "partner_type": "supplier", "partner_id": self.vendor.id, "amount": 100.0,
            "journal_id": self.bank_journal.id, "invoice_ids": [Command.set(bill.ids)]})
        with self.assertRaisesRegex(UserError, "compliance"):
            payment.action_post()
        self.assertEqual(bill.payment_state, "not_paid")

    def test_suspension_holds_bills_stops_sending_and_receiving(self):
        self.set_state(self.vendor, "approved")
        po = self.po(confirm=True)
        bill = self.bill(post=True)
        draft = self.bill()
        self.set_state(self.vendor, "suspended", "OIG LEIE match under review")
        self.assertTrue(bill.medsync_compliance_hold and draft.medsync_compliance_hold)
        self.assertIn("OIG LEIE match under review", bill.medsync_compliance_hold_reason)
        self.assertIn("Compliance hold", " ".join(bill.message_ids.mapped("body")))
        # gate off: a suspended vendor is stopped all the same
        self.assertFalse(self.company.medsync_compliance_gate)
        with self.assertRaisesRegex(UserError, "compliance"):
            bill.action_register_payment()
        with self.assertRaisesRegex(UserError, "Suspended: OIG LEIE"):
            draft.action_post()
        # a re-match never lifts the compliance hold
        bill.with_user(self.clerk).action_medsync_match()
        self.assertTrue(bill.medsync_compliance_hold)
        # a new bill for the vendor arrives held
        self.assertTrue(self.bill().medsync_compliance_hold)
        # the confirmed order is not sent, its receipt not validated
        with self.assertRaisesRegex(UserError, "not sent"):
            po.action_rfq_send()
        picking = po.picking_ids
        picking.move_ids.quantity = 5
        with self.assertRaisesRegex(UserError, "receipts cannot be validated"):
            picking.button_validate()
        # approving again lifts the holds
        self.set_state(self.vendor, "approved", "cleared by the officer")
        self.assertFalse(bill.medsync_compliance_hold)
        self.assertIn("lifted", " ".join(bill.message_ids.mapped("body")))

    def test_override_only_by_an_officer_for_one_document(self):
        self.set_state(self.vendor, "approved")
        bill, other = self.bill(post=True), self.bill(post=True)
        self.set_state(self.vendor, "suspended", "screening")
        for user in (self.clerk, self.plain, self.buyer):
            self.login(user)
            wizard, error = rpc(self, "medsync.compliance.decision", "create", [{
                "decision": "override", "res_model": "account.move", "res_id": bill.id, "note": "pay rent"}])
            if not error:
                _r, error = rpc(self, "medsync.compliance.decision", "action_apply", [[wizard]])
            self.assertTrue(error, user.login)
            _r, error = rpc(self, "account.move", "_medsync_compliance_override", [bill.ids, "pay rent"])
            self.assertTrue(error, user.login)
            _r, error = rpc(self, "account.move", "write", [bill.ids, {
                "medsync_compliance_override_by_id": user.id, "medsync_compliance_hold": False}])
            self.assertTrue(error, user.login)
        self.assertFalse(bill.medsync_compliance_override_by_id)
        self.login(self.officer)
        wizard, error = rpc(self, "medsync.compliance.decision", "create", [{
            "decision": "override", "res_model": "account.move", "res_id": bill.id,
            "note": "Court-ordered payment for goods already used"}])
        self.assertFalse(error)
        _r, error = rpc(self, "medsync.compliance.decision", "action_apply", [[wizard]])
        self.assertFalse(error)
        bill.invalidate_recordset()
        self.assertEqual(bill.medsync_compliance_override_by_id, self.officer)
        self.assertFalse(bill.medsync_compliance_hold)
        self.assertIn("Court-ordered", " ".join(bill.message_ids.mapped("body")))
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids).create({})._create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        # the other bill of the same vendor is still stopped
        with self.assertRaisesRegex(UserError, "compliance"):
            other.action_register_payment()

    def test_decisions_need_an_officer_a_reason_and_the_requirements(self):
        self.vendor.medsync_compliance_profile_id = self.profile
        creds = self.vendor.with_user(self.buyer).medsync_credential_ids
        self.assertEqual(len(creds), len(self.profile.requirement_ids))
        self.assertEqual(set(creds.mapped("state")), {"missing"})
        for user in (self.buyer, self.clerk, self.plain):
            self.login(user)
            self.assertTrue(self.decide(user, self.vendor, "approve"), user.login)
            _r, error = rpc(self, "res.partner", "write", [self.vendor.ids, {"medsync_compliance_state": "approved"}])
            self.assertTrue(error, user.login)
        self.login(self.officer)
        error = self.decide(self.officer, self.vendor, "approve")
        self.assertRefusedRpc(error, "cannot be approved")
        self.assertIn("W-9", error["data"]["message"])
        # a buyer submits the evidence; it waits for review
        w9, coi = (creds.filtered(lambda c, k=k: c.kind == k) for k in ("w9", "insurance"))
        self.login(self.buyer)
        _r, error = rpc(self, "medsync.vendor.credential", "write", [w9.ids, {"number": "12-3456789"}])
        self.assertFalse(error)
        _r, error = rpc(self, "medsync.vendor.credential", "write", [w9.ids, {"review_state": "valid"}])
        self.assertTrue(error)
        _r, error = rpc(self, "medsync.vendor.credential", "action_accept", [w9.ids])
        self.assertTrue(error)
        self.assertEqual(w9.state, "submitted")
        coi.write({"number": "POL-1", "date_until": fields.Date.today() + timedelta(days=200)})
        (w9 | coi).with_user(self.officer).action_accept()
        self.assertEqual((w9 | coi).mapped("state"), ["valid", "valid"])
        # new evidence goes back to review
        coi.with_user(self.buyer).write({"date_until": fields.Date.today() + timedelta(days=300)})
        self.assertEqual(coi.state, "submitted")
        coi.with_user(self.officer).action_accept()
        self.login(self.officer)
        self.assertTrue(self.decide(self.officer, self.vendor, "approve", note=""), "no reason")
        self.assertFalse(self.decide(self.officer, self.vendor, "approve", note="W-9 and COI checked"))
        self.vendor.invalidate_recordset()
        self.assertRecordValues(self.vendor, [{"medsync_compliance_state": "approved",
                                               "medsync_compliance_by_id": self.officer.id,
                                               "medsync_compliance_note": "W-9 and COI checked"}])
        self.assertIn("W-9 and COI checked", " ".join(self.vendor.message_ids.mapped("body")))
        # a lapsed mandatory credential: not clear for the gate although approved
        yesterday = fields.Date.today() - timedelta(days=1)
        guard.privileged(coi).write({"date_until": yesterday, "accepted_until": yesterday})
        coi._refresh_state()
        self.gate()
        with self.assertRaisesRegex(UserError, "expired"):
            self.po().button_confirm()
        # a buyer's new end date (evidence waiting for review) does not clear it, nor does moving the credential
        self.login(self.buyer)
        _r, error = rpc(self, "medsync.vendor.credential", "write", [coi.ids, {"date_until": "2030-01-01"}])
        self.assertFalse(error)
        self.assertEqual(coi.state, "submitted")
        with self.assertRaisesRegex(UserError, "expired"):
            self.po().button_confirm()
        w9.with_user(self.buyer).write({"partner_id": self.env["res.partner"].create({"name": "Other"}).id})
        self.assertFalse(w9.accepted)
        with self.assertRaisesRegex(UserError, "W-9 and TIN match: no accepted evidence"):
            self.po().button_confirm()

    def test_expiry_reminders_once_per_step(self):
        self.vendor.write({"medsync_compliance_profile_id": self.profile.id, "user_id": self.buyer.id})
        coi = self.vendor.with_user(self.buyer).medsync_credential_ids.filtered(lambda c: c.kind == "insurance")
        coi.write({"number": "POL-9", "date_until": fields.Date.today() + timedelta(days=85)})
        coi.with_user(self.officer).action_accept()
        Cred = self.env["medsync.vendor.credential"].sudo()  # as the scheduled action runs

        def todos():
            return self.env["mail.activity"].search([("res_model", "=", "res.partner"),
                                                     ("res_id", "=", self.vendor.id)])
        Cred._cron_expiry()
        self.assertEqual(len(todos()), 1)
        self.assertEqual(todos().user_id, self.buyer)
        self.assertIn("90 days", todos().summary)
        Cred._cron_expiry()
        self.assertEqual(len(todos()), 1, "a step is reminded once")
        guard.privileged(coi).write({"date_until": fields.Date.today() + timedelta(days=25)})
        Cred._cron_expiry()
        self.assertEqual(len(todos()), 2)
        self.assertEqual(coi.state, "expiring")
        guard.privileged(coi).write({"date_until": fields.Date.today() - timedelta(days=1)})
        Cred._cron_expiry()
        self.assertEqual(coi.state, "expired")

    def test_replenishment_skips_vendors_the_gate_stops(self):
        blocked = self.env["res.partner"].create({"name": "Cheap Excluded Supply", "supplier_rank": 1})
        good = self.env["res.partner"].create({"name": "Approved Medical", "supplier_rank": 1})
        self.set_state(good, "approved")
        self.set_state(blocked, "blocked", "OFAC SDN")
        self.product.write({"seller_ids": [Command.create({"partner_id": blocked.id, "price": 5.0}),
                                           Command.create({"partner_id": good.id, "price": 9.0})],
                            "route_ids": [Command.set(self.env.ref("purchase_stock.route_warehouse0_buy").ids)]})
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)], limit=1)
        group = self.env["procurement.group"]
        group.run([group.Procurement(self.product, 4, self.product.uom_id, warehouse.lot_stock_id, "test", "test",
                                     self.company, {"warehouse_id": warehouse})])
        line = self.env["purchase.order.line"].search([("product_id", "=", self.product.id)])
        self.assertEqual(line.order_id.partner_id, good)
        # no cleared vendor at all: the replenishment says so
        self.set_state(good, "suspended", "screening")
        with self.assertRaisesRegex(Exception, "cleared by MedSync compliance"):
            group.run([group.Procurement(self.product, 4, self.product.uom_id, warehouse.lot_stock_id, "t2", "t2",
                                         self.company, {"warehouse_id": warehouse})])

    def test_merge_keeps_the_worst_state(self):
        blocked = self.env["res.partner"].create({"name": "Gate Medical Supply Inc", "supplier_rank": 1,
                                                  "is_company": True})
        self.set_state(self.vendor, "approved")
        self.set_state(blocked, "blocked", "SAM exclusion confirmed")
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.vendor | blocked).ids, self.vendor)
        self.assertEqual(self.vendor.medsync_compliance_state, "blocked")
        self.assertEqual(self.vendor.medsync_compliance_note, "SAM exclusion confirmed")
        # Odoo's own merge by a steward without an e-mail address: done, and noted in the chatter
        steward = new_test_user(self.env, login="comp_steward", email=False,
                                groups="base.group_user,medsync.group_medsync_steward")
        a = self.env["res.partner"].create({"name": "Dup Supply", "is_company": True, "supplier_rank": 1})
        b = self.env["res.partner"].create({"name": "Dup Supply Inc", "is_company": True, "supplier_rank": 1})
        wizard = self.env["base.partner.merge.automatic.wizard"].with_user(steward).create(
            {"partner_ids": [Command.set((a | b).ids)], "dst_partner_id": a.id})
        wizard.action_merge()
        self.assertFalse(b.exists() and b.active)
        self.assertIn("Merged with the following partners", " ".join(a.message_ids.mapped("body")))

    def test_irs_tin_matching_request_and_results(self):
        self.vendor.write({"medsync_compliance_profile_id": self.profile.id, "vat": "98-7654320", "ref": "V-GATE"})
        w9 = self.vendor.with_user(self.buyer).medsync_credential_ids.filtered(lambda c: c.kind == "w9")
        w9.write({"number": "98-7654320", "document_name": "w9.pdf"})
        w9.with_user(self.officer).action_accept()
        wizard = self.env["medsync.tin.match"].with_user(self.officer).create({})
        wizard.action_request()
        request = base64.b64decode(wizard.request_file).decode()
        self.assertIn("1;987654320;Gate Medical Supply;V-GATE", request)
        # the IRS answers: name and TIN do not match
        wizard.write({"result_file": base64.b64encode(b"1;987654320;GATE MEDICAL SUPPLY;V-GATE;3\r\n")})
        wizard.action_import()
        self.assertEqual(w9.tin_match_code, "3")
        self.assertEqual(w9.state, "submitted", "a W-9 whose TIN does not match is not valid")
        exc = self.env["medsync.exception"].search([("reason_code", "=", "COMPLIANCE_ONBOARDING"),
                                                    ("partner_id", "=", self.vendor.id)])
        self.assertEqual(len(exc), 1)
        self.assertIn("3: name and TIN do not match", exc.name)
        wizard.write({"result_file": base64.b64encode(b"1;987654320;GATE MEDICAL SUPPLY;V-GATE;7\r\n")})
        wizard.action_import()
        self.assertEqual((w9.tin_match_code, w9.state), ("7", "valid"))
        # a line answering for another tax id: nothing recorded
        wizard.write({"result_file": base64.b64encode(b"1;999999999;GATE MEDICAL SUPPLY;V-GATE;0\r\n")})
        with self.assertRaisesRegex(UserError, "line 1: TIN 999999999 is not V-GATE's"):
            wizard.action_import()
        self.assertEqual(w9.tin_match_code, "7")
        # a line that names no vendor: nothing recorded
        wizard.write({"result_file": base64.b64encode(b"1;111111111;NOBODY;V-NONE;0\r\n")})
        with self.assertRaisesRegex(UserError, "line 1: account V-NONE"):
            wizard.action_import()
        with self.assertRaises(UserError):
            self.env["medsync.tin.match"].with_user(self.buyer).create({}).action_request()

    def test_a_stopped_vendor_cannot_hide_under_an_approved_company(self):
        approved = self.env["res.partner"].create({"name": "Clean Parent Holdings", "is_company": True,
                                                   "supplier_rank": 1})
        self.set_state(approved, "approved")
        self.set_state(self.vendor, "blocked", "OFAC SDN")
        self.login(self.buyer)
        _r, error = rpc(self, "res.partner", "write", [self.vendor.ids, {"parent_id": approved.id}])
        self.assertRefusedRpc(error, "cannot be attached")
        self.assertFalse(self.vendor.parent_id)
        # a contact blocked in its own name stops its company's documents too
        contact = self.env["res.partner"].create({"name": "Rogue Rep", "parent_id": approved.id})
        # (decisions apply to the company; a vendor stopped before it was attached keeps its own state)
        guard.privileged(contact).write({"medsync_compliance_state": "blocked"})
        self.assertEqual(approved.medsync_compliance_state, "approved")
        with self.assertRaisesRegex(UserError, "Rogue Rep"):
            self.po(vendor=contact).button_confirm()

    def test_holes_found_by_the_attack(self):
        """What an attacker tried over JSON-RPC and got through, now refused: a purchase receipt posted and paid,
        a payment without a bill, a vendor switched in the confirming write or after confirmation, a receipt
        relabelled to another vendor, an onboarding vendor attached under an approved company."""
        self.set_state(self.vendor, "suspended", "LEIE hit")
        approved = self.env["res.partner"].create({"name": "Clean Medical", "is_company": True, "supplier_rank": 1})
        self.set_state(approved, "approved")
        # a purchase receipt (a bill without the paperwork)
        receipt = self.env["account.move"].create({
            "move_type": "in_receipt", "partner_id": self.vendor.id, "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "gloves", "quantity": 1, "price_unit": 50.0})]})
        self.assertTrue(receipt.medsync_compliance_hold)
        with self.assertRaisesRegex(UserError, "LEIE hit"):
            receipt.action_post()
        # money out without a bill
        self.login(self.clerk)
        payment, error = rpc(self, "account.payment", "create", [{
            "payment_type": "outbound", "partner_type": "supplier", "partner_id": self.vendor.id, "amount": 55.0,
            "journal_id": self.bank_journal.id}])
        self.assertFalse(error)
        _r, error = rpc(self, "account.payment", "action_post", [[payment]])
        self.assertRefusedRpc(error, "no payment to a vendor that is not cleared")
        self.assertEqual(self.env["account.payment"].browse(payment).state, "draft")
        # the vendor switched in the confirming write, or after confirmation
        self.gate()
        self.login(self.buyer)
        po = self.po(vendor=approved)
        _r, error = rpc(self, "purchase.order", "write", [po.ids, {"partner_id": self.vendor.id,
                                                                  "state": "purchase"}])
        self.assertRefusedRpc(error)
        self.assertEqual((po.state, po.partner_id), ("draft", approved))
        po.button_confirm()
        _r, error = rpc(self, "purchase.order", "write", [po.ids, {"partner_id": self.vendor.id}])
        self.assertRefusedRpc(error)
        # a receipt of a suspended vendor's order relabelled to another vendor
        self.set_state(approved, "suspended", "screening")
        picking = po.picking_ids
        picking.write({"partner_id": self.env["res.partner"].create({"name": "Someone else"}).id})
        picking.move_ids.quantity = 5
        with self.assertRaisesRegex(UserError, "Clean Medical"):
            picking.button_validate()
        # an onboarding vendor attached under an approved company, where the gate is on
        newcomer = self.env["res.partner"].create({"name": "Newcomer Supply", "supplier_rank": 1})
        self.set_state(approved, "approved")
        _r, error = rpc(self, "res.partner", "write", [newcomer.ids, {"parent_id": approved.id}])
        self.assertTrue(error)
        self.assertFalse(newcomer.parent_id)

