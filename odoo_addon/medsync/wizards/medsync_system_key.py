from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL


class MedsyncSystemKey(models.TransientModel):
    """New API key for a system. The key itself is never written to a table
    (not even this wizard's): it goes to the admin's screen only through the
    context of the action that opens ``medsync.system.key.show``, as Odoo's
    own ``res.users.apikeys.description.make_key`` does; only its hash is kept."""

    _name = "medsync.system.key"
    _description = "New MedSync API key"

    system_id = fields.Many2one("medsync.system", required=True, readonly=True)
    days = fields.Integer("Valid for (days)", default=365, required=True)
    rotate = fields.Boolean("Retire the current keys", default=True)
    overlap_days = fields.Integer("...after (days)", default=7,
                                  help="The old keys keep working this long, so the system can switch over.")

    def init(self):
        # this wizard once kept the clear key in a column: drop it, with whatever it still holds
        self.env.cr.execute(SQL("ALTER TABLE medsync_system_key DROP COLUMN IF EXISTS key"))

    def action_generate(self):
        self.ensure_one()
        key = self.system_id._generate_key(self.days, self.overlap_days if self.rotate else None)
        return {"type": "ir.actions.act_window", "res_model": "medsync.system.key.show",
                "name": self.env._("API key for %s", self.system_id.display_name), "views": [(False, "form")],
                "target": "new", "context": {"default_key": key, "default_system_name": self.system_id.display_name,
                                             "default_expires": fields.Datetime.to_string(
                                                 fields.Datetime.now() + timedelta(days=self.days))}}
