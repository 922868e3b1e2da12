"""The executive dashboard's figures, on the KPI registry of services/kpi.py:
one fact per month (dated on its first day) for the company and one per
department (or vendor, or team), so leadership reads each figure by
department and month and opens the records behind it.

A *department* is an analytic account of the Departments plan
(``medsync.analytic_plan_departments``); its code is the breakdown key and
its name the label, "" (No department) when none. Purchase and bill lines
are split over the Departments accounts of their analytic distribution by
percentage (what no department takes goes to ""); a stock location belongs
to the department whose code it, or its nearest ancestor, carries
(``stock.location.medsync_department``); a billing line names its
department (``analytic_department_id``).

Most figures are computed from *rows*: one SQL per KPI giving, per month,
the records behind the figure (``rid``) with their breakdown key, their
value and their weight (a line's share in a department). The same rows give
the fact (one statement per refresh) and the drill-down (the ids of one
month, and of one breakdown key): the records opened are exactly the ones
counted. Months are calendar months in UTC, as Odoo stores datetimes.
"""

from odoo import fields
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .kpi import FIRST_PASS, Kpi, _breakdown, _on_hold_domain, _on_hold_sql, register

_lt = LazyTranslate("medsync")

DEPARTMENTS_PLAN = "medsync.analytic_plan_departments"
OPEN_EXCEPTIONS = ("open", "in_progress")  # models/medsync_exception.py OPEN_STATES


# ---------------------------------------------------------------------------------- departments

def _label(column, env):
    """A translated name (jsonb) in the language of ``env``, else in English."""
    return SQL("COALESCE(%s ->> %s, %s ->> 'en_US')", column, env.lang or "en_US", column)


def _departments(env, company):
    """The Departments accounts of ``company``: (id, key, label); key is the account's code ('#id' when it has
    none, so that two accounts never share a row)."""
    plan = env.ref(DEPARTMENTS_PLAN, raise_if_not_found=False)
    return SQL(
        """SELECT a.id, COALESCE(NULLIF(a.code, ''), '#' || a.id) AS key, %(label)s AS label
             FROM account_analytic_account a
            WHERE a.root_plan_id = %(plan)s AND (a.company_id IS NULL OR a.company_id = %(company)s)""",
        label=_label(SQL("a.name"), env), plan=plan.id if plan else 0, company=company.id)


def _split(env, company, lines):
    """``lines`` (a SELECT of ``id, dist``: a line and its analytic distribution) split over the Departments
    accounts of the distribution: (line_id, key, label, share), the shares of a line adding up to 1 (what no
    department account takes is key '')."""
    return SQL(
        """WITH dp AS (%(depts)s), ln AS (%(lines)s),
                sh AS (SELECT ln.id AS line_id, dp.key, MAX(dp.label) AS label, SUM(d.pct::numeric) / 100.0 AS share
                         FROM ln
                        CROSS JOIN LATERAL jsonb_each_text(COALESCE(ln.dist, '{}'::jsonb)) AS d(ids, pct)
                        CROSS JOIN LATERAL unnest(string_to_array(d.ids, ',')) AS acc(id)
                         JOIN dp ON dp.id = acc.id::int
                        GROUP BY ln.id, dp.key),
                rest AS (SELECT ln.id AS line_id, 1 - COALESCE(SUM(sh.share), 0) AS share
                           FROM ln LEFT JOIN sh ON sh.line_id = ln.id GROUP BY ln.id)
           SELECT line_id, key, label, share FROM sh
            UNION ALL
           SELECT line_id, '', NULL, share FROM rest WHERE share > 0.00001""",
        depts=_departments(env, company), lines=lines)


def _locations(company):
    """The internal locations of ``company``: (id, key), key the department code of the location or of its
    nearest ancestor that has one, '' when none."""
    return SQL(
        """SELECT l.id, COALESCE((SELECT a.medsync_department FROM stock_location a
                                   WHERE a.medsync_department IS NOT NULL AND a.medsync_department != ''
                                     AND starts_with(l.parent_path, a.parent_path)
                                   ORDER BY length(a.parent_path) DESC LIMIT 1), '') AS key
             FROM stock_location l
            WHERE l.usage = 'internal' AND (l.company_id IS NULL OR l.company_id = %s)""", company.id)


def _flows(company, until):
    """The done moves of ``company`` before ``until`` that enter or leave a department's internal locations, once
    per department they touch (a move between two locations of one department is none): (id, date, product_id,
    key, qty, value, consumed), qty and value (standard price) signed, positive into the department; consumed:
    it leaves for a location that is not internal (a patient, a consumption location, scrap, a count)."""
    return SQL(
        """WITH loc AS (%(locations)s),
                mv AS (SELECT sm.id, sm.date, sm.product_id, ls.key AS src, lt.key AS dst,
                              sm.quantity / mu.factor * pu.factor AS qty,
                              sm.quantity / mu.factor * pu.factor
                                * COALESCE((pp.standard_price ->> %(cid)s)::numeric, 0) AS value
                         FROM stock_move sm
                         JOIN product_product pp ON pp.id = sm.product_id
                         JOIN product_template pt ON pt.id = pp.product_tmpl_id
                         JOIN uom_uom mu ON mu.id = sm.product_uom
                         JOIN uom_uom pu ON pu.id = pt.uom_id
                         LEFT JOIN loc ls ON ls.id = sm.location_id
                         LEFT JOIN loc lt ON lt.id = sm.location_dest_id
                        WHERE sm.state = 'done' AND sm.company_id = %(company)s AND sm.date < %(until)s
                          AND (ls.id IS NOT NULL OR lt.id IS NOT NULL))
           SELECT id, date, product_id, src AS key, -qty AS qty, -value AS value, dst IS NULL AS consumed
             FROM mv WHERE src IS NOT NULL AND src IS DISTINCT FROM dst
            UNION ALL
           SELECT id, date, product_id, dst, qty, value, FALSE
             FROM mv WHERE dst IS NOT NULL AND dst IS DISTINCT FROM src""",
        locations=_locations(company), cid=str(company.id), company=company.id, until=until)


def _month_of(expression):
    return SQL("date_trunc('month', %s)::date", expression)


def _end(months):
    """The first day after the last of ``months``."""
    return _next_month(max(months))


def _next_month(day):
    return fields.Date.add(day.replace(day=1), months=1)


# ------------------------------------------------------------------------------ rows and facts
# rows(env, company, months) -> SQL giving month, key, label, rid, val, w: per month the records behind the
# figure (rid), their breakdown key and label, their value and weight (a line's share in the department)

def _facts(dimension, rows, value, amount=None):
    """compute(env, company, days) of a KPI over its rows: per month the total and one row per key."""
    def compute(env, company, days):
        # every month asked has its total, 0 records included (a month without any is a figure, not a gap)
        return SQL(
            """SELECT m.month AS date, %(bd)s,
                      CASE WHEN GROUPING(r.key) = 1 THEN NULL ELSE MAX(r.label) END AS dim_label,
                      %(value)s AS value, %(amount)s AS amount, COUNT(DISTINCT r.rid) AS count
                 FROM unnest(%(months)s::date[]) AS m(month)
                 LEFT JOIN (%(rows)s) r ON r.month = m.month
                GROUP BY GROUPING SETS ((m.month), (m.month, r.key))
               HAVING GROUPING(r.key) = 1 OR COUNT(r.rid) > 0""",
            bd=_breakdown(dimension, SQL("r.key")), value=value, amount=amount or SQL("0"), months=list(days),
            rows=rows(env, company, list(days)))
    return compute


AVERAGE = SQL("SUM(r.val * r.w) / NULLIF(SUM(r.w), 0)")
TOTAL = SQL("SUM(r.val * r.w)")


def _ids_domain(rows, depends):
    """domain(company, day, key) of a KPI over its rows: the records of the month (and of breakdown key
    ``key``; None: the total) by id."""
    def domain(company, day, key):
        env = company.env
        for model in depends:
            env[model].flush_model()
        rows_sql = rows(env, company, [day.replace(day=1)])
        picked = SQL("TRUE") if key is None else SQL("r.key = %s", key)
        ids = [rid for (rid,) in env.execute_query(SQL("SELECT DISTINCT r.rid FROM (%s) r WHERE %s ORDER BY r.rid",
                                                        rows_sql, picked))]
        return [("id", "in", ids)]
    return domain


def _cycle_rows(env, company, months):
    # each PO line's first done receipt from a supplier, for the lines first received in the months
    return SQL(
        """WITH rc AS (SELECT sm.purchase_line_id AS id, MIN(sm.date) AS at
                         FROM stock_move sm JOIN stock_location src ON src.id = sm.location_id
                        WHERE sm.state = 'done' AND sm.purchase_line_id IS NOT NULL AND src.usage = 'supplier'
                          AND sm.company_id = %(company)s
                        GROUP BY sm.purchase_line_id
                       HAVING %(month)s = ANY(%(months)s::date[])),
                sp AS (%(split)s)
           SELECT date_trunc('month', rc.at)::date AS month, sp.key, sp.label, rc.id AS rid,
                  EXTRACT(EPOCH FROM rc.at - po.create_date) / 86400.0 AS val, sp.share AS w
             FROM rc
             JOIN purchase_order_line pol ON pol.id = rc.id
             JOIN purchase_order po ON po.id = pol.order_id
             JOIN sp ON sp.line_id = rc.id""",
        company=company.id, month=_month_of(SQL("MIN(sm.date)")), months=months,
        split=_split(env, company, SQL("""SELECT pol.id, pol.analytic_distribution AS dist FROM purchase_order_line pol
                                           WHERE pol.id IN (SELECT id FROM rc)""")))


def _ack_rows(env, company, months):
    # each order's first acknowledgement, for the orders first acknowledged in the months
    return SQL(
        """WITH fa AS (SELECT a.order_id AS id, MIN(a.received_at) AS at FROM medsync_po_ack a
                        WHERE a.company_id = %(company)s
                        GROUP BY a.order_id
                       HAVING %(month)s = ANY(%(months)s::date[]))
           SELECT date_trunc('month', fa.at)::date AS month, po.partner_id::text AS key, p.name AS label,
                  po.id AS rid, EXTRACT(EPOCH FROM fa.at - po.date_approve) / 60.0 AS val, 1 AS w
             FROM fa
             JOIN purchase_order po ON po.id = fa.id
             JOIN res_partner p ON p.id = po.partner_id
            WHERE po.date_approve IS NOT NULL""",
        company=company.id, month=_month_of(SQL("MIN(a.received_at)")), months=months)


def _first_pass_rows(env, company, months):
    # each bill line's first match result (its smallest id), for the lines first matched in the months; the
    # line's departments are those of its analytic distribution, else of its PO line's
    return SQL(
        """WITH firsts AS (SELECT min(id) AS id FROM medsync_match_result
                            WHERE company_id = %(company)s AND move_line_id IS NOT NULL
                            GROUP BY move_line_id),
                f AS (SELECT r.id, r.move_line_id, r.status, r.date, r.purchase_line_id
                        FROM medsync_match_result r JOIN firsts USING (id)
                       WHERE r.status != 'credit_note' AND %(month)s = ANY(%(months)s::date[])),
                sp AS (%(split)s)
           SELECT date_trunc('month', f.date)::date AS month, sp.key, sp.label, f.id AS rid,
                  CASE WHEN f.status IN %(passed)s THEN 100.0 ELSE 0.0 END AS val, sp.share AS w
             FROM f JOIN sp ON sp.line_id = f.id""",
        company=company.id, month=_month_of(SQL("r.date")), months=months, passed=FIRST_PASS,
        split=_split(env, company, SQL(
            """SELECT f.id, CASE WHEN aml.analytic_distribution IS NULL OR aml.analytic_distribution = '{}'::jsonb
                                 THEN pol.analytic_distribution ELSE aml.analytic_distribution END AS dist
                 FROM f
                 JOIN account_move_line aml ON aml.id = f.move_line_id
                 LEFT JOIN purchase_order_line pol ON pol.id = COALESCE(f.purchase_line_id, aml.purchase_line_id)""")))


def _discount_rows(taken):
    def rows(env, company, months):
        # a payment-term line's discount is taken when the line was reconciled in full by payments dated no later
        # than its discount date; lost when that date has passed without it. The date is the reconciling line's
        # (the payment's), not the partial's max_date: that is the later of both lines' accounting dates, and a
        # bill of a past month is booked on the month's last day, after its discount date
        on_time = SQL(
            """COALESCE(l.reconciled AND (SELECT MAX(o.date) FROM account_partial_reconcile pr
                                            JOIN account_move_line o
                                              ON o.id = CASE WHEN pr.credit_move_id = l.id THEN pr.debit_move_id
                                                             ELSE pr.credit_move_id END
                                           WHERE pr.credit_move_id = l.id OR pr.debit_move_id = l.id)
                                          <= l.discount_date, FALSE)""")
        which = on_time if taken else SQL("l.discount_date < %s AND NOT %s", fields.Date.today(), on_time)
        return SQL(
            """SELECT date_trunc('month', l.discount_date)::date AS month, m.commercial_partner_id::text AS key,
                      p.name AS label, m.id AS rid, ABS(l.balance - l.discount_balance) AS val, 1 AS w
                 FROM account_move_line l
                 JOIN account_move m ON m.id = l.move_id
                 LEFT JOIN res_partner p ON p.id = m.commercial_partner_id
                WHERE m.company_id = %(company)s AND m.move_type = 'in_invoice' AND m.state != 'cancel'
                  AND l.display_type = 'payment_term' AND l.discount_date IS NOT NULL
                  AND l.discount_balance != l.balance
                  AND date_trunc('month', l.discount_date)::date = ANY(%(months)s::date[]) AND %(which)s""",
            company=company.id, months=months, which=which)
    return rows


def _stockout_rows(env, company, months):
    # the running on-hand quantity of each product in each department, move by move; a move out of the
    # department after which it is zero or below is a stock-out
    return SQL(
        """WITH f AS (%(flows)s),
                b AS (SELECT f.id, f.date, f.key, f.qty,
                             SUM(f.qty) OVER (PARTITION BY f.key, f.product_id ORDER BY f.date, f.id) AS after
                        FROM f),
                dp AS (%(depts)s)
           SELECT date_trunc('month', b.date)::date AS month, b.key, MAX(dp.label) AS label, b.id AS rid,
                  1 AS val, 1 AS w
             FROM b LEFT JOIN dp ON dp.key = b.key
            WHERE b.qty < 0 AND round(b.after::numeric, 6) <= 0
              AND date_trunc('month', b.date)::date = ANY(%(months)s::date[])
            GROUP BY b.date, b.key, b.id""",
        flows=_flows(company, _end(months)), depts=_departments(env, company), months=months)


def _turn_moves_rows(env, company, months):
    # the moves behind the turns: what left a department's internal stock for a location that is not internal
    return SQL(
        """WITH f AS (%(flows)s)
           SELECT date_trunc('month', f.date)::date AS month, f.key, NULL AS label, f.id AS rid, -f.value AS val,
                  1 AS w
             FROM f WHERE f.consumed AND date_trunc('month', f.date)::date = ANY(%(months)s::date[])""",
        flows=_flows(company, _end(months)), months=months)


def _turns_sql(env, company, days):
    # per month and department: the value that left (consumed), and the stock value at the month's start and
    # end rebuilt from the done moves; turns = 12 x what left / the average of the two (a ratio of sums in total)
    return SQL(
        """WITH f AS (%(flows)s),
                m AS (SELECT unnest(%(months)s::date[]) AS month),
                per AS (SELECT m.month, f.key,
                               COALESCE(SUM(f.value) FILTER (WHERE f.date < m.month), 0) AS v0,
                               COALESCE(SUM(f.value) FILTER (WHERE f.date < m.month + interval '1 month'), 0) AS v1,
                               COALESCE(-SUM(f.value) FILTER (WHERE f.consumed AND f.date >= m.month
                                                              AND f.date < m.month + interval '1 month'), 0) AS out,
                               COUNT(*) FILTER (WHERE f.consumed AND f.date >= m.month
                                                AND f.date < m.month + interval '1 month') AS n
                          FROM m CROSS JOIN f
                         GROUP BY m.month, f.key
                        HAVING COUNT(*) FILTER (WHERE f.date < m.month + interval '1 month') > 0),
                dp AS (%(depts)s)
           SELECT m.month AS date, %(bd)s,
                  CASE WHEN GROUPING(per.key) = 1 THEN NULL ELSE MAX(dp.label) END AS dim_label,
                  CASE WHEN SUM(per.v0) + SUM(per.v1) > 0 THEN 12 * SUM(per.out) / ((SUM(per.v0) + SUM(per.v1)) / 2)
                  END AS value,
                  SUM(per.out) AS amount, COALESCE(SUM(per.n), 0) AS count
             FROM m
             LEFT JOIN per ON per.month = m.month
             LEFT JOIN dp ON dp.key = per.key
            GROUP BY GROUPING SETS ((m.month), (m.month, per.key))
           HAVING GROUPING(per.key) = 1 OR COUNT(per.month) > 0""",
        flows=_flows(company, _end(days)), months=list(days), depts=_departments(env, company),
        bd=_breakdown("department", SQL("per.key")))


def _spend_rows(env, company, months):
    # what was received from suppliers in the months, at the PO line's net price in company currency
    return SQL(
        """WITH rc AS (SELECT sm.id, sm.date, sm.purchase_line_id,
                              sm.quantity / mu.factor * lu.factor * pol.price_unit
                                * (1 - COALESCE(pol.discount, 0) / 100.0)
                                / COALESCE(NULLIF(po.currency_rate, 0), 1) AS value
                         FROM stock_move sm
                         JOIN stock_location src ON src.id = sm.location_id
                         JOIN purchase_order_line pol ON pol.id = sm.purchase_line_id
                         JOIN purchase_order po ON po.id = pol.order_id
                         JOIN uom_uom mu ON mu.id = sm.product_uom
                         JOIN uom_uom lu ON lu.id = pol.product_uom
                        WHERE sm.state = 'done' AND src.usage = 'supplier' AND sm.company_id = %(company)s
                          AND date_trunc('month', sm.date)::date = ANY(%(months)s::date[])),
                sp AS (%(split)s)
           SELECT date_trunc('month', rc.date)::date AS month, sp.key, sp.label, rc.id AS rid, rc.value AS val,
                  sp.share AS w
             FROM rc JOIN sp ON sp.line_id = rc.purchase_line_id""",
        company=company.id, months=months,
        split=_split(env, company, SQL("""SELECT pol.id, pol.analytic_distribution AS dist FROM purchase_order_line pol
                                           WHERE pol.id IN (SELECT purchase_line_id FROM rc)""")))


def _billing_rows(env, company, months):
    # the lines of the batches posted in the months, by the department the line names
    return SQL(
        """SELECT date_trunc('month', b.posted_at)::date AS month,
                  COALESCE(NULLIF(a.code, ''), '#' || a.id, '') AS key, %(label)s AS label, l.id AS rid,
                  EXTRACT(EPOCH FROM b.posted_at - l.service_date::timestamp) / 86400.0 AS val, 1 AS w
             FROM medsync_billing_line l
             JOIN medsync_billing_batch b ON b.id = l.batch_id
             LEFT JOIN account_analytic_account a ON a.id = l.analytic_department_id
            WHERE b.company_id = %(company)s AND b.posted_at IS NOT NULL AND l.service_date IS NOT NULL
              AND date_trunc('month', b.posted_at)::date = ANY(%(months)s::date[])""",
        label=_label(SQL("a.name"), env), company=company.id, months=months)


def _aging_sql(env, company, days):
    team = SQL("COALESCE(e.owner_team_id, 0)")
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s,
                  CASE WHEN GROUPING(%(team)s) = 1 THEN NULL ELSE MAX(%(label)s) END AS dim_label,
                  AVG(EXTRACT(EPOCH FROM (NOW() AT TIME ZONE 'UTC') - e.create_date) / 86400.0) AS value,
                  SUM(COALESCE(e.amount, 0)) AS amount, COUNT(*) AS count
             FROM medsync_exception e
             LEFT JOIN medsync_team t ON t.id = e.owner_team_id
            WHERE e.company_id = %(company)s AND e.state IN %(open)s
            GROUP BY GROUPING SETS ((), (%(team)s))""",
        day=days[-1], bd=_breakdown("team", team), team=team, label=_label(SQL("t.name"), env), company=company.id,
        open=OPEN_EXCEPTIONS)


def _aging_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("state", "in", OPEN_EXCEPTIONS)]
    if key is not None:
        domain.append(("owner_team_id", "=", int(key) or False))
    return domain


def _department_labels(env):
    return {"": env._("No department")}


def _team_labels(env):
    return {"0": env._("No team")}


# -------------------------------------------------------------------------------------- registry

STOCK = ("stock.move", "stock.location", "product.product", "uom.uom", "account.analytic.account")
DEPARTMENT = {"role": "executive", "period": "month", "snapshot": False, "scope": "department",
              "dimension_label": _lt("Department"), "key_labels": _department_labels}


def _register(code, rows, depends, value, amount=None, dimension="department", **kw):
    register(Kpi(code=code, compute=_facts(dimension, rows, value, amount), domain=_ids_domain(rows, depends),
                 lazy=True, depends=depends, **kw))


_register(
    "exec_po_cycle_time", _cycle_rows, ("stock.move", "stock.location", "purchase.order.line", "purchase.order",
                                        "account.analytic.account"),
    AVERAGE, unit="days", sequence=10, model="purchase.order.line", **DEPARTMENT,
    label=_lt("PO cycle time"),
    definition=_lt("Average days from the creation of a purchase order (the request) to the first done receipt of "
                   "its line, over the order lines first received in the month. By department: a line is split "
                   "over the departments of its analytic distribution by percentage."))
_register(
    "exec_ack_latency", _ack_rows, ("medsync.po.ack", "purchase.order", "res.partner"),
    AVERAGE, unit="minutes", sequence=20, model="purchase.order", role="executive", period="month", snapshot=False,
    dimension="vendor", dimension_label=_lt("Vendor"),
    label=_lt("Acknowledgement latency"),
    definition=_lt("Average time from the confirmation of a purchase order to the vendor's first "
                   "acknowledgement, over the orders first acknowledged in the month. By vendor."))
_register(
    "exec_first_pass", _first_pass_rows, ("medsync.match.result", "account.move.line", "purchase.order.line",
                                          "account.analytic.account"),
    AVERAGE, unit="percent", sequence=30, model="medsync.match.result", engines=("matching",), **DEPARTMENT,
    label=_lt("First-pass match rate"),
    definition=_lt("Share of the bill lines first matched in the month whose first match result was matched, "
                   "within tolerance or favourable (credit notes left out). By department of the bill line's "
                   "analytic distribution, or of its purchase order line's when the bill line has none."),
    context={"group_by": ["status"]})
register(Kpi(
    code="exec_on_hold", role="executive", unit="amount", sequence=40, period="month",
    label=_lt("Value on hold"),
    definition=_lt("Open amount still to pay (company currency) of the vendor bills MedSync holds, as it stood "
                   "at the month's last refresh (the current month: now). By vendor."),
    compute=_on_hold_sql, model="account.move", domain=_on_hold_domain,
    depends=("account.move",), engines=("matching",), dimension_label=_lt("Vendor"),
    list_view="account.view_in_invoice_bill_tree",
))
_register(
    "exec_discounts_taken", _discount_rows(True), ("account.move", "account.move.line", "account.partial.reconcile"),
    TOTAL, TOTAL, unit="amount", sequence=50, model="account.move", role="executive", period="month",
    snapshot=False, dimension="vendor", dimension_label=_lt("Vendor"), list_view="account.view_in_invoice_bill_tree",
    label=_lt("Discounts taken"),
    definition=_lt("Early-payment discounts of vendor bills whose discount date falls in the month and that were "
                   "paid in full (their payment-term line reconciled) by payments dated on or before that date. "
                   "By vendor."))
_register(
    "exec_discounts_lost", _discount_rows(False), ("account.move", "account.move.line", "account.partial.reconcile"),
    TOTAL, TOTAL, unit="amount", sequence=60, model="account.move", role="executive", period="month",
    snapshot=False, dimension="vendor", dimension_label=_lt("Vendor"), list_view="account.view_in_invoice_bill_tree",
    label=_lt("Discounts lost"),
    definition=_lt("Early-payment discounts of vendor bills (not cancelled) whose discount date falls in the "
                   "month and has passed without the bill being paid in full by then. By vendor."))
register(Kpi(
    code="exec_inventory_turns", unit="ratio", sequence=70, model="stock.move", compute=_turns_sql,
    domain=_ids_domain(_turn_moves_rows, STOCK), lazy=True,
    depends=STOCK, **DEPARTMENT,
    label=_lt("Inventory turns"),
    definition=_lt("Value (standard price) of the done moves out of a department's internal locations to "
                   "locations that are not internal in the month, times 12, over the average of the department's "
                   "stock value at the start and the end of the month rebuilt from done moves. A location belongs "
                   "to the department its code, or its nearest ancestor's, names. Opens the moves out."),
))
_register(
    "exec_stockouts", _stockout_rows, STOCK, SQL("COUNT(DISTINCT r.rid)"), unit="count", sequence=80,
    model="stock.move", **DEPARTMENT,
    label=_lt("Stock-outs"),
    definition=_lt("Done moves out of a department's internal locations in the month after which the product's "
                   "quantity on hand in that department was zero or below (running balance of the done moves)."))
_register(
    "exec_spend", _spend_rows, ("stock.move", "stock.location", "purchase.order.line", "purchase.order", "uom.uom",
                                "account.analytic.account"),
    TOTAL, TOTAL, unit="amount", sequence=90, model="stock.move", **DEPARTMENT,
    label=_lt("Departmental spend"),
    definition=_lt("Value received from suppliers in the month: done receipts at their purchase order line's net "
                   "price, in company currency at the order's rate, split over the departments of the line's "
                   "analytic distribution by percentage."))
_register(
    "exec_billing_cycle", _billing_rows, ("medsync.billing.line", "medsync.billing.batch", "account.analytic.account"),
    AVERAGE, unit="days", sequence=100, model="medsync.billing.line", **DEPARTMENT,
    label=_lt("Billing cycle time"),
    definition=_lt("Average days from the service date of a billing line to the posting of its batch, over the "
                   "batches posted in the month. By the department the line names."))
register(Kpi(
    code="exec_exception_aging", role="executive", unit="days", sequence=110, period="month",
    label=_lt("Exception aging"),
    definition=_lt("Average age in days of the open exceptions (open or in progress), as it stood at the month's "
                   "last refresh (the current month: now); the records are the open exceptions. By team."),
    compute=_aging_sql, model="medsync.exception", domain=_aging_domain,
    depends=("medsync.exception", "medsync.team"), dimension_label=_lt("Team"), key_labels=_team_labels,
    context={"group_by": ["owner_team_id"]},
))
