"""The one place the addon imports the Rust engines.

Odoo refuses to install MedSync without ``medsync_core`` (manifest
``external_dependencies``); on a server where the wheel went missing after
install, the registry still loads and every engine call says what is wrong.
"""

import logging
import os
import socket

from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

try:
    import medsync_core
except ImportError:  # pragma: no cover - exercised only on a broken server
    medsync_core = None
    _logger.warning("medsync_core is not installed: MedSync engines are unavailable")


def core(env):
    """The engine module, or a clear error for the user."""
    if medsync_core is None:
        raise UserError(env._(
            "The MedSync engine (Python package medsync_core) is not installed on this server. "
            "Ask your administrator to install it (pip install medsync-core) and restart Odoo."
        ))
    return medsync_core


def module():
    """The engine module for code that has no environment to word a user's
    error in (the bulk writes, given a cursor): a RuntimeError when it is missing."""
    if medsync_core is None:
        raise RuntimeError("The MedSync engine (Python package medsync_core) is not installed on this server.")
    return medsync_core


def node():
    """This node's name: ``MEDSYNC_NODE`` (each node of a deployment sets its own), else the host's."""
    return os.environ.get("MEDSYNC_NODE") or socket.gethostname()


def threads():
    """The engine pool's threads in this process, or None when the engine is missing."""
    return None if medsync_core is None else medsync_core.thread_count()


def describe(env):
    if medsync_core is None:
        return env._("not installed")
    return f"medsync_core {medsync_core.__version__}, {medsync_core.thread_count()} thread(s)"


def call(env, fn_name, *args, **kwargs):
    """Call an engine function; bad input becomes a UserError with its code."""
    mc = core(env)
    try:
        return getattr(mc, fn_name)(*args, **kwargs)
    except mc.InputError as exc:
        raise UserError(env._("MedSync rejected the data (%(code)s): %(msg)s", code=exc.code, msg=exc)) from exc
