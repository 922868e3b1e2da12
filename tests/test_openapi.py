"""The OpenAPI document in the repository is current and agrees with the engine."""

import json

import medsync_core as mc
from tools import openapi

SPEC = json.loads(openapi.OUT.read_text())


def test_file_is_current():
    assert openapi.OUT.read_text() == openapi.render(), "run: python3 tools/openapi.py"


def test_document_types_are_the_engines():
    enum = SPEC["paths"]["/{system}/{doc_type}"]["post"]["parameters"][1]["schema"]["enum"]
    assert sorted(enum) == sorted(mc.document_types())


def test_required_and_known_fields_agree_with_the_engine():
    for name, schema in SPEC["components"]["schemas"].items():
        if "_v" not in name:
            continue
        doc_type, version = name.rsplit("_v", 1)
        (_, _, problems), = mc.validate_documents(doc_type, [b'{"zz_not_a_field": 1}'], version=int(version))
        got = {(p, r) for p, r, _m in problems}
        assert ("zz_not_a_field", "unknown_field") in got
        assert {p for p, r in got if r == "required"} == set(schema["required"]), name
