"""Demo scenario for `make run` (loaded from demo/medsync_matching_demo.xml only).

Everything goes through Odoo's own flows: purchase orders confirmed, receipts
validated (one partial, one returned), vendor bills created and posted; then
MedSync matches them, as the nightly action would."""

import base64
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..services import guard, matching


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

    @api.model
    def _create_reconcile_demo(self):
        """An operating-theatre supply cabinet that counted its stock yesterday
        and sent a snapshot showing each drift class; it is imported and
        reconciled as the inventory controller would."""
        ref = self.env.ref
        env = self.env
        cab = env["stock.location"].create({"name": "OR supply cabinet 1", "usage": "internal",
                                            "location_id": ref("medsync.location_or").id,
                                            "medsync_responsible_id": ref("medsync.user_inventory").id})
        env["medsync.location.code"].create([
            {"code": "OR-CAB-01", "location_id": cab.id, "source": "Omnicell"},
            {"code": "5412345000013", "kind": "gln", "location_id": ref("medsync.location_icu").id,
             "source": "Omnicell"},
        ])
        box = ref("medsync.uom_box12")
        p = {k: ref(f"medsync.product_{k}") for k in ("gloves", "gauze", "cannula", "saline", "suture", "stent")}
        env["medsync.product.code"].create([
            {"kind": "gtin", "code": "15012345000036", "product_id": p["cannula"].id, "factor": box.factor_inv},
            {"kind": "gtin", "code": "05012345000015", "product_id": p["gloves"].id},
        ])
        p["stent"].medsync_risk_class = "3"
        now = fields.Datetime.now()
        lots = {}
        for key, name, days in (("gloves", "GLV-2611", 500), ("gauze", "GAU-2610", 300), ("cannula", "IVC-2609", 700),
                                ("saline", "NACL-2512", -5), ("suture", "SUT-2701", 800), ("stent", "DES-A17", 900),
                                ("stent_b", "DES-B02", 600)):
            product = p["stent"] if key == "stent_b" else p[key]
            lots[key] = env["stock.lot"].create({"name": name, "product_id": product.id,
                                                 "expiration_date": now + timedelta(days=days)})
        Quant = env["stock.quant"].with_context(inventory_mode=True)
        for key, qty in (("gloves", 40), ("gauze", 120), ("cannula", 48), ("saline", 12), ("suture", 36),
                         ("stent", 2), ("stent_b", 1)):
            product = p["stent"] if key == "stent_b" else p[key]
            Quant.create({"product_id": product.id, "location_id": cab.id, "lot_id": lots[key].id,
                          "inventory_quantity": qty}).with_context(
                set_inventory_quantity_auto_apply=True).action_apply_inventory()
        env.flush_all()
        # the stock arrived a week ago; after the count, 6 gloves were used (and 2 sutures 20 minutes later)
        env.cr.execute(SQL("UPDATE stock_move_line SET date = %s WHERE location_dest_id = %s",
                           now - timedelta(days=7), cab.id))
        env.invalidate_all()
        count_time = now - timedelta(days=1)
        Quant.search([("location_id", "=", cab.id), ("product_id", "=", p["gloves"].id)]).write(
            {"inventory_quantity": 34})
        Quant.search([("location_id", "=", cab.id), ("product_id", "=", p["suture"].id)]).write(
            {"inventory_quantity": 34})
        Quant.search([("location_id", "=", cab.id), ("inventory_quantity_set", "=", True)]).with_context(
            set_inventory_quantity_auto_apply=True).action_apply_inventory()
        env.flush_all()
        env.cr.execute(SQL(
            "UPDATE stock_move_line SET date = %s WHERE location_id = %s AND product_id = %s AND date > %s",
            count_time + timedelta(minutes=20), cab.id, p["suture"].id, now - timedelta(days=2)))
        env.invalidate_all()
        csv_text = "\n".join([
            "location,product,kind,lot,expiry,qty,unit",
            "OR-CAB-01,MS-GLV-M,ref,GLV-2611,,40,",                   # matched at count time (34 now)
            "OR-CAB-01,MS-GAU-10,ref,GAU-2610,,110,",                 # under: 10 missing
            "OR-CAB-01,15012345000036,gtin,IVC-2609,,4,",             # 4 cases of 12 = 48: matched
            "OR-CAB-01,RX-NACL-1L,ref,NACL-2512,,1,Box of 12",        # 12 counted in a box: matched, expired
            "OR-CAB-01,MS-SUT-30,ref,SUT-2701,,34,",                  # timing: 2 used 20 minutes after the count
            "OR-CAB-01,IMP-DES-3018,ref,DES-A17,,1,",                 # stents: lots swapped
            "OR-CAB-01,IMP-DES-3018,ref,DES-B02,,2,",
            "OR-CAB-01,(01)05012345000015(17)281130(10)GLV-2612,gs1,,,5,",  # a lot Odoo does not know
            "OR-CAB-01,MS-UNKNOWN-9,ref,,,3,",                        # unknown code
        ]) + "\n"
        wizard = self.env["medsync.snapshot.import"].with_user(ref("medsync.user_inventory")).create({
            "file": base64.b64encode(csv_text.encode()), "file_name": "omnicell-or-cab-01.csv",
            "source": "Omnicell OR cabinet 1", "as_of": count_time, "scope": "full"})
        wizard.action_import()
        return True


class MedsyncDedupeDemo(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_dedupe_demo(self, count=300):
        """A vendor master of ``count`` vendors with planted duplicates of
        every kind (legal-form swap, typo, trade name, IBAN spacing, same EIN,
        one bank account under two names), then a Find duplicates run."""
        import random

        rng = random.Random(42)
        syl = "zor bex kal tri ven qua lux nor vel dyn cor zen tal rix mon gal fin sol tor hel pax lum".split()
        tails = ["Medical", "Surgical Supply", "Diagnostics", "Health", "Labs", "Scientific", "Dental", ""]
        us = self.env.ref("base.us")
        vals, seen = [], set()
        while len(vals) < count:
            stem = "".join(rng.choice(syl) for _ in range(3)).capitalize()
            if stem in seen:
                continue
            seen.add(stem)
            vals.append({
                "name": " ".join(x for x in (stem, rng.choice(tails), rng.choice(["Inc.", "LLC", "Corp."])) if x),
                "is_company": True, "supplier_rank": 1, "country_id": us.id,
                "street": f"{rng.randrange(1, 9999)} {rng.choice(['Main', 'Oak', 'Market', 'Lake'])} Street",
                "city": rng.choice(["Springfield", "Salem", "Madison"]), "zip": f"{rng.randrange(10000, 99999)}",
                "phone": f"({rng.randrange(201, 989)}) {rng.randrange(200, 999)}-{rng.randrange(0, 9999):04d}",
                "email": f"ap@{stem.lower()}.com",
            })
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        company = self.env.company
        block = company.medsync_dedupe_block
        company.medsync_dedupe_block = False  # the demo plants what the guard would refuse
        vendors = Partner.create(vals)
        v = vendors
        v[2].name = f"{v[2].name} d/b/a Bright Care Supply"
        plants = [
            {"name": v[0].name.replace("Inc.", "LLC").replace("Corp.", "Inc."), "zip": v[0].zip, "phone": v[0].phone},
            {"name": v[1].name[:3] + v[1].name[4:], "street": v[1].street, "zip": v[1].zip},
            {"name": "Bright Care Supply", "email": v[2].email, "phone": v[2].phone},
            {"name": v[3].name.split()[0] + " Medical", "zip": v[3].zip},
            {"name": v[4].name.upper(), "vat": "12-3456789"},
            {"name": "Nordex Trading", "zip": "73301"},
        ]
        v[4].vat = "123456789"
        dups = Partner.create([dict(p, is_company=True, supplier_rank=1, country_id=us.id) for p in plants])
        Bank = guard.privileged(self.env["res.partner.bank"])  # the demo plants shared accounts
        Bank.create([
            {"partner_id": v[3].id, "acc_number": "DE89370400440532013000"},
            {"partner_id": dups[3].id, "acc_number": "de89 3704 0044 0532 0130 00"},
            {"partner_id": v[5].id, "acc_number": "021000021:55501234"},
            {"partner_id": dups[5].id, "acc_number": "021000021:55501234"},
        ])
        company.medsync_dedupe_block = block
        from ..services import dedupe as svc

        svc.run_dedupe(self.env, company)
        return vendors.ids + dups.ids
