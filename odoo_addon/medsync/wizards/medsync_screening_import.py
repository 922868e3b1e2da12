import base64

from odoo import fields, models
from odoo.exceptions import UserError

from ..services import compliance, screening
from ..services.screening_lists import SOURCES, ListError


class MedsyncScreeningImport(models.TransientModel):
    """Import a full exclusion or sanctions list file (compliance officers),
    then screen every vendor against the lists."""

    _name = "medsync.screening.import"
    _description = "Import an exclusion list"

    source = fields.Selection(SOURCES, required=True, default="leie")
    file = fields.Binary(required=True)
    filename = fields.Char()
    addresses = fields.Binary("OFAC addresses (ADD.CSV)", help="Optional: the SDN addresses, for OFAC entries.")
    addresses_name = fields.Char()
    file_date = fields.Date("List as of", default=fields.Date.context_today, required=True)
    screen_now = fields.Boolean("Screen vendors now", default=True)
    allow_shrink = fields.Boolean(
        "The list really shrank",
        help="A full file that lists fewer than half the entries of the current one is refused as a cut download; "
             "tick this once you have checked the file is complete.")

    def action_import(self):
        self.ensure_one()
        compliance.check_officer(self.env)
        data = base64.b64decode(self.file or b"")
        if not data:
            raise UserError(self.env._("Choose the list file."))
        try:
            lst = screening.import_list(self.env, self.source, self.filename or f"{self.source}.csv", data,
                                        base64.b64decode(self.addresses) if self.addresses else None,
                                        self.file_date, allow_shrink=self.allow_shrink)
        except screening.ShrunkError as exc:
            raise UserError(self.env._(
                "%(file)s lists %(rows)s entries where the current %(list_name)s list has %(current)s: a download "
                "cut short would remove most of the list from screening. Check the file; if the list really "
                "shrank, tick \"The list really shrank\" and import it again.", file=self.filename or self.source,
                rows=exc.rows, current=exc.current, list_name=dict(SOURCES)[self.source])) from exc
        except ListError as exc:
            raise UserError(self.env._("%(file)s is not a valid %(list_name)s file:\n%(problems)s",
                                       file=self.filename or self.source,
                                       list_name=dict(SOURCES)[self.source], problems="\n".join(
                                           f"line {line}: {msg}" for line, msg in exc.problems[:50]))) from exc
        message = self.env._("%(rows)s rows: %(new)s new, %(changed)s changed, %(removed)s removed.",
                             rows=lst.row_count, new=lst.new_count, changed=lst.changed_count,
                             removed=lst.removed_count)
        if self.screen_now:
            counts = screening.screen(self.env)
            message += " " + self.env._(
                "Screening: %(hits)s hit(s), %(new)s new (%(strong)s strong), %(suspended)s vendor(s) suspended.",
                **counts)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": self.env._("%s imported", lst.name), "message": message, "type": "success",
                           "next": {"type": "ir.actions.act_window", "res_model": "medsync.screening.list",
                                    "res_id": lst.id, "view_mode": "form", "views": [(False, "form")]}}}
