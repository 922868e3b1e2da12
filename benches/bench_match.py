"""Three-way matching: medsync_core.match_bills against the plain-Python reference.

    python benches/bench_match.py --size 1000000 --reference-size 20000

A deterministic world of N bill lines over N/50 vendors: N purchase order lines,
1.5 N receipt rows (half the lines received in two parts, some returns), 20 % of
the lines without a PO link (allocated by the engine), price and quantity
variances, boxes of 12, discounts, a second currency, credit notes, bills
billed elsewhere, contract prices, tolerance rules at company, vendor and
product level, and near-duplicate bills. The reference runs on the first
--reference-size rows' world (the same generator, same rules); the engine is
timed on both sizes, and both results are asserted equal on the small one.
"""

import statistics
from array import array

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import matching as ref


def world(n: int):
    vendors = max(1, n // 50)
    lines = {k: [] for k in ["line_id", "bill_id", "vendor_id", "company_id", "product_id", "category_id", "kind",
                             "qty", "uom_ratio", "price_unit", "discount", "currency_id", "rate", "date",
                             "po_line_id", "is_refund"]}
    po = {k: [] for k in ["po_line_id", "vendor_id", "product_id", "order_date", "qty_ordered", "price_unit",
                          "discount", "uom_ratio", "currency_id", "rate"]}
    receipts = {"po_line_id": [], "qty": [], "date": []}
    billed = {"po_line_id": [], "bill_id": [], "date": [], "qty": []}
    for i in range(n):
        h = (i * 2654435761) & 0xFFFFFFFF
        vendor = i % vendors + 1
        product = (h % 400) + 1
        po_id = 10_000_000 + i
        ordered = float(h % 40 + 5)
        box = h % 11 == 0
        price = round(1 + (h % 9000) / 100, 2)
        currency = 2 if h % 29 == 0 else 1
        rate = 1.1 if currency == 2 else 1.0
        po["po_line_id"].append(po_id)
        po["vendor_id"].append(vendor)
        po["product_id"].append(product)
        po["order_date"].append(20_000 + (h % 60))
        po["qty_ordered"].append(ordered * (12 if box else 1))
        po["price_unit"].append(price * (12 if box else 1))
        po["discount"].append(5.0 if h % 13 == 0 else 0.0)
        po["uom_ratio"].append(12.0 if box else 1.0)
        po["currency_id"].append(currency)
        po["rate"].append(rate)
        received = ordered * (12 if box else 1) - (h % 3 if h % 5 == 0 else 0)
        if i % 2:
            half = float(int(received // 2))
            receipts["po_line_id"] += [po_id, po_id]
            receipts["qty"] += [half, received - half]
            receipts["date"] += [20_070, 20_075]
        else:
            receipts["po_line_id"].append(po_id)
            receipts["qty"].append(received)
            receipts["date"].append(20_070)
        if h % 17 == 0:
            billed["po_line_id"].append(po_id)
            billed["bill_id"].append(90_000_000 + i)
            billed["date"].append(20_065)
            billed["qty"].append(1.0)
        qty = ordered - (1 if h % 7 == 0 else 0) + (2 if h % 19 == 0 else 0)
        lines["line_id"].append(i + 1)
        lines["bill_id"].append(vendor * 1_000 + (i // vendors) // 4)
        lines["vendor_id"].append(vendor)
        lines["company_id"].append(1)
        lines["product_id"].append(product)
        lines["category_id"].append(product % 20 + 1)
        lines["kind"].append("service" if h % 23 == 0 else ("consigned" if h % 31 == 0 else "stock"))
        lines["qty"].append(qty / 12 if box else qty)
        lines["uom_ratio"].append(12.0 if box else 1.0)
        lines["price_unit"].append(round(price * (1.03 if h % 9 == 0 else 1.0), 2) * (12 if box else 1))
        lines["discount"].append(5.0 if h % 13 == 0 else 0.0)
        lines["currency_id"].append(currency)
        lines["rate"].append(rate)
        lines["date"].append(20_080 + (h % 20))
        lines["po_line_id"].append(0 if h % 5 == 1 else po_id)
        lines["is_refund"].append(h % 97 == 0)
    n_bills = sorted(set(lines["bill_id"]))
    bills = {"bill_id": n_bills, "vendor_id": [b // 1_000 for b in n_bills],
             "date": [20_080 + (b % 20) for b in n_bills],
             "ref": [f"INV-{b % 997:05d}" if b % 41 else "" for b in n_bills],
             "amount": [float(100 + b % 50) for b in n_bills], "in_batch": [True] * len(n_bills)}
    contracts = {"vendor_id": [], "product_id": [], "currency_id": [], "price": [], "min_qty": []}
    for v in range(1, min(vendors, 500) + 1):
        contracts["vendor_id"].append(v)
        contracts["product_id"].append(v % 400 + 1)
        contracts["currency_id"].append(1)
        contracts["price"].append(40.0)
        contracts["min_qty"].append(1.0)
    rules = {"rule_id": [1, 2, 3], "company_id": [1, 1, 1], "scope": ["company", "vendor", "product"],
             "target_id": [0, 1, 7], "qty_over_pct": [2, 5, None], "qty_over_abs": [None, None, 1],
             "price_over_pct": [1, 2.5, 0], "price_over_abs": [None, None, None],
             "price_under_pct": [None, None, None], "price_under_abs": [None, None, None],
             "amount_over_abs": [50, None, None], "allow_favourable": [True, True, False]}
    return dict(lines=lines, po_lines=po, receipts=receipts, billed=billed, contracts=contracts, rules=rules,
                bills=bills)


NUMERIC = {"d": {"qty", "uom_ratio", "price_unit", "discount", "rate", "qty_ordered", "amount", "price", "min_qty"},
           "q": {"line_id", "bill_id", "vendor_id", "company_id", "product_id", "category_id", "currency_id",
                 "po_line_id", "date", "order_date"}}


def as_buffers(tables):
    """The same world with numeric columns as typed arrays (one buffer each), as a
    bulk caller hands them over; strings, booleans and None-able limits stay lists."""
    out = {}
    for name, cols in tables.items():
        out[name] = {}
        for col, values in cols.items():
            code = next((c for c, names in NUMERIC.items() if col in names and name != "rules"), None)
            out[name][col] = array(code, values) if code else values
    return out


def main():
    p = parser("match", 1_000_000)
    p.set_defaults(reference_size=20_000)  # the reference takes ~0.2 ms a line
    args = p.parse_args()
    m = args.reference_size or args.size
    big = as_buffers(world(args.size))
    runs = []

    def once():
        result = mc.match_bills(**big)
        runs.append(result["stats"])
        return result

    native_s, out = best_of(args.repeat, once)
    small_lists = world(m)
    small = as_buffers(small_lists)
    native_ref_s, out_small = best_of(args.repeat, lambda: mc.match_bills(**small))
    reference_s, expected = best_of(1, lambda: ref.match_bills(**small_lists))
    out_small.pop("stats")
    assert out_small["lines"]["status"] == expected["lines"]["status"], "statuses differ"
    assert list(out_small["allocations"]["po_line_id"]) == expected["allocations"]["po_line_id"]
    assert out_small["duplicates"] == expected["duplicates"]
    assert out_small["lines"]["explanation"] == expected["lines"]["explanation"]
    statuses = {}
    for s in out["lines"]["status"]:
        statuses[s] = statuses.get(s, 0) + 1
    # the engine's own seconds: the best run, with its phases; the median and the
    # first call of the process (fresh memory: page faults) say how much they vary
    st = min(runs, key=lambda r: r["engine_s"])
    phases = {k: round(st[k], 6) for k in ("validate_s", "index_s", "match_s", "gather_s", "read_s", "convert_s",
                                            "columns_s", "build_s")}
    emit("match", args.size, native_s, reference_s, native_ref_s=native_ref_s, reference_size=m,
         engine_s=round(st["engine_s"], 6), engine_s_median=round(statistics.median(r["engine_s"] for r in runs), 6),
         engine_s_first=round(runs[0]["engine_s"], 6), repeat=len(runs), **phases,
         po_lines=len(big["po_lines"]["po_line_id"]),
         receipt_rows=len(big["receipts"]["po_line_id"]), statuses=statuses)


if __name__ == "__main__":
    main()
