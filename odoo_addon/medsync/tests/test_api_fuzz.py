"""The integration API's controls against hostile input, through the real
HTTP controllers (HttpCase): any bytes, headers and paths get a documented
JSON refusal, never a 5xx, and a refused document is still kept; failed
authentications are limited per client address and rate limits are counted in
PostgreSQL for all workers; an unknown system answers as a wrong key; a held
bill reported paid becomes an AP exception, not a payment; payloads are for
integration admins and the sending system only; an API key is never stored in
clear."""

import json
import logging
import string
import threading
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import SQL

from ..models import medsync_rate_limit as rate
from ..services import hub
from . import test_hub

_logger = logging.getLogger(__name__)
SPEC = json.loads((Path(__file__).resolve().parent.parent / "static" / "api" / "openapi.json").read_text())
ERROR = SPEC["components"]["schemas"]["Error"]["properties"]["error"]
CODES = set(ERROR["properties"]["code"]["enum"])
RULES = set(ERROR["properties"]["problems"]["items"]["properties"]["rule"]["enum"])
BASE = SPEC["servers"][0]["url"]
BAD_KEY = "0123456789abcdef0123456789abcdef01234567"
PAYLOAD_FIELDS = ("payload", "payload_attachment_id", "response_body")


# ---------------------------------------------------------------------------- hypothesis strategies

def _segment(text):
    # a path parameter: anything but a slash, and no dot segment (clients normalise those away)
    return text not in (".", "..") and "/" not in text


SEGMENT = st.one_of(st.text(min_size=1, max_size=40).filter(_segment),
                    st.binary(min_size=1, max_size=20).filter(lambda b: b"/" not in b and b not in (b".", b"..")))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12)
HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
                       max_size=60).map(str.lstrip)
# names that steer the transport itself (or the test's own session cookie) are not the API's input
TRANSPORT = {"content-length", "transfer-encoding", "host", "connection", "cookie", "expect", "te", "trailer",
             "upgrade", "keep-alive", "proxy-connection"}
HEADER_NAME = st.one_of(
    st.sampled_from(["Authorization", "Content-Type", "Idempotency-Key", "X-Schema-Version", "Accept",
                     "Content-Encoding", "X-Forwarded-For", "Range", "If-None-Match", "Accept-Charset"]),
    st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=20)).filter(
    lambda n: n.lower() not in TRANSPORT)
# query and form fields, among them the names of the controllers' own parameters
FIELD_NAME = st.one_of(st.sampled_from(["self", "system", "doc_type", "key", "kw", "csrf_token"]),
                       st.text(max_size=12))
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "text/plain", "application/xml",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", ""]


@tagged("post_install", "-at_install")
class TestApiFuzz(HttpCase):
    # the helpers of the hub's own HTTP tests (a system "acme" with ``self.key``)
    post = test_hub.TestHub.post
    get = test_hub.TestHub.get
    msgs = test_hub.TestHub.msgs
    run_jobs = test_hub.TestHub.run_jobs
    assertError = test_hub.TestHub.assertError

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.admin = new_test_user(env, login="fz_admin", groups="base.group_user,medsync.group_medsync_integration")
        # MedSync users who are not integration admins, one of them without an e-mail address
        cls.reader = new_test_user(env, login="fz_reader", email=False,
                                   groups="base.group_user,medsync.group_medsync_user")
        cls.clerk = new_test_user(env, login="fz_clerk1", groups="base.group_user,medsync.group_medsync_ap_clerk")
        cls.vendor = env["res.partner"].create({"name": "Fuzz Surgical", "supplier_rank": 1, "ref": "V-FZ",
                                                "email": "ap@fuzz.example"})
        cls.gauze = env["product.product"].create({"name": "Gauze", "default_code": "FZ-GAU", "type": "consu"})
        System = env["medsync.system"].with_user(cls.admin)
        cls.system = System.create({"name": "Fuzz portal", "code": "acme", "partner_id": cls.vendor.id,
                                    "rate_limit": 100000, "rate_burst": 20000})
        for doc_type in ("po_ack", "asn", "invoice", "vendor_update"):
            env["medsync.flow"].with_user(cls.admin).create({
                "system_id": cls.system.id, "code": doc_type, "name": doc_type, "doc_type": doc_type})
        cls.bank = System.create({"name": "Gateway", "code": "gateway-f", "kind": "payment", "metrics_access": True,
                                  "rate_limit": 100000, "rate_burst": 20000})
        env["medsync.flow"].with_user(cls.admin).create({"system_id": cls.bank.id, "code": "pay", "name": "pay",
                                                          "doc_type": "payment_status"})
        cls.key = cls.system.with_user(cls.admin)._generate_key(30)
        cls.bank_key = cls.bank.with_user(cls.admin)._generate_key(30)
        cls.po = env["purchase.order"].create({"partner_id": cls.vendor.id, "order_line": [
            Command.create({"product_id": cls.gauze.id, "product_qty": 10, "price_unit": 2.0})]})
        cls.po.button_confirm()

    def setUp(self):
        super().setUp()
        hub._auth_cache.clear()

    # ------------------------------------------------------------------ helpers

    def assertRefusal(self, res, documented=None):
        """Never a 5xx; a refusal is the documented JSON error (with a status
        the route documents, when given)."""
        self.assertLess(res.status_code, 500, res.text[:300])
        if res.status_code < 400:
            return
        self.assertTrue(res.headers.get("Content-Type", "").startswith("application/json"),
                        f"{res.status_code} {res.headers.get('Content-Type')}: {res.text[:300]}")
        body = res.json()
        self.assertEqual(set(body), {"error"})
        err = body["error"]
        self.assertLessEqual(set(err), {"code", "message", "problems"})
        self.assertIn(err["code"], CODES)
        self.assertIsInstance(err["message"], str)
        for problem in err.get("problems", []):
            self.assertEqual(set(problem), {"path", "rule", "message"})
            self.assertIn(problem["rule"], RULES)
        if documented is not None:
            self.assertIn(str(res.status_code), documented, res.text[:300])
        if res.status_code == 429:
            self.assertGreaterEqual(int(res.headers["Retry-After"]), 1)

    def call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request("/web/dataset/call_kw", {"model": model, "method": method, "args": args,
                                                                  "kwargs": kwargs or {}})

    # ------------------------------------------------------------------ 1. any bytes

    def test_any_bytes_get_a_json_refusal_and_are_kept(self):
        bodies = [b'{"po": "P1\x00", "lines": []}', b"\x00", b"\xff\xfe\xfa{", b'{"po": "\xc3\x28"}',
                  b'{"po": "\\u0000", "lines": [{"\\u0000": 1}]}', b"[1, 2, {}]", b'"text"', b"null", b"NaN",
                  b'{"po": {"po": {"po": []}}}', b"{" * 300, b"\xef\xbb\xbf{}"]
        for i, body in enumerate(bodies):
            res = self.post("po_ack", None, raw=body, idem=f"nul{i}")
            self.assertRefusal(res)
            self.assertError(res, 422, "VALIDATION_FAILED")
        kept = self.msgs(system_id=self.system.id, state="rejected")
        self.assertEqual(sorted(kept.mapped("refused_key")), sorted(f"nul{i}" for i in range(len(bodies))))
        first = kept.filtered(lambda m: m.refused_key == "nul0")
        self.assertEqual(first.payload, '{"po": "P1\\x00", "lines": []}', "NUL kept as an escape")
        self.assertIn("\\xff\\xfe\\xfa", kept.filtered(lambda m: m.refused_key == "nul2").payload)
        # a batch whose envelope is not even JSON: refused whole, and kept
        res = self.url_open(f"{BASE}/acme/po_ack/batch", data=b'{"documents": [\x00\xff]}',
                            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        self.assertRefusal(res)
        self.assertError(res, 422, "VALIDATION_FAILED")
        self.env.invalidate_all()
        envelope = self.msgs(system_id=self.system.id, state="rejected", refused_key=False)
        self.assertEqual(len(envelope), 1)
        self.assertEqual(envelope.payload, '{"documents": [\\x00\\xff]}')
        # a document key no query can take (found by the property test below)
        res = self.url_open(f"{BASE}/acme/po_ack/batch", data=json.dumps(
            {"documents": [{"idempotency_key": "\x00", "document": {}}]}).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        self.assertEqual((res.status_code, res.json()["results"][0]["status"]), (200, 400), res.text[:300])
        # and in the path, the headers and the status route
        for res in (self.post("po_ack", {}, system=quote("\x00")), self.post(quote("\x00"), {}),
                    self.post("po_ack", {}, headers={"X-Schema-Version": "\u00b2"}),
                    self.get(f"{BASE}/acme/messages/{quote(chr(0))}"),
                    self.get(f"{BASE}/acme/messages/99999999999999999999999"),
                    self.get(f"{BASE}/metrics?system=%00", key=BAD_KEY),
                    # form fields and query arguments named as the controller's own parameters
                    self.post("po_ack", None, raw=b"self=1&system=x&doc_type=y",
                              headers={"Content-Type": "application/x-www-form-urlencoded"}),
                    self.get(f"{BASE}/metrics?self=1&system=gateway-f", key=self.key),
                    self.get(f"{BASE}/acme/messages/k1?self=1&key=2")):
            self.assertRefusal(res)

    # ------------------------------------------------------------------ 2-3. rate limits

    def test_failed_authentications_are_limited_per_address(self):
        statuses = []
        for i in range(300):
            key = False if i % 10 == 0 else uuid.uuid4().hex + "0" * 8
            res = self.post("po_ack", {}, key=key, idem=f"a{i}", system="acme" if i % 3 else "nosuch")
            self.assertRefusal(res, SPEC["paths"]["/{system}/{doc_type}"]["post"]["responses"])
            statuses.append(res.status_code)
        self.assertEqual(set(statuses[:55]), {401})
        first = statuses.index(429)
        self.assertLessEqual(first, 65)
        self.assertEqual(set(statuses[first:]), {429}, "who keeps failing stays refused")
        self.assertFalse(self.msgs(system_id=self.system.id))
        # while the address is refused, not even the right key is checked; other addresses are not refused
        self.assertError(self.post("po_ack", {}, idem="ok"), 429, "RATE_LIMITED")
        self.assertEqual(hub.authenticate(self.env, f"Bearer {self.key}", "acme", "192.0.2.7")["id"], self.system.id)
        self.assertError(self.get(f"{BASE}/metrics", key=False), 429, "RATE_LIMITED")

    def test_system_rate_limit_counts_refused_requests(self):
        self.system.with_user(self.admin).write({"rate_limit": 60, "rate_burst": 3})
        hub._auth_cache.clear()
        codes = [self.post("po_ack", None, raw=b"\x00", idem=f"r{i}").status_code for i in range(3)]
        self.assertEqual(codes, [422, 422, 422])
        res = self.post("po_ack", {}, idem="r9")
        self.assertError(res, 429, "RATE_LIMITED")
        self.assertGreaterEqual(int(res.headers["Retry-After"]), 1)

    def test_counter_is_shared_by_connections(self):
        """Two database connections (two workers) count in one bucket; a
        worker holding the bucket makes the other wait, not fail, and neither
        loses a hit."""
        db = self.env.cr.dbname
        scope, key, width = "test", f"shared-{uuid.uuid4().hex}", 3600

        def cleanup():
            with db_connect(db).cursor() as cr:
                cr.execute(SQL("DELETE FROM medsync_rate_bucket WHERE scope = %s AND key = %s", scope, key))

        self.addCleanup(cleanup)
        counts = [rate.hit_committed(db_connect(db).cursor(), scope, key, width) for _i in range(2)]
        self.assertEqual([cur + prev for cur, prev, _e in counts], [1, 2])
        holder = db_connect(db).cursor()
        holder.connection.set_isolation_level(rate.ISOLATION_LEVEL_READ_COMMITTED)
        rate.hit(holder, scope, key, width)  # the row stays locked until this transaction ends
        out = []
        other = threading.Thread(target=lambda: out.append(rate.hit_committed(db_connect(db).cursor(), scope, key,
                                                                            width)))
        other.start()
        other.join(0.5)
        self.assertTrue(other.is_alive(), "the second worker waits for the first one's increment")
        holder.commit()
        holder.close()
        other.join(10)
        cur, prev, _elapsed = out[0]
        self.assertEqual(cur + prev, 4)
        with db_connect(db).cursor() as cr:  # a third worker reads the same count without adding to it
            cur, prev, _elapsed = rate.peek(cr, scope, key, width)
        self.assertEqual(cur + prev, 4)

    def test_sliding_window_figures(self):
        self.assertEqual(rate.estimate(10, 5, 30, 60), 10.0)
        self.assertEqual(rate.estimate(10, 5, 60, 60), 5.0)
        # full this window: wait for the next one, until this bucket's share falls below the limit
        self.assertEqual(rate.retry_after(0, 2, 0.5, 2, 2), 3)  # 1.5 s to the next window, then half of it
        # room in this window once the previous bucket's share falls
        self.assertEqual(rate.retry_after(4, 1, 0, 2, 4), 1)
        self.assertEqual(rate.retry_after(60, 0, 0, 60, 60), 1)
        # hammered: 1 s to the next window, then until 1000 * (60 - t) / 60 + 1 <= 60
        self.assertEqual(rate.retry_after(1000, 1000, 59, 60, 60), 58)
        self.assertEqual(hub.rate_window({"rate_limit": 1200, "rate_burst": 200}), (10, 200))
        self.assertEqual(hub.rate_window({"rate_limit": 0, "rate_burst": 0}), (60, 1))

    def test_housekeeping_purges_old_buckets(self):
        self.env.cr.execute(SQL("INSERT INTO medsync_rate_bucket VALUES ('test', 'old', 60, 0, 5), "
                                "('test', 'new', 60, (extract(epoch FROM now()))::bigint, 5)"))
        self.env["medsync.message"]._cron_housekeeping()
        self.env.cr.execute("SELECT key FROM medsync_rate_bucket WHERE scope = 'test'")
        self.assertEqual(self.env.cr.fetchall(), [("new",)])

    # ------------------------------------------------------------------ 4. unknown systems

    def test_unknown_system_answers_as_a_wrong_key(self):
        self.env["medsync.system"].with_user(self.admin).create({"name": "Off", "code": "off-t", "active": False})
        pairs = [
            (self.post("po_ack", {}, key=BAD_KEY), self.post("po_ack", {}, key=BAD_KEY, system="nosuch")),
            (self.post("po_ack", {}, key=BAD_KEY), self.post("po_ack", {}, key=BAD_KEY, system="off-t")),
            (self.post("po_ack", {}, key=BAD_KEY), self.post("po_ack", {}, key=BAD_KEY, system="Not%20a%20code")),
            (self.post("po_ack", {}, key=False), self.post("po_ack", {}, key=False, system="nosuch")),
            (self.post("po_ack", {}, key="short"), self.post("po_ack", {}, key="short", system="nosuch")),
            (self.get(f"{BASE}/acme/messages/k1", key=BAD_KEY), self.get(f"{BASE}/nosuch/messages/k1", key=BAD_KEY)),
            # a key that verifies may say it belongs elsewhere: the same for a known and an unknown system
            (self.post("po_ack", {}, key=self.bank_key), self.post("po_ack", {}, key=self.bank_key, system="nosuch")),
        ]
        for known, unknown in pairs:
            self.assertRefusal(known)
            self.assertEqual((unknown.status_code, unknown.json(), unknown.headers.get("WWW-Authenticate")),
                             (known.status_code, known.json(), known.headers.get("WWW-Authenticate")))
        self.assertError(pairs[0][1], 401, "AUTH_INVALID")
        self.assertError(pairs[-1][1], 403, "AUTH_WRONG_SYSTEM")

    # ------------------------------------------------------------------ 5. paid while on hold

    def test_paid_on_a_held_bill_is_an_ap_exception_not_a_payment(self):
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor.id, "ref": "BILL-H", "invoice_date": "2026-11-01",
            "invoice_line_ids": [Command.create({"name": "x", "quantity": 1, "price_unit": 50, "tax_ids": []})]})
        bill.action_post()
        # the hold as matching leaves it (written as matching does: not through a form)
        self.env.cr.execute(SQL("UPDATE account_move SET medsync_match_state = 'hold', medsync_hold_reason = %s "
                                "WHERE id = %s", "price above PO", bill.id))
        bill.invalidate_recordset()
        paid = {"bill": "BILL-H", "status": "paid", "amount": 50, "currency": bill.currency_id.name,
                "date": "2026-11-22", "payment_ref": "PAY-H"}
        self.assertEqual(self.post("payment_status", paid, key=self.bank_key, system="gateway-f").status_code, 202)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        self.assertEqual(bill.payment_state, "not_paid")
        self.assertFalse(bill.matched_payment_ids | bill._get_reconciled_payments())
        self.assertFalse(self.env["account.payment"].search([("memo", "=", "PAY-H")]))
        exc = self.env["medsync.exception"].search([("reason_code", "=", "HUB_PAYMENT_ON_HOLD")])
        self.assertEqual(len(exc), 1)
        self.assertRecordValues(exc, [{"res_model": "account.move", "res_id": bill.id, "state": "open",
                                       "amount": 50.0}])
        self.assertEqual(exc.reason_id.team_id, self.env.ref("medsync.team_ap"))
        self.assertEqual(exc.reason_id.waive_group_id, self.env.ref("medsync.group_medsync_ap_manager"))
        self.assertIn("price above PO", exc.description)
        self.assertEqual(sorted((link.res_model, link.role) for link in msg.link_ids),
                         [("account.move", "flagged"), ("medsync.exception", "created")])
        status = self.get(f"{BASE}/gateway-f/messages/k1", key=self.bank_key).json()
        self.assertEqual(status["state"], "done")

    # ------------------------------------------------------------------ 6. who reads payloads

    def test_payloads_are_for_integration_admins_and_the_sender(self):
        upd = {"vendor": "V-FZ", "bank_account": "DE89370400440532013000"}
        self.assertEqual(self.post("vendor_update", upd, idem="v1").status_code, 202)
        big = b'{"vendor": "' + b"9" * 70000 + b'"}'  # refused, and kept as an attachment
        self.assertError(self.post("vendor_update", None, raw=big, idem="v2"), 422, "VALIDATION_FAILED")
        msg, refused = self.msgs(idempotency_key="v1"), self.msgs(refused_key="v2")
        att = refused.payload_attachment_id
        self.assertTrue(att)
        ids = (msg | refused).ids
        self.assertIn("DE89370400440532013000", msg.with_user(self.system.user_id).payload)
        for user in (self.reader, self.clerk):
            self.authenticate(user.login, user.login + "x" * (8 - len(user.login)))
            rows = self.call_kw("medsync.message", "search_read", [[("id", "in", ids)]])
            self.assertEqual(len(rows), 2, "the messages themselves are visible")
            self.assertFalse(set(PAYLOAD_FIELDS) & set(rows[0]))
            self.assertNotIn("DE89", json.dumps(rows))
            for fname in PAYLOAD_FIELDS:
                with self.assertRaises(JsonRpcException):
                    self.call_kw("medsync.message", "search_read", [[("id", "in", ids)]], {"fields": [fname]})
                with self.assertRaises(JsonRpcException):
                    self.call_kw("medsync.message", "read", [ids, [fname]])
            try:
                found = self.call_kw("medsync.message", "search", [[("payload", "ilike", "DE89")]])
            except JsonRpcException:
                found = []
            self.assertFalse(found)
            self.assertFalse(self.call_kw("ir.attachment", "search_read",
                                          [[("res_model", "=", "medsync.message")]], {"fields": ["name"]}))
            self.assertFalse(self.call_kw("ir.attachment", "search_read", [[("id", "=", att.id)]],
                                          {"fields": ["name"]}))
            with self.assertRaises(JsonRpcException):
                self.call_kw("ir.attachment", "read", [att.ids, ["raw"]])
            self.assertNotEqual(self.url_open(f"/web/content/{att.id}").status_code, 200)
            # the screens still open, without the payload
            views = self.call_kw("medsync.message", "get_views", [[[False, "form"], [False, "list"]]])
            form = views["views"]["form"]["arch"]
            self.assertIn('name="doc_type"', form)
            self.assertNotIn('name="payload"', form)
            self.assertNotIn('name="response_body"', form)
        self.authenticate(self.admin.login, self.admin.login)
        rows = self.call_kw("medsync.message", "read", [msg.ids, ["payload", "response_body"]])
        self.assertIn("DE89370400440532013000", rows[0]["payload"])
        self.assertTrue(self.call_kw("ir.attachment", "read", [att.ids, ["name"]]))
        self.assertIn('name="payload"', self.call_kw("medsync.message", "get_views", [[[False, "form"]]])
                      ["views"]["form"]["arch"])

    # ------------------------------------------------------------------ 7. keys in clear

    def test_api_key_is_never_stored_in_clear(self):
        wizard = self.env["medsync.system.key"].with_user(self.admin).create({"system_id": self.system.id,
                                                                              "days": 30})
        action = wizard.action_generate()
        key = action["context"]["default_key"]
        self.assertEqual((action["res_model"], action["target"]), ("medsync.system.key.show", "new"))
        show = self.env["medsync.system.key.show"].with_user(self.admin).with_context(action["context"])
        self.assertEqual(show.default_get(["key"])["key"], key)
        self.assertIn('name="key"', show.get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertEqual(hub.authenticate(self.env, f"Bearer {key}", "acme", "192.0.2.8")["id"], self.system.id)
        # as the web client shows it: the new record's defaults, from the action's context
        self.authenticate(self.admin.login, self.admin.login)
        shown = self.call_kw("medsync.system.key.show", "onchange", [[], {}, [], {"key": {}, "system_name": {}}],
                             {"context": action["context"]})
        self.assertEqual(shown["value"]["key"], key)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("""SELECT c.table_name, c.column_name, c.data_type
                        FROM information_schema.columns c
                        JOIN information_schema.tables t USING (table_schema, table_name)
                       WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                         AND c.data_type IN ('text', 'character varying', 'jsonb', 'bytea')""")
        tables = {}
        for table, column, kind in cr.fetchall():
            tables.setdefault(table, []).append(
                SQL("position(convert_to(%s, 'UTF8') IN %s) > 0", key, SQL.identifier(column)) if kind == "bytea"
                else SQL("strpos(%s::text, %s) > 0", SQL.identifier(column), key))
        self.assertIn("ir_attachment", tables)
        cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'medsync_system_key'")
        self.assertNotIn("key", {name for name, in cr.fetchall()})
        holding = []
        for table, conditions in tables.items():
            cr.execute(SQL("SELECT count(*) FROM %s WHERE %s", SQL.identifier(table), SQL(" OR ").join(conditions)))
            if cr.fetchone()[0]:
                holding.append(table)
        self.assertEqual(holding, [], "no table holds the key in clear")

    # ------------------------------------------------------------------ every route, any input

    def test_property_any_input_on_any_route(self):
        """Random bytes, JSON, headers and path parameters on every route of
        the published document: never a 5xx, every refusal in the documented
        shape and status, and no error (traceback) in the log."""
        self.env["ir.config_parameter"].sudo().set_param(hub.AUTH_FAILURE_PARAM, "100000")  # reach the documents
        self._seen = Counter()
        with self.assertNoLogs(level="ERROR"):
            self._any_input_on_any_route()
        _logger.info("any input on any route: %s", sorted(self._seen.items()))
        self.assertGreater(sum(n for (_p, status, _c), n in self._seen.items() if status in (202, 422)), 0,
                           "some inputs reached the documents")

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def _any_input_on_any_route(self, data):
        # mostly the right system and key, so that the bodies reach the documents; any value now and then
        auth = "good" if data.draw(st.integers(0, 9)) < 7 else data.draw(
            st.sampled_from(["bank", "bad", "none", "any", "bearer any"]))
        auth = {"good": f"Bearer {self.key}", "bank": f"Bearer {self.bank_key}", "bad": f"Bearer {BAD_KEY}",
                "none": ""}.get(auth) or data.draw(HEADER_VALUE.map(lambda v, a=auth: a.replace("any", v)))
        docs = {"po_ack": {"po": self.po.name, "lines": [{"line_no": 1, "product": "FZ-GAU", "status": "accepted",
                                                         "qty": 10}]},
                "vendor_update": {"vendor": "V-FZ", "phone": "+1 312 555 0100"},
                "payment_status": {"bill": "B-1", "status": "paid", "amount": 1, "currency": "USD",
                                   "date": "2026-11-22", "payment_ref": "P-1"}}
        for path, methods in sorted(SPEC["paths"].items()):
            for method, operation in methods.items():
                params = {name: usual if data.draw(st.integers(0, 9)) < 7 else data.draw(st.sampled_from(others))
                          for name, usual, others in (
                              ("system", "acme", ["gateway-f", "nosuch", None]),
                              ("doc_type", "po_ack", ["vendor_update", "invoice", "asn", "payment_status", None]),
                              ("key", "fz-1", ["k1", "1", None]))}
                params = {name: data.draw(SEGMENT) if value is None else value for name, value in params.items()}
                url = BASE + path
                for name, value in params.items():
                    url = url.replace(f"{{{name}}}", quote(value, safe=""))
                query = data.draw(st.dictionaries(FIELD_NAME, st.text(max_size=20), max_size=3))
                if path == "/metrics":
                    query["system"] = data.draw(st.one_of(st.sampled_from(["gateway-f", params["system"]]),
                                                          st.text(max_size=20)))
                if query:
                    url += "?" + urlencode(query)
                base_doc = docs.get(params["doc_type"], {})
                body = data.draw(st.one_of(
                    st.binary(max_size=200),
                    JSON.map(lambda v: json.dumps(v).encode()),
                    st.dictionaries(st.sampled_from(sorted(base_doc) or ["po"]), JSON, max_size=3).map(
                        lambda over, base=base_doc: json.dumps({**base, **over}).encode()),
                    st.lists(st.tuples(st.text(max_size=10), JSON), max_size=3).map(
                        lambda items, base=base_doc: json.dumps({"documents": [
                            {"idempotency_key": k, "document": {**base, "x": v}} for k, v in items]}).encode()),
                    st.binary(max_size=40).map(lambda b: b'{"po": "' + b + b'\x00"}'),
                    st.dictionaries(FIELD_NAME, st.text(max_size=20), max_size=3).map(
                        lambda fields: urlencode(fields).encode()),
                ), "body")
                headers = data.draw(st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=4), "headers")
                headers["Authorization"] = auth
                headers.setdefault("Content-Type", "application/json" if data.draw(st.integers(0, 9)) < 7
                                   else data.draw(st.sampled_from(CONTENT_TYPES)))
                headers.setdefault("Idempotency-Key", data.draw(st.sampled_from(["fz-1", "fz-2", "fz-3", None]))
                                   or data.draw(HEADER_VALUE))
                res = self.opener.request(method.upper(), self.base_url() + url, data=body, headers=headers,
                                          timeout=30, allow_redirects=False)
                self.env.invalidate_all()
                if path == "/openapi.json":
                    self.assertEqual(res.status_code, 200)
                    continue
                self.assertRefusal(res, operation["responses"])
                self._seen[path, res.status_code, res.json()["error"]["code"] if res.status_code >= 400 else ""] += 1
