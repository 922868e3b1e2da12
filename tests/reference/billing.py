"""Reference for ``rust/billing``: billing batches in plain Python.

Written from the contract (docs/engines.md "Billing batches"), not from the
Rust: tables become lists of row dicts, each batch is checked on its own,
each line's rule is found by scanning every rule and taking the best
candidate with ``max``, sums are ``Decimal`` (exact, in a wide context).
Dates are compared as their "YYYY-MM-DD" texts (which sort like the days).

Same input as ``medsync_core.billing`` / ``billing_explain`` and the same
output, without the timings (``stats`` holds the counters only). Bad input
raises ``ValueError`` (the engine's ``InputError`` with its field and rule
is tested against the engine itself).
"""

from __future__ import annotations

import datetime as dt
from decimal import Context, Decimal

from . import numeric as num

WIDE = Context(prec=100)
CAP = 200
MAX_DECIMALS = 6

KINDS = ("original", "adjustment", "reversal")
POLICIES = ("redirect", "refuse")
SIDES = ("debit", "credit")
TOTAL_KINDS = ("department", "code")
STATES = ("received", "validated", "rejected", "scheduled", "posted", "reversed")

# column: (type, default); REQUIRED: no default
STR, INT, BOOL, DEC, DATE, REQ_DATE = "str", "int", "bool", "dec", "date", "req_date"
REQUIRED = object()
BATCH_COLS = {
    "batch_id": (STR, REQUIRED), "source": (STR, REQUIRED), "business_date": (REQ_DATE, REQUIRED),
    "currency": (STR, REQUIRED), "decimals": (INT, REQUIRED), "kind": (KINDS, REQUIRED), "original": (STR, ""),
    "record_count": (INT, REQUIRED), "total_debit": (DEC, REQUIRED), "total_credit": (DEC, REQUIRED),
    "lock_date": (DATE, ""), "lock_policy": (POLICIES, "refuse"), "company": (INT, REQUIRED)}
LINE_COLS = {"batch": (INT, REQUIRED), "line_id": (STR, REQUIRED), "code": (STR, REQUIRED), "department": (STR, ""),
             "payer_class": (STR, ""), "facility": (STR, ""), "amount": (DEC, REQUIRED), "side": (SIDES, REQUIRED),
             "service_date": (DATE, ""), "payer_ref": (STR, "")}
RULE_COLS = {"id": (INT, REQUIRED), "source": (STR, REQUIRED), "code": (STR, ""), "department": (STR, ""),
             "payer_class": (STR, ""), "facility": (STR, ""), "date_from": (DATE, ""), "date_to": (DATE, ""),
             "account": (INT, REQUIRED), "journal": (INT, REQUIRED), "department_analytic": (INT, 0),
             "payer_analytic": (INT, 0), "keep_payer": (BOOL, False), "sequence": (INT, 10)}
TOTAL_COLS = {"batch": (INT, REQUIRED), "kind": (TOTAL_KINDS, REQUIRED), "key": (STR, REQUIRED),
              "debit": (DEC, REQUIRED), "credit": (DEC, REQUIRED)}
KNOWN_COLS = {"source": (STR, REQUIRED), "batch_id": (STR, REQUIRED), "state": (STATES, REQUIRED)}
ANALYTIC_COLS = {"code": (STR, REQUIRED), "analytic": (INT, REQUIRED), "company": (INT, 0)}
FACILITY_COLS = {"code": (STR, REQUIRED), "company": (INT, REQUIRED)}

BATCH_OUT = ["ok", "company", "journal", "closed", "redirected", "lines", "debit", "credit", "problems"]
LINE_OUT = ["rule", "account", "department_analytic", "payer_analytic", "group"]
GROUP_OUT = ["batch", "account", "journal", "department_analytic", "payer_analytic", "payer_ref", "debit", "credit",
             "lines"]
COMPUTED_OUT = ["batch", "kind", "key", "debit", "credit"]
PROBLEM_OUT = ["batch", "line", "path", "rule", "message"]


# ---------------------------------------------------------------------------- values

def canon(d: Decimal) -> str:
    """The shortest exact text: "12.5", "100", "0"."""
    if d == 0:
        return "0"
    return format(d.normalize(WIDE), "f")


def places(d: Decimal) -> int:
    """Decimal places the value needs (trailing zeros do not count)."""
    return max(0, -d.normalize(WIDE).as_tuple().exponent)


def show(text: str) -> str:
    return text if text else "(none)"


def is_date(text: str) -> bool:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    if not (text[:4] + text[5:7] + text[8:]).isdigit() or not text.isascii():
        return False
    try:
        dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return False
    return True


def _table(name: str, cols: dict | None, spec: dict) -> list[dict]:
    if cols is None:
        return []
    unknown = set(cols) - set(spec)
    if unknown:
        raise ValueError(f"{name}: unknown columns {sorted(unknown)}")
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        raise ValueError(f"{name}: ragged columns")
    n = lengths.pop() if lengths else 0
    rows = [{"row": i} for i in range(n)]
    for col, (kind, default) in spec.items():
        if col not in cols:
            if default is REQUIRED and n:
                raise ValueError(f"{name}.{col} is required")
            for r in rows:
                r[col] = default
            continue
        for i, v in enumerate(cols[col]):
            rows[i][col] = _value(f"{name}.{col}", i, kind, v)
    return rows


def _value(field, row, kind, v):
    if kind == DEC:
        return num.to_decimal(v)
    if kind == INT:
        if v is None:
            return 0
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{field}[{row}]: expected an integer")
        return v
    if kind == BOOL:
        return bool(v)
    text = "" if v is None else v
    if not isinstance(text, str):
        raise ValueError(f"{field}[{row}]: expected a string")
    if kind in (DATE, REQ_DATE):
        if (text or kind == REQ_DATE) and not is_date(text):
            raise ValueError(f"{field}[{row}]: bad date {text!r}")
    elif isinstance(kind, tuple) and text not in kind:
        raise ValueError(f"{field}[{row}]: unknown value {text!r}")
    return text


# ---------------------------------------------------------------------------- rule choice

def _dimensions(rule, code, department, payer_class, facility):
    return [("code", rule["code"], code), ("department", rule["department"], department),
            ("payer class", rule["payer_class"], payer_class), ("facility", rule["facility"], facility)]


def _matches(rule, code, department, payer_class, facility) -> bool:
    return all(want in ("", got) for _, want, got in _dimensions(rule, code, department, payer_class, facility))


def _effective(rule, day: str) -> bool:
    return (not rule["date_from"] or rule["date_from"] <= day) and (not rule["date_to"] or day <= rule["date_to"])


def _given(rule) -> int:
    return sum(1 for k in ("department", "payer_class", "facility") if rule[k])


def _rank(rule):
    """Higher is better: code given, dimensions given, latest start, lowest sequence, lowest id, first row."""
    return (rule["code"] != "", _given(rule), rule["date_from"], -rule["sequence"], -rule["id"], -rule["row"])


def choose(rules, source, code, department, payer_class, facility, day):
    candidates = [r for r in rules if r["source"] == source and _effective(r, day)
                  and _matches(r, code, department, payer_class, facility)]
    return max(candidates, key=_rank) if candidates else None


def billing_explain(rules, *, source, code, department="", payer_class="", facility="", date):
    if not is_date(date):
        raise ValueError(f"date: bad date {date!r}")
    R = _table("rules", rules, RULE_COLS)
    if not source:
        return []
    out, candidates = [], []
    for r in R:
        if r["source"] != source:
            continue
        bad = [(n, w, g) for n, w, g in _dimensions(r, code, department, payer_class, facility) if w and w != g]
        if bad:
            n, w, g = bad[0]
            reason = f"{n} {w} does not match {show(g)}"
            out.append({"rule": r["row"], "id": r["id"], "verdict": "no_match", "reason": reason})
        elif not _effective(r, date):
            reason = (f"effective from {r['date_from']}" if r["date_from"] and date < r["date_from"]
                      else f"ended on {r['date_to']}")
            out.append({"rule": r["row"], "id": r["id"], "verdict": "not_effective", "reason": reason})
        else:
            candidates.append((len(out), r))
            out.append({"rule": r["row"], "id": r["id"], "verdict": "candidate", "reason": ""})
    if not candidates:
        return out
    best = max((r for _, r in candidates), key=_rank)
    n = len(candidates)
    for k, r in candidates:
        if r is best:
            out[k]["verdict"] = "chosen"
            out[k]["reason"] = f"best of {n} candidate{'' if n == 1 else 's'}"
            continue
        if (r["code"] != "", _given(r)) != (best["code"] != "", _given(best)):
            reason = f"less specific than rule {best['id']}"
        elif r["date_from"] != best["date_from"]:
            reason = f"older than rule {best['id']} (effective from {best['date_from']})"
        elif r["sequence"] != best["sequence"]:
            reason = f"sequence {r['sequence']} after rule {best['id']} (sequence {best['sequence']})"
        elif r["id"] != best["id"]:
            reason = f"same sequence as rule {best['id']}, which has the lower id"
        else:
            reason = f"same as rule {best['id']}, which comes first"
        out[k]["reason"] = reason
    return out


# ---------------------------------------------------------------------------- batches

def _sums(lines):
    debit = sum((ln["amount"] for ln in lines if ln["side"] == "debit"), Decimal(0))
    credit = sum((ln["amount"] for ln in lines if ln["side"] == "credit"), Decimal(0))
    return debit, credit


def _joined(values) -> str:
    return ", ".join(str(v) for v in sorted(set(values)))


def billing(batches, lines, rules, *, totals=None, known=None, departments=None, payer_classes=None,
            facilities=None):
    Bt = _table("batches", batches, BATCH_COLS)
    L = _table("lines", lines, LINE_COLS)
    R = _table("rules", rules, RULE_COLS)
    T = _table("totals", totals, TOTAL_COLS)
    K = _table("known", known, KNOWN_COLS)
    D = _table("departments", departments, ANALYTIC_COLS)
    P = _table("payer_classes", payer_classes, ANALYTIC_COLS)
    F = _table("facilities", facilities, FACILITY_COLS)
    for b in Bt:
        if not 0 <= b["decimals"] <= MAX_DECIMALS:
            raise ValueError(f"batches.decimals[{b['row']}]: out of range")
    for name, table in (("lines", L), ("totals", T)):
        for x in table:
            if not 0 <= x["batch"] < len(Bt):
                raise ValueError(f"{name}.batch[{x['row']}]: unknown batch")
    dept = {}
    for name, table, into in (("departments", D, dept), ("payer_classes", P, pay := {})):
        for x in table:
            if (x["code"], x["company"]) in into:
                raise ValueError(f"{name}.code[{x['row']}]: duplicate")
            into[(x["code"], x["company"])] = x["analytic"]
    facility_company = {}
    for x in F:
        if x["code"] in facility_company:
            raise ValueError(f"facilities.code[{x['row']}]: duplicate")
        facility_company[x["code"]] = x["company"]

    out = {"batches": {c: [] for c in BATCH_OUT}, "lines": {c: [None] * len(L) for c in LINE_OUT},
           "groups": {c: [] for c in GROUP_OUT}, "computed": {c: [] for c in COMPUTED_OUT},
           "problems": {c: [] for c in PROBLEM_OUT}}
    lines_of = {b: [] for b in range(len(Bt))}
    for ln in L:
        lines_of[ln["batch"]].append(ln)
    totals_of = {b: [] for b in range(len(Bt))}
    for t in T:
        totals_of[t["batch"]].append(t)
    stats = {"batches": len(Bt), "ok": 0, "failed": 0, "lines": len(L), "mapped": 0, "rules": len(R), "groups": 0,
             "problems": 0, "listed": 0, "closed": 0, "redirected": 0}
    for b, batch in enumerate(Bt):
        _batch(b, batch, Bt, lines_of[b], totals_of[b], R, K, dept, pay, facility_company, out, stats)
    stats["failed"] = stats["batches"] - stats["ok"]
    stats["groups"] = len(out["groups"]["batch"])
    out["stats"] = stats
    return out


def _batch(b, batch, all_batches, lines, totals, rules, known, dept, pay, facility_company, out, stats):
    day = batch["business_date"]
    record, per_line = [], []

    def problem(into, line, path, rule, message):
        into.append((-1 if line is None else line["row"], path, rule, message))

    # -- the lines: company, rule, analytics
    def company_of(ln):
        if ln["facility"] == "":
            return batch["company"]
        return facility_company.get(ln["facility"])

    resolved = [company_of(ln) for ln in lines]
    companies = [c for c in resolved if c is not None]
    company = companies[0] if companies else batch["company"]
    mapped, journals, seen = [], [], {}
    for k, ln in enumerate(lines):
        a = ln["amount"]
        if a <= 0:
            problem(per_line, ln, f"lines[{k}].amount", "min", f"amount {canon(a)} is not positive")
        if places(a) > batch["decimals"]:
            problem(per_line, ln, f"lines[{k}].amount", "decimals",
                    f"amount {canon(a)} has more than {batch['decimals']} decimals for {show(batch['currency'])}")
        if ln["line_id"] in seen:
            problem(per_line, ln, f"lines[{k}].line_id", "duplicate",
                    f"line_id {ln['line_id']} repeats lines[{seen[ln['line_id']]}]")
        else:
            seen[ln["line_id"]] = k
        if ln["service_date"] and ln["service_date"] > day:
            problem(per_line, ln, f"lines[{k}].service_date", "date",
                    f"service date {ln['service_date']} is after the business date {day}")
        if resolved[k] is None:
            problem(per_line, ln, f"lines[{k}].facility", "facility", f"unknown facility {ln['facility']}")
        rule = choose(rules, batch["source"], ln["code"], ln["department"], ln["payer_class"], ln["facility"], day)
        if rule is None:
            where = f", facility {ln['facility']}" if ln["facility"] else ""
            problem(per_line, ln, f"lines[{k}]", "unmapped",
                    f"no mapping rule for source {show(batch['source'])}, code {show(ln['code'])}, department "
                    f"{show(ln['department'])}, payer class {show(ln['payer_class'])}{where} on {day}")
            mapped.append(None)
            continue
        journals.append(rule["journal"])
        analytics = []
        for col, table, what, code in (("department", dept, "department", "unmapped_department"),
                                       ("payer_class", pay, "payer class", "unmapped_payer_class")):
            own = rule[f"{'department' if col == 'department' else 'payer'}_analytic"]
            if own:
                analytics.append(own)
            elif not ln[col]:
                analytics.append(0)
            else:
                found = table.get((ln[col], company), table.get((ln[col], 0)))
                if found is None:
                    problem(per_line, ln, f"lines[{k}].{col}", code,
                            f"{what} {ln[col]} has no analytic account for company {company}")
                analytics.append(found or 0)
        mapped.append((rule, analytics[0], analytics[1]))

    # -- the batch
    duplicate = [x for x in known if x["source"] == batch["source"] and x["batch_id"] == batch["batch_id"]
                 and x["state"] != "rejected"]
    earlier = [r for r in range(b) if all_batches[r]["source"] == batch["source"]
               and all_batches[r]["batch_id"] == batch["batch_id"]]
    name = f"batch {batch['batch_id']} from {batch['source']}"
    if duplicate:
        problem(record, None, "batch_id", "duplicate_batch", f"{name} is already known (state {duplicate[0]['state']})")
    elif earlier:
        problem(record, None, "batch_id", "duplicate_batch", f"{name} repeats batch row {earlier[0]}")
    kind, original = batch["kind"], batch["original"]
    if kind == "original":
        if original:
            problem(record, None, "original", "correction", f"an original batch names no original (got {original})")
    elif not original:
        problem(record, None, "original", "correction", f"a batch of kind {kind} must name the batch it corrects")
    else:
        states = []
        for x in known:
            if x["source"] == batch["source"] and x["batch_id"] == original and x["state"] not in states:
                states.append(x["state"])
        if not states:
            problem(record, None, "original", "correction",
                    f"original batch {original} from {batch['source']} is not known")
        elif kind == "reversal" and "reversed" in states:
            problem(record, None, "original", "correction", f"original batch {original} is already reversed")
        elif "posted" not in states:
            problem(record, None, "original", "correction",
                    f"original batch {original} is {', '.join(states)}, not posted")
    if kind == "reversal" and lines:
        problem(record, None, "lines", "correction", f"a reversal carries no lines (got {len(lines)})")
    closed = bool(batch["lock_date"]) and day <= batch["lock_date"]
    if closed and batch["lock_policy"] == "refuse":
        problem(record, None, "business_date", "closed_period",
                f"business date {day} is on or before the lock date {batch['lock_date']}")
    if batch["record_count"] != len(lines):
        problem(record, None, "record_count", "record_count",
                f"record_count {batch['record_count']} but the batch has {len(lines)} lines")
    debit, credit = _sums(lines)
    for field, declared, made, side in (("total_debit", batch["total_debit"], debit, "debit"),
                                        ("total_credit", batch["total_credit"], credit, "credit")):
        if declared != made:
            problem(record, None, field, "control_total",
                    f"{field} {canon(declared)} but the lines {side} {canon(made)} "
                    f"(difference {canon(declared - made)})")
    if debit != credit:
        problem(record, None, "$", "balance",
                f"debits {canon(debit)} do not equal credits {canon(credit)} (difference {canon(debit - credit)})")
    made = {}
    for tk in TOTAL_KINDS:
        col = "department" if tk == "department" else "code"
        # a line without a department is in no department's total
        made[tk] = {key: _sums([ln for ln in lines if ln[col] == key]) for key in {ln[col] for ln in lines}
                    if key or tk == "code"}
    first = {}
    for i, t in enumerate(totals):
        key = (t["kind"], t["key"])
        if key in first:
            problem(record, None, f"totals[{i}]", "control_total",
                    f"{t['kind']} {show(t['key'])} is declared again (first at totals[{first[key]}])")
            continue
        first[key] = i
        md, mc = made[t["kind"]].get(t["key"], (Decimal(0), Decimal(0)))
        if (t["debit"], t["credit"]) != (md, mc):
            problem(record, None, f"totals[{i}]", "control_total",
                    f"{t['kind']} {show(t['key'])}: declared debit {canon(t['debit'])} and credit "
                    f"{canon(t['credit'])}, the lines make debit {canon(md)} and credit {canon(mc)}")
    for tk in TOTAL_KINDS:
        if any(t["kind"] == tk for t in totals):
            for key in sorted(made[tk]):
                if (tk, key) not in first:
                    problem(record, None, "totals", "control_total",
                            f"{tk} {show(key)} is in the lines but not in the totals")
    if len(set(companies)) > 1:
        problem(record, None, "$", "facility", f"lines belong to several companies: {_joined(companies)}")
    if len(set(journals)) > 1:
        problem(record, None, "$", "journal", f"lines map to several journals: {_joined(journals)}")

    found = record + per_line
    ok = not found
    ob = out["batches"]
    for col, v in (("ok", ok), ("company", company), ("journal", journals[0] if journals else 0),
                   ("closed", closed), ("redirected", closed and batch["lock_policy"] == "redirect"),
                   ("lines", len(lines)), ("debit", canon(debit)), ("credit", canon(credit)),
                   ("problems", len(found))):
        ob[col].append(v)
    for line, path, rule, message in found[:CAP]:
        for col, v in zip(PROBLEM_OUT, (b, line, path, rule, message), strict=True):
            out["problems"][col].append(v)
    stats["ok"] += ok
    stats["problems"] += len(found)
    stats["listed"] += min(len(found), CAP)
    stats["closed"] += closed
    stats["redirected"] += closed and batch["lock_policy"] == "redirect"

    # -- per line
    ol = out["lines"]
    for ln, m in zip(lines, mapped, strict=True):
        rule, dan, pan = m if m else (None, 0, 0)
        ol["rule"][ln["row"]] = rule["row"] if rule else -1
        ol["account"][ln["row"]] = rule["account"] if rule else 0
        ol["department_analytic"][ln["row"]] = dan
        ol["payer_analytic"][ln["row"]] = pan
        ol["group"][ln["row"]] = -1
        stats["mapped"] += rule is not None

    # -- computed: codes then departments, by key
    for tk in ("code", "department"):
        for key in sorted(made[tk]):
            md, mc = made[tk][key]
            for col, v in zip(COMPUTED_OUT, (b, tk, key, canon(md), canon(mc)), strict=True):
                out["computed"][col].append(v)

    # -- summary of an ok batch
    if not ok:
        return
    groups = {}
    for ln, (rule, dan, pan) in zip(lines, mapped, strict=True):
        payer = ln["payer_ref"] if rule["keep_payer"] else ""
        groups.setdefault((rule["account"], dan, pan, payer, rule["journal"]), []).append(ln)
    og = out["groups"]
    for key in sorted(groups):
        account, dan, pan, payer, journal = key
        members = groups[key]
        gd, gc = _sums(members)
        net = gd - gc
        g = len(og["batch"])
        for col, v in zip(GROUP_OUT, (b, account, journal, dan, pan, payer, canon(max(net, Decimal(0))),
                                      canon(max(-net, Decimal(0))), len(members)), strict=True):
            og[col].append(v)
        for ln in members:
            ol["group"][ln["row"]] = g
