"""The analytics feed (issue 24): what a run writes, that a run with nothing
new writes nothing, that a run after changes writes exactly them (a change,
a deletion, a transaction that committed late), that a re-run writes the
same bytes, who may run it, and that the contract document is the code's.

In a test everything happens in one transaction, so every ORM write is
stamped with the same instant. The tests give each run its watermark
(``read_window`` patched) and move a row's stamp with SQL, as a later
transaction would."""

import datetime as dt
import json
import os
import shutil
import tempfile
from unittest.mock import patch

import pyarrow.parquet as pq

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..models import medsync_extract
from ..services import extract as feed
from .common import MedsyncCase

FORBIDDEN = ("patient", "payer_ref", "encounter", "charge_ref", "mrn", "birth", "ssn")


@tagged("post_install", "-at_install")
class TestExtract(MedsyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the run reads through registry.cursor(readonly=True): in test mode, a cursor on this transaction
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.folder = tempfile.mkdtemp(prefix="medsync-extract-")
        cls.addClassCleanup(shutil.rmtree, cls.folder, True)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(medsync_extract.PARAM_FOLDER, cls.folder)
        params.set_param(medsync_extract.PARAM_OVERLAP, "60")
        cls.Run = cls.env["medsync.extract.run"]
        cls.env.cr.execute(SQL("SELECT NOW() AT TIME ZONE 'UTC'"))
        cls.t0 = cls.env.cr.fetchone()[0]  # every ORM write of the test is stamped t0
        plan = cls.env.ref("medsync.analytic_plan_departments")
        cls.icu = cls.env["account.analytic.account"].create({"name": "ICU (test)", "code": "TICU",
                                                              "plan_id": plan.id})
        cls.vendor = cls.env["res.partner"].create({"name": "Extract Supply Ltd", "is_company": True,
                                                    "supplier_rank": 1})
        cls.product = cls.env["product.product"].create({"name": "Extract gauze", "is_storable": True,
                                                         "default_code": "EXG-1", "standard_price": 2.0})
        cls.doomed = cls.env["product.product"].create({"name": "Extract doomed", "default_code": "EXG-2"})
        cls.order = cls.env["purchase.order"].create({
            "partner_id": cls.vendor.id,
            "order_line": [
                (0, 0, {"product_id": cls.product.id, "product_qty": 10, "price_unit": 2.5,
                        "analytic_distribution": {str(cls.icu.id): 100}}),
                (0, 0, {"product_id": cls.product.id, "product_qty": 4, "price_unit": 3.0}),
            ],
        })
        cls.order.button_confirm()
        cls.line_a, cls.line_b = cls.order.order_line
        cls.env.flush_all()

    def run_at(self, seconds, **kw):
        """A run whose watermark is t0 + ``seconds``."""
        hi = self.t0 + dt.timedelta(seconds=seconds)
        with patch.object(feed, "read_window", lambda cr: (hi, {"replica": False, "port": 0})):
            run = self.Run._run_extract(**kw)
        self.assertEqual(run.state, "done", run.error)
        return run

    def manifest(self, run):
        with open(run.manifest_path) as f:
            data = json.load(f)
        self.assertEqual(json.loads(run.manifest), data)
        return data

    def rows(self, run, table, folder=None):
        """The rows of ``table`` a run wrote, as dicts, read back from its Parquet files (checksums checked)."""
        info = self.manifest(run)["tables"].get(table, {"files": []})
        out = []
        for part in info["files"]:
            path = os.path.join(folder or self.folder, part["path"])
            self.assertEqual(feed._sha256(path), part["sha256"], path)
            data = pq.read_table(path)
            self.assertEqual(data.num_rows, part["rows"])
            out.extend(data.to_pylist())
        self.assertEqual(len(out), info.get("rows", 0))
        return out

    def stamp(self, table, ids, seconds):
        """Restamp rows as a transaction starting at t0 + ``seconds`` would have written them."""
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE %s SET write_date = %s WHERE id = ANY(%s)", SQL.identifier(table),
                                self.t0 + dt.timedelta(seconds=seconds), list(ids)))
        self.env.invalidate_all()

    # ------------------------------------------------------------------ runs

    def test_full_then_nothing_then_exactly_the_changes(self):
        first = self.run_at(1, full=True)
        self.assertEqual(first.kind, "full")
        lines = {r["id"]: r for r in self.rows(first, "purchase_order_lines")}
        a = lines[self.line_a.id]
        self.assertEqual(a["order_name"], self.order.name)
        self.assertEqual(a["vendor_id"], self.vendor.id)
        self.assertEqual(a["department"], "TICU")
        self.assertEqual(float(a["product_qty"]), 10.0)
        self.assertEqual(float(a["price_unit"]), 2.5)
        self.assertEqual(a["state"], "purchase")
        self.assertIsNotNone(a["confirmed_at"])
        self.assertIsNone(lines[self.line_b.id]["department"])
        moves = [r for r in self.rows(first, "stock_moves") if r["purchase_order_line_id"] == self.line_a.id]
        self.assertEqual(len(moves), 1)
        self.assertEqual(moves[0]["from_usage"], "supplier")
        self.assertIn(self.vendor.id, {r["id"] for r in self.rows(first, "vendors")})
        self.assertEqual(self.manifest(first)["schema_version"], feed.SCHEMA_VERSION)
        self.assertEqual(self.manifest(first)["watermark"]["to"],
                         (self.t0 + dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f"))
        # partitioned by month of the order date
        part = self.manifest(first)["tables"]["purchase_order_lines"]["files"]
        self.assertIn(f"month={self.order.date_order:%Y-%m}", {p["partition"] and f"month={p['partition']}"
                                                                for p in part})

        # nothing new: nothing written
        second = self.run_at(2)
        self.assertEqual(second.kind, "incremental")
        self.assertEqual(second.previous_id, first)
        self.assertEqual(second.rows, 0)
        self.assertEqual(second.files, 0)

        # a change after the second run, a deletion, and a transaction that began before the second run's
        # watermark but committed after it (its rows are stamped before the watermark: the overlap finds them)
        self.line_a.name = "Gauze 10x10, changed"
        self.stamp("purchase_order_line", self.line_a.ids, 3)
        doomed_id = self.doomed.id
        self.doomed.unlink()
        late = self.env["res.partner"].create({"name": "Late Committer Inc", "is_company": True, "supplier_rank": 1})
        self.stamp("res_partner", late.ids, 1.5)
        # before the overlap: not seen again (the overlap is the promise; a longer transaction is lost)
        ancient = self.env["res.partner"].create({"name": "Too Late Corp", "is_company": True, "supplier_rank": 1})
        self.stamp("res_partner", ancient.ids, 2 - 61 * 60)

        third = self.run_at(4)
        written = {name: info["rows"] for name, info in self.manifest(third)["tables"].items() if info["rows"]}
        self.assertEqual(written, {"purchase_order_lines": 1, "vendors": 1, "deletions": 1})
        [changed] = self.rows(third, "purchase_order_lines")
        self.assertEqual((changed["id"], changed["order_name"]), (self.line_a.id, self.order.name))
        self.assertEqual(changed["changed_at"], self.t0 + dt.timedelta(seconds=3))
        self.assertEqual([r["id"] for r in self.rows(third, "vendors")], late.ids)
        [gone] = self.rows(third, "deletions")
        self.assertEqual((gone["table"], gone["key"]), ("products", doomed_id))

        # and again nothing
        self.assertEqual(self.run_at(5).rows, 0)

    def test_deleting_an_order_tombstones_its_lines(self):
        draft = self.env["purchase.order"].create({"partner_id": self.vendor.id, "order_line": [
            (0, 0, {"product_id": self.product.id, "product_qty": 1, "price_unit": 1.0})]})
        line_ids = draft.order_line.ids
        self.run_at(1, full=True)
        draft.button_cancel()
        draft.unlink()  # the lines go by the database's ON DELETE CASCADE, not by an unlink of theirs
        run = self.run_at(2)
        gone = {(r["table"], r["key"]) for r in self.rows(run, "deletions")}
        self.assertEqual(gone, {("purchase_order_lines", i) for i in line_ids})

    def test_rerun_writes_the_same_files(self):
        first = self.run_at(1, full=True)
        self.line_b.name = "Changed once"
        self.stamp("purchase_order_line", self.line_b.ids, 3)
        second = self.run_at(4)
        files = {t: info["files"] for t, info in self.manifest(second)["tables"].items() if info["files"]}
        self.assertEqual(list(files), ["purchase_order_lines"])
        admin = self.users["integration"]
        self.env.invalidate_all()
        second.with_user(admin).action_rerun()
        again = self.Run.search([("rerun_of_id", "=", second.id)])
        self.assertEqual(again.state, "done", again.error)
        self.assertEqual(again.name, second.name)
        self.assertTrue(again.same_as_original)
        self.assertEqual(again.manifest_sha256, second.manifest_sha256)
        # beside the original, never over it: a consumer's files stay as it read them
        self.assertEqual(again.folder, os.path.join(self.folder, "_reruns", f"{second.name}.1"))
        for part in files["purchase_order_lines"]:
            self.assertEqual(feed._sha256(os.path.join(again.folder, part["path"])), part["sha256"])
            self.assertEqual(feed._sha256(os.path.join(self.folder, part["path"])), part["sha256"])
        # the row changed since: the re-run says it is not the same, the original is untouched
        self.line_b.name = "Changed twice"
        self.stamp("purchase_order_line", self.line_b.ids, 3.5)
        second.with_user(admin).action_rerun()
        twice = self.Run.search([("rerun_of_id", "=", second.id)], order="id desc", limit=1)
        self.assertEqual(twice.state, "done", twice.error)
        self.assertFalse(twice.same_as_original)
        for part in files["purchase_order_lines"]:
            self.assertEqual(feed._sha256(os.path.join(self.folder, part["path"])), part["sha256"])
        with self.assertRaises(UserError):
            twice.with_user(admin).action_rerun()
        # a re-run leaves the chain alone: the next run follows the second, not the re-run
        self.assertEqual(self.run_at(5).previous_id, second)
        self.assertTrue(first.exists())

    def test_a_new_folder_starts_with_a_full_run(self):
        self.run_at(1, full=True)
        other = tempfile.mkdtemp(prefix="medsync-extract-b-")
        self.addCleanup(shutil.rmtree, other, True)
        self.env["ir.config_parameter"].sudo().set_param(medsync_extract.PARAM_FOLDER, other)
        run = self.run_at(2)
        self.assertEqual((run.kind, run.folder), ("full", other))
        self.assertIn(self.line_a.id, {r["id"] for r in self.rows(run, "purchase_order_lines", other)})

    def test_only_companies_are_vendors(self):
        person = self.env["res.partner"].create({"name": "Jane Doe (refund)", "supplier_rank": 1, "vat": "X1"})
        run = self.run_at(1, full=True)
        ids = {r["id"] for r in self.rows(run, "vendors")}
        self.assertIn(self.vendor.id, ids)
        self.assertNotIn(person.id, ids)
        # an unset boolean is false, not empty
        bills = self.rows(run, "bills")
        self.assertFalse([b for b in bills if b["compliance_hold"] is None])

    # ------------------------------------------------------------------ who, what

    def test_only_integration_administrators_run_it(self):
        for role in ("ap_clerk", "inventory", "reader"):
            with self.assertRaises(UserError):  # an AccessError is one
                self.Run.with_user(self.users[role]).action_run_now()
        with self.assertRaises(AccessError):
            self.Run.with_user(self.users["ap_clerk"]).search([])
        run = self.run_at(1, full=True)
        admin = self.users["integration"]
        self.assertEqual(self.Run.with_user(admin).search([("id", "=", run.id)]), run)
        # nobody moves a watermark or forges a manifest
        with self.assertRaises(AccessError):
            run.with_user(admin).write({"watermark_to": "2000-01-01T00:00:00.000000"})
        with self.assertRaises(AccessError):
            self.Run.with_user(admin).create({"name": "forged", "kind": "full"})
        with self.assertRaises(AccessError):
            self.env["medsync.extract.seen"].with_user(admin).search([])

    def test_no_patient_data_in_any_table(self):
        run = self.run_at(1, full=True)
        for name, info in self.manifest(run)["tables"].items():
            for col in info["columns"]:
                self.assertFalse([w for w in FORBIDDEN if w in col["name"]], f"{name}.{col['name']}")
        for table in feed.ALL_TABLES:
            for col in table.columns:
                self.assertNotIn("payer_ref", col.sql)
                self.assertNotIn("encounter_ref", col.sql)
                self.assertNotIn("charge_ref", col.sql)

    def test_contract_document_is_the_code(self):
        path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "data-contract.md")
        if not os.path.exists(path):
            self.skipTest("docs/ is not beside this addon")
        with open(path) as f:
            text = f.read()
        self.assertIn(feed.contract_markdown(), text, "docs/data-contract.md: regenerate its tables section "
                      "(python -m tools.data_contract)")
        self.assertIn(f"Schema version: {feed.SCHEMA_VERSION}", text)

    def test_a_failed_run_moves_nothing(self):
        first = self.run_at(1, full=True)
        with patch.object(feed, "_read_chunk", side_effect=RuntimeError("disk full")), \
                mute_logger("odoo.addons.medsync.models.medsync_extract"):
            failed = self.Run._run_extract()
        self.assertEqual(failed.state, "failed")
        self.assertIn("disk full", failed.error)
        # the integration team hears of it, until a run succeeds
        raised = self.env["medsync.exception"].search([("key", "=", "extract-failed")])
        self.assertEqual((raised.reason_code, raised.state, raised.res_id), ("EXTRACT_FAILED", "open", failed.id))
        self.assertEqual(self.run_at(2).previous_id, first)
        self.assertNotIn(raised.state, ("open", "in_progress"))
