"""Exclusion screening: list files in, vendors and principals screened in one
engine call, hits acted on.

A full list file replaces the previous one of its list: its entries are
diffed on their identity (new, changed, removed, reinstated) and written in
bulk. Screening sends every vendor and every principal, and every entry still
excluded, to ``medsync_core.screen_vendors`` at once. A hit the officer
cleared stays cleared while neither the entry nor the vendor changed (its
fingerprint); a new or changed hit raises an exception for compliance, and a
strong one suspends the vendor at once (its bills held, its orders not sent).
"""

import hashlib
import json

from odoo import fields
from odoo.tools import SQL

from . import bulk, engine, guard
from .screening_lists import ENGINE_COLUMNS, ListError, diff, parse

ENTRY_FIELDS = (*ENGINE_COLUMNS, "content", "row", "program", "date_excluded", "date_reinstated", "date_waiver")


# a full file with fewer than this share of the entries of the current one is taken for a cut download
SHRINK_GUARD = 0.5


class ShrunkError(ValueError):
    """A full file that lists far fewer entries than the current one."""

    def __init__(self, rows, current):
        self.rows, self.current = rows, current
        super().__init__(f"{rows} entries where the current list has {current}")


def import_list(env, source, name, data, addresses=None, file_date=None, today=None, allow_shrink=False):
    """Read a full list file, diff it against the list's current entries and
    write them; returns the list record. Raises ``ListError`` on a bad file
    and ``ShrunkError`` on a file that would remove most of the list (a cut
    download) unless ``allow_shrink``; nothing is written then."""
    entries = parse(source, data, addresses, today)
    if not entries:
        raise ListError([(1, "the file lists no entries")])
    sha = hashlib.sha256(data + (addresses or b"")).hexdigest()
    Lists = guard.privileged(env["medsync.screening.list"].sudo())  # sudo: see the wizard's group check
    previous = Lists.search([("source", "=", source), ("state", "=", "current")], limit=1)
    env.flush_all()
    rows = env.execute_query(SQL(
        "SELECT key, content, id, active FROM medsync_screening_entry WHERE source = %s", source))
    known = {k: (content, eid, active) for k, content, eid, active in rows}
    current = {k: c for k, (c, _id, active) in known.items() if active}
    if not allow_shrink and len(entries) < SHRINK_GUARD * len(current):
        raise ShrunkError(len(entries), len(current))
    new, changed, removed = diff(current, entries)
    # an entry that left the list earlier and comes back is new to this file, and revived
    lst = Lists.create({
        "source": source, "name": name, "sha256": sha, "file_date": file_date or fields.Date.context_today(env.user),
        "row_count": len(entries), "new_count": len(new), "changed_count": len(changed),
        "removed_count": len(removed), "previous_id": previous.id,
        "reinstated_count": sum(1 for e in entries if not e["active"] and (
            e["key"] in new or e["key"] in changed)) + len(removed)})
    previous.write({"state": "superseded"})
    by_key = {e["key"]: e for e in entries}
    _write_entries(env, source, lst, entries, by_key, known, set(new), set(changed), removed)
    return lst


def _write_entries(env, source, lst, entries, by_key, known, new, changed, removed):
    now = fields.Datetime.now()
    cols = [(c, "varchar") for c in ("key", *ENGINE_COLUMNS, "content", "program")] + [
        ("row", "int"), ("date_excluded", "date"), ("date_reinstated", "date"), ("date_waiver", "date"),
        ("excluded", "bool")]
    fresh = [by_key[k] for k in new if k not in known]
    if fresh:
        values = {c: [e.get(c) or None if c.startswith("date_") else e.get(c, "") for e in fresh]
                  for c, _t in cols if c != "excluded"}
        values["excluded"] = [bool(e["active"]) for e in fresh]
        bulk.insert(env.cr, "medsync_screening_entry", cols, values,
                    constants=[("source", source), ("list_id", lst.id), ("last_list_id", lst.id),
                               ("active", True), *bulk.log_access(env, now)])
    update = [by_key[k] for k in by_key if k in known]
    if update:
        values = {c: [e.get(c) or None if c.startswith("date_") else e.get(c, "") for e in update]
                  for c, _t in cols if c not in ("excluded", "key")}
        values["id"] = [known[e["key"]][1] for e in update]
        values["excluded"] = [bool(e["active"]) for e in update]
        values["last_list_id"] = [lst.id] * len(update)
        values["changed_list_id"] = [lst.id if e["key"] in changed or e["key"] in new else None for e in update]
        values["list_id_revived"] = [lst.id if e["key"] in new else None for e in update]
        columns = [("id", "int"), *[(c, t) for c, t in cols if c != "key"], ("last_list_id", "int"),
                   ("changed_list_id", "int"), ("list_id_revived", "int")]
        env.cr.execute(SQL(
            """UPDATE medsync_screening_entry AS t
                  SET %s, last_list_id = r.last_list_id, active = true, removed_list_id = NULL,
                      changed_list_id = coalesce(r.changed_list_id, t.changed_list_id),
                      list_id = coalesce(r.list_id_revived, t.list_id), write_uid = %s, write_date = %s
                 FROM json_to_recordset(%s::json) AS r(%s)
                WHERE t.id = r.id""",
            SQL(", ").join(SQL("%s = r.%s", SQL.identifier(c), SQL.identifier(c)) for c, _t in cols if c != "key"),
            env.uid, now, json.dumps([dict(zip([c for c, _t in columns], row, strict=True))
                                      for row in zip(*(values[c] for c, _t in columns), strict=True)], default=str),
            SQL(", ").join(SQL("%s %s", SQL.identifier(c), SQL(t)) for c, t in columns)))
    if removed:
        env.cr.execute(SQL(
            """UPDATE medsync_screening_entry SET active = false, excluded = false, removed_list_id = %s,
                      write_uid = %s, write_date = %s
                WHERE source = %s AND key = ANY(%s)""", lst.id, env.uid, now, source, removed))
    env["medsync.screening.entry"].invalidate_model()


# ---------------------------------------------------------------------------- screening

def _subjects(env):
    """Every vendor (a vendor rank, a requirement profile, a compliance state of its own, or principals) and
    every principal of one, as the engine's subjects: one query, whatever their number."""
    env.flush_all()
    rows = env.execute_query(SQL(
        """WITH vendors AS (
               SELECT p.id FROM res_partner p
                WHERE p.active AND p.parent_id IS NULL
                  AND (p.supplier_rank > 0 OR p.medsync_compliance_profile_id IS NOT NULL
                       OR p.medsync_compliance_state != 'legacy'
                       OR EXISTS (SELECT 1 FROM res_partner c
                                   WHERE c.parent_id = p.id AND c.type = 'medsync_principal' AND c.active)))
           SELECT p.id, p.parent_id IS NOT NULL, coalesce(p.name, ''),
                  concat_ws(' ', p.street, p.street2), coalesce(p.city, ''), coalesce(st.code, ''),
                  coalesce(p.zip, ''), coalesce(co.code, ''), coalesce(p.medsync_npi, ''), coalesce(p.medsync_uei, '')
             FROM res_partner p
             LEFT JOIN res_country_state st ON st.id = p.state_id
             LEFT JOIN res_country co ON co.id = p.country_id
            WHERE p.id IN (SELECT id FROM vendors)
               OR (p.active AND p.type = 'medsync_principal' AND p.parent_id IN (SELECT id FROM vendors))
            ORDER BY p.id"""))
    cols = {c: [] for c in ("id", "kind", "name", "first", "middle", "last", "street", "city", "state", "zip",
                            "country", "npi", "uei", "cage")}
    for pid, principal, name, street, city, state, zip_, country, npi, uei in rows:
        first, _sp, last = name.rpartition(" ") if principal else ("", "", "")
        values = {"id": pid, "kind": "individual" if principal else "entity", "name": name, "first": first,
                  "middle": "", "last": last, "street": street, "city": city, "state": state, "zip": zip_,
                  "country": country, "npi": npi, "uei": uei, "cage": ""}
        for c in cols:
            cols[c].append(values[c])
    # sudo: screening covers every vendor, of every company
    return env["res.partner"].sudo().browse(cols["id"]), cols


def _entries(env):
    env.flush_all()
    rows = env.execute_query(SQL(
        """SELECT id, source, %s FROM medsync_screening_entry WHERE active AND excluded ORDER BY id""",
        SQL(", ").join(SQL("coalesce(%s, '')", SQL.identifier(c)) for c in ENGINE_COLUMNS)))
    cols = {c: [] for c in ("id", "source", *ENGINE_COLUMNS)}
    for row in rows:
        for c, v in zip(cols, row, strict=True):
            cols[c].append(v)
    return cols


def fingerprint(subject_cols, i, entry_content):
    parts = [str(subject_cols[c][i]) for c in sorted(subject_cols) if c != "id"]
    return hashlib.sha256("\x1f".join([entry_content or "", *parts]).encode()).hexdigest()[:32]


def screen(env, trigger="button"):
    """Screen every vendor and principal against every entry still excluded.
    Returns the counts ``{"hits", "new", "strong", "suspended"}``."""
    with env["medsync.run"]._track("compliance", trigger=trigger, scope="exclusion screening") as run:
        with run.phase("fetch"):
            subjects, scols = _subjects(env)
            ecols = _entries(env)
        with run.phase("compute"):
            out = engine.call(env, "screen_vendors", scols, ecols)
        with run.phase("write"):
            counts = _apply(env, subjects, scols, out["hits"], run)
        run.count(input=len(scols["id"]), output=counts["hits"], exceptions=counts["new"])
    # sudo: vendors are shared, so every company's compliance figures change
    env["medsync.kpi.fact"]._refresh_after("compliance", env["res.company"].sudo().search([]))
    return counts


def _apply(env, subjects, scols, hits, run):
    Hits = guard.privileged(env["medsync.screening.hit"].sudo())  # sudo: screening acts for compliance
    row_of = {pid: i for i, pid in enumerate(scols["id"])}
    # sudo: the run acts for compliance, whoever started it (the monthly action, an import)
    entries = env["medsync.screening.entry"].sudo().browse({h["entry"] for h in hits})
    content = {e.id: (e.content, e.row, e.last_list_id) for e in entries}
    existing = {(h.subject_id.id, h.entry_id.id): h for h in Hits.search(
        [("subject_id", "in", list({h["subject"] for h in hits})), ("entry_id", "in", entries.ids)])}
    partners = subjects.browse([h["subject"] for h in hits])
    vendor_of = {p.id: p.commercial_partner_id for p in partners}
    now = fields.Datetime.now()
    fresh, reopened, seen = [], Hits.browse(), Hits.browse()
    for h in hits:
        fp = fingerprint(scols, row_of[h["subject"]], content[h["entry"]][0])
        evidence = "; ".join(e[2] for e in h["evidence"])
        old = existing.get((h["subject"], h["entry"]))
        vals = {"score": h["score"], "strength": h["strength"], "evidence": evidence, "fingerprint": fp,
                "row": content[h["entry"]][1], "list_id": content[h["entry"]][2].id,
                "file_sha256": content[h["entry"]][2].sha256, "date_last_seen": now}
        if old is None:
            fresh.append({**vals, "subject_id": h["subject"], "entry_id": h["entry"],
                          "partner_id": vendor_of[h["subject"]].id, "date_found": now})
        elif old.fingerprint != fp and old.state != "new":
            # the entry or the vendor changed since the decision: reviewed again
            old.write({**vals, "state": "new", "decided_by_id": False, "date_decided": False})
            reopened |= old
        else:
            seen |= old
    if seen:
        seen.write({"date_last_seen": now})
    created = Hits.create(fresh) if fresh else Hits
    acted = created | reopened
    suspended = _act(env, acted, run)
    return {"hits": len(hits), "new": len(acted), "strong": len(acted.filtered(lambda h: h.strength == "strong")),
            "suspended": len(suspended)}


def _act(env, hits, run):
    """Exceptions for new hits; strong hits suspend their vendors at once."""
    if not hits:
        return env["res.partner"]
    # sudo: the exceptions are compliance's, raised for whoever ran the screening
    excs = env["medsync.exception"].sudo()._raise_many([{
        "reason_code": "COMPLIANCE_SCREEN_STRONG" if h.strength == "strong" else "COMPLIANCE_SCREEN_WEAK",
        "key": f"screening:{h.id}:{h.fingerprint}",
        "name": env._("%(who)s may be excluded: %(entry)s (%(list_name)s line %(row)s)", who=h.subject_id.display_name,
                      entry=h.entry_id.name, list_name=h.source.upper(), row=h.row),
        "description": h.evidence, "severity": "critical" if h.strength == "strong" else "high",
        "res_model": "medsync.screening.hit", "res_id": h.id, "partner_id": h.partner_id.id,
        "run_id": run.run.id,
    } for h in hits])
    by_key = {e.key: e for e in excs}
    for h in hits:
        h.write({"exception_id": by_key[f"screening:{h.id}:{h.fingerprint}"].id})
    strong = hits.filtered(lambda h: h.strength == "strong")
    to_suspend = strong.partner_id.filtered(lambda v: v.medsync_compliance_state not in ("suspended", "blocked"))
    for vendor in to_suspend:
        vhits = strong.filtered(lambda h, v=vendor: h.partner_id == v)
        vhits.write({"suspended_from": vendor.medsync_compliance_state})
        vendor._medsync_set_compliance("suspended", env._(
            "exclusion screening: %(entry)s (%(list_name)s line %(row)s): %(why)s", entry=vhits[0].entry_id.name,
            list_name=vhits[0].source.upper(), row=vhits[0].row, why=vhits[0].evidence))
    return to_suspend
