from odoo import api, fields, models


class MedsyncSystemKeyShow(models.AbstractModel):
    """The new key on screen, once: a model without a table, whose record is
    never saved (its only button closes the dialog)."""

    _name = "medsync.system.key.show"
    _description = "New MedSync API key (shown once)"

    id = fields.Id()  # the form's onchange returns the defaults, the key among them
    key = fields.Char(readonly=True)
    system_name = fields.Char("System", readonly=True)
    expires = fields.Datetime(readonly=True)

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        return self.browse()  # nothing is ever stored: every search finds nothing
