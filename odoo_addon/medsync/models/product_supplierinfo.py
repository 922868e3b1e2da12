"""A changed vendor price queues a re-check of that vendor's open bills for the product."""

from odoo import fields, models


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    medsync_contract_ref = fields.Char("Contract", index=True, help="The vendor's contract this price belongs to.")
    medsync_tier = fields.Char("Tier", help="The contract tier (class of trade) the price is for.")
    medsync_catalog = fields.Char("From catalogue", readonly=True,
                                  help="The vendor's price catalogue (X12 832 or JSON) that set this price.")

    def write(self, vals):
        res = super().write(vals)
        if {"price", "min_qty", "date_start", "date_end", "currency_id"} & vals.keys():
            self._medsync_recheck_vendor_bills()
        return res

    def _medsync_recheck_vendor_bills(self):
        Move = self.env["account.move"].sudo()  # sudo: price list editors may not read bills
        for info in self:
            bills = Move.search([
                *Move._medsync_open_bills_domain(),
                ("commercial_partner_id", "=", info.partner_id.commercial_partner_id.id),
                ("invoice_line_ids.product_id.product_tmpl_id", "=", info.product_tmpl_id.id),
                ("medsync_match_state", "!=", "none"),
            ])
            bills._medsync_enqueue_match()
