"""Cabinet consumption: medsync_core.consumption against the plain-Python reference.

    python benches/bench_consumption.py --size 1000000 --reference-size 20000

A deterministic batch of N events posted within the hour by 50 supply
cabinets (half named by their location code, half by their GLN) over 5,000
products: one product in ten lot-tracked (three lots each), every product
with a reference, a vendor code and a box GTIN of 10, one in five with an
HIBC code. Events name their product by reference (with or without
code_kind), vendor code, GTIN (of the box), GS1 element string (GTIN,
expiry, lot; a serial number on one in three, so that those strings are
all different) or HIBC bar code (lot and expiry), some counted in boxes;
85 % issues, then returns, waste and restocks, over 30 departments. Planted:
1 % duplicates (an event sent again), 1 % late (two hours before the
batch), 1 % unknown products, and a few unknown cabinets, bad units, unknown
lots, zero quantities and expired lots.

Printed: ``engine_s`` (the engine alone, GIL released, best run),
``native_s`` (the whole call: reading the columns, the engine, building the
lists), and ``speedup``, the reference's time over the whole call on
``--reference-size`` events of the same generator (both timed in this run,
every output column asserted equal first).
"""

import statistics

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import consumption as ref
from tests.reference.barcode import hibc_check

TODAY = "2026-06-01"
BASE = 20_605 * 86_400 + 9 * 3600  # 2026-06-01 09:00 UTC
CABINETS = 50
PRODUCTS = 5_000
TARGETS = {"engine_s": 1.0}


def mix(x: int) -> int:
    """A 32-bit integer hash (deterministic data without a random generator)."""
    x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def gtin(n: int) -> str:
    body = f"{n:013d}"
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def gln(k: int) -> str:
    return gtin(5_412_345_000_000 // 10 + k)[1:]


def masters():
    locations = {"location_id": [], "code": []}
    for k in range(CABINETS):
        locations["location_id"] += [100 + k, 100 + k]
        locations["code"] += [f"CAB-{k:02d}", gln(k)]
    products = {"product_id": list(range(1, PRODUCTS + 1)),
                "rounding": ["1" if p % 4 else "0.01" for p in range(1, PRODUCTS + 1)],
                "tracked": [p % 10 == 0 for p in range(1, PRODUCTS + 1)]}
    codes = {"kind": [], "code": [], "product_id": [], "factor": []}
    for p in range(1, PRODUCTS + 1):
        codes["kind"] += ["ref", "vendor", "gtin"]
        codes["code"] += [f"P{p:05d}", f"V-{p * 7:06d}", gtin(40_000_000 + p)]
        codes["product_id"] += [p, p, p]
        codes["factor"] += ["1", "1", "10"]
        if p % 5 == 0:
            codes["kind"].append("hibc")
            codes["code"].append(f"H123{p:05d}0")
            codes["product_id"].append(p)
            codes["factor"].append("1")
    packs = {"product_id": [0], "unit": ["BX"], "factor": ["10"]}
    lots = {"lot_id": [], "product_id": [], "name": [], "expiry": []}
    for p in range(10, PRODUCTS + 1, 10):
        for k in range(3):
            lots["lot_id"].append(p * 10 + k)
            lots["product_id"].append(p)
            lots["name"].append(f"L{p}-{k}")
            lots["expiry"].append("2026-05-20" if k == 0 and p % 70 == 0 else f"2027-{k + 1:02d}-15")
    recalls = {"product_id": [30, 500], "lot": ["L30-1", ""]}
    return dict(locations=locations, codes=codes, products=products, packs=packs, lots=lots, recalls=recalls)


def world(n: int, seed: int = 0):
    cols = ("cabinet", "event_id", "time", "product", "code_kind", "lot", "expiry", "qty", "unit", "kind",
            "department")
    ev = {c: [] for c in cols}
    add = [ev[c].append for c in cols]
    kinds = ["issue"] * 85 + ["return"] * 8 + ["waste"] * 5 + ["restock"] * 2
    for k in range(n):
        h = mix(k + seed * 1_000_003)
        cab = h % CABINETS
        p = mix(h) % PRODUCTS + 1
        tracked = p % 10 == 0
        lot = f"L{p}-{h % 3}" if tracked else ""
        cabinet = f"CAB-{cab:02d}" if cab % 2 else gln(cab)
        qty, unit, expiry, kind_code = 1, "", "", ""
        r = h >> 8 & 0xFF
        if r < 100:
            product, kind_code = f"P{p:05d}", "" if r % 2 else "ref"
        elif r < 140:
            product, kind_code = f"V-{p * 7:06d}", "" if r % 2 else "vendor"
        elif r < 190:
            product, kind_code = gtin(40_000_000 + p), "" if r % 2 else "gtin"
            qty = 1 if r % 3 else "0.5"  # a box of 10, or half of one
        elif r < 230 or (p % 5 and r >= 230):
            serial = f"(21)S{k}" if r % 3 == 0 else ""
            lot_part = f"(10){lot}" if tracked else ""
            product = f"(01){gtin(40_000_000 + p)}(17)27{h % 12 + 1:02d}15{lot_part}{serial}"
            kind_code, lot = ("gs1" if r % 2 else ""), ""
        else:
            product = f"+H123{p:05d}0/$$327{h % 12 + 1:02d}15{lot if tracked else ''}"
            product += hibc_check(product)
            kind_code, lot = ("hibc" if r % 2 else ""), ""
        if h % 7 == 0 and r < 140:
            qty, unit = 2, "BX"
        if tracked and lot and h % 11 == 0:
            expiry = "2027-02-15"
        time = BASE + h % 3000
        q = h >> 16 & 0x3FF
        if q < 10:
            time = BASE - 7200  # late: two hours before the batch
        elif q < 20:
            product = f"X{p}"  # unknown product
        elif q == 20:
            cabinet = "CAB-99"
        elif q == 21:
            unit = "CS"
        elif q == 22:
            qty = "0"
        elif q == 23 and tracked:
            lot, product, kind_code = f"L{p}-NEW", f"P{p:05d}", ""
        event_id = f"{cab}-{k}"
        for f, v in zip(add, (cabinet, event_id, time, product, kind_code, lot, expiry, qty, unit,
                              kinds[h % 100], f"D{h % 30:02d}" if h % 5 else ""), strict=True):
            f(v)
        if q >= 1014:  # sent again
            for c in cols:
                ev[c].append(ev[c][-1])
    return dict(events=ev, **masters())


def main():
    p = parser("consumption", 1_000_000)
    p.set_defaults(reference_size=20_000)
    args = p.parse_args()
    m = args.reference_size or args.size

    small = world(m)
    native_ref_s, out_small = best_of(args.repeat, lambda: mc.consumption(**small, today=TODAY))
    reference_s, expected = best_of(1, lambda: ref.consumption(**small, today=TODAY))
    for part in ("events", "groups"):
        for col, values in expected[part].items():
            assert out_small[part][col] == values, (part, col)
    assert out_small["stats"] == expected["stats"]

    big = world(args.size)
    runs = []

    def once():
        out = mc.consumption(**big, today=TODAY)
        runs.append(out["engine_s"])
        return out

    native_s, out = best_of(args.repeat, once)
    st = out["stats"]
    statuses = {}
    for s in out["events"]["status"]:
        statuses[s] = statuses.get(s, 0) + 1
    engine_s = min(runs)
    emit("consumption", args.size, native_s, reference_s, native_ref_s=native_ref_s, reference_size=m,
         engine_s=round(engine_s, 6), engine_s_median=round(statistics.median(runs), 6),
         engine_s_first=round(runs[0], 6), repeat=len(runs), events=len(big["events"]["qty"]),
         statuses=statuses, **{k: st[k] for k in ("mapped", "duplicates", "unmapped", "expired", "recalled",
                                                  "groups", "late")},
         targets={"engine_s": f"< {TARGETS['engine_s']}"}, targets_met={"engine_s": engine_s < TARGETS["engine_s"]})


if __name__ == "__main__":
    main()
