"""Billing batches end to end in a real Odoo 18 database: through the hub
into posted journal entries.

    python benches/bench_billing_odoo.py --size 100000      (needs ODOO_SRC and the project's .venv)

Uses (or creates) the database ``medsync_bench`` with MedSync installed
without demo data. Sets up a billing platform with its flow, four revenue
accounts and a receivable, five departments and four payer classes, and
its mapping. Then sends batches of 1,000 lines (per batch: 800 revenue
lines over 3 codes, 5 departments and 4 payer classes, and 200 receivable
lines over 20 payer references, with control totals per department)
through the hub's door (``hub.accept``, the function the HTTP route calls:
validation, keyed hashes, the message store), processes the messages
(lines stored, the engine's validation and mapping) and posts them (one
summarised entry each, created and posted by the billing poster).

Measured and committed per phase: ``accept_s``, ``process_s``, ``post_s``
and ``total_s`` end to end, and of ``post_s`` the share of Odoo's own
accounting (``odoo_entries_s``: ``account.move`` create and ``action_post``
of the entries with their analytic lines); run at a quarter of the size first, then at
the size, so that the cost per line can be compared (``linear``: the
ratio of the seconds per line). Prints, as its last line, a JSON object.
Generated data is deleted afterwards.
"""

import json
import time

from bench_match_odoo import open_odoo

LINES_PER_BATCH = 1000


def setup(env, tag):
    Account = env["account.account"]
    accounts = [Account.create({"code": f"49{tag[-4:]}{i}", "name": f"Bench revenue {tag}-{i}",
                                "account_type": "income"}) for i in range(3)]
    receivable = Account.create({"code": f"12{tag[-4:]}9", "name": f"Bench receivables {tag}",
                                 "account_type": "asset_receivable", "reconcile": True})
    journal = env["account.journal"].create({"name": f"Bench billing {tag}", "code": f"B{tag[-4:]}",
                                             "type": "general"})
    Analytic = env["account.analytic.account"]
    depts = Analytic.create([{"name": f"Bench dept {tag}-{d}", "code": f"D{tag}-{d}",
                              "plan_id": env.ref("medsync.analytic_plan_departments").id} for d in range(5)])
    payers = Analytic.create([{"name": f"Bench payer {tag}-{p}", "code": f"P{tag}-{p}",
                               "plan_id": env.ref("medsync.analytic_plan_payer_classes").id} for p in range(4)])
    source = f"BENCH{tag}"
    rules = env["medsync.billing.rule"].create(
        [{"source": source, "code": f"R{i}", "account_id": a.id, "journal_id": journal.id}
         for i, a in enumerate(accounts)]
        + [{"source": source, "code": "AR", "account_id": receivable.id, "journal_id": journal.id}])
    system = env["medsync.system"].create({"name": f"Bench billing {tag}", "code": f"bench-bill-{tag}",
                                           "kind": "billing", "rate_limit": 100000, "rate_burst": 100000})
    env["medsync.flow"].create({"system_id": system.id, "code": "b", "name": "batches",
                                "doc_type": "billing_batch", "billing_window": "manual"})
    return {"accounts": accounts, "receivable": receivable, "journal": journal, "depts": depts, "payers": payers,
            "source": source, "rules": rules, "system": system}


def batch_doc(setup_data, tag, b, day, currency):
    source = setup_data["source"]
    lines, per_dept = [], {}
    revenue = LINES_PER_BATCH * 4 // 5
    ar = LINES_PER_BATCH - revenue
    total = 0
    ar_amounts = [0] * ar
    for k in range(revenue):
        cents = 1000 + (k * 37) % 90000
        dept = f"D{tag}-{k % 5}"
        lines.append({"line_id": f"{b}-{k}", "code": f"R{k % 3}", "department": dept,
                      "payer_class": f"P{tag}-{k % 4}", "amount": f"{cents // 100}.{cents % 100:02d}",
                      "side": "credit", "service_date": day, "payer_ref": f"ACC-{b}-{k % 20}",
                      "encounter_ref": f"ENC-{b}-{k}"})
        per_dept[dept] = per_dept.get(dept, 0) + cents
        ar_amounts[k % ar] += cents
        total += cents
    for k in range(ar):
        cents = ar_amounts[k]
        lines.append({"line_id": f"{b}-A{k}", "code": "AR", "payer_class": f"P{tag}-{k % 4}",
                      "amount": f"{cents // 100}.{cents % 100:02d}", "side": "debit", "service_date": day,
                      "payer_ref": f"ACC-{b}-{k % 20}"})

    def money(c):
        return f"{c // 100}.{c % 100:02d}"
    return {"batch_id": f"BB-{tag}-{b}", "source": source, "business_date": day, "currency": currency,
            "record_count": len(lines), "total_debit": money(total), "total_credit": money(total),
            "totals": [{"kind": "department", "key": d, "debit": "0", "credit": money(c)}
                       for d, c in sorted(per_dept.items())],
            "lines": lines}


def timed(cls, name, into):
    """Count the seconds spent in ``cls.name`` (Odoo's own accounting) into ``into[name]``."""
    inner = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(self, *args, **kwargs)
        finally:
            into[name] = into.get(name, 0.0) + time.perf_counter() - t
    setattr(cls, name, wrapper)
    return inner


def run(registry, size, tag):
    from odoo import SUPERUSER_ID, api

    from odoo.addons.account.models.account_move import AccountMove
    from odoo.addons.medsync.services import billing, hub

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        data = setup(env, tag)
        cr.commit()
        info = hub._system_info(env, data["system"].code)
        docs = [json.dumps(batch_doc(data, tag, b, "2026-11-02", env.company.currency_id.name)).encode()
                for b in range(max(1, size // LINES_PER_BATCH))]
        t0 = time.perf_counter()
        for b, body in enumerate(docs):
            hub.accept(env, info, "billing_batch", body, f"bench-{tag}-{b}", None)
        cr.commit()
        t1 = time.perf_counter()
        msgs = env["medsync.message"].search([("system_id", "=", data["system"].id), ("state", "=", "queued")])
        done = hub.process(msgs)
        cr.commit()
        t2 = time.perf_counter()
        batches = env["medsync.billing.batch"].search([("system_id", "=", data["system"].id)])
        states = {s: len(batches.filtered(lambda x, s=s: x.state == s)) for s in set(batches.mapped("state"))}
        assert states == {"validated": len(docs)}, states
        odoo_s = {}
        originals = {n: timed(AccountMove, n, odoo_s) for n in ("create", "action_post")}
        try:
            billing.post(batches)
            t_flush = time.perf_counter()
            env.flush_all()
            odoo_s["flush"] = time.perf_counter() - t_flush
        finally:
            for n, f in originals.items():
                setattr(AccountMove, n, f)
        cr.commit()
        t3 = time.perf_counter()
        assert set(batches.mapped("state")) == {"posted"}, set(batches.mapped("state"))
        lines = sum(batches.mapped("line_count"))
        items = env["account.move.line"].search_count([("move_id", "in", batches.move_id.ids)])
        result = {"lines": lines, "batches": len(batches), "messages_done": done, "journal_items": items,
                  "accept_s": round(t1 - t0, 3), "process_s": round(t2 - t1, 3), "post_s": round(t3 - t2, 3),
                  "total_s": round(t3 - t0, 3),
                  # of post_s: Odoo's account.move create and action_post of the entries (and their analytic
                  # lines), the final flush of what they left pending
                  "odoo_entries_s": round(sum(odoo_s.values()), 3)}
        cleanup(env, data, batches)
    return result


def cleanup(env, data, batches):
    from odoo.tools import SQL

    cr = env.cr
    moves = batches.move_id.ids
    msgs = batches.message_id.ids
    cr.execute(SQL("UPDATE medsync_billing_batch SET move_id = NULL WHERE id = ANY(%s)", batches.ids))
    cr.execute(SQL("DELETE FROM account_analytic_line WHERE move_line_id IN "
                   "(SELECT id FROM account_move_line WHERE move_id = ANY(%s))", moves))
    cr.execute(SQL("DELETE FROM account_move_line WHERE move_id = ANY(%s)", moves))
    cr.execute(SQL("DELETE FROM account_move WHERE id = ANY(%s)", moves))
    cr.execute(SQL("DELETE FROM medsync_billing_batch WHERE id = ANY(%s)", batches.ids))
    cr.execute(SQL("DELETE FROM medsync_message_link WHERE message_id = ANY(%s)", msgs))
    cr.execute(SQL("DELETE FROM medsync_message WHERE system_id = %s", data["system"].id))
    cr.commit()
    env.invalidate_all()
    data["rules"].write({"active": False})
    data["system"].write({"active": False})
    cr.commit()


def main():
    args, registry = open_odoo(__doc__.split("\n")[0], default_size=100_000)
    tag = str(int(time.time()))
    small = run(registry, max(LINES_PER_BATCH, args.size // 4), tag + "1")
    full = run(registry, args.size, tag + "2")
    per_line = [r["total_s"] / r["lines"] for r in (small, full)]
    result = {"bench": "billing_odoo", "size": args.size, **full, "target_total_s": 30,
              "small": small, "linear": round(per_line[1] / per_line[0], 2)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
