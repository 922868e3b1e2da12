"""A ship notice's lines as the vendor announced them.

The hub's ASN handler fills the waiting receipt's move lines from the notice;
once the receiving clerk counts and corrects them, what was announced would be
lost. Each announced line is kept here, linked to the receipt and the order
line, so that a scorecard compares announced with received, lot by lot.
Written only by the hub; nobody edits or deletes them.
"""

from odoo import fields, models


class MedsyncAsnLine(models.Model):
    _name = "medsync.asn.line"
    _description = "Ship notice line, as announced"
    _order = "received_at desc, id"
    _rec_name = "asn_ref"
    _inherit = ["medsync.guarded"]
    # written only by the hub's ship notice handler: what the vendor announced stays as announced
    _medsync_protected = frozenset({"asn_ref", "picking_id", "line_id", "order_id", "product_id", "message_id",
                                    "received_at", "ship_date", "qty", "uom_name", "uom_id", "lot_name", "expiry",
                                    "sscc"})

    asn_ref = fields.Char("Ship notice", required=True, readonly=True, index=True)
    picking_id = fields.Many2one("stock.picking", "Receipt", required=True, index=True, ondelete="cascade",
                                 readonly=True)
    line_id = fields.Many2one("purchase.order.line", "Order line", index=True, ondelete="set null", readonly=True)
    order_id = fields.Many2one("purchase.order", "Purchase order", index=True, ondelete="set null", readonly=True)
    partner_id = fields.Many2one(related="order_id.partner_id", store=True, string="Vendor")
    company_id = fields.Many2one(related="picking_id.company_id", store=True, index=True)
    product_id = fields.Many2one("product.product", "Product", required=True, readonly=True)
    message_id = fields.Many2one("medsync.message", "Hub message", readonly=True, ondelete="set null")
    received_at = fields.Datetime("Notice received", required=True, readonly=True)
    ship_date = fields.Date("Shipped", readonly=True)
    qty = fields.Float("Quantity announced", digits="Product Unit of Measure", readonly=True)
    uom_name = fields.Char("Unit", readonly=True)
    uom_id = fields.Many2one("uom.uom", "Unit of the receipt", readonly=True,
                             help="The unit of the receipt's move the quantity is in.")
    lot_name = fields.Char("Lot / serial", readonly=True)
    expiry = fields.Date("Expiry", readonly=True)
    sscc = fields.Char("SSCC", readonly=True)
    qty_received = fields.Float("Quantity received", digits="Product Unit of Measure", compute="_compute_qty_received",
                                help="What the validated receipt holds of this product and lot.")

    def _compute_qty_received(self):
        # sudo: who may read the notice sees what its receipt holds, lots included, without stock rights
        for line in self.sudo():
            done = line.picking_id.move_line_ids.filtered(
                lambda ml, ln=line: ml.state == "done" and ml.product_id == ln.product_id
                and (ml.lot_id.name or "") == (ln.lot_name or ""))
            line.with_env(self.env).qty_received = sum(done.mapped("quantity"))
