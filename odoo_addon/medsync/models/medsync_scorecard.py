"""Supplier scorecards: one row per company, vendor, month (and, for the
category comparison, per product category), kept as history.

Rows are written only by ``services/scorecard.py`` (the nightly refresh and the
rebuild), in bulk SQL; no group may create, write or delete them. What each
figure means is in ``services/scorecard.py`` (METRICS), shown beside it on the
form and written out in ``docs/scorecards.md``.
"""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import scorecard as sc

_logger = logging.getLogger(__name__)


class MedsyncScorecard(models.Model):
    _name = "medsync.scorecard"
    _description = "Supplier scorecard (vendor and month)"
    _order = "month desc, score, partner_id"
    _rec_name = "partner_id"
    _inherit = ["medsync.guarded"]
    # written only by the refresh (services/scorecard.py, in SQL); nobody edits a scorecard
    _medsync_protected = frozenset({"company_id", "partner_id", "category_id", "month", "is_latest", "computed_at",
                                    *sc.VALUE_COLUMNS})

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Vendor", required=True, readonly=True, index=True,
                                 ondelete="cascade")
    category_id = fields.Many2one("product.category", "Product category", readonly=True, index=True,
                                  ondelete="cascade", help="Empty: all the vendor's lines.")
    month = fields.Date(required=True, readonly=True, index=True, help="The first day of the month.")
    is_latest = fields.Boolean("Latest month", readonly=True, index=True,
                               help="The vendor's latest month with a scorecard (the standing buyers see).")
    # counts
    lines_due = fields.Integer("Lines due", readonly=True)
    lines_otif = fields.Integer("On time in full", readonly=True)
    lines_filled = fields.Integer("Filled first time", readonly=True)
    lines_backordered = fields.Integer("Backordered", readonly=True)
    lines_received = fields.Integer("Lines received", readonly=True)
    lines_returned = fields.Integer("With a return", readonly=True)
    lines_sent = fields.Integer("Lines sent", readonly=True)
    lines_acked = fields.Integer("Acknowledged", readonly=True)
    lines_ack_on_time = fields.Integer("Acknowledged in time", readonly=True)
    asn_groups = fields.Integer("Ship notice lines", readonly=True)
    asn_accurate = fields.Integer("Announced as received", readonly=True)
    bill_lines = fields.Integer("Bill lines", readonly=True)
    bill_accurate = fields.Integer("Billed at the agreed price", readonly=True)
    billed_over_po = fields.Integer("Billed above the PO", readonly=True)
    po_over_contract = fields.Integer("PO above the contract", readonly=True)
    match_lines = fields.Integer("Bill lines matched", readonly=True)
    match_first_pass = fields.Integer("Matched first time", readonly=True)
    # measures (0 with their count 0: no figure)
    lead_time_days = fields.Float("Lead time (days)", digits=(16, 1), readonly=True, aggregator=None)
    lead_time_std_days = fields.Float("Lead time spread (days)", digits=(16, 1), readonly=True, aggregator=None)
    ack_latency_hours = fields.Float("Acknowledgement latency (h)", digits=(16, 1), readonly=True, aggregator=None)
    # rates in percent (of their counts; a ratio of sums, so never summed or averaged over rows)
    otif = fields.Float("OTIF %", digits=(16, 1), readonly=True, aggregator=None)
    fill_rate = fields.Float("Fill rate %", digits=(16, 1), readonly=True, aggregator=None)
    backorder_rate = fields.Float("Backorder rate %", digits=(16, 1), readonly=True, aggregator=None)
    ack_on_time = fields.Float("Acknowledged in time %", digits=(16, 1), readonly=True, aggregator=None)
    asn_accuracy = fields.Float("Ship notice accuracy %", digits=(16, 1), readonly=True, aggregator=None)
    price_accuracy = fields.Float("Price accuracy %", digits=(16, 1), readonly=True, aggregator=None)
    first_pass = fields.Float("First-pass match %", digits=(16, 1), readonly=True, aggregator=None)
    return_rate = fields.Float("Return rate %", digits=(16, 1), readonly=True, aggregator=None)
    month_score = fields.Float("Month's score", digits=(16, 1), readonly=True, aggregator=None)
    score = fields.Float(digits=(16, 1), readonly=True, aggregator=None,
                         help="The month's score blended with the months before it, recent months weighing more "
                              "(company setting).")
    has_score = fields.Boolean(readonly=True)
    standing = fields.Selection(sc.STANDINGS, readonly=True, index=True)
    computed_at = fields.Datetime("Computed", readonly=True)

    def init(self):
        self.env.cr.execute(SQL(
            """CREATE UNIQUE INDEX IF NOT EXISTS medsync_scorecard_key
                   ON medsync_scorecard (company_id, partner_id, (COALESCE(category_id, 0)), month)"""))

    @api.depends("partner_id", "month", "category_id")
    def _compute_display_name(self):
        for row in self:
            name = f"{row.partner_id.display_name or ''} · {row.month.strftime('%Y-%m') if row.month else ''}"
            row.display_name = f"{name} · {row.category_id.display_name}" if row.category_id else name

    def action_open_vendor_scorecard(self):
        self.ensure_one()
        return self.partner_id.action_medsync_scorecard()

    @api.model
    def _cron_refresh(self):
        """Nightly, per company: the vendors whose facts changed; one company's failure does not stop the others
        (its run records the error)."""
        for company in self.env["res.company"].sudo().search([]):  # sudo: the scheduler refreshes every company
            try:
                with self.env.cr.savepoint():
                    sc.refresh(self.env, company, trigger="cron")
            except Exception:
                _logger.exception("supplier scorecards of %s could not be refreshed", company.name)
