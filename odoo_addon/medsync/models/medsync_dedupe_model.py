import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import dedupe_view, guard

NOTES = [("learned", "Learned"), ("reset", "Reset")]


class MedsyncDedupeModel(models.Model):
    """One version of a company's duplicate-vendor model: the weights of the
    comparisons (Fellegi-Sunter m and u per level) the engine learned from
    the company's vendors and its steward's decisions. Each complete scan
    stores a new version; the nightly scan of changed vendors and the check at
    vendor creation score with the active one. Written only by the engine runs
    and by Reset (see ``services/dedupe.py``); stewards and AP managers read it."""

    _name = "medsync.dedupe.model"
    _description = "MedSync duplicate-vendor model"
    _inherit = ["medsync.guarded"]
    _order = "company_id, version desc"
    _medsync_protected = frozenset({
        "company_id", "version", "params_json", "learned_on", "records", "candidates", "sampled", "labels",
        "iterations", "converged", "prior", "match_share", "active", "note", "reason", "run_id"})
    _medsync_guard_unlink = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    version = fields.Integer(required=True, readonly=True, help="Increases by one with each version of the company.")
    params_json = fields.Text("Parameters", readonly=True,
                              help="The model as the engine gives it (m, u and weights per comparison and level, "
                                   "prior). Empty after a reset: the next scan learns from the data alone.")
    learned_on = fields.Datetime(readonly=True, default=fields.Datetime.now)
    records = fields.Integer("Vendors", readonly=True, help="Vendors (and employees) the model was learned on.")
    candidates = fields.Integer("Candidate pairs", readonly=True, help="Blocked pairs expectation-maximisation ran on.")
    sampled = fields.Integer("Random pairs", readonly=True, help="Random pairs the u probabilities start from.")
    labels = fields.Integer("Steward decisions", readonly=True, help="Decisions of the steward the model learned from.")
    iterations = fields.Integer(readonly=True)
    converged = fields.Boolean(readonly=True)
    prior = fields.Float("Prior (bits)", readonly=True, digits=(16, 2),
                         help="log2 odds that a candidate pair is the same vendor, before any evidence.")
    match_share = fields.Float("Duplicates among candidates", readonly=True, digits=(16, 4))
    active = fields.Boolean(default=True, readonly=True, help="The version scans and the creation check use.")
    note = fields.Selection(NOTES, required=True, default="learned", readonly=True)
    reason = fields.Text(readonly=True, help="Why the model was reset.")
    run_id = fields.Many2one("medsync.run", readonly=True, ondelete="set null")
    weights_chart = fields.Html(compute="_compute_weights_chart", sanitize=True, sanitize_style=True)

    _sql_constraints = [
        ("company_version_unique", "unique(company_id, version)", "A version number is used once per company."),
    ]

    def init(self):
        # one active version per company
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS medsync_dedupe_model_one_active ON %s (company_id) WHERE active",
            SQL.identifier(self._table)))

    @api.depends("company_id", "version", "note")
    def _compute_name(self):
        for m in self:
            m.name = f"{m.company_id.name} v{m.version}" + (" (reset)" if m.note == "reset" else "")

    def _compute_weights_chart(self):
        for m in self:
            m.weights_chart = dedupe_view.weights_chart(self.env, m.params())

    def params(self):
        """The model dict for the engine, or None (a reset: learn afresh)."""
        self.ensure_one()
        return json.loads(self.params_json) if self.params_json else None

    # ------------------------------------------------------------------ engine side

    @api.model
    def _active_for(self, company):
        """The company's active version (empty when there is none)."""
        # sudo: the scan and the creation check score with it whoever runs them;
        # the parameters are read, never shown
        return self.sudo().search([("company_id", "=", company.id)], limit=1)

    @api.model
    def _store(self, company, model, run=None):
        """A new active version from the model dict a learning run returned."""
        return self._new_version(company, {
            "params_json": json.dumps(model, sort_keys=True),
            "records": model.get("records", 0), "candidates": model.get("candidates", 0),
            "sampled": model.get("sampled", 0), "labels": model.get("labels", 0),
            "iterations": model.get("iterations", 0), "converged": bool(model.get("converged")),
            "prior": model.get("prior", 0.0), "match_share": model.get("lambda", 0.0),
            "note": "learned", "run_id": run.id if run else False,
        })

    @api.model
    def _new_version(self, company, vals):
        # sudo: versions are written by the engine runs and by Reset on behalf of
        # whoever started them; users only read them
        Model = guard.privileged(self.sudo().with_context(active_test=False))
        self.flush_model()
        # one new version of a company at a time: a second scan waits here
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", 0x6d6d6f64, company.id))
        last = Model.search([("company_id", "=", company.id)], order="version desc", limit=1)
        Model.search([("company_id", "=", company.id), ("active", "=", True)]).write({"active": False})
        Model.flush_model(["active"])
        return Model.create(dict(vals, company_id=company.id, version=last.version + 1, active=True,
                                 learned_on=fields.Datetime.now()))

    # ------------------------------------------------------------------ reset

    def action_open_reset(self):
        """The Reset wizard for these versions' company (or the current one)."""
        self._check_reset_rights()
        company = self.company_id[:1] or self.env.company
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reset the duplicate-vendor model"),
            "res_model": "medsync.dedupe.model.reset",
            "view_mode": "form",
            "target": "new",
            "context": {"default_company_id": company.id},
        }

    def _check_reset_rights(self):
        if not self.env.user.has_group("medsync.group_medsync_steward"):
            raise UserError(self.env._("Only a vendor data steward can reset the duplicate-vendor model."))

    @api.model
    def _reset(self, company, reason):
        """Archive the learned versions and store a version without
        parameters: the next complete scan learns from the vendors alone,
        leaving out the steward's decisions taken before now. The caller's
        group is checked; the reason is kept on the version and in MedSync's
        audit trail."""
        self._check_reset_rights()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the model is reset."))
        if company not in self.env.user.company_ids:
            raise UserError(self.env._("You cannot reset the model of %s.", company.name))
        version = self._new_version(company, {"note": "reset", "reason": reason, "params_json": False})
        self.env["medsync.audit"].with_company(company)._log("dedupe_model_reset", version, reason)
        return version.with_env(self.env)
