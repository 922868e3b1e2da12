"""Reference for ``rust/scorecard``: supplier scorecards in plain Python.

Written from the contract (docs/engines.md "Supplier scorecards"), not from
the Rust: each line is taken on its own, its events filtered with list
comprehensions, each metric computed as the definition reads. Quantities and
prices are ``Decimal`` (compared exactly, in a context wide enough that no
product is rounded); times are UTC epoch seconds turned into the company's
local days and months through the ``tz`` transitions with ``datetime``.

Same input as ``medsync_core.scorecard`` (dicts of columns; the event tables
may be None), same output: ``rows`` (a dict of lists in the same column
order) and ``stats`` (the counters, without the timings).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import time
from decimal import Context, Decimal, localcontext
from zoneinfo import ZoneInfo

from . import numeric as num

EPOCH = dt.date(1970, 1, 1)
WIDE = Context(prec=120)

COMPONENTS = ["otif", "fill_rate", "ack_on_time", "asn_accuracy", "price_accuracy", "first_pass", "returns",
              "backorders"]
DEFAULT_WEIGHTS = {"otif": 30, "fill_rate": 15, "ack_on_time": 10, "asn_accuracy": 10, "price_accuracy": 15,
                   "first_pass": 10, "returns": 5, "backorders": 5}
COUNTS = ["lines_due", "lines_otif", "lines_filled", "lines_backordered", "lines_received", "lines_sent",
          "lines_acked", "lines_ack_on_time", "asn_groups", "asn_accurate", "bill_lines", "bill_accurate",
          "billed_over_po", "po_over_contract", "match_lines", "match_first_pass", "lines_returned"]
COLUMNS = ["vendor", "category", "month", "lines_due", "lines_otif", "lines_filled", "lines_backordered",
           "lines_received", "lead_time_days", "lead_time_std_days", "lines_sent", "lines_acked",
           "lines_ack_on_time", "ack_latency_hours", "asn_groups", "asn_accurate", "bill_lines", "bill_accurate",
           "billed_over_po", "po_over_contract", "match_lines", "match_first_pass", "lines_returned", "otif",
           "fill_rate", "backorder_rate", "ack_on_time", "asn_accuracy", "price_accuracy", "first_pass",
           "return_rate", "month_score", "score", "standing"]
FLOATS = {"lead_time_days", "lead_time_std_days", "ack_latency_hours", "otif", "fill_rate", "backorder_rate",
          "ack_on_time", "asn_accuracy", "price_accuracy", "first_pass", "return_rate", "month_score", "score"}


# ---------------------------------------------------------------------------- input

def _table(cols: dict | None, defaults: dict, decimals: set) -> list[dict]:
    """Rows of a dict of columns; a column left out takes its default, None
    in an integer column is 0, in a string column ''."""
    if not cols:
        return []
    n = len(next(iter(cols.values())))
    out = []
    for i in range(n):
        r = {"row": i}
        for k, default in defaults.items():
            v = cols[k][i] if k in cols else default
            if k in decimals:
                v = None if v is None else num.to_decimal(v)
            elif isinstance(default, bool):
                v = bool(v)
            elif isinstance(default, int):
                v = 0 if v is None else int(v)
            elif isinstance(default, str):
                v = "" if v is None else str(v).strip()
            r[k] = v
        out.append(r)
    return out


REQUIRED = object()


def read(lines, acks, receipts, asns, bills):
    return (
        _table(lines, {"id": 0, "vendor": 0, "category": 0, "ordered_at": 0, "sent_at": 0, "promised_at": 0,
                       "qty": REQUIRED, "price": REQUIRED, "contract_price": None, "cancelled": False},
               {"qty", "price", "contract_price"}),
        _table(acks, {"line": 0, "at": 0, "promised_at": 0, "status": "", "qty": REQUIRED}, {"qty"}),
        _table(receipts, {"line": 0, "at": 0, "qty": REQUIRED, "kind": "", "picking": 0, "lot": ""}, {"qty"}),
        _table(asns, {"line": 0, "at": 0, "picking": 0, "lot": "", "qty": REQUIRED}, {"qty"}),
        _table(bills, {"line": 0, "at": 0, "qty": REQUIRED, "price": REQUIRED, "first_pass": ""},
               {"qty", "price"}),
    )


def resolve(options: dict | None) -> dict:
    o = {"as_of": int(time.time()), "tz": [], "target": "first_promised", "early_days": 3, "late_days": 0,
         "qty_tolerance": Decimal(0), "price_tolerance": Decimal(0), "ack_hours": 24, "weights": DEFAULT_WEIGHTS,
         "decay": 0.7, "window": 6, "thresholds": (90.0, 80.0, 65.0), "min_lines": 5, "by_category": False}
    for k, v in (options or {}).items():
        if k not in o:
            raise ValueError(f"unknown option {k}")
        if v is not None:
            o[k] = v
    o["qty_tolerance"] = num.to_decimal(o["qty_tolerance"])
    o["price_tolerance"] = num.to_decimal(o["price_tolerance"])
    if options and options.get("weights") is not None:
        w = {c: 0.0 for c in COMPONENTS}
        w.update({k: float(v) for k, v in options["weights"].items()})
        if set(w) != set(COMPONENTS) or abs(sum(w.values()) - 100.0) > 1e-6:
            raise ValueError("weights must name components and sum to 100")
        o["weights"] = w
    return o


# ---------------------------------------------------------------------------- the clock

class Clock:
    def __init__(self, tz):
        self.starts = [int(a) for a, _ in tz]
        self.offsets = [int(b) for _, b in tz]

    def local(self, t: int) -> int:
        k = bisect.bisect_right(self.starts, t)
        return t + (self.offsets[k - 1] if k else 0)

    def day(self, t: int) -> int:
        return self.local(t) // 86400

    def month(self, t: int) -> tuple[int, int]:
        return month_of_day(self.day(t))


def month_of_day(day: int) -> tuple[int, int]:
    d = EPOCH + dt.timedelta(days=day)
    return (d.year, d.month)


def next_month(m: tuple[int, int]) -> tuple[int, int]:
    return (m[0] + 1, 1) if m[1] == 12 else (m[0], m[1] + 1)


# ---------------------------------------------------------------------------- the rules

def within(value: Decimal, target: Decimal, pct: Decimal) -> bool:
    """``value`` within ± ``pct`` % of ``target``."""
    with localcontext(WIDE):
        return abs(value - target) * 100 <= target * pct


def beyond(value: Decimal, base: Decimal, pct: Decimal) -> bool:
    """``value`` above ``base`` by more than ``pct`` % of ``base``."""
    with localcontext(WIDE):
        return (value - base) * 100 > base * pct


def scorecard(lines, acks=None, receipts=None, asns=None, bills=None, *, options=None) -> dict:
    o = resolve(options)
    L, A, R, S, B = read(lines, acks, receipts, asns, bills)
    clock = Clock(o["tz"])
    as_of = o["as_of"]
    as_of_day = clock.day(as_of)
    qtol, ptol = o["qty_tolerance"], o["price_tolerance"]
    by_id = {ln["id"]: ln for ln in L}
    for name, table in (("acks", A), ("receipts", R), ("asns", S), ("bills", B)):
        for e in table:
            if e["line"] not in by_id:
                raise ValueError(f"{name}.line[{e['row']}]: unknown line {e['line']}")

    def live(e):
        return e["at"] <= as_of and not by_id[e["line"]]["cancelled"]

    acks_of, moves_of, asns_of, bills_of = {}, {}, {}, {}
    for table, into in ((A, acks_of), (R, moves_of), (S, asns_of), (B, bills_of)):
        for e in table:
            if live(e):
                into.setdefault(e["line"], []).append(e)

    # the first ship notice of every picking, over every line's kept notices
    first_notice = {}
    for e in S:
        if live(e) and e["picking"]:
            p = e["picking"]
            first_notice[p] = min(first_notice.get(p, e["at"]), e["at"])

    counters = {}  # (vendor, category, (year, month)) -> dict

    def add(line, month, **what):
        cats = [0]
        if o["by_category"] and line["category"]:
            cats.append(line["category"])
        for c in cats:
            k = (line["vendor"], c, month)
            if k not in counters:
                counters[k] = {name: 0 for name in COUNTS} | {"lead": [], "latency": []}
            cell = counters[k]
            for name, v in what.items():
                if name in ("lead", "latency"):
                    cell[name].append(v)
                else:
                    cell[name] += int(v)

    for line in L:
        if line["cancelled"]:
            continue
        lid, qty = line["id"], line["qty"]
        my_acks = acks_of.get(lid, [])
        my_moves = moves_of.get(lid, [])
        got = [m for m in my_moves if m["kind"] == "receipt"]
        first_at = min((m["at"] for m in got), default=None)
        first_qty = sum((m["qty"] for m in got if m["at"] == first_at), Decimal(0))

        # the target day: first promised, or the last acknowledged promise
        target = line["promised_at"]
        if o["target"] == "last_acknowledged":
            promises = [a for a in my_acks if a["promised_at"]]
            if promises:
                target = max(promises, key=lambda a: (a["at"], a["row"]))["promised_at"]
        if target:
            tday = clock.day(target)
            if tday + o["late_days"] < as_of_day:
                lo, hi = tday - o["early_days"], tday + o["late_days"]
                on_time = sum((m["qty"] for m in got if lo <= clock.day(m["at"]) <= hi), Decimal(0))
                with localcontext(WIDE):
                    filled = bool(got) and first_qty * 100 >= qty * (100 - qtol)
                later = any(m["at"] > first_at for m in got)
                backordered = any(a["status"] == "backordered" for a in my_acks) or (bool(got) and not filled
                                                                                      and later)
                add(line, month_of_day(tday), lines_due=1, lines_otif=within(on_time, qty, qtol),
                    lines_filled=filled, lines_backordered=backordered)

        if got:
            returned = any(m["kind"] == "return" for m in my_moves)
            add(line, clock.month(first_at), lines_received=1, lead=first_at - line["ordered_at"],
                lines_returned=returned)

        sent = line["sent_at"]
        if sent and sent <= as_of:
            first_ack = min((a["at"] for a in my_acks), default=None)
            if first_ack is not None:
                late = first_ack - sent > o["ack_hours"] * 3600
                add(line, clock.month(sent), lines_sent=1, lines_acked=1, lines_ack_on_time=not late,
                    latency=first_ack - sent)
            elif sent + o["ack_hours"] * 3600 < as_of:
                add(line, clock.month(sent), lines_sent=1)

        # ship notice groups: (picking, lot) of this line
        groups = {}
        for e in asns_of.get(lid, []):
            g = groups.setdefault((e["picking"], e["lot"]), {"announced": Decimal(0), "received": Decimal(0),
                                                              "first": e["at"]})
            g["announced"] += e["qty"]
            g["first"] = min(g["first"], e["at"])
        for m in got:
            if m["picking"] and m["picking"] in first_notice:
                g = groups.setdefault((m["picking"], m["lot"]), {"announced": Decimal(0), "received": Decimal(0),
                                                                  "first": None})
                g["received"] += m["qty"]
        for (picking, _lot), g in groups.items():
            when = first_notice[picking] if picking else g["first"]
            accurate = g["announced"] > 0 and g["received"] > 0 and within(g["received"], g["announced"], qtol)
            add(line, clock.month(when), asn_groups=1, asn_accurate=accurate)

        # bill lines
        po, contract = line["price"], line["contract_price"]
        expected = po if contract is None else contract
        for b in bills_of.get(lid, []):
            matched = b["first_pass"] in ("pass", "fail")
            add(line, clock.month(b["at"]), bill_lines=1, bill_accurate=within(b["price"], expected, ptol),
                billed_over_po=beyond(b["price"], po, ptol),
                po_over_contract=contract is not None and beyond(po, contract, ptol),
                match_lines=matched, match_first_pass=b["first_pass"] == "pass")

    rows = _rows(counters, o)
    kept = sum(len(v) for d in (acks_of, moves_of, asns_of, bills_of) for v in d.values())
    stats = {"lines": len(L), "cancelled": sum(1 for ln in L if ln["cancelled"]),
             "acks": sum(map(len, acks_of.values())), "receipts": sum(map(len, moves_of.values())),
             "asns": sum(map(len, asns_of.values())), "bills": sum(map(len, bills_of.values())),
             "ignored": len(A) + len(R) + len(S) + len(B) - kept, "vendors": len(set(rows["vendor"])),
             "pickings": len(first_notice), "rows": len(rows["vendor"])}
    return {"rows": rows, "stats": stats}


# ---------------------------------------------------------------------------- rates and scores

def pct(a: int, b: int):
    return None if b == 0 else 100.0 * a / b


def _rows(counters: dict, o: dict) -> dict:
    out = {c: [] for c in COLUMNS}
    weights = [float(o["weights"][c]) for c in COMPONENTS]
    excellent, good, poor = o["thresholds"]
    series = {}
    for vendor, category, month in counters:
        series.setdefault((vendor, category), []).append(month)
    for vendor, category in sorted(series):
        months = series[(vendor, category)]
        m, last = min(months), max(months)
        history = []  # (month score, lines due) of every month so far
        while True:
            c = counters.get((vendor, category, m)) or {name: 0 for name in COUNTS} | {"lead": [], "latency": []}
            rates = {
                "otif": pct(c["lines_otif"], c["lines_due"]),
                "fill_rate": pct(c["lines_filled"], c["lines_due"]),
                "backorder_rate": pct(c["lines_backordered"], c["lines_due"]),
                "ack_on_time": pct(c["lines_ack_on_time"], c["lines_sent"]),
                "asn_accuracy": pct(c["asn_accurate"], c["asn_groups"]),
                "price_accuracy": pct(c["bill_accurate"], c["bill_lines"]),
                "first_pass": pct(c["match_first_pass"], c["match_lines"]),
                "return_rate": pct(c["lines_returned"], c["lines_received"]),
            }
            comps = [rates["otif"], rates["fill_rate"], rates["ack_on_time"], rates["asn_accuracy"],
                     rates["price_accuracy"], rates["first_pass"],
                     None if rates["return_rate"] is None else 100.0 - rates["return_rate"],
                     None if rates["backorder_rate"] is None else 100.0 - rates["backorder_rate"]]
            num_, den = 0.0, 0.0
            for value, w in zip(comps, weights, strict=True):
                if value is not None and w > 0:
                    num_ += w * value
                    den += w
            month_score = num_ / den if den > 0 else None
            history.append((month_score, c["lines_due"]))

            # the decayed score over the window, the standing
            snum, sden, factor, due = 0.0, 0.0, 1.0, 0
            for ms, d in reversed(history[-o["window"]:]):
                if ms is not None:
                    snum += factor * ms
                    sden += factor
                due += d
                factor *= o["decay"]
            score = snum / sden if sden > 0 else None
            if score is None or due < o["min_lines"]:
                standing = "not_rated"
            elif score >= excellent:
                standing = "excellent"
            elif score >= good:
                standing = "good"
            elif score >= poor:
                standing = "poor"
            else:
                standing = "very_poor"

            leads, lat = c["lead"], c["latency"]
            n = len(leads)
            row = {"vendor": vendor, "category": category, "month": f"{m[0]:04d}-{m[1]:02d}",
                   **{k: c[k] for k in COUNTS},
                   "lead_time_days": sum(leads) / n / 86400 if n else None,
                   "lead_time_std_days": (math.sqrt(n * sum(x * x for x in leads) - sum(leads) ** 2) / n / 86400
                                          if n else None),
                   "ack_latency_hours": sum(lat) / len(lat) / 3600 if lat else None,
                   **rates, "month_score": month_score, "score": score, "standing": standing}
            for k in COLUMNS:
                out[k].append(row[k])
            if m == last:
                break
            m = next_month(m)
    return out


def transitions(name: str, start: int, end: int) -> list[tuple[int, int]]:
    """The ``tz`` option a caller builds for a zoneinfo zone between two
    instants: the offset at ``start``, then every change, found to the second."""
    zone = ZoneInfo(name)
    hour = 3600

    def offset(t: int) -> int:
        return int(dt.datetime.fromtimestamp(t, zone).utcoffset().total_seconds())

    out = [(start, offset(start))]
    t = start
    while t < end:
        if offset(t + hour) != offset(t):
            lo, hi = t, t + hour
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            out.append((hi, offset(hi)))
        t += hour
    return out
