"""The hub's figures, for the dashboard and for Prometheus: per flow the
queue, its age, errors, latency, throughput and dead letters; beside them the
business view (orders not acknowledged, invoices not matched, payment
updates that failed, exception aging)."""

import os

from odoo.tools import SQL

from . import engine
from .hub import flow_stats

AGE_BUCKETS = (("0-1d", 0, 1), ("1-3d", 1, 3), ("3-7d", 3, 7), ("7d+", 7, 100000))


def business_kpis(env, company_ids):
    cr = env.cr
    for model in ("purchase.order", "account.move", "medsync.message", "medsync.exception"):
        env[model].flush_model()
    out = {}
    cr.execute(SQL("""SELECT count(*) FILTER (WHERE medsync_ack_state = 'waiting'),
                             count(*) FILTER (WHERE medsync_ack_state = 'waiting'
                                               AND medsync_ack_due < now() at time zone 'utc'),
                             count(*) FILTER (WHERE medsync_ack_state IN ('exceptions', 'rejected'))
                        FROM purchase_order WHERE state = 'purchase' AND company_id = ANY(%s)""", company_ids))
    out["unacknowledged_pos"], out["overdue_acknowledgements"], out["acknowledged_with_exceptions"] = cr.fetchone()
    cr.execute(SQL("""SELECT count(*) FROM account_move m
                       WHERE m.move_type = 'in_invoice' AND m.state != 'cancel' AND m.company_id = ANY(%s)
                         AND m.medsync_match_state IN ('none', 'hold')
                         AND EXISTS (SELECT 1 FROM medsync_message_link l
                                      WHERE l.res_model = 'account.move' AND l.res_id = m.id)""", company_ids))
    out["unmatched_invoices"] = cr.fetchone()[0]
    cr.execute(SQL("""SELECT count(*) FROM medsync_message
                       WHERE doc_type = 'payment_status' AND state IN ('dead', 'retrying')
                         AND company_id = ANY(%s)""", company_ids))
    failed = cr.fetchone()[0]
    cr.execute(SQL("""SELECT count(*) FROM medsync_exception
                       WHERE reason_code IN ('HUB_PAYMENT_FAILED', 'HUB_PAYMENT_REVERSED')
                         AND state IN ('open', 'in_progress') AND company_id = ANY(%s)""", company_ids))
    out["failed_payment_updates"] = failed + cr.fetchone()[0]
    cr.execute(SQL("""SELECT extract(epoch FROM (now() at time zone 'utc') - create_date) / 86400.0
                        FROM medsync_exception
                       WHERE engine = 'hub' AND state IN ('open', 'in_progress') AND company_id = ANY(%s)""",
                   company_ids))
    ages = [r[0] for r in cr.fetchall()]
    out["exception_aging"] = {name: sum(1 for a in ages if lo <= a < hi) for name, lo, hi in AGE_BUCKETS}
    return out


def _esc(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus(env, company_ids):
    flows = env["medsync.flow"].sudo().search([("company_id", "in", company_ids)])  # sudo: figures only
    stats = flow_stats(env, flows.ids)
    series = {
        "medsync_hub_queue_depth": ("gauge", "Messages waiting or in processing", "depth", 1),
        "medsync_hub_oldest_age_seconds": ("gauge", "Age of the oldest waiting message", "oldest_s", 1),
        "medsync_hub_done_last_hour": ("gauge", "Messages processed in the last hour", "done_1h", 1),
        "medsync_hub_error_ratio_24h": ("gauge", "Share of messages refused, retried or dead (24 h)",
                                        "error_rate", 1),
        "medsync_hub_dead_letters": ("gauge", "Messages in the dead letters", "dead", 1),
    }
    lines = []
    for name, (kind, help_, key, scale) in series.items():
        lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
        for flow in flows:
            labels = (f'system="{_esc(flow.system_id.code)}",flow="{_esc(flow.code)}",'
                      f'channel="{_esc(flow.criticality)}"')
            lines.append(f"{name}{{{labels}}} {stats.get(flow.id, {}).get(key, 0) * scale}")
    lines += ["# HELP medsync_hub_latency_seconds Received to done, last hour",
              "# TYPE medsync_hub_latency_seconds summary"]
    for flow in flows:
        labels = f'system="{_esc(flow.system_id.code)}",flow="{_esc(flow.code)}"'
        s = stats.get(flow.id, {})
        lines.append(f'medsync_hub_latency_seconds{{{labels},quantile="0.5"}} {s.get("p50_ms", 0) / 1000.0}')
        lines.append(f'medsync_hub_latency_seconds{{{labels},quantile="0.95"}} {s.get("p95_ms", 0) / 1000.0}')
    kpis = business_kpis(env, company_ids)
    for key in ("unacknowledged_pos", "overdue_acknowledgements", "acknowledged_with_exceptions",
                "unmatched_invoices", "failed_payment_updates"):
        lines += [f"# TYPE medsync_business_{key} gauge", f"medsync_business_{key} {kpis[key]}"]
    lines += ["# HELP medsync_hub_open_exceptions Open hub exceptions by age",
              "# TYPE medsync_hub_open_exceptions gauge"]
    for bucket, n in kpis["exception_aging"].items():
        lines.append(f'medsync_hub_open_exceptions{{age="{bucket}"}} {n}')
    lines += node_lines(env, company_ids)
    return "\n".join(lines) + "\n"


def node_lines(env, company_ids):
    """Which node did what in the last hour (messages done, engine runs and
    their seconds, from the node each recorded), and the answering process's
    own CPU seconds: on several nodes, where the work goes."""
    cr = env.cr
    env["medsync.message"].flush_model(["node", "done_at", "company_id"])
    env["medsync.run"].flush_model(["node", "engine", "date_start", "total_seconds", "company_id", "parent_id"])
    cr.execute(SQL("""SELECT coalesce(node, ''), count(*) FROM medsync_message
                       WHERE done_at > (now() at time zone 'utc') - interval '1 hour' AND company_id = ANY(%s)
                       GROUP BY 1 ORDER BY 1""", company_ids))
    lines = ["# HELP medsync_node_messages_done_last_hour Messages processed in the last hour, by node",
             "# TYPE medsync_node_messages_done_last_hour gauge"]
    lines += [f'medsync_node_messages_done_last_hour{{node="{_esc(node)}"}} {n}' for node, n in cr.fetchall()]
    cr.execute(SQL("""SELECT coalesce(node, ''), engine, count(*), coalesce(sum(total_seconds), 0) FROM medsync_run
                       WHERE date_start > (now() at time zone 'utc') - interval '1 hour' AND parent_id IS NULL
                         AND company_id = ANY(%s)
                       GROUP BY 1, 2 ORDER BY 1, 2""", company_ids))
    rows = cr.fetchall()
    lines += ["# HELP medsync_node_runs_last_hour Engine runs started in the last hour, by node and engine",
              "# TYPE medsync_node_runs_last_hour gauge"]
    lines += [f'medsync_node_runs_last_hour{{node="{_esc(node)}",engine="{_esc(eng)}"}} {n}'
              for node, eng, n, _s in rows]
    lines += ["# HELP medsync_node_run_seconds_last_hour Seconds spent in those runs, by node and engine",
              "# TYPE medsync_node_run_seconds_last_hour gauge"]
    lines += [f'medsync_node_run_seconds_last_hour{{node="{_esc(node)}",engine="{_esc(eng)}"}} {s:.3f}'
              for node, eng, _n, s in rows]
    lines += ["# HELP medsync_process_cpu_seconds CPU seconds of the process that answered this scrape",
              "# TYPE medsync_process_cpu_seconds counter",
              f'medsync_process_cpu_seconds{{node="{_esc(engine.node())}",pid="{os.getpid()}"}} '
              f'{sum(os.times()[:2]):.3f}']
    return lines
