from odoo import fields, models

from ..services.screening_lists import SOURCES

KINDS = [("entity", "Business"), ("individual", "Individual"), ("other", "Vessel or aircraft")]


class MedsyncScreeningEntry(models.Model):
    """An exclusion or sanctions list entry, as the latest full file of its
    list states it. Entries that left the list are archived, never deleted:
    the hits found on them keep their evidence."""

    _name = "medsync.screening.entry"
    _description = "MedSync exclusion list entry"
    _inherit = ["medsync.guarded"]
    _order = "source, row"
    _rec_name = "name"
    _medsync_guard_unlink = True
    # every field: written by the list import only
    _medsync_protected = frozenset({
        "source", "key", "content", "row", "kind", "name", "first", "middle", "last", "street", "city", "state",
        "zip", "country", "npi", "uei", "cage", "program", "date_excluded", "date_reinstated", "date_waiver",
        "list_id", "last_list_id", "changed_list_id", "removed_list_id", "excluded", "active"})

    source = fields.Selection(SOURCES, required=True, index=True, readonly=True)
    key = fields.Char(required=True, index=True, readonly=True, help="The entry's identity across full files.")
    content = fields.Char("Content digest", readonly=True)
    row = fields.Integer("Line", readonly=True, help="Its line in the latest file, as a spreadsheet numbers it.")
    kind = fields.Selection(KINDS, readonly=True)
    name = fields.Char(readonly=True)
    first = fields.Char("First name", readonly=True)
    middle = fields.Char("Middle name", readonly=True)
    last = fields.Char("Last name", readonly=True)
    street = fields.Char(readonly=True)
    city = fields.Char(readonly=True)
    state = fields.Char(readonly=True)
    zip = fields.Char("ZIP", readonly=True)
    country = fields.Char(readonly=True)
    npi = fields.Char("NPI", readonly=True)
    uei = fields.Char("UEI", readonly=True)
    cage = fields.Char("CAGE", readonly=True)
    program = fields.Char("Exclusion type / program", readonly=True)
    date_excluded = fields.Date("Excluded on", readonly=True)
    date_reinstated = fields.Date("Reinstated / terminated on", readonly=True)
    date_waiver = fields.Date("Waiver", readonly=True)
    excluded = fields.Boolean("Still excluded", readonly=True, index=True,
                              help="Listed and not reinstated: screened against vendors.")
    list_id = fields.Many2one("medsync.screening.list", "First seen in", readonly=True, index=True)
    last_list_id = fields.Many2one("medsync.screening.list", "Last seen in", readonly=True, index=True)
    changed_list_id = fields.Many2one("medsync.screening.list", "Last changed in", readonly=True,
                                      index="btree_not_null")
    removed_list_id = fields.Many2one("medsync.screening.list", "Removed in", readonly=True, index="btree_not_null")
    active = fields.Boolean(default=True, readonly=True)

    _sql_constraints = [("source_key_uniq", "unique(source, key)", "An entry is listed once per list.")]
