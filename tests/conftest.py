import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo/18.0"))


def _load_odoo_float_utils():
    """Odoo's own ``odoo/tools/float_utils.py``, loaded by path (it imports only
    the standard library), so parity can be proved without starting Odoo."""
    path = ODOO_SRC / "odoo" / "tools" / "float_utils.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("odoo_float_utils", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ODOO_FLOAT_UTILS = _load_odoo_float_utils()


@pytest.fixture(scope="session")
def odoo_float_utils():
    if ODOO_FLOAT_UTILS is None:
        pytest.skip(f"no Odoo source at {ODOO_SRC} (set ODOO_SRC): Odoo parity not checked")
    return ODOO_FLOAT_UTILS
