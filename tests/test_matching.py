"""medsync_core.match_bills against the plain-Python reference (hypothesis), plus
the binding's contract for bad input."""

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import matching as ref

money = st.sampled_from(["0", "1", "4.5", "5", "5.2", "5.25", "10", "12.99", "13.20", "99.999", "0.3333"])
qtys = st.sampled_from(["0", "1", "2", "3", "5", "6", "7.5", "10", "12", "24", "0.25"])
ratios = st.sampled_from(["1", "12", "0.5", "1"])
limits = st.one_of(st.none(), st.sampled_from(["0", "1", "2.5", "5", "10", "0.5"]))


@st.composite
def worlds(draw):
    vendors = [1, 2, 3]
    products = [10, 11, 12]
    po = {k: [] for k in ["po_line_id", "vendor_id", "product_id", "order_date", "currency_id", "qty_ordered",
                          "price_unit", "discount", "uom_ratio", "rate", "qty_consumed"]}
    n_po = draw(st.integers(0, 8))
    for i in range(n_po):
        po["po_line_id"].append(100 + i)
        po["vendor_id"].append(draw(st.sampled_from(vendors)))
        po["product_id"].append(draw(st.sampled_from(products)))
        po["order_date"].append(draw(st.integers(0, 5)))
        po["currency_id"].append(draw(st.sampled_from([1, 1, 2])))
        po["qty_ordered"].append(draw(qtys))
        po["price_unit"].append(draw(money))
        po["discount"].append(draw(st.sampled_from(["0", "0", "10", "2.5"])))
        po["uom_ratio"].append(draw(ratios))
        po["rate"].append(draw(st.sampled_from(["1", "1.1", "0.9"])))
        po["qty_consumed"].append(draw(qtys))
    po_ids = po["po_line_id"]
    receipts = {"po_line_id": [], "qty": [], "date": []}
    for _ in range(draw(st.integers(0, 10))):
        if po_ids:
            receipts["po_line_id"].append(draw(st.sampled_from(po_ids)))
            receipts["qty"].append(draw(st.sampled_from(["1", "2", "5", "-1", "6", "12"])))
            receipts["date"].append(draw(st.integers(0, 30)))
    billed = {"po_line_id": [], "bill_id": [], "date": [], "qty": []}
    for k in range(draw(st.integers(0, 5))):
        if po_ids:
            billed["po_line_id"].append(draw(st.sampled_from(po_ids)))
            billed["bill_id"].append(900 + k)
            billed["date"].append(draw(st.integers(0, 30)))
            billed["qty"].append(draw(st.sampled_from(["1", "3", "-2", "5"])))
    lines = {k: [] for k in ["line_id", "bill_id", "vendor_id", "company_id", "product_id", "category_id", "kind",
                             "qty", "uom_ratio", "qty_rounding", "price_unit", "discount", "currency_id", "rate",
                             "date", "po_line_id", "is_refund"]}
    n_lines = draw(st.integers(0, 14))
    for i in range(n_lines):
        vendor = draw(st.sampled_from(vendors))
        lines["line_id"].append(1 + i)
        lines["bill_id"].append(draw(st.integers(1, 6)) + 10 * vendor)
        lines["vendor_id"].append(vendor)
        lines["company_id"].append(1)
        lines["product_id"].append(draw(st.sampled_from(products)))
        lines["category_id"].append(draw(st.sampled_from([0, 5, 6])))
        lines["kind"].append(draw(st.sampled_from(["stock", "stock", "service", "consigned"])))
        lines["qty"].append(draw(qtys))
        lines["uom_ratio"].append(draw(ratios))
        lines["qty_rounding"].append(draw(st.sampled_from(["0.01", "1", "0.001"])))
        lines["price_unit"].append(draw(money))
        lines["discount"].append(draw(st.sampled_from(["0", "0", "10", "2.5"])))
        lines["currency_id"].append(draw(st.sampled_from([1, 1, 2])))
        lines["rate"].append(draw(st.sampled_from(["1", "1.1", "0.9"])))
        lines["date"].append(draw(st.integers(0, 30)))
        link = draw(st.sampled_from(["none", "po", "po", "unknown"]))
        lines["po_line_id"].append(
            draw(st.sampled_from(po_ids)) if link == "po" and po_ids else (999 if link == "unknown" else 0))
        lines["is_refund"].append(draw(st.booleans()) and draw(st.booleans()))
    contracts = {k: [] for k in ["vendor_id", "product_id", "currency_id", "price", "min_qty", "date_start",
                                 "date_end"]}
    for _ in range(draw(st.integers(0, 4))):
        contracts["vendor_id"].append(draw(st.sampled_from(vendors)))
        contracts["product_id"].append(draw(st.sampled_from(products)))
        contracts["currency_id"].append(draw(st.sampled_from([1, 2])))
        contracts["price"].append(draw(money))
        contracts["min_qty"].append(draw(st.sampled_from(["0", "1", "10"])))
        start = draw(st.integers(0, 20))
        contracts["date_start"].append(start)
        contracts["date_end"].append(start + draw(st.integers(0, 20)))
    rules = {k: [] for k in ["rule_id", "company_id", "scope", "target_id", *ref.LIMITS, "allow_favourable"]}
    for _ in range(draw(st.integers(0, 4))):
        scope = draw(st.sampled_from(["company", "vendor", "category", "product"]))
        rules["rule_id"].append(draw(st.integers(1, 6)))
        rules["company_id"].append(1)
        rules["scope"].append(scope)
        rules["target_id"].append({"company": 0, "vendor": draw(st.sampled_from(vendors)),
                                   "category": draw(st.sampled_from([5, 6])),
                                   "product": draw(st.sampled_from(products))}[scope])
        for lim in ref.LIMITS:
            rules[lim].append(draw(limits))
        rules["allow_favourable"].append(draw(st.booleans()))
    bills = {k: [] for k in ["bill_id", "vendor_id", "date", "ref", "amount", "is_refund", "in_batch"]}
    for b in [*sorted(set(lines["bill_id"])), 901, 902]:
        bills["bill_id"].append(b)
        bills["vendor_id"].append(b // 10 if b < 900 else draw(st.sampled_from(vendors)))
        bills["date"].append(draw(st.integers(0, 60)))
        bills["ref"].append(draw(st.sampled_from(["INV-0042", "inv 42", "INV42", "", "", "A-7", "a0007", "X"])))
        bills["amount"].append(draw(st.sampled_from(["100", "100.50", "101", "99"])))
        bills["is_refund"].append(draw(st.booleans()) and draw(st.booleans()))
        bills["in_batch"].append(b < 900)
    options = {"price_digits": draw(st.sampled_from([2, 4])),
               "duplicate_amount_pct": draw(st.sampled_from(["0", "1"])),
               "duplicate_days": draw(st.sampled_from([0, 10, 45]))}
    return dict(lines=lines, po_lines=po, receipts=receipts, billed=billed, contracts=contracts, rules=rules,
                bills=bills), options


FLOATS = {"qty", "qty_ordered", "qty_received", "qty_consumed", "qty_billed_before", "qty_variance", "price",
          "price_variance", "amount_variance", "price_po", "price_contract"}


def assert_same(ours, theirs):
    for col, values in theirs["lines"].items():
        got = ours["lines"][col]
        assert len(got) == len(values), col
        for i, (a, b) in enumerate(zip(got, values, strict=True)):
            if col in FLOATS and b is None:
                assert math.isnan(a), (col, i, a)  # "no such price" is NaN in the float array
            elif col in FLOATS:
                assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (col, i, a, b)
            else:
                assert a == b, (col, i, a, b)
    a, b = ours["allocations"], theirs["allocations"]
    assert list(a["line_id"]) == b["line_id"] and list(a["po_line_id"]) == b["po_line_id"]
    assert all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12) for x, y in zip(a["qty"], b["qty"], strict=True))
    assert ours["duplicates"] == theirs["duplicates"]


@settings(max_examples=int(__import__("os").environ.get("MEDSYNC_EXAMPLES", 600)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_engine_matches_reference(world):
    tables, options = world
    ours = mc.match_bills(**tables, **options)
    theirs = ref.match_bills(**tables, **options)
    assert_same(ours, theirs)


def test_statuses_are_all_reachable_in_examples():
    # a fixed world that shows every status the reference knows
    lines = dict(line_id=[1, 2, 3, 4, 5, 6, 7, 8], bill_id=[1, 1, 2, 3, 4, 5, 6, 7], vendor_id=[1] * 8,
                 product_id=[10, 10, 10, 11, 12, 13, 10, 10], qty=[5, 5, 5, 1, 1, 1, 1, 1],
                 price_unit=[5, 5, 5, 5, 6, 4, 5, 5], date=[1, 2, 3, 4, 5, 6, 7, 8],
                 po_line_id=[100, 100, 100, 101, 102, 103, 0, 100], is_refund=[0, 0, 0, 0, 0, 0, 0, 1])
    po = dict(po_line_id=[100, 101, 102, 103], vendor_id=[1] * 4, product_id=[10, 11, 12, 13],
              qty_ordered=[12, 5, 5, 5], price_unit=[5, 5, 5, 5])
    receipts = dict(po_line_id=[100, 101, 102, 103], qty=[7, 5, 5, 5])
    out = mc.match_bills(lines, po, receipts, bills=dict(bill_id=[1, 6], vendor_id=[1, 1], date=[1, 7],
                                                         ref=["A1", "a-01"], amount=[10, 10]))
    assert out["lines"]["status"] == ["matched", "over_received", "over_ordered", "matched", "price_above_po",
                                      "price_below_po", "duplicate", "credit_note"]
    again = mc.match_bills(lines, po, receipts, bills=dict(bill_id=[1, 6], vendor_id=[1, 1], date=[1, 7],
                                                            ref=["A1", "a-01"], amount=[10, 10]))
    assert again["lines"]["explanation"] == out["lines"]["explanation"]
    assert list(again["allocations"]["qty"]) == list(out["allocations"]["qty"])


def test_numeric_outputs_are_typed_arrays_and_inputs_may_be_too():
    from array import array

    lines = dict(line_id=array("q", [1, 2]), bill_id=[1, 1], vendor_id=array("q", [1, 1]), product_id=[10, 10],
                 qty=array("d", [2.0, 1.0]), price_unit=array("d", [5.0, 5.5]), date=[3, 3], po_line_id=[100, 100])
    po = dict(po_line_id=[100], vendor_id=[1], product_id=[10], qty_ordered=array("d", [3.0]), price_unit=[5])
    out = mc.match_bills(lines, po, receipts=dict(po_line_id=[100], qty=[3]))
    assert out["lines"]["qty"].typecode == "d" and out["lines"]["line_id"].typecode == "q"
    assert list(out["lines"]["qty_billed_before"]) == [0.0, 2.0]
    assert out["lines"]["status"] == ["matched", "price_above_po"]
    assert math.isnan(out["lines"]["price_contract"][0])
    again = mc.match_bills({k: list(v) for k, v in lines.items()}, po, receipts=dict(po_line_id=[100], qty=[3]))
    assert list(again["lines"]["qty_billed_before"]) == [0.0, 2.0]
    assert again["lines"]["explanation"] == out["lines"]["explanation"]


def test_dates_as_date_objects_or_day_numbers():
    base = dict(line_id=[1], bill_id=[1], vendor_id=[1], product_id=[1], qty=[1], price_unit=[1])
    po = dict(po_line_id=[], vendor_id=[], product_id=[], qty_ordered=[], price_unit=[])
    a = mc.match_bills(dict(base, date=[dt.date(2026, 11, 23)]), po)
    b = mc.match_bills(dict(base, date=[(dt.date(2026, 11, 23) - dt.date(1970, 1, 1)).days]), po)
    def as_text(out):  # NaN never equals itself: compare the printed values
        return {k: list(map(str, v)) for k, v in out["lines"].items()}

    assert as_text(a) == as_text(b)


EMPTY_PO = dict(po_line_id=[], vendor_id=[], product_id=[], qty_ordered=[], price_unit=[])
LINE = dict(line_id=[1], bill_id=[1], vendor_id=[1], product_id=[1], qty=[1], price_unit=[1], date=[1])


@pytest.mark.parametrize(
    ("kwargs", "field", "row"),
    [
        (dict(lines={k: v for k, v in LINE.items() if k != "qty"}, po_lines=EMPTY_PO), "lines.qty", None),
        (dict(lines=dict(LINE, qtty=[1]), po_lines=EMPTY_PO), "lines.qtty", None),
        (dict(lines=dict(LINE, qty=[-1]), po_lines=EMPTY_PO), "lines.qty", 0),
        (dict(lines=dict(LINE, discount=[101]), po_lines=EMPTY_PO), "lines.discount", 0),
        (dict(lines=dict(LINE, rate=[0]), po_lines=EMPTY_PO), "lines.rate", 0),
        (dict(lines=dict(LINE, kind=["gizmo"]), po_lines=EMPTY_PO), "lines.kind", 0),
        (dict(lines=dict(LINE, date=["yesterday"]), po_lines=EMPTY_PO), "lines.date", 0),
        (dict(lines=dict(LINE, vendor_id=[1, 2]), po_lines=EMPTY_PO), "lines.vendor_id", None),
        (dict(lines=dict(LINE, line_id=[1, 1], bill_id=[1, 1], vendor_id=[1, 1], product_id=[1, 1], qty=[1, 1],
                         price_unit=[1, 1], date=[1, 1]), po_lines=EMPTY_PO), "lines.line_id", 1),
        (dict(lines=LINE, po_lines=EMPTY_PO, rules=dict(rule_id=[1], scope=["galaxy"])), "rules.scope", 0),
        (dict(lines=LINE, po_lines=EMPTY_PO, rules=dict(rule_id=[1], price_over_pct=["lots"])),
         "rules.price_over_pct", 0),
        (dict(lines=LINE, po_lines=[1, 2]), "po_lines", None),
    ],
)
def test_bad_input_is_refused_with_its_place(kwargs, field, row):
    with pytest.raises(mc.InputError) as info:
        mc.match_bills(**kwargs)
    assert (info.value.field, info.value.row) == (field, row), str(info.value)
