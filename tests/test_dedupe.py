"""Vendor dedupe: medsync_core.dedupe_vendors and DedupeIndex against the
plain-Python reference (tests/reference/dedupe.py)."""

import math
import os
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

# pools the generated records draw from, so that they agree and disagree often
NAMES = ["Acme Medical Supplies, Inc.", "ACME MED. SUPPLY LLC", "Acmé Medical", "Аcme Medica1",
         "Medical Supply Co", "Medline Industries", "Med Line Industries LP", "Müller GmbH & Co. KG",
         "Muller", "Zorbex Surgical d/b/a Bright Care", "Bright Care", "The Zorbex Group", "",
         "Halcyon Dental Labs", "Halcyn Dental Laboratories", "Société Générale S.A."]  # fmt: skip
IDS = ["ein:12-3456789", "ein:123456789", "ein:98-7654321", "ein:07-1234567", "npi:1234567893",
       "npi:1234567890", "dea:AB1234563", "vat:DE136695976", "vat:DE136695977", "gln:4012345000009",
       "uei:J7M9HPTGJ1S9", "duns:150483782", "other:X-1", "tin:12 3456789"]  # fmt: skip
BANKS = ["DE89 3704 0044 0532 0130 00", "de89370400440532013000", "DE89370400440532013001",
         "021000021:12345678", "021000021 : 1234 5678", "011000015:999", "12345678"]  # fmt: skip
PHONES = ["(212) 555-0100", "+1 212 555 0100", "212.555.0100 x7", "030 1234567", "+49 30 1234567",
          "555-0100", "0044 20 7946 0958"]  # fmt: skip
STREETS = ["1200 N. Main Street, Suite 300", "1200 North Main St", "1200 Main Ave", "7 Elm Rd", ""]
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
    }
)


def columns(recs: list[dict]) -> dict:
    cols = {k: [r[k] for r in recs] for k in recs[0]}
    cols["id"] = [10 * (i + 1) + (i % 3) for i in range(len(recs))]
    return cols


def _evidence(out: dict, k: int) -> list[tuple]:
    ev = out["evidence"]
    return [
        (ev["field"][i], ev["level"][i], ev["weight"][i], ev["sim"][i], ev["tf"][i], ev["value"][i], ev["via"][i])
        for i in range(len(ev["pair"]))
        if ev["pair"][i] == k
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, min_size=2, max_size=10), st.sampled_from([10, 10_000]))
def test_engine_scores_like_the_reference(recs, min_population):
    cols = columns(recs)
    out = mc.dedupe_vendors(cols, keep_all=True, min_population=min_population)
    o = ref.Options(min_population=min_population)
    refs, invalid, freq = ref.prepare(cols)
    by_id = {r.id: r for r in refs}
    # normalisation: fingerprints, names, invalid identifiers
    assert list(out["records"]["fingerprint"]) == [r.fingerprint - (1 << 64) * (r.fingerprint >> 63) for r in refs]
    assert out["records"]["name"] == [" ".join(r.name.tokens) for r in refs]
    assert sorted(zip(out["invalid"]["id"], out["invalid"]["field"], out["invalid"]["value"], strict=True)) == sorted(
        invalid
    )
    # every candidate pair: same total, same evidence, same band
    p = out["pairs"]
    likely = []
    for k in range(len(p["left_id"])):
        a, b = by_id[p["left_id"][k]], by_id[p["right_id"][k]]
        assert a.id < b.id
        total, ev = ref.compare(a, b, freq, o)
        assert math.isclose(p["score"][k], total, abs_tol=1e-9), (a, b)
        got = _evidence(out, k)
        assert [e[:2] + e[5:] for e in got] == [e[:2] + e[5:] for e in ev]
        for g, e in zip(got, ev, strict=True):
            assert all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(g[2:5], e[2:5], strict=True))
        want = "none" if a.employee or b.employee else ref.band(total, o)
        if min(abs(total - o.likely), abs(total - o.possible)) > 1e-9:
            assert p["band"][k] == want
        if p["band"][k] == "likely":
            likely.append((refs.index(a), refs.index(b), p["score"][k]))
    # clusters: the reference clustering of the same likely pairs
    ids = [r.id for r in refs]
    assert list(out["records"]["cluster"]) == ref.cluster(ids, likely, o)


def test_blocking_keeps_what_all_pairs_finds():
    """On a labelled world small enough for the all-pairs reference, the
    engine finds (nearly) every pair the reference scores as possible or
    likely, with the same scores, and its F1 against the truth is >= 0.95."""
    records, truth = world(500, seed=7)
    out = mc.dedupe_vendors(records)
    ref_pairs, _, _ = ref.all_pairs(records)
    p = out["pairs"]
    got = {(p["left_id"][k], p["right_id"][k]): p["score"][k] for k in range(len(p["left_id"]))}
    for key, score in got.items():
        assert math.isclose(score, ref_pairs[key][0], abs_tol=1e-9)
    found = len(set(got) & set(ref_pairs)) / len(ref_pairs)
    assert found >= 0.97, found
    likely = {k: [v for v, b in zip(p[k], p["band"], strict=True) if b == "likely"] for k in ("left_id", "right_id")}
    assert quality(likely, truth)["f1"] >= 0.95


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
    hits = ix.query(query, min_score=-100)
    top = {h["id"]: h for h in hits}
    assert left in top
    # frequencies differ by one record (the query is not in the index): same band
    assert top[left]["band"] in ("likely", "possible")
    assert top[left]["evidence"][0]["field"] == _evidence(out, 0)[0][0]
    # upsert then remove
    ix.upsert({k: [v] for k, v in dict(query, id=right).items()})
    assert len(ix) == 3000
    assert right not in {h["id"] for h in ix.query(dict(query, id=right), min_score=-100)}
    assert ix.remove([right, 10**9]) == 1


@pytest.mark.parametrize(
    ("records", "field", "row"),
    [
        ({"id": [1, 1], "name": ["a", "b"]}, "records.id", 1),
        ({"id": [1, 0], "name": ["a", "b"]}, "records.id", 1),
        ({"id": [1, 2], "name": ["a", "b"], "kind": ["vendor", "robot"]}, "records.kind", 1),
        ({"id": [1, 2], "name": ["a", 3]}, "records.name", 1),
        ({"id": [1, 2], "name": ["a"]}, "records.name", None),
        ({"id": [1, 2], "nmae": ["a", "b"]}, "records.nmae", None),
        ({"id": [1, 2], "banks": [["x"], [3]]}, "records.banks", 1),
    ],
)
def test_bad_input_is_refused_with_its_place(records, field, row):
    with pytest.raises(mc.InputError) as info:
        mc.dedupe_vendors(records)
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


def test_same_answer_with_one_or_many_threads():
    code = (
        "import json, sys; sys.path[:0] = ['.'];"
        "import medsync_core as mc; from tests.vendor_world import world;"
        "out = mc.dedupe_vendors(world(20000, seed=5)[0]);"
        "print(json.dumps([list(out['pairs']['left_id']), list(out['pairs']['right_id']), list(out['pairs']['score']),"
        " list(out['records']['cluster']), out['signals']['kind'], list(out['signals']['left_id'])]))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=str(ROOT),
            env=dict(os.environ, MEDSYNC_THREADS=n),
        ).stdout
        for n in ("1", "4")
    ]  # fmt: skip
    assert runs[0] == runs[1]
    assert len(runs[0]) > 10_000
