"""Billing batches: medsync_core.billing against the plain-Python reference.

    python benches/bench_billing.py --size 1000000 --batches 1000 --reference-size 20000

A deterministic world of N lines in B batches (1,000 lines a batch by
default) from four sources (LAB, RAD, PHARM, ER) over 2026, each with 200
revenue codes, a default rule, a rule per code, department-specific rules
for one code in five, payer-class rules for one in ten and a rule per code
replaced on 2026-07-01 for one in eight (1,148 rules in all); 30
departments and 6 payer classes with analytic accounts, 3 facilities. A
batch is half charges (credit, a revenue code, department, payer class,
service date before the business date) and half receivables (debit, code
AR, kept apart by payer: 150 patients a batch) with department totals
declared for one batch in three; one batch in fifty carries a fault (an
unbalanced line, an unknown department, a duplicate line id or a bad
record count) and one in twenty is dated in a locked period (half refused,
half redirected).

Printed: ``engine_s`` (the engine alone, from the output, best run),
``native_s`` (the whole call: reading the columns, converting, the engine,
the output), and ``speedup``, the reference's time over the whole call on
``--reference-size`` lines (the same generator, the same lines a batch;
both timed in this run, every output column asserted equal first).
``engine_speedup`` is the reference's time over the engine alone on those
lines.
"""

import statistics
from decimal import Decimal

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import billing as ref

SOURCES = ["LAB", "RAD", "PHARM", "ER"]
CODES = 200
DEPTS = [f"D{k:02d}" for k in range(30)]
PAYERS = ["MEDICARE", "MEDICAID", "COMMERCIAL", "SELF", "WORKCOMP", "OTHER"]
FACILITIES = [("MAIN", 1), ("NORTH", 1), ("CLINIC", 1)]
TARGETS = {"engine_s": 1.0, "speedup": 50.0}


def mix(x: int) -> int:
    """A 32-bit integer hash (deterministic data without a random generator)."""
    x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def day(k: int) -> str:
    """The k-th day of 2026 (0-based, within 360 days)."""
    month, d = divmod(k % 360, 30)
    return f"2026-{month + 1:02d}-{min(d + 1, 28):02d}"


def rules_table() -> dict:
    cols = {c: [] for c in ("id", "source", "code", "department", "payer_class", "date_from", "date_to", "account",
                            "journal", "keep_payer", "sequence", "payer_analytic")}

    def add(source, code, account, *, department="", payer_class="", date_from="", date_to="", keep=False,
            payer_analytic=0):
        cols["id"].append(len(cols["id"]) + 1)
        for k, v in (("source", source), ("code", code), ("department", department), ("payer_class", payer_class),
                     ("date_from", date_from), ("date_to", date_to), ("account", account), ("journal", 7),
                     ("keep_payer", keep), ("sequence", 10), ("payer_analytic", payer_analytic)):
            cols[k].append(v)

    for s, source in enumerate(SOURCES):
        add(source, "", 4000 + s)
        add(source, "AR", 1200, keep=True)
        for c in range(CODES):
            code = f"{source[0]}{c:04d}"
            account = 4100 + s * 1000 + c
            if c % 8 == 0:
                add(source, code, account, date_to="2026-06-30")
                add(source, code, account + 500, date_from="2026-07-01")
            else:
                add(source, code, account)
            if c % 5 == 0:
                add(source, code, account + 700, department=DEPTS[c % 30])
            if c % 10 == 0:
                add(source, code, account + 800, payer_class="SELF", payer_analytic=990)
    return cols


def world(n: int, batches: int):
    per = max(2, n // batches)
    b_cols = {c: [] for c in ("batch_id", "source", "business_date", "currency", "decimals", "kind",
                              "record_count", "total_debit", "total_credit", "lock_date", "lock_policy", "company")}
    l_cols = {c: [] for c in ("batch", "line_id", "code", "department", "payer_class", "facility", "amount", "side",
                              "service_date", "payer_ref")}
    t_cols = {c: [] for c in ("batch", "kind", "key", "debit", "credit")}
    row = 0
    for b in range(batches):
        h = mix(b)
        source = SOURCES[b % 4]
        business = 20 + h % 330
        fault = b % 50 == 49
        charges = per // 2
        debit = Decimal(0)
        by_dept = {}
        first = row
        for k in range(charges):
            g = mix(row + 0x9E3779B9)
            cents = 500 + g % 250_000
            amount = Decimal(cents).scaleb(-2)
            dept = DEPTS[(g >> 4) % 30]
            if fault and k == 3 and b % 200 == 49:
                dept = "UNKNOWN"
            payer = f"P{b:05d}-{(g >> 9) % 150:03d}"
            for col, v in (("batch", b), ("line_id", f"{b}-{k}"), ("code", f"{source[0]}{(g >> 12) % CODES:04d}"),
                           ("department", dept), ("payer_class", PAYERS[(g >> 20) % 6]),
                           ("facility", FACILITIES[(g >> 24) % 3][0] if g % 3 == 0 else ""),
                           ("amount", str(amount)), ("side", "credit"), ("service_date", day(business - g % 15)),
                           ("payer_ref", "")):
                l_cols[col].append(v)
            # the receivable of the same charge, kept apart by patient
            for col, v in (("batch", b), ("line_id", f"{b}-{k}-AR"), ("code", "AR"), ("department", ""),
                           ("payer_class", ""), ("facility", ""), ("amount", str(amount)), ("side", "debit"),
                           ("service_date", ""), ("payer_ref", payer)):
                l_cols[col].append(v)
            debit += amount
            by_dept[dept] = by_dept.get(dept, Decimal(0)) + amount
            row += 2
        lines_here = row - first
        credit = debit
        if fault and b % 200 == 99:
            l_cols["amount"][first] = str(Decimal(l_cols["amount"][first]) + Decimal("0.01"))
            credit += Decimal("0.01")
        if fault and b % 200 == 149:
            l_cols["line_id"][first + 2] = l_cols["line_id"][first]
        lock = h % 20 == 7
        for col, v in (("batch_id", f"{source}-{b:06d}"), ("source", source), ("business_date", day(business)),
                       ("currency", "USD"), ("decimals", 2), ("kind", "original"),
                       ("record_count", lines_here + (1 if fault and b % 200 == 199 else 0)),
                       ("total_debit", str(debit)), ("total_credit", str(credit)),
                       ("lock_date", day(business + 2) if lock else ""),
                       ("lock_policy", "refuse" if lock and h % 40 == 7 else "redirect"), ("company", 1)):
            b_cols[col].append(v)
        if b % 3 == 0:
            # the receivables have no department: they are in no department's total
            for dept, total in sorted(by_dept.items()):
                for col, v in (("batch", b), ("kind", "department"), ("key", dept), ("debit", "0"),
                               ("credit", str(total))):
                    t_cols[col].append(v)
    departments = {"code": DEPTS, "analytic": [500 + k for k in range(30)], "company": [0] * 30}
    payer_classes = {"code": PAYERS, "analytic": [900 + k for k in range(6)], "company": [1] * 6}
    facilities = {"code": [f for f, _ in FACILITIES], "company": [c for _, c in FACILITIES]}
    known = {"source": ["LAB"], "batch_id": ["LAB-000000"], "state": ["rejected"]}
    return b_cols, l_cols, rules_table(), {"totals": t_cols, "known": known, "departments": departments,
                                           "payer_classes": payer_classes, "facilities": facilities}


def _same(got: dict, want: dict) -> None:
    for table, cols in (("batches", ref.BATCH_OUT), ("lines", ref.LINE_OUT), ("groups", ref.GROUP_OUT),
                        ("computed", ref.COMPUTED_OUT), ("problems", ref.PROBLEM_OUT)):
        assert list(got[table]) == cols, table
        for col in cols:
            assert got[table][col] == want[table][col], (table, col)
    assert {k: got["stats"][k] for k in want["stats"]} == want["stats"]


def main():
    p = parser("billing", 1_000_000)
    p.add_argument("--batches", type=int, default=1_000, help="batches (default %(default)s)")
    p.set_defaults(reference_size=20_000)
    args = p.parse_args()
    per = max(2, args.size // args.batches)
    m = args.reference_size or args.size
    m_batches = max(1, m // per)

    small = world(m, m_batches)
    small_runs = []

    def once_small():
        out = mc.billing(*small[:3], **small[3])
        small_runs.append(out["engine_s"])
        return out

    native_ref_s, out_small = best_of(args.repeat, once_small)
    reference_s, expected = best_of(1, lambda: ref.billing(*small[:3], **small[3]))
    _same(out_small, expected)
    engine_ref_s = min(small_runs)

    big = world(args.size, args.batches)
    runs = []

    def once():
        out = mc.billing(*big[:3], **big[3])
        runs.append((out["engine_s"], out["stats"]))
        return out

    native_s, _ = best_of(args.repeat, once)
    engine_s, st = min(runs, key=lambda r: r[0])
    speedup = reference_s / native_ref_s
    met = {"engine_s": engine_s < TARGETS["engine_s"], "speedup": speedup >= TARGETS["speedup"]}
    emit("billing", args.size, native_s, reference_s, native_ref_s=native_ref_s, reference_size=m,
         engine_s=round(engine_s, 6), engine_s_median=round(statistics.median(r[0] for r in runs), 6),
         engine_s_first=round(runs[0][0], 6), repeat=len(runs),
         engine_speedup=round(reference_s / engine_ref_s, 2) if engine_ref_s > 0 else None,
         lines=st["lines"], batches=st["batches"], rules=st["rules"],
         **{k: round(st[k], 6) for k in ("read_s", "convert_s", "index_s", "batches_s", "output_s", "build_s")},
         ok=st["ok"], failed=st["failed"], problems=st["problems"], groups=st["groups"], closed=st["closed"],
         redirected=st["redirected"],
         targets={"engine_s": f"< {TARGETS['engine_s']}", "speedup": f">= {TARGETS['speedup']}"},
         targets_met=met)  # fmt: skip


if __name__ == "__main__":
    main()
