"""Exclusion screening on public data nobody here wrote.

The list: OFAC's SDN list as published (``SDN.CSV``, ~17,000 entries), read
by the addon's own reader (``services/screening_lists.py``). We measured
with the copy kept in github.com/jackdwyer/specially-designated-nationals-list
(commit bbf4929, the list of 2024-05-04); any newer ``sdn.csv`` from
https://www.treasury.gov/ofac/downloads/sdn.csv will do.

- **Found** (recall): listed businesses and people as a vendor master would
  spell them, one change each, drawn with a fixed seed: a legal form
  dropped or changed ("CIMEX, S.A." → "Cimex SA"), one letter wrong in a
  word of five or more, lookalike characters (0 for O, 1 for l), mixed case
  and punctuation; people written "First Middle Last" instead of OFAC's
  "LAST, First Middle", or with one letter wrong. No address: the SDN file
  has none (ADD.CSV is apart), so each is a name-only hit, the hardest kind.
- **Not raised** (false positives): innocent names nobody here wrote, the
  Fodor's and Zagat's restaurants (864 businesses, RIDDLE repository) and
  the FEBRL people (5,000 records, Australian National University), both
  from ``tools/venv.sh bench`` (see benches/public_worlds.py). Every hit on
  them is a false alarm a compliance officer would have to clear.

    .venv/bin/python benches/screening_public.py --sdn path/to/sdn.csv

Prints a JSON line: recall by change, hits on innocent names, precision.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import random
import re
import sys
import time

import medsync_core

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benches"))
import public_worlds  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "medsync_screening_lists", ROOT / "odoo_addon" / "medsync" / "services" / "screening_lists.py")
lists = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lists)

LEGAL = {"S.A.": "SA", "LTD.": "Limited", "LTDA.": "Ltda", "INC.": "Incorporated", "CO.": "Company",
         "LLC": "L.L.C.", "GMBH": "GmbH", "CORPORATION": "Corp"}
LOOK = {"O": "0", "L": "1", "I": "1", "S": "5", "E": "3"}
COLUMNS = ("id", "kind", "name", "first", "middle", "last", "street", "city", "state", "zip", "country", "npi",
           "uei", "cage")


def _typo(rng, word):
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + rng.choice("aeiourstnl".upper() if word.isupper() else "aeiourstnl") + word[i + 1:]


def entity_change(rng, name):
    words = name.split()
    long_words = [i for i, w in enumerate(words) if len(re.sub(r"\W", "", w)) >= 5]
    kinds = ["case"]
    if any(w.upper().strip(",") in LEGAL for w in words):
        kinds.append("legal_form")
    if long_words:
        kinds += ["typo", "lookalike"]
    kind = rng.choice(kinds)
    if kind == "case":
        return kind, name.title().replace(",", "")
    if kind == "legal_form":
        return kind, " ".join(LEGAL.get(w.upper().strip(","), w.strip(",")) for w in words).title()
    i = rng.choice(long_words)
    if kind == "typo":
        words[i] = _typo(rng, words[i])
        return kind, " ".join(words)
    letters = [j for j, ch in enumerate(words[i]) if ch.upper() in LOOK]
    if not letters:
        return "case", name.title()
    j = rng.choice(letters)
    words[i] = words[i][:j] + LOOK[words[i][j].upper()] + words[i][j + 1:]
    return kind, " ".join(words)


def person_change(rng, entry):
    first, last = entry["first"], entry["last"]
    if rng.random() < 0.5 or len(last) < 5:
        return "reordered", f"{first} {last.title()}"
    return "typo", f"{first} {_typo(rng, last.upper()).title()}"


def subjects_of(rows):
    cols = {c: [] for c in COLUMNS}
    for r in rows:
        for c in COLUMNS:
            cols[c].append(r.get(c, ""))
    return cols


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sdn", required=True, help="OFAC's sdn.csv")
    ap.add_argument("--sample", type=int, default=1000, help="listed businesses and people each, changed")
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args(argv)
    entries = lists.parse("ofac", pathlib.Path(args.sdn).read_bytes())
    ecols = {c: [] for c in ("id", "source", *COLUMNS[1:])}
    for i, e in enumerate(entries, start=1):
        ecols["id"].append(i)
        ecols["source"].append("ofac")
        for c in COLUMNS[1:]:
            ecols[c].append(e[c])
    rng = random.Random(args.seed)
    firms = [i for i, e in enumerate(entries, start=1) if e["kind"] == "entity"]
    people = [i for i, e in enumerate(entries, start=1) if e["kind"] == "individual" and e["first"] and e["last"]]
    rows, truth, change_of = [], {}, {}
    for eid in rng.sample(firms, min(args.sample, len(firms))):
        kind, name = entity_change(rng, entries[eid - 1]["name"])
        sid = len(rows) + 1
        rows.append({"id": sid, "kind": "entity", "name": name})
        truth[sid], change_of[sid] = eid, f"entity:{kind}"
    for eid in rng.sample(people, min(args.sample, len(people))):
        kind, name = person_change(rng, entries[eid - 1])
        sid = len(rows) + 1
        first, _sp, last = name.rpartition(" ")
        rows.append({"id": sid, "kind": "individual", "name": name, "first": first, "last": last})
        truth[sid], change_of[sid] = eid, f"individual:{kind}"
    innocent = set()
    restaurants, _t = public_worlds.restaurants()
    for name, street, city in zip(restaurants["name"], restaurants["street"], restaurants["city"], strict=True):
        sid = len(rows) + 1
        rows.append({"id": sid, "kind": "entity", "name": name, "street": street, "city": city, "country": "US"})
        innocent.add(sid)
    febrl, _t = public_worlds.febrl(3)
    for name in febrl["name"]:
        sid = len(rows) + 1
        first, _sp, last = name.rpartition(" ")
        rows.append({"id": sid, "kind": "individual", "name": name, "first": first, "last": last})
        innocent.add(sid)
    scols = subjects_of(rows)
    t0 = time.perf_counter()
    out = medsync_core.screen_vendors(scols, ecols)
    native_s = time.perf_counter() - t0
    found = {h["subject"] for h in out["hits"] if truth.get(h["subject"]) == h["entry"]}
    false_hits = [h for h in out["hits"] if h["subject"] in innocent]
    wrong_entry = [h for h in out["hits"] if h["subject"] in truth and truth[h["subject"]] != h["entry"]]
    by_change = {}
    for sid, change in change_of.items():
        hit, total = by_change.get(change, (0, 0))
        by_change[change] = (hit + (sid in found), total + 1)
    true_hits = sum(1 for h in out["hits"] if truth.get(h["subject"]) == h["entry"])
    result = {
        "bench": "screening_public", "list": "OFAC SDN", "entries": len(entries), "subjects": len(rows),
        "changed_listed": len(truth), "innocent": len(innocent), "engine_s": round(out["engine_s"], 4),
        "native_s": round(native_s, 4), "recall": round(len(found) / len(truth), 4),
        "recall_by_change": {k: round(h / t, 4) for k, (h, t) in sorted(by_change.items())},
        "hits_on_innocent": len(false_hits), "innocent_flagged_per_1000": round(
            1000 * len({h["subject"] for h in false_hits}) / len(innocent), 2),
        "other_entries_hit_by_changed": len(wrong_entry),
        "precision": round(true_hits / max(true_hits + len(false_hits), 1), 4),
        "examples_innocent": [(rows[h["subject"] - 1]["name"], entries[h["entry"] - 1]["name"], h["strength"])
                              for h in false_hits[:5]],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
