"""The integration hub's mechanics: authentication, rate limits, acceptance
with idempotency, processing with retries and dead letters, recovery,
housekeeping and figures. The document handlers are in ``hub_handlers``;
the refusal (``HubError``), signing and channels in the leaf ``hub_base``,
which both import.

Acceptance writes the message and its job in the request's transaction; the
effect of a message and its ``done`` state are written in the job's
transaction. Nothing here commits."""

import hashlib
import json
import logging
import random
import re
import threading
import time
from datetime import datetime, timedelta

import psycopg2.errors

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import billing, bulk, engine, guard, hub_handlers
from .hub_base import HubError, Problem

_logger = logging.getLogger(__name__)

KEY_SCOPE_PREFIX = "medsync.hub."
KEY_GEN_PARAM = "medsync.hub.key_generation"
INLINE_PAYLOAD_BYTES = 64 * 1024
HARD_BODY_LIMIT = 64 * 1024 * 1024
KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,255}$")
AUTH_TTL = 60.0  # seconds a verified key is trusted without hashing it again
BACKOFF_BASE, BACKOFF_CAP = 30.0, 3600.0
BUSY_BASE = 1.0  # a concurrent update clears in moments: retry soon
# a job started (or handed to a worker) this long ago whose message no worker holds (row lock) is dead
STALE_JOB = timedelta(minutes=2)
WAITING = ("received", "queued", "retrying", "failed")
FINAL = ("done", "dead", "cancelled", "rejected")


def document_types(env):
    return engine.core(env).document_types()


def bump_key_generation(env):
    """Forget every verified key and system setting in every worker (the
    parameter is cached by Odoo and its change is signalled to all workers)."""
    params = env["ir.config_parameter"].sudo()  # sudo: a technical counter, not a setting users see
    params.set_param(KEY_GEN_PARAM, str(int(params.get_param(KEY_GEN_PARAM) or 0) + 1))


# ---------------------------------------------------------------------------- authentication

_cache_lock = threading.Lock()
_auth_cache = {}  # (db, sha256(key), system code) -> (generation, trusted until, key expiry, system dict)
# what a key and a system code can look like; anything else is refused without a look at the database
# (medsync.system's constraint holds codes to SYSTEM_CODE_RE; Odoo's keys are hex)
SYSTEM_CODE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")
API_KEY_RE = re.compile(r"[A-Za-z0-9]{8,128}")
AUTH_FAILURE_PARAM = "medsync.hub.auth_failures_per_minute"
AUTH_FAILURE_LIMIT = 60  # failed authentications an address may make a minute; then 429 without checking keys


def _system_info(env, code):
    if not SYSTEM_CODE_RE.fullmatch(code or ""):
        return None
    system = env["medsync.system"].sudo().search([("code", "=", code), ("active", "=", True)], limit=1)
    if not system:
        return None
    flows = {f.doc_type: {"id": f.id, "version": f.schema_version, "criticality": f.criticality,
                          "retention_days": f.retention_days,
                          "sources": {s.strip() for s in (f.billing_sources or "").split(",") if s.strip()}}
             for f in system.flow_ids if f.active and f.direction == "inbound"}
    return {"id": system.id, "code": system.code, "user_id": system.user_id.id, "company_id": system.company_id.id,
            "partner_id": system.partner_id.commercial_partner_id.id, "rate_limit": system.rate_limit,
            "rate_burst": system.rate_burst, "max_body": system.max_body_kb * 1024, "flows": flows,
            "metrics": system.metrics_access}


def authenticate(env, authorization, code, address):
    """The system a bearer key opens, or a 401/403 HubError; 429 for an
    address that failed too often lately (then no key is even checked).

    The key is checked by Odoo's res.users.apikeys, scoped to the system; a
    verified key is remembered (by its SHA-256) for a minute at most, until
    its expiry, and never past a key or system change anywhere. An unknown
    system answers exactly as a known one with a wrong key."""
    blocked, _wait = env["medsync.rate.limit"]._blocked("auth_failure", address or "", 60, _failure_limit(env))
    if blocked:
        raise auth_failed(env, address, None)
    try:
        return _authenticate(env, authorization, code)
    except HubError as exc:
        raise auth_failed(env, address, exc) from None


def _failure_limit(env):
    # sudo: a technical setting read at the door, before anyone is known
    value = env["ir.config_parameter"].sudo().get_param(AUTH_FAILURE_PARAM, "")
    return int(value) if value.isdigit() and int(value) > 0 else AUTH_FAILURE_LIMIT


def auth_failed(env, address, exc):
    """Count a failed authentication of ``address``: ``exc`` itself, or a
    429 once the address is over its limit (``exc`` None: it already is)."""
    allowed, wait = env["medsync.rate.limit"]._hit("auth_failure", address or "", 60, _failure_limit(env))
    if allowed and exc is not None:
        return exc
    return HubError("RATE_LIMITED", f"Too many failed authentications from this address; retry in {wait} s.",
                    429, retry_after=wait or 1)


def _authenticate(env, authorization, code):
    m = re.match(r"^\s*bearer\s+(\S+)\s*$", authorization or "", re.IGNORECASE)
    if not m:
        raise HubError("AUTH_MISSING", "Send the system's API key as 'Authorization: Bearer <key>'.", 401)
    key = m.group(1)
    if not API_KEY_RE.fullmatch(key):
        raise HubError("AUTH_INVALID", "Unknown or revoked API key.", 401)
    gen = env["ir.config_parameter"].sudo().get_param(KEY_GEN_PARAM, "0")  # sudo: cached counter, see above
    ident = (env.cr.dbname, hashlib.sha256(key.encode()).hexdigest(), code)
    now_wall, now_mono = datetime.utcnow(), time.monotonic()
    hit = _auth_cache.get(ident)
    if hit and hit[0] == gen and now_mono < hit[1] and (hit[2] is None or now_wall < hit[2]):
        return hit[3]
    info = _system_info(env, code)
    # the same checks whether the system exists or not: its existence is not told by the answer
    scope = KEY_SCOPE_PREFIX + (code if info else "")
    keys = env["res.users.apikeys"].sudo()  # sudo: checking a key is what authentication is
    uid = keys._check_credentials(scope=scope, key=key)
    if not info or not uid or uid != info["user_id"]:
        raise _why_refused(env, key, code)
    env.cr.execute("SELECT max(expiration_date) FROM res_users_apikeys WHERE user_id = %s AND scope = %s "
                   "AND index = %s", (uid, scope, key[:8]))
    expiry = env.cr.fetchone()[0]
    with _cache_lock:
        if len(_auth_cache) > 10_000:
            _auth_cache.clear()
        _auth_cache[ident] = (gen, now_mono + AUTH_TTL, expiry, info)
    return info


def _why_refused(env, key, code):
    """Tell an expired key and another system's key from a wrong one. Only a
    key that verifies (by its hash) is told apart: nothing about other keys,
    nor about which systems exist, leaks."""
    from odoo.addons.base.models.res_users import KEY_CRYPT_CONTEXT

    env.cr.execute("""SELECT k.scope, k.key, k.expiration_date < now() at time zone 'utc'
                      FROM res_users_apikeys k WHERE k.index = %s AND k.scope LIKE %s""",
                   (key[:8], KEY_SCOPE_PREFIX + "%"))
    for scope, hashed, expired in env.cr.fetchall():
        if KEY_CRYPT_CONTEXT.verify(key, hashed):
            if expired:
                return HubError("AUTH_EXPIRED", "This API key has expired; ask for a new one.", 401)
            if scope != KEY_SCOPE_PREFIX + code:
                return HubError("AUTH_WRONG_SYSTEM", "This API key belongs to another system.", 403)
    return HubError("AUTH_INVALID", "Unknown or revoked API key.", 401)


def rate_window(info):
    """``(seconds, requests)``: ``rate_limit`` a minute with ``rate_burst`` at
    once is at most ``rate_burst`` requests in any window of the time the
    burst takes to earn back."""
    rate = max(info["rate_limit"], 1)
    burst = max(info["rate_burst"], 1)
    return min(max(round(60 * burst / rate), 1), 3600), burst


def check_rate(env, info):
    """The system's limit, counted in PostgreSQL for all workers together
    (medsync.rate.limit). Raises 429 with the seconds to wait."""
    width, burst = rate_window(info)
    allowed, wait = env["medsync.rate.limit"]._hit("system", str(info["id"]), width, burst)
    if not allowed:
        raise HubError("RATE_LIMITED", f"More than {info['rate_limit']} requests a minute; retry in {wait} s.",
                       429, retry_after=wait)


def storable(data):
    """Text PostgreSQL can keep, from any bytes or string: invalid UTF-8 and
    lone surrogates as backslash escapes, NUL (which no text column holds)
    as the four characters ``\\x00``."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "backslashreplace")
    else:
        data = data.encode("utf-8", "backslashreplace").decode("utf-8")
    return data.replace("\x00", "\\x00")


# ---------------------------------------------------------------------------- acceptance

def _json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _flow(info, doc_type, version_header):
    """The system's inbound flow for this document type, and the schema version the request may name."""
    flow = info["flows"].get(doc_type)
    if flow is None:
        raise HubError("FLOW_UNKNOWN", f"System {info['code']} has no active inbound flow for {doc_type!r}.", 404)
    version = flow["version"]
    if version_header not in (None, "") and (not re.fullmatch(r"[0-9]{1,9}", str(version_header))
                                              or int(version_header) != version):
        raise HubError("SCHEMA_VERSION", f"This flow takes {doc_type} schema version {version}.", 400)
    return flow, version


def accept(env, info, doc_type, body, idem_key, version_header):
    """Accept one document for a system (already authenticated and within its
    rate). Returns ``(status, body dict, extra headers)``; raises HubError
    for refusals."""
    flow, version = _flow(info, doc_type, version_header)
    if not idem_key or not KEY_RE.match(idem_key):
        raise HubError("IDEMPOTENCY_KEY_MISSING",
                       "Send an Idempotency-Key header: 1 to 255 of A-Z a-z 0-9 . _ : -", 400)
    user_env = _user_env(env, info)
    canonical, digest, problems = engine.core(env).validate_documents(doc_type, [body], version=version)[0]
    if canonical and doc_type in billing.SCRUBBED:  # the references are kept only as keyed hashes
        canonical, digest = billing.scrub(env, info["company_id"], canonical)
    if problems:
        _reject_many(user_env, info, flow, doc_type, version, [(idem_key, body, "VALIDATION_FAILED", "")])
        raise HubError("VALIDATION_FAILED", f"The {doc_type} document is not valid ({len(problems)} problem(s)).",
                       422, problems=problems)
    # a key seen before answers as the first time, whatever has happened since (the invoice it created
    # would otherwise make the repeat look like a duplicate invoice)
    env.cr.execute("SELECT 1 FROM medsync_message WHERE system_id = %s AND idempotency_key = %s",
                   (info["id"], idem_key))
    if env.cr.fetchone():
        return _replay_first_response(user_env, info, doc_type, idem_key, digest)
    doc = json.loads(canonical)
    try:
        ref = hub_handlers.precheck(user_env, info, doc_type, doc)
    except HubError as exc:
        _reject_many(user_env, info, flow, doc_type, version, [(idem_key, body, exc.code, exc.message)])
        raise
    stored = _store_many(user_env, info, flow, doc_type, version, [(0, idem_key, canonical, digest, ref)])
    if idem_key not in stored:  # a concurrent request stored it first
        return _replay_first_response(user_env, info, doc_type, idem_key, digest)
    return 202, json.loads(stored[idem_key][3]), {}


def _user_env(env, info):
    return env(user=info["user_id"], context=dict(env.context, allowed_company_ids=[info["company_id"]]))


def _replay_first_response(env, info, doc_type, idem_key, digest):
    cr = env.cr
    cr.execute("""SELECT id, doc_type, payload_hash, response_status, response_body FROM medsync_message
                  WHERE system_id = %s AND idempotency_key = %s""", (info["id"], idem_key))
    mid, first_type, first_hash, status, body = cr.fetchone()
    if first_type != doc_type or first_hash != digest:
        raise HubError("IDEMPOTENCY_CONFLICT", "This Idempotency-Key was used for a different document.", 422)
    try:
        with cr.savepoint(flush=False):
            cr.execute("SELECT id FROM medsync_message WHERE id = %s FOR SHARE NOWAIT", (mid,))
    except psycopg2.errors.LockNotAvailable as exc:
        raise HubError("IDEMPOTENCY_IN_PROGRESS", "The first request with this key is being processed; "
                       "retry shortly.", 409, retry_after=1) from exc
    return status or 202, json.loads(body or "{}"), {"Idempotent-Replayed": "true"}


BATCH_JOB_SIZE = 50  # messages of a batch processed by one job (each in its own savepoint)


def accept_batch(env, info, doc_type, body, version_header):
    """Accept an envelope of documents, each with its own idempotency key, in
    one request: one engine call validates them all, one statement stores the
    new ones, one job per 50 processes them. Each document gets exactly the
    answer it would have got alone; the request answers 200 with the list."""
    flow, version = _flow(info, doc_type, version_header)
    mc = engine.core(env)
    try:
        items = mc.validate_envelope(doc_type, body, version=version)
    except mc.InputError as exc:  # the envelope itself: its path, rule and message are attributes
        refusal = HubError("VALIDATION_FAILED", "The batch envelope is not valid.", 422,
                           problems=[Problem(exc.field or "$", exc.rule, exc.message)])
        _reject_many(_user_env(env, info), info, flow, doc_type, version,
                     [(None, body, refusal.code, refusal.message)])  # kept for the record, as a refused document
        raise refusal from exc
    if doc_type in billing.SCRUBBED:  # the references are kept only as keyed hashes
        items = [(k, *billing.scrub(env, info["company_id"], c), p) if c and not p else (k, c, d, p)
                 for k, c, d, p in items]
    user_env = _user_env(env, info)
    cr = env.cr
    results = [None] * len(items)
    keys = [k for k, *_ in items if isinstance(k, str) and KEY_RE.fullmatch(k)]  # a query takes no NUL
    cr.execute("""SELECT idempotency_key, doc_type, payload_hash, response_status, response_body
                    FROM medsync_message WHERE system_id = %s AND idempotency_key = ANY(%s)""", (info["id"], keys))
    known = {k: (t, h, st, b) for k, t, h, st, b in cr.fetchall()}
    first_in_batch, fresh, rejected = {}, [], []
    for i, (key, canonical, _digest, problems) in enumerate(items):
        if not isinstance(key, str) or not KEY_RE.match(key):
            results[i] = (400, HubError("IDEMPOTENCY_KEY_MISSING", "Each document needs an idempotency_key: 1 to "
                                        "255 of A-Z a-z 0-9 . _ : -", 400).body())
            continue
        if problems:
            rejected.append((key, canonical or "", "VALIDATION_FAILED", ""))
            results[i] = (422, HubError("VALIDATION_FAILED", f"The {doc_type} document is not valid "
                                        f"({len(problems)} problem(s)).", 422, problems=problems).body())
            continue
        if key in known or key in first_in_batch:
            continue  # answered after the insert, as its first occurrence was
        first_in_batch[key] = i
    # the reference checks of all first occurrences at once (a few statements for the whole batch)
    firsts = sorted(first_in_batch.values())
    checks = hub_handlers.precheck_many(user_env, info, doc_type, [json.loads(items[i][1]) for i in firsts])
    refused = {}
    for i, (ref, exc) in zip(firsts, checks, strict=True):
        key, canonical, digest, _problems = items[i]
        if exc is not None:
            rejected.append((key, canonical, exc.code, exc.message))
            results[i] = refused[key] = (exc.status, exc.body())
        else:
            fresh.append((i, key, canonical, digest, ref))
    _reject_many(user_env, info, flow, doc_type, version, rejected)
    stored = _store_many(user_env, info, flow, doc_type, version, fresh)
    known.update(stored)
    for i, (key, _canonical, digest, problems) in enumerate(items):
        if results[i] is not None or problems:
            continue
        if key in refused:  # a repeat in this batch of a refused document: the same refusal
            results[i] = refused[key]
            continue
        if key not in known:  # inserted by a concurrent request after our snapshot: Odoo retries the request
            raise psycopg2.errors.SerializationFailure("idempotency key inserted concurrently")
        first_type, first_hash, status, first_body = known[key]
        if first_type != doc_type or first_hash != digest:
            results[i] = (422, HubError("IDEMPOTENCY_CONFLICT", "This Idempotency-Key was used for a different "
                                        "document.", 422).body())
        else:
            results[i] = (status or 202, json.loads(first_body or "{}"))
    return [{"idempotency_key": items[i][0], "status": st, **b} for i, (st, b) in enumerate(results)]


def _reject_many(env, info, flow, doc_type, version, rejected):
    if not rejected:
        return
    msgs = guard.privileged(env["medsync.message"])  # the hub records what it refused
    vals_list, big = [], []
    for key, text, code, message in rejected:
        if doc_type in billing.SCRUBBED:
            # nothing of a refused billing document is kept: any field may be where a sender put what must not
            # be (an unknown patient_name is refused, not stored); its problems are in the answer
            text = ""
        vals, large = msgs._payload_values(storable(text))  # any bytes at all were sent: keep what can be kept
        vals_list.append({**vals, "direction": "inbound", "system_id": info["id"], "flow_id": flow["id"],
                          "company_id": info["company_id"], "doc_type": doc_type, "schema_version": version,
                          "refused_key": storable(key)[:255] if key else False, "state": "rejected",
                          "error_code": code, "error_message": storable(message or ""), "response_status": 422})
        big.append(large)
    for msg, large in zip(msgs.create(vals_list), big, strict=True):
        if large:
            msg._attach_payload(large)


def _store_many(env, info, flow, doc_type, version, fresh):
    """Insert the new messages in one statement; returns {key: (type, hash,
    status, body)} of those this request stored."""
    if not fresh:
        return {}
    cr = env.cr
    now = fields.Datetime.now()
    msgs = env["medsync.message"]
    msgs.flush_model()
    rows, bigs = [], {}
    expires = now + timedelta(days=max(flow["retention_days"], 1))
    for _i, key, canonical, digest, ref in fresh:
        vals, big = msgs._payload_values(canonical)
        if big:
            bigs[key] = big
        rows.append(SQL("('inbound', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'queued', 0, %s, %s, %s, %s, %s, %s)",
                        info["id"], flow["id"], info["company_id"], doc_type, version, key, expires,
                        (ref or "")[:255] or None, vals["payload"] or None, vals["payload_size"], digest, now, now,
                        env.uid, now, env.uid, now))
    # claim the keys: a concurrent request with the same key waits for this
    # one, then sees its row (Odoo replays a request that hit a concurrent
    # insert under its snapshot); the unique index makes two rows impossible
    cr.execute(SQL(
        """INSERT INTO medsync_message (direction, system_id, flow_id, company_id, doc_type, schema_version,
                  idempotency_key, key_expires, external_ref, payload, payload_size, payload_hash, state, attempts,
                  next_attempt, received_at, create_uid, create_date, write_uid, write_date)
           VALUES %s ON CONFLICT (system_id, idempotency_key) DO NOTHING RETURNING id, idempotency_key, payload_hash""",
        SQL(", ").join(rows)))
    inserted = cr.fetchall()
    out, answers = {}, []
    for mid, key, digest in inserted:
        body = {"message_id": mid, "state": "queued", "idempotency_key": key, "payload_hash": digest,
                "status_url": f"/medsync/api/v1/{info['code']}/messages/{key}"}
        out[key] = (doc_type, digest, 202, _json(body))
        answers.append((mid, _json(body)))
        if key in bigs:
            msgs.browse(mid)._attach_payload(bigs[key])
    ids = [mid for mid, _k, _d in inserted]
    for start in range(0, len(ids), BATCH_JOB_SIZE):
        msgs.browse(ids[start:start + BATCH_JOB_SIZE])._enqueue(criticality=flow["criticality"], together=True)
    if answers:  # the first responses are kept with the rows, in the same transaction
        cr.execute(SQL("""UPDATE medsync_message m SET response_status = 202, response_body = v.body
                            FROM (VALUES %s) AS v(id, body) WHERE m.id = v.id""",
                       SQL(", ").join(SQL("(%s, %s)", mid, b) for mid, b in answers)))
    return out


def status_of(env, info, key_or_id):
    """What a system sees of one of its messages."""
    cr = env.cr
    if not KEY_RE.fullmatch(key_or_id or ""):  # no message has it: not worth a query (nor a NUL in one)
        raise HubError("NOT_FOUND", "No message of this system with this key or id.", 404)
    where = SQL("idempotency_key = %s", key_or_id)
    if re.fullmatch(r"[0-9]{1,9}", key_or_id):
        where = SQL("(idempotency_key = %s OR id = %s)", key_or_id, int(key_or_id))
    cr.execute(SQL("""SELECT id, doc_type, idempotency_key, state, attempts, error_code, error_message,
                             received_at, done_at, payload_hash FROM medsync_message
                      WHERE system_id = %s AND direction = 'inbound' AND %s ORDER BY id LIMIT 1""",
                   info["id"], where))
    row = cr.fetchone()
    if not row:
        raise HubError("NOT_FOUND", "No message of this system with this key or id.", 404)
    mid, doc_type, key, state, attempts, code, message, received, done, digest = row
    cr.execute("SELECT res_model, res_id, role FROM medsync_message_link WHERE message_id = %s ORDER BY id", (mid,))
    links = [{"model": m, "id": i, "role": r} for m, i, r in cr.fetchall()]
    out = {"message_id": mid, "doc_type": doc_type, "idempotency_key": key, "state": state, "attempts": attempts,
           "received_at": received.isoformat() + "Z" if received else None,
           "done_at": done.isoformat() + "Z" if done else None, "payload_hash": digest, "records": links}
    if code:
        out["error"] = {"code": code, "message": message or ""}
    return out


# ---------------------------------------------------------------------------- processing

def process(msgs):
    """Process these messages: each alone in a savepoint (its effect and its
    ``done`` commit together), or, for the document types handled together
    (``hub_handlers.BATCHED``: invoices), the job's messages of one system
    at once: one create for all their records, a message that fails alone
    isolated. A message locked by another worker, or no longer waiting, is
    skipped: a job run twice does nothing twice."""
    env = msgs.env
    cr = env.cr
    msgs.flush_model()
    alone, together = [], {}
    for mid in msgs.ids:
        try:
            with cr.savepoint(flush=False):
                cr.execute("SELECT id FROM medsync_message WHERE id = %s AND state = ANY(%s) FOR UPDATE NOWAIT",
                           (mid, list(WAITING)))
                row = cr.fetchone()
        except psycopg2.errors.LockNotAvailable:
            continue
        if not row:
            continue
        # sudo: the job acts for the system, below as its user; privileged: the hub writes the message's outcome
        msg = guard.privileged(env["medsync.message"].sudo()).browse(mid)
        msg.invalidate_recordset()
        if msg.doc_type in hub_handlers.BATCHED:
            together.setdefault((msg.doc_type, msg.system_id.id, msg.company_id.id), []).append(msg)
        else:
            alone.append(msg)
    finished = []  # (message, links, started)
    for msg in alone:
        started = time.perf_counter()
        user_env = _system_env(msg)
        try:
            with cr.savepoint():
                links = hub_handlers.handle(user_env, msg.with_env(user_env), _document(msg))
        except Exception as exc:
            _failed(msg, exc)
            continue
        finished.append((msg, links, started))
    for (doc_type, _system, _company), group in together.items():
        finished += _process_together(doc_type, group)
    created_bills = _done(env, finished)
    if created_bills:
        # matching is the system's own check (as the nightly run): one job for the bills of this job, as the
        # superuser, not as the sender, which may not (and should not) write match results and exceptions
        env["account.move"].with_user(SUPERUSER_ID).browse(created_bills)._medsync_enqueue_match()
    return len(finished)


def _document(msg):
    """A message's JSON document; None for X12 text going out (an 850, an acknowledgement)."""
    text = msg._payload_text()
    return None if msg.direction == "outbound" and text.startswith("ISA") else json.loads(text)


def _system_env(msg):
    return msg.env(user=msg.system_id.user_id.id,
                   context=dict(msg.env.context, allowed_company_ids=[msg.company_id.id]))


def _process_together(doc_type, group):
    """Messages of one type, system and company: their values made one by
    one (a message that cannot be made fails alone), their records created
    in one call; if that call fails, each is created alone in a savepoint, so
    that only the bad one fails. Returns ``[(message, links, started)]``."""
    prepare, model, finish = hub_handlers.BATCHED[doc_type]
    cr = group[0].env.cr
    user_env = _system_env(group[0])
    started = time.perf_counter()
    ready = []
    for msg in group:
        try:
            with cr.savepoint():
                doc = json.loads(msg._payload_text())
                ready.append((msg, doc, prepare(user_env, msg.with_env(user_env), doc)))
        except Exception as exc:
            _failed(msg, exc)
    if not ready:
        return []
    Model = user_env[model]
    try:
        with cr.savepoint():
            records = Model.create([vals for _m, _d, vals in ready])
            out = [(msg, finish(user_env, rec, doc), started)
                   for (msg, doc, _v), rec in zip(ready, records, strict=True)]
        return out
    except Exception:
        _logger.info("hub: %s %s created together failed; one by one", len(ready), doc_type)
    out = []
    for msg, doc, vals in ready:
        try:
            with cr.savepoint():
                out.append((msg, finish(user_env, Model.create(vals), doc), started))
        except Exception as exc:
            _failed(msg, exc)
    return out


def _done(env, finished):
    """The messages done, in one statement, with the records each created
    or changed; returns the ids of the bills created (matched next)."""
    if not finished:
        return []
    now = fields.Datetime.now()
    Msg = guard.privileged(env["medsync.message"].sudo())
    links, bills = [], []
    for msg, recs, _started in finished:
        for rec, role in recs:
            if rec:
                links.append({"message_id": msg.id, "res_model": rec._name, "res_id": rec.id, "role": role})
                if role == "created" and rec._name == "account.move":
                    bills.append(rec.id)
    env.flush_all()
    bulk.update(env.cr, "medsync_message",
                [("id", "int"), ("state", "varchar"), ("done_at", "timestamp"), ("attempts", "int"),
                 ("error_code", "varchar"), ("error_message", "text"), ("next_attempt", "timestamp"),
                 ("processing_seconds", "float8"), ("latency_seconds", "float8"), ("node", "varchar"),
                 ("write_uid", "int"), ("write_date", "timestamp")],
                {"id": [m.id for m, _l, _s in finished], "state": ["done"] * len(finished),
                 "done_at": [now] * len(finished), "attempts": [m.attempts + 1 for m, _l, _s in finished],
                 "error_code": [None] * len(finished), "error_message": [None] * len(finished),
                 "next_attempt": [None] * len(finished),
                 "processing_seconds": [time.perf_counter() - s for _m, _l, s in finished],
                 "latency_seconds": [(now - m.received_at).total_seconds() if m.received_at else 0.0
                                     for m, _l, _s in finished],
                 "node": [engine.node()] * len(finished),
                 "write_uid": [env.uid] * len(finished), "write_date": [now] * len(finished)})
    Msg.invalidate_model()
    env["medsync.message.link"].sudo().create(links)  # sudo: the hub records what each message did
    return bills


def classify(exc):
    """(code, message, permanent) of a processing failure."""
    if isinstance(exc, HubError):
        return exc.code, exc.message, exc.permanent
    if isinstance(exc, UserError):  # validation, access, missing record: the data must change first
        return "REFUSED", str(exc.args[0] if exc.args else exc), True
    if isinstance(exc, psycopg2.OperationalError):
        return "DATABASE_BUSY", type(exc).__name__, False
    return "ERROR", f"{type(exc).__name__}: {exc}", False


def backoff(attempts, base=BACKOFF_BASE):
    """Exponential with equal jitter: half fixed, half random."""
    delay = min(BACKOFF_CAP, base * (2 ** max(attempts - 1, 0)))
    return delay / 2 + random.uniform(0, delay / 2)


def _failed(msg, exc):
    code, message, permanent = classify(exc)
    _logger.debug("hub message %s failed", msg.id, exc_info=exc)
    attempts = msg.attempts + 1
    limit = max(msg.flow_id.max_attempts, 1)
    if permanent or attempts >= limit:
        msg.write({"state": "dead", "attempts": attempts, "error_code": code, "error_message": message,
                   "next_attempt": False, "node": engine.node()})
        _dead_letter_exception(msg, permanent)
        _logger.info("hub message %s dead after %s attempt(s): %s", msg.id, attempts, code)
        return
    nxt = fields.Datetime.now() + timedelta(seconds=backoff(attempts, BUSY_BASE if code == "DATABASE_BUSY"
                                                             else BACKOFF_BASE))
    msg.write({"state": "retrying", "attempts": attempts, "error_code": code, "error_message": message,
               "next_attempt": nxt})
    msg._enqueue(eta=nxt)


def _dead_letter_exception(msg, permanent):
    flow = msg.flow_id
    why = msg.env._("refused") if permanent else msg.env._("failed %s times", msg.attempts)
    # sudo: the job raises the exception for the flow's owner; the system's user may not read the queue
    msg.env["medsync.exception"].sudo()._raise_many([{
        "reason_code": "HUB_DEAD_LETTER", "key": f"hub-dead-{msg.id}", "company_id": msg.company_id.id,
        "name": msg.env._("%(doc)s from %(system)s %(why)s: %(code)s", doc=msg.doc_type, system=msg.system_id.name,
                          why=why, code=msg.error_code),
        "description": msg.error_message, "res_model": msg._name, "res_id": msg.id,
        "owner_user_id": flow.owner_user_id.id or False, "owner_team_id": flow.owner_team_id.id or False,
    }])


def recover(env, limit):
    """Queue again the due messages that no live job will process."""
    cr = env.cr
    env["medsync.message"].flush_model()
    env["queue.job"].flush_model(["uuid", "state", "date_started", "date_enqueued"])
    cr.execute("""SELECT m.id FROM medsync_message m
                  LEFT JOIN queue_job j ON j.uuid = m.job_uuid
                  WHERE m.state IN ('queued', 'retrying')
                    AND coalesce(m.next_attempt, m.received_at) < (now() at time zone 'utc') - interval '2 minutes'
                    AND (j.id IS NULL OR j.state IN ('done', 'failed', 'cancelled')
                         OR (j.state IN ('started', 'enqueued')
                             AND coalesce(j.date_started, j.date_enqueued, j.date_created)
                                 < (now() at time zone 'utc') - %s))
                  ORDER BY m.id LIMIT %s
                  FOR UPDATE OF m SKIP LOCKED""", (STALE_JOB, limit))
    msgs = env["medsync.message"].browse([r[0] for r in cr.fetchall()])
    msgs._enqueue()
    if msgs:
        _logger.info("hub: %s message(s) queued again by recovery", len(msgs))
    return len(msgs)


def housekeeping(env):
    cr = env.cr
    env["medsync.message"].flush_model()
    cr.execute("""UPDATE medsync_message SET idempotency_key = NULL
                  WHERE key_expires < now() at time zone 'utc' AND idempotency_key IS NOT NULL
                    AND state = ANY(%s)""", (list(FINAL),))
    released = cr.rowcount
    env["medsync.message"].invalidate_model(["idempotency_key"])
    exc = env["medsync.exception"].sudo()  # sudo: the scheduler raises exceptions for every owner
    breaches = []
    flows = env["medsync.flow"].sudo().search([("active", "=", True), ("direction", "=", "inbound")])
    open_keys = set()
    for flow in flows:
        cr.execute("""SELECT count(*), min(received_at) FROM medsync_message
                      WHERE flow_id = %s AND state = ANY(%s)
                        AND received_at < (now() at time zone 'utc') - make_interval(mins => %s)""",
                   (flow.id, list(WAITING), max(flow.sla_minutes, 1)))
        count, oldest = cr.fetchone()
        key = f"hub-sla-{flow.id}"
        if count:
            open_keys.add(key)
            breaches.append({
                "reason_code": "HUB_SLA_BREACH", "key": key, "company_id": flow.company_id.id,
                "name": env._("%(flow)s: %(n)s message(s) past the %(sla)s min SLA", flow=flow.name, n=count,
                              sla=flow.sla_minutes),
                "description": env._("Oldest received %s (UTC).", oldest), "res_model": flow._name,
                "res_id": flow.id, "owner_user_id": flow.owner_user_id.id or False,
                "owner_team_id": flow.owner_team_id.id or False})
    if breaches:
        exc._raise_many(breaches)
    stale = exc.search([("reason_code", "=", "HUB_SLA_BREACH"), ("state", "in", ("open", "in_progress")),
                        ("key", "not in", list(open_keys))])
    stale._auto_resolve(env._("No message of the flow is past its SLA any more."))
    overdue = hub_handlers.raise_overdue_acks(env)
    buckets = env["medsync.rate.limit"]._purge()
    return {"released_keys": released, "sla_breaches": len(breaches), "overdue_acks": overdue,
            "rate_buckets_purged": buckets}


# ---------------------------------------------------------------------------- figures

def flow_stats(env, flow_ids):
    if not flow_ids:
        return {}
    env["medsync.message"].flush_model()
    env.cr.execute("""
        SELECT flow_id,
               count(*) FILTER (WHERE state IN ('received', 'queued', 'retrying', 'failed', 'processing')),
               extract(epoch FROM (now() at time zone 'utc')
                       - min(received_at) FILTER (WHERE state IN ('received', 'queued', 'retrying', 'failed'))),
               count(*) FILTER (WHERE state = 'done' AND done_at > (now() at time zone 'utc') - interval '1 hour'),
               count(*) FILTER (WHERE received_at > (now() at time zone 'utc') - interval '1 day'),
               count(*) FILTER (WHERE received_at > (now() at time zone 'utc') - interval '1 day'
                                  AND (state IN ('dead', 'rejected', 'retrying') OR attempts > 1)),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_seconds)
                   FILTER (WHERE state = 'done' AND done_at > (now() at time zone 'utc') - interval '1 hour'),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_seconds)
                   FILTER (WHERE state = 'done' AND done_at > (now() at time zone 'utc') - interval '1 hour'),
               count(*) FILTER (WHERE state = 'dead')
          FROM medsync_message
         WHERE flow_id = ANY(%s)
           AND (state NOT IN ('done', 'rejected', 'cancelled')
                OR received_at > (now() at time zone 'utc') - interval '1 day')
         GROUP BY flow_id""", (list(flow_ids),))
    out = {}
    for fid, depth, oldest, done_1h, n24, bad24, p50, p95, dead in env.cr.fetchall():
        out[fid] = {"depth": depth, "oldest_s": float(oldest or 0.0), "done_1h": done_1h,
                    "error_rate": (bad24 / n24) if n24 else 0.0, "p50_ms": float(p50 or 0.0) * 1000.0,
                    "p95_ms": float(p95 or 0.0) * 1000.0, "dead": dead}
    return out
