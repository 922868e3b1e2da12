"""Reference for ``rust/reconcile/barcode.rs``: GTINs, GS1 element strings and
HIBC LIC bar codes in plain Python, with the engine's error messages.

Texts are read as Rust reads them: ``_get`` slices bytes as ``str::get``
does, numbers parse as ``u32::from_str`` (a leading ``+`` allowed, nothing
else), trimming is Rust's (``\\x1c``-``\\x1f`` are not white space there),
and ``_q`` quotes a text as Rust's ``{:?}`` does.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

EPOCH = dt.date(1970, 1, 1).toordinal()
GS = "\x1d"
HIBC_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
WHITE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
        "\u2028\u2029\u202f\u205f\u3000"


class BarcodeError(ValueError):
    pass


def trim(s: str) -> str:
    return s.strip(WHITE)


def upper_ascii(s: str) -> str:
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in s)


def _q(s: str) -> str:
    out = []
    for c in s:
        o = ord(c)
        esc = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"'}.get(c)
        if esc:
            out.append(esc)
        elif o < 0x20 or 0x7F <= o < 0xA0:
            out.append(f"\\u{{{o:x}}}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _blen(s: str) -> int:
    return len(s.encode())


def _get(s: str, a: int, b: int | None = None) -> str | None:
    raw = s.encode()
    b = len(raw) if b is None else b
    if b > len(raw) or a > b:
        return None
    try:
        return raw[a:b].decode()
    except UnicodeDecodeError:
        return None


def _u32(s: str | None) -> int | None:
    if s is None or not re.fullmatch(r"\+?[0-9]+", s):
        return None
    v = int(s)
    return v if v < 2**32 else None


def days(year: int, month: int, day: int) -> int | None:
    try:
        return dt.date(year, month, day).toordinal() - EPOCH
    except ValueError:
        return None


def year_of(day: int) -> int:
    return dt.date.fromordinal(day + EPOCH).year


def _last_day(year: int, month: int) -> int | None:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return (dt.date(ny, nm, 1) - dt.timedelta(days=1)).day
    except (ValueError, OverflowError):
        return None


def full_year(yy: int, reference_year: int) -> int:
    century = reference_year // 100 * 100
    diff = yy - reference_year % 100
    if diff >= 51:
        return century - 100 + yy
    if diff <= -50:
        return century + 100 + yy
    return century + yy


def _check_digit(body: str) -> int | None:
    total = 0
    for i, c in enumerate(reversed(body)):
        if not ("0" <= c <= "9"):
            return None
        total += int(c) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def _gs1_valid(code: str) -> bool:
    if len(code) < 2 or not all("0" <= c <= "9" for c in code):
        return False
    return _check_digit(code[:-1]) == int(code[-1])


def gtin14(code: str) -> str:
    code = trim(code)
    if _blen(code) not in (8, 12, 13, 14) or not all("0" <= c <= "9" for c in code):
        raise BarcodeError(f"{_q(code)} is not a GTIN (8, 12, 13 or 14 digits)")
    if not _gs1_valid(code):
        raise BarcodeError(f"GTIN {code} has a wrong check digit")
    return code.rjust(14, "0")


@dataclass
class Parsed:
    product: str = ""
    lot: str | None = None
    expiry: int | None = None
    serial: str | None = None
    quantity: int | None = None


FIXED = {"00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2}


def _gs1_ai(s: str):
    two = _get(s, 0, 2)
    if two is None:
        return None
    if two in FIXED:
        return 2, FIXED[two], True
    if two in ("10", "21", "22"):
        return 2, 20, False
    if two in ("30", "37"):
        return 2, 8, False
    if two in ("24", "25") and _get(s, 2, 3) in ("0", "1"):
        return 3, 30, False
    if two in ("31", "32", "33", "34", "35", "36"):
        return 4, 6, True
    if two == "41":
        return 3, 13, True
    return None


def _gs1_date(v: str, reference_year: int) -> int:
    yy, mm, dd = (_u32(_get(v, a, a + 2)) for a in (0, 2, 4))
    if yy is None or mm is None or dd is None:
        raise BarcodeError(f"date {_q(v)} is not YYMMDD")
    year = full_year(yy, reference_year)
    if dd == 0:
        dd = _last_day(year, mm)
        if dd is None:
            raise BarcodeError(f"date {_q(v)} has no month {mm}")
    d = days(year, mm, dd)
    if d is None:
        raise BarcodeError(f"date {_q(v)} does not exist")
    return d


def parse_gs1(text: str, reference_year: int) -> Parsed:
    t = trim(text)
    if t.startswith("("):
        fields = _gs1_bracketed(text, t)
    elif not t.isascii():
        raise BarcodeError(f"{_q(text)}: characters outside the GS1 set")
    else:
        fields = _gs1_scanned(text, t)
    out = Parsed()
    for ai, value in fields:
        _gs1_field(text, ai, value, reference_year, out)
    if not out.product:
        raise BarcodeError(f"{_q(text)}: no GTIN (AI 01)")
    return out


def _gs1_bracketed(text: str, t: str):
    fields, rest = [], t
    while rest:
        close = rest.find(")")
        if not rest.startswith("(") or close < 0:
            raise BarcodeError(f"{_q(text)}: expected (AI) at {_q(rest)}")
        ai, after = rest[1:close], rest[close + 1:]
        end = after.find("(")
        end = len(after) if end < 0 else end
        fields.append((ai, after[:end]))
        rest = after[end:]
    return fields


def _gs1_scanned(text: str, t: str):
    fields, rest = [], t
    for prefix in ("]d2", "]C1", "]Q3", "]e0"):
        if rest.startswith(prefix):
            rest = rest[len(prefix):]
            break
    rest = rest.lstrip(GS)
    while rest:
        rule = _gs1_ai(rest)
        if rule is None:
            raise BarcodeError(f"{_q(text)}: unknown AI at {_q(rest)}")
        ai_len, mx, fixed = rule
        if len(rest) < ai_len:
            raise BarcodeError(f"{_q(text)}: truncated AI at {_q(rest)}")
        ai, body = rest[:ai_len], rest[ai_len:]
        end = min(mx, len(body)) if fixed else (body.find(GS) if GS in body else len(body))
        fields.append((ai, body[:end]))
        rest = body[end:].lstrip(GS)
    return fields


def _gs1_field(text: str, ai: str, value: str, reference_year: int, out: Parsed) -> None:
    rule = _gs1_ai(ai + value)
    if rule is None or rule[0] != _blen(ai):
        raise BarcodeError(f"{_q(text)}: unknown AI ({ai})")
    _, mx, fixed = rule
    n = _blen(value)
    if (fixed and n != mx) or not value or n > mx:
        raise BarcodeError(f"{_q(text)}: AI ({ai}) has {n} characters")
    if ai in ("01", "02"):
        try:
            out.product = gtin14(value)
        except BarcodeError as e:
            raise BarcodeError(f"{_q(text)}: {e}") from None
    elif ai == "10":
        out.lot = value
    elif ai == "21":
        out.serial = value
    elif ai == "17":
        out.expiry = _gs1_date(value, reference_year)
    elif ai in ("30", "37"):
        out.quantity = _u32(value)
        if out.quantity is None:
            raise BarcodeError(f"{_q(text)}: count {_q(value)} is not a number")
    elif ai == "00" and not _gs1_valid(value):
        raise BarcodeError(f"{_q(text)}: SSCC {value} has a wrong check digit")


def hibc_check(data: str) -> str | None:
    total = 0
    for c in data:
        k = HIBC_CHARS.find(upper_ascii(c)) if c.isascii() else -1
        if k < 0:
            return None
        total += k
    return HIBC_CHARS[total % 43]


def _julian(v: str, reference_year: int) -> int:
    yy, jjj = _u32(_get(v, 0, 2)), _u32(_get(v, 2, 5))
    if yy is None or jjj is None:
        raise BarcodeError(f"date {_q(v)} is not YYJJJ")
    year = full_year(yy, reference_year)
    d = days(year, 1, 1)
    if d is not None and 1 <= jjj <= 366 and year_of(d + jjj - 1) == year:
        return d + jjj - 1
    raise BarcodeError(f"date {_q(v)} does not exist")


def _secondary(seg: str, reference_year: int, out: Parsed) -> None:
    if seg.startswith("$$"):
        _dollars(seg, seg[2:], reference_year, out)
    elif seg.startswith("$+"):
        out.serial = seg[2:]
    elif seg.startswith("$"):
        out.lot = seg[1:]
    elif seg.startswith("14D"):
        d = seg[3:]
        v = [_u32(_get(d, a, b)) or 0 for a, b in ((0, 4), (4, 6), (6, 8))]
        out.expiry = days(*v)
        if out.expiry is None:
            raise BarcodeError(f"expiry in {_q(seg)} does not exist")
    elif seg.startswith("16D"):
        pass
    elif seg.startswith("S"):
        out.serial = seg[1:]
    elif len(seg) >= 5 and all("0" <= c <= "9" for c in seg[:5]):
        out.expiry = _julian(seg[:5], reference_year)
        if len(seg) > 5:
            out.lot = seg[5:]
    else:
        raise BarcodeError(f"{_q(seg)}: unknown HIBC secondary data")


def _dollars(seg: str, rest: str, reference_year: int, out: Parsed) -> None:
    for lead, n in (("8", 2), ("9", 5)):
        if rest.startswith(lead):
            q = rest[1:]
            out.quantity = _u32(_get(q, 0, n))
            if out.quantity is None:
                raise BarcodeError(f"quantity after $${lead}")
            rest = q[n:]
            break
    if rest.startswith("+"):
        out.serial = rest[1:]
        return
    expiry, used = _hibc_expiry(seg, rest, reference_year)
    out.expiry = expiry
    lot = _get(rest, used)
    if lot is None:
        raise BarcodeError(f"{_q(seg)} is truncated")
    if lot:
        out.lot = lot


def _hibc_expiry(seg: str, rest: str, reference_year: int):
    def ymd(yy, mm, dd):
        d = days(full_year(yy, reference_year), mm, dd)
        if d is None:
            raise BarcodeError(f"expiry in {_q(seg)} does not exist")
        return d

    def digits(r, n):
        got = [_u32(_get(r, 2 * k, 2 * k + 2)) for k in range(n // 2)]
        if None in got:
            raise BarcodeError(f"expiry in {_q(seg)} is not {n} digits")
        return got

    first = rest[:1]
    if first in ("0", "1"):
        mm, yy = digits(rest, 4)
        last = _last_day(full_year(yy, reference_year), mm)
        if last is None:
            raise BarcodeError(f"month in {_q(seg)}")
        return ymd(yy, mm, last), 4
    if first == "2":
        mm, dd, yy = digits(rest[1:], 6)
        return ymd(yy, mm, dd), 7
    if first == "3":
        yy, mm, dd = digits(rest[1:], 6)
        return ymd(yy, mm, dd), 7
    if first == "4":
        yy, mm, dd, _hh = digits(rest[1:], 8)
        return ymd(yy, mm, dd), 9
    if first in ("5", "6"):
        return _julian(_get(rest, 1, 6) or "", reference_year), 6 if first == "5" else 8
    if first == "7":
        return None, 1
    raise BarcodeError(f"{_q(seg)}: unknown HIBC date format")


def parse_hibc(text: str, reference_year: int) -> Parsed:
    t = upper_ascii(trim(text).strip("*"))
    if not t.startswith("+"):
        raise BarcodeError(f"{_q(text)}: an HIBC code starts with '+'")
    if _blen(t) < 3:
        raise BarcodeError(f"{_q(text)}: too short for HIBC")
    if not t.isascii():
        raise BarcodeError(f"{_q(text)}: character outside the HIBC set")
    data, check = t[:-1], t[-1]
    c = hibc_check(data)
    if c is None:
        raise BarcodeError(f"{_q(text)}: character outside the HIBC set")
    if check != c:
        raise BarcodeError(f"{_q(text)}: check character should be '{c}'")
    primary, *segments = t[1:-1].split("/")
    if primary.startswith("$"):
        raise BarcodeError(f"{_q(text)}: secondary data alone; scan the primary and secondary together")
    if len(primary) < 6 or not primary[0].isalpha() or not primary[-1].isdigit():
        raise BarcodeError(f"{_q(text)}: primary data must be LIC (4, first a letter), product code and a unit digit")
    out = Parsed(product=primary)
    for seg in segments:
        try:
            _secondary(seg, reference_year, out)
        except BarcodeError as e:
            raise BarcodeError(f"{_q(text)}: {e}") from None
    return out
