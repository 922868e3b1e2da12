"""What the vendor compliance documents do: the supplier portal's onboarding
request (``vendor_onboarding``) and the credentialing platform's credential
status (``vendor_credential``).

They run as the sending system's technical user. Its onboarding flow lets it
manage contacts (``base.group_partner_manager``): the vendor and its
principals are written with its rights, the duplicate tax id stop included.
It holds no compliance role: the requirement profiles are read, and the
credentials and the vendor's compliance record written, with sudo and
:func:`guard.privileged`, field by field from this code, never from the
document unfiltered.

A message never decides for the compliance officer: a new vendor starts in
onboarding; an existing vendor's compliance state is never changed (a request
about an approved, suspended or blocked vendor only adds evidence); a new tax
id is held for a data steward, as in ``vendor_update``; a platform that
rejects or revokes an approved vendor's credential raises an exception for
review, it does not suspend the vendor.

``PRECHECKS`` are the checks at the door (plain reads, so that the sender
hears at once about an unknown vendor, category or requirement, each problem
with its path); the handlers run them again in the job, then act.

Leaf of ``hub_handlers``, which imports it: it imports nothing of the hub
but its leaf ``hub_base``."""

from collections import namedtuple

from markupsafe import Markup

from odoo import fields
from odoo.tools import float_compare

from . import compliance, guard
from .hub_base import HubError, Problem

# compliance states in which a message adds evidence only (no contact data, no change of profile)
ESTABLISHED = ("approved", "legacy", "suspended", "blocked")
CONTACT_FIELDS = {"name": "name", "street": "street", "city": "city", "zip": "zip", "email": "email",
                  "phone": "phone", "npi": "medsync_npi", "uei": "medsync_uei", "dea": "medsync_dea"}
# document key -> credential field
EVIDENCE = {"number": "number", "issuer": "issuer", "valid_from": "date_from", "valid_until": "date_until",
            "coverage": "coverage_amount", "document_name": "document_name", "document": "document"}
STATUS_LABELS = {"submitted": "submitted for verification", "valid": "verified", "expired": "expired",
                 "rejected": "rejected", "revoked": "revoked"}

Onboarding = namedtuple("Onboarding", "vendor_id profile_id requirements country_id state_id")


def _raise(env, vals_list):
    # sudo: the system's user reports to compliance; it may not read the exception queue
    return env["medsync.exception"].sudo()._raise_many(vals_list)


def _compact(tax_id):
    return "".join(ch for ch in (tax_id or "").upper() if ch.isalnum())


# ---------------------------------------------------------------------------- references (door and job)

def _vendor_rows(env, company_id, ref):
    """``[(id, commercial partner id)]`` of the active partners with this
    reference in the company (or shared), two at most."""
    env.cr.execute("""SELECT id, commercial_partner_id FROM res_partner
                       WHERE ref = %s AND active AND (company_id IS NULL OR company_id = %s)
                       ORDER BY id LIMIT 2""", (ref, company_id))
    return env.cr.fetchall()


def _unknown_vendor(ref):
    return HubError("UNKNOWN_VENDOR", f"No single vendor with reference {ref} for this system.")


def _known_vendor(env, company_id, partner_id, ref, new_ok=False):
    """The commercial partner id of the vendor with this reference, or
    ``None`` for a new one when ``new_ok`` and the system speaks for no
    vendor (a system that speaks for one vendor reaches that vendor only)."""
    rows = _vendor_rows(env, company_id, ref)
    if len(rows) > 1 or (rows and partner_id and rows[0][1] != partner_id):
        raise _unknown_vendor(ref)
    if not rows and (partner_id or not new_ok):
        raise _unknown_vendor(ref)
    return rows[0][1] if rows else None


def _profile_id(env, company_id, code):
    """The requirement profile of a category code (the company's own before a shared one)."""
    env.cr.execute("""SELECT id FROM medsync_compliance_profile
                       WHERE code = %s AND active AND (company_id IS NULL OR company_id = %s)
                       ORDER BY company_id NULLS LAST, id LIMIT 1""", (code, company_id))
    row = env.cr.fetchone()
    if row:
        return row[0]
    env.cr.execute("""SELECT DISTINCT code FROM medsync_compliance_profile
                       WHERE active AND (company_id IS NULL OR company_id = %s) ORDER BY code LIMIT 30""",
                   (company_id,))
    known = ", ".join(r[0] for r in env.cr.fetchall()) or "none"
    raise HubError("UNKNOWN_CATEGORY", f"No vendor category {code}.", problems=[
        Problem("category", "enum", f"unknown category {code} (known: {known})")])


def _requirements(env, profile_id, rows):
    """``{code: requirement id}`` of the profile; UNKNOWN_REQUIREMENT naming
    every credential row whose requirement the profile lacks."""
    env.cr.execute("SELECT code, id FROM medsync_compliance_requirement WHERE profile_id = %s ORDER BY sequence, id",
                   (profile_id,))
    found = dict(env.cr.fetchall())
    env.cr.execute("SELECT code FROM medsync_compliance_profile WHERE id = %s", (profile_id,))
    category = env.cr.fetchone()[0]
    known = ", ".join(found) or "none"
    problems = [Problem(f"credentials[{i}].requirement", "enum",
                        f"{row['requirement']} is not a requirement of category {category} (known: {known})")
                for i, row in enumerate(rows) if row["requirement"] not in found]
    if problems:
        raise HubError("UNKNOWN_REQUIREMENT", f"{len(problems)} credential(s) name no requirement of category "
                                              f"{category}.", problems=problems)
    return found


def _address(env, company_id, doc):
    """(country id, state id) named by the document: the state within its
    country, or the company's when it names none."""
    country = env["res.country"]
    if doc.get("country"):
        country = country.search([("code", "=", doc["country"])], limit=1)
        if not country:
            raise HubError("UNKNOWN_COUNTRY", f"No country {doc['country']}.", problems=[
                Problem("country", "enum", f"unknown country code {doc['country']}")])
    if not doc.get("state"):
        return country.id or None, None
    within = country or env["res.company"].browse(company_id).country_id
    wanted = doc["state"].lower()
    state = within.state_ids.filtered(lambda s: s.code.lower() == wanted or s.name.lower() == wanted)[:1]
    if not state:
        raise HubError("UNKNOWN_STATE", f"No state {doc['state']} in {within.code or 'the company country'}.",
                       problems=[Problem("state", "enum", f"unknown state {doc['state']} of "
                                                          f"{within.code or 'the company country'}")])
    return country.id or state.country_id.id, state.id


def _new_tax_id_taken(env, company_id, tax_id):
    """Another vendor of the company (or shared) has this tax id and the
    company blocks duplicates: the new vendor would be refused (res.partner's
    own check, which the job applies exactly)."""
    env.cr.execute("""SELECT 1 FROM res_partner p JOIN res_company c ON c.id = %s
                       WHERE c.medsync_dedupe_block AND p.active AND p.parent_id IS NULL AND p.vat IS NOT NULL
                         AND p.supplier_rank > 0 AND (p.company_id IS NULL OR p.company_id = c.id)
                         AND regexp_replace(upper(p.vat), '[^A-Z0-9]', '', 'g') = %s LIMIT 1""",
                   (company_id, _compact(tax_id)))
    return bool(env.cr.fetchone())


def _check_onboarding(env, company_id, partner_id, doc):
    """The references of an onboarding request. Its credentials name
    requirements of the vendor's profile: the category's, unless the vendor
    is established with another profile (which a message does not change)."""
    vendor_id = _known_vendor(env, company_id, partner_id, doc["vendor"], new_ok=True)
    profile_id = effective = _profile_id(env, company_id, doc["category"])
    if vendor_id is not None:
        env.cr.execute("SELECT medsync_compliance_state, medsync_compliance_profile_id FROM res_partner WHERE id = %s",
                       (vendor_id,))
        state, current = env.cr.fetchone()
        if state in ESTABLISHED and current:
            effective = current
    requirements = _requirements(env, effective, doc.get("credentials", []))
    country_id, state_id = _address(env, company_id, doc)
    if vendor_id is None and doc.get("tax_id") and _new_tax_id_taken(env, company_id, doc["tax_id"]):
        raise HubError("DUPLICATE_TAX_ID", "Another vendor has this tax id: onboard the vendor under its reference.",
                       problems=[Problem("tax_id", "duplicate", "another vendor has this tax id")])
    return Onboarding(vendor_id, profile_id, requirements, country_id, state_id)


def _check_credential(env, company_id, partner_id, doc):
    """(vendor id, requirement id): the requirement of the vendor's credential
    with this code, else of its profile."""
    vendor_id = _known_vendor(env, company_id, partner_id, doc["vendor"])
    env.cr.execute("""SELECT r.id FROM medsync_compliance_requirement r
                        LEFT JOIN medsync_vendor_credential c ON c.requirement_id = r.id AND c.partner_id = %(v)s
                       WHERE r.code = %(code)s
                         AND (c.id IS NOT NULL OR r.profile_id = (
                              SELECT medsync_compliance_profile_id FROM res_partner WHERE id = %(v)s))
                       ORDER BY c.id IS NULL, r.id LIMIT 1""", {"v": vendor_id, "code": doc["requirement"]})
    row = env.cr.fetchone()
    if not row:
        raise HubError("UNKNOWN_REQUIREMENT", f"Vendor {doc['vendor']} has no requirement {doc['requirement']}.",
                       problems=[Problem("requirement", "enum", f"{doc['requirement']} is not a requirement of "
                                                                f"this vendor's profile")])
    return vendor_id, row[0]


def precheck_onboarding(env, info, doc):
    _check_onboarding(env, info["company_id"], info["partner_id"] or None, doc)
    return doc["vendor"]


def precheck_credential(env, info, doc):
    _check_credential(env, info["company_id"], info["partner_id"] or None, doc)
    return f"{doc['vendor']}/{doc['requirement']}"


PRECHECKS = {"vendor_onboarding": precheck_onboarding, "vendor_credential": precheck_credential}


# ---------------------------------------------------------------------------- evidence

def _credentials(env):
    # sudo: the system's user holds no compliance role; it submits evidence, field by field from this module.
    # privileged: the source of the evidence (a guarded field) is recorded; review fields only as written here
    return guard.privileged(env["medsync.vendor.credential"].sudo())


def _evidence(cred, row):
    """The credential fields of ``row`` (a document's keys) that differ from ``cred`` (maybe empty)."""
    vals = {}
    for key, name in EVIDENCE.items():
        if key not in row:
            continue
        new, old = row[key], cred[name] if cred else False
        if name in ("date_from", "date_until"):
            new = fields.Date.to_date(new)
            same = old == new
        elif name == "coverage_amount":
            new = float(new)
            same = bool(cred) and float_compare(old or 0.0, new, precision_digits=2) == 0
        elif name == "document":
            same = bool(old) and (old.decode() if isinstance(old, bytes) else old) == new
        else:
            same = (old or "") == new
        if not same:
            vals[name] = new
    return vals


def _submit(env, vendor, requirements, rows, source):
    """Create or update the vendor's credentials from the document's rows:
    ``[(credential, role, row)]`` of those created or changed. A changed
    credential goes back to review."""
    Cred = _credentials(env)
    wanted = {requirements[row["requirement"]]: row for row in rows}
    have = {c.requirement_id.id: c for c in Cred.search([("partner_id", "=", vendor.id),
                                                         ("requirement_id", "in", list(wanted))])}
    out = []
    for req_id, row in wanted.items():
        cred = have.get(req_id)
        vals = _evidence(cred, row)
        if cred is None:
            cred = Cred.create({"partner_id": vendor.id, "requirement_id": req_id, "source": source, **vals})
            out.append((cred, "created", row))
        elif vals:
            # new evidence from the portal is reviewed again
            cred.write({**vals, "source": source, "review_state": "submitted", "reviewed_by_id": False,
                        "review_date": False, "review_note": False})
            out.append((cred, "updated", row))
    return out


def _principals(env, vendor, rows):
    """Create or update the vendor's principals by name: ``[(principal, role)]``."""
    have = {p.name.strip().lower(): p for p in vendor.child_ids if p.type == "medsync_principal"}
    out = []
    for row in rows:
        vals = {}
        if "role" in row:
            vals["medsync_principal_role"] = row["role"]
        if "ownership_pct" in row:
            vals["medsync_ownership_pct"] = float(row["ownership_pct"])
        principal = have.get(row["name"].lower())
        if principal is None:
            principal = env["res.partner"].create({"parent_id": vendor.id, "type": "medsync_principal",
                                                   "name": row["name"], "is_company": False, **vals})
            have[row["name"].lower()] = principal
            out.append((principal, "created"))
            continue
        changed = {k: v for k, v in vals.items()
                   if (float_compare(principal[k], v, precision_digits=2) != 0 if k == "medsync_ownership_pct"
                       else principal[k] != v)}
        if changed:
            principal.write(changed)
            out.append((principal, "updated"))
    return out


def _log(vendor, lines):
    """A note in the vendor's chatter (never fails for an author without e-mail: nothing is sent)."""
    vendor._message_log(body=Markup("<br/>").join(lines))


def _held_tax_id(env, msg, vendor, tax_id):
    """A new tax id is not applied from a message: a data steward checks it first (fraud), as in vendor_update."""
    return _raise(env, [{"reason_code": "HUB_VENDOR_REVIEW", "key": f"hub-vendor-{vendor.id}-{msg.payload_hash[:12]}",
                         "company_id": msg.company_id.id, "partner_id": vendor.id,
                         "name": env._("%s asks to change payment data", vendor.display_name),
                         "description": f"tax id {vendor.vat or '-'} -> {tax_id}", "res_model": "res.partner",
                         "res_id": vendor.id}])


def _exception_links(excs):
    return [(exc, "created" if exc.occurrence_count <= 1 else "updated") for exc in excs]


# ---------------------------------------------------------------------------- vendor_onboarding

def _contact_values(doc, found):
    vals = {f: doc[k] for k, f in CONTACT_FIELDS.items() if k in doc}
    if found.country_id:
        vals["country_id"] = found.country_id
    if found.state_id:
        vals["state_id"] = found.state_id
    return vals


def _claim_reference(env, company_id, ref):
    """Two jobs creating the same new vendor at once would make two: the
    second waits for a retry (a new transaction sees the first's vendor). The
    hub's batch channel runs one job at a time as configured; this holds when
    it runs more."""
    env.cr.execute("SELECT pg_try_advisory_xact_lock(hashtext('medsync.vendor_onboarding'), hashtext(%s))",
                   (f"{company_id}:{ref}",))
    if not env.cr.fetchone()[0]:
        raise HubError("VENDOR_BUSY", f"Vendor {ref} is being created by another message; retrying.", permanent=False)


def _create_vendor(env, msg, doc, found):
    vals = {**_contact_values(doc, found), "ref": doc["vendor"], "is_company": True, "supplier_rank": 1,
            "company_id": msg.company_id.id}
    if doc.get("tax_id"):
        vals["vat"] = doc["tax_id"]
    # as the system's user: its rights and the duplicate tax id stop apply; the state is onboarding (the default)
    vendor = env["res.partner"].create(vals)
    # sudo: the requirement profiles are compliance's catalogue, which the system's user may not read; setting
    # one lists the vendor's requirements (res.partner._medsync_sync_credentials)
    vendor.sudo().write({"medsync_compliance_profile_id": found.profile_id})
    # privileged: the record of how the vendor came, on its guarded compliance fields (its state stays onboarding)
    guard.privileged(vendor).write({
        "medsync_compliance_note": env._("Onboarding requested through %(system)s (message %(msg)s)",
                                         system=msg.system_id.name, msg=msg.id),
        "medsync_compliance_date": fields.Datetime.now()})
    return vendor


def _update_vendor(env, doc, found, vendor):
    """Contact data and profile of a vendor still in onboarding; for an
    established one, nothing but the profile it lacks. Returns notes."""
    notes = []
    state = vendor.medsync_compliance_state
    wanted = _contact_values(doc, found)
    changed = {f: v for f, v in wanted.items()
               if (vendor[f].id if f in ("country_id", "state_id") else (vendor[f] or "")) != v}
    profile = env["medsync.compliance.profile"].sudo().browse(found.profile_id)  # sudo: see _create_vendor
    current = vendor.sudo().medsync_compliance_profile_id  # sudo: see _create_vendor
    if state in ESTABLISHED:
        if changed:
            notes.append(env._("Contact data not applied to a vendor in state %(state)s (%(fields)s): send a "
                               "vendor update.", state=dict(compliance.STATES)[state],
                               fields=", ".join(sorted(changed))))
        if current and current != profile:
            notes.append(env._("Asks for category %(new)s; its profile %(old)s is kept until a compliance officer "
                               "changes it.", new=profile.code, old=current.code))
    elif changed:
        vendor.write(changed)
    if not current or (current != profile and state not in ESTABLISHED):
        vendor.sudo().write({"medsync_compliance_profile_id": profile.id})  # sudo: see _create_vendor
    return notes


def handle_onboarding(env, msg, doc):
    partner_id = msg.system_id.partner_id.commercial_partner_id.id or None
    found = _check_onboarding(env, msg.company_id.id, partner_id, doc)
    links, notes = [], []
    if found.vendor_id is None:
        _claim_reference(env, msg.company_id.id, doc["vendor"])
        vendor = _create_vendor(env, msg, doc, found)
        links.append((vendor, "created"))
        what = env._("New vendor %(vendor)s asks to be onboarded in category %(cat)s.", vendor=vendor.display_name,
                     cat=doc["category"])
    else:
        vendor = env["res.partner"].browse(found.vendor_id)
        notes = _update_vendor(env, doc, found, vendor)
        links.append((vendor, "updated"))
        what = env._("%(vendor)s (%(state)s) sends onboarding evidence, category %(cat)s.",
                     vendor=vendor.display_name, cat=doc["category"],
                     state=dict(compliance.STATES)[vendor.medsync_compliance_state])
        if doc.get("tax_id") and _compact(doc["tax_id"]) != _compact(vendor.vat):
            links += _exception_links(_held_tax_id(env, msg, vendor, doc["tax_id"]))
            notes.append(env._("New tax id %s held for a data steward.", doc["tax_id"]))
    principals = _principals(env, vendor, doc.get("principals", []))
    creds = _submit(env, vendor, found.requirements, doc.get("credentials", []), "portal")
    links += principals + [(cred, role) for cred, role, _row in creds]
    lines = [what]
    lines += [env._("Principal %(name)s %(role)s", name=p.name, role=role) for p, role in principals]
    lines += [env._("Credential %(req)s submitted%(number)s%(until)s", req=cred.requirement_id.name,
                    number=f", no. {row['number']}" if row.get("number") else "",
                    until=f", valid until {row['valid_until']}" if row.get("valid_until") else "")
              for cred, _role, row in creds]
    lines += notes
    lines.append(env._("Received from %(system)s (message %(msg)s).", system=msg.system_id.name, msg=msg.id))
    _log(vendor, lines)
    # one exception per vendor while open: a repeated request counts again instead of a duplicate
    links += _exception_links(_raise(env, [{
        "reason_code": "COMPLIANCE_ONBOARDING", "key": f"compliance-onboarding-{vendor.id}",
        "company_id": msg.company_id.id, "partner_id": vendor.id, "res_model": "res.partner", "res_id": vendor.id,
        "name": env._("%(vendor)s: onboarding request from %(system)s", vendor=vendor.display_name,
                      system=msg.system_id.name),
        "description": "\n".join(lines)}]))
    return links


# ---------------------------------------------------------------------------- vendor_credential

def _review_values(env, msg, doc):
    """(review fields, note) of the platform's status; expired leaves the review as it is."""
    when = doc.get("checked_at") or fields.Datetime.to_string(msg.received_at or fields.Datetime.now())
    note = env._("%(what)s by %(system)s at %(when)s", what=STATUS_LABELS[doc["status"]].capitalize(),
                 system=msg.system_id.name, when=when)
    if doc.get("note"):
        note = f"{note}: {doc['note']}"
    status = doc["status"]
    if status == "expired":
        return {}, note
    if status == "submitted":
        return {"review_state": "submitted", "reviewed_by_id": False, "review_date": False, "review_note": note}, note
    # the platform is trusted to verify (valid) or to refuse (rejected, revoked): its review is recorded as such
    return {"review_state": "valid" if status == "valid" else "rejected", "reviewed_by_id": env.uid,
            "review_date": fields.Datetime.now(), "review_note": note}, note


def _expired_end(doc, cred):
    """An expired credential without an end date given ends, at the latest,
    the day before the platform found it expired."""
    if doc.get("valid_until"):
        return {}
    checked = fields.Date.to_date((doc.get("checked_at") or "")[:10] or fields.Date.today())
    end = fields.Date.subtract(checked, days=1)
    if cred and cred.date_until and cred.date_until <= end:
        return {}
    return {"date_until": end}


def handle_credential(env, msg, doc):
    partner_id = msg.system_id.partner_id.commercial_partner_id.id or None
    vendor_id, requirement_id = _check_credential(env, msg.company_id.id, partner_id, doc)
    vendor = env["res.partner"].browse(vendor_id)
    Cred = _credentials(env)
    cred = Cred.search([("partner_id", "=", vendor_id), ("requirement_id", "=", requirement_id)], limit=1)
    vals = _evidence(cred, doc)
    review, note = _review_values(env, msg, doc)
    if doc["status"] == "expired":
        vals.update(_expired_end(doc, cred))
        if cred:
            review = {"review_state": cred.review_state}  # a lapse is no new evidence to review again
    if not cred:
        cred = Cred.create({"partner_id": vendor_id, "requirement_id": requirement_id, "source": "platform",
                            **vals, **review})
        role = "created"
    elif vals or cred.review_state != review.get("review_state", cred.review_state):
        cred.write({**vals, **review, "source": "platform"})
        role = "updated"
    else:
        cred._refresh_state()  # the same status again: only its dates may have passed meanwhile
        return [(cred, "updated")]
    cred._refresh_state()
    _log(vendor, [env._("Credential %(req)s: %(note)s.", req=cred.requirement_id.name, note=note),
                  env._("Received from %(system)s (message %(msg)s).", system=msg.system_id.name, msg=msg.id)])
    links = [(cred, role)]
    if doc["status"] in ("rejected", "revoked") and vendor.medsync_compliance_state in compliance.CLEAR_STATES:
        # an approved vendor is not suspended by a message: compliance reviews it
        links += _exception_links(_raise(env, [{
            "reason_code": "COMPLIANCE_ONBOARDING", "key": f"compliance-credential-{cred.id}",
            "company_id": msg.company_id.id, "partner_id": vendor_id, "res_model": "res.partner", "res_id": vendor_id,
            "name": env._("%(vendor)s: %(req)s %(status)s by %(system)s", vendor=vendor.display_name,
                          req=cred.requirement_id.name, status=doc["status"], system=msg.system_id.name),
            "description": env._("%(note)s. The vendor is %(state)s: review it (suspend it, or ask for new "
                                 "evidence).", note=note,
                                 state=dict(compliance.STATES)[vendor.medsync_compliance_state])}]))
    return links


HANDLERS = {"vendor_onboarding": handle_onboarding, "vendor_credential": handle_credential}
