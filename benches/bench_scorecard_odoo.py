"""Supplier scorecards end to end in a real Odoo 18 database.

    python benches/bench_scorecard_odoo.py --size 200000      (needs ODOO_SRC and the project's .venv)

Uses (or creates) the database ``medsync_bench`` with MedSync installed
without demo data. Generates N purchase order lines (10 per order) over the
last 12 months for N/100 vendors and 100 products in 10 categories, with
their facts in bulk SQL: done receipts (a third of the lines in two parts, 3 %
late, 2 % short), returns (1 %), an acknowledgement for 70 % of the lines
(some backordered, some late), ship notice lines for 40 % (5 % wrong), a bill
line for 80 % (4 % above the PO price) and its first match result. Measured,
and committed: the full rebuild of the company's scorecards (``total_s``: SQL
facts, one engine call, the upsert, the KPI facts), then the nightly refresh
after 1 % of the vendors got a new receipt (``nightly_s``). Prints, as its
last line, a JSON object with the seconds per phase. Generated data is deleted
afterwards.
"""

import datetime as dt
import json
import time

from bench_match_odoo import open_odoo


def generate(env, n, tag):
    """Vendors, products and n order lines with their receipts, returns, acknowledgements, ship notices, bills
    and match results, in bulk SQL. Returns what cleanup needs."""
    from odoo.tools import SQL

    cr = env.cr
    company = env.company
    n_vendors = max(1, n // 100)
    vendors = env["res.partner"].create([{"name": f"Bench supplier {tag}-{v}", "supplier_rank": 1,
                                          "is_company": True} for v in range(n_vendors)])
    categories = env["product.category"].create([{"name": f"Bench category {tag}-{c}"} for c in range(10)])
    products = env["product.product"].create([{"name": f"Bench supply {tag}-{p}", "is_storable": True,
                                               "categ_id": categories[p % 10].id} for p in range(100)])
    unit = env.ref("uom.product_uom_unit").id
    journal = env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1)
    picking_type = env["stock.picking.type"].search([("code", "=", "incoming"), ("company_id", "=", company.id)],
                                                    limit=1)
    supplier_loc = env.ref("stock.stock_location_suppliers").id
    stock_loc = picking_type.default_location_dest_id.id
    cur = company.currency_id.id
    env.flush_all()
    v_ids, p_ids = vendors.ids, products.ids
    n_docs = (n + 9) // 10
    # orders confirmed over the last 12 months; each vendor has a lateness of its own
    po_ids = [r[0] for r in env.execute_query(SQL(
        """INSERT INTO purchase_order (partner_id, currency_id, company_id, name, date_order, date_approve,
                                       picking_type_id, state)
           SELECT (%s::int[])[1 + mod(i, %s)], %s, %s, 'BSC-' || %s || '-' || i,
                  now() - (mod(i * 37, 360) + 3) * interval '1 day', now() - (mod(i * 37, 360) + 3) * interval '1 day',
                  %s, 'purchase'
             FROM generate_series(0, %s - 1) i ORDER BY i RETURNING id""",
        v_ids, n_vendors, cur, company.id, tag, picking_type.id, n_docs))]
    pol = [r for r in env.execute_query(SQL(
        """INSERT INTO purchase_order_line (order_id, name, product_id, product_qty, product_uom_qty, product_uom,
                                            price_unit, discount, company_id, partner_id, currency_id, state,
                                            date_planned, medsync_first_promised)
           SELECT po.id, 'bench', (%s::int[])[1 + mod(k * 7, 100)], 10 + mod(k, 5), 10 + mod(k, 5), %s,
                  5 + mod(k, 90), 0, po.company_id, po.partner_id, po.currency_id, 'purchase',
                  po.date_approve + interval '7 days', po.date_approve + interval '7 days'
             FROM generate_series(0, %s - 1) k
             JOIN purchase_order po ON po.id = (%s::int[])[1 + k / 10]
            ORDER BY k RETURNING id""",
        p_ids, unit, n, po_ids))]
    pol_ids = [r[0] for r in pol]
    # receipts: one picking per order; a third of the lines in two parts; 3 % late, 2 % short
    pick_ids = [r[0] for r in env.execute_query(SQL(
        """INSERT INTO stock_picking (name, picking_type_id, location_id, location_dest_id, company_id, partner_id,
                                      state, move_type, scheduled_date, date_done)
           SELECT 'BSC/IN/' || %s || '/' || po.id, %s, %s, %s, po.company_id, po.partner_id, 'done', 'direct',
                  po.date_approve, po.date_approve + interval '6 days'
             FROM purchase_order po WHERE po.id = ANY(%s) ORDER BY po.id RETURNING id""",
        tag, picking_type.id, supplier_loc, stock_loc, po_ids))]
    cr.execute(SQL(
        """INSERT INTO stock_move (company_id, product_id, product_uom, location_id, location_dest_id, name,
                                   procure_method, product_uom_qty, quantity, date, state, purchase_line_id,
                                   picking_id, picking_type_id)
           SELECT l.company_id, l.product_id, %(unit)s, %(sup)s, %(stock)s, 'bench', 'make_to_stock', q, q,
                  po.date_approve + (6 + CASE WHEN mod(l.id + po.partner_id, 33) = 0 THEN 9 ELSE part * 2 END)
                  * interval '1 day', 'done', l.id, pk.id, %(ptype)s
             FROM purchase_order_line l
             JOIN purchase_order po ON po.id = l.order_id
             JOIN stock_picking pk ON pk.name = 'BSC/IN/' || %(tag)s || '/' || po.id,
             LATERAL (SELECT p.ord - 1 AS part, p.q FROM unnest(
                        CASE WHEN mod(l.id, 50) = 1 THEN ARRAY[l.product_qty - 2]
                             WHEN mod(l.id, 3) = 0 THEN ARRAY[floor(l.product_qty / 2),
                                                              l.product_qty - floor(l.product_qty / 2)]
                             ELSE ARRAY[l.product_qty] END) WITH ORDINALITY AS p(q, ord)) parts
            WHERE l.id = ANY(%(ids)s) AND po.date_approve + interval '6 days' < now()""",
        unit=unit, sup=supplier_loc, stock=stock_loc, ptype=picking_type.id, tag=tag, ids=pol_ids))
    # returns: 1 % of the lines give 1 back
    cr.execute(SQL(
        """INSERT INTO stock_move (company_id, product_id, product_uom, location_id, location_dest_id, name,
                                   procure_method, product_uom_qty, quantity, date, state, purchase_line_id)
           SELECT l.company_id, l.product_id, %s, %s, %s, 'bench return', 'make_to_stock', 1, 1,
                  po.date_approve + interval '20 days', 'done', l.id
             FROM purchase_order_line l JOIN purchase_order po ON po.id = l.order_id
            WHERE l.id = ANY(%s) AND mod(l.id, 100) = 7 AND po.date_approve + interval '20 days' < now()""",
        unit, stock_loc, supplier_loc, pol_ids))
    cr.execute(SQL(
        """INSERT INTO stock_move_line (company_id, move_id, picking_id, product_id, product_uom_id, location_id,
                                        location_dest_id, quantity, quantity_product_uom, state, date, lot_name)
           SELECT m.company_id, m.id, m.picking_id, m.product_id, m.product_uom, m.location_id, m.location_dest_id,
                  m.quantity, m.quantity, 'done', m.date, 'LOT-' || mod(m.purchase_line_id, 7)
             FROM stock_move m JOIN purchase_order_line l ON l.id = m.purchase_line_id
            WHERE l.id = ANY(%s)""", pol_ids))
    # acknowledgements: 70 % of the lines, within a day (10 % after 3 days); 5 % backordered
    cr.execute(SQL(
        """INSERT INTO medsync_po_ack (line_id, order_id, partner_id, company_id, received_at, status, qty,
                                       promised_date, create_uid, create_date, write_uid, write_date)
           SELECT l.id, po.id, po.partner_id, po.company_id,
                  po.date_approve + CASE WHEN mod(l.id, 10) = 3 THEN interval '3 days' ELSE interval '5 hours' END,
                  CASE WHEN mod(l.id, 20) = 9 THEN 'backordered' ELSE 'accepted' END, l.product_qty,
                  (po.date_approve + interval '8 days')::date, 1, now(), 1, now()
             FROM purchase_order_line l JOIN purchase_order po ON po.id = l.order_id
            WHERE l.id = ANY(%s) AND mod(l.id, 10) < 7""", pol_ids))
    # ship notices: 40 % of the lines, as received (5 % announcing one more)
    cr.execute(SQL(
        """INSERT INTO medsync_asn_line (asn_ref, picking_id, line_id, order_id, partner_id, company_id, product_id,
                                         received_at, qty, uom_id, lot_name, create_uid, create_date, write_uid,
                                         write_date)
           SELECT 'ASN-' || m.picking_id, m.picking_id, l.id, l.order_id, l.partner_id, l.company_id, l.product_id,
                  m.date - interval '1 day', m.quantity + CASE WHEN mod(l.id, 20) = 11 THEN 1 ELSE 0 END, m.product_uom,
                  'LOT-' || mod(l.id, 7), 1, now(), 1, now()
             FROM stock_move m JOIN purchase_order_line l ON l.id = m.purchase_line_id
            WHERE l.id = ANY(%s) AND mod(l.id, 5) < 2 AND m.picking_id IS NOT NULL""", pol_ids))
    # bills: 80 % of the lines, one bill per order, 4 % above the PO price; a first match result each
    bill_ids = [r[0] for r in env.execute_query(SQL(
        """INSERT INTO account_move (journal_id, currency_id, company_id, state, move_type, auto_post, date,
                                     invoice_date, partner_id, commercial_partner_id, ref, amount_total_signed)
           SELECT %s, po.currency_id, po.company_id, 'draft', 'in_invoice', 'no',
                  (po.date_approve + interval '12 days')::date, (po.date_approve + interval '12 days')::date,
                  po.partner_id, po.partner_id, 'BSC-' || %s || '-' || po.id, 1000
             FROM purchase_order po WHERE po.id = ANY(%s) ORDER BY po.id RETURNING id""",
        journal.id, tag, po_ids))]
    cr.execute(SQL(
        """INSERT INTO account_move_line (move_id, currency_id, company_id, display_type, product_id, quantity,
                                          product_uom_id, price_unit, discount, purchase_line_id, balance,
                                          partner_id, date, account_id)
           SELECT am.id, l.currency_id, l.company_id, 'product', l.product_id, l.product_qty, %s,
                  l.price_unit * CASE WHEN mod(l.id, 25) = 4 THEN 1.1 ELSE 1 END, 0, l.id, l.product_qty * l.price_unit,
                  l.partner_id, am.date, %s
             FROM purchase_order_line l
             JOIN account_move am ON am.ref = 'BSC-' || %s || '-' || l.order_id AND am.id = ANY(%s)
            WHERE l.id = ANY(%s) AND mod(l.id, 5) < 4""",
        unit, journal.default_account_id.id, tag, bill_ids, pol_ids))
    from odoo import fields

    from odoo.addons.medsync.services import guard

    # the bills were matched two days ago
    run = guard.privileged(env["medsync.run"]).create({"engine": "matching", "scope": f"bench {tag}",
                                                       "date_start": fields.Datetime.now() - dt.timedelta(days=2)})
    cr.execute(SQL(
        """INSERT INTO medsync_match_result (run_id, move_id, move_line_id, status, is_current)
           SELECT %s, aml.move_id, aml.id, CASE WHEN mod(aml.id, 25) = 4 THEN 'price_above_po' ELSE 'matched' END,
                  TRUE
             FROM account_move_line aml WHERE aml.move_id = ANY(%s)""", run.id, bill_ids))
    # history: written two days ago, before last night's refresh
    for table in ("purchase_order", "purchase_order_line", "stock_move", "stock_move_line", "medsync_po_ack",
                  "medsync_asn_line", "account_move", "account_move_line"):
        cr.execute(SQL("UPDATE %s SET write_date = now() - interval '2 days', create_date = now() - interval '2 days' "
                       "WHERE write_date >= now() - interval '1 minute'", SQL.identifier(table)))
    for table in ("purchase_order", "purchase_order_line", "stock_move", "stock_move_line", "medsync_po_ack",
                  "medsync_asn_line", "account_move", "account_move_line", "medsync_match_result"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    env.invalidate_all()
    return {"po_ids": po_ids, "pick_ids": pick_ids, "bill_ids": bill_ids, "vendors": vendors, "run": run,
            "products": products, "categories": categories}


def touch(env, data, share=100):
    """A day's news for one vendor in ``share``: the receipt of its latest order is corrected to a day later."""
    from odoo.tools import SQL

    env.cr.execute(SQL(
        """UPDATE stock_move m SET date = m.date + interval '1 day', write_date = now()
             FROM purchase_order_line l
            WHERE m.purchase_line_id = l.id
              AND l.order_id IN (SELECT DISTINCT ON (po.partner_id) po.id FROM purchase_order po
                                  WHERE po.id = ANY(%s) AND mod(po.partner_id, %s) = 0
                                  ORDER BY po.partner_id, po.date_approve DESC)""",
        data["po_ids"], share))
    return env.cr.rowcount


def cleanup(env, data):
    from odoo.tools import SQL

    cr = env.cr
    lines = SQL("SELECT id FROM purchase_order_line WHERE order_id = ANY(%s)", data["po_ids"])
    cr.execute(SQL("DELETE FROM medsync_match_result WHERE move_id = ANY(%s)", data["bill_ids"]))
    cr.execute(SQL("DELETE FROM account_move_line WHERE move_id = ANY(%s)", data["bill_ids"]))
    cr.execute(SQL("DELETE FROM account_move WHERE id = ANY(%s)", data["bill_ids"]))
    cr.execute(SQL("DELETE FROM medsync_asn_line WHERE line_id IN (%s)", lines))
    cr.execute(SQL("DELETE FROM medsync_po_ack WHERE line_id IN (%s)", lines))
    cr.execute(SQL("DELETE FROM stock_move_line WHERE move_id IN (SELECT id FROM stock_move WHERE purchase_line_id "
                   "IN (%s))", lines))
    cr.execute(SQL("DELETE FROM stock_move WHERE purchase_line_id IN (%s)", lines))
    cr.execute(SQL("DELETE FROM stock_picking WHERE id = ANY(%s)", data["pick_ids"]))
    cr.execute(SQL("DELETE FROM purchase_order_line WHERE order_id = ANY(%s)", data["po_ids"]))
    cr.execute(SQL("DELETE FROM purchase_order WHERE id = ANY(%s)", data["po_ids"]))
    cr.execute(SQL("DELETE FROM medsync_scorecard WHERE partner_id = ANY(%s)", data["vendors"].ids))
    cr.execute(SQL("DELETE FROM medsync_run WHERE id = %s", data["run"].id))
    cr.commit()
    env.invalidate_all()
    data["products"].with_env(env).write({"active": False})
    data["vendors"].with_env(env).write({"active": False})
    cr.commit()


def main():
    args, registry = open_odoo(__doc__.split("\n")[0], default_size=200_000)
    from odoo import SUPERUSER_ID, api

    tag = str(int(time.time()))
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        t0 = time.perf_counter()
        data = generate(env, args.size, tag)
        cr.commit()
        gen_s = time.perf_counter() - t0
    from odoo.addons.medsync.services import scorecard

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        t0 = time.perf_counter()
        run = scorecard.refresh(env, company, full=True, trigger="button")
        cr.commit()
        total_s = time.perf_counter() - t0
        full = {"fetch_s": run.fetch_seconds, "compute_s": run.compute_seconds, "write_s": run.write_seconds,
                "audit_s": run.audit_seconds}
        rows = env["medsync.scorecard"].search_count([("partner_id", "in", data["vendors"].ids)])
        lines = run.input_count
        assert lines >= args.size, (lines, args.size)
        touched = touch(env, data)
        cr.commit()
        t1 = time.perf_counter()
        night = scorecard.refresh(env, company, trigger="cron")
        cr.commit()
        nightly_s = time.perf_counter() - t1
        standings = dict(env.execute_query(__import__("odoo").tools.SQL(
            """SELECT standing, COUNT(*) FROM medsync_scorecard
                WHERE partner_id = ANY(%s) AND is_latest AND category_id IS NULL GROUP BY 1""", data["vendors"].ids)))
        result = {"bench": "scorecard_odoo", "size": args.size, "total_s": round(total_s, 3),
                  **{k: round(v, 3) for k, v in full.items()}, "lines": lines, "rows": rows,
                  "vendors": len(data["vendors"]), "standings": standings, "nightly_s": round(nightly_s, 3),
                  "nightly_scope": night.scope, "nightly_moves_touched": touched,
                  "nightly_rows_written": night.output_count, "generate_s": round(gen_s, 3)}
        if not args.keep:
            cleanup(env, data)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
