from odoo import api, models
from odoo.exceptions import UserError

from ..services import guard


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    def _medsync_check_shared(self):
        """Refuse a vendor's bank account that another vendor already has.
        Both sides must be vendors (``res.partner._medsync_vendors``): a
        customer, an employee or the company itself may share a number with
        anyone. MedSync's own callers (merge, undo, demo) pass with
        :func:`guard.privileged`; no context key a client can send turns it off."""
        company = self.env.company
        if not company.medsync_dedupe_block or guard.is_privileged(self.env):
            return
        banks = self.filtered("sanitized_acc_number")
        vendors = banks.partner_id._medsync_vendors() if banks else self.env["res.partner"]
        for bank in banks:
            own = bank.partner_id.commercial_partner_id
            if own not in vendors:
                continue
            # sudo: the clash must be found even in bank accounts the user
            # cannot read; only the other partner's name is shown
            others = self.sudo().search([("sanitized_acc_number", "=", bank.sanitized_acc_number),
                                         ("partner_id", "!=", own.id),
                                         ("partner_id.commercial_partner_id", "!=", own.id)], order="id")
            clash = others.partner_id._medsync_vendors()
            if clash:
                raise UserError(self.env._(
                    "[MEDSYNC_DUPLICATE_BANK] Bank account %(a)s already belongs to %(o)s.",
                    a=bank.acc_number, o=clash.sorted("id")[0].sudo().display_name))

    @api.model_create_multi
    def create(self, vals_list):
        banks = super().create(vals_list)
        banks._medsync_check_shared()
        return banks

    def write(self, vals):
        res = super().write(vals)
        if "acc_number" in vals or "partner_id" in vals or vals.get("active"):
            self._medsync_check_shared()
        return res
