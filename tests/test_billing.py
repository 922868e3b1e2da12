"""Billing batches: medsync_core.billing and billing_explain on hand-worked
examples (each problem code, effective dating, default rules and
specificity, analytics, lock policies, corrections and reversals, decimals
per currency, receivables kept apart by payer), bad input refused with its
field, row and rule, and hypothesis parity with the plain-Python reference
(tests/reference/billing.py) on random worlds, every output column and
problem."""

import os
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import billing as ref

EXAMPLES = int(os.environ.get("MEDSYNC_EXAMPLES", "1000"))
DAY = "2026-11-02"
TABLES = ("batches", "lines", "rules", "totals", "known", "departments", "payer_classes", "facilities")


# ---------------------------------------------------------------------------- comparison

def assert_same(got: dict, want: dict) -> None:
    """Every column of every output table, values and types; the counters."""
    for table, cols in (("batches", ref.BATCH_OUT), ("lines", ref.LINE_OUT), ("groups", ref.GROUP_OUT),
                        ("computed", ref.COMPUTED_OUT), ("problems", ref.PROBLEM_OUT)):
        assert list(got[table]) == cols, table
        for col in cols:
            g, w = got[table][col], want[table][col]
            assert len(g) == len(w), (table, col, g, w)
            for i, (a, b) in enumerate(zip(g, w, strict=True)):
                assert a == b and type(a) is type(b), (table, col, i, a, b)
    assert {k: got["stats"][k] for k in want["stats"]} == want["stats"]
    assert isinstance(got["engine_s"], float) and got["engine_s"] >= 0


class W:
    """A small world built batch by batch; ``run`` calls the engine and the
    reference, checks they agree and returns the engine's answer."""

    def __init__(self, rules=()):
        self.t = {name: None for name in TABLES}
        self.t["batches"] = {c: [] for c in ref.BATCH_COLS}
        self.t["lines"] = {c: [] for c in ref.LINE_COLS}
        self.t["rules"] = {c: [] for c in ref.RULE_COLS}
        for r in rules:
            self.rule(**r)

    def _push(self, table, spec, values):
        if self.t[table] is None:
            self.t[table] = {c: [] for c in spec}
        for c in spec:
            self.t[table][c].append(values[c])

    def rule(self, id, code="", account=400, *, source="LAB", department="", payer_class="", facility="",
             date_from="", date_to="", journal=9, department_analytic=0, payer_analytic=0, keep_payer=False,
             sequence=10):
        self._push("rules", ref.RULE_COLS, locals())

    def batch(self, lines=(), *, batch_id="B1", source="LAB", business_date=DAY, currency="USD", decimals=2,
              kind="original", original="", record_count=None, total_debit=None, total_credit=None, lock_date="",
              lock_policy="refuse", company=1):
        b = len(self.t["batches"]["batch_id"])
        lines = [dict(ln) for ln in lines]
        sums = {s: sum((Decimal(str(ln["amount"])) for ln in lines if ln["side"] == s), Decimal(0))
                for s in ("debit", "credit")}
        record_count = len(lines) if record_count is None else record_count
        total_debit = sums["debit"] if total_debit is None else total_debit
        total_credit = sums["credit"] if total_credit is None else total_credit
        self._push("batches", ref.BATCH_COLS, locals())
        for k, ln in enumerate(lines):
            row = {"batch": b, "line_id": f"L{k}", "department": "", "payer_class": "", "facility": "",
                   "service_date": "", "payer_ref": "", **ln}
            self._push("lines", ref.LINE_COLS, row)
        return b

    def total(self, batch, kind, key, debit, credit):
        self._push("totals", ref.TOTAL_COLS, locals())

    def known(self, batch_id, state, source="LAB"):
        self._push("known", ref.KNOWN_COLS, locals())

    def analytic(self, table, code, analytic, company=0):
        self._push(table, ref.ANALYTIC_COLS, locals())

    def facility(self, code, company):
        self._push("facilities", ref.FACILITY_COLS, locals())

    def run(self) -> dict:
        t = dict(self.t)
        got = mc.billing(t.pop("batches"), t.pop("lines"), t.pop("rules"), **t)
        want = ref.billing(self.t["batches"], self.t["lines"], self.t["rules"],
                           **{k: v for k, v in self.t.items() if k not in ("batches", "lines", "rules")})
        assert_same(got, want)
        return got


def dr(code, amount, **kw):
    return {"code": code, "amount": amount, "side": "debit", **kw}


def cr(code, amount, **kw):
    return {"code": code, "amount": amount, "side": "credit", **kw}


def problems(out, batch=0):
    p = out["problems"]
    return [(p["rule"][i], p["path"][i], p["message"][i]) for i in range(len(p["batch"])) if p["batch"][i] == batch]


def codes(out, batch=0):
    return [x[0] for x in problems(out, batch)]


LAB = [dict(id=1, code="", account=400), dict(id=2, code="3001", account=410), dict(id=3, code="CASH", account=100)]


# ---------------------------------------------------------------------------- summary

def test_a_balanced_batch_is_mapped_and_summarised():
    w = W(LAB)
    w.batch([cr("3001", "120.50"), cr("3001", 10), cr("3002", 19.5), dr("CASH", Decimal("150.00"))])
    out = w.run()
    b = out["batches"]
    assert b == {"ok": [True], "company": [1], "journal": [9], "closed": [False], "redirected": [False],
                 "lines": [4], "debit": ["150"], "credit": ["150"], "problems": [0]}
    assert out["lines"] == {"rule": [1, 1, 0, 2], "account": [410, 410, 400, 100], "department_analytic": [0] * 4,
                            "payer_analytic": [0] * 4, "group": [2, 2, 1, 0]}
    g = out["groups"]
    assert list(zip(g["account"], g["debit"], g["credit"], g["lines"], strict=True)) == [
        (100, "150", "0", 1), (400, "0", "19.5", 1), (410, "0", "130.5", 2)]
    c = out["computed"]
    assert list(zip(c["kind"], c["key"], c["debit"], c["credit"], strict=True)) == [
        ("code", "3001", "0", "130.5"), ("code", "3002", "0", "19.5"), ("code", "CASH", "150", "0")]
    # lines without a department are in no department's total
    assert out["problems"]["batch"] == []
    assert out["stats"]["ok"] == 1 and out["stats"]["groups"] == 3


def test_receivables_keep_payers_apart_and_zero_groups_stay():
    w = W([dict(id=1, account=400), dict(id=5, code="AR", account=120, keep_payer=True)])
    w.batch([dr("AR", "30", payer_ref="p1"), dr("AR", "20", payer_ref="p2"), dr("AR", "5", payer_ref="p1"),
             cr("X", "55", payer_ref="p9"), dr("Y", "7"), cr("Y", "7")])
    out = w.run()
    g = out["groups"]
    assert list(zip(g["account"], g["payer_ref"], g["debit"], g["credit"], g["lines"], strict=True)) == [
        (120, "p1", "35", "0", 2), (120, "p2", "20", "0", 1), (400, "", "0", "55", 3)]
    # Y nets to zero inside account 400 with X; a group of its own nets to 0/0 and is kept
    w = W([dict(id=1, account=400), dict(id=2, code="Y", account=500)])
    w.batch([dr("Y", "7"), cr("Y", "7")])
    g = w.run()["groups"]
    assert (g["account"], g["debit"], g["credit"], g["lines"]) == ([500], ["0"], ["0"], [2])


def test_analytics_from_the_rule_then_the_tables_by_company():
    w = W([dict(id=2, code="3001", account=410), dict(id=3, code="3002", account=420, department_analytic=77,
                                                        payer_analytic=88)])
    w.analytic("departments", "CARD", 51, 1)
    w.analytic("departments", "CARD", 59, 2)
    w.analytic("departments", "ONC", 52, 0)
    w.analytic("payer_classes", "MEDICARE", 61)
    w.batch([dr("3001", 1, department="CARD", payer_class="MEDICARE"), cr("3001", 1, department="ONC"),
             dr("3002", 2, department="NOWHERE", payer_class="NOBODY"), cr("3001", 2)])
    out = w.run()
    assert out["batches"]["ok"] == [True]
    assert out["lines"]["department_analytic"] == [51, 52, 77, 0]
    assert out["lines"]["payer_analytic"] == [61, 0, 88, 0]
    g = out["groups"]
    assert list(zip(g["account"], g["department_analytic"], g["payer_analytic"], strict=True)) == [
        (410, 0, 0), (410, 51, 61), (410, 52, 0), (420, 77, 88)]


# ---------------------------------------------------------------------------- rule choice

def explain(rules_w, **q):
    got = mc.billing_explain(rules_w.t["rules"], **q)
    assert got == ref.billing_explain(rules_w.t["rules"], **q)
    return [(e["rule"], e["verdict"], e["reason"]) for e in got]


def test_effective_dates_are_inclusive_and_the_latest_start_wins():
    w = W([dict(id=1, code="3001", account=410, date_to=DAY), dict(id=2, code="3001", account=411, date_from=DAY),
           dict(id=3, code="3001", account=412, date_from="2026-11-03")])
    for day, account in (("2026-11-01", 410), (DAY, 411), ("2026-11-03", 412)):
        w2 = W()
        w2.t["rules"] = w.t["rules"]
        w2.batch([dr("3001", 1), cr("3001", 1)], business_date=day)
        assert w2.run()["lines"]["account"] == [account, account], day
    assert explain(w, source="LAB", code="3001", date=DAY) == [
        (0, "candidate", "older than rule 2 (effective from 2026-11-02)"), (1, "chosen", "best of 2 candidates"),
        (2, "not_effective", "effective from 2026-11-03")]
    assert explain(w, source="LAB", code="3001", date="2026-11-03")[0] == (0, "not_effective", "ended on 2026-11-02")


def test_code_beats_dimensions_beat_sequence_then_lowest_id():
    w = W([dict(id=1, account=400, department="CARD", payer_class="MEDICARE"),
           dict(id=2, code="3001", account=410, sequence=50),
           dict(id=3, code="3001", account=420, department="CARD", sequence=99),
           dict(id=8, code="3002", account=430, sequence=5), dict(id=7, code="3002", account=431, sequence=5),
           dict(id=9, code="3002", account=432, sequence=1, source="RAD")])
    w.analytic("departments", "CARD", 51)
    w.analytic("payer_classes", "MEDICARE", 61)
    w.batch([dr("3001", 1, department="CARD", payer_class="MEDICARE"), cr("3001", 1),
             dr("9999", 1, department="CARD", payer_class="MEDICARE"), cr("3002", 1)])
    out = w.run()
    assert out["lines"]["account"] == [420, 410, 400, 431]
    assert explain(w, source="LAB", code="3002", date=DAY) == [
        (0, "no_match", "department CARD does not match (none)"), (1, "no_match", "code 3001 does not match 3002"),
        (2, "no_match", "code 3001 does not match 3002"),
        (3, "candidate", "same sequence as rule 7, which has the lower id"), (4, "chosen", "best of 2 candidates")]
    assert explain(w, source="LAB", code="3001", department="CARD", payer_class="MEDICARE", date=DAY) == [
        (0, "candidate", "less specific than rule 3"), (1, "candidate", "less specific than rule 3"),
        (2, "chosen", "best of 3 candidates"), (3, "no_match", "code 3002 does not match 3001"),
        (4, "no_match", "code 3002 does not match 3001")]
    assert explain(w, source="NOPE", code="3001", date=DAY) == []


def test_sequence_breaks_ties_of_equal_specificity():
    w = W([dict(id=1, code="3001", account=410, sequence=20), dict(id=2, code="3001", account=411, sequence=10)])
    assert explain(w, source="LAB", code="3001", date=DAY) == [
        (0, "candidate", "sequence 20 after rule 2 (sequence 10)"), (1, "chosen", "best of 2 candidates")]


# ---------------------------------------------------------------------------- problems

def test_counts_control_totals_and_balance():
    w = W(LAB)
    w.batch([dr("3001", "99.5"), cr("3002", "100")], record_count=3, total_debit="100.00")
    out = w.run()
    assert problems(out) == [
        ("record_count", "record_count", "record_count 3 but the batch has 2 lines"),
        ("control_total", "total_debit", "total_debit 100 but the lines debit 99.5 (difference 0.5)"),
        ("balance", "$", "debits 99.5 do not equal credits 100 (difference -0.5)")]
    assert out["batches"]["ok"] == [False] and out["batches"]["problems"] == [3]
    assert out["lines"]["group"] == [-1, -1] and out["groups"]["batch"] == []
    assert out["problems"]["line"] == [-1, -1, -1]


def test_declared_totals():
    w = W(LAB)
    w.analytic("departments", "CARD", 51)
    w.analytic("departments", "ONC", 52)
    b = w.batch([dr("3001", "10", department="CARD"), cr("3002", "10", department="ONC")])
    w.total(b, "department", "CARD", "10", 0)
    w.total(b, "department", "CARD", "10", 0)
    w.total(b, "code", "3001", 9, "0")
    w.total(b, "department", "LAB", 0, 0)
    out = w.run()
    assert problems(out) == [
        ("control_total", "totals[1]", "department CARD is declared again (first at totals[0])"),
        ("control_total", "totals[2]",
         "code 3001: declared debit 9 and credit 0, the lines make debit 10 and credit 0"),
        ("control_total", "totals", "department ONC is in the lines but not in the totals"),
        ("control_total", "totals", "code 3002 is in the lines but not in the totals")]
    # declared totals that agree are fine
    w = W(LAB)
    b = w.batch([dr("3001", "10"), cr("3002", "10")])
    w.total(b, "code", "3001", "10.00", 0)
    w.total(b, "code", "3002", 0, 10)
    assert w.run()["batches"]["ok"] == [True]


def test_line_checks_in_order_with_their_paths():
    w = W(LAB)
    w.batch([dr("3001", 5, service_date="2026-11-03"), cr("3001", "1.005", line_id="L0"), cr("3001", -1),
             cr("3001", 0), cr("3001", "5.000", service_date=DAY)])
    out = w.run()
    assert problems(out) == [
        ("balance", "$", "debits 5 do not equal credits 5.005 (difference -0.005)"),
        ("date", "lines[0].service_date", "service date 2026-11-03 is after the business date 2026-11-02"),
        ("decimals", "lines[1].amount", "amount 1.005 has more than 2 decimals for USD"),
        ("duplicate", "lines[1].line_id", "line_id L0 repeats lines[0]"),
        ("min", "lines[2].amount", "amount -1 is not positive"),
        ("min", "lines[3].amount", "amount 0 is not positive")]
    assert out["problems"]["line"] == [-1, 0, 1, 1, 2, 3]


def test_line_paths_count_within_the_batch_and_rows_are_global():
    w = W(LAB)
    w.batch([dr("3001", 1), cr("3001", 1)], batch_id="A")
    w.batch([dr("3001", -1), cr("3001", -1)], batch_id="B")
    # interleave: the lines of B come first in the input
    for col in w.t["lines"].values():
        col[:] = col[2:] + col[:2]
    out = w.run()
    assert problems(out, 1) == [("min", "lines[0].amount", "amount -1 is not positive"),
                                ("min", "lines[1].amount", "amount -1 is not positive")]
    assert out["problems"]["line"] == [0, 1]
    assert out["lines"]["group"] == [-1, -1, 0, 0]


@pytest.mark.parametrize(("decimals", "amount", "bad"), [
    (0, "12", False), (0, "12.0", False), (0, 12.0, False), (0, "12.5", True), (2, "12.50", False),
    (2, 0.1, False), (2, "0.125", True), (3, "0.125", False), (3, Decimal("0.1250"), False), (3, "0.1255", True)])
def test_decimals_follow_the_currency(decimals, amount, bad):
    w = W(LAB)
    w.batch([dr("3001", amount), cr("3001", amount)], decimals=decimals)
    assert ("decimals" in codes(w.run())) is bad


def test_unmapped_lines_department_and_payer_class():
    w = W([dict(id=2, code="3001", account=410)])
    w.analytic("departments", "CARD", 51, 1)
    w.analytic("payer_classes", "MEDICARE", 61, 2)
    w.batch([dr("3001", 1, department="CARD", payer_class="MEDICARE"), dr("3002", 1, department="CARD",
                                                                         payer_class="MEDICARE", facility=""),
             cr("3001", 2, department="PEDS")])
    out = w.run()
    assert problems(out) == [
        ("unmapped_payer_class", "lines[0].payer_class", "payer class MEDICARE has no analytic account for company 1"),
        ("unmapped", "lines[1]",
         "no mapping rule for source LAB, code 3002, department CARD, payer class MEDICARE on 2026-11-02"),
        ("unmapped_department", "lines[2].department", "department PEDS has no analytic account for company 1")]
    assert out["lines"]["rule"] == [0, -1, 0]


def test_facilities_resolve_one_company():
    w = W([*LAB, dict(id=4, code="3001", account=415, facility="NORTH")])
    w.facility("NORTH", 3)
    w.facility("SOUTH", 4)
    w.batch([dr("3001", 1, facility="NORTH"), cr("3001", 1, facility="SOUTH")])
    w.batch([dr("3001", 1, facility="NORTH"), cr("3001", 1, facility="MOON")], batch_id="B2")
    w.batch([dr("3001", 1, facility="NORTH"), cr("3001", 1, facility="NORTH")], batch_id="B3")
    w.batch([dr("3001", 1, facility="SOUTH"), cr("3001", 1)], batch_id="B4", company=4)
    out = w.run()
    assert problems(out, 0) == [("facility", "$", "lines belong to several companies: 3, 4")]
    # the default rule (any facility) still maps the line of an unknown facility
    assert problems(out, 1) == [("facility", "lines[1].facility", "unknown facility MOON")]
    assert out["batches"]["ok"] == [False, False, True, True]
    assert out["batches"]["company"] == [3, 3, 3, 4]
    assert out["lines"]["account"][4:6] == [415, 415]


def test_one_journal_per_batch():
    w = W([dict(id=2, code="3001", account=410), dict(id=3, code="CASH", account=100, journal=4)])
    w.batch([dr("CASH", 1), cr("3001", 1)])
    out = w.run()
    assert problems(out) == [("journal", "$", "lines map to several journals: 4, 9")]
    assert out["batches"]["journal"] == [4]


def test_lock_policies():
    w = W(LAB)
    ok = [dr("3001", 1), cr("3001", 1)]
    w.batch(ok, batch_id="B1", lock_date=DAY, lock_policy="refuse")
    w.batch(ok, batch_id="B2", lock_date=DAY, lock_policy="redirect")
    w.batch(ok, batch_id="B3", lock_date="2026-11-01", lock_policy="refuse")
    w.batch(ok, batch_id="B4", lock_date="")
    out = w.run()
    assert problems(out, 0) == [("closed_period", "business_date",
                                 "business date 2026-11-02 is on or before the lock date 2026-11-02")]
    b = out["batches"]
    assert list(zip(b["ok"], b["closed"], b["redirected"], strict=True)) == [
        (False, True, False), (True, True, True), (True, False, False), (True, False, False)]


def test_duplicate_batches():
    w = W(LAB)
    w.known("B1", "posted")
    w.known("B2", "rejected")
    ok = [dr("3001", 1), cr("3001", 1)]
    w.batch(ok)
    w.batch(ok, batch_id="B2")
    w.batch(ok, batch_id="B2")
    w.batch([], batch_id="B2", source="RAD", company=5)
    out = w.run()
    assert problems(out, 0) == [("duplicate_batch", "batch_id", "batch B1 from LAB is already known (state posted)")]
    assert problems(out, 2) == [("duplicate_batch", "batch_id", "batch B2 from LAB repeats batch row 1")]
    assert out["batches"]["ok"] == [False, True, False, True]
    assert out["batches"]["company"][3] == 5 and out["batches"]["journal"][3] == 0


def test_corrections_and_reversals():
    w = W(LAB)
    w.known("P", "posted")
    w.known("R", "reversed")
    w.known("V", "validated")
    w.known("V", "rejected")
    ok = [dr("3001", 1), cr("3001", 1)]
    cases = [("adjustment", "P", ok, []),
             ("adjustment", "", ok, [("original", "a batch of kind adjustment must name the batch it corrects")]),
             ("adjustment", "NOPE", ok, [("original", "original batch NOPE from LAB is not known")]),
             ("adjustment", "V", ok, [("original", "original batch V is validated, rejected, not posted")]),
             ("adjustment", "R", ok, [("original", "original batch R is reversed, not posted")]),
             ("reversal", "P", [], []),
             ("reversal", "R", [], [("original", "original batch R is already reversed")]),
             ("reversal", "", [], [("original", "a batch of kind reversal must name the batch it corrects")]),
             ("reversal", "P", ok, [("lines", "a reversal carries no lines (got 2)")]),
             ("original", "P", ok, [("original", "an original batch names no original (got P)")])]
    for k, (kind, original, lines, _) in enumerate(cases):
        w.batch(lines, batch_id=f"X{k}", kind=kind, original=original)
    out = w.run()
    for k, (_, _, _, want) in enumerate(cases):
        assert problems(out, k) == [("correction", *p) for p in want], k


def test_problems_are_capped_per_batch_but_all_counted():
    w = W(LAB)
    w.batch([dr("3001", -1)] * 150 + [dr("3001", "0.001")] * 150)
    w.batch([dr("3001", 1), cr("3001", 1)], batch_id="B2", record_count=5)
    out = w.run()
    assert out["batches"]["problems"] == [301, 1]
    assert out["problems"]["batch"].count(0) == 200 and out["problems"]["batch"][-1] == 1
    assert out["problems"]["rule"][0] == "balance"
    assert out["stats"]["problems"] == 302 and out["stats"]["listed"] == 201


def test_no_batches_and_none_tables():
    out = mc.billing(None, None, None)
    assert out["batches"]["ok"] == [] and out["lines"]["rule"] == [] and out["problems"]["batch"] == []
    w = W(LAB)
    w.batch([])
    out = w.run()
    assert out["batches"]["ok"] == [True] and out["groups"]["batch"] == []


# ---------------------------------------------------------------------------- bad input

def _base():
    w = W(LAB)
    w.batch([dr("3001", 1), cr("3001", 1)])
    w.facility("N", 1)
    w.known("A", "posted")
    w.total(0, "code", "3001", 1, 0)
    return w.t


def _set(t, table, col, row, value):
    t[table][col][row] = value


BAD = [
    (lambda t: _set(t, "lines", "batch", 1, 3), "lines.batch", 1, "unknown_batch"),
    (lambda t: _set(t, "totals", "batch", 0, -1), "totals.batch", 0, "unknown_batch"),
    (lambda t: _set(t, "batches", "kind", 0, "bogus"), "batches.kind", 0, "unknown_value"),
    (lambda t: _set(t, "batches", "lock_policy", 0, "later"), "batches.lock_policy", 0, "unknown_value"),
    (lambda t: _set(t, "lines", "side", 1, "DR"), "lines.side", 1, "unknown_value"),
    (lambda t: _set(t, "totals", "kind", 0, "payer"), "totals.kind", 0, "unknown_value"),
    (lambda t: _set(t, "known", "state", 0, "lost"), "known.state", 0, "unknown_value"),
    (lambda t: _set(t, "batches", "business_date", 0, "2026-02-30"), "batches.business_date", 0, "bad_date"),
    (lambda t: _set(t, "batches", "business_date", 0, ""), "batches.business_date", 0, "bad_date"),
    (lambda t: _set(t, "batches", "lock_date", 0, "2026/11/01"), "batches.lock_date", 0, "bad_date"),
    (lambda t: _set(t, "lines", "service_date", 1, "11/02/2026"), "lines.service_date", 1, "bad_date"),
    (lambda t: _set(t, "rules", "date_to", 2, "2026-1-1"), "rules.date_to", 2, "bad_date"),
    (lambda t: _set(t, "batches", "decimals", 0, 7), "batches.decimals", 0, "out_of_range"),
    (lambda t: t["facilities"]["code"].append("N") or t["facilities"]["company"].append(2), "facilities.code", 1,
     "duplicate"),
    (lambda t: _set(t, "lines", "amount", 1, "one"), "lines.amount", 1, None),
    (lambda t: _set(t, "lines", "amount", 0, float("nan")), "lines.amount", 0, None),
    (lambda t: _set(t, "batches", "company", 0, "1"), "batches.company", 0, None),
    (lambda t: _set(t, "lines", "code", 0, 3001), "lines.code", 0, None),
    (lambda t: t["batches"].pop("company"), "batches.company", None, None),
    (lambda t: t["lines"].pop("side"), "lines.side", None, None),
    (lambda t: t["lines"]["code"].pop(), "lines.code", None, None),
    (lambda t: t["lines"].update(colour=["red", "blue"]), "lines.colour", None, None),
]


@pytest.mark.parametrize(("change", "field", "row", "rule"), BAD)
def test_bad_input_is_refused_with_its_place(change, field, row, rule):
    t = _base()
    change(t)
    with pytest.raises(mc.InputError) as info:
        mc.billing(t.pop("batches"), t.pop("lines"), t.pop("rules"), **t)
    err = info.value
    assert (err.field, err.row, err.rule) == (field, row, rule), str(err)
    assert err.code == "invalid_input" and isinstance(err, ValueError)


def test_tables_must_be_dicts_and_explain_needs_a_date():
    with pytest.raises(mc.InputError) as info:
        mc.billing([1], None, None)
    assert info.value.field == "batches"
    for bad in ("", "2026-13-01"):
        with pytest.raises(mc.InputError) as info:
            mc.billing_explain(_base()["rules"], source="LAB", code="3001", date=bad)
        assert (info.value.field, info.value.rule) == ("date", "bad_date")


# ---------------------------------------------------------------------------- parity

SOURCES = ["LAB", "RAD"]
CODES = ["3001", "3002", "CASH", "AR", ""]
DEPTS = ["", "", "CARD", "ONC", "PEDS"]
PAYERS = ["", "", "MEDICARE", "SELF"]
FACILITIES = ["", "", "", "NORTH", "SOUTH", "MOON"]
DAYS = ["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"]
AMOUNTS = ["10", "10.5", "0.125", "2.50", 3, 2.5, "-1", "0", "7", "1000000.01"]


def _rule_row(draw, k):
    return {"id": draw(st.sampled_from([k + 1, 50 - k, 7])), "source": draw(st.sampled_from(SOURCES)),
            "code": draw(st.sampled_from(CODES)), "department": draw(st.sampled_from(DEPTS)),
            "payer_class": draw(st.sampled_from(PAYERS)), "facility": draw(st.sampled_from(FACILITIES[:5])),
            "date_from": draw(st.sampled_from(["", "", *DAYS])), "date_to": draw(st.sampled_from(["", "", *DAYS])),
            "account": draw(st.sampled_from([100, 120, 400, 410])), "journal": draw(st.sampled_from([9, 9, 9, 4])),
            "department_analytic": draw(st.sampled_from([0, 0, 77])),
            "payer_analytic": draw(st.sampled_from([0, 0, 88])), "keep_payer": draw(st.booleans()),
            "sequence": draw(st.sampled_from([1, 10, 10]))}


@st.composite
def worlds(draw):
    w = W()
    for k in range(draw(st.integers(0, 10))):
        w.rule(**_rule_row(draw, k))
    for src in SOURCES:
        if draw(st.integers(0, 3)):
            w.rule(id=100 + len(src), source=src, account=400)
    for code in ("CARD", "ONC"):
        for company in draw(st.sets(st.sampled_from([0, 1, 3]), max_size=2)):
            w.analytic("departments", code, draw(st.integers(1, 60)), company)
    for company in draw(st.sets(st.sampled_from([0, 1, 3]), max_size=2)):
        w.analytic("payer_classes", "MEDICARE", draw(st.integers(61, 70)), company)
    for code, company in (("NORTH", 1), ("SOUTH", 3)):
        if draw(st.integers(0, 3)):
            w.facility(code, company)
    for b in range(draw(st.integers(0, 5))):
        # a clean batch (known dimensions, good amounts, balanced, nothing to correct) now and then, so that
        # summaries are compared as often as problems
        clean = draw(st.integers(0, 2)) == 0
        pick = (lambda xs, good: draw(st.sampled_from(good))) if clean else (lambda xs, good: draw(st.sampled_from(xs)))
        lines = []
        for _ in range(draw(st.integers(0, 8))):
            lines.append({"code": draw(st.sampled_from(CODES)), "amount": pick(AMOUNTS, ["10", "2.50", 3, 2.5]),
                          "side": draw(st.sampled_from(["debit", "credit"])), "department": pick(DEPTS, [""]),
                          "payer_class": pick(PAYERS, [""]), "facility": pick(FACILITIES, [""]),
                          "service_date": pick(["", "", *DAYS], ["", DAYS[0]]),
                          "payer_ref": draw(st.sampled_from(["", "p1", "p2"])),
                          "line_id": pick([f"L{len(lines)}"] * 5 + ["L0"], [f"L{len(lines)}"])})
        sums = {s: sum((Decimal(str(ln["amount"])) for ln in lines if ln["side"] == s), Decimal(0))
                for s in ("debit", "credit")}
        diff = sums["debit"] - sums["credit"]
        if diff and (clean or draw(st.integers(0, 3))):
            lines.append({"code": draw(st.sampled_from(CODES)), "amount": str(abs(diff)),
                          "side": "credit" if diff > 0 else "debit", "line_id": f"BAL{b}"})
        kind = pick(["original"] * 4 + ["adjustment", "reversal"], ["original"])
        extra = {}
        if not clean and not draw(st.integers(0, 5)):
            extra["record_count"] = len(lines) + 1
        if not clean and not draw(st.integers(0, 5)):
            extra["total_debit"] = "1"
        original = "" if kind == "original" and (clean or draw(st.integers(0, 5))) else pick(["", "K1", "K2", "K3"],
                                                                                            [""])
        row = w.batch(lines, batch_id=pick([f"B{b}", f"B{b}", "B0", "K1"], [f"C{b}"]),
                      source=draw(st.sampled_from(SOURCES)), business_date=draw(st.sampled_from(DAYS)),
                      decimals=pick([0, 2, 2, 3], [2, 3]), kind=kind, original=original,
                      lock_date=draw(st.sampled_from(["", "", *DAYS])),
                      lock_policy=pick(["redirect", "refuse"], ["redirect"]),
                      company=draw(st.sampled_from([1, 1, 3])), **extra)
        for _ in range(0 if clean else draw(st.integers(0, 3))):
            kind_t = draw(st.sampled_from(["department", "code"]))
            keys = DEPTS if kind_t == "department" else CODES
            w.total(row, kind_t, draw(st.sampled_from(keys)), draw(st.sampled_from(["0", "10", "10.5", 3])),
                    draw(st.sampled_from(["0", "10"])))
    for _ in range(draw(st.integers(0, 4))):
        w.known(draw(st.sampled_from(["K1", "K2", "K3", "B0", "B1"])),
                draw(st.sampled_from(ref.STATES)), draw(st.sampled_from(SOURCES)))
    return w


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_engine_agrees_with_the_reference(w):
    w.run()


@settings(max_examples=max(50, EXAMPLES // 4), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from([*SOURCES, "NOPE"]), st.sampled_from([*CODES, "9999"]), st.sampled_from(DEPTS),
       st.sampled_from(PAYERS), st.sampled_from(FACILITIES), st.sampled_from(DAYS))
def test_explain_agrees_with_the_reference(w, source, code, department, payer_class, facility, day):
    q = dict(source=source, code=code, department=department, payer_class=payer_class, facility=facility, date=day)
    got = mc.billing_explain(w.t["rules"], **q)
    assert got == ref.billing_explain(w.t["rules"], **q)
    chosen = [e["rule"] for e in got if e["verdict"] == "chosen"]
    rows = ref._table("rules", w.t["rules"], ref.RULE_COLS)
    best = ref.choose(rows, source, code, department, payer_class, facility, day)
    assert chosen == ([best["row"]] if best else [])


@pytest.mark.parametrize("seed", [1, 2])
def test_a_larger_world_in_parallel(seed):
    """Past the parallel thresholds: 300 batches of up to 60 lines."""
    rnd = random.Random(seed)
    w = W([dict(id=1, account=400), dict(id=2, code="3001", account=410, department="CARD"),
           dict(id=3, code="AR", account=120, keep_payer=True), dict(id=4, code="3002", account=411,
                                                                      date_from="2026-11-02")])
    w.analytic("departments", "CARD", 51)
    w.analytic("departments", "ONC", 52)
    for b in range(300):
        lines = []
        for _ in range(rnd.randrange(0, 60)):
            lines.append({"code": rnd.choice(["3001", "3002", "AR", "X"]), "amount": rnd.choice(["1", "2.5", 3.25]),
                          "side": rnd.choice(["debit", "credit"]), "department": rnd.choice(["", "CARD", "ONC"]),
                          "payer_ref": rnd.choice(["", "p1", "p2", "p3"])})
        sums = sum((Decimal(str(x["amount"])) * (1 if x["side"] == "debit" else -1) for x in lines), Decimal(0))
        if sums and rnd.random() < 0.8:
            lines.append({"code": "X", "amount": str(abs(sums)), "side": "credit" if sums > 0 else "debit"})
        w.batch(lines, batch_id=f"B{b}", business_date=rnd.choice(DAYS))
    # shuffle the lines (each batch keeps its order)
    cols = w.t["lines"]
    order = sorted(range(len(cols["batch"])), key=lambda i: (rnd.random(), i))
    by_batch = {}
    for i in range(len(cols["batch"])):
        by_batch.setdefault(cols["batch"][i], []).append(i)
    seq = []
    for i in order:
        seq.append(by_batch[cols["batch"][i]].pop(0))
    for c in cols:
        cols[c] = [cols[c][j] for j in seq]
    out = w.run()
    assert 0 < out["stats"]["ok"] < 300
