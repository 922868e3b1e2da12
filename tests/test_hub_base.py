"""The hub's leaf module (services/hub_base.py) imports the standard library
only, so that hub.py, hub_handlers.py, the controller and the models import
it at module level; hub.py and hub_handlers.py no longer import each other
inside functions. Being plain Python, it is tested here without Odoo."""

import ast
import hashlib
import hmac
import importlib.util
import sys
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "odoo_addon" / "medsync" / "services"
LEAF = SERVICES / "hub_base.py"


def _imports(path):
    """(module, inside a function?) of every import of a file; relative ones as '.name'."""
    tree = ast.parse(path.read_text(), str(path))
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if n is not f}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in nested) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names = [base] if node.module else [base + a.name for a in node.names]
            out += [(n, id(node) in nested) for n in names]
    return out


def _load_leaf():
    spec = importlib.util.spec_from_file_location("medsync_hub_base", LEAF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_leaf_imports_the_standard_library_only():
    for name, _nested in _imports(LEAF):
        assert not name.startswith(".") and name.split(".")[0] in sys.stdlib_module_names, name


def test_hub_and_its_handlers_import_the_leaf_and_not_each_other_in_functions():
    hub, handlers = _imports(SERVICES / "hub.py"), _imports(SERVICES / "hub_handlers.py")
    assert (".hub_base", False) in handlers and (".hub_base", False) in hub
    assert (".hub_handlers", False) in hub
    assert ".hub" not in {n for n, _ in handlers}, "hub_handlers imports hub: the cycle is back"
    local = [n for path in ("hub.py", "hub_handlers.py", "hub_base.py")
             for n, inside in _imports(SERVICES / path) if inside and n.startswith(".")]
    assert not local, f"imports of the addon inside functions: {local}"


def test_sign_is_hmac_sha256_of_time_and_body():
    leaf = _load_leaf()
    header = leaf.sign("s3cret", 1700000000, b'{"po":"P1"}')
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    assert t == "1700000000"
    assert v1 == hmac.new(b"s3cret", b'1700000000.{"po":"P1"}', hashlib.sha256).hexdigest()


def test_hub_error_body_reads_problems_by_name():
    leaf = _load_leaf()
    err = leaf.HubError("VALIDATION_FAILED", "bad", problems=[leaf.Problem("documents", "required", "is required")])
    assert (err.status, err.permanent, str(err)) == (422, True, "bad")
    assert err.body() == {"error": {"code": "VALIDATION_FAILED", "message": "bad", "problems": [
        {"path": "documents", "rule": "required", "message": "is required"}]}}
    assert "problems" not in leaf.HubError("NOT_FOUND", "no", 404).body()["error"]
    assert set(leaf.CHANNELS) == set(leaf.PRIORITY) == {"procurement", "billing", "batch"}
