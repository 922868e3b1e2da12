"""Per node: liveness and readiness, for a load balancer or an orchestrator.

    GET /medsync/health   200 while this process serves requests (no database touched)
    GET /medsync/ready    200 when this node can do MedSync's work: its database answers, MedSync
                          is installed there, the engine loads; 503 naming the failing check

Both say which node answered (``MEDSYNC_NODE``, else host and process id), its
process's CPU seconds and, when ready, the engine's threads: what an operations
team reads per node to see where the load is. No key, no session, nothing but
these figures."""

import json
import os
import time

from odoo import http
from odoo.http import request

from ..services import engine

STARTED = time.time()


def _node():
    return {"node": engine.node(), "pid": os.getpid(),
            "cpu_s": round(sum(os.times()[:2]), 3), "uptime_s": round(time.time() - STARTED, 1)}


def _answer(status, body):
    return request.make_response(json.dumps(body), status=status,
                                 headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")])


class MedsyncNode(http.Controller):
    @http.route("/medsync/health", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def health(self, **_kw):
        return _answer(200, {"status": "ok", **_node()})

    @http.route("/medsync/ready", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def ready(self, **_kw):
        checks = {}
        try:
            env = request.env
            env.cr.execute("SELECT 1")
            checks["database"] = True
            env.cr.execute("SELECT state FROM ir_module_module WHERE name = 'medsync'")
            row = env.cr.fetchone()
            checks["medsync"] = bool(row and row[0] == "installed")
        except Exception:  # no database selected, or it does not answer: not ready, whatever the cause
            checks.setdefault("database", False)
            checks["medsync"] = False
        threads = engine.threads()
        checks["engine"] = threads is not None
        body = {**_node(), "checks": checks}
        if threads is not None:
            body["engine_threads"] = threads
        ok = all(checks.values())
        return _answer(200 if ok else 503, {"status": "ready" if ok else "not ready", **body})
