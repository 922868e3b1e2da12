"""Demo scenario for `make run` (loaded from demo/medsync_matching_demo.xml only).

Everything goes through Odoo's own flows: purchase orders confirmed, receipts
validated (one partial, one returned), vendor bills created and posted; then
MedSync matches them, as the nightly action would."""

from odoo import Command, api, fields, models

from ..services import matching


class MedsyncDemo(models.AbstractModel):
    _name = "medsync.demo"
    _description = "MedSync demo data"

    @api.model
    def _create_matching_demo(self):
        ref = self.env.ref
        company = self.env.company
        eur = ref("base.EUR")
        eur.active = True
        if company.currency_id != eur and not eur.rate_ids.filtered(lambda r: r.company_id == company):
            self.env["res.currency.rate"].create({"currency_id": eur.id, "rate": 0.92, "company_id": company.id,
                                                  "name": fields.Date.today().replace(month=1, day=1)})
        buyer = ref("medsync.user_buyer")

        def po(vendor, lines, currency=None):
            order = self.env["purchase.order"].create({
                "partner_id": ref(vendor).id, "user_id": buyer.id,
                "currency_id": (currency or company.currency_id).id,
                "order_line": [Command.create({"product_id": ref(p).id, "product_qty": q, "price_unit": price,
                                               **({"product_uom": ref(uom).id} if uom else {})})
                               for p, q, price, uom in lines],
            })
            order.button_confirm()
            return order

        def receive(order, quantities, lot_prefix):
            picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]
            for move in picking.move_ids:
                qty = quantities.get(move.product_id)
                if qty:
                    lot = self.env["stock.lot"].create({"name": f"{lot_prefix}-{move.product_id.default_code}",
                                                        "product_id": move.product_id.id})
                    move.move_line_ids.unlink()
                    self.env["stock.move.line"].create({
                        "move_id": move.id, "picking_id": picking.id, "product_id": move.product_id.id,
                        "location_id": move.location_id.id, "location_dest_id": move.location_dest_id.id,
                        "lot_id": lot.id, "quantity": qty, "product_uom_id": move.product_id.uom_id.id,
                    })
                    move.picked = True
            picking.with_context(cancel_backorder=False)._action_done()
            return picking

        def bill(order, ref_, lines, currency=None, post=True, days_ago=2):
            move = self.env["account.move"].create({
                "move_type": "in_invoice", "partner_id": order.partner_id.id, "ref": ref_,
                "invoice_date": fields.Date.subtract(fields.Date.today(), days=days_ago),
                "currency_id": (currency or order.currency_id).id,
                "invoice_line_ids": [Command.create({
                    "product_id": pol.product_id.id, "quantity": q, "price_unit": price,
                    "product_uom_id": pol.product_uom.id, "purchase_line_id": pol.id,
                }) for pol, q, price in lines],
            })
            if post:
                move.action_post()
            return move

        p = {k: ref(f"medsync.product_{k}") for k in ("gloves", "gauze", "cannula", "saline", "suture", "stent")}
        bills = self.env["account.move"]
        # 1. partial receipt: gauze billed in full, 120 of 200 received -> over-billed vs received
        po1 = po("medsync.vendor_medline", [("medsync.product_gloves", 50, 6.10, None),
                                             ("medsync.product_gauze", 200, 0.80, None)])
        receive(po1, {p["gloves"]: 50, p["gauze"]: 120}, "DEMO1")
        bills |= bill(po1, "ML-2026-1187", [(po1.order_line[0], 50, 6.10), (po1.order_line[1], 200, 0.80)])
        # 2. boxes of 12: 10 boxes ordered and billed, 120 units received -> matched
        po2 = po("medsync.vendor_bd", [("medsync.product_cannula", 10, 22.80, "medsync.uom_box12")])
        receive(po2, {p["cannula"]: 120}, "DEMO2")
        first = bill(po2, "BD-2026-0042", [(po2.order_line, 10, 22.80)], days_ago=6)
        bills |= first
        # 3. the same bill sent again with the reference typed differently -> duplicate
        bills |= bill(po2, "bd 2026 42", [(po2.order_line, 10, 22.80)], post=False, days_ago=3)
        # 4. a return to the vendor and a price 4.6 % above the PO and the price list -> held
        po3 = po("medsync.vendor_cardinal", [("medsync.product_saline", 100, 1.30, None)])
        picking = receive(po3, {p["saline"]: 100}, "DEMO3")
        ret = self.env["stock.return.picking"].with_context(active_id=picking.id,
                                                            active_model="stock.picking").create({})
        ret.product_return_moves.write({"quantity": 10, "to_refund": True})
        returned = ret._create_return()
        for move in returned.move_ids:
            move.move_line_ids.write({"quantity": 10})
            move.picked = True
        returned._action_done()
        bills |= bill(po3, "CH-77812", [(po3.order_line, 90, 1.36)])
        # 5. billed before anything was received -> missing receipt (lifts when receiving validates)
        po4 = po("medsync.vendor_nordic", [("medsync.product_suture", 144, 3.95, None)])
        bills |= bill(po4, "NS-5521", [(po4.order_line, 144, 3.95)], post=False, days_ago=1)
        # 6. a consigned stent bought in EUR, billed in EUR at the PO price -> matched
        po5 = po("medsync.vendor_nordic", [("medsync.product_stent", 2, 760.0, None)], currency=eur)
        receive(po5, {p["stent"]: 2}, "DEMO5")
        bills |= bill(po5, "NS-EU-0091", [(po5.order_line, 2, 760.0)], currency=eur)

        matching.match_moves(bills, trigger="cron")
        return bills.ids
