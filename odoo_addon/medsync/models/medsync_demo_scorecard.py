"""Demo: twelve months of order history giving three distinct supplier
scorecards (loaded from demo/medsync_scorecard_demo.xml only).

- MedLine Industries delivers on time and in full, acknowledges within hours,
  ships what its notices say and bills at the order's price: excellent.
- Cardinal Health was as good until four months ago; since then it is late,
  its first shipments come short and its acknowledgements take a day: slipping.
- BD Medical is late and short all year, acknowledges after two days or not
  at all, announces quantities it does not ship, bills above the order and has
  goods returned: very poor, and buyers are warned when they order from it.

Orders are created and confirmed, receipts validated (backorders received
later) and bills created through Odoo's own flows; the dates are then set back
into the past month they belong to (the demo cannot wait a year). The
acknowledgements and ship notices are recorded as the hub would have.
"""

import datetime as dt
import random

from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..services import guard, matching, scorecard

# per vendor: a function of the month index (0 = twelve months ago ... 11 = last month) giving
# (days late, share of the quantity in the first receipt, hours to acknowledge or None, ASN over-announced,
#  price billed over the order, returned share)
PROFILES = {
    "medsync.vendor_medline": lambda m, rng: (rng.choice((-1, 0, 0, 0)), 1.0, rng.choice((1, 2, 3)), 0, 0.0, 0.0),
    "medsync.vendor_cardinal": lambda m, rng: (
        (rng.choice((0, 0, 1)), 1.0, rng.choice((2, 4)), 0, 0.0, 0.0) if m < 8 else
        (rng.choice((3, 5, 6)), rng.choice((0.6, 1.0)), rng.choice((20, 30)), rng.choice((0, 2)), 0.0, 0.0)),
    "medsync.vendor_bd": lambda m, rng: (
        rng.choice((4, 6, 9)), rng.choice((0.5, 0.7, 1.0)), rng.choice((50, 70, None)), rng.choice((2, 5)),
        0.06, rng.choice((0.0, 0.1))),
}
PRODUCTS = {
    "medsync.vendor_medline": [("medsync.product_gloves", 40, 6.10), ("medsync.product_gauze", 150, 0.80)],
    "medsync.vendor_cardinal": [("medsync.product_saline", 80, 1.30), ("medsync.product_syringe", 100, 0.35)],
    "medsync.vendor_bd": [("medsync.product_syringe", 120, 0.36), ("medsync.product_saline", 60, 1.32)],
}


def _month_back(today, back):
    y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
    return dt.date(y, m + 1, 1)


class MedsyncDemoScorecard(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_scorecard_demo(self):
        ref = self.env.ref
        rng = random.Random(19)
        today = fields.Date.today()
        buyer = ref("medsync.user_buyer")
        orders = self.env["purchase.order"]
        bills = self.env["account.move"]
        facts = {"acks": [], "asns": [], "dates": [], "receipts": []}
        for vendor_xmlid, profile in PROFILES.items():
            vendor = ref(vendor_xmlid)
            for m in range(12):
                month = _month_back(today, 12 - m)
                for k in range(2):
                    approve = dt.datetime.combine(month + dt.timedelta(days=2 + 12 * k), dt.time(14, 0))
                    late, first_share, ack_hours, asn_over, price_over, returned = profile(m, rng)
                    po, bill = self._scorecard_demo_order(vendor, vendor_xmlid, buyer, approve, late, first_share,
                                                          ack_hours, asn_over, price_over, returned, facts)
                    orders |= po
                    bills |= bill
        self._scorecard_demo_backdate(facts)
        matching.match_moves(bills, trigger="cron")
        # a draft order to the very poor vendor: its buyer sees the standing before confirming
        self.env["purchase.order"].create({
            "partner_id": ref("medsync.vendor_bd").id, "user_id": buyer.id,
            "order_line": [Command.create({"product_id": ref("medsync.product_syringe").id, "product_qty": 200,
                                           "price_unit": 0.36})]})
        scorecard.refresh(self.env, self.env.company, full=True, trigger="cron")
        return orders.ids

    def _scorecard_demo_order(self, vendor, vendor_xmlid, buyer, approve, late, first_share, ack_hours, asn_over,
                              price_over, returned, facts):
        ref = self.env.ref
        po = self.env["purchase.order"].create({
            "partner_id": vendor.id, "user_id": buyer.id,
            "order_line": [Command.create({"product_id": ref(p).id, "product_qty": q, "price_unit": price})
                           for p, q, price in PRODUCTS[vendor_xmlid]],
        })
        po.button_confirm()
        planned = approve + dt.timedelta(days=7)
        facts["dates"].append((po.id, approve, planned))
        for line in po.order_line:
            if ack_hours is not None:
                facts["acks"].append({"line_id": line.id, "received_at": approve + dt.timedelta(hours=ack_hours),
                                      "status": "accepted" if first_share == 1.0 else "backordered",
                                      "qty": line.product_qty, "price": line.price_unit,
                                      "promised_date": (planned + dt.timedelta(days=max(late, 0))).date()})
        # the receipt: the first shipment (maybe short), announced by a ship notice
        picking = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        received_at = planned + dt.timedelta(days=late)
        short = False
        for move in picking.move_ids:
            qty = round(move.product_uom_qty * first_share)
            short |= qty < move.product_uom_qty
            lot = f"SC-{po.name}-{move.product_id.default_code}"
            facts["asns"].append({"asn_ref": f"ASN-{po.name}", "picking_id": picking.id,
                                  "line_id": move.purchase_line_id.id, "order_id": po.id,
                                  "product_id": move.product_id.id, "received_at": received_at - dt.timedelta(days=1),
                                  "ship_date": (received_at - dt.timedelta(days=1)).date(), "qty": qty + asn_over,
                                  "uom_id": move.product_uom.id, "uom_name": move.product_uom.name, "lot_name": lot})
            move.move_line_ids.unlink()
            self.env["stock.move.line"].create({
                "move_id": move.id, "picking_id": picking.id, "product_id": move.product_id.id,
                "location_id": move.location_id.id, "location_dest_id": move.location_dest_id.id,
                "lot_name": lot, "quantity": qty, "product_uom_id": move.product_uom.id})
            move.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        facts["receipts"].append((picking.id, received_at))
        if short:
            rest = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
            for move in rest.move_ids:
                move.move_line_ids.unlink()
                self.env["stock.move.line"].create({
                    "move_id": move.id, "picking_id": rest.id, "product_id": move.product_id.id,
                    "location_id": move.location_id.id, "location_dest_id": move.location_dest_id.id,
                    "lot_name": f"SC-{po.name}-{move.product_id.default_code}-B", "quantity": move.product_uom_qty,
                    "product_uom_id": move.product_uom.id})
                move.picked = True
            rest._action_done()
            facts["receipts"].append((rest.id, received_at + dt.timedelta(days=6)))
        if returned:
            ret = self.env["stock.return.picking"].with_context(active_id=picking.id,
                                                                active_model="stock.picking").create({})
            for line in ret.product_return_moves:
                line.write({"quantity": max(1, round(line.move_id.quantity * returned)), "to_refund": True})
            back = ret._create_return()
            for move in back.move_ids:
                move.picked = True
            back._action_done()
            facts["receipts"].append((back.id, received_at + dt.timedelta(days=10)))
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": vendor.id, "ref": f"SC-{po.name}",
            "invoice_date": (received_at + dt.timedelta(days=2)).date(),
            "invoice_line_ids": [Command.create({
                "product_id": line.product_id.id, "quantity": line.product_qty,
                "price_unit": round(line.price_unit * (1 + price_over), 2), "product_uom_id": line.product_uom.id,
                "purchase_line_id": line.id}) for line in po.order_line]})
        return po, bill

    def _scorecard_demo_backdate(self, facts):
        """Put the orders, receipts and hub facts back in the months they belong to."""
        cr = self.env.cr
        self.env.flush_all()
        for po_id, approve, planned in facts["dates"]:
            cr.execute(SQL("UPDATE purchase_order SET date_order = %s, date_approve = %s WHERE id = %s",
                           approve, approve, po_id))
            cr.execute(SQL("""UPDATE purchase_order_line SET date_planned = %s, medsync_first_promised = %s
                               WHERE order_id = %s""", planned, planned, po_id))
        for picking_id, when in facts["receipts"]:
            cr.execute(SQL("UPDATE stock_picking SET date_done = %s, scheduled_date = %s WHERE id = %s",
                           when, when, picking_id))
            cr.execute(SQL("UPDATE stock_move SET date = %s WHERE picking_id = %s", when, picking_id))
            cr.execute(SQL("UPDATE stock_move_line SET date = %s WHERE picking_id = %s", when, picking_id))
        self.env.invalidate_all()
        # sudo: the hub's facts, recorded as the hub would have (nobody else may write them)
        guard.privileged(self.env["medsync.po.ack"].sudo()).create(facts["acks"])
        guard.privileged(self.env["medsync.asn.line"].sudo()).create(facts["asns"])
