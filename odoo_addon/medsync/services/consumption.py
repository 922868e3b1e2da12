"""Cabinet consumption in near real time.

A cabinet system posts ``consumption`` batches to the hub; the hub's job for
the batch (queued as soon as it arrives) calls :func:`receive`:

1. the events are stored, each once per cabinet and event id (a repeat in a
   later batch changes nothing);
2. the engine (``medsync_core.consumption``) maps them in bulk with the
   reconciliation's code mapping: cabinet, product (GTIN, GS1, HIBC, vendor
   or internal code), lot, units; flags expired and recalled lots; groups
   them per cabinet, product, lot, kind and department (a late event alone,
   with its own date);
3. one done move per group, from the cabinet to the department's
   consumption location (issues), back (returns) or to scrap (waste), dated
   at its events' time; each event keeps its move; restocks are noted (the
   replenishment transfer moved the stock);
4. events the engine cannot map are held, with an exception for the
   inventory controller, and applied when the mapping is fixed; an expired
   or recalled lot raises a critical exception at once for the cabinet's
   stock responsible;
5. the auto reorder rules of the cabinets and products touched run at once
   (Odoo's own procurement for those rules), so the replenishment transfer
   from central stores appears within minutes.

Par levels: an inbound ``par_levels`` flow makes the cabinet system the
master (its levels become the cabinets' reorder rules); an outbound
``cabinet_par_levels`` flow makes Odoo the master (a changed rule is sent).
Levels that disagree with the master are raised, not applied."""

import calendar
import datetime as dt
import json
import logging
import time
from collections import defaultdict

from odoo import Command, fields
from odoo.tools import SQL, float_compare

from . import bulk, engine, guard, reconcile
from .hub_base import HubError

_logger = logging.getLogger(__name__)

# the context value that says "these levels came from the cabinet system, do not send them back": an object no
# RPC client can send (a JSON value is never this object), so nobody silences the par-level outbox by asking
FROM_CABINET_KEY = "medsync_from_cabinet"
FROM_CABINET = object()

LATE_AFTER = 3600  # seconds: an event older than this behind its cabinet's latest is applied alone, dated


def _privileged(env, model):
    # sudo: events, moves and exceptions are written by the hub's handler for the cabinet system, whose
    # technical user holds no inventory right; privileged: the protected fields of the events
    return guard.privileged(env[model].sudo())


# ---------------------------------------------------------------------------- receiving

def receive(env, msg, doc):
    """The hub handler of a ``consumption`` batch."""
    # sudo: the handler writes the batch's events (protected), exceptions and reorder rules for the cabinet
    # system, whose technical user is a stock user only; Odoo's own valuation reads stock as that user
    env = env(su=True)
    company = msg.company_id
    Event = _privileged(env, "medsync.consumption.event")
    Event.flush_model()
    now = fields.Datetime.now()
    cabinet = doc["cabinet"]
    rows = defaultdict(list)
    for ev in doc["events"]:
        for name, value in (("system_id", msg.system_id.id), ("company_id", company.id), ("message_id", msg.id),
                            ("cabinet", cabinet), ("event_ref", ev["event_id"]),
                            ("time", _utc(ev["time"])), ("product_code", ev["product"]),
                            ("code_kind", ev.get("code_kind") or ""), ("lot_name", ev.get("lot") or None),
                            ("expiry", ev.get("expiry") or None), ("qty", float(ev["qty"])),
                            ("unit", ev.get("unit") or None), ("kind", ev["kind"]),
                            ("department", ev.get("department") or None), ("charge_ref", ev.get("charge_ref") or None),
                            ("state", "held"), ("status", "new")):
            rows[name].append(value)
    ids = _insert_new(env, rows, now)
    events = Event.browse(ids)
    result = apply(events) if events else {"applied": 0, "held": 0}
    _logger.info("consumption: %s event(s) from %s, %s new, %s applied, %s held", len(doc["events"]), cabinet,
                 len(ids), result["applied"], result["held"])
    return []


def _utc(text):
    """An RFC 3339 time the hub normalised (``...Z``) as a naive UTC datetime."""
    return dt.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")


def _insert_new(env, rows, now):
    """Insert the events not seen before (company, cabinet, event id); returns the new ids."""
    cols = [("system_id", "int"), ("company_id", "int"), ("message_id", "int"), ("cabinet", "varchar"),
            ("event_ref", "varchar"), ("time", "timestamp"), ("product_code", "varchar"), ("code_kind", "varchar"),
            ("lot_name", "varchar"), ("expiry", "date"), ("qty", "float8"), ("unit", "varchar"), ("kind", "varchar"),
            ("department", "varchar"), ("charge_ref", "varchar"), ("state", "varchar"), ("status", "varchar")]
    payload = json.dumps([dict(zip([c for c, _t in cols], r, strict=True))
                          for r in zip(*(rows[c] for c, _t in cols), strict=True)], default=str)
    env.cr.execute(SQL(
        """INSERT INTO medsync_consumption_event (%s, create_uid, create_date, write_uid, write_date)
           SELECT %s, %s, %s, %s, %s FROM json_to_recordset(%s) AS r(%s)
           ON CONFLICT (company_id, cabinet, event_ref) DO NOTHING RETURNING id""",
        SQL(", ").join(SQL.identifier(c) for c, _t in cols),
        SQL(", ").join(SQL("r.%s", SQL.identifier(c)) for c, _t in cols), env.uid, now, env.uid, now, payload,
        SQL(", ").join(SQL("%s %s", SQL.identifier(c), SQL(t)) for c, t in cols)))
    ids = sorted(r[0] for r in env.cr.fetchall())
    env["medsync.consumption.event"].invalidate_model()
    return ids


# ---------------------------------------------------------------------------- applying

def apply_held(events):
    """Held events applied again (their cabinet, product or lot mapped since)."""
    out = {"applied": 0, "held": 0}
    for company in events.company_id:
        res = apply(_privileged(events.env, "medsync.consumption.event").browse(
            events.filtered(lambda e, c=company: e.company_id == c).ids))
        out["applied"] += res["applied"]
        out["held"] += res["held"]
    return out


def apply(events):
    """Map ``events`` (of one company) with the engine and make their moves."""
    env = events.env
    company = events.company_id
    company.ensure_one()
    events = events.sorted(lambda e: (e.time, e.id))
    # a time more than a day ahead is a cabinet's clock gone wrong: held, and kept out of the batch's lateness
    ahead = fields.Datetime.now() + dt.timedelta(days=1)
    future = events.filtered(lambda e: e.time > ahead)
    if future:
        guard.privileged(future).write({"state": "held", "status": "future_time",
                                        "note": env._("The event's time is more than a day ahead of Odoo's clock.")})
        _raise_held(env, company, [(e, "future_time", e.note) for e in future])
        events -= future
        if not events:
            return {"applied": 0, "held": len(future), "moves": 0}
    with env["medsync.run"]._track("consumption", trigger="job", scope=f"{len(events)} event(s)",
                                   company=company) as run:
        with run.phase("fetch"):
            tables = _engine_tables(env, company, events)
        with run.phase("compute"):
            out = engine.call(env, "consumption", *tables,
                              today=fields.Date.to_string(fields.Date.context_today(events)), late_after=LATE_AFTER)
        with run.phase("write"):
            result = _write(env, company, events, out)
        run.count(input=len(events), output=result["moves"], exceptions=result["held"])
    # what the moves left to recompute (product quantities, valuation) is computed here, as the handler: a
    # later flush would run it as the cabinet system's user, who may not read stock moves
    env.flush_all()
    return result


def _write(env, company, events, out):
    ev, groups = out["events"], out["groups"]
    dests = _destinations(env, company, groups)
    moves = _make_moves(env, company, events, ev, groups, dests)
    held_no_dest = {g for g, d in dests.items() if not d}
    vals = defaultdict(list)
    held = []
    for i, event in enumerate(events):
        g = ev["group"][i]
        status = ev["status"][i]
        state = "applied"
        note = ev["message"][i]
        if status != "mapped":
            state = "duplicate" if status == "duplicate" else "held"
        elif event.kind == "restock":
            state = "noted"
        elif g in held_no_dest:
            state, status = "held", "no_department"
            note = env._("No consumption location for department %r (nor a default on the cabinet).",
                         event.department or "")
        if state == "held":
            held.append((event, status, note))
        dest = dests.get(g)
        for name, value in (("id", event.id), ("state", state), ("status", status), ("note", note or None),
                            ("location_id", ev["location_id"][i] or None),
                            ("location_dest_id", dest[1] if dest else None),
                            ("product_id", ev["product_id"][i] or None), ("lot_id", ev["lot_id"][i] or None),
                            ("product_qty", float(ev["qty"][i] or 0)),
                            ("move_id", moves.get(g) if state == "applied" else None),
                            ("expired", bool(ev["expired"][i])), ("recalled", bool(ev["recalled"][i])),
                            ("late", bool(g >= 0 and groups["late"][g]))):
            vals[name].append(value)
    env.flush_all()
    bulk.update(env.cr, "medsync_consumption_event",
                [("id", "int"), ("state", "varchar"), ("status", "varchar"), ("note", "varchar"),
                 ("location_id", "int"), ("location_dest_id", "int"), ("product_id", "int"), ("lot_id", "int"),
                 ("product_qty", "float8"), ("move_id", "int"), ("expired", "bool"), ("recalled", "bool"),
                 ("late", "bool")], vals)
    env["medsync.consumption.event"].invalidate_model()
    _raise_held(env, company, held)
    _raise_safety(env, company, events, ev)
    _replenish(env, company, {ev["location_id"][i] for i in range(len(events)) if ev["status"][i] == "mapped"},
               {ev["product_id"][i] for i in range(len(events)) if ev["status"][i] == "mapped"})
    applied = sum(1 for s in vals["state"] if s in ("applied", "noted"))
    return {"applied": applied, "held": len(held), "moves": len(moves)}


def _engine_tables(env, company, events):
    env["medsync.consumption.event"].flush_model()
    codes = reconcile.product_codes(env, company)
    loc_codes = reconcile.location_codes(env, company)
    locations = {"location_id": list(loc_codes.values()), "code": list(loc_codes.keys())}
    lot_names = {e.lot_name for e in events if e.lot_name} | _barcode_lots(env, events)
    products, packs, lots = reconcile.product_tables(env, company, set(codes["product_id"]), lot_names=lot_names)
    lots = {"lot_id": lots["lot_id"], "product_id": lots["product_id"], "name": lots["name"],
            "expiry": [(reconcile.EPOCH + dt.timedelta(days=d)).isoformat() if d is not None else ""
                       for d in lots["expiry"]]}
    products = {"product_id": products["product_id"], "rounding": products["rounding"],
                "tracked": products["tracked"]}
    recalls = {"product_id": [], "lot": []}
    for pid, lot in env.execute_query(SQL("""SELECT product_id, coalesce(lot_name, '') FROM medsync_recall
                                              WHERE active AND company_id = %s""", company.id)):
        recalls["product_id"].append(pid)
        recalls["lot"].append(lot)
    table = {"cabinet": [], "event_id": [], "time": [], "product": [], "code_kind": [], "lot": [], "expiry": [],
             "qty": [], "unit": [], "kind": [], "department": []}
    for e in events:
        for name, value in (("cabinet", e.cabinet), ("event_id", e.event_ref),
                            ("time", calendar.timegm(e.time.timetuple())), ("product", e.product_code or ""),
                            ("code_kind", e.code_kind or ""), ("lot", e.lot_name or ""),
                            ("expiry", fields.Date.to_string(e.expiry) if e.expiry else ""), ("qty", e.qty),
                            ("unit", e.unit or ""), ("kind", e.kind), ("department", e.department or "")):
            table[name].append(value)
    return table, locations, codes, products, packs, lots, recalls


def _barcode_lots(env, events):
    """The lots GS1 and HIBC bar codes carry (the engine reads them again; here only to fetch those lots)."""
    mc = engine.core(env)
    out = set()
    for code, kind in {(e.product_code or "", e.code_kind or "") for e in events}:
        text = code.strip()
        if kind not in ("gs1", "hibc") and not text.startswith(("01", "(01)", "+")):
            continue
        try:
            lot = mc.parse_barcode(text, "hibc" if kind == "hibc" or text.startswith("+") else "gs1").get("lot")
        except ValueError:  # not a bar code after all: the engine says so, on the event
            continue
        if lot:
            out.add(lot)
    return out


def _destinations(env, company, groups):
    """group -> (source, destination) locations, or None when the department has no consumption location."""
    env["stock.location"].flush_model()
    by_dept = dict(env.execute_query(SQL(
        """SELECT medsync_department, id FROM stock_location
            WHERE medsync_department IS NOT NULL AND active AND usage IN ('inventory', 'production')
              AND (company_id IS NULL OR company_id = %s)""",
        company.id)))
    cab_ids = list(set(groups["location_id"]))
    default = dict(env.execute_query(SQL(
        """SELECT id, medsync_consumption_location_id FROM stock_location
            WHERE id = ANY(%s) AND medsync_consumption_location_id IS NOT NULL""", cab_ids)))
    scrap = env["stock.location"].sudo().search([  # sudo: the scrap location is company configuration
        ("scrap_location", "=", True), ("company_id", "in", (False, company.id))], limit=1).id
    out = {}
    for g, (cab, kind, dept) in enumerate(zip(groups["location_id"], groups["kind"], groups["department"],
                                              strict=True)):
        used = by_dept.get(dept) if dept else default.get(cab)
        if kind == "restock":
            out[g] = (cab, cab)
        elif kind == "waste":
            out[g] = (cab, scrap) if scrap else None
        elif not used:
            out[g] = None
        elif kind == "issue":
            out[g] = (cab, used)
        else:  # return: from the department back into the cabinet
            out[g] = (used, cab)
    return out


def _make_moves(env, company, events, ev, groups, dests):
    """One done move per group (restocks excepted), dated at its events'
    time; returns {group: move id}."""
    Move = _privileged(env, "stock.move").with_context(tracking_disable=True, mail_create_nolog=True)
    todo = [g for g, d in dests.items() if d and groups["kind"][g] != "restock"]
    if not todo:
        return {}
    uoms = dict(env.execute_query(SQL(
        """SELECT pp.id, pt.uom_id FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
            WHERE pp.id = ANY(%s)""", list({groups["product_id"][g] for g in todo}))))
    vals_list = []
    for g in todo:
        src, dest = dests[g]
        qty = float(groups["qty"][g])
        line = {"product_id": groups["product_id"][g], "product_uom_id": uoms[groups["product_id"][g]],
                "location_id": src, "location_dest_id": dest, "quantity": qty, "company_id": company.id,
                "lot_id": groups["lot_id"][g] or False}
        vals_list.append({
            "name": env._("Cabinet %(kind)s", kind=groups["kind"][g]), "product_id": groups["product_id"][g],
            "product_uom": uoms[groups["product_id"][g]], "product_uom_qty": qty, "location_id": src,
            "location_dest_id": dest, "company_id": company.id, "origin": f"cabinet/{groups['kind'][g]}",
            "picked": True, "move_line_ids": [Command.create(line)]})
    moves = Move.create(vals_list)
    moves._action_confirm(merge=False)
    moves.move_line_ids.picked = True
    moves._action_done()
    # the moves carry their events' time (a late event its own), so the reconciliation's as-of roll-back stays right
    env.flush_all()
    dates = {"id": moves.ids, "date": [dt.datetime.fromtimestamp(groups["date"][g], dt.UTC).replace(tzinfo=None)
                                       for g in todo]}
    bulk.update(env.cr, "stock_move", [("id", "int"), ("date", "timestamp")], dates)
    env.cr.execute(SQL("""UPDATE stock_move_line l SET date = m.date FROM stock_move m
                           WHERE l.move_id = m.id AND m.id = ANY(%s)""", moves.ids))
    env["stock.move"].invalidate_model(["date"])
    env["stock.move.line"].invalidate_model(["date"])
    return dict(zip(todo, moves.ids, strict=True))


# ---------------------------------------------------------------------------- exceptions

def _raise_held(env, company, held):
    """One exception per cabinet for what it could not apply, naming each event."""
    by_cab, first = defaultdict(list), {}
    for event, status, note in held:
        by_cab[event.cabinet].append(f"{event.event_ref} {event.product_code} {status}: {note}")
        first.setdefault(event.cabinet, event.id)
    if not by_cab:
        return
    _privileged(env, "medsync.exception")._raise_many([{
        "reason_code": "CONSUMPTION_UNMAPPED", "key": f"consumption-held-{company.id}-{cab}",
        "company_id": company.id, "name": env._("Cabinet %(cab)s: %(n)s event(s) held", cab=cab, n=len(lines)),
        "description": "\n".join(lines[:200]) + ("\n..." if len(lines) > 200 else ""),
        "res_model": "medsync.consumption.event", "res_id": first[cab]} for cab, lines in by_cab.items()])


def _raise_safety(env, company, events, ev):
    """Expired or recalled lots taken from a cabinet: critical, at once, for the cabinet's stock responsible."""
    vals = []
    for i, event in enumerate(events):
        if not (ev["expired"][i] or ev["recalled"][i]) or event.kind not in ("issue",):
            continue
        what = "recalled" if ev["recalled"][i] else "expired"
        cab = env["stock.location"].browse(ev["location_id"][i]) if ev["location_id"][i] else None
        owner = cab._medsync_responsible() if cab else env["res.users"]
        vals.append({
            "reason_code": "CONSUMPTION_RECALLED" if what == "recalled" else "CONSUMPTION_EXPIRED",
            "key": f"consumption-{what}-{event.id}", "company_id": company.id,
            "name": env._("%(what)s lot %(lot)s of %(code)s taken from %(cab)s", what=what.capitalize(),
                          lot=event.lot_name or "?", code=event.product_code, cab=event.cabinet),
            "description": env._("Event %(ev)s at %(t)s (UTC), department %(d)s: %(q)s taken. Find the item before "
                                 "it is used; quarantine the cabinet's remaining stock of the lot.",
                                 ev=event.event_ref, t=event.time, d=event.department or "-", q=event.qty),
            "res_model": "medsync.consumption.event", "res_id": event.id,
            "product_id": ev["product_id"][i] or False, "owner_user_id": owner.id or False})
    if vals:
        _privileged(env, "medsync.exception")._raise_many(vals)


# ---------------------------------------------------------------------------- replenishment and par levels

def _replenish(env, company, location_ids, product_ids):
    """Odoo's own procurement, now, for the auto reorder rules of the cabinets and products touched."""
    location_ids.discard(0)
    product_ids.discard(0)
    if not location_ids:
        return 0
    # sudo: the cabinet system's user may not read reorder rules; replenishment is the company's own rule
    ops = env["stock.warehouse.orderpoint"].sudo().search([
        ("location_id", "in", list(location_ids)), ("product_id", "in", list(product_ids)),
        ("trigger", "=", "auto"), ("company_id", "=", company.id)])
    if ops:
        # the rules' forecasts are not stored: what the moves just changed is read again, not from the cache
        env.flush_all()
        env.invalidate_all()
        ops.with_company(company)._procure_orderpoint_confirm(company_id=company, raise_user_error=False)
    return len(ops)


def receive_par_levels(env, msg, doc):
    """The cabinet system's par levels: applied as the cabinet's reorder rules
    when it is the master; compared and raised when Odoo is."""
    from .hub_handlers import find_products  # imported here: the handlers import this module

    env = env(su=True)  # sudo: as receive(); it writes the reorder rules of this cabinet only
    company = msg.company_id
    loc_id = reconcile.location_codes(env, company).get(doc["cabinet"])
    if not loc_id:
        raise HubError("UNKNOWN_CABINET", f"No location has the code {doc['cabinet']}.")
    products = find_products(env, {lv["product"] for lv in doc["levels"]})
    unknown = sorted({lv["product"] for lv in doc["levels"]} - products.keys())
    Op = env["stock.warehouse.orderpoint"].sudo()  # sudo: reorder rules are written for the cabinet system
    location = env["stock.location"].browse(loc_id)
    odoo_master = bool(env["medsync.flow"].sudo().search_count([  # sudo: the catalogue of flows
        ("doc_type", "=", "cabinet_par_levels"), ("active", "=", True), ("company_id", "=", company.id)]))
    existing = {op.product_id.id: op for op in Op.search([("location_id", "=", loc_id)])}
    differences, changed = [], Op
    for lv in doc["levels"]:
        product = products.get(lv["product"])
        if not product:
            continue
        lo, hi = float(lv["min"]), float(lv["max"])
        op = existing.get(product.id)
        rounding = product.uom_id.rounding
        same = op and not float_compare(op.product_min_qty, lo, precision_rounding=rounding) \
            and not float_compare(op.product_max_qty, hi, precision_rounding=rounding)
        if same:
            continue
        if odoo_master:
            differences.append(env._("%(p)s: cabinet %(lo)s-%(hi)s, Odoo %(olo)s-%(ohi)s", p=product.display_name,
                                     lo=lo, hi=hi, olo=op.product_min_qty if op else "-",
                                     ohi=op.product_max_qty if op else "-"))
            continue
        vals = {"product_min_qty": lo, "product_max_qty": hi, "trigger": "auto"}
        if op:
            op.with_context(**{FROM_CABINET_KEY: FROM_CABINET}).write(vals)
        else:
            op = Op.with_context(**{FROM_CABINET_KEY: FROM_CABINET}).create({
                **vals, "product_id": product.id, "location_id": loc_id, "company_id": company.id,
                "route_id": location.medsync_route_id.id or False})
        changed |= op
    if differences or unknown:
        _privileged(env, "medsync.exception")._raise_many([{
            "reason_code": "PAR_MISMATCH", "key": f"par-{company.id}-{doc['cabinet']}", "company_id": company.id,
            "name": env._("Cabinet %s: par levels disagree", doc["cabinet"]),
            "description": "\n".join([*differences, *(env._("%s: unknown product", c) for c in unknown)]),
            "res_model": "stock.location", "res_id": loc_id}])
    return [(op, "updated") for op in changed]


def from_cabinet(env):
    return env.context.get(FROM_CABINET_KEY) is FROM_CABINET


def queue_par_levels(orderpoints):
    """Odoo is the master (an outbound ``cabinet_par_levels`` flow): the
    cabinets' changed levels go to the cabinet system through the outbox,
    one message per cabinet with all its levels."""
    env = orderpoints.env
    # sudo: a stock user changes a reorder rule; the catalogue of systems is the integration admins'
    flows = env["medsync.flow"].sudo().search([("doc_type", "=", "cabinet_par_levels"), ("active", "=", True)])
    if not flows:
        return env["medsync.message"]
    msgs = guard.privileged(env["medsync.message"].sudo())
    created = msgs
    now = fields.Datetime.now()
    for location in orderpoints.location_id:
        codes = location.sudo().medsync_code_ids.mapped("code") or ([location.barcode] if location.barcode else [])
        flow = flows.filtered(lambda f, loc=location: f.company_id == loc.company_id)[:1]
        if not codes or not flow:
            continue
        ops = env["stock.warehouse.orderpoint"].sudo().search([("location_id", "=", location.id)])
        doc = {"cabinet": codes[0], "levels": [
            {"product": op.product_id.default_code or op.product_id.barcode or str(op.product_id.id),
             "min": str(op.product_min_qty), "max": str(op.product_max_qty)} for op in ops]}
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        vals, big = msgs._payload_values(text)
        msg = msgs.create({**vals, "direction": "outbound", "system_id": flow.system_id.id, "flow_id": flow.id,
                           "company_id": flow.company_id.id, "doc_type": "cabinet_par_levels",
                           "idempotency_key": f"par-{location.id}-{int(time.time() * 1000)}",
                           "external_ref": codes[0], "state": "queued", "next_attempt": now,
                           "source_model": "stock.location", "source_id": location.id,
                           "key_expires": now + dt.timedelta(days=max(flow.retention_days, 1))})
        if big:
            msg._attach_payload(big)
        created |= msg
    created._enqueue()
    return created
