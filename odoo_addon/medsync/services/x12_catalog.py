"""A vendor's price catalogue (``price_catalog``, from an X12 832 or JSON):
its lines become dated vendor prices (product.supplierinfo with date_start,
date_end, minimum quantity, contract reference and tier), which the matching
engine's contract-price leg reads. A new dated price closes the open one it
follows. Lines for products MedSync cannot map, or priced in a unit the
product is not bought in, are never turned into products: they raise one
exception for the buyers, naming them."""

from collections import defaultdict
from datetime import timedelta

from odoo import fields
from odoo.tools import float_compare

from . import guard
from .hub_base import HubError

KEY = ("partner_id", "product_tmpl_id", "product_id", "min_qty", "medsync_contract_ref", "medsync_tier")


def receive(env, msg, doc):
    # imported here: hub and its handlers import this module
    from .hub_handlers import _raise, find_products

    system = msg.system_id
    partner = system.partner_id.commercial_partner_id
    if not partner:
        raise HubError("NO_VENDOR", "This system speaks for no vendor.")
    currency = env["res.currency"].search([("name", "=", doc["currency"])], limit=1)
    if not currency:
        raise HubError("UNKNOWN_CURRENCY", f"Currency {doc['currency']} is not active in Odoo.")
    products = find_products(env, {ln["product"] for ln in doc["lines"]}, partner)
    units = {u.medsync_x12_code: u for u in env["uom.uom"].sudo().search(  # sudo: units are reference data
        [("medsync_x12_code", "in", list({ln["uom"] for ln in doc["lines"] if ln.get("uom")}))])}
    # sudo + privileged: the partner's technical user holds no purchasing rights; this handler writes only
    # the prices of the vendor the system speaks for
    Info = guard.privileged(env["product.supplierinfo"].sudo())
    digits = env["decimal.precision"].precision_get("Product Price")
    company = msg.company_id.id
    # this vendor's prices of these products, read once: what each line finds again or follows
    known = defaultdict(list)  # (KEY values) -> [record or new values]
    for info in Info.search([("partner_id", "=", partner.id), ("company_id", "in", (False, company)),
                             ("product_tmpl_id", "in", list({p.product_tmpl_id.id for p in products.values()}))]):
        known[_key(info.partner_id.id, info.product_tmpl_id.id, info.product_id.id, info.min_qty,
                   info.medsync_contract_ref, info.medsync_tier)].append(info)
    held, new, updated, ends = [], [], Info, defaultdict(lambda: Info)
    for n, ln in enumerate(doc["lines"], start=1):
        product = products.get(ln["product"])
        if product is None:
            held.append(env._("line %(n)s: %(code)s is not a product MedSync knows", n=n, code=ln["product"]))
            continue
        unit = ln.get("uom")
        if unit and (unit not in units or units[unit] != product.uom_po_id):
            held.append(env._("line %(n)s: %(code)s priced per %(unit)s, bought in %(po)s", n=n, code=ln["product"],
                              unit=unit, po=product.uom_po_id.name))
            continue
        start = fields.Date.to_date(ln.get("date_start") or doc.get("effective_date") or False) or False
        vals = {"partner_id": partner.id, "product_tmpl_id": product.product_tmpl_id.id, "product_id": product.id,
                "min_qty": float(ln.get("min_qty") or 0), "medsync_contract_ref": ln.get("contract")
                or doc.get("contract") or False, "medsync_tier": ln.get("tier") or False,
                "price": float(ln["price"]), "currency_id": currency.id, "date_start": start,
                "date_end": fields.Date.to_date(ln.get("date_end") or doc.get("expiry_date") or False) or False,
                "company_id": company, "medsync_catalog": doc["catalog"]}
        prices = known[_key(*(vals[k] for k in KEY))]
        same = next((p for p in prices if _start(p) == start), None)
        if same is not None:
            if isinstance(same, dict):  # the same price twice in this catalogue: the later line wins
                same.update(vals)
                continue
            changed = _changed(same, vals, digits)
            if changed:
                same.write(changed)
                updated |= same
            continue
        if start:  # the open price it follows ends the day before
            for prev in prices:
                if _start(prev) and _start(prev) < start and not _end(prev):
                    if isinstance(prev, dict):
                        prev["date_end"] = start - timedelta(days=1)
                    else:
                        ends[start - timedelta(days=1)] |= prev
        prices.append(vals)
        new.append(vals)
    for day, infos in ends.items():
        infos.write({"date_end": day})
    created = Info.create(new)
    out = [(rec, "created") for rec in created] + [(rec, "updated") for rec in updated]
    if held:
        for exc in _raise(env, [{
                "reason_code": "HUB_CATALOG_UNMAPPED", "key": f"hub-catalog-{msg.id}", "company_id": msg.company_id.id,
                "partner_id": partner.id,
                "name": env._("%(vendor)s catalogue %(cat)s: %(n)s line(s) not applied", vendor=partner.name,
                              cat=doc["catalog"], n=len(held)),
                "description": "\n".join(held), "res_model": "res.partner", "res_id": partner.id}]):
            out.append((exc, "created"))
    return out


def _key(partner, template, product, min_qty, contract, tier):
    return partner, template, product, round(min_qty, 6), contract or False, tier or False


def _start(price):
    return price["date_start"] if isinstance(price, dict) else price.date_start


def _end(price):
    return price["date_end"] if isinstance(price, dict) else price.date_end


def _changed(info, vals, digits):
    """What a catalogue line changes on the price it finds again (prices compared at the price precision)."""
    out = {}
    if float_compare(info.price, vals["price"], precision_digits=digits):
        out["price"] = vals["price"]
    if info.currency_id.id != vals["currency_id"]:
        out["currency_id"] = vals["currency_id"]
    if info.date_end != vals["date_end"]:
        out["date_end"] = vals["date_end"]
    if (info.medsync_catalog or False) != vals["medsync_catalog"]:
        out["medsync_catalog"] = vals["medsync_catalog"]
    return out
