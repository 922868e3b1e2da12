"""The integration hub under a burst, against a real Odoo server on loopback.

    python benches/bench_hub.py [--size 10000] [--dup 0.05] [--concurrency 8]

Starts Odoo (4 prefork workers and the queue_job runner, at most 2 jobs at a time) on the database
``medsync_bench`` (created with MedSync when missing), registers a system with
an invoice flow, then POSTs ``size`` vendor invoices, ``dup`` of them repeats
of an earlier idempotency key with the same document, from ``concurrency``
client threads. Acceptance latency is measured per request by the client.
Then it waits until every message is processed and counts the draft bills
created: exactly one per distinct invoice proves the exactly-once effect.

The last line is one JSON object: accepted_per_s, p50_ms, p95_ms, p99_ms,
lost, duplicated, pending (still waiting when ``--drain-timeout`` ends the
wait), and the processing figures: ``bills_per_s`` is the draft bills made
(linked to their orders, queued for matching) per second from the burst's
start until the last message is done.
"""

import argparse
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import hub_live


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=10_000)
    p.add_argument("--dup", type=float, default=0.05)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--db", default="medsync_bench")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--drain-timeout", type=int, default=3600)
    p.add_argument("--batch", type=int, default=50, help="documents per request (0: one per request)")
    p.add_argument("--single", type=int, default=1000,
                   help="also send this many one per request, for comparison (0: skip)")
    args = p.parse_args()
    pg = hub_live.bench_database(args.db)
    tag = f"b{int(time.time())}"
    with hub_live.odoo_env(args.db, pg) as env:
        info = hub_live.setup_system(env, tag, flows=("invoice",), orders=200)
    server = hub_live.Server(args.db, pg, workers=args.workers, log_name="bench-hub").start()
    try:
        rng = random.Random(7)
        unique = args.size - int(args.size * args.dup)
        uniques = [(f"{tag}-{i}", f"INV-{tag}-{i}") for i in range(unique)]
        plan = list(uniques)
        for _ in range(args.size - unique):  # a repeat comes some time after its first
            first = rng.randrange(unique)
            plan.insert(rng.randrange(first + 1, len(plan) + 1), uniques[first])
        size = max(args.batch, 1)
        chunks = [plan[i:i + size] for i in range(0, len(plan), size)]

        def send(client, chunk):
            if args.batch:
                status, _h, body = client.post_batch(info, "invoice", [
                    (key, hub_live.invoice_doc(info, ref)) for key, ref in chunk])
                return status, [r["status"] for r in json.loads(body)["results"]] if status == 200 else [status], body
            key, ref = chunk[0]
            status, _h, body = client.post(info, "invoice", hub_live.invoice_doc(info, ref), key)
            return status, [status], body

        burst_s, done = burst(server.port, chunks, args.concurrency, send)
        latencies, statuses, errors = [], {}, []
        for dt, chunk, (status, answers, body) in done:
            latencies.extend([dt] * len(chunk))  # a document is accepted when its request returns
            for a in answers:
                statuses[a] = statuses.get(a, 0) + 1
            if status not in (200, 202) and len(errors) < 5:
                errors.append(body[:300])
        accepted = statuses.get(202, 0)
        print(f"burst: {len(plan)} documents in {len(chunks)} requests, {burst_s:.1f} s, statuses {statuses}",
              flush=True)
        for e in errors:
            print("  refused:", e, flush=True)

        t1 = time.perf_counter()
        states = hub_live.wait_processed(pg, args.db, info["system_id"], args.drain_timeout, on_tick=None)
        drain_s = time.perf_counter() - t1
        print(f"processed: {states} in {drain_s:.1f} s after the burst", flush=True)
        refs = [r for _k, r in uniques]
        counts = hub_live.bills_per_ref(pg, args.db, refs)
        messages = hub_live.sql(pg, args.db, "SELECT count(*) FROM medsync_message WHERE system_id = %s",
                                (info["system_id"],))[0][0]
        # lost: an accepted invoice with no message, or whose message is done without its bill;
        # still waiting (when --drain-timeout cut the wait short) is counted apart, as pending
        stored = dict(hub_live.sql(pg, args.db, """SELECT external_ref, state FROM medsync_message
                                                  WHERE system_id = %s""", (info["system_id"],)))
        lost = sum(1 for r in refs if r not in stored or (stored[r] == "done" and counts.get(r, 0) == 0))
        pending = sum(1 for r in refs if stored.get(r) in ("queued", "retrying"))
        duplicated = sum(n - 1 for n in counts.values() if n > 1)
        lat = sorted(latencies)

        def pct(q):
            return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 2)

        single = measure_single(server, info, tag, args) if args.single else {}
        print(json.dumps({**single,
            "bench": "hub", "size": len(plan), "distinct": unique, "concurrency": args.concurrency,
            "workers": args.workers, "batch": args.batch, "accepted": accepted,
            "accepted_per_s": round(accepted / burst_s, 1),
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(lat) * 1000, 2), "messages": messages,
            "bills_created": sum(counts.values()), "lost": lost, "duplicated": duplicated, "pending": pending,
            "processing_s": round(drain_s + burst_s, 1),
            # draft bills linked to their orders and queued for matching, from the burst's start to the last
            "bills_per_s": round(sum(counts.values()) / (drain_s + burst_s), 1), "target_bills_per_s": 50,
            "states": states}))
    finally:
        server.stop()


def burst(port, items, concurrency, send):
    """Send every item from ``concurrency`` threads, each with its own
    connection; returns the wall time and ``(latency, item, send's result)``."""
    work = iter(items)
    lock = threading.Lock()
    out = []

    def worker():
        client = hub_live.Client(port)
        while True:
            with lock:
                item = next(work, None)
            if item is None:
                return
            t0 = time.perf_counter()
            result = send(client, item)
            with lock:
                out.append((time.perf_counter() - t0, item, result))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, out


def measure_single(server, info, tag, args):
    """The same documents one per request, and the server's ceiling for a
    request that does nothing (/web/health), in the same run."""
    dt, done = burst(server.port, range(args.single), args.concurrency, lambda c, i: c.post(
        info, "invoice", hub_live.invoice_doc(info, f"S-{tag}-{i}"), f"s-{tag}-{i}")[0])
    lat = sorted(d for d, _i, _st in done)
    ok = sum(1 for _d, _i, st in done if st == 202)
    noop_dt, _ = burst(server.port, range(args.single), args.concurrency, lambda c, i: c.request("GET", "/web/health"))
    return {"single_accepted_per_s": round(ok / dt, 1), "single_p50_ms": round(lat[len(lat) // 2] * 1000, 2),
            "single_p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 2),
            "http_noop_per_s": round(args.single / noop_dt, 1)}


if __name__ == "__main__":
    main()
