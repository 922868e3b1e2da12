"""The integration API (JSON over HTTP, bearer API keys per system).

    POST /medsync/api/v1/<system>/<doc_type>          accept a document (202)
    POST /medsync/api/v1/<system>/<doc_type>/batch    accept many, each with its key (200, per document)
    POST /medsync/api/v1/<system>/x12                 an X12 interchange (200, per set, with the 997/999)
    GET  /medsync/api/v1/<system>/messages/<key|id>   its state and records
    GET  /medsync/api/v1/openapi.json                 this API, described
    GET  /medsync/api/v1/metrics                      Prometheus text format

Errors are ``{"error": {"code", "message", "problems"?}}`` with a 4xx status,
whatever the bytes, headers and path sent: every input is checked before it
reaches a query, and what is kept of a refused document is made storable.
Failed authentications are counted per client address and rate limits per
system, in PostgreSQL, for all workers (see services/hub.py).
Nothing here logs a key, a payload or a personal datum."""

import functools
import json
import logging
from pathlib import Path

from odoo import http
from odoo.http import request

from ..services import hub, hub_metrics, x12
from ..services.hub_base import HubError

_logger = logging.getLogger(__name__)
OPENAPI = Path(__file__).resolve().parent.parent / "static" / "api" / "openapi.json"


def _response(status, body, headers=None):
    head = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]
    head += list((headers or {}).items())
    return request.make_response(json.dumps(body, separators=(",", ":"), ensure_ascii=False), headers=head,
                                 status=status)


def _error(exc):
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="medsync"'
    return _response(exc.status, exc.body(), headers)


def _address():
    return request.httprequest.remote_addr or ""


def _read_body(limit):
    """The body, refused before it is read when it is larger than the limit."""
    req = request.httprequest
    if req.content_length is not None and req.content_length > limit:
        raise HubError("BODY_TOO_LARGE", f"The body is larger than {limit // 1024} KiB.", 413)
    data = req.get_data(cache=True)  # bounded by the route's max_content_length when no length was sent
    if len(data) > limit:
        raise HubError("BODY_TOO_LARGE", f"The body is larger than {limit // 1024} KiB.", 413)
    return data


def route(*args, **kwargs):
    """``http.route``, taking any query or form field names: Odoo's own route
    wrapper takes the request's fields as keywords beside its ``self``, so a
    field named ``self`` (``?self=1``) would be a TypeError, an HTTP 500.
    Here the controller is positional-only and such a field is dropped."""
    def decorator(func):
        routed = http.route(*args, **kwargs)(func)

        def endpoint(controller, /, *a, **params):
            params.pop("self", None)
            return routed(controller, *a, **params)

        return functools.update_wrapper(endpoint, routed)  # original_routing, original_endpoint come along
    return decorator


class MedsyncApi(http.Controller):

    @route("/medsync/api/v1/<string:system>/<string:doc_type>", type="http", auth="none", methods=["POST"],
                csrf=False, save_session=False, max_content_length=hub.HARD_BODY_LIMIT, readonly=False)
    def post_document(self, system, doc_type, **_kw):
        env = request.env
        try:
            info = hub.authenticate(env, request.httprequest.headers.get("Authorization"), system, _address())
            hub.check_rate(env, info)
            mimetype = request.httprequest.mimetype
            if mimetype != "application/json":
                raise HubError("UNSUPPORTED_MEDIA_TYPE", "Send the document as application/json.", 415)
            body = _read_body(min(info["max_body"], hub.HARD_BODY_LIMIT))
            headers = request.httprequest.headers
            status, out, extra = hub.accept(env, info, doc_type, body, headers.get("Idempotency-Key"),
                                            headers.get("X-Schema-Version"))
        except HubError as exc:
            _logger.info("hub: %s %r/%r refused: %s", _address(), system[:40], doc_type[:40], exc.code)
            return _error(exc)
        return _response(status, out, extra)

    @route("/medsync/api/v1/<string:system>/<string:doc_type>/batch", type="http", auth="none",
                methods=["POST"], csrf=False, save_session=False, max_content_length=hub.HARD_BODY_LIMIT,
                readonly=False)
    def post_batch(self, system, doc_type, **_kw):
        env = request.env
        try:
            info = hub.authenticate(env, request.httprequest.headers.get("Authorization"), system, _address())
            hub.check_rate(env, info)
            if request.httprequest.mimetype != "application/json":
                raise HubError("UNSUPPORTED_MEDIA_TYPE", "Send the batch as application/json.", 415)
            body = _read_body(min(info["max_body"] * 8, hub.HARD_BODY_LIMIT))
            results = hub.accept_batch(env, info, doc_type, body, request.httprequest.headers.get("X-Schema-Version"))
        except HubError as exc:
            _logger.info("hub: %s %r/%r batch refused: %s", _address(), system[:40], doc_type[:40], exc.code)
            return _error(exc)
        return _response(200, {"results": results})

    @route("/medsync/api/v1/<string:system>/x12", type="http", auth="none", methods=["POST"], csrf=False,
           save_session=False, max_content_length=hub.HARD_BODY_LIMIT, readonly=False)
    def post_x12(self, system, **_kw):
        """An X12 interchange file (application/edi-x12): its sets become the
        hub's messages; the answer carries, per set, its acknowledgement code
        and messages, and the 997/999 (and TA1) text sent back."""
        env = request.env
        try:
            info = hub.authenticate(env, request.httprequest.headers.get("Authorization"), system, _address())
            hub.check_rate(env, info)
            if request.httprequest.mimetype not in ("application/edi-x12", "application/edi"):
                raise HubError("UNSUPPORTED_MEDIA_TYPE", "Send the interchange as application/edi-x12.", 415)
            body = _read_body(min(info["max_body"] * 8, hub.HARD_BODY_LIMIT))
            out = x12.receive(env, info, body)
        except HubError as exc:
            _logger.info("hub: %s %r/x12 refused: %s", _address(), system[:40], exc.code)
            return _error(exc)
        return _response(200, out)

    # read/write: the rate counters are written (on cursors of their own)
    @route("/medsync/api/v1/<string:system>/messages/<string:key>", type="http", auth="none",
                methods=["GET"], csrf=False, save_session=False, readonly=False)
    def get_message(self, system, key, **_kw):
        env = request.env
        try:
            info = hub.authenticate(env, request.httprequest.headers.get("Authorization"), system, _address())
            hub.check_rate(env, info)
            return _response(200, hub.status_of(env, info, key))
        except HubError as exc:
            return _error(exc)

    @route("/medsync/api/v1/openapi.json", type="http", auth="none", methods=["GET"], csrf=False,
                save_session=False)
    def openapi(self, **_kw):
        return request.make_response(OPENAPI.read_bytes(), headers=[("Content-Type", "application/json")])

    @route("/medsync/api/v1/metrics", type="http", auth="none", methods=["GET"], csrf=False,
                save_session=False, readonly=False)
    def metrics(self, system=None, **_kw):
        """For a scraper with a key of a system allowed to read metrics
        (``?system=<code>``), or an integration admin's browser session."""
        env = request.env
        uid = request.session.uid
        try:
            if request.httprequest.headers.get("Authorization"):
                info = hub.authenticate(env, request.httprequest.headers.get("Authorization"), system or "",
                                        _address())
                if not info["metrics"]:
                    raise HubError("FORBIDDEN", "This system may not read metrics.", 403)
                company_ids = [info["company_id"]]
            elif uid and env(user=uid).user.has_group("medsync.group_medsync_integration"):
                company_ids = env(user=uid).user.company_ids.ids
            else:
                raise hub.auth_failed(env, _address(), HubError(
                    "AUTH_MISSING", "Send a key of a system allowed to read metrics.", 401))
        except HubError as exc:
            return _error(exc)
        text = hub_metrics.prometheus(env, company_ids)
        return request.make_response(text, headers=[("Content-Type", "text/plain; version=0.0.4; charset=utf-8")])
