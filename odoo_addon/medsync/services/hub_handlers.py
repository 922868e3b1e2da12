"""What each document does in Odoo, through Odoo's own models and flows, as
the sending system's technical user (its access rights and record rules
apply). ``precheck`` is the cheap part done at the door, so that a sender
hears at once about an unknown order or product; ``handle`` does the work in
the job and checks again (the data may have changed in between).

Every handler returns ``[(record, role), ...]``: what it created, changed or
flagged, linked to the message."""

import datetime as dt
import hashlib
import json
import time
from datetime import timedelta

import requests

from odoo import Command, fields
from odoo.tools import float_compare

from . import billing, compliance, consumption, guard, hub_vendor, x12, x12_catalog
from .hub_base import HubError, sign

OPEN_PO = ("purchase",)


# ---------------------------------------------------------------------------- lookups

def find_po(env, info_partner_id, name, states=OPEN_PO):
    po = env["purchase.order"].search([("name", "=", name), ("company_id", "in", env.companies.ids)], limit=1)
    if not po or (info_partner_id and po.partner_id.commercial_partner_id.id != info_partner_id):
        # another vendor's order is reported as unknown: its existence is not the sender's business
        raise HubError("UNKNOWN_PO", f"No purchase order {name} for this system.")
    if po.state not in states:
        code = "PO_NOT_CONFIRMED" if po.state in ("draft", "sent", "to approve") else "PO_CLOSED"
        raise HubError(code, f"Purchase order {name} is {po.state}; it takes no {'/'.join(states)} documents.")
    return po


def resolve_products(env, codes, partner=None):
    """code -> product.product by internal reference, barcode, then the
    vendor's own product code. Raises UNKNOWN_PRODUCT naming the codes."""
    found = find_products(env, codes, partner)
    missing = sorted(set(codes) - found.keys())
    if missing:
        raise HubError("UNKNOWN_PRODUCT", f"Unknown product code(s): {', '.join(missing[:20])}.")
    return found


def find_products(env, codes, partner=None):
    """code -> product.product for the codes known (see resolve_products)."""
    codes = set(codes)
    found = {}
    if codes:
        for p in env["product.product"].search(["|", ("default_code", "in", list(codes)),
                                                ("barcode", "in", list(codes))]):
            for c in (p.default_code, p.barcode):
                if c in codes:
                    found.setdefault(c, p)
        rest = codes - found.keys()
        if rest:
            dom = [("product_code", "in", list(rest))]
            if partner:
                dom.append(("partner_id", "child_of", partner.commercial_partner_id.id))
            for si in env["product.supplierinfo"].search(dom):
                found.setdefault(si.product_code, si.product_id or si.product_tmpl_id.product_variant_id)
    return found


def numbered_lines(po):
    """Line number -> PO line: the numbers sent to the vendor, else the position."""
    lines = po.order_line.filtered(lambda line: not line.display_type).sorted(lambda line: (line.sequence, line.id))
    if any(lines.mapped("medsync_line_no")):
        return {line.medsync_line_no: line for line in lines if line.medsync_line_no}
    return {i: line for i, line in enumerate(lines, start=1)}


def find_bill(env, info_partner_id, ref):
    dom = [("move_type", "=", "in_invoice"), ("company_id", "in", env.companies.ids), ("state", "=", "posted"),
           "|", ("ref", "=", ref), ("name", "=", ref)]
    if info_partner_id:
        dom.append(("commercial_partner_id", "=", info_partner_id))
    bill = env["account.move"].search(dom, limit=2)
    if len(bill) != 1:
        raise HubError("UNKNOWN_BILL" if not bill else "AMBIGUOUS_BILL",
                       f"{'No' if not bill else 'More than one'} posted vendor bill {ref} for this system.")
    return bill


def find_vendor(env, info_partner_id, ref):
    dom = [("ref", "=", ref), ("company_id", "in", [False, *env.companies.ids])]
    vendor = env["res.partner"].search(dom, limit=2)
    if len(vendor) != 1 or (info_partner_id and vendor.commercial_partner_id.id != info_partner_id):
        raise HubError("UNKNOWN_VENDOR", f"No single vendor with reference {ref} for this system.")
    return vendor


def _duplicate_invoice(env, po, ref):
    return env["account.move"].search_count([
        ("move_type", "=", "in_invoice"), ("state", "!=", "cancel"), ("ref", "=", ref),
        ("commercial_partner_id", "=", po.partner_id.commercial_partner_id.id)], limit=1)


# ---------------------------------------------------------------------------- at the door

def precheck(env, info, doc_type, doc):
    """Cheap checks of the references, so that the sender hears at once about
    an unknown order, product, bill or vendor; returns the document's external
    reference or raises the refusal. See ``precheck_many``."""
    ref, exc = precheck_many(env, info, doc_type, [doc])[0]
    if exc is not None:
        raise exc
    return ref


def _precheck_other(env, info, doc_type, doc):
    """The reference check of a document that names no order (one at a time)."""
    if doc_type in hub_vendor.PRECHECKS:  # vendor onboarding and credentials (services/hub_vendor.py)
        return hub_vendor.PRECHECKS[doc_type](env, info, doc)
    partner = info["partner_id"] or None
    company = info["company_id"]
    if doc_type == "payment_status":
        env.cr.execute("""SELECT count(*) FROM account_move
                           WHERE move_type = 'in_invoice' AND state = 'posted' AND company_id = %s
                             AND (ref = %s OR name = %s) AND (%s::int IS NULL OR commercial_partner_id = %s)""",
                       (company, doc["bill"], doc["bill"], partner, partner))
        n = env.cr.fetchone()[0]
        if n != 1:
            raise HubError("UNKNOWN_BILL" if not n else "AMBIGUOUS_BILL",
                           f"{'No' if not n else 'More than one'} posted vendor bill {doc['bill']} for this system.")
        return doc["payment_ref"]
    if doc_type == "vendor_update":
        env.cr.execute("""SELECT commercial_partner_id FROM res_partner
                           WHERE ref = %s AND active AND (company_id IS NULL OR company_id = %s) LIMIT 2""",
                       (doc["vendor"], company))
        rows = env.cr.fetchall()
        if len(rows) != 1 or (partner and rows[0][0] != partner):
            raise HubError("UNKNOWN_VENDOR", f"No single vendor with reference {doc['vendor']} for this system.")
        return doc["vendor"]
    if doc_type == "stock_snapshot":
        return f"{doc['source']}@{doc['as_of']}"
    if doc_type in ("billing_batch", "billing_daily_totals"):
        sources = info["flows"][doc_type].get("sources")
        if sources and doc["source"] not in sources:
            raise HubError("UNKNOWN_SOURCE", f"This system speaks for source(s) {', '.join(sorted(sources))}, "
                                             f"not {doc['source']}.")
    if doc_type == "billing_batch":
        env.cr.execute("SELECT 1 FROM res_currency WHERE name = %s AND active", (doc["currency"],))
        if not env.cr.fetchone():
            raise HubError("UNKNOWN_CURRENCY", f"Currency {doc['currency']} is not active in Odoo.")
        env.cr.execute("""SELECT state FROM medsync_billing_batch
                           WHERE company_id = %s AND source = %s AND batch_ref = %s""",
                       (company, doc["source"], doc["batch_id"]))
        row = env.cr.fetchone()
        if row and row[0] != "rejected":
            raise HubError("DUPLICATE_BATCH", f"Batch {doc['source']}/{doc['batch_id']} was received already "
                                              f"({row[0]}); a batch id is posted once. Send a correction batch.")
        return f"{doc['source']}/{doc['batch_id']}"
    if doc_type == "billing_daily_totals":
        return f"{doc['source']}@{doc['business_date']}"
    if doc_type in ("consumption", "par_levels"):
        return f"{doc['cabinet']}/{doc.get('batch_id') or len(doc.get('events') or doc.get('levels') or [])}"
    if doc_type == "price_catalog":
        if not partner:
            raise HubError("NO_VENDOR", "This system speaks for no vendor: set its vendor before sending catalogues.")
        env.cr.execute("SELECT 1 FROM res_currency WHERE name = %s AND active", (doc["currency"],))
        if not env.cr.fetchone():
            raise HubError("UNKNOWN_CURRENCY", f"Currency {doc['currency']} is not active in Odoo.")
        return doc["catalog"]
    return None


def precheck_many(env, info, doc_type, docs):
    """The reference checks of documents: ``[(reference, HubError or None)]``
    in order. Documents about orders are checked together, one statement per
    kind of reference (orders, products, invoices) whatever their number.
    Plain parameterised reads (this runs on every request, before anything is
    written, so nothing needs flushing), limited to the system's company and
    vendor: they tell the sender no more than the refusal says. The job checks
    again through the ORM, with the system user's rights."""
    if doc_type not in ("po_ack", "asn", "invoice"):
        out = []
        for doc in docs:
            try:
                out.append((_precheck_other(env, info, doc_type, doc), None))
            except HubError as exc:
                out.append((None, exc))
        return out
    partner = info["partner_id"] or None
    company = info["company_id"]
    states = ("purchase", "done") if doc_type == "invoice" else OPEN_PO
    env.cr.execute("""SELECT po.name, po.state, rp.commercial_partner_id FROM purchase_order po
                        JOIN res_partner rp ON rp.id = po.partner_id
                       WHERE po.name = ANY(%s) AND po.company_id = %s""",
                   (sorted({d["po"] for d in docs}), company))
    pos = {}
    for name, state, commercial in env.cr.fetchall():
        pos.setdefault(name, (state, commercial))
    codes = {ln["product"] for d in docs for ln in d["lines"]}
    codes |= {ln["substitute_product"] for d in docs for ln in d["lines"] if "substitute_product" in ln}
    missing = set(_missing_products(env, codes, partner))
    billed = set()
    if doc_type == "invoice":
        env.cr.execute("""SELECT ref FROM account_move WHERE move_type = 'in_invoice' AND state != 'cancel'
                             AND ref = ANY(%s) AND commercial_partner_id = %s""",
                       (sorted({d["invoice"] for d in docs}), partner))
        billed = {r[0] for r in env.cr.fetchall()}
    out = []
    for d in docs:
        row = pos.get(d["po"])
        mine = {ln["product"] for ln in d["lines"]}
        mine |= {ln["substitute_product"] for ln in d["lines"] if "substitute_product" in ln}
        if not row or (partner and row[1] != partner):
            exc = HubError("UNKNOWN_PO", f"No purchase order {d['po']} for this system.")
        elif row[0] not in states:
            code = "PO_NOT_CONFIRMED" if row[0] in ("draft", "sent", "to approve") else "PO_CLOSED"
            exc = HubError(code, f"Purchase order {d['po']} is {row[0]}; it takes no such documents now.")
        elif mine & missing:
            exc = HubError("UNKNOWN_PRODUCT", f"Unknown product code(s): {', '.join(sorted(mine & missing)[:20])}.")
        elif doc_type == "invoice" and d["invoice"] in billed:
            exc = HubError("DUPLICATE_INVOICE", f"Invoice {d['invoice']} of this vendor is already in Odoo.")
        else:
            exc = None
        ref = {"invoice": d.get("invoice"), "po_ack": d["po"], "asn": d.get("asn")}[doc_type]
        out.append((None, exc) if exc else (ref, None))
    return out


def _missing_products(env, codes, partner):
    env.cr.execute("""SELECT c.code FROM unnest(%s::varchar[]) AS c(code)
                       WHERE NOT EXISTS (SELECT 1 FROM product_product p
                                          WHERE p.active AND (p.default_code = c.code OR p.barcode = c.code))
                         AND NOT EXISTS (SELECT 1 FROM product_supplierinfo s
                                           JOIN res_partner sp ON sp.id = s.partner_id
                                          WHERE s.product_code = c.code
                                            AND (%s::int IS NULL OR sp.commercial_partner_id = %s))
                       ORDER BY 1""", (sorted(codes), partner, partner))
    return [r[0] for r in env.cr.fetchall()]


# ---------------------------------------------------------------------------- in the job

def handle(env, msg, doc):
    handler = HANDLERS.get(msg.doc_type)
    if handler is None:
        raise HubError("NO_HANDLER", f"No handler for {msg.doc_type}.")
    return handler(env, msg, doc)


def _raise(env, vals_list):
    # sudo: the system's user reports problems to their owners; it may not read the exception queue
    return env["medsync.exception"].sudo()._raise_many(vals_list)


def _po_ack(env, msg, doc):
    partner = msg.system_id.partner_id.commercial_partner_id.id
    po = find_po(env, partner, doc["po"])
    products = resolve_products(env, {ln["product"] for ln in doc["lines"]}
                                | {ln["substitute_product"] for ln in doc["lines"] if "substitute_product" in ln},
                                po.partner_id)
    by_no = numbered_lines(po)
    problems = []
    acks = []
    for ln in doc["lines"]:
        pol = by_no.get(ln["line_no"])
        if pol is None:
            raise HubError("UNKNOWN_LINE", f"{po.name} has no line {ln['line_no']}.")
        if products[ln["product"]] != pol.product_id:
            raise HubError("WRONG_PRODUCT", f"Line {ln['line_no']} of {po.name} is {pol.product_id.display_name}, "
                                            f"not {ln['product']}.")
        qty = float(ln["qty"])
        vals = {"medsync_ack_status": ln["status"], "medsync_ack_qty": qty,
                "medsync_ack_price": float(ln["price"]) if "price" in ln else pol.price_unit,
                "medsync_ack_date": ln.get("backorder_date") or False, "medsync_ack_note": ln.get("reason") or False,
                "medsync_substitute_id": products[ln["substitute_product"]].id
                if "substitute_product" in ln else False}
        guard.privileged(pol).write(vals)  # the vendor's answer, as the hub received it
        acks.append({"line_id": pol.id, "message_id": msg.id, "received_at": msg.received_at or fields.Datetime.now(),
                     "ack_date": doc.get("ack_date") or False, "status": ln["status"], "qty": qty,
                     "price": vals["medsync_ack_price"], "note": ln.get("reason") or False,
                     "promised_date": ln.get("delivery_date") or ln.get("backorder_date") or False})
        rounding = pol.product_uom.rounding
        short = float_compare(qty, pol.product_qty, precision_rounding=rounding) < 0
        price_diff = "price" in ln and pol.currency_id.compare_amounts(float(ln["price"]), pol.price_unit) != 0
        if ln["status"] != "accepted" or short or price_diff:
            what = ln["status"] if ln["status"] != "accepted" else ("short" if short else "price changed")
            problems.append(f"line {ln['line_no']} {pol.product_id.display_name}: {what}, {ln['qty']} of "
                            f"{pol.product_qty:g}" + (f", price {ln['price']}" if "price" in ln else "")
                            + (f", until {ln['backorder_date']}" if "backorder_date" in ln else ""))
    # sudo: every acknowledgement is kept as it came, for the scorecards; nobody may write them otherwise
    # sudo: the system user may not read every acknowledgement; privileged: kept as the vendor sent it
    guard.privileged(env["medsync.po.ack"].sudo()).create(acks)
    all_rejected = all(ln["status"] == "rejected" for ln in doc["lines"])
    guard.privileged(po).write({
        "medsync_ack_state": "rejected" if all_rejected else ("exceptions" if problems else "acknowledged"),
        "medsync_ack_date": fields.Datetime.now(), "medsync_ack_ref": doc.get("vendor_ref") or False})
    ex = env["medsync.exception"].sudo()  # sudo: see _raise
    ex.search([("key", "=", f"hub-noack-{po.id}"), ("state", "in", ("open", "in_progress"))])._auto_resolve(
        env._("Acknowledged by %s.", msg.system_id.name))
    if problems:
        _raise(env, [{"reason_code": "HUB_ACK_EXCEPTION", "key": f"hub-ack-{po.id}", "company_id": po.company_id.id,
                      "name": env._("%(po)s acknowledged with %(n)s exception(s)", po=po.name, n=len(problems)),
                      "description": "\n".join(problems), "res_model": "purchase.order", "res_id": po.id,
                      "partner_id": po.partner_id.id, "owner_user_id": po.user_id.id or False,
                      "amount": po.amount_untaxed}])
    return [(po, "updated")]


def _asn(env, msg, doc):
    partner = msg.system_id.partner_id.commercial_partner_id.id
    po = find_po(env, partner, doc["po"])
    products = resolve_products(env, {ln["product"] for ln in doc["lines"]}, po.partner_id)
    pickings = po.picking_ids.filtered(lambda p: p.picking_type_code == "incoming"
                                       and p.state not in ("done", "cancel"))
    if not pickings:
        raise HubError("NO_OPEN_RECEIPT", f"{po.name} has no receipt waiting for goods.")
    picking = pickings.sorted("id")[0]
    moves_by_product = {}
    for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
        moves_by_product.setdefault(move.product_id, move)
    grouped = {}
    for ln in doc["lines"]:
        product = products[ln["product"]]
        move = moves_by_product.get(product)
        if move is None:
            raise HubError("PRODUCT_NOT_ON_PO", f"{ln['product']} is not awaited on {picking.name}.")
        if ln.get("uom") and ln["uom"].lower() != move.product_uom.name.lower():
            raise HubError("UOM_MISMATCH", f"{ln['product']}: shipped in {ln['uom']}, ordered in "
                                           f"{move.product_uom.name}.")
        if product.tracking == "lot" and not ln.get("lot"):
            raise HubError("LOT_REQUIRED", f"{ln['product']} is tracked by lot: the ASN line needs one.")
        if product.tracking == "serial" and not ln.get("serial"):
            raise HubError("SERIAL_REQUIRED", f"{ln['product']} is tracked by serial number.")
        grouped.setdefault(move, []).append(ln)
    # sudo: the notice is kept as announced, for the scorecards, before the clerk's count changes the receipt
    guard.privileged(env["medsync.asn.line"].sudo()).create([{  # sudo: as the acknowledgements
        "asn_ref": doc["asn"], "picking_id": picking.id, "line_id": move.purchase_line_id.id or False,
        "order_id": po.id, "product_id": move.product_id.id, "message_id": msg.id,
        "received_at": msg.received_at or fields.Datetime.now(), "ship_date": doc["ship_date"],
        "qty": float(ln["qty"]), "uom_name": ln.get("uom") or move.product_uom.name, "uom_id": move.product_uom.id,
        "lot_name": (ln.get("serial") or ln.get("lot")) if move.product_id.tracking != "none" else False,
        "expiry": ln.get("expiry") or False, "sscc": ln.get("sscc") or False,
    } for move, lines in grouped.items() for ln in lines])
    over = []
    for move, lines in grouped.items():
        move.move_line_ids.unlink()
        vals = []
        for ln in lines:
            lot = ln.get("serial") or ln.get("lot") if move.product_id.tracking != "none" else False
            v = {"move_id": move.id, "picking_id": picking.id, "product_id": move.product_id.id,
                 "product_uom_id": move.product_uom.id, "location_id": move.location_id.id,
                 "location_dest_id": move.location_dest_id.id, "quantity": float(ln["qty"]),
                 "result_package_id": False}
            if lot:
                v["lot_name"] = lot
                if ln.get("expiry") and "expiration_date" in env["stock.move.line"]._fields:
                    v["expiration_date"] = fields.Datetime.to_datetime(ln["expiry"])
            vals.append(v)
        env["stock.move.line"].create(vals)
        shipped = sum(float(ln["qty"]) for ln in lines)
        if float_compare(shipped, move.product_uom_qty, precision_rounding=move.product_uom.rounding) > 0:
            over.append(f"{move.product_id.display_name}: {shipped:g} shipped, {move.product_uom_qty:g} awaited")
    vals = {"medsync_asn_ref": doc["asn"]}
    if doc.get("tracking") and "carrier_tracking_ref" in picking._fields:  # with stock_delivery installed
        vals["carrier_tracking_ref"] = doc["tracking"]
    guard.privileged(picking).write(vals)
    if over:
        _raise(env, [{"reason_code": "HUB_ASN_OVER", "key": f"hub-asn-over-{picking.id}",
                      "company_id": picking.company_id.id, "name": env._("%s: more shipped than ordered", po.name),
                      "description": "\n".join(over), "res_model": "stock.picking", "res_id": picking.id,
                      "partner_id": po.partner_id.id, "owner_user_id": po.user_id.id or False}])
    return [(picking, "updated")]


def _invoice(env, msg, doc):
    bill = env["account.move"].create(_invoice_vals(env, msg, doc))
    return _invoice_done(env, bill, doc)


def _invoice_vals(env, msg, doc):
    """The draft bill of an invoice, checked against its order: the values
    to create it with (a job creates its invoices' bills in one call)."""
    partner = msg.system_id.partner_id.commercial_partner_id.id
    po = find_po(env, partner, doc["po"], states=("purchase", "done"))
    products = resolve_products(env, {ln["product"] for ln in doc["lines"]}, po.partner_id)
    if _duplicate_invoice(env, po, doc["invoice"]):
        raise HubError("DUPLICATE_INVOICE", f"Invoice {doc['invoice']} of this vendor is already in Odoo.")
    currency = env["res.currency"].search([("name", "=", doc["currency"])], limit=1)
    if not currency:
        raise HubError("UNKNOWN_CURRENCY", f"Currency {doc['currency']} is not active in Odoo.")
    by_no = numbered_lines(po)
    used = set()
    lines = []
    for ln in doc["lines"]:
        product = products[ln["product"]]
        pol = by_no.get(ln["line_no"]) if "line_no" in ln else None
        if pol is not None and pol.product_id != product:
            raise HubError("WRONG_PRODUCT", f"Line {ln['line_no']} of {po.name} is not {ln['product']}.")
        if pol is None:
            pol = next((p for p in by_no.values() if p.product_id == product and p.id not in used), None)
        vals = {"product_id": product.id, "quantity": float(ln["qty"]), "price_unit": float(ln["price"])}
        if ln.get("description"):
            vals["name"] = ln["description"]
        if pol is not None:
            used.add(pol.id)
            vals.update(purchase_line_id=pol.id, tax_ids=[Command.set(pol.taxes_id.ids)],
                        product_uom_id=pol.product_uom.id)
        lines.append(Command.create(vals))
    for charge in doc.get("charges", []):  # freight, handling, discounts (X12 SAC): lines without a product
        amount = float(charge["amount"])
        label = charge.get("description") or charge["code"]
        lines.append(Command.create({"name": env._("Charge: %s", label) if charge["kind"] == "charge"
                                     else env._("Allowance: %s", label), "quantity": 1,
                                     "price_unit": amount if charge["kind"] == "charge" else -amount}))
    vals = {"move_type": "in_invoice", "partner_id": po.partner_id.id, "ref": doc["invoice"],
            "invoice_date": doc["invoice_date"], "invoice_date_due": doc.get("due_date") or False,
            "currency_id": currency.id, "invoice_origin": po.name, "company_id": po.company_id.id,
            "invoice_line_ids": lines}
    terms = _terms_text(env, doc)
    if terms:
        vals["narration"] = terms
    return vals


def _terms_text(env, doc):
    """The vendor's payment terms as sent (X12 ITD), for AP to read on the bill."""
    terms = {k[len("terms_"):]: v for k, v in doc.items() if k.startswith("terms_")}
    if not terms:
        return ""
    parts = []
    if terms.get("discount_pct"):
        parts.append(env._("%(pct)s%% discount if paid within %(days)s days%(by)s", pct=terms["discount_pct"],
                           days=terms.get("discount_days", "?"),
                           by=f" ({terms['discount_due']})" if terms.get("discount_due") else ""))
    if terms.get("net_days") or terms.get("net_due"):
        parts.append(env._("net %(days)s days%(by)s", days=terms.get("net_days", "?"),
                           by=f" ({terms['net_due']})" if terms.get("net_due") else ""))
    return env._("Vendor's terms: %s", ", ".join(parts)) if parts else ""


def _invoice_done(env, bill, doc):
    if "total" in doc and bill.currency_id.compare_amounts(bill.amount_total, float(doc["total"])) != 0:
        return [(bill, "created"), *((exc, "created") for exc in _invoice_total_mismatch(env, bill, doc))]
    return [(bill, "created")]  # hub.process queues the matching of every bill its job created, once


def _invoice_total_mismatch(env, bill, doc):
    """The vendor's stated total is not the bill's: a note on the bill and an
    exception for accounts payable, with both totals and the difference."""
    cur = bill.currency_id
    stated = cur.round(float(doc["total"]))
    diff = cur.round(bill.amount_total - stated)
    text = env._("The vendor's invoice %(inv)s states a total of %(stated)s; the bill Odoo built from its lines "
                 "comes to %(odoo)s (untaxed %(untaxed)s, taxes %(tax)s): a difference of %(diff)s.",
                 inv=doc["invoice"], stated=cur.format(stated), odoo=cur.format(bill.amount_total),
                 untaxed=cur.format(bill.amount_untaxed), tax=cur.format(bill.amount_tax), diff=cur.format(diff))
    bill._message_log(body=text)
    return _raise(env, [{
        "reason_code": "HUB_INVOICE_TOTAL", "key": f"hub-invoice-total-{bill.id}", "company_id": bill.company_id.id,
        "name": env._("%(inv)s: vendor total %(stated)s, bill %(odoo)s", inv=doc["invoice"],
                      stated=cur.format(stated), odoo=cur.format(bill.amount_total)),
        "description": text, "res_model": "account.move", "res_id": bill.id, "partner_id": bill.partner_id.id,
        "amount": abs(bill.currency_id._convert(diff, bill.company_id.currency_id, bill.company_id,
                                                bill.invoice_date or fields.Date.today())),
    }])


def _payment(env, msg, doc):
    partner = msg.system_id.partner_id.commercial_partner_id.id
    bill = find_bill(env, partner, doc["bill"])
    if bill.currency_id.name != doc["currency"]:
        raise HubError("CURRENCY_MISMATCH", f"Bill {doc['bill']} is in {bill.currency_id.name}, not {doc['currency']}.")
    payments = bill.matched_payment_ids | bill._get_reconciled_payments()
    same = payments.filtered(lambda p: doc["payment_ref"] in (p.memo or "", p.payment_reference or ""))
    if doc["status"] == "paid":
        if same:
            return [(same[:1], "updated")]  # already registered (under another key, or by hand)
        if bill.medsync_match_state == "hold":
            return _paid_on_hold(env, bill, doc)
        wizard = env["account.payment.register"].with_context(active_model="account.move", active_ids=bill.ids)
        payment = wizard.create({"amount": float(doc["amount"]), "payment_date": doc["date"],
                                 "communication": doc["payment_ref"], "currency_id": bill.currency_id.id,
                                 })._create_payments()
        return [(payment, "created")]
    code = "HUB_PAYMENT_FAILED" if doc["status"] == "failed" else "HUB_PAYMENT_REVERSED"
    _raise(env, [{"reason_code": code, "key": f"{code.lower()}-{bill.id}-{doc['payment_ref']}",
                  "company_id": bill.company_id.id, "amount": float(doc["amount"]),
                  "name": env._("Payment %(ref)s of %(bill)s %(status)s", ref=doc["payment_ref"], bill=bill.name,
                                status=doc["status"]),
                  "description": doc.get("reason") or "", "res_model": "account.move", "res_id": bill.id,
                  "partner_id": bill.partner_id.id}])
    return [(bill, "flagged"), *((p, "flagged") for p in same)]


def _paid_on_hold(env, bill, doc):
    """A bill MedSync holds was paid outside Odoo: the payment is not
    registered (that would pay past the hold); AP hears of it at once. The
    message is done, its outcome the flagged bill and the exception."""
    excs = _raise(env, [{
        "reason_code": "HUB_PAYMENT_ON_HOLD", "key": f"hub_payment_on_hold-{bill.id}-{doc['payment_ref']}",
        "company_id": bill.company_id.id, "amount": float(doc["amount"]), "partner_id": bill.partner_id.id,
        "name": env._("%(bill)s reported paid (%(ref)s) while on a MedSync hold", bill=bill.name,
                      ref=doc["payment_ref"]),
        "description": env._("Paid %(amount)s %(currency)s on %(date)s. Hold reasons: %(reasons)s. The payment "
                             "was not registered in Odoo.", amount=doc["amount"], currency=doc["currency"],
                             date=doc["date"], reasons=bill.medsync_hold_reason or "-"),
        "res_model": "account.move", "res_id": bill.id}])
    return [(bill, "flagged"), *((exc, "created") for exc in excs)]


def _snapshot(env, msg, doc):
    rows = [{"location_code": r["location"], "product_code": r["product"], "code_kind": r.get("kind", "ref"),
             "lot": r.get("lot", ""), "expiry": dt.date.fromisoformat(r["expiry"]) if r.get("expiry") else None,
             "qty": float(r["qty"]), "unit": r.get("unit", "")} for r in doc["rows"]]
    as_of = dt.datetime.strptime(doc["as_of"], "%Y-%m-%dT%H:%M:%SZ")
    snaps = env["medsync.stock.snapshot"]
    snaps.env["medsync.snapshot.import"]._check_codes(rows)
    snapshot = snaps._medsync_import(source=doc["source"], as_of=as_of, scope=doc["scope"], rows=rows,
                                     content=msg._payload_text().encode(), file_name=f"message-{msg.id}.json")
    snapshot.action_reconcile()
    return [(snapshot, "created")]


CONTACT_FIELDS = {"name": "name", "email": "email", "phone": "phone", "street": "street", "city": "city",
                  "zip": "zip"}


def _vendor(env, msg, doc):
    partner = msg.system_id.partner_id.commercial_partner_id.id
    vendor = find_vendor(env, partner, doc["vendor"])
    vals = {f: doc[k] for k, f in CONTACT_FIELDS.items() if k in doc and doc[k] != (vendor[f] or "")}
    if "country" in doc:
        country = env["res.country"].search([("code", "=", doc["country"])], limit=1)
        if not country:
            raise HubError("UNKNOWN_COUNTRY", f"No country {doc['country']}.")
        if country != vendor.country_id:
            vals["country_id"] = country.id
    if vals:
        vendor.write(vals)
    # who gets paid and how is not changed by a message: a data steward checks it first (fraud)
    held = []
    if "tax_id" in doc and doc["tax_id"] != (vendor.vat or ""):
        held.append(f"tax id {vendor.vat or '-'} -> {doc['tax_id']}")
    if "bank_account" in doc and doc["bank_account"] not in vendor.bank_ids.mapped("acc_number"):
        held.append(f"new bank account ending {doc['bank_account'][-4:]}")
    if held:
        _raise(env, [{"reason_code": "HUB_VENDOR_REVIEW", "key": f"hub-vendor-{vendor.id}-{msg.payload_hash[:12]}",
                      "company_id": msg.company_id.id, "partner_id": vendor.id,
                      "name": env._("%s asks to change payment data", vendor.display_name),
                      "description": "\n".join(held), "res_model": "res.partner", "res_id": vendor.id}])
    return [(vendor, "updated" if vals else "flagged")]


def _send_purchase_order(env, msg, doc):
    po = env["purchase.order"].sudo().browse(msg.source_id).exists()  # sudo: the sender may not read orders
    if po and not po.medsync_compliance_override_by_id and compliance.stopped(po.partner_id):
        # not sent while the vendor is stopped; it goes out on a retry once compliance clears the vendor
        raise HubError("VENDOR_SUSPENDED", f"{po.name}: the vendor is suspended or blocked by compliance.",
                       permanent=False)
    if doc is None:  # an 850: the outbox's X12 delivery
        x12.deliver(msg)
    else:
        _post_webhook(msg, "purchase_order")
    return [(po, "updated")] if po else []


def _send_x12_ack(env, msg, doc):
    x12.deliver(msg)
    return []


def _send_billing_payment(env, msg, doc):
    _post_webhook(msg, "billing_payment")
    move = env["account.move"].sudo().browse(msg.source_id).exists()  # sudo: the sender may not read entries
    return [(move, "updated")] if move else []


def _post_webhook(msg, event, content_type="application/json"):
    """The outbox's delivery: the stored document POSTed to the system's
    webhook, signed, with the message's idempotency key; a busy or
    unreachable receiver is retried with backoff."""
    system = msg.system_id.sudo()  # sudo: the webhook secret is readable by integration admins only
    if not system.webhook_url:
        raise HubError("NO_WEBHOOK", f"System {system.code} has no webhook URL.")
    body = msg._payload_text().encode()
    ts = int(time.time())
    headers = {"Content-Type": content_type, "Idempotency-Key": msg.idempotency_key or str(msg.id),
               "X-MedSync-Event": event, "X-MedSync-Message": str(msg.id),
               "X-MedSync-Signature": sign(system.webhook_secret or "", ts, body)}
    try:
        resp = requests.post(system.webhook_url, data=body, headers=headers, timeout=10)
    except requests.RequestException as exc:
        raise HubError("WEBHOOK_UNREACHABLE", f"{type(exc).__name__}", permanent=False) from exc
    if resp.status_code in (408, 425, 429) or resp.status_code >= 500:
        raise HubError("WEBHOOK_BUSY", f"HTTP {resp.status_code}", permanent=False)
    if resp.status_code >= 300:
        raise HubError("WEBHOOK_REFUSED", f"HTTP {resp.status_code}: {resp.text[:200]}")


# documents a job handles together: (values of one, the model, what follows its creation). A job's invoices
# become bills in one account.move.create; a message whose values cannot be made fails alone, and if the
# batch create fails, each is created alone so that only the bad one fails
BATCHED = {"invoice": (_invoice_vals, "account.move", _invoice_done)}

HANDLERS = {"po_ack": _po_ack, "asn": _asn, "invoice": _invoice, "payment_status": _payment,
            "stock_snapshot": _snapshot, "vendor_update": _vendor, "purchase_order": _send_purchase_order,
            "billing_batch": lambda env, msg, doc: billing.receive(
                env, msg, doc, "file" if (msg.idempotency_key or "").startswith("file-") else "api"),
            "billing_daily_totals": billing.receive_totals, "billing_payment": _send_billing_payment,
            "price_catalog": x12_catalog.receive, "x12_ack": _send_x12_ack, "consumption": consumption.receive,
            "par_levels": consumption.receive_par_levels,
            "cabinet_par_levels": lambda env, msg, doc: _post_webhook(msg, "cabinet_par_levels") or [],
            **hub_vendor.HANDLERS}


# ---------------------------------------------------------------------------- outbound orders

def purchase_order_document(po):
    lines = []
    for no, pol in sorted(numbered_lines(po).items()):
        code = pol.product_id.seller_ids.filtered(
            lambda s, p=po: s.partner_id.commercial_partner_id == p.partner_id.commercial_partner_id
            and s.product_code)[:1].product_code or pol.product_id.default_code or pol.product_id.barcode or ""
        lines.append({"line_no": no, "product": code, "description": pol.name, "qty": str(pol.product_qty),
                      "uom": pol.product_uom.name, "price": str(pol.price_unit),
                      "date_planned": fields.Datetime.to_string(pol.date_planned)})
    return {"po": po.name, "vendor": po.partner_id.commercial_partner_id.ref or "",
            "date_order": fields.Datetime.to_string(po.date_order), "currency": po.currency_id.name,
            "ship_to": po.picking_type_id.warehouse_id.partner_id.display_name or "", "lines": lines}


def queue_purchase_orders(pos):
    """Outbox: one outbound message per confirmed order for a vendor with an
    outbound flow, written in the confirmation's transaction."""
    env = pos.env
    # sudo: a buyer confirms the order; the catalogue of systems is the integration admins'
    flows = env["medsync.flow"].sudo().search([("doc_type", "=", "purchase_order"), ("active", "=", True),
                                               ("system_id.active", "=", True)])
    by_partner = {f.system_id.partner_id.commercial_partner_id.id: f for f in flows if f.system_id.partner_id}
    msgs = guard.privileged(env["medsync.message"].sudo())
    created = msgs
    now = fields.Datetime.now()
    for po in pos:
        flow = by_partner.get(po.partner_id.commercial_partner_id.id)
        if not flow or flow.company_id != po.company_id:
            continue
        _number_lines(po)
        text = json.dumps(purchase_order_document(po), separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        sent = None
        if flow.system_id.x12_enabled:  # the partner speaks X12: the 850 is what goes out, and its 997 awaited
            text, sent = x12.purchase_order_x12(flow.system_id, po, json.loads(text))
        count = msgs.search_count([("source_model", "=", "purchase.order"), ("source_id", "=", po.id),
                                   ("direction", "=", "outbound")])
        vals, big = msgs._payload_values(text)
        msg = msgs.create({**vals, "direction": "outbound", "system_id": flow.system_id.id, "flow_id": flow.id,
                           "company_id": po.company_id.id, "doc_type": "purchase_order",
                           "idempotency_key": f"{po.name}-v{count + 1}", "external_ref": po.name,
                           "payload_hash": _sha256(text), "state": "queued", "next_attempt": now,
                           "source_model": "purchase.order", "source_id": po.id,
                           "key_expires": now + timedelta(days=max(flow.retention_days, 1))})
        if big:
            msg._attach_payload(big)
        if sent:
            msg.x12_interchange_id = sent
            guard.privileged(sent).source = po.name
        guard.privileged(po.sudo()).write({"medsync_ack_state": "waiting", "medsync_ack_date": False,
                                           "medsync_ack_due": now + timedelta(hours=flow.ack_sla_hours)})
        created |= msg
    created._enqueue()
    return created


def _number_lines(po):
    """Freeze the line numbers the vendor will quote back (lines added later get new ones)."""
    lines = po.order_line.filtered(lambda line: not line.display_type).sorted(lambda line: (line.sequence, line.id))
    top = max(lines.mapped("medsync_line_no"), default=0)
    for line in lines.filtered(lambda line: not line.medsync_line_no):
        top += 1
        guard.privileged(line.sudo()).medsync_line_no = top  # sudo: a technical field the buyer does not edit


def _sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def raise_overdue_acks(env):
    pos = env["purchase.order"].sudo().search([  # sudo: the scheduler checks every company's orders
        ("medsync_ack_state", "=", "waiting"), ("medsync_ack_due", "<", fields.Datetime.now()),
        ("state", "=", "purchase")], limit=5000)
    if pos:
        _raise(env, [{"reason_code": "HUB_PO_NO_ACK", "key": f"hub-noack-{po.id}", "company_id": po.company_id.id,
                      "name": env._("%s not acknowledged by the vendor", po.name),
                      "description": env._("Sent and due by %s (UTC); no acknowledgement yet.", po.medsync_ack_due),
                      "res_model": "purchase.order", "res_id": po.id, "partner_id": po.partner_id.id,
                      "owner_user_id": po.user_id.id or False, "amount": po.amount_untaxed} for po in pos])
    return len(pos)
