from odoo import fields, models

from ..services.screening_lists import SOURCES

LIST_STATES = [("current", "Current"), ("superseded", "Superseded")]


class MedsyncScreeningList(models.Model):
    """One full exclusion or sanctions list file as imported: its digest, date
    and rows, and how it differs from the file before it."""

    _name = "medsync.screening.list"
    _description = "MedSync screening list file"
    _inherit = ["medsync.guarded"]
    _order = "date_imported desc, id desc"
    _medsync_protected = frozenset({"source", "name", "sha256", "file_date", "row_count", "new_count",
                                    "changed_count", "removed_count", "reinstated_count", "previous_id", "state",
                                    "imported_by_id", "date_imported", "run_id"})
    _medsync_guard_unlink = True

    source = fields.Selection(SOURCES, required=True, readonly=True, index=True)
    name = fields.Char("File", required=True, readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True, index=True)
    file_date = fields.Date("List as of", readonly=True)
    date_imported = fields.Datetime("Imported on", default=fields.Datetime.now, readonly=True)
    imported_by_id = fields.Many2one("res.users", "Imported by", default=lambda self: self.env.user, readonly=True)
    row_count = fields.Integer("Rows", readonly=True)
    new_count = fields.Integer("New", readonly=True)
    changed_count = fields.Integer("Changed", readonly=True)
    removed_count = fields.Integer("Removed", readonly=True)
    reinstated_count = fields.Integer(
        "Reinstated", readonly=True,
        help="Entries whose reinstatement or termination date passed, or that left the list.")
    previous_id = fields.Many2one("medsync.screening.list", "Previous file", readonly=True)
    state = fields.Selection(LIST_STATES, default="current", required=True, readonly=True)
    run_id = fields.Many2one("medsync.run", "Screening run", readonly=True)
    entry_count = fields.Integer("Entries listed", compute="_compute_entry_count")

    def _compute_entry_count(self):
        counts = dict(self.env["medsync.screening.entry"]._read_group(
            [("last_list_id", "in", self.ids)], ["last_list_id"], ["__count"]))
        for lst in self:
            lst.entry_count = counts.get(lst, 0)

    def _diff_action(self, what):
        self.ensure_one()
        domain = {"new": [("list_id", "=", self.id)], "changed": [("changed_list_id", "=", self.id)],
                  "removed": [("removed_list_id", "=", self.id)],
                  "reinstated": [("source", "=", self.source), ("date_reinstated", "!=", False)]}[what]
        return {"type": "ir.actions.act_window", "res_model": "medsync.screening.entry", "view_mode": "list,form",
                "name": f"{self.name}: {what}", "domain": domain, "context": {"active_test": False}}

    def action_new(self):
        return self._diff_action("new")

    def action_changed(self):
        return self._diff_action("changed")

    def action_removed(self):
        return self._diff_action("removed")

    def action_reinstated(self):
        return self._diff_action("reinstated")
