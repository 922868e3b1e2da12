"""Reference for ``rust/dedupe``: normalisation, identifier checks, the
comparisons of a pair and their levels, the model learned from the
population (u from random pairs, m, u and lambda by expectation-maximisation
over the candidate pairs and the steward's labels), scoring as match
probabilities, fraud signals and clustering, in plain Python, with an
all-pairs driver (no blocking: every pair is compared, which is what the
engine's blocking must approach).

Read it against ``rust/dedupe/{normalize,ids,record,score,compare,model,
run,signals,cluster}.rs``; every constant and rule here is the engine's,
and so is the order of every floating-point sum.
"""

from __future__ import annotations

import functools
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
    label_only: bool
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
        # an archived vendor kept only for the steward's labels: never blocked, sampled or scored
        label_only=_col(records, "kind", i, "vendor") == "merged",
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


# --- comparisons (score.rs, compare.rs) -------------------------------------

NAME_FULL_BITS = 12.0
PHONE_COMMON_DF = 3
DOMAIN_COMMON_DF = 20
ID_WEIGHTS = {
    "ein": (14.0, -12.0), "vat": (14.0, -12.0), "uei": (14.0, -10.0), "duns": (12.0, -8.0),
    "npi": (14.0, -6.0), "gln": (12.0, -3.0), "dea": (10.0, -3.0), "other": (8.0, 0.0),
}  # fmt: skip
ID_INVALID_AGREE = 4.0
BANK_AGREE = 10.0
BANK_DIFFERENT = -1.0
COMMON_FLOOR = 0.1
WORD_SAME = 0.9


@dataclass
class Options:
    """Thresholds are match probabilities."""

    likely: float = 0.5
    possible: float = 0.1
    min_population: int = 10_000
    max_cluster: int = 25
    min_density: float = 0.5


class Freq:
    def __init__(self, recs: list[Rec]):
        self.n = len(recs)
        self.words: dict[str, int] = {}
        self.phones: dict[str, int] = {}
        self.domains: dict[str, int] = {}
        self._bits: dict[tuple[str, int], float] = {}
        for r in recs:
            toks = list(r.name.tokens) + [t for t in r.trade.tokens if t not in r.name.tokens]
            for t in toks:
                self.words[t] = self.words.get(t, 0) + 1
            for p in r.phones:
                self.phones[p] = self.phones.get(p, 0) + 1
            if r.domain:
                self.domains[r.domain] = self.domains.get(r.domain, 0) + 1

    def bits(self, w: str, min_population: int) -> float:
        key = (w, min_population)
        if key not in self._bits:
            self._bits[key] = self._info(w, min_population)
        return self._bits[key]

    def _info(self, w: str, min_population: int) -> float:
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
    for i, c in enumerate(a):
        # the first unmatched b[j] == c in the window
        hi = min(i + window + 1, len(b))
        j = b.find(c, max(i - window, 0), hi)
        while j != -1 and bm[j]:
            j = b.find(c, j + 1, hi)
        if j != -1:
            am[i] = bm[j] = True
            m += 1
    if m == 0:
        return 0.0
    # transpositions: the matched characters of each side, in order, compared
    ma = [c for c, x in zip(a, am, strict=True) if x]
    mb = [c for c, x in zip(b, bm, strict=True) if x]
    t = sum(1 for x, y in zip(ma, mb, strict=True) if x != y)
    mf = float(m)
    jaro = (mf / len(a) + mf / len(b) + (mf - float(t // 2)) / mf) / 3.0
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1.0 - jaro)


@functools.lru_cache(maxsize=1 << 16)
def word_similarity(t: str, u: str) -> float:
    """Jaro-Winkler; a word of three letters or more that begins the other
    ("deli" / "delicatessen") counts as the same word."""
    s = jaro_winkler(t, u)
    if s < WORD_SAME and len(t) >= 3 and len(u) >= 3 and (t.startswith(u) or u.startswith(t)):
        return WORD_SAME
    return s


def _directed(a: Name, b: Name, f: Freq, o: Options):
    num = den = shared = 0.0
    for t in a.tokens:
        w = f.bits(t, o.min_population)
        den += w
        best = 0.0
        for u in b.tokens:
            best = max(best, word_similarity(t, u))
        if best >= WORD_SAME:
            num += w * best
            shared += w
    return num, den, shared


@dataclass(frozen=True)
class NameSim:
    sim: float = 0.0
    contained: float = 0.0
    bits: float = 0.0


def name_similarity(a: Name, b: Name, f: Freq, o: Options) -> NameSim:
    if not a.tokens or not b.tokens:
        return NameSim()
    n1, d1, s1 = _directed(a, b, f, o)
    n2, d2, s2 = _directed(b, a, f, o)
    if a.nospace and a.nospace == b.nospace:
        return NameSim(1.0, 1.0, min(d1, d2))
    r1 = n1 / d1 if d1 > 0 else 0.0
    r2 = n2 / d2 if d2 > 0 else 0.0
    return NameSim((r1 + r2) / 2.0, max(r1, r2), min(s1, s2))


# The learned comparisons, in the order of a pattern, and their levels (best first).
CMPS = ["name", "address", "zip", "city", "phone", "email", "website", "country"]
LEVELS = {
    "name": ["exact", "high", "medium", "contained", "low", "different"],
    "address": ["exact", "high", "partial", "different"],
    "zip": ["agree", "different"],
    "city": ["agree", "different"],
    "phone": ["agree", "common", "different"],
    "email": ["exact", "agree", "common", "different"],
    "website": ["agree", "different"],
    "country": ["agree", "different"],
}


@dataclass
class Compared:
    """``levels[c]``: 0 when comparison ``c`` was not made, else the level's
    position in ``LEVELS`` + 1."""

    levels: list[int] = field(default_factory=lambda: [0] * len(CMPS))
    name_sim: float = 0.0
    name_tf: float = 0.0
    name_via: int = 0
    street_sim: float = 0.0

    def pattern(self) -> int:
        return pattern(self.levels)

    def level(self, c: int) -> str | None:
        lv = self.levels[c]
        return LEVELS[CMPS[c]][lv - 1] if lv else None

    def set(self, c: str, level: str) -> None:
        self.levels[CMPS.index(c)] = LEVELS[c].index(level) + 1


def pattern(levels) -> int:
    """The levels packed in one integer: comparison k in bits 4k..4k+3."""
    out = 0
    for k, lv in enumerate(levels):
        out |= lv << (4 * k)
    return out


def _name(a: Rec, b: Rec, f: Freq, o: Options, out: Compared) -> None:
    best = None
    for k, (x, y) in enumerate(((a.name, b.name), (a.name, b.trade), (a.trade, b.name), (a.trade, b.trade))):
        if not x.tokens or not y.tokens:
            continue
        s = name_similarity(x, y, f, o)
        if best is None or (s.sim, s.contained) > (best[0].sim, best[0].contained):
            best = (s, k)
    if best is None:
        return
    s, via = best
    if s.sim >= 0.99:
        level = "exact"
    elif s.sim >= 0.92:
        level = "high"
    elif s.sim >= 0.85:
        level = "medium"
    elif s.contained >= 0.92:
        level = "contained"
    elif s.sim >= 0.70:
        level = "low"
    else:
        level = "different"
    out.set("name", level)
    out.name_sim = s.sim
    out.name_tf = min(s.bits / NAME_FULL_BITS, 1.0)
    out.name_via = via


def _address(a: Rec, b: Rec, out: Compared) -> None:
    if not (a.house or a.street) or not (b.house or b.street):
        return
    s = 0.0 if not a.street or not b.street else jaro_winkler(a.street, b.street)
    both_houses = bool(a.house) and bool(b.house)
    if both_houses and a.house == b.house:
        level = "exact" if s >= 0.85 else "high"
    elif s >= 0.92 and not both_houses:
        level = "partial"
    else:
        level = "different"
    out.set("address", level)
    out.street_sim = s


def _same(c: str, x: str, y: str, out: Compared) -> None:
    if x and y:
        out.set(c, "agree" if x == y else "different")


def shared_phone(a: Rec, b: Rec, f: Freq) -> str | None:
    """The rarest phone both have (ties by number)."""
    shared = [p for p in a.phones if p in b.phones]
    return min(shared, key=lambda p: (f.phones.get(p, 0), p)) if shared else None


def _phone(a: Rec, b: Rec, f: Freq, out: Compared) -> None:
    if not a.phones or not b.phones:
        return
    p = shared_phone(a, b, f)
    if p is None:
        out.set("phone", "different")
    else:
        out.set("phone", "common" if f.phones.get(p, 0) > PHONE_COMMON_DF else "agree")


def _email(a: Rec, b: Rec, f: Freq, out: Compared) -> None:
    if a.email and a.email == b.email:
        level = "exact"
    elif not a.domain or not b.domain or a.free_mail or b.free_mail:
        return
    elif a.domain != b.domain:
        level = "different"
    elif f.domains.get(a.domain, 0) > DOMAIN_COMMON_DF:
        level = "common"
    else:
        level = "agree"
    out.set("email", level)


def compare_levels(a: Rec, b: Rec, f: Freq, o: Options) -> Compared:
    """Every learned comparison of a pair (not symmetric: ``a``'s phones are
    searched in ``b``'s, so orient pairs as the engine does)."""
    out = Compared()
    _name(a, b, f, o, out)
    _address(a, b, out)
    _same("zip", a.zip, b.zip, out)
    _same("city", a.city, b.city, out)
    _phone(a, b, f, out)
    _email(a, b, f, out)
    _same("website", a.website, b.website, out)
    _same("country", a.country, b.country, out)
    return out


def identity(a: Rec, b: Rec) -> list[tuple]:
    """Fixed-weight evidence: identifiers scheme by scheme, then banks. Rows
    are (field, level, weight, sim, tf, value, via)."""
    ev: list[tuple] = []
    if a.ids and b.ids:
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
            ev.append(("bank", "agree", BANK_AGREE, 0.0, 1.0, hit[0], 0))
        else:
            ev.append(("bank", "different", BANK_DIFFERENT, 0.0, 1.0, "", 0))
    return ev


# --- the model (model.rs) ---------------------------------------------------

W_MIN, W_MAX = -12.0, 16.0
M_PRIOR = [
    [0.55, 0.2, 0.1, 0.05, 0.05, 0.05],
    [0.6, 0.1, 0.1, 0.2],
    [0.85, 0.15],
    [0.85, 0.15],
    [0.6, 0.05, 0.35],
    [0.3, 0.4, 0.05, 0.25],
    [0.8, 0.2],
    [0.98, 0.02],
]
U_PRIOR = [
    [0.0003, 0.0005, 0.002, 0.002, 0.01, 0.9852],
    [0.0005, 0.001, 0.002, 0.9965],
    [0.01, 0.99],
    [0.05, 0.95],
    [0.0005, 0.001, 0.9985],
    [0.0002, 0.002, 0.01, 0.9878],
    [0.002, 0.998],
    [0.9, 0.1],
]
SEED = 0x6D656473796E6331
MASK = 0xFFFFFFFFFFFFFFFF


@dataclass
class Learn:
    sample: int = 100_000
    max_iterations: int = 200
    tolerance: float = 1e-7
    alpha: float = 10.0
    label_weight: float = 10.0
    seed: int = SEED



def _signs(w: list[float]) -> None:
    if w:
        w[0] = max(w[0], 0.0)
        w[-1] = min(w[-1], 0.0)


def bounded(m: list[float], u: list[float]) -> list[float]:
    """A comparison's level weights (bits, best level first): log2(m/u)
    clamped, the best level at least 0 and the worst at most 0."""
    w = [min(max(math.log2(x / y), W_MIN), W_MAX) for x, y in zip(m, u, strict=True)]
    _signs(w)
    return w


@dataclass
class Model:
    m: list[list[float]] = field(default_factory=lambda: [list(r) for r in M_PRIOR])
    u: list[list[float]] = field(default_factory=lambda: [list(r) for r in U_PRIOR])
    lam: float = 0.1
    prior: float = -3.17
    records: int = 0
    candidates: int = 0
    labels: int = 0
    sampled: int = 0
    iterations: int = 0
    converged: bool = False

    @classmethod
    def of(cls, d) -> Model:
        """A model from the dict the engine returns (or a Model); as the
        binding reads it: comparisons left out keep the defaults, lambda is
        optional, counters are ignored."""
        if isinstance(d, Model):
            return d
        out = cls()
        for c, name in enumerate(CMPS):
            x = d["comparisons"].get(name)
            if x is not None:
                out.m[c] = [float(v) for v in x["m"]]
                out.u[c] = [float(v) for v in x["u"]]
        out.prior = float(d["prior"])
        if "lambda" in d:
            out.lam = float(d["lambda"])
        return out

    def weight_at(self, c: int, k: int) -> float:
        return bounded(self.m[c], self.u[c])[k]

    def weight(self, c: int, level: str) -> float:
        levels = LEVELS[CMPS[c]]
        return self.weight_at(c, levels.index(level)) if level in levels else 0.0

    def weight_of(self, c: int, cmp: Compared) -> float:
        lv = cmp.levels[c]
        if lv == 0:
            return 0.0
        w = self.weight_at(c, lv - 1)
        return w * cmp.name_tf if CMPS[c] == "name" and w > 0.0 else w

    def to_dict(self) -> dict:
        """The engine's dict (``dedupe_vendors(...)["model"]``)."""
        comps = {
            name: {
                "levels": list(LEVELS[name]),
                "m": list(self.m[c]),
                "u": list(self.u[c]),
                "weight": [self.weight_at(c, k) for k in range(len(LEVELS[name]))],
            }
            for c, name in enumerate(CMPS)
        }
        return {
            "comparisons": comps, "prior": self.prior, "lambda": self.lam, "records": self.records,
            "candidates": self.candidates, "labels": self.labels, "sampled": self.sampled,
            "iterations": self.iterations, "converged": self.converged,
        }  # fmt: skip


def splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def sample_pairs(vendors: list[int], sample: int, seed: int = SEED) -> list[tuple[int, int]]:
    """The random pairs of the u sample: every pair of ``vendors`` (record
    positions) when there are at most ``sample``, else ``sample`` draws (a
    draw of one record twice is dropped)."""
    n = len(vendors)
    if n * max(n - 1, 0) // 2 <= sample:
        return [(vendors[i], vendors[j]) for i in range(n) for j in range(i + 1, n)]
    out = []
    for k in range(sample):
        i = splitmix(seed ^ (2 * k)) % n
        j = splitmix(seed ^ (2 * k + 1)) % n
        if i != j:
            out.append((vendors[min(i, j)], vendors[max(i, j)]))
    return out


def estimate_u(recs: list[Rec], pairs, f: Freq, o: Options) -> list[list[float]]:
    """Share of each level among the sampled pairs compared on it, Laplace-smoothed."""
    counts = [[0] * len(LEVELS[c]) for c in CMPS]
    for i, j in pairs:
        for c, lv in enumerate(compare_levels(recs[i], recs[j], f, o).levels):
            if lv:
                counts[c][lv - 1] += 1
    out = []
    for c, row in enumerate(counts):
        n = sum(row)
        if n == 0:
            out.append(list(U_PRIOR[c]))
        else:
            out.append([(x + 1.0) / (float(n) + float(len(row))) for x in row])
    return out


def em_rows(candidates: list[Compared], labelled: list[tuple[Compared, bool]], label_weight: float):
    """(levels, weight, fixed responsibility or None): distinct patterns of
    the candidates by their packed key, then the labelled pairs in order."""
    counts: dict[int, list] = {}
    for c in candidates:
        counts.setdefault(c.pattern(), [c.levels, 0])[1] += 1
    rows = [(counts[k][0], float(counts[k][1]), None) for k in sorted(counts)]
    rows += [(c.levels, label_weight, 1.0 if dup else 0.0) for c, dup in labelled]
    return rows


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def responsibility(row, m, u, lam: float) -> float:
    levels, _, fixed = row
    if fixed is not None:
        return fixed
    lm, lu = math.log(lam), math.log(1.0 - lam)
    for c, lv in enumerate(levels):
        if lv:
            lm += math.log(m[c][lv - 1])
            lu += math.log(u[c][lv - 1])
    return 1.0 / (1.0 + _exp(lu - lm))


def _normalised(t: list[list[float]]) -> list[list[float]]:
    out = []
    for v in t:
        s = 0.0
        for x in v:
            s += x
        out.append([x / s for x in v])
    return out


def em_step(rows, m, u, lam, m0, u0, alpha):
    am = [[alpha * p for p in r] for r in m0]
    au = [[alpha * p for p in r] for r in u0]
    matched = total = 0.0
    for row in rows:
        r = responsibility(row, m, u, lam)
        levels, w, _ = row
        matched += r * w
        total += w
        for c, lv in enumerate(levels):
            if lv:
                am[c][lv - 1] += r * w
                au[c][lv - 1] += (1.0 - r) * w
    am, au = _normalised(am), _normalised(au)
    if total > 0.0:
        lam = min(max(matched / total, 1e-6), 0.999)
    return am, au, lam


def _largest_change(a, b) -> float:
    out = 0.0
    for x, y in zip(a, b, strict=True):
        for p, q in zip(x, y, strict=True):
            out = max(out, abs(p - q))
    return out


def estimate(
    recs: list[Rec],
    f: Freq,
    o: Options,
    candidates: list[Compared],
    labelled: list[tuple[Compared, bool]] = (),
    learn: Learn | None = None,
) -> Model:
    """Learn a model: u from the random-pair sample of the vendors, then m,
    u and lambda by EM over the compared ``candidates`` (employees and
    labelled pairs left out) and the ``labelled`` pairs, each table pulled
    towards its start (m: ``M_PRIOR``, u: the sample's) by ``alpha`` pseudo-pairs."""
    learn = learn or Learn()
    labelled = list(labelled)
    vendors = [i for i, r in enumerate(recs) if not r.employee and not r.label_only]
    sample = sample_pairs(vendors, learn.sample, learn.seed)
    model = Model(
        u=estimate_u(recs, sample, f, o), records=len(vendors), candidates=len(candidates) + len(labelled),
        labels=len(labelled), sampled=len(sample),
    )  # fmt: skip
    rows = em_rows(candidates, labelled, learn.label_weight)
    m0, u0 = [list(r) for r in model.m], [list(r) for r in model.u]
    for it in range(1, learn.max_iterations + 1):
        m, u, lam = em_step(rows, model.m, model.u, model.lam, m0, u0, learn.alpha)
        change = max(_largest_change(m, model.m), _largest_change(u, model.u), abs(lam - model.lam))
        model.m, model.u, model.lam, model.iterations = m, u, lam, it
        if change < learn.tolerance:
            model.converged = True
            break
    model.prior = math.log2(model.lam / (1.0 - model.lam))
    return model


def learn_model(
    recs: list[Rec],
    f: Freq,
    o: Options,
    pairs,
    labels=(),
    learn: Learn | None = None,
) -> Model:
    """As ``run.rs::learn_model``: ``pairs`` are the candidate pairs as
    (left, right) record positions, oriented as the engine compares them
    (a batch: smaller id left; the index: smaller position left); ``labels``
    are (position, position, duplicate), the last word on a pair winning.
    Pairs with an employee and labelled pairs are left out of the
    candidates; labelled pairs are compared as (smaller, larger) position."""
    labelled: dict[tuple[int, int], bool] = {}
    for a, b, dup in labels:
        if a != b and a < len(recs) and b < len(recs):
            labelled[(min(a, b), max(a, b))] = bool(dup)
    cands = [
        compare_levels(recs[i], recs[j], f, o)
        for i, j in pairs
        if not recs[i].employee and not recs[j].employee and (min(i, j), max(i, j)) not in labelled
    ]
    lab = [(compare_levels(recs[a], recs[b], f, o), dup) for (a, b), dup in sorted(labelled.items())]
    return estimate(recs, f, o, cands, lab, learn)


def label_positions(recs: list[Rec], labels) -> list[tuple[int, int, bool]]:
    """The binding's reading of a labels table (columns ``left_id``,
    ``right_id``, ``duplicate``): ids to positions, unknown ids left out."""
    if not labels:
        return []
    pos = {r.id: k for k, r in enumerate(recs)}
    return [
        (pos[a], pos[b], bool(d))
        for a, b, d in zip(labels["left_id"], labels["right_id"], labels["duplicate"], strict=True)
        if a in pos and b in pos
    ]


# --- scoring (compare.rs, run.rs, signals.rs) -------------------------------


def _shared_value(c: str, level: str, a: Rec, b: Rec, f: Freq) -> str:
    agreed = level in ("agree", "common", "exact")
    if c == "phone" and agreed:
        return shared_phone(a, b, f) or ""
    if c == "email" and level == "exact":
        return a.email
    if c == "email" and agreed:
        return a.domain
    if c in ("website", "zip", "city") and agreed:
        return getattr(a, c)
    return ""


def learned(a: Rec, b: Rec, f: Freq, cmp: Compared, model: Model) -> list[tuple]:
    """Evidence of the learned comparisons with their learned weights (a
    name's positive weight times its term-frequency factor)."""
    ev = []
    for c, name in enumerate(CMPS):
        level = cmp.level(c)
        if level is None:
            continue
        w = model.weight_of(c, cmp)
        sim, tf, via = 0.0, 1.0, 0
        if name == "name":
            sim, via = cmp.name_sim, cmp.name_via
            tf = cmp.name_tf if model.weight(c, level) > 0.0 else 1.0
        elif name == "address":
            sim = cmp.street_sim
        ev.append((name, level, w, sim, tf, _shared_value(name, level, a, b, f), via))
    return ev


def _total(prior: float, ev: list[tuple]) -> float:
    s = 0.0
    for e in ev:
        s += e[2]
    return prior + s


def compare(a: Rec, b: Rec, f: Freq, o: Options, model) -> tuple[float, list[tuple]]:
    """(total in bits with the prior, evidence); evidence rows are (field,
    level, weight, sim, tf, value, via)."""
    model = Model.of(model)
    cmp = compare_levels(a, b, f, o)
    ev = learned(a, b, f, cmp, model) + identity(a, b)
    return _total(model.prior, ev), ev


def probability(total: float) -> float:
    return 1.0 / (1.0 + math.exp2(-total))


def band(p: float, o: Options) -> str:
    return "likely" if p >= o.likely else "possible" if p >= o.possible else "none"


GATE_BITS = 6.0


def name_gate(cmp: Compared, ev: list[tuple]) -> bool:
    """Names that differ and share no distinctive word, with no identifier,
    bank account or e-mail address in common: at most "possible"."""
    differ = cmp.level(0) == "different" and cmp.name_tf * NAME_FULL_BITS < GATE_BITS
    identity = any(((e[0].startswith("id:") or e[0] == "bank") and e[1] == "agree")
                   or (e[0] == "email" and e[1] == "exact") for e in ev)
    return differ and not identity


def gated(bd: str, gate: bool) -> str:
    return "possible" if gate and bd == "likely" else bd


def signals(a: Rec, b: Rec, p: float, ev: list[tuple], o: Options) -> list[tuple[str, str]]:
    """Fraud signals of a compared pair: (kind, value)."""
    out: list[tuple[str, str]] = []

    def get(f):
        return next((e for e in ev if e[0] == f), None)

    def agree(e):
        return e is not None and e[1] in ("agree", "exact", "common", "high")

    bank_ = get("bank")
    bank_ = bank_ if bank_ is not None and bank_[1] == "agree" else None
    if not a.employee and not b.employee:
        if bank_ is not None and band(p, o) != "likely":
            out.append(("shared_bank", bank_[5]))
        name = get("name")
        strong = (
            bank_ is not None
            or any(e[0].startswith("id:") and e[1] in ("agree", "invalid_agree") for e in ev)
            or any(agree(get(f)) for f in ("email", "website", "phone", "address"))
        )
        if (
            (a.high_spend or b.high_spend)
            and not strong
            and name is not None
            and name[3] >= 0.85
            and a.name.nospace != b.name.nospace
        ):
            out.append(("lookalike", ""))
    elif a.employee != b.employee:
        if bank_ is not None:
            out.append(("employee_bank", bank_[5]))
        e = get("address")
        if e is not None and e[1] in ("exact", "high"):
            out.append(("employee_address", ""))
        e = get("phone")
        if e is not None and e[1] == "agree":
            out.append(("employee_phone", e[5]))
    return out


SIGNAL_ORDER = ["shared_bank", "employee_bank", "employee_address", "employee_phone", "lookalike"]


def score_one(a: Rec, b: Rec, f: Freq, o: Options, model) -> tuple[float, float, str, list[tuple], list]:
    """As ``run.rs::score_one`` (``a`` the record with the smaller id):
    total, probability, band (none with an employee), evidence, signals."""
    total, ev = compare(a, b, f, o, model)
    p = probability(total)
    gate = name_gate(compare_levels(a, b, f, o), ev)
    bd = "none" if a.employee or b.employee else gated(band(p, o), gate)
    return total, p, bd, ev, signals(a, b, p, ev, o)


def cluster(ids: list[int], likely: list[tuple[int, int, float]], o: Options) -> list[int]:
    """Cluster id per record position (0: none); see ``rust/dedupe/cluster.rs``."""
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


# --- drivers ----------------------------------------------------------------


def prepare(records: dict, spend_threshold=None):
    n = len(records["id"])
    recs, invalid = [], []
    for i in range(n):
        r, inv = normalise(records, i, spend_threshold)
        recs.append(r)
        invalid.extend((r.id, f, v) for f, v in inv)
    return recs, invalid, Freq(recs)


def oriented(recs: list[Rec], i: int, j: int) -> tuple[int, int]:
    """A batch pair as the engine compares it: the smaller id left."""
    return (i, j) if recs[i].id < recs[j].id else (j, i)


def every_pair(recs: list[Rec]) -> list[tuple[int, int]]:
    live = [i for i, r in enumerate(recs) if not r.label_only]
    return [oriented(recs, i, j) for x, i in enumerate(live) for j in live[x + 1:]]


def model_of_batch(records: dict, pairs, labels=None, o: Options | None = None, learn: Learn | None = None):
    """The model ``dedupe_vendors(records, labels=labels)`` learns when its
    candidate pairs are ``pairs`` ((left id, right id), as its ``keep_all``
    pairs table gives them). Returns (model, recs, freq)."""
    o = o or Options()
    recs, _, f = prepare(records)
    pos = {r.id: k for k, r in enumerate(recs)}
    cand = [oriented(recs, pos[a], pos[b]) for a, b in pairs]
    return learn_model(recs, f, o, cand, label_positions(recs, labels), learn), recs, f


def all_pairs(records: dict, o: Options | None = None, keep=None, *, model=None, labels=None, learn=None):
    """Score every pair of non-employee records with ``model`` (the dict the
    engine returns, or a Model); without one, with the model learned from
    every non-employee pair as the candidates (and ``labels``), which is
    what a run without blocking would learn. Returns ({(left_id, right_id):
    (total, band, evidence, probability)} for the pairs ``keep(total,
    probability)`` accepts (default: band possible or likely), the records
    and the frequencies."""
    o = o or Options()
    recs, _, f = prepare(records)
    if model is None:
        model = learn_model(recs, f, o, every_pair(recs), label_positions(recs, labels), learn)
    model = Model.of(model)
    out = {}
    for i, j in every_pair(recs):
        a, b = recs[i], recs[j]
        if a.employee or b.employee:
            continue
        total, ev = compare(a, b, f, o, model)
        p = probability(total)
        bd = gated(band(p, o), name_gate(compare_levels(a, b, f, o), ev))
        if keep(total, p) if keep else bd != "none":
            out[(a.id, b.id)] = (total, bd, ev, p)
    return out, recs, f
