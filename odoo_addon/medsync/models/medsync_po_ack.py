"""Every acknowledgement a vendor sent for a purchase order line, as it came.

The order line keeps the vendor's latest answer (``medsync_ack_*``); this
model keeps each one, with the date the vendor promised in it, so that a
scorecard can measure against the first or the last promise and see how often
a vendor moved its date. Written only by the hub's acknowledgement handler;
nobody edits or deletes an acknowledgement (no write, create or unlink access).
"""

from odoo import fields, models

from .purchase_order_line import LINE_ACK


class MedsyncPoAck(models.Model):
    _name = "medsync.po.ack"
    _description = "Vendor acknowledgement of an order line"
    _order = "received_at desc, id desc"
    _rec_name = "line_id"
    _inherit = ["medsync.guarded"]
    # written only by the hub's acknowledgement handler
    _medsync_protected = frozenset({"line_id", "message_id", "received_at", "ack_date", "status", "qty", "price",
                                    "promised_date", "note"})

    line_id = fields.Many2one("purchase.order.line", "Order line", required=True, index=True, ondelete="cascade",
                              readonly=True)
    order_id = fields.Many2one(related="line_id.order_id", store=True, index=True)
    partner_id = fields.Many2one(related="line_id.order_id.partner_id", store=True, string="Vendor")
    company_id = fields.Many2one(related="line_id.order_id.company_id", store=True, index=True)
    product_id = fields.Many2one(related="line_id.product_id")
    message_id = fields.Many2one("medsync.message", "Hub message", readonly=True, ondelete="set null")
    received_at = fields.Datetime("Received", required=True, readonly=True,
                                  help="When MedSync received the acknowledgement (the hub accepted the message).")
    ack_date = fields.Date("Vendor's date", readonly=True, help="The date on the vendor's acknowledgement.")
    status = fields.Selection(LINE_ACK, "Vendor says", required=True, readonly=True)
    qty = fields.Float("Quantity", digits="Product Unit of Measure", readonly=True)
    price = fields.Float("Price", digits="Product Price", readonly=True)
    promised_date = fields.Date("Promised for", readonly=True,
                                help="The delivery date the vendor promised in this acknowledgement (its delivery "
                                     "date, or the backorder date of a backordered line).")
    note = fields.Char("Vendor's note", readonly=True)
