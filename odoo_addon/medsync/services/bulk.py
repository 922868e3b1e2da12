"""Bulk writes in one statement, for the engines' result rows.

Inserts stream the rows with ``COPY ... FROM STDIN`` (PostgreSQL's own text
format, as Odoo does for ``ir_model_data``): no SQL expression per value, no
JSON document to build and parse. Updates send their rows as one JSON
document (``json_to_recordset``). Callers flush what they read first and
invalidate the cache of what they wrote after.
"""

import io
import json
import math

import psycopg2.extensions

from odoo.tools import SQL

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _text(value):
    # None, or False as Odoo writes an empty non-boolean field, is NULL
    return _NULL if value is None or value is False else str(value).translate(_ESCAPE)


def _number(value):
    if value is None or value is False:
        return _NULL
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value if isinstance(value, str) else repr(value)  # Odoo's column values for floats are text


def _bool(value):
    return _NULL if value is None else ("t" if value else "f")


def _formatter(sql_type):
    if sql_type in ("int", "int4", "integer", "float8", "numeric"):
        return _number
    if sql_type in ("bool", "boolean"):
        return _bool
    return _text  # varchar, text, date, timestamp: their str() is what COPY reads


def _records(columns, values):
    names = [n for n, _t in columns]
    n = len(values[names[0]]) if names else 0
    cols = [values[name] for name in names]
    return json.dumps([dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)] if n else [],
                      default=str)


def insert(cr, table, columns, values, constants=()):
    """INSERT ``values`` (dict of equal-length lists, typed by ``columns`` as
    ``(name, sql type)``) into ``table``, with ``constants`` (``(name, value)``)
    added to every row."""
    names = [n for n, _t in columns]
    n = len(values[names[0]]) if names else 0
    if not n:
        return
    text_cols = [list(map(_formatter(t), values[name])) for name, t in columns]
    fixed = "".join("\t" + (_bool(v) if isinstance(v, bool) else _text(v)) for _n, v in constants)
    data = "".join("\t".join(row) + fixed + "\n" for row in zip(*text_cols, strict=True))
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
