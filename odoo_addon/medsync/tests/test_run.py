import time
import uuid
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.medsync.services import guard

from .common import MedsyncCase


@tagged("post_install", "-at_install")
class TestRun(MedsyncCase):
    def test_phases_and_counts_are_recorded(self):
        Run = self.env["medsync.run"]
        with Run._track("reconcile", trigger="cron", scope="ICU cabinet") as run:
            with run.phase("fetch"):
                time.sleep(0.01)
            with run.phase("compute"):
                time.sleep(0.01)
            with run.phase("write"):
                pass
            run.count(input=120, output=118, exceptions=2)
        rec = Run.search([("scope", "=", "ICU cabinet")])
        self.assertRecordValues(rec, [{
            "engine": "reconcile", "trigger": "cron", "state": "done", "input_count": 120,
            "output_count": 118, "exception_count": 2, "user_id": self.env.uid,
        }])
        self.assertGreater(rec.fetch_seconds, 0)
        self.assertGreater(rec.compute_seconds, 0)
        self.assertGreaterEqual(rec.total_seconds, rec.fetch_seconds + rec.compute_seconds + rec.write_seconds)
        self.assertTrue(rec.date_end)
        self.assertIn("Inventory reconciliation", rec.name)

    def test_failure_is_committed_on_its_own_and_the_error_goes_on(self):
        marker = f"failing batch {uuid.uuid4()}"
        with self.assertRaises(ZeroDivisionError):
            with self.env["medsync.run"]._track("matching", scope=marker) as run:
                run.count(input=5)
                1 / 0  # noqa: B018
        # the caller's transaction rolls back on such an error; the failure was
        # committed through its own connection, so another one sees it
        with self.registry.cursor() as cr:
            failed = self.env(cr=cr)["medsync.run"].search([("scope", "=", marker)])
            try:
                self.assertEqual(failed.mapped("state"), ["failed"])
                self.assertIn("ZeroDivisionError", failed.error)
                self.assertEqual(failed.input_count, 5)
                self.assertEqual(failed.user_id, self.env.user)
            finally:
                guard.privileged(failed).unlink()

    def test_unknown_phase_is_refused(self):
        Run = type(self.env["medsync.run"])
        with patch.object(Run, "_record_failure") as record, self.assertRaises(ValueError):
            with self.env["medsync.run"]._track("core") as run:
                with run.phase("dance"):
                    pass
        record.assert_called_once()

    def test_old_runs_are_vacuumed_per_company_retention(self):
        Run = guard.privileged(self.env["medsync.run"])
        old = Run.create({"engine": "core", "date_start": "2020-01-01 00:00:00"})
        old_b = Run.create({"engine": "core", "date_start": "2020-01-01 00:00:00", "company_id": self.company_b.id})
        self.company_b.medsync_run_retention_days = 0  # keep forever
        Run._gc_old_runs()
        self.assertFalse(old.exists())
        self.assertTrue(old_b.exists())
