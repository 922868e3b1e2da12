from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        # every way to pay bills (one, several, grouped) goes through here
        self.line_ids.move_id._medsync_check_payable()
        return super()._create_payments()
