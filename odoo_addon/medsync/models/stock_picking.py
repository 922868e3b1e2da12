"""A validated receipt queues a re-check of the bills of its PO lines."""

from odoo import fields, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "medsync.guarded"]
    _medsync_protected = frozenset({"medsync_asn_ref"})  # the ship notice the hub applied

    medsync_asn_ref = fields.Char("Ship notice", copy=False, readonly=True, index="btree_not_null")

    def _action_done(self):
        res = super()._action_done()
        self.move_ids.purchase_line_id._medsync_recheck_bills()
        return res
