"""Which match level a product's bill lines get."""

from odoo import fields, models

from .medsync_stock_tolerance import RISK_CLASSES


class ProductTemplate(models.Model):
    _inherit = "product.template"

    medsync_match_level = fields.Selection(
        [("auto", "Automatic"), ("two_way", "2-way (ordered)"), ("three_way", "3-way (received)"),
         ("consumption", "Consumption (consigned / bill-only)")],
        "Bill matching", default="auto", required=True,
        help="Automatic: services 2-way, everything else 3-way. Consumption matches what was used "
             "(consigned stock, bill-only implants).",
    )

    medsync_risk_class = fields.Selection(
        RISK_CLASSES, "Count risk class", default="1", required=True,
        help="Picks the count tolerance (with location and category) of reconciliations.")
