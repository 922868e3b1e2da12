from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import compliance, guard

STATES = [("missing", "Missing"), ("submitted", "Submitted"), ("valid", "Valid"), ("expiring", "Expiring"),
          ("expired", "Expired"), ("rejected", "Rejected")]
REVIEW_STATES = [("submitted", "To review"), ("valid", "Accepted"), ("rejected", "Rejected")]
# IRS bulk TIN matching result codes (Publication 2108A)
TIN_CODES = [
    ("0", "0: name and TIN match"),
    ("1", "1: TIN missing or not 9 digits"),
    ("2", "2: TIN not issued"),
    ("3", "3: name and TIN do not match"),
    ("4", "4: invalid request"),
    ("5", "5: duplicate request"),
    ("6", "6: matched on SSN"),
    ("7", "7: matched on EIN"),
    ("8", "8: matched on SSN and EIN"),
]
TIN_MATCHED = ("0", "6", "7", "8")
EXPIRING_DAYS = 30
REMINDER_DAYS = (90, 60, 30)
SOURCES = [("odoo", "Odoo"), ("portal", "Supplier portal"), ("platform", "Credentialing platform"),
           ("irs", "IRS TIN matching")]
# what a submitter gives; a change of any of them on an accepted credential sends it back to review
EVIDENCE_FIELDS = frozenset({"partner_id", "requirement_id", "document", "document_name", "number", "issuer",
                             "date_from", "date_until", "coverage_amount"})


class MedsyncVendorCredential(models.Model):
    """One requirement of a vendor's profile and the evidence for it: the
    document, its number, issuer and validity, and the compliance officer's
    review. Anyone who manages vendors may submit evidence; only a compliance
    officer accepts or rejects it (services/guard.py)."""

    _name = "medsync.vendor.credential"
    _description = "MedSync vendor credential"
    _inherit = ["medsync.guarded"]
    _order = "partner_id, requirement_id"
    _rec_name = "requirement_id"
    _medsync_protected = frozenset({"state", "review_state", "reviewed_by_id", "review_date", "review_note",
                                    "tin_match_code", "tin_match_date", "reminded_days", "source", "accepted",
                                    "accepted_until"})
    _medsync_create_values = {"review_state": "submitted", "state": "missing", "source": "odoo", "accepted": False}

    partner_id = fields.Many2one("res.partner", "Vendor", required=True, index=True, ondelete="cascade",
                                 domain=[("is_company", "=", True)])
    requirement_id = fields.Many2one("medsync.compliance.requirement", required=True, index=True,
                                     ondelete="restrict")
    kind = fields.Selection(related="requirement_id.kind", store=True)
    mandatory = fields.Boolean(related="requirement_id.mandatory")
    document = fields.Binary(attachment=True, copy=False)
    document_name = fields.Char()
    number = fields.Char(help="Licence, registration, policy or certificate number.")
    issuer = fields.Char(help="Issuing state board, agency, insurer...")
    date_from = fields.Date("Valid from")
    date_until = fields.Date("Valid until", index=True)
    coverage_amount = fields.Monetary("Coverage", currency_field="currency_id")
    currency_id = fields.Many2one(related="requirement_id.currency_id")
    source = fields.Selection(SOURCES, default="odoo", readonly=True)
    state = fields.Selection(STATES, default="missing", required=True, index=True, readonly=True)
    review_state = fields.Selection(REVIEW_STATES, "Review", default="submitted", required=True, readonly=True)
    reviewed_by_id = fields.Many2one("res.users", "Reviewed by", readonly=True)
    review_date = fields.Datetime("Reviewed on", readonly=True)
    review_note = fields.Text("Review note", readonly=True)
    tin_match_code = fields.Selection(TIN_CODES, "IRS TIN match", readonly=True)
    tin_match_date = fields.Date("TIN matched on", readonly=True)
    reminded_days = fields.Integer(readonly=True, help="The last expiry reminder sent (days before the end).")
    # what the purchasing gate trusts: the evidence as the officer (or a trusted platform) last accepted it; new
    # evidence waiting for review does not change it, a rejection or a move to another vendor withdraws it
    accepted = fields.Boolean(readonly=True, copy=False)
    accepted_until = fields.Date("Accepted until", readonly=True, copy=False)

    _sql_constraints = [("vendor_requirement_uniq", "unique(partner_id, requirement_id)",
                         "A vendor has one credential per requirement.")]

    @api.model_create_multi
    def create(self, vals_list):
        creds = super().create(vals_list)
        creds._refresh_state()
        return creds

    def write(self, vals):
        evidence = EVIDENCE_FIELDS & vals.keys()
        # new evidence is reviewed again, whoever gives it (MedSync's own writes, the hub's among them, say how it
        # was reviewed)
        resubmitted = evidence and "review_state" not in vals and not guard.is_privileged(self.env)
        reviewed = self.filtered(lambda c: c.review_state != "submitted") if resubmitted else self.browse()
        res = super().write(vals)
        if reviewed:
            guard.privileged(reviewed).write({"review_state": "submitted", "reviewed_by_id": False,
                                              "review_date": False, "review_note": False})
        if vals.get("review_state") == "valid":
            for until, creds in self.grouped("date_until").items():
                guard.privileged(creds).write({"accepted": True, "accepted_until": until})
        elif vals.get("review_state") == "rejected" or ({"partner_id", "requirement_id"} & vals.keys()
                                                         and not guard.is_privileged(self.env)):
            guard.privileged(self).write({"accepted": False, "accepted_until": False})
        if "date_until" in vals and "reminded_days" not in vals:
            # a renewed credential is reminded of its new end
            guard.privileged(self).write({"reminded_days": 0})
        if evidence or "review_state" in vals or "tin_match_code" in vals:
            self._refresh_state()
        return res

    # ------------------------------------------------------------------ state

    def _compute_state_value(self, today):
        self.ensure_one()
        if self.review_state == "rejected":
            return "rejected"
        has_evidence = bool(self.document or self.number or self.date_until or self.tin_match_code)
        if not has_evidence:
            return "missing"
        if self.date_until and self.date_until < today:
            return "expired"
        if self.review_state != "valid" or (self.kind == "w9" and self.tin_match_code
                                             and self.tin_match_code not in TIN_MATCHED):
            return "submitted"
        if self.date_until and self.date_until <= today + relativedelta(days=EXPIRING_DAYS):
            return "expiring"
        return "valid"

    def _refresh_state(self):
        today = fields.Date.context_today(self)
        for state, creds in self.grouped(lambda c: c._compute_state_value(today)).items():
            changed = creds.filtered(lambda c, s=state: c.state != s)
            if changed:
                guard.privileged(changed).write({"state": state})

    # ------------------------------------------------------------------ review

    def _review(self, review_state, note):
        compliance.check_officer(self.env)
        if review_state == "rejected" and not (note or "").strip():
            raise UserError(_("Say why the credential is rejected."))
        if review_state == "valid":
            empty = self.filtered(lambda c: not (c.document or c.number or c.date_until or c.tin_match_code))
            if empty:
                raise UserError(_("There is no evidence to accept for: %s",
                                  ", ".join(f"{c.partner_id.display_name} › {c.requirement_id.name}" for c in empty)))
        guard.privileged(self).write({"review_state": review_state, "reviewed_by_id": self.env.uid,
                                      "review_date": fields.Datetime.now(), "review_note": (note or "").strip()})
        self._refresh_state()
        self.env["medsync.kpi.fact"]._refresh_after("compliance", self.env.company)
        label = dict(REVIEW_STATES)[review_state]
        by_vendor = self.grouped("partner_id")
        self.env["res.partner"].browse([p.id for p in by_vendor])._message_log_batch({
            vendor.id: self.env._("Credential %(names)s: %(label)s by %(user)s%(note)s", names=", ".join(
                creds.mapped("requirement_id.name")), label=label, user=self.env.user.name,
                note=f": {note.strip()}" if (note or "").strip() else "")
            for vendor, creds in by_vendor.items()})

    def action_accept(self):
        self._review("valid", "")

    def action_reject(self):
        return {"type": "ir.actions.act_window", "res_model": "medsync.compliance.decision", "view_mode": "form",
                "target": "new", "name": _("Reject credential"),
                "context": {"default_credential_ids": self.ids, "default_decision": "reject_credential"}}

    # ------------------------------------------------------------------ scheduled

    @api.model
    def _cron_expiry(self):
        """Daily: credentials move to expiring and expired as their dates pass;
        the vendor's owner gets a to-do 90, 60 and 30 days before the end (each once)."""
        today = fields.Date.context_today(self)
        horizon = today + relativedelta(days=max(REMINDER_DAYS))
        creds = self.search([("date_until", "!=", False), ("date_until", "<=", horizon),
                             ("state", "in", ("valid", "expiring", "submitted"))])
        creds._refresh_state()
        due = []
        for cred in creds.filtered(lambda c: c.state in ("valid", "expiring", "submitted")):
            left = (cred.date_until - today).days
            step = min((d for d in REMINDER_DAYS if left <= d), default=None)
            if step is not None and (not cred.reminded_days or step < cred.reminded_days):
                due.append((cred, step))
        self._remind(due)
        return len(due)

    def _remind(self, due):
        activity = self.env.ref("mail.mail_activity_data_todo")
        officers = self.env.ref(compliance.OFFICER).users.filtered(lambda u: not u.share)
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals, steps = [], {}
        for cred, step in due:
            owner = cred.partner_id.user_id or officers[:1] or self.env.ref("base.user_admin")
            vals.append({
                "res_model_id": model_id, "res_id": cred.partner_id.id, "activity_type_id": activity.id,
                "user_id": owner.id, "date_deadline": cred.date_until - relativedelta(days=max(step - 30, 0)),
                "summary": _("%(req)s expires on %(date)s (%(days)s days)", req=cred.requirement_id.name,
                             date=cred.date_until, days=step),
                "note": _("Ask %(vendor)s for a renewed %(req)s before %(date)s.", vendor=cred.partner_id.name,
                          req=cred.requirement_id.name, date=cred.date_until),
            })
            steps.setdefault(step, cred.browse())
            steps[step] |= cred
        for step, creds in steps.items():
            guard.privileged(creds).write({"reminded_days": step})
        if vals:
            # sudo: the reminder is assigned to the vendor's owner, who may not have scheduled it
            self.env["mail.activity"].sudo().create(vals)
