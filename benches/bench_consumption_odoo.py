"""Cabinet consumption end to end in a real Odoo: ``--size`` usage events
POSTed to the hub in batches of ``--batch`` (one ``consumption`` document
each), processed by the job runner into done moves.

    python benches/bench_consumption_odoo.py [--size 100000] [--batch 5000] [--db medsync_bench]

Starts Odoo (``--workers`` prefork workers and the queue_job runner) on the
bench database (created with MedSync when missing), sets up ``--cabinets``
cabinet locations with their codes, a department's consumption location and
``--products`` products (each batch one cabinet's last ten minutes, one batch
a quarter of an hour), then measures from the first request to the last
batch done: ``accept_s`` (the requests), ``total_s`` (until every event is
applied), ``events_per_s`` (events over ``total_s``; target 500), the moves
made, and that every event was applied exactly once. The last line is one
JSON object.
"""

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import hub_live


def setup(env, tag, cabinets, products):
    wh = env["stock.warehouse"].search([], limit=1)
    view = env["stock.location"].create({"name": f"Bench cabinets {tag}", "usage": "view",
                                         "location_id": wh.view_location_id.id})
    dept = env["stock.location"].create({"name": f"Bench ward {tag}", "usage": "inventory",
                                         "medsync_department": f"W{tag}",
                                         "location_id": env.ref("stock.stock_location_locations_virtual").id})
    cabs = env["stock.location"].create([{"name": f"Cabinet {tag}-{i}", "usage": "internal", "location_id": view.id,
                                          "medsync_consumption_location_id": dept.id} for i in range(cabinets)])
    env["medsync.location.code"].create([{"code": f"CAB-{tag}-{i}", "location_id": c.id}
                                         for i, c in enumerate(cabs)])
    env["product.product"].create([{"name": f"Bench item {tag}-{i}", "default_code": f"BI-{tag}-{i}",
                                    "type": "consu", "is_storable": True, "standard_price": 1.0}
                                   for i in range(products)])
    system = env["medsync.system"].create({"name": f"Bench cabinets {tag}", "code": f"cab-{tag}", "kind": "warehouse",
                                           "rate_limit": 1_000_000, "rate_burst": 1_000_000, "max_body_kb": 16384})
    env["medsync.flow"].create({"system_id": system.id, "code": "usage", "name": "usage", "doc_type": "consumption"})
    return {"key": system._generate_key(1), "code": system.code, "system_id": system.id}


def batches(tag, size, batch, cabinets, products):
    rng = random.Random(11)
    start = dt.datetime(2026, 11, 20, 6, 0, 0)
    out = []
    for b in range(0, size, batch):
        cab = (b // batch) % cabinets
        events = []
        # a batch is a cabinet's last ten minutes, one batch every quarter of an hour
        first = start + dt.timedelta(minutes=15 * (b // batch))
        for i in range(b, min(b + batch, size)):
            t = first + dt.timedelta(seconds=600 * (i - b) // batch)
            events.append({"event_id": f"E{i}", "time": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "product": f"BI-{tag}-{rng.randrange(products)}", "qty": str(rng.randint(1, 3)),
                           "kind": "return" if rng.random() < 0.05 else "issue"})
        out.append({"cabinet": f"CAB-{tag}-{cab}", "batch_id": f"B{b // batch}", "events": events})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=5_000)
    p.add_argument("--cabinets", type=int, default=50)
    p.add_argument("--products", type=int, default=500)
    p.add_argument("--db", default="medsync_bench")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--drain-timeout", type=int, default=3600)
    args = p.parse_args()
    pg = hub_live.bench_database(args.db)
    tag = f"{int(time.time()) % 10**6}"
    with hub_live.odoo_env(args.db, pg) as env:
        info = setup(env, tag, args.cabinets, args.products)
    docs = batches(tag, args.size, args.batch, args.cabinets, args.products)
    server = hub_live.Server(args.db, pg, workers=args.workers, log_name="bench-consumption").start()
    try:
        client = hub_live.Client(server.port, timeout=600)
        t0 = time.perf_counter()
        for n, doc in enumerate(docs):
            status, _h, body = client.request("POST", f"/medsync/api/v1/{info['code']}/consumption",
                                              json.dumps(doc).encode(), {
                                                  "Authorization": f"Bearer {info['key']}",
                                                  "Content-Type": "application/json", "Idempotency-Key": f"b{n}"})
            if status != 202:
                sys.exit(f"refused: {status} {body[:500]}")
        accept_s = time.perf_counter() - t0
        states = hub_live.wait_processed(pg, args.db, info["system_id"], args.drain_timeout)
        total_s = time.perf_counter() - t0
        rows = dict(hub_live.sql(pg, args.db, """SELECT state, count(*) FROM medsync_consumption_event
                                                 WHERE system_id = %s GROUP BY state""", (info["system_id"],)))
        moves = hub_live.sql(pg, args.db, """SELECT count(DISTINCT move_id) FROM medsync_consumption_event
                                            WHERE system_id = %s""", (info["system_id"],))[0][0]
        applied = rows.get("applied", 0)
        print(json.dumps({
            "bench": "consumption_odoo", "events": args.size, "batch": args.batch, "cabinets": args.cabinets,
            "products": args.products, "workers": args.workers, "event_states": rows, "moves": moves,
            "accept_s": round(accept_s, 1), "total_s": round(total_s, 1),
            "events_per_s": round(applied / total_s, 1), "target_events_per_s": 500, "messages": states}))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
