"""The node's liveness and readiness endpoints, through the real HTTP stack."""

import os
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from ..services import engine


@tagged("post_install", "-at_install")
class TestNode(HttpCase):
    def test_health_and_readiness_name_the_node(self):
        with patch.dict(os.environ, {"MEDSYNC_NODE": "http-1"}):
            health = self.url_open("/medsync/health")
            ready = self.url_open("/medsync/ready")
        self.assertEqual(health.status_code, 200)
        self.assertEqual((health.json()["status"], health.json()["node"]), ("ok", "http-1"))
        self.assertGreaterEqual(health.json()["cpu_s"], 0)
        self.assertEqual(ready.status_code, 200, ready.text)
        body = ready.json()
        self.assertEqual(body["checks"], {"database": True, "medsync": True, "engine": True})
        self.assertGreaterEqual(body["engine_threads"], 1)
        self.assertNotIn("Set-Cookie", ready.headers)
        # the runs a node makes carry its name
        with patch.dict(os.environ, {"MEDSYNC_NODE": "jobs"}), \
                self.env["medsync.run"]._track("core", trigger="button", scope="node test") as run:
            pass
        self.assertEqual(run.run.node, "jobs")

    def test_not_ready_without_the_engine(self):
        with patch.object(engine, "medsync_core", None):
            ready = self.url_open("/medsync/ready")
        self.assertEqual(ready.status_code, 503)
        self.assertEqual(ready.json()["checks"]["engine"], False)
