"""The analytics extract on a real server whose read replica is a real hot
standby (tools/pg_replica.py: a base backup of the primary streaming on a
second port), started through JSON-RPC as an integration administrator:

- the run reads on the replica: it says so (source, port), and the
  replica's ``pg_stat_activity`` shows the server's connection there, its
  last statement the extract's COPY;
- a transaction that began before a run and committed after it is in the
  next run (the overlap), once;
- a user without the integration role is refused.

Runs when an Odoo source tree is found and MEDSYNC_LIVE_DB names a database
with MedSync installed (``make test`` passes the one its Odoo suite built);
skipped otherwise, saying so.
"""

import contextlib
import json
import os
import threading
import time
import urllib.request

import psycopg2
import pytest

from tools import hub_live, pg_replica

DB = os.environ.get("MEDSYNC_LIVE_DB")
pytestmark = pytest.mark.skipif(not (DB and hub_live.odoo_found()),
                                reason="live extract tests need an Odoo source tree and MEDSYNC_LIVE_DB")
PASSWORD = "extract-live-Pa55"


def rpc(port, service, method, *args):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"service": service, "method": method, "args": list(args)}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/jsonrpc", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as resp:
        return json.loads(resp.read())


def call(server, uid, model, method, args, kwargs=None):
    return rpc(server.port, "object", "execute_kw", DB, uid, PASSWORD, model, method, args, kwargs or {})


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    pg = hub_live.pg_env()
    tag = f"x{int(time.time() * 1000) % 10**9}"
    folder = tmp_path_factory.mktemp("extract")
    with hub_live.odoo_env(DB, pg) as env:
        users = {}
        for role, groups in (("admin", ["base.group_user", "medsync.group_medsync_integration"]),
                             ("clerk", ["base.group_user", "medsync.group_medsync_ap_clerk"])):
            user = env["res.users"].create({
                "name": f"Extract {role} {tag}", "login": f"extract-{role}-{tag}", "password": PASSWORD,
                "groups_id": [(6, 0, [env.ref(g).id for g in groups])]})
            users[role] = user.id
        env["ir.config_parameter"].sudo().set_param("medsync.extract_folder", str(folder))
        users["vendor"] = env["res.partner"].create({"name": f"Vendor {tag}", "is_company": True,
                                                     "supplier_rank": 1}).id
    replica = pg_replica.start(pg)
    server = hub_live.Server(DB, pg, workers=2, runner=False, log_name="extract-live",
                             options={"db_replica_host": replica["host"], "db_replica_port": replica["port"]})
    try:
        server.start()
        yield pg, replica, server, users, tag
    finally:
        server.stop()
        pg_replica.stop()


def last_run(pg):
    rows = hub_live.sql(pg, DB, "SELECT id, name, state, kind, source, source_port, rows, manifest, error "
                                "FROM medsync_extract_run ORDER BY id DESC LIMIT 1")
    keys = ("id", "name", "state", "kind", "source", "source_port", "rows", "manifest", "error")
    return dict(zip(keys, rows[0], strict=True))


def run_now(pg, replica, server, uid):
    pg_replica.wait_replayed(pg, replica)
    answer = call(server, uid, "medsync.extract.run", "action_run_now", [[]])
    assert "error" not in answer, answer
    run = last_run(pg)
    assert run["state"] == "done", run["error"]
    return run


class Watch:
    """Polls a server's pg_stat_activity while a run goes on: the extract's statements seen running there."""

    def __init__(self, host, port, user):
        self.dsn = {"dbname": DB, "host": host, "port": port, "user": user}
        self.seen, self.stop = set(), threading.Event()
        self.thread = threading.Thread(target=self.poll, daemon=True)

    def poll(self):
        with contextlib.closing(psycopg2.connect(**self.dsn)) as conn:
            conn.autocommit = True
            with conn.cursor() as cr:
                while not self.stop.is_set():
                    cr.execute("""SELECT application_name, left(query, 40) FROM pg_stat_activity
                                   WHERE datname = %s AND pid != pg_backend_pid() AND state = 'active'
                                     AND query LIKE 'COPY (SELECT%%'""", (DB,))
                    self.seen.update(cr.fetchall())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def test_the_extract_reads_on_the_replica(live):
    pg, replica, server, users, _tag = live
    with Watch(replica["host"], replica["port"], pg["PGUSER"]) as on_replica, \
            Watch(pg["PGHOST"], pg["PGPORT"], pg["PGUSER"]) as on_primary:
        run = run_now(pg, replica, server, users["admin"])
    assert (run["source"], run["source_port"]) == ("replica", replica["port"])
    # the server's connection on the replica (pg_stat_activity there), running the extract's COPY statements;
    # none on the primary
    assert on_replica.seen and all(app.startswith("odoo-") for app, _q in on_replica.seen), on_replica.seen
    assert not on_primary.seen, on_primary.seen


def test_a_transaction_that_commits_late_is_in_the_next_run(live):
    pg, replica, server, users, tag = live
    run_now(pg, replica, server, users["admin"])
    # a transaction begins (its rows are stamped with its start, as Odoo's are), then a run, then it commits
    conn = psycopg2.connect(dbname=DB, host=pg["PGHOST"], port=pg["PGPORT"], user=pg["PGUSER"])
    try:
        with conn.cursor() as cr:
            # what an ORM write does: the change, stamped with the transaction's start
            cr.execute("""UPDATE res_partner SET name = %s, write_date = NOW() AT TIME ZONE 'UTC'
                           WHERE id = %s RETURNING id""", (f"Late {tag}", users["vendor"]))
            late_id = cr.fetchone()[0]
            time.sleep(0.5)
            during = run_now(pg, replica, server, users["admin"])
            conn.commit()
    finally:
        conn.close()
    vendors = json.loads(during["manifest"])["tables"]["vendors"]
    assert vendors["rows"] == 0
    after = run_now(pg, replica, server, users["admin"])
    manifest = json.loads(after["manifest"])
    import pyarrow.parquet as pq

    folder = hub_live.sql(pg, DB, "SELECT folder FROM medsync_extract_run WHERE id = %s", (after["id"],))[0][0]
    ids = [r["id"] for f in manifest["tables"]["vendors"]["files"]
           for r in pq.read_table(os.path.join(folder, f["path"])).to_pylist()]
    assert ids == [late_id]
    assert manifest["watermark"]["from"] < json.loads(during["manifest"])["watermark"]["to"]
    # and once only
    assert run_now(pg, replica, server, users["admin"])["rows"] == 0


def test_a_clerk_cannot_run_it(live):
    _pg, _replica, server, users, _tag = live
    answer = call(server, users["clerk"], "medsync.extract.run", "action_run_now", [[]])
    assert answer["error"]["data"]["name"] in ("odoo.exceptions.UserError", "odoo.exceptions.AccessError"), answer
