"""X12 invoices end to end in a real Odoo: one interchange of ``--size`` 810s
POSTed to ``/medsync/api/v1/<system>/x12``, then processed by the job
runner into draft bills, each linked to its order and queued for matching.

    python benches/bench_x12_odoo.py [--size 10000] [--db medsync_bench]

Starts Odoo (``--workers`` prefork workers and the queue_job runner) on the
bench database (created with MedSync when missing), registers a trading
partner with an invoice flow and an X12 profile, writes the interchange with
the engine's generator (the partner simulator), and measures: ``accept_s``
(the request: parse, validate, map, store every set, answer with the 997),
``processing_s`` (from the request until the last message is done),
``total_s`` (both), ``bills_per_s`` (bills over ``total_s``), and checks
exactly one bill per invoice. The last line is one JSON object.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import hub_live

PARTNER, US = ("ZZ", "BENCHVENDOR"), ("ZZ", "BENCHHOSP")


def interchange(mc, info, tag, size):
    """One ISA/GS with ``size`` 810 sets: each set written by the generator
    (its own ST02), the envelopes of the first kept, the trailers counted."""
    env = {"sender_qualifier": PARTNER[0], "sender_id": PARTNER[1], "receiver_qualifier": US[0],
           "receiver_id": US[1], "gs_sender": "BENCHV", "gs_receiver": "BENCHH", "interchange_control": 1,
           "group_control": 1, "version": "5010", "usage": "P", "ack_requested": False, "date": "2026-11-20",
           "time": "1200", "element": "*", "component": ">", "repetition": "^", "segment": "~",
           "line_breaks": False}
    head, body = None, []
    for i in range(size):
        doc = {"invoice": f"X12-{tag}-{i}", "po": info["pos"][i % len(info["pos"])], "invoice_date": "2026-11-20",
               "currency": "USD", "lines": [{"line_no": 1, "product": info["product"], "qty": "1", "price": "1"}]}
        segs = mc.x12_generate("810", doc, {**env, "set_control": i + 1}).decode().split("~")
        start = next(n for n, s in enumerate(segs) if s.startswith("ST*"))
        end = next(n for n, s in enumerate(segs) if s.startswith("SE*"))
        head = head or segs[:start]
        body += segs[start:end + 1]
    ge = f"GE*{size}*1"
    return ("~".join([*head, *body, ge, "IEA*1*000000001"]) + "~").encode()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=10_000)
    p.add_argument("--db", default="medsync_bench")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--drain-timeout", type=int, default=3600)
    args = p.parse_args()
    import medsync_core as mc

    pg = hub_live.bench_database(args.db)
    tag = f"x{int(time.time())}"
    with hub_live.odoo_env(args.db, pg) as env:
        info = hub_live.setup_system(env, tag, flows=("invoice",), orders=200)
        env["medsync.system"].browse(info["system_id"]).write({
            "x12_enabled": True, "x12_partner_qualifier": PARTNER[0], "x12_partner_id": PARTNER[1],
            "x12_our_qualifier": US[0], "x12_our_id": US[1], "x12_gs_partner": "BENCHV", "x12_gs_ours": "BENCHH",
            "x12_product_qualifiers": "VN,IN,VC", "max_body_kb": 8192})
    data = interchange(mc, info, tag, args.size)
    print(f"interchange: {args.size} invoices, {len(data) / 1e6:.1f} MB", flush=True)
    server = hub_live.Server(args.db, pg, workers=args.workers, log_name="bench-x12").start()
    try:
        client = hub_live.Client(server.port, timeout=1800)
        t0 = time.perf_counter()
        status, _h, body = client.request("POST", f"/medsync/api/v1/{info['code']}/x12", data, {
            "Authorization": f"Bearer {info['key']}", "Content-Type": "application/edi-x12"})
        accept_s = time.perf_counter() - t0
        if status != 200:
            sys.exit(f"refused: {status} {body[:500]}")
        answer = json.loads(body)
        codes = {}
        for inter in answer["interchanges"]:
            for g in inter["groups"]:
                for s in g["sets"]:
                    codes[s["code"]] = codes.get(s["code"], 0) + 1
        print(f"accepted in {accept_s:.1f} s: set codes {codes}", flush=True)
        states = hub_live.wait_processed(pg, args.db, info["system_id"], args.drain_timeout)
        total_s = time.perf_counter() - t0
        refs = [f"X12-{tag}-{i}" for i in range(args.size)]
        counts = hub_live.bills_per_ref(pg, args.db, refs)
        linked = hub_live.sql(pg, args.db, """SELECT count(*) FROM medsync_message
                                             WHERE system_id = %s AND x12_interchange_id IS NOT NULL""",
                              (info["system_id"],))[0][0]
        bills = sum(counts.values())
        print(json.dumps({
            "bench": "x12_odoo", "invoices": args.size, "mb": round(len(data) / 1e6, 2), "workers": args.workers,
            "set_codes": codes, "messages_linked": linked, "bills_created": bills,
            "lost": sum(1 for r in refs if counts.get(r, 0) == 0),
            "duplicated": sum(n - 1 for n in counts.values() if n > 1),
            "accept_s": round(accept_s, 2), "processing_s": round(total_s - accept_s, 1),
            "total_s": round(total_s, 1), "bills_per_s": round(bills / total_s, 1), "target_bills_per_s": 50,
            "states": states}))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
