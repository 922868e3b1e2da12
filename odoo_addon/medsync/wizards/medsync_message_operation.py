from odoo import fields, models


class MedsyncMessageOperation(models.TransientModel):
    _name = "medsync.message.operation"
    _description = "Replay, requeue or cancel MedSync messages"

    message_ids = fields.Many2many("medsync.message", required=True)
    operation = fields.Selection([("requeue", "Requeue"), ("replay", "Replay (new message)"),
                                  ("cancel", "Cancel"), ("dead", "Move to dead letters")], required=True)
    reason = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        result = self.message_ids._operate(self.operation, self.reason)
        if self.operation == "replay":
            action = self.env["ir.actions.act_window"]._for_xml_id("medsync.action_medsync_message")
            action["domain"] = [("id", "in", result.ids)]
            return action
        return {"type": "ir.actions.act_window_close"}
