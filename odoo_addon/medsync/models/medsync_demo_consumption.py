"""Demo: a day of the Operating Theatres' supply cabinet (loaded from
demo/medsync_consumption_demo.xml only).

The cabinet system ``or-cabinets`` is the master of par levels: it sends
them first (they become the cabinet's reorder rules, replenished from
central stores by the *Cabinet replenishment* route). Then a day of usage in
three batches: gloves scanned by their GS1 bar code (lot and expiry read from
it), gauze by the internal code, a return, a waste, an event sent twice, a
code nobody knows (held for the inventory controller) and a box of gloves
from a lot that expired last month (a critical exception for the theatres'
stock responsible). Each batch's moves are done at once, and the reorder
rules of what it touched ran: the replenishment transfers wait in
Inventory › Transfers."""

import datetime as dt
import json

from odoo import api, fields, models

from ..services import hub

SYSTEM = "or-cabinets"
CABINET = "OR-CAB-1"
GLOVES_GTIN = "05012345000015"  # the GTIN on the gloves' box, mapped in the demo's external product codes


class MedsyncDemoConsumption(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_consumption_demo(self):
        env = self.env
        company = env.company
        wh = env.ref("stock.warehouse0")
        gloves, gauze = env.ref("medsync.product_gloves"), env.ref("medsync.product_gauze")
        Loc = env["stock.location"]
        cabinets = Loc.create({"name": "Cabinets", "usage": "view", "location_id": wh.view_location_id.id})
        expense = env["account.account"].search([("code", "=like", "6%"), ("account_type", "=", "expense"),
                                                 ("company_ids", "in", company.id)], limit=1)
        theatres = Loc.create({"name": "Operating Theatres consumption", "usage": "inventory",
                               "location_id": env.ref("stock.stock_location_locations_virtual").id,
                               "medsync_department": "OR", "valuation_in_account_id": expense.id or False,
                               "valuation_out_account_id": expense.id or False})
        route = env["stock.route"].create({
            "name": "Cabinet replenishment", "sequence": 5, "product_selectable": False,
            "warehouse_selectable": False})
        cabinet = Loc.create({"name": "OR supply cabinet 1", "usage": "internal", "location_id": cabinets.id,
                              "medsync_consumption_location_id": theatres.id, "medsync_route_id": route.id,
                              "medsync_responsible_id": env.ref("medsync.user_inventory").id})
        env["stock.rule"].create({
            "name": "Central stores to OR cabinet 1", "route_id": route.id, "action": "pull",
            "picking_type_id": wh.int_type_id.id, "location_src_id": wh.lot_stock_id.id,
            "location_dest_id": cabinet.id, "procure_method": "make_to_stock",
            "location_dest_from_rule": True, "company_id": company.id})
        env["medsync.location.code"].create({"code": CABINET, "location_id": cabinet.id, "source": SYSTEM})
        # what the cabinet holds this morning; an expired lot of gloves still in a drawer
        old = env["stock.lot"].create({"name": "GLV23X001", "product_id": gloves.id,
                                       "expiration_date": fields.Datetime.now() - dt.timedelta(days=30)})
        Quant = env["stock.quant"].with_context(inventory_mode=True)
        for product, lot, qty in ((gloves, env.ref("medsync.lot_glv24a118"), 30), (gloves, old, 2),
                                  (gauze, env.ref("medsync.lot_gz2409_77"), 60)):
            Quant.create({"product_id": product.id, "location_id": cabinet.id, "lot_id": lot.id,
                          "inventory_quantity": qty})._apply_inventory()
        system = env["medsync.system"].create({"name": "Operating theatre cabinets", "code": SYSTEM,
                                               "kind": "warehouse"})
        env["medsync.flow"].create([
            {"system_id": system.id, "code": "usage", "name": "Cabinet usage", "doc_type": "consumption",
             "owner_team_id": env.ref("medsync.team_warehouse").id,
             "description": "Issues, returns, waste and restocks per cabinet transaction, in batches."},
            {"system_id": system.id, "code": "par", "name": "Cabinet par levels (the cabinet is the master)",
             "doc_type": "par_levels", "latency_class": "batch", "owner_team_id": env.ref("medsync.team_warehouse").id,
             "description": "Min and max per cabinet and product; they become the cabinet's reorder rules."}])
        info = hub._system_info(env, SYSTEM)
        self._consumption_demo_send(info, "par_levels", "demo-par-1", {"cabinet": CABINET, "levels": [
            {"product": "MS-GLV-M", "min": "20", "max": "60"}, {"product": "MS-GAU-10", "min": "40", "max": "120"}]})
        day = fields.Datetime.now().replace(hour=7, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
        stamp = lambda minutes: (day + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        expiry = env.ref("medsync.lot_glv24a118").expiration_date
        gs1 = f"(01){GLOVES_GTIN}(17){expiry:%y%m%d}(10)GLV24A118"
        batches = [
            [{"event_id": "E-1001", "time": stamp(5), "product": gs1, "code_kind": "gs1", "qty": "2",
              "kind": "issue", "department": "OR", "charge_ref": "CASE-55120"},
             {"event_id": "E-1002", "time": stamp(9), "product": "MS-GAU-10", "lot": "GZ2409-77", "qty": "10",
              "kind": "issue", "department": "OR"},
             {"event_id": "E-1003", "time": stamp(40), "product": "MS-GAU-10", "lot": "GZ2409-77", "qty": "3",
              "kind": "return", "department": "OR"}],
            [{"event_id": "E-1004", "time": stamp(95), "product": gs1, "code_kind": "gs1", "qty": "6",
              "kind": "issue", "department": "OR"},
             {"event_id": "E-1005", "time": stamp(97), "product": "MS-GLV-M", "lot": "GLV24A118", "qty": "1",
              "kind": "waste", "department": "OR"},
             {"event_id": "E-1006", "time": stamp(101), "product": "ZZ-SUTURE-9", "lot": "SUT30-0917", "qty": "1",
              "kind": "issue", "department": "OR"},
             {"event_id": "E-1002", "time": stamp(9), "product": "MS-GAU-10", "lot": "GZ2409-77", "qty": "10",
              "kind": "issue", "department": "OR"}],
            [{"event_id": "E-1007", "time": stamp(190), "product": "MS-GLV-M", "lot": "GLV23X001", "qty": "1",
              "kind": "issue", "department": "OR"},
             {"event_id": "E-1008", "time": stamp(200), "product": "MS-GAU-10", "lot": "GZ2409-77", "qty": "40",
              "kind": "issue", "department": "OR"},
             {"event_id": "E-1009", "time": stamp(215), "product": "MS-GLV-M", "lot": "GLV24A118", "qty": "20",
              "kind": "issue", "department": "OR"}],
        ]
        for n, events in enumerate(batches, start=1):
            self._consumption_demo_send(info, "consumption", f"demo-usage-{n}",
                                        {"cabinet": CABINET, "batch_id": f"B-{n}", "events": events})
        return system

    def _consumption_demo_send(self, info, doc_type, key, doc):
        hub.accept(self.env, info, doc_type, json.dumps(doc).encode(), key, None)
        # what the queued job does as soon as the batch arrives
        self.env["medsync.message"].search([("system_id", "=", info["id"]), ("state", "=", "queued")])._hub_process()
