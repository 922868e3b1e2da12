"""The hub against a real Odoo server (prefork workers, queue_job runner,
separate database transactions): what an in-process test cannot show.

Runs when an Odoo source tree is found and MEDSYNC_LIVE_DB names a database
with MedSync installed (``make test`` passes the one its Odoo suite built);
skipped otherwise, saying so.
"""

import os
import threading
import time

import pytest

from tools import hub_live

DB = os.environ.get("MEDSYNC_LIVE_DB")
pytestmark = pytest.mark.skipif(not (DB and hub_live.odoo_found()),
                                reason="live hub tests need an Odoo source tree and MEDSYNC_LIVE_DB")


@pytest.fixture(scope="module")
def live():
    pg = hub_live.pg_env()
    tag = f"t{int(time.time() * 1000) % 10**9}"
    with hub_live.odoo_env(DB, pg) as env:
        info = hub_live.setup_system(env, tag)
    server = hub_live.Server(DB, pg, workers=2, log_name="test-hub-live").start()
    yield pg, info, server
    server.stop()


def test_concurrent_requests_with_one_key_make_one_message(live):
    pg, info, server = live
    doc = hub_live.invoice_doc(info, "INV-SAME-TIME")
    barrier = threading.Barrier(8)
    answers = []

    def send():
        client = hub_live.Client(server.port)
        barrier.wait()
        answers.append(client.post(info, "invoice", doc, "same-time"))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [202] * 8, [a[2][:200] for a in answers]
    assert len({a[2] for a in answers}) == 1, "every answer is the first response"
    rows = hub_live.sql(pg, DB, "SELECT count(*) FROM medsync_message WHERE system_id = %s AND "
                                "idempotency_key = 'same-time'", (info["system_id"],))
    assert rows[0][0] == 1


def test_key_held_by_a_worker_answers_409(live):
    """While a worker holds the message (its row lock), the same key says 409."""
    import psycopg2

    pg, info, server = live
    client = hub_live.Client(server.port)
    doc = hub_live.invoice_doc(info, "INV-LOCKED")
    assert client.post(info, "invoice", doc, "locked")[0] == 202
    conn = psycopg2.connect(dbname=DB, host=pg["PGHOST"], port=pg["PGPORT"], user=pg["PGUSER"])
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT id FROM medsync_message WHERE system_id = %s AND idempotency_key = 'locked' "
                       "FOR UPDATE", (info["system_id"],))
            status, headers, body = client.post(info, "invoice", doc, "locked")
            assert (status, headers.get("Retry-After")) == (409, "1"), body
        conn.rollback()
    finally:
        conn.close()
    assert client.post(info, "invoice", doc, "locked")[0] == 202


def test_killed_server_loses_nothing_and_duplicates_nothing(live):
    """SIGKILL every Odoo process while invoices are being processed, start
    again, let recovery and the runner finish: each invoice made one bill."""
    pg, info, server = live
    client = hub_live.Client(server.port)
    refs = [f"INV-K-{i}" for i in range(150)]
    for i, ref in enumerate(refs):
        status, _h, body = client.post(info, "invoice", hub_live.invoice_doc(info, ref), f"kill-{i}")
        assert status == 202, body
    deadline = time.time() + 120
    while time.time() < deadline:  # kill once some, not all, are done, while a job is being processed
        done = hub_live.message_states(pg, DB, info["system_id"]).get("done", 0)
        started = hub_live.sql(pg, DB, "SELECT count(*) FROM queue_job WHERE state = 'started'")[0][0]
        if done >= 15 and started:
            break
        time.sleep(0.05)
    server.kill()
    states = hub_live.message_states(pg, DB, info["system_id"])
    waiting = sum(states.get(s, 0) for s in ("queued", "retrying"))
    assert waiting > 0, f"the kill came too late to prove anything: {states}"
    jobs_hit = hub_live.sql(pg, DB, "SELECT count(*) FROM queue_job WHERE state IN ('started', 'enqueued')")[0][0]
    assert jobs_hit >= 1, "no job was being processed when the server was killed"
    # recovery treats a started job whose message nobody holds as dead
    final = hub_live.restart_and_recover(pg, DB, info["system_id"], server)
    counts = hub_live.bills_per_ref(pg, DB, refs)
    assert not any(final.get(s) for s in ("queued", "retrying", "dead")), final
    assert [r for r in refs if counts.get(r) != 1] == [], f"jobs in flight at the kill: {jobs_hit}"
