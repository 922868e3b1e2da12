from odoo import fields, models

from ..services import guard
from .medsync_run import ENGINES

SEVERITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]


class MedsyncExceptionReason(models.Model):
    """A reason code: what went wrong, who fixes it, how fast, who may waive it."""

    _name = "medsync.exception.reason"
    _description = "MedSync exception reason"
    _inherit = ["medsync.tracked.settings"]
    _order = "engine, code"
    _rec_names_search = ["code", "name"]

    # a control setting: every change is tracked in the chatter (who, when, old and new value)
    code = fields.Char(required=True, index=True, tracking=True)
    name = fields.Char(required=True, translate=True, tracking=True)
    engine = fields.Selection(ENGINES, required=True, tracking=True)
    description = fields.Text(translate=True, help="What it means and how it is usually fixed.")
    severity = fields.Selection(SEVERITIES, default="medium", required=True, tracking=True)
    sla_hours = fields.Integer("SLA (hours)", help="Time to resolve; 0 uses the company default.", tracking=True)
    team_id = fields.Many2one("medsync.team", "Default team", tracking=True)
    waive_group_id = fields.Many2one(
        "res.groups", "May be waived by", required=True, tracking=True,
        help="Waiving accepts the exception without fixing its cause; only this group may do it.",
    )
    work_group_ids = fields.Many2many(
        "res.groups", string="Worked by", tracking=True,
        help="Who may start, resolve and reopen these exceptions; empty: the engine's roles "
             "(matching: buyers and AP clerks; reconciliation: inventory controllers; vendors: stewards; "
             "integrations: integration admins, buyers and AP clerks).",
    )
    active = fields.Boolean(default=True, tracking=True)

    _sql_constraints = [("code_uniq", "unique(code)", "A reason code must be unique.")]

    def write(self, vals):
        res = super().write(vals)
        copied = {f: vals[f] for f in ("code", "engine") if f in vals}
        if copied:
            # exceptions keep a copy of their reason's code and engine: every company's must follow,
            # whoever the editing manager may see
            excs = guard.privileged(self.env["medsync.exception"].sudo().with_context(active_test=False))
            excs.search([("reason_id", "in", self.ids)]).write(
                {("reason_code" if f == "code" else f): v for f, v in copied.items()})
        return res

    def _compute_display_name(self):
        for reason in self:
            reason.display_name = f"[{reason.code}] {reason.name}"
