"""Reference for ``rust/dedupe``: normalisation, identifier checks, pair
scoring and clustering in plain Python, with an all-pairs driver (no
blocking: every pair is compared, which is what the engine's blocking must
approach).

Read it against ``rust/dedupe/{normalize,ids,score,mod}.rs``; every constant
and rule here is the engine's.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

# --- normalisation ----------------------------------------------------------

FOLD = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ŀ": "l",
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ζ": "z", "η": "n",
    "’": "'", "‘": "'", "＆": "&",
}  # fmt: skip

LEGAL = set(
    "inc incorporated corp corporation co company llc llp lp ltd limited pllc pc plc lc gmbh "
    "mbh ag kg ohg ug ev gbr kgaa sa sas sasu sarl eurl snc spa srl sapa sl slu bv nv vof "
    "bvba sprl ab as asa oy oyj aps sp zoo sro pty pte kk cv".split()
)
STOP = {"the", "and", "of", "dba", "aka"}
ABBREV = dict(
    pair.split("=")
    for pair in (
        "intl=international int=international mfg=manufacturing mfr=manufacturer "
        "mfrs=manufacturer manufacturers=manufacturer med=medical meds=medical "
        "pharm=pharmaceutical pharma=pharmaceutical pharmaceuticals=pharmaceutical "
        "hlth=health hosp=hospital hospitals=hospital svc=services svcs=services "
        "serv=services service=services dist=distribution distr=distribution "
        "distributors=distributor supplies=supply suppl=supply sply=supply "
        "products=product prods=product prod=product labs=laboratory lab=laboratory "
        "laboratories=laboratory tech=technology technologies=technology systems=system "
        "sys=system solutions=solution mgmt=management assoc=associates bros=brothers "
        "ctr=center centre=center natl=national amer=american eqpt=equipment "
        "equip=equipment grp=group hldgs=holdings diag=diagnostics diagnostic=diagnostics "
        "surg=surgical instr=instruments instrument=instruments st=saint ste=sainte mt=mount"
    ).split()
)
COMMON = set(
    "medical supply health healthcare services pharmaceutical laboratory surgical group "
    "international system solution product care hospital diagnostics technology equipment "
    "distribution distributor american national global scientific dental life sciences bio "
    "clinical center home partners associates holdings usa us america management instruments "
    "industries enterprises manufacturing specialty pharmacy imaging devices biomedical "
    "orthopedic labs respiratory".split()
)


def fold(s: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKD", s.lower()):
        if unicodedata.category(c).startswith("M"):
            continue
        out.append(c if c.isascii() else FOLD.get(c, c))
    return "".join(out)


def words(folded: str) -> list[str]:
    out, cur = [], ""
    for c in folded:
        if c in ".'":
            continue
        if c.isalnum():
            cur += c
        elif cur:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def _unspoof(w: str) -> str:
    if any(c.isalpha() for c in w) and any(c in "0123456789" for c in w):
        return w.replace("0", "o").replace("1", "l")
    return w


@dataclass
class Name:
    tokens: list[str] = field(default_factory=list)
    nospace: str = ""
    removed: list[str] = field(default_factory=list)


def _name_of(raw: list[str]) -> Name:
    ws = [_unspoof(w) for w in raw]
    ws = [w for w in ws if w not in STOP]
    removed = []
    while len(ws) > 1 and ws[-1] in LEGAL:
        removed.insert(0, ws.pop())
    tokens: list[str] = []
    for w in ws:
        t = ABBREV.get(w, w)
        if t not in tokens:
            tokens.append(t)
    return Name(tokens, "".join(ws), removed)


def vendor_name(raw: str) -> tuple[Name, Name]:
    ws = words(fold(raw).replace("d/b/a", " dba ").replace("a/k/a", " aka "))
    for p, w in enumerate(ws):
        if w in ("dba", "aka"):
            if p > 0:
                return _name_of(ws[:p]), _name_of(ws[p + 1 :])
            break
    return _name_of(ws), Name()


CALLING = dict(
    p.split("=")
    for p in (
        "US=1 CA=1 PR=1 GB=44 IE=353 DE=49 AT=43 CH=41 FR=33 BE=32 NL=31 LU=352 IT=39 ES=34 "
        "PT=351 DK=45 SE=46 NO=47 FI=358 PL=48 CZ=420 IN=91 AU=61 NZ=64 MX=52 BR=55 CN=86 "
        "JP=81 SG=65 IL=972 AE=971 ZA=27"
    ).split()
)


def phone(raw: str, country: str) -> str:
    main = raw
    for i, c in enumerate(raw):
        if c.isascii() and c.isalpha():
            main = raw[:i]
            break
    plus = main.lstrip().startswith("+")
    d = "".join(c for c in main if c in "0123456789")
    cc = CALLING.get(country)
    if plus:
        e = d
    elif d.startswith("00"):
        e = d[2:]
    elif cc == "1" and d.startswith("011"):
        e = d[3:]
    elif cc == "1":
        e = "1" + d if len(d) == 10 else d
    elif cc:
        e = cc + d[1:] if d.startswith("0") else cc + d
    else:
        e = d
    return e if 8 <= len(e) <= 15 else ""


FREE_MAIL = set(
    "gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr hotmail.com hotmail.co.uk "
    "hotmail.fr outlook.com live.com msn.com aol.com icloud.com me.com mail.com gmx.com "
    "gmx.de gmx.net web.de protonmail.com proton.me comcast.net verizon.net att.net "
    "orange.fr free.fr laposte.net libero.it qq.com 163.com yandex.ru zoho.com".split()
)


def email(raw: str) -> tuple[str, str, bool]:
    e = raw.strip().lower()
    if "@" in e:
        local, domain = e.split("@", 1)
        if local and "." in domain and "@" not in domain:
            return e, domain, domain in FREE_MAIL
    return "", "", False


def website(raw: str) -> str:
    w = raw.strip().lower()
    for p in ("https://", "http://"):
        if w.startswith(p):
            w = w[len(p) :]
            break
    if w.startswith("www."):
        w = w[4:]
    for i, c in enumerate(w):
        if c in "/:?#":
            w = w[:i]
            break
    return w.rstrip(".")


def zip_code(raw: str, country: str) -> str:
    c = "".join(ch.upper() for ch in raw if ch.isascii() and ch.isalnum())
    if country in ("US", "") and len(c) >= 5 and c[:5].isdigit():
        return c[:5]
    return c


STREET = dict(
    p.split("=")
    for p in (
        "street=st avenue=ave av=ave road=rd boulevard=blvd drive=dr lane=ln court=ct place=pl "
        "highway=hwy parkway=pkwy square=sq north=n south=s east=e west=w strasse=str "
        "building=bldg center=ctr centre=ctr terrace=ter circle=cir"
    ).split()
)
UNIT = {"suite", "ste", "unit", "apt", "fl", "floor", "room", "rm", "no"}


def street(raw: str) -> tuple[str, str]:
    house, out, skip = "", [], False
    for w in words(fold(raw)):
        if skip:
            skip = False
            continue
        if w in UNIT:
            skip = True
            continue
        if not house and w[0] in "0123456789":
            house = w
            continue
        out.append(STREET.get(w, w))
    return house, " ".join(out)


def fnv(*parts: bytes) -> int:
    h = 0xCBF29CE484222325
    for i, p in enumerate(parts):
        if i:
            h = ((h ^ 0x1F) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        for b in p:
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


# --- identifiers ------------------------------------------------------------

INVALID, FORMAT, VALID = 0, 1, 2
SCHEMES = ["ein", "npi", "dea", "uei", "duns", "gln", "vat", "other"]
SCHEME_ALIASES = {"tin": "ein", "fein": "ein"}
EIN_PREFIXES = {
    *range(1, 7), *range(10, 17), *range(20, 28), *range(30, 40), *range(40, 49),
    *range(50, 69), *range(71, 78), *range(80, 89), *range(90, 96), 98, 99,
}  # fmt: skip


def compact(s: str) -> str:
    return "".join(c.upper() for c in s if c.isascii() and c.isalnum())


def luhn(d: list[int]) -> bool:
    total = 0
    for i, x in enumerate(reversed(d)):
        if i % 2 == 1:
            x *= 2
            if x > 9:
                x -= 9
        total += x
    return total % 10 == 0


def _digits(s: str) -> list[int] | None:
    return [int(c) for c in s] if s and all(c in "0123456789" for c in s) else None


def _ok(b: bool) -> int:
    return VALID if b else INVALID


def _fmt(b: bool) -> int:
    return FORMAT if b else INVALID


def check(scheme: str, v: str) -> int:
    d = _digits(v)
    if scheme == "ein":
        return _ok(d is not None and len(d) == 9 and d[0] * 10 + d[1] in EIN_PREFIXES)
    if scheme == "npi":
        return _ok(d is not None and len(d) == 10 and d[0] in (1, 2) and luhn([8, 0, 8, 4, 0, *d]))
    if scheme == "dea":
        if len(v) != 9 or not ("A" <= v[0] <= "Z") or not ("A" <= v[1] <= "Z" or v[1] == "9"):
            return INVALID
        if v[0] not in "ABCDEFGHJKLMPRSTUX":
            return INVALID
        e = _digits(v[2:])
        return _ok(e is not None and (e[0] + e[2] + e[4] + 2 * (e[1] + e[3] + e[5])) % 10 == e[6])
    if scheme == "gln":
        return _ok(d is not None and len(d) == 13 and _gs1(d))
    if scheme == "uei":
        return _fmt(
            len(v) == 12
            and all(c.isdigit() or ("A" <= c <= "Z" and c not in "OI") for c in v)
            and not v.startswith("0")
        )
    if scheme == "duns":
        return _fmt(d is not None and len(d) == 9)
    if scheme == "vat":
        return vat(v)
    return _fmt(bool(v))


def _gs1(d: list[int]) -> bool:
    body, chk = d[:-1], d[-1]
    total = sum(x * (3 if i % 2 == 0 else 1) for i, x in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == chk


def aba(v: str) -> bool:
    d = _digits(v)
    if d is None or len(d) != 9:
        return False
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


IBAN_LENGTHS = dict(
    (p[:2], int(p[3:]))
    for p in (
        "AD=24 AT=20 BE=16 BG=22 CH=21 CY=28 CZ=24 DE=22 DK=18 EE=20 ES=24 FI=18 FR=27 GB=22 "
        "GR=27 HR=21 HU=28 IE=22 IS=26 IT=27 LI=21 LT=20 LU=20 LV=21 MC=27 MT=31 NL=18 NO=15 "
        "PL=28 PT=25 RO=24 SE=24 SI=19 SK=24 SM=27 AE=23 SA=24 TR=26 IL=23 BR=29"
    ).split()
)


def mod97(s: str) -> int:
    return int("".join(str(int(c, 36)) for c in s)) % 97


def iban_like(v: str) -> bool:
    return 15 <= len(v) <= 34 and v[:2].isalpha() and v[:2].isupper() and v[2:4].isdigit()


def iban(v: str) -> bool:
    if not iban_like(v) or not (v.isascii() and v.isalnum()):
        return False
    if IBAN_LENGTHS.get(v[:2], len(v)) != len(v):
        return False
    return mod97(v[4:] + v[:4]) == 1


def bank(raw: str) -> tuple[str, int]:
    if ":" in raw:
        r, a = raw.split(":", 1)
        r, a = compact(r), compact(a)
        return f"{r}:{a}", _ok(aba(r) and bool(a))
    c = compact(raw)
    if iban_like(c):
        return c, _ok(iban(c))
    return c, _fmt(len(c) >= 4)


def vat(v: str) -> int:
    if len(v) < 4 or not ("A" <= v[0] <= "Z") or not ("A" <= v[1] <= "Z"):
        return INVALID
    cc, n = v[:2], v[2:]
    d = _digits(n)
    if cc == "DE":
        if d is None or len(d) != 9:
            return INVALID
        product = 10
        for x in d[:8]:
            s = (x + product) % 10 or 10
            product = (2 * s) % 11
        return _ok((11 - product) % 10 == d[8])
    if cc == "FR":
        if len(n) != 11 or not n[2:].isdigit():
            return INVALID
        key = _digits(n[:2])
        if key is None:
            return FORMAT
        return _ok((12 + 3 * (int(n[2:]) % 97)) % 97 == key[0] * 10 + key[1])
    if cc == "IT":
        return _ok(d is not None and len(d) == 11 and luhn(d))
    if cc == "BE":
        if d is None or len(d) not in (9, 10):
            return INVALID
        if len(d) == 9:
            d = [0, *d]
        body = int("".join(map(str, d[:8])))
        return _ok(97 - body % 97 == d[8] * 10 + d[9])
    if cc == "NL":
        if len(n) != 12 or n[9] != "B":
            return INVALID
        e = _digits(n[:9])
        if e is None:
            return INVALID
        s = sum(e[i] * (9 - i) for i in range(8)) - e[8]
        return _ok(s % 11 == 0 or mod97("NL" + n) == 1)
    return _fmt(4 <= len(v) <= 14 and n.isascii() and n.isalnum())


# --- records ----------------------------------------------------------------


@dataclass
class Rec:
    id: int
    employee: bool
    name: Name
    trade: Name
    country: str
    city: str
    zip: str
    house: str
    street: str
    phones: list[str]
    email: str
    domain: str
    free_mail: bool
    website: str
    ids: list[tuple[int, str, int]]  # (scheme index, value, validity)
    banks: list[tuple[str, int]]
    high_spend: bool
    fingerprint: int = 0


def _col(records: dict, key: str, i: int, default=""):
    col = records.get(key)
    if col is None:
        return default
    v = col[i]
    return default if v is None else v


def _list(v) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v] if v.strip() else []
    return [x for x in v if x is not None and x.strip()]


def normalise(records: dict, i: int, spend_threshold=None) -> tuple[Rec, list[tuple[str, str]]]:
    country = _col(records, "country", i).strip().upper()
    name, trade = vendor_name(_col(records, "name", i))
    if _col(records, "trade_name", i).strip():
        t, _ = vendor_name(_col(records, "trade_name", i))
        if t.tokens:
            trade = t
    if not name.tokens and trade.tokens:
        name, trade = trade, name
    house, st = street(_col(records, "street", i))
    phones: list[str] = []
    for p in _list(_col(records, "phones", i, None)):
        e = phone(p, country)
        if e and e not in phones:
            phones.append(e)
    em, domain, free = email(_col(records, "email", i))
    invalid = []
    id_list: list[tuple[int, str, int]] = []
    for raw in _list(_col(records, "ids", i, None)):
        if ":" in raw:
            s, v = raw.split(":", 1)
            s = s.strip().lower()
            scheme = SCHEME_ALIASES.get(s, s)
            scheme = scheme if scheme in SCHEMES else "other"
        else:
            scheme, v = "other", raw
        c = compact(v)
        if not c:
            continue
        val = check(scheme, c)
        if val == INVALID:
            invalid.append((scheme, c))
        k = (SCHEMES.index(scheme), c, val)
        if not any(x[0] == k[0] and x[1] == c for x in id_list):
            id_list.append(k)
    id_list.sort()
    banks: list[tuple[str, int]] = []
    for raw in _list(_col(records, "banks", i, None)):
        k, val = bank(raw)
        if len(k) < 4:
            continue
        if val == INVALID:
            invalid.append(("bank", k))
        if not any(b[0] == k for b in banks):
            banks.append((k, val))
    spend = _col(records, "spend", i, 0)
    r = Rec(
        id=records["id"][i],
        employee=_col(records, "kind", i, "vendor") == "employee",
        name=name,
        trade=trade,
        country=country,
        city=" ".join(words(fold(_col(records, "city", i)))),
        zip=zip_code(_col(records, "zip", i), country),
        house=house,
        street=st,
        phones=phones,
        email=em,
        domain=domain,
        free_mail=free,
        website=website(_col(records, "website", i)),
        ids=id_list,
        banks=banks,
        high_spend=spend_threshold is not None and spend >= spend_threshold,
    )
    r.fingerprint = fingerprint(r)
    return r, invalid


def fingerprint(r: Rec) -> int:
    ids = ",".join(f"{SCHEMES[s]}:{v}" for s, v, _ in r.ids)
    parts = [
        " ".join(r.name.tokens), " ".join(r.trade.tokens), r.country, r.city, r.zip, r.house,
        r.street, ",".join(r.phones), r.email, r.website, ids, ",".join(b[0] for b in r.banks),
        "e" if r.employee else "v",
    ]  # fmt: skip
    return fnv(*(p.encode() for p in parts))


# --- scoring ----------------------------------------------------------------

NAME_EXACT, NAME_HIGH, NAME_MEDIUM, NAME_DIFFERENT = 9.0, 7.0, 4.0, -4.0
NAME_FULL_BITS = 12.0
ID_WEIGHTS = {
    "ein": (14.0, -12.0), "vat": (14.0, -12.0), "uei": (14.0, -10.0), "duns": (12.0, -8.0),
    "npi": (14.0, -6.0), "gln": (12.0, -3.0), "dea": (10.0, -3.0), "other": (8.0, 0.0),
}  # fmt: skip
ID_INVALID_AGREE = 4.0
COMMON_FLOOR = 0.1
WORD_SAME = 0.9


@dataclass
class Options:
    likely: float = 12.0
    possible: float = 7.0
    min_population: int = 10_000
    max_cluster: int = 25
    min_density: float = 0.5


class Freq:
    def __init__(self, recs: list[Rec]):
        self.n = len(recs)
        self.words: dict[str, int] = {}
        self.phones: dict[str, int] = {}
        self.domains: dict[str, int] = {}
        for r in recs:
            toks = list(r.name.tokens) + [t for t in r.trade.tokens if t not in r.name.tokens]
            for t in toks:
                self.words[t] = self.words.get(t, 0) + 1
            for p in r.phones:
                self.phones[p] = self.phones.get(p, 0) + 1
            if r.domain:
                self.domains[r.domain] = self.domains.get(r.domain, 0) + 1

    def bits(self, w: str, min_population: int) -> float:
        df = float(self.words.get(w, 0))
        n = float(max(self.n, min_population))
        p = (df + 1.0) / (n + 1.0)
        if w in COMMON and p < COMMON_FLOOR:
            p = COMMON_FLOOR
        return -math.log2(p)


def jaro_winkler(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    am, bm = [False] * len(a), [False] * len(b)
    m = 0
    for i in range(len(a)):
        for j in range(max(i - window, 0), min(i + window + 1, len(b))):
            if not bm[j] and a[i] == b[j]:
                am[i] = bm[j] = True
                m += 1
                break
    if m == 0:
        return 0.0
    t = k = 0
    for i in range(len(a)):
        if am[i]:
            while not bm[k]:
                k += 1
            if a[i] != b[k]:
                t += 1
            k += 1
    mf = float(m)
    jaro = (mf / len(a) + mf / len(b) + (mf - float(t // 2)) / mf) / 3.0
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1.0 - jaro)


def _directed(a: Name, b: Name, f: Freq, o: Options):
    num = den = shared = 0.0
    for t in a.tokens:
        w = f.bits(t, o.min_population)
        den += w
        best = 0.0
        for u in b.tokens:
            s = jaro_winkler(t, u)
            if s > best:
                best = s
        if best >= WORD_SAME:
            num += w * best
            shared += w
    return num, den, shared


def name_similarity(a: Name, b: Name, f: Freq, o: Options) -> tuple[float, float]:
    if not a.tokens or not b.tokens:
        return 0.0, 0.0
    n1, d1, s1 = _directed(a, b, f, o)
    n2, d2, s2 = _directed(b, a, f, o)
    if a.nospace and a.nospace == b.nospace:
        return 1.0, min(d1, d2)
    r1 = n1 / d1 if d1 > 0 else 0.0
    r2 = n2 / d2 if d2 > 0 else 0.0
    return (r1 + r2) / 2.0, min(s1, s2)


def compare(a: Rec, b: Rec, f: Freq, o: Options) -> tuple[float, list[tuple]]:
    """(total, evidence); evidence rows are (field, level, weight, sim, tf, value, via)."""
    ev: list[tuple] = []
    best = None
    for k, (x, y) in enumerate(((a.name, b.name), (a.name, b.trade), (a.trade, b.name), (a.trade, b.trade))):
        if not x.tokens or not y.tokens:
            continue
        s, bits = name_similarity(x, y, f, o)
        if best is None or s > best[0]:
            best = (s, bits, k)
    if best is not None:
        s, bits, via = best
        if s >= 0.99:
            level, base = "exact", NAME_EXACT
        elif s >= 0.92:
            level, base = "high", NAME_HIGH
        elif s >= 0.85:
            level, base = "medium", NAME_MEDIUM
        elif s >= 0.70:
            level, base = "low", 0.0
        else:
            level, base = "different", NAME_DIFFERENT
        tf = min(bits / NAME_FULL_BITS, 1.0) if base > 0.0 else 1.0
        ev.append(("name", level, base * tf, s, tf, "", via))
    for si, scheme in enumerate(SCHEMES):
        xs = [x for x in a.ids if x[0] == si]
        ys = [y for y in b.ids if y[0] == si]
        if not xs or not ys:
            continue
        agree, against = ID_WEIGHTS[scheme]
        hit = next((x for x in xs if any(y[1] == x[1] for y in ys)), None)
        if hit is not None:
            if hit[2] != INVALID:
                ev.append((f"id:{scheme}", "agree", agree, 0.0, 1.0, hit[1], 0))
            else:
                ev.append((f"id:{scheme}", "invalid_agree", ID_INVALID_AGREE, 0.0, 1.0, hit[1], 0))
        elif against != 0.0 and any(x[2] != INVALID for x in xs) and any(y[2] != INVALID for y in ys):
            ev.append((f"id:{scheme}", "against", against, 0.0, 1.0, "", 0))
    if a.banks and b.banks:
        hit = next((x for x in a.banks if any(y[0] == x[0] for y in b.banks)), None)
        if hit is not None:
            ev.append(("bank", "agree", 10.0, 0.0, 1.0, hit[0], 0))
        else:
            ev.append(("bank", "different", -1.0, 0.0, 1.0, "", 0))
    if a.phones and b.phones:
        hit = next((p for p in a.phones if p in b.phones), None)
        if hit is not None:
            if f.phones.get(hit, 0) > 3:
                ev.append(("phone", "common", 1.0, 0.0, 1.0, hit, 0))
            else:
                ev.append(("phone", "agree", 6.0, 0.0, 1.0, hit, 0))
        else:
            ev.append(("phone", "different", -1.0, 0.0, 1.0, "", 0))
    if a.email and a.email == b.email:
        ev.append(("email", "exact", 8.0, 0.0, 1.0, a.email, 0))
    elif a.domain and b.domain and not a.free_mail and not b.free_mail:
        if a.domain == b.domain:
            if f.domains.get(a.domain, 0) > 20:
                ev.append(("domain", "common", 2.0, 0.0, 1.0, a.domain, 0))
            else:
                ev.append(("domain", "agree", 5.0, 0.0, 1.0, a.domain, 0))
        else:
            ev.append(("domain", "different", -2.0, 0.0, 1.0, "", 0))
    if a.website and b.website:
        if a.website == b.website:
            ev.append(("website", "agree", 5.0, 0.0, 1.0, a.website, 0))
        else:
            ev.append(("website", "different", -1.0, 0.0, 1.0, "", 0))
    same_country = not a.country or not b.country or a.country == b.country
    if a.zip and b.zip:
        if a.zip == b.zip:
            if a.house and a.house == b.house:
                s = jaro_winkler(a.street, b.street)
                if s >= 0.85:
                    ev.append(("address", "exact", 6.0, s, 1.0, "", 0))
                else:
                    ev.append(("address", "high", 4.0, s, 1.0, "", 0))
            else:
                ev.append(("address", "partial", 1.0, 0.0, 1.0, "", 0))
        elif same_country:
            ev.append(("address", "different", -2.0, 0.0, 1.0, "", 0))
    elif a.city and b.city:
        if a.city == b.city:
            ev.append(("city", "agree", 1.0, 0.0, 1.0, "", 0))
        else:
            ev.append(("city", "different", -1.0, 0.0, 1.0, "", 0))
    if not same_country:
        ev.append(("country", "different", -4.0, 0.0, 1.0, "", 0))
    total = 0.0
    for e in ev:
        total += e[2]
    return total, ev


def band(total: float, o: Options) -> str:
    return "likely" if total >= o.likely else "possible" if total >= o.possible else "none"


def cluster(ids: list[int], likely: list[tuple[int, int, float]], o: Options) -> list[int]:
    """Cluster id per record position (0: none); see ``rust/dedupe/mod.rs::cluster``."""
    edges = sorted(likely, key=lambda e: (-e[2], min(ids[e[0]], ids[e[1]]), max(ids[e[0]], ids[e[1]])))
    linked = {(min(a, b), max(a, b)) for a, b, _ in likely}
    owner: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for a, b, _ in edges:
        ra, rb = owner.get(a, a), owner.get(b, b)
        if ra == rb:
            continue
        ma, mb = members.get(ra, [ra]), members.get(rb, [rb])
        if len(ma) + len(mb) > o.max_cluster:
            continue
        links = sum(1 for x in ma for y in mb if (min(x, y), max(x, y)) in linked)
        if links < o.min_density * (len(ma) * len(mb)):
            continue
        keep, gone = (ra, rb) if len(ma) >= len(mb) else (rb, ra)
        moved = ma if gone == ra else mb
        kept = mb if gone == ra else ma
        for m in moved:
            owner[m] = keep
        owner[keep] = keep
        members.pop(gone, None)
        members[keep] = kept + moved
    out = [0] * len(ids)
    for lst in members.values():
        cid = min(ids[m] for m in lst)
        for m in lst:
            out[m] = cid
    return out


def prepare(records: dict, spend_threshold=None):
    n = len(records["id"])
    recs, invalid = [], []
    for i in range(n):
        r, inv = normalise(records, i, spend_threshold)
        recs.append(r)
        invalid.extend((r.id, f, v) for f, v in inv)
    return recs, invalid, Freq(recs)


def all_pairs(records: dict, o: Options | None = None, keep=None):
    """Score every pair of non-employee records. Returns {(left_id, right_id):
    (total, band, evidence)} for the pairs ``keep`` accepts (default: band
    possible or likely), and the cluster id per record id."""
    o = o or Options()
    recs, _, f = prepare(records)
    out = {}
    for i in range(len(recs)):
        for j in range(i + 1, len(recs)):
            a, b = recs[i], recs[j]
            if a.employee or b.employee:
                continue
            if a.id > b.id:
                a, b = b, a
            total, ev = compare(a, b, f, o)
            bd = band(total, o)
            if keep(total) if keep else bd != "none":
                out[(a.id, b.id)] = (total, bd, ev)
    return out, recs, f
