"""Reference for ``rust/x12/``: X12 parse, envelope checks, validation of a
set's segment order and use, and the mapping to MedSync documents, in plain
Python.

``parse(data, product_qualifiers=None, currency="USD", tier=None)`` returns
what ``medsync_core.x12_parse`` returns, without ``engine_s``. It checks
envelopes, counts, control numbers, the order and use of segments and loops,
unknown segments, product ids (GTIN check digits, HIBC check characters) and
the 856 HL tree, but not each element's type and length: on well-formed
elements (what the tests generate) it answers as the engine does. Messages
are free text; compare without them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

DEFAULT_QUALIFIERS = ["VN", "VC", "VP", "MG", "UK", "EN", "UP", "IN", "HI", "N4", "BP"]
ISA_WIDTHS = [(2, "010"), (10, "011"), (2, "012"), (10, "013"), (2, "005"), (15, "006"), (2, "007"), (15, "008"),
              (6, "014"), (4, "015"), (1, "016"), (5, "017"), (9, "018"), (1, "019"), (1, "020"), (1, "027")]
TA1_NOT_FATAL = {"021", "024", "025"}
FUNCTIONAL = {"850": "PO", "855": "PR", "856": "SH", "810": "IN", "832": "SC", "997": "FA", "999": "FA"}
DOC_TYPES = {"850": "purchase_order", "855": "po_ack", "856": "asn", "810": "invoice", "832": "price_catalog",
             "997": "functional_ack", "999": "functional_ack"}
ACK_STATUS = {**dict.fromkeys(["IA", "IC", "IE", "IP", "IQ", "DR", "AR", "AC"], "accepted"),
              **dict.fromkeys(["IB", "BP"], "backordered"), "IS": "substituted",
              **dict.fromkeys(["IR", "ID", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"], "rejected")}
HIBC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
MANY = 999_999


# ------------------------------------------------------------------ schemas (order and use only)

def S(sid, req, most):
    return ("S", sid, req, most)


def L(lid, req, repeat, children):
    return ("L", lid, req, repeat, children)


def trigger(n):
    return n[1] if n[0] == "S" else trigger(n[4][0])


N1_LOOP = L("N1", False, 200, [S("N1", True, 1), S("N2", False, 2), S("N3", False, 2), S("N4", False, 1),
                               S("REF", False, 12), S("PER", False, 3)])
SAC_LOOP = L("SAC", False, 25, [S("SAC", True, 1), S("TXI", False, 10)])
SETS = {
    "850": [S("ST", True, 1), S("BEG", True, 1), S("CUR", False, 1), S("REF", False, 12), S("PER", False, 3),
            S("DTM", False, 10), N1_LOOP,
            L("PO1", True, 100_000, [S("PO1", True, 1), S("CUR", False, 1), S("PID", False, 1000),
                                     S("PO4", False, 1), S("REF", False, 12), S("DTM", False, 10), SAC_LOOP]),
            L("CTT", False, 1, [S("CTT", True, 1), S("AMT", False, 1)]), S("SE", True, 1)],
    "855": [S("ST", True, 1), S("BAK", True, 1), S("CUR", False, 1), S("REF", False, 12), S("DTM", False, 10),
            N1_LOOP,
            L("PO1", False, 100_000, [S("PO1", True, 1), S("PID", False, 1000), S("REF", False, 12),
                                      S("DTM", False, 10), L("ACK", False, 104, [S("ACK", True, 1),
                                                                                S("DTM", False, 10)])]),
            L("CTT", False, 1, [S("CTT", True, 1), S("AMT", False, 1)]), S("SE", True, 1)],
    "856": [S("ST", True, 1), S("BSN", True, 1), S("DTM", False, 10),
            L("HL", True, 200_000, [S("HL", True, 1), S("LIN", False, 1), S("SN1", False, 1), S("PRF", False, 1),
                                    S("PO4", False, 1), S("PID", False, 200), S("MEA", False, 40),
                                    S("PKG", False, 25), S("TD1", False, 20), S("TD5", False, 10),
                                    S("TD3", False, 12), S("TD4", False, 5), S("REF", False, 200),
                                    S("PER", False, 3), S("MAN", False, 10), S("DTM", False, 10),
                                    S("FOB", False, 1), N1_LOOP]),
            S("CTT", False, 1), S("SE", True, 1)],
    "810": [S("ST", True, 1), S("BIG", True, 1), S("NTE", False, 100), S("CUR", False, 1), S("REF", False, 12),
            S("PER", False, 3), N1_LOOP, S("ITD", False, MANY), S("DTM", False, 10), S("FOB", False, 1),
            L("IT1", True, 200_000, [S("IT1", True, 1), S("CUR", False, 1), S("TXI", False, 10),
                                     S("PID", False, 1000), S("PO4", False, 1), S("ITD", False, 2),
                                     S("REF", False, MANY), S("DTM", False, 10), SAC_LOOP]),
            S("TDS", True, 1), S("TXI", False, 10), S("CAD", False, 1), S("AMT", False, MANY), SAC_LOOP,
            S("CTT", False, 1), S("SE", True, 1)],
    "832": [S("ST", True, 1), S("BCT", True, 1), S("CUR", False, 1), S("REF", False, 12), S("PER", False, 5),
            S("DTM", False, 10), N1_LOOP,
            L("LIN", False, 100_000, [S("LIN", True, 1), S("PID", False, 200), S("MEA", False, 40),
                                      S("PKG", False, 25), S("REF", False, 12), S("DTM", False, 10),
                                      L("CTP", False, 25, [S("CTP", True, 1), S("CUR", False, 1),
                                                           S("DTM", False, 10)])]),
            S("CTT", False, 1), S("SE", True, 1)],
    "997": [S("ST", True, 1), S("AK1", True, 1),
            L("AK2", False, MANY, [S("AK2", True, 1), L("AK3", False, MANY, [S("AK3", True, 1), S("AK4", False, 99)]),
                                   S("AK5", True, 1)]),
            S("AK9", True, 1), S("SE", True, 1)],
    "999": [S("ST", True, 1), S("AK1", True, 1),
            L("AK2", False, MANY, [S("AK2", True, 1),
                                   L("IK3", False, MANY, [S("IK3", True, 1), S("CTX", False, 10),
                                                          L("IK4", False, 99, [S("IK4", True, 1),
                                                                               S("CTX", False, 10)])]),
                                   S("IK5", True, 1)]),
            S("AK9", True, 1), S("SE", True, 1)],
}
PAIRS = {"PO1": 6, "IT1": 6, "LIN": 2, "ACK": 7}


def knows(nodes, sid):
    return any(n[1] == sid if n[0] == "S" else knows(n[4], sid) for n in nodes)


# ------------------------------------------------------------------ lexing

class Seg:
    __slots__ = ("comp", "els")

    def __init__(self, text, d):
        self.els = text.split(d["element"])
        self.comp = d["component"]

    @property
    def id(self):
        return self.els[0]

    def el(self, i):
        return self.els[i] if i < len(self.els) else ""

    def text(self, i):
        return self.el(i).strip()


def _space(ch):
    return ch in " \t\r\n\0"


def _isa_delims(s, at):
    if at + 3 >= len(s):
        return None, ("023", "ends inside the ISA")
    element = s[at + 3]
    if (element.isascii() and element.isalnum()) or (_space(element) and element != "\t"):
        return None, ("026", "bad element separator")
    seps, i, isa11 = 0, at + 3, [0, 0]
    while i < len(s) and seps < 16:
        if s[i] == element:
            seps += 1
            if seps == 11:
                isa11[0] = i + 1
            elif seps == 12:
                isa11[1] = i
        i += 1
    if seps < 16 or i + 1 >= len(s):
        return None, ("023", "ends inside the ISA")
    rep = s[isa11[0]:isa11[1]]
    rep = rep if len(rep) == 1 and not (rep.isascii() and rep.isalnum()) and not _space(rep) else ""
    return {"element": element, "repetition": rep, "component": s[i], "segment": s[i + 1]}, i + 1


def lex(data: bytes):
    """(interchanges [(delims, first position, [segment text], truncated)], file errors, segments)."""
    s = data.decode("latin-1")  # one character per byte: positions agree with the engine's
    out, errors, count, i = [], [], 0, 0
    while i < len(s):
        while i < len(s) and _space(s[i]):
            i += 1
        if i >= len(s):
            break
        if not s.startswith("ISA", i):
            nxt = s.find("ISA", i + 1)
            nxt = len(s) if nxt < 0 else nxt
            errors.append(_err(count + 1, "", 0, "024"))
            i = nxt
            continue
        d, end = _isa_delims(s, i)
        if d is None:
            errors.append(_err(count + 1, "ISA", 0, end[0]))
            nxt = s.find("ISA", i + 3)
            i = len(s) if nxt < 0 else nxt
            continue
        count += 1
        segs, first, truncated = [s[i:end]], count, False
        i = end + 1
        while True:
            while i < len(s) and s[i] in "\r\n" and s[i] != d["segment"]:
                i += 1
            if i >= len(s):
                break
            if s.startswith("ISA", i) and s[i + 3:i + 4] == d["element"]:
                break
            p = s.find(d["segment"], i)
            if p < 0:
                truncated, e, nxt = True, len(s), len(s)
            else:
                e, nxt = p, p + 1
            if d["segment"] == "\n" and e > i and s[e - 1] == "\r":
                e -= 1
            count += 1
            segs.append(s[i:e])
            i = nxt
            if segs[-1].split(d["element"])[0] == "IEA":
                break
        out.append((d, first, segs, truncated))
    return out, errors, count


def _err(pos, sid, element, code):
    return {"segment": pos, "segment_id": sid, "element": element, "code": code, "message": ""}


def _utf8(t):
    return t.encode("latin-1").decode("utf-8", "replace")


# ------------------------------------------------------------------ envelopes

def iso_date(v):
    if not v.isdigit() or len(v) not in (6, 8):
        return None
    full = v if len(v) == 8 else "20" + v
    try:
        dt.date(int(full[:4]), int(full[4:6]), int(full[6:]))
    except ValueError:
        return None
    return f"{full[:4]}-{full[4:6]}-{full[6:]}"


def valid_time(v):
    return (4 <= len(v) <= 8 and len(v) != 5 and v.isdigit() and int(v[:2]) < 24 and int(v[2:4]) < 60
            and (len(v) < 6 or int(v[4:6]) < 60))


def _digits(v):
    return v != "" and v.isascii() and v.isdigit()


def _interchange(d, first, segs, truncated):
    isa = Seg(segs[0], d)
    els = isa.els[1:]
    ic = {"segment": first, "errors": [], "groups": [], "received_ta1": []}
    for k, (width, code) in enumerate(ISA_WIDTHS):
        v = els[k] if k < len(els) else ""
        if len(v) != width:
            ic["errors"].append(_err(first, "ISA", k + 1, code))
    if len(els) > 16:
        ic["errors"].append(_err(first, "ISA", 17, "022"))

    def el(i):
        return els[i - 1] if i - 1 < len(els) else ""

    ic.update(sender_qualifier=_utf8(el(5)).strip(), sender_id=_utf8(el(6)).strip(),
              receiver_qualifier=_utf8(el(7)).strip(), receiver_id=_utf8(el(8)).strip(),
              date=iso_date(el(9)) or "", time=_utf8(el(10)).strip(), control=_utf8(el(13)).strip(),
              version=_utf8(el(12)).strip(), ack_requested=el(14) == "1", usage=_utf8(el(15)).strip(),
              delimiters={k: _utf8(v) for k, v in d.items()})
    checks = [(el(1) in ("00", "03"), 1, "010"), (el(3) in ("00", "01"), 3, "012"), (ic["sender_id"] != "", 6, "006"),
              (ic["receiver_id"] != "", 8, "008"), (ic["date"] != "", 9, "014"),
              (valid_time(el(10)) and len(el(10)) == 4, 10, "015"), (_digits(ic["version"]), 12, "017"),
              (el(14) in ("0", "1"), 14, "019"), (el(15) in ("P", "T", "I"), 15, "020")]
    for ok, k, code in checks:
        if not ok and not any(e["element"] == k for e in ic["errors"]):
            ic["errors"].append(_err(first, "ISA", k, code))
    if not _digits(ic["control"]) and not any(e["element"] == 13 for e in ic["errors"]):
        ic["errors"].append(_err(first, "ISA", 13, "018"))
    if (d["component"].isascii() and d["component"].isalnum()) or d["component"] == d["element"]:
        ic["errors"].append(_err(first, "ISA", 16, "027"))
    if (d["segment"].isascii() and d["segment"].isalnum()) or d["segment"] in (d["element"], d["component"]):
        ic["errors"].append(_err(first, "ISA", 16, "004"))

    spans, group, cur, gcontrols, iea = [], None, None, set(), None

    def close_set(se, last):
        nonlocal cur
        span, cur = cur, None
        span["end"] = last + 1
        count = span["end"] - span["first"]
        st = span["set"]
        st["segment_count"] = count
        if se is None:
            span["codes"].append("2")
        else:
            s = Seg(segs[se], d)
            if s.text(1) != str(count):
                span["codes"].append("4")
            if s.text(2) != st["control"]:
                span["codes"].append("3")

    def close_group(ge):
        nonlocal group
        g, group = group, None
        g = g["group"]
        if ge is None:
            g["errors"].append(_err(g["segment"], "GE", 0, "3"))
            g["ack_errors"].append("3")
            return
        s = Seg(segs[ge], d)
        if s.text(2) != g["control"]:
            g["errors"].append(_err(first + ge, "GE", 0, "4"))
            g["ack_errors"].append("4")
        if s.text(1) != str(len(g["sets"])):
            g["errors"].append(_err(first + ge, "GE", 0, "5"))
            g["ack_errors"].append("5")

    for j in range(1, len(segs)):
        s = Seg(segs[j], d)
        sid = s.id
        if sid == "GS":
            if cur:
                close_set(None, j - 1)
            if group:
                close_group(None)
            version = _utf8(s.text(8))
            g = {"segment": first + j, "functional_id": _utf8(s.text(1)), "sender": _utf8(s.text(2)),
                 "receiver": _utf8(s.text(3)), "date": iso_date(s.el(4)) or "", "control": _utf8(s.text(6)),
                 "version": version, "ack_code": "", "ack_errors": [], "errors": [], "sets": []}
            ver = "4010" if version.startswith("00401") else "5010" if version.startswith("00501") else None

            def bad(code, element, g=g):
                g["errors"].append(_err(g["segment"], "GS", element, code))
                g["ack_errors"].append(code)

            if g["functional_id"] not in ("PO", "PR", "SH", "IN", "SC", "FA"):
                bad("1", 1)
            if ver is None:
                bad("2", 8)
            if not _digits(g["control"]) or len(g["control"]) > 9:
                bad("6", 6)
            elif g["control"] in gcontrols:
                bad("19", 6)
            gcontrols.add(g["control"])
            ic["groups"].append(g)
            group = {"group": g, "ver": ver, "controls": set()}
        elif sid == "ST" and group:
            if cur:
                close_set(None, j - 1)
            g = group["group"]
            st = {"segment": first + j, "set_id": _utf8(s.text(1)), "control": _utf8(s.text(2)),
                  "implementation": _utf8(s.text(3))}
            codes = []
            if FUNCTIONAL.get(st["set_id"]) != g["functional_id"] or group["ver"] is None:
                codes.append("1")
            if not _digits(st["control"]) or not 4 <= len(st["control"]) <= 9:
                codes.append("7")
            elif st["control"] in group["controls"]:
                codes.append("23")
            group["controls"].add(st["control"])
            g["sets"].append(st)
            cur = {"set": st, "first": j, "end": j + 1, "ver": group["ver"], "codes": codes}
            spans.append(cur)
        elif sid == "SE" and cur:
            close_set(j, j)
        elif sid == "GE" and group:
            if cur:
                close_set(None, j - 1)
            close_group(j)
        elif sid == "IEA":
            if cur:
                close_set(None, j - 1)
            if group:
                close_group(None)
            iea = j
        elif sid == "TA1" and not group:
            ic["received_ta1"].append({"segment": first + j, "control": _utf8(s.text(1)),
                                       "date": iso_date(s.el(2)) or "", "time": _utf8(s.text(3)),
                                       "code": _utf8(s.text(4)), "note": _utf8(s.text(5))})
        elif cur:
            pass
        elif group:
            group["group"]["errors"].append(_err(first + j, _utf8(sid), 0, ""))
        else:
            ic["errors"].append(_err(first + j, _utf8(sid), 0, "024"))
    last = len(segs) - 1
    if cur:
        close_set(None, last)
    if group:
        close_group(None)
    if iea is None:
        ic["errors"].append(_err(first + last, "IEA", 0, "023"))
    else:
        s = Seg(segs[iea], d)
        if s.text(2) != ic["control"]:
            ic["errors"].append(_err(first + iea, "IEA", 2, "001"))
        if s.text(1) != str(len(ic["groups"])):
            ic["errors"].append(_err(first + iea, "IEA", 1, "021"))
    return ic, spans


def group_code(g):
    n = len(g["sets"])
    rejected = sum(1 for s in g["sets"] if s["ack_code"] == "R")
    if g["ack_errors"] or (n and rejected == n):
        return "R"
    if rejected:
        return "P"
    if g["errors"] or any(s["ack_code"] == "E" for s in g["sets"]):
        return "E"
    return "A"


def settle(ic):
    for g in ic["groups"]:
        g["ack_code"] = group_code(g)
    fatal = next((e for e in ic["errors"] if e["code"] not in TA1_NOT_FATAL), None)
    code = "R" if fatal else "E" if ic["errors"] else "A"
    note = (fatal or (ic["errors"][0] if ic["errors"] else None) or {"code": "000"})["code"]
    ic["ta1"] = {"code": code, "note": note}


# ------------------------------------------------------------------ validation

def _seg_error(pos, sid, loop, code):
    return {"segment": pos, "segment_id": sid, "loop": loop, "code": code, "element": 0, "component": 0,
            "element_code": "", "value": "", "message": ""}


def _el_error(pos, sid, loop, k, code, value):
    return {"segment": pos, "segment_id": sid, "loop": loop, "code": "8", "element": k, "component": 0,
            "element_code": code, "value": _utf8(value)[:99], "message": ""}


def _missing(f, start, stop, pos, errors):
    for k in range(start, stop):
        n = f["nodes"][k]
        if n[2] and f["counts"][k] == 0 and trigger(n) != "SE":
            errors.append(_seg_error(pos, trigger(n), n[1] if n[0] == "L" else f["loop"], "3"))


def walk(segs, nodes, c):
    stack = [{"nodes": nodes, "idx": 0, "counts": [0] * len(nodes), "loop": "", "in_loop": False}]
    for i, seg in enumerate(segs):
        pos, sid = i + 1, seg.id
        found = None
        for depth in range(len(stack) - 1, -1, -1):
            f = stack[depth]
            start = max(f["idx"], 1) if f["in_loop"] else f["idx"]
            j = next((j for j in range(start, len(f["nodes"])) if trigger(f["nodes"][j]) == sid), None)
            if j is not None:
                found = (depth, j)
                break
        if found is None:
            lp = stack[-1]["loop"]
            if knows(nodes, sid):
                c["errors"].append(_seg_error(pos, _utf8(sid), lp, "7"))
            else:
                ok = 2 <= len(sid) <= 3 and all(ch.isascii() and (ch.isupper() or ch.isdigit()) for ch in sid)
                c["errors"].append(_seg_error(pos, _utf8(sid), lp, "2" if ok else "1"))
                c["unknown"].append({"segment": pos, "segment_id": _utf8(sid)})
            continue
        depth, j = found
        while len(stack) > depth + 1:
            f = stack.pop()
            _missing(f, f["idx"], len(f["nodes"]), pos, c["errors"])
        f = stack[-1]
        _missing(f, f["idx"], j, pos, c["errors"])
        f["idx"] = j
        f["counts"][j] += 1
        node, here = f["nodes"][j], f["loop"]
        if node[0] == "S" and f["counts"][j] > node[3]:
            c["errors"].append(_seg_error(pos, sid, here, "5"))
        elif node[0] == "L":
            if f["counts"][j] > node[3]:
                c["errors"].append(_seg_error(pos, sid, node[1], "4"))
            counts = [0] * len(node[4])
            counts[0] = 1
            stack.append({"nodes": node[4], "idx": 0, "counts": counts, "loop": node[1], "in_loop": True})
            here = node[1]
        if sid in PAIRS:
            q = PAIRS[sid]
            while q < len(seg.els):
                msg = product_id_problem(seg.el(q), seg.el(q + 1))
                if msg:
                    c["errors"].append(_el_error(pos, sid, here, q + 1, "7", seg.el(q + 1)))
                q += 2
    while stack:
        f = stack.pop()
        _missing(f, f["idx"], len(f["nodes"]), len(segs), c["errors"])


def gs1_check(body):
    total = sum(int(ch) * (3 if i % 2 == 0 else 1) for i, ch in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def hibc_check(data):
    try:
        return HIBC[sum(HIBC.index(ch.upper()) for ch in data) % 43]
    except ValueError:
        return None


def product_id_problem(q, pid):
    """None when the id fits its qualifier (UK/EN/UP GTIN, HI HIBC), else why not."""
    pid = _utf8(pid)
    if q == "HI":
        body = pid[1:] if pid.startswith("+") else pid
        if len(body.encode()) < 2:
            return "too short"
        check = hibc_check("+" + body[:-1])
        return None if check is not None and check == body[-1].upper() else "check character"
    n = {"UK": 14, "EN": 13, "UP": 12}.get(q)
    if n is None:
        return None
    if len(pid) != n or not (pid.isascii() and pid.isdigit()):
        return "length"
    return None if gs1_check(pid[:-1]) == int(pid[-1]) else "check digit"


def hl_tree(segs, errors):
    out, ids = [], {}
    for i, s in enumerate(segs):
        if s.id != "HL":
            continue
        hid, parent = s.el(1), s.el(2)
        if hid in ids:
            errors.append(_el_error(i + 1, "HL", "HL", 1, "7", hid))
        ids[hid] = len(out)
        p = None
        if parent:
            p = ids.get(parent)
            if p == len(out):
                p = None
            if p is None:
                errors.append(_el_error(i + 1, "HL", "HL", 2, "7", parent))
        out.append({"seg": i, "parent": p, "level": _utf8(s.text(3))})
    return out


def _is_unknown(e):
    return e["element"] == 0 and e["code"] in ("1", "2")


def check_set(segs, ver, codes, opts):
    c = {"codes": list(codes), "errors": [], "unknown": [], "doc_type": None, "documents": [], "skipped": 0}
    set_id = _utf8(segs[0].text(1))
    nodes = SETS.get(set_id) if ver and not (set_id == "999" and ver == "4010") else None
    if nodes is None:
        if not c["codes"]:
            c["codes"].append("1")
        return c
    if opts["map"]:
        c["doc_type"] = DOC_TYPES.get(set_id)
    walk(segs, nodes, c)
    if set_id == "856":
        hl_tree(segs, c["errors"])
    fatal = c["codes"] or any(not _is_unknown(e) for e in c["errors"])
    if opts["map"] and not fatal:
        before = len(c["errors"])
        docs = MAPPERS[set_id](segs, opts, c)
        if len(c["errors"]) == before:
            c["documents"] = docs
    return c


def apply(c, st):
    fatal = bool(c["codes"]) or any(not _is_unknown(e) for e in c["errors"])
    codes = c["codes"] + (["5"] if c["errors"] else [])
    st.update(ack_code="R" if fatal else "E" if c["errors"] else "A", ack_errors=codes, errors=c["errors"],
              unknown_segments=c["unknown"], doc_type=c["doc_type"], documents=[] if fatal else c["documents"],
              skipped_lines=c["skipped"])


# ------------------------------------------------------------------ mapping

def dec(v, implied=0):
    v = _utf8(v).strip()
    if not v:
        return None
    try:
        d = Decimal(v)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    d = d.scaleb(-implied).normalize()
    return format(d, "f")


def _put(o, key, v):
    if v:
        o[key] = v


def _text(s, i):
    return _utf8(s.text(i)) or None


def _line_no(v):
    return int(v) if v and len(v) <= 9 and v.isascii() and v.isdigit() else None


def _pairs(s, start):
    els = s.els[start:]
    return [(els[k], els[k + 1]) for k in range(0, len(els) - 1, 2)]


def _preferred(s, start, opts):
    pairs = [(q, pid) for q, pid in _pairs(s, start) if pid]
    for q in opts["product_qualifiers"]:
        for pq, pid in pairs:
            if pq == q:
                return _utf8(pid).strip()
    return None


def _pair(s, start, qual):
    return next((_utf8(pid).strip() for q, pid in _pairs(s, start) if q == qual and pid), None)


def _product(s, start, pos, loop, opts, c):
    p = _preferred(s, start, opts)
    if p is None:
        c["errors"].append(_el_error(pos, s.id, loop, start + 1, "2", ""))
    return p


def _purchase_order(segs, opts, c):
    doc, lines, planned, currency = {}, [], None, None
    for i, s in enumerate(segs):
        sid = s.id
        if sid == "BEG":
            _put(doc, "po", _text(s, 3))
            d = iso_date(s.el(5))
            _put(doc, "date_order", d and f"{d} 00:00:00")
        elif sid == "CUR" and not lines:
            currency = _text(s, 2)
        elif sid == "DTM" and not lines and s.el(1) == "002":
            planned = iso_date(s.el(2))
        elif sid == "N1" and s.el(1) == "ST":
            _put(doc, "ship_to", _text(s, 2))
            _put(doc, "ship_to_qualifier", _text(s, 3))
            _put(doc, "ship_to_id", _text(s, 4))
        elif sid == "N1" and s.el(1) == "SE":
            _put(doc, "vendor", _text(s, 2) or _text(s, 4))
        elif sid == "PO1":
            n = _line_no(s.el(1))
            line = {"line_no": n if n is not None else len(lines) + 1}
            _put(line, "product", _product(s, 6, i + 1, "PO1", opts, c))
            _put(line, "qty", dec(s.el(2)))
            _put(line, "uom", _text(s, 3))
            _put(line, "price", dec(s.el(4)))
            _put(line, "date_planned", planned and f"{planned} 00:00:00")
            lines.append(line)
        elif sid == "PID" and lines and "description" not in lines[-1]:
            _put(lines[-1], "description", _text(s, 5))
    _put(doc, "currency", currency or opts["currency"])
    doc["lines"] = lines
    return [doc]


def _po_ack(segs, opts, c):
    doc, lines, cur, n_po1 = {}, [], None, 0

    def flush():
        if cur and not cur[1]:
            base = dict(cur[0], status="accepted")
            _put(base, "qty", cur[2])
            lines.append(base)

    for i, s in enumerate(segs):
        if s.id == "BAK":
            _put(doc, "po", _text(s, 3))
            _put(doc, "ack_date", iso_date(s.el(4)))
            _put(doc, "vendor_ref", _text(s, 8))
        elif s.id == "PO1":
            flush()
            n_po1 += 1
            n = _line_no(s.el(1))
            base = {"line_no": n if n is not None else n_po1}
            _put(base, "product", _product(s, 6, i + 1, "PO1", opts, c))
            _put(base, "price", dec(s.el(4)))
            cur = [base, False, dec(s.el(2))]
        elif s.id == "ACK" and cur:
            cur[1] = True
            status = ACK_STATUS.get(s.el(1), "accepted")
            line = dict(cur[0], status=status)
            _put(line, "qty", dec(s.el(2)) or cur[2])
            _put(line, "backorder_date" if status == "backordered" else "delivery_date", iso_date(s.el(5)))
            if status == "substituted":
                _put(line, "substitute_product", _preferred(s, 7, opts))
            lines.append(line)
    flush()
    doc["lines"] = lines
    return [doc]


def _asn(segs, opts, c):
    hls = hl_tree(segs, [])
    head, ship, dtm011, carrier, cn, bm = {}, None, None, None, None, None
    data = [{"po": None, "sscc": None, "line": {}} for _ in hls]
    h = None
    for i, s in enumerate(segs):
        sid = s.id
        if sid == "HL":
            h = 0 if h is None else h + 1  # one HL per HL segment, in order
            continue
        if sid == "BSN":
            _put(head, "asn", _text(s, 2))
            ship = iso_date(s.el(3))
        elif sid == "DTM" and s.el(1) == "011":
            dtm011 = dtm011 or iso_date(s.el(2))
        elif sid == "TD5":
            carrier = carrier or _text(s, 3)
        elif sid == "REF" and s.el(1) == "CN":
            cn = cn or _text(s, 2)
        elif sid == "REF" and s.el(1) == "BM":
            bm = bm or _text(s, 2)
        if h is None:
            continue
        d = data[h]
        line = d["line"]
        if sid == "PRF":
            d["po"] = _text(s, 1)
        elif sid == "MAN" and s.el(1) == "GM":
            d["sscc"] = _text(s, 2)
        elif sid == "LIN":
            n = _line_no(s.el(1))
            if n is not None:
                line["line_no"] = n
            _put(line, "product", _product(s, 2, i + 1, "HL", opts, c))
            _put(line, "lot", _pair(s, 2, "LT"))
            _put(line, "serial", _pair(s, 2, "SN"))
        elif sid == "SN1":
            _put(line, "qty", dec(s.el(2)))
            _put(line, "uom", _text(s, 3))
        elif sid == "REF" and s.el(1) == "LT" and "lot" not in line:
            _put(line, "lot", _text(s, 2))
        elif sid == "REF" and s.el(1) == "SE" and "serial" not in line:
            _put(line, "serial", _text(s, 2))
        elif sid == "DTM" and s.el(1) == "036":
            _put(line, "expiry", iso_date(s.el(2)))
    _put(head, "ship_date", ship or dtm011)
    _put(head, "carrier", carrier)
    _put(head, "tracking", cn or bm)
    orders = [k for k, x in enumerate(hls) if x["level"] == "O"]
    per_order = [[] for _ in range(max(len(orders), 1))]
    for k, x in enumerate(hls):
        if x["level"] != "I":
            continue
        up, a = [], x["parent"]
        while a is not None:
            up.append(a)
            a = hls[a]["parent"]
        o = next((orders.index(a) for a in up if a in orders), 0)
        line = dict(data[k]["line"])
        pack = next((a for a in up if hls[a]["level"] in ("P", "T") and data[a]["sscc"]), None)
        _put(line, "sscc", data[pack]["sscc"] if pack is not None else None)
        per_order[o].append(line)
    first_po = next((d["po"] for d in data if d["po"]), None)
    docs = []
    for n, lines in enumerate(per_order):
        doc = dict(head)
        if n > 0:
            doc["asn"] = f"{head.get('asn', '')}-{n + 1}"
        po = data[orders[n]]["po"] if n < len(orders) else None
        _put(doc, "po", po or first_po)
        doc["lines"] = lines
        docs.append(doc)
    return docs


def _add_days(d, days):
    try:
        return (dt.date.fromisoformat(d) + dt.timedelta(days=int(days))).isoformat()
    except (ValueError, OverflowError):
        return None


def _invoice(segs, opts, c):
    doc, lines, charges, in_line, currency, itd_seen = {}, [], [], False, None, False
    for i, s in enumerate(segs):
        sid = s.id
        if sid == "BIG":
            _put(doc, "invoice_date", iso_date(s.el(1)))
            _put(doc, "invoice", _text(s, 2))
            _put(doc, "po", _text(s, 4))
        elif sid == "CUR" and not lines:
            currency = _text(s, 2)
        elif sid == "ITD" and not in_line and not itd_seen:
            itd_seen = True
            _put(doc, "terms_discount_pct", dec(s.el(3)))
            _put(doc, "terms_discount_due", iso_date(s.el(4)))
            if _line_no(s.el(5)) is not None:
                doc["terms_discount_days"] = _line_no(s.el(5))
            _put(doc, "terms_net_due", iso_date(s.el(6)))
            if _line_no(s.el(7)) is not None:
                doc["terms_net_days"] = _line_no(s.el(7))
            from_days = _add_days(doc["invoice_date"], s.el(7)) if "invoice_date" in doc and s.el(7) else None
            _put(doc, "due_date", iso_date(s.el(6)) or from_days)
        elif sid == "IT1":
            in_line = True
            line = {}
            n = _line_no(s.el(1))
            if n is not None:
                line["line_no"] = n
            _put(line, "product", _product(s, 6, i + 1, "IT1", opts, c))
            _put(line, "qty", dec(s.el(2)))
            _put(line, "uom", _text(s, 3))
            _put(line, "price", dec(s.el(4)))
            lines.append(line)
        elif sid == "TDS":
            in_line = False
            _put(doc, "total", dec(s.el(1), 2))
        elif sid in ("PID", "TXI") and in_line:
            key, v = ("description", _text(s, 5)) if sid == "PID" else ("tax_pct", dec(s.el(3)))
            if lines and key not in lines[-1]:
                _put(lines[-1], key, v)
        elif sid == "SAC" and s.el(1) in ("C", "A"):
            ch = {"kind": "charge" if s.el(1) == "C" else "allowance"}
            _put(ch, "code", _text(s, 2) or _text(s, 4))
            _put(ch, "amount", dec(s.el(5), 2))
            _put(ch, "description", _text(s, 15))
            charges.append(ch)
    _put(doc, "currency", currency or opts["currency"])
    doc["lines"] = lines
    if charges:
        doc["charges"] = charges
    return [doc]


def _price_catalog(segs, opts, c):
    doc, lines, item, in_ctp, currency = {}, [], None, False, None
    for i, s in enumerate(segs):
        sid = s.id
        if sid == "BCT":
            _put(doc, "catalog", _text(s, 2) or _text(s, 3))
        elif sid == "CUR" and item is None:
            currency = _text(s, 2)
        elif sid == "LIN":
            in_ctp = False
            item = {}
            _put(item, "product", _product(s, 2, i + 1, "LIN", opts, c))
        elif sid == "PID" and item is not None and "description" not in item:
            _put(item, "description", _text(s, 5))
        elif sid == "REF" and s.el(1) == "CT":
            _put(doc if item is None else item, "contract", _text(s, 2))
        elif sid == "DTM" and s.el(1) in ("007", "036"):
            start = s.el(1) == "007"
            if item is None:
                _put(doc, "effective_date" if start else "expiry_date", iso_date(s.el(2)))
                continue
            target = (lines[-1] if lines else None) if in_ctp else item
            if target is not None:
                _put(target, "date_start" if start else "date_end", iso_date(s.el(2)))
        elif sid == "CTP" and item is not None:
            in_ctp = True
            line = dict(item)
            _put(line, "tier", _text(s, 1))
            _put(line, "price", dec(s.el(3)))
            _put(line, "min_qty", dec(s.el(4)))
            _put(line, "uom", _utf8(s.el(5).split(s.comp)[0]).strip())
            lines.append(line)
    if opts["tier"] is not None:
        kept = [ln for ln in lines if ln.get("tier") in (None, opts["tier"])]
        c["skipped"] = len(lines) - len(kept)
        lines = kept
    _put(doc, "currency", currency or opts["currency"])
    doc["lines"] = lines
    return [doc]


def _functional_ack(segs, opts, c):
    doc, sets = {}, []
    for s in segs:
        if s.id == "AK1":
            _put(doc, "functional_id", _text(s, 1))
            _put(doc, "group_control", _text(s, 2))
        elif s.id == "AK2":
            st = {}
            _put(st, "set_id", _text(s, 1))
            _put(st, "control", _text(s, 2))
            st["errors"] = []
            sets.append(st)
        elif s.id in ("AK5", "IK5") and sets:
            _put(sets[-1], "code", _text(s, 1))
            sets[-1]["errors"] = [t for t in (_text(s, k) for k in range(2, 7)) if t]
        elif s.id == "AK9":
            _put(doc, "code", _text(s, 1))
    doc["sets"] = sets
    return [doc]


MAPPERS = {"850": _purchase_order, "855": _po_ack, "856": _asn, "810": _invoice, "832": _price_catalog,
           "997": _functional_ack, "999": _functional_ack}


# ------------------------------------------------------------------ the whole file

def parse(data: bytes, product_qualifiers=None, currency="USD", tier=None, *, map_documents=True):
    opts = {"product_qualifiers": product_qualifiers or DEFAULT_QUALIFIERS, "currency": currency, "tier": tier,
            "map": map_documents}
    raws, errors, count = lex(data)
    out = {"segments": count, "errors": errors, "interchanges": []}
    for d, first, segs, truncated in raws:
        ic, spans = _interchange(d, first, segs, truncated)
        for span in spans:
            set_segs = [Seg(t, d) for t in segs[span["first"]:span["end"]]]
            apply(check_set(set_segs, span["ver"], span["codes"], opts), span["set"])
        settle(ic)
        if map_documents:
            for g in ic["groups"]:
                if ic["ta1"]["code"] == "R" or g["ack_code"] == "R":
                    for st in g["sets"]:
                        st["documents"] = []
        out["interchanges"].append(ic)
    return out


def scan(data: bytes):
    p = parse(data, map_documents=False)
    s = {"segments": p["segments"], "interchanges": len(p["interchanges"]), "groups": 0, "sets": 0, "accepted": 0,
         "rejected": 0, "errors": len(p["errors"]), "set_ids": [], "set_codes": []}
    for ic in p["interchanges"]:
        s["errors"] += len(ic["errors"])
        s["groups"] += len(ic["groups"])
        for g in ic["groups"]:
            s["errors"] += len(g["errors"])
            for st in g["sets"]:
                s["sets"] += 1
                s["errors"] += len(st["errors"])
                s["rejected" if st["ack_code"] == "R" else "accepted"] += 1
                s["set_ids"].append(st["set_id"])
                s["set_codes"].append(st["ack_code"])
    return s
