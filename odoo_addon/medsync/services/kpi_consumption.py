"""The inventory controller's cabinet figures (issue 23), on the KPI
registry of services/kpi.py: consumption per department and month (the
value of what cabinets issued, net of returns, at the product's cost), and
the events held (not applied) by cabinet."""

import datetime as dt

from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .kpi import Kpi, _breakdown, register

_lt = LazyTranslate("medsync")


def _consumption_sql(env, company, days):
    cost = SQL("COALESCE((pp.standard_price ->> %s)::numeric, 0)", str(company.id))
    return SQL(
        """SELECT date_trunc('month', e.time)::date AS date, %(bd)s, NULL AS dim_label,
                  SUM(CASE WHEN e.kind = 'return' THEN -1 ELSE 1 END * e.product_qty * %(cost)s) AS value,
                  SUM(CASE WHEN e.kind = 'return' THEN -1 ELSE 1 END * e.product_qty * %(cost)s) AS amount,
                  COUNT(*) AS count
             FROM medsync_consumption_event e
             JOIN product_product pp ON pp.id = e.product_id
            WHERE e.company_id = %(company)s AND e.state = 'applied' AND e.kind IN ('issue', 'return')
              AND date_trunc('month', e.time)::date = ANY(%(days)s::date[])
            GROUP BY GROUPING SETS ((date_trunc('month', e.time)::date),
                                    (date_trunc('month', e.time)::date, COALESCE(e.department, '')))""",
        bd=_breakdown("department", SQL("COALESCE(e.department, '')")), cost=cost, company=company.id,
        days=list(days))


def _consumption_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("state", "=", "applied"), ("kind", "in", ("issue", "return"))]
    if day:
        domain += [("time", ">=", day), ("time", "<", _next_month(day))]
    if key is not None:
        domain.append(("department", "=", key or False))
    return domain


def _next_month(day):
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _held_sql(env, company, days):
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value, 0 AS amount,
                  COUNT(*) AS count
             FROM medsync_consumption_event e
            WHERE e.company_id = %(company)s AND e.state = 'held'
            GROUP BY GROUPING SETS ((), (e.cabinet))""",
        day=days[-1], bd=_breakdown("cabinet", SQL("e.cabinet")), company=company.id)


def _held_domain(company, day, key):
    domain = [("company_id", "=", company.id), ("state", "=", "held")]
    if key is not None:
        domain.append(("cabinet", "=", key))
    return domain


register(Kpi(
    code="consumption_by_department", role="inventory", unit="amount", sequence=60,
    label=_lt("Cabinet consumption"),
    definition=_lt("The value (product cost) of what supply cabinets issued in the month, net of returns, as "
                   "applied to Odoo's stock. By department."),
    compute=_consumption_sql, model="medsync.consumption.event", domain=_consumption_domain,
    depends=("medsync.consumption.event",), engines=("consumption",), snapshot=False, period="month",
    dimension_label=_lt("Department"),
))
register(Kpi(
    code="consumption_held", role="inventory", unit="count", sequence=65,
    label=_lt("Cabinet events held"),
    definition=_lt("Cabinet usage events not applied: unknown cabinet, product or lot, a missing lot or "
                   "department location. Applied once the mapping is fixed. By cabinet."),
    compute=_held_sql, model="medsync.consumption.event", domain=_held_domain,
    depends=("medsync.consumption.event",), engines=("consumption",), dimension_label=_lt("Cabinet"),
))
