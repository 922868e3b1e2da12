#!/usr/bin/env python3
"""Write the integration API's OpenAPI document (odoo_addon/medsync/static/api/openapi.json).

The document schemas come from the field tables of the plain-Python reference
(tests/reference/documents.py), which the parity tests hold equal to the Rust
engine; `tests/test_openapi.py` fails when the file is stale or disagrees with
the engine. Run: python3 tools/openapi.py
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.reference import documents as ref  # noqa: E402

OUT = ROOT / "odoo_addon" / "medsync" / "static" / "api" / "openapi.json"
ERROR_CODES = {
    400: ["IDEMPOTENCY_KEY_MISSING", "SCHEMA_VERSION", "X12_UNREADABLE"],
    401: ["AUTH_MISSING", "AUTH_INVALID", "AUTH_EXPIRED"],
    403: ["AUTH_WRONG_SYSTEM", "FORBIDDEN"],
    404: ["FLOW_UNKNOWN", "NOT_FOUND", "X12_NOT_ENABLED"],
    409: ["IDEMPOTENCY_IN_PROGRESS"],
    413: ["BODY_TOO_LARGE"],
    415: ["UNSUPPORTED_MEDIA_TYPE"],
    422: ["VALIDATION_FAILED", "IDEMPOTENCY_CONFLICT", "UNKNOWN_PO", "PO_NOT_CONFIRMED", "PO_CLOSED",
          "UNKNOWN_PRODUCT", "DUPLICATE_INVOICE", "UNKNOWN_BILL", "AMBIGUOUS_BILL", "UNKNOWN_VENDOR",
          "UNKNOWN_CATEGORY", "UNKNOWN_REQUIREMENT", "UNKNOWN_COUNTRY", "UNKNOWN_STATE", "DUPLICATE_TAX_ID",
          "DUPLICATE_BATCH", "UNKNOWN_SOURCE", "UNKNOWN_CURRENCY", "NO_VENDOR"],
    429: ["RATE_LIMITED"],
}
RULES = ["json", "type", "required", "unknown_field", "length", "chars", "min", "max", "range", "decimals", "number",
         "date", "datetime", "enum", "format", "check_digit", "duplicate", "conditional", "expired", "total_mismatch"]
TITLES = {"po_ack": "Purchase order acknowledgement (X12 855)", "asn": "Advance ship notice (X12 856)",
          "invoice": "Vendor invoice (X12 810): lines, charges and allowances (SAC), payment terms (ITD) as "
                     "flat terms_* fields; total = lines + tax + charges - allowances",
          "price_catalog": "Supplier price catalogue (X12 832): prices per product, tier, contract and dates",
          "payment_status": "Payment status",
          "stock_snapshot": "Stock balance snapshot",
          "consumption": "Supply cabinet usage events (Omnicell, Pyxis, ward scanners): issue, return, waste, "
                         "restock; charge_ref is replaced by a keyed hash at the door, never stored",
          "par_levels": "Supply cabinet par levels per product (max at least min)",
          "vendor_update": "Vendor master update",
          "vendor_onboarding": "Vendor onboarding request (supplier portal)",
          "vendor_credential": "Vendor credential status (credentialing platform)",
          "billing_batch": "Billing batch (billing platform). No patient data: no name, record number, birth "
                           "date or address field exists and unknown fields are refused; payer_ref and "
                           "encounter_ref are replaced by keyed hashes (HMAC-SHA256, the company's key) before "
                           "the document is stored",
          "billing_daily_totals": "Billing daily control totals per business date, department and account "
                                  "(billing platform)"}


def kind_schema(kind):
    tag = kind[0]
    if tag == "text":
        return {"type": "string", "maxLength": kind[1], "description": "trimmed of spaces; no control characters"}
    if tag == "int":
        return {"type": "integer", "minimum": kind[1], "maximum": kind[2]}
    if tag == "dec":
        _, positive, ints, fracs = kind
        return {"oneOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}],
                "description": f"decimal, {'> 0' if positive else '>= 0'}, at most {ints} digits before and "
                               f"{fracs} after the point", "x-medsync-decimal": [ints, fracs, positive]}
    if tag == "date":
        return {"type": "string", "format": "date"}
    if tag == "datetime":
        return {"type": "string", "format": "date-time", "description": "with Z or an offset; stored in UTC"}
    if tag == "enum":
        return {"type": "string", "enum": list(kind[1])}
    if tag == "currency":
        return {"type": "string", "pattern": "^[A-Z]{3}$"}
    if tag == "country":
        return {"type": "string", "pattern": "^[A-Z]{2}$"}
    if tag == "sscc":
        return {"type": "string", "pattern": "^[0-9]{18}$", "description": "GS1 SSCC with a valid check digit"}
    if tag == "npi":
        return {"type": "string", "pattern": "^[12][0-9]{9}$", "description": "NPI with a valid Luhn check digit"}
    if tag == "dea":
        return {"type": "string", "pattern": "^[ABCDEFGHJKLMPRSTUX][A-Z9][0-9]{7}$",
                "description": "DEA registration number with a valid check digit"}
    if tag == "uei":
        return {"type": "string", "pattern": "^[1-9A-HJ-NP-Z][0-9A-HJ-NP-Z]{11}$", "description": "SAM.gov UEI"}
    if tag == "base64":
        return {"type": "string", "contentEncoding": "base64", "maxLength": -(-kind[1] // 3) * 4,
                "description": f"standard base64, padded, no line breaks; at most {kind[1]} bytes once decoded"}
    raise AssertionError(tag)


def field_schema(kind, required):
    if kind[0] == "list":  # an optional list may be empty (the same as absent)
        return {"type": "array", "minItems": 1 if required else 0, "maxItems": kind[2],
                "items": object_schema(kind[1])}
    return kind_schema(kind)


def object_schema(fields):
    return {"type": "object", "additionalProperties": False,
            "required": [name for name, _k, req in fields if req],
            "properties": {name: field_schema(kind, req) for name, kind, req in fields}}


def error_response(status):
    return {"description": ", ".join(ERROR_CODES[status]),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def build():
    schemas = {"Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "enum": sorted({c for cs in ERROR_CODES.values() for c in cs})},
            "message": {"type": "string"},
            "problems": {"type": "array", "items": {"type": "object", "required": ["path", "rule", "message"],
                                                    "properties": {"path": {"type": "string"},
                                                                   "rule": {"type": "string", "enum": RULES},
                                                                   "message": {"type": "string"}}}}}}}},
        "Accepted": {"type": "object", "required": ["message_id", "state", "idempotency_key", "payload_hash",
                                                    "status_url"],
                     "properties": {"message_id": {"type": "integer"}, "state": {"type": "string"},
                                    "idempotency_key": {"type": "string"}, "payload_hash": {"type": "string"},
                                    "status_url": {"type": "string"}}},
        "MessageStatus": {"type": "object", "required": ["message_id", "doc_type", "state", "attempts", "records"],
                          "properties": {"message_id": {"type": "integer"}, "doc_type": {"type": "string"},
                                         "idempotency_key": {"type": ["string", "null"]},
                                         "state": {"type": "string", "enum": [
                                             "received", "queued", "processing", "done", "failed", "retrying",
                                             "dead", "rejected", "cancelled"]},
                                         "attempts": {"type": "integer"},
                                         "received_at": {"type": ["string", "null"]},
                                         "done_at": {"type": ["string", "null"]},
                                         "payload_hash": {"type": ["string", "null"]},
                                         "records": {"type": "array", "items": {"type": "object"}},
                                         "error": {"type": "object"}}},
    }
    for (doc_type, version), fields in sorted(ref.SCHEMAS.items()):
        schemas[f"{doc_type}_v{version}"] = {"title": TITLES[doc_type], **object_schema(fields)}
    post_errors = {str(s): error_response(s) for s in (400, 401, 403, 404, 409, 413, 415, 422, 429)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "MedSync integration API", "version": "1.0.0", "license": {
            "name": "LGPL-3.0-or-later", "identifier": "LGPL-3.0-or-later"},
            "description": "Documents from suppliers, warehouses and payment systems into Odoo. Every request "
                           "carries the system's API key (Authorization: Bearer) and, for POST, an "
                           "Idempotency-Key: the same key with the same document answers the first response "
                           "again (header Idempotent-Replayed), with another document 422, while the first is "
                           "being processed 409. Accepted documents are processed asynchronously; GET the "
                           "status URL for the outcome. Every refusal is a JSON Error with a 4xx status. "
                           "Each system has a rate limit (429 with Retry-After); so has each client address "
                           "for failed authentications (a missing, wrong or expired key), after which it gets "
                           "429 until Retry-After, without its keys being checked. An unknown system answers "
                           "as a wrong key (401 AUTH_INVALID)."},
        "servers": [{"url": "/medsync/api/v1"}],
        "components": {"securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "security": [{"apiKey": []}],
        "paths": {
            "/{system}/{doc_type}": {"post": {
                "operationId": "postDocument", "summary": "Send a document",
                "parameters": [
                    {"name": "system", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "doc_type", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": sorted({t for t, _v in ref.SCHEMAS})}},
                    {"name": "Idempotency-Key", "in": "header", "required": True,
                     "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:\\-]{1,255}$"}},
                    {"name": "X-Schema-Version", "in": "header", "required": False, "schema": {"type": "integer"}},
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                    {"$ref": f"#/components/schemas/{t}_v{v}"} for t, v in sorted(ref.SCHEMAS)]}}}},
                "responses": {"202": {"description": "Accepted (or the first response again)",
                                      "headers": {"Idempotent-Replayed": {"schema": {"type": "string"}}},
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/Accepted"}}}}, **post_errors}}},
            "/{system}/{doc_type}/batch": {"post": {
                "operationId": "postBatch",
                "summary": "Send many documents of one type, each with its own idempotency key",
                "description": "Each document is answered exactly as if it had been sent alone (status and body "
                               "per document, in order); the request itself answers 200.",
                "parameters": [
                    {"name": "system", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "doc_type", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": sorted({t for t, _v in ref.SCHEMAS})}},
                    {"name": "X-Schema-Version", "in": "header", "required": False, "schema": {"type": "integer"}},
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["documents"], "additionalProperties": False,
                    "properties": {"documents": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
                        "type": "object", "required": ["idempotency_key", "document"],
                        "properties": {"idempotency_key": {"type": "string"}, "document": {"type": "object"}}}}}}}}},
                "responses": {"200": {"description": "One result per document", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["results"], "properties": {"results": {
                        "type": "array", "items": {"type": "object", "required": ["idempotency_key", "status"],
                                                   "properties": {"idempotency_key": {"type": ["string", "null"]},
                                                                  "status": {"type": "integer"}}}}}}}}},
                    **{str(s): error_response(s) for s in (400, 401, 403, 404, 413, 415, 422, 429)}}}},
            "/{system}/x12": {"post": {
                "operationId": "postX12", "summary": "Send an X12 interchange file (trading partners)",
                "description": "For a system with an X12 profile: every 855, 856, 810 and 832 of the file "
                               "becomes the po_ack, asn, invoice or price_catalog document above, accepted as "
                               "a batch would be (idempotency from sender, ISA13, GS06 and ST02: no header "
                               "needed); 997/999 received settle the 850s sent. The answer gives, per "
                               "interchange, group and set, the acknowledgement code (A, E, P, R), the "
                               "messages, the segment and element errors and the hub's refusals, and the "
                               "997/999 (and TA1) text sent back. A test interchange (ISA15 T) is validated "
                               "and acknowledged, never applied.",
                "parameters": [{"name": "system", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/edi-x12": {
                    "schema": {"type": "string", "format": "binary"}}}},
                "responses": {"200": {"description": "Per interchange, group and set: what became of it, and "
                                                     "the acknowledgement", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["interchanges"], "properties": {
                        "interchanges": {"type": "array", "items": {"type": "object"}},
                        "segments": {"type": "integer"}, "errors": {"type": "array"}}}}}},
                    **{str(s): error_response(s) for s in (400, 401, 403, 404, 413, 415, 429)}}}},
            "/{system}/messages/{key}": {"get": {
                "operationId": "getMessage", "summary": "State of a message, by idempotency key or id",
                "parameters": [{"name": "system", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The message", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/MessageStatus"}}}},
                    **{str(s): error_response(s) for s in (401, 403, 404, 429)}}}},
            "/openapi.json": {"get": {"operationId": "getOpenApi", "security": [],
                                      "summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
            "/metrics": {"get": {"operationId": "getMetrics", "summary": "Prometheus text format",
                                 "parameters": [{"name": "system", "in": "query", "required": False,
                                                 "schema": {"type": "string"}}],
                                 "responses": {"200": {"description": "metrics", "content": {"text/plain": {}}},
                                               **{str(s): error_response(s) for s in (401, 403, 429)}}}},
        },
    }


def render():
    return json.dumps(build(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render())
    print(f"wrote {OUT.relative_to(ROOT)}")
