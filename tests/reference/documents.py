"""Reference for ``rust/documents/``: the hub's document schemas, checks,
normal form and canonical hash, in plain Python.

``validate(doc_type, body, version=1)`` returns ``(canonical_json, sha256_hex,
problems)`` exactly as ``medsync_core.validate_documents`` does for one body;
``problems`` is a list of ``(path, rule)`` (the messages are free text).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from decimal import Decimal

MAX_PROBLEMS = 50
DIGITS = set("0123456789")

ACK_STATUSES = ("accepted", "backordered", "substituted", "rejected")
PAYMENT_STATUSES = ("paid", "failed", "reversed")
CODE_KINDS = ("ref", "vendor", "gtin", "gs1", "hibc")
SCOPES = ("full", "partial")
PRINCIPAL_ROLES = ("owner", "officer", "both")
CREDENTIAL_STATUSES = ("submitted", "valid", "expired", "rejected", "revoked")
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
BILLING_SIDES = ("debit", "credit")
CHARGE_KINDS = ("charge", "allowance")
BILLING_KINDS = ("original", "adjustment", "reversal")
BILLING_TOTAL_KINDS = ("department", "code")
MAX_BILLING_LINES = 200_000
CONSUMPTION_KINDS = ("issue", "return", "waste", "restock")
MAX_CONSUMPTION_EVENTS = 50_000


# field kinds: ("text", max) ("int", lo, hi) ("dec", positive, int_digits, frac_digits) ("date",) ("datetime",)
# ("enum", options) ("currency",) ("country",) ("sscc",) ("npi",) ("dea",) ("uei",) ("base64", max bytes)
# ("list", fields, max)
def F(name, kind, required=False):
    return (name, kind, required)


CODE = ("text", 64)
NOTE = ("text", 256)
LINE_NO = ("int", 1, 99_999)
QTY_POS = ("dec", True, 9, 4)
QTY = ("dec", False, 9, 4)
PRICE = ("dec", False, 9, 4)
AMOUNT_POS = ("dec", True, 12, 2)
AMOUNT = ("dec", False, 12, 2)
PCT = ("dec", False, 3, 4)
NAME = ("text", 128)
OWNERSHIP = ("dec", False, 3, 2)
DAYS = ("int", 0, 999)

SCHEMAS = {
    ("po_ack", 1): [
        F("po", CODE, True), F("vendor_ref", CODE), F("ack_date", ("date",)),
        F("lines", ("list", [
            F("line_no", LINE_NO, True), F("product", CODE, True), F("status", ("enum", ACK_STATUSES), True),
            F("qty", QTY, True), F("price", PRICE), F("backorder_date", ("date",)), F("delivery_date", ("date",)),
            F("substitute_product", CODE), F("reason", NOTE),
        ], 5000), True),
    ],
    ("asn", 1): [
        F("asn", CODE, True), F("po", CODE, True), F("ship_date", ("date",), True), F("carrier", CODE),
        F("tracking", CODE),
        F("lines", ("list", [
            F("line_no", LINE_NO), F("product", CODE, True), F("qty", QTY_POS, True), F("uom", ("text", 32)),
            F("lot", CODE), F("expiry", ("date",)), F("serial", CODE), F("sscc", ("sscc",)),
        ], 5000), True),
    ],
    ("invoice", 1): [
        F("invoice", CODE, True), F("po", CODE, True), F("invoice_date", ("date",), True),
        F("due_date", ("date",)), F("currency", ("currency",), True), F("total", AMOUNT),
        F("lines", ("list", [
            F("line_no", LINE_NO), F("product", CODE, True), F("description", NOTE), F("qty", QTY_POS, True),
            F("price", PRICE, True), F("tax_pct", PCT), F("uom", ("text", 32)),
        ], 5000), True),
        F("charges", ("list", [
            F("kind", ("enum", CHARGE_KINDS), True), F("code", CODE, True), F("amount", AMOUNT, True),
            F("description", NOTE),
        ], 100)),
        F("terms_discount_pct", PCT), F("terms_discount_days", DAYS), F("terms_discount_due", ("date",)),
        F("terms_net_days", DAYS), F("terms_net_due", ("date",)),
    ],
    ("price_catalog", 1): [
        F("catalog", CODE, True), F("contract", CODE), F("currency", ("currency",), True),
        F("effective_date", ("date",)), F("expiry_date", ("date",)),
        F("lines", ("list", [
            F("product", CODE, True), F("description", NOTE), F("price", PRICE, True), F("uom", ("text", 32)),
            F("min_qty", QTY), F("tier", CODE), F("contract", CODE), F("date_start", ("date",)),
            F("date_end", ("date",)),
        ], 50_000), True),
    ],
    ("payment_status", 1): [
        F("bill", CODE, True), F("status", ("enum", PAYMENT_STATUSES), True), F("amount", AMOUNT_POS, True),
        F("currency", ("currency",), True), F("date", ("date",), True), F("payment_ref", CODE, True),
        F("reason", NOTE),
    ],
    ("stock_snapshot", 1): [
        F("source", CODE, True), F("as_of", ("datetime",), True), F("scope", ("enum", SCOPES), True),
        F("rows", ("list", [
            F("location", CODE, True), F("product", CODE, True), F("kind", ("enum", CODE_KINDS)),
            F("lot", CODE), F("expiry", ("date",)), F("qty", QTY, True), F("unit", ("text", 32)),
        ], 200_000), True),
    ],
    ("consumption", 1): [
        F("cabinet", CODE, True), F("batch_id", CODE),
        F("events", ("list", [
            F("event_id", CODE, True), F("time", ("datetime",), True), F("product", CODE, True),
            F("code_kind", ("enum", CODE_KINDS)), F("lot", CODE), F("expiry", ("date",)), F("qty", QTY_POS, True),
            F("unit", ("text", 32)), F("kind", ("enum", CONSUMPTION_KINDS), True), F("department", CODE),
            F("charge_ref", CODE),
        ], MAX_CONSUMPTION_EVENTS), True),
    ],
    ("par_levels", 1): [
        F("cabinet", CODE, True),
        F("levels", ("list", [
            F("product", CODE, True), F("code_kind", ("enum", CODE_KINDS)), F("min", QTY, True), F("max", QTY, True),
        ], 5000), True),
    ],
    ("vendor_update", 1): [
        F("vendor", CODE, True), F("name", ("text", 128)), F("tax_id", ("text", 32)), F("email", ("text", 128)),
        F("phone", ("text", 32)), F("street", ("text", 128)), F("city", CODE), F("zip", ("text", 16)),
        F("country", ("country",)), F("bank_account", CODE),
    ],
    ("vendor_onboarding", 1): [
        F("vendor", CODE, True), F("name", NAME, True), F("tax_id", ("text", 32)), F("street", NAME),
        F("city", CODE), F("state", CODE), F("zip", ("text", 16)), F("country", ("country",)), F("email", NAME),
        F("phone", ("text", 32)), F("npi", ("npi",)), F("uei", ("uei",)), F("dea", ("dea",)),
        F("category", CODE, True),
        F("principals", ("list", [
            F("name", NAME, True), F("role", ("enum", PRINCIPAL_ROLES)), F("ownership_pct", OWNERSHIP),
        ], 100)),
        F("credentials", ("list", [
            F("requirement", CODE, True), F("number", CODE), F("issuer", NAME), F("valid_from", ("date",)),
            F("valid_until", ("date",)), F("coverage", AMOUNT), F("document_name", NAME),
            F("document", ("base64", MAX_DOCUMENT_BYTES)),
        ], 50)),
    ],
    ("vendor_credential", 1): [
        F("vendor", CODE, True), F("requirement", CODE, True), F("status", ("enum", CREDENTIAL_STATUSES), True),
        F("number", CODE), F("issuer", NAME), F("valid_from", ("date",)), F("valid_until", ("date",)),
        F("coverage", AMOUNT), F("checked_at", ("datetime",)), F("note", NOTE),
    ],
    ("billing_batch", 1): [
        F("batch_id", CODE, True), F("source", CODE, True), F("business_date", ("date",), True),
        F("currency", ("currency",), True), F("kind", ("enum", BILLING_KINDS)), F("original", CODE),
        F("record_count", ("int", 0, MAX_BILLING_LINES), True), F("total_debit", ("dec", False, 15, 4), True),
        F("total_credit", ("dec", False, 15, 4), True),
        F("totals", ("list", [
            F("kind", ("enum", BILLING_TOTAL_KINDS), True), F("key", CODE, True),
            F("debit", ("dec", False, 15, 4), True), F("credit", ("dec", False, 15, 4), True),
        ], 10_000)),
        F("lines", ("list", [
            F("line_id", CODE, True), F("code", CODE, True), F("department", CODE), F("payer_class", CODE),
            F("facility", CODE), F("amount", ("dec", True, 13, 4), True), F("side", ("enum", BILLING_SIDES), True),
            F("service_date", ("date",), True), F("payer_ref", CODE), F("encounter_ref", CODE),
        ], MAX_BILLING_LINES)),
    ],
    ("billing_daily_totals", 1): [
        F("source", CODE, True), F("business_date", ("date",), True), F("currency", ("currency",), True),
        F("rows", ("list", [
            F("department", CODE), F("account", CODE, True), F("debit", ("dec", False, 15, 4), True),
            F("credit", ("dec", False, 15, 4), True),
        ], 50_000), True),
    ],
}


class Num(str):
    """A JSON number kept as its text."""


class _BadJson(ValueError):
    pass


def _no_constant(name):
    raise _BadJson(name)


class Problems(list):
    def add(self, path, rule):
        if len(self) < MAX_PROBLEMS:
            self.append((path, rule))


def validate(doc_type, body: bytes, version=1):
    fields = SCHEMAS[(doc_type, version)]
    p = Problems()
    try:
        value = json.loads(body.decode("utf-8"), parse_float=Num, parse_int=Num, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        p.add("$", "json")
        return None, None, p
    if not isinstance(value, dict):
        p.add("$", "type")
        return None, None, p
    doc = _object(value, fields, "", p)
    if not p:
        RULES.get(doc_type, lambda d, p: None)(doc, p)
    if p:
        return None, None, list(p)
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return canonical, hashlib.sha256(canonical.encode()).hexdigest(), []


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def _object(obj, fields, prefix, p):
    names = [f[0] for f in fields]
    for key in sorted(obj):
        if key not in names:
            p.add(_join(prefix, key), "unknown_field")
    out = {}
    for name, kind, required in fields:
        path = _join(prefix, name)
        v = obj.get(name)
        if v is None:
            if required:
                p.add(path, "required")
            continue
        n = _value(v, kind, required, path, p)
        if n is not None:
            out[name] = n
    return out


def _value(v, kind, required, path, p):
    tag = kind[0]
    if tag == "list":
        _, item, most = kind
        if not isinstance(v, list):
            p.add(path, "type")
            return None
        if not v and not required:
            return None  # an optional empty list is absent
        if not v or len(v) > most:
            p.add(path, "length")
            return None
        out = []
        for i, it in enumerate(v):
            if isinstance(it, dict):
                out.append(_object(it, item, f"{path}[{i}]", p))
            else:
                p.add(f"{path}[{i}]", "type")
        return out
    if tag == "int":
        _, lo, hi = kind
        if not isinstance(v, Num):
            p.add(path, "type")
            return None
        digits = v[1:] if v.startswith("-") else v
        if not digits or not set(digits) <= DIGITS:
            p.add(path, "type")
            return None
        i = int(v)
        if not -(2**63) <= i < 2**63:
            p.add(path, "range")
            return None
        if i < lo:
            p.add(path, "min")
            return None
        if i > hi:
            p.add(path, "max")
            return None
        return i
    if tag == "dec":
        _, positive, int_digits, frac_digits = kind
        if isinstance(v, Num):
            text = str(v)
        elif isinstance(v, str) and not isinstance(v, Num):
            text = v.strip(" ")
            if not _plain_decimal(text):
                p.add(path, "number")
                return None
        else:
            p.add(path, "type")
            return None
        d = canonical_decimal(text)
        if d is None:
            p.add(path, "number")
            return None
        canon, negative, zero, ints, fracs = d
        if fracs > frac_digits:
            p.add(path, "decimals")
            return None
        if ints > int_digits:
            p.add(path, "range")
            return None
        if negative or (positive and zero):
            p.add(path, "min")
            return None
        return canon
    if not isinstance(v, str) or isinstance(v, Num):
        p.add(path, "type")
        return None
    if any(c < " " for c in v):
        p.add(path, "chars")
        return None
    t = v.strip(" ")
    if not t:
        if required:
            p.add(path, "required")
        return None
    if tag == "text":
        if len(t) > kind[1]:
            p.add(path, "length")
            return None
        return t
    if tag == "date":
        if parse_date(t) is None:
            p.add(path, "date")
            return None
        return t
    if tag == "datetime":
        u = datetime_utc(t)
        if u is None:
            p.add(path, "datetime")
        return u
    if tag == "enum":
        if t not in kind[1]:
            p.add(path, "enum")
            return None
        return t
    if tag in ("currency", "country"):
        n = 3 if tag == "currency" else 2
        if len(t) != n or not all("A" <= c <= "Z" for c in t):
            p.add(path, "format")
            return None
        return t
    if tag == "sscc":
        if len(t) != 18 or not set(t) <= DIGITS:
            p.add(path, "format")
            return None
        if not gs1_ok(t):
            p.add(path, "check_digit")
            return None
        return t
    if tag in ("npi", "dea", "uei"):
        if not ID_SHAPES[tag](t):
            p.add(path, "format")
            return None
        if not ID_CHECKS[tag](t):
            p.add(path, "check_digit")
            return None
        return t
    if tag == "base64":
        n = base64_len(t)
        if n is None:
            p.add(path, "format")
            return None
        if n > kind[1]:
            p.add(path, "length")
            return None
        return t
    raise AssertionError(tag)


def _npi_ok(t):
    d = [int(c) for c in t]
    return _luhn([8, 0, 8, 4, 0, *d])


def _luhn(d):
    total = 0
    for i, x in enumerate(reversed(d)):
        if i % 2 == 1:
            x *= 2
            if x > 9:
                x -= 9
        total += x
    return total % 10 == 0


def _dea_ok(t):
    e = [int(c) for c in t[2:]]
    return (e[0] + e[2] + e[4] + 2 * (e[1] + e[3] + e[5])) % 10 == e[6]


ID_SHAPES = {
    "npi": lambda t: len(t) == 10 and set(t) <= DIGITS and t[0] in "12",
    "dea": lambda t: len(t) == 9 and t[0] in "ABCDEFGHJKLMPRSTUX" and ("A" <= t[1] <= "Z" or t[1] == "9")
    and set(t[2:]) <= DIGITS,
    "uei": lambda t: len(t) == 12 and not t.startswith("0")
    and all(c in DIGITS or ("A" <= c <= "Z" and c not in "IO") for c in t),
}
ID_CHECKS = {"npi": _npi_ok, "dea": _dea_ok, "uei": lambda t: True}
BASE64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_len(t):
    """Decoded size of standard padded base64, or None."""
    if len(t) % 4:
        return None
    body = t.rstrip("=")
    pad = len(t) - len(body)
    if pad > 2 or not set(body) <= BASE64:
        return None
    return len(t) // 4 * 3 - pad


def gs1_ok(digits):
    body = digits[:-1][::-1]
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(body))
    return (10 - total % 10) % 10 == int(digits[-1])


def _plain_decimal(t):
    digits = t[1:] if t.startswith("-") else t
    whole, dot, frac = digits.partition(".")
    if not whole or not set(whole) <= DIGITS:
        return False
    return not dot or (bool(frac) and set(frac) <= DIGITS)


def canonical_decimal(text):
    """(text, negative, zero, integer digits, fraction digits) or None."""
    negative = text.startswith("-")
    rest = text[1:] if negative else text
    exp = 0
    for i, c in enumerate(rest):
        if c in "eE":
            try:
                exp = int(rest[i + 1:])
            except ValueError:
                return None
            if not rest[i + 1:].lstrip("+-").isascii():
                return None
            rest = rest[:i]
            break
    if abs(exp) > 1000:
        return None
    whole, _, frac = rest.partition(".")
    if not whole or not set(whole + frac) <= DIGITS:
        return None
    digits = (whole + frac).lstrip("0")
    exp -= len(frac)
    if not digits:
        return "0", False, True, 0, 0
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    digits = stripped
    n = len(digits)
    if exp >= 0:
        body = digits + "0" * exp
    elif n + exp > 0:
        body = digits[: n + exp] + "." + digits[n + exp:]
    else:
        body = "0." + "0" * (-(n + exp)) + digits
    return ("-" + body if negative else body), negative, False, max(n + exp, 0), max(-exp, 0)


def parse_date(t):
    if len(t) != 10 or t[4] != "-" or t[7] != "-":
        return None
    parts = (t[0:4], t[5:7], t[8:10])
    if not all(set(x) <= DIGITS for x in parts):
        return None
    try:
        return dt.date(*map(int, parts))
    except ValueError:
        return None


def datetime_utc(t):
    if len(t) < 20 or t[10] != "T":
        return None
    day = parse_date(t[:10])
    rest = t[11:]
    if day is None or len(rest) < 9 or rest[2] != ":" or rest[5] != ":":
        return None
    hms = (rest[0:2], rest[3:5], rest[6:8])
    if not all(set(x) <= DIGITS for x in hms):
        return None
    try:
        local = dt.datetime.combine(day, dt.time(*map(int, hms)))
    except ValueError:
        return None
    tail = rest[8:]
    if tail.startswith("."):
        n = 0
        while n < len(tail) - 1 and tail[1 + n] in DIGITS:
            n += 1
        if n == 0 or n > 9:
            return None
        tail = tail[1 + n:]
    if tail == "Z":
        offset = 0
    else:
        if len(tail) != 6 or tail[3] != ":" or tail[0] not in "+-":
            return None
        h, m = tail[1:3], tail[4:6]
        if not (set(h) <= DIGITS and set(m) <= DIGITS) or int(h) > 23 or int(m) > 59:
            return None
        offset = (int(h) * 60 + int(m)) * (-1 if tail[0] == "-" else 1)
    try:
        utc = local - dt.timedelta(minutes=offset)
    except OverflowError:
        return None
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ") if 1 <= utc.year <= 9999 else None


# ---------------------------------------------------------------- document rules

def _money(d):
    return d.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)  # half away from zero


def _dup_line_no(seen, line, path, p):
    n = line.get("line_no")
    if n is not None:
        if n in seen:
            p.add(f"{path}.line_no", "duplicate")
        seen.add(n)


def _po_ack(doc, p):
    seen = set()  # a line may be split by status, never twice with the same one
    for i, line in enumerate(doc["lines"]):
        path = f"lines[{i}]"
        status = line["status"]
        key = (line.get("line_no"), status)
        if key[0] is not None and key in seen:
            p.add(f"{path}.line_no", "duplicate")
        seen.add(key)
        if status == "backordered" and "backorder_date" not in line:
            p.add(f"{path}.backorder_date", "conditional")
        if status == "substituted" and "substitute_product" not in line:
            p.add(f"{path}.substitute_product", "conditional")
        zero = line["qty"] == "0"
        if status == "rejected" and not zero:
            p.add(f"{path}.qty", "conditional")
        if status == "accepted" and zero:
            p.add(f"{path}.qty", "conditional")


def _asn(doc, p):
    serials = set()
    for i, line in enumerate(doc["lines"]):
        path = f"lines[{i}]"
        serial = line.get("serial")
        if serial is not None:
            if line["qty"] != "1":
                p.add(f"{path}.qty", "conditional")
            if (line["product"], serial) in serials:
                p.add(f"{path}.serial", "duplicate")
            serials.add((line["product"], serial))
        if "expiry" in line and line["expiry"] < doc["ship_date"]:
            p.add(f"{path}.expiry", "expired")


def _invoice(doc, p):
    if "due_date" in doc and doc["due_date"] < doc["invoice_date"]:
        p.add("due_date", "conditional")
    seen = set()
    computed = Decimal(0)
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        for i, line in enumerate(doc["lines"]):
            _dup_line_no(seen, line, f"lines[{i}]", p)
            subtotal = _money(Decimal(line["qty"]) * Decimal(line["price"]))
            computed += subtotal + _money(subtotal * Decimal(line.get("tax_pct", "0")) / 100)
        for c in doc.get("charges", []):
            computed += -Decimal(c["amount"]) if c["kind"] == "allowance" else Decimal(c["amount"])
        if "total" in doc and abs(Decimal(doc["total"]) - computed) > Decimal(max(len(doc["lines"]), 1)) / 100:
            p.add("total", "total_mismatch")


def _not_before(o, start, end, path, p):
    if start in o and end in o and o[end] < o[start]:
        p.add(path, "conditional")


def _price_catalog(doc, p):
    _not_before(doc, "effective_date", "expiry_date", "expiry_date", p)
    for i, line in enumerate(doc["lines"]):
        _not_before(line, "date_start", "date_end", f"lines[{i}].date_end", p)


def _email(doc, p):
    email = doc.get("email")
    if email is not None:
        user, at, host = email.partition("@")
        if not (at and user and "." in host and "@" not in host) or " " in email:
            p.add("email", "format")


def _par_levels(doc, p):
    for i, level in enumerate(doc["levels"]):
        if Decimal(level["max"]) < Decimal(level["min"]):
            p.add(f"levels[{i}].max", "min")


def _onboarding(doc, p):
    _email(doc, p)
    names, owned = set(), Decimal(0)
    for i, pr in enumerate(doc.get("principals", [])):
        name = pr.get("name", "").lower()
        if name in names:
            p.add(f"principals[{i}].name", "duplicate")
        names.add(name)
        pct = Decimal(pr.get("ownership_pct", "0"))
        if pct > 100:
            p.add(f"principals[{i}].ownership_pct", "max")
        owned += pct
    if owned > 100:
        p.add("principals", "max")
    requirements = set()
    for i, c in enumerate(doc.get("credentials", [])):
        req = c.get("requirement", "")
        if req in requirements:
            p.add(f"credentials[{i}].requirement", "duplicate")
        requirements.add(req)
        _validity(f"credentials[{i}].", c, p)
        if "document" in c and "document_name" not in c:
            p.add(f"credentials[{i}].document_name", "conditional")


def _validity(prefix, o, p):
    if "valid_from" in o and "valid_until" in o and o["valid_until"] < o["valid_from"]:
        p.add(f"{prefix}valid_until", "conditional")


def _billing_batch(doc, p):
    kind = doc.get("kind", "original")
    if kind == "original" and "original" in doc:
        p.add("original", "conditional")
    if kind != "original" and "original" not in doc:
        p.add("original", "conditional")
    if kind == "reversal" and "lines" in doc:
        p.add("lines", "conditional")
    if kind != "reversal" and "lines" not in doc:
        p.add("lines", "required")
    seen = set()
    for i, line in enumerate(doc.get("lines", [])):
        if line["line_id"] in seen:
            p.add(f"lines[{i}].line_id", "duplicate")
        seen.add(line["line_id"])


def _daily_totals(doc, p):
    seen = set()
    for i, row in enumerate(doc["rows"]):
        key = (row.get("department", ""), row["account"])
        if key in seen:
            p.add(f"rows[{i}]", "duplicate")
        seen.add(key)


RULES = {"po_ack": _po_ack, "asn": _asn, "invoice": _invoice, "price_catalog": _price_catalog,
         "vendor_update": _email, "par_levels": _par_levels,
         "vendor_onboarding": _onboarding, "vendor_credential": lambda doc, p: _validity("", doc, p),
         "billing_batch": _billing_batch, "billing_daily_totals": _daily_totals}
