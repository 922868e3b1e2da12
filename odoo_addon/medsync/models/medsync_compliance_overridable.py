from odoo import _, fields, models
from odoo.exceptions import UserError

from ..services import compliance, guard

OVERRIDE_FIELDS = frozenset({"medsync_compliance_override_by_id", "medsync_compliance_override_date",
                             "medsync_compliance_override_note"})


class MedsyncComplianceOverridable(models.AbstractModel):
    """A document (purchase order, vendor bill, receipt) the compliance
    officer lets through the purchasing gate, alone, with a reason: who, when
    and why are kept on it and in its chatter. The including model lists
    ``OVERRIDE_FIELDS`` among its protected fields (services/guard.py)."""

    _name = "medsync.compliance.overridable"
    _description = "MedSync compliance override"

    medsync_compliance_override_by_id = fields.Many2one("res.users", "Compliance override by", copy=False,
                                                        readonly=True)
    medsync_compliance_override_date = fields.Datetime("Compliance override on", copy=False, readonly=True)
    medsync_compliance_override_note = fields.Text("Compliance override reason", copy=False, readonly=True)
    medsync_vendor_compliance_problem = fields.Char("Vendor compliance", compute="_compute_medsync_vendor_compliance")

    def _medsync_compliance_partner_field(self):
        return "partner_id"

    def _compute_medsync_vendor_compliance(self):
        field = self._medsync_compliance_partner_field()
        found = compliance.problems(self.mapped(field))
        for rec in self:
            rec.medsync_vendor_compliance_problem = found.get(rec[field].commercial_partner_id.id, False)

    def action_medsync_compliance_override(self):
        compliance.check_officer(self.env)
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "medsync.compliance.decision", "view_mode": "form",
                "target": "new", "name": _("Override the compliance gate"),
                "context": {"default_decision": "override", "default_res_model": self._name,
                            "default_res_id": self.id}}

    def _medsync_compliance_override(self, note):
        compliance.check_officer(self.env)
        note = (note or "").strip()
        if not note:
            raise UserError(_("Say why this document may go through the compliance gate."))
        if len(self) != 1:
            raise UserError(_("A compliance override is given for one document at a time."))
        # sudo: the officer may have no right on the document; the group check is the control, recorded here
        doc = guard.privileged(self.sudo())
        doc.write({"medsync_compliance_override_by_id": self.env.uid,
                   "medsync_compliance_override_date": fields.Datetime.now(),
                   "medsync_compliance_override_note": note})
        doc._medsync_after_override(note)
        self._message_log(body=_("Compliance override by %(user)s: %(note)s", user=self.env.user.name, note=note))

    def _medsync_after_override(self, note):
        """What an override lifts besides the gate (a bill's compliance hold)."""
