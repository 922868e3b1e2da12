"""Inventory reconciliation end to end in a real Odoo 18 database.

    python benches/bench_reconcile_odoo.py --size 100000      (needs ODOO_SRC and the project's .venv)

Uses (or creates) the database ``medsync_bench`` with MedSync installed
without demo data. Generates N keys over N/1000 locations (each with an
external code) and 1,000 products: one quant per key and its done move lines
in bulk SQL (a receipt ten days ago, and for 10 % of the keys an issue after
the count time), then a CSV snapshot file of N rows with planted differences.
Measured, and committed: the import (CSV parse, bar-code check, the raw rows
in one INSERT), then the reconciliation (SQL fetch, one engine call, result
lines and exceptions). Prints, as its last line, a JSON object with
``total_s`` and the seconds per phase. Generated data is deleted afterwards.
"""

import datetime as dt
import json
import time

from bench_match_odoo import open_odoo


def generate(env, n, tag):
    """Locations, products, quants and done move lines for n keys; returns the snapshot CSV text."""
    from odoo.tools import SQL

    company = env.company
    stock = env.ref("stock.stock_location_stock")
    n_loc = max(1, n // 1000)
    n_prod = min(1000, n)
    locs = env["stock.location"].create([{"name": f"Bench bin {tag}-{i}", "location_id": stock.id,
                                          "usage": "internal"} for i in range(n_loc)])
    env["medsync.location.code"].create([{"code": f"BIN-{tag}-{i}", "location_id": loc.id}
                                         for i, loc in enumerate(locs)])
    products = env["product.product"].create([{"name": f"Bench supply {tag}-{p}", "default_code": f"BS-{tag}-{p}",
                                               "is_storable": True, "standard_price": 1 + p % 50}
                                              for p in range(n_prod)])
    env.flush_all()
    supplier = env.ref("stock.stock_location_suppliers").id
    customer = env.ref("stock.stock_location_customers").id
    unit = env.ref("uom.product_uom_unit").id
    loc_ids, prod_ids = locs.ids, products.ids
    keys = [(loc_ids[k % n_loc], prod_ids[(k // n_loc) % n_prod]) for k in range(n)]
    received = [float(20 + (k * 7) % 200) for k in range(n)]
    issued = [float((k * 13) % 15) if k % 10 == 0 else 0.0 for k in range(n)]
    env.cr.execute(SQL(
        """INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity, in_date)
           SELECT p, l, %s, q, 0, now() - interval '10 days'
             FROM unnest(%s::int[], %s::int[], %s::float8[]) AS r(l, p, q)""",
        company.id, [k[0] for k in keys], [k[1] for k in keys], [r - i for r, i in zip(received, issued, strict=True)]))
    ins = """INSERT INTO stock_move_line (company_id, product_id, location_id, location_dest_id, product_uom_id,
                                          quantity, quantity_product_uom, state, date, reference)
             SELECT %s, p, src, dst, %s, q, q, 'done', d, %s
               FROM unnest(%s::int[], %s::int[], %s::int[], %s::float8[], %s::timestamp[]) AS r(p, src, dst, q, d)"""
    now = env.cr.now()
    env.cr.execute(SQL(ins, company.id, unit, f"BENCH-{tag}", [k[1] for k in keys], [supplier] * n,
                       [k[0] for k in keys], received, [now - dt.timedelta(days=10)] * n))
    out = [k for k in range(n) if issued[k]]
    env.cr.execute(SQL(ins, company.id, unit, f"BENCH-{tag}", [keys[k][1] for k in out], [keys[k][0] for k in out],
                       [customer] * len(out), [issued[k] for k in out], [now - dt.timedelta(hours=6)] * len(out)))
    lines = ["location,product,qty"]
    for k in range(n):
        qty = received[k]  # the count was taken a day ago, before the issues
        if k % 20 == 1:
            qty += 1
        elif k % 20 == 2:
            qty -= 2
        if (k // n_loc) % 100 == 5:
            continue  # not counted: missing externally
        lines.append(f"BIN-{tag}-{k % n_loc},BS-{tag}-{(k // n_loc) % n_prod},{qty:g}")
    return "\n".join(lines) + "\n", locs, products


def cleanup(env, locs, products, tag):
    from odoo.tools import SQL

    locs, products = env["stock.location"].browse(locs.ids), env["product.product"].browse(products.ids)

    env.cr.execute(SQL("DELETE FROM stock_move_line WHERE reference = %s", f"BENCH-{tag}"))
    env.cr.execute(SQL("DELETE FROM stock_quant WHERE location_id = ANY(%s)", locs.ids))
    env.cr.execute(SQL("DELETE FROM medsync_exception WHERE res_model = 'medsync.stock.snapshot' AND key LIKE %s",
                       "recon:%"))
    env["medsync.stock.snapshot"].search([("source", "=", f"bench {tag}")]).unlink()
    env.cr.execute(SQL("DELETE FROM medsync_location_code WHERE location_id = ANY(%s)", locs.ids))
    locs.unlink()
    products.with_context(active_test=False).product_tmpl_id.unlink()
    env.cr.commit()


def main():
    args, registry = open_odoo("MedSync bench: reconciliation in Odoo", default_size=100_000)
    import odoo
    from odoo import SUPERUSER_ID, api

    tag = str(int(time.time()))
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        t0 = time.perf_counter()
        csv_text, locs, products = generate(env, args.size, tag)
        cr.commit()
        gen_s = time.perf_counter() - t0
    from odoo.addons.medsync.services import reconcile

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin"))  # admin holds the inventory controller group
        Wizard = env["medsync.snapshot.import"]
        t0 = time.perf_counter()
        raw = csv_text.encode()
        rows = Wizard._parse(raw, "bench.csv")
        snap = env["medsync.stock.snapshot"]._medsync_import(
            source=f"bench {tag}", as_of=env.cr.now() - dt.timedelta(days=1), scope="full",
            rows=rows, content=raw, file_name="bench.csv")
        cr.commit()
        import_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        run = reconcile.reconcile_snapshot(snap, trigger="cron")
        snap.state = "reconciled"
        cr.commit()
        reconcile_s = time.perf_counter() - t1
        total_s = time.perf_counter() - t0
        counts = dict(env.execute_query(odoo.tools.SQL(
            "SELECT diff_class, COUNT(*) FROM medsync_stock_recon_line WHERE snapshot_id = %s GROUP BY 1", snap.id)))
        n_lines = sum(counts.values())
        assert n_lines == args.size, (n_lines, args.size)
        result = {"bench": "reconcile_odoo", "size": args.size, "total_s": round(total_s, 3),
                  "import_s": round(import_s, 3), "reconcile_s": round(reconcile_s, 3),
                  "fetch_s": round(run.fetch_seconds, 3), "compute_s": round(run.compute_seconds, 3),
                  "write_s": round(run.write_seconds, 3), "rows_per_s": round(args.size / total_s),
                  "lines": n_lines, "classes": counts, "exceptions": run.exception_count,
                  "generate_s": round(gen_s, 3)}
        if not args.keep:
            cleanup(env(su=True), locs, products, tag)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
