#!/usr/bin/env bash
# Build the medsync_core wheel (release) and install it into the project environment.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$here/.venv}
out=${MEDSYNC_RUN_DIR:-$here/.run}/wheels
bash "$here/tools/venv.sh" base
rm -rf "$out"
(cd "$here" && "$VENV/bin/maturin" build --release --out "$out")
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$out"/medsync_core-*.whl
