"""The hub's leaf module: its refusal (``HubError``), the problem of a
document, the signature of outbound messages and the job channels.

It imports the standard library only, nothing of Odoo nor of the addon, so
that every other part of the hub (``hub``, ``hub_handlers``, the controller,
the models) can import it at module level without a cycle, as OCA
queue_job's ``exception.py`` does."""

import hashlib
import hmac
from collections import namedtuple

# queue_job channel and priority of a message by its flow's criticality
CHANNELS = {"procurement": "root.medsync.hub.procurement", "billing": "root.medsync.hub.billing",
            "batch": "root.medsync.hub.batch"}
PRIORITY = {"procurement": 5, "billing": 10, "batch": 20}

Problem = namedtuple("Problem", ["path", "rule", "message"])
Problem.__doc__ = """What is wrong in a document: ``path`` (``lines[2].qty``, ``$``
for the document), ``rule`` (a stable code) and ``message``; the engine's
``medsync_core.Problem`` has the same fields."""


class HubError(Exception):
    """A refusal with a stable code. At the door it becomes an HTTP answer;
    in processing, ``permanent`` sends the message to the dead letters."""

    def __init__(self, code, message, status=422, problems=None, permanent=True, retry_after=None):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.problems, self.permanent, self.retry_after = problems or [], permanent, retry_after

    def body(self):
        err = {"code": self.code, "message": self.message}
        if self.problems:
            err["problems"] = [{"path": p.path, "rule": p.rule, "message": p.message} for p in self.problems]
        return {"error": err}


def sign(secret, timestamp, body):
    """``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``: the receiver checks
    the time (replays) and the body (tampering) with the shared secret."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
