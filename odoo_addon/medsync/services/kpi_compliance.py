"""The compliance officer's figures (issue 18), on the KPI registry of
services/kpi.py: vendors not cleared, screening hits to review, credentials
to act on, and the bills compliance holds. Vendors, credentials and hits
are shared by the companies; the bills are each company's."""

from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .compliance import PAYABLE_MOVES
from .kpi import (
    Kpi,
    _bills_by_vendor_sql,
    _breakdown,
    _held_bills_domain,
    _held_bills_where,
    _selection_labels,
    register,
)

_lt = LazyTranslate("medsync")

NOT_CLEAR = ("onboarding", "suspended", "blocked")
CREDENTIALS_TO_ACT = ("submitted", "expiring", "expired", "rejected")


def _vendor_where(company):
    return SQL("""p.parent_id IS NULL AND p.active AND (p.company_id IS NULL OR p.company_id = %s)
                  AND (p.supplier_rank > 0 OR p.medsync_compliance_profile_id IS NOT NULL)""", company.id)


def _counted(days, dimension, expression, source):
    """How many rows ``source`` (FROM ... WHERE ...) selects, in total and by ``expression``."""
    return SQL(
        """SELECT %(day)s::date AS date, %(bd)s, NULL AS dim_label, COUNT(*) AS value, 0 AS amount,
                  COUNT(*) AS count
             %(source)s
            GROUP BY GROUPING SETS ((), (%(e)s))""",
        day=days[-1], bd=_breakdown(dimension, expression), source=source, e=expression)


def _vendors_sql(env, company, days):
    return _counted(days, "state", SQL("p.medsync_compliance_state"), SQL(
        "FROM res_partner p WHERE %s AND p.medsync_compliance_state IN %s", _vendor_where(company), NOT_CLEAR))


def _vendors_domain(company, day, key):
    domain = [("parent_id", "=", False), ("company_id", "in", (False, company.id)),
              "|", ("supplier_rank", ">", 0), ("medsync_compliance_profile_id", "!=", False),
              ("medsync_compliance_state", "in", NOT_CLEAR)]
    if key is not None:
        domain.append(("medsync_compliance_state", "=", key))
    return domain


def _hits_sql(env, company, days):
    return _counted(days, "strength", SQL("h.strength"),
                    SQL("FROM medsync_screening_hit h WHERE h.state = 'new'"))


def _hits_domain(company, day, key):
    domain = [("state", "=", "new")]
    if key is not None:
        domain.append(("strength", "=", key))
    return domain


def _credentials_sql(env, company, days):
    return _counted(days, "state", SQL("c.state"), SQL(
        "FROM medsync_vendor_credential c JOIN res_partner p ON p.id = c.partner_id WHERE %s AND c.state IN %s",
        _vendor_where(company), CREDENTIALS_TO_ACT))


def _credentials_domain(company, day, key):
    domain = [("state", "in", CREDENTIALS_TO_ACT), ("partner_id.company_id", "in", (False, company.id)),
              ("partner_id.parent_id", "=", False), "|", ("partner_id.supplier_rank", ">", 0),
              ("partner_id.medsync_compliance_profile_id", "!=", False)]
    if key is not None:
        domain.append(("state", "=", key))
    return domain


def _held_sql(env, company, days):
    return _bills_by_vendor_sql(days, _held_bills_where(company, SQL("m.medsync_compliance_hold"), PAYABLE_MOVES))


def _held_domain(company, day, key):
    return _held_bills_domain(company, key, held=(("medsync_compliance_hold", "=", True),), move_types=PAYABLE_MOVES)


register(Kpi(
    code="compliance_vendors_not_clear", role="compliance", unit="count", sequence=10,
    label=_lt("Vendors not cleared"),
    definition=_lt("Vendors (a vendor rank or a requirement profile) still onboarding, suspended or blocked; "
                   "the purchasing gate stops them. By state."),
    compute=_vendors_sql, model="res.partner", domain=_vendors_domain,
    depends=("res.partner",), engines=("compliance",), dimension_label=_lt("State"),
    key_labels=_selection_labels("res.partner", "medsync_compliance_state"),
))
register(Kpi(
    code="compliance_hits_to_review", role="compliance", unit="count", sequence=20,
    label=_lt("Screening hits to review"),
    definition=_lt("Exclusion list hits (OIG LEIE, SAM.gov, OFAC) neither confirmed nor cleared. A strong hit "
                   "has already suspended its vendor. By strength."),
    compute=_hits_sql, model="medsync.screening.hit", domain=_hits_domain,
    depends=("medsync.screening.hit",), engines=("compliance",), dimension_label=_lt("Strength"),
    key_labels=_selection_labels("medsync.screening.hit", "strength"),
))
register(Kpi(
    code="compliance_credentials_to_act", role="compliance", unit="count", sequence=30,
    label=_lt("Credentials to act on"),
    definition=_lt("Vendor credentials submitted and waiting for review, expiring within 30 days, expired or "
                   "rejected. By status."),
    compute=_credentials_sql, model="medsync.vendor.credential", domain=_credentials_domain,
    depends=("medsync.vendor.credential", "res.partner"), engines=("compliance",), dimension_label=_lt("Status"),
    key_labels=_selection_labels("medsync.vendor.credential", "state"),
))
register(Kpi(
    code="compliance_bills_held", role="compliance", unit="amount", sequence=40,
    label=_lt("Bills on compliance hold"),
    definition=_lt("Amount still due on vendor bills and purchase receipts held because their vendor is suspended "
                   "or blocked (separate from matching holds). By vendor."),
    compute=_held_sql, model="account.move", domain=_held_domain,
    depends=("account.move",), engines=("compliance",), dimension_label=_lt("Vendor"),
))
