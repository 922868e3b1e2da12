"""A changed quantity, price, discount or unit on a PO line queues a re-check of its bills."""

from odoo import models


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
