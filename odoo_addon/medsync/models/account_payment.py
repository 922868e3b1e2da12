from odoo import api, models
from odoo.exceptions import UserError

from ..services import compliance

# states in which a payment pays the invoices it is linked to (invoice_ids)
PAYING_STATES = ("in_process", "paid")
# the payment wizard's own payments: it has checked the bills they pay (account_payment_register.py); a
# module-private object, which no client can put in a context
WIZARD_CHECKED = object()


class AccountPayment(models.Model):
    """A payment linked to a held bill (``invoice_ids``) is not posted or
    validated, and a posted payment is not linked to a held bill, whoever calls.
    Its reconciliation with the bill is refused in account_move_line.py."""

    _inherit = "account.payment"

    def _medsync_check_payable(self):
        paying = self.filtered(lambda p: p.state in PAYING_STATES)
        paying.invoice_ids._medsync_check_payable()
        paying._medsync_check_vendor()

    def _medsync_check_vendor(self):
        """Money out to a vendor compliance stops (suspended or blocked, or not approved where the company's gate
        blocks payments) is refused, with or without a bill; a payment of bills a compliance officer overrode
        passes."""
        if self.env.context.get("medsync_paid_bills") is WIZARD_CHECKED:
            return
        out = self.filtered(lambda p: p.payment_type == "outbound" and p.partner_type == "supplier" and p.partner_id
                            and not (p.invoice_ids and all(p.invoice_ids.mapped("medsync_compliance_override_by_id"))))
        if not out:
            return
        found = compliance.problems(out.partner_id)
        refused = []
        for pay in out:
            # sudo: the control runs for whoever pays, whatever vendors they may read
            partner = pay.partner_id.sudo()
            why = found.get(partner.commercial_partner_id.id)
            if not why:
                continue
            if compliance.stopped(partner) or compliance.mode(pay.company_id, "payment") == "block":
                refused.append(f"{pay.display_name} ({partner.commercial_partner_id.display_name}: {why})")
        if refused:
            raise UserError(self.env._(
                "MedSync compliance: no payment to a vendor that is not cleared (a compliance officer approves "
                "the vendor, or overrides one bill with a reason): %s", "; ".join(refused)))

    def action_post(self):
        self.invoice_ids._medsync_check_payable()
        self._medsync_check_vendor()
        self.invoice_ids._medsync_compliance_warn_payment()
        return super().action_post()

    def action_validate(self):
        self.invoice_ids._medsync_check_payable()
        self._medsync_check_vendor()
        return super().action_validate()

    @api.model_create_multi
    def create(self, vals_list):
        # told before Odoo builds the journal entry; checked again on what was created
        for vals in vals_list:
            if vals.get("state") in PAYING_STATES and vals.get("invoice_ids"):
                self.new({"invoice_ids": vals["invoice_ids"]}).invoice_ids._origin._medsync_check_payable()
            if vals.get("state") in PAYING_STATES:
                self.new(vals)._medsync_check_vendor()
        payments = super().create(vals_list)
        payments._medsync_check_payable()
        return payments

    def write(self, vals):
        if vals.get("state") in PAYING_STATES:
            self.invoice_ids._medsync_check_payable()
        res = super().write(vals)
        if {"state", "invoice_ids", "partner_id"} & vals.keys():
            self._medsync_check_payable()
        return res
