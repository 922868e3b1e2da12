"""The KPI registry: what each figure of the role dashboards is, how it is
computed and which records are behind it.

A KPI is plain data (:class:`Kpi`): a code, a label, the written definition
shown beside the figure, the role whose dashboard shows it, its unit, the
models its SQL reads (flushed first), the engines whose runs change it, and
two functions:

- ``compute(env, company, days)`` returns one ``SQL`` SELECT giving the
  facts of ``company`` for ``days`` (a sorted list of dates), one row per day
  and breakdown, with the columns ``date, dimension, dim_key, dim_label,
  value, amount, count``. The total of a day has ``dimension = ''``; a
  breakdown row names its dimension ("vendor", "class", "flow"...) and key.
  ``medsync.kpi.fact._refresh`` upserts these rows in one statement.
- ``domain(company, day, key)`` returns the domain of the records behind
  the figure (the total when ``key`` is None, one breakdown row otherwise);
  the dashboard opens them with an act_window.

A *snapshot* KPI measures a state (what is on hold now): it can only be
computed for today, and a past day keeps the value stored that day (the
hourly refresh writes it). Other KPIs are computed from dated records and
can be recomputed for any day.

Later figures (scorecards, billing, consumption, an analytics feed) are
added with :func:`register`, and a new dashboard with :data:`ROLES`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from odoo import fields
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate("medsync")

TREND_DAYS = 30

# role -> (dashboard title, group that sees its menu)
ROLES = {
    "ap": (_lt("Accounts payable"), "medsync.group_medsync_ap_clerk"),
    "inventory": (_lt("Inventory"), "medsync.group_medsync_inventory"),
    "steward": (_lt("Vendor data"), "medsync.group_medsync_steward"),
    "integration": (_lt("Integrations"), "medsync.group_medsync_integration"),
    "compliance": (_lt("Vendor compliance"), "medsync.group_medsync_compliance"),
    "scorecard": (_lt("Supplier scorecards"), "medsync.group_medsync_buyer"),
    "executive": (_lt("Executive"), "medsync.group_medsync_executive"),
}
# role -> the group that may read its figures, where it is not every MedSync user: the executive overview's
# departmental spend, discounts and cycle times are the executive's (security/medsync_security.xml has the record
# rules that say the same, and a test checks that they agree)
READERS = {"executive": "medsync.group_medsync_executive"}
UNITS = ("amount", "count", "percent", "minutes", "days", "score", "ratio")
TREND_MONTHS = 12
# role -> function(env, company) run by the dashboard's "Refresh now" instead of recomputing today's facts
# (a role whose facts come from an engine's stored results refreshes those first)
REFRESHERS = {}

# the states of medsync.message that wait for a worker (models/medsync_message.py WAITING)
WAITING = ("received", "queued", "retrying", "failed")
FIRST_PASS = ("matched", "within_tolerance", "price_favourable")
RECON_NOT_DIFFERENCES = ("matched", "timing", "not_counted")
RECON_CLOSED = ("applied", "rejected")


@dataclass(frozen=True)
class Kpi:
    code: str
    label: object  # str or lazy translation
    definition: object
    role: str
    unit: str
    compute: Callable  # (env, company, days) -> SQL
    model: str  # the records behind the figure
    domain: Callable  # (company, day, key) -> domain; key None: the total
    # its domain runs the KPI's own query again (record ids): the dashboard asks for it when clicked, never on a
    # page view
    lazy: bool = False
    depends: tuple = ()  # models whose pending writes the SQL must see
    engines: tuple = ()  # runs after which the KPI is refreshed
    snapshot: bool = True
    dimension_label: object = ""  # the breakdown's column title
    key_labels: Callable | None = None  # env -> {dim_key: label} when the SQL gives none
    context: dict = field(default_factory=dict)  # the act_window's context (group by...)
    list_view: str = ""  # xmlid of the list view to open, else the model's default
    sequence: int = 10
    period: str = "day"  # "month": one fact per month, dated on its first day; the trend shows 12 months
    worst_first: bool = False  # the breakdown lists the lowest figures first (scores, rates to improve)
    scope: str = ""  # the breakdown a dashboard can be narrowed to ("vendor": one vendor's scorecard; "department")


KPIS = {}


def register(kpi):
    if kpi.role not in ROLES:
        raise ValueError(f"unknown KPI role {kpi.role!r}")
    if kpi.unit not in UNITS:
        raise ValueError(f"unknown KPI unit {kpi.unit!r}")
    KPIS[kpi.code] = kpi
    return kpi


def reader_group(role):
    """The xmlid of the group that may read ``role``'s figures."""
    return READERS.get(role, "medsync.group_medsync_user")


def for_role(role):
    return sorted((k for k in KPIS.values() if k.role == role), key=lambda k: (k.sequence, k.code))


def period_of(kpi, day):
    """The date ``kpi``'s fact of ``day`` is stored under: the day, or the first day of its month."""
    return day.replace(day=1) if kpi.period == "month" else day


def trend_dates(kpi, today):
    """The dates of ``kpi``'s trend up to ``today``: 30 days, or the first days of 12 months."""
    if kpi.period == "month":
        first = today.replace(day=1)
        out = []
        for back in range(TREND_MONTHS - 1, -1, -1):
            y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
            out.append(dt.date(y, m + 1, 1))
        return out
    return [today - dt.timedelta(days=TREND_DAYS - 1 - i) for i in range(TREND_DAYS)]


def for_engine(engine):
    return [k for k in KPIS.values() if engine in k.engines]


def _start_of(day):
    return dt.datetime.combine(day, dt.time.min)


def _selection_labels(model, field_name):
    def labels(env):
        return dict(env[model]._fields[field_name]._description_selection(env))
    return labels


def _breakdown(dimension, expression):
    """The (dimension, dim_key) columns of a GROUPING SETS ((), (expression)) query."""
    return SQL("""CASE WHEN GROUPING(%(e)s) = 1 THEN '' ELSE %(dim)s END AS dimension,
                  CASE WHEN GROUPING(%(e)s) = 1 THEN '' ELSE COALESCE(%(e)s::text, '') END AS dim_key""",
               e=expression, dim=dimension)


# ------------------------------------------------------------------------------------------ AP

def _held_bills_where(company, held=None, move_types=("in_invoice",)):
    """The open vendor bills of ``company`` that ``held`` (SQL, default: on a MedSync match hold) holds."""
    return SQL("""m.company_id = %s AND m.move_type IN %s AND m.state != 'cancel' AND %s
                  AND m.payment_state NOT IN ('paid', 'in_payment', 'reversed')""",
               company.id, tuple(move_types), held or SQL("m.medsync_match_state = 'hold'"))


def _bills_by_vendor_sql(days, where):
    """Amount still due on the bills ``where`` selects, in total and per vendor."""
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s,
                  CASE WHEN GROUPING(m.commercial_partner_id) = 1 THEN NULL ELSE MAX(p.name) END AS dim_label,
                  SUM(ABS(m.amount_residual_signed)) AS value, SUM(ABS(m.amount_residual_signed)) AS amount,
                  COUNT(*) AS count
             FROM account_move m
             LEFT JOIN res_partner p ON p.id = m.commercial_partner_id
            WHERE %(where)s
            GROUP BY GROUPING SETS ((), (m.commercial_partner_id))""",
        day=days[-1], bd=_breakdown("vendor", SQL("m.commercial_partner_id")), where=where)


def _held_bills_domain(company, key, held=(("medsync_match_state", "=", "hold"),), move_types=("in_invoice",)):
    domain = [("company_id", "=", company.id), ("move_type", "in", move_types), ("state", "!=", "cancel"),
              *held, ("payment_state", "not in", ("paid", "in_payment", "reversed"))]
    if key is not None:
        domain.append(("commercial_partner_id", "=", int(key) or False))
    return domain


def _on_hold_sql(env, company, days):
    return _bills_by_vendor_sql(days, _held_bills_where(company))


def _on_hold_domain(company, day, key):
    return _held_bills_domain(company, key)


def _first_pass_sql(env, company, days):
    # the first result of each line (its first run), for the lines matched in the window; a day's rate covers
    # the lines first matched in the 30 days up to it
    return SQL(
        """WITH d AS (SELECT unnest(%(days)s::date[]) AS date),
                -- each line's first result (the smallest id), for lines matched since then; joined back by
                -- primary key: a join on move_line_id under the statistics of a table a run just filled turned
                -- into a nested loop over every pair of rows (minutes at 100,000 results)
                firsts AS (SELECT min(id) AS id FROM medsync_match_result
                            WHERE company_id = %(company)s AND move_line_id IS NOT NULL
                            GROUP BY move_line_id HAVING max(date) >= %(since)s),
                first AS (SELECT r.move_line_id, r.status, r.date::date AS day
                            FROM medsync_match_result r JOIN firsts USING (id))
           SELECT d.date, %(bd)s, NULL AS dim_label,
                  CASE WHEN GROUPING(f.status) = 1
                       THEN 100.0 * COUNT(f.move_line_id) FILTER (WHERE f.status IN %(passed)s)
                            / NULLIF(COUNT(f.move_line_id), 0)
                       ELSE 100.0 * COUNT(f.move_line_id)
                            / NULLIF(SUM(COUNT(f.move_line_id)) OVER (PARTITION BY d.date, GROUPING(f.status)), 0)
                  END AS value,
                  0 AS amount, COUNT(f.move_line_id) AS count
             FROM d
             LEFT JOIN first f ON f.day BETWEEN d.date - %(span)s AND d.date AND f.status != 'credit_note'
            GROUP BY GROUPING SETS ((d.date), (d.date, f.status))
           HAVING GROUPING(f.status) = 1 OR f.status IS NOT NULL""",
        days=list(days), company=company.id, since=_start_of(days[0] - dt.timedelta(days=TREND_DAYS - 1)),
        bd=_breakdown("status", SQL("f.status")), passed=FIRST_PASS, span=TREND_DAYS - 1)


def _first_pass_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("status", "!=", "credit_note"),
              ("date", ">=", fields.Datetime.to_string(_start_of(day - dt.timedelta(days=TREND_DAYS - 1)))),
              ("date", "<", fields.Datetime.to_string(_start_of(day + dt.timedelta(days=1))))]
    if key is not None:
        domain.append(("status", "=", key))
    return domain


def _discount_rows(company, day):
    return SQL(
        """SELECT m.id AS move_id, CASE WHEN m.medsync_match_state = 'hold' THEN 'held' ELSE 'unpaid' END AS kind,
                  ABS(l.balance - l.discount_balance) AS discount
             FROM account_move_line l
             JOIN account_move m ON m.id = l.move_id
            WHERE m.company_id = %(company)s AND m.move_type = 'in_invoice' AND m.state != 'cancel'
              AND l.display_type = 'payment_term' AND l.discount_date >= %(day)s AND l.discount_balance != 0
              AND l.reconciled IS NOT TRUE
              AND (m.medsync_match_state = 'hold'
                   OR (m.state = 'posted' AND m.payment_state IN ('not_paid', 'partial')))""",
        company=company.id, day=day)


def _discount_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, SUM(x.discount) AS value,
                  SUM(x.discount) AS amount, COUNT(DISTINCT x.move_id) AS count
             FROM (%(rows)s) x
            GROUP BY GROUPING SETS ((), (x.kind))""",
        day=days[-1], bd=_breakdown("status", SQL("x.kind")), rows=_discount_rows(company, days[-1]))


def _discount_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("move_type", "=", "in_invoice"), ("state", "!=", "cancel"),
              ("line_ids", "any", [("display_type", "=", "payment_term"),
                                   ("discount_date", ">=", fields.Date.to_string(day)),
                                   ("discount_balance", "!=", 0), ("reconciled", "=", False)])]
    held = [("medsync_match_state", "=", "hold")]
    unpaid = [("medsync_match_state", "!=", "hold"), ("state", "=", "posted"),
              ("payment_state", "in", ("not_paid", "partial"))]
    if key == "held":
        return domain + held
    if key == "unpaid":
        return domain + unpaid
    return [*domain, "|", *held, "&", "&", *unpaid]


def _discount_labels(env):
    return {"held": env._("On hold"), "unpaid": env._("Not yet paid")}


# ------------------------------------------------------------------------------------ inventory

def _recon_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value,
                  SUM(ABS(COALESCE(ln.value, 0))) AS amount, COUNT(*) AS count
             FROM medsync_stock_recon_line ln
             JOIN medsync_stock_snapshot s ON s.id = ln.snapshot_id
            WHERE ln.company_id = %(company)s AND s.state != 'cancel' AND ln.state NOT IN %(closed)s
              AND ln.diff_class NOT IN %(same)s
            GROUP BY GROUPING SETS ((), (ln.diff_class))""",
        day=days[-1], bd=_breakdown("class", SQL("ln.diff_class")), company=company.id, closed=RECON_CLOSED,
        same=RECON_NOT_DIFFERENCES)


def _recon_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("snapshot_id.state", "!=", "cancel"),
              ("state", "not in", RECON_CLOSED), ("diff_class", "not in", RECON_NOT_DIFFERENCES)]
    if key is not None:
        domain.append(("diff_class", "=", key))
    return domain


EXPIRY_HORIZON = 90


def _expiry_sql(env, company, days):
    # the view computes days to expiry from CURRENT_DATE: a snapshot of today
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, SUM(r.value) AS value, SUM(r.value) AS amount,
                  COUNT(*) AS count
             FROM medsync_expiry_risk r
            WHERE r.company_id = %(company)s AND r.days_to_expiry <= %(horizon)s
            GROUP BY GROUPING SETS ((), (r.bucket))""",
        day=days[-1], bd=_breakdown("bucket", SQL("r.bucket")), company=company.id, horizon=EXPIRY_HORIZON)


def _expiry_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("days_to_expiry", "<=", EXPIRY_HORIZON)]
    if key is not None:
        domain.append(("bucket", "=", key))
    return domain


# -------------------------------------------------------------------------------------- steward

def _pairs_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value,
                  SUM(COALESCE(d.spend_exposure, 0)) AS amount, COUNT(*) AS count
             FROM medsync_vendor_duplicate d
            WHERE d.company_id = %(company)s AND d.state IN ('new', 'duplicate')
            GROUP BY GROUPING SETS ((), (d.band))""",
        day=days[-1], bd=_breakdown("band", SQL("d.band")), company=company.id)


def _pairs_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("state", "in", ("new", "duplicate"))]
    if key is not None:
        domain.append(("band", "=", key or False))
    return domain


# ---------------------------------------------------------------------------------- integration

def _waiting_sql(env, company, days, value):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s,
                  CASE WHEN GROUPING(COALESCE(msg.flow_id, 0)) = 1 THEN NULL
                       ELSE COALESCE(MAX(sys.name) || ' / ' || MAX(fl.name), '') END AS dim_label,
                  %(value)s AS value, 0 AS amount, COUNT(msg.id) AS count
             FROM medsync_message msg
             LEFT JOIN medsync_flow fl ON fl.id = msg.flow_id
             LEFT JOIN medsync_system sys ON sys.id = fl.system_id
            WHERE msg.company_id = %(company)s AND msg.state IN %(waiting)s
            GROUP BY GROUPING SETS ((), (COALESCE(msg.flow_id, 0)))""",
        day=days[-1], bd=_breakdown("flow", SQL("COALESCE(msg.flow_id, 0)")), company=company.id,
        waiting=WAITING, value=value)


def _queue_sql(env, company, days):
    return _waiting_sql(env, company, days, SQL("COUNT(msg.id)"))


def _oldest_sql(env, company, days):
    return _waiting_sql(env, company, days, SQL(
        "COALESCE(EXTRACT(EPOCH FROM (NOW() AT TIME ZONE 'UTC') - MIN(msg.received_at)) / 60.0, 0)"))


def _waiting_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("state", "in", WAITING)]
    if key is not None:
        domain.append(("flow_id", "=", int(key) or False))
    return domain


def _dead_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value, 0 AS amount,
                  COUNT(*) AS count
             FROM medsync_message msg
            WHERE msg.company_id = %(company)s AND msg.state = 'dead'
            GROUP BY GROUPING SETS ((), (COALESCE(msg.error_code, '')))""",
        day=days[-1], bd=_breakdown("error", SQL("COALESCE(msg.error_code, '')")), company=company.id)


def _dead_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("state", "=", "dead")]
    if key is not None:
        domain.append(("error_code", "=", key or False))
    return domain


def _no_error_label(env):
    return {"": env._("No error code")}


# ------------------------------------------------------------------------------------- registry

register(Kpi(
    code="ap_on_hold", role="ap", unit="amount", sequence=10,
    label=_lt("Value on hold"),
    definition=_lt("Open amount still to pay (company currency) of the vendor bills MedSync holds: not paid, "
                   "not cancelled, drafts included. By vendor."),
    compute=_on_hold_sql, model="account.move", domain=_on_hold_domain,
    depends=("account.move",), engines=("matching",), dimension_label=_lt("Vendor"),
    list_view="account.view_in_invoice_bill_tree",
))
register(Kpi(
    code="ap_first_pass", role="ap", unit="percent", sequence=20, snapshot=False,
    label=_lt("First-pass match rate"),
    definition=_lt("Share of bill lines whose first match result was matched, within tolerance or favourable, "
                   "among the lines first matched in the last 30 days (credit notes left out). By first "
                   "status; opens the match results of the period."),
    compute=_first_pass_sql, model="medsync.match.result", domain=_first_pass_domain,
    depends=("medsync.match.result",), engines=("matching",), dimension_label=_lt("First status"),
    key_labels=_selection_labels("medsync.match.result", "status"), context={"group_by": ["status"]},
))
register(Kpi(
    code="ap_discount_risk", role="ap", unit="amount", sequence=30,
    label=_lt("Early-payment discounts at risk"),
    definition=_lt("Discount still open (discount date today or later) on vendor bills that are on hold, or "
                   "posted and not yet paid: what is lost if they are not paid in time."),
    compute=_discount_sql, model="account.move", domain=_discount_domain,
    depends=("account.move", "account.move.line"), engines=("matching",), dimension_label=_lt("Bill"),
    key_labels=_discount_labels, list_view="account.view_in_invoice_bill_tree",
))
register(Kpi(
    code="inv_recon_open", role="inventory", unit="count", sequence=10,
    label=_lt("Open count differences"),
    definition=_lt("Reconciliation lines with a difference (not matched, timing or not counted) that are "
                   "neither applied nor rejected, in snapshots not cancelled; the amount is their value at "
                   "cost. By class."),
    compute=_recon_sql, model="medsync.stock.recon.line", domain=_recon_domain,
    depends=("medsync.stock.recon.line", "medsync.stock.snapshot"), engines=("reconcile",),
    dimension_label=_lt("Class"), key_labels=_selection_labels("medsync.stock.recon.line", "diff_class"),
    context={"group_by": ["diff_class"]},
))
register(Kpi(
    code="inv_expiry_risk", role="inventory", unit="amount", sequence=20,
    label=_lt("Expiry risk"),
    definition=_lt("Value at cost of lotted stock on hand in internal locations that expires within 90 days or "
                   "has expired. By days to expiry."),
    compute=_expiry_sql, model="medsync.expiry.risk", domain=_expiry_domain,
    depends=("stock.quant", "stock.lot", "stock.location", "product.product"), engines=("reconcile",),
    dimension_label=_lt("Expires"), key_labels=_selection_labels("medsync.expiry.risk", "bucket"),
))
register(Kpi(
    code="steward_open_pairs", role="steward", unit="count", sequence=10,
    label=_lt("Open duplicate pairs"),
    definition=_lt("Candidate duplicate vendor pairs still to decide (new, or confirmed and not merged); the "
                   "amount is their spend exposure. By band."),
    compute=_pairs_sql, model="medsync.vendor.duplicate", domain=_pairs_domain,
    depends=("medsync.vendor.duplicate",), engines=("dedupe",), dimension_label=_lt("Band"),
    key_labels=_selection_labels("medsync.vendor.duplicate", "band"),
))
register(Kpi(
    code="hub_waiting", role="integration", unit="count", sequence=10,
    label=_lt("Messages waiting"),
    definition=_lt("Messages received and not yet processed (received, queued, retrying or failed). By flow."),
    compute=_queue_sql, model="medsync.message", domain=_waiting_domain,
    depends=("medsync.message", "medsync.flow"), dimension_label=_lt("Flow"), context={"group_by": ["flow_id"]},
))
register(Kpi(
    code="hub_oldest_waiting", role="integration", unit="minutes", sequence=20,
    label=_lt("Oldest waiting message"),
    definition=_lt("Minutes since the oldest waiting message was received. By flow."),
    compute=_oldest_sql, model="medsync.message", domain=_waiting_domain,
    depends=("medsync.message", "medsync.flow"), dimension_label=_lt("Flow"), context={"group_by": ["flow_id"]},
))
register(Kpi(
    code="hub_dead_letters", role="integration", unit="count", sequence=30,
    label=_lt("Dead letters"),
    definition=_lt("Messages given up (permanent error, attempts used up, or moved by an admin). By error code."),
    compute=_dead_sql, model="medsync.message", domain=_dead_domain,
    depends=("medsync.message",), dimension_label=_lt("Error"), key_labels=_no_error_label,
    context={"group_by": ["error_code"]},
))


# ------------------------------------------------------------ integration: flows and business figures
# What the integration admin's dashboard shows beside the queue: per flow its errors and latency, and the
# business figures the flows drive (acknowledgements, invoices, payment updates, hub exceptions).

def _per_flow_sql(company, days, value, where):
    """Messages of ``company`` matching ``where``, per flow, with the flow's label."""
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s,
                  CASE WHEN GROUPING(COALESCE(msg.flow_id, 0)) = 1 THEN NULL
                       ELSE COALESCE(MAX(sys.name) || ' / ' || MAX(fl.name), '') END AS dim_label,
                  %(value)s AS value, 0 AS amount, COUNT(msg.id) AS count
             FROM medsync_message msg
             LEFT JOIN medsync_flow fl ON fl.id = msg.flow_id
             LEFT JOIN medsync_system sys ON sys.id = fl.system_id
            WHERE msg.company_id = %(company)s AND %(where)s
            GROUP BY GROUPING SETS ((), (COALESCE(msg.flow_id, 0)))""",
        day=days[-1], bd=_breakdown("flow", SQL("COALESCE(msg.flow_id, 0)")), company=company.id, value=value,
        where=where)


HUB_BAD = SQL("(msg.state IN ('dead', 'rejected', 'retrying') OR msg.attempts > 1)")


def _error_rate_sql(env, company, days):
    return _per_flow_sql(company, days, SQL("100.0 * COUNT(msg.id) FILTER (WHERE %s) / NULLIF(COUNT(msg.id), 0)",
                                            HUB_BAD),
                         SQL("msg.received_at > (NOW() AT TIME ZONE 'UTC') - interval '1 day'"))


def _error_rate_domain(company, day, key):
    domain = [("company_id", "=", company.id),
              ("received_at", ">", fields.Datetime.to_string(fields.Datetime.now() - dt.timedelta(days=1)))]
    if key is not None:
        domain.append(("flow_id", "=", int(key) or False))
    return domain


def _latency_sql(quantile):
    def compute(env, company, days):
        return _per_flow_sql(
            company, days, SQL("COALESCE(percentile_cont(%s) WITHIN GROUP (ORDER BY msg.latency_seconds), 0) * 1000.0",
                               quantile),
            SQL("msg.state = 'done' AND msg.done_at > (NOW() AT TIME ZONE 'UTC') - interval '1 hour'"))
    return compute


def _latency_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("state", "=", "done"),
              ("done_at", ">", fields.Datetime.to_string(fields.Datetime.now() - dt.timedelta(hours=1)))]
    if key is not None:
        domain.append(("flow_id", "=", int(key) or False))
    return domain


def _orders_sql(where):
    def compute(env, company, days):
        return SQL(
            """SELECT %(day)s::date AS date, %(bd)s,
                      CASE WHEN GROUPING(po.partner_id) = 1 THEN NULL ELSE MAX(p.name) END AS dim_label,
                      COUNT(*) AS value, SUM(COALESCE(po.amount_total_cc, 0)) AS amount, COUNT(*) AS count
                 FROM purchase_order po
                 LEFT JOIN res_partner p ON p.id = po.partner_id
                WHERE po.company_id = %(company)s AND po.state = 'purchase' AND %(where)s
                GROUP BY GROUPING SETS ((), (po.partner_id))""",
            day=days[-1], bd=_breakdown("vendor", SQL("po.partner_id")), company=company.id, where=where)
    return compute


def _orders_domain(extra):
    def domain(company, day, key):
        out = [("company_id", "=", company.id), ("state", "=", "purchase"), *extra()]
        if key is not None:
            out.append(("partner_id", "=", int(key) or False))
        return out
    return domain


def _awaiting_extra():
    return [("medsync_ack_state", "=", "waiting")]


def _overdue_extra():
    return [("medsync_ack_state", "=", "waiting"),
            ("medsync_ack_due", "<", fields.Datetime.to_string(fields.Datetime.now()))]


def _changed_extra():
    return [("medsync_ack_state", "in", ("exceptions", "rejected"))]


def _unmatched_rows(company):
    """Vendor bills a hub message created or changed (medsync.message.link) that MedSync has not matched or
    holds, not cancelled."""
    return SQL(
        """FROM account_move m
           LEFT JOIN res_partner p ON p.id = m.commercial_partner_id
          WHERE m.company_id = %(company)s AND m.move_type = 'in_invoice' AND m.state != 'cancel'
            AND COALESCE(m.medsync_match_state, 'none') IN ('none', 'hold')
            AND EXISTS (SELECT 1 FROM medsync_message_link l WHERE l.res_model = 'account.move' AND l.res_id = m.id)""",
        company=company.id)


def _unmatched_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s,
                  CASE WHEN GROUPING(m.commercial_partner_id) = 1 THEN NULL ELSE MAX(p.name) END AS dim_label,
                  COUNT(*) AS value, SUM(ABS(m.amount_total_signed)) AS amount, COUNT(*) AS count
           %(rows)s
           GROUP BY GROUPING SETS ((), (m.commercial_partner_id))""",
        day=days[-1], bd=_breakdown("vendor", SQL("m.commercial_partner_id")), rows=_unmatched_rows(company))


def _unmatched_domain(company, day, key):
    # the records behind the figure, by id: "a hub message links it" is no field of account.move
    env = company.env
    env["account.move"].flush_model()
    env["medsync.message.link"].flush_model()
    ids = [r[0] for r in env.execute_query(SQL("SELECT m.id %s ORDER BY m.id", _unmatched_rows(company)))]
    domain = [("id", "in", ids)]
    if key is not None:
        domain.append(("commercial_partner_id", "=", int(key) or False))
    return domain


def _payment_updates_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value, 0 AS amount,
                  COUNT(*) AS count
             FROM medsync_message msg
            WHERE msg.company_id = %(company)s AND msg.doc_type = 'payment_status'
              AND msg.state IN ('dead', 'retrying')
            GROUP BY GROUPING SETS ((), (COALESCE(msg.error_code, '')))""",
        day=days[-1], bd=_breakdown("error", SQL("COALESCE(msg.error_code, '')")), company=company.id)


def _payment_updates_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("doc_type", "=", "payment_status"),
              ("state", "in", ("dead", "retrying"))]
    if key is not None:
        domain.append(("error_code", "=", key or False))
    return domain


HUB_PAYMENT_CODES = ("HUB_PAYMENT_FAILED", "HUB_PAYMENT_REVERSED", "HUB_PAYMENT_ON_HOLD")


def _payments_failed_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value,
                  SUM(COALESCE(e.amount, 0)) AS amount, COUNT(*) AS count
             FROM medsync_exception e
            WHERE e.company_id = %(company)s AND e.reason_code IN %(codes)s AND e.state IN ('open', 'in_progress')
            GROUP BY GROUPING SETS ((), (e.reason_code))""",
        day=days[-1], bd=_breakdown("reason", SQL("e.reason_code")), company=company.id, codes=HUB_PAYMENT_CODES)


def _payments_failed_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("reason_code", "in", HUB_PAYMENT_CODES),
              ("state", "in", ("open", "in_progress"))]
    if key is not None:
        domain.append(("reason_code", "=", key))
    return domain


# open hub exceptions by age: (key, from days, to days)
HUB_AGES = (("0-1d", 0, 1), ("1-3d", 1, 3), ("3-7d", 3, 7), ("7d+", 7, None))


def _hub_exceptions_sql(env, company, days):
    bucket = SQL("CASE %s END", SQL(" ").join(
        SQL("WHEN e.create_date > (NOW() AT TIME ZONE 'UTC') - %s * interval '1 day' THEN %s", hi, key)
        if hi is not None else SQL("ELSE %s", key) for key, _lo, hi in HUB_AGES))
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value,
                  SUM(COALESCE(e.amount, 0)) AS amount, COUNT(*) AS count
             FROM medsync_exception e
            WHERE e.company_id = %(company)s AND e.engine = 'hub' AND e.state IN ('open', 'in_progress')
            GROUP BY GROUPING SETS ((), (%(bucket)s))""",
        day=days[-1], bd=_breakdown("age", bucket), company=company.id, bucket=bucket)


def _hub_exceptions_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("engine", "=", "hub"), ("state", "in", ("open", "in_progress"))]
    for k, lo, hi in HUB_AGES:
        if k == key:
            now = fields.Datetime.now()
            domain.append(("create_date", "<=", fields.Datetime.to_string(now - dt.timedelta(days=lo))))
            if hi is not None:
                domain.append(("create_date", ">", fields.Datetime.to_string(now - dt.timedelta(days=hi))))
    return domain


def _hub_age_labels(env):
    return {"0-1d": env._("Less than a day"), "1-3d": env._("1 to 3 days"), "3-7d": env._("3 to 7 days"),
            "7d+": env._("7 days or more")}


register(Kpi(
    code="hub_error_rate", role="integration", unit="percent", sequence=40,
    label=_lt("Error rate (24 h)"),
    definition=_lt("Share of the messages received in the last 24 hours that were refused, retried or given up "
                   "(dead letters). By flow; opens the messages of the last 24 hours by state."),
    compute=_error_rate_sql, model="medsync.message", domain=_error_rate_domain,
    depends=("medsync.message", "medsync.flow"), dimension_label=_lt("Flow"), context={"group_by": ["state"]},
))
register(Kpi(
    code="hub_latency_p50", role="integration", unit="count", sequence=50,
    label=_lt("Latency p50 (ms, last hour)"),
    definition=_lt("Median time from receipt to done, in milliseconds, of the messages processed in the last "
                   "hour. By flow."),
    compute=_latency_sql(0.5), model="medsync.message", domain=_latency_domain,
    depends=("medsync.message", "medsync.flow"), dimension_label=_lt("Flow"), context={"group_by": ["flow_id"]},
))
register(Kpi(
    code="hub_latency_p95", role="integration", unit="count", sequence=60,
    label=_lt("Latency p95 (ms, last hour)"),
    definition=_lt("Time from receipt to done, in milliseconds, within which 95 % of the messages processed in "
                   "the last hour were done. By flow."),
    compute=_latency_sql(0.95), model="medsync.message", domain=_latency_domain,
    depends=("medsync.message", "medsync.flow"), dimension_label=_lt("Flow"), context={"group_by": ["flow_id"]},
))
register(Kpi(
    code="hub_orders_awaiting_ack", role="integration", unit="count", sequence=70,
    label=_lt("Orders awaiting acknowledgement"),
    definition=_lt("Confirmed purchase orders sent to a vendor's system that the vendor has not acknowledged yet; "
                   "the amount is their total. By vendor."),
    compute=_orders_sql(SQL("po.medsync_ack_state = 'waiting'")), model="purchase.order",
    domain=_orders_domain(_awaiting_extra), depends=("purchase.order",), dimension_label=_lt("Vendor"),
))
register(Kpi(
    code="hub_acks_overdue", role="integration", unit="count", sequence=80,
    label=_lt("Acknowledgements overdue"),
    definition=_lt("Orders awaiting acknowledgement past the due time the flow's acknowledgement SLA set. By "
                   "vendor."),
    compute=_orders_sql(SQL("po.medsync_ack_state = 'waiting' AND po.medsync_ack_due < (NOW() AT TIME ZONE 'UTC')")),
    model="purchase.order", domain=_orders_domain(_overdue_extra), depends=("purchase.order",),
    dimension_label=_lt("Vendor"),
))
register(Kpi(
    code="hub_orders_changed", role="integration", unit="count", sequence=90,
    label=_lt("Orders changed by the vendor"),
    definition=_lt("Confirmed orders the vendor acknowledged with exceptions (backordered, substituted, short, "
                   "another price) or rejected. By vendor."),
    compute=_orders_sql(SQL("po.medsync_ack_state IN ('exceptions', 'rejected')")), model="purchase.order",
    domain=_orders_domain(_changed_extra), depends=("purchase.order",), dimension_label=_lt("Vendor"),
))
register(Kpi(
    code="hub_invoices_unmatched", role="integration", unit="count", sequence=100,
    label=_lt("Received invoices not matched"),
    definition=_lt("Vendor bills created from an invoice message that are not matched yet or on hold, not "
                   "cancelled; the amount is their total. By vendor."),
    compute=_unmatched_sql, model="account.move", domain=_unmatched_domain,
    depends=("account.move", "medsync.message.link"), engines=("matching",), dimension_label=_lt("Vendor"),
    list_view="account.view_in_invoice_bill_tree",
))
register(Kpi(
    code="hub_payment_updates_failed", role="integration", unit="count", sequence=110,
    label=_lt("Failed payment updates"),
    definition=_lt("Payment status messages that could not be applied: retrying or in the dead letters. By "
                   "error code."),
    compute=_payment_updates_sql, model="medsync.message", domain=_payment_updates_domain,
    depends=("medsync.message",), dimension_label=_lt("Error"), key_labels=_no_error_label,
    context={"group_by": ["error_code"]},
))
register(Kpi(
    code="hub_payments_failed", role="integration", unit="count", sequence=120,
    label=_lt("Payments failed or reversed"),
    definition=_lt("Open exceptions for payments the gateway reported failed or reversed, or paid while the bill "
                   "was on a MedSync hold; the amount is the payments'. By reason."),
    compute=_payments_failed_sql, model="medsync.exception", domain=_payments_failed_domain,
    depends=("medsync.exception",), dimension_label=_lt("Reason"),
))
register(Kpi(
    code="hub_open_exceptions", role="integration", unit="count", sequence=130,
    label=_lt("Open hub exceptions"),
    definition=_lt("Integration exceptions (dead letters, SLA breaches, orders not acknowledged or changed, "
                   "payments) still open or in progress. By age."),
    compute=_hub_exceptions_sql, model="medsync.exception", domain=_hub_exceptions_domain,
    depends=("medsync.exception",), dimension_label=_lt("Age"), key_labels=_hub_age_labels,
))
