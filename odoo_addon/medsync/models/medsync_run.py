import logging
import time
import traceback
from contextlib import contextmanager

from odoo import _, api, fields, models

from ..services import engine as engine_module
from ..services import guard

_logger = logging.getLogger(__name__)

ENGINES = [
    ("matching", "Three-way matching"),
    ("reconcile", "Inventory reconciliation"),
    ("dedupe", "Vendor duplicates"),
    ("documents", "Documents"),
    ("hub", "Integration hub"),
    ("compliance", "Vendor compliance"),
    ("scorecard", "Supplier scorecards"),
    ("billing", "Billing to the ledger"),
    ("consumption", "Cabinet consumption"),
    ("core", "MedSync core"),
]
TRIGGERS = [("button", "Button"), ("cron", "Scheduled action"), ("api", "Integration API"), ("job", "Queued job")]
PHASES = ("fetch", "compute", "write")


class MedsyncRun(models.Model):
    """One bulk execution of an engine: what ran, for whom, on what, how long
    each phase took and how it ended. Written only by the engines (see
    ``_track``); users read it."""

    _name = "medsync.run"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({
        "engine", "trigger", "user_id", "company_id", "scope", "parent_id", "state", "date_start", "date_end",
        "input_count", "output_count", "exception_count", "fetch_seconds", "compute_seconds", "write_seconds",
        "total_seconds", "audit_seconds", "error", "node"})
    _medsync_guard_unlink = True
    _description = "MedSync run"
    _order = "date_start desc, id desc"
    _rec_names_search = ["name", "scope"]

    name = fields.Char(compute="_compute_name", store=True)
    engine = fields.Selection(ENGINES, required=True, index=True, readonly=True)
    node = fields.Char("Node", readonly=True, help="The Odoo node that ran it (MEDSYNC_NODE, else the host).")
    trigger = fields.Selection(TRIGGERS, required=True, default="button", readonly=True)
    user_id = fields.Many2one("res.users", "Started by", required=True, readonly=True,
                              default=lambda self: self.env.user, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    scope = fields.Char(readonly=True, help="What the run covered: records, vendors, locations, dates.")
    parent_id = fields.Many2one("medsync.run", "Part of", readonly=True, index=True, ondelete="cascade",
                                help="Set on the chunks of a run split into queued jobs.")
    child_ids = fields.One2many("medsync.run", "parent_id", "Chunks", readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running", required=True, readonly=True, index=True,
    )
    date_start = fields.Datetime("Started", default=fields.Datetime.now, required=True, readonly=True)
    date_end = fields.Datetime("Ended", readonly=True)
    input_count = fields.Integer("Rows in", readonly=True, aggregator="sum")
    output_count = fields.Integer("Rows out", readonly=True, aggregator="sum")
    exception_count = fields.Integer("Exceptions raised", readonly=True, aggregator="sum")
    fetch_seconds = fields.Float("Fetch (s)", digits=(16, 4), readonly=True, aggregator="sum")
    compute_seconds = fields.Float("Compute (s)", digits=(16, 4), readonly=True, aggregator="sum")
    write_seconds = fields.Float("Write (s)", digits=(16, 4), readonly=True, aggregator="sum")
    total_seconds = fields.Float("Total (s)", digits=(16, 4), readonly=True, aggregator="sum")
    audit_seconds = fields.Float("Audit (s)", digits=(16, 4), readonly=True, aggregator="sum",
                                 help="Part of the write phase: the chatter records of what the run decided.")
    rows_per_second = fields.Float("Rows/s", compute="_compute_rows_per_second", digits=(16, 0))
    error = fields.Text(readonly=True)

    @api.depends("engine", "date_start")
    def _compute_name(self):
        labels = dict(self._fields["engine"]._description_selection(self.env))
        for run in self:
            when = fields.Datetime.to_string(run.date_start) if run.date_start else ""
            run.name = f"{labels.get(run.engine, run.engine)} · {when}"

    @api.depends("input_count", "total_seconds")
    def _compute_rows_per_second(self):
        for run in self:
            run.rows_per_second = run.input_count / run.total_seconds if run.total_seconds else 0.0

    # ------------------------------------------------------------------ engine API

    @api.model
    @contextmanager
    def _track(self, engine, trigger="button", scope="", company=None, parent=None):
        """Record a bulk execution around a block::

            with self.env["medsync.run"]._track("matching", scope="12 bills") as run:
                with run.phase("fetch"):
                    ...
                run.count(input=n_in, output=n_out, exceptions=n_exc)

        The run row is written in the caller's transaction. When the block
        raises, that transaction rolls back with everything it did, so the
        failure is recorded in its own short transaction and the error goes on.
        """
        # sudo: runs are an audit log written by the engines on behalf of the
        # user who triggered them; users only get read access to it.
        Run = guard.privileged(self.sudo())
        vals = {
            "engine": engine,
            "trigger": trigger,
            "scope": (scope or "")[:500],
            "user_id": self.env.uid,
            "company_id": (company or self.env.company).id,
            "parent_id": parent.id if parent else False,
            "node": engine_module.node(),
        }
        run = Run.create(vals)
        tracker = _Tracker(run)
        try:
            yield tracker
        except Exception as exc:
            tracker.stop()
            self._record_failure(vals, tracker, exc)
            raise
        tracker.stop()
        run.write(tracker.values("done"))

    @api.model
    def _record_failure(self, vals, tracker, exc):
        failure = dict(vals, **tracker.values("failed"))
        failure["error"] = "".join(traceback.format_exception_only(type(exc), exc))[-4000:]
        try:
            with self.env.registry.cursor() as cr:
                # its own transaction: the caller's is about to roll back
                guard.privileged(self.with_env(self.env(cr=cr)).sudo()).create(failure)
        except Exception:  # the original error matters more than its record
            _logger.exception("could not record the failed %s run", vals.get("engine"))

    @api.autovacuum
    def _gc_old_runs(self):
        """Drop runs older than each company's retention, 1000 at a time."""
        for company in self.env["res.company"].sudo().search([]):
            days = company.medsync_run_retention_days
            if days <= 0:
                continue
            cutoff = fields.Datetime.subtract(fields.Datetime.now(), days=days)
            old = guard.privileged(self.sudo()).search(
                [("company_id", "=", company.id), ("date_start", "<", cutoff), ("parent_id", "=", False)],
                limit=1000,
            )
            old.unlink()

    def action_open_chunks(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Chunks"),
            "res_model": "medsync.run",
            "view_mode": "list,form",
            "domain": [("parent_id", "=", self.id)],
        }


class _Tracker:
    """Counts and per-phase seconds of one run, written once at the end."""

    def __init__(self, run):
        self.run = run
        self.started = time.perf_counter()
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self.counts = {"input_count": 0, "output_count": 0, "exception_count": 0}
        self.total = 0.0
        self.audit_seconds = 0.0  # a share of the write phase (see services/chatter.py)

    @contextmanager
    def phase(self, name):
        if name not in self.seconds:
            raise ValueError(f"unknown phase {name!r}, expected one of {PHASES}")
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - t0

    def count(self, input=0, output=0, exceptions=0):
        self.counts["input_count"] += input
        self.counts["output_count"] += output
        self.counts["exception_count"] += exceptions

    def stop(self):
        self.total = time.perf_counter() - self.started

    def values(self, state):
        return {
            **self.counts,
            **{f"{p}_seconds": s for p, s in self.seconds.items()},
            "total_seconds": self.total,
            "audit_seconds": self.audit_seconds,
            "state": state,
            "date_end": fields.Datetime.now(),
        }
