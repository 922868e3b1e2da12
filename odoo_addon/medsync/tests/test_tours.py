"""Every role's story of the README walked in a real Chromium, on the demo data.

The tours (``static/tests/tours/``) click the real buttons as the demo users
(password = login) and check what the screen shows; each test starts one role's
tour (two for the four-eyes approval of a stock count). Screens are saved as PNG
at the tours' key steps into ``$MEDSYNC_SCREENSHOTS`` (``make test``:
``.run/screenshots/``). Without Chromium, Odoo skips these tests; ``make test``
says so in its summary.
"""

import base64
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from unittest import SkipTest
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from ..services import matching

_logger = logging.getLogger(__name__)

SCREENSHOT_SIGNAL = "medsync-screenshot:"
_handle_console = ChromeBrowser._handle_console


def screenshot_dir():
    """$MEDSYNC_SCREENSHOTS, else the project's .run/screenshots when the addon sits in its checkout."""
    if os.environ.get("MEDSYNC_SCREENSHOTS"):
        return Path(os.environ["MEDSYNC_SCREENSHOTS"])
    root = Path(__file__).resolve().parents[3]
    if (root / "odoo_addon").is_dir() and (root / "Makefile").is_file():
        return root / ".run" / "screenshots"
    from odoo.tools import config

    return Path(config["screenshots"]) / "medsync"


def _save_screenshot(browser, name):
    path = screenshot_dir() / f"{name}.png"
    future = browser._websocket_send("Page.captureScreenshot", with_future=True)

    def write(done):
        try:
            data = done.result(timeout=0)["data"]
        except Exception as exc:  # a screenshot that fails must not fail the tour
            _logger.warning("screenshot %s not taken: %s", name, exc)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        _logger.info("screenshot %s", path)

    if future is not None:
        future.add_done_callback(write)


def _handle_console_with_screenshots(self, type, args=None, stackTrace=None, **kw):
    """Odoo's console handler, plus: a tour step logging ``medsync-screenshot:<name>`` saves the screen."""
    first = (args or [{}])[0]
    text = first.get("value") if first.get("type") == "string" else None
    if type == "log" and text and text.startswith(SCREENSHOT_SIGNAL):
        name = text[len(SCREENSHOT_SIGNAL):]
        if re.fullmatch(r"\w+", name):
            _save_screenshot(self, name)
    return _handle_console(self, type, args=args, stackTrace=stackTrace, **kw)


@tagged("post_install", "-at_install", "medsync_tours")
class TestTours(HttpCase):
    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("medsync.user_ap_clerk", raise_if_not_found=False):
            raise SkipTest("the tours walk the demo data: install with demo data (--without-demo=)")

    def tour(self, name, login, url, timeout=120):
        started = time.monotonic()
        with patch.object(ChromeBrowser, "_handle_console", _handle_console_with_screenshots):
            self.start_tour(url, name, login=login, timeout=timeout)
        _logger.info("tour %s as %s: %.1f s", name, login, time.monotonic() - started)

    def demo_bill(self, ref):
        bill = self.env["account.move"].search([("move_type", "=", "in_invoice"), ("ref", "=", ref)])
        self.assertEqual(len(bill), 1, f"the demo bill {ref}")
        return bill

    def held_bill(self, ref):
        """The demo bill, matched now (as the nightly run would) and on hold."""
        bill = self.demo_bill(ref)
        matching.match_moves(bill, trigger="cron")
        self.assertEqual(bill.medsync_match_state, "hold", f"the demo bill {ref} is held")
        return bill

    # ------------------------------------------------------------------ MedSync user (read)

    def test_reader(self):
        self.tour("medsync_reader_tour", "reader", "/odoo/action-medsync.medsync_exception_action")

    # ------------------------------------------------------------------ accounts payable

    def test_ap_clerk(self):
        bill = self.held_bill("CH-77812")
        self.tour("medsync_ap_clerk_tour", "apclerk", "/odoo/action-medsync.account_move_action_on_hold")
        self.assertEqual(bill.medsync_match_state, "hold")
        self.assertFalse(bill.matched_payment_ids)

    def test_ap_manager_without_email(self):
        manager = self.env.ref("medsync.user_ap_manager")
        self.assertFalse(manager.email, "the demo AP manager has no e-mail address")
        bill = self.held_bill("ML-2026-1187")
        self.tour("medsync_ap_manager_tour", "apmanager", "/odoo/action-medsync.account_move_action_on_hold")
        self.assertRecordValues(bill, [{"medsync_match_state": "released", "medsync_hold_released_by_id": manager.id}])

    # ------------------------------------------------------------------ buyer

    def test_buyer(self):
        bill = self.held_bill("CH-77812")
        exc = self.env["medsync.exception"].search([("res_model", "=", "account.move"), ("res_id", "=", bill.id),
                                                    ("state", "=", "open")])
        self.assertEqual(exc.owner_user_id, self.env.ref("medsync.user_buyer"), "the price exception is the buyer's")
        self.tour("medsync_buyer_tour", "buyer", "/odoo/action-medsync.medsync_exception_action_mine")
        self.assertRecordValues(exc, [{"state": "resolved", "closed_by_id": self.env.ref("medsync.user_buyer").id}])

    # ------------------------------------------------------------------ inventory control (four eyes)

    def test_inventory_four_eyes(self):
        snap = self.env["medsync.stock.snapshot"].search([("source", "=", "Omnicell OR cabinet 1")])
        self.assertEqual(len(snap), 1, "the demo snapshot")
        four_eyes = snap.line_ids.filtered(lambda ln: ln.approval == "four_eyes" and ln.state == "to_approve")
        self.assertTrue(four_eyes, "the demo snapshot has corrections above the four-eyes value")
        url = "/odoo/action-medsync.action_medsync_snapshot"
        self.tour("medsync_inventory_tour", "inventory", url)
        self.assertEqual(set(four_eyes.mapped("state")), {"second"})
        self.tour("medsync_invadmin_tour", "invadmin", url)
        self.assertRecordValues(four_eyes, [{"state": "applied",
                                             "approved_by_id": self.env.ref("medsync.user_inventory").id,
                                             "second_approved_by_id": self.env.ref("medsync.user_inventory_admin").id}
                                            ] * len(four_eyes))
        self.assertEqual(snap.state, "done")

    def test_inventory_cabinet_consumption(self):
        held = self.env["medsync.consumption.event"].search([("event_ref", "=", "E-1006")])
        self.assertEqual(held.state, "held", "the demo's unknown cabinet code")
        # the controller maps the code (External product codes), then applies what was held, in the browser
        self.env["medsync.product.code"].with_user(self.env.ref("medsync.user_inventory")).create({
            "kind": "vendor", "code": "ZZ-SUTURE-9", "product_id": self.env.ref("medsync.product_suture").id})
        self.tour("medsync_cabinet_tour", "inventory", "/odoo/action-medsync.action_medsync_consumption_event")
        held.invalidate_recordset()
        self.assertEqual((held.state, held.move_id.state), ("applied", "done"))

    # ------------------------------------------------------------------ vendor data steward

    def test_steward_without_email(self):
        self.assertFalse(self.env.ref("medsync.user_steward").email, "the demo steward has no e-mail address")
        self.tour("medsync_steward_tour", "steward", "/odoo/action-medsync.medsync_vendor_duplicate_action")
        log = self.env["medsync.vendor.merge.log"].search([], order="id desc", limit=1)
        self.assertEqual(log.state, "undone")
        self.assertTrue(log.loser_ids.active, "the merged vendor is back")

    def test_steward_reads_and_resets_the_model(self):
        steward = self.env.ref("medsync.user_steward")
        Model = self.env["medsync.dedupe.model"]
        learned = Model._active_for(self.env.company)
        self.assertEqual(learned.note, "learned", "the demo's scan learned a model")
        self.tour("medsync_steward_model_tour", "steward", "/odoo/action-medsync.medsync_dedupe_model_action")
        reset = Model._active_for(self.env.company)
        self.assertRecordValues(reset, [{"note": "reset", "version": learned.version + 1, "create_uid": steward.id,
                                         "reason": "Vendor master imported again from the old ERP"}])
        self.assertFalse(learned.active)

    # ------------------------------------------------------------------ integration admin

    def test_integration(self):
        system = self.env.ref("medsync.hub_system_medline")
        self.tour("medsync_integration_tour", "integration", "/odoo/action-medsync.action_medsync_system")
        self.assertTrue(system.key_count)
        self.assertTrue(self.env["medsync.message"].search([("system_id", "=", system.id),
                                                            ("idempotency_key", "=", "tour-vendor-update-1")]))

    def test_integration_analytics_extract(self):
        folder = tempfile.mkdtemp(prefix="medsync-tour-extract-")
        self.addCleanup(shutil.rmtree, folder, True)
        self.env["ir.config_parameter"].sudo().set_param("medsync.extract_folder", folder)
        self.tour("medsync_extract_tour", "integration", "/odoo/action-medsync.medsync_extract_run_action")
        first = self.env["medsync.extract.run"].search([("folder", "=", folder)])
        self.assertEqual((len(first), first.state, first.kind), (1, "done", "full"))
        again = self.env["medsync.extract.run"].search([("rerun_of_id", "=", first.id)])
        self.assertTrue(again.same_as_original)
        self.assertEqual(again.manifest_sha256, first.manifest_sha256)
        self.assertTrue(os.path.exists(first.manifest_path))

    def test_integration_x12_partner(self):
        self.tour("medsync_x12_tour", "integration", "/odoo/action-medsync.action_medsync_system")

    # ------------------------------------------------------------------ compliance officer

    def test_compliance_officer_without_email(self):
        officer = self.env.ref("medsync.user_compliance")
        self.assertFalse(officer.email, "the demo compliance officer has no e-mail address")
        Hit = self.env["medsync.screening.hit"]
        weak = Hit.search([("subject_id.name", "=", "Robert T. Hale")])
        self.assertEqual((len(weak), weak.state, weak.strength), (1, "new", "weak"))
        self.tour("medsync_compliance_tour", "compliance", "/odoo/action-medsync.medsync_screening_hit_action")
        self.assertRecordValues(weak, [{"state": "cleared", "decided_by_id": officer.id}])
        harbor = self.env["res.partner"].search([("name", "=", "Harbor Compounding Pharmacy LLC")])
        self.assertEqual(harbor.medsync_compliance_state, "onboarding")

    # ------------------------------------------------------------------ buyer: supplier scorecards

    def test_buyer_scorecards(self):
        bd = self.env.ref("medsync.vendor_bd")
        self.assertEqual(bd.with_user(self.env.ref("medsync.user_buyer")).medsync_scorecard_standing, "very_poor",
                         "the demo's BD Medical is very poor")
        rfq = self.env["purchase.order"].search([("partner_id", "=", bd.id), ("state", "=", "draft")])
        self.assertEqual(len(rfq), 1)
        self.tour("medsync_scorecard_tour", "buyer", "/odoo/action-medsync.medsync_dashboard_action_scorecard")
        self.assertEqual(rfq.state, "purchase")
        self.assertTrue(any("Scorecard warning" in body for body in rfq.message_ids.mapped("body")))

    # ------------------------------------------------------------------ finance: billing to the ledger

    def test_gl_accountant_without_email(self):
        gl = self.env.ref("medsync.user_gl")
        self.assertFalse(gl.email, "the demo's GL accountant has no e-mail address")
        batch = self.env["medsync.billing.batch"].search([("state", "=", "rejected"),
                                                          ("problem_ids.rule", "=", "unmapped")])
        self.assertEqual(len(batch), 1, "the demo's unmapped batch")
        self.assertEqual(self.env["medsync.billing.day"].search([("state", "=", "red")]).mapped("source"), ["HBS"])
        self.tour("medsync_billing_tour", "glaccount", "/odoo/action-medsync.medsync_billing_batch_action")
        self.assertEqual(batch.state, "posted")
        self.assertEqual(self.env["medsync.billing.rule"].search([("code", "=", "REV-PT")]).create_uid, gl)
        self.assertTrue(any("Validated by Fiona Grant" in body for body in batch.message_ids.mapped("body")))
        pt = batch.line_ids.filtered(lambda ln: ln.code == "REV-PT")
        self.assertEqual(pt.move_line_id.account_id.code, "400120")

    # ------------------------------------------------------------------ executive: the monthly review

    def test_executive_without_email(self):
        executive = self.env.ref("medsync.user_executive")
        self.assertFalse(executive.email, "the demo CFO has no e-mail address")
        self.assertEqual(executive.login, "exec")
        # the tour reads last month's figures: the demo's orders end the month before it was installed, so a run
        # that crossed into a new month since the install has nothing to show there
        today = fields.Date.today()
        last_month = (today.replace(day=1) - relativedelta(months=1))
        if not self.env["medsync.kpi.fact"].search_count([("kpi", "=", "exec_ack_latency"), ("date", "=", last_month),
                                                          ("dimension", "!=", "")]):
            raise SkipTest(f"the demo has no orders acknowledged in {last_month:%Y-%m}: it was installed in another "
                           "month than this run's")
        departments = self.env["medsync.kpi.fact"].with_user(executive).dashboard_data("executive")["departments"]
        self.assertEqual([d["label"] for d in departments if "Emergency" in d["label"]], ["Emergency Department"],
                         "one emergency department, whichever demo charged it")
        self.tour("medsync_executive_tour", "exec", "/odoo")

    # ------------------------------------------------------------------ Odoo users without a MedSync role

    def test_purchaser_without_role(self):
        self.tour("medsync_purchaser_tour", "purchaser", "/odoo/action-purchase.purchase_form_action")
        self.assertEqual(self.demo_bill("NS-5521").payment_reference[-11:], "(purchaser)")

    def test_accountant_without_role(self):
        self.tour("medsync_accountant_tour", "accountant", "/odoo/action-account.action_move_in_invoice_type")
        self.assertEqual(self.demo_bill("NS-5521").payment_reference[-12:], "(accountant)")
