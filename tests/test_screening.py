"""Exclusion screening: medsync_core.screen_vendors against the plain-Python
reference (tests/reference/screening.py): the same normalisation, blocking,
comparisons, decisions and wording, hence the same hits (strength and
evidence exactly, score within 1e-9) and the same counters; bad input
refused with its field and row."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import screening as ref
from tests.screening_world import quality, world

ROOT = Path(__file__).resolve().parent.parent
TOL = 1e-9
EXAMPLES = int(os.environ.get("MEDSYNC_EXAMPLES", "300"))

# pools the generated parties draw from, so that they agree and disagree often
ENTITY_NAMES = ["Zorvex Medical Supply LLC", "ZORVEX MED. SUPPLIES, INC.", "Zorvxe Medical Supply", "Zorvex Surgical",
                "Acme Medica1 Supp1y", "ACME MEDICAL SUPPLY INC", "Асме Medical", "Medical Supply Co",
                "Bright Care d/b/a Sunrise Home Health", "Sunrise Home Health", "John Q Public MD PLLC",
                "Dr. Jane Roe LLC", "Sea Star", "SEA STAR", "Kowalczyk Surgical", "Kowalczyk & Sons",
                "Kalutis Hrme Health", "Kalutis Home Health", ""]  # fmt: skip
PERSON_LINES = ["John A. Smith", "SMITH, JOHN A", "Smith John", "J Smith", "Jon Smith", "John Smyth", "Mary Smith",
                "Zbigniew Kowalczyk", "KOWALCZYK, ZBIGNIEW", "Juan de la Cruz", "Anh Do", "Dr. Jane Roe", "Jane Roe Jr",
                "John Q Public", "Reed Thomas", "Thomas Raed", ""]  # fmt: skip
FIRSTS = ["John", "J", "Jon", "Mary", "Zbigniew", "Jane", "Thomas", ""]
MIDDLES = ["", "A", "Anne", "B", "Q"]
LASTS = ["Smith", "Smyth", "Kowalczyk", "Roe", "de la Cruz", "Garcia-Lopez", "Garcia", "Public", "Reed", ""]
STREETS = ["1200 N. Main Street, Suite 300", "1200 North Main St", "1200 Main Ave", "12 Elm Rd", "12 Elm Road",
           "Elm Road", ""]  # fmt: skip
PLACES = [("Springfield", "IL", "62701-1234"), ("Springfield", "MO", "65801"), ("Dayton", "OH", "45402"),
          ("dayton", "", "45402"), ("", "", "")]  # fmt: skip
NPIS = ["", "", "1234567893", "1245319599", "1234567890"]
UEIS = ["", "", "J7M9HPTGJ1S9", "ABCDEFGH1234", "0BAD"]
CAGES = ["", "", "1ABC2", "3DEF4"]
COUNTRIES = ["", "", "US", "USA", "IR"]


def _party(kind_choices: list[str]):
    def build(kind, name, line, first, middle, last, fields, street, place, npi, uei, cage, country):
        city, state, zip_ = place
        row = {"kind": kind, "street": street, "city": city, "state": state, "zip": zip_, "npi": npi, "uei": uei,
               "cage": cage, "country": country}  # fmt: skip
        if kind == "individual":
            row.update({"first": first, "middle": middle, "last": last} if fields else {"name": line})
        else:
            row["name"] = name
        return row

    return st.builds(
        build, st.sampled_from(kind_choices), st.sampled_from(ENTITY_NAMES), st.sampled_from(PERSON_LINES),
        st.sampled_from(FIRSTS), st.sampled_from(MIDDLES), st.sampled_from(LASTS), st.booleans(),
        st.sampled_from(STREETS), st.sampled_from(PLACES), st.sampled_from(NPIS), st.sampled_from(UEIS),
        st.sampled_from(CAGES), st.sampled_from(COUNTRIES),
    )  # fmt: skip


subject_st = _party(["entity", "individual"])
entry_st = st.tuples(_party(["entity", "individual", "other"]), st.sampled_from(["leie", "sam", "ofac"]))


def columns(rows: list[dict], ids: list[int], extra: dict | None = None) -> dict:
    keys = ("kind", "name", "first", "middle", "last", "street", "city", "state", "zip", "country", "npi", "uei",
            "cage")  # fmt: skip
    cols = {"id": ids, **{k: [r.get(k) for r in rows] for k in keys}}
    return {**cols, **(extra or {})}


def assert_same(got: dict, want: dict) -> None:
    """The engine's answer equals the reference's: hits in order with their
    strength, source and evidence, scores within 1e-9, the same counters."""
    g, w = got["hits"], want["hits"]
    assert [(h["subject"], h["entry"]) for h in g] == [(h["subject"], h["entry"]) for h in w]
    for a, b in zip(g, w, strict=True):
        assert (a["source"], a["strength"]) == (b["source"], b["strength"]), (a, b)
        assert [tuple(e) for e in a["evidence"]] == b["evidence"], (a, b)
        assert math.isclose(a["score"], b["score"], rel_tol=0.0, abs_tol=TOL), (a, b)
        assert 0.0 <= a["score"] <= 1.0
    stats = {k: v for k, v in got["stats"].items() if not k.endswith("_s") and k != "threads"}
    assert stats == want["stats"]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(subject_st, min_size=1, max_size=10),
    st.lists(entry_st, min_size=1, max_size=14),
    st.sampled_from([None, 0.0, 0.7, 0.9]),
)
def test_engine_screens_like_the_reference(subjects, entries, min_score):
    # ids not in row order, so that sorting by id and by position differ
    s = columns(subjects, [7 * (len(subjects) - i) + 3 for i in range(len(subjects))])
    e = columns([r for r, _ in entries], [11 * (i + 1) for i in range(len(entries))],
                {"source": [src for _, src in entries]})  # fmt: skip
    got = mc.screen_vendors(s, e, min_score=min_score)
    assert_same(got, ref.screen(s, e, min_score=min_score or 0.0))


@pytest.fixture(scope="module")
def small_world():
    return world(400, seed=11)


def test_engine_screens_a_generated_world_like_the_reference(small_world):
    subjects, entries, _, _ = small_world
    got = mc.screen_vendors(subjects, entries)
    assert_same(got, ref.screen(subjects, entries))
    assert got["hits"] and got["stats"]["strong"] and got["stats"]["weak"]


def test_blocking_finds_what_comparing_every_pair_finds(small_world):
    """The blocked candidates reach (nearly) every hit that comparing all
    pairs would give, and every planted hit of the brief's kinds."""
    subjects, entries, truth, near = small_world
    blocked = mc.screen_vendors(subjects, entries)["hits"]
    brute = ref.screen(subjects, entries, brute=True)["hits"]
    found = {(h["subject"], h["entry"]) for h in blocked}
    every = {(h["subject"], h["entry"]) for h in brute}
    assert found <= every
    assert len(found) >= 0.99 * len(every), sorted(every - found)
    q = quality(blocked, truth, near)
    assert q["near_misses_raised"] == 0


def test_planted_hits_and_near_misses():
    subjects, entries, truth, near = world(3000, seed=5)
    out = mc.screen_vendors(subjects, entries)
    q = quality(out["hits"], truth, near)
    assert q["recall"] >= 0.99, q
    assert q["precision_strong"] >= 0.98, q
    assert q["near_misses_raised"] == 0, q


def test_example_of_the_docs():
    subjects = {
        "id": [1, 2], "kind": ["entity", "individual"], "name": ["Zorvex Medical Supply LLC", "SMITH JOHN A"],
        "street": ["1200 N. Main Street, Suite 300", "12 Elm Rd"], "city": ["Springfield", "Dayton"],
        "state": ["IL", "OH"], "zip": ["62701", "45402"], "npi": ["1234567893", None],
    }  # fmt: skip
    entries = {
        "id": [10, 11, 12], "source": ["leie", "sam", "leie"], "kind": ["entity", "entity", "individual"],
        "name": ["Bright Care Home Health", "ZORVEX MED. SUPPLIES, INC.", None],
        "first": [None, None, "John"], "middle": [None, None, "A"], "last": [None, None, "Smith"],
        "street": ["9 Oak Ave", "1200 North Main St", "12 Elm Road"], "city": ["Austin", "Springfield", "Dayton"],
        "state": ["TX", "IL", "OH"], "zip": ["78701", "62701-1234", "45402"], "npi": ["123-456-7893", None, None],
    }  # fmt: skip
    out = mc.screen_vendors(subjects, entries)
    assert out["hits"] == [
        {"subject": 1, "entry": 10, "source": "leie", "score": 1.0, "strength": "strong",
         "evidence": [("npi", "equal", "NPI equal"), ("name", "different", "name 0.00 similar")]},
        {"subject": 1, "entry": 11, "source": "sam", "score": 1.0, "strength": "strong",
         "evidence": [("name", "exact", "name equal"), ("street", "equal", "street equal"),
                      ("zip", "equal", "same ZIP"), ("city", "equal", "same city")]},
        {"subject": 2, "entry": 12, "source": "leie", "score": 1.0, "strength": "strong",
         "evidence": [("name", "exact", "last name equal, first name equal, order reversed"),
                      ("street", "equal", "street equal"), ("zip", "equal", "same ZIP"),
                      ("city", "equal", "same city")]},
    ]  # fmt: skip
    assert out["stats"]["strong"] == 3 and out["engine_s"] >= 0.0
    assert mc.screen_vendors(subjects, entries, min_score=1.0)["hits"] == out["hits"]


def test_same_answer_with_one_or_two_threads():
    code = """
import json, sys
sys.path[:0] = ["."]
import medsync_core as mc
from tests.screening_world import world
s, e, _, _ = world(5000, seed=3)
out = mc.screen_vendors(s, e)
print(json.dumps([out["hits"], {k: v for k, v in out["stats"].items() if not k.endswith("_s") and k != "threads"}]))
"""
    outs = [
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "MEDSYNC_THREADS": n},
                       capture_output=True, text=True, check=True).stdout
        for n in ("1", "2")
    ]  # fmt: skip
    assert outs[0] == outs[1]
    assert len(json.loads(outs[0])[0]) > 100


# --- bad input ----------------------------------------------------------------


def _minimal():
    s = {"id": [1, 2], "kind": ["entity", "individual"], "name": ["Acme", "John Smith"]}
    e = {"id": [5], "kind": ["entity"], "source": ["sam"], "name": ["Acme"]}
    return s, e


@pytest.mark.parametrize(
    ("change", "field", "row", "words"),
    [
        (lambda s, e: s.update(colour=["red", "blue"]), "subjects.colour", None, "unknown column"),
        (lambda s, e: e.update(name=[42]), "entries.name", 0, "expected a string"),
        (lambda s, e: s.update(kind=["entity", "vessel"]), "subjects.kind", 1, "entity or individual"),
        (lambda s, e: s.update(kind=["entity", "other"]), "subjects.kind", 1, "entity or individual"),
        (lambda s, e: e.update(kind=[None]), "entries.kind", 0, "expected a string"),
        (lambda s, e: e.update(source=["interpol"]), "entries.source", 0, "leie, sam or ofac"),
        (lambda s, e: e.pop("source"), "entries.source", None, "is required"),
        (lambda s, e: s.pop("id"), "subjects.id", None, "is required"),
        (lambda s, e: s.update(id=[1, 1]), "subjects.id", 1, "repeats row 0"),
        (lambda s, e: e.update(id=[0]), "entries.id", 0, "positive"),
        (lambda s, e: s.update(id=[1, "2"]), "subjects.id", 1, "integer"),
        (lambda s, e: s.update(zip=["62701"]), "subjects.zip", None, "rows"),
    ],
)
def test_bad_input_is_refused_with_field_and_row(change, field, row, words):
    s, e = _minimal()
    change(s, e)
    with pytest.raises(mc.InputError) as info:
        mc.screen_vendors(s, e)
    err = info.value
    assert (err.code, err.field, err.row) == ("invalid_input", field, row), str(err)
    assert words in err.message, err.message
    assert isinstance(err, ValueError)


def test_a_table_must_be_a_dict_and_min_score_within_0_and_1():
    s, e = _minimal()
    with pytest.raises(mc.InputError) as info:
        mc.screen_vendors([1, 2], e)
    assert info.value.field == "subjects"
    with pytest.raises(mc.InputError) as info:
        mc.screen_vendors(s, e, min_score=1.5)
    assert info.value.field == "min_score"


def test_empty_tables_give_no_hits():
    out = mc.screen_vendors({"id": [], "kind": []}, {"id": [], "kind": [], "source": []})
    assert out["hits"] == [] and out["stats"]["subjects"] == 0
