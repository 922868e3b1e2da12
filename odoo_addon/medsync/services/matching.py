"""Three-way matching between Odoo and the engine.

``match_moves(bills)`` reads everything the engine needs with one SQL query
per table, calls ``medsync_core.match_bills`` once per chunk of vendors, and
writes the results in bulk: the result rows (previous ones kept as history),
the bills' match state and hold, and the exceptions for whoever can fix them.
The vendor's bill is never changed.
"""

import datetime as dt
import hashlib
import time
from collections import defaultdict

from odoo import fields
from odoo.tools import SQL

from . import bulk, chatter, engine

EPOCH = dt.date(1970, 1, 1)
DUPLICATE_LOOKBACK_DAYS = 120

# status -> (reason code, who fixes it)
ROUTING = {
    "duplicate": ("MATCH_DUPLICATE", "ap"),
    "no_po": ("MATCH_NO_PO", "buyer"),
    "over_ordered": ("MATCH_OVER_ORDERED", "warehouse"),
    "missing_receipt": ("MATCH_MISSING_RECEIPT", "receiving"),
    "over_received": ("MATCH_OVER_RECEIVED", "warehouse"),
    "price_above_contract": ("MATCH_PRICE_CONTRACT", "buyer"),
    "price_above_po": ("MATCH_PRICE_PO", "buyer"),
    "price_below_po": ("MATCH_PRICE_BELOW", "buyer"),
}

# a bill without a purchase order under the company policy "approval" (res.company.medsync_no_po_policy):
# not held; one exception of its own, owned by the approver (medsync.no.po.approver)
NO_PO_APPROVAL = "MATCH_NO_PO_APPROVAL"

# medsync_match_result columns written from the engine's output, with their SQL types
RESULT_COLUMNS = [
    ("move_id", "int"), ("move_line_id", "int"), ("company_id", "int"), ("partner_id", "int"), ("product_id", "int"),
    ("purchase_line_id", "int"), ("status", "varchar"), ("level", "varchar"), ("hold", "bool"), ("qty", "float8"),
    ("qty_ordered", "float8"), ("qty_received", "float8"), ("qty_billed_before", "float8"),
    ("qty_variance", "float8"), ("price", "float8"), ("price_variance", "float8"), ("amount_variance", "numeric"),
    ("amount_qty_variance", "numeric"), ("amount_total_variance", "numeric"),
    ("price_po", "float8"), ("price_contract", "float8"), ("amount_on_hold", "numeric"), ("rule_id", "int"),
    ("explanation", "text"),
]


def _days(d):
    return (d - EPOCH).days if d else 0


def no_po_approval_key(move_id):
    return f"match:{move_id}:no_po_approval"


def match_moves(bills, trigger="button", run_parent=None, counts=None):
    """Match vendor bills (and credit notes); returns the ``medsync.run``.
    ``counts``, a dict if given, receives the exceptions raised (``new``)
    and those seen again while still open (``still_open``); the run counts
    the new ones."""
    counts = {} if counts is None else counts
    counts.update(new=0, still_open=0)
    env = bills.env
    bills = bills.filtered(lambda m: m.move_type in ("in_invoice", "in_refund") and m.state != "cancel")
    Run = env["medsync.run"]
    scope = env._("%s bill(s)", len(bills))
    with Run._track("matching", trigger=trigger, scope=scope, parent=run_parent) as run:
        if not bills:
            return run.run
        chunk = max(1, env.company.medsync_chunk_size)
        vendors = defaultdict(list)
        for bill in bills:
            vendors[bill.commercial_partner_id.id].append(bill.id)
        batch, size = [], 0
        for ids in vendors.values():  # chunks by vendor: a vendor's bills share its PO lines
            batch.extend(ids)
            size += len(ids)
            if size >= chunk:
                _match_chunk(env["account.move"].browse(batch), run, counts)
                batch, size = [], 0
        if batch:
            _match_chunk(env["account.move"].browse(batch), run, counts)
    env["medsync.kpi.fact"]._refresh_after("matching", bills.company_id)
    return run.run


def _match_chunk(bills, run, counts):
    env = bills.env
    with run.phase("fetch"):
        tables, meta = _fetch(bills)
    n = len(tables["lines"]["line_id"])
    if not n:
        return
    with run.phase("compute"):
        out = engine.call(
            env, "match_bills", **tables,
            price_digits=env["decimal.precision"].precision_get("Product Price"),
            amount_rounding=env.company.currency_id.rounding,
            duplicate_amount_pct=0, duplicate_days=45,
        )
    with run.phase("write"):
        new, still_open = _write(bills, out, meta, run)
    counts["new"] += new
    counts["still_open"] += still_open
    run.count(input=n, output=n, exceptions=new)


# ---------------------------------------------------------------------------------------- fetch

def _columns(rows, names):
    """Query rows -> {name: column}, in one transposition."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return dict(zip(names, cols, strict=True))


def _fetch(bills):
    """The engine's input tables, one query each, normalised in SQL (NULLs,
    signs, units) and handed over as columns; returns (tables, meta)."""
    env = bills.env
    env.flush_all()
    bill_ids = tuple(bills.ids)
    L = _columns(env.execute_query(SQL(
        """
        SELECT aml.id, am.id, am.commercial_partner_id, am.company_id, COALESCE(aml.product_id, 0),
               COALESCE(pt.categ_id, 0),
               CASE WHEN aml.product_id IS NULL OR pt.type = 'service' OR pt.medsync_match_level = 'two_way'
                    THEN 'service'
                    WHEN pt.medsync_match_level = 'consumption' THEN 'consigned' ELSE 'stock' END,
               ABS(COALESCE(aml.quantity, 0)), COALESCE(pu.factor / NULLIF(lu.factor, 0), 1),
               COALESCE(NULLIF(pu.rounding, 0), 0.01), ABS(COALESCE(aml.price_unit, 0)),
               LEAST(GREATEST(COALESCE(aml.discount, 0), 0), 100), am.currency_id, COALESCE(am.invoice_date, am.date),
               COALESCE(aml.purchase_line_id, 0), am.move_type = 'in_refund', ABS(COALESCE(aml.balance, 0))
          FROM account_move_line aml
          JOIN account_move am ON am.id = aml.move_id
          LEFT JOIN product_product pp ON pp.id = aml.product_id
          LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
          LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
          LEFT JOIN uom_uom lu ON lu.id = COALESCE(aml.product_uom_id, pt.uom_id)
         -- a line without a product (rent, a consulting fee) is matched too: with no PO line it is a bill
         -- line no purchase order covers, under the company's no-PO policy
         WHERE aml.move_id IN %s AND aml.display_type = 'product'
         ORDER BY aml.id
        """, bill_ids)), ["line_id", "bill_id", "vendor_id", "company_id", "product_id", "category_id", "kind", "qty",
                          "uom_ratio", "qty_rounding", "price_unit", "discount", "currency_id", "date", "po_line_id",
                          "is_refund", "subtotal"])
    subtotal = L.pop("subtotal")
    rates = {}

    def rate_column(currencies, companies, dates):
        """Document currency -> company currency on each date (one lookup per distinct key)."""
        today = fields.Date.context_today(env["account.move"])
        keys = list(zip(currencies, companies, (d or today for d in dates), strict=True))
        for key in set(keys) - rates.keys():
            currency_id, company_id, date = key
            company = env["res.company"].browse(company_id)
            rates[key] = env["res.currency"]._get_conversion_rate(
                env["res.currency"].browse(currency_id), company.currency_id, company, date)
        return [rates[k] for k in keys]

    L["rate"] = rate_column(L["currency_id"], L["company_id"], L["date"])
    # everything below is read within the bills' companies only
    companies = tuple(set(L["company_id"])) or (0,)
    vendors = tuple(set(L["vendor_id"])) or (0,)
    linked = tuple(set(L["po_line_id"]) - {0}) or (0,)
    products = tuple(set(L["product_id"])) or (0,)

    # PO lines: every confirmed line of these vendors and products, plus the linked ones;
    # a vendor's bills are matched against the commercial entity's POs
    P = _columns(env.execute_query(SQL(
        """
        SELECT pol.id, COALESCE(rp.commercial_partner_id, po.partner_id), pol.product_id, po.date_order::date,
               COALESCE(pol.product_uom_qty, 0), ABS(COALESCE(pol.price_unit, 0)),
               LEAST(GREATEST(COALESCE(pol.discount, 0), 0), 100), COALESCE(pu.factor / NULLIF(lu.factor, 0), 1),
               po.currency_id, po.company_id, po.user_id, po.id
          FROM purchase_order_line pol
          JOIN purchase_order po ON po.id = pol.order_id
          LEFT JOIN res_partner rp ON rp.id = po.partner_id
          JOIN product_product pp ON pp.id = pol.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          JOIN uom_uom pu ON pu.id = pt.uom_id
          JOIN uom_uom lu ON lu.id = pol.product_uom
         WHERE pol.display_type IS NULL AND po.company_id IN %s
           AND (pol.id IN %s OR (po.partner_id IN %s AND pol.product_id IN %s AND po.state IN ('purchase', 'done')))
        """, companies, linked, vendors, products)), ["po_line_id", "vendor_id", "product_id", "order_date",
                                                      "qty_ordered", "price_unit", "discount", "uom_ratio",
                                                      "currency_id", "company_id", "buyer", "order"])
    P["rate"] = rate_column(P["currency_id"], P.pop("company_id"), P["order_date"])
    po_meta = {pol: {"buyer": buyer, "order": order}
               for pol, buyer, order in zip(P["po_line_id"], P.pop("buyer"), P.pop("order"), strict=True)}
    po_ids = tuple(P["po_line_id"]) or (0,)

    # receipts: done moves of these PO lines, in the product unit; returns to the vendor count negative
    R = _columns(env.execute_query(SQL(
        """
        SELECT sm.purchase_line_id,
               COALESCE(SUM(CASE WHEN dest.usage = 'supplier'
                                 THEN CASE WHEN sm.origin_returned_move_id IS NULL OR sm.to_refund THEN -1 ELSE 0 END
                                 ELSE 1 END * sm.quantity / NULLIF(mu.factor, 0) * pu.factor), 0),
               MAX(sm.date)::date, MAX(sp.user_id)
          FROM stock_move sm
          JOIN stock_location dest ON dest.id = sm.location_dest_id
          JOIN uom_uom mu ON mu.id = sm.product_uom
          JOIN product_product pp ON pp.id = sm.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          JOIN uom_uom pu ON pu.id = pt.uom_id
          LEFT JOIN stock_picking sp ON sp.id = sm.picking_id
          JOIN purchase_order_line pol ON pol.id = sm.purchase_line_id AND pol.product_id = sm.product_id
         WHERE sm.purchase_line_id IN %s AND sm.state = 'done'
         GROUP BY sm.purchase_line_id
        """, po_ids)), ["po_line_id", "qty", "date", "receiver"])
    receiver = dict(zip(R["po_line_id"], R.pop("receiver"), strict=True))
    # consumption lines are matched against what was used; for bill-only and consigned
    # stock MedSync counts the receipt recorded at use (see docs/engines.md)
    received = dict(zip(R["po_line_id"], R["qty"], strict=True))
    P["qty_consumed"] = [received.get(p, 0.0) for p in P["po_line_id"]]

    # quantities billed on other bills (drafts included, cancelled excluded, credit notes negative)
    B = _columns(env.execute_query(SQL(
        """
        SELECT aml.purchase_line_id, am.id, COALESCE(am.invoice_date, am.date),
               COALESCE(CASE WHEN am.move_type = 'in_refund' THEN -1 ELSE 1 END
                          * aml.quantity / NULLIF(lu.factor, 0) * pu.factor, 0)
          FROM account_move_line aml
          JOIN account_move am ON am.id = aml.move_id
          JOIN product_product pp ON pp.id = aml.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          JOIN uom_uom pu ON pu.id = pt.uom_id
          JOIN uom_uom lu ON lu.id = COALESCE(aml.product_uom_id, pt.uom_id)
         WHERE aml.purchase_line_id IN %s AND am.state != 'cancel' AND am.id NOT IN %s
           AND am.move_type IN ('in_invoice', 'in_refund') AND aml.display_type = 'product' AND am.company_id IN %s
        """, po_ids, bill_ids, companies)), ["po_line_id", "bill_id", "date", "qty"])

    # contract prices: the vendor price list, per product unit (no start or end: always valid)
    C = _columns(env.execute_query(SQL(
        """
        SELECT p.commercial_partner_id, pp.id, COALESCE(si.currency_id, 0),
               COALESCE(si.price / NULLIF(pu.factor / NULLIF(su.factor, 0), 0), 0),
               GREATEST(COALESCE(si.min_qty * pu.factor / NULLIF(su.factor, 0), 0), 0), si.date_start, si.date_end
          FROM product_supplierinfo si
          JOIN res_partner p ON p.id = si.partner_id
          JOIN product_template pt ON pt.id = si.product_tmpl_id
          JOIN product_product pp ON pp.product_tmpl_id = pt.id AND (si.product_id IS NULL OR si.product_id = pp.id)
          JOIN uom_uom pu ON pu.id = pt.uom_id
          JOIN uom_uom su ON su.id = pt.uom_po_id
         WHERE p.commercial_partner_id IN %s AND pp.id IN %s
           AND (si.company_id IS NULL OR si.company_id IN %s)
        """, vendors, products, companies)), ["vendor_id", "product_id", "currency_id", "price", "min_qty",
                                              "date_start", "date_end"])
    C["date_start"] = [_days(d) if d else -(2**31) for d in C["date_start"]]
    C["date_end"] = [_days(d) if d else 2**31 - 1 for d in C["date_end"]]

    # bill headers for near-duplicate detection: the batch and the vendors' recent bills
    today = fields.Date.context_today(env["account.move"])
    H = _columns(env.execute_query(SQL(
        """
        SELECT am.id, am.commercial_partner_id, COALESCE(am.invoice_date, am.date), COALESCE(am.ref, ''),
               ABS(COALESCE(am.amount_total_signed, 0)), am.move_type = 'in_refund', am.id IN %s
          FROM account_move am
         WHERE am.move_type IN ('in_invoice', 'in_refund') AND am.state != 'cancel'
           AND am.commercial_partner_id IN %s AND am.company_id IN %s
           AND (am.id IN %s OR COALESCE(am.invoice_date, am.date) >= %s)
        """, bill_ids, vendors, companies, bill_ids, today - dt.timedelta(days=DUPLICATE_LOOKBACK_DAYS))),
        ["bill_id", "vendor_id", "date", "ref", "amount", "is_refund", "in_batch"])

    rules = env["medsync.match.tolerance"]._engine_columns()
    tables = dict(lines=L, po_lines=P, receipts=R, billed=B, contracts=C, rules=rules, bills=H)
    line_info = dict(zip(L["line_id"], zip(L["bill_id"], L["company_id"], L["vendor_id"], L["product_id"], subtotal,
                                           strict=True), strict=True))
    meta = {"po": po_meta, "receiver": receiver, "line_info": line_info}
    return tables, meta


# ---------------------------------------------------------------------------------------- write

def _write(bills, out, meta, run):
    """Insert the result rows, set the bills' match state and raise the
    exceptions; returns (new exceptions, exceptions still open)."""
    env = bills.env
    cr = env.cr
    res = out["lines"]
    n = len(res["line_id"])
    line_ids = list(res["line_id"])
    info = meta["line_info"]  # line -> (move, company, partner, product, subtotal)
    rule_ids = set(env["medsync.match.tolerance"].with_context(active_test=False).search([]).ids)

    def nan_none(x):
        return None if x != x else x  # NaN: no such price

    rows = [info[lid] for lid in line_ids]  # (move, company, partner, product, subtotal) per result
    companies = env["res.company"].browse({r[1] for r in rows})
    approval = {c.id for c in companies if c.medsync_no_po_policy == "approval"}
    currency = {c.id: c.currency_id for c in companies}
    # the company's policy for lines without a purchase order: approval holds nothing (the engine's hold flag is
    # the policy "hold")
    status = list(res["status"])
    hold = [bool(h) and not (st == "no_po" and r[1] in approval)
            for h, st, r in zip(res["hold"], status, rows, strict=True)]
    amount_qty, amount_total = _variance_values(rows, res, currency)

    # previous results stop being current; the new ones are inserted in one statement
    cr.execute(SQL("UPDATE medsync_match_result SET is_current = FALSE WHERE move_line_id = ANY(%s) AND is_current",
                   line_ids))
    cols = {
        "move_id": [r[0] for r in rows],
        "move_line_id": line_ids,
        "company_id": [r[1] for r in rows],
        "partner_id": [r[2] for r in rows],
        "product_id": [r[3] or None for r in rows],
        "purchase_line_id": [p or None for p in res["po_line_id"]],
        "price_po": [nan_none(x) for x in res["price_po"]],
        "price_contract": [nan_none(x) for x in res["price_contract"]],
        "hold": hold,
        "amount_on_hold": [r[4] if h else 0.0 for r, h in zip(rows, hold, strict=True)],
        "amount_qty_variance": amount_qty,
        "amount_total_variance": amount_total,
        "rule_id": [r if r in rule_ids else None for r in res["rule_id"]],
    }
    for k in ("status", "level", "qty", "qty_ordered", "qty_received", "qty_billed_before", "qty_variance",
              "price", "price_variance", "amount_variance", "explanation"):
        cols[k] = res[k]
    now = fields.Datetime.now()
    bulk.insert(cr, "medsync_match_result", RESULT_COLUMNS, cols,
                constants=[("run_id", run.run.id), ("is_current", True), ("date", now)])

    # the bills: match state and hold, from their lines' results
    by_bill = defaultdict(list)
    for i in range(n):
        by_bill[rows[i][0]].append(i)
    Move = env["account.move"]
    labels = dict(env["medsync.match.result"]._fields["status"]._description_selection(env))
    states, changes, pending = {}, [], {}
    for bill in bills:
        idx = by_bill.get(bill.id, [])
        held = sorted({status[i] for i in idx if hold[i]})
        variance = any(status[i] in ("within_tolerance", "price_favourable") for i in idx)
        # a release covers these reasons on these lines as billed: a change of either holds the bill again
        signature = _hold_signature(held, idx, res, info) if held else ""
        reasons = ", ".join(labels[h] for h in held)
        # lines without a PO that the company approves rather than holds: an approval covers the bill's lines as
        # billed, as a release does (kept while they stay the same, asked again after a change)
        no_po = any(status[i] == "no_po" and not hold[i] for i in idx)
        no_po_sig = _hold_signature(["no_po"], idx, res, info) if no_po else ""
        approved = bool(no_po_sig) and bill.medsync_no_po_signature == no_po_sig and bool(
            bill.medsync_no_po_approved_by_id)
        if no_po and not approved:
            pending[bill.id] = bill
        if held:
            released = bill.medsync_match_state == "released" and bill.medsync_hold_signature == signature
            state = "released" if released else "hold"
        elif no_po:
            state = "approved" if approved else "to_approve"
        elif idx:
            state = "variance" if variance else "matched"
        else:
            state = "none"
        states[bill.id] = (state, signature, reasons, no_po_sig, approved)
    # who approves each bill waiting for it (sudo: the rules route the approval whoever triggers the match, a
    # storekeeper's receipt queues it too; they are not shown)
    approvers = env["medsync.no.po.approver"].sudo()._approvers(Move.browse(list(pending))) if pending else {}
    by_ap_manager = env._("an AP manager")
    for bill in bills:
        state = states[bill.id][0]
        if state != bill.medsync_match_state:
            body = ""
            if state == "hold":
                body = env._("On hold: %s", states[bill.id][2])
            elif state == "to_approve":
                body = env._("No purchase order: waiting for approval by %s",
                             approvers[bill.id].name or by_ap_manager)
            changes.append((bill.id, {"medsync_match_state": (bill.medsync_match_state, state)}, body))
    ids = list(states)
    cr.execute(SQL(
        """UPDATE account_move AS am
              SET medsync_match_state = v.state, medsync_last_match = %s,
                  medsync_hold_signature = v.sig, medsync_hold_reason = v.reason,
                  medsync_no_po_signature = v.no_po_sig,
                  medsync_no_po_approved_by_id = CASE WHEN v.approved THEN am.medsync_no_po_approved_by_id END,
                  medsync_no_po_approval_date = CASE WHEN v.approved THEN am.medsync_no_po_approval_date END,
                  write_uid = %s, write_date = %s
             FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::bool[])
                  AS v(id, state, sig, reason, no_po_sig, approved)
            WHERE am.id = v.id""",
        now, env.uid, now, ids, *([states[b][k] for b in ids] for k in range(5))))
    Move.invalidate_model(["medsync_match_state", "medsync_last_match", "medsync_hold_signature",
                           "medsync_hold_reason", "medsync_no_po_signature", "medsync_no_po_approved_by_id",
                           "medsync_no_po_approval_date", "write_uid", "write_date"])
    env["medsync.match.result"].invalidate_model()
    # the holds, releases and lifts in each bill's chatter, as Odoo's tracking would show them
    started = time.perf_counter()
    chatter.log_changes(env, "account.move", changes)
    run.audit_seconds += time.perf_counter() - started
    return _raise_exceptions(bills, dict(res, hold=hold), info, meta, run, approvers)


def _variance_values(rows, res, currency):
    """Per result, in company currency rounded to it: the value of the
    quantity variance (the quantity billed beyond the reference, at most the
    line's, at the line's billed net price: its subtotal / billed quantity)
    and the total variance (that plus the engine's price variance value)."""
    qty_values, totals = [], []
    for r, qty, over, price_value in zip(rows, res["qty"], res["qty_variance"], res["amount_variance"], strict=True):
        cur = currency[r[1]]
        value = cur.round(r[4] / qty * min(over, qty)) if qty > 0 and over > 0 else 0.0
        qty_values.append(value)
        totals.append(cur.round(value + (price_value or 0.0)))
    return qty_values, totals


def _hold_signature(held, idx, res, info):
    """The held reasons, and a digest of the held bill's matched lines as
    billed (line, product, amount): what a release was given for."""
    lines = sorted((res["line_id"][i], info[res["line_id"][i]][3], round(info[res["line_id"][i]][4], 6))
                   for i in idx)
    digest = hashlib.sha256(repr(lines).encode()).hexdigest()[:16]
    return f"{','.join(held)}|{digest}"


def _raise_exceptions(bills, res, info, meta, run, approvers):
    """One exception per bill and reason, routed to whoever can fix it; the
    bills' other open matching exceptions are resolved (their cause is gone).
    Lines without a PO that are not held (company policy: approval) raise the
    approval exception of their bill, owned by its approver (``approvers``:
    the bills waiting for one), none once approved. Returns (new exceptions,
    exceptions raised again while still open)."""
    env = bills.env
    # _raise_many inserts in bulk (no creation message, the owner gets a to-do); closing what is fixed
    # tracks no field changes either
    Exc = env["medsync.exception"].with_context(tracking_disable=True)
    teams = {who: env.ref(f"medsync.team_{xmlid}", raise_if_not_found=False)
             for who, xmlid in (("buyer", "buyers"), ("warehouse", "warehouse"), ("receiving", "receiving"),
                                ("ap", "ap"))}
    labels = dict(env["medsync.match.result"]._fields["status"]._description_selection(env))
    groups = defaultdict(list)  # (bill, status) -> line indexes; "no_po_approval": no PO, not held
    for i in range(len(res["line_id"])):
        status = res["status"][i]
        if status == "no_po" and not res["hold"][i]:
            status = "no_po_approval"
        if status in ROUTING or status == "no_po_approval":
            groups[(info[res["line_id"][i]][0], status)].append(i)
    names = _bill_labels(env, {move for move, _status in groups})
    title = env._("%(bill)s: %(status)s")
    approval_label = env._("No purchase order, to approve")
    approval_hint = env._("Not held (company policy: bills without a purchase order are approved). The approver "
                          "uses \"Approve without PO\" on the bill; or the buyer links the purchase order.")
    bill_line, po_line_role = env._("Bill line"), env._("PO line")
    discount_due = _early_discount_deadlines(bills)
    reasons = {r.code: r for r in env["medsync.exception.reason"].search(
        [("code", "in", [code for code, _who in ROUTING.values()] + [NO_PO_APPROVAL])])} if discount_due else {}
    vals, keys = [], set()
    for (move, status), idx in groups.items():
        if status == "no_po_approval":
            if move not in approvers:
                continue  # approved, and the lines are as approved
            code, who, owner = NO_PO_APPROVAL, "ap", approvers[move].id or False
            key, name = no_po_approval_key(move), approval_label
        else:
            code, who = ROUTING[status]
            owner, key, name = None, f"match:{move}:{status}", labels[status]
        first = idx[0]
        _move, company, partner, product, _amount = info[res["line_id"][first]]
        po_line = res["po_line_id"][first]
        po = meta["po"].get(po_line, {})
        if owner is None:
            owner = {"buyer": po.get("buyer"),
                     "receiving": meta["receiver"].get(po_line) or po.get("buyer")}.get(who) or False
        keys.add(key)
        links = [(0, 0, {"role": bill_line, "res_model": "account.move.line", "res_id": res["line_id"][i]})
                 for i in idx]
        links += [(0, 0, {"role": po_line_role, "res_model": "purchase.order.line", "res_id": p})
                  for p in sorted({res["po_line_id"][i] for i in idx} - {0})]
        explanations = [res["explanation"][i] for i in idx]
        vals.append({
            "name": title % {"bill": names[move], "status": name},
            "reason_code": code,
            "key": key,
            "company_id": company,
            "partner_id": partner,
            "product_id": (product or False) if len(idx) == 1 else False,
            "amount": sum(info[res["line_id"][i]][4] for i in idx),
            "res_model": "account.move",
            "res_id": move,
            "run_id": run.run.id,
            "owner_user_id": owner,
            "owner_team_id": teams[who].id if teams[who] else False,
            "description": "\n".join(explanations + ([approval_hint] if code == NO_PO_APPROVAL else [])),
            "link_ids": links,
        })
        if move in discount_due:
            vals[-1]["date_due"] = _earlier_due(env, reasons.get(code), company, discount_due[move])
    open_ = Exc.search([("key", "=like", "match:%"), ("state", "in", ("open", "in_progress")),
                        ("res_model", "=", "account.move"), ("res_id", "in", bills.ids)])
    open_.filtered(lambda e: e.key not in keys)._auto_resolve(env._("Re-matched: the cause is gone."))
    still_open = set(open_.mapped("key")) & keys
    for v in vals:
        if v["key"] in still_open:
            v.pop("link_ids")  # refreshed, not recreated: keep its links
    if vals:
        Exc._raise_many(vals)
    return len(vals) - len(still_open), len(still_open)


def _bill_labels(env, move_ids):
    """What an exception calls its bill: its number once it has one, else
    "Draft bill #id", with the vendor's reference (one query, one translation
    for a whole chunk, where display_name costs milliseconds a bill)."""
    draft = env._("Draft bill")
    labels = {}
    for move_id, name, ref in env.execute_query(SQL(
            "SELECT id, name, ref FROM account_move WHERE id = ANY(%s)", sorted(move_ids))):
        label = name if name and name != "/" else f"{draft} #{move_id}"
        labels[move_id] = f"{label} ({ref})" if ref else label
    return labels


def _early_discount_deadlines(bills):
    """Bills whose payment term grants an early-payment discount: the last
    moment to pay and still get it (the day before it expires, 09:00)."""
    out = {}
    for bill in bills:
        term = bill.invoice_payment_term_id
        if term.early_discount and bill.invoice_date:
            last_day = bill.invoice_date + dt.timedelta(days=max(term.discount_days - 1, 0))
            out[bill.id] = dt.datetime.combine(last_day, dt.time(9, 0))
    return out


def _earlier_due(env, reason, company_id, deadline):
    """The exception is due at its SLA, or before the discount is lost if that is earlier."""
    hours = (reason and reason.sla_hours) or env["res.company"].browse(company_id).medsync_exception_sla_hours
    return min(fields.Datetime.now() + dt.timedelta(hours=hours), deadline)
