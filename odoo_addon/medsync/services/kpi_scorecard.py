"""The supplier scorecards' figures (issue 19), on the KPI registry of
services/kpi.py: one fact per month (dated on its first day) for the company
(all vendors together, a ratio of sums) and one per vendor, read from the
stored scorecards (``medsync.scorecard``, the rows of all categories). The
same dashboard component shows them for the company, the vendors broken down
worst first, or narrowed to one vendor: its scorecard with 12 months of trend.
"""

from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from . import scorecard
from .kpi import REFRESHERS, Kpi, _breakdown, register

_lt = LazyTranslate("medsync")


def _scorecard_sql(value, count):
    """A monthly figure over the stored scorecards: ``value`` and ``count`` are SQL aggregates over the rows
    ``s`` of a month (all vendors for the total, one vendor per breakdown row)."""
    def compute(env, company, days):
        return SQL(
            """SELECT s.month AS date, %(bd)s,
                      CASE WHEN GROUPING(s.partner_id) = 1 THEN NULL ELSE MAX(p.name) END AS dim_label,
                      %(value)s AS value, 0 AS amount, %(count)s AS count
                 FROM medsync_scorecard s
                 JOIN res_partner p ON p.id = s.partner_id
                WHERE s.company_id = %(company)s AND s.category_id IS NULL AND s.month = ANY(%(days)s::date[])
                GROUP BY GROUPING SETS ((s.month), (s.month, s.partner_id))""",
            bd=_breakdown("vendor", SQL("s.partner_id")), value=value, count=count, company=company.id,
            days=list(days))
    return compute


def _rate(key):
    num, den = scorecard.RATES[key]
    return _scorecard_sql(SQL("100.0 * SUM(s.%s) / NULLIF(SUM(s.%s), 0)", SQL.identifier(num), SQL.identifier(den)),
                          SQL("SUM(s.%s)", SQL.identifier(den)))


def _domain(company, day, key):
    domain = [("company_id", "=", company.id), ("category_id", "=", False)]
    if day:
        domain.append(("month", "=", day))
    if key is not None:
        domain.append(("partner_id", "=", int(key) or False))
    return domain


def _refresh(env, company):
    """The scorecard dashboard's *Refresh now*: the scorecards of the vendors whose facts changed since the
    last refresh (and with them the figures)."""
    scorecard.refresh(env, company, trigger="button")


REFRESHERS["scorecard"] = _refresh

COMMON = {"role": "scorecard", "model": "medsync.scorecard", "domain": _domain, "depends": ("medsync.scorecard",),
          "engines": ("scorecard",), "snapshot": False, "period": "month", "worst_first": True, "scope": "vendor",
          "dimension_label": _lt("Vendor"), "list_view": "medsync.medsync_scorecard_view_list"}

register(Kpi(
    code="scorecard_score", unit="score", sequence=10, label=_lt("Score"), definition=scorecard.METRICS["score"],
    # the company's figure: the vendors' scores weighed by their lines due in the month
    compute=_scorecard_sql(
        SQL("""CASE WHEN GROUPING(s.partner_id) = 1
                    THEN SUM(s.score * s.lines_due) FILTER (WHERE s.has_score)
                         / NULLIF(SUM(s.lines_due) FILTER (WHERE s.has_score), 0)
                    ELSE MAX(s.score) FILTER (WHERE s.has_score) END"""),
        SQL("""CASE WHEN GROUPING(s.partner_id) = 1 THEN COALESCE(SUM(s.lines_due) FILTER (WHERE s.has_score), 0)
                    ELSE COUNT(*) FILTER (WHERE s.has_score) END""")),
    **COMMON))
register(Kpi(code="scorecard_otif", unit="percent", sequence=20, label=_lt("On time in full"),
             definition=scorecard.METRICS["otif"], compute=_rate("otif"), **COMMON))
register(Kpi(code="scorecard_fill_rate", unit="percent", sequence=30, label=_lt("Fill rate"),
             definition=scorecard.METRICS["fill_rate"], compute=_rate("fill_rate"), **COMMON))
register(Kpi(code="scorecard_ack_on_time", unit="percent", sequence=40, label=_lt("Acknowledged in time"),
             definition=scorecard.METRICS["ack_on_time"], compute=_rate("ack_on_time"),
             **COMMON))
register(Kpi(code="scorecard_asn_accuracy", unit="percent", sequence=50, label=_lt("Ship notice accuracy"),
             definition=scorecard.METRICS["asn_accuracy"], compute=_rate("asn_accuracy"), **COMMON))
register(Kpi(code="scorecard_price_accuracy", unit="percent", sequence=60, label=_lt("Price accuracy"),
             definition=scorecard.METRICS["price_accuracy"], compute=_rate("price_accuracy"), **COMMON))
register(Kpi(code="scorecard_first_pass", unit="percent", sequence=70, label=_lt("First-pass match"),
             definition=scorecard.METRICS["first_pass"], compute=_rate("first_pass"),
             **COMMON))
register(Kpi(code="scorecard_lead_time", unit="days", sequence=80, label=_lt("Lead time"),
             definition=scorecard.METRICS["lead_time"],
             compute=_scorecard_sql(SQL("SUM(s.lead_time_days * s.lines_received) / NULLIF(SUM(s.lines_received), 0)"),
                                    SQL("SUM(s.lines_received)")),
             **{**COMMON, "worst_first": False}))
register(Kpi(code="scorecard_backorder_rate", unit="percent", sequence=90, label=_lt("Backorder rate"),
             definition=scorecard.METRICS["backorder_rate"], compute=_rate("backorder_rate"),
             **{**COMMON, "worst_first": False}))
register(Kpi(code="scorecard_return_rate", unit="percent", sequence=100, label=_lt("Return rate"),
             definition=scorecard.METRICS["return_rate"], compute=_rate("return_rate"),
             **{**COMMON, "worst_first": False}))
