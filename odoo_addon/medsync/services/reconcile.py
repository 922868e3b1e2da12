"""Inventory reconciliation between Odoo and the engine.

``reconcile_snapshot(snapshot, location_ids)`` reads what the engine needs
for a set of locations with one SQL query per table (quants, done move lines
after the cut-off plus one aggregated opening row per key and side, lots,
products, codes, units), calls ``medsync_core.reconcile_stock`` once, and
writes the result lines in one INSERT. ``check_integrity(company,
location_ids)`` runs the same engine without a snapshot, for the nightly
check of quants against their own move history.
"""

import calendar
import datetime as dt
from collections import defaultdict

from odoo import fields
from odoo.tools import SQL

from . import bulk, engine

EPOCH = dt.date(1970, 1, 1)
TIMING_WINDOW_S = 3600

# class -> exception reason code (classes not listed need nobody)
ROUTING = {
    "over": "STOCK_OVER",
    "under": "STOCK_UNDER",
    "missing_in_odoo": "STOCK_MISSING_ODOO",
    "missing_external": "STOCK_MISSING_EXTERNAL",
    "lot_swap": "STOCK_LOT_SWAP",
    "uom_error": "STOCK_UOM_ERROR",
    "expiry_mismatch": "STOCK_EXPIRY_MISMATCH",
}
INTEGRITY = {"negative": "STOCK_NEGATIVE", "drift": "STOCK_DRIFT", "expired": "STOCK_EXPIRED"}
LINE_STATE = {"none": "none", "auto": "approved", "controller": "to_approve", "four_eyes": "to_approve",
              "review": "review"}


def epoch_seconds(value):
    return calendar.timegm(value.timetuple())


def day_number(value):
    return (value - EPOCH).days if value else None


def location_codes(env, company):
    """External code -> location id: mapped codes, then the locations' own barcodes."""
    codes = {}
    for code, loc in env.execute_query(SQL(
            """SELECT code, location_id FROM medsync_location_code WHERE company_id = %s""", company.id)):
        codes[code.strip()] = loc
    for code, loc in env.execute_query(SQL(
            """SELECT barcode, id FROM stock_location
                WHERE barcode IS NOT NULL AND usage = 'internal' AND company_id = %s AND active""", company.id)):
        codes.setdefault(code.strip(), loc)
    return codes


def product_codes(env, company):
    """Every code a snapshot may name a product by, as engine columns."""
    mc = engine.core(env)
    cols = defaultdict(list)

    def add(kind, code, product, factor=1.0):
        cols["kind"].append(kind)
        cols["code"].append(code)
        cols["product_id"].append(product)
        cols["factor"].append(factor)

    seen = set()
    for kind, code, product, factor in env.execute_query(SQL(
            """SELECT kind, code, product_id, factor FROM medsync_product_code
                WHERE company_id IS NULL OR company_id = %s ORDER BY id""", company.id)):
        key = (kind, mc.gtin14(code) if kind == "gtin" else code.strip().upper() if kind == "hibc" else code.strip())
        if key not in seen:
            seen.add(key)
            add(kind, code, product, factor)
    for pid, ref, barcode in env.execute_query(SQL(
            """SELECT pp.id, pp.default_code, pp.barcode FROM product_product pp
                 JOIN product_template pt ON pt.id = pp.product_tmpl_id
                WHERE pp.active AND pt.type = 'consu' AND pt.is_storable
                  AND (pt.company_id IS NULL OR pt.company_id = %s)""", company.id)):
        if ref and ("ref", ref.strip()) not in seen:
            seen.add(("ref", ref.strip()))
            add("ref", ref, pid)
        if barcode and barcode.isdigit() and len(barcode) in (8, 12, 13, 14):
            try:
                key = ("gtin", mc.gtin14(barcode))
            except mc.InputError:
                continue  # an internal barcode that is not a GTIN
            if key not in seen:
                seen.add(key)
                add("gtin", barcode, pid)
    for code, pid in env.execute_query(SQL(
            """SELECT DISTINCT ON (si.product_code) si.product_code,
                      COALESCE(si.product_id, pp.id)
                 FROM product_supplierinfo si
                 JOIN product_product pp ON pp.product_tmpl_id = si.product_tmpl_id
                WHERE si.product_code IS NOT NULL AND (si.company_id IS NULL OR si.company_id = %s)
                ORDER BY si.product_code, si.sequence, si.id, pp.id""", company.id)):
        if ("vendor", code.strip()) not in seen:
            seen.add(("vendor", code.strip()))
            add("vendor", code, pid)
    return cols


def _fetch(env, company, location_ids, as_of, product_ids=()):
    """Quants, move lines, lots, products and units of ``location_ids``."""
    cutoff = fields.Datetime.to_datetime(as_of) - dt.timedelta(seconds=TIMING_WINDOW_S)
    env["stock.quant"].flush_model()
    env["stock.move.line"].flush_model()
    env["stock.lot"].flush_model()
    quants = defaultdict(list)
    for loc, prod, lot, qty in env.execute_query(SQL(
            """SELECT location_id, product_id, COALESCE(lot_id, 0), SUM(quantity)
                 FROM stock_quant WHERE location_id = ANY(%s) GROUP BY 1, 2, 3""", location_ids)):
        for k, v in zip(("location_id", "product_id", "lot_id", "qty"), (loc, prod, lot, qty), strict=True):
            quants[k].append(v)
    moves = defaultdict(list)
    # one opening row per key and side for everything before the cut-off, then every line after it
    for row in env.execute_query(SQL(
            """SELECT 0, location_dest_id, product_id, COALESCE(lot_id, 0), SUM(quantity_product_uom), 0
                 FROM stock_move_line
                WHERE state = 'done' AND location_dest_id = ANY(%(locs)s) AND date <= %(cutoff)s
                  AND location_id <> location_dest_id
                GROUP BY 2, 3, 4
               UNION ALL
               SELECT location_id, 0, product_id, COALESCE(lot_id, 0), SUM(quantity_product_uom), 0
                 FROM stock_move_line
                WHERE state = 'done' AND location_id = ANY(%(locs)s) AND date <= %(cutoff)s
                  AND location_id <> location_dest_id
                GROUP BY 1, 3, 4
               UNION ALL
               SELECT location_id, location_dest_id, product_id, COALESCE(lot_id, 0), quantity_product_uom,
                      extract(epoch FROM date)::bigint
                 FROM stock_move_line
                WHERE state = 'done' AND date > %(cutoff)s
                  AND (location_id = ANY(%(locs)s) OR location_dest_id = ANY(%(locs)s))""",
            locs=location_ids, cutoff=cutoff)):
        for k, v in zip(("location_id", "location_dest_id", "product_id", "lot_id", "qty", "date"), row, strict=True):
            moves[k].append(v)
    pids = set(quants["product_id"]) | set(moves["product_id"]) | set(product_ids)
    products, packs, lots = product_tables(env, company, pids)
    return quants, moves, products, packs, lots


def product_tables(env, company, pids, lot_names=None):
    """The engine's products (category, risk, rounding, tracking, cost),
    packs (every other unit of each product's category, with its factor)
    and lots (of these products; only these names when given)."""
    pids = list(pids)
    products = defaultdict(list)
    packs = defaultdict(list)
    cost_key = str(company.id)
    for pid, categ, risk, rounding, tracking, cost in env.execute_query(SQL(
            """SELECT pp.id, pt.categ_id, pt.medsync_risk_class, u.rounding, pt.tracking,
                      COALESCE((pp.standard_price ->> %s)::numeric, 0)
                 FROM product_product pp
                 JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 JOIN uom_uom u ON u.id = pt.uom_id
                WHERE pp.id = ANY(%s)""", cost_key, pids)):
        for k, v in zip(("product_id", "category_id", "risk_class", "rounding", "tracked", "cost"),
                        (pid, categ, int(risk or 1), rounding, tracking != "none", cost), strict=True):
            products[k].append(v)
    uoms = env["uom.uom"].search([])
    by_category = defaultdict(list)
    for u in uoms:
        by_category[u.category_id.id].append(u)
    product_uom = {p.id: p.uom_id for p in env["product.product"].browse(products["product_id"])}
    for pid in products["product_id"]:
        base = product_uom[pid]
        for u in by_category[base.category_id.id]:
            if u != base:
                packs["product_id"].append(pid)
                packs["unit"].append(u.name)
                packs["factor"].append(base.factor / u.factor)
    lots = defaultdict(list)
    names = SQL("") if lot_names is None else SQL("AND name = ANY(%s)", list(lot_names))
    for lot_id, pid, name, expiry in env.execute_query(SQL(
            """SELECT id, product_id, name, expiration_date::date FROM stock_lot
                WHERE product_id = ANY(%s) AND (company_id IS NULL OR company_id = %s) %s""",
            pids, company.id, names)):
        lots["lot_id"].append(lot_id)
        lots["product_id"].append(pid)
        lots["name"].append(name)
        lots["expiry"].append(day_number(expiry))
    return products, packs, lots


def run_engine(env, company, snapshot_rows, location_ids, counted_ids, as_of, full):
    """One engine call for ``location_ids``; returns the engine's output and
    the products table it was given."""
    code_map = location_codes(env, company)
    codes = product_codes(env, company)
    quants, moves, products, packs, lots = _fetch(env, company, location_ids, as_of,
                                                  product_ids=set(codes["product_id"]))
    locations = {"location_id": [], "code": [], "counted": []}
    by_loc = defaultdict(list)
    for code, loc in code_map.items():
        by_loc[loc].append(code)
    for loc in location_ids:
        for code in by_loc.get(loc) or [""]:
            locations["location_id"].append(loc)
            locations["code"].append(code)
            locations["counted"].append(loc in counted_ids)
    rules = env["medsync.stock.tolerance"].search([("company_id", "=", company.id)])._engine_columns()
    rounding = company.currency_id.rounding
    return engine.call(env, "reconcile_stock", snapshot_rows, locations, codes, products, packs, lots, quants,
                       moves, rules, as_of=epoch_seconds(as_of), full=full, timing_window=TIMING_WINDOW_S,
                       value_rounding=str(rounding)), products


def reconcile_snapshot(snapshot, location_ids=None, trigger="button"):
    """Reconcile ``snapshot`` (the rows of ``location_ids``, all when None) and
    write its lines, replacing earlier ones of those locations."""
    env = snapshot.env
    company = snapshot.company_id
    Run = env["medsync.run"]
    code_map = location_codes(env, company)
    env["medsync.stock.snapshot.row"].flush_model()
    rows = env.execute_query(SQL(
        """SELECT id, location_code, product_code, code_kind, COALESCE(lot, ''), expiry, qty, COALESCE(unit, '')
             FROM medsync_stock_snapshot_row WHERE snapshot_id = %s ORDER BY sequence""", snapshot.id))
    row_loc = [code_map.get((r[1] or "").strip()) for r in rows]
    mapped = {loc for loc in row_loc if loc}
    if location_ids is None:
        location_ids = sorted(mapped)
        rows_here = rows
    else:
        location_ids = sorted(location_ids)
        wanted = set(location_ids)
        # rows whose location is not mapped go with the first chunk, so they are reported once
        first = bool(location_ids) and location_ids[0] == min(mapped or [0])
        rows_here = [r for r, loc in zip(rows, row_loc, strict=True) if loc in wanted or (first and not loc)]
    scope = env._("%(snapshot)s: %(rows)s row(s), %(locations)s location(s)", snapshot=snapshot.name,
                  rows=len(rows_here), locations=len(location_ids))
    with Run._track("reconcile", trigger=trigger, scope=scope, company=company) as run:
        with run.phase("fetch"):
            names = ("id", "location_code", "product_code", "code_kind", "lot", "expiry", "qty", "unit")
            cols = {n: [r[i] for r in rows_here] for i, n in enumerate(names)}
            row_ids = cols.pop("id")
            cols["expiry"] = [day_number(d) for d in cols["expiry"]]
        with run.phase("compute"):
            out, products = run_engine(env, company, cols, location_ids, set(location_ids), snapshot.as_of,
                                       snapshot.scope == "full")
        with run.phase("write"):
            categ_of = dict(zip(products["product_id"], products["category_id"], strict=True))
            n_lines = _write_lines(snapshot, row_ids, out, location_ids, categ_of)
            n_exc = _raise_exceptions(snapshot, location_ids, run)
        run.count(input=len(rows_here), output=n_lines, exceptions=n_exc)
    env["medsync.kpi.fact"]._refresh_after("reconcile", company)
    return run.run


def _write_lines(snapshot, snapshot_row_ids, out, location_ids, categ_of):
    env = snapshot.env
    cr = env.cr
    k = out["keys"]
    no_date = engine.core(env).NO_DATE
    cr.execute(SQL("DELETE FROM medsync_stock_recon_line WHERE snapshot_id = %s AND location_id = ANY(%s)",
                   snapshot.id, list(location_ids)))
    rule_ids = set(env["medsync.stock.tolerance"].search([]).ids)
    cols = defaultdict(list)
    keep = [i for i, c in enumerate(k["counted"]) if c]
    for i in keep:
        cols["location_id"].append(k["location_id"][i])
        cols["product_id"].append(k["product_id"][i])
        cols["lot_id"].append(k["lot_id"][i] or None)
        cols["lot_name"].append(k["lot_name"][i] or None)
        cols["expiry"].append(None if k["expiry"][i] == no_date else EPOCH + dt.timedelta(days=k["expiry"][i]))
        cols["ext_expiry"].append(None if k["ext_expiry"][i] == no_date
                                  else EPOCH + dt.timedelta(days=k["ext_expiry"][i]))
        for name in ("ext_qty", "odoo_qty", "quant_qty", "history_qty", "moves_after", "diff", "value", "factor",
                     "drift"):
            cols[name].append(k[name][i])
        cols["in_snapshot"].append(k["in_snapshot"][i])
        cols["negative"].append(k["negative"][i])
        cols["expired"].append(k["expired"][i])
        cols["diff_class"].append(k["class"][i])
        cols["approval"].append(k["approval"][i])
        cols["state"].append(LINE_STATE[k["approval"][i]])
        # an automatic approval (within tolerance) approves the difference measured now
        cols["approved_diff"].append(k["diff"][i] if LINE_STATE[k["approval"][i]] == "approved" else None)
        cols["rule_id"].append(k["rule_id"][i] if k["rule_id"][i] in rule_ids else None)
        cols["categ_id"].append(categ_of[k["product_id"][i]])  # stored related field, as the ORM would write it
    now = fields.Datetime.now()
    names = ["location_id", "product_id", "lot_id", "lot_name", "expiry", "ext_expiry", "ext_qty", "odoo_qty",
             "quant_qty", "history_qty", "moves_after", "diff", "value", "factor", "drift", "in_snapshot", "negative",
             "expired", "diff_class", "approval", "state", "rule_id", "categ_id", "approved_diff"]
    types = ["int", "int", "int", "varchar", "date", "date", "float8", "float8", "float8", "float8", "float8",
             "float8", "numeric", "float8", "float8", "bool", "bool", "bool", "varchar", "varchar", "varchar", "int",
             "int", "float8"]
    bulk.insert(cr, "medsync_stock_recon_line", list(zip(names, types, strict=True)), cols,
                constants=[("snapshot_id", snapshot.id), ("company_id", snapshot.company_id.id),
                           *bulk.log_access(env, now)])
    # the raw rows learn what became of them
    line_by_key = dict(env.execute_query(SQL(
        """SELECT concat_ws('/', location_id, product_id, COALESCE(lot_id, 0), COALESCE(lot_name, '')), id
             FROM medsync_stock_recon_line WHERE snapshot_id = %s AND location_id = ANY(%s)""",
        snapshot.id, list(location_ids))))
    r = out["rows"]
    row_ids, status, line_ids = [], [], []
    for pos, row_id in enumerate(snapshot_row_ids):
        key = r["key"][pos]
        row_ids.append(row_id)
        status.append(r["status"][pos])
        line_ids.append(line_by_key.get(f"{k['location_id'][key]}/{k['product_id'][key]}/{k['lot_id'][key]}/"
                                        f"{k['lot_name'][key]}") if key >= 0 else None)
    bulk.update(cr, "medsync_stock_snapshot_row", [("id", "int"), ("status", "varchar"), ("line_id", "int")],
                {"id": row_ids, "status": status, "line_id": line_ids})
    env["medsync.stock.recon.line"].invalidate_model()
    env["medsync.stock.snapshot.row"].invalidate_model()
    snapshot.invalidate_recordset()
    return len(keep)


def _raise_exceptions(snapshot, location_ids, run):
    """One exception per location and class that needs a person, for the
    location's responsible; counted again (not duplicated) on a re-run."""
    env = snapshot.env
    Exc = env["medsync.exception"]
    groups = env.execute_query(SQL(
        """SELECT location_id, diff_class, COUNT(*), SUM(ABS(value))
             FROM medsync_stock_recon_line
            WHERE snapshot_id = %s AND location_id = ANY(%s) AND diff_class = ANY(%s) AND state <> 'approved'
            GROUP BY 1, 2 ORDER BY 1, 2""", snapshot.id, list(location_ids), list(ROUTING)))
    locations = env["stock.location"].browse({g[0] for g in groups})
    labels = dict(env["medsync.stock.recon.line"]._fields["diff_class"]._description_selection(env))
    sla = snapshot.company_id.medsync_exception_sla_hours or 48
    vals = []
    for loc_id, cls, count, value in groups:
        loc = locations.browse(loc_id)
        owner = loc._medsync_responsible()
        vals.append({
            "key": f"recon:{snapshot.id}:{loc_id}:{cls}",
            "reason_code": ROUTING[cls],
            "name": env._("%(snapshot)s: %(count)s × %(label)s at %(location)s", snapshot=snapshot.name, count=count,
                          label=labels.get(cls, cls), location=loc.display_name),
            "company_id": snapshot.company_id.id,
            "amount": value or 0.0,
            "run_id": run.run.id,
            "res_model": "medsync.stock.snapshot",
            "res_id": snapshot.id,
            "owner_user_id": owner.id or False,
            "date_due": fields.Datetime.now() + dt.timedelta(hours=sla),
        })
    # what a re-run no longer finds is resolved
    found = {v["key"] for v in vals}
    stale = Exc.search([("res_model", "=", "medsync.stock.snapshot"), ("res_id", "=", snapshot.id),
                        ("key", "=like", f"recon:{snapshot.id}:%")])
    stale = stale.filtered(lambda e: e.key not in found and int(e.key.split(":")[2]) in set(location_ids))
    stale._auto_resolve(env._("No longer found by the reconciliation of %s.", snapshot.name))
    Exc._raise_many(vals)
    return len(vals)


def check_integrity(company, location_ids, trigger="cron"):
    """Quants against their move history, negative quants and expired stock on
    hand, for ``location_ids``: one exception per location and finding."""
    env = company.env
    Exc = env["medsync.exception"]
    now = fields.Datetime.now()
    scope = env._("%s location(s)", len(location_ids))
    with env["medsync.run"]._track("reconcile", trigger=trigger, scope=scope, company=company) as run:
        with run.phase("compute"):
            empty = {"location_code": [], "product_code": [], "qty": []}
            out, _products = run_engine(env, company, empty, list(location_ids), set(), now, False)
        with run.phase("write"):
            k = out["keys"]
            found = defaultdict(lambda: {"count": 0, "products": []})
            for i in range(len(k["location_id"])):
                for flag in INTEGRITY:
                    hit = k[flag][i] if flag != "drift" else k["drift"][i] != 0.0
                    if hit:
                        f = found[(k["location_id"][i], flag)]
                        f["count"] += 1
                        if len(f["products"]) < 20:
                            f["products"].append(k["product_id"][i])
            products = env["product.product"].browse({p for f in found.values() for p in f["products"]})
            names = {p.id: p.display_name for p in products}
            titles = {"negative": env._("negative quant(s)"), "drift": env._("quant(s) differing from move history"),
                      "expired": env._("expired lot(s) on hand")}
            vals = []
            for (loc_id, flag), f in sorted(found.items()):
                loc = env["stock.location"].browse(loc_id)
                vals.append({
                    "key": f"stock:{flag}:{loc_id}",
                    "reason_code": INTEGRITY[flag],
                    "name": env._("%(count)s %(what)s at %(location)s", count=f["count"], what=titles[flag],
                                  location=loc.display_name),
                    "description": ", ".join(names[p] for p in f["products"]),
                    "company_id": company.id,
                    "run_id": run.run.id,
                    "res_model": "stock.location",
                    "res_id": loc_id,
                    "owner_user_id": loc._medsync_responsible().id or False,
                    "date_due": now + dt.timedelta(hours=company.medsync_exception_sla_hours or 48),
                })
            keys = {v["key"] for v in vals}
            stale = Exc.search([("res_model", "=", "stock.location"), ("res_id", "in", list(location_ids)),
                                ("key", "=like", "stock:%"), ("company_id", "=", company.id)])
            stale.filtered(lambda e: e.key not in keys)._auto_resolve(env._("The nightly check no longer finds it."))
            Exc._raise_many(vals)
        run.count(input=len(k["location_id"]), output=len(vals), exceptions=len(vals))
    return run.run
