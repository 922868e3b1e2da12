"""medsync_core's numeric core: examples, hypothesis parity with the plain-Python
reference (always) and with Odoo's own float_utils (when an Odoo source is found)."""

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import numeric as ref

STEPS = ["0.01", "0.001", "0.0001", "0.05", "0.1", "0.25", "0.5", "1", "5", "10", "0.03", "0.00001"]
METHODS = list(ref.METHODS)


def typed_decimals(max_digits=12, places=6):
    """Amounts as a user would type them, up to ``max_digits`` significant digits."""
    return st.decimals(
        min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=places, allow_nan=False, allow_infinity=False
    ).filter(lambda d: len(d.normalize().as_tuple().digits) <= max_digits)


# the three ways Odoo code hands amounts over: float, str, Decimal
amounts = typed_decimals().flatmap(lambda d: st.sampled_from([float(d), str(d), d]))


def same_float(a: float, b: float) -> bool:
    return a.hex() == b.hex() or (a == 0 and b == 0)  # bit-identical (0.0 and -0.0 alike)


# --- examples from Odoo's documentation and known traps --------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (2.675, {"precision_digits": 2}, 2.68),
        (-2.675, {"precision_digits": 2}, -2.68),
        (1.3, {"precision_rounding": 0.5}, 1.5),
        (1.025, {"precision_rounding": 0.05}, 1.05),
        (2.5, {"precision_digits": 0, "rounding_method": "HALF-EVEN"}, 2.0),
        (2.1, {"precision_digits": 0, "rounding_method": "UP"}, 3.0),
        (2.9, {"precision_digits": 0, "rounding_method": "DOWN"}, 2.0),
        ("12.345", {"precision_rounding": "0.01"}, 12.35),
        (Decimal("0.125"), {"precision_digits": 2, "rounding_method": "HALF-DOWN"}, 0.12),
    ],
)
def test_float_round_examples(value, kwargs, expected):
    assert same_float(mc.float_round(value, **kwargs), expected)


def test_compare_and_is_zero_round_first():
    assert mc.float_compare(1.432, 1.431, precision_digits=2) == 0
    assert mc.float_compare(0.006, 0.002, precision_digits=2) == 1
    assert mc.float_compare(0.002, 0.006, precision_digits=2) == -1
    assert mc.float_is_zero(0.004, precision_digits=2)
    assert not mc.float_is_zero(0.005, precision_digits=2)


def test_batch_functions_accept_lists_tuples_and_iterables():
    assert mc.round_many((1.005, "2.5", Decimal("3.14159")), precision_rounding=0.01) == pytest.approx(
        [1.01, 2.5, 3.14], abs=0
    )
    assert mc.compare_many(iter([1, 2, 3]), [1, 3, 2], precision_digits=0) == [0, -1, 1]
    assert mc.is_zero_many([0.004, 0.005, -0.004], precision_digits=2) == [True, False, True]


def test_uom_box_of_twelve_has_no_spurious_round_up():
    # Odoo's factor for a box of 12 is 1/12 as a float; 3 boxes are 36 units exactly
    assert mc.convert_uom([3, 0.5, 0], 1 / 12, 1.0, rounding=0.01) == [36.0, 6.0, 0.0]
    assert mc.convert_uom([7], 1.0, [1 / 12], rounding=0.01) == [0.59]  # rounded UP, Odoo's default
    assert mc.convert_uom([7], 1.0, 1 / 12, rounding=0.01, rounding_method="HALF-UP") == [0.58]


def test_currency_conversion_rounds_half_away_from_zero():
    assert mc.convert_currency([100.005, -100.005, 10], 1, rounding=0.01) == [100.01, -100.01, 10.0]
    assert mc.convert_currency([10, 10], [1.23456, 0.5], rounding=0.01) == [12.35, 5.0]
    assert math.isclose(mc.convert_currency([10], 1.23456)[0], 12.3456, rel_tol=1e-15)


# --- parity with the plain-Python reference (always) -----------------------------------------------


@settings(max_examples=400, deadline=None)
@given(values=st.lists(amounts, max_size=40), step=st.sampled_from(STEPS), method=st.sampled_from(METHODS))
def test_round_many_matches_reference(values, step, method):
    ours = mc.round_many(values, precision_rounding=step, rounding_method=method)
    theirs = ref.round_many(values, precision_rounding=step, rounding_method=method)
    assert all(same_float(a, b) for a, b in zip(ours, theirs, strict=True)), (ours, theirs)


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(st.tuples(amounts, amounts), max_size=30),
    digits=st.integers(min_value=0, max_value=6),
)
def test_compare_and_is_zero_match_reference(pairs, digits):
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    assert mc.compare_many(a, b, precision_digits=digits) == ref.compare_many(a, b, precision_digits=digits)
    assert mc.is_zero_many(a, precision_digits=digits) == [ref.float_is_zero(x, precision_digits=digits) for x in a]


FACTORS = [1.0, 1 / 12, 12.0, 1 / 6, 1000.0, 0.001, 1 / 24, 2.5, 1 / 100]


@settings(max_examples=300, deadline=None)
@given(
    qty=st.lists(typed_decimals(max_digits=9, places=4).map(float), max_size=30),
    f=st.sampled_from(FACTORS),
    t=st.sampled_from(FACTORS),
    step=st.sampled_from(["0.01", "0.001", "1", "0.5"]),
    method=st.sampled_from(METHODS),
)
def test_convert_uom_matches_reference(qty, f, t, step, method):
    ours = mc.convert_uom(qty, f, t, rounding=step, rounding_method=method)
    theirs = ref.convert_uom(qty, f, t, rounding=step, rounding_method=method)
    assert all(same_float(a, b) for a, b in zip(ours, theirs, strict=True))


@settings(max_examples=200, deadline=None)
@given(
    amounts_=st.lists(typed_decimals(max_digits=10, places=4), max_size=30),
    rate=typed_decimals(max_digits=8, places=6).filter(lambda d: d > 0),
)
def test_convert_currency_matches_reference(amounts_, rate):
    ours = mc.convert_currency(amounts_, rate, rounding=0.01)
    theirs = ref.convert_currency(amounts_, rate, rounding=0.01)
    assert all(same_float(a, b) for a, b in zip(ours, theirs, strict=True))


def test_large_batch_is_identical_to_single_calls():
    # a batch large enough to run in parallel chunks gives the same as one-by-one
    values = [((i * 7919) % 100003) / 1000 - 50 for i in range(50_000)]
    batch = mc.round_many(values, precision_rounding=0.05)
    singles = [mc.float_round(v, precision_rounding=0.05) for v in values[:: 997]]
    assert all(same_float(a, b) for a, b in zip(batch[:: 997], singles, strict=True))


# --- parity with Odoo's own float_utils (when an Odoo source is present) ---------------------------


def close_at_step(ours: float, odoo: float, step: str) -> bool:
    # Odoo denormalises with a float factor, so its result can sit one ulp away
    # from the nearest float of the decimal result; both must be the same multiple of the step
    return math.isclose(ours, odoo, rel_tol=1e-12, abs_tol=float(step) * 1e-9)


@settings(max_examples=500, deadline=None)
@given(value=typed_decimals(), step=st.sampled_from(STEPS), method=st.sampled_from(METHODS))
def test_float_round_matches_odoo(odoo_float_utils, value, step, method):
    v = float(value)
    ours = mc.float_round(v, precision_rounding=float(step), rounding_method=method)
    odoo = odoo_float_utils.float_round(v, precision_rounding=float(step), rounding_method=method)
    assert close_at_step(ours, odoo, step), (v, step, method, ours, odoo)


@settings(max_examples=400, deadline=None)
@given(a=typed_decimals(), b=typed_decimals(), digits=st.integers(min_value=0, max_value=6))
def test_compare_and_is_zero_match_odoo(odoo_float_utils, a, b, digits):
    fa, fb = float(a), float(b)
    assert mc.float_compare(fa, fb, precision_digits=digits) == odoo_float_utils.float_compare(
        fa, fb, precision_digits=digits
    )
    assert mc.float_is_zero(fa, precision_digits=digits) == odoo_float_utils.float_is_zero(
        fa, precision_digits=digits
    )


@settings(max_examples=300, deadline=None)
@given(
    qty=typed_decimals(max_digits=9, places=4).map(float),
    f=st.sampled_from(FACTORS),
    t=st.sampled_from(FACTORS),
    step=st.sampled_from(["0.01", "0.001", "1"]),
)
def test_convert_uom_matches_odoo_compute_quantity(odoo_float_utils, qty, f, t, step):
    # uom.uom._compute_quantity: qty / from.factor * to.factor, then float_round(..., 'UP')
    odoo = qty if f == t else qty / f * t
    odoo = odoo_float_utils.float_round(odoo, precision_rounding=float(step), rounding_method="UP") if qty else qty
    ours = mc.convert_uom([qty], f, t, rounding=float(step))[0]
    assert close_at_step(ours, odoo, step), (qty, f, t, step, ours, odoo)
