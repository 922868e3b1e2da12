from odoo import fields, models


class MedsyncTeam(models.Model):
    """Who an exception goes to when no single person owns it: receiving,
    buyers, the warehouse, AP, vendor master data, integrations."""

    _name = "medsync.team"
    _description = "MedSync team"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company)
    leader_id = fields.Many2one("res.users", "Leader", help="Gets the activity when the team owns an exception.")
    member_ids = fields.Many2many("res.users", string="Members")
    open_exception_count = fields.Integer(compute="_compute_open_exception_count")

    def _compute_open_exception_count(self):
        groups = self.env["medsync.exception"]._read_group(
            [("owner_team_id", "in", self.ids), ("state", "in", ("open", "in_progress"))],
            ["owner_team_id"], ["__count"],
        )
        counts = {team.id: n for team, n in groups}
        for team in self:
            team.open_exception_count = counts.get(team.id, 0)
