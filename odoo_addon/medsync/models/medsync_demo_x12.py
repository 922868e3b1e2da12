"""Demo: MedLine over X12 through a GHX-style network (loaded from
demo/medsync_x12_demo.xml only).

The trading partner ``ghx-medline`` speaks 5010 with ``*`` ``^`` ``>`` ``~``,
wants 997s, and names products by the vendor's item number (VN) or GTIN
(UK). An order for gloves and gauze is confirmed: its 850 waits in the
outbox for the outbound directory. MedLine's side (the engine's generator
as a partner simulator) then drops four files in the inbound directory,
read at install as the scheduled action would:

- an 855 accepting the gloves and backordering the gauze;
- an 856 shipping the gloves in two cartons (SSCC), with lot and expiry;
- an 810 for the gloves, with freight (SAC) and 2 % 10 net 30 terms (ITD);
- an 832 with next year's contract prices (tier T2, ours) for gloves and
  gauze, a T3 price that is not ours, and a product MedSync does not know
  (an exception for the buyers, no product created).

Each went back a 997; the files are kept in the directory's ``processed/``."""

import os

from odoo import Command, api, fields, models

from ..services import engine, x12

SYSTEM = "ghx-medline"


class MedsyncDemoX12(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_x12_demo(self):
        env = self.env
        medline = env.ref("medsync.vendor_medline")
        gloves, gauze = env.ref("medsync.product_gloves"), env.ref("medsync.product_gauze")
        for product, code in ((gloves, "ML-NGM100"), (gauze, "ML-GZ1010")):
            info = env["product.supplierinfo"].search([("partner_id", "=", medline.id),
                                                       ("product_tmpl_id", "=", product.product_tmpl_id.id)], limit=1)
            info.product_code = code
        system = env["medsync.system"].create({
            "name": "MedLine via GHX (X12)", "code": SYSTEM, "kind": "supplier", "partner_id": medline.id,
            "x12_enabled": True, "x12_version": "5010", "x12_partner_qualifier": "ZZ",
            "x12_partner_id": "MEDLINEGHX", "x12_our_qualifier": "ZZ", "x12_our_id": "STMARYSHOSP",
            "x12_gs_partner": "MEDLINE", "x12_gs_ours": "STMARYS", "x12_ack_kind": "997",
            "x12_product_qualifiers": "VN,UK", "x12_ship_to_qualifier": "UL", "x12_ship_to_id": "0614141000005",
            "x12_tier": "T2", "x12_inbox": f"{SYSTEM}/in", "x12_outbox": f"{SYSTEM}/out"})
        team = {"po_ack": "team_buyers", "asn": "team_receiving", "invoice": "team_ap",
                "price_catalog": "team_buyers", "purchase_order": "team_buyers"}
        for doc_type, name in (("po_ack", "Acknowledgements (855)"), ("asn", "Ship notices (856)"),
                               ("invoice", "Invoices (810)"), ("price_catalog", "Price catalogues (832)"),
                               ("purchase_order", "Orders (850)")):
            env["medsync.flow"].create({"system_id": system.id, "code": doc_type, "name": f"MedLine X12 {name}",
                                        "doc_type": doc_type, "owner_team_id": env.ref(f"medsync.{team[doc_type]}").id})
        # the portal's JSON order flow stays off: MedLine's orders go out as 850s
        env["medsync.flow"].search([("system_id.code", "=", "medline"),
                                    ("doc_type", "=", "purchase_order")]).active = False
        po = env["purchase.order"].create({
            "partner_id": medline.id, "partner_ref": "GHX demo",
            "order_line": [Command.create({"product_id": gloves.id, "product_qty": 200, "price_unit": 6.1}),
                           Command.create({"product_id": gauze.id, "product_qty": 500, "price_unit": 0.8})]})
        po.button_confirm()  # its 850 goes to the outbox
        mc = engine.core(env)
        today = fields.Date.context_today(self)
        iso = lambda days: fields.Date.to_string(today + fields.date_utils.relativedelta(days=days))  # noqa: E731
        partner = {"sender_qualifier": "ZZ", "sender_id": "MEDLINEGHX", "receiver_qualifier": "ZZ",
                   "receiver_id": "STMARYSHOSP", "gs_sender": "MEDLINE", "gs_receiver": "STMARYS", "version": "5010",
                   "usage": "P", "ack_requested": False, "date": iso(0), "time": "0800", "element": "*",
                   "component": ">", "repetition": "^", "segment": "~", "line_breaks": True}
        files = [
            ("855", {"po": po.name, "vendor_ref": "ML-SO-448812", "ack_date": iso(0), "lines": [
                {"line_no": 1, "product": "ML-NGM100", "status": "accepted", "qty": "200", "price": "6.1"},
                {"line_no": 2, "product": "ML-GZ1010", "status": "backordered", "qty": "500",
                 "backorder_date": iso(10)}]}),
            ("856", {"asn": "ML-ASN-77120", "po": po.name, "ship_date": iso(1), "carrier": "UPSN",
                     "tracking": "1Z4E5W760300001", "lines": [
                         {"line_no": 1, "product": "ML-NGM100", "qty": "120", "uom": "EA", "lot": "NG24-118",
                          "expiry": iso(900), "sscc": "006141410000000012"},
                         {"line_no": 1, "product": "ML-NGM100", "qty": "80", "uom": "EA", "lot": "NG24-121",
                          "expiry": iso(930), "sscc": "006141410000000029"}]}),
            ("810", {"invoice": "ML-INV-903311", "po": po.name, "invoice_date": iso(1), "currency": "USD",
                     "total": "1247.50", "lines": [{"line_no": 1, "product": "ML-NGM100", "qty": "200",
                                                    "price": "6.1"}],
                     "charges": [{"kind": "charge", "code": "D240", "amount": "27.50", "description": "Freight"}],
                     "terms_discount_pct": "2", "terms_discount_days": "10", "terms_net_days": "30"}),
            ("832", {"catalog": "ML-2027-Q1", "contract": "VHA-MS-2027", "currency": "USD",
                     "effective_date": iso(30), "lines": [
                         {"product": "ML-NGM100", "price": "5.85", "uom": "EA", "min_qty": "100", "tier": "T2"},
                         {"product": "ML-GZ1010", "price": "0.76", "uom": "EA", "tier": "T2"},
                         {"product": "ML-NGM100", "price": "6.05", "uom": "EA", "tier": "T3"},
                         {"product": "ML-SUT-4411", "price": "3.10", "uom": "EA", "tier": "T2"}]}),
        ]
        inbox = x12.directory(env, system.x12_inbox)
        os.makedirs(inbox, exist_ok=True)
        for n, (set_id, doc) in enumerate(files, start=1):
            data = mc.x12_generate(set_id, doc, {
                **partner, "interchange_control": 4100 + n, "group_control": 4100 + n, "set_control": 1})
            with open(os.path.join(inbox, f"{n:02d}-{set_id}-{po.name.replace('/', '_')}.x12"), "wb") as fh:
                fh.write(data)
        x12.sweep_directory(system)
        # what the jobs would do: the documents applied, the 850 and the 997s written to the outbound directory
        env["medsync.message"].search([("system_id", "=", system.id), ("state", "=", "queued")])._hub_process()
        return system

