import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import guard

# the fields a steward decides, in the order the wizard shows them (those a partner lacks in this database are
# left out); only the fields where the vendors differ are offered
SURVIVOR_FIELDS = ["name", "company_registry", "ref", "vat", "street", "street2", "city", "zip", "state_id",
                   "country_id", "phone", "mobile", "email", "website", "medsync_npi", "medsync_dea", "medsync_uei",
                   "medsync_duns", "medsync_gln", "property_supplier_payment_term_id",
                   "property_purchase_currency_id", "lang", "comment"]  # fmt: skip
# tables that point at records by (model column, res_id)
REF_TABLES = {"mail_message": "model", "ir_attachment": "res_model", "mail_activity": "res_model"}


class MedsyncVendorMerge(models.TransientModel):
    """Merge duplicate vendors: any number of them, the steward picks the
    surviving vendor and, field by field, the surviving value. References are
    re-pointed with Odoo's own merge machinery; the others are archived, not
    deleted, and everything moved is logged so the merge can be undone."""

    _name = "medsync.vendor.merge"
    _description = "Merge vendors"

    partner_ids = fields.Many2many("res.partner", string="Vendors", required=True)
    winner_id = fields.Many2one("res.partner", "Surviving vendor", domain="[('id', 'in', partner_ids)]")
    line_ids = fields.One2many("medsync.vendor.merge.line", "wizard_id", string="Surviving values")
    duplicate_ids = fields.Many2many("medsync.vendor.duplicate")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        # opened from the vendors' list (Action › Merge vendors): the selected vendors
        ctx = self.env.context
        if "partner_ids" in fields_list and not res.get("partner_ids") and ctx.get("active_model") == "res.partner":
            res["partner_ids"] = [(6, 0, ctx.get("active_ids") or [])]
        return res

    @api.model
    def _action_open(self, partners, duplicates=None):
        """The wizard on ``partners`` (the pairs ``duplicates`` decided with it), titled."""
        action = self.env["ir.actions.act_window"]._for_xml_id("medsync.medsync_vendor_merge_action")
        action["context"] = {"default_partner_ids": partners.ids,
                             "default_duplicate_ids": duplicates.ids if duplicates else []}
        return action

    @api.model
    def _survivor_fields(self):
        fields_ = self.env["res.partner"]._fields
        return [f for f in SURVIVOR_FIELDS if f in fields_]

    @api.model
    def _comparable(self, value):
        if isinstance(value, models.BaseModel):
            return tuple(value.ids)
        if isinstance(value, str):
            return " ".join(value.split()).casefold()
        return value

    @api.onchange("partner_ids", "winner_id")
    def _onchange_partners(self):
        partners = self.partner_ids._origin
        if not self.winner_id and partners:
            self.winner_id = partners.sorted(lambda p: (not p.active, p.id))[0]
        lines = [(5, 0, 0)]
        winner = self.winner_id._origin or self.winner_id
        if len(partners) < 2:
            self.line_ids = lines
            return
        for fname in self._survivor_fields():
            values = {p.id: p[fname] for p in partners if p[fname]}
            # the same value everywhere (spacing and case aside), and the survivor has it: nothing to decide
            distinct = {self._comparable(v) for v in values.values()}
            if len(distinct) <= 1 and (not values or winner.id in values):
                continue
            if not values:
                continue
            source = winner.id if winner.id in values else next(iter(values))
            lines.append((0, 0, {"field_name": fname, "source_id": source}))
        self.line_ids = lines

    def _fk_snapshot(self, losers, winner):
        """Rows pointing at each loser, by table and column (taken before
        Odoo's merge re-points them)."""
        # privileged: MedSync's merge keeps its own review records on the losers
        # (models/base_partner_merge.py)
        merge = guard.privileged(self.env["base.partner.merge.automatic.wizard"])
        fk, ref, rel = [], [], []
        relations = [(t, c) for t, c in merge._get_fk_on("res_partner") if "base_partner_merge_" not in t]
        columns = {}
        for table, col in self.env.execute_query(SQL(
                "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_name = ANY(%s)",
                [t for t, _ in relations])):
            columns.setdefault(table, []).append(col)
        for table, column in relations:
            cols = columns.get(table, [])
            if "id" in cols:
                rows = self.env.execute_query(SQL(
                    "SELECT %s, array_agg(id ORDER BY id) FROM %s WHERE %s = ANY(%s) GROUP BY 1 ORDER BY 1",
                    SQL.identifier(column), SQL.identifier(table), SQL.identifier(column), losers.ids))
                fk.extend([table, column, loser, ids] for loser, ids in rows)
                continue
            # a relation table (two columns): the rows Odoo's merge will move
            # are those whose other value the survivor does not have yet
            other = next((c for c in cols if c != column), None)
            if not other:
                continue
            rows = self.env.execute_query(SQL(
                """SELECT %(c)s, array_agg(%(o)s ORDER BY %(o)s) FROM %(t)s
                    WHERE %(c)s = ANY(%(losers)s) AND %(o)s NOT IN
                          (SELECT %(o)s FROM %(t)s WHERE %(c)s = %(winner)s AND %(o)s IS NOT NULL)
                    GROUP BY 1 ORDER BY 1""",
                o=SQL.identifier(other), t=SQL.identifier(table), c=SQL.identifier(column), losers=losers.ids,
                winner=winner.id))
            rel.extend([table, column, other, loser, values] for loser, values in rows)
        for table, model_column in REF_TABLES.items():
            rows = self.env.execute_query(SQL(
                """SELECT res_id, array_agg(id ORDER BY id) FROM %s
                    WHERE %s = 'res.partner' AND res_id = ANY(%s) GROUP BY 1 ORDER BY 1""",
                SQL.identifier(table), SQL.identifier(model_column), losers.ids))
            ref.extend([table, loser, ids] for loser, ids in rows)
        return {"fk": fk, "ref": ref, "rel": rel}

    def _check(self, winner, losers):
        if not self.env.user.has_group("medsync.group_medsync_steward"):
            raise UserError(self.env._("Only a vendor data steward can merge vendors."))
        if not losers:
            raise UserError(self.env._("Choose at least two vendors to merge."))
        companies = {p.company_id for p in winner | losers}
        if len(companies) > 1:
            raise UserError(self.env._(
                "These vendors belong to different companies (%s): they cannot be merged.",
                ", ".join(c.name or self.env._("shared") for c in companies)))
        if (winner | losers).filtered("parent_id"):
            raise UserError(self.env._("Merge company-level vendors only, not their contacts."))
        if len((winner | losers).with_context(active_test=False).user_ids) > 1:
            raise UserError(self.env._("These vendors are linked to more than one user."))
        # hashed (inalterable) journal entries would get another partner
        hashed = self.env["account.move"].sudo().search([
            ("partner_id", "in", losers.ids), ("inalterable_hash", "!=", False)], limit=5)
        if not hashed:
            lines = self.env["account.move.line"].sudo().search([
                ("partner_id", "in", losers.ids), ("move_id.inalterable_hash", "!=", False)], limit=5)
            hashed = lines.move_id
        if hashed:
            raise UserError(self.env._(
                "[MEDSYNC_MERGE_HASHED] Merging would alter secured (hashed) journal entries: %s. Keep these "
                "vendors apart and archive the duplicate instead.", ", ".join(hashed.mapped("display_name"))))

    def action_merge(self):
        self.ensure_one()
        winner = self.winner_id
        if not winner or winner not in self.partner_ids:
            raise UserError(self.env._("Choose the surviving vendor among the vendors to merge."))
        losers = self.partner_ids - winner
        self._check(winner, losers)
        env = self.env
        env.flush_all()
        chosen = {}
        before = {}
        for line in self.line_ids:
            value = line.source_id[line.field_name]
            field = winner._fields[line.field_name]
            new = value.id if field.type == "many2one" else value
            old = winner[line.field_name]
            before[line.field_name] = old.id if field.type == "many2one" else old
            chosen[line.field_name] = new
        moved = self._fk_snapshot(losers, winner)
        banks = self._merge_banks(losers, winner)
        merge = guard.privileged(env["base.partner.merge.automatic.wizard"])  # as in _fk_snapshot
        # sudo: re-pointing references is done in SQL across every model, as
        # Odoo's own merge wizard does; the steward's right to merge was checked
        merge.sudo()._update_foreign_keys(losers, winner)
        merge.sudo()._update_reference_fields(losers, winner)
        env.invalidate_all()
        # sudo: archiving the merged vendors needs partner write rights the
        # steward may lack on records now empty of references. Archived first,
        # so that the tax-id guard does not refuse the survivor their number.
        losers.sudo().write({"active": False})
        winner.write(chosen)
        log = guard.privileged(env["medsync.vendor.merge.log"]).create({
            "name": env._("%(w)s ← %(l)s", w=winner.display_name, l=", ".join(losers.mapped("display_name"))),
            "winner_id": winner.id,
            "loser_ids": [(6, 0, losers.ids)],
            "moved_json": json.dumps(moved),
            "winner_before_json": json.dumps(before, default=str),
            "banks_json": json.dumps(banks),
            "moved_count": (sum(len(x[3]) for x in moved["fk"]) + sum(len(x[2]) for x in moved["ref"])
                            + sum(len(x[4]) for x in moved["rel"])),
            "company_id": (winner.company_id or env.company).id,
        })
        # the pairs inside the merged set are merged; a pair of a merged
        # vendor with an outsider keeps its own decision
        merged = (losers | winner).ids
        dups = env["medsync.vendor.duplicate"].search([
            "|", ("left_id", "in", losers.ids), ("right_id", "in", losers.ids),
            ("left_id", "in", merged), ("right_id", "in", merged)])
        guard.privileged(dups).write({"state": "merged", "merge_log_id": log.id})
        dups._log_decision(env._("Merged (%s)", log.name))
        winner._message_log(body=env._("Merged %(n)s vendors into this one by %(user)s (MedSync merge log %(log)s).",
                                       n=len(losers), user=env.user.name, log=log.name))
        return {"type": "ir.actions.act_window", "res_model": "medsync.vendor.merge.log", "res_id": log.id,
                "view_mode": "form", "target": "current"}

    def _merge_banks(self, losers, winner):
        """Bank accounts by sanitised number: a loser's account the survivor
        already has is folded into it (references moved, then removed, its
        values kept for undo); the others move to the survivor."""
        merge = self.env["base.partner.merge.automatic.wizard"].sudo()
        folded = []
        for bank in losers.bank_ids:
            same = winner.bank_ids.filtered(lambda b, s=bank.sanitized_acc_number: b.sanitized_acc_number == s)
            if same:
                merge._update_foreign_keys_generic("res.partner.bank", bank, same[0])
                folded.append({"acc_number": bank.acc_number, "partner_id": bank.partner_id.id,
                               "bank_id": bank.bank_id.id or False})
                bank.unlink()
            else:
                # privileged: the survivor takes over the loser's account, which the
                # duplicate-bank stop would refuse while the loser still holds it
                guard.privileged(bank).write({"partner_id": winner.id})
        return folded
