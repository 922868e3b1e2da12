from odoo import fields, models


class MedsyncHoldRelease(models.TransientModel):
    """Release MedSync payment holds, with a reason (AP managers only)."""

    _name = "medsync.hold.release"
    _description = "Release MedSync payment hold"

    move_ids = fields.Many2many("account.move", string="Bills", required=True)
    note = fields.Text("Reason", required=True)

    def action_confirm(self):
        self.ensure_one()
        self.move_ids._medsync_release(self.note)
        return {"type": "ir.actions.act_window_close"}
