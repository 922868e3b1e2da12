"""Inventory reconciliation: medsync_core.reconcile_stock against the plain-Python reference.

    python benches/bench_reconcile.py --size 1000000 --reference-size 20000

A deterministic world of N keys over N/1000 locations: N quants, 2 N done move
lines (a receipt and an issue per key; 10 % of the issues after the snapshot
time, 1 % within the timing window), N snapshot rows as a full snapshot of
every location. Planted in it: counting differences (over, under), counts in
boxes of 12 (a UoM error unless the row says BX), lot swaps, keys missing on
either side, integrity drift and negative quants, expired lots, unknown codes.
The reference runs on a --reference-size world from the same generator; the
engine is timed on both sizes and both results are asserted equal on the small
one.
"""

from array import array

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import reconcile as ref

AS_OF = 20_400 * 86_400 + 10 * 3600
DAY = 86_400


def _gtin(n: int) -> str:
    body = f"{n:013d}"
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def world(n: int, seed: int = 0):
    n_loc = max(2, n // 1000)
    n_prod = n // n_loc + 1
    locations = {"location_id": [100 + i for i in range(n_loc)], "code": [f"BIN-{i:05d}" for i in range(n_loc)],
                 "counted": [True] * n_loc}
    products = {"product_id": list(range(1, n_prod + 1)), "category_id": [p % 20 + 1 for p in range(1, n_prod + 1)],
                "risk_class": [p % 3 for p in range(1, n_prod + 1)],
                "cost": [round(0.5 + (p * 37 % 1000) / 10, 2) for p in range(1, n_prod + 1)],
                "rounding": [1.0 if p % 4 else 0.01 for p in range(1, n_prod + 1)]}
    codes = {"kind": [], "code": [], "product_id": [], "factor": []}
    for p in range(1, n_prod + 1):
        codes["kind"] += ["ref", "gtin"]
        codes["code"] += [f"P{p:06d}", _gtin(10_000_000 + p)]
        codes["product_id"] += [p, p]
        codes["factor"] += [1.0, 12.0]  # the GTIN is the box of 12
    packs = {"product_id": [0], "unit": ["BX"], "factor": [12.0]}
    lots = {"lot_id": [], "product_id": [], "name": [], "expiry": []}
    for p in range(3, n_prod + 1, 3):
        for k in (0, 1):
            lots["lot_id"].append(p * 10 + k)
            lots["product_id"].append(p)
            lots["name"].append(f"L{p}-{k}")
            lots["expiry"].append(20_300 + (p * 7 + k * 90) % 400)
    quants = {"location_id": [], "product_id": [], "lot_id": [], "qty": []}
    moves = {"location_id": [], "location_dest_id": [], "product_id": [], "lot_id": [], "qty": [], "date": []}
    snapshot = {"location_code": [], "product_code": [], "code_kind": [], "lot": [], "qty": [], "unit": []}
    for k in range(n):
        h = ((k + seed * 7919) * 2654435761) & 0xFFFFFFFF
        loc_i, prod = k % n_loc, k // n_loc + 1
        loc = 100 + loc_i
        lot = prod * 10 + (k // n_loc // n_prod) % 2 if prod % 3 == 0 else 0
        received = float(h % 200 + 20)
        issued = float(h % 19)
        issue_date = AS_OF + (DAY if h % 10 == 0 else (600 if h % 100 == 1 else -5 * DAY))
        moves["location_id"] += [1, loc]
        moves["location_dest_id"] += [loc, 2]
        moves["product_id"] += [prod, prod]
        moves["lot_id"] += [lot, lot]
        moves["qty"] += [received, issued]
        moves["date"] += [AS_OF - 30 * DAY, issue_date]
        quant = received - issued
        if h % 200 == 3:
            quant += 2.0  # integrity drift
        if h % 500 == 7:
            quant = -3.0  # negative quant
        quants["location_id"].append(loc)
        quants["product_id"].append(prod)
        quants["lot_id"].append(lot)
        quants["qty"].append(quant)
        at_snapshot = received - (issued if issue_date <= AS_OF else 0.0)
        if h % 100 == 5:
            continue  # not counted: missing externally
        counted, code, kind, unit = at_snapshot, f"P{prod:06d}", "ref", ""
        if h % 100 == 1:
            counted = received - issued  # counted just after an issue 10 minutes past the snapshot time: timing
        elif h % 20 == 1:
            counted += 1.0  # over
        elif h % 20 == 2:
            counted = max(0.0, counted - 2.0)  # under
        elif h % 50 == 9 and counted % 12 == 0:
            counted, code, kind = counted / 12, _gtin(10_000_000 + prod), "gtin"  # counted in boxes of the GTIN
        elif h % 50 == 11 and counted % 12 == 0:
            counted = counted / 12  # eaches where boxes were meant: UoM error
        elif h % 50 == 13 and counted % 12 == 0:
            counted, unit = counted / 12, "BX"
        if h % 1000 == 17:
            code = f"X{prod}"  # unknown product code
        if h % 10 == 4 and counted > 0:
            counted += 0.5
        lot_name = f"L{prod}-{lot % 10}" if lot else ""
        if lot and h % 40 == 6:
            lot_name = f"L{prod}-NEW"  # a lot Odoo does not know
        snapshot["location_code"].append(f"BIN-{loc_i:05d}")
        snapshot["product_code"].append(code)
        snapshot["code_kind"].append(kind)
        snapshot["lot"].append(lot_name)
        snapshot["qty"].append(counted)
        snapshot["unit"].append(unit)
        if h % 300 == 8:  # stock the cabinet holds and Odoo does not know of
            snapshot["location_code"].append(f"BIN-{loc_i:05d}")
            snapshot["product_code"].append(f"P{prod:06d}")
            snapshot["code_kind"].append("ref")
            snapshot["lot"].append("FOUND")
            snapshot["qty"].append(float(h % 5 + 1))
            snapshot["unit"].append("")
    return dict(snapshot=snapshot, locations=locations, codes=codes, products=products, packs=packs, lots=lots,
                quants=quants, moves=moves)


NUMERIC = {"d": {"qty", "factor", "cost", "rounding"},
           "q": {"location_id", "location_dest_id", "product_id", "lot_id", "date", "category_id", "risk_class"}}
RULES = {"rule_id": [1, 2, 3], "location_id": [0, 0, 101], "category_id": [0, 5, 0], "risk_class": [0, 0, 0],
         "auto_qty": [2, None, 1], "auto_pct": [5, 1, None], "auto_value": [None, 50, None],
         "four_eyes_value": [1000, 500, None]}


def as_buffers(tables):
    """Numeric columns as typed arrays, as a bulk caller hands them over."""
    out = {}
    for name, cols in tables.items():
        out[name] = {col: (array(code, v) if (code := next((c for c, s in NUMERIC.items() if col in s), None))
                           else v) for col, v in cols.items()}
    return out


def main():
    p = parser("reconcile", 1_000_000)
    p.set_defaults(reference_size=20_000)
    args = p.parse_args()
    m = args.reference_size or args.size
    opts = dict(rules=RULES, as_of=AS_OF, full=True)
    big = as_buffers(world(args.size))
    native_s, out = best_of(args.repeat, lambda: mc.reconcile_stock(**big, **opts))
    small_lists = world(m)
    small = as_buffers(small_lists)
    native_ref_s, out_small = best_of(args.repeat, lambda: mc.reconcile_stock(**small, **opts))
    reference_s, expected = best_of(1, lambda: ref.reconcile_stock(**small_lists, **opts))
    for col in ("class", "approval", "lot_name"):
        assert list(out_small["keys"][col]) == expected["keys"][col], f"{col} differs"
    for col in ("diff", "value", "odoo_qty", "drift"):
        assert all(abs(a - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
                   for a, b in zip(out_small["keys"][col], expected["keys"][col], strict=True)), f"{col} differs"
    assert list(out_small["rows"]["key"]) == [-1 if k is None else k for k in expected["rows"]["key"]]
    classes = {}
    for c in out["keys"]["class"]:
        classes[c] = classes.get(c, 0) + 1
    st = out["stats"]
    emit("reconcile", args.size, native_s, reference_s, native_ref_s=native_ref_s, reference_size=m,
         engine_s=round(st["engine_s"], 6), convert_s=round(st["convert_s"], 6), read_s=round(st["read_s"], 6),
         build_s=round(st["build_s"], 6), snapshot_rows=len(big["snapshot"]["qty"]),
         quants=len(big["quants"]["qty"]), move_lines=len(big["moves"]["qty"]), keys=len(out["keys"]["class"]),
         classes=classes, negative=sum(out["keys"]["negative"]), expired=sum(out["keys"]["expired"]),
         drift=sum(1 for d in out["keys"]["drift"] if d))


if __name__ == "__main__":
    main()
