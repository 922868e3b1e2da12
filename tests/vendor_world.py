"""A labelled synthetic list of healthcare vendors with planted duplicates.

``world(n, seed)`` returns ``(records, truth)``: ``records`` as the dict of
columns ``medsync_core.dedupe_vendors`` takes, ``truth`` the set of
``(smaller id, larger id)`` pairs that are the same vendor. About 15 % of
the vendors have one or two duplicate records, each made with one of these
corruptions, plus realistic drift in the other fields (phone formats,
ZIP+4, e-mail local parts, blanks):

- legal-form swap and case (``Inc.`` → ``LLC``, upper case);
- a typo in the distinctive word (swap, drop, replace a letter);
- the trade name used as the name ("doing business as");
- the bank account re-typed (IBAN spacing, routing:account);
- the same EIN with abbreviations (``Medical`` → ``Med.``, ``International`` → ``Intl``);
- accents and lookalike letters (Cyrillic о, digit 1 for l).

Hard negatives are planted too: branches sharing a common name with other
identifiers, and one bank account under two unrelated names (a fraud
signal, not a duplicate).
"""

from __future__ import annotations

import random

SYL = (
    "zor bex ion kal med tri ven qua lux nor vel dyn ast cor pha zen tal rix mon gal "
    "ber fin sol tor vax hel ori pax lum ner cyr dex syn vor kel bra jun ost "
    "amb bel cam dor elk fal gor hav ish jor kem lin mar nix olv pel quo ram sev tuk "
    "ulm vin wex yar zul ard bro cla dru eme fro gri hal ivo kra lor mir nar oph pru "
    "rhe sca tho umb vey wil xan yor zef"
).split()
COMMON_TAIL = [
    "Medical", "Medical Supply", "Surgical", "Health", "Healthcare", "Diagnostics", "Labs",
    "Pharmaceuticals", "Scientific", "Dental", "Biomedical", "Orthopedic", "Imaging",
    "Medical Products", "Health Services", "International", "Respiratory Care", "",
]  # fmt: skip
LEGAL = ["Inc.", "Inc", "LLC", "Corp.", "Corporation", "Co.", "Ltd", "L.L.C.", ""]
STREETS = ["Main", "Oak", "Maple", "Cedar", "Park", "Lake", "Hill", "Washington", "Lincoln", "Elm",
           "Pine", "River", "Market", "Church", "Spring", "Industrial", "Commerce", "Harbor"]  # fmt: skip
TYPES = [("Street", "St."), ("Avenue", "Ave"), ("Road", "Rd"), ("Boulevard", "Blvd"), ("Drive", "Dr")]
CITIES = ["Springfield", "Riverside", "Franklin", "Greenville", "Bristol", "Clinton", "Fairview",
          "Salem", "Madison", "Georgetown", "Arlington", "Ashland", "Dover", "Oxford", "Jackson"]  # fmt: skip
FREE = ["gmail.com", "yahoo.com", "outlook.com", "aol.com"]
EIN_PREFIXES = [10, 12, 20, 27, 33, 41, 46, 52, 56, 62, 74, 81, 86, 91, 94]


def _luhn_digit(body: list[int]) -> int:
    total = 0
    for i, x in enumerate(reversed(body)):
        if i % 2 == 0:
            x *= 2
            if x > 9:
                x -= 9
        total += x
    return (10 - total % 10) % 10


def _npi(rng: random.Random) -> str:
    body = [1] + [rng.randrange(10) for _ in range(8)]
    return "".join(map(str, body)) + str(_luhn_digit([8, 0, 8, 4, 0, *body]))


def _dea(rng: random.Random, initial: str) -> str:
    d = [rng.randrange(10) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return "B" + initial + "".join(map(str, d)) + str(check)


def _aba(rng: random.Random) -> str:
    while True:
        d = [rng.randrange(10) for _ in range(8)]
        for last in range(10):
            x = [*d, last]
            if (3 * (x[0] + x[3] + x[6]) + 7 * (x[1] + x[4] + x[7]) + x[2] + x[5] + x[8]) % 10 == 0:
                return "".join(map(str, x))


def _iban_de(rng: random.Random) -> str:
    bban = "".join(str(rng.randrange(10)) for _ in range(18))
    num = int("".join(str(int(c, 36)) for c in bban + "DE00"))
    return f"DE{98 - num % 97:02d}{bban}"


def _stem(rng: random.Random) -> str:
    return "".join(rng.choice(SYL) for _ in range(rng.choice((2, 3, 3)))).capitalize()


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word + rng.choice("aeio")
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]


def _phone_fmt(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"{a}-{b}-{c}", f"1{a}{b}{c}"])


def _entity(rng: random.Random, k: int) -> dict:
    stem = _stem(rng)
    tail = rng.choice(COMMON_TAIL)
    name = " ".join(x for x in (stem, tail, rng.choice(LEGAL)) if x)
    domain = f"{stem.lower()}{rng.choice(['', 'med', 'health', '-inc'])}.com"
    free = rng.random() < 0.2
    e = {
        "name": name,
        "stem": stem,
        "tail": tail,
        "trade_name": (_stem(rng) + " " + rng.choice(["Supply", "Care", "Medical"])) if rng.random() < 0.08 else "",
        "street": f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} {rng.choice(TYPES)[0]}",
        "city": rng.choice(CITIES),
        "zip": f"{rng.randrange(1000, 99999):05d}",
        "country": "US",
        "phone": f"{rng.randrange(201, 989)}{rng.randrange(200, 999)}{rng.randrange(0, 9999):04d}",
        "email": f"{rng.choice(['ap', 'sales', 'billing', 'info'])}@{rng.choice(FREE) if free else domain}",
        "website": f"www.{domain}" if rng.random() < 0.6 else "",
        "ein": f"{rng.choice(EIN_PREFIXES)}{rng.randrange(0, 9_999_999):07d}" if rng.random() < 0.6 else "",
        "npi": _npi(rng) if rng.random() < 0.2 else "",
        "dea": _dea(rng, stem[0].upper()) if rng.random() < 0.1 else "",
        "bank": f"{_aba(rng)}:{rng.randrange(10**7, 10**10)}" if rng.random() < 0.7 else "",
    }
    if rng.random() < 0.08:  # a European vendor
        e["country"] = rng.choice(["DE", "FR", "GB"])
        e["bank"] = _iban_de(rng)
        e["phone"] = f"0{rng.randrange(30, 99)}{rng.randrange(1_000_000, 9_999_999)}"
        e["zip"] = f"{rng.randrange(10000, 99999)}"
        e["ein"] = ""
    return e


def _record(rng: random.Random, e: dict, dup: str | None) -> dict:
    r = dict(e)
    phone = _phone_fmt(rng, e["phone"]) if e["country"] == "US" else e["phone"]
    r["phone"] = phone
    if dup is None:
        return r
    # drift in the other fields
    for f, p in (("street", 0.15), ("phone", 0.3), ("email", 0.3), ("website", 0.3), ("ein", 0.4),
                 ("npi", 0.5), ("dea", 0.5), ("bank", 0.4), ("city", 0.05)):  # fmt: skip
        if rng.random() < p:
            r[f] = ""
    if r["email"] and rng.random() < 0.3:
        r["email"] = rng.choice(["orders", "ar", "contact"]) + "@" + r["email"].split("@")[1]
    if rng.random() < 0.2 and e["country"] == "US":
        r["zip"] = e["zip"] + f"-{rng.randrange(1000, 9999)}"
    if rng.random() < 0.3 and r["street"]:
        for long, short in TYPES:
            r["street"] = r["street"].replace(long, short)
    stem, tail = e["stem"], e["tail"]
    if dup == "suffix":
        legal = rng.choice([x for x in LEGAL if x])
        r["name"] = " ".join(x for x in (stem, tail, legal) if x)
        if rng.random() < 0.5:
            r["name"] = r["name"].upper()
    elif dup == "typo":
        r["name"] = " ".join(x for x in (_typo(rng, stem), tail, rng.choice(LEGAL)) if x)
    elif dup == "dba":
        if not e["trade_name"]:
            e["trade_name"] = _stem(rng) + " " + rng.choice(["Supply", "Care", "Medical"])
        r["name"], r["trade_name"] = e["trade_name"], ""
        r["ein"] = e["ein"] or r["ein"]
    elif dup == "bank":
        if not e["bank"]:
            e["bank"] = f"{_aba(rng)}:{rng.randrange(10**7, 10**10)}"
        b = e["bank"]
        r["bank"] = (
            " ".join(b[i : i + 4] for i in range(0, len(b), 4)).lower() if ":" not in b else b.replace(":", " : ")
        )
        r["name"] = " ".join(x for x in (stem, tail) if x)
    elif dup == "ein":
        if not e["ein"]:
            e["ein"] = f"{rng.choice(EIN_PREFIXES)}{rng.randrange(0, 9_999_999):07d}"
        r["ein"] = e["ein"][:2] + "-" + e["ein"][2:]
        t = tail.replace("Medical", "Med.").replace("International", "Intl").replace("Laboratories", "Labs")
        r["name"] = " ".join(x for x in (stem, t, rng.choice(LEGAL)) if x)
    elif dup == "lookalike":
        s = stem.replace("o", "\u043e", 1) if "o" in stem else stem.replace("l", "1", 1)
        s = s.replace("e", "é", 1)
        r["name"] = " ".join(x for x in (s, tail, rng.choice(LEGAL)) if x)
    return r


KINDS = ["suffix", "typo", "dba", "bank", "ein", "lookalike"]


def world(n: int, seed: int = 0):
    rng = random.Random(seed)
    rows: list[dict] = []
    groups: list[list[int]] = []
    entities = []
    while len(rows) < n:
        e = _entity(rng, len(entities))
        entities.append(e)
        members = [len(rows)]
        rows.append(_record(rng, e, None))
        if rng.random() < 0.15:
            for _ in range(rng.choice((1, 1, 2))):
                if len(rows) >= n:
                    break
                members.append(len(rows))
                rows.append(_record(rng, e, rng.choice(KINDS)))
        elif rng.random() < 0.03 and entities:
            # a branch of another company with the same common name
            other = dict(_entity(rng, 0))
            other["name"] = " ".join(x for x in (e["stem"], e["tail"]) if x)
            other["ein"] = f"{rng.choice(EIN_PREFIXES)}{rng.randrange(0, 9_999_999):07d}"
            entities.append(other)
            if len(rows) < n:
                groups.append([len(rows)])
                rows.append(_record(rng, other, None))
        elif rng.random() < 0.01 and e["bank"]:
            # one bank account under an unrelated name
            other = dict(_entity(rng, 0))
            other["bank"] = e["bank"]
            entities.append(other)
            if len(rows) < n:
                groups.append([len(rows)])
                rows.append(_record(rng, other, None))
        groups.append(members)
    ids = list(range(1, len(rows) + 1))
    order = list(range(len(rows)))
    rng.shuffle(order)  # duplicates are not neighbours in the list
    pos = {old: new for new, old in enumerate(order)}
    records = {
        "id": [ids[pos[i]] for i in range(len(rows))],
        "name": [r["name"] for r in rows],
        "trade_name": [r["trade_name"] for r in rows],
        "street": [r["street"] for r in rows],
        "city": [r["city"] for r in rows],
        "zip": [r["zip"] for r in rows],
        "country": [r["country"] for r in rows],
        "phones": [[r["phone"]] if r["phone"] else [] for r in rows],
        "email": [r["email"] for r in rows],
        "website": [r["website"] for r in rows],
        "ids": [[f"{s}:{r[s]}" for s in ("ein", "npi", "dea") if r[s]] for r in rows],
        "banks": [[r["bank"]] if r["bank"] else [] for r in rows],
    }
    truth = set()
    for g in groups:
        gid = sorted(records["id"][i] for i in g)
        for a in range(len(gid)):
            for b in range(a + 1, len(gid)):
                truth.add((gid[a], gid[b]))
    return records, truth


def quality(pairs: dict, truth: set, candidates: set | None = None) -> dict:
    """precision, recall, f1 of predicted pairs; pair completeness of candidates."""
    pred = set(zip(pairs["left_id"], pairs["right_id"], strict=True))
    tp = len(pred & truth)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}
    if candidates is not None:
        out["pair_completeness"] = round(len(candidates & truth) / len(truth), 4) if truth else 1.0
    return out
