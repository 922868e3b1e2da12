"""Acceptance and processing on one and on two HTTP nodes with a job node
(tools/nodes.py), against one database.

    python benches/bench_nodes.py [--size 2000] [--batch 50] [--concurrency 4]

For each configuration (1 HTTP node + the job node, then 2 HTTP nodes + the
job node; each node with its own processes, ``MEDSYNC_THREADS`` 1), a fresh
vendor and orders, then ``size`` vendor invoices in batches of ``batch``
from ``concurrency`` clients, spread round robin over the HTTP nodes. Measured:
``accepted_per_s`` (documents accepted per second of the burst),
``bills_per_s`` (draft bills made, from the burst's start until the last
message is done), and the CPU seconds of each node's processes during the
run (``cpu_s``, from /proc), so that the bound of these two cores shows: the
nodes share them. Every invoice must make exactly one bill. The last line is
one JSON object with a row per configuration.
"""

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import hub_live, nodes

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(group_leader):
    """CPU seconds (user + system) of every live process of a process group."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group_leader:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def run(args, pg, n_http):
    tag = f"bn{n_http}{int(time.time())}"
    with hub_live.odoo_env(args.db, pg) as env:
        info = hub_live.setup_system(env, tag, flows=("invoice",), orders=200)
    jobs, http_nodes = nodes.start(args.db, pg, http_workers=2, job_workers=2)
    http_nodes, spare = http_nodes[:n_http], http_nodes[n_http:]
    for node in spare:
        node.stop()
    all_nodes = [*http_nodes, jobs]
    try:
        cpu0 = {n.node: cpu_seconds(n.proc.pid) for n in all_nodes}
        refs = [f"INV-{tag}-{i}" for i in range(args.size)]
        chunks = [refs[i:i + args.batch] for i in range(0, len(refs), args.batch)]
        statuses, lock = {}, threading.Lock()

        def client_loop(k):
            node = http_nodes[k % len(http_nodes)]
            client = hub_live.Client(node.port)
            for chunk in chunks[k::args.concurrency]:
                status, _h, body = client.post_batch(info, "invoice", [
                    (ref, hub_live.invoice_doc(info, ref)) for ref in chunk])
                answers = [r["status"] for r in json.loads(body)["results"]] if status == 200 else [status]
                with lock:
                    for a in answers:
                        statuses[a] = statuses.get(a, 0) + 1

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst_s = time.perf_counter() - t0
        states = hub_live.wait_processed(pg, args.db, info["system_id"], args.drain_timeout)
        total_s = time.perf_counter() - t0
        cpu = {n.node: round(cpu_seconds(n.proc.pid) - cpu0[n.node], 1) for n in all_nodes}
        counts = hub_live.bills_per_ref(pg, args.db, refs)
        once = sum(1 for r in refs if counts.get(r) == 1)
        return {"http_nodes": n_http, "accepted": statuses.get(202, 0),
                "accepted_per_s": round(statuses.get(202, 0) / burst_s, 1),
                "bills": sum(counts.values()), "bills_once": once,
                "bills_per_s": round(sum(counts.values()) / total_s, 1),
                "burst_s": round(burst_s, 1), "total_s": round(total_s, 1), "cpu_s": cpu, "states": states}
    finally:
        for node in all_nodes:
            node.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=2000)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--db", default="medsync_bench")
    p.add_argument("--drain-timeout", type=int, default=1800)
    args = p.parse_args()
    pg = hub_live.bench_database(args.db)
    rows = [run(args, pg, n) for n in (1, 2)]
    for r in rows:
        print(json.dumps(r), flush=True)
    print(json.dumps({"bench": "nodes", "size": args.size, "batch": args.batch, "cores": os.cpu_count(),
                      "configurations": rows}))


if __name__ == "__main__":
    main()
