from odoo import fields, models

from ..services import engine


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    medsync_exception_sla_hours = fields.Integer(related="company_id.medsync_exception_sla_hours", readonly=False)
    medsync_default_team_id = fields.Many2one(related="company_id.medsync_default_team_id", readonly=False)
    medsync_chunk_size = fields.Integer(related="company_id.medsync_chunk_size", readonly=False)
    medsync_dedupe_block = fields.Boolean(related="company_id.medsync_dedupe_block", readonly=False)
    medsync_dedupe_spend_threshold = fields.Monetary(related="company_id.medsync_dedupe_spend_threshold",
                                                     readonly=False, currency_field="currency_id")
    medsync_dedupe_likely_probability = fields.Float(related="company_id.medsync_dedupe_likely_probability",
                                                     readonly=False)
    medsync_dedupe_possible_probability = fields.Float(related="company_id.medsync_dedupe_possible_probability",
                                                       readonly=False)
    medsync_run_retention_days = fields.Integer(related="company_id.medsync_run_retention_days", readonly=False)
    medsync_hold_blocks_posting = fields.Boolean(related="company_id.medsync_hold_blocks_posting", readonly=False)
    medsync_no_po_policy = fields.Selection(related="company_id.medsync_no_po_policy", readonly=False)
    medsync_match_before_payment = fields.Boolean(related="company_id.medsync_match_before_payment", readonly=False)
    medsync_compliance_gate = fields.Boolean(related="company_id.medsync_compliance_gate", readonly=False)
    medsync_gate_po = fields.Selection(related="company_id.medsync_gate_po", readonly=False)
    medsync_gate_bill = fields.Selection(related="company_id.medsync_gate_bill", readonly=False)
    medsync_gate_payment = fields.Selection(related="company_id.medsync_gate_payment", readonly=False)
    medsync_engine_version = fields.Char(compute="_compute_medsync_engine_version")

    def _compute_medsync_engine_version(self):
        for settings in self:
            settings.medsync_engine_version = engine.describe(self.env)
