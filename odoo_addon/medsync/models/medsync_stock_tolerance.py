"""Count tolerances: what a reconciliation may correct without a person
(auto), and above which value a second approver is needed (four eyes)."""

from odoo import fields, models

RISK_CLASSES = [("1", "Low"), ("2", "Medium"), ("3", "High (controlled, implants)")]


class MedsyncStockTolerance(models.Model):
    _name = "medsync.stock.tolerance"
    _description = "MedSync count tolerance"
    _inherit = ["medsync.tracked.settings"]
    _order = "company_id, location_id, categ_id, risk_class"

    name = fields.Char(required=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    location_id = fields.Many2one("stock.location", "Location", domain="[('usage', '=', 'internal')]",
                                  help="Empty: any location. The most specific rule applies: location, then "
                                       "category, then risk class.")
    categ_id = fields.Many2one("product.category", "Product category")
    risk_class = fields.Selection(RISK_CLASSES)
    use_auto_qty = fields.Boolean("Limit quantity")
    auto_qty = fields.Float("Auto-approve up to (units)", digits="Product Unit of Measure")
    use_auto_pct = fields.Boolean("Limit %")
    auto_pct = fields.Float("Auto-approve up to (%)")
    use_auto_value = fields.Boolean("Limit value")
    auto_value = fields.Monetary("Auto-approve up to (value)")
    use_four_eyes = fields.Boolean("Four eyes above a value")
    four_eyes_value = fields.Monetary("Second approver above (value)")

    def _engine_columns(self):
        cols = {k: [] for k in ("rule_id", "location_id", "category_id", "risk_class", "auto_qty", "auto_pct",
                                "auto_value", "four_eyes_value")}
        for r in self:
            cols["rule_id"].append(r.id)
            cols["location_id"].append(r.location_id.id or 0)
            cols["category_id"].append(r.categ_id.id or 0)
            cols["risk_class"].append(int(r.risk_class or 0))
            cols["auto_qty"].append(r.auto_qty if r.use_auto_qty else None)
            cols["auto_pct"].append(r.auto_pct if r.use_auto_pct else None)
            cols["auto_value"].append(r.auto_value if r.use_auto_value else None)
            cols["four_eyes_value"].append(r.four_eyes_value if r.use_four_eyes else None)
        return cols
