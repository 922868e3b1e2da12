"""A streaming read replica of the project's PostgreSQL cluster (tools/pg.sh),
on a second port, for the analytics extract's live test and bench: a base
backup of the primary (pg_basebackup -R), started as a hot standby.

    python tools/pg_replica.py start   -> prints "export REPLICA_HOST=... REPLICA_PORT=..."
    python tools/pg_replica.py stop

Odoo is then started with ``db_replica_host``/``db_replica_port`` pointing at
it; its read-only cursors (and so the extract) read there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = Path(os.environ.get("MEDSYNC_RUN_DIR", ROOT / ".run"))
DATA = RUN / "pg-replica" / "data"
PORT = int(os.environ.get("MEDSYNC_REPLICA_PORT", "54339"))


def _bin():
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin")):
        if (d / "pg_basebackup").exists():
            return d
    raise RuntimeError("no PostgreSQL server binaries (tools/pg.sh start installs them)")


def _as_owner(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *map(str, cmd)]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def _primary():
    out = subprocess.run(["bash", ROOT / "tools" / "pg.sh", "start"], capture_output=True, text=True, check=True)
    return dict(part.split("=", 1) for part in out.stdout.split()[1:])


def start(pg=None):
    """A fresh hot standby of the primary; returns {host, port} (same socket folder, its own port)."""
    pg = pg or _primary()
    stop()
    DATA.parent.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(DATA.parent, "postgres", "postgres")
    b = _bin()
    _as_owner([b / "pg_basebackup", "-h", pg["PGHOST"], "-p", pg["PGPORT"], "-U", "postgres", "-D", DATA,
               "-R", "-X", "stream", "-c", "fast"])
    opts = (f"-k {pg['PGHOST']} -p {PORT} -c listen_addresses='' -c hot_standby=on -c hot_standby_feedback=on "
            f"-c shared_buffers=256MB -c max_connections=200")
    _as_owner([b / "pg_ctl", "-D", DATA, "-l", DATA.parent / "server.log", "-w", "-t", "120", "-o", opts, "start"])
    return {"host": pg["PGHOST"], "port": PORT}


def stop():
    with contextlib.suppress(RuntimeError, subprocess.CalledProcessError):
        if (DATA / "PG_VERSION").exists():
            _as_owner([_bin() / "pg_ctl", "-D", DATA, "-m", "fast", "stop"])
    shutil.rmtree(DATA.parent, ignore_errors=True)


def wait_replayed(pg, replica, timeout=60):
    """Until the replica has replayed everything the primary has written so far."""
    import psycopg2

    with contextlib.closing(psycopg2.connect(dbname="postgres", host=pg["PGHOST"], port=pg["PGPORT"],
                                             user=pg["PGUSER"])) as conn, conn.cursor() as cr:
        # the insert position: with asynchronous commits the last commit record may not be written out yet
        cr.execute("SELECT pg_current_wal_insert_lsn()")
        target = cr.fetchone()[0]
    deadline = time.time() + timeout
    with contextlib.closing(psycopg2.connect(dbname="postgres", host=replica["host"], port=replica["port"],
                                             user=pg["PGUSER"])) as conn:
        conn.autocommit = True
        with conn.cursor() as cr:
            while time.time() < deadline:
                cr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))
                if cr.fetchone()[0]:
                    return
                time.sleep(0.1)
    raise TimeoutError("the replica did not catch up")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "start"
    if cmd == "start":
        r = start()
        print(f"export REPLICA_HOST={r['host']} REPLICA_PORT={r['port']}")
    elif cmd == "stop":
        stop()
    else:
        sys.exit("usage: pg_replica.py start|stop")
