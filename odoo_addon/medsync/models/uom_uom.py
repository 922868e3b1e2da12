"""The X12 code of a unit of measure (EA, BX, CA...): how an 856's SN103 or an
832's CTP05 names an Odoo unit, and what an 850 says for the order's unit."""

from odoo import api, fields, models

DEFAULT_CODES = {"uom.product_uom_unit": "EA", "uom.product_uom_dozen": "DZ", "uom.product_uom_kgm": "KG",
                 "uom.product_uom_gram": "GR", "uom.product_uom_litre": "LT"}


class UomUom(models.Model):
    _inherit = "uom.uom"

    medsync_x12_code = fields.Char("X12 unit code", size=2, index=True,
                                   help="ASC X12 unit or basis for measurement code (355), e.g. EA, BX, CA, DZ.")

    _sql_constraints = [("medsync_x12_code_uniq", "unique(medsync_x12_code)",
                         "An X12 unit code names one unit of measure.")]

    @api.model
    def _medsync_default_x12_codes(self):
        """The standard units' X12 codes, unless a unit already has one (or another unit took the code)."""
        taken = set(self.search([("medsync_x12_code", "!=", False)]).mapped("medsync_x12_code"))
        for xmlid, code in DEFAULT_CODES.items():
            unit = self.env.ref(xmlid, raise_if_not_found=False)
            if unit and not unit.medsync_x12_code and code not in taken:
                unit.medsync_x12_code = code
