"""IRS bulk TIN matching files (odoo_addon/medsync/services/tin_matching.py):
the request lines as Publication 2108A asks, the result codes read back, and
problems named by line. Loaded by path: the module needs no Odoo."""

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

PATH = Path(__file__).resolve().parent.parent / "odoo_addon" / "medsync" / "services" / "tin_matching.py"
spec = importlib.util.spec_from_file_location("medsync_tin_matching", PATH)
tm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tm)


def test_request_lines_clean_names_and_tins():
    text = tm.request_file([("1", "12-3456789", "Summit Orthopedic Implants, Inc.", "V-SUMMIT"),
                            ("2", "123 45 6789", "José O'Brien & Sons — Medical Supply Distribution Services", "42")])
    first, second = text.split("\r\n")[:2]
    assert first == "1;123456789;Summit Orthopedic Implants Inc;V-SUMMIT"
    kind, tin, name, account = second.split(";")
    assert (kind, tin, account) == ("2", "123456789", "42")
    assert len(name) <= 40 and all(c.isalnum() or c in "&- " for c in name)


def test_result_codes_read_back_and_problems_by_line():
    rows = tm.parse_result("1;123456789;SUMMIT ORTHOPEDIC;V-SUMMIT;0\r\n\r\n1;987654321;KEYSTONE;V-KEY;3\r\n")
    assert [(r[0], r[4], r[5]) for r in rows] == [(1, "V-SUMMIT", "0"), (3, "V-KEY", "3")]
    with pytest.raises(tm.TinFileError) as err:
        tm.parse_result("1;123456789;A;V-1;9\n1;123456789;B;V-2\n1;1;C;;0\n")
    assert [line for line, _m in err.value.problems] == [1, 2, 3]
    with pytest.raises(tm.TinFileError) as err:
        tm.parse_result("1;123456789;A;V-1;0\n1;123456789;A;V-1;3\n")
    assert err.value.problems == [(2, "account V-1 is already on line 1")]
    with pytest.raises(tm.TinFileError):
        tm.parse_result("\r\n")
    assert tm.digits("12-3456789") == "123456789" and tm.digits("9277238") == ""


@given(st.lists(st.tuples(st.sampled_from(["1", "2", "3"]), st.text("0123456789-", min_size=9, max_size=11),
                          st.text(min_size=1, max_size=60), st.text("ABCDEFV-0123456789", min_size=1, max_size=12),
                          st.sampled_from(sorted(tm.CODES))), min_size=1, max_size=20, unique_by=lambda p: p[3]))
def test_a_request_answered_reads_back_line_for_line(payees):
    request = tm.request_file([p[:4] for p in payees])
    answered = "".join(f"{line};{p[4]}\r\n" for line, p in zip(request.splitlines(), payees, strict=True))
    rows = tm.parse_result(answered)
    assert [(r[4], r[5]) for r in rows] == [(p[3], p[4]) for p in payees]
