"""Three-way matching end to end in a real Odoo 18 database.

    python benches/bench_match_odoo.py --size 100000        (needs ODOO_SRC and the project's .venv)

Creates (or reuses) the database ``medsync_bench`` with MedSync installed
without demo data, inserts N vendor-bill lines with their purchase orders and
receipts in bulk SQL (10 lines a bill and an order, 1.5 receipt rows a line,
5 % of the lines billed above what was received, 5 % above the PO price,
every order with a buyer),
then runs the real bulk path (``services.matching.match_moves``: SQL fetch,
one engine call per chunk, bulk insert of results, bill states, exceptions)
and commits. Prints, as its last line, a JSON object with ``total_s`` and the
seconds per phase taken from the ``medsync.run`` record. The generated
documents are deleted afterwards (``--keep`` keeps them).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo/18.0"))


def pg_env():
    out = subprocess.run(["bash", ROOT / "tools" / "pg.sh", "start"], capture_output=True, text=True, check=True)
    return dict(part.split("=", 1) for part in out.stdout.split()[1:])


def ensure_db(db, pg):
    have = subprocess.run(["psql", "-d", db, "-tAc", "SELECT state FROM ir_module_module WHERE name='medsync'"],
                          env={**os.environ, **pg}, capture_output=True, text=True)
    installed = have.stdout.strip() == "installed"
    if not installed:
        subprocess.run(["dropdb", "--if-exists", db], env={**os.environ, **pg}, check=True)
    # an existing bench database is updated to the addon of this checkout (its schema may have changed)
    subprocess.run([sys.executable, ODOO_SRC / "setup" / "odoo-bin", f"--addons-path={ODOO_SRC / 'odoo' / 'addons'},"
                    f"{ROOT / 'odoo_addon'}", f"--db_host={pg['PGHOST']}", f"--db_port={pg['PGPORT']}",
                    f"--db_user={pg['PGUSER']}", "-d", db, "-u" if installed else "-i", "medsync",
                    "--without-demo=all", "--stop-after-init", "--log-level=warn", "--http-port=8089"],
                   env={**os.environ, "PYTHONPATH": str(ODOO_SRC)}, check=True)


def open_odoo(description, default_size):
    """Parse --size/--db/--keep, make sure the bench database has MedSync, and
    open its registry (Odoo imported from ODOO_SRC). Returns (args, registry)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--size", type=int, default=default_size)
    p.add_argument("--db", default="medsync_bench")
    p.add_argument("--keep", action="store_true", help="keep the generated data")
    args = p.parse_args()
    if not (ODOO_SRC / "odoo" / "__init__.py").is_file():
        sys.exit(f"no Odoo source at {ODOO_SRC}: set ODOO_SRC")
    pg = pg_env()
    os.environ.update(pg)
    ensure_db(args.db, pg)
    sys.path.insert(0, str(ODOO_SRC))
    import odoo

    odoo.tools.config.parse_config([f"--addons-path={ODOO_SRC / 'odoo' / 'addons'},{ROOT / 'odoo_addon'}",
                                    f"--db_host={pg['PGHOST']}", f"--db_port={pg['PGPORT']}",
                                    f"--db_user={pg['PGUSER']}", "--log-level=warn"])
    return args, odoo.modules.registry.Registry(args.db)


def generate(env, n, tag):
    """Bulk-insert n bill lines with their POs and receipts; returns the bill ids."""
    from odoo.tools import SQL

    cr = env.cr
    company = env.company
    vendors = env["res.partner"].create([{"name": f"Bench vendor {tag}-{v}", "supplier_rank": 1}
                                         for v in range(max(1, n // 100))])
    products = env["product.product"].create([{"name": f"Bench item {tag}-{p}", "is_storable": True,
                                               "type": "consu", "purchase_method": "receive"}
                                              for p in range(200)])
    unit = env.ref("uom.product_uom_unit").id
    journal = env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1)
    expense = journal.default_account_id.id
    picking_type = env["stock.picking.type"].search([("code", "=", "incoming"), ("company_id", "=", company.id)],
                                                    limit=1)
    supplier_loc = env.ref("stock.stock_location_suppliers").id
    stock_loc = picking_type.default_location_dest_id.id
    cur = company.currency_id.id
    buyer = env.ref("base.user_admin").id  # every order has a buyer, who gets the price exceptions' to-dos
    env.flush_all()
    n_docs = (n + 9) // 10
    v_ids, p_ids = vendors.ids, products.ids
    # purchase orders and bills: one each per 10 lines
    po_ids = [r[0] for r in env.execute_query(SQL(
        """INSERT INTO purchase_order (partner_id, currency_id, company_id, name, date_order, picking_type_id, state,
                                       user_id)
           SELECT (%s::int[])[1 + mod(i, %s)], %s, %s, 'BENCH-' || %s || '-' || i, now() - interval '20 days', %s,
                  'purchase', %s
             FROM generate_series(0, %s - 1) i RETURNING id""",
        v_ids, len(v_ids), cur, company.id, tag, picking_type.id, buyer, n_docs))]
    bill_ids = [r[0] for r in env.execute_query(SQL(
        """INSERT INTO account_move (journal_id, currency_id, company_id, state, move_type, auto_post, date,
                                     invoice_date, partner_id, commercial_partner_id, ref, amount_total_signed)
           SELECT %s, %s, %s, 'draft', 'in_invoice', 'no', current_date, current_date - mod(i, 10),
                  (%s::int[])[1 + mod(i, %s)], (%s::int[])[1 + mod(i, %s)], 'B-' || %s || '-' || i, 1000
             FROM generate_series(0, %s - 1) i RETURNING id""",
        journal.id, cur, company.id, v_ids, len(v_ids), v_ids, len(v_ids), tag, n_docs))]
    # PO lines: line k belongs to order k // 10
    pol_ids = [r[0] for r in env.execute_query(SQL(
        """INSERT INTO purchase_order_line (order_id, name, product_id, product_qty, product_uom_qty, product_uom,
                                            price_unit, discount, company_id, partner_id, currency_id, state)
           SELECT (%s::int[])[1 + k / 10], 'bench', (%s::int[])[1 + mod(k * 7, 200)], 10 + mod(k, 5), 10 + mod(k, 5),
                  %s, 5 + mod(k, 90), 0, %s, (%s::int[])[1 + mod(k / 10, %s)], %s, 'purchase'
             FROM generate_series(0, %s - 1) k ORDER BY k RETURNING id""",
        po_ids, p_ids, unit, company.id, v_ids, len(v_ids), cur, n))]
    # receipts: everything received, half the lines in two parts
    cr.execute(SQL(
        """INSERT INTO stock_move (company_id, product_id, product_uom, location_id, location_dest_id, name,
                                   procure_method, product_uom_qty, quantity, date, state, purchase_line_id)
           SELECT %s, pol.product_id, %s, %s, %s, 'bench', 'make_to_stock', q, q, now() - interval '5 days', 'done',
                  pol.id
             FROM purchase_order_line pol,
                  LATERAL (SELECT unnest(CASE WHEN mod(pol.id, 2) = 0 THEN ARRAY[pol.product_qty]
                                             ELSE ARRAY[floor(pol.product_qty / 2), pol.product_qty
                                                        - floor(pol.product_qty / 2)] END) q) parts
            WHERE pol.id = ANY(%s)""",
        company.id, unit, supplier_loc, stock_loc, pol_ids))
    # bill lines: one per PO line; 5 % billed 2 more than received, 5 % at +10 % price
    cr.execute(SQL(
        """INSERT INTO account_move_line (move_id, currency_id, company_id, display_type, product_id, quantity,
                                          product_uom_id, price_unit, discount, purchase_line_id, balance,
                                          partner_id, date, account_id)
           SELECT (%s::int[])[1 + (row_number() OVER (ORDER BY pol.id) - 1) / 10], %s, %s, 'product',
                  pol.product_id,
                  pol.product_qty + CASE WHEN mod(pol.id, 20) = 3 THEN 2 ELSE 0 END, %s,
                  pol.price_unit * CASE WHEN mod(pol.id, 20) = 7 THEN 1.1 ELSE 1 END, 0, pol.id,
                  pol.product_qty * pol.price_unit, pol.partner_id, current_date, %s
             FROM purchase_order_line pol WHERE pol.id = ANY(%s)""",
        bill_ids, cur, company.id, unit, expense, pol_ids))
    # as autovacuum would soon after such a load: the planner sees the new rows
    for table in ("purchase_order", "purchase_order_line", "stock_move", "account_move", "account_move_line"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    env.invalidate_all()
    return bill_ids, po_ids, vendors, products


def cleanup(env, bill_ids, po_ids, vendors, products):
    from odoo.tools import SQL

    cr = env.cr
    excs = SQL("SELECT id FROM medsync_exception WHERE res_model = 'account.move' AND res_id = ANY(%s)", bill_ids)
    cr.execute(SQL("DELETE FROM mail_activity WHERE res_model = 'medsync.exception' AND res_id IN (%s)", excs))
    cr.execute(SQL("DELETE FROM medsync_exception WHERE res_model = 'account.move' AND res_id = ANY(%s)", bill_ids))
    cr.execute(SQL("DELETE FROM medsync_match_result WHERE move_id = ANY(%s)", bill_ids))
    cr.execute(SQL("DELETE FROM mail_message WHERE model = 'account.move' AND res_id = ANY(%s)", bill_ids))
    cr.execute(SQL("DELETE FROM account_move_line WHERE move_id = ANY(%s)", bill_ids))
    cr.execute(SQL("DELETE FROM account_move WHERE id = ANY(%s)", bill_ids))
    cr.execute(SQL("DELETE FROM stock_move WHERE purchase_line_id IN "
                   "(SELECT id FROM purchase_order_line WHERE order_id = ANY(%s))", po_ids))
    cr.execute(SQL("DELETE FROM purchase_order_line WHERE order_id = ANY(%s)", po_ids))
    cr.execute(SQL("DELETE FROM purchase_order WHERE id = ANY(%s)", po_ids))
    cr.execute(SQL("DELETE FROM product_supplierinfo WHERE partner_id = ANY(%s)", vendors.ids))
    cr.commit()
    env.invalidate_all()
    products.with_env(env).write({"active": False})
    vendors.with_env(env).write({"active": False})


def main():
    args, registry = open_odoo(__doc__.split("\n")[0], default_size=10_000)
    from odoo import SUPERUSER_ID, api

    tag = str(int(time.time()))
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        t0 = time.perf_counter()
        docs = generate(env, args.size, tag)
        gen_s = time.perf_counter() - t0
    from odoo.addons.medsync.services import matching

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        bills = env["account.move"].browse(docs[0])
        t0 = time.perf_counter()
        run = matching.match_moves(bills, trigger="cron")
        cr.commit()  # the bench measures persisted results
        total_s = time.perf_counter() - t0
        stats = {"fetch_s": run.fetch_seconds, "compute_s": run.compute_seconds, "write_s": run.write_seconds,
                 "audit_s": run.audit_seconds}
        held = env["account.move"].search_count([("id", "in", docs[0]), ("medsync_match_state", "=", "hold")])
        results = env["medsync.match.result"].search_count([("move_id", "in", docs[0]), ("is_current", "=", True)])
        exceptions = run.exception_count
        assert results == args.size, (results, args.size)
        if not args.keep:
            cleanup(env, *docs)
    print(json.dumps({"bench": "match_odoo", "size": args.size, "total_s": round(total_s, 3),
                      **{k: round(v, 3) for k, v in stats.items()}, "rows_per_s": round(args.size / total_s),
                      "bills": len(docs[0]), "bills_on_hold": held, "exceptions": exceptions,
                      "generate_s": round(gen_s, 3)}))


if __name__ == "__main__":
    main()
