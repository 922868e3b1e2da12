"""Billing to the ledger: the billing platform's batches, received through the
hub (API or CSV file), validated whole by the Rust engine
(``medsync_core.billing``) against finance's mapping rules, posted on their
flow's window as one summarised journal entry each by a technical user whose
rights stop at the mapped journals, reversed by a reversal batch, paid status
sent back, and each business day reconciled against the platform's own totals.

No patient data: the document schema has no name, record number, birth date
or address; the payer and encounter references are replaced by keyed hashes
(HMAC-SHA256 with the company's key) before the document is stored, so that
neither the message store nor a database dump holds them in clear.

Nothing here commits; every write is in the caller's transaction (the hub's
job, the window's cron, a GL accountant's button)."""

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as dtime

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import bulk, chatter, engine, guard
from .hub_base import HubError

_logger = logging.getLogger(__name__)

LOCK_POLICIES = [("redirect", "Post on the first open date (Odoo's rule)"), ("refuse", "Refuse the batch")]
WINDOWS = [("immediate", "As soon as validated"), ("hourly", "Hourly"), ("nightly", "Nightly"),
           ("manual", "When finance posts")]
SCRUBBED = ("billing_batch", "consumption")
# references that could point at a patient: a billing line's payer and encounter, a cabinet event's charge
REFERENCE_FIELDS = ("payer_ref", "encounter_ref", "charge_ref")
HASH_PREFIX = "h:"
HASHED_RE = re.compile(r"h:[0-9a-f]{40}")
POSTER = "medsync.user_billing_poster"
DEPARTMENTS_PLAN = "medsync.analytic_plan_departments"
PAYERS_PLAN = "medsync.analytic_plan_payer_classes"


# ---------------------------------------------------------------------------- keyed hashes

def company_key(env, company_id):
    """The company's hashing key, made on first use. Kept in the company's
    settings (readable by system administrators only), never in a message."""
    # as the superuser: the key field is restricted to administrators; the hub and finance hash with it, never
    # show it; its making is audited as the system's
    company = env(user=SUPERUSER_ID)["res.company"].browse(company_id)
    if not company.medsync_billing_key:
        company.medsync_billing_key = secrets.token_hex(32)
    return company.medsync_billing_key.encode()


def keyed_hash(key, value):
    """``h:`` and 40 hex digits of HMAC-SHA256; a value already of that form
    (hashed before: a replay, a file hashed when it was uploaded) is kept,
    anything else is hashed, whatever it starts with."""
    if not value or HASHED_RE.fullmatch(value):
        return value
    return HASH_PREFIX + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:40]


def _scrub_doc(key, doc):
    for line in (doc.get("lines") or []) + (doc.get("events") or []):
        if isinstance(line, dict):
            for name in REFERENCE_FIELDS:
                if isinstance(line.get(name), str):
                    line[name] = keyed_hash(key, line[name])
    return doc


def scrub(env, company_id, canonical):
    """A valid document's canonical text with its references hashed, and its
    new digest (the idempotency check compares the hashed forms: the hash is
    deterministic, so the same document still has the same digest)."""
    doc = _scrub_doc(company_key(env, company_id), json.loads(canonical))
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------- receiving

def _privileged(env, model):
    # sudo: batches are written by the hub and the posting window only, never by the platform's user,
    # which has no right on them; privileged: their fields are guarded
    return guard.privileged(env[model].sudo())


def receive(env, msg, doc, origin="api"):
    """The hub's handler for ``billing_batch``: keep the batch (a batch id
    already received is never taken twice; a rejected one is replaced),
    validate it on the document's own lines, then store the lines once with
    their mapping; on an immediate flow, post it."""
    company = msg.company_id
    Batch = _privileged(env, "medsync.billing.batch")
    source, ref = doc["source"], doc["batch_id"]
    existing = Batch.search([("company_id", "=", company.id), ("source", "=", source), ("batch_ref", "=", ref)])
    if existing and existing.state != "rejected":
        raise HubError("DUPLICATE_BATCH", f"Batch {source}/{ref} was received already ({existing.state}); a batch "
                                          "id is posted once. Send a correction batch to change it.")
    currency = env["res.currency"].sudo().search([("name", "=", doc["currency"])], limit=1)
    if not currency:
        raise HubError("UNKNOWN_CURRENCY", f"Currency {doc['currency']} is not known in Odoo.")
    header = {"batch_ref": ref, "source": source, "system_id": msg.system_id.id, "flow_id": msg.flow_id.id,
              "company_id": company.id, "message_id": msg.id, "business_date": doc["business_date"],
              "currency_id": currency.id, "kind": doc.get("kind", "original"),
              "original_ref": doc.get("original") or False, "record_count": doc["record_count"],
              "total_debit": float(doc["total_debit"]), "total_credit": float(doc["total_credit"]),
              "origin": origin, "state": "received", "problem_ids": [(5, 0, 0)], "total_ids": [(5, 0, 0)]}
    if existing:
        existing.line_ids.unlink()
        existing.write(header)
        batch = existing
        batch.message_post(body=env._("Received again from %s: replaces the rejected batch.", msg.system_id.name))
    else:
        batch = Batch.create(header)
    Total = _privileged(env, "medsync.billing.total")
    Total.create([{"batch_id": batch.id, "kind": t["kind"], "key": t["key"], "declared": True,
                   "declared_debit": float(t["debit"]), "declared_credit": float(t["credit"])}
                  for t in doc.get("totals") or []])
    lines = doc.get("lines") or []
    run = _run_engine(env, batch, doc_lines=lines)
    _insert_lines(env, batch, lines, run)
    _apply(batch, run)
    if batch.state == "scheduled" and msg.flow_id.billing_window == "immediate":
        post(batch)
    return [(batch, "created")]


def _insert_lines(env, batch, lines, run):
    """The lines as the platform sent them, with what the engine mapped them
    to, in one COPY (written once: a line is never rewritten unless its
    mapping changes before it is posted)."""
    if not lines:
        return
    env.flush_all()
    now = fields.Datetime.now()
    n = len(lines)
    mapped = run.line_values()
    bulk.insert(env.cr, "medsync_billing_line",
                [("sequence", "int"), ("line_ref", "varchar"), ("code", "varchar"), ("department", "varchar"),
                 ("payer_class", "varchar"), ("facility", "varchar"), ("amount", "numeric"), ("side", "varchar"),
                 ("balance", "numeric"), ("service_date", "date"), ("payer_ref", "varchar"),
                 ("encounter_ref", "varchar"), *((c, "int") for c in LINE_MAPPING)],
                {"sequence": list(range(n)), "line_ref": [ln["line_id"] for ln in lines],
                 "code": [ln["code"] for ln in lines], "department": [ln.get("department") for ln in lines],
                 "payer_class": [ln.get("payer_class") for ln in lines],
                 "facility": [ln.get("facility") for ln in lines], "amount": [ln["amount"] for ln in lines],
                 "side": [ln["side"] for ln in lines],
                 "balance": [ln["amount"] if ln["side"] == "debit" else "-" + ln["amount"] for ln in lines],
                 "service_date": [ln["service_date"] for ln in lines],
                 "payer_ref": [ln.get("payer_ref") for ln in lines],
                 "encounter_ref": [ln.get("encounter_ref") for ln in lines], **mapped},
                constants=[("batch_id", batch.id), ("business_date", fields.Date.to_string(batch.business_date)),
                           *bulk.log_access(env, now)])
    env["medsync.billing.line"].invalidate_model()
    batch.invalidate_recordset(["line_ids"])


# ---------------------------------------------------------------------------- the engine

# what the engine says of a line, stored with it (0 = none, NULL in the table)
LINE_MAPPING = ("rule_id", "account_id", "analytic_department_id", "analytic_payer_id", "group_no")


def _date(d):
    return fields.Date.to_string(d) if d else ""


def _plan_table(env, xmlid, companies):
    plan = env.ref(xmlid, raise_if_not_found=False)
    if not plan:
        return {"code": [], "analytic": [], "company": []}
    # sudo: the analytic accounts of MedSync's two plans are the mapping's dimensions, read for the engine
    accounts = env["account.analytic.account"].sudo().search(
        [("plan_id", "=", plan.id), ("code", "!=", False),
         "|", ("company_id", "=", False), ("company_id", "in", companies.ids)])
    return {"code": accounts.mapped("code"), "analytic": accounts.ids,
            "company": [a.company_id.id or 0 for a in accounts]}


class EngineRun:
    """One engine call on a set of batches and what it says per line: the
    mapping to store (rule, account, analytics, the line's entry line within
    its batch) and, for lines read from the table, whether it moved."""

    def __init__(self, batches, out, rules, line_ids, line_batches, stored):
        self.batches, self.out, self.rules = batches, out, rules
        self.line_ids, self.line_batches, self.stored = line_ids, line_batches, stored
        groups = out["groups"]["batch"]
        # the first entry line of each batch: a line's group within its batch is its number on the entry
        self.first_group = {}
        for g, b in enumerate(groups):
            self.first_group.setdefault(b, g)

    def line_values(self):
        lo, rule_ids = self.out["lines"], self.rules.ids
        return {"rule_id": [rule_ids[r] if r >= 0 else None for r in lo["rule"]],
                "account_id": [a or None for a in lo["account"]],
                "analytic_department_id": [a or None for a in lo["department_analytic"]],
                "analytic_payer_id": [a or None for a in lo["payer_analytic"]],
                "group_no": [g - self.first_group[b] if g >= 0 else None
                             for g, b in zip(lo["group"], self.line_batches, strict=True)]}

    def moved(self):
        """The stored lines whose mapping the engine now gives otherwise:
        (ids, {column: values}) to rewrite."""
        values = self.line_values()
        rows = [i for i in range(len(self.line_ids))
                if tuple(values[c][i] for c in LINE_MAPPING) != self.stored[i]]
        return [self.line_ids[i] for i in rows], {c: [values[c][i] for i in rows] for c in LINE_MAPPING}


def _run_engine(env, batches, doc_lines=None):
    """One engine call for these batches: their lines from the table, or
    (``doc_lines``, one batch being received) from the document."""
    env.flush_all()
    companies = batches.company_id
    ids = batches.ids
    index = {b: i for i, b in enumerate(ids)}
    if doc_lines is not None:
        rows = [(None, ids[0], ln["line_id"], ln["code"], ln.get("department", ""), ln.get("payer_class", ""),
                 ln.get("facility", ""), ln["amount"], ln["side"], ln["service_date"], ln.get("payer_ref", ""),
                 None, None, None, None, None) for ln in doc_lines]
    else:
        rows = env.execute_query(SQL(
            """SELECT id, batch_id, line_ref, code, COALESCE(department, ''), COALESCE(payer_class, ''),
                      COALESCE(facility, ''), amount::text, side, service_date::text, COALESCE(payer_ref, ''),
                      rule_id, account_id, analytic_department_id, analytic_payer_id, group_no
                 FROM medsync_billing_line WHERE batch_id = ANY(%s) ORDER BY batch_id, sequence""", ids))
    lines = {"batch": [index[r[1]] for r in rows], "line_id": [r[2] for r in rows], "code": [r[3] for r in rows],
             "department": [r[4] for r in rows], "payer_class": [r[5] for r in rows],
             "facility": [r[6] for r in rows], "amount": [r[7] for r in rows], "side": [r[8] for r in rows],
             "service_date": [r[9] for r in rows], "payer_ref": [r[10] for r in rows]}
    totals = {"batch": [], "kind": [], "key": [], "debit": [], "credit": []}
    for t in env["medsync.billing.total"].sudo().search([("batch_id", "in", ids), ("declared", "=", True)],
                                                        order="batch_id, id"):
        totals["batch"].append(index[t.batch_id.id])
        totals["kind"].append(t.kind)
        totals["key"].append(t.key)
        totals["debit"].append(str(t.declared_debit))
        totals["credit"].append(str(t.declared_credit))
    # sudo: the engine reads the mapping of the batches' companies, whoever triggers the validation
    rules = env["medsync.billing.rule"].sudo().search([("company_id", "in", companies.ids),
                                                       ("source", "in", list(set(batches.mapped("source"))))],
                                                      order="id")
    refs = list((set(batches.mapped("original_ref")) | set(batches.mapped("batch_ref"))) - {False})
    known_rows = env.execute_query(SQL(
        """SELECT source, batch_ref, state FROM medsync_billing_batch
            WHERE company_id = ANY(%s) AND batch_ref = ANY(%s) AND id != ALL(%s)""", companies.ids, refs, ids))
    facilities = env["res.company"].sudo().search([("medsync_facility_code", "!=", False),
                                                   "|", ("id", "in", companies.ids),
                                                   ("parent_id", "in", companies.ids)])
    batch_cols = {"batch_id": [], "source": [], "business_date": [], "currency": [], "decimals": [], "kind": [],
                  "original": [], "record_count": [], "total_debit": [], "total_credit": [], "lock_date": [],
                  "lock_policy": [], "company": []}
    for b in batches:
        # the rules' journals are of type general: the fiscal year and hard lock dates apply
        lock = b.company_id._get_user_fiscal_lock_date(env["account.journal"], ignore_exceptions=True)
        for k, v in (("batch_id", b.batch_ref), ("source", b.source), ("business_date", _date(b.business_date)),
                     ("currency", b.currency_id.name), ("decimals", b.currency_id.decimal_places),
                     ("kind", b.kind), ("original", b.original_ref or ""), ("record_count", b.record_count),
                     ("total_debit", str(b.total_debit)), ("total_credit", str(b.total_credit)),
                     ("lock_date", _date(lock) if lock and lock.year > 1 else ""),
                     ("lock_policy", b.flow_id.billing_lock_policy or "refuse"), ("company", b.company_id.id)):
            batch_cols[k].append(v)
    out = engine.call(env, "billing", batch_cols, lines, rule_columns(rules), totals=totals,
                      known={"source": [r[0] for r in known_rows], "batch_id": [r[1] for r in known_rows],
                             "state": [r[2] for r in known_rows]},
                      departments=_plan_table(env, DEPARTMENTS_PLAN, companies),
                      payer_classes=_plan_table(env, PAYERS_PLAN, companies),
                      facilities={"code": facilities.mapped("medsync_facility_code"), "company": facilities.ids})
    _foreign_currency(batches, out)
    return EngineRun(batches, out, rules, [r[0] for r in rows], lines["batch"], [tuple(r[11:16]) for r in rows])


def _foreign_currency(batches, out):
    """A batch is posted in its company's currency: one in another currency
    is refused with the engine's problems (a conversion would make the
    summary's rounding differ from the platform's totals)."""
    b_out, p = out["batches"], out["problems"]
    for i, batch in enumerate(batches):
        own = batch.company_id.currency_id
        if batch.currency_id != own:
            b_out["ok"][i] = False
            b_out["problems"][i] += 1
            for col, value in (("batch", i), ("line", -1), ("path", "currency"), ("rule", "currency"),
                               ("message", f"the batch is in {batch.currency_id.name}; {batch.company_id.name} "
                                           f"posts in {own.name}: send it in {own.name}")):
                p[col].append(value)


def rule_columns(rules):
    receivable = {"asset_receivable"}
    return {"id": rules.ids, "source": rules.mapped("source"), "code": [r.code or "" for r in rules],
            "department": [r.department or "" for r in rules], "payer_class": [r.payer_class or "" for r in rules],
            "facility": [r.facility or "" for r in rules], "date_from": [_date(r.date_from) for r in rules],
            "date_to": [_date(r.date_to) for r in rules], "account": [r.account_id.id for r in rules],
            "journal": [r.journal_id.id for r in rules],
            "department_analytic": [r.analytic_department_id.id or 0 for r in rules],
            "payer_analytic": [r.analytic_payer_id.id or 0 for r in rules],
            "keep_payer": [r.account_id.account_type in receivable for r in rules],
            "sequence": [r.sequence for r in rules]}


def _rewrite_moved(env, run):
    """Lines whose mapping changed since they were stored (a rule added or
    ended in between): rewritten, the others left alone."""
    ids, values = run.moved()
    if ids:
        bulk.update(env.cr, "medsync_billing_line", [("id", "int"), *((c, "int") for c in LINE_MAPPING)],
                    {"id": ids, **values})
        env["medsync.billing.line"].invalidate_model()
    return len(ids)


# ---------------------------------------------------------------------------- validation

def next_window(flow, now=None):
    """When the flow's posting window next opens (UTC)."""
    now = now or fields.Datetime.now()
    window = flow.billing_window or "nightly"
    if window == "immediate":
        return now
    if window == "hourly":
        return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if window == "nightly":
        at = datetime.combine(now.date(), dtime(hour=flow.billing_hour % 24))
        return at if at > now else at + timedelta(days=1)
    return False


def validate(batches, by=None):
    """Validate stored batches again (after a mapping fix): the engine on
    their lines, the lines whose mapping moved rewritten, then the outcome."""
    if not batches:
        return batches
    env = batches.env
    batches = _privileged(env, "medsync.billing.batch").browse(batches.ids)
    run = _run_engine(env, batches)
    _rewrite_moved(env, run)
    _apply(batches, run, by=by)
    return batches


def _apply(batches, run, by=None, only=None):
    """Write what the engine found of these batches (``only``: the indexes
    to write): totals computed beside the declared ones, every problem, the
    state (scheduled for the flow's window, validated on a manual flow, or
    rejected with an exception for the GL team), a note in the chatter."""
    env = batches.env
    out = run.out
    b_out = out["batches"]
    todo = list(range(len(batches))) if only is None else only
    ids = [batches.ids[i] for i in todo]
    if not ids:
        return
    # totals: the computed beside the declared
    Total = _privileged(env, "medsync.billing.total")
    Total.search([("batch_id", "in", ids), ("declared", "=", False)]).unlink()
    declared = {(t.batch_id.id, t.kind, t.key): t for t in Total.search([("batch_id", "in", ids)])}
    computed, new = {}, []
    c = out["computed"]
    for i in range(len(c["batch"])):
        bid = batches.ids[c["batch"][i]]
        if bid not in ids:
            continue
        vals = {"debit": float(c["debit"][i]), "credit": float(c["credit"][i])}
        found = declared.get((bid, c["kind"][i], c["key"][i]))
        if found:
            computed[found] = vals
        else:
            new.append({"batch_id": bid, "kind": c["kind"][i], "key": c["key"][i], "declared": False, **vals})
    for t in declared.values():
        vals = computed.get(t, {"debit": 0.0, "credit": 0.0})
        if (t.debit, t.credit) != (vals["debit"], vals["credit"]):
            t.write(vals)
    Total.create(new)
    # problems
    Problem = _privileged(env, "medsync.billing.problem")
    Problem.search([("batch_id", "in", ids)]).unlink()
    p = out["problems"]
    line_ids = run.line_ids
    Problem.create([{"batch_id": batches.ids[p["batch"][i]], "sequence": i, "path": p["path"][i],
                     "rule": p["rule"][i], "message": p["message"][i],
                     "line_id": line_ids[p["line"][i]] if p["line"][i] >= 0 and line_ids[p["line"][i]] else False}
                    for i in range(len(p["batch"])) if batches.ids[p["batch"][i]] in ids])
    if None in line_ids and p["batch"]:  # lines of a batch being received: linked once they are stored
        _link_problem_lines(env, ids)
    now = fields.Datetime.now()
    changes, rejected, passed = [], [], []
    for i in todo:
        batch = batches[i]
        old = batch.state
        vals = {"line_count": b_out["lines"][i], "lines_debit": float(b_out["debit"][i]),
                "lines_credit": float(b_out["credit"][i]), "closed_period": b_out["closed"][i],
                "redirected": b_out["redirected"][i], "journal_id": b_out["journal"][i] or False,
                "lock_policy": batch.flow_id.billing_lock_policy or "refuse", "validated_at": now}
        if batch.kind != "original" and batch.original_ref:
            vals["original_id"] = batch.search([("company_id", "=", batch.company_id.id),
                                                ("source", "=", batch.source),
                                                ("batch_ref", "=", batch.original_ref)], limit=1).id or False
        if b_out["ok"][i]:
            when = next_window(batch.flow_id, now) if batch.flow_id else False
            vals.update(state="scheduled" if when else "validated", scheduled_at=when)
            passed.append(batch)
        else:
            vals.update(state="rejected", scheduled_at=False)
            rejected.append((batch, b_out["problems"][i]))
        batch.with_context(tracking_disable=True).write(vals)
        who = env._(" by %s", by.name) if by else ""
        note = env._("Validated%(who)s: %(n)s line(s), debit %(d)s, credit %(c)s.", who=who, n=vals["line_count"],
                     d=b_out["debit"][i], c=b_out["credit"][i]) if b_out["ok"][i] else \
            env._("Rejected%(who)s: %(n)s problem(s); nothing is posted. See the Problems tab.", who=who,
                  n=b_out["problems"][i])
        changes.append((batch.id, {"state": (old, vals["state"])} if old != vals["state"] else {}, note))
    _log(env, changes)
    _exceptions(env, rejected, passed)


def _link_problem_lines(env, batch_ids):
    """A problem found while its batch was received names its line by the
    path lines[i]: linked to the stored line."""
    env.flush_all()
    env.cr.execute(SQL(
        r"""UPDATE medsync_billing_problem p SET line_id = l.id
             FROM medsync_billing_line l
            WHERE p.batch_id = ANY(%s) AND p.line_id IS NULL AND p.path ~ '^lines\[[0-9]+\]'
              AND l.batch_id = p.batch_id
              AND l.sequence = substring(p.path from '^lines\[([0-9]+)\]')::int""", batch_ids))
    env["medsync.billing.problem"].invalidate_model()


def _log(env, changes):
    """The batches' notes: in bulk with their state change; a batch whose
    state stays (validated again, still rejected) gets its note alone."""
    chatter.log_changes(env, "medsync.billing.batch", [c for c in changes if c[1]])
    for rid, _vals, body in (c for c in changes if not c[1]):
        env["medsync.billing.batch"].sudo().browse(rid).message_post(body=body)  # sudo: the validation's own note


def _exceptions(env, rejected, passed):
    Exc = env["medsync.exception"].sudo()  # sudo: the engine raises for the GL team
    if rejected:
        vals = []
        for batch, count in rejected:
            first = batch.problem_ids[:5]
            vals.append({
                "reason_code": "BILLING_REJECTED", "key": f"billing-rejected-{batch.id}",
                "company_id": batch.company_id.id,
                "name": env._("Billing batch %(b)s rejected (%(n)s problem(s))", b=batch.name, n=count),
                "description": "\n".join(f"{p.path}: {p.message} [{p.rule}]" for p in first),
                "res_model": "medsync.billing.batch", "res_id": batch.id,
                "amount": max(batch.lines_debit, batch.lines_credit)})
        Exc._raise_many(vals)
    if passed:
        keys = [f"billing-rejected-{b.id}" for b in passed]
        Exc.search([("key", "in", keys), ("state", "in", ("open", "in_progress"))])._auto_resolve(
            env._("The batch now validates."))


# ---------------------------------------------------------------------------- posting

def poster(env):
    """The technical user that posts: invoicing rights, and record rules that
    stop at the journals finance maps (``group_medsync_billing_poster``)."""
    return env.ref(POSTER)


def post_due(env, limit=200):
    """The posting window: every scheduled batch whose window has come."""
    Batch = env["medsync.billing.batch"].sudo()  # sudo: the scheduler posts for every company
    due = Batch.search([("state", "=", "scheduled"), ("scheduled_at", "<=", fields.Datetime.now())],
                       order="scheduled_at, id", limit=limit)
    if due:
        post(due)
    return len(due)


# the entries are the poster's: no creation note nor tracking on thousands of items (the batch's chatter says it)
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


def post(batches, by=None):
    """Post these batches: the engine once more on their stored lines (the
    mapping may have changed since they were validated; a batch that no
    longer passes is rejected, not posted), then one journal entry each,
    created and posted in one call by the technical user; reversals through
    Odoo's reversal."""
    env = batches.env
    batches = _privileged(env, "medsync.billing.batch").browse(batches.ids).filtered(
        lambda b: b.state in ("scheduled", "validated"))
    if not batches:
        return batches
    run = _run_engine(env, batches)
    _rewrite_moved(env, run)
    b_out = run.out["batches"]
    failing = [i for i in range(len(batches)) if not b_out["ok"][i]]
    _apply(batches, run, by=by, only=failing)
    ready = batches.browse([batches.ids[i] for i in range(len(batches)) if b_out["ok"][i]])
    user = poster(env)
    Move = guard.privileged(env["account.move"].with_user(user).with_context(**QUIET))
    reversals = ready.filtered(lambda b: b.kind == "reversal")
    originals = ready - reversals
    changes = []
    groups = run.out["groups"]
    per_batch = defaultdict(list)
    for g in range(len(groups["batch"])):
        per_batch[groups["batch"][g]].append(g)
    position = {bid: i for i, bid in enumerate(batches.ids)}
    vals_list = []
    for batch in originals:
        i = position[batch.id]
        items = []
        for g in per_batch[i]:
            debit, credit = float(groups["debit"][g]), float(groups["credit"][g])
            if batch.currency_id.is_zero(debit - credit):
                continue
            analytic = [a for a in (groups["department_analytic"][g], groups["payer_analytic"][g]) if a]
            items.append((0, 0, {
                "account_id": groups["account"][g], "debit": debit, "credit": credit,
                "name": env._("%(b)s: %(n)s line(s)", b=batch.name, n=groups["lines"][g]),
                "analytic_distribution": {",".join(map(str, analytic)): 100} if analytic else False,
                "medsync_payer_ref": groups["payer_ref"][g] or False,
                "medsync_billing_group": g - run.first_group[i]}))
        vals_list.append({
            "move_type": "entry", "journal_id": b_out["journal"][i], "date": _posting_date(env, batch),
            "company_id": b_out["company"][i], "ref": batch.name, "line_ids": items,
            "medsync_billing_batch_id": batch.id, "medsync_business_date": batch.business_date})
    if vals_list:
        moves = Move.create(vals_list)
        moves.action_post()
        now = fields.Datetime.now()
        for batch, move in zip(originals, moves, strict=True):
            old = batch.state
            batch.with_context(tracking_disable=True).write({"state": "posted", "move_id": move.id,
                                                             "posting_date": move.date, "posted_at": now,
                                                             "scheduled_at": False})
            redirected = env._(" (business date %s is in a locked period)", batch.business_date) \
                if move.date != batch.business_date else ""
            changes.append((batch.id, {"state": (old, "posted")},
                            env._("Posted as %(m)s on %(d)s%(r)s by %(u)s.", m=move.name, d=move.date,
                                  r=redirected, u=user.name)))
    for batch in reversals:
        original = batch.original_id
        date = _posting_date(env, batch)
        rev = original.move_id.with_user(user).with_context(**QUIET)._reverse_moves(
            default_values_list=[{"date": date, "ref": env._("Reversal of %(o)s by %(b)s", o=original.name,
                                                             b=batch.name)}], cancel=False)
        guard.privileged(rev.sudo()).write({"medsync_billing_batch_id": batch.id,  # sudo: guarded link
                                            "medsync_business_date": batch.business_date})
        rev.action_post()
        now = fields.Datetime.now()
        old = batch.state
        batch.with_context(tracking_disable=True).write({"state": "posted", "move_id": rev.id,
                                                         "posting_date": rev.date, "posted_at": now,
                                                         "scheduled_at": False})
        original.with_context(tracking_disable=True).write({"state": "reversed", "reversal_move_id": rev.id})
        changes.append((batch.id, {"state": (old, "posted")},
                        env._("Posted %(r)s, the exact reversal of %(m)s.", r=rev.name, m=original.move_id.name)))
        changes.append((original.id, {"state": ("posted", "reversed")},
                        env._("Reversed by batch %(b)s (%(r)s).", b=batch.name, r=rev.name)))
    _log(env, changes)
    return ready


def _posting_date(env, batch):
    """The business date, or (closed period, redirect policy) the date Odoo's
    own ``_get_accounting_date`` gives an entry of that date."""
    if not batch.closed_period:
        return batch.business_date
    probe = env["account.move"].with_company(batch.company_id).new(
        {"move_type": "entry", "journal_id": batch.journal_id.id, "date": batch.business_date})
    return probe._get_accounting_date(batch.business_date, False)


# ---------------------------------------------------------------------------- payment status back

def payment_events(partials, event):
    """Outbox: for each reconciliation made or undone on receivable items of
    billing entries, one message to the batch's platform (if it has an
    outbound payment flow)."""
    env = partials.env
    items = (partials.debit_move_id | partials.credit_move_id).filtered("medsync_payer_ref")
    items = items.filtered(lambda aml: aml.move_id.medsync_billing_batch_id)
    if not items:
        return env["medsync.message"]
    # sudo: whoever reconciles, the outbox and the batches are the hub's
    batches = items.move_id.medsync_billing_batch_id.sudo()
    flows = {f.system_id.id: f for f in env["medsync.flow"].sudo().search([
        ("system_id", "in", batches.system_id.ids), ("doc_type", "=", "billing_payment"), ("active", "=", True)])}
    env.flush_all()
    # the platform's line ids of each entry line, for all the batches at once
    refs = {(b, g): r for b, g, r in env.execute_query(SQL(
        """SELECT batch_id, group_no, array_agg(line_ref ORDER BY line_ref) FROM medsync_billing_line
            WHERE batch_id = ANY(%s) AND group_no IS NOT NULL GROUP BY 1, 2""", batches.ids))}
    Msg = guard.privileged(env["medsync.message"].sudo())
    now = fields.Datetime.now()
    vals_list, bigs = [], []
    for partial in partials:
        for aml in (partial.debit_move_id | partial.credit_move_id) & items:
            batch = aml.move_id.medsync_billing_batch_id.sudo()
            flow = flows.get(batch.system_id.id)
            if not flow:
                continue
            doc = {"event": event, "source": batch.source, "batch_id": batch.batch_ref,
                   "payer_ref": aml.medsync_payer_ref,
                   "line_ids": refs.get((batch.id, aml.medsync_billing_group), []),
                   "amount": str(partial.amount), "currency": aml.company_currency_id.name,
                   "residual": str(abs(aml.amount_residual)), "date": fields.Date.to_string(partial.max_date)}
            text = json.dumps(doc, separators=(",", ":"), sort_keys=True)
            vals, big = Msg._payload_values(text)
            vals_list.append({**vals, "direction": "outbound", "system_id": flow.system_id.id, "flow_id": flow.id,
                              "company_id": batch.company_id.id, "doc_type": "billing_payment",
                              "idempotency_key": f"billing-pay-{partial.id}-{aml.id}-{event}",
                              "external_ref": batch.name, "payload_hash": hashlib.sha256(text.encode()).hexdigest(),
                              "state": "queued", "next_attempt": now, "source_model": "account.move",
                              "source_id": aml.move_id.id,
                              "key_expires": now + timedelta(days=max(flow.retention_days, 1))})
            bigs.append(big)
    created = Msg.create(vals_list)
    for msg, big in zip(created, bigs, strict=True):
        if big:
            msg._attach_payload(big)
    created._enqueue()
    return created


# ---------------------------------------------------------------------------- daily reconciliation

def receive_totals(env, msg, doc):
    """The hub's handler for ``billing_daily_totals``: keep the platform's
    totals of that day and reconcile it at once."""
    Day = _privileged(env, "medsync.billing.day")
    company = msg.company_id
    currency = env["res.currency"].sudo().search([("name", "=", doc["currency"])], limit=1)
    day = Day.search([("company_id", "=", company.id), ("source", "=", doc["source"]),
                      ("business_date", "=", doc["business_date"])])
    vals = {"company_id": company.id, "system_id": msg.system_id.id, "message_id": msg.id, "source": doc["source"],
            "business_date": doc["business_date"], "currency_id": currency.id or company.currency_id.id,
            "line_ids": [(5, 0, 0)] + [(0, 0, {
                "department": r.get("department") or False, "account_code": r["account"],
                "platform_debit": float(r["debit"]), "platform_credit": float(r["credit"]),
                "currency_id": currency.id or company.currency_id.id}) for r in doc["rows"]]}
    if day:
        day.write(vals)
    else:
        day = Day.create(vals)
    reconcile_days(day)
    return [(day, "updated")]


def _ledger(env, day, accounts, departments):
    """What the ledger holds for the day: posted items on these accounts
    dated (business date of a billing entry, else accounting date) that day,
    from this source's batches or entered by hand, split by their
    department's share of the analytic distribution. {(dept id or 0,
    account id): balance}."""
    rows = env.execute_query(SQL(
        """SELECT aml.account_id, dist.key, dist.value::numeric, aml.balance
             FROM account_move_line aml
             JOIN account_move m ON m.id = aml.move_id
             LEFT JOIN medsync_billing_batch b ON b.id = m.medsync_billing_batch_id
             LEFT JOIN LATERAL jsonb_each_text(COALESCE(aml.analytic_distribution, '{"": 100}'::jsonb))
                  AS dist(key, value) ON TRUE
            WHERE aml.parent_state = 'posted' AND aml.company_id = %s AND aml.account_id = ANY(%s)
              AND COALESCE(m.medsync_business_date, aml.date) = %s
              AND (m.medsync_billing_batch_id IS NULL OR b.source = %s)""",
        day.company_id.id, accounts, day.business_date, day.source))
    dept_ids = set(departments)
    out = defaultdict(float)
    for account, key, pct, balance in rows:
        ids = {int(x) for x in (key or "").split(",") if x.strip().isdigit()}
        dept = next(iter(ids & dept_ids), 0)
        out[(dept, account)] += float(balance) * float(pct) / 100.0
    return out


def reconcile_days(days):
    """Compare each day's platform totals with the ledger, per department and
    account; red days raise (or refresh) a drift exception with the
    differences and the batches of the day, green days resolve it."""
    env = days.env
    days = _privileged(env, "medsync.billing.day").browse(days.ids)
    env.flush_all()
    Exc = env["medsync.exception"].sudo()  # sudo: the reconciliation raises for the GL team
    plan = env.ref(DEPARTMENTS_PLAN, raise_if_not_found=False)
    changes, raise_vals, resolved = [], [], []
    for day in days:
        company = day.company_id
        cur = day.currency_id or company.currency_id
        codes = set(day.line_ids.mapped("account_code"))
        # sudo: the accounts named by the platform's totals, read to compare
        accounts = env["account.account"].sudo().with_company(company).search([("code", "in", list(codes)),
                                                                               ("company_ids", "in", company.id)])
        by_code = {a.code: a for a in accounts}
        depts = env["account.analytic.account"].sudo().search(
            [("plan_id", "=", plan.id if plan else 0), "|", ("company_id", "=", False),
             ("company_id", "=", company.id)])
        dept_by_id = {d.id: d.code for d in depts}
        dept_by_code = {code: d for d, code in dept_by_id.items()}
        ledger = _ledger(env, day, accounts.ids, dept_by_id)
        lines, seen = [], set()
        for line in day.line_ids:
            account = by_code.get(line.account_code)
            dept = dept_by_code.get(line.department or None, 0)
            bal = ledger.get((dept, account.id), 0.0) if account else 0.0
            seen.add((dept, account.id if account else 0))
            platform = line.platform_debit - line.platform_credit
            diff = cur.round(platform - bal)
            lines.append((line, {"account_id": account.id if account else False,
                                 "ledger_debit": max(bal, 0.0), "ledger_credit": max(-bal, 0.0),
                                 "difference": diff, "state": "green" if cur.is_zero(diff) else "red"}))
        extra = []  # ledger amounts on these accounts for departments the platform did not report
        for (dept, account_id), bal in ledger.items():
            if (dept, account_id) not in seen and not cur.is_zero(bal):
                extra.append({"day_id": day.id, "department": dept_by_id.get(dept) or False,
                              "account_code": env["account.account"].sudo().browse(account_id).code,
                              "account_id": account_id, "ledger_debit": max(bal, 0.0),
                              "ledger_credit": max(-bal, 0.0), "difference": cur.round(-bal), "state": "red",
                              "currency_id": cur.id})
        for line, vals in lines:
            line.write(vals)
        if extra:
            _privileged(env, "medsync.billing.day.line").create(extra)
        day.invalidate_recordset(["line_ids"])
        red = day.line_ids.filtered(lambda ln: ln.state == "red")
        state = "red" if red else "green"
        old = day.state
        day.with_context(tracking_disable=True).write({
            "state": state, "checked_at": fields.Datetime.now(),
            "platform_debit": sum(day.line_ids.mapped("platform_debit")),
            "platform_credit": sum(day.line_ids.mapped("platform_credit")),
            "ledger_debit": sum(day.line_ids.mapped("ledger_debit")),
            "ledger_credit": sum(day.line_ids.mapped("ledger_credit")),
            "difference": sum(abs(d) for d in red.mapped("difference"))})
        key = f"billing-drift-{company.id}-{day.source}-{day.business_date}"
        if red:
            batches = day.batch_ids.mapped("name")
            raise_vals.append({
                "reason_code": "BILLING_DRIFT", "key": key, "company_id": company.id,
                "name": env._("Billing %(s)s %(d)s: the ledger differs from the platform by %(a)s",
                              s=day.source, d=day.business_date, a=cur.format(day.difference)),
                "description": "\n".join(
                    [env._("%(dept)s / %(acc)s: platform %(p)s, ledger %(l)s, difference %(x)s",
                           dept=ln.department or "-", acc=ln.account_code,
                           p=cur.format(ln.platform_debit - ln.platform_credit),
                           l=cur.format(ln.ledger_debit - ln.ledger_credit), x=cur.format(ln.difference))
                     for ln in red[:20]] + [env._("Batches of the day: %s", ", ".join(batches) or "-")]),
                "res_model": "medsync.billing.day", "res_id": day.id, "amount": day.difference})
        else:
            resolved.append(key)
        if old != state:
            changes.append((day.id, {"state": (old or False, state)},
                            env._("Reconciled: %s department/account line(s) differ.", len(red))))
    excs = Exc._raise_many(raise_vals) if raise_vals else Exc
    for day, exc in ((d, excs.filtered(lambda e, d=d: e.res_id == d.id)) for d in days):
        if exc:
            day.exception_id = exc[:1].id
    if resolved:
        Exc.search([("key", "in", resolved), ("state", "in", ("open", "in_progress"))])._auto_resolve(
            env._("The ledger now agrees with the billing platform."))
    chatter.log_changes(env, "medsync.billing.day", changes)
    return days


def reconcile_recent(env, days_back=7):
    Day = env["medsync.billing.day"].sudo()  # sudo: the daily job checks every company
    since = fields.Date.context_today(Day) - timedelta(days=days_back)
    days = Day.search([("business_date", ">=", since)])
    if days:
        reconcile_days(days)
    return len(days)


# ---------------------------------------------------------------------------- mapping test

def explain(env, company, source, code, department, payer_class, facility, date):
    """Which rule maps such a line on that date, and why each other rule of
    the source does not: the engine's own choice."""
    rules = env["medsync.billing.rule"].search([("company_id", "=", company.id), ("source", "=", source)],
                                               order="id")
    if not rules:
        raise UserError(env._("No mapping rule for source %s.", source))
    out = engine.call(env, "billing_explain", rule_columns(rules), source=source, code=code or "",
                      department=department or "", payer_class=payer_class or "", facility=facility or "",
                      date=_date(date))
    return [(rules[r["rule"]], r["verdict"], r["reason"]) for r in out]

