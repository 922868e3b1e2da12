"""Bulk writes in one statement, for the engines' result rows.

Inserts stream the rows with ``COPY ... FROM STDIN`` (PostgreSQL's own text
format, as Odoo does for ``ir_model_data``), formatted by the engine module
(``medsync_core.copy_text``): no SQL expression per value, no JSON document to
build and parse, no Python string per value. Updates send their rows as one JSON
document (``json_to_recordset``). Callers flush what they read first and
invalidate the cache of what they wrote after.
"""

import io
import json

import psycopg2.extensions

from odoo.tools import SQL

from . import engine


def _kind(sql_type):
    """How ``medsync_core.copy_text`` writes a column of this SQL type."""
    if sql_type in ("int", "int4", "integer", "float8", "numeric"):
        return "number"
    if sql_type in ("bool", "boolean"):
        return "bool"
    return "text"  # varchar, text, date, timestamp: their str() is what COPY reads


def _records(columns, values):
    names = [n for n, _t in columns]
    n = len(values[names[0]]) if names else 0
    cols = [values[name] for name in names]
    return json.dumps([dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)] if n else [],
                      default=str)


def log_access(env, now):
    """The ``constants`` of Odoo's create/write columns, for a row the ORM did not write."""
    return [("create_uid", env.uid), ("create_date", now), ("write_uid", env.uid), ("write_date", now)]


def insert(cr, table, columns, values, constants=()):
    """INSERT ``values`` (dict of equal-length lists, typed by ``columns`` as
    ``(name, sql type)``) into ``table``, with ``constants`` (``(name, value)``)
    added to every row."""
    names = [n for n, _t in columns]
    if not names or not len(values[names[0]]):
        return
    core = engine.module()
    # the constants once, in the same form, as a suffix of every row
    fixed = core.copy_text([n for n, _v in constants], [_kind("bool" if isinstance(v, bool) else "")
                                                       for _n, v in constants], [[v] for _n, v in constants])
    data = core.copy_text(names, [_kind(t) for _n, t in columns], [values[n] for n in names],
                          "\t" + fixed.rstrip("\n") if constants else "")
    target = SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table),
                 SQL(", ").join(SQL.identifier(n) for n in [*names, *(c for c, _v in constants)]))
    # as Odoo's own COPY: no asynchronous wait callback while the rows stream
    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        cr.copy_expert(target.code, io.StringIO(data))
    finally:
        psycopg2.extensions.set_wait_callback(callback)


def update(cr, table, columns, values, key="id"):
    """UPDATE ``table`` SET the ``columns`` of each row whose ``key`` is given."""
    record_type = SQL(", ").join(SQL("%s %s", SQL.identifier(n), SQL(t)) for n, t in columns)
    sets = SQL(", ").join(SQL("%s = r.%s", SQL.identifier(n), SQL.identifier(n)) for n, _t in columns if n != key)
    cr.execute(SQL("UPDATE %s AS t SET %s FROM json_to_recordset(%s::json) AS r(%s) WHERE t.%s = r.%s",
                   SQL.identifier(table), sets, _records(columns, values), record_type, SQL.identifier(key),
                   SQL.identifier(key)))
