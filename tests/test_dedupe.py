"""Vendor dedupe: medsync_core.dedupe_vendors and DedupeIndex against the
plain-Python reference (tests/reference/dedupe.py): the same normalisation,
the same comparison levels, the same model learned from the population and
the steward's labels, the same scores (log2 odds, prior included), match
probabilities, bands, signals and clusters."""

import copy
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import dedupe as ref
from tests.vendor_world import quality, world

ROOT = Path(__file__).resolve().parent.parent
TOL = 1e-9

# pools the generated records draw from, so that they agree and disagree often
NAMES = ["Acme Medical Supplies, Inc.", "ACME MED. SUPPLY LLC", "Acmé Medical", "Аcme Medica1",
         "Medical Supply Co", "Medline Industries", "Med Line Industries LP", "Müller GmbH & Co. KG",
         "Muller", "Zorbex Surgical d/b/a Bright Care", "Bright Care", "The Zorbex Group", "",
         "Halcyon Dental Labs", "Halcyn Dental Laboratories", "Société Générale S.A.",
         "Lulu", "Lulu Restaurant", "Deli Corner", "Delicatessen Corner"]  # fmt: skip
IDS = ["ein:12-3456789", "ein:123456789", "ein:98-7654321", "ein:07-1234567", "npi:1234567893",
       "npi:1234567890", "dea:AB1234563", "vat:DE136695976", "vat:DE136695977", "gln:4012345000009",
       "uei:J7M9HPTGJ1S9", "duns:150483782", "other:X-1", "tin:12 3456789"]  # fmt: skip
BANKS = ["DE89 3704 0044 0532 0130 00", "de89370400440532013000", "DE89370400440532013001",
         "021000021:12345678", "021000021 : 1234 5678", "011000015:999", "12345678"]  # fmt: skip
PHONES = ["(212) 555-0100", "+1 212 555 0100", "212.555.0100 x7", "030 1234567", "+49 30 1234567",
          "555-0100", "0044 20 7946 0958"]  # fmt: skip
STREETS = ["1200 N. Main Street, Suite 300", "1200 North Main St", "1200 Main Ave", "7 Elm Rd", "Elm Road",
           "Main Street", ""]  # fmt: skip
ZIPS = ["10001", "10001-1234", "60601", "SW1A 1AA", ""]
EMAILS = ["ap@acme-med.com", "AP@ACME-MED.COM", "sales@acme-med.com", "x@gmail.com", "x@other.com", ""]
SITES = ["https://www.acme-med.com/about", "acme-med.com", "www.other.com", ""]

record = st.fixed_dictionaries(
    {
        "name": st.sampled_from(NAMES),
        "trade_name": st.sampled_from(["", "", "Bright Care", "Acme"]),
        "street": st.sampled_from(STREETS),
        "city": st.sampled_from(["Springfield", "springfield", "Salem", ""]),
        "zip": st.sampled_from(ZIPS),
        "country": st.sampled_from(["US", "US", "DE", "", "GB"]),
        "phones": st.lists(st.sampled_from(PHONES), max_size=2),
        "email": st.sampled_from(EMAILS),
        "website": st.sampled_from(SITES),
        "ids": st.lists(st.sampled_from(IDS), max_size=3),
        "banks": st.lists(st.sampled_from(BANKS), max_size=2),
        "kind": st.sampled_from(["vendor", "vendor", "vendor", "employee"]),
        "spend": st.sampled_from([0, 500, 50_000]),
    }
)


def columns(recs: list[dict]) -> dict:
    cols = {k: [r[k] for r in recs] for k in recs[0]}
    # ids not in row order, so that orienting a pair by id and by position differ
    cols["id"] = [10 * (i + 1) + (i % 3) * 7 for i in range(len(recs))][::-1]
    return cols


def _pairs(out: dict) -> list[tuple[int, int]]:
    p = out["pairs"]
    return list(zip(p["left_id"], p["right_id"], strict=True))


def _evidence(out: dict, k: int) -> list[tuple]:
    ev = out["evidence"]
    return [
        (ev["field"][i], ev["level"][i], ev["weight"][i], ev["sim"][i], ev["tf"][i], ev["value"][i], ev["via"][i])
        for i in range(len(ev["pair"]))
        if ev["pair"][i] == k
    ]


def _close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=0.0, abs_tol=TOL)


def assert_same_model(got: dict, want, counters: bool = True) -> None:
    """The engine's model dict equals the reference's (m, u, weights, prior,
    lambda within 1e-9; counters, iterations and convergence exactly)."""
    want = ref.Model.of(want).to_dict() if not isinstance(want, dict) else want
    assert list(got["comparisons"]) == ref.CMPS
    for c in ref.CMPS:
        g, w = got["comparisons"][c], want["comparisons"][c]
        assert g["levels"] == w["levels"] == ref.LEVELS[c]
        for k in ("m", "u", "weight"):
            assert len(g[k]) == len(w[k]), (c, k)
            assert all(_close(x, y) for x, y in zip(g[k], w[k], strict=True)), (c, k, g[k], w[k])
    assert _close(got["prior"], want["prior"]), (got["prior"], want["prior"])
    assert _close(got["lambda"], want["lambda"]), (got["lambda"], want["lambda"])
    if counters:
        keys = ("records", "candidates", "labels", "sampled", "iterations", "converged")
        assert {k: got[k] for k in keys} == {k: want[k] for k in keys}


def assert_scored_like_the_reference(out: dict, recs, freq, o: ref.Options, model=None) -> None:
    """Every pair of ``out`` (a keep_all run): the reference scores it with
    ``model`` (default: the model the run returned) to the same total,
    probability, band and evidence; the signals of the pairs and the
    clusters of the likely pairs are the reference's."""
    model = out["model"] if model is None else model
    by_id = {r.id: r for r in recs}
    pos = {r.id: k for k, r in enumerate(recs)}
    p = out["pairs"]
    likely, want_signals, near = [], [], set()
    for k in range(len(p["left_id"])):
        a, b = by_id[p["left_id"][k]], by_id[p["right_id"][k]]
        assert a.id < b.id
        total, prob, bd, ev, sig = ref.score_one(a, b, freq, o, model)
        assert _close(p["score"][k], total), (a, b, p["score"][k], total)
        assert _close(p["probability"][k], prob), (a, b)
        assert _close(prob, 1.0 / (1.0 + 2.0 ** -p["score"][k]))
        got = _evidence(out, k)
        assert [e[:2] + e[5:] for e in got] == [e[:2] + e[5:] for e in ev], (a, b)
        for g, e in zip(got, ev, strict=True):
            assert all(_close(x, y) for x, y in zip(g[2:5], e[2:5], strict=True)), (g, e)
        assert _close(p["score"][k], model["prior"] + sum(e[2] for e in got))
        if min(abs(prob - o.likely), abs(prob - o.possible)) > TOL:
            assert p["band"][k] == bd, (a, b, prob)
        else:
            near.add((a.id, b.id))
        want_signals += [(kind, a.id, b.id, value) for kind, value in sig]
        if p["band"][k] == "likely":
            likely.append((pos[a.id], pos[b.id], p["score"][k]))
    s = out["signals"]
    got_signals = list(zip(s["kind"], s["left_id"], s["right_id"], s["value"], strict=True))
    assert [x for x in got_signals if x[1:3] not in near] == sorted(
        (x for x in want_signals if x[1:3] not in near),
        key=lambda x: (ref.SIGNAL_ORDER.index(x[0]), x[1], x[2]),
    )
    assert list(out["records"]["cluster"]) == ref.cluster([r.id for r in recs], likely, o)


def _with_employees(records: dict, rng: random.Random, k: int) -> dict:
    """``k`` employees, each sharing the bank, street and phone of a vendor."""
    out = {c: list(v) for c, v in records.items()}
    n = len(out["id"])
    out["kind"] = ["vendor"] * n
    for e in range(k):
        i = rng.randrange(n)
        out["id"].append(max(out["id"]) + 1)
        for c in out:
            if c == "id":
                continue
            v = records[c][i] if c in ("banks", "street", "zip", "phones", "city", "country") else None
            out[c].append({"kind": "employee", "name": f"Jo Employee{e}"}.get(c, v if v is not None else ""))
        out["ids"][-1] = []
    return out


# --- parity: hand-built records -------------------------------------------


labels_st = st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.booleans()), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(record, min_size=2, max_size=12),
    st.sampled_from([10, 10_000]),
    st.sampled_from([(0.5, 0.1), (0.9, 0.5), (0.3, 0.3)]),
    labels_st,
)
def test_engine_scores_like_the_reference(recs, min_population, thresholds, raw_labels):
    cols = columns(recs)
    ids = cols["id"]
    labels = {
        "left_id": [ids[a] if a < len(ids) else 10**6 for a, _, _ in raw_labels],
        "right_id": [ids[b] if b < len(ids) else 10**6 for _, b, _ in raw_labels],
        "duplicate": [d for _, _, d in raw_labels],
    }
    likely, possible = thresholds
    out = mc.dedupe_vendors(
        cols, keep_all=True, min_population=min_population, likely=likely, possible=possible,
        spend_threshold=1000, labels=labels,
    )  # fmt: skip
    o = ref.Options(likely=likely, possible=possible, min_population=min_population)
    refs, invalid, freq = ref.prepare(cols, spend_threshold=1000)
    # normalisation: fingerprints, names, invalid identifiers
    assert list(out["records"]["fingerprint"]) == [r.fingerprint - (1 << 64) * (r.fingerprint >> 63) for r in refs]
    assert out["records"]["name"] == [" ".join(r.name.tokens) for r in refs]
    assert sorted(zip(out["invalid"]["id"], out["invalid"]["field"], out["invalid"]["value"], strict=True)) == sorted(
        invalid
    )
    # the model learned from the candidate pairs and the labels
    model, _, _ = ref.model_of_batch(cols, _pairs(out), labels=labels, o=o)
    assert_same_model(out["model"], model)
    # every candidate pair: same total, probability, evidence, band, signals; same clusters
    assert_scored_like_the_reference(out, refs, freq, o)


# --- parity: generated worlds ---------------------------------------------


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(30, 300),
    st.integers(0, 2**32 - 1),
    st.integers(0, 4),
    st.sampled_from([10, 10_000]),
)
def test_learned_model_and_scores_match_the_reference_on_worlds(n, seed, employees, min_population):
    """(a) the model (m, u, lambda, prior, iterations, counters) is the
    reference's estimate on the engine's candidate pairs; (b) every pair
    scored with that model is scored alike by the reference."""
    records, _ = world(n, seed=seed)
    records = _with_employees(records, random.Random(seed), employees)
    out = mc.dedupe_vendors(records, keep_all=True, min_population=min_population)
    o = ref.Options(min_population=min_population)
    model, recs, freq = ref.model_of_batch(records, _pairs(out), o=o)
    assert out["model"]["records"] == n
    assert out["model"]["sampled"] == n * (n - 1) // 2  # every pair of vendors: fewer than the sample
    assert out["model"]["candidates"] == sum(1 for a, b in _pairs(out) if a <= n and b <= n)
    assert_same_model(out["model"], model)
    assert_scored_like_the_reference(out, recs, freq, o)


def test_u_is_estimated_on_the_splitmix_sample():
    """Past 100,000 vendor pairs u comes from splitmix64 draws: the engine
    draws the reference's pairs (same seed, same order, u64 wrap-around)."""
    assert ref.splitmix(0) == 0xE220A8397B1DCDAF  # splitmix64's first output from state 0
    assert ref.sample_pairs([3, 5, 9], 3) == [(3, 5), (3, 9), (5, 9)]
    drawn = ref.sample_pairs(list(range(1000)), 50)
    assert len(drawn) <= 50 and all(a < b for a, b in drawn)
    assert drawn == ref.sample_pairs(list(range(1000)), 50, ref.SEED)
    records, _ = world(460, seed=13)
    records = _with_employees(records, random.Random(13), 3)
    out = mc.dedupe_vendors(records, keep_all=True)
    model, recs, freq = ref.model_of_batch(records, _pairs(out))
    assert out["model"]["records"] == 460
    assert 99_000 < out["model"]["sampled"] < 100_000  # draws; a record drawn twice is dropped
    assert_same_model(out["model"], model)
    assert_scored_like_the_reference(out, recs, freq, ref.Options())


def test_same_answer_with_one_or_many_threads():
    code = """
import json, sys
sys.path[:0] = ["."]
import medsync_core as mc
from tests.vendor_world import world
records, truth = world(20000, seed=5)
t = sorted(truth)[::40]
labels = {"left_id": [a for a, b in t] + [1, 2], "right_id": [b for a, b in t] + [3, 4],
          "duplicate": [True] * len(t) + [False, False]}
for lab in (None, labels):
    out = mc.dedupe_vendors(records, labels=lab)
    p = out["pairs"]
    print(json.dumps([list(p["left_id"]), list(p["right_id"]), list(p["score"]), list(p["probability"]), p["band"],
                      list(out["records"]["cluster"]), out["signals"]["kind"], list(out["signals"]["left_id"]),
                      out["model"]]))
"""
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=str(ROOT),
            env=dict(os.environ, MEDSYNC_THREADS=n),
        ).stdout
        for n in ("1", "4")
    ]  # fmt: skip
    assert runs[0] == runs[1]
    plain, labelled = (json.loads(line) for line in runs[0].splitlines())
    assert len(plain[0]) > 1000
    assert plain[-1]["labels"] == 0 and labelled[-1]["labels"] > 0
    assert plain[-1] != labelled[-1]


# --- labels ----------------------------------------------------------------


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(40, 200), st.integers(0, 2**32 - 1), st.data())
def test_labels_refine_the_model_like_the_reference(n, seed, data):
    records, truth = world(n, seed=seed)
    records = _with_employees(records, random.Random(seed), 2)
    plain = mc.dedupe_vendors(records, keep_all=True)
    cands = _pairs(plain)
    ids = records["id"]
    picked = data.draw(st.lists(st.sampled_from(cands), min_size=1, max_size=8))
    others = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=4))
    flips = data.draw(st.lists(st.booleans(), min_size=len(picked), max_size=len(picked)))
    pairs = picked + others
    dup = [((a, b) in truth) != f for (a, b), f in zip(picked, flips, strict=True)] + [
        (min(a, b), max(a, b)) in truth for a, b in others
    ]
    labels = {"left_id": [a for a, _ in pairs], "right_id": [b for _, b in pairs], "duplicate": dup}
    out = mc.dedupe_vendors(records, keep_all=True, labels=labels)
    again = mc.dedupe_vendors(records, keep_all=True, labels=labels)
    assert out["model"] == again["model"]
    assert _pairs(out) == cands  # labels change the weights, not the candidates
    model, recs, freq = ref.model_of_batch(records, cands, labels=labels)
    assert_same_model(out["model"], model)
    distinct = {(min(a, b), max(a, b)) for a, b in pairs if a != b}
    assert out["model"]["labels"] == len(distinct)
    assert out["model"] != plain["model"]
    assert_scored_like_the_reference(out, recs, freq, ref.Options())


def test_labels_are_read_as_the_steward_gave_them():
    """A label names a pair in either order; the last word on a pair wins;
    a record paired with itself or an unknown id is left out."""
    records, truth = world(120, seed=8)
    (a, b), (c, d) = sorted(truth)[:2]
    one = mc.dedupe_vendors(records, labels={"left_id": [a, c], "right_id": [b, d], "duplicate": [False, True]})
    same = mc.dedupe_vendors(
        records,
        labels={
            "left_id": [b, a, d, a, 10**9],
            "right_id": [a, b, c, a, b],
            "duplicate": [True, False, True, True, True],
        },
    )
    assert one["model"] == same["model"]
    assert one["model"]["labels"] == 2
    none = mc.dedupe_vendors(records, labels={"left_id": [a, 10**9], "right_id": [a, b], "duplicate": [True, True]})
    assert none["model"] == mc.dedupe_vendors(records)["model"]
    assert none["model"]["labels"] == 0


def test_a_pair_marked_not_a_duplicate_lowers_its_pattern():
    """Six vendors in one building (different names, same street, zip and
    city): the pairs share one pattern. The steward says one pair is not a
    duplicate: every pair of that pattern loses weight, the same in the
    reference; saying it is a duplicate raises them."""
    records, _ = world(300, seed=4)
    names = ["Zorbex Imaging", "Kalven Dental", "Tribex Orthopedic", "Quorix Labs", "Helvan Surgical",
             "Pruvex Scientific"]  # fmt: skip
    first = max(records["id"]) + 1
    building = list(range(first, first + len(names)))
    for k, name in enumerate(names):
        row = {"id": building[k], "name": name, "street": f"500 Medical Center Drive Suite {k + 1}",
               "city": "Springfield", "zip": "62701", "country": "US", "phones": [f"217-555-01{k:02d}"]}  # fmt: skip
        for c in records:
            records[c].append(row.get(c, [] if c in ("ids", "banks", "phones") else ""))

    def building_pairs(labels=None):
        out = mc.dedupe_vendors(records, keep_all=True, labels=labels)
        p = out["pairs"]
        got = {
            (p["left_id"][k], p["right_id"][k]): (p["score"][k], p["probability"][k])
            for k in range(len(p["left_id"]))
            if p["left_id"][k] in building and p["right_id"][k] in building
        }
        return out, got

    plain, before = building_pairs()
    recs, _, freq = ref.prepare(records)
    by_id = {r.id: r for r in recs}
    patterns = {ref.compare_levels(by_id[a], by_id[b], freq, ref.Options()).pattern() for a, b in before}
    assert len(before) == 15 and len(patterns) == 1
    no = {"left_id": [building[0]], "right_id": [building[1]], "duplicate": [False]}
    lowered, after = building_pairs(no)
    assert_same_model(lowered["model"], ref.model_of_batch(records, _pairs(plain), labels=no)[0])
    assert all(after[k][0] < before[k][0] - 1.0 and after[k][1] < before[k][1] for k in before)
    yes = dict(no, duplicate=[True])
    raised, again = building_pairs(yes)
    assert_same_model(raised["model"], ref.model_of_batch(records, _pairs(plain), labels=yes)[0])
    assert all(again[k][0] > after[k][0] for k in before)
    assert lowered["model"]["lambda"] < plain["model"]["lambda"]


# --- behaviour --------------------------------------------------------------


def test_blocking_keeps_what_all_pairs_finds():
    """On a labelled world small enough for the all-pairs reference, the
    engine finds (nearly) every true duplicate the reference, scoring every
    pair with the engine's model, puts in a band, with the same scores, and
    its F1 against the truth is >= 0.95. (Pairs blocking never proposes and
    all-pairs bands are neighbours with little in common: with the bounded
    weights a few reach "possible" when every pair is scored.)"""
    records, truth = world(500, seed=7)
    out = mc.dedupe_vendors(records)
    ref_pairs, _, _ = ref.all_pairs(records, model=out["model"])
    p = out["pairs"]
    got = {(p["left_id"][k], p["right_id"][k]): k for k in range(len(p["left_id"]))}
    for key, k in got.items():
        assert _close(p["score"][k], ref_pairs[key][0])
        assert _close(p["probability"][k], ref_pairs[key][3])
        assert p["band"][k] == ref_pairs[key][1]
    banded_true = {k for k in ref_pairs if k in truth}
    found = len(set(got) & banded_true) / len(banded_true)
    assert found >= 0.97, found
    missed_likely = [k for k in ref_pairs if k not in got and ref_pairs[k][1] == "likely"]
    assert len(missed_likely) <= 0.02 * len(ref_pairs), missed_likely
    likely = {k: [v for v, b in zip(p[k], p["band"], strict=True) if b == "likely"] for k in ("left_id", "right_id")}
    assert quality(likely, truth)["f1"] >= 0.95


def test_evidence_lists_each_comparison_with_its_learned_weight():
    """Thresholds are probabilities, the score is log2 odds with the prior,
    each learned comparison's evidence carries the model's weight for its
    level (a name's positive weight times its tf factor), zip is a
    comparison of its own, an e-mail domain is the e-mail's agree/common level."""
    records, _ = world(3000, seed=3)
    out = mc.dedupe_vendors(records, keep_all=True)
    model, p, ev = out["model"], out["pairs"], out["evidence"]
    for c in ref.CMPS:
        x = model["comparisons"][c]
        assert math.isclose(sum(x["m"]), 1.0) and math.isclose(sum(x["u"]), 1.0)
        assert all(0 < v < 1 for v in x["m"] + x["u"])
        assert all(-12.0 <= w <= 16.0 for w in x["weight"])
    assert _close(model["prior"], math.log2(model["lambda"] / (1 - model["lambda"])))
    assert model["converged"] and 0 < model["iterations"] <= 200
    assert model["candidates"] == len(p["left_id"]) and model["records"] == 3000
    fields = set(ev["field"])
    assert "domain" not in fields and {"name", "zip", "city", "email", "address"} <= fields
    totals = [model["prior"]] * len(p["left_id"])
    for i in range(len(ev["pair"])):
        f, level, w = ev["field"][i], ev["level"][i], ev["weight"][i]
        totals[ev["pair"][i]] += w
        if f in model["comparisons"]:
            lw = model["comparisons"][f]["weight"][ref.LEVELS[f].index(level)]
            if f == "name" and lw > 0:
                assert _close(w, lw * ev["tf"][i]) and 0 <= ev["tf"][i] <= 1
            else:
                assert _close(w, lw) and ev["tf"][i] == 1.0
        if f == "zip" and level == "agree":
            assert len(ev["value"][i]) == 5
        if f == "email":
            assert level in ("exact", "agree", "common", "different")
    per_pair = {}
    for i in range(len(ev["pair"])):
        per_pair.setdefault(ev["pair"][i], []).append((ev["field"][i], ev["level"][i], ev["tf"][i]))
    for k in range(len(p["left_id"])):
        assert _close(p["score"][k], totals[k])
        prob = p["probability"][k]
        bd = "likely" if prob >= 0.5 else "possible" if prob >= 0.1 else "none"
        # names that differ and share nothing distinctive, with no identifier, bank or e-mail: at most possible
        rows = per_pair.get(k, [])
        name_differs = any(f == "name" and lv == "different" for f, lv, _ in rows)
        vouched = any(((f.startswith("id:") or f == "bank") and lv == "agree") or (f == "email" and lv == "exact")
                      for f, lv, _ in rows)
        if bd == "likely" and name_differs and not vouched and p["band"][k] == "possible":
            continue
        assert p["band"][k] == bd
    strict = mc.dedupe_vendors(records, likely=0.99, possible=0.9)["pairs"]
    assert all(x >= 0.9 for x in strict["probability"])
    assert set(zip(strict["left_id"], strict["right_id"], strict=True)) <= set(_pairs(out))


def test_identifiers_banks_and_employees():
    records, _ = world(300, seed=21)
    records["kind"] = ["vendor"] * len(records["id"])
    extra = [
        {"id": 1001, "name": "Quintex Medical Inc.", "ids": ["ein:12-3456789"], "street": "10 Elm Street",
         "zip": "30301", "city": "Atlanta", "phones": ["404-555-0101"]},
        {"id": 1002, "name": "QUINTEX MED. LLC", "ids": ["ein:123456789"]},
        {"id": 1003, "name": "Quintex Medical", "ids": ["ein:98-7654321"], "street": "77 Oak Road", "zip": "98101",
         "city": "Seattle", "phones": ["206-555-0199"]},
        {"id": 1004, "name": "Borvan Dental", "ids": ["ein:07-1234567"], "banks": ["021000021:555000111"],
         "street": "5 Pine Rd", "zip": "60601", "city": "Chicago"},
        {"id": 1005, "name": "Tesmor Imaging", "banks": ["021000021 : 555000111"], "street": "900 Lake Ave",
         "zip": "73301", "city": "Austin"},
        {"id": 1006, "name": "Jane Roe", "kind": "employee", "banks": ["DE89 3704 0044 0532 0130 00"],
         "street": "9 Cedar Lane", "zip": "02139", "phones": ["617-555-0142"], "country": "US"},
        {"id": 1007, "name": "Roe Consulting", "banks": ["de89370400440532013000"], "street": "9 Cedar Ln",
         "zip": "02139", "city": "Cambridge", "phones": ["(617) 555-0142"], "country": "US"},
    ]  # fmt: skip
    for e in extra:
        for c in records:
            records[c].append(e.get(c, [] if c in ("ids", "banks", "phones") else "vendor" if c == "kind" else ""))
    out = mc.dedupe_vendors(records, keep_all=True)
    p = out["pairs"]
    at = {pair: k for k, pair in enumerate(_pairs(out))}

    def ev(pair):
        return {e[0]: e for e in _evidence(out, at[pair])}

    # the same EIN written two ways: a likely duplicate, clustered
    k = at[(1001, 1002)]
    assert p["band"][k] == "likely" and p["cluster"][k] == 1001
    assert ev((1001, 1002))["id:ein"][1:3] == ("agree", 14.0) and ev((1001, 1002))["id:ein"][5] == "123456789"
    # the same name with two valid EINs: against, not a duplicate
    assert ev((1001, 1003))["id:ein"][1:3] == ("against", -12.0)
    assert p["band"][at[(1001, 1003)]] == "none"
    # an invalid EIN is reported
    inv = out["invalid"]
    assert (1004, "ein", "071234567") in set(zip(inv["id"], inv["field"], inv["value"], strict=True))
    # one bank account under two unrelated vendors: a signal, not a duplicate
    assert ev((1004, 1005))["bank"][1:3] == ("agree", 10.0)
    assert p["band"][at[(1004, 1005)]] != "likely"
    s = out["signals"]
    sig = set(zip(s["kind"], s["left_id"], s["right_id"], s["value"], strict=True))
    assert ("shared_bank", 1004, 1005, "021000021:555000111") in sig
    # an employee with a vendor's bank, address and phone: signals, never a pair to merge
    assert p["band"][at[(1006, 1007)]] == "none"
    assert {("employee_bank", 1006, 1007, "DE89370400440532013000"), ("employee_address", 1006, 1007, ""),
            ("employee_phone", 1006, 1007, "16175550142")} <= sig  # fmt: skip
    assert out["records"]["cluster"][records["id"].index(1006)] == 0
    # a given model scores without learning and is returned as given
    again = mc.dedupe_vendors(records, model=out["model"])
    assert again["stats"]["estimate_s"] == 0.0
    assert_same_model(again["model"], out["model"], counters=False)


def test_index_answers_like_the_batch():
    records, _ = world(3000, seed=11)
    out = mc.dedupe_vendors(records)
    p = out["pairs"]
    left, right = p["left_id"][0], p["right_id"][0]
    i = records["id"].index(right)
    others = {k: [v for j, v in enumerate(col) if j != i] for k, col in records.items()}
    ix = mc.DedupeIndex(others)
    assert len(ix) == 2999
    query = {k: col[i] for k, col in records.items() if k != "id"}
    hits = ix.query(query, min_probability=0.0)
    top = {h["id"]: h for h in hits}
    assert left in top
    # the index learned its own model (one record fewer): same band
    assert top[left]["band"] in ("likely", "possible")
    assert top[left]["evidence"][0]["field"] == _evidence(out, 0)[0][0]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert all(_close(h["probability"], ref.probability(h["score"])) for h in hits)
    # upsert then remove
    ix.upsert({k: [v] for k, v in dict(query, id=right).items()})
    assert len(ix) == 3000
    assert right not in {h["id"] for h in ix.query(dict(query, id=right), min_probability=0.0)}
    assert ix.remove([right, 10**9]) == 1


def _index_hits_like_the_reference(ix, records: dict, query: dict, model: dict) -> int:
    recs, _, freq = ref.prepare(records)
    by_id = {r.id: r for r in recs}
    q, _ = ref.normalise({k: [v] for k, v in dict(query, id=2**63 - 1).items()}, 0)
    hits = ix.query(query, limit=1000, min_probability=0.0)
    for h in hits:
        total, ev = ref.compare(q, by_id[h["id"]], freq, ref.Options(), model)
        assert _close(h["score"], total) and _close(h["probability"], ref.probability(total))
        gate = ref.name_gate(ref.compare_levels(q, by_id[h["id"]], freq, ref.Options()), ev)
        assert h["band"] == ref.gated(ref.band(ref.probability(total), ref.Options()), gate)
        got = [(e["field"], e["level"], e["weight"], e["sim"], e["tf"], e["value"], e["via"]) for e in h["evidence"]]
        assert [g[:2] + g[5:] for g in got] == [e[:2] + e[5:] for e in ev]
        assert all(_close(x, y) for g, e in zip(got, ev, strict=True) for x, y in zip(g[2:5], e[2:5], strict=True))
    return len(hits)


def test_index_scores_with_the_given_model_like_the_reference():
    records, _ = world(3000, seed=12)
    labelled = mc.dedupe_vendors(records, labels={"left_id": [1], "right_id": [2], "duplicate": [False]})["model"]
    batch = mc.dedupe_vendors(records)
    plain = batch["model"]
    i = records["id"].index(batch["pairs"]["right_id"][0])  # a record with a duplicate
    others = {k: [v for j, v in enumerate(col) if j != i] for k, col in records.items()}
    query = {k: col[i] for k, col in records.items() if k != "id"}
    ix = mc.DedupeIndex(others, model=plain)
    assert_same_model(ix.model(), plain, counters=False)
    assert _index_hits_like_the_reference(ix, others, query, plain) > 0
    ix.set_model(labelled)
    assert_same_model(ix.model(), labelled, counters=False)
    assert _index_hits_like_the_reference(ix, others, query, labelled) > 0
    # frequencies follow upsert and remove
    extra = {k: [col[i]] for k, col in records.items()}  # the query's twin
    extra["id"] = [10**6]
    ix.upsert(extra)
    grown = {k: col + extra[k] for k, col in others.items()}
    _index_hits_like_the_reference(ix, grown, query, labelled)
    assert ix.remove([10**6]) == 1
    _index_hits_like_the_reference(ix, others, query, labelled)


def test_index_learns_its_model_like_the_reference():
    """Without a model the index learns one from its records: the batch's
    candidates, compared with the smaller position on the left."""
    records, _ = world(250, seed=31)
    records = _with_employees(records, random.Random(31), 2)  # world ids are shuffled: positions differ
    ix = mc.DedupeIndex(records)
    cands = _pairs(mc.dedupe_vendors(records, keep_all=True))
    recs, _, freq = ref.prepare(records)
    pos = {r.id: k for k, r in enumerate(recs)}
    by_position = [(min(pos[a], pos[b]), max(pos[a], pos[b])) for a, b in cands]
    model = ref.learn_model(recs, freq, ref.Options(), by_position)
    assert_same_model(ix.model(), model)


# --- input ------------------------------------------------------------------


def _bad_model(change):
    m = copy.deepcopy(mc.dedupe_vendors({"id": [1, 2], "name": ["Acme", "Acme Inc"]})["model"])
    change(m)
    return m


@pytest.mark.parametrize(
    ("records", "options", "field", "row"),
    [
        ({"id": [1, 1], "name": ["a", "b"]}, {}, "records.id", 1),
        ({"id": [1, 0], "name": ["a", "b"]}, {}, "records.id", 1),
        ({"id": [1, 2], "name": ["a", "b"], "kind": ["vendor", "robot"]}, {}, "records.kind", 1),
        ({"id": [1, 2], "name": ["a", 3]}, {}, "records.name", 1),
        ({"id": [1, 2], "name": ["a"]}, {}, "records.name", None),
        ({"id": [1, 2], "nmae": ["a", "b"]}, {}, "records.nmae", None),
        ({"id": [1, 2], "banks": [["x"], [3]]}, {}, "records.banks", 1),
        ({"id": [1, 2]}, {"likely": 12.0, "possible": 7.0}, "possible", None),
        ({"id": [1, 2]}, {"likely": 0.2, "possible": 0.5}, "possible", None),
        ({"id": [1, 2]}, {"labels": {"left_id": [1], "right_id": [2]}}, "labels.duplicate", None),
        ({"id": [1, 2]}, {"model": [1]}, "model", None),
        ({"id": [1, 2]}, {"model": _bad_model(lambda m: m.pop("prior"))}, "model", None),
        ({"id": [1, 2]}, {"model": _bad_model(lambda m: m["comparisons"]["name"].update(m=[0.5] * 5))},
         "model.name.m", None),
        ({"id": [1, 2]}, {"model": _bad_model(lambda m: m["comparisons"]["zip"].update(u=[0.0, 1.0]))},
         "model.zip.u", None),
        ({"id": [1, 2]}, {"model": _bad_model(lambda m: m.update({"lambda": 1.0}))}, "model.prior", None),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_its_place(records, options, field, row):
    with pytest.raises(mc.InputError) as info:
        mc.dedupe_vendors(records, **options)
    assert (info.value.field, info.value.row) == (field, row), str(info.value)


def test_identifier_checks_and_normalisers():
    assert mc.check_identifier("npi", "1234567893") == ("1234567893", "valid")
    assert mc.check_identifier("ein", "07-1234567") == ("071234567", "invalid")
    assert mc.check_identifier("iban", "GB82 WEST 1234 5698 7654 32")[1] == "valid"
    assert mc.check_identifier("duns", "150483782")[1] == "format"
    with pytest.raises(mc.InputError):
        mc.check_identifier("passport", "1")
    for scheme, value in (
        ("ein", "12-3456789"),
        ("dea", "AB1234563"),
        ("vat", "FR40303265045"),
        ("gln", "4012345000009"),
    ):
        assert mc.check_identifier(scheme, value)[1] == (
            "valid" if ref.check(scheme, ref.compact(value)) == ref.VALID else "x"
        )
    n = mc.normalize_vendor("Acme Corp d/b/a Bright Care")
    assert (n["name"], n["trade_name"], n["removed"]) == ("acme", "bright care", "corp")
    assert mc.normalize_phone("(212) 555-0100", "us") == ref.phone("(212) 555-0100", "US") == "12125550100"


def test_name_similarity_rules():
    """The prefix rule ("deli" / "delicatessen") and containment ("Lulu" /
    "Lulu Restaurant") of the name comparison, as the engine levels them."""
    assert ref.word_similarity("deli", "delicatessen") == ref.WORD_SAME
    assert ref.word_similarity("de", "delicatessen") < ref.WORD_SAME
    recs = {"id": [1, 2, 3, 4], "name": ["Lulu", "Lulu Restaurant", "Deli Corner", "Delicatessen Corner"]}
    rs, _, f = ref.prepare(recs)
    o = ref.Options()
    lulu = ref.compare_levels(rs[0], rs[1], f, o)
    assert lulu.level(0) == "contained"
    assert ref.name_similarity(rs[2].name, rs[3].name, f, o).sim >= 0.85
    out = mc.dedupe_vendors(recs, keep_all=True)
    levels = {pair: e[1] for k, pair in enumerate(_pairs(out)) for e in _evidence(out, k) if e[0] == "name"}
    assert levels[(1, 2)] == "contained"
    assert levels[(3, 4)] == ref.compare_levels(rs[2], rs[3], f, o).level(0)


def test_neighbours_in_one_building_are_not_likely_duplicates():
    """Six vendors at one address with their own names and phones: at most
    "possible" (the comparisons of a shared address are not independent),
    unless an identifier or a bank account says they are one vendor."""
    records, _ = world(3000, seed=5)
    names = ["Zorbex Imaging", "Halcyon Dental Lab", "Quartzline Orthopedics", "Pioneer Vascular",
             "Nimbus Sleep Center", "Cobalt Wound Care"]
    base = max(records["id"]) + 1
    for k, name in enumerate(names):
        row = {c: ([] if isinstance(records[c][0], list) else "") for c in records}
        row.update(id=base + k, name=name, street="500 Medical Center Drive Suite 4", city="Springfield",
                   zip="62704", country="US", phones=[f"217-555-01{k:02d}"])
        if "kind" in records:
            row["kind"] = "vendor"
        if "spend" in records:
            row["spend"] = 0
        if "changed" in records:
            row["changed"] = False
        for c in records:
            records[c].append(row[c])
    out = mc.dedupe_vendors(records)
    p = out["pairs"]
    inside = [b for a, c, b in zip(p["left_id"], p["right_id"], p["band"], strict=True) if a >= base and c >= base]
    assert "likely" not in inside
    # the same two with one EIN are one vendor again
    at = records["id"].index(base)
    records["ids"][at] = ["ein:12-3456789"]
    records["ids"][at + 1] = ["ein:12-3456789"]
    p = mc.dedupe_vendors(records)["pairs"]
    pair = [b for a, c, b in zip(p["left_id"], p["right_id"], p["band"], strict=True) if (a, c) == (base, base + 1)]
    assert pair == ["likely"]


def test_a_pair_scores_the_same_whichever_record_comes_first():
    """The phone level takes the rarest shared phone: swapping the records'
    ids (which one comes first) does not change the answer."""
    common = "212-555-0100"
    def records(first, second):
        cols = {"id": [], "name": [], "phones": [], "country": []}
        for i, phones in ((first, ["212-555-0100", "212-555-0199"]), (second, ["212-555-0199", "212-555-0100"])):
            cols["id"].append(i)
            cols["name"].append("Zorbex Imaging")
            cols["phones"].append(phones)
            cols["country"].append("US")
        for k in range(4):
            cols["id"].append(100 + k)
            cols["name"].append(f"Other Vendor {k} Holdings")
            cols["phones"].append([common])
            cols["country"].append("US")
        return cols
    a = mc.dedupe_vendors(records(1, 2), keep_all=True, model=mc.dedupe_vendors(records(1, 2))["model"])
    b = mc.dedupe_vendors(records(2, 1), keep_all=True, model=a["model"])
    def phone_level(out):
        ev = out["evidence"]
        left, right = out["pairs"]["left_id"], out["pairs"]["right_id"]
        pair = next(k for k, (x, y) in enumerate(zip(left, right, strict=True)) if {x, y} == {1, 2})
        rows = [i for i in range(len(ev["pair"])) if ev["pair"][i] == pair and ev["field"][i] == "phone"]
        return ev["level"][rows[0]]
    assert phone_level(a) == phone_level(b) == "agree"


def test_a_merged_vendor_teaches_without_being_scored():
    """An archived vendor of a merge comes back as kind "merged": its label
    (winner, loser, duplicate) teaches the model, like the reference, while
    it is never blocked, sampled, paired or signalled."""
    records, truth = world(300, seed=31)
    n = len(records["id"])
    records["kind"] = ["vendor"] * n
    left, right = sorted(truth)[0]
    at = records["id"].index(right)
    records["kind"][at] = "merged"
    labels = {"left_id": [left], "right_id": [right], "duplicate": [True]}
    out = mc.dedupe_vendors(records, labels=labels, keep_all=True)
    assert right not in set(out["pairs"]["left_id"]) | set(out["pairs"]["right_id"])
    assert right not in set(out["signals"]["left_id"]) | set(out["signals"]["right_id"])
    assert out["model"]["labels"] == 1 and out["model"]["records"] == n - 1
    expected, _, _ = ref.model_of_batch(records, _pairs(out), labels=labels)
    assert_same_model(out["model"], expected)
    plain = mc.dedupe_vendors(records, keep_all=True)["model"]
    assert plain["labels"] == 0 and plain != out["model"]
