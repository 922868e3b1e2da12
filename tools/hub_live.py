"""A real Odoo 18 server with MedSync on loopback, for the hub's live tests and
its bench: database, data set-up through the ORM, the server process (prefork
workers and the queue_job runner), an HTTP client and the database counts.

Used by ``tests/live/test_hub_live.py`` and ``benches/bench_hub.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo/18.0"))
RUN = Path(os.environ.get("MEDSYNC_RUN_DIR", ROOT / ".run"))
# jobs run in the HTTP workers (the runner calls them over HTTP): at most two at a time, so that
# the API always has workers; procurement, billing and batch each have their own channel
CHANNELS = ("root:2,root.medsync:2,root.medsync.match:1,root.medsync.hub.procurement:1,"
            "root.medsync.hub.billing:1,root.medsync.hub.batch:1")


def odoo_found():
    return (ODOO_SRC / "odoo" / "__init__.py").is_file()


def pg_env():
    out = subprocess.run(["bash", ROOT / "tools" / "pg.sh", "start"], capture_output=True, text=True, check=True)
    return dict(part.split("=", 1) for part in out.stdout.split()[1:])


def _addons():
    return f"{ODOO_SRC / 'odoo' / 'addons'},{ROOT / 'odoo_addon'}"


def addon_stamp():
    h = hashlib.sha256()
    for path in sorted((ROOT / "odoo_addon" / "medsync").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return h.hexdigest()[:16]


def bench_database(db):
    """A benchmark's database and PostgreSQL: Odoo found (else the bench
    exits saying so), MedSync installed, no job or message left waiting by
    an earlier, interrupted run. Returns the PostgreSQL environment."""
    if not odoo_found():
        sys.exit(f"no Odoo source at {ODOO_SRC}: set ODOO_SRC")
    pg = pg_env()
    ensure_db(db, pg)
    sql(pg, db, "UPDATE queue_job SET state = 'cancelled' WHERE state IN ('pending', 'enqueued', 'started')")
    sql(pg, db, "UPDATE medsync_message SET state = 'cancelled' WHERE state IN ('queued', 'retrying')")
    return pg


def ensure_db(db, pg, demo=False):
    """A database with this MedSync installed: created when missing, updated
    when the addon changed since (a stamp in ir_config_parameter says)."""
    env = {**os.environ, **pg}

    def psql(query):
        return subprocess.run(["psql", "-d", db, "-tAc", query], env=env, capture_output=True, text=True).stdout.strip()

    stamp = addon_stamp()
    state = psql("SELECT state FROM ir_module_module WHERE name='medsync'")
    if state == "installed" and psql("SELECT value FROM ir_config_parameter WHERE key='medsync.live_stamp'") == stamp:
        return
    odoo = [sys.executable, ODOO_SRC / "setup" / "odoo-bin", f"--addons-path={_addons()}",
            f"--db_host={pg['PGHOST']}", f"--db_port={pg['PGPORT']}", f"--db_user={pg['PGUSER']}", "-d", db,
            "--stop-after-init", "--log-level=warn", "--http-port=0"]
    if state == "installed":
        subprocess.run([*odoo, "-u", "medsync"], env={**os.environ, "PYTHONPATH": str(ODOO_SRC)}, check=True)
    else:
        subprocess.run(["dropdb", "--if-exists", db], env=env, check=True)
        subprocess.run([*odoo, "-i", "medsync", *([] if demo else ["--without-demo=all"])],
                       env={**os.environ, "PYTHONPATH": str(ODOO_SRC)}, check=True)
    psql(f"INSERT INTO ir_config_parameter (key, value) VALUES ('medsync.live_stamp', '{stamp}') "
         f"ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")


@contextlib.contextmanager
def odoo_env(db, pg):
    """An ORM environment as the administrator; commits when the block ends."""
    if str(ODOO_SRC) not in sys.path:
        sys.path.insert(0, str(ODOO_SRC))
    import odoo
    from odoo import api

    if not odoo.tools.config.get("addons_path", "").endswith("odoo_addon"):
        odoo.tools.config.parse_config([f"--addons-path={_addons()}", f"--db_host={pg['PGHOST']}",
                                        f"--db_port={pg['PGPORT']}", f"--db_user={pg['PGUSER']}",
                                        "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        admin = api.Environment(cr, odoo.SUPERUSER_ID, {}).ref("base.user_admin")
        yield api.Environment(cr, admin.id, {})
        cr.commit()


def setup_system(env, tag, flows=("invoice", "po_ack"), rate_limit=1_000_000, orders=20):
    """A vendor with a product and ``orders`` confirmed orders (invoices spread
    over them, as a vendor's are), a system speaking for it with the given
    inbound flows, and a fresh API key."""
    vendor = env["res.partner"].create({"name": f"Live vendor {tag}", "supplier_rank": 1, "ref": f"LV-{tag}"})
    product = env["product.product"].create({"name": f"Live item {tag}", "default_code": f"LIVE-{tag}",
                                             "type": "consu", "is_storable": True})
    pos = env["purchase.order"].create([{"partner_id": vendor.id, "order_line": [
        (0, 0, {"product_id": product.id, "product_qty": 1_000_000, "price_unit": 1.0})]} for _ in range(orders)])
    pos.button_confirm()
    system = env["medsync.system"].create({"name": f"Live {tag}", "code": f"live-{tag}", "partner_id": vendor.id,
                                           "rate_limit": rate_limit, "rate_burst": rate_limit, "max_body_kb": 256})
    for doc_type in flows:
        env["medsync.flow"].create({"system_id": system.id, "code": doc_type, "name": doc_type,
                                    "doc_type": doc_type, "max_attempts": 6})
    key = system._generate_key(1)
    return {"key": key, "code": system.code, "system_id": system.id, "pos": pos.mapped("name"),
            "product": product.default_code, "vendor_id": vendor.id}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """odoo-bin in its own process group: prefork HTTP workers, the queue_job
    runner, no cron threads (the tests trigger what they need)."""

    def __init__(self, db, pg, workers=4, port=None, log_name="hub-live", runner=True, channels=CHANNELS,
                 node=None, threads=1, options=None):
        self.db, self.pg, self.workers, self.runner, self.channels = db, pg, workers, runner, channels
        self.options = options or {}  # more [options] lines (db_replica_host...)
        # the node's name in its health answers and logs; its engine pool's own size (MEDSYNC_THREADS)
        self.node, self.threads = node or log_name, threads
        self.port = port or free_port()
        self.log = RUN / f"{log_name}.log"
        self.conf = RUN / f"{log_name}.conf"
        self.proc = None

    def start(self):
        RUN.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(f"""[options]
addons_path = {_addons()}
data_dir = {RUN / 'odoo-data'}
db_host = {self.pg['PGHOST']}
db_port = {self.pg['PGPORT']}
db_user = {self.pg['PGUSER']}
db_name = {self.db}
dbfilter = ^{self.db}$
list_db = False
http_interface = 127.0.0.1
http_port = {self.port}
gevent_port = {free_port()}
server_wide_modules = base,web{',queue_job' if self.runner else ''}
workers = {self.workers}
max_cron_threads = 0
limit_time_cpu = 600
limit_time_real = 1200
log_level = warn
{"".join(f"{k} = {v}{chr(10)}" for k, v in self.options.items())}
[queue_job]
channels = {self.channels}
scheme = http
host = 127.0.0.1
port = {self.port}
""")
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, ODOO_SRC / "setup" / "odoo-bin", "-c", self.conf],
            env={**os.environ, "PYTHONPATH": str(ODOO_SRC), "MEDSYNC_THREADS": str(self.threads),
                 "MEDSYNC_NODE": self.node},
            stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/web/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                raise RuntimeError(f"odoo-bin exited {self.proc.returncode}; see {self.log}")
        raise RuntimeError(f"odoo-bin did not answer in 120 s; see {self.log}")

    def kill(self):
        """SIGKILL to every process of the server: no clean-up, no commit."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """One keep-alive HTTP connection (use one per thread)."""

    def __init__(self, port, timeout=60):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, dict(resp.getheaders()), data
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def post(self, info, doc_type, doc, idem):
        body = json.dumps(doc).encode()
        return self.request("POST", f"/medsync/api/v1/{info['code']}/{doc_type}", body, {
            "Authorization": f"Bearer {info['key']}", "Content-Type": "application/json", "Idempotency-Key": idem})


    def post_batch(self, info, doc_type, items):
        body = json.dumps({"documents": [{"idempotency_key": k, "document": d} for k, d in items]}).encode()
        return self.request("POST", f"/medsync/api/v1/{info['code']}/{doc_type}/batch", body, {
            "Authorization": f"Bearer {info['key']}", "Content-Type": "application/json"})


def sql(pg, db, query, params=(), autocommit=False):
    import psycopg2

    with contextlib.closing(psycopg2.connect(dbname=db, host=pg["PGHOST"], port=pg["PGPORT"],
                                             user=pg["PGUSER"])) as conn, conn.cursor() as cr:
        conn.autocommit = autocommit  # VACUUM cannot run in a transaction
        cr.execute(query, params)
        rows = cr.fetchall() if cr.description else []
        conn.commit()
        return rows


def message_states(pg, db, system_id):
    return dict(sql(pg, db, "SELECT state, count(*) FROM medsync_message WHERE system_id = %s GROUP BY 1",
                    (system_id,)))


def wait_processed(pg, db, system_id, timeout, on_tick=None):
    """Until no message of the system waits (or the timeout); returns the states."""
    deadline = time.time() + timeout
    while True:
        states = message_states(pg, db, system_id)
        if not any(states.get(s) for s in ("received", "queued", "retrying", "failed")) or time.time() > deadline:
            return states
        if on_tick:
            on_tick(states)
        time.sleep(1)


def restart_and_recover(pg, db, system_id, server):
    """After a node stopped or died: age its jobs and the system's waiting
    messages past the recovery's thresholds (its schedule is minutes), start
    the node again, run the recovery, and wait until no message waits.
    Returns the message states."""
    sql(pg, db, "UPDATE queue_job SET date_started = date_started - interval '1 hour', "
                "date_enqueued = date_enqueued - interval '1 hour' WHERE state IN ('started', 'enqueued')")
    sql(pg, db, "UPDATE medsync_message SET next_attempt = coalesce(next_attempt, received_at) - interval '1 hour', "
                "received_at = received_at - interval '1 hour' "
                "WHERE system_id = %s AND state IN ('queued', 'retrying')", (system_id,))
    server.start()
    run_recovery(pg, db)
    return wait_processed(pg, db, system_id, 300)


def bills_per_ref(pg, db, refs):
    """Vendor bill count per reference, for the refs that have any."""
    return dict(sql(pg, db, "SELECT ref, count(*) FROM account_move WHERE move_type = 'in_invoice' "
                            "AND ref = ANY(%s) GROUP BY ref", (refs,)))


def run_recovery(pg, db):
    """What the recovery cron does, run now (its schedule is minutes)."""
    with odoo_env(db, pg) as env:
        return env["medsync.message"].sudo()._cron_recover()


def invoice_doc(info, ref):
    po = info["pos"][zlib.crc32(ref.encode()) % len(info["pos"])]
    return {"invoice": ref, "po": po, "invoice_date": "2026-11-20", "currency": "USD",
            "lines": [{"product": info["product"], "qty": 1, "price": 1}]}
