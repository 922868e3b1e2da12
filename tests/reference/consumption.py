"""Reference for ``rust/consumption``: cabinet events validated, mapped and
grouped into moves, in plain Python.

Same input as ``medsync_core.consumption`` (dicts of columns), same output
(``events`` and ``groups`` as dicts of lists, ``stats``; no ``engine_s``).
Read it against docs/engines.md ("Cabinet consumption"). Codes are read as
the reconciliation reads them (``barcode.py`` is the twin of its bar code
reader); the tables are assumed well formed (the engine's structural
checks are tested on the engine).
"""

from __future__ import annotations

import datetime as dt
import re

from . import numeric as num
from .barcode import BarcodeError, gtin14, parse_gs1, parse_hibc, trim, upper_ascii, year_of
from .matching import D, fmt, rows

NO_DATE = -(2**31)
EPOCH = dt.date(1970, 1, 1).toordinal()
KINDS = ("issue", "return", "waste", "restock")
CODE_KINDS = ("ref", "vendor", "gtin", "gs1", "hibc")
MAX_QTY = D("1000000000000000")
STATUS_ORDER = ("mapped", "duplicate", "invalid", "unknown_cabinet", "unknown_product", "bad_unit", "lot_required",
                "unknown_lot")
EVENT_OUT = ("status", "location_id", "product_id", "lot_id", "lot", "qty", "expired", "recalled", "group", "message")
GROUP_OUT = ("location_id", "product_id", "lot_id", "lot", "kind", "department", "qty", "date", "late", "events",
             "first")


def parse_day(text: str) -> int | None:
    """Days since 1970-01-01 of "YYYY-MM-DD" (trimmed), NO_DATE for "", None when not a date."""
    t = trim(text)
    if not t:
        return NO_DATE
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", t):
        return None
    try:
        return dt.date(int(t[:4]), int(t[5:7]), int(t[8:])).toordinal() - EPOCH
    except ValueError:
        return None


def _kind(text: str) -> str | None:
    if text == "":
        return "ref"
    if text == "hibcc":
        return "hibc"
    return text if text in CODE_KINDS else None


def code_key(kind: str, code: str) -> str:
    code = trim(code)
    if kind == "gtin":
        return gtin14(code)
    if kind == "hibc":
        return upper_ascii(code.lstrip("+"))
    return code


def read_code(kind: str, code: str, reference_year: int):
    """(lookup kind, key, count, bar code lot, bar code expiry); BarcodeError when unreadable."""
    code = trim(code)
    if kind == "gs1":
        p = parse_gs1(code, reference_year)
    elif kind == "hibc" and code.startswith("+"):
        p = parse_hibc(code, reference_year)
    else:
        return kind, code_key(kind, code), D(1), None, None
    return ("gtin" if kind == "gs1" else "hibc"), p.product, D(p.quantity if p.quantity is not None else 1), \
        p.lot, p.expiry


def _candidates(code: str):
    yield "ref"
    yield "vendor"
    if code and all("0" <= c <= "9" for c in code):
        yield "gtin"
    if code.startswith("01") or code.startswith("(01)"):
        yield "gs1"
    if code.startswith("+"):
        yield "hibc"


def _outcome(code_map, text: str, sel: str, reference_year: int):
    """("bad", message) | ("unknown",) | ("found", product, factor, code)."""
    if sel != "":
        try:
            code = read_code(sel, text, reference_year)
        except BarcodeError as e:
            return ("bad", str(e))
        hit = code_map.get((code[0], code[1]))
        return ("found", *hit, code) if hit else ("unknown",)
    for kind in _candidates(trim(text)):
        try:
            code = read_code(kind, text, reference_year)
        except BarcodeError:
            continue
        hit = code_map.get((code[0], code[1]))
        if hit:
            return ("found", *hit, code)
    return ("unknown",)


def consumption(events, locations, codes, products, packs=None, lots=None, recalls=None, *, today,
                late_after=3600, reference_year=None):
    evs = rows(events, {"cabinet": None, "event_id": None, "time": None, "product": None, "code_kind": "",
                        "lot": "", "expiry": "", "qty": None, "unit": "", "kind": None, "department": ""}, {})
    locs = rows(locations, {"location_id": None, "code": ""}, {})
    cds = rows(codes, {"kind": "ref", "code": None, "product_id": None, "factor": "1"}, {"factor": D})
    prods = rows(products, {"product_id": None, "rounding": "0.01", "tracked": True}, {"rounding": D})
    pks = rows(packs, {"product_id": 0, "unit": "", "factor": "1"}, {"factor": D})
    lts = rows(lots, {"lot_id": 0, "product_id": 0, "name": "", "expiry": ""}, {})
    rcs = rows(recalls, {"product_id": 0, "lot": ""}, {})
    if reference_year is None:
        reference_year = year_of(parse_day(today))

    loc_by_code = {trim(loc["code"]): loc["location_id"] for loc in locs if trim(loc["code"])}
    prod = {p["product_id"]: p for p in prods}
    code_map = {}
    for c in cds:
        kind = _kind(c["kind"])
        code_map[(kind, code_key(kind, c["code"]))] = (c["product_id"], c["factor"])
    pack_map = {(p["product_id"], trim(p["unit"])): p["factor"] for p in pks}
    lot_by_name = {(lt["product_id"], lt["name"]): lt["lot_id"] for lt in lts}
    lot_expiry = {lt["lot_id"]: parse_day(lt["expiry"]) for lt in lts}
    recalled = {(r["product_id"], trim(r["lot"])) for r in rcs}

    seen: dict[tuple, int] = {}
    out = []
    for i, ev in enumerate(evs):
        o = {"status": "mapped", "location_id": 0, "product_id": 0, "lot_id": 0, "lot": trim(ev["lot"] or ""),
             "qty": "0", "expired": False, "recalled": False, "group": -1, "message": ""}
        out.append(o)
        fault = _map(ev, i, o, seen, loc_by_code, code_map, prod, pack_map, lot_by_name, lot_expiry, recalled,
                     reference_year)
        if fault:
            o["status"], o["message"] = fault
            o["qty"] = "0"
    groups = _group(evs, out, late_after)
    stats = {
        "events": len(out),
        "mapped": sum(o["status"] == "mapped" for o in out),
        "duplicates": sum(o["status"] == "duplicate" for o in out),
        "expired": sum(o["expired"] for o in out),
        "recalled": sum(o["recalled"] for o in out),
        "groups": len(groups),
        "late": sum(g["late"] for g in groups),
    }
    stats["unmapped"] = stats["events"] - stats["mapped"] - stats["duplicates"]
    return {"events": {c: [o[c] for o in out] for c in EVENT_OUT},
            "groups": {c: [g[c] for g in groups] for c in GROUP_OUT},
            "stats": stats}


def _text(v) -> str:
    return trim(v or "")


def _map(ev, i, o, seen, loc_by_code, code_map, prod, pack_map, lot_by_name, lot_expiry, recalled, reference_year):
    """The checks of rust/consumption/resolve.rs in order; the first fault as (status, message)."""
    cabinet, event_id = _text(ev["cabinet"]), _text(ev["event_id"])
    if not cabinet:
        return "invalid", "cabinet: is required"
    if not event_id:
        return "invalid", "event_id: is required"
    if (cabinet, event_id) in seen:
        return "duplicate", f"event_id: {event_id} repeats row {seen[(cabinet, event_id)]} of the batch"
    seen[(cabinet, event_id)] = i
    kind = _text(ev["kind"])
    if kind not in KINDS:
        return "invalid", "kind: is required" if not kind else f"kind: {kind} is not issue, return, waste or restock"
    qty = _number(ev["qty"])
    if qty is None or qty <= 0:
        return "invalid", "qty: must be a number greater than 0"
    expiry = parse_day(_text(ev["expiry"]))
    if expiry is None:
        return "invalid", f"expiry: {_text(ev['expiry'])} is not a date YYYY-MM-DD"
    sel = _text(ev["code_kind"])
    if sel != "" and _kind(sel) is None:
        return "invalid", f"code_kind: {sel} is not ref, vendor, gtin, gs1 or hibc"
    sel = _kind(sel) if sel else ""
    product_code = _text(ev["product"])
    if not product_code:
        return "invalid", "product: is required"
    if cabinet not in loc_by_code:
        return "unknown_cabinet", f"cabinet: {cabinet} is not a known location code or GLN"
    o["location_id"] = loc_by_code[cabinet]
    found = _outcome(code_map, ev["product"] or "", sel, reference_year)
    if found[0] == "bad":
        return "invalid", f"product: {found[1]}"
    if found[0] == "unknown":
        return "unknown_product", f"product: {product_code} is not a known {sel + ' ' if sel else ''}code"
    _, product, factor, (_, _, count, code_lot, code_expiry) = found
    o["product_id"] = product
    lot = o["lot"]
    if code_lot is not None:
        if lot and lot != code_lot:
            return "invalid", f'lot: "{lot}" differs from the bar code\'s lot "{code_lot}"'
        lot = code_lot
    if code_expiry is not None:
        if expiry != NO_DATE and expiry != code_expiry:
            return "invalid", "expiry: differs from the bar code's expiry"
        expiry = code_expiry
    info = prod[product]
    o["lot"] = lot if info["tracked"] else ""
    unit = _text(ev["unit"])
    pack = D(1)
    if unit:
        pack = pack_map.get((product, unit), pack_map.get((0, unit)))
        if pack is None:
            return "bad_unit", f"unit: {unit} is not a pack unit of the product"
    q = num.round_decimal(qty * count * factor * pack, info["rounding"])
    if abs(q) >= MAX_QTY:
        return "invalid", "qty: too large once converted to the product's unit"
    if q == 0:
        return "invalid", "qty: rounds to 0 in the product's unit"
    if info["tracked"]:
        if not o["lot"]:
            return "lot_required", "lot: is required (the product is tracked by lot)"
        if (product, o["lot"]) not in lot_by_name:
            return "unknown_lot", f"lot: {o['lot']} is not a lot of the product"
        o["lot_id"] = lot_by_name[(product, o["lot"])]
    o["qty"] = fmt(q)
    o["_qty"] = q
    if expiry == NO_DATE and o["lot_id"]:
        expiry = lot_expiry.get(o["lot_id"], NO_DATE)
    o["expired"] = expiry != NO_DATE and expiry < ev["time"] // 86_400
    o["recalled"] = (product, "") in recalled or (bool(o["lot"]) and (product, o["lot"]) in recalled)
    return None


def _number(v):
    """A quantity as the engine reads it: None for None, a text that is no number, or a float not finite."""
    if v is None:
        return None
    try:
        d = D(v)
    except (ArithmeticError, ValueError):
        return None
    return d if d.is_finite() else None


def _group(evs, out, late_after):
    latest: dict[int, int] = {}
    for ev, o in zip(evs, out, strict=True):
        if o["status"] == "mapped":
            latest[o["location_id"]] = max(latest.get(o["location_id"], ev["time"]), ev["time"])
    groups, slots = [], {}
    for i, (ev, o) in enumerate(zip(evs, out, strict=True)):
        if o["status"] != "mapped":
            continue
        late = ev["time"] < latest[o["location_id"]] - late_after
        department = _text(ev["department"])
        key = (o["location_id"], o["product_id"], o["lot_id"], _text(ev["kind"]), department)
        if late or key not in slots:
            groups.append({"location_id": o["location_id"], "product_id": o["product_id"], "lot_id": o["lot_id"],
                           "lot": o["lot"], "kind": _text(ev["kind"]), "department": department, "_qty": D(0),
                           "date": ev["time"], "late": late, "events": 0, "first": i})
            if not late:
                slots[key] = len(groups) - 1
        o["group"] = len(groups) - 1 if late else slots[key]
        g = groups[o["group"]]
        g["_qty"] += o.pop("_qty")
        g["date"] = max(g["date"], ev["time"])
        g["events"] += 1
    order = sorted(range(len(groups)), key=lambda k: (groups[k]["date"], groups[k]["first"]))
    rank = {old: new for new, old in enumerate(order)}
    for o in out:
        o.pop("_qty", None)
        if o["group"] >= 0:
            o["group"] = rank[o["group"]]
    result = []
    for k in order:
        g = groups[k]
        g["qty"] = fmt(g.pop("_qty"))
        result.append(g)
    return result
