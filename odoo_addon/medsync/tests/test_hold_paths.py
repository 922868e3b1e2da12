"""A bill on MedSync payment hold cannot be paid by any path (issue 14).

Each way Odoo offers to pay a bill is tried on a held bill, from the ORM and
over ``/web/dataset/call_kw`` as an AP clerk without e-mail: the payment wizard
(one bill, a selection), a payment linked to the bill, an outstanding payment
added to the bill, ``reconcile()`` with a payment, a bank statement line or a
misc entry, a partial created by hand. Credit notes and reversals still reduce
a held bill, and a released bill pays.
"""

import json
from contextlib import contextmanager

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.medsync.services import guard

HOLD_REASON = "Price above PO"


@tagged("post_install", "-at_install")
class TestHoldPaths(AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.bill = cls._bill(1000.0, held=True)
        cls.free_bill = cls._bill(300.0)
        cls.clerk = new_test_user(
            cls.env, login="hold_clerk", groups="base.group_user,medsync.group_medsync_ap_clerk",
            email=False, company_id=cls.company_data["company"].id,
        )

    # ------------------------------------------------------------------ helpers

    @classmethod
    def _bill(cls, amount, held=False, move_type="in_invoice", **kwargs):
        bill = cls.init_invoice(move_type, partner=cls.partner_a, amounts=[amount], taxes=[], post=True,
                                invoice_date=kwargs.pop("invoice_date", "2019-01-01"), **kwargs)
        if held:
            guard.privileged(bill).write({"medsync_match_state": "hold", "medsync_hold_reason": HOLD_REASON})
        return bill

    @staticmethod
    def _payable(move):
        return move.line_ids.filtered(lambda line: line.account_type == "liability_payable")

    def _payment(self, amount, post=True, **vals):
        payment = self.env["account.payment"].create({
            "payment_type": "outbound",
            "partner_type": "supplier",
            "partner_id": self.partner_a.id,
            "amount": amount,
            "journal_id": self.bank_journal.id,
            **vals,
        })
        if post:
            payment.action_post()
        return payment

    def _wizard(self, moves):
        return self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=moves.ids).create({})

    @contextmanager
    def assertRefused(self, bills=None):
        """Refused (and rolled back), naming the held bills and sending the user to an AP manager."""
        bills = self.bill if bills is None else bills
        with self.assertRaises(UserError) as refusal:
            yield refusal
        message = str(refusal.exception)
        self.assertIn("AP manager", message)
        for name in bills.mapped("name"):
            self.assertIn(name, message)

    def assertUnpaid(self, bill, residual):
        bill.invalidate_recordset()
        self.assertRecordValues(bill, [{"payment_state": "not_paid", "amount_residual": residual,
                                        "medsync_match_state": "hold"}])
        self.assertFalse(self._payable(bill).matched_debit_ids)

    # ------------------------------------------------------------------ the payment wizard

    def test_wizard_one_bill(self):
        with self.assertRefused():
            self.bill.action_register_payment()
        with self.assertRefused():
            self._wizard(self.bill)
        with self.assertRefused():
            self.env["account.payment.register"].with_context(
                active_model="account.move.line", active_ids=self._payable(self.bill).ids,
            ).default_get(["line_ids"])
        # the lines given directly, without an active selection
        with self.assertRefused():
            self.env["account.payment.register"].create({"line_ids": [Command.set(self._payable(self.bill).ids)]})
        self.assertUnpaid(self.bill, 1000.0)

    def test_wizard_selection_refused_whole(self):
        payments_before = self.env["account.payment"].search_count([])
        with self.assertRefused() as refusal:
            self._wizard(self.bill | self.free_bill)
        self.assertNotIn(self.free_bill.name, str(refusal.exception))
        with self.assertRefused():
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=(self.bill | self.free_bill).ids,
            ).create({"group_payment": True})
        self.assertEqual(self.env["account.payment"].search_count([]), payments_before)
        self.assertUnpaid(self.bill, 1000.0)
        self.assertEqual(self.free_bill.payment_state, "not_paid")

    def test_wizard_opened_before_hold(self):
        bill = self._bill(200.0)
        wizard = self._wizard(bill)
        guard.privileged(bill).write({"medsync_match_state": "hold", "medsync_hold_reason": HOLD_REASON})
        with self.assertRefused(bill):
            wizard.action_create_payments()
        with self.assertRefused(bill):
            wizard._create_payments()
        self.assertUnpaid(bill, 200.0)

    # ------------------------------------------------------------------ a payment linked to the bill

    def test_linked_payment_not_posted(self):
        payment = self._payment(1000.0, post=False, invoice_ids=[Command.set(self.bill.ids)])
        with self.assertRefused():
            payment.action_post()
        with self.assertRefused():
            payment.action_validate()
        with self.assertRefused():
            payment.write({"state": "in_process"})
        self.assertEqual(payment.state, "draft")
        with self.assertRefused():
            self._payment(1000.0, post=False, state="paid", invoice_ids=[Command.set(self.bill.ids)])
        self.assertUnpaid(self.bill, 1000.0)

    def test_posted_payment_not_linked(self):
        payment = self._payment(1000.0)
        with self.assertRefused():
            payment.write({"invoice_ids": [Command.link(self.bill.id)]})
        self.assertUnpaid(self.bill, 1000.0)

    # ------------------------------------------------------------------ reconciliation with money

    def test_outstanding_payment_not_added(self):
        payment = self._payment(1000.0)
        line = self._payable(payment.move_id)
        with self.assertRefused():
            self.bill.js_assign_outstanding_line(line.id)
        self.assertUnpaid(self.bill, 1000.0)
        self.assertFalse(line.reconciled)

    def test_reconcile_with_payment_line(self):
        payment = self._payment(600.0)
        with self.assertRefused():
            (self._payable(self.bill) + self._payable(payment.move_id)).reconcile()
        # nor hidden in a plan beside a reconciliation that is allowed
        other = self._payment(300.0)
        with self.assertRefused():
            self.env["account.move.line"]._reconcile_plan([
                self._payable(self.free_bill) + self._payable(other.move_id),
                [self._payable(self.bill), self._payable(payment.move_id)],
            ])
        self.assertUnpaid(self.bill, 1000.0)
        self.assertEqual(self.free_bill.payment_state, "not_paid")

    def test_partial_created_by_hand(self):
        payment_line = self._payable(self._payment(1000.0).move_id)
        with self.assertRefused():
            self.env["account.partial.reconcile"].create({
                "debit_move_id": payment_line.id,
                "credit_move_id": self._payable(self.bill).id,
                "amount": 1000.0, "debit_amount_currency": 1000.0, "credit_amount_currency": 1000.0,
            })
        self.assertUnpaid(self.bill, 1000.0)

    def test_bank_statement_line(self):
        st_line = self.env["account.bank.statement.line"].create({
            "payment_ref": "pay the held bill",
            "journal_id": self.bank_journal.id,
            "partner_id": self.partner_a.id,
            "amount": -1000.0,
        })
        # as Odoo's own tests do without the (enterprise) reconciliation widget
        _liquidity, suspense, _other = st_line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        suspense.account_id = self._payable(self.bill).account_id
        with self.assertRefused():
            (suspense + self._payable(self.bill)).reconcile()
        self.assertUnpaid(self.bill, 1000.0)
        self.assertFalse(suspense.reconciled or suspense.matched_credit_ids or suspense.matched_debit_ids)

    def test_misc_entry(self):
        payable = self._payable(self.bill)
        entry = self.env["account.move"].create({
            "move_type": "entry",
            "date": "2019-01-15",
            "line_ids": [
                Command.create({"account_id": payable.account_id.id, "partner_id": self.partner_a.id,
                                "debit": 1000.0}),
                Command.create({"account_id": self.bank_journal.default_account_id.id, "credit": 1000.0}),
            ],
        })
        entry.action_post()
        with self.assertRefused():
            (payable + self._payable(entry)).reconcile()
        self.assertUnpaid(self.bill, 1000.0)

    # ------------------------------------------------------------------ what stays allowed

    def test_credit_note_reduces_held_bill(self):
        refund = self._bill(400.0, move_type="in_refund")
        self.bill.js_assign_outstanding_line(self._payable(refund).id)
        self.assertRecordValues(self.bill, [{"payment_state": "partial", "amount_residual": 600.0,
                                             "medsync_match_state": "hold"}])
        # a held credit note on a free bill too
        held_refund = self._bill(300.0, held=True, move_type="in_refund")
        (self._payable(self.free_bill) + self._payable(held_refund)).reconcile()
        self.assertEqual(self.free_bill.amount_residual, 0.0)

    def test_credit_note_with_exchange_difference(self):
        """The exchange difference entry Odoo adds inside an allowed reconciliation is not money."""
        currency = self.setup_other_currency("EUR")  # 3.0 in 2016, 2.0 from 2017
        bill = self._bill(300.0, held=True, currency=currency, invoice_date="2016-06-01")
        refund = self._bill(300.0, move_type="in_refund", currency=currency, invoice_date="2017-06-01")
        (self._payable(bill) + self._payable(refund)).reconcile()
        self.assertRecordValues(bill, [{"amount_residual": 0.0, "medsync_match_state": "hold"}])
        self.assertTrue(self._payable(bill).full_reconcile_id.exchange_move_id
                        or self._payable(bill).matched_debit_ids.exchange_move_id)

    def test_reversal_of_held_bill(self):
        reversal = self.bill._reverse_moves([{"invoice_date": fields.Date.today()}], cancel=True)
        self.assertTrue(reversal.reversed_entry_id == self.bill)
        self.assertEqual(self.bill.payment_state, "reversed")

    def test_released_bill_pays(self):
        guard.privileged(self.bill).write({"medsync_match_state": "released"})
        self._wizard(self.bill).action_create_payments()
        self.assertIn(self.bill.payment_state, ("paid", "in_payment"))
        # and an outstanding payment may be added to another released bill
        bill = self._bill(250.0, held=True)
        guard.privileged(bill).write({"medsync_match_state": "released"})
        bill.js_assign_outstanding_line(self._payable(self._payment(250.0).move_id).id)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))

    # ------------------------------------------------------------------ over RPC, as an AP clerk

    def _call_kw(self, model, method, args, kwargs=None):
        """/web/dataset/call_kw as the web client sends it; the decoded answer."""
        response = self.url_open("/web/dataset/call_kw", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }), headers={"Content-Type": "application/json"})
        response.raise_for_status()
        return response.json()

    def assertRpcRefused(self, answer):
        self.assertIn("error", answer, answer)
        error = answer["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn(self.bill.name, error["message"])
        self.assertIn("AP manager", error["message"])

    def test_rpc_as_clerk(self):
        payment_line = self._payable(self._payment(1000.0).move_id)
        bill_line = self._payable(self.bill)
        self.authenticate(self.clerk.login, "hold_clerk")
        self.assertRpcRefused(self._call_kw("account.move", "js_assign_outstanding_line",
                                            [[self.bill.id], payment_line.id]))
        self.assertRpcRefused(self._call_kw("account.move.line", "reconcile", [(bill_line + payment_line).ids]))
        self.assertRpcRefused(self._call_kw("account.partial.reconcile", "create", [{
            "debit_move_id": payment_line.id, "credit_move_id": bill_line.id,
            "amount": 1000.0, "debit_amount_currency": 1000.0, "credit_amount_currency": 1000.0,
        }]))
        self.assertRpcRefused(self._call_kw("account.payment.register", "create", [{}], {
            "context": {"active_model": "account.move", "active_ids": self.bill.ids}}))
        # a draft payment linked to the bill may be created, not posted
        linked = self._call_kw("account.payment", "create", [[{
            "payment_type": "outbound", "partner_type": "supplier", "partner_id": self.partner_a.id,
            "amount": 1000.0, "journal_id": self.bank_journal.id, "invoice_ids": [Command.set(self.bill.ids)],
        }]])["result"]
        self.assertRpcRefused(self._call_kw("account.payment", "action_post", [linked]))
        self.assertRpcRefused(self._call_kw("account.payment", "write", [linked, {"state": "paid"}]))
        self.env.invalidate_all()
        self.assertUnpaid(self.bill, 1000.0)
        self.assertFalse(payment_line.reconciled)
        self.assertEqual(self.env["account.payment"].browse(linked).state, "draft")
