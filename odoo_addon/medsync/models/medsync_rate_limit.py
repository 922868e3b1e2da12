"""Request rate limits shared by every Odoo worker process (see services/hub.py).

Each request counts one in the bucket of its time window, a row of an UNLOGGED
table (counters are worth no WAL: a crash forgets them, which only forgives a
few requests). The limit is a sliding window estimated from two fixed ones:
the current bucket plus the previous one weighted by the part of it still
inside the sliding window, so that a burst straddling a window boundary is not
allowed twice. One upsert counts and reads both buckets.

The count is written on a cursor of its own, in READ COMMITTED, and committed
at once: a hot bucket is locked for the length of one statement, never for a
whole request; concurrent workers queue on the row and each sees the others'
hits instead of failing a serialisation check; and a request refused or failed
afterwards has still counted."""

import math

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, models, sql_db
from odoo.tools import SQL

TABLE = "medsync_rate_bucket"
KEEP_WINDOWS = 2  # the previous window is read; older buckets are housekeeping's


def estimate(prev, cur, elapsed, width):
    """Requests in the sliding window ending now: all of the current bucket,
    the share of the previous one still inside the window."""
    return prev * max(width - elapsed, 0.0) / width + cur


def retry_after(prev, cur, elapsed, width, limit):
    """Whole seconds (at least 1) until one more request fits, if no other
    request comes meanwhile."""
    if cur >= limit:  # the next window, where this bucket becomes the previous one
        wait = (width - elapsed) + width * (1 - (limit - 1) / cur)
    elif prev:  # this window: wait for the previous bucket's share to fall
        wait = (width - elapsed) - width * (limit - cur - 1) / prev
    else:
        wait = 0
    return max(1, math.ceil(wait))


def hit(cr, scope, key, width):
    """Count one request in ``(scope, key)``'s bucket of the current window of
    ``width`` seconds (the database's clock); returns ``(current, previous,
    seconds into the current window)``."""
    cr.execute(SQL("""
        WITH w AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now),
             b AS (SELECT now, (floor(now / %(width)s) * %(width)s)::bigint AS start FROM w),
             hit AS (INSERT INTO medsync_rate_bucket AS r (scope, key, width, start, hits)
                     SELECT %(scope)s, %(key)s, %(width)s, start, 1 FROM b
                     ON CONFLICT (scope, key, width, start) DO UPDATE SET hits = r.hits + 1
                     RETURNING r.hits)
        SELECT hit.hits, coalesce(prev.hits, 0), b.now - b.start
          FROM hit CROSS JOIN b
          LEFT JOIN medsync_rate_bucket prev
                 ON prev.scope = %(scope)s AND prev.key = %(key)s AND prev.width = %(width)s
                AND prev.start = b.start - %(width)s""", scope=scope, key=key, width=width))
    return cr.fetchone()


def hit_committed(cr, scope, key, width):
    """:func:`hit` on a cursor of its own, in READ COMMITTED, committed and
    closed at once."""
    if isinstance(cr, sql_db.Cursor):  # a real connection (a test cursor shares the test's transaction)
        cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
    with cr:
        return hit(cr, scope, key, width)


def peek(cr, scope, key, width):
    """As :func:`hit`, without counting."""
    cr.execute(SQL("""
        WITH b AS (SELECT now, (floor(now / %(width)s) * %(width)s)::bigint AS start
                     FROM (SELECT extract(epoch FROM clock_timestamp())::float8 AS now) w)
        SELECT coalesce(sum(r.hits) FILTER (WHERE r.start = b.start), 0),
               coalesce(sum(r.hits) FILTER (WHERE r.start = b.start - %(width)s), 0), min(b.now - b.start)
          FROM b LEFT JOIN medsync_rate_bucket r
                 ON r.scope = %(scope)s AND r.key = %(key)s AND r.width = %(width)s
                AND r.start IN (b.start, b.start - %(width)s)""", scope=scope, key=key, width=width))
    return cr.fetchone()


class MedsyncRateLimit(models.AbstractModel):
    """The shared counters (no ORM records: one table, two statements)."""

    _name = "medsync.rate.limit"
    _description = "MedSync request rate counters"

    def init(self):
        self.env.cr.execute(SQL("""
            CREATE UNLOGGED TABLE IF NOT EXISTS medsync_rate_bucket (
                scope varchar NOT NULL,
                key varchar NOT NULL,
                width integer NOT NULL,
                start bigint NOT NULL,
                hits integer NOT NULL,
                PRIMARY KEY (scope, key, width, start))"""))

    @api.model
    def _hit(self, scope, key, width, limit):
        """Count a request; ``(allowed, seconds to wait)``. Committed at once
        on a cursor of its own (see the module's docstring)."""
        width = max(int(width), 1)
        cur, prev, elapsed = hit_committed(self.env.registry.cursor(), scope, key, width)
        if estimate(prev, cur, elapsed, width) <= limit:
            return True, 0
        return False, retry_after(prev, cur, elapsed, width, limit)

    @api.model
    def _blocked(self, scope, key, width, limit):
        """Whether one more request would be over the limit (nothing
        counted); ``(blocked, seconds to wait)``."""
        width = max(int(width), 1)
        cur, prev, elapsed = peek(self.env.cr, scope, key, width)
        if estimate(prev, cur + 1, elapsed, width) <= limit:
            return False, 0
        return True, retry_after(prev, cur, elapsed, width, limit)

    @api.model
    def _purge(self):
        """Drop the buckets no limit reads any more; returns their number."""
        self.env.cr.execute(SQL(
            "DELETE FROM medsync_rate_bucket WHERE start + width * %s < extract(epoch FROM clock_timestamp())",
            KEEP_WINDOWS))
        return self.env.cr.rowcount
