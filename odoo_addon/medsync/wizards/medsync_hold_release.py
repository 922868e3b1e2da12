from odoo import fields, models


class MedsyncHoldRelease(models.TransientModel):
    """Release MedSync payment holds, with a reason (AP managers only)."""

    _name = "medsync.hold.release"
    _description = "Release MedSync payment hold"

    move_ids = fields.Many2many("account.move", string="Bills", required=True)
    note = fields.Text("Reason", required=True)

    def action_confirm(self):
        self.ensure_one()
        held = self.move_ids.filtered(lambda m: m.medsync_match_state == "hold")
        self.move_ids._medsync_release(self.note)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Payment hold released"),
                "message": self.env._("%(n)s bill(s) can be paid now: %(names)s. Your reason is in their chatter.",
                                      n=len(held), names=", ".join(held.mapped("display_name"))),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
