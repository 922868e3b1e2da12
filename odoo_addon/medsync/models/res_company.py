from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    medsync_dedupe_block = fields.Boolean(
        "Block duplicate tax ids and bank accounts", default=True,
        help="Refuse to save a vendor with the tax id, or a bank account with the number, of another vendor.",
    )
    medsync_dedupe_spend_threshold = fields.Monetary(
        "High-spend vendor threshold", currency_field="currency_id", default=100000.0,
        help="Vendors billed at least this much over 365 days are protected against lookalike names.",
    )
    medsync_exception_sla_hours = fields.Integer(
        "Exception SLA (hours)", default=48,
        help="Time to resolve an exception when its reason code sets none.",
    )
    medsync_default_team_id = fields.Many2one(
        "medsync.team", "Default exception team",
        help="Owns exceptions whose reason code names no team and no owner.",
    )
    medsync_chunk_size = fields.Integer(
        "Bulk chunk size", default=5000,
        help="Rows per engine call and per queued job in bulk runs.",
    )
    medsync_run_retention_days = fields.Integer(
        "Keep runs (days)", default=180, help="Runs older than this are removed; 0 keeps them forever.",
    )

    medsync_hold_blocks_posting = fields.Boolean(
        "Held bills cannot be posted", help="Besides blocking payment, a MedSync hold also blocks posting.",
    )

    _sql_constraints = [
        ("medsync_chunk_size_positive", "CHECK(medsync_chunk_size > 0)", "The bulk chunk size must be positive."),
        ("medsync_sla_positive", "CHECK(medsync_exception_sla_hours > 0)", "The exception SLA must be positive."),
    ]
