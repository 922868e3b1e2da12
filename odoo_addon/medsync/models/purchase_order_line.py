"""The vendor's acknowledgement per line; a changed quantity, price, discount or unit
on a PO line queues a re-check of its bills."""

from odoo import api, fields, models

LINE_ACK = [("accepted", "Accepted"), ("backordered", "Backordered"), ("substituted", "Substituted"),
            ("rejected", "Rejected")]


class PurchaseOrderLine(models.Model):
    _name = "purchase.order.line"
    _inherit = ["purchase.order.line", "medsync.guarded"]
    _medsync_protected = frozenset({"medsync_line_no", "medsync_ack_status", "medsync_ack_qty", "medsync_ack_price",
                                    "medsync_ack_date", "medsync_ack_note", "medsync_substitute_id",
                                    "medsync_first_promised"})

    # the vendor's acknowledgement, as the hub received it (see services/hub_handlers.py)
    medsync_line_no = fields.Integer("Line no. sent", copy=False, readonly=True)
    medsync_ack_status = fields.Selection(LINE_ACK, "Vendor says", copy=False, readonly=True)
    medsync_ack_qty = fields.Float("Acknowledged qty", digits="Product Unit of Measure", copy=False, readonly=True)
    medsync_ack_price = fields.Float("Acknowledged price", digits="Product Price", copy=False, readonly=True)
    medsync_ack_date = fields.Date("Backorder date", copy=False, readonly=True)
    medsync_ack_note = fields.Char("Vendor's note", copy=False, readonly=True)
    medsync_substitute_id = fields.Many2one("product.product", "Substitute", copy=False, readonly=True)
    medsync_first_promised = fields.Datetime(
        "First promised", copy=False, readonly=True,
        help="The line's planned date when its order was confirmed. Kept as it was: a later change of the planned "
             "date, or a new date from the vendor, does not move it. Supplier scorecards measure on-time "
             "delivery against it (or against the vendor's last acknowledged date, per company setting).")
    medsync_ack_ids = fields.One2many("medsync.po.ack", "line_id", "Acknowledgements", readonly=True,
                                      groups="purchase.group_purchase_user,medsync.group_medsync_user")

    def _medsync_recheck_bills(self):
        bills = self.sudo().invoice_lines.move_id  # sudo: the buyer who edits a PO may not read bills
        bills = bills.filtered(lambda m: m.move_type in ("in_invoice", "in_refund") and m.state != "cancel"
                               and m.medsync_match_state != "none")
        if bills:
            bills._medsync_enqueue_match()

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id.filtered(lambda po: po.state in ("purchase", "done"))._medsync_keep_promises()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if {"product_qty", "price_unit", "discount", "product_uom"} & vals.keys():
            self._medsync_recheck_bills()
        return res
