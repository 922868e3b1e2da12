"""Vendor dedupe: fetch vendors (and employees, for fraud signals) as columns,
one ``medsync_core.dedupe_vendors`` call, write the review queue and the
fraud signals; the index behind the check at vendor creation."""

import datetime as dt
import json
import threading

from odoo import fields
from odoo.tools import SQL

from . import engine

EMPLOYEE_ID_OFFSET = 10**12
EPOCH = dt.datetime(1970, 1, 1)
FIELD_LABELS = {
    "name": "name", "id:ein": "EIN", "id:npi": "NPI", "id:dea": "DEA", "id:uei": "UEI", "id:duns": "DUNS",
    "id:gln": "GLN", "id:vat": "VAT", "id:other": "identifier", "bank": "bank account", "phone": "phone",
    "email": "e-mail", "website": "web site", "address": "address", "zip": "zip code", "city": "city",
    "country": "country",
}  # fmt: skip
# the comparisons whose weights are learned, in the engine's order
LEARNED = ("name", "address", "zip", "city", "phone", "email", "website", "country")
SIGNAL_REASONS = {
    "shared_bank": "VENDOR_SHARED_BANK",
    "employee_bank": "VENDOR_EMPLOYEE_MATCH",
    "employee_address": "VENDOR_EMPLOYEE_MATCH",
    "employee_phone": "VENDOR_EMPLOYEE_MATCH",
    "lookalike": "VENDOR_LOOKALIKE",
}
COLUMNS = ("id", "name", "street", "city", "zip", "country", "phones", "email", "website", "ids", "banks",
           "kind", "spend", "changed")  # fmt: skip


def _empty():
    return {c: [] for c in COLUMNS}


def vendor_sql(company_id, partner_ids=None, since=None, archived=False):
    """Vendors of a company: commercial partners (no parent), active, with a
    supplier rank or a purchase order, shared or of this company. With
    ``archived``, the given partners whether active or not (the losers of
    merges, for the steward's labels)."""
    if archived:
        return SQL("p.id = ANY(%s) AND (p.company_id IS NULL OR p.company_id = %s)", list(partner_ids or []),
                   company_id)
    where = [SQL("p.active AND p.parent_id IS NULL AND (p.company_id IS NULL OR p.company_id = %s)", company_id),
             SQL("(p.supplier_rank > 0 OR EXISTS (SELECT 1 FROM purchase_order po WHERE po.partner_id = p.id))")]
    if partner_ids is not None:
        where.append(SQL("p.id = ANY(%s)", list(partner_ids)))
    return SQL(" AND ").join(where)


def fetch(env, company, partner_ids=None, changed_since=None, with_employees=True, merged=False):
    """Vendor records as columns for the engine (one query), plus spend over
    the last 365 days (posted vendor bills, company currency). With
    ``merged``, the given archived vendors as kind "merged": only there for
    the labels of their merges, never paired or signalled."""
    env.flush_all()
    year_ago = fields.Date.today() - dt.timedelta(days=365)
    rows = env.execute_query(SQL(
        """SELECT p.id, p.name, p.street, p.city, p.zip, c.code, p.phone, p.mobile, p.email, p.website, p.vat,
                  p.medsync_npi, p.medsync_dea, p.medsync_uei, p.medsync_duns, p.medsync_gln,
                  ARRAY(SELECT b.acc_number FROM res_partner_bank b WHERE b.partner_id = p.id AND b.active
                        ORDER BY b.id),
                  COALESCE((SELECT SUM(ABS(m.amount_total_signed)) FROM account_move m
                             WHERE m.partner_id = p.id AND m.move_type = 'in_invoice' AND m.state = 'posted'
                               AND m.company_id = %(company)s AND m.invoice_date >= %(since)s), 0),
                  GREATEST(p.write_date, (SELECT MAX(b.write_date) FROM res_partner_bank b WHERE b.partner_id = p.id))
                    > %(changed)s
             FROM res_partner p LEFT JOIN res_country c ON c.id = p.country_id
            WHERE %(where)s ORDER BY p.id""",
        company=company.id, since=year_ago, changed=changed_since or dt.datetime(1970, 1, 1),
        where=vendor_sql(company.id, partner_ids, archived=merged)))
    cols = _empty()
    for (pid, name, street, city, zip_, country, phone, mobile, email, website, vat, npi, dea, uei, duns, gln,
         banks, spend, changed) in rows:
        cols["id"].append(pid)
        cols["name"].append(name or "")
        cols["street"].append(street or "")
        cols["city"].append(city or "")
        cols["zip"].append(zip_ or "")
        cols["country"].append(country or "")
        cols["phones"].append([x for x in (phone, mobile) if x])
        cols["email"].append(email or "")
        cols["website"].append(website or "")
        cols["ids"].append(identifiers(vat, country, npi=npi, dea=dea, uei=uei, duns=duns, gln=gln))
        cols["banks"].append(list(banks or []))
        cols["kind"].append("merged" if merged else "vendor")
        cols["spend"].append(float(spend or 0))
        cols["changed"].append(bool(changed) if changed_since else False)
    if with_employees and partner_ids is None and not merged and "hr.employee" in env:
        _add_employees(env, company, cols)
    return cols


def identifiers(vat, country, **others):
    """"scheme:value" strings: a US tax id is an EIN, any other VAT number
    carries its country prefix."""
    out = []
    if vat:
        v = "".join(ch for ch in vat.upper() if ch.isalnum())
        if country == "US" or (len(v) == 9 and v.isdigit()):
            out.append(f"ein:{v}")
        else:
            out.append(f"vat:{v if v[:2].isalpha() else (country or '') + v}")
    out.extend(f"{k}:{v}" for k, v in others.items() if v)
    return out


def _add_employees(env, company, cols):
    # sudo: private employee data is read only to compare it with vendors (a
    # fraud check the AP manager asked for); none of it is written anywhere
    employees = env["hr.employee"].sudo().search([("company_id", "=", company.id)])
    for e in employees:
        cols["id"].append(EMPLOYEE_ID_OFFSET + e.id)
        cols["name"].append(e.name or "")
        cols["street"].append(getattr(e, "private_street", "") or "")
        cols["city"].append(getattr(e, "private_city", "") or "")
        cols["zip"].append(getattr(e, "private_zip", "") or "")
        cols["country"].append(e.private_country_id.code or "" if "private_country_id" in e._fields else "")
        cols["phones"].append([getattr(e, "private_phone", "") or ""])
        cols["email"].append(getattr(e, "private_email", "") or "")
        cols["website"].append("")
        cols["ids"].append([])
        cols["banks"].append([e.bank_account_id.acc_number] if e.bank_account_id else [])
        cols["kind"].append("employee")
        cols["spend"].append(0.0)
        cols["changed"].append(False)


def level_text(env, field, level):
    """A comparison level in words ("same house number, another street")."""
    if field == "name":
        return {
            "exact": env._("the same name"), "high": env._("very similar names"), "medium": env._("similar names"),
            "contained": env._("one name contains the other"), "low": env._("somewhat similar names"),
            "different": env._("different names"),
        }.get(level, level)
    if field == "address":
        return {
            "exact": env._("same house number and street"), "high": env._("same house number, another street"),
            "partial": env._("same street, a house number missing"), "different": env._("different address"),
        }.get(level, level)
    if field == "email":
        return {
            "exact": env._("same e-mail address"), "agree": env._("same company e-mail domain"),
            "common": env._("same e-mail domain, shared by many vendors"),
            "different": env._("different e-mail domains"),
        }.get(level, level)
    return {
        "exact": env._("same"), "agree": env._("same"), "common": env._("same, shared by many vendors"),
        "invalid_agree": env._("same, but it fails its check digit"), "high": env._("close"),
        "partial": env._("partly the same"), "different": env._("different"),
        "against": env._("different valid numbers"),
    }.get(level, level)


def sentence(env, e, names=None):
    """One evidence row in words, without its weight."""
    f, lv, value = e["field"], e["level"], e.get("value") or ""
    label = FIELD_LABELS.get(f, f)
    if f == "name":
        via = {1: " (their trade name)", 2: " (our trade name)", 3: " (trade names)"}.get(e.get("via", 0), "")
        text = env._("name %(sim).2f similar%(via)s", sim=e.get("sim", 0.0), via=via)
        if lv in ("contained", "different"):
            text += f" ({level_text(env, f, lv)})"
        if names:
            text += env._(" after normalising to “%(a)s” / “%(b)s”", a=names[0], b=names[1])
        if e.get("tf", 1.0) < 1.0:
            text += env._("; common words: weight ×%(tf).2f", tf=e["tf"])
        return text
    if f == "address":
        return level_text(env, f, lv)
    if f == "email":
        text = level_text(env, f, lv)
        return f"{text} {value}" if value and lv != "different" else text
    if lv == "against":
        return env._("different valid %(label)s numbers: strong evidence against", label=label)
    if lv == "invalid_agree":
        return env._("same %(label)s %(value)s, but it fails its check digit", label=label, value=value)
    if lv in ("agree", "exact"):
        return env._("same %(label)s %(value)s", label=label, value=value).strip()
    if lv == "common":
        return env._("same %(label)s %(value)s, shared by many vendors", label=label, value=value)
    return env._("different %(label)s", label=label)


def explain(env, evidence, names=None):
    """Evidence rows (dicts) as sentences with their learned weight in bits,
    strongest first ("name 0.93 similar: +6.1")."""
    return "\n".join(f"{sentence(env, e, names)}: {e['weight'] if abs(e['weight']) >= 0.05 else 0.0:+.1f}"
                      for e in sorted(evidence, key=lambda e: -abs(e["weight"])))


def steward_labels(env, company, since=None):
    """The steward's decisions as the engine's labels: a pair decided a
    duplicate (or merged) is a match, "not a duplicate" and a merge undone are
    not; the latest decision on a pair counts, none before ``since`` (a reset).
    A merged pair whose archived vendor is not scanned any more is left out by
    the engine."""
    Dup = env["medsync.vendor.duplicate"]
    decided = {}

    def put(left, right, when, duplicate):
        key = (min(left, right), max(left, right))
        when = when or EPOCH
        if since and when < since:
            return
        if key not in decided or when >= decided[key][0]:
            decided[key] = (when, duplicate)

    # sudo: the decisions and merge logs are read to learn from them, whoever
    # runs the scan; nothing of them is shown or written
    for d in Dup.sudo().search([("company_id", "=", company.id),
                                ("state", "in", ("duplicate", "merged", "not_duplicate"))]):
        when = d.decided_on or d.merge_log_id.create_date or d.write_date
        put(d.left_id.id, d.right_id.id, when, d.state != "not_duplicate")
    undone = env["medsync.vendor.merge.log"].sudo().with_context(active_test=False).search(
        [("company_id", "=", company.id), ("state", "=", "undone")])
    for log in undone:
        for loser in log.loser_ids:
            put(log.winner_id.id, loser.id, log.write_date, False)
    keys = sorted(decided)
    return {"left_id": [k[0] for k in keys], "right_id": [k[1] for k in keys],
            "duplicate": [decided[k][1] for k in keys]}


def _add_merged(env, company, cols, labels):
    """The vendors a label names that the scan no longer holds (archived by
    a merge) come back as kind "merged", so that the merge still teaches."""
    have = set(cols["id"])
    missing = sorted({i for i in labels["left_id"] + labels["right_id"] if i not in have})
    if not missing:
        return
    extra = fetch(env, company, partner_ids=missing, with_employees=False, merged=True)
    for c in cols:
        cols[c].extend(extra[c])


def thresholds(company):
    """The company's "likely" and "possible" match probabilities."""
    likely = company.medsync_dedupe_likely_probability or 0.5
    possible = company.medsync_dedupe_possible_probability or 0.1
    return {"likely": likely, "possible": min(possible, likely)}


def run_dedupe(env, company, trigger="button", changed_only=False):
    """Find duplicates among the company's vendors: the review queue and the
    fraud signals. A complete run learns the weights from the vendors and the
    steward's decisions and stores them as the company's new model version;
    ``changed_only`` scores only pairs touching a vendor changed since the last
    complete run, with the active version (a complete run when there is none
    to use). Vendors shared by every company are scored with the model of the
    company that scans."""
    Dup = env["medsync.vendor.duplicate"]
    Model = env["medsync.dedupe.model"]
    active = Model._active_for(company)
    params = active.params() if active else None
    last = env["medsync.run"].search([("engine", "=", "dedupe"), ("company_id", "=", company.id),
                                      ("state", "=", "done")], limit=1)
    since = last.date_start if (changed_only and last and params) else None
    with env["medsync.run"]._track("dedupe", trigger=trigger, company=company,
                                   scope="changed vendors" if since else "all vendors") as run:
        with run.phase("fetch"):
            cols = fetch(env, company, changed_since=since)
            if since:
                learn = {"model": params}
            else:
                reset = Model.sudo().with_context(active_test=False).search(
                    [("company_id", "=", company.id), ("note", "=", "reset")], limit=1)
                learn = {"labels": steward_labels(env, company, since=reset.learned_on or None)}
                _add_merged(env, company, cols, learn["labels"])
        if since and not any(cols["changed"]):
            run.count(input=len(cols["id"]))
            return run.run
        with run.phase("compute"):
            out = engine.call(env, "dedupe_vendors", cols, **thresholds(company), **learn,
                              spend_threshold=company.medsync_dedupe_spend_threshold or None)
        with run.phase("write"):
            version = active if since else Model._store(company, out["model"], run.run)
            n = Dup._sync_pairs(company, cols, out, run.run, version=version.version)
            n_sig = _raise_signals(env, company, out, run.run) + _dormant_bank_changes(env, company, run.run)
        run.count(input=len(cols["id"]), output=n, exceptions=n_sig)
    env["medsync.kpi.fact"]._refresh_after("dedupe", company)
    return run.run


def _raise_signals(env, company, out, run):
    s = out["signals"]
    partners = env["res.partner"].browse({i for i in list(s["left_id"]) + list(s["right_id"])
                                         if i < EMPLOYEE_ID_OFFSET})
    names = {p.id: p.display_name for p in partners}
    vals = []
    for kind, left, right, value in zip(s["kind"], s["left_id"], s["right_id"], s["value"], strict=True):
        vendor = left if left < EMPLOYEE_ID_OFFSET else right
        other = right if vendor == left else left
        other_name = names.get(other) or env._("an employee")
        text = {
            "shared_bank": env._("Bank account %(v)s is used by %(a)s and %(b)s", v=value, a=names.get(left),
                                 b=other_name),
            "employee_bank": env._("%(a)s is paid into an employee's bank account", a=names.get(vendor)),
            "employee_address": env._("%(a)s has an employee's home address", a=names.get(vendor)),
            "employee_phone": env._("%(a)s has an employee's phone number", a=names.get(vendor)),
            "lookalike": env._("%(a)s looks like %(b)s (a high-spend vendor) with nothing else in common",
                               a=names.get(left), b=other_name),
        }[kind]
        vals.append({
            "key": f"dedupe:{kind}:{left}:{right}",
            "reason_code": SIGNAL_REASONS[kind],
            "name": text,
            "company_id": company.id,
            "run_id": run.id,
            "partner_id": vendor,
            "res_model": "res.partner",
            "res_id": vendor,
        })
    # a signal about vendors shared by every company is raised once, in the company that found it first:
    # later scans of the other companies count it on that one (the key names the vendors, not the company)
    Exc = env["medsync.exception"]
    # sudo: the open signal may belong to another company the scanning user cannot see; only its key is read
    elsewhere = {e.key: e.company_id.id for e in Exc.sudo().search(
        [("key", "in", [v["key"] for v in vals]), ("state", "in", ("open", "in_progress")),
         ("company_id", "!=", company.id)])}
    shared = {p.id for p in partners if not p.company_id}
    vals = [v for v in vals if not (v["key"] in elsewhere and v["partner_id"] in shared)]
    Exc._raise_many(vals)
    return len(vals)


def _dormant_bank_changes(env, company, run, days=30, dormant_days=180):
    """Bank details added or changed in the last ``days`` on a vendor with
    no bill for ``dormant_days`` (but bills before)."""
    now = fields.Datetime.now()
    rows = env.execute_query(SQL(
        """SELECT b.partner_id, b.acc_number FROM res_partner_bank b JOIN res_partner p ON p.id = b.partner_id
            WHERE b.active AND b.write_date >= %(recent)s AND %(vendors)s
              AND EXISTS (SELECT 1 FROM account_move m WHERE m.partner_id = p.id AND m.move_type = 'in_invoice'
                             AND m.state = 'posted' AND m.company_id = %(company)s)
              AND NOT EXISTS (SELECT 1 FROM account_move m WHERE m.partner_id = p.id
                                 AND m.move_type = 'in_invoice' AND m.state = 'posted'
                                 AND m.company_id = %(company)s AND m.invoice_date >= %(dormant)s)""",
        recent=now - dt.timedelta(days=days), vendors=vendor_sql(company.id), company=company.id,
        dormant=(now - dt.timedelta(days=dormant_days)).date()))
    partners = env["res.partner"].browse([r[0] for r in rows])
    vals = [{
        "key": f"dedupe:dormant_bank:{pid}:{acc}",
        "reason_code": "VENDOR_DORMANT_BANK_CHANGE",
        "name": env._("Bank details of dormant vendor %(v)s changed recently (%(acc)s)",
                      v=partners.browse(pid).display_name, acc=acc),
        "company_id": company.id, "run_id": run.id, "partner_id": pid, "res_model": "res.partner", "res_id": pid,
    } for pid, acc in rows]
    env["medsync.exception"]._raise_many(vals)
    return len(vals)


# ---------------------------------------------------------------- the check at creation

_INDEXES = {}
_LOCK = threading.Lock()


def _watermark(env, company):
    env["res.partner"].flush_model()
    env["res.partner.bank"].flush_model()
    return env.execute_query(SQL(
        """SELECT COUNT(*), MAX(GREATEST(p.write_date, (SELECT MAX(b.write_date) FROM res_partner_bank b
                                                        WHERE b.partner_id = p.id)))
             FROM res_partner p WHERE %s""", vendor_sql(company.id)))[0]


def _changed_vendor_ids(env, company, since):
    return [r[0] for r in env.execute_query(SQL(
        """SELECT p.id FROM res_partner p
            WHERE %s AND GREATEST(p.write_date, (SELECT MAX(b.write_date) FROM res_partner_bank b
                                                 WHERE b.partner_id = p.id)) > %s""",
        vendor_sql(company.id), since))]


def _index_model(env, company):
    """(id, version) of the company's active model, (0, 0) when there is none
    (one indexed query, on every check: a new version is seen at once)."""
    env["medsync.dedupe.model"].flush_model(["company_id", "active", "version"])
    rows = env.execute_query(SQL(
        "SELECT id, version FROM medsync_dedupe_model WHERE company_id = %s AND active", company.id))
    return rows[0] if rows else (0, 0)


def _index_records(env, company, partner_ids=None):
    cols = fetch(env, company, partner_ids=partner_ids, with_employees=False)
    cols.pop("spend")
    cols.pop("changed")
    return cols


def _build_index(env, company, model_id, options):
    cols = _index_records(env, company)
    # sudo: the check at creation scores with the company's model whoever types
    # a vendor; its parameters are read, never shown
    model = env["medsync.dedupe.model"].sudo().browse(model_id).params() if model_id else None
    return engine.call(env, "DedupeIndex", cols, model=model, **options)


def vendor_index(env, company):
    """This process's index of the company's vendors, brought up to date:
    vendors changed since it was built are upserted; when vendors went away
    it is rebuilt. It scores with the company's active model version: a new
    version (a complete scan elsewhere, in any worker) is set on it; after a
    reset, or when the thresholds change, it is rebuilt."""
    count, mark = _watermark(env, company)
    model_id, version = _index_model(env, company)
    options = thresholds(company)
    key = (env.cr.dbname, company.id)
    with _LOCK:
        entry = _INDEXES.get(key)
        if entry and entry["options"] != options:
            entry = None
        if entry and (entry["model_id"], entry["version"]) != (model_id, version):
            # sudo: as in _build_index
            params = env["medsync.dedupe.model"].sudo().browse(model_id).params() if model_id else None
            if params is None:
                entry = None  # a reset: the index learns its own from the vendors
            else:
                entry["index"].set_model(params)
                entry.update(model_id=model_id, version=version)
        if entry and entry["mark"] == mark and entry["count"] == count:
            return entry["index"]
        if entry and mark and entry["mark"] and mark >= entry["mark"]:
            ids = _changed_vendor_ids(env, company, entry["mark"])
            if len(entry["index"]) + len(ids) >= count:
                entry["index"].upsert(_index_records(env, company, partner_ids=ids))
                if len(entry["index"]) == count:
                    entry.update(mark=mark, count=count)
                    return entry["index"]
        index = _build_index(env, company, model_id, options)
        _INDEXES[key] = {"index": index, "mark": mark, "count": count, "model_id": model_id, "version": version,
                         "options": options}
        return index


def check_vendor(env, company, values, exclude_id=None, limit=5):
    """Likely existing vendors for ``values`` (name, street, city, zip,
    country, phones, email, website, ids, banks): dicts id, score (log2
    odds), probability, band, evidence, text."""
    index = vendor_index(env, company)
    record = {k: v for k, v in values.items() if v}
    if exclude_id:
        record["id"] = exclude_id
    hits = index.query(record, limit=limit, min_probability=thresholds(company)["possible"])
    partners = env["res.partner"].browse([h["id"] for h in hits]).exists()
    by_id = {p.id: p for p in partners}
    out = []
    for h in hits:
        if h["id"] in by_id:
            h["partner"] = by_id[h["id"]]
            h["text"] = explain(env, h["evidence"])
            out.append(h)
    return out


def evidence_rows(out):
    """Evidence dicts per pair position."""
    ev = out["evidence"]
    per = {}
    for i, k in enumerate(ev["pair"]):
        per.setdefault(k, []).append({
            "field": ev["field"][i], "level": ev["level"][i], "weight": round(ev["weight"][i], 3),
            "sim": round(ev["sim"][i], 4), "tf": round(ev["tf"][i], 4), "value": ev["value"][i], "via": ev["via"][i],
        })
    return per


def dumps(value):
    return json.dumps(value, sort_keys=True)
