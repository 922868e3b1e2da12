"""The vendors of a product category compared, quarter by quarter: a read-only
SQL view over the stored scorecards (``medsync.scorecard`` rows per category).
Each rate is a ratio of the quarter's sums, never an average of monthly
rates; the score and standing are those of the quarter's last month."""

from odoo import fields, models, tools
from odoo.tools import SQL

from ..services import scorecard as sc

# the rates compared side by side (the view's columns of the same names)
COMPARED = ("otif", "fill_rate", "ack_on_time", "asn_accuracy", "price_accuracy", "first_pass", "return_rate")


class MedsyncScorecardComparison(models.Model):
    _name = "medsync.scorecard.comparison"
    _description = "Supplier scorecards: vendors of a category compared"
    _auto = False
    _order = "quarter desc, category_id, score desc"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", readonly=True)
    category_id = fields.Many2one("product.category", "Product category", readonly=True)
    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True)
    quarter = fields.Date(readonly=True, help="The first day of the quarter.")
    is_latest = fields.Boolean("Latest quarter", readonly=True,
                               help="The latest quarter with scorecards in the company (the one being reviewed).")
    lines_due = fields.Integer("Lines due", readonly=True)
    otif = fields.Float("OTIF %", digits=(16, 1), readonly=True, aggregator=None)
    fill_rate = fields.Float("Fill rate %", digits=(16, 1), readonly=True, aggregator=None)
    ack_on_time = fields.Float("Acknowledged in time %", digits=(16, 1), readonly=True, aggregator=None)
    asn_accuracy = fields.Float("Ship notice accuracy %", digits=(16, 1), readonly=True, aggregator=None)
    price_accuracy = fields.Float("Price accuracy %", digits=(16, 1), readonly=True, aggregator=None)
    first_pass = fields.Float("First-pass match %", digits=(16, 1), readonly=True, aggregator=None)
    return_rate = fields.Float("Return rate %", digits=(16, 1), readonly=True, aggregator=None)
    lead_time_days = fields.Float("Lead time (days)", digits=(16, 1), readonly=True, aggregator=None)
    score = fields.Float(digits=(16, 1), readonly=True, aggregator=None)
    standing = fields.Selection(sc.STANDINGS, readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)

        def rate(num, den):
            return SQL("100.0 * SUM(s.%s) / NULLIF(SUM(s.%s), 0)", SQL.identifier(num), SQL.identifier(den))

        self.env.cr.execute(SQL(
            """CREATE VIEW %(table)s AS (
               SELECT MIN(s.id) AS id, s.company_id, s.category_id, s.partner_id,
                      date_trunc('quarter', s.month)::date AS quarter,
                      date_trunc('quarter', s.month) = last.quarter AS is_latest,
                      SUM(s.lines_due) AS lines_due, %(rates)s,
                      COALESCE(SUM(s.lead_time_days * s.lines_received) / NULLIF(SUM(s.lines_received), 0), 0)
                          AS lead_time_days,
                      (ARRAY_AGG(s.score ORDER BY s.month DESC))[1] AS score,
                      (ARRAY_AGG(s.standing ORDER BY s.month DESC))[1] AS standing
                 FROM medsync_scorecard s
                 JOIN (SELECT company_id, date_trunc('quarter', MAX(month)) AS quarter FROM medsync_scorecard
                        GROUP BY company_id) last ON last.company_id = s.company_id
                WHERE s.category_id IS NOT NULL
                GROUP BY s.company_id, s.category_id, s.partner_id, date_trunc('quarter', s.month), last.quarter)""",
            table=SQL.identifier(self._table),
            rates=SQL(", ").join(SQL("COALESCE(%s, 0) AS %s", rate(*sc.RATES[key]), SQL.identifier(key))
                                 for key in COMPARED)))

    def action_open_vendor_scorecard(self):
        self.ensure_one()
        return self.partner_id.action_medsync_scorecard()
