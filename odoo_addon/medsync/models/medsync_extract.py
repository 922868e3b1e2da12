"""The analytics feed's runs, seen sets and tombstones (issue 24).

What a run reads and writes is in services/extract.py; the contract of
the files is docs/data-contract.md. A run is started by the hourly
scheduled action or by *Run now* (integration administrators); both read
through ``registry.cursor(readonly=True)``, Odoo's read replica when
``db_replica_host`` is configured.
"""

import datetime as dt
import json
import logging
import os
import threading
import time

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import extract as feed

_logger = logging.getLogger(__name__)

PARAM_FOLDER = "medsync.extract_folder"
PARAM_OVERLAP = "medsync.extract_overlap_minutes"
PARAM_CHUNK = "medsync.extract_chunk_rows"
PARAM_NICE = "medsync.extract_nice"
LOCK_KEY = 0x6D657874  # "mext": one run at a time per database
KEEP_SEEN_RUNS = 3


class MedsyncExtractRun(models.Model):
    _name = "medsync.extract.run"
    _description = "MedSync analytics extract run"
    _order = "id desc"
    # No group has write, create or unlink access (security/ir.model.access.csv): runs are written by the
    # extract only, as the superuser, so nobody can move a watermark or forge a manifest.

    name = fields.Char(required=True, readonly=True)
    kind = fields.Selection([("full", "Full"), ("incremental", "Incremental")], required=True, readonly=True)
    state = fields.Selection([("running", "Running"), ("done", "Done"), ("failed", "Failed")], required=True,
                             readonly=True, default="running")
    previous_id = fields.Many2one("medsync.extract.run", "After run", readonly=True)
    rerun_of_id = fields.Many2one("medsync.extract.run", "Re-run of", readonly=True)
    watermark_from = fields.Char("From", readonly=True, help="Rows stamped from this instant (UTC, µs) are read: "
                                 "the previous run's watermark minus the overlap. Empty for a full run.")
    watermark_to = fields.Char("Watermark", readonly=True, help="Rows stamped up to this instant (UTC, µs): the "
                               "start of the run's read transaction.")
    watermark_at = fields.Datetime("Watermark (time)", readonly=True)
    overlap_minutes = fields.Integer(readonly=True)
    source = fields.Selection([("replica", "Read replica"), ("primary", "Primary database")], readonly=True)
    source_port = fields.Integer("Read from port", readonly=True)
    folder = fields.Char(readonly=True)
    manifest_path = fields.Char("Manifest", readonly=True)
    manifest_sha256 = fields.Char("Manifest checksum", readonly=True)
    manifest = fields.Text("Manifest (JSON)", readonly=True)
    rows = fields.Integer(readonly=True)
    files = fields.Integer(readonly=True)
    duration = fields.Float("Seconds", readonly=True, digits=(16, 2))
    error = fields.Text(readonly=True)
    same_as_original = fields.Boolean(
        "Same files", readonly=True,
        help="A re-run: its manifest (every file's checksum) is byte for byte the original run's. Re-runs are "
             "written under _reruns/ in the run's folder, never over the files a consumer may have read.")
    table_summary = fields.Text("Tables", compute="_compute_table_summary")

    @api.depends("manifest")
    def _compute_table_summary(self):
        for run in self:
            lines = []
            for name, info in sorted(json.loads(run.manifest or "{}").get("tables", {}).items()):
                lines.append(f"{name}: {info['rows']} row(s) in {len(info['files'])} file(s)")
            run.table_summary = "\n".join(lines)

    # ------------------------------------------------------------------ settings

    @api.model
    def _settings(self):
        # sudo: the extract's settings are system parameters, read for whoever may start a run (the cron, an
        # integration admin); only administrators write them
        params = self.env["ir.config_parameter"].sudo()
        folder = params.get_param(PARAM_FOLDER) or os.path.join(
            tools.config["data_dir"], "medsync_extract", self.env.cr.dbname)
        if not os.path.isabs(folder):
            raise UserError(_("The analytics extract folder must be an absolute path, not %s.", folder))

        def number(key, default, low, high):
            try:
                value = int(params.get_param(key) or default)
            except ValueError:
                raise UserError(_("The system parameter %(key)s is not a number.", key=key)) from None
            return min(max(value, low), high)

        return {
            "folder": folder,
            "overlap": dt.timedelta(minutes=number(PARAM_OVERLAP, feed.DEFAULT_OVERLAP_MINUTES, 1, 10080)),
            "chunk": number(PARAM_CHUNK, feed.DEFAULT_CHUNK_ROWS, 1000, 1_000_000),
            "nice": number(PARAM_NICE, 10, 0, 19),
        }

    # ------------------------------------------------------------------ running

    @api.model
    def _cron_extract(self):
        self._run_extract()

    def action_run_now(self):
        """*Run now*: one incremental run (a full one the first time), in this request."""
        if not self.env.user.has_group("medsync.group_medsync_integration"):
            raise UserError(_("Only integration administrators may run the analytics extract."))
        return self._run_extract()._notify()

    def action_run_full(self):
        """*Full extract*: every row again (after a schema change, or to rebuild the analytics side)."""
        if not self.env.user.has_group("medsync.group_medsync_integration"):
            raise UserError(_("Only integration administrators may run the analytics extract."))
        return self._run_extract(full=True)._notify()

    def action_rerun(self):
        """Run this run again: same window, same seen set; on unchanged data the same files and checksums."""
        self.ensure_one()
        if not self.env.user.has_group("medsync.group_medsync_integration"):
            raise UserError(_("Only integration administrators may run the analytics extract."))
        if self.state != "done" or self.rerun_of_id:
            raise UserError(_("Only a finished run (not a re-run) can be run again."))
        return self._run_extract(rerun=self)._notify()

    def _notify(self):
        if self.state == "done":
            message = _("%(rows)s row(s) in %(files)s file(s), %(seconds).1f s, read from the %(where)s.",
                        rows=self.rows, files=self.files, seconds=self.duration,
                        where=dict(self._fields["source"].selection).get(self.source, ""))
            if self.rerun_of_id:
                message += " " + (_("The same files as the original run.") if self.same_as_original else
                                  _("Not the same files as the original run: its rows changed since."))
        else:
            message = _("The extract failed and wrote no manifest; the next run reads the same rows again: %s",
                        self.error)
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "success" if self.state == "done" else "danger",
            "title": self.name,
            "message": message,
            "sticky": self.state != "done",
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        }}

    @api.model
    def _run_extract(self, full=False, rerun=None, tables=None):
        """One run: returns the run record (state done, or failed with the error stored and logged)."""
        # sudo: a run writes its own bookkeeping (runs, seen sets), which no user may write; who may start one
        # is checked by the actions above (the cron runs as the superuser)
        Run = self.sudo()
        cr = self.env.cr
        self.env.flush_all()  # the read cursor sees what is committed (and, in test mode, this transaction)
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", LOCK_KEY))
        if not cr.fetchone()[0]:
            raise UserError(_("An analytics extract is already running."))
        settings = self._settings()
        if rerun:
            previous = rerun.previous_id
            kind = rerun.kind
            # a re-run never overwrites what a consumer may have read: it writes beside, and says if it is the same
            again = Run.search_count([("rerun_of_id", "=", rerun.id)]) + 1
            folder = os.path.join(rerun.folder, "_reruns", f"{rerun.name}.{again}")
        else:
            # the previous run of this folder: a new folder starts with a full run
            previous = Run.search([("state", "=", "done"), ("rerun_of_id", "=", False),
                                   ("folder", "=", settings["folder"])], limit=1)
            kind = "full" if full or not previous else "incremental"
            folder = settings["folder"]
        run = Run.create({
            "name": rerun.name if rerun else self._next_name(),
            "kind": kind, "previous_id": previous.id if previous and kind == "incremental" else False,
            "rerun_of_id": rerun.id if rerun else False, "folder": folder,
            "overlap_minutes": int(settings["overlap"].total_seconds() // 60), "rows": 0, "files": 0,
        })
        started = time.monotonic()
        plan = self.env.ref("medsync.analytic_plan_departments", raise_if_not_found=False)
        registry = self.env.registry
        previous_seen = run.previous_id._seen_sets() if kind == "incremental" else {}
        previous_hi = run.previous_id.watermark_to if kind == "incremental" else None

        def read():
            with registry.cursor(readonly=True) as ro_cr:
                if rerun:
                    hi = _from_mark(rerun.watermark_to)
                    where = {"replica": rerun.source == "replica", "port": rerun.source_port}
                else:
                    hi, where = feed.read_window(ro_cr)
                window = feed.Window(kind=kind, lo=None, hi=hi)
                if kind == "incremental":
                    window.lo = _from_mark(previous_hi) - settings["overlap"]
                    window.seen = previous_seen
                ro_cr.execute(SQL("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                existing = {r[0] for r in ro_cr.fetchall()}
                manifest, seen = feed.extract(
                    ro_cr, folder, run.name, window, plan_id,
                    chunk_rows=settings["chunk"], overlap=settings["overlap"], existing=existing, tables=tables,
                    log=lambda name, rows, secs: _logger.info("extract %s: %s %s rows in %.2f s",
                                                              run.name, name, rows, secs))
            return window, where, manifest, seen

        plan_id = plan.id if plan else 0
        try:
            # in test mode every cursor is the test's, shared under a lock the request's thread holds: no thread
            window, where, manifest, seen = (read() if registry.in_test_mode()
                                             else _in_low_priority_thread(read, settings["nice"]))
            path, digest = feed.write_manifest(folder, manifest)
        except Exception as error:
            _logger.exception("analytics extract %s failed", run.name)
            run.write({"state": "failed", "error": str(error), "duration": time.monotonic() - started})
            # sudo: the extract raises for the integration team, whoever started it
            self.env["medsync.exception"].sudo()._raise_many([{
                "reason_code": "EXTRACT_FAILED", "key": "extract-failed", "res_model": run._name, "res_id": run.id,
                "name": _("Analytics extract %s failed", run.name), "description": str(error)}])
            return run
        if not rerun:
            run._store_seen(seen)
        run.write({
            "state": "done", "watermark_from": manifest["watermark"]["from"],
            "watermark_to": manifest["watermark"]["to"], "watermark_at": window.hi.replace(microsecond=0),
            "source": "replica" if where["replica"] else "primary", "source_port": where["port"],
            "manifest_path": path, "manifest_sha256": digest, "manifest": json.dumps(manifest, sort_keys=True),
            "rows": sum(t["rows"] for t in manifest["tables"].values()),
            "files": sum(len(t["files"]) for t in manifest["tables"].values()),
            "duration": time.monotonic() - started,
            "same_as_original": bool(rerun) and digest == rerun.manifest_sha256,
        })
        self._prune(run)
        self.env["medsync.exception"].sudo().search([  # sudo: as above
            ("key", "=", "extract-failed"), ("state", "in", ("open", "in_progress"))])._auto_resolve(
            _("Run %s succeeded.", run.name))
        return run

    @api.model
    def _next_name(self):
        self.flush_model()
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM medsync_extract_run WHERE rerun_of_id IS NULL"))
        return f"run-{self.env.cr.fetchone()[0] + 1:06d}"

    def _seen_sets(self):
        self.ensure_one()
        self.env.cr.execute(SQL(
            "SELECT table_name, array_agg(res_id ORDER BY res_id), array_agg(stamp ORDER BY res_id) "
            "FROM medsync_extract_seen WHERE run_id = %s GROUP BY table_name", self.id))
        return {name: (ids, stamps) for name, ids, stamps in self.env.cr.fetchall()}

    def _store_seen(self, seen):
        self.ensure_one()
        names, ids, stamps = [], [], []
        for name, rows in seen.items():
            for res_id, stamp in rows:
                names.append(name)
                ids.append(res_id)
                stamps.append(stamp)
        if ids:
            self.env.cr.execute(SQL(
                """INSERT INTO medsync_extract_seen (run_id, table_name, res_id, stamp)
                   SELECT %s, * FROM unnest(%s::varchar[], %s::int[], %s::timestamp[])""", self.id, names, ids, stamps))

    @api.model
    def _prune(self, run):
        """Keep the seen sets of the last runs (a re-run needs its previous run's) and tombstones for 30 days
        after the run that wrote them."""
        self.flush_model()
        self.env.cr.execute(SQL(
            """DELETE FROM medsync_extract_seen WHERE run_id NOT IN (
                   SELECT id FROM medsync_extract_run WHERE state = 'done' AND rerun_of_id IS NULL
                   ORDER BY id DESC LIMIT %s)""", KEEP_SEEN_RUNS))
        self.env.cr.execute(SQL("DELETE FROM medsync_extract_tombstone WHERE deleted_at < %s",
                                _from_mark(run.watermark_to) - dt.timedelta(days=30)))


def _from_mark(mark):
    return dt.datetime.fromisoformat(mark)


def _in_low_priority_thread(fn, nice):
    """``fn()`` in a thread of its own running at ``nice`` (Linux priorities are per thread), so that
    reporting yields the CPU to interactive users; the thread ends with the run, so the worker that started
    it keeps its priority. Returns what ``fn`` returns, raises what it raises."""
    out = {}

    def target():
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except (AttributeError, OSError):  # not Linux: the same run at the same priority
            pass
        try:
            out["result"] = fn()
        except Exception as error:  # raised again in the caller's thread
            out["error"] = error

    thread = threading.Thread(target=target, name="medsync-extract", daemon=True)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["result"]


class MedsyncExtractSeen(models.Model):
    """The rows a run wrote stamped within the overlap: the next run leaves them out when their stamp has not
    moved. No access for any group; written and read by the extract in SQL."""
    _name = "medsync.extract.seen"
    _description = "MedSync extract: rows already written"
    _log_access = False

    run_id = fields.Many2one("medsync.extract.run", required=True, ondelete="cascade", index=True)
    table_name = fields.Char(required=True)
    res_id = fields.Integer(required=True)
    stamp = fields.Datetime(required=True)


class MedsyncExtractTombstone(models.Model):
    """Deleted rows of the extracted tables, written by a statement trigger on each (ORM unlinks, cascades and
    SQL deletes alike) and extracted as the ``deletions`` table. No access for any group."""
    _name = "medsync.extract.tombstone"
    _description = "MedSync extract: deleted rows"
    _log_access = False
    _order = "id"

    table_name = fields.Char(required=True)
    res_id = fields.Integer(required=True)
    deleted_at = fields.Datetime(required=True, index=True)

    def init(self):
        install_triggers(self.env.cr)


TRIGGER = "medsync_extract_tombstone"


def install_triggers(cr):
    """The tombstone function and one AFTER DELETE statement trigger per extracted table (those present)."""
    cr.execute(SQL("""
        CREATE OR REPLACE FUNCTION medsync_extract_tombstone() RETURNS trigger LANGUAGE plpgsql AS $f$
        DECLARE extract_table text;
        BEGIN
            FOREACH extract_table IN ARRAY TG_ARGV LOOP
                INSERT INTO medsync_extract_tombstone (table_name, res_id, deleted_at)
                SELECT extract_table, o.id, NOW() AT TIME ZONE 'UTC' FROM old_rows o;
            END LOOP;
            RETURN NULL;
        END $f$"""))
    for source in feed.TOMBSTONE_SOURCES:
        if not tools.sql.table_exists(cr, source):
            continue
        cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(TRIGGER), SQL.identifier(source)))
        cr.execute(SQL(
            "CREATE TRIGGER %s AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION medsync_extract_tombstone(%s)", SQL.identifier(TRIGGER), SQL.identifier(source),
            SQL(", ".join(_literal(name) for name in feed.tombstone_names(source)))))
    # the incremental reads look rows up by write date: index it on the large tables
    for source, column in (("purchase_order_line", "write_date"), ("purchase_order", "write_date"),
                           ("stock_move", "write_date"), ("stock_picking", "write_date"),
                           ("account_move", "write_date"), ("medsync_match_result", "date")):
        if tools.sql.column_exists(cr, source, column):
            cr.execute(SQL("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
                           SQL.identifier(f"{source}_medsync_{column}_index"), SQL.identifier(source),
                           SQL.identifier(column)))


def _literal(name):
    # trigger arguments are literals, not parameters; the names are this module's constants ([a-z_]+)
    if not name.replace("_", "").isalpha():
        raise ValueError(name)
    return f"'{name}'"


def uninstall_triggers(cr):
    for source in feed.TOMBSTONE_SOURCES:
        if tools.sql.table_exists(cr, source):
            cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(TRIGGER), SQL.identifier(source)))
    cr.execute(SQL("DROP FUNCTION IF EXISTS medsync_extract_tombstone()"))
