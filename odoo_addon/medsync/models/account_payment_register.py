from odoo import api, models

from .account_payment import WIZARD_CHECKED


class AccountPaymentRegister(models.TransientModel):
    """The payment wizard refuses a selection that includes a held bill, whole,
    as soon as it opens; the same check runs again when it pays (the wizard can
    be created and driven over RPC). The reconciliation guard in
    account_move_line.py stays the backstop."""

    _inherit = "account.payment.register"

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        line_commands = res.get("line_ids") or []
        line_ids = [i for cmd in line_commands if cmd[0] == 6 for i in cmd[2]]
        if line_ids:
            self.env["account.move.line"].browse(line_ids).move_id._medsync_check_payable()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.line_ids.move_id._medsync_check_payable()
        return wizards

    def action_create_payments(self):
        self.line_ids.move_id._medsync_check_payable()
        return super().action_create_payments()

    def _create_payments(self):
        # every way to pay bills (one, several, grouped) goes through here
        self.line_ids.move_id._medsync_check_payable()
        self.line_ids.move_id._medsync_compliance_warn_payment()
        return super(AccountPaymentRegister, self.with_context(medsync_paid_bills=WIZARD_CHECKED))._create_payments()
