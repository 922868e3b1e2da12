"""Demo: what the executive dashboard needs on top of the other demos (loaded
from demo/medsync_executive_demo.xml only, after them).

- The scorecard demo's year of orders is charged to departments: each
  product's order lines carry an analytic distribution over the Departments
  plan (gauze split between the theatres and the emergency department), and
  each order was requested one to three days before it was confirmed.
- The theatres' supply cabinet holds the theatres' stock.
- The emergency department used up its gloves today: a stock-out.
- Two MedLine bills of last month had a 2 % early-payment discount: one was
  paid within ten days (taken), the other was not (lost).
- The year of facts is computed, so the trends are not empty.
"""

import datetime as dt

from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..services import kpi as registry

# product -> {department analytic account xmlid: percent}
DISTRIBUTIONS = {
    "medsync.product_gloves": {"medsync.analytic_or": 100},
    "medsync.product_gauze": {"medsync.analytic_or": 50, "medsync.analytic_ed": 50},
    "medsync.product_saline": {"medsync.analytic_icu": 100},
    "medsync.product_syringe": {"medsync.analytic_pharmacy": 70, "medsync.analytic_icu": 30},
}


class MedsyncDemoExecutive(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_executive_demo(self):
        env = self.env
        company = env.company
        self._executive_demo_departments(company)
        self._executive_demo_stockout(company)
        self._executive_demo_discounts(company)
        today = fields.Date.today()
        months = registry.trend_dates(registry.KPIS["exec_spend"], today)
        env["medsync.kpi.fact"]._refresh(company, days=[*months, today],
                                         kpis=[k.code for k in registry.for_role("executive")])

    def _executive_demo_departments(self, company):
        env = self.env
        lines = env["purchase.order.line"].search([("company_id", "=", company.id), ("state", "=", "purchase")])
        for xmlid, split in DISTRIBUTIONS.items():
            dist = {str(env.ref(acc).id): pct for acc, pct in split.items()}
            product = env.ref(xmlid)
            lines.filtered(lambda ln, p=product: ln.product_id == p).write({"analytic_distribution": dist})
        env.flush_all()
        # the requests behind the orders: a day or three before their (back-dated) confirmation
        env.cr.execute(SQL(
            """UPDATE purchase_order SET create_date = date_approve - (1 + mod(id, 3)) * interval '1 day'
                WHERE company_id = %s AND date_approve IS NOT NULL AND create_date > date_approve""", company.id))
        env.invalidate_all()
        cabinet = env["medsync.location.code"].search([("code", "=", "OR-CAB-1")], limit=1).location_id
        if cabinet:
            cabinet.medsync_department = "OR"

    def _executive_demo_stockout(self, company):
        env = self.env
        gloves, ed = env.ref("medsync.product_gloves"), env.ref("medsync.location_ed")
        scrap = env["stock.location"].search([("scrap_location", "=", True), ("company_id", "in", (False, company.id))],
                                             limit=1)
        on_hand = sum(env["stock.quant"].search([("product_id", "=", gloves.id), ("location_id", "=", ed.id)])
                      .mapped("quantity"))
        if not scrap or on_hand <= 0:
            return
        move = env["stock.move"].create({
            "name": "ED gloves: last box used, damaged stock written off", "product_id": gloves.id,
            "product_uom_qty": on_hand, "product_uom": gloves.uom_id.id, "location_id": ed.id,
            "location_dest_id": scrap.id, "company_id": company.id})
        move._action_confirm()
        move._action_assign()
        move.picked = True
        move._action_done()

    def _executive_demo_discounts(self, company):
        env = self.env
        vendor = env.ref("medsync.vendor_medline")
        term = env["account.payment.term"].create({
            "name": "2% 10 days, net 30 (MedLine)", "early_discount": True, "discount_percentage": 2,
            "discount_days": 10, "line_ids": [Command.create({"value": "percent", "value_amount": 100,
                                                              "nb_days": 30})]})
        first = fields.Date.today().replace(day=1)
        billed = first - dt.timedelta(days=25)  # last month: its discount date (+10 days) has passed
        bills = env["account.move"].create([{
            "move_type": "in_invoice", "partner_id": vendor.id, "ref": ref, "invoice_date": billed,
            "invoice_payment_term_id": term.id,
            "invoice_line_ids": [Command.create({"name": "Freight and handling, quarterly", "quantity": 1,
                                                 "price_unit": amount, "tax_ids": [Command.clear()]})],
        } for ref, amount in (("ML-DISC-0101", 2500.0), ("ML-DISC-0102", 1800.0))])
        bills.action_post()
        paid = bills[0]
        if paid.medsync_no_po_pending:
            # freight has no purchase order: the AP manager approves it, as the policy asks, before it is paid
            paid.with_user(env.ref("medsync.user_ap_manager")).action_medsync_approve_no_po()
        env["account.payment.register"].with_context(active_model="account.move", active_ids=paid.ids).create(
            {"payment_date": billed + dt.timedelta(days=5)})._create_payments()
