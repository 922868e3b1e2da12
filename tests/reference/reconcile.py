"""Reference for ``rust/reconcile``: the reconciliation rules in plain Python.

Same input as ``medsync_core.reconcile_stock`` (dicts of columns), same output
(``rows`` and ``keys`` as dicts of columns). Read it against the module docs
of ``rust/reconcile/mod.rs``. Bar codes are not parsed here (the Rust tests
check them against published examples): the reference reads the code kinds
ref, vendor and gtin.
"""

from __future__ import annotations

from decimal import Decimal

from . import numeric as num
from .matching import D, rows

NO_DATE = -(2**31)


def _r(v: Decimal, step: Decimal) -> Decimal:
    return num.round_decimal(v, step) if v else Decimal(0)


def _gtin14(code: str) -> str:
    code = code.strip()
    if len(code) not in (8, 12, 13, 14) or not code.isdigit():
        raise ValueError(f"{code!r} is not a GTIN")
    body, check = code[:-1], int(code[-1])
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        raise ValueError(f"GTIN {code} has a wrong check digit")
    return code.rjust(14, "0")


def _code_key(kind: str, code: str) -> str:
    code = code.strip()
    return _gtin14(code) if kind == "gtin" else code


def reconcile_stock(snapshot, locations, codes, products, packs=None, lots=None, quants=None, moves=None,
                    rules=None, *, as_of, full=False, timing_window=3600, value_rounding="0.01"):
    snap = rows(snapshot, {"location_code": None, "product_code": None, "code_kind": "ref", "lot": "",
                           "expiry": NO_DATE, "qty": None, "unit": ""}, {"qty": D})
    for s in snap:
        s["expiry"] = NO_DATE if s["expiry"] is None else s["expiry"]
    locs = rows(locations, {"location_id": None, "code": "", "counted": True}, {})
    cds = rows(codes, {"kind": "ref", "code": None, "product_id": None, "factor": "1"}, {"factor": D})
    prods = rows(products, {"product_id": None, "category_id": 0, "risk_class": 0, "cost": "0",
                            "rounding": "0.01", "tracked": True}, {"cost": D, "rounding": D})
    pks = rows(packs, {"product_id": 0, "unit": "", "factor": "1"}, {"factor": D})
    lts = rows(lots, {"lot_id": 0, "product_id": 0, "name": "", "expiry": NO_DATE}, {})
    qts = rows(quants, {"location_id": 0, "product_id": 0, "lot_id": 0, "qty": "0"}, {"qty": D})
    mvs = rows(moves, {"location_id": 0, "location_dest_id": 0, "product_id": 0, "lot_id": 0, "qty": "0",
                       "date": 0}, {"qty": D})
    rls = rows(rules, {"rule_id": 0, "location_id": 0, "category_id": 0, "risk_class": 0, "auto_qty": None,
                       "auto_pct": None, "auto_value": None, "four_eyes_value": None},
               {k: D for k in ("auto_qty", "auto_pct", "auto_value", "four_eyes_value")})
    value_step = D(value_rounding)

    counted_loc: dict[int, bool] = {}
    loc_by_code = {}
    for loc in locs:
        counted_loc[loc["location_id"]] = counted_loc.get(loc["location_id"], False) or bool(loc["counted"])
        if loc["code"].strip():
            loc_by_code[loc["code"].strip()] = loc["location_id"]
    prod = {p["product_id"]: dict(p, factors=set()) for p in prods}
    code_map = {}
    for c in cds:
        code_map[(c["kind"] or "ref", _code_key(c["kind"], c["code"]))] = (c["product_id"], c["factor"])
        if c["factor"] != 1:
            prod[c["product_id"]]["factors"].add(c["factor"].normalize())
    pack_map = {}
    for p in pks:
        pack_map[(p["product_id"], p["unit"].strip())] = p["factor"]
        if p["product_id"] and p["factor"] != 1 and p["product_id"] in prod:
            prod[p["product_id"]]["factors"].add(p["factor"].normalize())
    lot_by_name = {(lt["product_id"], lt["name"]): lt["lot_id"] for lt in lts}
    lot_info = {lt["lot_id"]: (lt["name"], lt["expiry"]) for lt in lts if lt["lot_id"]}

    # snapshot rows
    out_rows = []
    agg: dict[tuple, dict] = {}

    def entry(key):
        return agg.setdefault(key, {"ext": Decimal(0), "in_snapshot": False, "ext_expiry": NO_DATE,
                                    "quant": Decimal(0), "history": Decimal(0), "after": Decimal(0),
                                    "wb": Decimal(0), "wa": Decimal(0), "rows": []})

    for i, s in enumerate(snap):
        r = {"status": "mapped", "location_id": 0, "product_id": 0, "lot_id": 0, "qty": Decimal(0), "key": None}
        out_rows.append(r)
        key_code = _code_key(s["code_kind"], s["product_code"])
        location = loc_by_code.get(s["location_code"].strip())
        if location is None:
            r["status"] = "unknown_location"
            continue
        r["location_id"] = location
        hit = code_map.get((s["code_kind"] or "ref", key_code))
        if hit is None:
            r["status"] = "unknown_product"
            continue
        product, factor = hit
        r["product_id"] = product
        unit = s["unit"].strip()
        if unit:
            f = pack_map.get((product, unit), pack_map.get((0, unit)))
            if f is None:
                r["status"] = "unknown_unit"
                continue
            factor *= f
        qty = _r(s["qty"] * factor, prod[product]["rounding"])
        r["qty"] = qty
        lot = s["lot"].strip()
        lot_id, unknown = 0, ""
        if lot and prod[product]["tracked"]:
            lot_id = lot_by_name.get((product, lot), 0)
            unknown = "" if lot_id else lot
        r["lot_id"] = lot_id
        a = entry((location, product, lot_id, unknown))
        a["ext"] += qty
        a["in_snapshot"] = True
        if s["expiry"] != NO_DATE and (a["ext_expiry"] == NO_DATE or s["expiry"] < a["ext_expiry"]):
            a["ext_expiry"] = s["expiry"]
        a["rows"].append(i)

    for q in qts:
        entry((q["location_id"], q["product_id"], q["lot_id"], ""))["quant"] += q["qty"]
    for m in mvs:
        for loc, sign in ((m["location_id"], -1), (m["location_dest_id"], 1)):
            if loc not in counted_loc:
                continue
            a = entry((loc, m["product_id"], m["lot_id"], ""))
            qty = sign * m["qty"]
            a["history"] += qty
            if m["date"] > as_of:
                a["after"] += qty
                if m["date"] <= as_of + timing_window:
                    a["wa"] += qty
            elif m["date"] > as_of - timing_window:
                a["wb"] += qty

    listed = {(k[0], k[1]) for k, a in agg.items() if a["in_snapshot"]}
    keys = []
    for k in sorted(agg):
        a = agg[k]
        p = prod[k[1]]
        step = p["rounding"]
        counted = (counted_loc.get(k[0], False) or a["in_snapshot"]) if full else (k[0], k[1]) in listed
        quant, history, after, ext = (_r(a[x], step) for x in ("quant", "history", "after", "ext"))
        odoo = _r(quant - after, step)
        diff = _r(ext - odoo, step) if counted else Decimal(0)
        name, expiry = k[3], lot_info[k[2]][1] if k[2] in lot_info else NO_DATE
        keys.append({
            "location_id": k[0], "product_id": k[1], "lot_id": k[2], "lot_name": name, "expiry": expiry,
            "ext_expiry": a["ext_expiry"], "counted": counted, "in_snapshot": a["in_snapshot"], "ext_qty": ext,
            "odoo_qty": odoo, "quant_qty": quant, "history_qty": history, "moves_after": after, "diff": diff,
            "value": _r(diff * p["cost"], value_step), "class": "not_counted", "approval": "none", "rule_id": 0,
            "factor": Decimal(0), "negative": quant < 0, "drift": _r(quant - history, step),
            "expired": quant > 0 and expiry != NO_DATE and expiry <= as_of // 86400,
            "_agg": a, "_product": p,
        })
        for row in a["rows"]:
            out_rows[row]["key"] = len(keys) - 1

    groups: dict[tuple, list] = {}
    for k in keys:
        groups.setdefault((k["location_id"], k["product_id"]), []).append(k)
    for group in groups.values():
        differing = [k for k in group if k["counted"] and k["diff"]]
        swap = len(differing) >= 2 and sum(k["diff"] for k in differing) == 0
        for k in group:
            _classify(k, swap, rls)
    for k in keys:
        del k["_agg"], k["_product"]
    return {
        "rows": {c: [r[c] for r in out_rows] for c in ("status", "location_id", "product_id", "lot_id", "qty", "key")},
        "keys": {c: [k[c] for k in keys] for c in keys[0]} if keys else {},
    }


def _classify(k: dict, swap: bool, rules: list[dict]) -> None:
    if not k["counted"]:
        return
    p, a = k["_product"], k["_agg"]
    step = p["rounding"]
    if not k["diff"]:
        if NO_DATE not in (k["ext_expiry"], k["expiry"]) and k["ext_expiry"] != k["expiry"]:
            k["class"], k["approval"] = "expiry_mismatch", "review"
        else:
            k["class"] = "matched"
        return
    ext, odoo, diff = k["ext_qty"], k["odoo_qty"], k["diff"]
    if swap:
        k["class"] = "lot_swap"
    else:
        if ext and odoo:
            for f in sorted(p["factors"]):
                if _r(odoo * f, step) == ext or _r(ext * f, step) == odoo:
                    k["class"], k["approval"], k["factor"] = "uom_error", "review", f
                    return
        wa, wb = _r(a["wa"], step), _r(a["wb"], step)
        if (wa and diff == wa) or (wb and diff == -wb):
            k["class"] = "timing"
            return
        if not odoo and ext > 0:
            k["class"] = "missing_in_odoo"
        elif not k["in_snapshot"]:
            k["class"] = "missing_external"
        else:
            k["class"] = "over" if diff > 0 else "under"
    k["rule_id"], k["approval"] = _approval(k, p, rules)


def _approval(k: dict, p: dict, rules: list[dict]) -> tuple[int, str]:
    def fits(want, have):
        return want == 0 or want == have

    candidates = [
        (4 * bool(r["location_id"]) + 2 * bool(r["category_id"]) + bool(r["risk_class"]), -r["rule_id"], r)
        for r in rules
        if fits(r["location_id"], k["location_id"]) and fits(r["category_id"], p["category_id"])
        and fits(r["risk_class"], p["risk_class"])
    ]
    if not candidates:
        return 0, "controller"
    rule = max(candidates, key=lambda c: c[:2])[2]
    qty, value = abs(k["diff"]), abs(k["value"])
    if rule["four_eyes_value"] is not None and value > rule["four_eyes_value"]:
        return rule["rule_id"], "four_eyes"
    limits = [rule[x] for x in ("auto_qty", "auto_pct", "auto_value")]
    if all(x is None for x in limits):
        return rule["rule_id"], "controller"
    ok = (
        (rule["auto_qty"] is None or qty <= rule["auto_qty"])
        and (rule["auto_pct"] is None or (k["odoo_qty"] != 0 and qty * 100 <= rule["auto_pct"] * abs(k["odoo_qty"])))
        and (rule["auto_value"] is None or value <= rule["auto_value"])
    )
    return rule["rule_id"], "auto" if ok else "controller"
