"""``medsync_core.copy_text`` (the addon's COPY rows) against the plain-Python
reference: the same values read back from the text, whatever the input."""

import math
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import copy_text as ref

numbers = st.one_of(st.none(), st.just(False), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.from_regex(r"-?\d{1,12}\.\d{1,6}", fullmatch=True))
texts = st.one_of(st.none(), st.just(False), st.text(), st.integers(), st.dates())
bools = st.one_of(st.none(), st.booleans(), st.integers(0, 2))
KINDS = {"number": numbers, "bool": bools, "text": texts}


@st.composite
def tables(draw):
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=5))
    n = draw(st.integers(0, 20))
    cols = [draw(st.lists(KINDS[k], min_size=n, max_size=n)) for k in kinds]
    suffix = draw(st.sampled_from(["", "\t7\tt", "\t2026-11-23 10:00:00"]))
    return kinds, cols, suffix


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


@settings(max_examples=300, deadline=None)
@given(tables())
def test_same_values_as_the_reference(table):
    kinds, cols, suffix = table
    names = [f"c{i}" for i in range(len(kinds))]
    got = mc.copy_text(names, kinds, cols, suffix)
    want = ref.copy_text(names, kinds, cols, suffix)
    parsed_got, parsed_want = ref.parse(got, kinds), ref.parse(want, kinds)
    assert len(parsed_got) == len(parsed_want) == (len(cols[0]) if cols else 0)
    for rg, rw in zip(parsed_got, parsed_want, strict=True):
        assert len(rg) == len(rw)
        assert all(same(a, b) for a, b in zip(rg, rw, strict=True)), (rg, rw)


def test_exact_text_and_buffers():
    out = mc.copy_text(["a", "b", "c", "d"], ["number", "bool", "text", "number"],
                       [[1, None], [True, None], ["x\ty\\z\n", False], array("d", [12.5, float("inf")])], "\t9")
    assert out == "1\tt\tx\\ty\\\\z\\n\t12.5\t9\n\\N\t\\N\t\\N\tInfinity\t9\n"


@pytest.mark.parametrize(("kinds", "cols", "field"), [
    (["number"], [[True]], "a"),
    (["number"], [[object()]], "a"),
    (["number", "number"], [[1], [1, 2]], "b"),
    (["mystery"], [[1]], "a"),
    (["text"], ["abc"], "a"),
])
def test_bad_input_is_an_input_error(kinds, cols, field):
    names = ["a", "b"][:len(kinds)]
    with pytest.raises(mc.InputError) as err:
        mc.copy_text(names, kinds, cols)
    assert err.value.field == field
