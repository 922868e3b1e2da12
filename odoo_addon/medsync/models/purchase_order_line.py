"""The vendor's acknowledgement per line; a changed quantity, price, discount or unit
on a PO line queues a re-check of its bills."""

from odoo import fields, models

LINE_ACK = [("accepted", "Accepted"), ("backordered", "Backordered"), ("substituted", "Substituted"),
            ("rejected", "Rejected")]


class PurchaseOrderLine(models.Model):
    _name = "purchase.order.line"
    _inherit = ["purchase.order.line", "medsync.guarded"]
    _medsync_protected = frozenset({"medsync_line_no", "medsync_ack_status", "medsync_ack_qty", "medsync_ack_price",
                                    "medsync_ack_date", "medsync_ack_note", "medsync_substitute_id"})

    # the vendor's acknowledgement, as the hub received it (see services/hub_handlers.py)
    medsync_line_no = fields.Integer("Line no. sent", copy=False, readonly=True)
    medsync_ack_status = fields.Selection(LINE_ACK, "Vendor says", copy=False, readonly=True)
    medsync_ack_qty = fields.Float("Acknowledged qty", digits="Product Unit of Measure", copy=False, readonly=True)
    medsync_ack_price = fields.Float("Acknowledged price", digits="Product Price", copy=False, readonly=True)
    medsync_ack_date = fields.Date("Backorder date", copy=False, readonly=True)
    medsync_ack_note = fields.Char("Vendor's note", copy=False, readonly=True)
    medsync_substitute_id = fields.Many2one("product.product", "Substitute", copy=False, readonly=True)

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
