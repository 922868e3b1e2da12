"""Supplier scorecards: medsync_core.scorecard on hand-worked examples (one
per metric, the figures worked out in each test), the edge cases (no or
partial receipts, returns, cancelled lines, several acknowledgements, time
zones and month boundaries), bad input refused with its field, row and
rule, and hypothesis parity with the plain-Python reference
(tests/reference/scorecard.py) on random worlds, every output column."""

import datetime as dt
import math
import os
import random
from array import array
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import scorecard as ref

DAY, HOUR = 86_400, 3_600
TOL = 1e-9
EXAMPLES = int(os.environ.get("MEDSYNC_EXAMPLES", "1000"))


def utc(text: str) -> int:
    """Epoch seconds of a UTC "YYYY-MM-DD[ HH:MM]"."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())




JAN = utc("2024-01-01")
APR = utc("2024-04-01")
MAY = utc("2024-05-01")
JAN10 = utc("2024-01-10 12:00")
NEW_YORK = ref.transitions("America/New_York", utc("2023-06-01"), utc("2025-01-01"))
BERLIN = ref.transitions("Europe/Berlin", utc("2023-06-01"), utc("2025-01-01"))


# ---------------------------------------------------------------------------- comparison

def assert_same(got: dict, want: dict) -> None:
    """Every column of every row, in the same order: integers and strings
    equal, floats within 1e-9 (None where the reference has None)."""
    assert list(got["rows"]) == ref.COLUMNS
    g, w = got["rows"], want["rows"]
    for col in ref.COLUMNS:
        assert len(g[col]) == len(w[col]), col
        for i, (a, b) in enumerate(zip(g[col], w[col], strict=True)):
            if col in ref.FLOATS and b is not None:
                assert a is not None and math.isclose(a, b, rel_tol=TOL, abs_tol=TOL), (col, i, a, b)
            else:
                assert a == b and type(a) is type(b), (col, i, a, b)
    stats = {k: v for k, v in got["stats"].items() if k in want["stats"]}
    assert stats == want["stats"]
    assert isinstance(got["engine_s"], float) and got["engine_s"] >= 0


class W:
    """A small world built line by line; ``run`` calls the engine and the
    reference, checks they agree, and returns the engine's rows by key."""

    def __init__(self):
        self.lines = {k: [] for k in ("id", "vendor", "category", "ordered_at", "sent_at", "promised_at", "qty",
                                      "price", "contract_price", "cancelled")}
        self.acks = {k: [] for k in ("line", "at", "promised_at", "status", "qty")}
        self.receipts = {k: [] for k in ("line", "at", "qty", "kind", "picking", "lot")}
        self.asns = {k: [] for k in ("line", "at", "picking", "lot", "qty")}
        self.bills = {k: [] for k in ("line", "at", "qty", "price", "first_pass")}

    @staticmethod
    def _push(table, **values):
        for k, v in values.items():
            table[k].append(v)

    def line(self, id, *, vendor=7, category=0, ordered=JAN, sent=0, promised=JAN10, qty="10",
             price="5", contract=None, cancelled=False):
        self._push(self.lines, id=id, vendor=vendor, category=category, ordered_at=ordered, sent_at=sent,
                   promised_at=promised, qty=qty, price=price, contract_price=contract, cancelled=cancelled)
        return self

    def ack(self, line, at, promised=0, status="accepted"):
        self._push(self.acks, line=line, at=at, promised_at=promised, status=status, qty="0")
        return self

    def receipt(self, line, at, qty="10", kind="receipt", picking=0, lot=""):
        self._push(self.receipts, line=line, at=at, qty=qty, kind=kind, picking=picking, lot=lot)
        return self

    def asn(self, line, at, picking, qty, lot=""):
        self._push(self.asns, line=line, at=at, picking=picking, lot=lot, qty=qty)
        return self

    def bill(self, line, at, price, first_pass="none"):
        self._push(self.bills, line=line, at=at, qty="1", price=price, first_pass=first_pass)
        return self

    def tables(self):
        return self.lines, self.acks, self.receipts, self.asns, self.bills

    def run(self, **options):
        options.setdefault("as_of", APR)
        out = mc.scorecard(*self.tables(), options=options)
        assert_same(out, ref.scorecard(*self.tables(), options=options))
        return Rows(out)


class Rows:
    def __init__(self, out):
        self.out = out
        cols = out["rows"]
        self.rows = [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]

    def __call__(self, month, vendor=7, category=0):
        found = [r for r in self.rows if (r["vendor"], r["category"], r["month"]) == (vendor, category, month)]
        assert len(found) == 1, (vendor, category, month, [(r["vendor"], r["month"]) for r in self.rows])
        return found[0]

    def months(self, vendor=7, category=0):
        return [r["month"] for r in self.rows if (r["vendor"], r["category"]) == (vendor, category)]


def near(a, b):
    return a is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


# ---------------------------------------------------------------------------- one metric each

def test_otif_counts_due_lines_received_in_full_inside_the_window():
    # promised Jan 10: with early_days 3 and late_days 0 the window is Jan 7 to Jan 10
    w = W().line(1).line(2).line(3).line(4)
    w.receipt(1, utc("2024-01-08 09:00"))                                             # 2 days early: in
    w.receipt(2, utc("2024-01-06 23:59"))                                             # 4 days early: out
    w.receipt(3, utc("2024-01-07 00:00"), "6").receipt(3, utc("2024-01-10 23:59"), "4")  # 6 + 4 inside: in
    w.receipt(4, utc("2024-01-11 00:00"))                                             # a day late: out
    r = w.run()("2024-01")
    assert (r["lines_due"], r["lines_otif"]) == (4, 2)
    assert near(r["otif"], 100.0 * 2 / 4)
    r = w.run(late_days=1)("2024-01")  # a day's grace: line 4 is on time
    assert (r["lines_due"], r["lines_otif"]) == (4, 3)
    assert near(r["otif"], 75.0)


def test_fill_rate_is_judged_on_the_first_receipt():
    w = W().line(1).line(2).line(3).line(4)
    w.receipt(1, utc("2024-01-09"))                                                    # all at once
    w.receipt(2, utc("2024-01-09 10:00"), "6").receipt(2, utc("2024-01-09 10:00"), "4")  # same instant: one
    w.receipt(3, utc("2024-01-09 10:00"), "6").receipt(3, utc("2024-01-09 10:01"), "4")  # 6 first
    w.receipt(4, utc("2024-01-09"), "9.5")                                             # 95 %
    r = w.run()("2024-01")
    assert (r["lines_due"], r["lines_filled"], r["fill_rate"]) == (4, 2, 50.0)
    # 5 % tolerance: 9.5 >= 10 x 0.95, so line 4 is filled (and in full)
    r = w.run(qty_tolerance="5")("2024-01")
    assert (r["lines_filled"], r["fill_rate"], r["lines_otif"]) == (3, 75.0, 4)


def test_backorder_rate_by_acknowledgement_or_short_then_more():
    w = W().line(1).line(2).line(3).line(4).line(5)
    w.receipt(1, utc("2024-01-08"), "6").receipt(1, utc("2024-01-20"), "4")  # short, then the rest: backordered
    w.ack(2, utc("2024-01-02"), status="backordered").receipt(2, utc("2024-01-09"))  # said so: backordered
    w.receipt(3, utc("2024-01-08"), "6")                                     # short and nothing more: not
    w.receipt(4, utc("2024-01-08"))                                          # in full: not
    # line 5: never received: due, not backordered
    r = w.run()("2024-01")
    assert (r["lines_due"], r["lines_backordered"]) == (5, 2)
    assert near(r["backorder_rate"], 100.0 * 2 / 5)


def test_lead_time_mean_and_population_std_by_month_of_first_receipt():
    # ordered Jan 1 00:00: first receipts after 2, 4 and 3.5 days in January, 32 days in February
    w = W().line(1).line(2).line(3).line(4)
    w.receipt(1, utc("2024-01-03"))
    w.receipt(2, utc("2024-01-05"))
    w.receipt(3, utc("2024-01-04 12:00"), "4").receipt(3, utc("2024-02-01"), "6")  # the later one is not first
    w.receipt(4, utc("2024-02-02"))
    out = w.run()
    jan, feb = out("2024-01"), out("2024-02")
    mean = (2 + 4 + 3.5) / 3  # 19/6
    var = (2**2 + 4**2 + 3.5**2) / 3 - mean**2  # 10.75 - 361/36 = 26/36
    assert jan["lines_received"] == 3 and near(jan["lead_time_days"], mean)
    assert near(jan["lead_time_std_days"], math.sqrt(var)) and near(jan["lead_time_std_days"], math.sqrt(26) / 6)
    assert feb["lines_received"] == 1 and near(feb["lead_time_days"], 32.0) and feb["lead_time_std_days"] == 0.0


def test_acknowledgement_on_time_and_latency_by_the_first_ack():
    sent = utc("2024-01-02 08:00")
    w = W()
    w.line(1, sent=sent).ack(1, sent + 3 * HOUR).ack(1, sent + 40 * HOUR)  # 3 h: on time (a later ack is no matter)
    w.line(2, sent=sent).ack(2, sent + 30 * HOUR)                          # 30 h: late
    w.line(3, sent=sent)                                                   # never acknowledged, overdue
    w.line(4, sent=APR - 2 * HOUR)                                         # not overdue at as_of: not judged
    w.line(5).ack(5, sent)                                                 # never sent: no ack metric
    out = w.run()
    r = out("2024-01")
    assert (r["lines_sent"], r["lines_acked"], r["lines_ack_on_time"]) == (3, 2, 1)
    assert near(r["ack_on_time"], 100.0 / 3)
    assert near(r["ack_latency_hours"], (3 + 30) / 2)
    assert "2024-03" not in out.months()  # line 4 makes no row yet
    r = w.run(ack_hours=30)("2024-01")   # 30 h is within 30 h
    assert r["lines_ack_on_time"] == 2 and near(r["ack_on_time"], 200.0 / 3)


def test_ship_notice_accuracy_by_picking_line_and_lot():
    w = W().line(1).line(2).line(3)
    w.asn(1, utc("2024-01-05"), 50, "5", lot="A").receipt(1, utc("2024-01-08"), "5", picking=50, lot="A")  # equal
    w.asn(1, utc("2024-01-05"), 50, "5", lot="B").receipt(1, utc("2024-01-08"), "4", picking=50, lot="B")  # short
    w.receipt(2, utc("2024-01-08"), "3", picking=50)   # in the announced picking, never announced: not accurate
    w.receipt(2, utc("2024-01-08"), "2", picking=60)   # a picking without any notice: no group
    w.asn(3, utc("2024-01-06"), 70, "2")               # announced, never received: not accurate
    r = w.run()("2024-01")
    assert (r["asn_groups"], r["asn_accurate"]) == (4, 1)
    assert near(r["asn_accuracy"], 25.0)
    r = w.run(qty_tolerance=20)("2024-01")  # 4 within 5 +- 1: lot B is accurate
    assert (r["asn_groups"], r["asn_accurate"], r["asn_accuracy"]) == (4, 2, 50.0)


def test_price_accuracy_against_contract_else_po_price():
    w = W().line(1, price="10").line(2, price="10", contract="9")
    w.bill(1, utc("2024-01-15"), "10").bill(1, utc("2024-01-15"), "10.5")  # PO 10: right; 5 % over the PO
    w.bill(2, utc("2024-01-15"), "9").bill(2, utc("2024-01-15"), "10")     # contract 9: right; 11 % off
    r = w.run()("2024-01")
    assert (r["bill_lines"], r["bill_accurate"], r["billed_over_po"], r["po_over_contract"]) == (4, 2, 1, 2)
    assert near(r["price_accuracy"], 50.0)
    # 5 %: 10.5 is within 10 +- 0.5 and not over the PO beyond it; 10 against 9 is still 11 % off, and the PO
    # price 10 is still above the contract's 9 by more than 0.45
    r = w.run(price_tolerance="5")("2024-01")
    assert (r["bill_accurate"], r["billed_over_po"], r["po_over_contract"]) == (3, 0, 2)
    assert near(r["price_accuracy"], 75.0)


def test_first_pass_match_over_bill_lines_matched():
    w = W().line(1)
    for fp in ("pass", "pass", "fail", "none"):
        w.bill(1, utc("2024-01-15"), "5", first_pass=fp)
    r = w.run()("2024-01")
    assert (r["bill_lines"], r["match_lines"], r["match_first_pass"]) == (4, 3, 2)
    assert near(r["first_pass"], 100.0 * 2 / 3)


def test_return_rate_by_month_of_first_receipt():
    w = W().line(1).line(2).line(3).line(4)
    w.receipt(1, utc("2024-01-09")).receipt(1, utc("2024-01-20"), "2", kind="return")  # returned
    w.receipt(2, utc("2024-01-09")).receipt(2, APR + 1, "2", kind="return")          # returned after as_of
    w.receipt(3, utc("2024-01-09"))
    w.receipt(4, utc("2024-01-09"), "1", kind="return")                              # a return alone: no receipt
    r = w.run()("2024-01")
    assert (r["lines_received"], r["lines_returned"]) == (3, 1)
    assert near(r["return_rate"], 100.0 / 3)


def test_month_score_decayed_score_and_standing():
    w = W()
    for i in range(1, 6):  # January: five lines on time and in full, one of them returned
        w.line(i).receipt(i, utc("2024-01-09"))
    w.receipt(1, utc("2024-01-15"), "1", kind="return")
    for i in range(6, 11):  # February: five lines never received
        w.line(i, promised=utc("2024-02-10"))
    w.line(11, promised=utc("2024-06-01")).bill(11, utc("2024-04-10"), "5", first_pass="pass")  # April: a bill
    out = w.run(as_of=MAY)
    assert out.months() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    jan, feb, mar, apr = (out(m) for m in out.months())
    # January: otif 100 (30), fill 100 (15), returns 100 - 20 (5), backorders 100 - 0 (5)
    jan_ms = (30 * 100 + 15 * 100 + 5 * 80 + 5 * 100) / (30 + 15 + 5 + 5)  # 98.18
    assert near(jan["month_score"], jan_ms) and near(jan["score"], jan_ms)
    assert jan["standing"] == "excellent"  # 5 due lines: rated
    # February: otif 0, fill 0, backorders 100; nothing received
    feb_ms = (30 * 0 + 15 * 0 + 5 * 100) / (30 + 15 + 5)  # 10
    feb_score = (feb_ms + 0.7 * jan_ms) / (1 + 0.7)  # 46.31
    assert near(feb["month_score"], feb_ms) and near(feb["score"], feb_score) and feb["standing"] == "very_poor"
    # March: no data, zero counts, the window's score
    assert mar["month_score"] is None and mar["lines_due"] == 0 and mar["otif"] is None
    assert near(mar["score"], (0.7 * feb_ms + 0.49 * jan_ms) / (0.7 + 0.49)) and mar["standing"] == "very_poor"
    # April: price accuracy and first pass 100
    apr_score = (100 + 0.49 * feb_ms + 0.343 * jan_ms) / (1 + 0.49 + 0.343)  # 75.60
    assert near(apr["month_score"], 100.0) and near(apr["score"], apr_score) and apr["standing"] == "poor"
    # a window of one month: April alone, but no due line in it: not rated
    apr = w.run(as_of=MAY, window=1)("2024-04")
    assert near(apr["score"], 100.0) and apr["standing"] == "not_rated"
    # weights: otif alone
    out = w.run(as_of=MAY, weights={"otif": 100})
    assert near(out("2024-01")["month_score"], 100.0) and near(out("2024-02")["month_score"], 0.0)
    assert out("2024-04")["month_score"] is None  # no due line: no otif
    # thresholds and min_lines
    r = w.run(as_of=MAY, thresholds=(99, 98, 97), min_lines=11)("2024-01")
    assert r["standing"] == "not_rated"
    r = w.run(as_of=MAY, thresholds=(99, 98, 97), min_lines=5)("2024-01")
    assert r["standing"] == "good"  # 98.18 >= 98


# ---------------------------------------------------------------------------- edge cases

def test_a_due_line_without_receipts():
    r = W().line(1).run()("2024-01")
    assert (r["lines_due"], r["lines_otif"], r["lines_filled"], r["lines_backordered"], r["lines_received"]) == (
        1, 0, 0, 0, 0)
    assert (r["otif"], r["fill_rate"], r["backorder_rate"]) == (0.0, 0.0, 0.0)
    assert r["lead_time_days"] is None and r["return_rate"] is None and r["ack_on_time"] is None


def test_not_due_until_the_window_closed():
    w = W().line(1, promised=utc("2024-03-31 12:00"))
    assert w.run()("2024-03")["lines_due"] == 1  # March 31 + 0 days is before April 1 (as_of's day): due
    assert w.run(late_days=1).rows == []  # March 31 + 1 day is as_of's day: not yet
    assert w.run(as_of=utc("2024-04-02"), late_days=1)("2024-03")["lines_due"] == 1
    assert W().line(1, promised=utc("2024-04-01 12:00")).run().rows == []  # the target day is as_of's


def test_partial_receipts_after_as_of_are_not_known():
    w = W().line(1).receipt(1, utc("2024-01-09"), "6").receipt(1, APR + 1, "4")
    r = w.run()("2024-01")
    assert (r["lines_otif"], r["lines_filled"], r["lines_backordered"]) == (0, 0, 0)
    r = w.run(as_of=APR + 1)("2024-01")
    assert (r["lines_otif"], r["lines_filled"], r["lines_backordered"]) == (0, 0, 1)


def test_cancelled_lines_are_left_out_with_their_events():
    live = W().line(1).receipt(1, utc("2024-01-09"))
    both = W().line(1).receipt(1, utc("2024-01-09"))
    both.line(2, cancelled=True, sent=JAN).receipt(2, utc("2024-01-09")).ack(2, JAN + HOUR)
    both.asn(2, JAN, 50, "10").bill(2, utc("2024-01-20"), "5", first_pass="pass")
    a, b = live.run(), both.run()
    assert a.out["rows"] == b.out["rows"]
    assert (b.out["stats"]["cancelled"], b.out["stats"]["ignored"], b.out["stats"]["pickings"]) == (1, 4, 0)


def test_target_first_promised_or_last_acknowledged():
    w = W().line(1, promised=utc("2024-01-10"))
    w.ack(1, utc("2024-01-02"), promised=utc("2024-01-20"))
    w.ack(1, utc("2024-01-05"), promised=utc("2024-02-25"))
    w.ack(1, utc("2024-01-05"), promised=utc("2024-02-25"), status="accepted")
    w.ack(1, utc("2024-01-06"))                            # later, without a promise: does not count
    w.ack(1, APR + 1, promised=utc("2024-03-01"))          # after as_of: not known
    w.receipt(1, utc("2024-02-24"))
    first = w.run()
    assert first("2024-01")["lines_due"] == 1 and first("2024-01")["lines_otif"] == 0
    last = w.run(target="last_acknowledged")
    assert last("2024-02")["lines_due"] == 1 and last("2024-02")["lines_otif"] == 1
    assert last.months() == ["2024-02"] and first.months() == ["2024-01", "2024-02"]
    # ties at the same instant: the later row wins
    w = W().line(1, promised=utc("2024-01-10"))
    w.ack(1, utc("2024-01-05"), promised=utc("2024-02-25")).ack(1, utc("2024-01-05"), promised=utc("2024-02-10"))
    w.receipt(1, utc("2024-02-09"))
    assert w.run(target="last_acknowledged")("2024-02")["lines_otif"] == 1


def test_local_days_across_a_dst_transition():
    # New York moves from UTC-5 to UTC-4 on 2024-03-10 at 07:00 UTC. Both lines are promised on March 10
    # (13:00 local), and the window is that day alone.
    w = W().line(1, promised=utc("2024-03-10 17:00")).line(2, promised=utc("2024-03-10 17:00"))
    w.receipt(1, utc("2024-03-11 04:30"))  # 00:30 on March 11 in EDT (23:30 on March 10 in EST): late
    w.receipt(2, utc("2024-03-11 02:00"))  # 22:00 on March 10 in EDT (March 11 in UTC): on time
    opts = dict(early_days=0, late_days=0)
    assert w.run(tz=NEW_YORK, **opts)("2024-03")["lines_otif"] == 1
    assert w.run(tz=[(0, -5 * HOUR)], **opts)("2024-03")["lines_otif"] == 2  # no DST: both on March 10
    assert w.run(**opts)("2024-03")["lines_otif"] == 0  # UTC: both on March 11
    assert (utc("2023-11-05 06:00"), -5 * HOUR) in NEW_YORK and (utc("2024-03-10 07:00"), -4 * HOUR) in NEW_YORK


def test_an_event_late_on_the_last_local_day_of_a_month_lands_in_that_month():
    # 23:30 on January 31 in New York is 04:30 on February 1 in UTC
    w = W().line(1, promised=utc("2024-06-01")).bill(1, utc("2024-02-01 04:30"), "5")
    assert w.run(tz=NEW_YORK).months() == ["2024-01"]
    assert w.run().months() == ["2024-02"]
    # 00:30 on April 1 in Berlin (summer time, UTC+2) is 22:30 on March 31 in UTC
    w = W().line(1, promised=utc("2024-06-01")).bill(1, utc("2024-03-31 22:30"), "5")
    assert w.run(tz=BERLIN, as_of=MAY).months() == ["2024-04"]
    assert w.run(as_of=MAY).months() == ["2024-03"]


def test_month_boundaries_of_each_metric():
    # in New York: line 1 promised 23:30 on January 31, sent 23:00, acknowledged 00:00 and received 23:45 that
    # day: all of it in January; line 2 received at 00:30 on February 1: its lead time in February
    w = W().line(1, promised=utc("2024-02-01 04:30"), sent=utc("2024-02-01 04:00")).ack(1, utc("2024-02-01 05:00"))
    w.receipt(1, utc("2024-02-01 04:45"))
    w.line(2, promised=utc("2024-06-01")).receipt(2, utc("2024-02-01 05:30"))
    out = w.run(tz=NEW_YORK)
    assert out.months() == ["2024-01", "2024-02"]
    jan, feb = out("2024-01"), out("2024-02")
    assert (jan["lines_due"], jan["lines_otif"], jan["lines_sent"], jan["lines_ack_on_time"]) == (1, 1, 1, 1)
    assert (jan["lines_received"], feb["lines_received"], feb["lines_due"], feb["lines_sent"]) == (1, 1, 0, 0)
    out = w.run()  # in UTC all of it is February
    assert out.months() == ["2024-02"]
    feb = out("2024-02")
    assert (feb["lines_due"], feb["lines_otif"], feb["lines_sent"], feb["lines_received"]) == (1, 1, 1, 2)


def test_rows_per_category_and_vendor_order():
    w = W().line(1, vendor=9, category=3).line(2, vendor=2, category=3).line(3, vendor=2, category=0)
    out = w.run(by_category=True)
    keys = [(r["vendor"], r["category"], r["month"]) for r in out.rows]
    assert keys == [(2, 0, "2024-01"), (2, 3, "2024-01"), (9, 0, "2024-01"), (9, 3, "2024-01")]
    assert out("2024-01", vendor=2)["lines_due"] == 2 and out("2024-01", vendor=2, category=3)["lines_due"] == 1
    assert [r["category"] for r in w.run().rows] == [0, 0]


def test_event_tables_may_be_none_and_columns_typed_arrays():
    w = W().line(1).line(2)
    a = mc.scorecard(w.lines, None, None, None, None, options={"as_of": APR})
    b = mc.scorecard(w.lines, *({k: [] for k in t} for t in w.tables()[1:]), options={"as_of": APR})
    assert a["rows"] == b["rows"] and a["rows"]["lines_due"] == [2]
    w.receipt(1, utc("2024-01-09")).receipt(2, utc("2024-01-09"), "4")
    typed = {k: array("q", v) if k in ("id", "vendor", "ordered_at", "sent_at", "promised_at") else v
             for k, v in w.lines.items()}
    typed["qty"] = array("d", [10.0, 10.0])
    rec = dict(w.receipts, qty=array("d", [10.0, 4.0]), at=array("q", w.receipts["at"]))
    c = mc.scorecard(typed, None, rec, None, None, options={"as_of": APR})
    d = mc.scorecard(w.lines, None, w.receipts, None, None, options={"as_of": APR})
    assert c["rows"] == d["rows"] and c["rows"]["lines_filled"] == [1]
    # money as str, int, float or Decimal alike
    e = mc.scorecard(dict(w.lines, price=[Decimal("5"), 5.0]), None, w.receipts, None, None, options={"as_of": APR})
    assert e["rows"] == d["rows"]


def test_stats_count_what_was_used():
    w = W().line(1).line(2, cancelled=True).receipt(1, utc("2024-01-09")).receipt(1, APR + 5)
    w.asn(1, utc("2024-01-05"), 50, "10").receipt(2, utc("2024-01-09"))
    s = w.run().out["stats"]
    assert {k: s[k] for k in ("lines", "cancelled", "receipts", "asns", "ignored", "vendors", "pickings", "rows")} == {
        "lines": 2, "cancelled": 1, "receipts": 1, "asns": 1, "ignored": 2, "vendors": 1, "pickings": 1, "rows": 1}
    assert s["threads"] >= 1 and all(s[k] >= 0 for k in ("check_s", "group_s", "score_s", "read_s", "convert_s"))


# ---------------------------------------------------------------------------- bad input

LINE = dict(id=[1], vendor=[7], ordered_at=[JAN], promised_at=[JAN + 9 * DAY], qty=["10"], price=["5"])


def _call(lines=LINE, acks=None, receipts=None, asns=None, bills=None, **options):
    return mc.scorecard(lines, acks, receipts, asns, bills, options=dict(as_of=APR, **options))


@pytest.mark.parametrize(
    ("kwargs", "field", "row", "rule"),
    [
        (dict(lines={k: v for k, v in LINE.items() if k != "vendor"}), "lines.vendor", None, None),
        (dict(lines=dict(LINE, vendr=[7])), "lines.vendr", None, None),
        (dict(lines=dict(LINE, vendor=["seven"])), "lines.vendor", 0, None),
        (dict(lines=dict(LINE, vendor=[7, 8])), "lines.vendor", None, None),
        (dict(lines=dict(LINE, qty=["ten"])), "lines.qty", 0, None),
        (dict(lines=dict(LINE, qty=[float("nan")])), "lines.qty", 0, None),
        (dict(lines=dict(LINE, qty=[-1])), "lines.qty", 0, "negative"),
        (dict(lines=dict(LINE, qty=[0])), "lines.qty", 0, "not_positive"),
        (dict(lines=dict(LINE, vendor=[0])), "lines.vendor", 0, "not_positive"),
        (dict(lines=dict(LINE, contract_price=[-2])), "lines.contract_price", 0, "negative"),
        (dict(lines=dict(LINE, contract_price=["x"])), "lines.contract_price", 0, None),
        (dict(lines={k: v * 2 for k, v in LINE.items()}), "lines.id", 1, "duplicate_id"),
        (dict(lines=dict(LINE, ordered_at=[-5])), "lines.ordered_at", 0, "bad_time"),
        (dict(acks=dict(line=[1], at=[JAN], status=["maybe"], qty=[0])), "acks.status", 0, None),
        (dict(acks=dict(line=[1], at=[JAN], status=[None], qty=[0])), "acks.status", 0, None),
        (dict(acks=dict(line=[1], at=[JAN], qty=[0])), "acks.status", None, None),
        (dict(acks=dict(line=[1], at=[JAN], status=["accepted"], qty=[-1])), "acks.qty", 0, "negative"),
        (dict(receipts=dict(line=[1, 99], at=[JAN, JAN], qty=[1, 1], kind=["receipt"] * 2)), "receipts.line", 1,
         "unknown_line"),
        (dict(receipts=dict(line=[1], at=[JAN], qty=[1], kind=["gift"])), "receipts.kind", 0, None),
        (dict(receipts=dict(line=[1], at=[1.5], qty=[1], kind=["receipt"])), "receipts.at", 0, None),
        (dict(receipts=dict(line=[1], at=[JAN], qty=[1], kind=["receipt"], lot=[3])), "receipts.lot", 0, None),
        (dict(asns=dict(line=[1], at=[JAN], picking=[-1], qty=[1])), "asns.picking", 0, "negative"),
        (dict(bills=dict(line=[1], at=[JAN], qty=[1], price=[1], first_pass=["maybe"])), "bills.first_pass", 0,
         None),
        (dict(bills=dict(line=[2], at=[JAN], qty=[1], price=[1], first_pass=["pass"])), "bills.line", 0,
         "unknown_line"),
        (dict(weights={"otif": 50}), "options.weights", None, "bad_weights"),
        (dict(weights={"speed": 100}), "options.weights", None, "bad_weights"),
        (dict(weights={"otif": -10, "fill_rate": 110}), "options.weights", None, "bad_weights"),
        (dict(weights={"otif": "100"}), "options.weights.otif", None, "bad_option"),
        (dict(asof=APR), "options.asof", None, "bad_option"),
        (dict(target="whenever"), "options.target", None, "bad_option"),
        (dict(tz=[(10, 0), (10, 3600)]), "options.tz", 1, "bad_option"),
        (dict(tz=[(10, 0, 1)]), "options.tz", 0, "bad_option"),
        (dict(tz=[(0, 90_000)]), "options.tz", 0, "bad_option"),
        (dict(decay=0), "options.decay", None, "bad_option"),
        (dict(window=0), "options.window", None, "bad_option"),
        (dict(thresholds=(60, 80, 90)), "options.thresholds", None, "bad_option"),
        (dict(thresholds=(90, 80)), "options.thresholds", None, "bad_option"),
        (dict(qty_tolerance=-1), "options.qty_tolerance", None, "bad_option"),
        (dict(early_days=True), "options.early_days", None, "bad_option"),
        (dict(by_category="yes"), "options.by_category", None, "bad_option"),
        (dict(min_lines=-1), "options.min_lines", None, "bad_option"),
    ],
)
def test_bad_input_is_refused_with_its_place(kwargs, field, row, rule):
    with pytest.raises(mc.InputError) as info:
        _call(**kwargs)
    err = info.value
    assert (err.field, err.row, err.rule) == (field, row, rule), str(err)
    assert err.code == "invalid_input" and isinstance(err, ValueError)


def test_options_must_be_a_dict_and_tables_dicts():
    with pytest.raises(mc.InputError) as info:
        mc.scorecard(LINE, None, None, None, None, options=[("as_of", 1)])
    assert info.value.field == "options"
    with pytest.raises(mc.InputError) as info:
        mc.scorecard(LINE, [1, 2], None, None, None)
    assert info.value.field == "acks"


def test_the_first_bad_row_is_reported_whatever_the_parallelism():
    n = 50_000
    lines = dict(id=list(range(1, n + 1)), vendor=[1] * n, ordered_at=[JAN] * n, promised_at=[JAN] * n,
                 qty=[1] * n, price=[1] * n)
    lines["qty"][40_001] = -1
    lines["qty"][30_007] = 0
    with pytest.raises(mc.InputError) as info:
        _call(lines=lines)
    assert (info.value.field, info.value.row) == ("lines.qty", 30_007)
    rec = dict(line=[1 + i % n for i in range(n)], at=[JAN] * n, qty=[1] * n, kind=["receipt"] * n)
    rec["line"][45_000] = n + 5
    rec["line"][20_000] = -3
    lines["qty"] = [1] * n
    with pytest.raises(mc.InputError) as info:
        _call(lines=lines, receipts=rec)
    assert (info.value.field, info.value.row, info.value.rule) == ("receipts.line", 20_000, "unknown_line")


# ---------------------------------------------------------------------------- parity

T0 = utc("2023-12-01")
QTYS = ["1", "2", "2.5", "4", "5", "6", "9.5", "10", "10.4", "12"]
PRICES = ["0", "9", "9.5", "10", "10.2", "10.5", "11", "12.345"]
# a made-up zone whose change falls on an event's instant and moves it to the next month
TZS = [[], NEW_YORK, BERLIN, [(0, 19_800)], [(0, -36_000)], [(0, 0), (utc("2024-01-31 23:30"), HOUR)]]
# instants near a local midnight, a month's end and the DST changes of both zones
SPECIAL = [utc("2024-01-31 23:30"), utc("2024-02-01 04:30"), utc("2024-02-29 22:30"), utc("2024-03-10 06:59"),
           utc("2024-03-10 07:00"), utc("2024-03-11 04:30"), utc("2024-03-31 00:59"), utc("2024-03-31 01:00"),
           utc("2024-03-31 22:30"), utc("2024-04-30 23:59")]


def times(draw, low=T0, days=200):
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.sampled_from(SPECIAL))
    if kind == 1:
        return draw(st.integers(low, low + days * DAY))
    hour = draw(st.sampled_from([0, 1, 5 * HOUR, 12 * HOUR, 22 * HOUR + 1800, 23 * HOUR + 1800, DAY - 1]))
    return low + draw(st.integers(0, days)) * DAY + hour


def number(draw, text: str):
    """A decimal in one of the forms callers use."""
    form = draw(st.integers(0, 3))
    if form == 1:
        return Decimal(text)
    if form == 2:
        return float(text)
    if form == 3 and Decimal(text) == Decimal(text).to_integral_value():
        return int(Decimal(text))
    return text


@st.composite
def worlds(draw):
    n = draw(st.integers(0, 12))
    ids = draw(st.lists(st.integers(1, 10**9), min_size=n, max_size=n, unique=True))
    vendors = draw(st.sampled_from([[1], [1, 2, 3], [5, 10**12]]))
    lines = {k: [] for k in ("id", "vendor", "category", "ordered_at", "sent_at", "promised_at", "qty", "price",
                             "contract_price", "cancelled")}
    for i in ids:
        ordered = times(draw, T0 - 30 * DAY, 120)
        lines["id"].append(i)
        lines["vendor"].append(draw(st.sampled_from(vendors)))
        lines["category"].append(draw(st.sampled_from([0, 5, 6])))
        lines["ordered_at"].append(ordered)
        lines["sent_at"].append(draw(st.sampled_from([0, ordered, ordered + HOUR])) if draw(st.booleans())
                                else times(draw))
        lines["promised_at"].append(0 if draw(st.integers(0, 9)) == 0 else times(draw))
        lines["qty"].append(number(draw, draw(st.sampled_from(QTYS))))
        lines["price"].append(number(draw, draw(st.sampled_from(PRICES))))
        lines["contract_price"].append(None if draw(st.booleans()) else number(draw, draw(st.sampled_from(PRICES))))
        lines["cancelled"].append(draw(st.integers(0, 7)) == 0)
    if draw(st.booleans()):
        del lines["contract_price"]
    tables = [lines, None, None, None, None]
    if ids:
        def event_table(k, cols, make):
            rows = draw(st.integers(0, 14))
            if rows == 0 and draw(st.booleans()):
                return
            t = {c: [] for c in cols}
            for _ in range(rows):
                for c, v in zip(cols, make(), strict=True):
                    t[c].append(v)
            tables[k] = t

        line = st.sampled_from(ids)
        pickings = st.sampled_from([0, 50, 51, 52])
        lots = st.sampled_from(["", "A", "B", None])
        event_table(1, ("line", "at", "promised_at", "status", "qty"), lambda: (
            draw(line), times(draw), 0 if draw(st.booleans()) else times(draw),
            draw(st.sampled_from(["accepted", "backordered", "substituted", "rejected"])),
            number(draw, draw(st.sampled_from(["0", *QTYS])))))
        event_table(2, ("line", "at", "qty", "kind", "picking", "lot"), lambda: (
            draw(line), times(draw), number(draw, draw(st.sampled_from(QTYS))),
            draw(st.sampled_from(["receipt", "receipt", "receipt", "return"])), draw(pickings), draw(lots)))
        event_table(3, ("line", "at", "picking", "lot", "qty"), lambda: (
            draw(line), times(draw), draw(pickings), draw(lots), number(draw, draw(st.sampled_from(QTYS)))))
        event_table(4, ("line", "at", "qty", "price", "first_pass"), lambda: (
            draw(line), times(draw), number(draw, draw(st.sampled_from(QTYS))),
            number(draw, draw(st.sampled_from(PRICES))), draw(st.sampled_from(["pass", "fail", "none"]))))
        # deliveries that keep their promise or nearly (near the promised day, the line's quantity, in one or
        # two parts, announced by a notice of the same picking and lot or not), so that every rate is reached
        for k, lid in enumerate(ids):
            promised = lines["promised_at"][k]
            if not promised or draw(st.integers(0, 2)) == 0:
                continue
            qty = Decimal(str(lines["qty"][k]))
            at = promised + draw(st.integers(-5, 2)) * DAY + draw(st.sampled_from([-HOUR, 0, 2 * HOUR]))
            picking, lot = draw(pickings), draw(lots)
            parts = [qty] if draw(st.booleans()) else [qty / 2, qty / 2 + draw(st.sampled_from([0, 1]))]
            if tables[2] is None:
                tables[2] = {c: [] for c in ("line", "at", "qty", "kind", "picking", "lot")}
            for j, q in enumerate(parts):
                for c, v in zip(tables[2], (lid, at + j * DAY * draw(st.integers(0, 3)), number(draw, str(q)),
                                            "receipt", picking, lot), strict=True):
                    tables[2][c].append(v)
            if picking and draw(st.booleans()):
                if tables[3] is None:
                    tables[3] = {c: [] for c in ("line", "at", "picking", "lot", "qty")}
                for c, v in zip(tables[3], (lid, at - DAY, picking, lot, number(draw, str(qty))), strict=True):
                    tables[3][c].append(v)
    options = {"as_of": times(draw, T0 + 30 * DAY, 170), "tz": draw(st.sampled_from(TZS)),
               "target": draw(st.sampled_from(["first_promised", "last_acknowledged"])),
               "early_days": draw(st.integers(0, 4)), "late_days": draw(st.integers(0, 2)),
               "qty_tolerance": draw(st.sampled_from(["0", "5", "10", "20"])),
               "price_tolerance": draw(st.sampled_from([0, "2.5", "5", 10])),
               "ack_hours": draw(st.sampled_from([0, 1, 24, 48])), "decay": draw(st.sampled_from([0.5, 0.7, 1.0])),
               "window": draw(st.sampled_from([1, 2, 3, 6])),
               "thresholds": draw(st.sampled_from([(90, 80, 65), (80.0, 60.5, 40), (50, 50, 50)])),
               "min_lines": draw(st.sampled_from([0, 1, 2, 5])), "by_category": draw(st.booleans())}
    if draw(st.booleans()):
        parts = draw(st.lists(st.integers(0, 5), min_size=8, max_size=8).filter(any))
        options["weights"] = {c: 100.0 * p / sum(parts) for c, p in zip(ref.COMPONENTS, parts, strict=True)
                              if p or draw(st.booleans())}
    return tables, {k: v for k, v in options.items() if draw(st.integers(0, 5)) or k == "as_of"}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_engine_scores_like_the_reference(world):
    tables, options = world
    assert_same(mc.scorecard(*tables, options=options), ref.scorecard(*tables, options=options))


def big_world(n: int, seed: int):
    """A larger world (past the engine's parallel thresholds) from a seeded generator."""
    rnd = random.Random(seed)
    t = lambda lo=T0, days=200: lo + rnd.randrange(days * DAY)  # noqa: E731
    lines = {k: [] for k in ("id", "vendor", "category", "ordered_at", "sent_at", "promised_at", "qty", "price",
                             "contract_price", "cancelled")}
    acks = {k: [] for k in ("line", "at", "promised_at", "status", "qty")}
    recs = {k: [] for k in ("line", "at", "qty", "kind", "picking", "lot")}
    asns = {k: [] for k in ("line", "at", "picking", "lot", "qty")}
    bills = {k: [] for k in ("line", "at", "qty", "price", "first_pass")}
    for i in range(n):
        lid = 3 * i + 1 if seed % 2 else rnd.randrange(1, 10**12)
        ordered = t(T0 - 30 * DAY, 150)
        lines["id"].append(lid)
        lines["vendor"].append(rnd.randrange(1, n // 40 + 2))
        lines["category"].append(rnd.choice([0, 1, 2, 3]))
        lines["ordered_at"].append(ordered)
        lines["sent_at"].append(ordered + rnd.randrange(3 * DAY) if rnd.random() < 0.7 else 0)
        promised = ordered + rnd.randrange(2 * DAY, 40 * DAY)
        lines["promised_at"].append(promised)
        qty = rnd.choice(QTYS)
        lines["qty"].append(qty)
        lines["price"].append(rnd.choice(PRICES))
        lines["contract_price"].append(rnd.choice([None, None, "9", "10"]))
        lines["cancelled"].append(rnd.random() < 0.03)
        for _ in range(rnd.choice([0, 1, 1, 2])):
            acks["line"].append(lid)
            acks["at"].append(ordered + rnd.randrange(4 * DAY))
            acks["promised_at"].append(promised + rnd.choice([0, DAY, 5 * DAY]) if rnd.random() < 0.6 else 0)
            acks["status"].append(rnd.choice(["accepted", "accepted", "backordered", "substituted"]))
            acks["qty"].append(qty)
        picking = rnd.randrange(1, n // 3 + 2)
        if rnd.random() < 0.5:
            asns["line"].append(lid)
            asns["at"].append(promised - rnd.randrange(3 * DAY))
            asns["picking"].append(picking)
            asns["lot"].append(rnd.choice(["", "L1", "L2"]))
            asns["qty"].append(qty)
        for _ in range(rnd.choice([0, 1, 1, 2])):
            recs["line"].append(lid)
            recs["at"].append(promised + rnd.randrange(-5 * DAY, 5 * DAY))
            recs["qty"].append(rnd.choice([qty, qty, "1", "4"]))
            recs["kind"].append("return" if rnd.random() < 0.05 else "receipt")
            recs["picking"].append(picking if rnd.random() < 0.8 else 0)
            recs["lot"].append(rnd.choice(["", "L1", "L2"]))
        if rnd.random() < 0.6:
            bills["line"].append(lid)
            bills["at"].append(promised + rnd.randrange(10 * DAY))
            bills["qty"].append(qty)
            bills["price"].append(rnd.choice(PRICES))
            bills["first_pass"].append(rnd.choice(["pass", "pass", "fail", "none"]))
    return [lines, acks, recs, asns, bills]


@pytest.mark.parametrize("seed", [1, 2])
def test_large_worlds_agree_with_the_reference(seed):
    tables = big_world(20_000, seed)
    options = {"as_of": utc("2024-05-15"), "tz": NEW_YORK, "target": "last_acknowledged", "qty_tolerance": 5,
               "price_tolerance": "2", "by_category": True}
    out = mc.scorecard(*tables, options=options)
    assert len(out["rows"]["vendor"]) > 1_000
    assert_same(out, ref.scorecard(*tables, options=options))
