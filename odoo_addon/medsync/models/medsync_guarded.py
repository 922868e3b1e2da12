from odoo import api, models
from odoo.exceptions import AccessError

from ..services import guard


class MedsyncGuarded(models.AbstractModel):
    """Mixin of MedSync's models with control fields: ``_medsync_protected``
    lists the fields only MedSync's own methods may write (see
    ``services/guard.py``); ``_medsync_create_values`` the values of those
    fields that any creator may give (their defaults)."""

    _name = "medsync.guarded"
    _description = "MedSync guarded fields"
    _medsync_protected = frozenset()
    _medsync_create_values = {}
    # records that are an audit trail: only MedSync's own clean-ups delete them
    _medsync_guard_unlink = False

    @api.model_create_multi
    def create(self, vals_list):
        guard.check_create(self, vals_list, self._medsync_create_values)
        return super().create(vals_list)

    def write(self, vals):
        guard.check(self, vals)
        return super().write(vals)

    def unlink(self):
        if self._medsync_guard_unlink and self and not guard.is_privileged(self.env):
            raise AccessError(self.env._("%s is an audit record: it cannot be deleted.", self._description))
        return super().unlink()


class MedsyncChatter(models.AbstractModel):
    """The chatter of MedSync's own documents: what a control decides is
    written whoever decides it, an author without an e-mail address included
    (Odoo's own message_post refuses such an author). A notification, if any,
    goes out from the company's address on the author's behalf."""

    _name = "medsync.chatter"
    _inherit = ["mail.thread"]
    _description = "MedSync chatter"

    def _message_compute_author(self, author_id=None, email_from=None, raise_on_email=True):
        author_id, email_from = super()._message_compute_author(author_id, email_from, raise_on_email=False)
        return author_id, email_from or self.env.company.partner_id.email_formatted or False


class MedsyncTrackedSettings(models.AbstractModel):
    """Mixin of MedSync's control settings (tolerance rules, count tolerances
    and four-eyes thresholds): every stored field a person edits is tracked,
    so the chatter shows who changed what, when, from which value to which."""

    _name = "medsync.tracked.settings"
    _inherit = ["medsync.chatter"]
    _description = "MedSync tracked control settings"

    def _track_get_fields(self):
        names = {name for name, field in self._fields.items()
                 if field.store and not field.compute and not field.related and name not in models.MAGIC_COLUMNS
                 and not name.startswith(("message_", "activity_")) and field.type not in ("one2many", "binary")}
        # as mail.thread's own: only the fields this user may read
        return names and set(self.fields_get(names, attributes=()))
