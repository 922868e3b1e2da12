"""Cabinet consumption through the real hub door: events to done moves
(grouped, dated, lots), returns and waste, late and repeated events, held
and applied later, valuation to the department's expense account, expired
and recalled lots, par levels on either master side, replenishment right
after consumption."""

import datetime as dt
import json

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from ..services import hub

GTIN = "00614141999996"


@tagged("post_install", "-at_install")
class TestConsumption(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.admin = new_test_user(env, login="cons_admin", groups="base.group_user,medsync.group_medsync_integration")
        cls.controller = new_test_user(env, login="cons_inv", groups="base.group_user,stock.group_stock_user,"
                                                                       "medsync.group_medsync_inventory")
        cls.wh = env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.expense = env["account.account"].create({"name": "Cardiology supplies", "code": "619901",
                                                     "account_type": "expense"})
        categ = env["product.category"].create({"name": "Cabinet test (real time)", "property_cost_method": "average",
                                                "property_valuation": "real_time"})
        cls.glove = env["product.product"].create({
            "name": "Cabinet gloves", "default_code": "CT-GLV", "barcode": GTIN, "type": "consu", "is_storable": True,
            "tracking": "lot", "use_expiration_date": True, "standard_price": 5.0, "categ_id": categ.id})
        cls.swab = env["product.product"].create({"name": "Cabinet swab", "default_code": "CT-SWB", "type": "consu",
                                                  "is_storable": True, "standard_price": 1.0, "categ_id": categ.id})
        Loc = env["stock.location"]
        view = Loc.create({"name": "Test cabinets", "usage": "view", "location_id": cls.wh.view_location_id.id})
        cls.dept = Loc.create({"name": "Cardiology consumption", "usage": "inventory", "medsync_department": "CARD",
                               "location_id": env.ref("stock.stock_location_locations_virtual").id,
                               "valuation_in_account_id": cls.expense.id, "valuation_out_account_id": cls.expense.id})
        cls.route = env["stock.route"].create({"name": "Test cabinet replenishment", "product_selectable": False})
        cls.cabinet = Loc.create({"name": "Cardiology cabinet", "usage": "internal", "location_id": view.id,
                                  "medsync_consumption_location_id": cls.dept.id, "medsync_route_id": cls.route.id,
                                  "medsync_responsible_id": cls.controller.id})
        env["stock.rule"].create({
            "name": "Stores to cardiology cabinet", "route_id": cls.route.id, "action": "pull",
            "picking_type_id": cls.wh.int_type_id.id, "location_src_id": cls.wh.lot_stock_id.id,
            "location_dest_id": cls.cabinet.id, "procure_method": "make_to_stock",
            "location_dest_from_rule": True, "company_id": cls.company.id})
        env["medsync.location.code"].create({"code": "CARD-CAB", "location_id": cls.cabinet.id})
        cls.lot = env["stock.lot"].create({"name": "CT-L1", "product_id": cls.glove.id,
                                           "expiration_date": fields.Datetime.now() + dt.timedelta(days=300)})
        cls.old_lot = env["stock.lot"].create({"name": "CT-OLD", "product_id": cls.glove.id,
                                               "expiration_date": fields.Datetime.now() - dt.timedelta(days=10)})
        Quant = env["stock.quant"].with_context(inventory_mode=True)
        for product, lot, loc, qty in ((cls.glove, cls.lot, cls.cabinet, 50), (cls.glove, cls.old_lot, cls.cabinet, 5),
                                       (cls.swab, None, cls.cabinet, 30), (cls.swab, None, cls.wh.lot_stock_id, 500)):
            Quant.create({"product_id": product.id, "location_id": loc.id, "lot_id": lot.id if lot else False,
                          "inventory_quantity": qty})._apply_inventory()
        System = env["medsync.system"].with_user(cls.admin)
        cls.system = System.create({"name": "Cabinets test", "code": "cab-t", "kind": "warehouse"})
        for doc_type in ("consumption", "par_levels"):
            env["medsync.flow"].with_user(cls.admin).create({"system_id": cls.system.id, "code": doc_type,
                                                              "name": doc_type, "doc_type": doc_type})
        cls.key = cls.system.with_user(cls.admin)._generate_key(30)
        cls.t0 = fields.Datetime.now().replace(microsecond=0) - dt.timedelta(hours=6)

    def setUp(self):
        super().setUp()
        hub._auth_cache.clear()

    # ------------------------------------------------------------------ helpers

    def at(self, minutes):
        return (self.t0 + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def ev(self, event_id, minutes, product="CT-SWB", qty="1", kind="issue", **kw):
        return {"event_id": event_id, "time": self.at(minutes), "product": product, "qty": qty, "kind": kind,
                "department": "CARD", **kw}

    def post(self, doc_type, doc, idem):
        res = self.url_open(f"/medsync/api/v1/cab-t/{doc_type}", data=json.dumps(doc).encode(), headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.key}", "Idempotency-Key": idem})
        self.assertEqual(res.status_code, 202, res.text)
        msgs = self.env["medsync.message"].search([("system_id", "=", self.system.id),
                                                   ("state", "in", ("queued", "retrying"))])
        msgs._hub_process()
        self.env.invalidate_all()
        msg = self.env["medsync.message"].search([("idempotency_key", "=", idem)])
        self.assertEqual(msg.state, "done", msg.error_message)
        return msg

    def usage(self, events, idem):
        return self.post("consumption", {"cabinet": "CARD-CAB", "events": events}, idem)

    def events(self, *refs):
        return self.env["medsync.consumption.event"].search([("event_ref", "in", list(refs))])

    def on_hand(self, product, loc, lot=None):
        return self.env["stock.quant"]._get_available_quantity(product, loc, lot_id=lot, strict=True,
                                                               allow_negative=True)

    # ------------------------------------------------------------------ moves

    def test_issue_return_waste_grouped_into_dated_moves(self):
        self.usage([self.ev("A1", 0, qty="2"), self.ev("A2", 5, qty="3"), self.ev("A3", 20, kind="return"),
                    self.ev("A4", 25, kind="waste"),
                    self.ev("A5", 30, product=GTIN, code_kind="gtin", lot="CT-L1", qty="4"),
                    # a GS1 element string alone: its lot (and expiry) read from it
                    self.ev("A6", 31, product=f"(01){GTIN}(17){self.lot.expiration_date:%y%m%d}(10)CT-L1")], "u1")
        a1, a2, a3, a4, a5, a6 = (self.events(r) for r in ("A1", "A2", "A3", "A4", "A5", "A6"))
        self.assertEqual({e.state for e in a1 | a2 | a3 | a4 | a5 | a6}, {"applied"}, a6.note)
        self.assertEqual((a6.lot_id, a6.move_id), (self.lot, a5.move_id))
        self.assertEqual(a1.move_id, a2.move_id, "issues of one cabinet, product, lot and department: one move")
        issue = a1.move_id
        self.assertEqual((issue.state, issue.product_uom_qty, issue.location_id, issue.location_dest_id),
                         ("done", 5.0, self.cabinet, self.dept))
        self.assertEqual(issue.date, self.t0 + dt.timedelta(minutes=5), "dated at its latest event")
        self.assertEqual((a3.move_id.location_id, a3.move_id.location_dest_id), (self.dept, self.cabinet))
        self.assertTrue(a4.move_id.location_dest_id.scrap_location)
        self.assertEqual((a5.product_id, a5.lot_id, a5.move_id.move_line_ids.lot_id), (self.glove, self.lot, self.lot))
        self.assertAlmostEqual(self.on_hand(self.swab, self.cabinet), 30 - 5 + 1 - 1)
        self.assertAlmostEqual(self.on_hand(self.glove, self.cabinet, self.lot), 45)
        run = self.env["medsync.run"].search([("engine", "=", "consumption")], limit=1)
        self.assertEqual((run.state, run.input_count), ("done", 6))

    def test_late_event_keeps_its_own_date(self):
        self.usage([self.ev("L1", 200), self.ev("L2", 10, qty="2"), self.ev("L3", 205)], "u-late")
        late, on_time = self.events("L2"), self.events("L1") | self.events("L3")
        self.assertTrue(late.late)
        self.assertNotEqual(late.move_id, on_time[0].move_id)
        self.assertEqual(late.move_id.date, self.t0 + dt.timedelta(minutes=10))
        self.assertEqual(late.move_id.move_line_ids.date, self.t0 + dt.timedelta(minutes=10))
        self.assertEqual(on_time.move_id.date, self.t0 + dt.timedelta(minutes=205))

    def test_repeated_events_applied_once(self):
        self.usage([self.ev("D1", 0, qty="2")], "u-d1")
        before = self.on_hand(self.swab, self.cabinet)
        self.usage([self.ev("D1", 0, qty="2"), self.ev("D2", 1)], "u-d2")  # another batch, the same D1
        self.assertEqual(len(self.events("D1")), 1)
        self.assertAlmostEqual(self.on_hand(self.swab, self.cabinet), before - 1)

    def test_unknown_product_held_then_applied(self):
        self.usage([self.ev("U1", 0, product="VENDOR-SWB-9", qty="2")], "u-unknown")
        held = self.events("U1")
        self.assertEqual((held.state, held.status, held.move_id.id), ("held", "unknown_product", False))
        exc = self.env["medsync.exception"].search([("key", "=", f"consumption-held-{self.company.id}-CARD-CAB")])
        self.assertIn("U1", exc.description)
        self.env["medsync.product.code"].create({"kind": "vendor", "code": "VENDOR-SWB-9",
                                                 "product_id": self.swab.id})
        self.events("U1").with_user(self.controller).action_apply_held()
        held.invalidate_recordset()
        self.assertEqual((held.state, held.move_id.state, held.move_id.product_uom_qty), ("applied", "done", 2.0))

    def test_event_far_in_the_future_is_held_alone(self):
        future = (fields.Datetime.now() + dt.timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.usage([{**self.ev("F1", 0), "time": future}, self.ev("F2", 0), self.ev("F3", 1)], "u-future")
        self.assertEqual((self.events("F1").state, self.events("F1").status), ("held", "future_time"))
        self.assertEqual(self.events("F2").move_id, self.events("F3").move_id, "the others are not made late by it")

    def test_valued_to_the_department_expense_account(self):
        self.usage([self.ev("V1", 0, qty="3")], "u-value")
        move = self.events("V1").move_id
        aml = self.env["account.move.line"].search([("move_id.stock_move_id", "=", move.id),
                                                    ("account_id", "=", self.expense.id)])
        self.assertEqual(aml.company_currency_id.compare_amounts(aml.debit, 3.0), 0)

    def test_expired_and_recalled_lots_are_critical(self):
        self.env["medsync.recall"].create({"product_id": self.glove.id, "lot_name": "CT-L1", "reference": "Z-1"})
        self.usage([self.ev("S1", 0, product="CT-GLV", lot="CT-OLD"),
                    self.ev("S2", 1, product="CT-GLV", lot="CT-L1")], "u-safety")
        self.assertTrue(self.events("S1").expired)
        self.assertTrue(self.events("S2").recalled)
        Exc = self.env["medsync.exception"]
        expired = Exc.search([("reason_id.code", "=", "CONSUMPTION_EXPIRED"), ("res_id", "=", self.events("S1").id)])
        recalled = Exc.search([("reason_id.code", "=", "CONSUMPTION_RECALLED"), ("res_id", "=", self.events("S2").id)])
        self.assertEqual((expired.severity, expired.owner_user_id), ("critical", self.controller))
        self.assertEqual((recalled.severity, recalled.res_id), ("critical", self.events("S2").id))

    def test_charge_reference_kept_only_as_a_keyed_hash(self):
        msg = self.usage([self.ev("H1", 0, charge_ref="CASE-778")], "u-hash")
        self.assertRegex(self.events("H1").charge_ref, r"^h:[0-9a-f]{40}$")
        self.assertNotIn("CASE-778", msg.payload)

    # ------------------------------------------------------------------ par levels and replenishment

    def test_par_levels_from_the_cabinet_then_replenished_after_use(self):
        self.post("par_levels", {"cabinet": "CARD-CAB", "levels": [{"product": "CT-SWB", "min": "28",
                                                                     "max": "40"}]}, "par-1")
        op = self.env["stock.warehouse.orderpoint"].search([("location_id", "=", self.cabinet.id),
                                                            ("product_id", "=", self.swab.id)])
        self.assertEqual((op.product_min_qty, op.product_max_qty, op.route_id, op.trigger),
                         (28.0, 40.0, self.route, "auto"))
        self.usage([self.ev("R1", 0, qty="5")], "u-replenish")  # 30 - 5 = 25 < 28: replenish to 40
        move = self.env["stock.move"].search([
            ("location_dest_id", "=", self.cabinet.id), ("product_id", "=", self.swab.id),
            ("state", "not in", ("done", "cancel")), ("location_id", "=", self.wh.lot_stock_id.id)])
        self.assertEqual(sum(move.mapped("product_uom_qty")), 15.0)

    def test_par_levels_when_odoo_is_the_master(self):
        op = self.env["stock.warehouse.orderpoint"].create({
            "location_id": self.cabinet.id, "product_id": self.swab.id, "product_min_qty": 10,
            "product_max_qty": 30, "company_id": self.company.id})
        self.env["medsync.flow"].with_user(self.admin).create({
            "system_id": self.system.id, "code": "par-out", "name": "par out", "doc_type": "cabinet_par_levels"})
        op.product_max_qty = 35
        out = self.env["medsync.message"].search([("doc_type", "=", "cabinet_par_levels")])
        self.assertEqual(len(out), 1)
        # the context key the handler uses is no switch a client can send: the change still goes out
        op.with_context(medsync_from_cabinet=True).product_min_qty = 11
        op.product_min_qty = 10
        self.assertEqual(self.env["medsync.message"].search_count([("doc_type", "=", "cabinet_par_levels")]), 3)
        self.assertEqual(json.loads(out.payload)["levels"][0], {"product": "CT-SWB", "min": "10.0", "max": "35.0"})
        self.post("par_levels", {"cabinet": "CARD-CAB", "levels": [{"product": "CT-SWB", "min": "5",
                                                                     "max": "20"}]}, "par-2")
        self.assertEqual((op.product_min_qty, op.product_max_qty), (10.0, 35.0), "the master's levels stay")
        exc = self.env["medsync.exception"].search([("key", "=", f"par-{self.company.id}-CARD-CAB")])
        self.assertIn("cabinet 5.0-20.0", exc.description)

    def test_events_read_by_medsync_users_written_by_nobody(self):
        self.usage([self.ev("W1", 0)], "u-w")
        event = self.events("W1")
        with self.assertRaises(AccessError):
            event.with_user(self.controller).write({"state": "held"})
        plain = new_test_user(self.env, login="cons_plain", groups="base.group_user,stock.group_stock_user")
        with self.assertRaises(AccessError):
            event.with_user(plain).read(["state"])
        # the stock location form keeps working for a stock user without a MedSync role
        self.assertEqual(self.cabinet.with_user(plain).read(["name"])[0]["name"], "Cardiology cabinet")
