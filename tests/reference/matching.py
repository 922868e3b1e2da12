"""Reference for ``rust/matching``: the matching rules in plain Python.

Same input as ``medsync_core.match_bills`` (dicts of columns), same output
(``lines``, ``allocations``, ``duplicates`` as dicts of columns). Read it
against the rules in the module docs of ``rust/matching/mod.rs``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from . import numeric as num

EPOCH = dt.date(1970, 1, 1).toordinal()
STATUSES = [
    "duplicate", "no_po", "over_ordered", "missing_receipt", "over_received", "price_above_contract",
    "price_above_po", "price_below_po", "within_tolerance", "price_favourable", "credit_note", "matched",
]
RANK = {s: i for i, s in enumerate(STATUSES)}
HOLD_BEFORE = RANK["within_tolerance"]
LEVELS = {"service": "two_way", "two_way": "two_way", "stock": "three_way", "three_way": "three_way",
          "consigned": "consumption", "consumption": "consumption"}
LABEL = {"two_way": "2-way", "three_way": "3-way", "consumption": "consumption"}
WORD = {"two_way": "ordered", "three_way": "received", "consumption": "consumed"}
SCOPE_ORDER = ["product", "category", "vendor", "company"]
LIMITS = ["qty_over_pct", "qty_over_abs", "price_over_pct", "price_over_abs", "price_under_pct",
          "price_under_abs", "amount_over_abs"]


# ---------------------------------------------------------------------------- helpers

def D(v) -> Decimal:
    return num.to_decimal(v)


def day(v) -> int:
    return v.toordinal() - EPOCH if isinstance(v, dt.date) else int(v)


def rows(table: dict | None, defaults: dict, conv: dict) -> list[dict]:
    if not table:
        return []
    n = len(next(iter(table.values())))
    out = []
    for i in range(n):
        r = {}
        for k, default in defaults.items():
            v = table[k][i] if k in table else default
            r[k] = conv[k](v) if k in conv and v is not None else v
        out.append(r)
    return out


def fmt(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def fmt4(d: Decimal) -> str:
    return fmt(d.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def qty_cmp(a: Decimal, b: Decimal, step: Decimal) -> int:
    if a == b:
        return 0
    ra, rb = num.round_decimal(a, step), num.round_decimal(b, step)
    return (ra > rb) - (ra < rb)


def within(excess, reference, pct, abs_):
    if pct is None and abs_ is None:
        return False
    return (abs_ is None or excess <= abs_) and (pct is None or excess * 100 <= abs(reference) * pct)


def net_price(price_unit, discount, ratio):
    return num.CTX.divide(num.CTX.multiply(price_unit, 1 - num.CTX.divide(discount, Decimal(100))), ratio)


def normalize_ref(ref: str) -> str:
    out, digits = [], []

    def flush():
        if digits:
            out.append("".join(digits).lstrip("0") or "0")
            digits.clear()

    for c in ref or "":
        if c.isascii() and c.isdigit():
            digits.append(c)
        else:
            flush()
            if c.isascii() and c.isalpha():
                out.append(c.upper())
    flush()
    return "".join(out)


def find_duplicates(bills: list[dict], amount_pct: Decimal, days: int) -> list[tuple[int, int, str]]:
    groups: dict = {}
    for b in bills:
        r = normalize_ref(b["ref"])
        key = ("ref", b["vendor_id"], b["is_refund"], r) if r else \
            ("amt", b["vendor_id"], b["is_refund"], b["amount"].normalize())
        groups.setdefault(key, []).append(b)
    out = []
    for key, members in groups.items():
        members.sort(key=lambda b: (b["date"], b["bill_id"]))
        for k, b in enumerate(members):
            if not b["in_batch"]:
                continue
            for o in members[:k]:
                close = abs(b["date"] - o["date"]) <= days
                if key[0] == "ref":
                    larger = max(abs(b["amount"]), abs(o["amount"]))
                    if close and abs(b["amount"] - o["amount"]) * 100 <= larger * amount_pct:
                        out.append((b["bill_id"], o["bill_id"], "same_reference"))
                        break
                elif close:
                    out.append((b["bill_id"], o["bill_id"], "same_amount_no_reference"))
                    break
    out.sort(key=lambda t: (t[0], t[1]))
    return out


# ---------------------------------------------------------------------------- the engine

def match_bills(lines, po_lines, receipts=None, billed=None, contracts=None, rules=None, bills=None, *,
                price_digits=4, amount_rounding=None, duplicate_amount_pct=None, duplicate_days=45):
    L = rows(lines, {
        "line_id": None, "bill_id": None, "vendor_id": None, "product_id": None, "company_id": 0, "category_id": 0,
        "currency_id": 0, "po_line_id": 0, "date": None, "is_refund": False, "kind": "stock", "qty": None,
        "price_unit": None, "uom_ratio": 1, "qty_rounding": "0.01", "discount": 0, "rate": 1,
    }, {"qty": D, "price_unit": D, "uom_ratio": D, "qty_rounding": D, "discount": D, "rate": D, "date": day,
        "is_refund": bool})
    P = rows(po_lines, {
        "po_line_id": None, "vendor_id": None, "product_id": None, "order_date": 0, "currency_id": 0,
        "qty_ordered": None, "price_unit": None, "discount": 0, "uom_ratio": 1, "rate": 1, "qty_consumed": 0,
    }, {"qty_ordered": D, "price_unit": D, "discount": D, "uom_ratio": D, "rate": D, "qty_consumed": D,
        "order_date": day})
    R = rows(receipts, {"po_line_id": 0, "qty": 0, "date": 0}, {"qty": D})
    B = rows(billed, {"po_line_id": 0, "bill_id": 0, "date": 0, "qty": 0}, {"qty": D, "date": day})
    C = rows(contracts, {"vendor_id": 0, "product_id": 0, "currency_id": 0, "price": 0, "min_qty": 0,
                         "date_start": -(2**31), "date_end": 2**31 - 1},
             {"price": D, "min_qty": D, "date_start": day, "date_end": day})
    T = rows(rules, {"rule_id": 0, "company_id": 0, "scope": "company", "target_id": 0,
                     **dict.fromkeys(LIMITS), "allow_favourable": False},
             {**dict.fromkeys(LIMITS, D), "allow_favourable": bool})
    H = rows(bills, {"bill_id": 0, "vendor_id": 0, "date": 0, "ref": "", "amount": 0, "is_refund": False,
                     "in_batch": True}, {"amount": D, "date": day, "is_refund": bool, "in_batch": bool})
    amount_step = D(amount_rounding) if amount_rounding is not None else Decimal("0.01")
    price_step = Decimal(1).scaleb(-price_digits)
    dup_pct = D(duplicate_amount_pct) if duplicate_amount_pct is not None else Decimal(0)

    # index
    po = {}
    for p in P:
        po[p["po_line_id"]] = dict(p, received=Decimal(0), price=net_price(p["price_unit"], p["discount"],
                                                                             p["uom_ratio"]), elsewhere=[])
    for r in R:
        if r["po_line_id"] in po:
            po[r["po_line_id"]]["received"] += r["qty"]
    for b in B:
        if b["po_line_id"] in po:
            po[b["po_line_id"]]["elsewhere"].append((b["date"], b["bill_id"], b["qty"]))
    for p in po.values():
        p["elsewhere"].sort(key=lambda t: (t[0], t[1]))
    by_product = {}
    for p in P:
        by_product.setdefault((p["vendor_id"], p["product_id"]), []).append(po[p["po_line_id"]])
    for v in by_product.values():
        v.sort(key=lambda p: (p["order_date"], p["po_line_id"]))
    rule_index = {}
    for t in T:
        key = (t["company_id"], t["scope"], 0 if t["scope"] == "company" else t["target_id"])
        if key not in rule_index or t["rule_id"] < rule_index[key]["rule_id"]:
            rule_index[key] = t
    pairs = find_duplicates(H, dup_pct, duplicate_days)
    bill_date = {b["bill_id"]: b["date"] for b in H}
    suspects = {}
    for b, o, _reason in sorted(pairs, key=lambda t: (t[0], bill_date.get(t[1]), t[1])):
        suspects.setdefault(b, o)

    def resolve(line):
        for scope, target in [("product", line["product_id"]), ("category", line["category_id"]),
                              ("vendor", line["vendor_id"]), ("company", 0)]:
            if scope != "company" and target == 0:
                continue
            r = rule_index.get((line["company_id"], scope, target))
            if r:
                return r, scope
        return dict.fromkeys(LIMITS) | {"rule_id": 0, "allow_favourable": False}, None

    def contract_price(line, qty):
        best = None
        for c in C:
            if (c["vendor_id"], c["product_id"], c["currency_id"]) != (line["vendor_id"], line["product_id"],
                                                                        line["currency_id"]):
                continue
            if c["date_start"] <= line["date"] <= c["date_end"] and c["min_qty"] <= qty:
                if best is None or (c["min_qty"], -c["price"]) > (best["min_qty"], -best["price"]):
                    best = c
        return best["price"] if best else None

    running = {}  # (vendor, po_line_id) -> state

    def state(vendor, p):
        return running.setdefault((vendor, p["po_line_id"]), {"in_batch": Decimal(0), "seen": 0,
                                                               "elsewhere": Decimal(0)})

    def billed_before(vendor, p, date, bill):
        s = state(vendor, p)
        while s["seen"] < len(p["elsewhere"]) and p["elsewhere"][s["seen"]][:2] < (date, bill):
            s["elsewhere"] += p["elsewhere"][s["seen"]][2]
            s["seen"] += 1
        return s["elsewhere"] + s["in_batch"]

    results, allocations = {}, {}
    for idx in sorted(range(len(L)), key=lambda i: (L[i]["vendor_id"], L[i]["date"], L[i]["bill_id"],
                                                    L[i]["line_id"])):
        line = L[idx]
        results[idx], allocations[idx] = match_line(line, po, by_product, resolve, contract_price, suspects,
                                                    billed_before, state, price_step, amount_step)

    out_lines = {k: [] for k in ["line_id", "status", "level", "hold", "po_line_id", "qty", "qty_ordered",
                                 "qty_received", "qty_consumed", "qty_billed_before", "qty_variance", "price",
                                 "price_variance", "amount_variance", "price_po", "price_contract", "rule_id",
                                 "rule_scope", "explanation"]}
    out_alloc = {"line_id": [], "po_line_id": [], "qty": []}
    for idx in range(len(L)):
        for k, v in results[idx].items():
            out_lines[k].append(v)
        for po_id, q in allocations[idx]:
            out_alloc["line_id"].append(L[idx]["line_id"])
            out_alloc["po_line_id"].append(po_id)
            out_alloc["qty"].append(float(q))
    dups = {"bill_id": [p[0] for p in pairs], "duplicate_of": [p[1] for p in pairs], "reason": [p[2] for p in pairs]}
    return {"lines": out_lines, "allocations": out_alloc, "duplicates": dups}


def match_line(line, po, by_product, resolve, contract_price, suspects, billed_before, state, price_step,
               amount_step):
    level = LEVELS[line["kind"]]
    vendor, date, bill = line["vendor_id"], line["date"], line["bill_id"]
    step = line["qty_rounding"]
    qty_abs = num.round_decimal(num.CTX.multiply(line["qty"], line["uom_ratio"]), step, "UP")
    refund = line["is_refund"]
    signed = -qty_abs if refund else qty_abs
    price = net_price(line["price_unit"], line["discount"], line["uom_ratio"])
    rate = line["rate"]
    rule, scope = resolve(line)

    allocs, findings, bad_link = [], [], None
    if line["po_line_id"]:
        p = po.get(line["po_line_id"])
        if p is None:
            bad_link = "is not known to this run"
        elif p["vendor_id"] != vendor:
            bad_link = "belongs to another vendor"
        else:
            allocs.append((p, signed))
    elif (vendor, line["product_id"]) in by_product:
        candidates = by_product[(vendor, line["product_id"])]
        if refund:
            pick = next((p for p in reversed(candidates) if billed_before(vendor, p, date, bill) > 0), candidates[-1])
            allocs.append((pick, signed))
        else:
            remaining = qty_abs
            for p in candidates:
                if remaining <= 0:
                    break
                open_ = p["qty_ordered"] - billed_before(vendor, p, date, bill)
                if open_ > 0:
                    take = min(open_, remaining)
                    allocs.append((p, take))
                    remaining -= take
            if remaining > 0:
                last = candidates[-1]
                if allocs and allocs[-1][0] is last:
                    allocs[-1] = (last, allocs[-1][1] + remaining)
                else:
                    allocs.append((last, remaining))
    if not allocs and not refund:
        text = f"linked PO line {line['po_line_id']} {bad_link}" if bad_link else \
            "no purchase order line for this vendor and product"
        findings.append(("no_po", text))

    ordered = received = consumed = before_total = Decimal(0)
    qty_variance = amount_variance = weighted = weight = Decimal(0)
    single = None
    for p, q in allocs:
        before = billed_before(vendor, p, date, bill)
        after = before + q
        ordered += p["qty_ordered"]
        received += p["received"]
        consumed += p["qty_consumed"]
        before_total += before
        reference = {"two_way": p["qty_ordered"], "three_way": p["received"], "consumption": p["qty_consumed"]}[level]
        over_ref = after - reference
        if len(allocs) == 1 or over_ref > qty_variance:
            qty_variance = over_ref
        if not refund:
            if qty_cmp(after, p["qty_ordered"], step) > 0:
                excess = after - p["qty_ordered"]
                ok = within(excess, p["qty_ordered"], rule["qty_over_pct"], rule["qty_over_abs"])
                findings.append(("within_tolerance" if ok else "over_ordered",
                                 f"billed {fmt(after)} in all on PO line {p['po_line_id']} against "
                                 f"{fmt(p['qty_ordered'])} ordered: {fmt(excess)} over"
                                 + (" (within tolerance)" if ok else "")))
            if level != "two_way" and qty_cmp(after, reference, step) > 0:
                excess = after - reference
                ok = within(excess, reference, rule["qty_over_pct"], rule["qty_over_abs"])
                nothing_left = qty_cmp(reference, before, step) <= 0
                status = "within_tolerance" if ok else ("missing_receipt" if nothing_left else "over_received")
                w = WORD[level]
                findings.append((status, f"billed {fmt(after)} in all on PO line {p['po_line_id']} against "
                                         f"{fmt(reference)} {w}: {fmt(excess)} not yet {w}"
                                         + (" (within tolerance)" if ok else "")))
        if p["currency_id"] == line["currency_id"]:
            diff_company = num.CTX.multiply(price - p["price"], rate)
            po_price_doc = p["price"]
        else:
            po_company = num.CTX.multiply(p["price"], p["rate"])
            diff_company = num.CTX.multiply(price, rate) - po_company
            po_price_doc = num.CTX.divide(po_company, rate)
        weighted += po_price_doc * abs(q)
        weight += abs(q)
        if single is None:
            single = po_price_doc
        amount_variance += num.CTX.multiply(diff_company, q)
        if not refund:
            c = qty_cmp(price, po_price_doc, price_step)
            diff = price - po_price_doc
            over_abs = num.CTX.divide(rule["price_over_abs"], rate) if rule["price_over_abs"] is not None else None
            under_abs = num.CTX.divide(rule["price_under_abs"], rate) if rule["price_under_abs"] is not None else None
            if c > 0:
                ok = within(diff, po_price_doc, rule["price_over_pct"], over_abs) and (
                    rule["amount_over_abs"] is None or diff_company * q <= rule["amount_over_abs"])
                findings.append(("within_tolerance" if ok else "price_above_po",
                                 f"price {fmt4(price)} above PO line {p['po_line_id']} price {fmt4(po_price_doc)} "
                                 f"by {fmt4(diff)}" + (" (within tolerance)" if ok else "")))
            elif c < 0:
                under = -diff
                if rule["allow_favourable"]:
                    status = "price_favourable"
                elif within(under, po_price_doc, rule["price_under_pct"], under_abs):
                    status = "within_tolerance"
                else:
                    status = "price_below_po"
                findings.append((status, f"price {fmt4(price)} below PO line {p['po_line_id']} price "
                                         f"{fmt4(po_price_doc)} by {fmt4(under)}"))
    for p, q in allocs:
        state(vendor, p)["in_batch"] += q

    cp = contract_price(line, qty_abs)
    if cp is not None and not refund and qty_cmp(price, cp, price_step) > 0:
        diff = price - cp
        over_abs = num.CTX.divide(rule["price_over_abs"], rate) if rule["price_over_abs"] is not None else None
        ok = within(diff, cp, rule["price_over_pct"], over_abs)
        findings.append(("within_tolerance" if ok else "price_above_contract",
                         f"price {fmt4(price)} above contract price {fmt4(cp)} by {fmt4(diff)}"
                         + (" (within tolerance)" if ok else "")))
    if bill in suspects:
        findings.append(("duplicate", f"bill looks like a duplicate of bill {suspects[bill]}"))

    status = min((f[0] for f in findings), key=RANK.get, default="credit_note" if refund else "matched")
    if refund and RANK[status] > RANK["duplicate"]:
        status = "credit_note"
    primary, best = 0, None
    for p, q in allocs:
        if best is None or abs(q) > best:
            primary, best = p["po_line_id"], abs(q)
    if not allocs:
        price_po = None
    elif len(allocs) == 1 or weight == 0:
        price_po = single
    else:
        price_po = num.CTX.divide(weighted, weight)
    price_variance = price - price_po if price_po is not None else Decimal(0)
    amount_variance = num.round_decimal(amount_variance, amount_step, "HALF-UP")

    label = LABEL[level]
    if not findings:
        if refund:
            text = f"credit note of {fmt(qty_abs)} reduces what was billed"
        else:
            target = f"PO line {primary}" if len(allocs) == 1 else f"{len(allocs)} PO lines"
            ref_total = {"two_way": ordered, "three_way": received, "consumption": consumed}[level]
            text = f"matched {fmt(qty_abs)} to {target} (billed before {fmt(before_total)}, {WORD[level]} " \
                   f"{fmt(ref_total)})"
    else:
        text = "; ".join(t for _s, t in sorted(findings, key=lambda f: RANK[f[0]]))
    explanation = f"{label}: {text}"
    if scope and status not in ("matched", "credit_note"):
        explanation += f" [rule {rule['rule_id']} ({scope})]"

    result = {
        "line_id": line["line_id"], "status": status, "level": level, "hold": RANK[status] < HOLD_BEFORE,
        "po_line_id": primary, "qty": float(signed), "qty_ordered": float(ordered),
        "qty_received": float(received), "qty_consumed": float(consumed),
        "qty_billed_before": float(before_total), "qty_variance": float(qty_variance), "price": float(price),
        "price_variance": float(price_variance), "amount_variance": float(amount_variance),
        "price_po": float(price_po) if price_po is not None else None,
        "price_contract": float(cp) if cp is not None else None, "rule_id": rule["rule_id"],
        "rule_scope": scope, "explanation": explanation,
    }
    return result, [(p["po_line_id"], q) for p, q in allocs]
