"""What makes MedSync re-check bills: a receipt validated, a PO line changed,
a vendor price changed (a posted credit note: see account_move.py). The
re-check is queued, never done inline."""

from odoo import fields, models


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    def _medsync_recheck_bills(self):
        bills = self.sudo().invoice_lines.move_id  # sudo: the buyer who edits a PO may not read bills
        bills = bills.filtered(lambda m: m.move_type in ("in_invoice", "in_refund") and m.state != "cancel"
                               and m.medsync_match_state != "none")
        if bills:
            bills._medsync_enqueue_match()

    def write(self, vals):
        res = super().write(vals)
        if {"product_qty", "price_unit", "discount", "product_uom"} & vals.keys():
            self._medsync_recheck_bills()
        return res


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        self.move_ids.purchase_line_id._medsync_recheck_bills()
        return res


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    def write(self, vals):
        res = super().write(vals)
        if {"price", "min_qty", "date_start", "date_end", "currency_id"} & vals.keys():
            self._medsync_recheck_vendor_bills()
        return res

    def _medsync_recheck_vendor_bills(self):
        Move = self.env["account.move"].sudo()  # sudo: price list editors may not read bills
        for info in self:
            bills = Move.search([
                *Move._medsync_open_bills_domain(),
                ("commercial_partner_id", "=", info.partner_id.commercial_partner_id.id),
                ("invoice_line_ids.product_id.product_tmpl_id", "=", info.product_tmpl_id.id),
                ("medsync_match_state", "!=", "none"),
            ])
            bills._medsync_enqueue_match()


class ProductTemplate(models.Model):
    _inherit = "product.template"

    medsync_match_level = fields.Selection(
        [("auto", "Automatic"), ("two_way", "2-way (ordered)"), ("three_way", "3-way (received)"),
         ("consumption", "Consumption (consigned / bill-only)")],
        "Bill matching", default="auto", required=True,
        help="Automatic: services 2-way, everything else 3-way. Consumption matches what was used "
             "(consigned stock, bill-only implants).",
    )
