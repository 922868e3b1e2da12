from odoo import fields, models


class MedsyncExceptionClose(models.TransientModel):
    """Start, resolve, waive or reopen exceptions, saying why."""

    _name = "medsync.exception.close"
    _description = "Close MedSync exceptions"

    exception_ids = fields.Many2many("medsync.exception", string="Exceptions", required=True)
    mode = fields.Selection([("start", "Start"), ("resolve", "Resolve"), ("waive", "Waive"), ("reopen", "Reopen")],
                            required=True, default="resolve")
    note = fields.Text("Reason", required=True)

    def action_confirm(self):
        self.ensure_one()
        self.exception_ids._close(self.mode, self.note)
        return {"type": "ir.actions.act_window_close"}
