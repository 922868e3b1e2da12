"""A validated receipt queues a re-check of the bills of its PO lines."""

from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        self.move_ids.purchase_line_id._medsync_recheck_bills()
        return res
