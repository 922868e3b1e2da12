"""MedSync on several Odoo nodes (tools/nodes.py): two HTTP nodes without a
job runner and one job node, one database. The same burst of invoices, with
the same idempotency keys, sent to both HTTP nodes at once: every message is
stored once and done once, one bill per invoice, and each node answers its
own name and readiness.

Runs when an Odoo source tree is found and MEDSYNC_LIVE_DB names a database
with MedSync installed (``make test`` passes the one its Odoo suite built);
skipped otherwise, saying so.
"""

import json
import os
import threading
import time
import urllib.request

import pytest

from tools import hub_live, nodes

DB = os.environ.get("MEDSYNC_LIVE_DB")
pytestmark = pytest.mark.skipif(not (DB and hub_live.odoo_found()),
                                reason="live node tests need an Odoo source tree and MEDSYNC_LIVE_DB")


@pytest.fixture(scope="module")
def cluster():
    pg = hub_live.pg_env()
    tag = f"n{int(time.time() * 1000) % 10**9}"
    with hub_live.odoo_env(DB, pg) as env:
        info = hub_live.setup_system(env, tag)
    jobs, http_nodes = nodes.start(DB, pg, http_workers=1, job_workers=1)
    yield pg, info, jobs, http_nodes
    for node in (*http_nodes, jobs):
        node.stop()


def test_each_node_names_itself_and_is_ready(cluster):
    _pg, _info, jobs, http_nodes = cluster
    for node in (*http_nodes, jobs):
        with urllib.request.urlopen(f"http://127.0.0.1:{node.port}/medsync/ready", timeout=30) as r:
            body = json.loads(r.read())
        assert (r.status, body["node"], body["checks"]) == (
            200, node.node, {"database": True, "medsync": True, "engine": True})


def test_the_same_burst_to_both_http_nodes_is_done_once(cluster):
    pg, info, _jobs, http_nodes = cluster
    refs = [f"INV-N-{info['code']}-{i}" for i in range(60)]
    answers = {n.node: [] for n in http_nodes}
    barrier = threading.Barrier(len(http_nodes))

    def burst(node):
        client = hub_live.Client(node.port)
        barrier.wait()
        for i, ref in enumerate(refs):
            answers[node.node].append(client.post(info, "invoice", hub_live.invoice_doc(info, ref), f"node-{i}")[0])

    threads = [threading.Thread(target=burst, args=(n,)) for n in http_nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for node, statuses in answers.items():
        # 409: the other node's request with the key was being processed at that instant; a retry answers 202
        assert set(statuses) <= {202, 409}, (node, statuses)
    final = hub_live.wait_processed(pg, DB, info["system_id"], 300)
    stored = hub_live.sql(pg, DB, "SELECT count(*) FROM medsync_message WHERE system_id = %s AND "
                                  "idempotency_key LIKE 'node-%%'", (info["system_id"],))[0][0]
    counts = hub_live.bills_per_ref(pg, DB, refs)
    assert stored == len(refs), "one message per key, whichever node took it"
    assert final.get("done") == len(refs), final
    assert [r for r in refs if counts.get(r) != 1] == []


def test_graceful_stop_of_the_job_node_loses_and_doubles_nothing(cluster):
    """SIGTERM to the job node while it processes: the job in hand finishes
    (its messages done, one bill each) or never started (its messages wait);
    nothing is half done. A new job node and the recovery finish the rest,
    each invoice one bill."""
    pg, info, jobs, http_nodes = cluster
    client = hub_live.Client(http_nodes[0].port)
    refs = [f"INV-G-{info['code']}-{i}" for i in range(150)]
    for start in range(0, len(refs), 50):
        items = [(f"stop-{start + i}", hub_live.invoice_doc(info, ref)) for i, ref in enumerate(refs[start:start + 50])]
        status, _h, body = client.post_batch(info, "invoice", items)
        assert status in (200, 202, 207), body
    deadline = time.time() + 120
    while time.time() < deadline:  # stop once a job is in hand
        started = hub_live.sql(pg, DB, "SELECT count(*) FROM queue_job WHERE state = 'started'")[0][0]
        if started:
            break
        time.sleep(0.05)
    assert started, "no job was in hand to stop"
    t0 = time.time()
    jobs.stop()
    assert jobs.proc.returncode is not None and time.time() - t0 < 30, "the job node did not stop by itself"
    keys = [f"stop-{i}" for i in range(len(refs))]
    rows = hub_live.sql(pg, DB, """SELECT m.state, count(l.id) FROM medsync_message m
                                   LEFT JOIN medsync_message_link l ON l.message_id = m.id AND l.role = 'created'
                                   WHERE m.system_id = %s AND m.idempotency_key = ANY(%s)
                                   GROUP BY m.id, m.state""", (info["system_id"], keys))
    assert len(rows) == len(refs)
    # a job that was running when SIGTERM came ran to its end: no message half processed
    assert all((state == "done") == (links == 1) for state, links in rows), rows
    assert all(state in ("done", "queued", "retrying") for state, _n in rows), rows
    final = hub_live.restart_and_recover(pg, DB, info["system_id"], jobs)
    counts = hub_live.bills_per_ref(pg, DB, refs)
    assert not any(final.get(s) for s in ("queued", "retrying", "dead")), final
    assert [r for r in refs if counts.get(r) != 1] == []
