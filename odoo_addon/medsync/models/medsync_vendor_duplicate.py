import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import bulk, dedupe_view, guard
from ..services import dedupe as svc

STATES = [("new", "New"), ("duplicate", "Duplicate"), ("not_duplicate", "Not a duplicate"), ("merged", "Merged")]
BANDS = [("likely", "Likely"), ("possible", "Possible")]
# what a re-scan refreshes on a known pair (column, SQL type)
REFRESH_COLUMNS = [("id", "int4"), ("score", "float8"), ("probability", "float8"), ("uncertainty", "float8"),
                   ("band", "varchar"), ("cluster_key", "int4"), ("evidence_json", "text"),
                   ("evidence_fields", "varchar"), ("compared_hash", "varchar"), ("spend_exposure", "numeric"),
                   ("priority", "float8"), ("model_version", "int4"), ("run_id", "int4"), ("write_uid", "int4"),
                   ("write_date", "timestamp")]


def pair_uncertainty(probability):
    """1 at a match probability of 50 %, 0 at 0 or 100 %: how unsure the
    model is, for the steward's "uncertain first" questions."""
    return 1.0 - 2.0 * abs(probability - 0.5)


def queue_priority(probability, exposure):
    """Where a pair stands in the queue: its match probability × the spend at
    stake (both vendors' bills over a year, plus one so that pairs without
    spend are ranked by probability). The score in log2 odds is not used: it
    is negative for unlikely pairs, and a negative score × a large spend
    would rank the biggest vendors' unlikely pairs last, or, if negated,
    first."""
    return probability * (1.0 + exposure)


class MedsyncVendorDuplicate(models.Model):
    """A candidate pair of vendors found by the dedupe engine, with its
    evidence, in the steward's review queue. "Not a duplicate" is remembered
    with a hash of the compared data; the pair comes back when they change."""

    _name = "medsync.vendor.duplicate"
    _description = "MedSync duplicate vendor candidate"
    _inherit = ["medsync.chatter", "medsync.guarded"]
    # probability × spend, then the score: probabilities of very sure pairs
    # round to 1 where their log2 odds still tell them apart
    _order = "priority desc, score desc, id"
    # the engine's evidence and the steward's decision on it
    _medsync_protected = frozenset({
        "name", "left_id", "right_id", "cluster_key", "score", "probability", "uncertainty", "band", "state",
        "evidence_json", "evidence_fields", "compared_hash", "decided_hash", "decided_by_id", "decided_on",
        "company_id", "spend_exposure", "priority", "model_version", "run_id", "merge_log_id"})

    name = fields.Char(compute="_compute_name", store=True)
    left_id = fields.Many2one("res.partner", "Vendor", required=True, index=True, ondelete="cascade", readonly=True)
    right_id = fields.Many2one("res.partner", "Possible duplicate", required=True, index=True, ondelete="cascade",
                               readonly=True)
    partner_ids = fields.Many2many("res.partner", compute="_compute_partner_ids", string="Vendors")
    cluster_key = fields.Integer("Cluster", index=True, readonly=True,
                                 help="Smallest vendor id of the cluster of likely duplicates (0: none).")
    score = fields.Float("Score (bits)", readonly=True, digits=(16, 2),
                         help="log2 odds that the two are the same vendor: the model's prior plus the learned "
                              "weights of the evidence.")
    probability = fields.Float("Match probability", readonly=True, digits=(16, 4), aggregator="avg",
                               help="Chance that the two are the same vendor, from the score.")
    uncertainty = fields.Float(readonly=True, index=True, digits=(16, 4), aggregator="avg",
                               help="1 - 2 × |probability - 0.5|: 1 when the model cannot tell, 0 when it is sure. "
                                    "\"Uncertain first\" asks the steward about these: each answer teaches the "
                                    "model most.")
    model_version = fields.Integer(readonly=True, help="Version of the company's duplicate-vendor model that "
                                                       "scored the pair.")
    band = fields.Selection(BANDS, readonly=True, index=True)
    state = fields.Selection(STATES, default="new", required=True, index=True, tracking=True, readonly=True)
    evidence_json = fields.Text(readonly=True)
    explanation = fields.Text(compute="_compute_explanation")
    waterfall_html = fields.Html("How the probability adds up", compute="_compute_views", sanitize=True,
                                 sanitize_style=True)
    comparison_html = fields.Html("Side by side", compute="_compute_views", sanitize=True, sanitize_style=True)
    evidence_fields = fields.Char(readonly=True, index=True, help="Fields that agreed, for filtering.")
    compared_hash = fields.Char(readonly=True, help="Hash of the compared fields when last scored.")
    decided_hash = fields.Char(readonly=True, help="Hash of the compared fields when a person decided.")
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decided_on = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True,
                                 default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    spend_exposure = fields.Monetary(readonly=True, help="Vendor bills of both vendors over the last 365 days.")
    priority = fields.Float(readonly=True, index=True,
                            help="Match probability × (1 + spend of both vendors over a year): what the queue is "
                                 "ranked by.")
    run_id = fields.Many2one("medsync.run", readonly=True, index="btree_not_null")
    merge_log_id = fields.Many2one("medsync.vendor.merge.log", readonly=True,
                                   groups="medsync.group_medsync_steward,base.group_system")

    _sql_constraints = [
        ("pair_unique", "unique(company_id, left_id, right_id)", "A pair of vendors is listed once per company."),
    ]

    @api.depends("left_id", "right_id")
    def _compute_name(self):
        for d in self:
            d.name = f"{d.left_id.display_name} ↔ {d.right_id.display_name}"

    def _compute_partner_ids(self):
        for d in self:
            d.partner_ids = d.left_id | d.right_id

    def _evidence(self):
        self.ensure_one()
        return json.loads(self.evidence_json or "[]")

    @api.depends("evidence_json", "score", "probability")
    def _compute_explanation(self):
        for d in self:
            evidence = d._evidence()
            head = self.env._("Match probability %(p)s (log2 odds %(s)s: prior %(prior)s and the evidence below)",
                              p=dedupe_view.percent(d.probability), s=dedupe_view.bits(d.score),
                              prior=dedupe_view.bits(d._prior(evidence)))
            d.explanation = head + "\n" + svc.explain(self.env, evidence) if evidence else head

    def _prior(self, evidence):
        """The model's prior in bits: the score less the evidence weights."""
        return self.score - sum(e["weight"] for e in evidence)

    @api.depends("evidence_json", "score", "probability", "left_id", "right_id")
    def _compute_views(self):
        facts = dedupe_view.vendor_facts(self.env, self.left_id | self.right_id, self.company_id)
        for d in self:
            evidence = d._evidence()
            d.waterfall_html = dedupe_view.waterfall(self.env, d._prior(evidence), evidence, d.score, d.probability)
            d.comparison_html = dedupe_view.side_by_side(
                self.env, facts.get((d.left_id.id, d.company_id.id), {}),
                facts.get((d.right_id.id, d.company_id.id), {}), evidence)

    # ------------------------------------------------------------------ engine side

    @api.model
    def _sync_pairs(self, company, cols, out, run, version=0):
        """Write the engine's pairs: new pairs are created, known ones
        refreshed; a pair decided "not a duplicate" stays decided while its
        hash is the same, and is raised again (state new) when it changed."""
        p = out["pairs"]
        ev = svc.evidence_rows(out)
        spend = dict(zip(cols["id"], cols["spend"], strict=True))
        existing = {(d.left_id.id, d.right_id.id): d for d in self.search([("company_id", "=", company.id)])}
        to_create, refresh, reraised = [], [], []
        for k in range(len(p["left_id"])):
            left, right = p["left_id"][k], p["right_id"][k]
            if left >= svc.EMPLOYEE_ID_OFFSET or right >= svc.EMPLOYEE_ID_OFFSET:
                continue
            evidence = ev.get(k, [])
            exposure = spend.get(left, 0.0) + spend.get(right, 0.0)
            probability = float(p["probability"][k])
            vals = {
                "score": p["score"][k],
                "probability": probability,
                "uncertainty": pair_uncertainty(probability),
                "model_version": version,
                "band": p["band"][k],
                "cluster_key": p["cluster"][k],
                "evidence_json": svc.dumps(evidence),
                "evidence_fields": ",".join(e["field"] for e in evidence if e["weight"] > 0),
                "compared_hash": format(p["hash"][k] & 0xFFFFFFFFFFFFFFFF, "016x"),
                "spend_exposure": exposure,
                "priority": queue_priority(probability, exposure),
                "run_id": run.id,
            }
            d = existing.get((left, right))
            if d is None:
                to_create.append(dict(vals, left_id=left, right_id=right, company_id=company.id))
            elif d.state != "merged":
                refresh.append(dict(vals, id=d.id))
                if d.state == "not_duplicate" and d.decided_hash != vals["compared_hash"]:
                    reraised.append(d.id)
        if refresh:
            # known pairs are refreshed in one statement (a nightly scan touches
            # thousands); the rights are the ORM's
            self.check_access("write")
            self.flush_model()
            now = fields.Datetime.now()
            for r in refresh:
                r.update(write_uid=self.env.uid, write_date=now)
            bulk.update(self.env.cr, self._table, REFRESH_COLUMNS,
                        {c: [r[c] for r in refresh] for c, _t in REFRESH_COLUMNS})
            self.invalidate_model()
        back = self.browse(reraised)
        guard.privileged(back).write({"state": "new"})
        back._message_log_batch({d.id: self.env._("The compared data changed since it was marked not a duplicate: "
                                                  "back in the queue.") for d in back})
        guard.privileged(self).create(to_create)
        return len(p["left_id"])

    # ------------------------------------------------------------------ review

    def _check_steward(self):
        if not self.env.user.has_group("medsync.group_medsync_steward"):
            raise UserError(self.env._("Only a vendor data steward can decide on duplicates."))

    def _check_not_merged(self):
        merged = self.filtered(lambda d: d.state == "merged")
        if merged:
            raise UserError(self.env._("%(pairs)s: merged; undo the merge from its log first.",
                                       pairs=", ".join(merged.mapped("display_name"))))

    def action_not_duplicate(self):
        self._check_steward()
        self._check_not_merged()
        for d in self:
            guard.privileged(d).write({"state": "not_duplicate", "decided_hash": d.compared_hash,
                                       "decided_by_id": self.env.uid, "decided_on": fields.Datetime.now()})
        self._log_decision(self.env._("Not a duplicate"))

    def action_duplicate(self):
        self._check_steward()
        self._check_not_merged()
        guard.privileged(self).write({"state": "duplicate", "decided_hash": False, "decided_by_id": self.env.uid,
                                      "decided_on": fields.Datetime.now()})
        self._log_decision(self.env._("Duplicate"))

    def action_reset(self):
        self._check_steward()
        todo = self.filtered(lambda d: d.state != "merged")
        guard.privileged(todo).write({"state": "new"})
        todo._log_decision(self.env._("Back to the queue"))

    def _log_decision(self, what):
        self._message_log_batch({d.id: self.env._("%(what)s: decided by %(user)s.", what=what,
                                                  user=self.env.user.name) for d in self})

    def action_merge(self):
        """Open the merge wizard on these pairs' vendors (a whole cluster when
        the pair belongs to one)."""
        self._check_steward()
        partners = self.left_id | self.right_id
        clusters = [c for c in self.mapped("cluster_key") if c]
        if clusters:
            more = self.search([("cluster_key", "in", clusters), ("company_id", "in", self.company_id.ids),
                                ("state", "!=", "not_duplicate")])
            partners |= more.left_id | more.right_id
        return self.env["medsync.vendor.merge"]._action_open(partners, self)

    @api.model
    def action_find_duplicates(self):
        # a complete scan stores a new version of the company's model
        self._check_steward()
        run = svc.run_dedupe(self.env, self.env.company)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Duplicate vendors"),
                "message": self.env._("%(n)s candidate pairs from %(v)s vendors.", n=run.output_count,
                                      v=run.input_count),
                "next": {"type": "ir.actions.act_window_close"},
                "sticky": False,
            },
        }


class MedsyncVendorMergeLog(models.Model):
    """What a merge moved, so it can be undone: the references re-pointed
    from each archived vendor to the survivor, the survivor's previous
    values, and the bank accounts folded into the survivor's."""

    _name = "medsync.vendor.merge.log"
    _description = "MedSync vendor merge (undo log)"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({"name", "winner_id", "loser_ids", "moved_json", "winner_before_json",
                                    "banks_json", "state", "company_id", "moved_count"})
    _medsync_guard_unlink = True
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    winner_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="restrict")
    loser_ids = fields.Many2many("res.partner", string="Archived vendors", readonly=True,
                                 context={"active_test": False})
    moved_json = fields.Text(readonly=True)
    winner_before_json = fields.Text(readonly=True)
    banks_json = fields.Text(readonly=True)
    state = fields.Selection([("done", "Merged"), ("undone", "Undone")], default="done", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, default=lambda self: self.env.company)
    moved_count = fields.Integer(readonly=True)

    def action_undo(self):
        if not self.env.user.has_group("medsync.group_medsync_steward"):
            raise UserError(self.env._("Only a vendor data steward can undo a merge."))
        todo = self.filtered(lambda x: x.state == "done")
        if not todo:
            raise UserError(self.env._("These merges were undone already."))
        for log in todo:
            log._undo()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Merge undone"),
                "message": self.env._("%(n)s vendor(s) restored, with their references and bank accounts: %(names)s",
                                      n=len(todo.loser_ids), names=", ".join(todo.loser_ids.mapped("display_name"))),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _undo(self):
        from odoo.tools import SQL

        env = self.env
        env.flush_all()
        moved = json.loads(self.moved_json or "{}")
        winner = self.winner_id.id
        for entry in moved.get("fk", []):
            table, column, loser, ids = entry
            env.cr.execute(SQL("UPDATE %s SET %s = %s WHERE id = ANY(%s) AND %s = %s",
                               SQL.identifier(table), SQL.identifier(column), loser, ids,
                               SQL.identifier(column), winner))
        for table, column, other, loser, values in moved.get("rel", []):
            env.cr.execute(SQL("UPDATE %s SET %s = %s WHERE %s = %s AND %s = ANY(%s)",
                               SQL.identifier(table), SQL.identifier(column), loser, SQL.identifier(column),
                               winner, SQL.identifier(other), values))
        for entry in moved.get("ref", []):
            table, loser, ids = entry
            env.cr.execute(SQL("UPDATE %s SET res_id = %s WHERE id = ANY(%s) AND res_id = %s",
                               SQL.identifier(table), loser, ids, winner))
        env.invalidate_all()
        # sudo: the losers are archived partners the steward restores; the
        # survivor's previous values come from this log
        # privileged: undo restores the state before the merge, duplicate tax ids
        # and bank accounts included; the values come from this log, not a caller
        guard.privileged(self.loser_ids.sudo()).write({"active": True})
        before = json.loads(self.winner_before_json or "{}")
        if before:
            guard.privileged(self.winner_id).write(before)
        for bank in json.loads(self.banks_json or "[]"):
            guard.privileged(env["res.partner.bank"]).create(bank)
        pairs = env["medsync.vendor.duplicate"].search([("merge_log_id", "=", self.id)])
        guard.privileged(pairs).write({"state": "new", "merge_log_id": False})
        pairs._log_decision(env._("Merge undone (%s)", self.name))
        guard.privileged(self).write({"state": "undone"})
        self.winner_id._message_log(body=env._("Merge %(log)s undone by %(user)s.", log=self.name,
                                               user=env.user.name))


class MedsyncVendorDedupe(models.AbstractModel):
    _name = "medsync.vendor.dedupe"
    _description = "MedSync vendor dedupe (scheduled action)"

    @api.model
    def _cron_scan(self):
        """Nightly: per company, score the pairs touching vendors changed since
        the last complete run (the first run scores everything)."""
        for company in self.env["res.company"].search([]):
            svc.run_dedupe(self.with_company(company).env, company, trigger="cron", changed_only=True)
