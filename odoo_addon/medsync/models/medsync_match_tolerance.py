from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

SCOPES = [("company", "Company"), ("vendor", "Vendor"), ("category", "Product category"), ("product", "Product")]


class MedsyncMatchTolerance(models.Model):
    """A tolerance rule for three-way matching. The most specific rule that
    exists for a bill line applies, whole: product, then product category,
    then vendor, then company. Empty limits allow nothing on that side."""

    _name = "medsync.match.tolerance"
    _description = "MedSync matching tolerance"
    _inherit = ["medsync.tracked.settings"]
    _order = "company_id, scope, id"

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    scope = fields.Selection(SCOPES, required=True, default="company")
    partner_id = fields.Many2one("res.partner", "Vendor", check_company=True)
    categ_id = fields.Many2one("product.category", "Product category")
    product_id = fields.Many2one("product.product", "Product", check_company=True)
    qty_over_pct = fields.Float("Quantity over (%)", help="Cumulative billed above the reference quantity.")
    qty_over_abs = fields.Float("Quantity over (units)", digits="Product Unit of Measure")
    price_over_pct = fields.Float("Price over (%)")
    price_over_abs = fields.Monetary("Price over (per unit)", currency_field="currency_id")
    price_under_pct = fields.Float("Price under (%)")
    price_under_abs = fields.Monetary("Price under (per unit)", currency_field="currency_id")
    amount_over_abs = fields.Monetary("Line variance cap", currency_field="currency_id",
                                      help="Largest price variance of one bill line, in company currency.")
    use_qty_over_pct = fields.Boolean("Limit quantity %")
    use_qty_over_abs = fields.Boolean("Limit quantity units")
    use_price_over_pct = fields.Boolean("Limit price over %")
    use_price_over_abs = fields.Boolean("Limit price over amount")
    use_price_under_pct = fields.Boolean("Limit price under %")
    use_price_under_abs = fields.Boolean("Limit price under amount")
    use_amount_over_abs = fields.Boolean("Cap line variance")
    allow_favourable = fields.Boolean("Favourable prices pass", default=True,
                                      help="A bill price below the PO price never holds the bill.")
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("scope", "partner_id", "categ_id", "product_id", "company_id")
    def _compute_name(self):
        labels = dict(SCOPES)
        for rule in self:
            target = {"vendor": rule.partner_id, "category": rule.categ_id, "product": rule.product_id}.get(rule.scope)
            rule.name = f"{labels[rule.scope]}: {target.display_name if target else rule.company_id.name}"

    @api.constrains("scope", "partner_id", "categ_id", "product_id")
    def _check_target(self):
        for rule in self:
            need = {"vendor": rule.partner_id, "category": rule.categ_id, "product": rule.product_id}
            if rule.scope in need and not need[rule.scope]:
                raise ValidationError(_("A %s rule needs its target.", dict(SCOPES)[rule.scope]))

    def _engine_columns(self):
        """The active rules of the current companies as the engine's `rules` table."""
        rules = self.search([("company_id", "in", self.env.companies.ids)])
        cols = {k: [] for k in ["rule_id", "company_id", "scope", "target_id", "qty_over_pct", "qty_over_abs",
                                "price_over_pct", "price_over_abs", "price_under_pct", "price_under_abs",
                                "amount_over_abs", "allow_favourable"]}
        for r in rules:
            cols["rule_id"].append(r.id)
            cols["company_id"].append(r.company_id.id)
            cols["scope"].append(r.scope)
            cols["target_id"].append({"vendor": r.partner_id.id, "category": r.categ_id.id,
                                      "product": r.product_id.id}.get(r.scope, 0) or 0)
            for limit in ["qty_over_pct", "qty_over_abs", "price_over_pct", "price_over_abs", "price_under_pct",
                          "price_under_abs", "amount_over_abs"]:
                cols[limit].append(r[limit] if r[f"use_{limit}"] else None)
            cols["allow_favourable"].append(r.allow_favourable)
        return cols
