"""External codes mapped to Odoo: locations (bin codes, GS1 GLNs) and
products (GTIN at any packaging level, HIBC LIC, vendor catalogue numbers).

Odoo's own data counts too and needs no mapping: a product's internal
reference (kind ``ref``), its barcode when it is a valid GTIN, and its
vendors' product codes (kind ``vendor``).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import engine


class MedsyncLocationCode(models.Model):
    _name = "medsync.location.code"
    _description = "MedSync external location code"
    _order = "code"

    code = fields.Char(required=True, index=True, help="Bin, cabinet or site code as the external system sends it, "
                                                       "or a GS1 Global Location Number (13 digits).")
    kind = fields.Selection([("code", "Code"), ("gln", "GS1 GLN")], required=True, default="code")
    location_id = fields.Many2one("stock.location", required=True, ondelete="cascade", index=True,
                                  domain="[('usage', '=', 'internal')]")
    company_id = fields.Many2one(related="location_id.company_id", store=True, index=True)
    source = fields.Char(help="External system this code belongs to (informative).")

    _sql_constraints = [
        ("code_company_unique", "unique(code, company_id)", "An external location code maps to one location."),
    ]

    @api.constrains("code", "kind")
    def _check_gln(self):
        for rec in self.filtered(lambda r: r.kind == "gln"):
            if not engine.core(self.env).valid_gln(rec.code.strip()):
                raise ValidationError(self.env._("%s is not a valid GS1 GLN (13 digits, check digit).", rec.code))


class MedsyncProductCode(models.Model):
    _name = "medsync.product.code"
    _description = "MedSync external product code"
    _order = "product_id, kind, code"

    kind = fields.Selection([("gtin", "GTIN"), ("hibc", "HIBC LIC (labeler + product + unit digit)"),
                             ("vendor", "Vendor catalogue number"), ("ref", "Other reference")],
                            required=True, default="gtin")
    code = fields.Char(required=True, index=True)
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade", index=True)
    factor = fields.Float("Units per code", default=1.0, required=True, digits="Product Unit of Measure",
                          help="How many units of the product's unit of measure one unit of this code holds "
                               "(a case GTIN of 12 boxes: 12).")
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company)

    _sql_constraints = [
        ("factor_positive", "CHECK(factor > 0)", "Units per code must be positive."),
        ("code_unique", "unique(kind, code, company_id)", "An external product code maps to one product."),
    ]

    @api.constrains("kind", "code")
    def _check_gtin(self):
        mc = engine.core(self.env)
        for rec in self.filtered(lambda r: r.kind == "gtin"):
            try:
                mc.gtin14(rec.code)
            except mc.InputError as exc:
                raise ValidationError(str(exc)) from exc
