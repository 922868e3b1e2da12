from odoo import api, fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    medsync_billing_rule_ids = fields.One2many("medsync.billing.rule", "journal_id", "Billing mapping rules")
    medsync_billing_journal = fields.Boolean(
        "Billing posting journal", compute="_compute_medsync_billing_journal", store=True,
        help="A billing mapping rule posts into this journal: the billing poster may write entries here, and "
             "nowhere else.")

    @api.depends("medsync_billing_rule_ids.active")
    def _compute_medsync_billing_journal(self):
        for journal in self:
            journal.medsync_billing_journal = bool(journal.medsync_billing_rule_ids.filtered("active"))
