import os

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import engine, scorecard


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    medsync_extract_folder = fields.Char(
        "Extract folder", config_parameter="medsync.extract_folder",
        help="Where the analytics extract writes its Parquet files and manifests (default: the data directory's "
             "medsync_extract/<database>).")
    medsync_extract_overlap_minutes = fields.Integer(
        "Overlap (minutes)", config_parameter="medsync.extract_overlap_minutes", default=60,
        help="Each run re-reads the rows stamped this long before the previous run's watermark: longer than the "
             "longest transaction plus the replica's lag.")
    medsync_extract_chunk_rows = fields.Integer(
        "Rows per read", config_parameter="medsync.extract_chunk_rows", default=200000)
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
    medsync_scorecard_target = fields.Selection(
        related="company_id.medsync_scorecard_target", readonly=False)
    medsync_scorecard_early_days = fields.Integer(
        related="company_id.medsync_scorecard_early_days", readonly=False)
    medsync_scorecard_late_days = fields.Integer(
        related="company_id.medsync_scorecard_late_days", readonly=False)
    medsync_scorecard_qty_tolerance = fields.Float(
        related="company_id.medsync_scorecard_qty_tolerance", readonly=False)
    medsync_scorecard_price_tolerance = fields.Float(
        related="company_id.medsync_scorecard_price_tolerance", readonly=False)
    medsync_scorecard_ack_hours = fields.Integer(
        related="company_id.medsync_scorecard_ack_hours", readonly=False)
    medsync_scorecard_w_otif = fields.Integer(
        related="company_id.medsync_scorecard_w_otif", readonly=False)
    medsync_scorecard_w_fill = fields.Integer(
        related="company_id.medsync_scorecard_w_fill", readonly=False)
    medsync_scorecard_w_ack = fields.Integer(
        related="company_id.medsync_scorecard_w_ack", readonly=False)
    medsync_scorecard_w_asn = fields.Integer(
        related="company_id.medsync_scorecard_w_asn", readonly=False)
    medsync_scorecard_w_price = fields.Integer(
        related="company_id.medsync_scorecard_w_price", readonly=False)
    medsync_scorecard_w_match = fields.Integer(
        related="company_id.medsync_scorecard_w_match", readonly=False)
    medsync_scorecard_w_returns = fields.Integer(
        related="company_id.medsync_scorecard_w_returns", readonly=False)
    medsync_scorecard_w_backorders = fields.Integer(
        related="company_id.medsync_scorecard_w_backorders", readonly=False)
    medsync_scorecard_decay = fields.Float(
        related="company_id.medsync_scorecard_decay", readonly=False)
    medsync_scorecard_window = fields.Integer(
        related="company_id.medsync_scorecard_window", readonly=False)
    medsync_scorecard_months = fields.Integer(
        related="company_id.medsync_scorecard_months", readonly=False)
    medsync_scorecard_excellent = fields.Float(
        related="company_id.medsync_scorecard_excellent", readonly=False)
    medsync_scorecard_good = fields.Float(
        related="company_id.medsync_scorecard_good", readonly=False)
    medsync_scorecard_poor = fields.Float(
        related="company_id.medsync_scorecard_poor", readonly=False)
    medsync_scorecard_min_lines = fields.Integer(
        related="company_id.medsync_scorecard_min_lines", readonly=False)
    medsync_scorecard_gate_poor = fields.Selection(
        related="company_id.medsync_scorecard_gate_poor", readonly=False)
    medsync_scorecard_gate_very_poor = fields.Selection(
        related="company_id.medsync_scorecard_gate_very_poor", readonly=False)
    medsync_scorecard_weight_total = fields.Integer("Weights total", compute="_compute_medsync_scorecard_weight_total")
    medsync_engine_version = fields.Char(compute="_compute_medsync_engine_version")

    def _compute_medsync_engine_version(self):
        for settings in self:
            settings.medsync_engine_version = engine.describe(self.env)

    @api.depends(*(f"{name}" for _key, name, _label in scorecard.COMPONENTS))
    def _compute_medsync_scorecard_weight_total(self):
        for settings in self:
            settings.medsync_scorecard_weight_total = sum(settings[name] for _key, name, _label in scorecard.COMPONENTS)

    def set_values(self):
        extract = []
        if not 1 <= self.medsync_extract_overlap_minutes <= 10080:
            extract.append(self.env._("Analytics extract: the overlap is from 1 minute to 10,080 (a week)."))
        if not 1000 <= self.medsync_extract_chunk_rows <= 1_000_000:
            extract.append(self.env._("Analytics extract: read from 1,000 to 1,000,000 rows at a time."))
        folder = self.medsync_extract_folder
        if folder and (not os.path.isabs(folder) or os.path.normpath(folder) != folder.rstrip("/")):
            extract.append(self.env._("Analytics extract: the folder must be an absolute path without '..' (%s).",
                                      folder))
        if extract:
            raise ValidationError("\n".join(f"{i}. {p}" for i, p in enumerate(extract, 1)))
        super().set_values()
        # checked once every setting is written (Odoo writes the company's fields one at a time)
        problems = scorecard.check_settings(self.company_id)
        if problems:
            raise ValidationError(self.env._("Supplier scorecards:\n%s",
                                             "\n".join(f"{i}. {p}" for i, p in enumerate(problems, 1))))

    def action_medsync_scorecard_rebuild(self):
        """Recompute every vendor's scorecards of the company now (the nightly refresh only recomputes the
        vendors whose facts changed). Settings are saved first, as Odoo's settings buttons do."""
        self.ensure_one()
        self.execute()
        # the settings screen is the administrators'; the rows are written by the engine in SQL
        run = scorecard.refresh(self.env, self.company_id, full=True, trigger="button")
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "success", "title": self.env._("Supplier scorecards rebuilt"),
            "message": self.env._("%(lines)s order lines read, %(rows)s scorecard rows written in %(s).1f s.",
                                  lines=run.input_count, rows=run.output_count, s=run.total_seconds),
            "next": {"type": "ir.actions.act_window_close"}}}
