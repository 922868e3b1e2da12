"""Every call from the addon into the engines goes through services/engine.py:
its error mapping and its clear message when the wheel is missing.

The check reads every Python file under odoo_addon/ (every addon, its tests
included, today's files and every later one) and refuses any way of reaching
the module other than through engine.py's functions: an import statement,
``__import__`` or ``importlib.import_module`` with its name, or reaching
through an attribute named ``medsync_core`` (``engine.medsync_core``)."""

import ast
from pathlib import Path

import pytest

ADDONS = Path(__file__).resolve().parent.parent / "odoo_addon"
DOOR = ADDONS / "medsync" / "services" / "engine.py"
CORE = "medsync_core"


def _is_core(name):
    return (name or "").split(".")[0] == CORE


def _ways_in(source, filename="<snippet>"):
    """Line numbers where the source reaches medsync_core other than through engine.py's functions."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import) and any(_is_core(a.name) for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and _is_core(node.module):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and _is_core(node.args[0].value) \
                and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in ("__import__",
                                                                                            "import_module"):
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == CORE:
            lines.append(node.lineno)
    return sorted(lines)


@pytest.mark.parametrize("source", [
    "import medsync_core",
    "import medsync_core as mc",
    "import os, medsync_core.x",
    "from medsync_core import match_bills",
    "def f():\n    import medsync_core\n",
    "mc = __import__('medsync_core')",
    "import importlib\nmc = importlib.import_module('medsync_core')",
    "from importlib import import_module\nmc = import_module('medsync_core')",
    "from ..services import engine\nmc = engine.medsync_core",
])
def test_the_check_sees_each_way_in(source):
    assert _ways_in(source), source


@pytest.mark.parametrize("source", [
    "from ..services import engine\nmc = engine.core(env)",
    "engine.call(env, 'round_many', [1.0], 2)",
    "'''calls medsync_core.match_bills once'''",
    "patch.dict(sys.modules, {'medsync_core': None})",
])
def test_the_check_lets_the_door_be_used(source):
    assert not _ways_in(source), source


def test_only_the_engine_module_reaches_medsync_core():
    files = sorted(ADDONS.rglob("*.py"))
    assert DOOR in files and len(files) > 50, "the addon's files are not where the check looks"
    offenders = [f"{p.relative_to(ADDONS)}:{line}" for p in files if p != DOOR
                 for line in _ways_in(p.read_text(), str(p))]
    assert not offenders, f"reach medsync_core through services/engine.py, not directly: {offenders}"


def test_the_door_itself_imports_it():
    assert _ways_in(DOOR.read_text(), str(DOOR)), \
        "services/engine.py no longer imports medsync_core: the check above proves nothing"
