"""X12 with trading partners, on the hub's own documents and handlers.

Inbound: an interchange (POSTed to ``/medsync/api/v1/<system>/x12`` or read
from the partner's directory) is parsed and validated by the engine
(``x12_parse``), each accepted transaction set mapped to the JSON document of
its type (855 → po_ack, 856 → asn, 810 → invoice, 832 → price_catalog) and
accepted by ``hub.accept_batch`` exactly as a JSON batch would be: the same
validation, idempotency (keyed on sender, ISA13, GS06 and ST02), messages,
jobs, retries and dead letters. A 997 or 999 (and a TA1 when asked) answers
every interchange, rejecting the sets the hub refused. A test interchange
(ISA15 = T) is validated and acknowledged, never applied. 997/999 received
settle the 850s MedSync sent.

Outbound: a confirmed order for a partner with an outbound purchase_order
flow is written as an 850 with the partner's envelope and the next control
numbers, and goes through the outbox (its directory, else its webhook); its
997 is expected within the partner's hours, else an exception."""

import base64
import json
import logging
import os
import re
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL, config

from . import engine, guard
from .hub_base import HubError, Problem

_logger = logging.getLogger(__name__)

ROOT_PARAM = "medsync.x12_root"
SET_TYPES = {"855": "po_ack", "856": "asn", "810": "invoice", "832": "price_catalog"}
KEY_CHARS = re.compile(r"[^A-Za-z0-9._:-]")
MAX_FILES = 200  # files a sweep reads per partner
BATCH = 1000  # documents per hub batch (its envelope's limit)


# ---------------------------------------------------------------------------- configuration

def root(env):
    # sudo: the root is a system parameter, set by the system administrator only
    path = env["ir.config_parameter"].sudo().get_param(ROOT_PARAM) or os.path.join(config["data_dir"], "medsync_x12")
    return os.path.realpath(path)


def directory(env, rel):
    """The absolute path of a partner's directory, or None when ``rel`` is
    not a relative path staying below the X12 root (an integration admin
    names a folder; only the system administrator chooses where they live)."""
    if not rel or os.path.isabs(rel) or "\0" in rel:
        return None
    base = root(env)
    path = os.path.realpath(os.path.join(base, rel))
    return path if path == base or path.startswith(base + os.sep) else None


def parse_options(system):
    quals = [q.strip() for q in (system.x12_product_qualifiers or "").split(",") if q.strip()]
    return {"product_qualifiers": quals or None, "currency": system.company_id.currency_id.name,
            "tier": system.x12_tier or None}


def next_controls(system, sets=1):
    """(ISA13, GS06, first ST02) for one interchange of one group of ``sets``
    sets, taken under the system's row lock: two workers never send the same
    control number."""
    env = system.env
    env["medsync.system"].flush_model(["x12_next_isa", "x12_next_gs", "x12_next_st"])
    env.cr.execute(SQL("""UPDATE medsync_system SET x12_next_isa = CASE WHEN x12_next_isa >= 999999999 THEN 1
                                                                      ELSE x12_next_isa + 1 END,
                                                    x12_next_gs = CASE WHEN x12_next_gs >= 999999999 THEN 1
                                                                      ELSE x12_next_gs + 1 END,
                                                    x12_next_st = CASE WHEN x12_next_st + %s > 999999999 THEN 1
                                                                      ELSE x12_next_st + %s END
                           WHERE id = %s
                       RETURNING x12_next_isa, x12_next_gs, x12_next_st""", sets, sets, system.id))
    isa, gs, st = env.cr.fetchone()
    env["medsync.system"].invalidate_model(["x12_next_isa", "x12_next_gs", "x12_next_st"])
    prev = lambda n, k=1: n - k if n - k >= 1 else 999999999 - (k - n)  # noqa: E731 (the values before the bump)
    return prev(isa), prev(gs), prev(st, sets)


def envelope(system, controls):
    isa, gs, st = controls
    now = fields.Datetime.now()
    return {"sender_qualifier": system.x12_our_qualifier, "sender_id": system.x12_our_id,
            "receiver_qualifier": system.x12_partner_qualifier, "receiver_id": system.x12_partner_id,
            "gs_sender": system.x12_gs_ours, "gs_receiver": system.x12_gs_partner,
            "interchange_control": isa, "group_control": gs, "set_control": st, "version": system.x12_version,
            "usage": system.x12_usage, "ack_requested": bool(system.x12_ta1), "date": now.strftime("%Y-%m-%d"),
            "time": now.strftime("%H%M"), "element": system.x12_element, "component": system.x12_component,
            "repetition": system.x12_repetition or "^", "segment": system.x12_segment,
            "line_breaks": bool(system.x12_line_breaks), "product_qualifier": system.x12_product_qualifier_out}


# ---------------------------------------------------------------------------- inbound

def receive(env, info, data, source="api"):
    """Take one file of interchanges from the system ``info`` (hub.authenticate's
    answer). Returns the summary the endpoint answers with: per interchange
    its groups and sets, each set's acknowledgement code, the messages its
    documents became, and the acknowledgement sent back (X12 text)."""
    system = env["medsync.system"].sudo().browse(info["id"])  # sudo: the profile is the integration admins'
    if not system.x12_enabled:
        raise HubError("X12_NOT_ENABLED", f"System {system.code} has no X12 profile.", 404)
    parsed = engine.call(env, "x12_parse", data, **parse_options(system))
    if not parsed["interchanges"]:
        problems = [Problem(f"segment {e['segment']}", e["code"], e["message"]) for e in parsed["errors"]]
        raise HubError("X12_UNREADABLE", "No interchange could be read (an ISA segment of 106 characters "
                       "starts one).", 400, problems=problems or [Problem("$", "no_isa", "no ISA segment")])
    out = []
    for inter in parsed["interchanges"]:
        # the raw file each came in (several interchanges in one file share it)
        out.append(_receive_interchange(env, info, system, inter, data, source))
    return {"interchanges": out, "segments": parsed["segments"],
            "errors": [dict(e) for e in parsed["errors"]]}


def _receive_interchange(env, info, system, inter, raw, source):
    Inter = guard.privileged(env["medsync.x12.interchange"].sudo())  # sudo: the hub records what it received
    _check_parties(system, inter)
    if inter["ta1"]["code"] == "R":  # the envelope is refused: so is every set in it, whatever it held
        _reject_all(inter)
    control = inter["control"]
    # an interchange refused whole (TA1 R) does not count: the partner sends it again with the same number
    seen = Inter.search_count([("system_id", "=", system.id), ("direction", "=", "inbound"),
                               ("control", "=", control), ("usage", "=", inter["usage"]),
                               ("envelope_rejected", "=", False)])
    gap = False
    if inter["usage"] == "P" and control.isdigit() and inter["ta1"]["code"] != "R":
        number = int(control)
        last = system.x12_last_isa_in
        gap = bool(last) and number > last + 1 and not seen
        if number > last:  # a counter, not a setting: not audited as a change of the partner's profile
            env["medsync.system"].flush_model(["x12_last_isa_in"])
            env.cr.execute(SQL("UPDATE medsync_system SET x12_last_isa_in = %s WHERE id = %s", number, system.id))
            system.invalidate_recordset(["x12_last_isa_in"])
    test = inter["usage"] != "P"
    links = {}
    if inter["ta1"]["code"] != "R":
        links = _documents_in(env, info, system, inter, test)
        _settle_acks(env, system, inter)
    for group in inter["groups"]:
        _group_code(group)
    sets = [s for g in inter["groups"] for s in g["sets"]]
    accepted = sum(1 for s in sets if s["ack_code"] in ("A", "E"))
    whole = inter["ta1"]["code"] != "R" and all(g["ack_code"] in ("A", "E") for g in inter["groups"])
    state = "test" if test else ("accepted" if whole and accepted == len(sets)
                                 else "rejected" if not accepted else "partial")
    errors = [f"segment {e['segment']} {e['segment_id']}: {e['message']}" for e in inter["errors"]]
    rec = Inter.create({
        "system_id": system.id, "direction": "inbound", "source": source[:200], "control": control,
        "sender": f"{inter['sender_qualifier']}:{inter['sender_id']}",
        "receiver": f"{inter['receiver_qualifier']}:{inter['receiver_id']}", "date": inter["date"] or False,
        "usage": inter["usage"] if inter["usage"] in ("P", "T") else "T", "version": inter["version"],
        "group_controls": ",".join(g["control"] for g in inter["groups"])[:255], "set_count": len(sets),
        "accepted_count": accepted, "rejected_count": len(sets) - accepted, "state": state,
        "errors": "\n".join(errors) or False, "duplicate": bool(seen), "gap": gap,
        "envelope_rejected": inter["ta1"]["code"] == "R"})
    if raw is not None:
        rec.raw_attachment_id = _attach(rec, f"x12-in-{control}.x12", raw)
    message_ids = [mid for mids in links.values() for mid in mids]
    if message_ids:
        env["medsync.message"].flush_model()
        env.cr.execute(SQL("UPDATE medsync_message SET x12_interchange_id = %s WHERE id = ANY(%s)",
                           rec.id, message_ids))
        env["medsync.message"].invalidate_model(["x12_interchange_id"])
    ack = _acknowledge(system, inter)
    if ack:
        rec.ack_attachment_id = _attach(rec, f"x12-ack-{control}.x12", ack)
        _queue_outbound(system, "x12_ack", ack.decode(), f"ack-{rec.id}", rec)
    _flag(env, system, rec, seen, gap)
    return {"interchange_id": rec.id, "control": control, "usage": inter["usage"], "state": state,
            "duplicate": bool(seen), "gap": gap, "ta1": inter["ta1"],
            "errors": [dict(e) for e in inter["errors"]],
            "groups": [{"control": g["control"], "functional_id": g["functional_id"], "code": g["ack_code"],
                        "sets": [{"set_id": s["set_id"], "control": s["control"], "code": s["ack_code"],
                                  "doc_type": s["doc_type"], "message_ids": links.get((g["control"], s["control"]), []),
                                  "errors": s["errors"], "unknown_segments": s["unknown_segments"],
                                  "refusals": s.get("refusals", [])}
                                 for s in g["sets"]]} for g in inter["groups"]],
            "acknowledgement": ack.decode() if ack else None}


def _group_code(group):
    """AK901 again once the hub has judged the sets: A (all accepted), E (with
    errors), P (some rejected), R (none, or the group itself is in error)."""
    if group["ack_errors"] or not group["sets"]:
        return
    codes = [s["ack_code"] for s in group["sets"]]
    ok = sum(1 for c in codes if c in ("A", "E"))
    group["ack_code"] = ("E" if "E" in codes else "A") if ok == len(codes) else ("P" if ok else "R")


def _check_parties(system, inter):
    """An interchange from someone else, or for someone else, is refused
    whole (TA1 R: 006 invalid sender id, 008 invalid receiver id)."""
    if inter["ta1"]["code"] == "R":
        return
    if (inter["sender_qualifier"], inter["sender_id"]) != (system.x12_partner_qualifier, system.x12_partner_id):
        inter["ta1"] = {"code": "R", "note": "006"}
    elif (inter["receiver_qualifier"], inter["receiver_id"]) != (system.x12_our_qualifier, system.x12_our_id):
        inter["ta1"] = {"code": "R", "note": "008"}
    if inter["ta1"]["code"] == "R":
        _reject_all(inter)


def _reject_all(inter):
    for group in inter["groups"]:
        group["ack_code"] = "R"
        for s in group["sets"]:
            s["ack_code"], s["documents"] = "R", []


def _key(inter, group, tset, n, total):
    base = f"x12:{inter['sender_id']}:{inter['control']}:{group['control']}:{tset['control']}"
    return KEY_CHARS.sub("_", base + (f":{n}" if total > 1 else ""))[:255]


def _documents_in(env, info, system, inter, test):
    """Each accepted set's documents through the hub's door, by type; a set
    whose document the hub refuses is rejected in the acknowledgement (AK5
    R, 5: one or more segments in error) with the hub's reasons. Returns
    {(GS06, ST02): [message ids]}."""
    # imported here: hub and its handlers import this module
    from . import hub

    by_type = {}
    for group in inter["groups"]:
        for tset in group["sets"]:
            if tset["doc_type"] not in SET_TYPES.values():
                if tset["doc_type"] != "functional_ack" and tset["ack_code"] != "R":
                    _reject(tset, "1", f"MedSync takes no {tset['set_id']} from a partner.")
                continue
            if tset["ack_code"] == "R":
                continue
            if tset["doc_type"] not in info["flows"]:
                _reject(tset, "1", f"This partner has no inbound {tset['doc_type']} flow ({tset['set_id']}).")
                continue
            docs = tset["documents"]
            if tset["doc_type"] == "asn":
                docs = [_units_in(env, d) for d in docs]
            for n, doc in enumerate(docs, start=1):
                by_type.setdefault(tset["doc_type"], []).append(
                    (_key(inter, group, tset, n, len(docs)), doc, group, tset))
    links = {}
    mc = engine.core(env)
    for doc_type, items in by_type.items():
        if test:  # validated, never applied
            texts = [json.dumps(doc).encode() for _k, doc, _g, _s in items]
            version = info["flows"][doc_type]["version"]
            for (_k, _d, _g, tset), (_c, _h, problems) in zip(
                    items, mc.validate_documents(doc_type, texts, version=version), strict=True):
                if problems:
                    _reject(tset, "5", *(f"{p.path}: {p.message}" for p in problems))
            continue
        results = []
        for start in range(0, len(items), BATCH):  # the hub's batch envelope holds at most 1,000 documents
            chunk = items[start:start + BATCH]
            body = json.dumps({"documents": [{"idempotency_key": k, "document": d} for k, d, _g, _s in chunk]})
            results += hub.accept_batch(env, info, doc_type, body.encode(), None)
        keys = [k for k, *_ in items]
        env.cr.execute("SELECT idempotency_key, id FROM medsync_message WHERE system_id = %s "
                       "AND idempotency_key = ANY(%s)", (info["id"], keys))
        ids = dict(env.cr.fetchall())
        for (key, _d, group, tset), res in zip(items, results, strict=True):
            if res["status"] >= 400:
                err = res.get("error", {})
                _reject(tset, "5", f"{err.get('code')}: {err.get('message')}",
                        *(f"{p.get('path')}: {p.get('message')}" for p in err.get("problems", [])))
            if key in ids:
                links.setdefault((group["control"], tset["control"]), []).append(ids[key])
    return links


def _reject(tset, code, *reasons):
    tset["ack_code"] = "R"
    if code not in tset["ack_errors"]:
        tset["ack_errors"] = [*tset["ack_errors"], code]
    tset.setdefault("refusals", []).extend(reasons)


def _units_in(env, doc):
    """X12 units of measure (SN103: EA, BX...) to the names of Odoo's units,
    as the ASN handler compares them (uom.uom's X12 code)."""
    codes = {ln["uom"] for ln in doc.get("lines", []) if ln.get("uom")}
    if not codes:
        return doc
    names = {u.medsync_x12_code: u.name for u in env["uom.uom"].sudo().search(  # sudo: units are reference data
        [("medsync_x12_code", "in", list(codes))])}
    return {**doc, "lines": [{**ln, "uom": names.get(ln["uom"], ln["uom"])} if ln.get("uom") else ln
                             for ln in doc["lines"]]}


def _acknowledge(system, inter):
    """The 997 or 999 of every group received (and the TA1 when the partner
    asks or the profile says so), with our envelope and control numbers; the
    acknowledgement of an acknowledgement is never sent."""
    groups = [g for g in inter["groups"] if g["functional_id"] != "FA"]
    # a TA1 when the partner asks or the profile says so, and always when the envelope is not accepted as sent
    ta1 = bool(system.x12_ta1 or inter["ack_requested"] or inter["ta1"]["code"] != "A")
    if not groups and not ta1:
        return None
    inter = {**inter, "groups": groups}
    env_ = envelope(system, next_controls(system, max(len(groups), 1)))
    return engine.call(system.env, "x12_acknowledge", inter, env_, kind=system.x12_ack_kind, ta1=ta1)


def _settle_acks(env, system, inter):
    """The partner's 997/999 for the 850s we sent: accepted, or rejected (an
    exception for the integration admins, with the codes)."""
    acks = [d for g in inter["groups"] for s in g["sets"] if s["doc_type"] == "functional_ack"
            for d in s["documents"]]
    if not acks:
        return
    Inter = guard.privileged(env["medsync.x12.interchange"].sudo())  # sudo: see _receive_interchange
    for ack in acks:
        sent = Inter.search([("system_id", "=", system.id), ("direction", "=", "outbound"),
                             ("group_controls", "=", str(int(ack["group_control"])) if ack["group_control"].isdigit()
                              else ack["group_control"])], limit=1, order="id desc")
        if not sent:
            continue
        ok = ack["code"] in ("A", "E")
        detail = "; ".join(f"{s['set_id']} {s['control']}: {s['code']} {' '.join(s['errors'])}".strip()
                           for s in ack["sets"])
        sent.write({"ack_state": "accepted" if ok else "rejected", "ack_code": ack["code"], "ack_detail": detail})
        exc = env["medsync.exception"].sudo()  # sudo: the hub raises for the integration team
        exc.search([("key", "=", f"x12-noack-{sent.id}"), ("state", "in", ("open", "in_progress"))])._auto_resolve(
            env._("The partner's acknowledgement arrived: %s.", ack["code"]))
        if not ok:
            exc._raise_many([{
                "reason_code": "X12_REJECTED", "key": f"x12-rejected-{sent.id}", "company_id": system.company_id.id,
                "name": env._("%(system)s rejected interchange %(ctl)s", system=system.name, ctl=sent.control),
                "description": detail, "res_model": sent._name, "res_id": sent.id}])


def _flag(env, system, rec, seen, gap):
    vals = []
    if seen:
        vals.append({"reason_code": "X12_CONTROL", "key": f"x12-dup-{system.id}-{rec.control}",
                     "name": env._("%(system)s sent interchange %(ctl)s again", system=system.name, ctl=rec.control),
                     "description": env._("A control number already received: its sets were processed once "
                                          "(the repeat changed nothing); check the partner's numbering.")})
    if gap:
        vals.append({"reason_code": "X12_CONTROL", "key": f"x12-gap-{system.id}-{rec.control}",
                     "name": env._("%(system)s: interchanges missing before %(ctl)s", system=system.name,
                                   ctl=rec.control),
                     "description": env._("The last control number received was lower by more than one: an "
                                          "interchange may have been lost on the way; ask the partner or the VAN.")})
    if vals:
        env["medsync.exception"].sudo()._raise_many([  # sudo: the hub raises for the integration team
            {**v, "company_id": system.company_id.id, "res_model": rec._name, "res_id": rec.id} for v in vals])


def _attach(rec, name, data):
    # sudo: the raw interchange is kept with its record, which only integration admins read
    return rec.env["ir.attachment"].sudo().create({
        "name": name, "raw": data, "mimetype": "application/edi-x12", "res_model": rec._name, "res_id": rec.id})


# ---------------------------------------------------------------------------- outbound

def purchase_order_x12(system, po, doc):
    """The 850 of an order for this partner, and the interchange record
    that waits for its 997. Returns the X12 text."""
    # imported here: hub and its handlers import this module
    from .hub_handlers import numbered_lines

    env = system.env
    by_no = numbered_lines(po)
    lines = [{**ln, "uom": by_no[ln["line_no"]].product_uom.medsync_x12_code or "EA"} for ln in doc["lines"]]
    doc = {**doc, "lines": lines, "ship_to_id": system.x12_ship_to_id or "",
           "ship_to_qualifier": system.x12_ship_to_qualifier or ""}
    controls = next_controls(system)
    text = engine.call(env, "x12_generate", "850", doc, envelope(system, controls)).decode()
    Inter = guard.privileged(env["medsync.x12.interchange"].sudo())  # sudo: the hub records what it sends
    rec = Inter.create({
        "system_id": system.id, "direction": "outbound", "source": po.name, "control": f"{controls[0]:09d}",
        "sender": f"{system.x12_our_qualifier}:{system.x12_our_id}",
        "receiver": f"{system.x12_partner_qualifier}:{system.x12_partner_id}", "date": fields.Date.today(),
        "usage": system.x12_usage, "version": system.x12_version, "group_controls": str(controls[1]),
        "set_count": 1, "state": "sent", "ack_state": "waiting",
        "ack_due": fields.Datetime.now() + timedelta(hours=max(system.x12_ack_hours, 1))})
    rec.raw_attachment_id = _attach(rec, f"x12-850-{po.name}.x12", text.encode())
    return text, rec


def _queue_outbound(system, doc_type, text, key, rec):
    """An acknowledgement to deliver: through the outbox when the partner has
    a directory or a webhook (the HTTP answer carries it anyway)."""
    if not (system.x12_outbox or system.webhook_url):
        return None
    msgs = guard.privileged(system.env["medsync.message"].sudo())  # sudo: the hub writes its outbox
    now = fields.Datetime.now()
    vals, big = msgs._payload_values(text)
    msg = msgs.create({**vals, "direction": "outbound", "system_id": system.id, "company_id": system.company_id.id,
                       "doc_type": doc_type, "idempotency_key": key, "external_ref": rec.control,
                       "payload_hash": "", "state": "queued", "next_attempt": now, "source_model": rec._name,
                       "source_id": rec.id, "x12_interchange_id": rec.id, "key_expires": now + timedelta(days=30)})
    if big:
        msg._attach_payload(big)
    msg._enqueue()
    return msg


def deliver(msg):
    """Outbox delivery of X12 text: a file in the partner's outbound
    directory (written whole, then renamed), else the webhook."""
    system = msg.system_id.sudo()  # sudo: the profile is the integration admins'
    if system.x12_outbox:
        path = directory(msg.env, system.x12_outbox)
        if path is None:
            raise HubError("X12_DIRECTORY", "The outbound directory is not below the X12 root.")
        os.makedirs(path, exist_ok=True)
        name = f"{msg.doc_type}-{msg.external_ref or msg.id}-{msg.id}.x12"
        tmp = os.path.join(path, f".{name}.part")
        with open(tmp, "wb") as fh:
            fh.write(msg._payload_text().encode())
        os.replace(tmp, os.path.join(path, name))
        return
    # imported here: hub and its handlers import this module
    from .hub_handlers import _post_webhook

    _post_webhook(msg, msg.doc_type, content_type="application/edi-x12")


# ---------------------------------------------------------------------------- directory and schedules

def sweep_directory(system):
    """Read the partner's inbound directory: each file received as if POSTed
    (in its own savepoint), then moved to ``processed/`` (or ``failed/``
    when nothing could be read from it, with the reason beside it)."""
    # imported here: hub and its handlers import this module
    from . import hub

    env = system.env
    path = directory(env, system.x12_inbox)
    if not system.x12_enabled or path is None or not os.path.isdir(path):
        return 0
    info = hub._system_info(env, system.code)
    if info is None:
        return 0
    names = sorted(n for n in os.listdir(path) if not n.startswith(".")
                   and os.path.isfile(os.path.join(path, n)))[:MAX_FILES]
    done = 0
    for name in names:
        src = os.path.join(path, name)
        with open(src, "rb") as fh:
            data = fh.read()
        try:
            with env.cr.savepoint():
                receive(env, info, data, source=f"file:{name}")
            target = "processed"
        except HubError as exc:
            target = "failed"
            with open(os.path.join(path, f".{name}.why"), "w", encoding="utf-8") as fh:
                fh.write(f"{exc.code}: {exc.message}\n")
        os.makedirs(os.path.join(path, target), exist_ok=True)
        os.replace(src, os.path.join(path, target, name))
        done += 1
    return done


def cron(env):
    """Every few minutes: the partners' directories, then the 850s whose
    997 is overdue (an exception for the integration admins)."""
    systems = env["medsync.system"].sudo().search([("x12_enabled", "=", True), ("x12_inbox", "!=", False)])
    for system in systems:  # sudo above: the scheduler reads every partner's directory
        sweep_directory(system)
    late = env["medsync.x12.interchange"].sudo().search([  # sudo: the scheduler checks every partner
        ("direction", "=", "outbound"), ("ack_state", "=", "waiting"), ("ack_due", "<", fields.Datetime.now())])
    if late:
        guard.privileged(late).write({"ack_state": "overdue"})
        env["medsync.exception"].sudo()._raise_many([{
            "reason_code": "X12_NO_ACK", "key": f"x12-noack-{rec.id}", "company_id": rec.company_id.id,
            "name": env._("%(system)s has not acknowledged %(what)s", system=rec.system_id.name, what=rec.source),
            "description": env._("Interchange %(ctl)s sent, acknowledgement due by %(due)s (UTC); none yet. Check "
                                 "the partner's connection or the VAN.", ctl=rec.control, due=rec.ack_due),
            "res_model": rec._name, "res_id": rec.id} for rec in late])
    return len(late)


def raw_text(attachment):
    """An interchange's text, for the integration admins' view."""
    return base64.b64decode(attachment.sudo().datas or b"").decode(errors="replace")  # sudo: see _attach
