from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

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
                    f"{h['partner'].display_name} ({h['band']}, {h['score']:.1f})\n{h['text']}" for h in hits)

    @api.onchange("name", "vat", "email", "phone", "street", "zip", "medsync_npi")
    def _onchange_medsync_duplicates(self):
        if self.medsync_duplicate_warning:
            return {"warning": {"title": self.env._("Possible duplicate vendor"),
                                "message": self.medsync_duplicate_warning, "type": "notification"}}

    # ------------------------------------------------------------------ hard stop

    def _medsync_check_unique_tax_id(self):
        company = self.env.company
        if not company.medsync_dedupe_block:
            return
        for p in self.filtered(lambda x: x.vat and not x.parent_id):
            vat = "".join(ch for ch in p.vat.upper() if ch.isalnum())
            # one query per partner, comparing tax ids as the engine does
            # (upper-case letters and digits only)
            self.flush_model(["vat", "parent_id", "company_id", "active"])
            clash = self.env.execute_query(SQL(
                """SELECT id FROM res_partner
                    WHERE id <> %s AND active AND parent_id IS NULL AND vat IS NOT NULL
                      AND (company_id IS NULL OR company_id = %s)
                      AND regexp_replace(upper(vat), '[^A-Z0-9]', '', 'g') = %s
                    ORDER BY id LIMIT 1""", p.id, company.id, vat))
            if clash:
                raise UserError(self.env._(
                    "[MEDSYNC_DUPLICATE_TAX_ID] %(v)s has the tax id of %(o)s. Use the existing vendor, or ask "
                    "an administrator to allow it in MedSync settings.", v=p.display_name,
                    o=self.browse(clash[0][0]).display_name))

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._medsync_check_unique_tax_id()
        return partners

    def write(self, vals):
        res = super().write(vals)
        if "vat" in vals and vals.get("vat"):
            self._medsync_check_unique_tax_id()
        return res
