"""Supplier scorecards: the facts read from Odoo, the engine called once, the
rows written back in bulk, and the standing's gate on new purchase orders.

The facts (one SQL query per table, for the vendors asked):

- **lines**: confirmed goods lines of purchase orders (cancelled ones flagged),
  with the order's confirmation, when the hub sent it to the vendor, the line's
  first promised date (``purchase.order.line.medsync_first_promised``), the net
  price and the vendor's contract price (its price list row Odoo would use);
- **acks**: every acknowledgement the vendor sent per line (``medsync.po.ack``);
- **receipts**: the done move lines of the lines' receipts and returns, in the
  order line's unit, with their lot;
- **asns**: the ship notices' lines as announced (``medsync.asn.line``);
- **bills**: vendor bill lines on the order lines, with their first match result.

The engine (``medsync_core.scorecard``, ``rust/scorecard/``) computes every
metric per vendor and month in the company's time zone, the month scores,
the blended score and the standing. Rows are upserted where a value changed
(a month whose figures did not move is not written) and rows no longer
produced are deleted; the vendor's chatter records a change of standing.
"""

import datetime as dt
import logging
import time
import zoneinfo

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from . import bulk, engine, guard, kpi

_lt = LazyTranslate("medsync")
_logger = logging.getLogger(__name__)

STANDINGS = [
    ("excellent", "Excellent"),
    ("good", "Good"),
    ("poor", "Poor"),
    ("very_poor", "Very poor"),
    ("not_rated", "Not rated"),
]
GATE_MODES = [("off", "Nothing"), ("warn", "Warn the buyer"), ("block", "Block new orders")]
TARGETS = [("first_promised", "First promised date"), ("last_acknowledged", "Last date the vendor acknowledged")]
FIRST_PASS = ("matched", "within_tolerance", "price_favourable")

# the scored components: (engine key, company weight field, label)
COMPONENTS = [
    ("otif", "medsync_scorecard_w_otif", _lt("On time in full")),
    ("fill_rate", "medsync_scorecard_w_fill", _lt("Fill rate")),
    ("ack_on_time", "medsync_scorecard_w_ack", _lt("Acknowledged in time")),
    ("asn_accuracy", "medsync_scorecard_w_asn", _lt("Ship notice accuracy")),
    ("price_accuracy", "medsync_scorecard_w_price", _lt("Price accuracy")),
    ("first_pass", "medsync_scorecard_w_match", _lt("First-pass match")),
    ("returns", "medsync_scorecard_w_returns", _lt("No returns")),
    ("backorders", "medsync_scorecard_w_backorders", _lt("No backorders")),
]

# what each figure means: shown beside it (form, dashboard, PDF) and in docs/scorecards.md
METRICS = {
    "otif": _lt(
        "On time in full: of the lines due in the month (their target date, plus the late tolerance, passed), "
        "the share whose receipts dated inside the on-time window (target date minus the early tolerance to target "
        "date plus the late tolerance, in the company's time zone) add up to the ordered quantity, within the "
        "quantity tolerance. Target: the first promised date (the line's planned date at confirmation), or the "
        "last date the vendor acknowledged (company setting)."),
    "fill_rate": _lt(
        "Fill rate: of the lines due in the month, the share whose first receipt brought the whole ordered "
        "quantity (within the quantity tolerance)."),
    "backorder_rate": _lt(
        "Backorder rate: of the lines due in the month, the share the vendor acknowledged as backordered, or "
        "whose first receipt was short and a later one followed."),
    "lead_time": _lt(
        "Lead time: days from the order's confirmation to the line's first receipt, mean and standard deviation "
        "(spread) over the lines first received in the month."),
    "ack_on_time": _lt(
        "Acknowledged in time: of the lines sent to the vendor in the month (through the hub, or acknowledged "
        "however they were sent: then from the order's confirmation), the share "
        "acknowledged within the acknowledgement target (hours, company setting); a line not acknowledged "
        "counts once its target has passed. Latency: mean hours from sending to the first acknowledgement."),
    "asn_accuracy": _lt(
        "Ship notice accuracy: per receipt announced by a ship notice, each product line and lot announced or "
        "received is accurate when the quantity received in that receipt equals the quantity announced (within "
        "the quantity tolerance); a lot announced and not received, or received and not announced, is not. "
        "Month: when the notice arrived."),
    "price_accuracy": _lt(
        "Price accuracy: of the bill lines dated in the month, the share billed at the agreed price (the "
        "vendor's contract price from its price list when there is one, else the purchase order's net price) "
        "within the price tolerance. Counted beside it: lines billed above the PO, and lines whose PO price was "
        "above the contract."),
    "first_pass": _lt(
        "First-pass match: of the bill lines dated in the month that MedSync matched, the share whose first "
        "three-way match passed (matched, within tolerance or favourable price), with no one touching them."),
    "return_rate": _lt(
        "Return rate: of the lines first received in the month, the share with goods returned to the vendor."),
    "score": _lt(
        "Score: each month, the components with data (on time in full, fill rate, acknowledged in time, ship "
        "notice accuracy, price accuracy, first-pass match, 100 minus the return rate and 100 minus the "
        "backorder rate) weighed by the company's weights (summing to 100); the score blends the month with "
        "the months before it in the window, each month back weighing the decay factor less. The standing "
        "follows from the thresholds; a vendor with too few lines due in the window is not rated."),
}


# ------------------------------------------------------------------------------------------------ options

def company_tz(company):
    return company.partner_id.tz or "UTC"


def tz_transitions(tz_name, start, end):
    """``[(utc_from, offset_seconds)]`` of ``tz_name`` from ``start`` to ``end`` (UTC datetimes): the offset at
    the start, then each change (daylight saving), found to the second. The engine applies it to every time."""
    tz = zoneinfo.ZoneInfo(tz_name)

    def offset(t):
        return int(dt.datetime.fromtimestamp(t, tz).utcoffset().total_seconds())

    t0 = int(start.replace(tzinfo=dt.UTC).timestamp())
    t1 = int(end.replace(tzinfo=dt.UTC).timestamp())
    out = [(t0, offset(t0))]
    step = 6 * 3600
    t = t0
    while t < t1:
        nxt = min(t + step, t1)
        if offset(nxt) != out[-1][1]:
            lo, hi = t, nxt  # offset(lo) is the current one, offset(hi) the next
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == out[-1][1]:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, offset(hi)))
        t = nxt
    return out


def month_start(day, back=0):
    y, m = divmod(day.year * 12 + day.month - 1 - back, 12)
    return dt.date(y, m + 1, 1)


def options(company, as_of):
    """The engine's options from the company's settings, at ``as_of`` (a UTC datetime)."""
    horizon = company.medsync_scorecard_months + company.medsync_scorecard_window + 1
    since = dt.datetime.combine(month_start(as_of.date(), horizon), dt.time.min) - dt.timedelta(days=2)
    return {
        "as_of": int(as_of.replace(tzinfo=dt.UTC).timestamp()),
        "tz": tz_transitions(company_tz(company), since, as_of + dt.timedelta(days=1)),
        "target": company.medsync_scorecard_target,
        "early_days": company.medsync_scorecard_early_days,
        "late_days": company.medsync_scorecard_late_days,
        "qty_tolerance": str(company.medsync_scorecard_qty_tolerance),
        "price_tolerance": str(company.medsync_scorecard_price_tolerance),
        "ack_hours": company.medsync_scorecard_ack_hours,
        "weights": {key: float(company[name]) for key, name, _label in COMPONENTS},
        "decay": company.medsync_scorecard_decay,
        "window": company.medsync_scorecard_window,
        "thresholds": (company.medsync_scorecard_excellent, company.medsync_scorecard_good,
                       company.medsync_scorecard_poor),
        "min_lines": company.medsync_scorecard_min_lines,
        "by_category": True,
    }, since


def check_settings(company):
    """Problems with the company's scorecard settings, numbered as the settings show them."""
    env = company.env
    problems = []
    total = sum(company[name] for _key, name, _label in COMPONENTS)
    if total != 100:
        problems.append(env._("The weights add up to %s; they must add up to 100.", total))
    if any(company[name] < 0 for _key, name, _label in COMPONENTS):
        problems.append(env._("A weight cannot be negative."))
    if not (100 >= company.medsync_scorecard_excellent >= company.medsync_scorecard_good
            >= company.medsync_scorecard_poor >= 0):
        problems.append(env._("The standings' thresholds must go down from excellent to poor, between 0 and 100."))
    if not 0 < company.medsync_scorecard_decay <= 1:
        problems.append(env._("The decay must be above 0 and at most 1."))
    if company.medsync_scorecard_window < 1 or company.medsync_scorecard_months < 1:
        problems.append(env._("The window and the months kept must be at least one month."))
    if min(company.medsync_scorecard_early_days, company.medsync_scorecard_late_days,
           company.medsync_scorecard_ack_hours, company.medsync_scorecard_min_lines) < 0:
        problems.append(env._("Tolerances, the acknowledgement target and the minimum of lines cannot be negative."))
    if min(company.medsync_scorecard_qty_tolerance, company.medsync_scorecard_price_tolerance) < 0:
        problems.append(env._("Tolerances cannot be negative."))
    return problems


# ------------------------------------------------------------------------------------------------ facts

def _epoch(expr):
    return SQL("COALESCE(EXTRACT(EPOCH FROM %s)::bigint, 0)", expr)


def _noon(date_expr):
    """A date (a local calendar day) as the engine's instant: its noon UTC, which falls on that day in every
    time zone within 12 hours of UTC."""
    return SQL("COALESCE(EXTRACT(EPOCH FROM (%s + time '12:00'))::bigint, 0)", date_expr)


def _line_filter(company, vendors, since):
    """The order lines a scorecard reads: goods lines of confirmed (or cancelled after confirmation) orders of
    ``company``, for ``vendors`` (None: all), confirmed or due since ``since``."""
    return SQL(
        """po.company_id = %(company)s AND po.state IN ('purchase', 'done', 'cancel') AND po.date_approve IS NOT NULL
           AND l.display_type IS NULL AND l.product_qty > 0 AND pt.type = 'consu'
           AND (po.date_approve >= %(since)s OR COALESCE(l.medsync_first_promised, l.date_planned) >= %(since)s)
           AND (%(all)s OR vp.commercial_partner_id = ANY(%(vendors)s))""",
        company=company.id, since=since, all=vendors is None, vendors=list(vendors or []))


def _lines_cte(company, vendors, since):
    return SQL(
        """sl AS (SELECT l.id, vp.commercial_partner_id AS vendor, COALESCE(pt.categ_id, 0) AS category,
                         po.id AS order_id, po.date_approve, COALESCE(l.medsync_first_promised, l.date_planned)
                         AS promised, l.product_qty, l.price_unit, l.discount, po.state, po.currency_id,
                         po.company_id, po.date_order, l.product_id, pt.id AS tmpl_id, pt.uom_po_id,
                         l.product_uom
                    FROM purchase_order_line l
                    JOIN purchase_order po ON po.id = l.order_id
                    JOIN res_partner vp ON vp.id = po.partner_id
                    JOIN product_product pp ON pp.id = l.product_id
                    JOIN product_template pt ON pt.id = pp.product_tmpl_id
                   WHERE %s)""", _line_filter(company, vendors, since))


def _columns(cr, names):
    rows = cr.fetchall()
    return {name: [r[i] for r in rows] for i, name in enumerate(names)}


def fetch(env, company, vendors, since):
    """The five tables of facts for ``vendors`` (commercial partner ids; None: every vendor) of ``company``."""
    for model in ("purchase.order", "purchase.order.line", "medsync.po.ack", "medsync.asn.line", "stock.move",
                  "stock.move.line", "account.move", "account.move.line", "medsync.match.result",
                  "medsync.message", "product.supplierinfo"):
        env[model].flush_model()
    cr = env.cr
    lines_cte = _lines_cte(company, vendors, since)
    cr.execute(SQL(
        """WITH %(sl)s,
                sent AS (SELECT m.source_id, MIN(m.done_at) AS at FROM medsync_message m
                          WHERE m.direction = 'outbound' AND m.source_model = 'purchase.order'
                            AND m.done_at IS NOT NULL AND m.source_id IN (SELECT order_id FROM sl)
                          GROUP BY m.source_id),
                -- an order that was not sent through the hub but that the vendor acknowledged reached it at
                -- its confirmation at the latest (e-mailed, or sent by another channel)
                acked AS (SELECT DISTINCT a.order_id FROM medsync_po_ack a
                           WHERE a.order_id IN (SELECT order_id FROM sl))
           SELECT sl.id, sl.vendor, sl.category, %(ordered)s, %(sent)s, %(promised)s, sl.product_qty,
                  ROUND((sl.price_unit * (1 - COALESCE(sl.discount, 0) / 100.0))::numeric, 6),
                  ROUND((c.price * cu.factor / lu.factor)::numeric, 6), sl.state = 'cancel'
             FROM sl
             LEFT JOIN sent ON sent.source_id = sl.order_id
             LEFT JOIN acked ON acked.order_id = sl.order_id
             JOIN uom_uom lu ON lu.id = sl.product_uom
             LEFT JOIN LATERAL (
                  SELECT s.price, pt2.uom_po_id FROM product_supplierinfo s
                    JOIN product_template pt2 ON pt2.id = s.product_tmpl_id
                   WHERE s.partner_id IN (SELECT id FROM res_partner WHERE commercial_partner_id = sl.vendor)
                     AND s.product_tmpl_id = sl.tmpl_id AND (s.product_id IS NULL OR s.product_id = sl.product_id)
                     AND (s.date_start IS NULL OR s.date_start <= sl.date_order::date)
                     AND (s.date_end IS NULL OR s.date_end >= sl.date_order::date)
                     AND s.currency_id = sl.currency_id AND (s.company_id IS NULL OR s.company_id = sl.company_id)
                   ORDER BY s.product_id IS NULL, s.sequence, s.min_qty DESC, s.price, s.id LIMIT 1) c ON TRUE
             LEFT JOIN uom_uom cu ON cu.id = c.uom_po_id
            ORDER BY sl.id""",
        sl=lines_cte, ordered=_epoch(SQL("sl.date_approve")), promised=_epoch(SQL("sl.promised")),
        sent=_epoch(SQL("COALESCE(sent.at, CASE WHEN acked.order_id IS NOT NULL THEN sl.date_approve END)"))))
    lines = _columns(cr, ["id", "vendor", "category", "ordered_at", "sent_at", "promised_at", "qty", "price",
                          "contract_price", "cancelled"])
    ids = lines["id"]
    cr.execute(SQL(
        """SELECT a.line_id, %(at)s, %(promised)s, a.status, COALESCE(a.qty, 0)
             FROM medsync_po_ack a WHERE a.line_id = ANY(%(ids)s) ORDER BY a.line_id, a.received_at, a.id""",
        at=_epoch(SQL("a.received_at")), promised=_noon(SQL("a.promised_date")), ids=ids))
    acks = _columns(cr, ["line", "at", "promised_at", "status", "qty"])
    cr.execute(SQL(
        """SELECT m.purchase_line_id, %(at)s, ROUND((ml.quantity * lu.factor / mu.factor)::numeric, 6),
                  CASE WHEN dl.usage = 'supplier' THEN 'return' ELSE 'receipt' END,
                  COALESCE(m.picking_id, 0), COALESCE(lot.name, ml.lot_name, '')
             FROM stock_move m
             JOIN stock_move_line ml ON ml.move_id = m.id
             JOIN purchase_order_line l ON l.id = m.purchase_line_id
             JOIN uom_uom lu ON lu.id = l.product_uom
             JOIN uom_uom mu ON mu.id = ml.product_uom_id
             JOIN stock_location sl ON sl.id = m.location_id
             JOIN stock_location dl ON dl.id = m.location_dest_id
             LEFT JOIN stock_lot lot ON lot.id = ml.lot_id
            WHERE m.purchase_line_id = ANY(%(ids)s) AND m.state = 'done' AND ml.quantity > 0
              AND (dl.usage = 'supplier' OR (sl.usage = 'supplier' AND dl.usage != 'supplier'))
            ORDER BY m.purchase_line_id, m.date, ml.id""",
        at=_epoch(SQL("m.date")), ids=ids))
    receipts = _columns(cr, ["line", "at", "qty", "kind", "picking", "lot"])
    cr.execute(SQL(
        """SELECT a.line_id, %(at)s, a.picking_id, COALESCE(a.lot_name, ''),
                  ROUND((a.qty * lu.factor / COALESCE(au.factor, lu.factor))::numeric, 6)
             FROM medsync_asn_line a
             JOIN purchase_order_line l ON l.id = a.line_id
             JOIN uom_uom lu ON lu.id = l.product_uom
             LEFT JOIN uom_uom au ON au.id = a.uom_id
            WHERE a.line_id = ANY(%(ids)s) AND a.qty > 0
            ORDER BY a.line_id, a.received_at, a.id""",
        at=_epoch(SQL("a.received_at")), ids=ids))
    asns = _columns(cr, ["line", "at", "picking", "lot", "qty"])
    cr.execute(SQL(
        """WITH firsts AS (SELECT DISTINCT ON (r.move_line_id) r.move_line_id, r.status
                             FROM medsync_match_result r
                            WHERE r.move_line_id IN (SELECT aml.id FROM account_move_line aml
                                                      WHERE aml.purchase_line_id = ANY(%(ids)s))
                            ORDER BY r.move_line_id, r.id)
           SELECT aml.purchase_line_id, %(at)s,
                  ROUND((aml.quantity * lu.factor / bu.factor)::numeric, 6),
                  ROUND((aml.price_unit * (1 - COALESCE(aml.discount, 0) / 100.0) * bu.factor / lu.factor)::numeric,
                        6),
                  CASE WHEN f.status IS NULL OR f.status = 'credit_note' THEN 'none'
                       WHEN f.status IN %(passed)s THEN 'pass' ELSE 'fail' END
             FROM account_move_line aml
             JOIN account_move am ON am.id = aml.move_id
             JOIN purchase_order_line l ON l.id = aml.purchase_line_id
             JOIN purchase_order po ON po.id = l.order_id
             JOIN uom_uom lu ON lu.id = l.product_uom
             JOIN uom_uom bu ON bu.id = COALESCE(aml.product_uom_id, l.product_uom)
             LEFT JOIN firsts f ON f.move_line_id = aml.id
            WHERE aml.purchase_line_id = ANY(%(ids)s) AND am.move_type = 'in_invoice' AND am.state != 'cancel'
              AND aml.display_type = 'product' AND aml.quantity > 0 AND am.currency_id = po.currency_id
            ORDER BY aml.purchase_line_id, aml.id""",
        at=_noon(SQL("COALESCE(am.invoice_date, am.date)")), ids=ids, passed=FIRST_PASS))
    bills = _columns(cr, ["line", "at", "qty", "price", "first_pass"])
    return lines, acks, receipts, asns, bills


def changed_vendors(env, company, since, now):
    """Vendors of ``company`` whose facts changed since ``since`` (a written order, line, acknowledgement, ship
    notice, receipt, bill line or match result), or for which time alone changed a figure (a line's target date
    or an acknowledgement's target passed)."""
    for model in ("purchase.order", "purchase.order.line", "medsync.po.ack", "medsync.asn.line", "stock.move",
                  "account.move.line", "medsync.match.result"):
        env[model].flush_model()
    late = dt.timedelta(days=company.medsync_scorecard_late_days + 1)
    ack = dt.timedelta(hours=company.medsync_scorecard_ack_hours)
    env.cr.execute(SQL(
        """WITH touched AS (
                SELECT l.id FROM purchase_order_line l WHERE l.write_date >= %(since)s
                UNION SELECT l.id FROM purchase_order_line l JOIN purchase_order po ON po.id = l.order_id
                       WHERE po.write_date >= %(since)s
                UNION SELECT l.id FROM purchase_order_line l
                       WHERE COALESCE(l.medsync_first_promised, l.date_planned) BETWEEN %(due_from)s AND %(due_to)s
                UNION SELECT l.id FROM purchase_order_line l
                        JOIN medsync_message m ON m.source_model = 'purchase.order' AND m.source_id = l.order_id
                       WHERE m.direction = 'outbound' AND m.done_at BETWEEN %(ack_from)s AND %(ack_to)s
                UNION SELECT a.line_id FROM medsync_po_ack a WHERE a.create_date >= %(since)s
                UNION SELECT a.line_id FROM medsync_asn_line a WHERE a.create_date >= %(since)s
                UNION SELECT m.purchase_line_id FROM stock_move m
                       WHERE m.write_date >= %(since)s AND m.purchase_line_id IS NOT NULL
                UNION SELECT aml.purchase_line_id FROM account_move_line aml
                       WHERE aml.write_date >= %(since)s AND aml.purchase_line_id IS NOT NULL
                UNION SELECT aml.purchase_line_id FROM medsync_match_result r
                        JOIN medsync_run mr ON mr.id = r.run_id
                        JOIN account_move_line aml ON aml.id = r.move_line_id
                       WHERE mr.date_start >= %(since)s AND aml.purchase_line_id IS NOT NULL)
           SELECT DISTINCT vp.commercial_partner_id
             FROM touched t
             JOIN purchase_order_line l ON l.id = t.id
             JOIN purchase_order po ON po.id = l.order_id
             JOIN res_partner vp ON vp.id = po.partner_id
            WHERE po.company_id = %(company)s AND po.date_approve IS NOT NULL""",
        since=since, due_from=since - late, due_to=now - late + dt.timedelta(days=1), ack_from=since - ack,
        ack_to=now - ack, company=company.id))
    return sorted(r[0] for r in env.cr.fetchall())


# ------------------------------------------------------------------------------------------------ write

VALUE_COLUMNS = [
    "lines_due", "lines_otif", "lines_filled", "lines_backordered", "lines_received", "lines_returned",
    "lines_sent", "lines_acked", "lines_ack_on_time", "asn_groups", "asn_accurate", "bill_lines", "bill_accurate",
    "billed_over_po", "po_over_contract", "match_lines", "match_first_pass",
    "lead_time_days", "lead_time_std_days", "ack_latency_hours", "otif", "fill_rate", "backorder_rate",
    "ack_on_time", "asn_accuracy", "price_accuracy", "first_pass", "return_rate", "month_score", "score",
    "has_score", "standing",
]
INT_COLUMNS = VALUE_COLUMNS[:17]
# each rate as (numerator, denominator) of the stored counts: over several months or vendors, a ratio of sums
RATES = {
    "otif": ("lines_otif", "lines_due"), "fill_rate": ("lines_filled", "lines_due"),
    "backorder_rate": ("lines_backordered", "lines_due"), "ack_on_time": ("lines_ack_on_time", "lines_sent"),
    "asn_accuracy": ("asn_accurate", "asn_groups"), "price_accuracy": ("bill_accurate", "bill_lines"),
    "first_pass": ("match_first_pass", "match_lines"), "return_rate": ("lines_returned", "lines_received"),
}
FLOAT_COLUMNS = VALUE_COLUMNS[17:30]


def _rows(out, first_month):
    """The engine's rows from ``first_month`` on, as columns ready for SQL arrays."""
    rows = out["rows"]
    months = [dt.date(int(m[:4]), int(m[5:7]), 1) for m in rows["month"]]
    keep = [i for i, m in enumerate(months) if m >= first_month]
    cols = {
        "partner_id": [rows["vendor"][i] for i in keep],
        "category_id": [rows["category"][i] or None for i in keep],
        "month": [months[i] for i in keep],
    }
    for name in INT_COLUMNS:
        cols[name] = [rows[name][i] for i in keep]
    for name in FLOAT_COLUMNS:
        cols[name] = [round(rows[name][i], 4) if rows[name][i] is not None else 0.0 for i in keep]
    cols["has_score"] = [rows["score"][i] is not None for i in keep]
    cols["standing"] = [rows["standing"][i] for i in keep]
    return cols


def write(env, company, vendors, cols, first_month, now):
    """Upsert the rows of ``vendors`` from ``first_month`` on where a value changed, delete those no longer
    produced, and mark each vendor's latest month. Returns (rows written, rows deleted)."""
    cr = env.cr
    env["medsync.scorecard"].flush_model()
    names = ["partner_id", "category_id", "month", *VALUE_COLUMNS]
    types = {"partner_id": "int", "category_id": "int", "month": "date", "has_score": "bool", "standing": "varchar",
             **dict.fromkeys(INT_COLUMNS, "int"), **dict.fromkeys(FLOAT_COLUMNS, "float8")}
    # the rows stream in by COPY into a scratch table (a literal array per column costs more to parse than the
    # upsert itself), then one upsert and one anti-join delete read it
    cr.execute(SQL("DROP TABLE IF EXISTS medsync_scorecard_in"))
    cr.execute(SQL("CREATE TEMP TABLE medsync_scorecard_in ON COMMIT DROP AS SELECT %s FROM medsync_scorecard "
                   "WITH NO DATA", SQL(", ").join(SQL.identifier(n) for n in names)))
    bulk.insert(cr, "medsync_scorecard_in", [(n, types[n]) for n in names], cols)
    cr.execute(SQL("ANALYZE medsync_scorecard_in"))
    target = SQL(", ").join(SQL.identifier(n) for n in names)
    updates = SQL(", ").join(SQL("%s = EXCLUDED.%s", SQL.identifier(n), SQL.identifier(n)) for n in VALUE_COLUMNS)
    old = SQL(", ").join(SQL("s.%s", SQL.identifier(n)) for n in VALUE_COLUMNS)
    new = SQL(", ").join(SQL("EXCLUDED.%s", SQL.identifier(n)) for n in VALUE_COLUMNS)
    cr.execute(SQL(
        """WITH up AS (
               INSERT INTO medsync_scorecard AS s (company_id, %(target)s, computed_at, is_latest, create_uid,
                                                  create_date, write_uid, write_date)
               SELECT %(company)s, %(target)s, %(now)s, FALSE, %(uid)s, %(now)s, %(uid)s, %(now)s
                 FROM medsync_scorecard_in
               ON CONFLICT (company_id, partner_id, (COALESCE(category_id, 0)), month) DO UPDATE
                  SET %(updates)s, computed_at = EXCLUDED.computed_at, write_uid = EXCLUDED.write_uid,
                      write_date = EXCLUDED.write_date
                WHERE (%(old)s) IS DISTINCT FROM (%(new)s)
               RETURNING s.id)
           SELECT COUNT(*) FROM up""",
        target=target, company=company.id, now=now, uid=env.uid, updates=updates, old=old, new=new))
    written = cr.fetchone()[0]
    cr.execute(SQL(
        """DELETE FROM medsync_scorecard s
            WHERE s.company_id = %(company)s AND s.partner_id = ANY(%(vendors)s) AND s.month >= %(first)s
              AND NOT EXISTS (SELECT 1 FROM medsync_scorecard_in k
                               WHERE k.partner_id = s.partner_id AND k.month = s.month
                                 AND COALESCE(k.category_id, 0) = COALESCE(s.category_id, 0))""",
        company=company.id, vendors=list(vendors), first=first_month))
    deleted = cr.rowcount
    cr.execute(SQL(
        """UPDATE medsync_scorecard s SET is_latest = (s.month = last.month)
             FROM (SELECT partner_id, MAX(month) AS month FROM medsync_scorecard
                    WHERE company_id = %(company)s AND partner_id = ANY(%(vendors)s) AND category_id IS NULL
                    GROUP BY partner_id) last
            WHERE s.company_id = %(company)s AND s.partner_id = last.partner_id
              AND s.is_latest IS DISTINCT FROM (s.month = last.month)""",
        company=company.id, vendors=list(vendors)))
    env["medsync.scorecard"].invalidate_model()
    return written, deleted


def latest(env, company, vendor_ids):
    """``{vendor id: (standing, score, month)}``: each vendor's latest scorecard in ``company``."""
    if not vendor_ids:
        return {}
    env["medsync.scorecard"].flush_model()
    env.cr.execute(SQL(
        """SELECT partner_id, standing, score, has_score, month FROM medsync_scorecard
            WHERE company_id = %s AND category_id IS NULL AND is_latest AND partner_id = ANY(%s)""",
        company.id, list(vendor_ids)))
    return {p: (standing, score if has else None, month) for p, standing, score, has, month in env.cr.fetchall()}


def _log_standings(env, company, before, after):
    """The vendor's chatter says when its standing changed (what the gate acts on)."""
    labels = dict(STANDINGS)
    changed = {v: a for v, a in after.items() if (before.get(v) or (None,))[0] != a[0]}
    if not changed:
        return 0
    partners = env["res.partner"].sudo().browse(list(changed))  # sudo: the audit goes on the vendor whoever runs
    notes = {}
    for vendor, (standing, score, month) in changed.items():
        was = before.get(vendor)
        notes[vendor] = env._(
            "Supplier scorecard (%(company)s): standing %(old)s → %(new)s, score %(score)s for %(month)s.",
            company=company.name, old=labels.get(was[0], env._("none")) if was else env._("none"),
            new=labels.get(standing, standing), score=f"{score:.1f}" if score is not None else "—",
            month=month.strftime("%Y-%m"))
    partners._message_log_batch(notes)
    return len(notes)


# ------------------------------------------------------------------------------------------------ run

def refresh(env, company, vendors=None, full=False, trigger="cron", now=None):
    """Recompute the scorecards of ``company``: ``vendors`` (commercial partner ids), or those whose facts
    changed since the last refresh (nightly), or every vendor (``full``). Returns the run."""
    problems = check_settings(company)
    if problems:
        raise UserError(env._("MedSync scorecards: the company's settings are not valid:\n%s",
                              "\n".join(f"{i}. {p}" for i, p in enumerate(problems, 1))))
    now = now or fields.Datetime.now()
    Run = env["medsync.run"]
    full = full or company.medsync_scorecard_stale
    if vendors is None and not full:
        last = Run.sudo().search([("engine", "=", "scorecard"), ("company_id", "=", company.id),
                                  ("state", "=", "done"), ("scope", "not like", "vendors:")],
                                 order="date_start desc", limit=1)  # sudo: runs are read to find the watermark
        if last:
            # an hour's overlap: a long transaction writes with its start time and commits later
            vendors = changed_vendors(env, company, last.date_start - dt.timedelta(hours=1), now)
        else:
            full = True
    scope = "all vendors" if full else f"vendors: {len(vendors)}"
    with Run._track("scorecard", trigger=trigger, scope=scope, company=company) as run:
        opts, since = options(company, now)
        first_month = month_start(now.date(), company.medsync_scorecard_months - 1)
        if not full and not vendors:
            run.count(input=0, output=0)
            return run.run
        with run.phase("fetch"):
            tables = fetch(env, company, None if full else vendors, since)
        with run.phase("compute"):
            out = engine.call(env, "scorecard", *tables, options=opts)
            cols = _rows(out, first_month)
        with run.phase("write"):
            if full:
                vendors = sorted(set(tables[0]["vendor"]) | set(_stored_vendors(env, company)))
            before = latest(env, company, vendors)
            written, deleted = write(env, company, vendors, cols, first_month, now)
            after = latest(env, company, vendors)
            t0 = time.perf_counter()
            _log_standings(env, company, before, after)
            run.audit_seconds += time.perf_counter() - t0
            months = sorted(set(cols["month"]))
            env["medsync.kpi.fact"]._refresh(company, days=months, kpis=_kpi_codes())
            if company.medsync_scorecard_stale:
                guard.privileged(company.sudo()).medsync_scorecard_stale = False  # sudo: the run's own flag
        run.count(input=len(tables[0]["id"]), output=written + deleted)
        _logger.info("scorecards of %s: %s lines, %s rows written, %s deleted, engine %.3fs", company.name,
                     len(tables[0]["id"]), written, deleted, out["engine_s"])
    return run.run


def _stored_vendors(env, company):
    env.cr.execute(SQL("SELECT DISTINCT partner_id FROM medsync_scorecard WHERE company_id = %s", company.id))
    return [r[0] for r in env.cr.fetchall()]


def _kpi_codes():
    return [k.code for k in kpi.for_engine("scorecard")]


# ------------------------------------------------------------------------------------------------ gate

def enforce(orders, partner=None):
    """The standing's gate at confirmation: per company, a poor or very poor vendor's new orders warn the buyer
    (a note on the order) or are refused; a compliance officer's override on the order lets it through."""
    env = orders.env
    pending = orders.filtered(lambda po: not po.medsync_compliance_override_by_id)
    if not pending:
        return
    refused = []
    warned = {}
    by_company = {}
    for po in pending:
        by_company.setdefault(po.company_id, []).append(po)
    labels = dict(STANDINGS)
    for company, pos in by_company.items():
        if company.medsync_scorecard_gate_poor == "off" and company.medsync_scorecard_gate_very_poor == "off":
            continue
        vendors = {po.id: (partner if partner is not None else po.partner_id).commercial_partner_id for po in pos}
        found = latest(env, company, {v.id for v in vendors.values()})
        for po in pos:
            vendor = vendors[po.id]
            standing, score, month = found.get(vendor.id, (None, None, None))
            how = {"poor": company.medsync_scorecard_gate_poor,
                   "very_poor": company.medsync_scorecard_gate_very_poor}.get(standing, "off")
            if how == "off":
                continue
            why = env._("%(vendor)s is %(standing)s on its supplier scorecard (score %(score)s, %(month)s)",
                        vendor=vendor.sudo().display_name, standing=labels[standing],
                        score=f"{score:.1f}" if score is not None else "—", month=month.strftime("%Y-%m"))
            if how == "block":
                refused.append(f"{po.display_name}: {why}")
            else:
                warned[po.id] = why
    if refused:
        raise UserError(env._(
            "MedSync scorecards: new orders to these vendors are blocked by their standing. Choose another "
            "vendor, or ask a compliance officer to override the gate for this order with a reason.\n%s",
            "\n".join(refused)))
    if warned:
        orders.browse(list(warned))._message_log_batch(
            {po_id: env._("Scorecard warning: %s. Confirmed anyway.", why) for po_id, why in warned.items()})
