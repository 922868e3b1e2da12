"""Stored KPI facts: one row per company, day, KPI and breakdown.

The role dashboards read these rows, never the live tables: a dashboard
opens in one indexed read however large the tables behind it, and the trend
of a figure is its past days' rows. What each KPI means and how it is
computed is in ``services/kpi.py``.

Facts are refreshed incrementally: the facts of the days asked (today by
default) are replaced with one statement per KPI, hourly by a scheduled
action, after each matching, reconciliation and dedupe run for the KPIs
those runs change, and on the dashboard's *Refresh now*. A past day's facts
stay as they were stored that day.
"""

import logging

from psycopg2.extensions import TransactionRollbackError

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..services import kpi as registry
from ..services import (
    kpi_compliance,  # noqa: F401 (registers the compliance officer's figures)
    kpi_consumption,  # noqa: F401 (registers the cabinet consumption figures)
    kpi_executive,  # noqa: F401 (registers the executive figures by department and month)
    kpi_scorecard,  # noqa: F401 (registers the supplier scorecards' figures)
)

_logger = logging.getLogger(__name__)

BREAKDOWN_ROWS = 12  # rows of a breakdown shown on the dashboard (the largest first)


class MedsyncKpiFact(models.Model):
    _name = "medsync.kpi.fact"
    _description = "MedSync KPI fact"
    _order = "date desc, company_id, kpi, dimension, value desc"
    _rec_name = "kpi"
    # written only by _refresh, in bulk SQL: when a fact was computed is refreshed_at, who is irrelevant
    # (the same figures whoever triggers it)
    _log_access = False
    # No field is a guarded control (services/guard.py): no group has write, create or unlink access
    # (security/ir.model.access.csv), so no caller can change a fact; only _refresh writes them, in SQL.

    date = fields.Date(required=True)
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one("res.currency")
    kpi = fields.Char("KPI", required=True, index=True)
    # the dashboard the KPI is on: the record rules give each role's figures to the group that reads them
    role = fields.Char(compute="_compute_role", store=True, index=True)
    dimension = fields.Char(default="", help="The breakdown ('vendor', 'class', 'flow'...); empty for the total.")
    dim_key = fields.Char("Key", default="")
    dim_label = fields.Char("Breakdown")
    value = fields.Float(aggregator="sum")
    amount = fields.Monetary(currency_field="currency_id", aggregator="sum")
    count = fields.Integer(aggregator="sum")
    refreshed_at = fields.Datetime("Refreshed")

    _sql_constraints = [
        ("fact_unique", "unique(company_id, date, kpi, dimension, dim_key)",
         "One fact per company, day, KPI and breakdown."),
    ]

    @api.depends("kpi")
    def _compute_role(self):
        # the facts of before the field (written by _refresh, which sets it in SQL from now on)
        for fact in self:
            kpi = registry.KPIS.get(fact.kpi)
            fact.role = kpi.role if kpi else False

    # ------------------------------------------------------------------ refresh

    @api.model
    def _refresh(self, company, days=None, kpis=None, log_exceptions=True):
        """Replace the facts of ``company`` for ``days`` (today by default)
        of ``kpis`` (codes; all by default), one statement per KPI. A
        snapshot KPI is only computed for today: a past day keeps what was
        stored then. Returns the number of fact rows written.
        ``log_exceptions``: whether a failing statement is logged as an error
        (a caller who handles the failure says no)."""
        # sudo: a fact is a company figure over all of the company's records, whatever the caller may read
        # (the clerk's dashboard shows the company's value on hold, not the part of it she may open). The
        # figures are read back through the ACL and the company rule; nothing else is exposed.
        self = self.sudo()
        company = company.sudo()
        today = fields.Date.today()
        days = sorted(set(days or [today]))
        codes = registry.KPIS if kpis is None else kpis
        written = 0
        now = fields.Datetime.now()
        for code in codes:
            kpi = registry.KPIS[code]
            kpi_days = ([today] if today in days else []) if kpi.snapshot else days
            kpi_days = sorted({registry.period_of(kpi, d) for d in kpi_days})
            if not kpi_days:
                continue
            for model in kpi.depends:
                self.env[model].flush_model()
            # upsert the rows the KPI gives, then delete that KPI's other rows of those days (a breakdown key
            # that disappeared): one statement, and a second refresh of a day replaces, never duplicates
            self.env.cr.execute(SQL(
                """WITH src AS (%(src)s),
                        up AS (
                   INSERT INTO medsync_kpi_fact AS f (company_id, currency_id, kpi, role, date, dimension, dim_key,
                                                      dim_label, value, amount, count, refreshed_at)
                   SELECT %(company)s, %(currency)s, %(kpi)s, %(role)s, src.date, COALESCE(src.dimension, ''),
                          COALESCE(src.dim_key, ''), src.dim_label, COALESCE(src.value, 0),
                          COALESCE(src.amount, 0), COALESCE(src.count, 0), %(now)s
                     FROM src
                   ON CONFLICT (company_id, date, kpi, dimension, dim_key) DO UPDATE
                      SET currency_id = EXCLUDED.currency_id, role = EXCLUDED.role, dim_label = EXCLUDED.dim_label,
                          value = EXCLUDED.value, amount = EXCLUDED.amount, count = EXCLUDED.count,
                          refreshed_at = EXCLUDED.refreshed_at
                   RETURNING f.id),
                        gone AS (
                   DELETE FROM medsync_kpi_fact f
                    WHERE f.company_id = %(company)s AND f.kpi = %(kpi)s AND f.date = ANY(%(days)s::date[])
                      AND f.id NOT IN (SELECT id FROM up)
                   RETURNING f.id)
                   SELECT (SELECT COUNT(*) FROM up), (SELECT COUNT(*) FROM gone)""",
                src=kpi.compute(self.env, company, kpi_days), company=company.id, currency=company.currency_id.id,
                kpi=code, role=kpi.role, now=now, days=kpi_days), log_exceptions=log_exceptions)
            written += self.env.cr.fetchone()[0]
        self.invalidate_model()
        return written

    @api.model
    def _refresh_unless_busy(self, company, kpis=None):
        """:meth:`_refresh`, except that facts another transaction is refreshing at the same moment are left to
        it: the engine run or the scheduled action that asked keeps its own work (a nightly duplicate scan is
        not lost to the hourly refresh). The facts are figures the next refresh computes again."""
        try:
            with self.env.cr.savepoint():
                return self._refresh(company, kpis=kpis, log_exceptions=False)
        except TransactionRollbackError as exc:  # serialization failure or deadlock on the same fact rows
            self.invalidate_model()
            _logger.info("MedSync: dashboard figures of %s refreshed by another transaction meanwhile, left to "
                         "it (%s)", company.name, exc.pgcode)
            return 0

    @api.model
    def _refresh_after(self, engine, companies):
        """After an engine's run: today's facts of the KPIs it changes, for ``companies``."""
        codes = [k.code for k in registry.for_engine(engine)]
        if codes:
            for company in companies:
                self._refresh_unless_busy(company, kpis=codes)

    @api.model
    def _cron_refresh(self):
        """Hourly: today's facts of every KPI, for each company."""
        for company in self.env["res.company"].sudo().search([]):
            self._refresh_unless_busy(company)

    @api.model
    def action_refresh(self, role):
        """The dashboard's *Refresh now*: today's facts of the role's KPIs, for the current company."""
        self._check_role(role)
        refresher = registry.REFRESHERS.get(role)
        if refresher:
            refresher(self.env, self.env.company)
        else:
            self._refresh(self.env.company, kpis=[k.code for k in registry.for_role(role)])
        return True

    # ------------------------------------------------------------------ dashboard

    @api.model
    def _check_role(self, role):
        """``role`` is a dashboard this user may read: its figures are for the role's reader group (the record
        rules hide the facts of the others; this says so instead of showing a dashboard of "—")."""
        if not isinstance(role, str) or role not in registry.ROLES:
            raise UserError(self.env._("No dashboard for the role %s.", role))
        if not self.env.su and not self.env.user.has_group(registry.reader_group(role)):
            raise AccessError(self.env._("The %s overview is not yours to read.", registry.ROLES[role][0]))

    @api.model
    @api.readonly
    def dashboard_data(self, role, vendor_id=None, month=None, department=None):
        """Everything a role's dashboard shows, for the current company: per
        KPI its figure, its definition, its trend (30 days, or 12 months for
        a monthly KPI), its breakdown, and the act_windows that open the
        records behind them (None where this user may not read them).
        ``vendor_id`` narrows the figures of KPIs broken down by vendor to
        that vendor (its scorecard): their trend is the vendor's, and there
        is no breakdown. ``department`` (a department's code, "" for none)
        narrows the KPIs broken down by department in the same way; the
        others show their total. ``month`` (a date in it) is the month whose
        figures, breakdowns and records the monthly KPIs show; by default the
        latest month they have facts for. A daily KPI shows its latest day."""
        self._check_role(role)
        kpis = registry.for_role(role)
        company = self.env.company
        today = fields.Date.today()
        vendor = None
        if vendor_id:
            # a vendor this user may read (its name is the title); the figures are the company's facts
            try:
                vendor = self.env["res.partner"].search([("id", "=", int(vendor_id)), ("supplier_rank", ">", 0)])
            except (TypeError, ValueError):
                vendor = None
            if not vendor:
                raise UserError(self.env._("No vendor with the id %s.", vendor_id))
            kpis = [k for k in kpis if k.scope == "vendor"]
            if not kpis:
                raise UserError(self.env._("The %s overview has no figures by vendor.", registry.ROLES[role][0]))
        chosen = self._dashboard_month(month, today)
        dept = None if department is None or department is False else str(department)

        def scoped(kpi):
            """The breakdown key ``kpi`` is narrowed to; None: its total."""
            if vendor:
                return str(vendor.id)
            return dept if dept is not None and kpi.scope == "department" else None

        names = ["date", "kpi", "dimension", "dim_key", "dim_label", "value", "amount", "count", "refreshed_at"]
        trend_dates = {k.code: registry.trend_dates(k, today) for k in kpis}
        start = min((d[0] for d in trend_dates.values()), default=today)
        # the trend's days, and the month asked when it is older (its figures only, not the years between)
        period = [("date", ">=", start), ("date", "<=", today)]
        if chosen and chosen < start:
            period = expression.OR([period, [("date", "=", chosen)]])
        # the totals (or the narrowed rows) of the trends, then the breakdowns of each KPI's shown day only
        scopes = {}
        for k in kpis:
            key = scoped(k)
            scopes.setdefault(("", "") if key is None else (k.scope, key), []).append(k.code)
        scope = expression.OR([[("kpi", "in", codes), ("dimension", "=", dim), ("dim_key", "=", key)]
                               for (dim, key), codes in scopes.items()]) if scopes else [("id", "=", 0)]
        totals = self.search_read(
            expression.AND([[("company_id", "=", company.id)], period, scope]), names,
            order="date, id")
        by_kpi = {}
        for f in totals:
            by_kpi.setdefault(f["kpi"], {})[f["date"]] = f
        monthly = [k for k in kpis if k.period == "month"]
        if monthly and not chosen:
            chosen = max((d for k in monthly for d in by_kpi.get(k.code, {})), default=None)
        shown = {}
        for k in kpis:
            if k.period == "month" and chosen:
                shown[k.code] = chosen
            elif by_kpi.get(k.code):
                shown[k.code] = max(by_kpi[k.code])
        breakdowns = {}
        wide = {code: day for code, day in shown.items() if scoped(registry.KPIS[code]) is None}
        if wide:
            domain = expression.OR([[("kpi", "=", code), ("date", "=", day)] for code, day in wide.items()])
            for f in self.search_read(expression.AND([[("company_id", "=", company.id), ("dimension", "!=", "")],
                                                  domain]), names):
                breakdowns.setdefault(f["kpi"], []).append(f)
        out = []
        current = {k.code: registry.period_of(k, today) for k in kpis}
        refreshed = [f["refreshed_at"] for f in totals if f["date"] == current[f["kpi"]] and f["refreshed_at"]]

        def figure(kpi, fact):
            # a rate over nothing is no figure, not 0 %; nor is a state nobody recorded (a snapshot's month before
            # the first refresh)
            if fact is None:
                return None if kpi.snapshot or kpi.unit in ("percent", "days", "score") else 0.0
            return None if kpi.unit in ("percent", "days", "score") and not fact["count"] else fact["value"]

        def order(kpi, f):
            value = figure(kpi, f)
            if kpi.worst_first:
                return (value is None, value if value is not None else 0.0, f["dim_key"])
            return (-abs(f["value"]), -abs(f["amount"]), f["dim_key"])

        for kpi in kpis:
            days = by_kpi.get(kpi.code, {})
            day = shown.get(kpi.code)
            fact = days.get(day)
            total = fact or {"value": 0.0, "amount": 0.0, "count": 0}
            labels = kpi.key_labels(self.env) if kpi.key_labels else {}
            breakdown = sorted(breakdowns.get(kpi.code, []), key=lambda f, k=kpi: order(k, f))
            key = scoped(kpi)
            shown_rows = breakdown[:BREAKDOWN_ROWS]
            out.append({
                "code": kpi.code,
                "label": str(kpi.label),
                "definition": str(kpi.definition),
                "unit": kpi.unit,
                "period": kpi.period,
                "scope": kpi.scope,
                "narrowed": key is not None,
                "date": fields.Date.to_string(day) if day else False,
                "value": figure(kpi, fact) if day else None,
                "amount": total["amount"],
                "count": total["count"],
                "action": self._kpi_action(kpi, company, day or current[kpi.code], key, lazy=True),
                "trend": [{"date": fields.Date.to_string(d),
                           "value": figure(kpi, days[d]) if d in days else None} for d in trend_dates[kpi.code]],
                "dimension_label": str(kpi.dimension_label),
                "breakdown": [{
                    "key": f["dim_key"],
                    "label": f["dim_label"] or labels.get(f["dim_key"]) or f["dim_key"] or self.env._("None"),
                    "value": figure(kpi, f), "amount": f["amount"], "count": f["count"],
                    "action": self._kpi_action(kpi, company, day, f["dim_key"], lazy=True),
                } for f in shown_rows],
                "breakdown_more": max(0, len(breakdown) - BREAKDOWN_ROWS),
            })
        title = str(registry.ROLES[role][0])
        departments = self._dashboard_departments(company, [k for k in kpis if k.scope == "department"], period)
        if dept and dept not in {d["key"] for d in departments}:
            # a code no figure of this dashboard breaks down to: a typo, not a department whose figures are all "—"
            raise UserError(self.env._("No figures for the department %s.", dept))
        return {
            "role": role,
            "title": self.env._("Scorecard: %s", vendor.display_name) if vendor else title,
            "vendor_id": vendor.id if vendor else False,
            "company": company.name,
            "currency_id": company.currency_id.id,
            "today": fields.Date.to_string(today),
            "stale": not refreshed,
            "refreshed_at": fields.Datetime.to_string(max(refreshed)) if refreshed else False,
            # the months a monthly dashboard can show (its trend's), and the one shown
            "months": sorted({fields.Date.to_string(d) for k in monthly for d in trend_dates[k.code]}),
            "month": fields.Date.to_string(chosen) if monthly and chosen else False,
            # the departments it can be narrowed to (those with facts), and the one it is narrowed to
            "departments": departments,
            "department": dept if departments or dept is not None else None,
            "kpis": out,
        }

    @api.model
    def _dashboard_month(self, month, today):
        """The first day of the month ``month`` names (a date in it), None when not given."""
        if not month:
            return None
        try:
            day = fields.Date.to_date(month)
        except (TypeError, ValueError):
            day = None
        if not day or day.year < 1970:
            raise UserError(self.env._("Not a month: %s.", month))
        if day > today:
            raise UserError(self.env._("No figures yet for %s.", fields.Date.to_string(day)[:7]))
        return day.replace(day=1)

    @api.model
    def _dashboard_departments(self, company, kpis, period):
        """[{key, label}] of the departments the facts of ``kpis`` break down to in ``period`` (a domain on the
        date)."""
        if not kpis:
            return []
        rows = self._read_group(expression.AND([
            [("company_id", "=", company.id), ("kpi", "in", [k.code for k in kpis]), ("dimension", "=", "department")],
            period]), ["dim_key"], ["dim_label:max"])
        out = [{"key": key, "label": label or key or self.env._("No department")} for key, label in rows]
        return sorted(out, key=lambda d: (d["key"] == "", d["label"].lower()))

    @api.model
    @api.readonly
    def kpi_action(self, role, code, day, key=None):
        """The act_window of one point of a KPI's trend (the records of ``day``'s figure, or of its breakdown
        row ``key``), asked when the point is clicked; None when this user may not read them."""
        self._check_role(role)
        self.check_access("read")  # who may not read the facts may not ask what is behind them either
        kpi = registry.KPIS.get(code) if isinstance(code, str) else None
        if not kpi or kpi.role != role:
            raise UserError(self.env._("No figure %(code)s on the %(role)s dashboard.", code=code, role=role))
        asked = day
        if kpi.period == "month":
            day = self._dashboard_month(day, fields.Date.today())
        else:
            try:
                day = fields.Date.to_date(day)
            except (TypeError, ValueError):
                day = None
        if not day:
            raise UserError(self.env._("Not a date: %s.", asked))
        return self._kpi_action(kpi, self.env.company, day, None if key is None or key is False else str(key))

    @api.model
    def _kpi_action(self, kpi, company, day, key=None, lazy=False):
        """The act_window opening the records behind a figure (or one row of
        its breakdown); None when this user may not read them. ``lazy``: for
        a KPI whose records are found by running its SQL again
        (``kpi.lazy``), only what to ask ``kpi_action`` when it is clicked:
        a page view reads stored facts, never the tables behind them."""
        if not self.env[kpi.model].has_access("read"):
            return None
        if lazy and kpi.lazy:
            return {"lazy": True, "code": kpi.code, "date": fields.Date.to_string(day) if day else False,
                    "key": key}
        list_view = self.env.ref(kpi.list_view, raise_if_not_found=False) if kpi.list_view else None
        return {
            "type": "ir.actions.act_window",
            "name": str(kpi.label),
            "res_model": kpi.model,
            "domain": kpi.domain(company, day, key),
            "views": [[list_view.id if list_view else False, "list"], [False, "form"]],
            "context": dict(kpi.context, create=False),
            "target": "current",
            # the records behind a figure: none is an empty list, never the view's sample data
            "useSampleModel": False,
        }
