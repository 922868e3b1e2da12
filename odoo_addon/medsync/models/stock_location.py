"""Who answers for a location's stock differences."""

from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    medsync_responsible_id = fields.Many2one(
        "res.users", "Stock responsible (MedSync)",
        help="Receives the reconciliation exceptions of this location (and of its children without one).")
    # MedSync's own records: for its roles only (a stock user without one reads locations freely)
    medsync_code_ids = fields.One2many("medsync.location.code", "location_id", "External codes",
                                       groups="medsync.group_medsync_user")

    def _medsync_responsible(self):
        loc = self
        while loc:
            if loc.medsync_responsible_id:
                return loc.medsync_responsible_id
            loc = loc.location_id
        return self.env["res.users"]
