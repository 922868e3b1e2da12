"""medsync_core.reconcile_stock against the plain-Python reference (hypothesis),
the bar-code helpers, and the binding's contract for bad input."""

import datetime as dt
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import reconcile as ref

AS_OF = 20_000 * 86_400 + 12 * 3600
qtys = st.sampled_from(["0", "1", "2", "3", "5", "6", "10", "12", "24", "1.5", "0.25", "-1", "36", "2.75"])
GTINS = ["09506000134352", "9506000134352", "19506000134359", "00000096385074", "96385074"]


@st.composite
def worlds(draw):
    products = {"product_id": [1, 2, 3], "category_id": [7, 8, 7],
                "risk_class": [draw(st.integers(0, 2)) for _ in range(3)],
                "cost": [draw(st.sampled_from(["0", "0.5", "2.333", "900", "12.5"])) for _ in range(3)],
                "rounding": [draw(st.sampled_from(["1", "0.01", "0.5", "0.001"])) for _ in range(3)],
                "tracked": [draw(st.booleans()), True, draw(st.booleans())]}
    locations = {"location_id": [10, 11, 12], "code": ["CAB-A", "5412345000013", ""],
                 "counted": [True, draw(st.booleans()), draw(st.booleans())]}
    codes = {"kind": ["ref", "ref", "ref", "gtin", "gtin", "vendor"],
             "code": ["P1", "P2", "P3", "09506000134352", "19506000134359", "V-3"],
             "product_id": [1, 2, 3, 2, 1, 3],
             "factor": ["1", "1", "1", "1", draw(st.sampled_from(["12", "10", "1"])),
                        draw(st.sampled_from(["1", "6"]))]}
    packs = {"product_id": [1, 0], "unit": ["BX", "PR"], "factor": [draw(st.sampled_from(["12", "6"])), "2"]}
    lots = {"lot_id": [100, 101, 102], "product_id": [2, 2, 3], "name": ["L100", "L101", "S1"],
            "expiry": [draw(st.sampled_from([ref.NO_DATE, 19_999, 20_000, 20_500])) for _ in range(3)]}
    lot_of = {1: [0], 2: [100, 101], 3: [0, 102]}
    keys = st.tuples(st.sampled_from([10, 11, 12]), st.sampled_from([1, 2, 3])).flatmap(
        lambda lp: st.tuples(st.just(lp[0]), st.just(lp[1]), st.sampled_from(lot_of[lp[1]])))
    quants = {k: [] for k in ("location_id", "product_id", "lot_id", "qty")}
    for loc, prod, lot in draw(st.lists(keys, max_size=8)):
        for col, v in zip(quants, (loc, prod, lot, draw(qtys)), strict=True):
            quants[col].append(v)
    moves = {k: [] for k in ("location_id", "location_dest_id", "product_id", "lot_id", "qty", "date")}
    for loc, prod, lot in draw(st.lists(keys, max_size=10)):
        other = draw(st.sampled_from([0, 1, 10, 11, 12]))
        inbound = draw(st.booleans())
        date = AS_OF + draw(st.sampled_from([-10 * 86400, -3000, -600, 0, 1, 600, 3600, 3601, 86400]))
        row = (other if inbound else loc, loc if inbound else other, prod, lot, draw(qtys), date)
        for col, v in zip(moves, row, strict=True):
            moves[col].append(v)
    snapshot = {k: [] for k in ("location_code", "product_code", "code_kind", "lot", "expiry", "qty", "unit")}
    ext_codes = [("P1", "ref"), ("P2", "ref"), ("P3", "ref"), ("V-3", "vendor"), ("X9", "ref"),
                 *((g, "gtin") for g in GTINS)]
    for _ in range(draw(st.integers(0, 10))):
        code, kind = draw(st.sampled_from(ext_codes))
        row = (draw(st.sampled_from(["CAB-A", "5412345000013", "CAB-A", "NOWHERE"])), code, kind,
               draw(st.sampled_from(["", "L100", "L101", "S1", "NEW-1", "new-2"])),
               draw(st.sampled_from([ref.NO_DATE, 19_999, 20_000, 20_500])),
               draw(st.sampled_from(["0", "1", "2", "3", "10", "12", "24", "2.5", "0.125"])),
               draw(st.sampled_from(["", "", "", "BX", "PR", "CS"])))
        for col, v in zip(snapshot, row, strict=True):
            snapshot[col].append(None if col == "expiry" and v == ref.NO_DATE else v)
    limits = st.one_of(st.none(), st.sampled_from(["0", "1", "2.5", "5", "100", "1000"]))
    rules = {k: [] for k in ("rule_id", "location_id", "category_id", "risk_class", "auto_qty", "auto_pct",
                             "auto_value", "four_eyes_value")}
    for n in range(draw(st.integers(0, 4))):
        row = (n + 1, draw(st.sampled_from([0, 10, 11])), draw(st.sampled_from([0, 7, 8])),
               draw(st.integers(0, 2)), draw(limits), draw(limits), draw(limits), draw(limits))
        for col, v in zip(rules, row, strict=True):
            rules[col].append(v)
    options = {"as_of": AS_OF, "full": draw(st.booleans()), "timing_window": draw(st.sampled_from([0, 600, 3600])),
               "value_rounding": draw(st.sampled_from(["0.01", "1", "0.05"]))}
    tables = dict(snapshot=snapshot, locations=locations, codes=codes, products=products, packs=packs, lots=lots,
                  quants=quants, moves=moves, rules=rules)
    return tables, options


def assert_same(ours, theirs):
    for part in ("rows", "keys"):
        for col, values in theirs[part].items():
            got = list(ours[part][col])
            assert len(got) == len(values), (part, col)
            for i, (a, b) in enumerate(zip(got, values, strict=True)):
                if part == "rows" and col == "key":
                    b = -1 if b is None else b
                if hasattr(b, "as_tuple"):  # Decimal: the engine hands back the nearest float
                    assert math.isclose(a, float(b), rel_tol=1e-15, abs_tol=0), (part, col, i, a, b)
                else:
                    assert a == b, (part, col, i, a, b)


@settings(max_examples=int(os.environ.get("MEDSYNC_EXAMPLES", 600)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_engine_matches_reference(world):
    tables, options = world
    ours = mc.reconcile_stock(**tables, **options)
    theirs = ref.reconcile_stock(**tables, **options)
    if not theirs["keys"]:
        assert len(ours["keys"]["location_id"]) == 0
        theirs["keys"] = {}
    assert_same(ours, theirs)


def test_every_class_is_reached_by_a_fixed_world():
    # one world, read like a cabinet count, that shows each class
    day = 86_400
    products = dict(product_id=[1, 2, 3, 4], rounding=[1, 1, 1, 1], cost=[2, 900, 1, 5])
    locations = dict(location_id=[10], code=["CAB"])
    codes = dict(code=["GLV", "STENT", "SAL", "PAD"], product_id=[1, 2, 3, 4])
    packs = dict(product_id=[1], unit=["BX"], factor=[12])
    lots = dict(lot_id=[100, 101], product_id=[2, 2], name=["A", "B"], expiry=[20_100, 19_000])
    quants = dict(location_id=[10] * 5, product_id=[1, 2, 2, 3, 4], lot_id=[0, 100, 101, 0, 0], qty=[24, 2, 1, 7, 9])
    moves = dict(location_id=[0] * 4 + [10], location_dest_id=[10] * 4 + [0], product_id=[1, 2, 2, 3, 3],
                 lot_id=[0, 100, 101, 0, 0], qty=[24, 2, 1, 9, 2], date=[AS_OF - 9 * day] * 4 + [AS_OF + 60])
    snapshot = dict(location_code=["CAB"] * 4, product_code=["GLV", "STENT", "STENT", "SAL"],
                    lot=["", "A", "B", ""], qty=[2, 1, 2, 7])
    out = mc.reconcile_stock(snapshot, locations, codes, products, packs, lots, quants, moves,
                             as_of=AS_OF, full=True)
    k = out["keys"]
    got = dict(zip(zip(k["product_id"], k["lot_id"], strict=True), k["class"], strict=True))
    assert got == {(1, 0): "uom_error", (2, 100): "lot_swap", (2, 101): "lot_swap", (3, 0): "timing",
                   (4, 0): "missing_external"}
    assert list(k["expired"]) == [False, False, True, False, False]
    assert list(k["drift"]) == [0.0, 0.0, 0.0, 0.0, 9.0]
    assert k["expiry"][2] == 19_000 and k["ext_expiry"][2] == mc.NO_DATE
    assert ref.reconcile_stock(snapshot, locations, codes, products, packs, lots, quants, moves,
                               as_of=AS_OF, full=True)["keys"]["class"] == k["class"]


def test_barcode_helpers():
    p = mc.parse_barcode("(01)09506000134352(17)141120(10)AB-123", reference_year=2014)
    assert p == {"product": "09506000134352", "lot": "AB-123", "expiry": dt.date(2014, 11, 20), "serial": None,
                 "quantity": None}
    h = mc.parse_barcode("+E20831269/$$8020423286539+", "hibc", reference_year=2026)
    assert (h["product"], h["lot"], h["expiry"], h["quantity"]) == ("E20831269", "286539", dt.date(2023, 4, 30), 2)
    assert mc.gtin14("96385074") == "00000096385074"
    assert mc.valid_gln("5412345000013") and not mc.valid_gln("5412345000014")
    with pytest.raises(mc.InputError, match="check character"):
        mc.parse_barcode("+E20831269/$$8020423286539T", "hibc")
    with pytest.raises(mc.InputError, match="check digit"):
        mc.gtin14("9506000134353")


BASE = dict(snapshot=dict(location_code=["A"], product_code=["P"], qty=[1]),
            locations=dict(location_id=[1], code=["A"]), codes=dict(code=["P"], product_id=[5]),
            products=dict(product_id=[5]))


@pytest.mark.parametrize(
    ("change", "field", "row"),
    [
        (dict(snapshot=dict(location_code=["A"], product_code=["P"])), "snapshot.qty", None),
        (dict(snapshot=dict(location_code=["A"], product_code=["P"], qty=["many"])), "snapshot.qty", 0),
        (dict(snapshot=dict(location_code=["A"], product_code=["P"], qty=[1], colour=["red"])), "snapshot.colour",
         None),
        (dict(snapshot=dict(location_code=["A"], product_code=["P"], qty=[1], code_kind=["isbn"])),
         "snapshot.code_kind", 0),
        (dict(snapshot=dict(location_code=["A", "A"], product_code=["P", "0950600013435"], qty=[1, 1],
                            code_kind=["ref", "gtin"])), "snapshot.product_code", 1),
        (dict(snapshot=dict(location_code=["A"], product_code=["(01)09506000134352(17)141340"], qty=[1],
                            code_kind=["gs1"])), "snapshot.product_code", 0),
        (dict(snapshot=dict(location_code=["A"], product_code=["P"], qty=[1], expiry=["soon"])), "snapshot.expiry", 0),
        (dict(codes=dict(code=["P"], product_id=[6])), "codes.product_id", 0),
        (dict(products=dict(product_id=[5], rounding=[0])), "products.rounding", 0),
        (dict(quants=dict(location_id=[2], product_id=[5], qty=[1])), "quants.location_id", 0),
        (dict(rules=dict(rule_id=[1], auto_pct=["five"])), "rules.auto_pct", 0),
    ],
)
def test_bad_input_is_refused_with_its_place(change, field, row):
    with pytest.raises(mc.InputError) as info:
        mc.reconcile_stock(**dict(BASE, **change), as_of=AS_OF)
    assert (info.value.field, info.value.row) == (field, row), str(info.value)


def test_same_answer_with_one_or_many_threads():
    """The bench world (20,000 keys over 20 locations, shards in parallel) gives
    the same output with 1 and with 4 threads."""
    import subprocess
    import sys

    code = (
        "import json, sys; sys.path[:0] = ['benches', '.'];"
        "import medsync_core as mc, bench_reconcile as b;"
        "out = mc.reconcile_stock(**b.as_buffers(b.world(20000, seed=3)), rules=b.RULES, as_of=b.AS_OF, full=True);"
        "print(json.dumps([list(out['keys']['diff']), out['keys']['class'], out['keys']['approval'],"
        " list(out['rows']['key'])]))"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=str(Path(__file__).resolve().parent.parent),
                           env=dict(os.environ, MEDSYNC_THREADS=n)).stdout for n in ("1", "4")]
    assert runs[0] == runs[1]
    assert len(runs[0]) > 100_000
