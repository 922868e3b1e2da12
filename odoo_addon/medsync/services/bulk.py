"""Bulk writes in one statement, for the engines' result rows.

Columns travel as one JSON document (``json_to_recordset``): PostgreSQL
parses it in one go, where a Python list sent as an ``ARRAY[...]``
constructor becomes one expression node per value and costs seconds at
100,000 rows. Callers flush what they read first and invalidate the cache of
what they wrote after.
"""

import json

from odoo.tools import SQL


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
    record_type = SQL(", ").join(SQL("%s %s", SQL.identifier(n), SQL(t)) for n, t in columns)
    targets = [SQL.identifier(n) for n, _t in constants] + [SQL.identifier(n) for n, _t in columns]
    sources = [SQL("%s", v) for _n, v in constants] + [SQL("r.%s", SQL.identifier(n)) for n, _t in columns]
    cr.execute(SQL("INSERT INTO %s (%s) SELECT %s FROM json_to_recordset(%s::json) AS r(%s)",
                   SQL.identifier(table), SQL(", ").join(targets), SQL(", ").join(sources),
                   _records(columns, values), record_type))


def update(cr, table, columns, values, key="id"):
    """UPDATE ``table`` SET the ``columns`` of each row whose ``key`` is given."""
    record_type = SQL(", ").join(SQL("%s %s", SQL.identifier(n), SQL(t)) for n, t in columns)
    sets = SQL(", ").join(SQL("%s = r.%s", SQL.identifier(n), SQL.identifier(n)) for n, _t in columns if n != key)
    cr.execute(SQL("UPDATE %s AS t SET %s FROM json_to_recordset(%s::json) AS r(%s) WHERE t.%s = r.%s",
                   SQL.identifier(table), sets, _records(columns, values), record_type, SQL.identifier(key),
                   SQL.identifier(key)))
