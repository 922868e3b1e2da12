"""The vendor compliance gate: whether a vendor may be bought from and paid.

A vendor's compliance state is the compliance officer's decision
(``res.partner.medsync_compliance_state``): onboarding, approved, approved
(legacy: vendors that existed when MedSync was installed), suspended or
blocked. An approved vendor whose mandatory credential has lapsed is not
clear either. (Odoo's own "blocking" purchase warning is enforced at a
purchase order's confirmation, models/purchase_order.py.)

The gate runs where money or goods are committed, server-side and whoever
calls: confirming a purchase order, posting a vendor bill, paying it,
sending a confirmed order out and validating a receipt. Each company says per
action whether it blocks or warns (warn: the document goes through, with a
note in its chatter and an exception for compliance). A compliance officer
may override the gate for one document, with a reason recorded on it.
"""

from odoo import fields
from odoo.exceptions import UserError

STATES = [
    ("onboarding", "Onboarding"),
    ("approved", "Approved"),
    ("legacy", "Approved (legacy)"),
    ("suspended", "Suspended"),
    ("blocked", "Blocked"),
]
CLEAR_STATES = ("approved", "legacy")
# states in which the vendor's bills are held and its confirmed orders and receipts stopped, whatever the gate
STOPPED_STATES = ("suspended", "blocked")
ACTIONS = {
    "po": "confirm a purchase order",
    "bill": "post a vendor bill",
    "payment": "pay a vendor bill",
    "send": "send a confirmed purchase order",
    "receipt": "validate a receipt",
}
OFFICER = "medsync.group_medsync_compliance"
# what a vendor is paid on: its bills and its purchase receipts (a receipt is a bill without the paperwork)
PAYABLE_MOVES = ("in_invoice", "in_receipt")


def vendor_of(partner):
    return partner.commercial_partner_id if partner else partner


def stopped(partners):
    """Whether any of ``partners``, or the company it belongs to, is suspended or blocked. Read with sudo:
    the control runs for whoever acts, whatever partners they may read."""
    partners = partners.sudo()
    return bool(set((partners | partners.commercial_partner_id).mapped("medsync_compliance_state"))
                & set(STOPPED_STATES))


def problems(partners, today=None):
    """``{commercial partner id: why it is not clear}`` for the partners that
    are not clear to buy from or pay. Reads with sudo: anybody who confirms,
    posts or pays is checked, whatever they may read of the vendor."""
    today = today or fields.Date.context_today(partners)
    out = {}
    # a contact suspended or blocked in its own name (a vendor attached under another company before it was
    # stopped) stops its company's documents too
    for contact in partners.sudo().filtered(lambda p: p.commercial_partner_id != p
                                            and p.medsync_compliance_state in STOPPED_STATES):
        state = dict(STATES)[contact.medsync_compliance_state]
        out[contact.commercial_partner_id.id] = f"{contact.display_name}: {state}"
    # sudo: see the docstring
    for vendor in partners.commercial_partner_id.sudo():
        why = []
        state = vendor.medsync_compliance_state or "legacy"
        if state not in CLEAR_STATES:
            label = dict(STATES)[state]
            note = vendor.medsync_compliance_note
            why.append(f"{label}{': ' + note if note else ''}")
        if state == "approved":
            why += _lapsed(vendor, today)
        if why:
            out[vendor.id] = "; ".join([*why, *([out[vendor.id]] if vendor.id in out else [])])
    return out


def _lapsed(vendor, today):
    """What an approved vendor's profile requires and the officer's acceptance no longer covers: a mandatory
    requirement without accepted evidence, or whose accepted validity has ended. Evidence submitted since
    (waiting for review) neither lifts nor causes it."""
    creds = {c.requirement_id: c for c in vendor.medsync_credential_ids}
    out = []
    for req in vendor.medsync_compliance_profile_id.requirement_ids.filtered("mandatory"):
        cred = creds.get(req)
        if not cred or not cred.accepted:
            out.append(f"{req.name}: no accepted evidence")
        elif cred.accepted_until and cred.accepted_until < today:
            out.append(f"{req.name} expired on {cred.accepted_until}")
    return out


def mode(company, action):
    """The gate's mode for ``action`` in ``company``: off, warn or block."""
    if not company.medsync_compliance_gate:
        return "off"
    return company[f"medsync_gate_{action}"] or "block"


def _partner(rec, partner_of):
    return partner_of(rec) if callable(partner_of) else rec[partner_of]


def enforce(records, action, partner_of, stopped_only=False):
    """Refuse ``action`` on ``records`` whose vendor is not clear (company
    mode block), or let it through with a note and an exception for
    compliance (mode warn). A suspended or blocked vendor is stopped whatever
    the mode when ``stopped_only``. Documents a compliance officer overrode
    pass. ``partner_of``: the field naming the vendor, or a function giving
    it (a vendor about to be written). Returns the records that went through
    on a warning."""
    env = records.env
    pending = records.filtered(lambda r: not r.medsync_compliance_override_by_id)
    if not pending:
        return records.browse()
    found = problems(env["res.partner"].union(*(_partner(r, partner_of) for r in pending)))
    refused, warned = [], records.browse()
    for rec in pending:
        partner = _partner(rec, partner_of)
        vendor = vendor_of(partner)
        why = found.get(vendor.id)
        if not why:
            continue
        # the vendor, or the contact the document names, suspended or blocked
        how = "block" if stopped_only and stopped(partner) else mode(rec.company_id, action)
        if how == "block":
            refused.append(f"{rec.display_name} ({vendor.sudo().display_name}: {why})")
        elif how == "warn":
            warned |= rec
    if refused:
        raise UserError(env._(
            "MedSync compliance: you cannot %(action)s for a vendor that is not cleared (not approved yet, "
            "suspended or blocked). A compliance officer can approve the vendor, or override the gate for one "
            "document with a reason.\n%(docs)s",
            action=env._(ACTIONS[action]), docs="\n".join(refused)))
    if warned:
        _warn(warned, action, partner_of, found)
    return warned


def _warn(records, action, partner_of, found):
    env = records.env
    model = records._name
    # sudo: the vendor is named to whoever acts, whatever vendors they may read
    vendors = {rec.id: vendor_of(_partner(rec, partner_of)).sudo() for rec in records}
    records._message_log_batch({
        rec.id: env._("Compliance warning: %(action)s for %(vendor)s, which is not approved (%(why)s).",
                      action=env._(ACTIONS[action]), vendor=vendors[rec.id].display_name, why=found[vendors[rec.id].id])
        for rec in records})
    # sudo: the exception is compliance's, whoever triggered the warning
    env["medsync.exception"].sudo()._raise_many([{
        "reason_code": "COMPLIANCE_GATE_WARN",
        "key": f"compliance-warn:{model}:{rec.id}:{action}",
        "name": env._("%(doc)s: %(action)s for a vendor that is not approved",
                      doc=rec.display_name, action=env._(ACTIONS[action])),
        "description": found[vendors[rec.id].id],
        "company_id": rec.company_id.id,
        "res_model": model, "res_id": rec.id,
        "partner_id": vendors[rec.id].id,
    } for rec in records])


def check_officer(env):
    if not env.user.has_group(OFFICER):
        raise UserError(env._("Only a MedSync compliance officer may do this."))
