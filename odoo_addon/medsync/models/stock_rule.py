from odoo import _, api, fields, models

from odoo.addons.stock.models.stock_rule import ProcurementException


class StockRule(models.Model):
    _inherit = "stock.rule"

    @api.model
    def _run_buy(self, procurements):
        """Odoo's replenishment picks the best vendor price; MedSync's gate makes
        it skip vendors it would stop (suspended, blocked, or not approved where
        the company's gate is on) and take the next vendor of the product. An
        order point or a procurement that names its vendor keeps it (the draft
        is made; confirming it meets the gate)."""
        errors = []
        orders = self.env["purchase.order"]
        for procurement, rule in procurements:
            values = procurement.values
            if values.get("supplierinfo_id") or (values.get("orderpoint_id") and values["orderpoint_id"].supplier_id):
                continue
            company = rule.company_id or procurement.company_id
            product = procurement.product_id.with_company(company.id)
            date = max(fields.Datetime.from_string(values["date_planned"]).date(), fields.Date.today())
            sellers = product._get_filtered_sellers(
                partner_id=self._get_partner_id(values, rule), quantity=procurement.product_qty, date=date,
                uom_id=procurement.product_uom) or product._prepare_sellers(False).filtered(
                lambda s, c=company: not s.company_id or s.company_id == c)
            allowed = orders._medsync_replenishment_ok(sellers)
            if allowed == sellers:
                continue
            if not allowed:
                errors.append((procurement, _(
                    "No vendor of %(product)s is cleared by MedSync compliance (%(vendors)s): the replenishment "
                    "waits for an approved vendor.", product=product.display_name,
                    vendors=", ".join(sellers.partner_id.mapped("display_name")))))
                continue
            best = product._select_seller(
                partner_id=allowed[:1].partner_id if len(allowed.partner_id) == 1 else False,
                quantity=procurement.product_qty, date=date, uom_id=procurement.product_uom)
            values["supplierinfo_id"] = best if best in allowed else allowed[:1]
        if errors:
            raise ProcurementException(errors)
        return super()._run_buy(procurements)
