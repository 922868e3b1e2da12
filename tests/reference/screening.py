"""Reference for ``rust/screening``: people's names read in either order,
parties normalised with dedupe's normalisers, name-word information, the
blocking keys and their index, the comparisons, the decision rules and the
wording of the evidence, in plain Python. ``screen(..., brute=True)``
compares every pair instead of the blocked candidates (what the blocking
must approach).

Read it against ``rust/screening/{person,record,freq,blocking,compare,
decide,explain,run}.rs``; every constant and rule here is the engine's, and
so is the order of every floating-point operation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tests.reference import dedupe as d

# --- people's names (person.rs) ------------------------------------------

TITLES = ["dr", "mr", "mrs", "ms", "miss", "prof", "rev"]
SUFFIXES = ["jr", "sr", "ii", "iii", "iv"]
CREDENTIALS = (
    "md do dds dmd dpm od dc np pa phd rn lpn pharmd rph psyd dvm crna cnm lcsw lpc dpt aprn fnp facs"
).split()
PARTICLES = "de del della la le van von der den di da dos das du st saint bin ibn al el".split()


@dataclass
class Reading:
    first: str = ""
    middle: list[str] = field(default_factory=list)
    last_words: list[str] = field(default_factory=list)
    last: str = ""
    reversed: bool = False


def is_suffix(w: str) -> bool:
    return w in SUFFIXES or w in CREDENTIALS


def clean(raw: str, keep: int) -> list[str]:
    ws = [d._unspoof(w) for w in d.words(d.fold(raw))]
    while len(ws) > 1 and ws[0] in TITLES:
        ws.pop(0)
    while len(ws) > max(keep, 1) and is_suffix(ws[-1]):
        ws.pop()
    return ws


def reading(first: list[str], middle: list[str], last: list[str], rev: bool) -> Reading:
    middle = list(first[1:]) + list(middle)
    last = list(last)
    while last and middle and middle[-1] in PARTICLES:
        last.insert(0, middle.pop())
    return Reading(first[0] if first else "", middle, last, "".join(last), rev)


def from_fields(first: str, middle: str, last: str) -> list[Reading]:
    f = clean(first, 1)
    m = [d._unspoof(w) for w in d.words(d.fold(middle))]
    la = clean(last, 1)
    if not f and not la:
        return []
    return [reading(f, m, la, False)]


def from_words(ws: list[str]) -> list[Reading]:
    n = len(ws)
    if n == 0:
        return []
    if n == 1:
        return [reading([], [], [ws[0]], False)]
    return [reading(ws[: n - 1], [], [ws[-1]], False), reading(ws[1:], [], [ws[0]], True)]


def from_line(raw: str) -> list[Reading]:
    if "," in raw:
        last, rest = raw.split(",", 1)
        la = clean(last, 1)
        r = clean(rest, 1)
        if la:
            return [reading(r, [], la, False)]
    return from_words(clean(raw, 2))


def sole_proprietor(name: d.Name) -> list[Reading]:
    t = name.tokens
    if len(t) < 2:
        return []
    titled = t[0] in TITLES
    credentialed = any(w != "pa" and w in CREDENTIALS for w in t[1:])
    if not (titled or credentialed):
        return []
    ws = [w for i, w in enumerate(t) if not ((i > 0 and is_suffix(w)) or (i == 0 and w in TITLES))]
    return from_words(ws) if 2 <= len(ws) <= 4 else []


def words_of(readings: list[Reading]) -> list[str]:
    out: list[str] = []
    for r in readings:
        for w in [r.first, *r.middle, *r.last_words]:
            if w and w not in out:
                out.append(w)
    return out


# --- parties (record.rs) ---------------------------------------------------

KINDS = ("entity", "individual", "other")
US = ("US", "USA", "UNITEDSTATES", "UNITEDSTATESOFAMERICA")
COLUMNS = ("name", "first", "middle", "last", "street", "city", "state", "zip", "country", "npi", "uei", "cage")


@dataclass
class Party:
    id: int
    kind: str
    name: d.Name = field(default_factory=d.Name)
    trade: d.Name = field(default_factory=d.Name)
    person: list[Reading] = field(default_factory=list)
    house: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    npi: str = ""
    uei: str = ""
    cage: str = ""


def country(raw: str) -> str:
    c = d.compact(raw)
    return "US" if c in US else c


def _col(t: dict, c: str, i: int) -> str:
    v = t.get(c)
    return "" if v is None or v[i] is None else v[i]


def _readings(t: dict, i: int) -> list[Reading]:
    if not _col(t, "last", i).strip() and _col(t, "name", i).strip():
        return from_line(_col(t, "name", i))
    return from_fields(_col(t, "first", i), _col(t, "middle", i), _col(t, "last", i))


def normalise(t: dict, i: int, subject: bool) -> Party:
    kind = t["kind"][i]
    c = country(_col(t, "country", i))
    house, street = d.street(_col(t, "street", i))
    npi = d.compact(_col(t, "npi", i))
    uei = d.compact(_col(t, "uei", i))
    cage = d.compact(_col(t, "cage", i))
    p = Party(
        id=t["id"][i], kind=kind, house=house, street=street,
        city=" ".join(d.words(d.fold(_col(t, "city", i)))), state=d.compact(_col(t, "state", i)),
        zip=d.zip_code(_col(t, "zip", i), c), country=c,
        npi=npi if d.check("npi", npi) == d.VALID else "",
        uei=uei if d.check("uei", uei) != d.INVALID else "",
        cage=cage if len(cage) == 5 else "",
    )  # fmt: skip
    if kind == "individual":
        p.person = _readings(t, i)
    else:
        p.name, p.trade = d.vendor_name(_col(t, "name", i))
        if not p.name.tokens and p.trade.tokens:
            p.name, p.trade = p.trade, p.name
        if subject:
            p.person = sole_proprietor(p.name)
    return p


# --- name-word information (freq.rs) ----------------------------------------

MIN_POPULATION = 10_000


def info(df: int, n: int) -> float:
    nn = float(max(n, MIN_POPULATION))
    p = (float(df) + 1.0) / (nn + 1.0)
    return -math.log2(p)


class Freq:
    def __init__(self, subjects: list[Party], entries: list[Party]):
        self.entity = d.Freq([])
        self.person: dict[str, int] = {}
        self.people = 0
        for p in subjects + entries:
            if p.kind == "individual":
                self.people += 1
                for w in words_of(p.person):
                    self.person[w] = self.person.get(w, 0) + 1
                continue
            self.entity.n += 1
            toks = list(p.name.tokens) + [t for t in p.trade.tokens if t not in p.name.tokens]
            for w in toks:
                self.entity.words[w] = self.entity.words.get(w, 0) + 1
        self.individual_entries = sum(1 for e in entries if e.kind == "individual")
        self.entity_entries = len(entries) - self.individual_entries

    def person_bits(self, w: str, own: int) -> float:
        return info(max(self.person.get(w, 0) - own, 0), self.people)

    def entity_bits(self, w: str, own: int) -> float:
        df = max(self.entity.words.get(w, 0) - own, 0)
        n = float(max(self.entity.n, MIN_POPULATION))
        p = (float(df) + 1.0) / (n + 1.0)
        if w in d.COMMON and p < d.COMMON_FLOOR:
            p = d.COMMON_FLOOR
        return -math.log2(p)


# --- blocking (blocking.rs) -------------------------------------------------

IDENTIFIER, ADDRESS, WORD, WHOLE, PERSON, PERSON_INITIAL = 1, 2, 3, 4, 5, 6
CAP = {IDENTIFIER: 1_000, PERSON: 1_000, PERSON_INITIAL: 1_000, ADDRESS: 100, WORD: 100, WHOLE: 100}
MIN_FUZZY = 4


def key(p: int, *parts: str) -> int:
    return (d.fnv(*(x.encode() for x in parts)) & 0x00FFFFFFFFFFFFFF) | (p << 56)


def variants(w: str) -> list[str]:
    out = [w]
    if len(w) >= MIN_FUZZY:
        for i in range(len(w)):
            v = w[:i] + w[i + 1 :]
            if v not in out:
                out.append(v)
    return out


def keys(p: Party, query: bool) -> list[int]:
    ks: list[int] = []
    for scheme, v in (("npi", p.npi), ("uei", p.uei), ("cage", p.cage)):
        if v:
            ks.append(key(IDENTIFIER, scheme, v))
    if p.zip and p.house:
        ks.append(key(ADDRESS, p.zip, p.house))
    if p.kind != "individual":
        for name in (p.name, p.trade):
            for t in name.tokens:
                if t not in d.COMMON and len(t) >= 2:
                    ks.append(key(WORD, t))
            if name.nospace:
                ks.extend(key(WHOLE, v) for v in variants(name.nospace))
    for r in p.person:
        if not r.last or (r.reversed and len(r.first) <= 1):
            continue
        lasts = variants(r.last)
        if len(r.last_words) > 1:
            lasts += [w for w in r.last_words if len(w) >= 3]
        if len(r.first) >= 2:
            ks.extend(key(PERSON, v, r.first) for v in lasts)
            ks.extend(key(PERSON, r.last, f) for f in variants(r.first))
            if query:
                ks.extend(key(PERSON, v, "~") for v in lasts)
            else:
                ks.extend(key(PERSON_INITIAL, v, r.first[0]) for v in lasts)
        else:
            ks.extend(key(PERSON, v, "~") for v in lasts)
            if query and r.first:
                ks.extend(key(PERSON_INITIAL, v, r.first) for v in lasts)
    return sorted(set(ks))


class Index:
    def __init__(self, entries: list[Party]):
        groups: dict[int, list[int]] = {}
        for i, e in enumerate(entries):
            for k in keys(e, False):
                groups.setdefault(k, []).append(i)
        frequent = {k: len(v) for k, v in groups.items() if len(v) > CAP[k >> 56]}
        kept = {k: v for k, v in groups.items() if k not in frequent}
        for i, e in enumerate(entries):
            ks = keys(e, False)
            if ks and all(k in frequent for k in ks):
                k = min(ks, key=lambda k: (frequent[k], k))
                kept.setdefault(k, []).append(i)
        self.groups = kept
        self.skipped = len(frequent)

    def candidates(self, ks: list[int]) -> list[int]:
        out: set[int] = set()
        for k in ks:
            out.update(self.groups.get(k, ()))
        return sorted(out)


# --- comparisons (compare.rs) -----------------------------------------------

NAME_EXACT, NAME_VERY_CLOSE, NAME_CLOSE, NAME_PARTIAL, NAME_CONTAINED = 0.99, 0.93, 0.88, 0.75, 0.92
PART_VERY_CLOSE, PART_CLOSE = 0.92, 0.88
COMPOUND = 0.9
INITIAL, INITIAL_BITS = 0.75, 3.0
STREET_SIMILAR = 0.85
LEVELS = ["different", "partial", "close", "very_close", "exact"]  # worst first
DIFFERENT, PARTIAL, CLOSE, VERY_CLOSE, EXACT = range(5)
ADDR_NONE, ADDR_PARTIAL, ADDR_VERY_CLOSE = range(3)


@dataclass
class NameMatch:
    level: int
    sim: float
    bits: float
    person: bool
    via: int = 0
    last: float = 0.0
    first: str = ""  # equal, similar, initial, differs, missing
    first_sim: float = 0.0
    middle_differs: bool = False
    reversed: bool = False
    as_person: bool = False


@dataclass
class AddressMatch:
    level: int = ADDR_NONE
    street: float | None = None
    zip: bool = False
    city: bool = False
    country_differs: bool = False


@dataclass
class Compared:
    ids: list[tuple[str, bool]]
    name: NameMatch | None
    address: AddressMatch


def identifiers(s: Party, e: Party) -> list[tuple[str, bool]]:
    pairs = (("npi", s.npi, e.npi), ("uei", s.uei, e.uei), ("cage", s.cage, e.cage))
    return [(i, x == y) for i, x, y in pairs if x and y]


TYPO, TYPO_LETTERS = d.WORD_SAME, 4


def one_typo(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    if len(long) == len(short) + 1:
        return short[i:] == long[i + 1 :]
    if len(long) != len(short) or i == len(short):
        return False
    return short[i + 1 :] == long[i + 1 :] or (
        i + 1 < len(short) and short[i] == long[i + 1] and short[i + 1] == long[i] and short[i + 2 :] == long[i + 2 :]
    )


def token_similarity(t: str, u: str) -> float:
    s = d.word_similarity(t, u)
    if s < TYPO and len(t) >= TYPO_LETTERS and len(u) >= TYPO_LETTERS and one_typo(t, u):
        return TYPO
    return s


def directed(a: d.Name, best: list[float], f: Freq) -> tuple[float, float]:
    num = den = 0.0
    for t, b in zip(a.tokens, best, strict=True):
        w = f.entity.bits(t, MIN_POPULATION)
        den += w
        if b >= d.WORD_SAME:
            num += w * b
    return num, den


def name_similarity(a: d.Name, b: d.Name, f: Freq) -> tuple[float, float]:
    if a.nospace and a.nospace == b.nospace:
        return 1.0, 1.0
    best_a, best_b = [0.0] * len(a.tokens), [0.0] * len(b.tokens)
    for i, t in enumerate(a.tokens):
        for j, u in enumerate(b.tokens):
            s = token_similarity(t, u)
            best_a[i] = max(best_a[i], s)
            best_b[j] = max(best_b[j], s)
    n1, d1 = directed(a, best_a, f)
    n2, d2 = directed(b, best_b, f)
    r1 = n1 / d1 if d1 > 0 else 0.0
    r2 = n2 / d2 if d2 > 0 else 0.0
    sim, contained = (r1 + r2) / 2.0, max(r1, r2)
    n = max(len(a.nospace), len(b.nospace))
    if n >= TYPO_LETTERS and one_typo(a.nospace, b.nospace):
        typo = 1.0 - 1.0 / float(n)
        return max(sim, typo), max(contained, typo)
    return sim, contained


def entity_level(sim: float, contained: float) -> int:
    if sim >= NAME_EXACT:
        return EXACT
    if sim >= NAME_VERY_CLOSE:
        return VERY_CLOSE
    if sim >= NAME_CLOSE:
        return CLOSE
    if sim >= NAME_PARTIAL or contained >= NAME_CONTAINED:
        return PARTIAL
    return DIFFERENT


def entity_name(s: Party, e: Party, f: Freq) -> NameMatch | None:
    pairs = ((s.name, e.name), (s.name, e.trade), (s.trade, e.name), (s.trade, e.trade))
    best = None
    for k, (x, y) in enumerate(pairs):
        if not x.tokens or not y.tokens:
            continue
        m = name_similarity(x, y, f)
        if best is None or m > best[0]:
            best = (m, k)
    if best is None:
        return None
    (sim, contained), via = best
    x, y = pairs[via]
    bits = 0.0
    for t in x.tokens:
        if t in y.tokens:
            bits += f.entity_bits(t, 2)
    return NameMatch(entity_level(sim, contained), sim, bits, False, via=via)


def first_names(x: str, y: str) -> tuple[str, float]:
    if not x or not y:
        return "missing", 0.0
    if x == y:
        return "equal", 1.0
    if len(x) == 1 or len(y) == 1:
        return ("initial", INITIAL) if x[0] == y[0] else ("differs", 0.0)
    s = token_similarity(x, y)
    return ("similar" if s >= PART_CLOSE else "differs"), s


def compound(x: Reading, y: Reading) -> bool:
    short, long = (x, y) if len(x.last_words) <= len(y.last_words) else (y, x)
    return (
        bool(short.last_words)
        and len(short.last_words) < len(long.last_words)
        and all(w in long.last_words for w in short.last_words)
    )


def last_names(x: Reading, y: Reading) -> float:
    if x.last == y.last:
        return 1.0
    s = d.jaro_winkler(x.last, y.last)
    if len(x.last) >= TYPO_LETTERS and len(y.last) >= TYPO_LETTERS and one_typo(x.last, y.last):
        s = max(s, TYPO)
    return max(s, COMPOUND) if compound(x, y) else s


def person_level(last: float, first: str, first_sim: float, middle_differs: bool) -> int:
    if last < PART_CLOSE:
        return DIFFERENT
    if middle_differs:
        return PARTIAL
    if first == "equal" and last == 1.0:
        return EXACT
    if first in ("equal", "similar") and last >= PART_VERY_CLOSE and first_sim >= PART_VERY_CLOSE:
        return VERY_CLOSE
    if first in ("equal", "similar", "initial") and last >= PART_VERY_CLOSE:
        return CLOSE
    return PARTIAL


def shared_person_bits(x: Reading, y: Reading, first: str, own: int, f: Freq) -> float:
    bits = 0.0
    for w in x.last_words:
        if w in y.last_words:
            bits += f.person_bits(w, own)
    if first == "equal":
        return bits + f.person_bits(x.first, own)
    if first == "initial":
        return bits + INITIAL_BITS
    return bits


def reading_pair(x: Reading, y: Reading, as_person: bool, f: Freq) -> NameMatch | None:
    if not x.last or not y.last:
        return None
    last = last_names(x, y)
    first, first_sim = first_names(x.first, y.first)
    middle_differs = bool(x.middle) and bool(y.middle) and x.middle[0][:1] != y.middle[0][:1]
    level = person_level(last, first, first_sim, middle_differs)
    bits = shared_person_bits(x, y, first, 1 if as_person else 2, f)
    return NameMatch(
        level, (2.0 * last + first_sim) / 3.0, bits, True,
        last=last, first=first, first_sim=first_sim, middle_differs=middle_differs,
        reversed=x.reversed != y.reversed, as_person=as_person,
    )  # fmt: skip


def person_name(xs: list[Reading], ys: list[Reading], as_person: bool, f: Freq) -> NameMatch | None:
    best = None
    for x in xs:
        for y in ys:
            m = reading_pair(x, y, as_person, f)
            if m is not None and (best is None or (m.level, m.sim) > (best.level, best.sim)):
                best = m
    return best


def address(s: Party, e: Party) -> AddressMatch:
    if s.country and e.country and s.country != e.country:
        return AddressMatch(country_differs=True)
    zip_ = bool(s.zip) and s.zip == e.zip
    state_ok = not (s.state and e.state) or s.state == e.state
    city = bool(s.city) and bool(e.city) and s.city == e.city and state_ok
    street = None
    if s.house and e.house and s.house == e.house and s.street and e.street:
        street = d.jaro_winkler(s.street, e.street)
    similar = street is not None and street >= STREET_SIMILAR
    if similar and (zip_ or city):
        level = ADDR_VERY_CLOSE
    elif zip_ or city:
        level = ADDR_PARTIAL
    else:
        level = ADDR_NONE
    return AddressMatch(level, street, zip_, city, False)


def names_comparable(s: Party, e: Party) -> bool:
    if s.kind == "entity" and e.kind == "individual":
        return bool(s.person)
    return s.kind == "entity" or (s.kind, e.kind) == ("individual", "individual")


def compatible(s: Party, e: Party) -> bool:
    if e.kind == "other" and s.kind == "individual":
        return False
    return names_comparable(s, e) or any(
        x and y for x, y in ((s.npi, e.npi), (s.uei, e.uei), (s.cage, e.cage))
    )


def compare(s: Party, e: Party, f: Freq) -> Compared:
    if not names_comparable(s, e):
        name = None
    elif s.kind == "individual":
        name = person_name(s.person, e.person, False, f)
    elif e.kind == "individual":
        name = person_name(s.person, e.person, True, f)
    else:
        name = entity_name(s, e, f)
    return Compared(identifiers(s, e), name, address(s, e))


# --- decision (decide.rs) ---------------------------------------------------

GUARD_BITS = 8.0
PARTIAL_ADDRESS_BITS = 8.0
NAME_WEIGHT, ADDRESS_WEIGHT, CONTRADICTION = 0.75, 0.25, 0.25


def namesakes_unlikely(name: NameMatch, extra: float, f: Freq) -> bool:
    n = f.individual_entries if name.person else f.entity_entries
    return name.bits + extra >= math.log2(float(max(n, 1))) + GUARD_BITS


def by_name(c: Compared, f: Freq) -> tuple[str, bool] | None:
    name = c.name
    if name is None:
        return None
    n, a = name.level, c.address.level
    if n >= VERY_CLOSE and a == ADDR_VERY_CLOSE:
        return "strong", False
    if n >= CLOSE and a == ADDR_VERY_CLOSE:
        return "weak", False
    if n >= CLOSE and a == ADDR_PARTIAL:
        return ("weak", False) if namesakes_unlikely(name, PARTIAL_ADDRESS_BITS, f) else None
    if n >= VERY_CLOSE and a == ADDR_NONE:
        return ("weak", True) if namesakes_unlikely(name, 0.0, f) else None
    if n == PARTIAL and a == ADDR_VERY_CLOSE:
        return "weak", False
    return None


def decide(c: Compared, f: Freq) -> tuple[str, float, bool] | None:
    """(strength, score, rests on an uncommon name) or None."""
    id_equal = any(eq for _, eq in c.ids)
    contradicts = not id_equal and any(not eq for _, eq in c.ids)
    if id_equal:
        strength, uncommon = "strong", False
    else:
        got = by_name(c, f)
        if got is None:
            return None
        strength, uncommon = got
    if contradicts:
        if strength == "weak":
            return None
        strength = "weak"
    if id_equal:
        score = 1.0
    else:
        sim = c.name.sim if c.name is not None else 0.0
        a = (0.0, 0.5, 1.0)[c.address.level]
        less = CONTRADICTION if contradicts else 0.0
        score = min(max(NAME_WEIGHT * sim + ADDRESS_WEIGHT * a - less, 0.0), 1.0)
    return strength, score, uncommon


# --- wording (explain.rs) ---------------------------------------------------


def hundredths(x: float) -> str:
    k = min(max(math.floor(x * 100.0 + 1e-9), 0), 100)
    return "1.00" if k == 100 else f"0.{k:02d}"


def alike(what: str, x: float) -> str:
    h = hundredths(x)
    return f"{what} equal" if h == "1.00" else f"{what} {h} similar"


def _name_text(m: NameMatch) -> str:
    if not m.person:
        return alike("name", m.sim) + (" (trade name)" if m.via > 0 else "")
    first = {
        "equal": "first name equal", "initial": "first name initial", "differs": "first name differs",
        "missing": "no first name",
    }.get(m.first) or alike("first name", m.first_sim)  # fmt: skip
    parts = [alike("last name", m.last), first]
    if m.middle_differs:
        parts.append("middle initial differs")
    if m.reversed:
        parts.append("order reversed")
    text = ", ".join(parts)
    return f"read as a person: {text}" if m.as_person else text


def explain(c: Compared, uncommon: bool) -> list[tuple[str, str, str]]:
    out = []
    labels = {"npi": "NPI", "uei": "UEI", "cage": "CAGE"}
    for i, eq in c.ids:
        out.append((i, "equal", f"{labels[i]} equal") if eq else (i, "different", f"{labels[i]} differs"))
    if c.name is not None:
        out.append(("name", LEVELS[c.name.level], _name_text(c.name)))
        if uncommon:
            out.append(("name", "uncommon", "uncommon name"))
    a = c.address
    if a.street is not None and a.street == 1.0:
        out.append(("street", "equal", "street equal"))
    elif a.street is not None and a.street >= STREET_SIMILAR:
        out.append(("street", "similar", alike("street", a.street)))
    if a.zip:
        out.append(("zip", "equal", "same ZIP"))
    if a.city:
        out.append(("city", "equal", "same city"))
    if a.country_differs:
        out.append(("country", "different", "country differs"))
    return out


# --- a run (run.rs) ---------------------------------------------------------


def _rows(t: dict) -> int:
    return len(t["id"]) if t and "id" in t else 0


def prepare(subjects: dict, entries: dict):
    subs = [normalise(subjects, i, True) for i in range(_rows(subjects))]
    ents = [normalise(entries, i, False) for i in range(_rows(entries))]
    return subs, ents, Freq(subs, ents)


def screen(subjects: dict, entries: dict, min_score: float = 0.0, brute: bool = False) -> dict:
    """The engine's answer: ``hits`` (dicts as ``screen_vendors`` gives
    them) and ``stats`` (subjects, entries, candidates, hits, strong, weak,
    skipped_keys)."""
    subs, ents, f = prepare(subjects, entries)
    index = Index(ents)
    hits, compared = [], 0
    for s in subs:
        cands = range(len(ents)) if brute else index.candidates(keys(s, True))
        for k in cands:
            e = ents[k]
            if not compatible(s, e):
                continue
            compared += 1
            c = compare(s, e, f)
            got = decide(c, f)
            if got is None or got[1] < min_score:
                continue
            strength, score, uncommon = got
            hits.append({
                "subject": s.id, "entry": e.id, "source": entries["source"][k], "score": score,
                "strength": strength, "evidence": explain(c, uncommon),
            })  # fmt: skip
    hits.sort(key=lambda h: (h["subject"], -h["score"], h["entry"]))
    strong = sum(1 for h in hits if h["strength"] == "strong")
    stats = {
        "subjects": len(subs), "entries": len(ents), "candidates": compared, "hits": len(hits),
        "strong": strong, "weak": len(hits) - strong, "skipped_keys": index.skipped,
    }  # fmt: skip
    return {"hits": hits, "stats": stats}
