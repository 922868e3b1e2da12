from odoo import api, models
from odoo.exceptions import UserError


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    def _medsync_check_shared(self):
        company = self.env.company
        if not company.medsync_dedupe_block or self.env.context.get("medsync_skip_bank_check"):
            return
        for bank in self.filtered("sanitized_acc_number"):
            # sudo: the clash must be found even in bank accounts the user
            # cannot read; only the other partner's name is shown
            other = self.sudo().search([("sanitized_acc_number", "=", bank.sanitized_acc_number),
                                        ("partner_id", "!=", bank.partner_id.commercial_partner_id.id),
                                        ("partner_id.commercial_partner_id", "!=",
                                         bank.partner_id.commercial_partner_id.id)], limit=1)
            if other:
                raise UserError(self.env._(
                    "[MEDSYNC_DUPLICATE_BANK] Bank account %(a)s already belongs to %(o)s.",
                    a=bank.acc_number, o=other.partner_id.commercial_partner_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        banks = super().create(vals_list)
        banks._medsync_check_shared()
        return banks

    def write(self, vals):
        res = super().write(vals)
        if "acc_number" in vals or "partner_id" in vals:
            self._medsync_check_shared()
        return res
