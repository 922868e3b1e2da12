from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import dedupe as svc
from ..services import guard


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
