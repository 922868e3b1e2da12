import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from odoo.tests import TransactionCase, new_test_user

GROUPS = {
    "reader": "medsync.group_medsync_user",
    "buyer": "medsync.group_medsync_buyer",
    "ap_clerk": "medsync.group_medsync_ap_clerk",
    "ap_manager": "medsync.group_medsync_ap_manager",
    "inventory": "medsync.group_medsync_inventory",
    "steward": "medsync.group_medsync_steward",
    "integration": "medsync.group_medsync_integration",
}


class MedsyncCase(TransactionCase):
    """One user per MedSync role in the main company, plus a second company
    with its own AP clerk, and a reason code of each waive level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "St. Elsewhere Clinic"})
        cls.users = {
            role: new_test_user(cls.env, login=f"ms_{role}", groups=f"base.group_user,{xmlid}",
                                company_id=cls.company.id)
            for role, xmlid in GROUPS.items()
        }
        cls.outsider = new_test_user(cls.env, login="ms_outsider", groups="base.group_user")
        cls.clerk_b = new_test_user(
            cls.env, login="ms_clerk_b", groups="base.group_user,medsync.group_medsync_ap_clerk",
            company_id=cls.company_b.id, company_ids=[(6, 0, [cls.company_b.id])],
        )
        cls.team = cls.env["medsync.team"].create({
            "name": "Test AP", "leader_id": cls.users["ap_manager"].id,
            "member_ids": [(6, 0, [cls.users["ap_clerk"].id, cls.users["ap_manager"].id])],
        })
        Reason = cls.env["medsync.exception.reason"]
        cls.reason_ap = Reason.create({
            "code": "TEST_PRICE", "name": "Price above PO", "engine": "matching", "sla_hours": 24,
            "team_id": cls.team.id, "waive_group_id": cls.env.ref("medsync.group_medsync_ap_manager").id,
        })
        cls.reason_stock = Reason.create({
            "code": "TEST_DRIFT", "name": "Stock drift", "engine": "reconcile", "severity": "high",
            "waive_group_id": cls.env.ref("medsync.group_medsync_inventory").id,
        })

    def raise_exception(self, user=None, **vals):
        env = self.env(user=user) if user else self.env
        vals.setdefault("name", "Bill line price 12.40 above PO 11.90")
        vals.setdefault("reason_id", self.reason_ap.id)
        return env["medsync.exception"].create(vals)


def webhook_receiver(case, path="/hook"):
    """A local HTTP server standing for an external system's webhook, for
    the length of ``case``: returns its URL and the list of ``(headers,
    body)`` it received (it answers 200)."""
    received = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    case.addCleanup(server.shutdown)
    return f"http://127.0.0.1:{server.server_port}{path}", received
