"""X12 with a trading partner, through the real endpoint and the directory:
each transaction set becomes the same hub document the JSON API takes, and
has the same effect; acknowledgements go back with the right codes; control
numbers are watched; 850s go out and their 997 is awaited."""

import json
import os
import tempfile
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..services import engine, hub

PARTNER = ("ZZ", "MLXTEST")
US = ("ZZ", "HOSPTEST")


@tagged("post_install", "-at_install")
class TestX12(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.medsync_match_before_payment = False
        cls.mc = engine.core(env)
        cls.admin = new_test_user(env, login="x12_admin", groups="base.group_user,medsync.group_medsync_integration")
        cls.buyer = new_test_user(env, login="x12_buyer", groups="base.group_user,medsync.group_medsync_buyer")
        cls.vendor = env["res.partner"].create({"name": "Medline X12 test", "supplier_rank": 1, "ref": "V-MLX"})
        cls.gauze = env["product.product"].create({"name": "X12 gauze", "default_code": "X12-GAU", "type": "consu",
                                                   "is_storable": True, "standard_price": 2,
                                                   "barcode": "00614141000012"})
        cls.glove = env["product.product"].create({"name": "X12 gloves", "default_code": "X12-GLV", "type": "consu",
                                                   "is_storable": True, "standard_price": 9})
        for product, code in ((cls.gauze, "MLX-GZ"), (cls.glove, "MLX-GLV")):
            env["product.supplierinfo"].create({"partner_id": cls.vendor.id, "price": 2, "product_code": code,
                                                "product_tmpl_id": product.product_tmpl_id.id})
        cls.root = tempfile.mkdtemp(prefix="medsync-x12-")
        env["ir.config_parameter"].sudo().set_param("medsync.x12_root", cls.root)
        System = env["medsync.system"].with_user(cls.admin)
        cls.system = System.create({
            "name": "GHX Medline test", "code": "ghx-mlx", "partner_id": cls.vendor.id, "x12_enabled": True,
            "x12_version": "5010", "x12_partner_qualifier": PARTNER[0], "x12_partner_id": PARTNER[1],
            "x12_our_qualifier": US[0], "x12_our_id": US[1], "x12_gs_partner": "MLXGS", "x12_gs_ours": "HOSPGS",
            "x12_ack_kind": "997", "x12_inbox": "mlx/in", "x12_product_qualifiers": "VN,UK"})
        for doc_type in ("po_ack", "asn", "invoice", "price_catalog", "purchase_order"):
            env["medsync.flow"].with_user(cls.admin).create({
                "system_id": cls.system.id, "code": doc_type, "name": doc_type, "doc_type": doc_type,
                "owner_user_id": cls.admin.id})
        cls.key = cls.system.with_user(cls.admin)._generate_key(30)
        cls.po = cls._po([(cls.gauze, 100, 2.0), (cls.glove, 10, 9.0)])
        cls.isa = 100

    @classmethod
    def _po(cls, lines):
        po = cls.env["purchase.order"].with_user(cls.buyer).create({
            "partner_id": cls.vendor.id,
            "order_line": [Command.create({"product_id": p.id, "product_qty": q, "price_unit": u})
                           for p, q, u in lines]})
        po.button_confirm()
        return po

    def setUp(self):
        super().setUp()
        hub._auth_cache.clear()

    # ------------------------------------------------------------------ the partner's side (a simulator)

    def envelope(self, isa=None, usage="P", sender=PARTNER, receiver=US, **kw):
        if isa is None:
            type(self).isa += 1
            isa = type(self).isa
        return {"sender_qualifier": sender[0], "sender_id": sender[1], "receiver_qualifier": receiver[0],
                "receiver_id": receiver[1], "gs_sender": "MLXGS", "gs_receiver": "HOSPGS",
                "interchange_control": isa, "group_control": isa, "set_control": 1, "version": "5010",
                "usage": usage, "ack_requested": False, "date": "2026-11-20", "time": "1200", "element": "*",
                "component": ">", "repetition": "^", "segment": "~", "line_breaks": True, **kw}

    def x12(self, set_id, doc, **env_kw):
        return self.mc.x12_generate(set_id, doc, self.envelope(**env_kw))

    def post_x12(self, data, key=None, content_type="application/edi-x12"):
        res = self.url_open("/medsync/api/v1/ghx-mlx/x12", data=data, headers={
            "Content-Type": content_type, "Authorization": f"Bearer {key or self.key}"})
        self.env.invalidate_all()
        return res

    def post_json(self, doc_type, doc, idem):
        res = self.url_open(f"/medsync/api/v1/ghx-mlx/{doc_type}", data=json.dumps(doc).encode(), headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.key}", "Idempotency-Key": idem})
        self.env.invalidate_all()
        return res

    def run_jobs(self):
        msgs = self.env["medsync.message"].search([("system_id", "=", self.system.id),
                                                   ("state", "in", ("queued", "retrying"))])
        msgs._hub_process()
        self.env.invalidate_all()
        return msgs

    def sets(self, answer):
        return [s for i in answer["interchanges"] for g in i["groups"] for s in g["sets"]]

    def ack_of(self, answer):
        """The 997 the endpoint sent back, read as the partner would."""
        text = answer["interchanges"][0]["acknowledgement"].encode()
        parsed = self.mc.x12_parse(text)
        return [d for i in parsed["interchanges"] for g in i["groups"] for s in g["sets"] for d in s["documents"]]

    def ack_doc(self, **line):
        base = {"line_no": 1, "product": "MLX-GZ", "status": "accepted", "qty": "100"}
        return {"po": self.po.name, "vendor_ref": "SO-77", "ack_date": "2026-11-20", "lines": [{**base, **line}]}

    # ------------------------------------------------------------------ inbound

    def test_855_is_the_json_acknowledgement(self):
        doc = self.ack_doc()
        res = self.post_x12(self.x12("855", doc))
        self.assertEqual(res.status_code, 200, res.text)
        answer = res.json()
        [tset] = self.sets(answer)
        self.assertEqual((tset["set_id"], tset["code"], tset["doc_type"]), ("855", "A", "po_ack"))
        [msg] = self.env["medsync.message"].browse(tset["message_ids"])
        # the same document through the JSON API is stored identically: same canonical payload
        self.assertEqual(self.post_json("po_ack", doc, "json-855").status_code, 202)
        twin = self.env["medsync.message"].search([("idempotency_key", "=", "json-855")])
        self.assertEqual(msg.payload_hash, twin.payload_hash)
        self.assertEqual(msg.x12_interchange_id.accepted_count, 1)
        self.run_jobs()
        self.assertEqual(msg.state, "done")
        self.assertEqual(self.po.medsync_ack_state, "acknowledged")
        # the 997 went back accepting the set
        [fa] = self.ack_of(answer)
        self.assertEqual((fa["code"], fa["sets"][0]["control"], fa["sets"][0]["code"]), ("A", "0001", "A"))

    def test_received_twice_processed_once_and_flagged(self):
        data = self.x12("855", self.ack_doc())
        first = self.post_x12(data).json()
        again = self.post_x12(data).json()
        self.assertEqual(self.sets(first)[0]["message_ids"], self.sets(again)[0]["message_ids"])
        self.assertTrue(again["interchanges"][0]["duplicate"])
        msgs = self.env["medsync.message"].search([("system_id", "=", self.system.id), ("doc_type", "=", "po_ack")])
        self.assertEqual(len(msgs), 1)
        exc = self.env["medsync.exception"].search([("key", "=like", f"x12-dup-{self.system.id}-%")])
        self.assertIn("again", " ".join(exc.mapped("name")))

    def test_control_number_gap_flagged(self):
        self.post_x12(self.x12("855", self.ack_doc(), isa=500))
        self.post_x12(self.x12("855", self.ack_doc(qty="90"), isa=501))
        self.assertFalse(self.env["medsync.x12.interchange"].search([("control", "=", "000000501")]).gap)
        answer = self.post_x12(self.x12("855", self.ack_doc(qty="80"), isa=505)).json()
        self.assertTrue(answer["interchanges"][0]["gap"])
        exc = self.env["medsync.exception"].search([("key", "=like", f"x12-gap-{self.system.id}-%")])
        self.assertEqual(len(exc), 1)

    def test_refused_set_rejected_in_the_997(self):
        good = self.ack_doc()
        bad = {**self.ack_doc(), "po": "P-NOT-THERE"}
        data = self.x12("855", good, set_control=1)
        # two sets in one group: the second names an order that does not exist
        answer = self.post_x12(self._two_sets(data, self.x12("855", bad))).json()
        codes = [s["code"] for s in self.sets(answer)]
        self.assertEqual(codes, ["A", "R"])
        self.assertIn("UNKNOWN_PO", " ".join(self.sets(answer)[1]["refusals"]))
        [fa] = self.ack_of(answer)
        self.assertEqual(fa["code"], "P")  # partially accepted
        self.assertEqual([s["code"] for s in fa["sets"]], ["A", "R"])

    def _two_sets(self, first, second):
        """One interchange, one group, two 855s: the second's ST..SE moved into the first's group."""
        sep = b"~\n"
        a, b = first.split(sep), second.split(sep)
        start = next(i for i, seg in enumerate(b) if seg.startswith(b"ST*"))
        end = next(i for i, seg in enumerate(b) if seg.startswith(b"SE*"))
        body = [seg.replace(b"ST*855*0001", b"ST*855*0002").replace(b"*0001", b"*0002")
                if seg.startswith((b"ST*", b"SE*")) else seg for seg in b[start:end + 1]]
        ge = next(i for i, seg in enumerate(a) if seg.startswith(b"GE*"))
        out = a[:ge] + body + [a[ge].replace(b"GE*1*", b"GE*2*")] + a[ge + 1:]
        return sep.join(out)

    def test_856_from_the_directory(self):
        inbox = os.path.join(self.root, "mlx", "in")
        os.makedirs(inbox, exist_ok=True)
        doc = {"asn": "SH-1", "po": self.po.name, "ship_date": "2026-11-21", "carrier": "UPSN",
               "tracking": "1Z999", "lines": [{"line_no": 1, "product": "MLX-GZ", "qty": "100", "uom": "EA",
                                               "sscc": "006141411234567890"}]}
        with open(os.path.join(inbox, "asn-1.x12"), "wb") as fh:
            fh.write(self.x12("856", doc))
        self.assertEqual(self.system.with_user(self.admin).action_x12_pick_up(), True)
        self.assertTrue(os.path.exists(os.path.join(inbox, "processed", "asn-1.x12")))
        [msg] = self.env["medsync.message"].search([("system_id", "=", self.system.id), ("doc_type", "=", "asn")])
        payload = json.loads(msg.payload)
        self.assertEqual((payload["lines"][0]["uom"], payload["lines"][0]["sscc"]), ("Units", "006141411234567890"))
        self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        picking = self.po.picking_ids
        self.assertIn("SH-1", " ".join(picking.mapped("medsync_asn_ref") or [""]))

    def test_810_becomes_the_bill_with_charges_and_terms(self):
        doc = {"invoice": "INV-X12-1", "po": self.po.name, "invoice_date": "2026-11-22", "currency": "USD",
               "total": "300.00", "lines": [{"line_no": 1, "product": "MLX-GZ", "qty": "100", "price": "2"},
                                           {"line_no": 2, "product": "MLX-GLV", "qty": "10", "price": "9"}],
               "charges": [{"kind": "charge", "code": "D240", "amount": "15.00", "description": "Freight"},
                           {"kind": "allowance", "code": "C310", "amount": "5.00", "description": "Discount"}]}
        answer = self.post_x12(self.x12("810", doc)).json()
        [tset] = self.sets(answer)
        self.assertEqual(tset["code"], "A", tset)
        self.run_jobs()
        bill = self.env["account.move"].search([("ref", "=", "INV-X12-1")])
        self.assertEqual(len(bill), 1)
        self.assertEqual(bill.currency_id.compare_amounts(bill.amount_untaxed, 300.0), 0)
        self.assertEqual(len(bill.invoice_line_ids.filtered(lambda x: not x.product_id)), 2)

    def test_832_dated_prices_and_unknown_products(self):
        doc = {"catalog": "CAT-2027", "contract": "GPO-1", "currency": "USD", "effective_date": "2027-01-01",
               "lines": [{"product": "MLX-GZ", "price": "1.85", "uom": "EA", "min_qty": "10", "tier": "T1"},
                         {"product": "MLX-UNKNOWN", "price": "4.00", "tier": "T1"}]}
        answer = self.post_x12(self.x12("832", doc)).json()
        self.assertEqual(self.sets(answer)[0]["code"], "A")
        self.run_jobs()
        info = self.env["product.supplierinfo"].search([("partner_id", "=", self.vendor.id),
                                                        ("medsync_contract_ref", "=", "GPO-1")])
        self.assertEqual(len(info), 1)
        self.assertEqual((info.product_id, str(info.date_start), info.min_qty, info.medsync_tier),
                         (self.gauze, "2027-01-01", 10.0, "T1"))
        self.assertAlmostEqual(info.price, 1.85)
        exc = self.env["medsync.exception"].search([("reason_id.code", "=", "HUB_CATALOG_UNMAPPED"),
                                                    ("partner_id", "=", self.vendor.id)])
        self.assertIn("MLX-UNKNOWN", exc.description)
        self.assertFalse(self.env["product.product"].search([("default_code", "=", "MLX-UNKNOWN")]))
        # a later catalogue closes the open price the day before its own starts
        later = {**doc, "catalog": "CAT-2027B", "effective_date": "2027-04-01", "lines": doc["lines"][:1]}
        self.post_x12(self.x12("832", later))
        self.run_jobs()
        prices = self.env["product.supplierinfo"].search([("partner_id", "=", self.vendor.id),
                                                          ("medsync_contract_ref", "=", "GPO-1")], order="date_start")
        self.assertEqual([str(p.date_end) for p in prices], ["2027-03-31", "False"])

    def test_test_interchange_is_acknowledged_not_applied(self):
        answer = self.post_x12(self.x12("855", self.ack_doc(), usage="T")).json()
        self.assertEqual(answer["interchanges"][0]["state"], "test")
        self.assertEqual(self.sets(answer)[0]["code"], "A")
        self.assertFalse(self.env["medsync.message"].search([("system_id", "=", self.system.id),
                                                             ("direction", "=", "inbound")]))
        self.assertTrue(answer["interchanges"][0]["acknowledgement"].startswith("ISA"))

    def test_someone_else_is_refused_whole(self):
        answer = self.post_x12(self.x12("855", self.ack_doc(), sender=("ZZ", "INTRUDER"))).json()
        self.assertEqual(answer["interchanges"][0]["ta1"], {"code": "R", "note": "006"})
        self.assertFalse(self.env["medsync.message"].search([("system_id", "=", self.system.id),
                                                             ("direction", "=", "inbound")]))

    def test_envelope_refused_whole_rejects_its_sets(self):
        data = self.x12("855", self.ack_doc(), isa=700)
        cut = data[:data.rindex(b"IEA*")]  # no IEA trailer
        answer = self.post_x12(cut).json()["interchanges"][0]
        self.assertEqual((answer["ta1"]["code"], answer["state"]), ("R", "rejected"))
        self.assertEqual([s["code"] for g in answer["groups"] for s in g["sets"]], ["R"])
        ack = self.mc.x12_parse(answer["acknowledgement"].encode())["interchanges"][0]
        self.assertEqual([t["code"] for t in ack["received_ta1"]], ["R"], "a TA1 says why, asked for or not")
        self.assertFalse(self.env["medsync.message"].search([("system_id", "=", self.system.id),
                                                             ("direction", "=", "inbound")]))
        # the partner sends it again, whole, with the same number: applied, and not a repeat
        again = self.post_x12(data).json()["interchanges"][0]
        self.assertEqual((again["state"], again["duplicate"]), ("accepted", False))

    def test_control_numbers_move_forward_only(self):
        system = self.system.with_user(self.admin)
        system.x12_next_isa = 50
        with self.assertRaises(ValidationError):
            system.x12_next_isa = 3
        with self.assertRaises(ValidationError):
            system.x12_next_gs = -5

    def test_bad_requests(self):
        res = self.post_x12(b"hello", content_type="application/json")
        self.assertEqual((res.status_code, res.json()["error"]["code"]), (415, "UNSUPPORTED_MEDIA_TYPE"))
        res = self.post_x12(b"not an interchange at all")
        self.assertEqual((res.status_code, res.json()["error"]["code"]), (400, "X12_UNREADABLE"))
        res = self.url_open("/medsync/api/v1/ghx-mlx/x12", data=b"ISA", headers={
            "Content-Type": "application/edi-x12"})
        self.assertEqual(res.status_code, 401)

    # ------------------------------------------------------------------ outbound

    def _sent(self, po):
        msg = self.env["medsync.message"].search([("source_model", "=", "purchase.order"), ("source_id", "=", po.id),
                                                  ("direction", "=", "outbound")])
        self.assertEqual(len(msg), 1)
        return msg, msg.x12_interchange_id

    def test_850_out_and_its_997(self):
        po = self._po([(self.glove, 5, 9.0)])
        msg, sent = self._sent(po)
        text = msg.payload
        self.assertTrue(text.startswith("ISA*00*") and "*ZZ*HOSPTEST" in text[:60], text[:60])
        parsed = self.mc.x12_parse(text.encode())
        [tset] = [s for g in parsed["interchanges"][0]["groups"] for s in g["sets"]]
        self.assertEqual((tset["set_id"], tset["ack_code"], tset["documents"][0]["po"]), ("850", "A", po.name))
        self.assertEqual(tset["documents"][0]["lines"][0]["product"], "MLX-GLV")
        self.assertEqual(sent.ack_state, "waiting")
        # the partner's 997 for it: accepted
        partner_view = parsed["interchanges"][0]
        ack = self.mc.x12_acknowledge(partner_view, self.envelope(), kind="997", ta1=False)
        self.post_x12(ack)
        self.assertEqual(sent.ack_state, "accepted")

    def test_850_rejected_or_never_acknowledged(self):
        po = self._po([(self.glove, 5, 9.0)])
        _msg, sent = self._sent(po)
        parsed = self.mc.x12_parse(_msg.payload.encode())
        inter = parsed["interchanges"][0]
        for g in inter["groups"]:
            g["ack_code"] = "R"
            for s in g["sets"]:
                s["ack_code"], s["ack_errors"] = "R", ["5"]
        self.post_x12(self.mc.x12_acknowledge(inter, self.envelope(), kind="997", ta1=False))
        self.assertEqual(sent.ack_state, "rejected")
        self.assertTrue(self.env["medsync.exception"].search([("key", "=", f"x12-rejected-{sent.id}")]))
        po2 = self._po([(self.gauze, 5, 2.0)])
        _msg2, sent2 = self._sent(po2)
        self.env.cr.execute("UPDATE medsync_x12_interchange SET ack_due = %s WHERE id = %s",
                            (fields.Datetime.now() - timedelta(hours=1), sent2.id))
        self.env.invalidate_all()
        self.env["medsync.x12.interchange"]._cron_x12()
        self.assertEqual(sent2.ack_state, "overdue")
        self.assertTrue(self.env["medsync.exception"].search([("key", "=", f"x12-noack-{sent2.id}")]))

    # ------------------------------------------------------------------ controls

    def test_only_integration_admins_read_interchanges(self):
        self.post_x12(self.x12("855", self.ack_doc()))
        rec = self.env["medsync.x12.interchange"].search([], limit=1)
        self.assertTrue(rec.with_user(self.admin).read(["control"]))
        with self.assertRaises(AccessError):
            rec.with_user(self.buyer).read(["control"])
        # nobody writes what was received, not even an integration admin through RPC
        with self.assertRaises(AccessError):
            rec.with_user(self.admin).write({"state": "accepted"})
        self.authenticate("x12_buyer", "x12_buyer")
        res = self.url_open("/web/dataset/call_kw/medsync.x12.interchange/search_read", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "params": {"model": "medsync.x12.interchange",
                                                            "method": "search_read", "args": [[], ["control"]],
                                                            "kwargs": {}}}).encode(),
            headers={"Content-Type": "application/json"})
        self.assertIn("error", res.json())
        # a directory outside the X12 root is refused
        with self.assertRaises(ValidationError):
            self.system.with_user(self.admin).write({"x12_inbox": "../../etc"})
