"""medsync_core.consumption: each status, bar codes, units, moves and late
events, flags, bad tables; and the engine against the plain-Python reference
(tests/reference/consumption.py) on random batches (hypothesis)."""

import inspect
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import consumption as ref
from tests.reference.barcode import hibc_check

NOON = 20_605 * 86_400 + 12 * 3600  # 2026-06-01 12:00 UTC
TODAY = "2026-06-01"
GS = "\x1d"


def hibc(data: str) -> str:
    """An HIBC bar code (not one whose check character is a space: the engine trims codes)."""
    check = hibc_check(data)
    assert check != " ", data
    return data + check


LOCATIONS = {"location_id": [10, 10, 11], "code": ["CAB-A", "5412345000013", "CAB-B"]}
CODES = {"kind": ["ref", "gtin", "gtin", "hibc", "vendor", "ref", "gtin", "hibc"],
         "code": ["GLV", "19506000134359", "09506000134352", "A99912345", "SAL-1", "PAD", "96385074", "E20831269"],
         "product_id": [1, 1, 2, 2, 3, 4, 3, 4], "factor": ["1", "12", "1", "1", "1", "1", "1", "1"]}
PRODUCTS = {"product_id": [1, 2, 3, 4], "rounding": ["1", "1", "0.01", "1"], "tracked": [False, True, False, True]}
PACKS = {"product_id": [1, 0], "unit": ["BX", "PR"], "factor": [12, "2"]}
LOTS = {"lot_id": [100, 101, 102], "product_id": [2, 2, 4], "name": ["L100", "L101", "286539"],
        "expiry": ["2030-01-31", "2022-01-08", ""]}


def batch(*events, **columns):
    """Events as a dict of columns; each event a dict over a default issue of 1 GLV at CAB-A at noon."""
    base = {"cabinet": "CAB-A", "event_id": None, "time": NOON, "product": "GLV", "code_kind": "", "lot": "",
            "expiry": "", "qty": "1", "unit": "", "kind": "issue", "department": ""}
    rows = [base | {"event_id": f"e{i}"} | e for i, e in enumerate(events)]
    return {c: [r[c] for r in rows] for c in base} | columns


def run(events, **kw):
    args = dict(locations=LOCATIONS, codes=CODES, products=PRODUCTS, packs=PACKS, lots=LOTS) | kw
    out = mc.consumption(events, **args, today=TODAY)
    theirs = ref.consumption(events, **args, today=TODAY)
    assert {k: out[k] for k in ("events", "groups")} == {k: theirs[k] for k in ("events", "groups")}
    assert out["stats"] == theirs["stats"]
    return out


def test_every_status_and_its_message():
    out = run(batch(
        {}, {"event_id": "e0"}, {"cabinet": ""}, {"kind": "sell"}, {"qty": "abc"}, {"qty": 0}, {"qty": None},
        {"expiry": "31/12/2026"}, {"code_kind": "isbn"}, {"cabinet": "CAB-Z"}, {"product": "X9"},
        {"product": "9506000134353", "code_kind": "gtin"}, {"product": "09506000134352", "unit": "CS"},
        {"product": "09506000134352"}, {"product": "09506000134352", "lot": "L9"}, {"product": "SAL-1", "qty": "0.001"},
    ))
    ev = out["events"]
    assert ev["status"] == ["mapped", "duplicate", "invalid", "invalid", "invalid", "invalid", "invalid", "invalid",
                            "invalid", "unknown_cabinet", "unknown_product", "invalid", "bad_unit", "lot_required",
                            "unknown_lot", "invalid"]
    assert ev["message"][:2] == ["", "event_id: e0 repeats row 0 of the batch"]
    assert ev["message"][2:9] == [
        "cabinet: is required", "kind: sell is not issue, return, waste or restock",
        "qty: must be a number greater than 0", "qty: must be a number greater than 0",
        "qty: must be a number greater than 0", "expiry: 31/12/2026 is not a date YYYY-MM-DD",
        "code_kind: isbn is not ref, vendor, gtin, gs1 or hibc"]
    assert ev["message"][9:] == [
        "cabinet: CAB-Z is not a known location code or GLN", "product: X9 is not a known code",
        "product: GTIN 9506000134353 has a wrong check digit", "unit: CS is not a pack unit of the product",
        "lot: is required (the product is tracked by lot)", "lot: L9 is not a lot of the product",
        "qty: rounds to 0 in the product's unit"]
    # looked at as far as the first fault
    assert (ev["location_id"][10], ev["product_id"][10], ev["product_id"][12]) == (10, 0, 2)
    assert ev["group"] == [0] + [-1] * 15 and ev["qty"] == ["1"] + ["0"] * 15
    assert out["stats"] == {"events": 16, "mapped": 1, "duplicates": 1, "unmapped": 14, "expired": 0,
                            "recalled": 0, "groups": 1, "late": 0}
    assert isinstance(out["engine_s"], float)


def test_gs1_and_hibc_codes_give_lot_and_expiry():
    out = run(batch(
        {"product": "(01)09506000134352(17)300131(10)L100"},
        {"product": f"0109506000134352{GS}10L101{GS}17300131", "code_kind": "gs1"},
        {"product": hibc("+A99912345/$$3300131L100")},
        {"product": hibc("+A99912345/$$3260530L100"), "code_kind": "hibc"},
        {"product": "+E20831269/$$8020423286539+"},
        {"product": "(01)09506000134352(10)L101", "lot": "L100"},
        {"product": "(01)19506000134359(30)3"},
        {"product": "(01)09506000134352(17)301340", "code_kind": "gs1"},
    ))
    ev = out["events"]
    assert ev["status"][:5] == ["mapped"] * 5
    assert ev["lot"][:5] == ["L100", "L101", "L100", "L100", "286539"]
    assert ev["lot_id"][:5] == [100, 101, 100, 100, 102]
    # the bar code's expiry wins over the lot's: L101's lot expired in 2022, this code says 2030
    assert ev["expired"][:5] == [False, False, False, True, True]
    assert ev["qty"][4] == "2"  # HIBC $$8: a count of 2
    assert (ev["status"][5], ev["message"][5]) == ("invalid", "lot: \"L100\" differs from the bar code's lot \"L101\"")
    assert (ev["product_id"][6], ev["qty"][6], ev["lot"][6]) == (1, "36", "")  # 3 boxes of 12, untracked
    assert ev["message"][7] == 'product: date "301340" does not exist'


def test_pack_units_and_rounding():
    out = run(batch({"unit": "BX", "qty": 2}, {"unit": "PR", "qty": 1.5}, {"unit": " BX ", "qty": "0.5",
                                                                           "product": "19506000134359"},
                    {"product": "SAL-1", "qty": Decimal("1.255")}, {"qty": "0.5"}, {"qty": "0.4"}))
    assert out["events"]["qty"] == ["24", "3", "72", "1.26", "1", "0"]
    assert out["groups"]["qty"] == ["100", "1.26"]


def test_moves_group_on_time_events_and_keep_late_ones_apart():
    out = run(batch({}, {"time": NOON + 60, "department": "ICU"}, {"time": NOON + 120, "department": " ICU "},
                    {"cabinet": "5412345000013", "time": NOON + 30}, {"time": NOON - 4000},
                    {"kind": "return", "time": NOON + 10}, {"cabinet": "CAB-B", "time": NOON - 90_000},
                    {"qty": 2, "time": NOON + 3000}))
    g = out["groups"]
    assert g == {"location_id": [11, 10, 10, 10, 10], "product_id": [1] * 5, "lot_id": [0] * 5, "lot": [""] * 5,
                 "kind": ["issue", "issue", "return", "issue", "issue"], "department": ["", "", "", "ICU", ""],
                 "qty": ["1", "1", "1", "2", "4"], "date": [NOON - 90_000, NOON - 4000, NOON + 10, NOON + 120,
                                                           NOON + 3000],
                 "late": [False, True, False, False, False], "events": [1, 1, 1, 2, 3], "first": [6, 4, 5, 1, 0]}
    assert out["events"]["group"] == [4, 3, 3, 4, 1, 2, 0, 4]
    assert (out["stats"]["groups"], out["stats"]["late"]) == (5, 1)
    # late_after=0: any event before its cabinet's latest is late
    strict = mc.consumption(batch({}, {"time": NOON + 1}), LOCATIONS, CODES, PRODUCTS, today=TODAY, late_after=0)
    assert strict["groups"]["late"] == [True, False]


def test_duplicates_are_per_cabinet_and_trimmed():
    out = run(batch({}, {"event_id": " e0 "}, {"event_id": "e0", "cabinet": "CAB-B"},
                    {"event_id": "e0", "cabinet": "CAB-Z"}, {"event_id": "e0", "cabinet": "CAB-Z"},
                    {"event_id": "e0", "cabinet": "5412345000013"}))
    assert out["events"]["status"] == ["mapped", "duplicate", "mapped", "unknown_cabinet", "duplicate", "mapped"]
    assert out["events"]["message"][4] == "event_id: e0 repeats row 3 of the batch"
    assert out["stats"]["duplicates"] == 2


def test_expired_and_recalled_flags():
    recalls = {"product_id": [2, 3], "lot": ["L101", ""]}
    out = run(batch({"product": "09506000134352", "lot": "L100"}, {"product": "09506000134352", "lot": "L101"},
                    {"product": "09506000134352", "lot": "L100", "expiry": "2026-05-31"},
                    {"product": "09506000134352", "lot": "L100", "expiry": "2026-06-01"},
                    {"product": "SAL-1"}, {"expiry": "2020-01-01"}), recalls=recalls)
    ev = out["events"]
    assert list(zip(ev["expired"], ev["recalled"], strict=True)) == [
        (False, False), (True, True), (True, False), (False, False), (False, True), (True, False)]
    assert (out["stats"]["expired"], out["stats"]["recalled"]) == (3, 2)


def test_values_of_every_type_a_caller_sends():
    events = batch({"qty": 2}, {"qty": 2.5, "product": "SAL-1"}, {"qty": Decimal("3")}, {"qty": "4"},
                   {"qty": float("nan")}, {"qty": Decimal("NaN")}, {"qty": None, "lot": None, "department": None})
    out = run(events)
    assert out["events"]["status"] == ["mapped"] * 4 + ["invalid"] * 3
    from array import array
    buffers = dict(events, time=array("q", events["time"]), qty=array("d", [2, 2.5, 3, 4, float("inf"), 0, -1]))
    again = mc.consumption(buffers, LOCATIONS, CODES, PRODUCTS, today=TODAY)
    assert again["events"]["status"] == out["events"]["status"]


@pytest.mark.parametrize(("change", "field", "row"), [
    ({"events": {"cabinet": ["A"], "event_id": ["1"], "time": [1], "product": ["P"], "kind": ["issue"]}},
     "events.qty", None),
    ({"events": {"cabinet": ["A"], "event_id": ["1"], "time": [1], "qty": [1], "kind": ["issue"]}},
     "events.product", None),
    ({"events": {"cabinet": ["A", "B"], "event_id": ["1"], "time": [1], "product": ["P"], "qty": [1],
                 "kind": ["issue"]}}, "events.event_id", None),
    ({"events": {"cabinet": ["A"], "event_id": ["1"], "time": ["noon"], "product": ["P"], "qty": [1],
                 "kind": ["issue"]}}, "events.time", 0),
    ({"events": {"cabinet": ["A"], "event_id": [1], "time": [1], "product": ["P"], "qty": [1],
                 "kind": ["issue"]}}, "events.event_id", 0),
    ({"events": {"cabinet": ["A"], "event_id": ["1"], "time": [1], "product": ["P"], "qty": [[1]],
                 "kind": ["issue"]}}, "events.qty", 0),
    ({"events": {"cabinet": ["A"], "event_id": ["1"], "time": [1], "product": ["P"], "qty": [1],
                 "kind": ["issue"], "colour": ["red"]}}, "events.colour", None),
    ({"events": "not a table"}, "events", None),
    ({"locations": {"code": ["A"]}}, "locations.location_id", None),
    ({"codes": {"code": ["P"], "product_id": [6]}}, "codes.product_id", 0),
    ({"products": {"product_id": [5], "rounding": [0]}}, "products.rounding", 0),
    ({"lots": {"lot_id": [1], "product_id": [5], "name": ["L"], "expiry": ["soon"]}}, "lots.expiry", 0),
    ({"packs": {"unit": ["BX"], "factor": ["many"]}}, "packs.factor", 0),
])
def test_bad_tables_raise_input_error_naming_the_column(change, field, row):
    args = dict(events={"cabinet": ["A"], "event_id": ["1"], "time": [1], "product": ["P"], "qty": [1],
                        "kind": ["issue"]},
                locations={"location_id": [1], "code": ["A"]}, codes={"code": ["P"], "product_id": [5]},
                products={"product_id": [5]}) | change
    with pytest.raises(mc.InputError) as info:
        mc.consumption(**args, today=TODAY)
    assert (info.value.field, info.value.row) == (field, row), str(info.value)


def test_bad_arguments():
    args = (batch({}), LOCATIONS, CODES, PRODUCTS)
    for today in ("", "2026-02-30", "tomorrow"):
        with pytest.raises(mc.InputError) as info:
            mc.consumption(*args, today=today)
        assert info.value.field == "today"
    with pytest.raises(mc.InputError) as info:
        mc.consumption(*args, today=TODAY, late_after=-1)
    assert info.value.field == "late_after"
    with pytest.raises(TypeError):
        mc.consumption(*args)


def test_signature_is_the_contract():
    assert str(inspect.signature(mc.consumption)) == (
        "(events, locations, codes, products, packs=None, lots=None, recalls=None, *, today, late_after=3600, "
        "reference_year=None)")


def test_reference_year_places_two_digit_years():
    events = batch({"product": "(01)09506000134352(17)760131(10)L100"})
    late = mc.consumption(events, LOCATIONS, CODES, PRODUCTS, lots=LOTS, today="2026-06-01")
    early = mc.consumption(events, LOCATIONS, CODES, PRODUCTS, lots=LOTS, today="2026-06-01", reference_year=2020)
    assert (late["events"]["expired"], early["events"]["expired"]) == ([False], [True])  # 2076, then 1976


def test_same_answer_with_one_or_two_threads():
    code = ("import json, sys; sys.path[:0] = ['benches', '.'];"
            "import medsync_core as mc, bench_consumption as b;"
            "out = mc.consumption(**b.world(30000, seed=5), today=b.TODAY);"
            "out.pop('engine_s'); print(json.dumps(out, sort_keys=True))")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=str(Path(__file__).resolve().parent.parent),
                           env=dict(os.environ, MEDSYNC_THREADS=n)).stdout for n in ("1", "2")]
    assert runs[0] == runs[1]
    assert len(runs[0]) > 100_000


# ---------------------------------------------------------------- parity

GS1_CODES = ["(01)09506000134352(17)300131(10)L100", "(01)09506000134352(10)L101", "(01)09506000134352",
             f"0109506000134352{GS}10L100{GS}17300131", f"]d20109506000134352{GS}17300100{GS}10L101",
             "(01)19506000134359(30)3", "(01)09506000134352(17)260531(10)L100", "(01)00000096385074(37)2",
             "(01)09506000134352(10)286539"]
HIBC_CODES = [hibc("+A99912345/$$3300131L100"), hibc("+A99912345/$$3260531L101"), hibc("+A99912345"),
              "+E20831269/$$8020423286539+", hibc("+A99912345/27032L100"), hibc("+E20831269/$$7286539")]
PLAIN = [("GLV", "ref"), (" GLV ", "ref"), ("SAL-1", "vendor"), ("PAD", "ref"), ("19506000134359", "gtin"),
         ("9506000134352", "gtin"), ("96385074", "gtin"), ("a99912345", "hibc"), ("E20831269", "hibc")]
CODED = PLAIN + [(c, "gs1") for c in GS1_CODES] + [(c, "hibc") for c in HIBC_CODES]
BROKEN = ["(01)09506000134353(10)X", "(01)0950600013435", "(17)300131", "(01)09506000134352(17)301340",
          "0109506000134352", "01095060001343521030", hibc("+A99912345/$$3300131L100") + "X", "+", "+A99",
          "9506000134353", "X9", "", "(01)09506000134352(30)x", "]C1" + "01" + "09506000134352" + "17" + "261332"]
KINDS = ["ref", "vendor", "gtin", "gs1", "hibc", "hibcc"]


def pick(draw, good, bad=(), one_in=10):
    """A good value, or one time in ``one_in`` a bad one."""
    if bad and draw(st.sampled_from([False] * (one_in - 1) + [True])):
        return draw(st.sampled_from(bad))
    return draw(st.sampled_from(good))


def pick_code(draw):
    """A known code with "" or its own kind; now and then another kind, a broken or unknown code, a bad kind."""
    code, kind = draw(st.sampled_from(CODED))
    if draw(st.sampled_from([False] * 5 + [True])):
        code = draw(st.sampled_from(BROKEN))
    return code, pick(draw, ["", kind], [*KINDS, "isbn", "GS1", ""], one_in=5)


@st.composite
def batches(draw):
    n = draw(st.integers(0, 30))
    events = {c: [] for c in ("cabinet", "event_id", "time", "product", "code_kind", "lot", "expiry", "qty", "unit",
                              "kind", "department")}
    for _ in range(n):
        row = {
            "cabinet": pick(draw, ["CAB-A", "CAB-A", "5412345000013", "CAB-B", " CAB-A "], ["CAB-Z", "", " "]),
            "event_id": pick(draw, [f"e{k}" for k in range(40)], ["", " e1", "e2"], one_in=8),
            "time": NOON + draw(st.sampled_from([0, 60, 3600, -3599, -3601, -7200, 86_400, -86_400, -40_000])),
            **dict(zip(("product", "code_kind"), pick_code(draw), strict=True)),
            "lot": draw(st.sampled_from(["", "", "L100", "L101", "286539", "NEW", " L100 "])),
            "expiry": pick(draw, ["", "", "", "2026-05-31", "2026-06-01", "2030-01-31"], ["2026-02-30", "soon"]),
            "qty": pick(draw, ["1", "2.5", 3, 1.5, "0.001", "12", Decimal("0.25"), "1e2", " 2 "],
                        ["0", "-1", "abc", None, Decimal("NaN"), float("inf")]),
            "unit": pick(draw, ["", "", "", "BX", "PR"], ["CS"]),
            "kind": pick(draw, ["issue", "issue", "return", "waste", "restock"], ["sell", "", "ISSUE"]),
            "department": draw(st.sampled_from(["", "", "ICU", " ICU", "ER"])),
        }
        for c, v in row.items():
            events[c].append(v)
    products = dict(PRODUCTS, tracked=[draw(st.booleans()), True, draw(st.booleans()), draw(st.booleans())],
                    rounding=[draw(st.sampled_from(["1", "0.01", "0.5", "0.001"])) for _ in range(4)])
    codes = dict(CODES, factor=["1", draw(st.sampled_from(["12", "10", "1"])), "1", "1", "1", "1",
                                draw(st.sampled_from(["1", "6"])), "1"])
    lots = dict(LOTS, expiry=[draw(st.sampled_from(["", "2026-05-31", "2026-06-01", "2030-01-31"])) for _ in range(3)])
    recalls = {"product_id": [], "lot": []}
    for p, lot in draw(st.lists(st.sampled_from([(2, ""), (2, "L101"), (4, "286539"), (1, ""), (3, "X")]),
                                max_size=3)):
        recalls["product_id"].append(p)
        recalls["lot"].append(lot)
    tables = dict(events=events, locations=LOCATIONS, codes=codes, products=products,
                  packs=dict(PACKS, factor=[draw(st.sampled_from([12, 6])), "2"]), lots=lots, recalls=recalls)
    options = dict(today=TODAY, late_after=draw(st.sampled_from([0, 3600, 7200])),
                   reference_year=draw(st.sampled_from([None, None, 2020])))
    return tables, options


@settings(max_examples=int(os.environ.get("MEDSYNC_EXAMPLES", 500)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_engine_matches_reference(world):
    tables, options = world
    ours = mc.consumption(**tables, **options)
    theirs = ref.consumption(**tables, **options)
    for part in ("events", "groups"):
        assert list(ours[part]) == list(ref.EVENT_OUT if part == "events" else ref.GROUP_OUT)
        for col, values in theirs[part].items():
            assert ours[part][col] == values, (part, col)
    assert ours["stats"] == theirs["stats"]
