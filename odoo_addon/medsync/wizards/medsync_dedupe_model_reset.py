from odoo import fields, models


class MedsyncDedupeModelReset(models.TransientModel):
    """Reset a company's duplicate-vendor model, with a reason (stewards
    only): the next complete scan learns from the vendors alone."""

    _name = "medsync.dedupe.model.reset"
    _description = "Reset the MedSync duplicate-vendor model"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 domain=lambda self: [("id", "in", self.env.user.company_ids.ids)])
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        version = self.env["medsync.dedupe.model"]._reset(self.company_id, self.reason)
        return {
            "type": "ir.actions.act_window",
            "res_model": "medsync.dedupe.model",
            "res_id": version.id,
            "view_mode": "form",
            "target": "current",
        }
