#!/usr/bin/env bash
# MedSync on two HTTP nodes and one job node behind a round-robin proxy (see tools/nodes.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/venv.sh odoo >/dev/null
bash tools/build_wheel.sh >/dev/null
eval "$(bash tools/pg.sh start)"
export PGHOST PGPORT PGUSER
exec .venv/bin/python tools/nodes.py "$@"
