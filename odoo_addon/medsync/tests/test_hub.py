"""The integration hub through its real HTTP controllers (HttpCase): keys,
limits, idempotency, every document type, retries, dead letters, replay,
channel isolation, the outbound order webhook and the figures."""

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.queue_job.jobrunner.channels import ChannelManager

from ..services import engine, guard, hub, hub_handlers
from ..services import kpi as registry
from .common import webhook_receiver


@tagged("post_install", "-at_install")
class TestHub(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # the documents' own effects; matching every bill before payment (on in the demo) is tested in test_controls
        env.company.medsync_match_before_payment = False
        cls.admin = new_test_user(env, login="hub_admin", groups="base.group_user,medsync.group_medsync_integration")
        cls.buyer = new_test_user(env, login="hub_buyer", groups="base.group_user,medsync.group_medsync_buyer")
        cls.vendor = env["res.partner"].create({"name": "Acme Surgical", "supplier_rank": 1, "ref": "V-ACME",
                                                "email": "ap@acme.example"})
        cls.other_vendor = env["res.partner"].create({"name": "Other Med", "supplier_rank": 1})
        cls.gauze = env["product.product"].create({"name": "Gauze 4x4", "default_code": "T-GAU", "type": "consu",
                                                   "is_storable": True, "standard_price": 2})
        cls.stent = env["product.product"].create({"name": "Coronary stent", "default_code": "T-STENT",
                                                   "type": "consu", "is_storable": True, "tracking": "lot",
                                                   "use_expiration_date": True, "standard_price": 900})
        env["product.supplierinfo"].create({"partner_id": cls.vendor.id, "price": 2, "product_code": "ACME-GZ-44",
                                            "product_tmpl_id": cls.gauze.product_tmpl_id.id})
        System = env["medsync.system"].with_user(cls.admin)
        cls.system = System.create({"name": "Acme portal", "code": "acme", "partner_id": cls.vendor.id,
                                    "rate_limit": 6000, "rate_burst": 1000, "max_body_kb": 64})
        for doc_type in ("po_ack", "asn", "invoice", "vendor_update"):
            env["medsync.flow"].with_user(cls.admin).create({
                "system_id": cls.system.id, "code": doc_type, "name": doc_type, "doc_type": doc_type,
                "owner_user_id": cls.admin.id, "max_attempts": 3})
        cls.other = System.create({"name": "Other portal", "code": "other", "partner_id": cls.other_vendor.id})
        env["medsync.flow"].with_user(cls.admin).create({"system_id": cls.other.id, "code": "ack", "name": "ack",
                                                          "doc_type": "po_ack"})
        cls.wms = System.create({"name": "Cabinets", "code": "cabinets-t", "kind": "warehouse"})
        cls.wms_flow = env["medsync.flow"].with_user(cls.admin).create({
            "system_id": cls.wms.id, "code": "snap", "name": "snap", "doc_type": "stock_snapshot"})
        cls.bank = System.create({"name": "Gateway", "code": "gateway-t", "kind": "payment", "metrics_access": True})
        env["medsync.flow"].with_user(cls.admin).create({"system_id": cls.bank.id, "code": "pay", "name": "pay",
                                                          "doc_type": "payment_status"})
        cls.key = cls.system.with_user(cls.admin)._generate_key(30)
        cls.other_key = cls.other.with_user(cls.admin)._generate_key(30)
        cls.wms_key = cls.wms.with_user(cls.admin)._generate_key(30)
        cls.bank_key = cls.bank.with_user(cls.admin)._generate_key(30)
        cls.po = cls._po(cls.vendor, [(cls.gauze, 100, 2.0), (cls.stent, 2, 900.0)])

    @classmethod
    def _po(cls, vendor, lines):
        po = cls.env["purchase.order"].with_user(cls.buyer).create({
            "partner_id": vendor.id,
            "order_line": [Command.create({"product_id": p.id, "product_qty": q, "price_unit": u})
                           for p, q, u in lines],
        })
        po.button_confirm()
        return po

    def setUp(self):
        super().setUp()
        hub._auth_cache.clear()

    # ------------------------------------------------------------------ helpers

    def post(self, doc_type, doc, key=None, idem="k1", system="acme", raw=None, headers=None):
        head = {"Content-Type": "application/json", "Idempotency-Key": idem}
        if key is not False:
            head["Authorization"] = f"Bearer {key or self.key}"
        head.update(headers or {})
        body = raw if raw is not None else json.dumps(doc).encode()
        res = self.url_open(f"/medsync/api/v1/{system}/{doc_type}", data=body, headers=head)
        self.env.invalidate_all()
        return res

    def get(self, path, key=None):
        res = self.url_open(path, headers={"Authorization": f"Bearer {key or self.key}"} if key is not False else {})
        self.env.invalidate_all()
        return res

    def msgs(self, **where):
        dom = [(k, "=", v) for k, v in where.items()]
        return self.env["medsync.message"].search(dom)

    def run_jobs(self, msgs=None):
        msgs = msgs or self.msgs(state="queued") | self.msgs(state="retrying")
        msgs._hub_process()
        self.env.invalidate_all()
        return msgs

    def ack(self, **line):
        base = {"line_no": 1, "product": "ACME-GZ-44", "status": "accepted", "qty": 100}
        return {"po": self.po.name, "vendor_ref": "SO-77", "lines": [{**base, **line}]}

    def assertError(self, res, status, code):
        self.assertEqual(res.status_code, status, res.text)
        self.assertEqual(res.json()["error"]["code"], code, res.text)

    # ------------------------------------------------------------------ security

    def test_authentication_failures(self):
        doc = self.ack()
        self.assertError(self.post("po_ack", doc, key=False), 401, "AUTH_MISSING")
        self.assertError(self.post("po_ack", doc, key="0" * 40), 401, "AUTH_INVALID")
        self.assertError(self.post("po_ack", doc, key=self.other_key), 403, "AUTH_WRONG_SYSTEM")
        expired = self.system.with_user(self.admin)._generate_key(1)
        newest = self.env["res.users.apikeys"].sudo().search([("scope", "=", "medsync.hub.acme")], order="id desc",
                                                             limit=1)
        newest.write({"expiration_date": fields.Datetime.now() - timedelta(minutes=1)})
        self.assertError(self.post("po_ack", doc, key=expired), 401, "AUTH_EXPIRED")
        self.assertFalse(self.msgs(system_id=self.system.id))
        # a revoked key stops at once, even though it was verified (and cached) a moment ago
        self.assertEqual(self.post("po_ack", doc).status_code, 202)
        self.system.with_user(self.admin).action_revoke_keys()
        self.assertError(self.post("po_ack", doc, idem="k2"), 401, "AUTH_INVALID")
        audit = self.env["medsync.audit"].search([("system_id", "=", self.system.id)])
        self.assertIn("keys_revoked", audit.mapped("action"))
        with self.assertRaises(UserError):
            self.system.with_user(self.buyer)._generate_key(30)

    def test_rate_limit(self):
        self.system.with_user(self.admin).write({"rate_limit": 60, "rate_burst": 2})
        hub._auth_cache.clear()
        codes = [self.post("po_ack", self.ack(), idem=f"r{i}").status_code for i in range(3)]
        self.assertEqual(codes[:2], [202, 202])
        res = self.post("po_ack", self.ack(), idem="r9")
        self.assertError(res, 429, "RATE_LIMITED")
        self.assertGreaterEqual(int(res.headers["Retry-After"]), 1)

    def test_body_limits_and_media_type(self):
        big = {"po": self.po.name, "lines": [{"line_no": 1, "product": "x" * 60, "status": "accepted", "qty": 1}] * 900}
        self.assertError(self.post("po_ack", big), 413, "BODY_TOO_LARGE")
        self.assertError(self.post("po_ack", self.ack(), headers={"Content-Type": "text/plain"}), 415,
                         "UNSUPPORTED_MEDIA_TYPE")
        self.assertError(self.post("po_ack", self.ack(), idem=""), 400, "IDEMPOTENCY_KEY_MISSING")
        self.assertError(self.post("payment_status", {}), 404, "FLOW_UNKNOWN")
        self.assertFalse(self.msgs(system_id=self.system.id))

    # ------------------------------------------------------------------ idempotency

    def test_idempotent_replay_and_conflict(self):
        first = self.post("po_ack", self.ack())
        self.assertEqual(first.status_code, 202)
        # same meaning, other spelling: the first response again
        same = {"lines": [{"qty": "100.00", "status": "accepted", "product": " ACME-GZ-44", "line_no": 1}],
                "vendor_ref": "SO-77", "po": self.po.name}
        again = self.post("po_ack", same)
        self.assertEqual(again.status_code, 202)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertError(self.post("po_ack", self.ack(qty=90)), 422, "IDEMPOTENCY_CONFLICT")
        self.assertEqual(len(self.msgs(system_id=self.system.id)), 1)
        msg = self.msgs(system_id=self.system.id)
        # keys expire after the retention period and can then be used again
        self.run_jobs(msg)
        guard.privileged(msg.sudo()).write({"key_expires": fields.Datetime.now() - timedelta(days=1)})
        self.env["medsync.message"]._cron_housekeeping()
        self.assertEqual(self.post("po_ack", self.ack(qty=90, status="accepted")).status_code, 202)

    def test_batch_answers_each_document_as_if_alone(self):
        self.assertEqual(self.post("po_ack", self.ack(), idem="seen").status_code, 202)
        first = self.msgs(idempotency_key="seen")
        docs = [("b1", self.ack()), ("b2", self.ack(product="NOPE")), ("b3", self.ack(qty=-1)),
                ("seen", self.ack()), ("b1", self.ack()), ("b4", {**self.ack(), "po": "P99999"}),
                ("b5", self.ack(qty=7))]
        body = json.dumps({"documents": [{"idempotency_key": k, "document": d} for k, d in docs]}).encode()
        res = self.url_open("/medsync/api/v1/acme/po_ack/batch", data=body, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        self.env.invalidate_all()
        self.assertEqual(res.status_code, 200, res.text)
        out = res.json()["results"]
        self.assertEqual([r["status"] for r in out], [202, 422, 422, 202, 202, 422, 202])
        self.assertEqual([r.get("error", {}).get("code") for r in out],
                         [None, "UNKNOWN_PRODUCT", "VALIDATION_FAILED", None, None, "UNKNOWN_PO", None])
        self.assertEqual(out[3]["message_id"], first.id, "a key seen before answers its first response")
        self.assertEqual(out[4]["message_id"], out[0]["message_id"], "a key twice in one batch is one message")
        new = self.msgs(idempotency_key="b1") | self.msgs(idempotency_key="b5")
        self.assertEqual(len(new), 2)
        self.assertEqual(len(set(new.mapped("job_uuid"))), 1, "one job for the batch's new messages")
        self.assertEqual(sorted(self.msgs(state="rejected").mapped("refused_key")), ["b2", "b3", "b4"])
        self.run_jobs(new)
        self.assertEqual(set(new.mapped("state")), {"done"})
        bad = self.url_open("/medsync/api/v1/acme/po_ack/batch", data=b'{"docs": []}', headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        self.assertError(bad, 422, "VALIDATION_FAILED")
        self.assertEqual(bad.json()["error"]["problems"][0]["path"], "documents")

    # ------------------------------------------------------------------ documents

    def test_po_ack_happy_path(self):
        doc = {"po": self.po.name, "vendor_ref": "SO-77", "lines": [
            {"line_no": 1, "product": "ACME-GZ-44", "status": "accepted", "qty": 100},
            {"line_no": 2, "product": "T-STENT", "status": "backordered", "qty": 2, "backorder_date": "2026-12-24"}]}
        res = self.post("po_ack", doc)
        self.assertEqual(res.status_code, 202, res.text)
        msg = self.msgs(idempotency_key="k1")
        job = self.env["queue.job"].search([("uuid", "=", msg.job_uuid)])
        self.assertEqual(job.channel, "root.medsync.hub.procurement")
        self.run_jobs(msg)
        self.assertEqual(msg.state, "done")
        self.assertEqual(self.po.medsync_ack_state, "exceptions")
        self.assertEqual(self.po.medsync_ack_ref, "SO-77")
        line2 = self.po.order_line.filtered(lambda line: line.product_id == self.stent)
        self.assertEqual((line2.medsync_ack_status, str(line2.medsync_ack_date)), ("backordered", "2026-12-24"))
        exc = self.env["medsync.exception"].search([("key", "=", f"hub-ack-{self.po.id}")])
        self.assertEqual(exc.owner_user_id, self.buyer)
        self.assertIn("backordered", exc.description)
        status = self.get("/medsync/api/v1/acme/messages/k1").json()
        self.assertEqual((status["state"], status["records"][0]["model"]), ("done", "purchase.order"))
        # running the job again does nothing again
        self.assertEqual(msg._hub_process(), 0)

    def test_bad_inputs_are_refused_whole(self):
        other_po = self._po(self.other_vendor, [(self.gauze, 5, 2.0)])
        cases = [
            (self.post("po_ack", None, raw=b'{"po": ', idem="b1"), "VALIDATION_FAILED", "json"),
            (self.post("po_ack", self.ack(product="NOPE"), idem="b2"), "UNKNOWN_PRODUCT", None),
            (self.post("po_ack", {**self.ack(), "po": "P99999"}, idem="b3"), "UNKNOWN_PO", None),
            (self.post("po_ack", {**self.ack(), "po": other_po.name}, idem="b4"), "UNKNOWN_PO", None),
            (self.post("po_ack", self.ack(qty=-5), idem="b5"), "VALIDATION_FAILED", "min"),
        ]
        for res, code, rule in cases:
            self.assertError(res, 422, code)
            if rule:
                self.assertEqual(res.json()["error"]["problems"][0]["rule"], rule)
        neg = cases[-1][0].json()["error"]["problems"][0]
        self.assertEqual(neg["path"], "lines[0].qty")
        rejected = self.msgs(system_id=self.system.id)
        self.assertEqual(set(rejected.mapped("state")), {"rejected"})
        self.assertFalse(any(rejected.mapped("idempotency_key")))
        self.assertEqual(self.po.medsync_ack_state, "none")
        self.assertFalse(any(self.po.order_line.mapped("medsync_ack_status")))
        # a refused key is not reserved: the corrected document goes through under it
        self.assertEqual(self.post("po_ack", self.ack(), idem="b5").status_code, 202)

    def test_asn_fills_the_receipt(self):
        doc = {"asn": "ASN-1", "po": self.po.name, "ship_date": "2026-11-20", "tracking": "1Z999",
               "lines": [{"product": "ACME-GZ-44", "qty": 100},
                         {"product": "T-STENT", "qty": 1, "lot": "L-A", "expiry": "2028-01-31",
                          "sscc": "106141411234567897"},
                         {"product": "T-STENT", "qty": 1, "lot": "L-B", "expiry": "2028-02-29"}]}
        self.assertEqual(self.post("asn", doc).status_code, 202)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        picking = self.po.picking_ids
        self.assertEqual(picking.medsync_asn_ref, "ASN-1")
        stent_lines = picking.move_line_ids.filtered(lambda ml: ml.product_id == self.stent)
        self.assertEqual(sorted(stent_lines.mapped("lot_name")), ["L-A", "L-B"])
        self.assertEqual(str(stent_lines.filtered(lambda ml: ml.lot_name == "L-B").expiration_date.date()),
                         "2028-02-29")
        # a lot-tracked product without its lot is refused in the job, with the reason, and nothing changes
        bad = {**doc, "asn": "ASN-2", "lines": [{"product": "T-STENT", "qty": 1}]}
        self.assertEqual(self.post("asn", bad, idem="k2").status_code, 202)
        msg2 = self.run_jobs(self.msgs(idempotency_key="k2"))
        self.assertEqual((msg2.state, msg2.error_code), ("dead", "LOT_REQUIRED"))
        self.assertEqual(picking.medsync_asn_ref, "ASN-1")
        self.assertEqual(len(picking.move_line_ids.filtered(lambda ml: ml.product_id == self.stent)), 2)

    def test_every_acknowledgement_is_kept(self):
        """Scorecard facts: each acknowledgement of a line is kept with the date it promised; the first promised
        date was frozen at confirmation and does not move with the planned date."""
        line = self.po.order_line[0]
        first = line.medsync_first_promised
        self.assertTrue(first, "the planned date at confirmation is kept")
        self.assertEqual(first, line.date_planned)
        doc = self.ack(delivery_date="2026-12-01")
        self.assertEqual(self.post("po_ack", {**doc, "ack_date": "2026-11-20"}, idem="a1").status_code, 202)
        self.run_jobs()
        later = self.ack(status="backordered", qty=60, backorder_date="2026-12-15", reason="short on resin")
        self.assertEqual(self.post("po_ack", later, idem="a2").status_code, 202)
        self.run_jobs()
        acks = self.env["medsync.po.ack"].search([("line_id", "=", line.id)]).sorted(
            lambda a: a.message_id.idempotency_key)
        self.assertRecordValues(acks, [
            {"status": "accepted", "qty": 100, "promised_date": fields.Date.to_date("2026-12-01"),
             "ack_date": fields.Date.to_date("2026-11-20"), "note": False},
            {"status": "backordered", "qty": 60, "promised_date": fields.Date.to_date("2026-12-15"),
             "ack_date": False, "note": "short on resin"},
        ])
        self.assertEqual((acks.order_id, acks.partner_id), (self.po, self.vendor))
        self.assertEqual(acks.message_id, self.msgs(idempotency_key="a1") | self.msgs(idempotency_key="a2"))
        # the line keeps the latest answer; the first promise stays, whoever moves the planned date
        self.assertEqual(line.medsync_ack_status, "backordered")
        line.with_user(self.buyer).date_planned = first + timedelta(days=9)
        self.assertEqual(line.medsync_first_promised, first)
        with self.assertRaises(AccessError):
            line.with_user(self.buyer).write({"medsync_first_promised": first + timedelta(days=9)})
        with self.assertRaises(AccessError):
            acks[0].with_user(self.buyer).write({"promised_date": "2027-01-01"})

    def test_ship_notice_lines_are_kept_as_announced(self):
        doc = {"asn": "ASN-7", "po": self.po.name, "ship_date": "2026-11-20",
               "lines": [{"product": "ACME-GZ-44", "qty": 100},
                         {"product": "T-STENT", "qty": 2, "lot": "L-A", "expiry": "2028-01-31"}]}
        self.assertEqual(self.post("asn", doc).status_code, 202)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        picking = self.po.picking_ids
        announced = picking.medsync_asn_line_ids.sorted("id")
        self.assertRecordValues(announced, [
            {"asn_ref": "ASN-7", "product_id": self.gauze.id, "qty": 100, "lot_name": False,
             "line_id": self.po.order_line[0].id, "expiry": False},
            {"asn_ref": "ASN-7", "product_id": self.stent.id, "qty": 2, "lot_name": "L-A",
             "line_id": self.po.order_line[1].id, "expiry": fields.Date.to_date("2028-01-31")},
        ])
        self.assertEqual(announced.order_id, self.po)
        # the clerk counts 90 gauze and one stent: the receipt changes, the notice stays as it was announced
        for ml in picking.move_line_ids:
            ml.quantity = 90 if ml.product_id == self.gauze else 1
        picking.move_ids.picked = True
        picking.sudo().with_context(cancel_backorder=True)._action_done()  # sudo: a stock user's validation
        self.assertEqual(announced.mapped("qty"), [100, 2])
        self.assertEqual(announced.mapped("qty_received"), [90, 1])

    def test_invoice_becomes_draft_bill(self):
        doc = {"invoice": "INV-9001", "po": self.po.name, "invoice_date": "2026-11-21", "currency": "USD",
               "lines": [{"line_no": 1, "product": "ACME-GZ-44", "qty": 100, "price": 2.1}]}
        with patch.object(type(self.env["account.move"]), "_medsync_enqueue_match", autospec=True) as match:
            self.assertEqual(self.post("invoice", doc).status_code, 202)
            msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        bill = msg.link_ids.record_ref
        self.assertEqual((bill.move_type, bill.state, bill.ref), ("in_invoice", "draft", "INV-9001"))
        self.assertEqual(bill.invoice_line_ids.purchase_line_id, self.po.order_line[0])
        self.assertEqual(match.call_count, 1)
        self.assertError(self.post("invoice", doc, idem="k2"), 422, "DUPLICATE_INVOICE")
        self.assertFalse(self.env["medsync.exception"].search([("key", "=", f"hub-invoice-total-{bill.id}")]),
                         "no stated total, nothing to compare")

    def test_invoice_of_a_suspended_vendor_arrives_held_and_does_not_post(self):
        """The purchasing gate on the hub's invoice flow: a suspended vendor's invoice becomes a draft bill on
        compliance hold, which cannot be posted or paid; a vendor still onboarding where the company's gate
        blocks cannot have its bill posted either."""
        officer = new_test_user(self.env, login="hub_officer",
                                groups="base.group_user,medsync.group_medsync_compliance")
        self.vendor.with_user(officer)._medsync_set_compliance("suspended", "LEIE hit under review")
        doc = {"invoice": "INV-9101", "po": self.po.name, "invoice_date": "2026-11-21", "currency": "USD",
               "lines": [{"line_no": 1, "product": "ACME-GZ-44", "qty": 10, "price": 2.0}]}
        self.assertEqual(self.post("invoice", doc).status_code, 202)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        bill = msg.link_ids.record_ref
        self.assertRecordValues(bill, [{"state": "draft", "medsync_compliance_hold": True}])
        self.assertIn("LEIE hit under review", bill.medsync_compliance_hold_reason)
        with self.assertRaisesRegex(UserError, "Suspended"):
            bill.action_post()
        # back to onboarding, the company's gate on: still not posted
        self.vendor.with_user(officer)._medsync_set_compliance("onboarding", "re-vetting")
        self.assertTrue(bill.medsync_compliance_hold, "the hold stays until the vendor is cleared")
        self.env.company.medsync_compliance_gate = True
        with self.assertRaisesRegex(UserError, "Onboarding"):
            bill.action_post()
        self.vendor.with_user(officer)._medsync_set_compliance("approved", "re-vetted")
        self.assertFalse(bill.medsync_compliance_hold)
        bill.action_post()
        self.assertEqual(bill.state, "posted")

    def test_message_links_are_named_and_open_only_when_readable(self):
        doc = {"invoice": "INV-9002", "po": self.po.name, "invoice_date": "2026-11-21", "currency": "USD",
               "lines": [{"line_no": 1, "product": "ACME-GZ-44", "qty": 10, "price": 2.0}]}
        self.assertEqual(self.post("invoice", doc).status_code, 202)
        msg = self.run_jobs()
        bill = msg.link_ids.record_ref
        self.assertEqual(bill._name, "account.move")
        # the integration admin reads the message form as the web client does: the bill is named, not opened
        self.assertFalse(self.admin.has_group("account.group_account_invoice"))
        self.authenticate("hub_admin", "hub_admin")
        spec = {"name": {}, "link_ids": {"fields": {"role": {}, "record_kind": {}, "record_name": {},
                                                    "can_open": {}}}}
        [form] = self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": "medsync.message", "method": "web_read", "args": [msg.ids], "kwargs": {"specification": spec}})
        [link] = form["link_ids"]
        self.assertEqual(link["record_name"], bill.display_name)
        self.assertFalse(link["can_open"])
        with self.assertRaises(AccessError):
            msg.link_ids.with_user(self.admin).action_open_record()
        # an accountant opens it
        ap = new_test_user(self.env, login="hub_ap", groups="base.group_user,account.group_account_invoice,"
                                                         "medsync.group_medsync_user")
        link = msg.link_ids.with_user(ap)
        self.assertTrue(link.can_open)
        action = link.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", bill.id))

    def test_invoice_total_mismatch_is_an_exception_for_ap(self):
        doc = {"invoice": "INV-9003", "po": self.po.name, "invoice_date": "2026-11-21", "currency": "USD",
               "total": 30.50, "lines": [{"line_no": 1, "product": "ACME-GZ-44", "qty": 10, "price": 3.05}]}
        tax = self.env["account.tax"].create({"name": "Test 15 %", "amount": 15, "type_tax_use": "purchase"})
        self.po.order_line[0].taxes_id = tax
        res = self.post("invoice", doc)
        self.assertEqual(res.status_code, 202, res.text)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        bill = msg.link_ids.filtered(lambda link: link.res_model == "account.move").record_ref
        # the vendor's lines add up to its total, 30.50; Odoo adds the order line's tax
        self.assertEqual(bill.amount_total, 35.08)
        exc = self.env["medsync.exception"].search([("key", "=", f"hub-invoice-total-{bill.id}")])
        self.assertRecordValues(exc, [{"reason_code": "HUB_INVOICE_TOTAL", "res_model": "account.move",
                                       "res_id": bill.id, "state": "open", "amount": 4.58}])
        self.assertEqual(exc.reason_id.team_id, self.env.ref("medsync.team_ap"))
        for figure in ("30.50", "35.08", "4.58"):
            self.assertIn(figure, exc.description)
        self.assertIn(exc, msg.link_ids.filtered(lambda link: link.res_model == "medsync.exception").record_ref)
        # the note stays on the bill, logged (the system's user needs no e-mail for it)
        self.assertTrue(any("30.50" in (m.body or "") for m in bill.message_ids))

    def test_payment_status(self):
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.other_vendor.id, "ref": "BILL-1",
            "invoice_date": "2026-11-01",
            "invoice_line_ids": [Command.create({"name": "x", "quantity": 1, "price_unit": 50, "tax_ids": []})]})
        bill.action_post()
        paid = {"bill": "BILL-1", "status": "paid", "amount": 50, "currency": bill.currency_id.name,
                "date": "2026-11-22", "payment_ref": "PAY-1"}
        self.assertEqual(self.post("payment_status", paid, key=self.bank_key, system="gateway-t").status_code, 202)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        # the same payment under another key registers nothing twice
        self.post("payment_status", paid, key=self.bank_key, system="gateway-t", idem="k2")
        self.run_jobs()
        self.assertEqual(len(bill.matched_payment_ids | bill._get_reconciled_payments()), 1)
        failed = {**paid, "status": "failed", "payment_ref": "PAY-2", "reason": "account closed"}
        self.post("payment_status", failed, key=self.bank_key, system="gateway-t", idem="k3")
        self.run_jobs()
        exc = self.env["medsync.exception"].search([("reason_code", "=", "HUB_PAYMENT_FAILED")])
        self.assertEqual((exc.res_id, exc.description), (bill.id, "account closed"))
        self.assertError(self.post("payment_status", {**paid, "bill": "NOPE"}, key=self.bank_key,
                                   system="gateway-t", idem="k4"), 422, "UNKNOWN_BILL")

    def test_snapshot_and_vendor_update(self):
        loc = self.env.ref("stock.stock_location_stock")
        self.env["stock.location"].browse(loc.id).barcode = loc.barcode or "WH-STOCK-T"
        snap = {"source": "cabinet-7", "as_of": "2026-11-22T06:00:00+01:00", "scope": "partial",
                "rows": [{"location": loc.barcode, "product": "T-GAU", "qty": 12}]}
        self.assertEqual(self.post("stock_snapshot", snap, key=self.wms_key, system="cabinets-t").status_code, 202)
        job = self.env["queue.job"].search([("uuid", "=", self.msgs(system_id=self.wms.id).job_uuid)])
        self.assertEqual(job.channel, "root.medsync.hub.batch")
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        snapshot = msg.link_ids.record_ref
        self.assertEqual((snapshot._name, snapshot.source, str(snapshot.as_of)),
                         ("medsync.stock.snapshot", "cabinet-7", "2026-11-22 05:00:00"))

        upd = {"vendor": "V-ACME", "phone": "+1 312 555 0100", "bank_account": "DE89370400440532013000"}
        self.assertEqual(self.post("vendor_update", upd, idem="v1").status_code, 202)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        self.assertEqual(self.vendor.phone, "+1 312 555 0100")
        self.assertFalse(self.vendor.bank_ids, "a message never changes where the money goes")
        self.assertTrue(self.env["medsync.exception"].search([("reason_code", "=", "HUB_VENDOR_REVIEW"),
                                                              ("partner_id", "=", self.vendor.id)]))
        self.assertError(self.post("vendor_update", {"vendor": "V-NOT-MINE"}, idem="v2"), 422, "UNKNOWN_VENDOR")

    # ------------------------------------------------------------------ failures

    def test_retry_then_dead_letter_then_requeue_and_replay(self):
        self.post("po_ack", self.ack())
        msg = self.msgs(idempotency_key="k1")
        boom = OSError("connection reset")
        with patch.dict(hub_handlers.HANDLERS, {"po_ack": lambda *a: (_ for _ in ()).throw(boom)}):
            self.run_jobs(msg)
            self.assertEqual((msg.state, msg.attempts, msg.error_code), ("retrying", 1, "ERROR"))
            self.assertGreater(msg.next_attempt, fields.Datetime.now())
            retry_job = self.env["queue.job"].search([("uuid", "=", msg.job_uuid)])
            self.assertTrue(retry_job.eta)
            self.run_jobs(msg)
            self.run_jobs(msg)
        self.assertEqual((msg.state, msg.attempts), ("dead", 3))
        self.assertFalse(any(self.po.order_line.mapped("medsync_ack_status")))
        dead = self.env["medsync.exception"].search([("key", "=", f"hub-dead-{msg.id}")])
        self.assertEqual(dead.owner_user_id, self.admin)
        # only an integration admin requeues, and with a reason
        with self.assertRaises(UserError):
            msg.with_user(self.buyer)._operate("requeue", "try again")
        with self.assertRaises(UserError):
            msg.with_user(self.admin)._operate("requeue", " ")
        msg.with_user(self.admin)._operate("requeue", "vendor fixed their side")
        self.run_jobs(msg)
        self.assertEqual(msg.state, "done")
        self.assertEqual(self.po.medsync_ack_state, "acknowledged")
        copy = msg.with_user(self.admin)._operate("replay", "re-apply after PO edit")
        self.assertEqual((copy.parent_id, copy.payload_hash, copy.state), (msg, msg.payload_hash, "queued"))
        actions = self.env["medsync.audit"].search([("res_model", "=", "medsync.message")]).mapped("action")
        self.assertEqual(sorted(actions), ["message_replay", "message_requeue"])

    def test_sla_breach_raised_for_the_owner_then_resolved(self):
        self.post("po_ack", self.ack())
        msg = self.msgs(idempotency_key="k1")
        guard.privileged(msg.sudo()).write({"received_at": fields.Datetime.now() - timedelta(hours=2)})
        self.env["medsync.message"]._cron_housekeeping()
        flow = msg.flow_id
        breach = self.env["medsync.exception"].search([("key", "=", f"hub-sla-{flow.id}")])
        self.assertEqual((breach.state, breach.owner_user_id), ("open", self.admin))
        self.assertTrue(breach.activity_ids, "the owner has a to-do")
        self.run_jobs(msg)
        self.env["medsync.message"]._cron_housekeeping()
        self.assertEqual(breach.state, "resolved")
        # changing what a system may do is audited
        self.system.with_user(self.admin).write({"rate_limit": 10})
        self.assertTrue(self.env["medsync.audit"].search([("action", "=", "system_changed"),
                                                           ("reason", "=", "rate_limit")]))

    def test_permanent_error_goes_straight_to_dead_letters(self):
        self.post("po_ack", self.ack())
        self.po.button_cancel()
        msg = self.run_jobs()
        self.assertEqual((msg.state, msg.attempts, msg.error_code), ("dead", 1, "PO_CLOSED"))

    def test_worker_killed_mid_processing_loses_and_duplicates_nothing(self):
        """A worker dies after the handler wrote its effect, before commit: the
        database rolls the whole job back (modelled by the savepoint below,
        which is what PostgreSQL does to a dead connection's transaction).
        Recovery then queues the message again and the effect happens once."""
        self.post("invoice", {"invoice": "INV-K", "po": self.po.name, "invoice_date": "2026-11-21",
                              "currency": "USD", "lines": [{"product": "T-GAU", "qty": 1, "price": 2}]})
        msg = self.msgs(idempotency_key="k1")
        bills = self.env["account.move"].search_count([("ref", "=", "INV-K")])

        class Killed(BaseException):
            pass

        prepare, model, finish = hub_handlers.BATCHED["invoice"]

        def die_after_effect(env, bill, doc):
            finish(env, bill, doc)
            self.assertEqual(env["account.move"].search_count([("ref", "=", "INV-K")]), bills + 1)
            raise Killed

        with patch.dict(hub_handlers.BATCHED, {"invoice": (prepare, model, die_after_effect)}):
            with self.assertRaises(Killed):
                with self.env.cr.savepoint():
                    msg._hub_process()
        self.env.invalidate_all()
        self.assertEqual((msg.state, self.env["account.move"].search_count([("ref", "=", "INV-K")])),
                         ("queued", bills))
        # the job of the dead worker is 'started' forever; recovery queues the message again
        self.env["queue.job"].search([("uuid", "=", msg.job_uuid)]).write(
            {"state": "started", "date_started": fields.Datetime.now() - timedelta(hours=1)})
        guard.privileged(msg.sudo()).write({"next_attempt": fields.Datetime.now() - timedelta(hours=1)})
        old_uuid = msg.job_uuid
        self.assertEqual(self.env["medsync.message"]._cron_recover(), 1)
        self.assertNotEqual(msg.job_uuid, old_uuid)
        self.run_jobs(msg)
        self.run_jobs(msg)
        self.assertEqual((msg.state, self.env["account.move"].search_count([("ref", "=", "INV-K")])),
                         ("done", bills + 1))

    def test_a_job_of_fifty_invoices_with_one_bad(self):
        """A job's invoices become bills in one create; the one that cannot
        (its line 1 is not the product it names) is dead-lettered alone, the
        others are done, and running the job again doubles nothing."""
        docs = [(f"inv-{n}", {"invoice": f"INV-B{n}", "po": self.po.name, "invoice_date": "2026-11-21",
                              "currency": "USD",
                              "lines": [{"line_no": 1, "product": "T-STENT" if n == 17 else "ACME-GZ-44", "qty": 1,
                                         "price": 2}]}) for n in range(50)]
        body = json.dumps({"documents": [{"idempotency_key": k, "document": d} for k, d in docs]}).encode()
        res = self.url_open("/medsync/api/v1/acme/invoice/batch", data=body, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        self.env.invalidate_all()
        self.assertEqual([r["status"] for r in res.json()["results"]], [202] * 50, res.text)
        msgs = self.msgs(doc_type="invoice", direction="inbound").filtered(lambda m: m.idempotency_key.startswith(
            "inv-"))
        self.assertEqual(len(msgs), 50)
        with patch.object(type(self.env["account.move"]), "_medsync_enqueue_match", autospec=True) as match:
            self.run_jobs(msgs)
        self.assertEqual(match.call_count, 1, "one matching job for the job's bills")
        self.assertEqual(len(match.call_args.args[0]), 49)
        bad = msgs.filtered(lambda m: m.idempotency_key == "inv-17")
        self.assertEqual((bad.state, bad.error_code), ("dead", "WRONG_PRODUCT"))
        self.assertEqual(set(msgs.mapped("node")), {engine.node()}, "each message says which node did it")
        self.assertEqual(set((msgs - bad).mapped("state")), {"done"})
        bills = self.env["account.move"].search([("ref", "=like", "INV-B%")])
        self.assertEqual(len(bills), 49)
        self.assertEqual(sorted((msgs - bad).link_ids.mapped("res_id")), sorted(bills.ids))
        # run again (a retry, a second worker): nothing is done twice
        self.run_jobs(msgs)
        self.assertEqual(self.env["account.move"].search_count([("ref", "=like", "INV-B%")]), 49)
        self.assertEqual(len((msgs - bad).link_ids), 49)

    def test_channel_isolation(self):
        """Each criticality has its own channel: with the batch channel full of
        stuck jobs, queue_job's own scheduler still hands out procurement
        jobs; and a failing batch flow leaves procurement messages flowing."""
        manager = ChannelManager()
        manager.simple_configure("root:4,root.medsync.hub.procurement:2,root.medsync.hub.billing:1,"
                                 "root.medsync.hub.batch:1")
        db = "db"
        for i in range(5):
            manager.notify(db, "root.medsync.hub.batch", f"b{i}", i, i, 20, None, "pending")
        self.assertEqual([j.uuid for j in manager.get_jobs_to_run(now=10)], ["b0"])
        manager.notify(db, "root.medsync.hub.batch", "b0", 0, 0, 20, None, "started")
        manager.notify(db, "root.medsync.hub.procurement", "p0", 9, 9, 5, None, "pending")
        manager.notify(db, "root.medsync.hub.procurement", "p1", 10, 10, 5, None, "pending")
        self.assertEqual(sorted(j.uuid for j in manager.get_jobs_to_run(now=11)), ["p0", "p1"])

        snap = {"source": "s", "as_of": "2026-11-22T06:00:00Z", "scope": "full",
                "rows": [{"location": "NOWHERE", "product": "T-GAU", "qty": 1}]}
        self.post("stock_snapshot", snap, key=self.wms_key, system="cabinets-t", idem="s1")
        self.post("po_ack", self.ack(), idem="p1")
        with patch.dict(hub_handlers.HANDLERS, {"stock_snapshot": lambda *a: 1 / 0}):
            self.run_jobs()
        self.assertEqual(self.msgs(idempotency_key="s1").state, "retrying")
        self.assertEqual(self.msgs(idempotency_key="p1").state, "done")

    # ------------------------------------------------------------------ outbound

    def test_outbound_order_is_signed_and_acknowledgement_tracked(self):
        url, received = webhook_receiver(self, "/orders")
        self.system.with_user(self.admin).write({"webhook_url": url})
        self.system.with_user(self.admin).action_new_webhook_secret()
        self.env["medsync.flow"].with_user(self.admin).create({
            "system_id": self.system.id, "code": "po", "name": "po", "doc_type": "purchase_order",
            "ack_sla_hours": 4})
        po = self._po(self.vendor, [(self.gauze, 10, 2.0)])
        out = self.msgs(direction="outbound", source_id=po.id)
        self.assertEqual((out.state, po.medsync_ack_state), ("queued", "waiting"))
        self.run_jobs(out)
        self.assertEqual(out.state, "done", out.error_message)
        headers, body = received[0]
        t, v1 = (part.split("=", 1)[1] for part in headers["X-MedSync-Signature"].split(","))
        secret = self.system.sudo().webhook_secret
        self.assertEqual(v1, hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest())
        self.assertEqual(json.loads(body)["lines"][0]["product"], "ACME-GZ-44")
        # no acknowledgement within the SLA: an exception for the buyer, closed when the ack comes
        guard.privileged(po.sudo()).medsync_ack_due = fields.Datetime.now() - timedelta(minutes=1)
        self.env["medsync.message"]._cron_housekeeping()
        late = self.env["medsync.exception"].search([("key", "=", f"hub-noack-{po.id}")])
        self.assertEqual((late.state, late.owner_user_id), ("open", self.buyer))
        self.post("po_ack", {"po": po.name, "lines": [{"line_no": 1, "product": "T-GAU", "status": "accepted",
                                                       "qty": 10}]}, idem="ack-out")
        self.run_jobs()
        self.assertEqual((po.medsync_ack_state, late.state), ("acknowledged", "resolved"))

    # ------------------------------------------------------------------ figures

    def test_openapi_and_metrics(self):
        spec = self.url_open("/medsync/api/v1/openapi.json").json()
        on_disk = json.loads((Path(__file__).parent.parent / "static" / "api" / "openapi.json").read_text())
        self.assertEqual(spec, on_disk)
        # every error code the API answered in these tests is one the document lists
        codes = set(spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
        answered = {self.post("po_ack", self.ack(), key=False).json()["error"]["code"],
                    self.post("po_ack", {"po": 1}).json()["error"]["code"]}
        self.assertLessEqual(answered, codes)
        self.post("po_ack", self.ack(), idem="m1")
        res = self.get("/medsync/api/v1/metrics?system=gateway-t", key=self.bank_key)
        self.assertEqual(res.status_code, 200, res.text)
        self.assertIn('medsync_hub_queue_depth{system="acme",flow="po_ack",channel="procurement"} 1', res.text)
        self.assertIn("medsync_business_unacknowledged_pos", res.text)
        self.assertError(self.get("/medsync/api/v1/metrics?system=acme"), 403, "FORBIDDEN")
        flow = self.env["medsync.flow"].search([("system_id", "=", self.system.id), ("doc_type", "=", "po_ack")])
        self.assertEqual(flow.queue_depth, 1)
        # which node did the work: the message done here is counted under this node's name
        self.run_jobs()
        node = engine.node()
        done = self.env["medsync.message"].search_count([("node", "=", node), ("state", "=", "done")])
        res = self.get("/medsync/api/v1/metrics?system=gateway-t", key=self.bank_key)
        self.assertIn(f'medsync_node_messages_done_last_hour{{node="{node}"}} {done}', res.text)
        self.assertGreaterEqual(done, 1)
        self.assertIn(f'medsync_process_cpu_seconds{{node="{node}"', res.text)

    def test_integration_dashboard(self):
        """Integrations › Dashboard opens the role dashboard of the KPI facts,
        with the flows' and the business figures, each opening its records."""
        menu = self.env.ref("medsync.medsync_hub_dashboard_menu")
        self.assertEqual(menu.action, self.env.ref("medsync.medsync_dashboard_action_integration"))
        self.post("po_ack", self.ack(), idem="d1")  # one waiting message of the acme po_ack flow
        guard.privileged(self.po.sudo()).write({"medsync_ack_state": "waiting",
                                                "medsync_ack_due": fields.Datetime.now() - timedelta(hours=1)})
        Fact = self.env["medsync.kpi.fact"].with_user(self.admin)
        Fact.action_refresh("integration")
        data = Fact.dashboard_data("integration")
        kpis = {k["code"]: k for k in data["kpis"]}
        for code in ("hub_waiting", "hub_oldest_waiting", "hub_dead_letters", "hub_error_rate", "hub_latency_p50",
                     "hub_latency_p95", "hub_orders_awaiting_ack", "hub_acks_overdue", "hub_orders_changed",
                     "hub_invoices_unmatched", "hub_payment_updates_failed", "hub_payments_failed",
                     "hub_open_exceptions"):
            self.assertIn(code, kpis)
            self.assertTrue(kpis[code]["definition"])
        self.assertEqual(kpis["hub_waiting"]["value"], self.env["medsync.message"].search_count(
            [("state", "in", ("received", "queued", "retrying", "failed")), ("company_id", "=", self.env.company.id)]))
        flow = self.env["medsync.flow"].search([("system_id", "=", self.system.id), ("doc_type", "=", "po_ack")])
        row = next(r for r in kpis["hub_waiting"]["breakdown"] if r["key"] == str(flow.id))
        self.assertEqual((row["label"], row["value"]), ("Acme portal / po_ack", 1))
        # business figures: the numbers are those of the records the figure opens (for who may read them)
        for code in ("hub_orders_awaiting_ack", "hub_acks_overdue"):
            self.assertGreaterEqual(kpis[code]["value"], 1)
            action = self.env["medsync.kpi.fact"]._kpi_action(registry.KPIS[code], self.env.company,
                                                              fields.Date.today())
            self.assertEqual(self.env["purchase.order"].search_count(action["domain"]), kpis[code]["value"])
            self.assertIn(self.po, self.env["purchase.order"].search(action["domain"]))
        dead = kpis["hub_dead_letters"]["action"]
        self.assertEqual(dead["res_model"], "medsync.message")
        # the old transient dashboard is gone
        self.assertNotIn("medsync.hub.dashboard", self.env)
