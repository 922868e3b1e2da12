from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from ..services import compliance, guard
from ..services import dedupe as svc


class ResPartner(models.Model):
    _inherit = "res.partner"

    medsync_npi = fields.Char("NPI", help="US National Provider Identifier (10 digits, Luhn checked).")
    medsync_dea = fields.Char("DEA number", help="DEA registration (two letters, seven digits).")
    medsync_uei = fields.Char("UEI", help="SAM.gov Unique Entity ID (12 characters).")
    medsync_duns = fields.Char("D-U-N-S", help="Dun & Bradstreet number (9 digits).")
    medsync_gln = fields.Char("GLN", help="GS1 Global Location Number (13 digits).")
    medsync_duplicate_warning = fields.Text(compute="_compute_medsync_duplicate_warning")

    def _medsync_values(self):
        self.ensure_one()
        # a number typed without a country is read as the company's country's
        country = self.country_id.code or self.env.company.country_id.code or ""
        return {
            "name": self.name or "", "street": self.street or "", "city": self.city or "", "zip": self.zip or "",
            "country": country, "phones": [x for x in (self.phone, self.mobile) if x], "email": self.email or "",
            "website": self.website or "",
            "ids": svc.identifiers(self.vat, country, npi=self.medsync_npi, dea=self.medsync_dea, uei=self.medsync_uei,
                                   duns=self.medsync_duns, gln=self.medsync_gln),
            "banks": [b.acc_number for b in self.bank_ids if b.acc_number],
        }

    @api.depends("name", "vat", "email", "phone", "mobile", "street", "zip", "website", "medsync_npi",
                 "medsync_dea", "medsync_uei", "medsync_duns", "medsync_gln", "bank_ids")
    def _compute_medsync_duplicate_warning(self):
        for p in self:
            p.medsync_duplicate_warning = False
            if not p.name or p.parent_id or not p.env.user.has_group("medsync.group_medsync_user"):
                continue
            hits = svc.check_vendor(p.env, p.env.company, p._medsync_values(), exclude_id=p._origin.id or None)
            if hits:
                p.medsync_duplicate_warning = "\n\n".join(
                    f"{h['partner'].display_name} ({h['band']}, {h['probability']:.0%})\n{h['text']}" for h in hits)

    @api.onchange("name", "vat", "email", "phone", "street", "zip", "medsync_npi")
    def _onchange_medsync_duplicates(self):
        if self.medsync_duplicate_warning:
            return {"warning": {"title": self.env._("Possible duplicate vendor"),
                                "message": self.medsync_duplicate_warning, "type": "notification"}}

    # ------------------------------------------------------------------ hard stop

    # The duplicate tax-id and bank-account stops apply between vendors only.
    # A vendor is a commercial partner that Odoo itself marks as one: its
    # ``supplier_rank`` is positive (set when it is created from a vendor screen,
    # i.e. with ``res_partner_search_mode == 'supplier'``, and raised by every
    # posted vendor bill) or it has a purchase order. The companies' own
    # partners and the partners of staff (internal users, employees) are never
    # vendors here, whatever their rank (expense reports rank employees).
    # A partner made a vendor by a posted bill (a raw rank update) is checked at
    # its next change of tax id; the nightly duplicate scan sees it meanwhile.
    _MEDSYNC_CHECK_KEYS = frozenset({"vat", "parent_id", "supplier_rank"})

    def _medsync_vendors(self):
        """The commercial partners of ``self`` that are vendors (see above)."""
        # sudo: ranks, orders, users and employees of partners the caller may not
        # read decide whether a clash counts; only a name is ever shown
        commercial = self.sudo().with_context(active_test=False).commercial_partner_id
        if not commercial:
            return self.browse()
        excluded = commercial._medsync_staff_or_company()
        vendors = commercial.filtered(lambda p: p.supplier_rank > 0) - excluded
        rest = commercial - vendors - excluded
        if rest:
            self.env["purchase.order"].flush_model(["partner_id"])
            self.env["res.partner"].flush_model(["commercial_partner_id"])
            ordered = self.env.execute_query(SQL(
                """SELECT DISTINCT p.commercial_partner_id FROM purchase_order po
                     JOIN res_partner p ON p.id = po.partner_id
                    WHERE p.commercial_partner_id = ANY(%s)""", rest.ids))
            vendors |= self.browse([row[0] for row in ordered])
        return self.browse(vendors.ids)

    def _medsync_staff_or_company(self):
        """Those of ``self`` (commercial partners, sudo) that are a company's own
        partner, an internal user's or an employee's."""
        out = self.env["res.company"].sudo().with_context(active_test=False).search(
            [("partner_id", "in", self.ids)]).partner_id
        out |= self.env["res.users"].sudo().with_context(active_test=False).search(
            [("partner_id", "in", self.ids), ("share", "=", False)]).partner_id
        if "hr.employee" in self.env:
            out |= self.env["hr.employee"].sudo().with_context(active_test=False).search(
                [("work_contact_id", "in", self.ids)]).work_contact_id
        return self & out

    def _medsync_check_unique_tax_id(self):
        """Refuse a vendor with the tax id of another active vendor of the
        company (or shared). MedSync's own callers (merge, undo) pass with
        :func:`guard.privileged`; no context key a client can send turns it off."""
        company = self.env.company
        if not company.medsync_dedupe_block or guard.is_privileged(self.env):
            return
        candidates = self.filtered(lambda x: x.vat and not x.parent_id and x.active)
        vendors = candidates._medsync_vendors() if candidates else candidates
        for p in candidates & vendors:
            vat = "".join(ch for ch in p.vat.upper() if ch.isalnum())
            # one query per vendor, comparing tax ids as the engine does
            # (upper-case letters and digits only)
            self.flush_model(["vat", "parent_id", "company_id", "active"])
            rows = self.env.execute_query(SQL(
                """SELECT id FROM res_partner
                    WHERE id <> %s AND active AND parent_id IS NULL AND vat IS NOT NULL
                      AND (company_id IS NULL OR company_id = %s)
                      AND regexp_replace(upper(vat), '[^A-Z0-9]', '', 'g') = %s
                    ORDER BY id""", p.id, company.id, vat))
            clash = self.browse([r[0] for r in rows])._medsync_vendors()
            if clash:
                raise UserError(self.env._(
                    "[MEDSYNC_DUPLICATE_TAX_ID] %(v)s has the tax id of %(o)s. Use the existing vendor, or ask "
                    "an administrator to allow it in MedSync settings.", v=p.display_name,
                    # sudo: the other vendor may be one the user cannot read; only its name is shown
                    o=clash.sorted("id")[0].sudo().display_name))

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._medsync_check_unique_tax_id()
        return partners

    def write(self, vals):
        res = super().write(vals)
        # a new tax id, a contact made a company, a partner made a vendor, a
        # vendor restored from the archive
        if self._MEDSYNC_CHECK_KEYS & vals.keys() or vals.get("active"):
            self._medsync_check_unique_tax_id()
        return res


# the compliance officer's decision and its record (services/compliance.py): written by the decision, screening
# and onboarding methods only
COMPLIANCE_FIELDS = frozenset({"medsync_compliance_state", "medsync_compliance_note", "medsync_compliance_date",
                               "medsync_compliance_by_id"})
# worst first: a merge keeps the worst state of the vendors it merges
STATE_RANK = {"blocked": 0, "suspended": 1, "onboarding": 2, "legacy": 3, "approved": 4}


class ResPartnerCompliance(models.Model):
    _inherit = "res.partner"
    _medsync_protected = COMPLIANCE_FIELDS

    type = fields.Selection(selection_add=[("medsync_principal", "Principal (owner or officer)")],
                            ondelete={"medsync_principal": "set default"})
    medsync_principal_role = fields.Selection(
        [("owner", "Owner (5 % or more)"), ("officer", "Officer"), ("both", "Owner and officer")], "Principal role",
        help="Principals of a vendor are screened against the exclusion lists with it.")
    medsync_ownership_pct = fields.Float("Ownership (%)", digits=(5, 2))
    medsync_compliance_state = fields.Selection(
        compliance.STATES, "Compliance", default="onboarding", required=True, copy=False, index=True,
        readonly=True, tracking=True,
        help="Onboarding: being vetted. Approved: vetted and clear. Approved (legacy): a vendor that existed when "
             "MedSync was installed, with the requirements it still misses listed. Suspended: stopped pending "
             "review (a screening hit, a decision); its bills are held, its orders not sent, its receipts not "
             "validated. Blocked: not to be bought from or paid.")
    medsync_compliance_note = fields.Char("Compliance decision", copy=False, readonly=True)
    medsync_compliance_date = fields.Datetime("Decided on", copy=False, readonly=True)
    medsync_compliance_by_id = fields.Many2one("res.users", "Decided by", copy=False, readonly=True)
    medsync_compliance_profile_id = fields.Many2one(
        "medsync.compliance.profile", "Requirement profile", tracking=True, index="btree_not_null",
        help="What this vendor must provide; its credentials list follows the profile.")
    medsync_credential_ids = fields.One2many("medsync.vendor.credential", "partner_id", "Credentials")
    medsync_compliance_missing = fields.Text("Missing requirements", compute="_compute_medsync_compliance")
    medsync_compliance_problem = fields.Char("Compliance problem", compute="_compute_medsync_compliance")
    medsync_screening_hit_count = fields.Integer("Open screening hits", compute="_compute_medsync_hit_count")

    @api.depends("medsync_compliance_state", "medsync_credential_ids.state",
                 "medsync_compliance_profile_id", "supplier_rank")
    def _compute_medsync_compliance(self):
        found = compliance.problems(self.filtered("id"))
        for p in self:
            # sudo: everyone who opens a vendor sees what it misses, not the documents
            creds = p.commercial_partner_id.sudo().medsync_credential_ids
            missing = creds.filtered(lambda c: c.mandatory and c.state not in ("valid", "expiring"))
            p.medsync_compliance_missing = "\n".join(
                f"{c.requirement_id.name}: {dict(c._fields['state'].selection)[c.state]}" for c in missing) or False
            # shown on vendors only: a customer or an employee is "onboarding" without being bought from
            vendor = p.commercial_partner_id.sudo()
            is_vendor = vendor.supplier_rank > 0 or vendor.medsync_compliance_profile_id or \
                vendor.medsync_compliance_state in compliance.STOPPED_STATES
            p.medsync_compliance_problem = is_vendor and found.get(vendor.id, False)

    def _compute_medsync_hit_count(self):
        # sudo: a buyer sees that hits wait, not their evidence
        counts = dict(self.env["medsync.screening.hit"].sudo()._read_group(
            [("partner_id", "in", self.ids), ("state", "in", ("new", "confirmed"))], ["partner_id"], ["__count"]))
        for p in self:
            p.medsync_screening_hit_count = counts.get(p, 0)

    def _auto_init(self):
        # vendors that exist when MedSync is installed start approved (legacy): nothing stops on that day
        new_column = not column_exists(self.env.cr, "res_partner", "medsync_compliance_state")
        res = super()._auto_init()
        if new_column:
            self.env.cr.execute(SQL("UPDATE res_partner SET medsync_compliance_state = 'legacy'"))
        return res

    @api.model_create_multi
    def create(self, vals_list):
        guard.check_create(self, vals_list, {"medsync_compliance_state": "onboarding"})
        partners = super().create(vals_list)
        partners.filtered("medsync_compliance_profile_id")._medsync_sync_credentials()
        return partners

    def write(self, vals):
        guard.check(self, vals)
        if "parent_id" in vals and not guard.is_privileged(self.env):
            # a suspended or blocked vendor attached under an approved company would be bought from and paid
            # as that company
            # (and, where the gate is on, a vendor not approved yet would be bought from as the company it joins)
            gate = self.env.company.medsync_compliance_gate
            # sudo: the states are read for whoever moves the partner
            stopped = self.sudo().filtered(lambda p: p.medsync_compliance_state in compliance.STOPPED_STATES or (
                gate and (p.supplier_rank > 0 or p.medsync_compliance_profile_id)
                and p.medsync_compliance_state not in compliance.CLEAR_STATES))
            if stopped:
                raise UserError(self.env._(
                    "MedSync compliance: %s is not cleared (onboarding, suspended or blocked) and cannot be attached "
                    "to another company.", ", ".join(stopped.mapped("display_name"))))
        res = super().write(vals)
        if "medsync_compliance_profile_id" in vals:
            self.filtered("medsync_compliance_profile_id")._medsync_sync_credentials()
        return res

    def _medsync_sync_credentials(self):
        """A credential row (missing until evidence comes) for every requirement of each vendor's profile."""
        # sudo: the profile's requirements and the credentials are read for whoever sets the profile
        partners = self.sudo()
        have = {(c.partner_id.id, c.requirement_id.id) for c in partners.medsync_credential_ids}
        vals = [{"partner_id": p.id, "requirement_id": r.id}
                for p in partners for r in p.medsync_compliance_profile_id.requirement_ids if (p.id, r.id) not in have]
        if vals:
            # sudo: whoever sets the profile (a buyer onboarding a vendor) gets the checklist; evidence and review
            # stay guarded
            self.env["medsync.vendor.credential"].sudo().create(vals)

    # ------------------------------------------------------------------ decisions

    def action_medsync_compliance_decide(self):
        compliance.check_officer(self.env)
        return {"type": "ir.actions.act_window", "res_model": "medsync.compliance.decision", "view_mode": "form",
                "target": "new", "name": self.env._("Compliance decision"),
                "context": {"default_partner_ids": self.commercial_partner_id.ids,
                            "default_decision": self.env.context.get("medsync_decision", "approve")}}

    def _medsync_set_compliance(self, state, note, log=True):
        """Set the compliance state of these vendors with a reason (MedSync's
        own callers, after their group check): holds their open bills when
        stopped, lifts the compliance holds when clear again."""
        vendors = self.commercial_partner_id
        before = {v.id: v.medsync_compliance_state for v in vendors}
        # sudo: the officer may not write vendors of every company; the decision is the control, recorded below
        guard.privileged(vendors.sudo()).write({
            "medsync_compliance_state": state, "medsync_compliance_note": note,
            "medsync_compliance_date": fields.Datetime.now(), "medsync_compliance_by_id": self.env.uid})
        if log:
            label = dict(compliance.STATES)[state]
            vendors._message_log_batch({
                v.id: self.env._("Compliance: %(old)s → %(new)s by %(user)s: %(note)s",
                                 old=dict(compliance.STATES).get(before[v.id], before[v.id]), new=label,
                                 user=self.env.user.name, note=note) for v in vendors})
        bills = self.env["account.move"]
        if state in compliance.STOPPED_STATES:
            bills._medsync_compliance_hold_vendors(vendors, note)
        elif state in compliance.CLEAR_STATES:
            bills._medsync_compliance_lift_vendors(vendors, note)
        return vendors

    def _medsync_decide(self, decision, note):
        compliance.check_officer(self.env)
        note = (note or "").strip()
        if not note:
            raise UserError(self.env._("Say why: every compliance decision is recorded with its reason."))
        vendors = self.commercial_partner_id._medsync_apply_decision(decision, note)
        self.env["medsync.kpi.fact"]._refresh_after("compliance", self.env.company)
        return vendors

    def _medsync_apply_decision(self, decision, note):
        if decision == "approve":
            refused = []
            for v in self:
                missing = v.medsync_compliance_missing
                hits = v.medsync_screening_hit_count
                if missing or hits:
                    refused.append(f"{v.display_name}: " + "; ".join(
                        x for x in [missing and missing.replace("\n", ", "),
                                    hits and self.env._("%s open screening hit(s)", hits)] if x))
            if refused:
                raise UserError(self.env._(
                    "These vendors cannot be approved yet:\n%s", "\n".join(refused)))
            return self._medsync_set_compliance("approved", note)
        if decision in ("suspend", "block", "onboarding"):
            return self._medsync_set_compliance(
                {"suspend": "suspended", "block": "blocked", "onboarding": "onboarding"}[decision], note)
        raise UserError(self.env._("Unknown compliance decision %s.", decision))
