"""Hub documents: medsync_core.validate_documents against the plain-Python
reference (tests/reference/documents.py): the same verdict, the same
problems (field and rule) in the same order, the same canonical form and hash."""

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medsync_core as mc
from tests.reference import documents as ref

# values each kind of field is drawn from: (valid, wrong); a document draws a
# wrong one with its own probability, so that most of them reach the rules
TEXTS = (["P00012", " WH/IN/0042 ", "Gauze 4x4", "Ünïcødé ✓", "x" * 64, "A", "B"],
         ["", "   ", "x" * 65, "tab\there", 12, None, True, ["a"]])
INTS = (["1", "2", "7", "99999", "1", "2"], ["0", "-3", "100000", "1.0", "1e2", "99999999999999999999", '"3"', "true"])
DECS = (["1", "10", "0", "2.5", "12.50", "0.0001", "1e2", "1.5E-2", "-0", "100.00000", "999999999", '"3.25"',
         '" 7 "', "1.005", "3"],
        ['"1,5"', '"1e2"', "-1", "0.00001", "1000000000", '"abc"', "true", "[]", "123456789012.34"])
DATES = (["2026-01-31", "2024-02-29", "2026-03-01", "2025-12-31"],
         ["2023-02-29", "2026-1-31", "31/01/2026", "", "2026-13-01", 20260131])
DATETIMES = (["2026-01-31T10:00:00Z", "2026-01-01T01:30:00+02:00", "2026-01-31T23:59:59.999-05:30"],
             ["2026-01-31 10:00:00Z", "2026-01-31T10:00:00", "2026-01-31T25:00:00Z", "0001-01-01T00:00:00+01:00"])
SSCCS = (["106141411234567897"], ["106141411234567890", "10614141123456789", "1061414112345678a7"])
IDS = {"npi": (["1234567893", "1245319599"], ["1234567890", "123456789", "3234567893", "12345678ab", 1234567893]),
       "dea": (["AB1234563", "F91234563"], ["AB1234564", "ab1234563", "IB1234563", "AB123456", "A11234563"]),
       "uei": (["J7M9HPTGJ1S9", "ZQGGHJH74DW7"], ["O7M9HPTGJ1S9", "07M9HPTGJ1S9", "J7M9HPTGJ1S", "j7m9hptgj1s9"])}
BASE64S = (["JVBERi0xLjQK", "QUI=", "QQ==", "", "+/+/"], ["QQ=", "Q===", "QUJ*", "QUJD\nQUJD", "QU=D", 12])
EXTRA = ["note", "lines[0]"]


def raw(v, r):
    return json.dumps(v, ensure_ascii=r.random() < 0.5)


def pick(pools, r, bad):
    good, wrong = pools
    return r.choice(wrong if r.random() < bad else good)


def field_value(kind, r, bad):
    tag = kind[0]
    if tag == "text":
        return raw(pick(TEXTS, r, bad), r)
    if tag == "int":
        return pick(INTS, r, bad)
    if tag == "dec":
        return pick(DECS, r, bad)
    if tag == "date":
        return raw(pick(DATES, r, bad), r)
    if tag == "datetime":
        return raw(pick(DATETIMES, r, bad), r)
    if tag == "enum":
        return raw(pick((list(kind[1]), ["other", "", 3]), r, bad), r)
    if tag == "currency":
        return raw(pick((["USD", "EUR"], ["usd", "US", "USDX"]), r, bad), r)
    if tag == "country":
        return raw(pick((["US", "DE"], ["us", "USA"]), r, bad), r)
    if tag == "sscc":
        return raw(pick(SSCCS, r, bad), r)
    if tag in IDS:
        return raw(pick(IDS[tag], r, bad), r)
    if tag == "base64":
        return raw(pick(BASE64S, r, bad), r)
    if tag == "list":
        n = pick(([1, 1, 2, 3], [0]), r, bad) if r.random() < 0.95 else 0
        items = [obj(kind[1], r, bad) for _ in range(n)]
        if r.random() < bad:
            items.append('"not an object"')
        return "[" + ",".join(items) + "]"
    raise AssertionError(tag)


def obj(fields, r, bad=0.1):
    parts = []
    for name, kind, required in fields:
        if r.random() < (bad / 3 if required else 0.5):
            continue
        parts.append(f'"{name}":{field_value(kind, r, bad)}')
    if r.random() < bad:
        parts.append(f'"{r.choice(EXTRA)}":1')
    r.shuffle(parts)
    sep = r.choice([",", ", ", ",\n  "])
    return "{" + sep.join(parts) + "}"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc_type=st.sampled_from(sorted({t for t, _ in ref.SCHEMAS})), seed=st.integers(0, 2**32 - 1),
       bad=st.sampled_from([0.0, 0.0, 0.02, 0.1, 0.4]),
       breakage=st.sampled_from(["", "", "", "", "truncate", "array", "nan"]))
def test_rust_matches_reference(doc_type, seed, bad, breakage):
    r = random.Random(seed)
    body = obj(ref.SCHEMAS[(doc_type, 1)], r, bad)
    if breakage == "truncate":
        body = body[: r.randrange(len(body))]
    elif breakage == "array":
        body = f"[{body}]"
    elif breakage == "nan":
        body = body.replace("1", "NaN", 1)
    data = body.encode()
    canonical, digest, problems = mc.validate_documents(doc_type, [data])[0]
    expected = ref.validate(doc_type, data)
    assert (canonical, digest, [(p, rule) for p, rule, _msg in problems]) == expected, body


def test_batch_keeps_order_and_threads_agree():
    r = random.Random(7)
    bodies = [obj(ref.SCHEMAS[("invoice", 1)], r).encode() for _ in range(3000)]
    out = mc.validate_documents("invoice", bodies)
    assert [(o[0], o[1], [(p, rl) for p, rl, _ in o[2]]) for o in out] == [
        ref.validate("invoice", b) for b in bodies]
    assert any(o[0] for o in out) and any(o[2] for o in out)


def test_same_meaning_same_hash_and_changed_meaning_other_hash():
    a = b'{"bill":"B1","status":"paid","amount":100.50,"currency":"USD","date":"2026-01-31","payment_ref":"P"}'
    b = b'{ "payment_ref":"P ","date":"2026-01-31","currency":"USD","amount":"100.5","status":"paid","bill":"B1"}'
    c = a.replace(b"100.50", b"100.51")
    (ca, ha, _), (cb, hb, _), (_, hc, _) = mc.validate_documents("payment_status", [a, b, c])
    assert ca == cb and ha == hb and ha != hc


def test_messages_say_what_is_wrong():
    body = b'{"po":"P1","lines":[{"line_no":1,"product":"A","status":"backordered","qty":"2.123456"}]}'
    (_, _, problems), = mc.validate_documents("po_ack", [body])
    assert problems == [("lines[0].qty", "decimals", "at most 4 decimal places")]


def test_problems_carry_their_parts_as_attributes():
    body = b'{"po":"P1","lines":[{"line_no":1,"product":"A","status":"backordered","qty":"2.123456"}]}'
    (_, _, (p,)), = mc.validate_documents("po_ack", [body])
    assert isinstance(p, mc.Problem)
    assert (p.path, p.rule, p.message) == ("lines[0].qty", "decimals", "at most 4 decimal places")
    (_, _, _, (q,)), = mc.validate_envelope("po_ack", b'{"documents":[{"idempotency_key":"k","document":%s}]}' % body)
    assert q == p


def test_bad_envelopes_carry_rule_and_path_as_attributes():
    cases = [(b'{"docs": []}', "documents", "required", "a list of documents is required"),
             (b'{"documents": [], "x": 1}', "x", "unknown_field", "unknown field (known: documents)"),
             (b"[", "$", "json", None)]
    for body, field, rule, message in cases:
        with pytest.raises(mc.InputError) as err:
            mc.validate_envelope("invoice", body)
        exc = err.value
        assert (exc.code, exc.field, exc.row, exc.rule) == ("invalid_input", field, None, rule), body
        assert exc.message == message or (message is None and exc.message.startswith("not valid JSON"))
        assert not exc.message.startswith(f"{rule}:"), "the rule is an attribute, not part of the text"
        assert str(exc) == f"{field}: {exc.message}"


def test_unknown_type_or_version_is_an_input_error():
    with pytest.raises(mc.InputError, match="unknown document type"):
        mc.validate_documents("order_of_pizza", [b"{}"])
    with pytest.raises(mc.InputError):
        mc.validate_documents("asn", [b"{}"], version=9)
    assert mc.document_types()["asn"] == [1]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_envelope_items_answer_as_if_sent_alone(seed, n):
    r = random.Random(seed)
    fields = ref.SCHEMAS[("invoice", 1)]
    docs = [obj(fields, r, r.choice([0.0, 0.1])) for _ in range(n)]
    parts = [f'{{"idempotency_key":"k{i}","document":{d}}}' for i, d in enumerate(docs)]
    body = '{"documents":[' + ",".join(parts) + "]}"
    items = mc.validate_envelope("invoice", body.encode())
    alone = mc.validate_documents("invoice", [d.encode() for d in docs])
    assert [it[0] for it in items] == [f"k{i}" for i in range(n)]
    assert [(it[1], it[2], [(p, rl) for p, rl, _ in it[3]]) for it in items] == [
        (a[0], a[1], [(p, rl) for p, rl, _ in a[2]]) for a in alone]


def test_bad_envelopes_say_where():
    for body, field in [(b'{"docs": []}', "documents"), (b'{"documents": []}', "documents"), (b"[", "$")]:
        with pytest.raises(mc.InputError) as err:
            mc.validate_envelope("invoice", body)
        assert err.value.field == field


def test_credential_documents_are_bounded_once_decoded():
    def body(n):
        text = "AAAA" * (n // 3) + ["", "AA==", "AAA="][n % 3]
        return json.dumps({"vendor": "V", "name": "S", "category": "C", "credentials": [
            {"requirement": "COI", "document_name": "a.pdf", "document": text}]}).encode()
    for n in (0, 1, 2, ref.MAX_DOCUMENT_BYTES, ref.MAX_DOCUMENT_BYTES + 1):
        canonical, digest, problems = mc.validate_documents("vendor_onboarding", [body(n)])[0]
        assert (canonical, digest, [(p, rl) for p, rl, _ in problems]) == ref.validate("vendor_onboarding", body(n))
    (_, _, problems), = mc.validate_documents("vendor_onboarding", [body(ref.MAX_DOCUMENT_BYTES + 1)])
    assert [(p.path, p.rule) for p in problems] == [("credentials[0].document", "length")]
    assert "2097152 bytes" in problems[0].message
