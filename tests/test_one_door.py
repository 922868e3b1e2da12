"""Every call from the addon into the engines goes through services/engine.py:
its error mapping and its clear message when the wheel is missing."""

import ast
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent / "odoo_addon" / "medsync"
DOOR = ADDON / "services" / "engine.py"


def _imports_core(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "medsync_core" for a in node.names):
            return node.lineno
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "medsync_core":
            return node.lineno
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__" and node.args \
                and getattr(node.args[0], "value", "") == "medsync_core":
            return node.lineno
    return None


def test_only_the_engine_module_imports_medsync_core():
    offenders = [f"{p.relative_to(ADDON)}:{line}" for p in sorted(ADDON.rglob("*.py"))
                 if p != DOOR and "tests" not in p.relative_to(ADDON).parts and (line := _imports_core(p))]
    assert not offenders, f"import medsync_core through services/engine.py, not directly: {offenders}"


def test_the_door_itself_imports_it():
    assert _imports_core(DOOR), "services/engine.py no longer imports medsync_core: the check above proves nothing"
