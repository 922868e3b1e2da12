from odoo import fields, models
from odoo.exceptions import UserError

from ..services import compliance

DECISIONS = [
    ("approve", "Approve the vendor"),
    ("suspend", "Suspend the vendor"),
    ("block", "Block the vendor"),
    ("onboarding", "Send back to onboarding"),
    ("override", "Override the gate for this document"),
    ("reject_credential", "Reject the credential"),
    ("confirm_hit", "Confirm the screening hit (block the vendor)"),
    ("clear_hit", "Clear the screening hit"),
]
# what a compliance officer may overrule, one document at a time
OVERRIDABLE = ("purchase.order", "account.move", "stock.picking")


class MedsyncComplianceDecision(models.TransientModel):
    """Every decision of the compliance officer, with its reason: on vendors,
    on one document, on credentials, on screening hits. The group check and
    the record are in the methods it calls (server-side); the wizard only
    gathers the reason."""

    _name = "medsync.compliance.decision"
    _description = "MedSync compliance decision"

    decision = fields.Selection(DECISIONS, required=True)
    partner_ids = fields.Many2many("res.partner", string="Vendors")
    credential_ids = fields.Many2many("medsync.vendor.credential", string="Credentials")
    hit_ids = fields.Many2many("medsync.screening.hit", string="Screening hits")
    res_model = fields.Char()
    res_id = fields.Integer()
    note = fields.Text("Reason", required=True)

    def action_apply(self):
        self.ensure_one()
        compliance.check_officer(self.env)
        if self.decision in ("approve", "suspend", "block", "onboarding"):
            if not self.partner_ids:
                raise UserError(self.env._("Choose the vendors this decision is about."))
            self.partner_ids._medsync_decide(self.decision, self.note)
        elif self.decision == "override":
            if self.res_model not in OVERRIDABLE:
                raise UserError(self.env._("Only purchase orders, vendor bills and receipts can be overridden."))
            self.env[self.res_model].browse(self.res_id).exists()._medsync_compliance_override(self.note)
        elif self.decision == "reject_credential":
            self.credential_ids._review("rejected", self.note)
        else:
            self.hit_ids._decide(self.decision, self.note)
        return {"type": "ir.actions.act_window_close"}
