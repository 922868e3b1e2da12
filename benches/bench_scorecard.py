"""Supplier scorecards: medsync_core.scorecard against the plain-Python reference.

    python benches/bench_scorecard.py --size 2000000 --reference-size 20000

A deterministic world of N purchase order lines over 12 months (2024) for
N/1000 vendors (2,000 for two million lines) of four grades, 20 categories,
and their events: one acknowledgement per line sent through the hub (80 %),
a second one with a new promise (kept) for one line in nine, backorders;
receipts around the promised day (late for 5 % to 50 % of the lines by the
vendor's grade), one line in ten in two parts, one in forty with a return;
ship notices for 60 % of the lines, three lines a picking, some over or with
a lot; a bill line for two lines in three, some above the PO or contract
price, with its first match result; 2 % of the lines cancelled. The company
is in New York (DST); judged on 2025-01-15 against the last acknowledged
promise, by category too.

Printed: ``engine_s`` (the engine alone, from the output, best run),
``native_s`` (the whole call: reading the columns, converting, the engine,
the rows), and the ratio against the reference on ``--reference-size``
lines (the same generator; both timed in this run, their rows asserted
equal first).
"""

import datetime as dt
import math
import statistics
from array import array

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import scorecard as ref

DAY, HOUR = 86_400, 3_600
BASE = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
AS_OF = int(dt.datetime(2025, 1, 15, tzinfo=dt.UTC).timestamp())


def new_york() -> list[tuple[int, int]]:
    """New York's offsets from 2023-12-01 to 2025-02-01 (the ``tz`` option)."""
    return ref.transitions("America/New_York", BASE - 31 * DAY, AS_OF + 31 * DAY)


def mix(x: int) -> int:
    """A 32-bit integer hash (so that every vendor gets its share of each case)."""
    x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def world(n: int):
    vendors = max(1, n // 1_000)
    q, d = "q", "d"
    lines = {"id": array(q), "vendor": array(q), "category": array(q), "ordered_at": array(q),
             "sent_at": array(q), "promised_at": array(q), "qty": array(d), "price": array(d),
             "contract_price": [], "cancelled": []}
    acks = {"line": array(q), "at": array(q), "promised_at": array(q), "status": [], "qty": array(d)}
    receipts = {"line": array(q), "at": array(q), "qty": array(d), "kind": [], "picking": array(q), "lot": []}
    asns = {"line": array(q), "at": array(q), "picking": array(q), "lot": [], "qty": array(d)}
    bills = {"line": array(q), "at": array(q), "qty": array(d), "price": array(d), "first_pass": []}
    lots = [""] * 40 + [f"L{k:03d}" for k in range(10)]
    for i in range(n):
        h = mix(i)
        g = mix(i + 0x9E3779B9) & 0xFFFF
        lid = 1_000_000 + i
        ordered = BASE + (h % 350) * DAY + (g % 20) * HOUR
        promised = ordered + (5 + h % 23) * DAY
        qty = float(h % 40 + 1)
        price = round(1 + (h % 9000) / 100, 2)
        contract = round(price * 0.97, 2) if h % 7 == 0 else None
        lines["id"].append(lid)
        lines["vendor"].append(i % vendors + 1)
        lines["category"].append(g % 20 + 1)
        lines["ordered_at"].append(ordered)
        sent = ordered + HOUR if h % 10 < 8 else 0
        lines["sent_at"].append(sent)
        lines["promised_at"].append(promised)
        lines["qty"].append(qty)
        lines["price"].append(price)
        lines["contract_price"].append(contract)
        lines["cancelled"].append(h % 50 == 0)
        if sent:
            acks["line"].append(lid)
            acks["at"].append(sent + (g % 30) * HOUR)
            acks["promised_at"].append(promised if g % 3 else 0)
            acks["status"].append("backordered" if h % 23 == 0 else "accepted")
            acks["qty"].append(qty)
            if h % 9 == 0:
                acks["line"].append(lid)
                acks["at"].append(sent + 3 * DAY)
                acks["promised_at"].append(promised + 4 * DAY)
                acks["status"].append("accepted")
                acks["qty"].append(qty)
        picking = 5_000_000 + i // 3
        lot = lots[g % 50]
        # 19, 17, 14 or 10 in 20 inside the window by the vendor's grade (up to two days early), the others
        # one to nine days late
        late = (h >> 8) % 20
        on_time = late < (19, 17, 14, 10)[mix(i % vendors) % 4]
        kept = promised + 4 * DAY if sent and h % 9 == 0 else promised  # a new promise is kept as well
        arrived = kept + (-(late % 3) if on_time else 1 + late % 9) * DAY - (g % 4) * HOUR
        if h % 10 == 0:
            parts = [(arrived, qty - qty // 2), (arrived + (3 + g % 10) * DAY, qty // 2)]
        else:
            parts = [(arrived, qty - (1 if h % 29 == 0 else 0) if qty > 1 else qty)]
        for at, part in parts:
            if part <= 0:
                continue
            receipts["line"].append(lid)
            receipts["at"].append(at)
            receipts["qty"].append(part)
            receipts["kind"].append("receipt")
            receipts["picking"].append(picking if h % 5 < 4 else 0)
            receipts["lot"].append(lot)
        if h % 40 == 0:
            receipts["line"].append(lid)
            receipts["at"].append(arrived + 10 * DAY)
            receipts["qty"].append(1.0)
            receipts["kind"].append("return")
            receipts["picking"].append(0)
            receipts["lot"].append(lot)
        if h % 5 < 3:
            asns["line"].append(lid)
            asns["at"].append(arrived - 2 * DAY)
            asns["picking"].append(picking)
            asns["lot"].append(lot)
            asns["qty"].append(qty + (1 if g % 17 == 0 else 0))
        if h % 3:
            bills["line"].append(lid)
            bills["at"].append(arrived + (g % 15) * DAY)
            bills["qty"].append(qty)
            bills["price"].append(round(price * (1.03 if g % 11 == 0 else 1.0), 2))
            bills["first_pass"].append("pass" if g % 8 else ("fail" if g % 16 else "none"))
    return lines, acks, receipts, asns, bills


OPTIONS = {"as_of": AS_OF, "target": "last_acknowledged", "qty_tolerance": 2, "price_tolerance": "1",
           "by_category": True}


def as_lists(tables):
    return [{k: list(v) for k, v in t.items()} for t in tables]


def _same(got: dict, want: dict) -> None:
    assert list(got["rows"]) == ref.COLUMNS
    for col in ref.COLUMNS:
        for a, b in zip(got["rows"][col], want["rows"][col], strict=True):
            if col in ref.FLOATS and b is not None:
                assert a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (col, a, b)
            else:
                assert a == b, (col, a, b)
    assert {k: got["stats"][k] for k in want["stats"]} == want["stats"]


def main():
    p = parser("scorecard", 2_000_000)
    p.set_defaults(reference_size=20_000)
    args = p.parse_args()
    m = args.reference_size or args.size
    options = dict(OPTIONS, tz=new_york())
    big = world(args.size)
    runs = []

    def once():
        out = mc.scorecard(*big, options=options)
        runs.append((out["engine_s"], out["stats"]))
        return out

    native_s, out = best_of(args.repeat, once)
    small = world(m)
    native_ref_s, out_small = best_of(args.repeat, lambda: mc.scorecard(*small, options=options))
    small_lists = as_lists(small)
    reference_s, expected = best_of(1, lambda: ref.scorecard(*small_lists, options=options))
    _same(out_small, expected)

    engine_s, st = min(runs, key=lambda r: r[0])
    rows = out["rows"]
    standings = {}
    for s in rows["standing"]:
        standings[s] = standings.get(s, 0) + 1
    emit("scorecard", args.size, native_s, reference_s, native_ref_s=native_ref_s, reference_size=m,
         engine_s=round(engine_s, 6), engine_s_median=round(statistics.median(r[0] for r in runs), 6),
         engine_s_first=round(runs[0][0], 6), repeat=len(runs),
         **{k: round(st[k], 6) for k in ("check_s", "group_s", "score_s", "read_s", "convert_s", "build_s")},
         vendors=st["vendors"], acks=st["acks"], receipts=st["receipts"], asns=st["asns"], bills=st["bills"],
         ignored=st["ignored"], rows=st["rows"], standings=standings)  # fmt: skip


if __name__ == "__main__":
    main()
