from datetime import datetime, time, timedelta

import odoo.tests.common as _common
from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

# the 2025-09 source tree lacks this; recent queue_job test helpers import it
_common.SETATTR_SOURCES = getattr(_common, "SETATTR_SOURCES", {})

from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402

from .common import MedsyncCase  # noqa: E402


@tagged("post_install", "-at_install")
class TestMatching(MedsyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.vendor = env["res.partner"].create({"name": "Nordic Surgical AB", "supplier_rank": 1})
        cls.buyer = cls.users["buyer"]
        cls.units = env.ref("uom.product_uom_unit")
        cls.box12 = env["uom.uom"].create({
            "name": "Box of 12 (test)", "category_id": cls.units.category_id.id, "uom_type": "bigger",
            "factor_inv": 12, "rounding": 0.01,
        })
        cls.gloves = env["product.product"].create({
            "name": "Nitrile gloves M", "is_storable": True, "type": "consu", "standard_price": 10,
            "purchase_method": "receive",
        })
        cls.cannula = env["product.product"].create({
            "name": "IV cannula 20G", "is_storable": True, "type": "consu", "uom_po_id": cls.box12.id,
            "purchase_method": "receive",
        })
        cls.sterilisation = env["product.product"].create({
            "name": "Instrument sterilisation service", "type": "service", "purchase_method": "purchase",
        })
        # the company's default tolerance from data: 0 % quantity, 2 % price, 50 cap, favourable passes
        cls.company.medsync_chunk_size = 5000

    # ------------------------------------------------------------------ helpers

    def make_po(self, lines, currency=None, partner=None):
        po = self.env["purchase.order"].create({
            "partner_id": (partner or self.vendor).id,
            "user_id": self.buyer.id,
            "currency_id": (currency or self.company.currency_id).id,
            "order_line": [Command.create({"product_id": p.id, "product_qty": q, "price_unit": price,
                                           **({"product_uom": uom.id} if uom else {})})
                           for p, q, price, uom in lines],
        })
        po.button_confirm()
        return po

    def receive(self, po, qty_by_product, return_qty=None):
        picking = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]
        for move in picking.move_ids:
            if move.product_id in qty_by_product:
                move.quantity = qty_by_product[move.product_id]
                move.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        return picking

    def bill_from(self, po, ref="INV-1", date="2026-11-02", qty=None, price=None):
        action = po.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"]) if action.get("res_id") else po.invoice_ids[-1:]
        bill.write({"ref": ref, "invoice_date": date})
        if qty is not None or price is not None:
            for line in bill.invoice_line_ids:
                line.write({**({"quantity": qty} if qty is not None else {}),
                            **({"price_unit": price} if price is not None else {})})
        return bill

    def manual_bill(self, lines, ref="INV-M", date="2026-11-02", move_type="in_invoice", currency=None):
        return self.env["account.move"].create({
            "move_type": move_type, "partner_id": self.vendor.id, "ref": ref, "invoice_date": date,
            "currency_id": (currency or self.company.currency_id).id,
            "invoice_line_ids": [Command.create({"product_id": pol.product_id.id, "quantity": q, "price_unit": p,
                                                 "purchase_line_id": pol.id, "product_uom_id": pol.product_uom.id})
                                 for pol, q, p in lines],
        })

    def results(self, bill):
        return bill.medsync_match_result_ids.sorted("move_line_id")

    def match(self, bills, user=None):
        bills = bills.with_user(user or self.users["ap_clerk"])
        bills.action_medsync_match()
        bills.invalidate_recordset()
        return bills.sudo()

    # ------------------------------------------------------------------ the scenarios

    def test_full_match_and_agreement_with_odoo_quantities(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        self.receive(po, {self.gloves: 10})
        bill = self.bill_from(po)
        bill = self.match(bill)
        res = self.results(bill)
        self.assertRecordValues(res, [{"status": "matched", "hold": False, "qty": 10, "qty_received": 10,
                                       "qty_ordered": 10, "level": "three_way"}])
        self.assertEqual(bill.medsync_match_state, "matched")
        pol = po.order_line
        # what MedSync reports as received and billed agrees with Odoo's own figures
        self.assertAlmostEqual(res.qty_received, pol.qty_received, places=6)
        self.assertAlmostEqual(res.qty_billed_before + res.qty, pol.qty_invoiced, places=6)
        run = self.env["medsync.run"].search([("engine", "=", "matching")], limit=1)
        self.assertEqual((run.state, run.input_count, run.user_id), ("done", 1, self.users["ap_clerk"]))
        # the vendor's bill is untouched
        self.assertEqual(bill.invoice_line_ids.quantity, 10)

    def test_over_billing_holds_payment_until_an_ap_manager_releases_it(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        self.receive(po, {self.gloves: 6})
        bill = self.bill_from(po, qty=8)
        bill.action_post()
        bill = self.match(bill)
        self.assertEqual(self.results(bill).status, "over_received")
        self.assertEqual(bill.medsync_match_state, "hold")
        self.assertIn("Over-billed vs received", bill.medsync_hold_reason)
        with self.assertRaisesRegex(UserError, "payment hold"):
            bill.action_register_payment()
        # paying through the wizard opened on another selection is refused as well
        with self.assertRaisesRegex(UserError, "payment hold"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=bill.ids).create({}).action_create_payments()
        # the exception went to the warehouse team, with the bill and PO line linked
        exc = self.env["medsync.exception"].search([("key", "=", f"match:{bill.id}:over_received")])
        self.assertEqual(exc.reason_code, "MATCH_OVER_RECEIVED")
        self.assertEqual(exc.owner_team_id, self.env.ref("medsync.team_warehouse"))
        self.assertEqual(set(exc.link_ids.mapped("res_model")), {"account.move.line", "purchase.order.line"})
        # a clerk may not release; a manager may, with a reason
        with self.assertRaises(UserError):
            bill.with_user(self.users["ap_clerk"]).action_medsync_release_hold()
        with self.assertRaises(UserError):
            bill.with_user(self.users["ap_manager"])._medsync_release(" ")
        action = bill.with_user(self.users["ap_manager"]).action_medsync_release_hold()
        wiz = Form(self.env["medsync.hold.release"].with_user(self.users["ap_manager"]).with_context(
            **action["context"]))
        wiz.note = "Vendor confirmed 2 boxes are on the next truck; pay to keep the discount"
        wiz.save().action_confirm()
        self.assertEqual(bill.medsync_match_state, "released")
        self.assertEqual(bill.medsync_hold_released_by_id, self.users["ap_manager"])
        self.assertTrue(bill.action_register_payment())
        # re-matching with the same cause keeps the release
        bill = self.match(bill)
        self.assertEqual(bill.medsync_match_state, "released")

    def test_price_variance_goes_to_the_buyer_and_tolerance_passes_small_ones(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        self.receive(po, {self.gloves: 10})
        bill = self.bill_from(po, price=10.5)  # +5 %: above the 2 % company tolerance
        bill = self.match(bill)
        res = self.results(bill)
        # confirming the PO put 10.00 on the vendor's price list: the contract leg outranks the PO leg,
        # and the explanation names both
        self.assertEqual(res.status, "price_above_contract")
        self.assertAlmostEqual(res.price_contract, 10.0)
        self.assertIn("above PO line", res.explanation)
        self.assertIn("above contract price 10", res.explanation)
        self.assertAlmostEqual(res.amount_variance, 5.0, places=2)
        exc = self.env["medsync.exception"].search([("res_id", "=", bill.id),
                                                    ("reason_code", "=", "MATCH_PRICE_CONTRACT")])
        self.assertEqual(exc.owner_user_id, self.buyer)
        self.assertEqual(exc.activity_ids.user_id, self.buyer)
        # the buyer's vendor rule allows 6 %: re-matching lifts the hold and resolves the exception
        self.env["medsync.match.tolerance"].create({
            "scope": "vendor", "partner_id": self.vendor.id, "use_price_over_pct": True, "price_over_pct": 6,
            "use_qty_over_pct": True, "qty_over_pct": 0,
        })
        bill = self.match(bill)
        self.assertEqual(self.results(bill).status, "within_tolerance")
        self.assertEqual(bill.medsync_match_state, "variance")
        self.assertEqual(exc.state, "resolved")
        # history is kept: two results for the line, one current
        all_results = self.env["medsync.match.result"].search([("move_line_id", "=", bill.invoice_line_ids.id)])
        self.assertEqual(len(all_results), 2)
        self.assertEqual(all_results.filtered("is_current").status, "within_tolerance")

    def test_bill_before_receipt_then_receipt_rechecks_it_through_a_queued_job(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        bill = self.manual_bill([(po.order_line, 10, 10.0)], ref="EARLY-1")
        bill = self.match(bill)
        self.assertEqual(self.results(bill).status, "missing_receipt")
        exc = self.env["medsync.exception"].search([("res_id", "=", bill.id),
                                                    ("reason_code", "=", "MATCH_MISSING_RECEIPT")])
        self.assertEqual(exc.owner_user_id, self.buyer, "no receiving responsible: the buyer")
        with trap_jobs() as trap:
            self.receive(po, {self.gloves: 10})
            trap.assert_jobs_count(1, only=bill._medsync_match_job)  # queued for this bill, not run inline
            self.assertEqual(bill.medsync_match_state, "hold")
            trap.perform_enqueued_jobs()
        bill.invalidate_recordset()
        self.assertEqual(bill.medsync_match_state, "matched")
        self.assertEqual(exc.state, "resolved")
        runs = self.env["medsync.run"].search([("engine", "=", "matching"), ("trigger", "=", "job")])
        self.assertTrue(runs)

    def test_box_of_twelve_two_way_service_and_returns(self):
        po = self.make_po([(self.cannula, 2, 24.0, self.box12), (self.sterilisation, 1, 300.0, None)])
        picking = self.receive(po, {self.cannula: 24})  # receipt moves are in the product's unit
        # return one box (12 units) to the vendor, to refund: received falls to 12 units
        ret_wiz = Form(self.env["stock.return.picking"].with_context(
            active_id=picking.id, active_model="stock.picking"))
        ret = ret_wiz.save()
        ret.product_return_moves.write({"quantity": 12, "to_refund": True})
        ret_picking = ret._create_return()
        ret_picking.move_ids.write({"quantity": 12, "picked": True})
        ret_picking._action_done()
        bill = self.manual_bill([(po.order_line[0], 1, 24.0), (po.order_line[1], 1, 300.0)], ref="BOX-1")
        bill = self.match(bill)
        res = self.results(bill)
        cannula = res.filtered(lambda r: r.product_id == self.cannula)
        service = res.filtered(lambda r: r.product_id == self.sterilisation)
        self.assertRecordValues(cannula, [{"status": "matched", "qty": 12, "qty_received": 12, "qty_ordered": 24,
                                           "price": 2.0, "price_po": 2.0}])
        # Odoo keeps qty_received in the PO line's unit (boxes), rounded there: compare the same way
        self.assertAlmostEqual(self.units._compute_quantity(cannula.qty_received, self.box12),
                               po.order_line[0].qty_received, places=6)
        self.assertRecordValues(service, [{"status": "matched", "level": "two_way"}])
        # a second box billed: over-billed vs received (the returned box)
        bill2 = self.manual_bill([(po.order_line[0], 1, 24.0)], ref="BOX-2", date="2026-11-05")
        bill2 = self.match(bill2)
        self.assertEqual(self.results(bill2).status, "missing_receipt")

    def test_credit_note_reduces_what_was_billed(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        self.receive(po, {self.gloves: 10})
        first = self.manual_bill([(po.order_line, 10, 10.0)], ref="A-1", date="2026-11-01")
        first.action_post()
        credit = self.manual_bill([(po.order_line, 3, 10.0)], ref="CN-1", date="2026-11-02", move_type="in_refund")
        second = self.manual_bill([(po.order_line, 3, 10.0)], ref="A-2", date="2026-11-03")
        bills = self.match(first | credit | second)
        self.assertEqual(self.results(credit).status, "credit_note")
        self.assertEqual(self.results(second).status, "matched")
        self.assertAlmostEqual(self.results(second).qty_billed_before, 7.0)
        self.assertEqual(bills.mapped("medsync_match_state"), ["matched", "matched", "matched"])
        self.assertAlmostEqual(po.order_line.qty_invoiced, 10.0)

    def test_discount_and_an_early_payment_discount_at_risk(self):
        term = self.env["account.payment.term"].create({
            "name": "2/10 net 30", "early_discount": True, "discount_percentage": 2, "discount_days": 10,
            "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})],
        })
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        po.order_line.discount = 10  # 9.00 net
        bill = self.manual_bill([(po.order_line, 10, 10.0)], ref="DISC-1", date=fields.Date.today())
        bill.invoice_payment_term_id = term
        bill.invoice_line_ids.discount = 10
        bill = self.match(bill)
        res = self.results(bill)
        self.assertRecordValues(res, [{"status": "missing_receipt", "price": 9.0, "price_po": 9.0}])
        exc = self.env["medsync.exception"].search([("res_id", "=", bill.id)])
        # SLA of missing receipt is 72 h, but the discount ends in 10 days: the SLA is earlier
        self.assertLessEqual(exc.date_due, fields.Datetime.now() + timedelta(hours=73))
        # a 2-day discount window is earlier than the SLA: due before the discount is lost
        term.discount_days = 2
        bill2 = self.manual_bill([(po.order_line, 10, 9.0)], ref="DISC-2", date=fields.Date.today())
        bill2.invoice_payment_term_id = term
        bill2 = self.match(bill2)
        exc2 = self.env["medsync.exception"].search([("res_id", "=", bill2.id)])
        self.assertEqual(exc2.date_due, datetime.combine(fields.Date.today() + timedelta(days=1), time(9, 0)))

    def test_near_duplicate_bill_is_held(self):
        po = self.make_po([(self.gloves, 20, 10.0, None)])
        self.receive(po, {self.gloves: 20})
        first = self.manual_bill([(po.order_line, 5, 10.0)], ref="INV-000123", date="2026-11-01")
        first.action_post()
        again = self.manual_bill([(po.order_line, 5, 10.0)], ref="inv 123", date="2026-11-04")
        again = self.match(again)
        self.assertEqual(self.results(again).status, "duplicate")
        self.assertIn(f"duplicate of bill {first.id}", self.results(again).explanation)
        exc = self.env["medsync.exception"].search([("res_id", "=", again.id), ("reason_code", "=", "MATCH_DUPLICATE")])
        self.assertEqual(exc.owner_team_id, self.env.ref("medsync.team_ap"))

    def test_foreign_currency_bill_compares_in_its_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        company_currency = self.company.currency_id
        if company_currency == eur:
            self.skipTest("company currency is EUR")
        self.env["res.currency.rate"].create({"currency_id": eur.id, "name": "2026-01-01", "rate": 0.5,
                                              "company_id": self.company.id})
        po = self.make_po([(self.gloves, 10, 10.0, None)], currency=eur)
        self.receive(po, {self.gloves: 10})
        bill = self.manual_bill([(po.order_line, 10, 10.4)], ref="EUR-1", currency=eur)
        bill = self.match(bill)
        res = self.results(bill)
        # +4 % in EUR whatever the rate: above 2 % (and above the EUR price list entry the PO created);
        # the variance is in company currency: 0.4 EUR x 10 at 0.5 EUR per unit of company currency = 8
        self.assertEqual(res.status, "price_above_contract")
        self.assertIn("above PO line", res.explanation)
        self.assertAlmostEqual(res.amount_variance, 8.0, places=2)

    def test_posting_can_be_blocked_by_a_setting(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        bill = self.manual_bill([(po.order_line, 10, 10.0)], ref="NOREC")
        bill = self.match(bill)
        self.assertEqual(bill.medsync_match_state, "hold")
        self.company.medsync_hold_blocks_posting = True
        with self.assertRaisesRegex(UserError, "does not post held bills"):
            bill.action_post()
        self.company.medsync_hold_blocks_posting = False
        bill.action_post()
        self.assertEqual(bill.state, "posted")

    def test_nightly_rematch_is_queued_in_chunks(self):
        po = self.make_po([(self.gloves, 30, 10.0, None)])
        self.receive(po, {self.gloves: 30})
        bills = self.env["account.move"]
        for k in range(3):
            bills |= self.manual_bill([(po.order_line, 10, 10.0)], ref=f"N-{k}", date=f"2026-11-0{k + 1}")
        with trap_jobs() as trap:
            count = self.env["account.move"]._cron_medsync_rematch(chunk=2)
            self.assertGreaterEqual(count, 3)
            trap.perform_enqueued_jobs()
        bills.invalidate_recordset()
        self.assertEqual(set(bills.mapped("medsync_match_state")), {"matched"})

    def test_another_companys_orders_are_never_used(self):
        # the same vendor sells to the other company: its PO there must not feed this bill
        other = self.env["purchase.order"].with_company(self.company_b).create({
            "partner_id": self.vendor.id, "company_id": self.company_b.id,
            "order_line": [Command.create({"product_id": self.gloves.id, "product_qty": 50, "price_unit": 10})],
        })
        other.with_company(self.company_b).button_confirm()
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor.id, "ref": "MC-1", "invoice_date": "2026-11-02",
            "invoice_line_ids": [Command.create({"product_id": self.gloves.id, "quantity": 5, "price_unit": 10})],
        })
        bill = self.match(bill)
        self.assertEqual(self.results(bill).status, "no_po")
        self.assertFalse(self.results(bill).purchase_line_id)

    def test_only_bill_users_can_match(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        bill = self.manual_bill([(po.order_line, 10, 10.0)], ref="X-1")
        with self.assertRaises(AccessError):
            bill.with_user(self.users["reader"]).action_medsync_match()
        self.assertEqual(bill.medsync_match_state, "none")

    # ------------------------------------------------------------------ the AP clerk's screens (issue 15)

    def test_quantity_variance_is_valued_and_the_bill_line_named(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        self.receive(po, {self.gloves: 10})
        bill = self.bill_from(po, qty=90)  # 80 units over-billed at the PO price: no price variance
        bill = self.match(bill)
        res = self.results(bill)
        self.assertEqual(bill.medsync_match_state, "hold")
        self.assertAlmostEqual(res.qty_variance, 80.0)
        self.assertEqual(self.company.currency_id.compare_amounts(res.amount_variance, 0.0), 0)
        # 900.00 billed for 90 units: 80 units over are worth 800.00, and the total variance says so
        self.assertEqual(self.company.currency_id.compare_amounts(res.amount_qty_variance, 800.0), 0)
        self.assertEqual(self.company.currency_id.compare_amounts(res.amount_total_variance, 800.0), 0)
        # the line, not the bill: its label and quantity in the bill's unit
        self.assertTrue(res.line_label.startswith("90 Units: "), res.line_label)
        self.assertIn("Nitrile gloves M", res.line_label)
        self.assertEqual(res.po_line_label, f"{po.name}, line {po.order_line.id}: 10 Units")
        # a partial bill under what was received is no quantity variance
        po2 = self.make_po([(self.gloves, 10, 10.0, None)])
        self.receive(po2, {self.gloves: 10})
        partial = self.match(self.bill_from(po2, ref="PART-1", qty=4))
        self.assertRecordValues(self.results(partial), [{"status": "matched", "amount_qty_variance": 0.0,
                                                         "amount_total_variance": 0.0}])

    def test_match_selected_tells_new_exceptions_from_those_still_open(self):
        po = self.make_po([(self.gloves, 10, 10.0, None)])
        self.receive(po, {self.gloves: 6})
        bill = self.bill_from(po, qty=8)
        clerk_bill = bill.with_user(self.users["ap_clerk"])
        first = clerk_bill.action_medsync_match()["params"]["message"]
        self.assertIn("1 on hold", first)
        self.assertIn("1 new exception(s)", first)
        self.assertNotIn("still open", first)
        again = clerk_bill.action_medsync_match()["params"]["message"]
        self.assertIn("0 new exception(s)", again)
        self.assertIn("1 exception(s) still open", again)
        run = self.env["medsync.run"].search([("engine", "=", "matching")], limit=1)
        self.assertEqual(run.exception_count, 0, "the run counts new exceptions only")
        exc = self.env["medsync.exception"].search([("key", "=", f"match:{bill.id}:over_received")])
        self.assertEqual((len(exc), exc.occurrence_count), (1, 2))

    # ------------------------------------------------------------------ bills without a purchase order

    def no_po_bill(self, amount, vendor=None, ref="UTIL-1"):
        return self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": (vendor or self.vendor).id, "ref": ref,
            "invoice_date": "2026-11-02",
            "invoice_line_ids": [Command.create({"name": "Electricity, November", "product_id": self.gloves.id,
                                                 "quantity": 1, "price_unit": amount, "tax_ids": False})],
        })

    def approval_exc(self, bill):
        return self.env["medsync.exception"].search([("res_model", "=", "account.move"), ("res_id", "=", bill.id),
                                                     ("reason_code", "=", "MATCH_NO_PO_APPROVAL")])

    def test_no_po_bill_goes_to_the_approver_not_on_hold(self):
        self.assertEqual(self.company.medsync_no_po_policy, "approval", "approval is the default policy")
        other = self.env["res.partner"].create({"name": "City Power & Light", "supplier_rank": 1})
        # approvers with no MedSync role but the read one (a controller, department heads), one without an e-mail
        invoicing = "base.group_user,account.group_account_invoice,medsync.group_medsync_user"
        controller = new_test_user(self.env, login="ms_controller", groups=invoicing, email=False)
        head = new_test_user(self.env, login="ms_head", groups=invoicing)
        vendor_head = new_test_user(self.env, login="ms_vendor_head", groups=invoicing)
        Rule = self.env["medsync.no.po.approver"].with_user(self.users["ap_manager"])
        Rule.create({"amount_min": 1000, "user_id": controller.id})  # every vendor from 1,000
        Rule.create({"amount_min": 0, "partner_id": self.vendor.id, "user_id": head.id})  # this vendor, any amount
        Rule.create({"amount_min": 3000, "partner_id": self.vendor.id, "user_id": vendor_head.id})
        small_other = self.no_po_bill(100, other, "PWR-1")  # no rule reached: the AP team, AP managers approve
        large_other = self.no_po_bill(2000, other, "PWR-2")  # the amount rule
        small_vendor = self.no_po_bill(2000, ref="NS-1")  # the vendor's rule wins over the amount rule
        large_vendor = self.no_po_bill(5000, ref="NS-2")  # the vendor's highest minimum reached
        bills = self.match(small_other | large_other | small_vendor | large_vendor)
        self.assertEqual(set(bills.mapped("medsync_match_state")), {"to_approve"})
        for bill in bills:
            self.assertRecordValues(self.results(bill), [{"status": "no_po", "hold": False, "amount_on_hold": 0.0}])
        owners = {bill: (self.approval_exc(bill).owner_user_id, self.approval_exc(bill).owner_team_id)
                  for bill in bills}
        ap_team = self.env.ref("medsync.team_ap")
        self.assertEqual(owners[small_other], (self.env["res.users"], ap_team))
        self.assertEqual(owners[large_other], (controller, ap_team))
        self.assertEqual(owners[small_vendor], (head, ap_team))
        self.assertEqual(owners[large_vendor], (vendor_head, ap_team))
        self.assertFalse(self.env["medsync.exception"].search([("res_id", "in", bills.ids),
                                                              ("reason_code", "=", "MATCH_NO_PO")]))
        # not held: it can be posted, but it is not paid before it is approved; the chatter says who approves
        small_other.action_post()
        with self.assertRaisesRegex(UserError, "until they are approved"):
            small_other.action_register_payment()
        self.assertIn("waiting for approval by an AP manager", " ".join(small_other.message_ids.mapped("body")))
        self.assertIn(f"waiting for approval by {controller.name}", " ".join(large_other.message_ids.mapped("body")))
        # the bill shows who approves and who may: the named approver, AP managers, nobody else
        self.assertEqual(large_other.with_user(controller).medsync_no_po_approver_id, controller)
        self.assertTrue(large_other.with_user(controller).medsync_no_po_can_approve)
        self.assertTrue(large_other.with_user(self.users["ap_manager"]).medsync_no_po_can_approve)
        self.assertFalse(large_other.with_user(self.users["ap_clerk"]).medsync_no_po_can_approve)
        self.assertFalse(large_other.with_user(head).medsync_no_po_can_approve)
        with self.assertRaisesRegex(UserError, "Only an AP manager or the approver"):
            large_other.with_user(head).action_medsync_approve_no_po()
        # the named approver approves (no MedSync working role, no e-mail)
        large_other.with_user(controller).action_medsync_approve_no_po()
        self.assertRecordValues(large_other, [{"medsync_match_state": "approved",
                                               "medsync_no_po_approved_by_id": controller.id}])
        self.assertEqual(self.approval_exc(large_other).state, "resolved")

    def test_no_po_approval_by_an_ap_manager_kept_until_the_bill_changes(self):
        bill = self.match(self.no_po_bill(400))
        exc = self.approval_exc(bill)
        self.assertEqual((bill.medsync_match_state, exc.state), ("to_approve", "open"))
        # a clerk may not approve, nor write the approval
        with self.assertRaisesRegex(UserError, "Only an AP manager"):
            bill.with_user(self.users["ap_clerk"]).action_medsync_approve_no_po()
        with self.assertRaises(AccessError):
            bill.with_user(self.users["ap_clerk"]).write({"medsync_no_po_approved_by_id": self.users["ap_clerk"].id})
        self.assertEqual(bill.medsync_match_state, "to_approve")
        action = bill.with_user(self.users["ap_manager"]).action_medsync_approve_no_po()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1 approval exception(s) resolved", action["params"]["message"])
        self.assertRecordValues(bill, [{"medsync_match_state": "approved",
                                        "medsync_no_po_approved_by_id": self.users["ap_manager"].id}])
        self.assertTrue(bill.medsync_no_po_approval_date)
        self.assertRecordValues(exc, [{"state": "resolved", "closed_by_id": self.users["ap_manager"].id}])
        self.assertIn("Approved without a purchase order", exc.close_note)
        note = bill.message_ids.filtered(lambda m: "Approved without a purchase order by" in (m.body or ""))
        self.assertEqual(note.author_id, self.users["ap_manager"].partner_id)
        # the nightly re-match keeps the approval of the same bill, and raises nothing again
        bill = self.match(bill)
        self.assertEqual(bill.medsync_match_state, "approved")
        self.assertEqual(len(self.approval_exc(bill)), 1)
        with self.assertRaisesRegex(UserError, "None of these bills waits"):
            bill.with_user(self.users["ap_manager"]).action_medsync_approve_no_po()
        # the amount changed: to approve again, by a new exception
        bill.invoice_line_ids.price_unit = 4000
        bill = self.match(bill)
        self.assertRecordValues(bill, [{"medsync_match_state": "to_approve", "medsync_no_po_approved_by_id": False}])
        self.assertEqual(sorted(self.approval_exc(bill).mapped("state")), ["open", "resolved"])

    def test_no_po_bill_is_held_when_the_company_says_so(self):
        self.company.medsync_no_po_policy = "hold"
        bill = self.match(self.no_po_bill(400))
        self.assertEqual(bill.medsync_match_state, "hold")
        self.assertIn("No purchase order", bill.medsync_hold_reason)
        self.assertRecordValues(self.results(bill), [{"status": "no_po", "hold": True}])
        exc = self.env["medsync.exception"].search([("res_id", "=", bill.id), ("res_model", "=", "account.move")])
        self.assertEqual(exc.reason_code, "MATCH_NO_PO")
        self.assertEqual(exc.owner_team_id, self.env.ref("medsync.team_buyers"))
        self.assertFalse(bill.medsync_no_po_pending)
        bill.action_post()
        with self.assertRaisesRegex(UserError, "payment hold"):
            bill.action_register_payment()
