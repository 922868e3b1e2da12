#!/usr/bin/env python3
"""MedSync on several Odoo nodes, on one machine (see docs/deployment.md).

    bash tools/nodes.sh [--db medsync_nodes] [--port 8069]

Starts, against one PostgreSQL (the project's own, or PGHOST/PGPORT/PGUSER),
on one database (created with MedSync and its demo data when missing):

- two HTTP nodes (``http-1``, ``http-2``): prefork workers, no queue_job runner;
- one job node (``jobs``): the queue_job runner and the workers its jobs run in;
- a round-robin proxy on ``--port`` in front of the two HTTP nodes.

The nodes share the data directory (filestore and sessions), so a session
opened through one node is valid on the other. Each node's engine pool has
its own size (``MEDSYNC_THREADS``, 1 here: two cores for three nodes), and
``GET /medsync/ready`` on each names it with its CPU seconds. Ctrl-C stops
everything (SIGTERM: jobs in flight finish or, killed, are requeued by the
hub's recovery)."""

import argparse
import http.client
import itertools
import signal
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import hub_live

HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
       "transfer-encoding", "upgrade"}


def proxy(port, backends):
    """A round-robin HTTP proxy (standard library, threads) to ``backends`` (ports)."""
    turn = itertools.cycle(backends)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self):
            with lock:
                backend = next(turn)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            conn = http.client.HTTPConnection("127.0.0.1", backend, timeout=600)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-MedSync-Backend", str(backend))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = _forward

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
        allow_reuse_address = True
        daemon_threads = True

    return Server(("127.0.0.1", port), Handler)


def start(db, pg, http_workers=2, job_workers=2):
    """The job node first (it runs the jobs), then the two HTTP nodes."""
    jobs = hub_live.Server(db, pg, workers=job_workers, log_name="node-jobs", node="jobs").start()
    nodes = [hub_live.Server(db, pg, workers=http_workers, log_name=f"node-http-{n}", runner=False,
                             node=f"http-{n}").start() for n in (1, 2)]
    return jobs, nodes


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="medsync_nodes")
    p.add_argument("--port", type=int, default=8069)
    args = p.parse_args()
    pg = hub_live.pg_env()
    hub_live.ensure_db(args.db, pg, demo=True)
    jobs, nodes = start(args.db, pg)
    server = proxy(args.port, [n.port for n in nodes])
    print(f"MedSync on {args.db}: http://127.0.0.1:{args.port} (round robin over "
          f"{', '.join(f'{n.node} :{n.port}' for n in nodes)}; jobs on :{jobs.port}). Ctrl-C stops.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        for node in (*nodes, jobs):
            node.stop()


if __name__ == "__main__":
    main()
