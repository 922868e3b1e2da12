#!/usr/bin/env bash
# make run: Odoo 18 with MedSync on a demo database, served on http://127.0.0.1:8069
# with the queue_job runner. Idempotent: a second run reuses the environment,
# the cluster and the database (MEDSYNC_RESET=1 recreates the database).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RUN=${MEDSYNC_RUN_DIR:-$here/.run}
export ODOO_SRC=${ODOO_SRC:-/opt/odoo/18.0}
DB=${MEDSYNC_DB:-medsync_demo}
PORT=${MEDSYNC_HTTP_PORT:-8069}
VENV=${VENV:-$here/.venv}
mkdir -p "$RUN"

if [ ! -f "$ODOO_SRC/odoo/__init__.py" ]; then
  echo "run: no Odoo source at $ODOO_SRC; cloning Odoo 18.0 community from its public repository..."
  if ! timeout 900 git clone --quiet --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_SRC"; then
    rm -rf "$ODOO_SRC"
    cat >&2 <<MSG

run: could not get an Odoo 18.0 source tree (no network access to its repository?).
     Provide one and run again, for example:
       git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git /opt/odoo/18.0
     or point ODOO_SRC at an existing 18.0 checkout:  ODOO_SRC=/path/to/odoo make run
MSG
    exit 2
  fi
fi

bash "$here/tools/venv.sh" odoo
bash "$here/tools/build_wheel.sh"
eval "$(bash "$here/tools/pg.sh" start)"

conf=$RUN/odoo.conf
cat > "$conf" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$here/odoo_addon
data_dir = $RUN/odoo-data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_name = $DB
dbfilter = ^$DB\$
list_db = False
http_interface = 127.0.0.1
http_port = $PORT
server_wide_modules = base,web,queue_job
workers = 0
without_demo = False
log_level = info

[queue_job]
channels = root:2,root.medsync:2,root.medsync.match:1,root.medsync.hub.procurement:1,root.medsync.hub.billing:1,root.medsync.hub.batch:1
CONF

odoo() { PYTHONPATH="$ODOO_SRC" "$VENV/bin/python" "$ODOO_SRC/setup/odoo-bin" -c "$conf" "$@"; }

[ "${MEDSYNC_RESET:-0}" = 1 ] && dropdb --if-exists "$DB"
installed=$(psql -d "$DB" -tAc "SELECT state FROM ir_module_module WHERE name='medsync'" 2>/dev/null || true)
if [ "$installed" != installed ]; then
  echo "run: creating the demo database '$DB' with MedSync and demo data (about a minute)..."
  dropdb --if-exists "$DB"
  odoo -d "$DB" -i medsync --stop-after-init --log-level=warn
else
  echo "run: updating MedSync in '$DB'..."
  odoo -d "$DB" -u medsync --stop-after-init --log-level=warn
fi

cat <<MSG

MedSync is starting on http://127.0.0.1:$PORT  (database $DB)
  log in as admin / admin, or as a role: reader, buyer, apclerk, apmanager, inventory, steward,
  integration (password = login).  Stop with Ctrl-C.
MSG
# the venv first on PATH: Odoo restarts itself (memory limit, module update) by running "python" again
exec env PATH="$VENV/bin:$PATH" PYTHONPATH="$ODOO_SRC" "$VENV/bin/python" "$ODOO_SRC/setup/odoo-bin" -c "$conf"
