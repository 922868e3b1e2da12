from odoo import api, models

# states in which a payment pays the invoices it is linked to (invoice_ids)
PAYING_STATES = ("in_process", "paid")


class AccountPayment(models.Model):
    """A payment linked to a held bill (``invoice_ids``) is not posted or
    validated, and a posted payment is not linked to a held bill, whoever calls.
    Its reconciliation with the bill is refused in account_move_line.py."""

    _inherit = "account.payment"

    def _medsync_check_payable(self):
        self.filtered(lambda p: p.state in PAYING_STATES).invoice_ids._medsync_check_payable()

    def action_post(self):
        self.invoice_ids._medsync_check_payable()
        self.invoice_ids._medsync_compliance_warn_payment()
        return super().action_post()

    def action_validate(self):
        self.invoice_ids._medsync_check_payable()
        return super().action_validate()

    @api.model_create_multi
    def create(self, vals_list):
        # told before Odoo builds the journal entry; checked again on what was created
        for vals in vals_list:
            if vals.get("state") in PAYING_STATES and vals.get("invoice_ids"):
                self.new({"invoice_ids": vals["invoice_ids"]}).invoice_ids._origin._medsync_check_payable()
        payments = super().create(vals_list)
        payments._medsync_check_payable()
        return payments

    def write(self, vals):
        if vals.get("state") in PAYING_STATES:
            self.invoice_ids._medsync_check_payable()
        res = super().write(vals)
        if {"state", "invoice_ids"} & vals.keys():
            self._medsync_check_payable()
        return res
