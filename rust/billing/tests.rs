//! Hand-worked cases: one per problem code, effective dating, specificity,
//! analytics, lock policies, corrections, decimals per currency, grouping.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::*;
use crate::error::Error;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// A batch as written in a test: the counts and control totals come from
/// its lines unless set.
struct B {
    id: &'static str,
    source: &'static str,
    date: &'static str,
    decimals: i64,
    kind: BatchKind,
    original: &'static str,
    record_count: Option<i64>,
    total_debit: Option<&'static str>,
    total_credit: Option<&'static str>,
    lock: &'static str,
    policy: LockPolicy,
    company: i64,
}

impl Default for B {
    fn default() -> Self {
        B {
            id: "B1",
            source: "LAB",
            date: "2026-11-02",
            decimals: 2,
            kind: BatchKind::Original,
            original: "",
            record_count: None,
            total_debit: None,
            total_credit: None,
            lock: "",
            policy: LockPolicy::Refuse,
            company: 1,
        }
    }
}

/// A line as written in a test.
#[derive(Clone)]
struct L {
    id: String,
    code: &'static str,
    department: &'static str,
    payer_class: &'static str,
    facility: &'static str,
    amount: &'static str,
    side: Side,
    served: &'static str,
    payer: &'static str,
}

fn line(code: &'static str, amount: &'static str, side: Side) -> L {
    L {
        id: String::new(),
        code,
        department: "",
        payer_class: "",
        facility: "",
        amount,
        side,
        served: "",
        payer: "",
    }
}

fn dr(code: &'static str, amount: &'static str) -> L {
    line(code, amount, Side::Debit)
}

fn cr(code: &'static str, amount: &'static str) -> L {
    line(code, amount, Side::Credit)
}

/// A rule as written in a test.
#[derive(Clone)]
struct R {
    id: i64,
    source: &'static str,
    code: &'static str,
    department: &'static str,
    payer_class: &'static str,
    facility: &'static str,
    from: &'static str,
    to: &'static str,
    account: i64,
    journal: i64,
    dan: i64,
    pan: i64,
    keep_payer: bool,
    sequence: i64,
}

fn rule(id: i64, code: &'static str, account: i64) -> R {
    R {
        id,
        source: "LAB",
        code,
        department: "",
        payer_class: "",
        facility: "",
        from: "",
        to: "",
        account,
        journal: 9,
        dan: 0,
        pan: 0,
        keep_payer: false,
        sequence: 10,
    }
}

#[derive(Default)]
struct W {
    input: Input,
}

impl W {
    fn new(rules: &[R]) -> Self {
        let mut w = W::default();
        for r in rules {
            w.rule(r);
        }
        w
    }

    fn rule(&mut self, r: &R) {
        let i = &mut self.input;
        let (n, u) = (&mut i.names, &mut i.rules);
        u.id.push(r.id);
        u.source.push(n.id(r.source));
        u.code.push(n.id(r.code));
        u.department.push(n.id(r.department));
        u.payer_class.push(n.id(r.payer_class));
        u.facility.push(n.id(r.facility));
        u.date_from.push(day(r.from));
        u.date_to.push(day(r.to));
        u.account.push(r.account);
        u.journal.push(r.journal);
        u.department_analytic.push(r.dan);
        u.payer_analytic.push(r.pan);
        u.keep_payer.push(r.keep_payer);
        u.sequence.push(r.sequence);
    }

    /// Add a batch with its lines (ids L0, L1… unless given).
    fn batch(&mut self, b: B, lines: &[L]) -> usize {
        let i = &mut self.input;
        let n = &mut i.names;
        let row = i.batches.len();
        let t = &mut i.batches;
        t.batch_id.push(n.id(b.id));
        t.source.push(n.id(b.source));
        t.business_date.push(day(b.date));
        t.currency.push(n.id("USD"));
        t.decimals.push(b.decimals);
        t.kind.push(b.kind);
        t.original.push(n.id(b.original));
        t.record_count
            .push(b.record_count.unwrap_or(lines.len() as i64));
        let sum = |side: Side| {
            lines
                .iter()
                .filter(|l| l.side == side)
                .map(|l| d(l.amount))
                .sum::<Decimal>()
        };
        t.total_debit
            .push(b.total_debit.map_or_else(|| sum(Side::Debit), d));
        t.total_credit
            .push(b.total_credit.map_or_else(|| sum(Side::Credit), d));
        t.lock_date.push(day(b.lock));
        t.lock_policy.push(b.policy);
        t.company.push(b.company);
        for (k, l) in lines.iter().enumerate() {
            let x = &mut i.lines;
            x.batch.push(row as i64);
            x.line_id.push(if l.id.is_empty() {
                format!("L{k}")
            } else {
                l.id.clone()
            });
            x.code.push(n.id(l.code));
            x.department.push(n.id(l.department));
            x.payer_class.push(n.id(l.payer_class));
            x.facility.push(n.id(l.facility));
            x.amount.push(d(l.amount));
            x.side.push(l.side);
            x.service_date.push(day(l.served));
            x.payer_ref.push(l.payer.to_owned());
        }
        row
    }

    fn total(&mut self, b: usize, kind: TotalKind, key: &str, debit: &str, credit: &str) {
        let i = &mut self.input;
        i.totals.batch.push(b as i64);
        i.totals.kind.push(kind);
        i.totals.key.push(i.names.id(key));
        i.totals.debit.push(d(debit));
        i.totals.credit.push(d(credit));
    }

    fn known(&mut self, id: &str, state: State) {
        let i = &mut self.input;
        i.known.source.push(i.names.id("LAB"));
        i.known.batch_id.push(i.names.id(id));
        i.known.state.push(state);
    }

    fn department(&mut self, code: &str, analytic: i64, company: i64) {
        let i = &mut self.input;
        i.departments.code.push(i.names.id(code));
        i.departments.analytic.push(analytic);
        i.departments.company.push(company);
    }

    fn payer_class(&mut self, code: &str, analytic: i64, company: i64) {
        let i = &mut self.input;
        i.payer_classes.code.push(i.names.id(code));
        i.payer_classes.analytic.push(analytic);
        i.payer_classes.company.push(company);
    }

    fn facility(&mut self, code: &str, company: i64) {
        let i = &mut self.input;
        i.facilities.code.push(i.names.id(code));
        i.facilities.company.push(company);
    }

    fn run(&self) -> Output {
        billing(&self.input).unwrap()
    }
}

/// (rule code, path, message) of batch `b`'s problems.
fn problems(out: &Output, b: usize) -> Vec<(&'static str, String, String)> {
    out.problems
        .iter()
        .filter(|p| p.batch == b)
        .map(|p| {
            (
                p.problem.rule.code(),
                p.problem.path.clone(),
                p.problem.message.clone(),
            )
        })
        .collect()
}

fn codes(out: &Output, b: usize) -> Vec<&'static str> {
    problems(out, b).into_iter().map(|p| p.0).collect()
}

fn one(out: &Output, b: usize) -> (&'static str, String, String) {
    let p = problems(out, b);
    assert_eq!(p.len(), 1, "{p:?}");
    p.into_iter().next().unwrap()
}

fn lab() -> Vec<R> {
    vec![rule(1, "", 400), rule(2, "3001", 410)]
}

// ------------------------------------------------------------------ summary

#[test]
fn a_balanced_batch_is_mapped_and_summarised() {
    // 3001 → 410 by its own rule, 3002 → 400 by the default, cash 1000 → 100
    let mut rules = lab();
    rules.push(rule(3, "CASH", 100));
    let mut w = W::new(&rules);
    w.batch(
        B::default(),
        &[
            cr("3001", "120.50"),
            cr("3001", "10"),
            cr("3002", "19.5"),
            dr("CASH", "150"),
        ],
    );
    let out = w.run();
    let b = &out.batches[0];
    assert!(b.ok && b.problems == 0);
    assert_eq!((b.company, b.journal, b.lines), (1, 9, 4));
    assert_eq!(
        (canon(b.debit), canon(b.credit)),
        ("150".into(), "150".into())
    );
    assert_eq!(out.lines.rule, vec![1, 1, 0, 2]);
    assert_eq!(out.lines.account, vec![410, 410, 400, 100]);
    // groups by account: 100 (debit 150), 400 (credit 19.5), 410 (credit 130.5)
    let g: Vec<(i64, String, String, usize)> = out
        .groups
        .iter()
        .map(|(_, g)| (g.account, canon(g.debit), canon(g.credit), g.lines))
        .collect();
    assert_eq!(
        g,
        vec![
            (100, "150".into(), "0".into(), 1),
            (400, "0".into(), "19.5".into(), 1),
            (410, "0".into(), "130.5".into(), 2)
        ]
    );
    assert_eq!(out.lines.group, vec![2, 2, 1, 0]);
    // computed: codes then departments, by key
    let c: Vec<(&str, &str, String, String)> = out
        .computed
        .iter()
        .map(|c| {
            (
                c.kind.code(),
                c.key.as_str(),
                canon(c.debit),
                canon(c.credit),
            )
        })
        .collect();
    assert_eq!(
        c,
        vec![
            ("code", "3001", "0".into(), "130.5".into()),
            ("code", "3002", "0".into(), "19.5".into()),
            ("code", "CASH", "150".into(), "0".into()),
        ]
    );
}

#[test]
fn a_group_that_nets_to_zero_is_kept_and_payers_apart_for_receivables() {
    let mut ar = rule(5, "AR", 120);
    ar.keep_payer = true;
    let mut w = W::new(&[rule(1, "", 400), ar]);
    let mut a = dr("AR", "30");
    a.payer = "p1";
    let mut b2 = dr("AR", "20");
    b2.payer = "p2";
    let mut c = dr("AR", "5");
    c.payer = "p1";
    w.batch(
        B::default(),
        &[a, b2, c, cr("X", "55"), dr("Y", "7"), cr("Y", "7")],
    );
    let out = w.run();
    assert!(out.batches[0].ok);
    let g: Vec<(i64, &str, String, String, usize)> = out
        .groups
        .iter()
        .map(|(_, g)| {
            (
                g.account,
                g.payer_ref.as_str(),
                canon(g.debit),
                canon(g.credit),
                g.lines,
            )
        })
        .collect();
    assert_eq!(
        g,
        vec![
            (120, "p1", "35".into(), "0".into(), 2),
            (120, "p2", "20".into(), "0".into(), 1),
            (400, "", "0".into(), "55".into(), 3),
        ]
    );
}

// ------------------------------------------------------------------ rule choice

#[test]
fn dates_are_inclusive_and_the_latest_start_wins() {
    let mut old = rule(1, "3001", 410);
    old.to = "2026-11-02";
    let mut new = rule(2, "3001", 411);
    new.from = "2026-11-02";
    let mut later = rule(3, "3001", 412);
    later.from = "2026-11-03";
    let w = W::new(&[old, new, later]);
    let ix = RuleIndex::build(&w.input.rules);
    let n = &w.input.names;
    let key = |on: &str| rules::Key {
        source: n.find("LAB").unwrap(),
        code: n.find("3001").unwrap(),
        department: 0,
        payer_class: 0,
        facility: 0,
        day: day(on),
    };
    let r = &w.input.rules;
    // both the old (to, inclusive) and the new (from, inclusive) are
    // effective on the 2nd: the later start wins
    assert_eq!(ix.choose(r, &key("2026-11-02")), Some(1));
    assert_eq!(ix.choose(r, &key("2026-11-01")), Some(0));
    assert_eq!(ix.choose(r, &key("2026-11-03")), Some(2));
}

#[test]
fn the_code_beats_dimensions_and_dimensions_beat_sequence() {
    let mut dflt_dept = rule(1, "", 400);
    dflt_dept.department = "CARD";
    dflt_dept.payer_class = "MEDICARE";
    let mut coded = rule(2, "3001", 410);
    coded.sequence = 50;
    let mut coded_dept = rule(3, "3001", 420);
    coded_dept.department = "CARD";
    coded_dept.sequence = 99;
    let mut tie_a = rule(8, "3002", 430);
    tie_a.sequence = 5;
    let mut tie_b = rule(7, "3002", 431);
    tie_b.sequence = 5;
    let w = W::new(&[dflt_dept, coded, coded_dept, tie_a, tie_b]);
    let ix = RuleIndex::build(&w.input.rules);
    let n = &w.input.names;
    let key = |code: &str, dept: &str| rules::Key {
        source: n.find("LAB").unwrap(),
        code: n.find(code).unwrap_or(u32::MAX),
        department: n.find(dept).unwrap(),
        payer_class: n.find("MEDICARE").unwrap(),
        facility: 0,
        day: day("2026-01-01"),
    };
    let r = &w.input.rules;
    assert_eq!(ix.choose(r, &key("3001", "CARD")), Some(2));
    assert_eq!(ix.choose(r, &key("3001", "")), Some(1));
    assert_eq!(ix.choose(r, &key("9999", "CARD")), Some(0));
    assert_eq!(ix.choose(r, &key("9999", "")), None);
    // same specificity and sequence: the lower id
    assert_eq!(ix.choose(r, &key("3002", "")), Some(4));
}

#[test]
fn explain_says_why_each_rule_wins_or_loses() {
    let mut dflt = rule(1, "", 400);
    dflt.sequence = 1;
    let coded = rule(2, "3001", 410);
    let mut other = rule(3, "3002", 411);
    other.sequence = 1;
    let mut future = rule(4, "3001", 412);
    future.from = "2026-12-01";
    let mut card = rule(5, "3001", 413);
    card.department = "CARD";
    let mut later_seq = rule(6, "3001", 414);
    later_seq.sequence = 20;
    let mut rad = rule(7, "3001", 415);
    rad.source = "RAD";
    let mut ended = rule(8, "", 416);
    ended.to = "2026-10-31";
    let mut w = W::new(&[dflt, coded, other, future, card, later_seq, rad, ended]);
    w.input.names.id("ONC");
    let q = Query {
        source: "LAB".into(),
        code: "3001".into(),
        department: "ONC".into(),
        day: day("2026-11-02"),
        ..Query::default()
    };
    let got: Vec<(usize, &str, String)> = explain(&w.input.rules, &w.input.names, &q)
        .into_iter()
        .map(|e| (e.rule, e.verdict.code(), e.reason))
        .collect();
    let want = vec![
        (0, "candidate", "less specific than rule 2"),
        (1, "chosen", "best of 3 candidates"),
        (2, "no_match", "code 3002 does not match 3001"),
        (3, "not_effective", "effective from 2026-12-01"),
        (4, "no_match", "department CARD does not match ONC"),
        (5, "candidate", "sequence 20 after rule 2 (sequence 10)"),
        (7, "not_effective", "ended on 2026-10-31"),
    ];
    let want: Vec<(usize, &str, String)> =
        want.into_iter().map(|(a, b, c)| (a, b, c.into())).collect();
    assert_eq!(got, want);
}

// ------------------------------------------------------------------ problems

#[test]
fn counts_totals_and_balance() {
    let mut w = W::new(&lab());
    w.batch(
        B {
            record_count: Some(3),
            total_debit: Some("100.00"),
            ..B::default()
        },
        &[dr("3001", "99.5"), cr("3002", "100")],
    );
    let out = w.run();
    assert!(!out.batches[0].ok);
    assert_eq!(
        problems(&out, 0),
        vec![
            (
                "record_count",
                "record_count".into(),
                "record_count 3 but the batch has 2 lines".into()
            ),
            (
                "control_total",
                "total_debit".into(),
                "total_debit 100 but the lines debit 99.5 (difference 0.5)".into()
            ),
            (
                "balance",
                "$".into(),
                "debits 99.5 do not equal credits 100 (difference -0.5)".into()
            ),
        ]
    );
    assert_eq!(out.lines.group, vec![-1, -1]);
    assert!(out.groups.is_empty());
}

#[test]
fn declared_totals_rows_missing_keys_and_duplicates() {
    let mut w = W::new(&lab());
    w.department("CARD", 51, 0);
    w.department("ONC", 52, 0);
    let mut a = dr("3001", "10");
    a.department = "CARD";
    let mut b = cr("3002", "10");
    b.department = "ONC";
    let row = w.batch(B::default(), &[a, b]);
    w.total(row, TotalKind::Department, "CARD", "10", "0");
    w.total(row, TotalKind::Department, "CARD", "10", "0");
    w.total(row, TotalKind::Code, "3001", "9", "0");
    w.total(row, TotalKind::Department, "LAB", "0", "0");
    let out = w.run();
    let p = problems(&out, 0);
    let want = vec![
        (
            "totals[1]",
            "department CARD is declared again (first at totals[0])",
        ),
        (
            "totals[2]",
            "code 3001: declared debit 9 and credit 0, the lines make debit 10 and credit 0",
        ),
        (
            "totals",
            "department ONC is in the lines but not in the totals",
        ),
        ("totals", "code 3002 is in the lines but not in the totals"),
    ];
    let got: Vec<(&str, &str)> = p.iter().map(|x| (x.1.as_str(), x.2.as_str())).collect();
    assert_eq!(got, want);
    assert!(p.iter().all(|x| x.0 == "control_total"));
}

#[test]
fn line_checks_in_order_with_their_paths() {
    let mut w = W::new(&lab());
    let mut late = dr("3001", "5");
    late.served = "2026-11-03";
    let mut dup = cr("3001", "1.005");
    dup.id = "L0".into();
    w.batch(
        B::default(),
        &[
            late,
            dup,
            cr("3001", "-1"),
            cr("3001", "0"),
            cr("3001", "5.000"),
        ],
    );
    let out = w.run();
    assert_eq!(
        problems(&out, 0),
        vec![
            (
                "balance",
                "$".into(),
                "debits 5 do not equal credits 5.005 (difference -0.005)".into()
            ),
            (
                "date",
                "lines[0].service_date".into(),
                "service date 2026-11-03 is after the business date 2026-11-02".into()
            ),
            (
                "decimals",
                "lines[1].amount".into(),
                "amount 1.005 has more than 2 decimals for USD".into()
            ),
            (
                "duplicate",
                "lines[1].line_id".into(),
                "line_id L0 repeats lines[0]".into()
            ),
            (
                "min",
                "lines[2].amount".into(),
                "amount -1 is not positive".into()
            ),
            (
                "min",
                "lines[3].amount".into(),
                "amount 0 is not positive".into()
            ),
        ]
    );
}

#[test]
fn decimals_follow_the_currency() {
    for (decimals, amount, bad) in [
        (0, "12", false),
        (0, "12.0", false),
        (0, "12.5", true),
        (2, "12.50", false),
        (2, "0.125", true),
        (3, "0.125", false),
        (3, "0.1255", true),
    ] {
        let mut w = W::new(&lab());
        w.batch(
            B {
                decimals,
                ..B::default()
            },
            &[dr("3001", amount), cr("3001", amount)],
        );
        let out = w.run();
        let c = codes(&out, 0);
        assert_eq!(c.contains(&"decimals"), bad, "{decimals} {amount}: {c:?}");
    }
}

#[test]
fn unmapped_lines_and_analytics() {
    let mut w = W::new(&[rule(2, "3001", 410)]);
    w.department("CARD", 51, 1);
    w.department("ONC", 52, 0);
    w.department("ONC", 53, 2);
    w.payer_class("MEDICARE", 61, 2);
    let mut a = dr("3001", "1");
    a.department = "CARD";
    a.payer_class = "MEDICARE";
    let mut b = cr("3001", "1");
    b.department = "ONC";
    let mut c = dr("3002", "1");
    c.department = "CARD";
    c.payer_class = "MEDICARE";
    let mut e = cr("3001", "1");
    e.department = "PEDS";
    w.batch(B::default(), &[a, b, c, e]);
    let out = w.run();
    assert_eq!(
        problems(&out, 0),
        vec![
            (
                "unmapped_payer_class",
                "lines[0].payer_class".into(),
                "payer class MEDICARE has no analytic account for company 1".into()
            ),
            (
                "unmapped",
                "lines[2]".into(),
                "no mapping rule for source LAB, code 3002, department CARD, payer class MEDICARE on 2026-11-02".into()
            ),
            (
                "unmapped_department",
                "lines[3].department".into(),
                "department PEDS has no analytic account for company 1".into()
            ),
        ]
    );
    // CARD for company 1; ONC for every company (0)
    assert_eq!(out.lines.department_analytic, vec![51, 52, 0, 0]);
    assert_eq!(out.lines.rule, vec![0, 0, -1, 0]);
}

#[test]
fn the_rule_analytic_comes_first() {
    let mut r = rule(2, "3001", 410);
    r.dan = 77;
    r.pan = 88;
    let mut w = W::new(&[r]);
    let mut a = dr("3001", "1");
    a.department = "NOWHERE";
    a.payer_class = "NOBODY";
    w.batch(B::default(), &[a, cr("3001", "1")]);
    let out = w.run();
    assert!(out.batches[0].ok);
    assert_eq!(out.lines.department_analytic, vec![77, 77]);
    assert_eq!(out.lines.payer_analytic, vec![88, 88]);
}

#[test]
fn facilities_resolve_one_company() {
    let mut w = W::new(&lab());
    w.facility("NORTH", 3);
    w.facility("SOUTH", 4);
    let mut n = dr("3001", "1");
    n.facility = "NORTH";
    let mut s = cr("3001", "1");
    s.facility = "SOUTH";
    let mut x = cr("3001", "1");
    x.facility = "MOON";
    w.batch(B::default(), &[n.clone(), s]);
    w.batch(
        B {
            id: "B2",
            ..B::default()
        },
        &[n.clone(), x],
    );
    let mut n2 = cr("3001", "1");
    n2.facility = "NORTH";
    w.batch(
        B {
            id: "B3",
            ..B::default()
        },
        &[n, n2],
    );
    let out = w.run();
    assert_eq!(
        one(&out, 0),
        (
            "facility",
            "$".into(),
            "lines belong to several companies: 3, 4".into()
        )
    );
    assert_eq!(
        one(&out, 1),
        (
            "facility",
            "lines[1].facility".into(),
            "unknown facility MOON".into()
        )
    );
    assert!(out.batches[2].ok);
    assert_eq!(out.batches[2].company, 3);
    assert_eq!(out.batches[0].company, 3);
}

#[test]
fn one_journal_per_batch() {
    let mut cash = rule(3, "CASH", 100);
    cash.journal = 4;
    let mut w = W::new(&[rule(2, "3001", 410), cash]);
    w.batch(B::default(), &[dr("CASH", "1"), cr("3001", "1")]);
    let out = w.run();
    assert_eq!(
        one(&out, 0),
        (
            "journal",
            "$".into(),
            "lines map to several journals: 4, 9".into()
        )
    );
    assert_eq!(out.batches[0].journal, 4);
}

#[test]
fn lock_policies() {
    let mut w = W::new(&lab());
    let ok = [dr("3001", "1"), cr("3001", "1")];
    for (id, lock, policy) in [
        ("B1", "2026-11-02", LockPolicy::Refuse),
        ("B2", "2026-11-02", LockPolicy::Redirect),
        ("B3", "2026-11-01", LockPolicy::Refuse),
        ("B4", "", LockPolicy::Refuse),
    ] {
        w.batch(
            B {
                id,
                lock,
                policy,
                ..B::default()
            },
            &ok,
        );
    }
    let out = w.run();
    assert_eq!(
        one(&out, 0),
        (
            "closed_period",
            "business_date".into(),
            "business date 2026-11-02 is on or before the lock date 2026-11-02".into()
        )
    );
    let flags: Vec<(bool, bool, bool)> = out
        .batches
        .iter()
        .map(|b| (b.ok, b.closed, b.redirected))
        .collect();
    assert_eq!(
        flags,
        vec![
            (false, true, false),
            (true, true, true),
            (true, false, false),
            (true, false, false)
        ]
    );
}

#[test]
fn duplicate_batches() {
    let mut w = W::new(&lab());
    w.known("B1", State::Posted);
    w.known("B2", State::Rejected);
    let ok = [dr("3001", "1"), cr("3001", "1")];
    w.batch(B::default(), &ok);
    w.batch(
        B {
            id: "B2",
            ..B::default()
        },
        &ok,
    );
    w.batch(
        B {
            id: "B2",
            ..B::default()
        },
        &ok,
    );
    w.batch(
        B {
            id: "B2",
            source: "RAD",
            ..B::default()
        },
        &[],
    );
    let out = w.run();
    assert_eq!(
        one(&out, 0),
        (
            "duplicate_batch",
            "batch_id".into(),
            "batch B1 from LAB is already known (state posted)".into()
        )
    );
    assert!(out.batches[1].ok);
    assert_eq!(
        one(&out, 2).2,
        "batch B2 from LAB repeats batch row 1".to_string()
    );
    assert!(out.batches[3].ok);
    assert_eq!(out.batches[3].company, 1);
}

#[test]
fn corrections() {
    let mut w = W::new(&lab());
    w.known("P", State::Posted);
    w.known("R", State::Reversed);
    w.known("V", State::Validated);
    w.known("V", State::Rejected);
    let ok = [dr("3001", "1"), cr("3001", "1")];
    let cases: [(&str, BatchKind, &str, &[L]); 8] = [
        ("A1", BatchKind::Adjustment, "P", &ok),
        ("A2", BatchKind::Adjustment, "", &ok),
        ("A3", BatchKind::Adjustment, "NOPE", &ok),
        ("A4", BatchKind::Adjustment, "V", &ok),
        ("R1", BatchKind::Reversal, "P", &[]),
        ("R2", BatchKind::Reversal, "R", &[]),
        ("R3", BatchKind::Reversal, "P", &ok),
        ("O1", BatchKind::Original, "P", &ok),
    ];
    for (id, kind, original, lines) in cases {
        w.batch(
            B {
                id,
                kind,
                original,
                ..B::default()
            },
            lines,
        );
    }
    let out = w.run();
    let msgs: Vec<Vec<(String, String)>> = (0..8)
        .map(|b| {
            problems(&out, b)
                .into_iter()
                .map(|p| {
                    assert_eq!(p.0, "correction");
                    (p.1, p.2)
                })
                .collect()
        })
        .collect();
    let o = |m: &str| vec![("original".to_string(), m.to_string())];
    assert_eq!(msgs[0], vec![]);
    assert_eq!(
        msgs[1],
        o("a batch of kind adjustment must name the batch it corrects")
    );
    assert_eq!(msgs[2], o("original batch NOPE from LAB is not known"));
    assert_eq!(
        msgs[3],
        o("original batch V is validated, rejected, not posted")
    );
    assert_eq!(msgs[4], vec![]);
    assert_eq!(msgs[5], o("original batch R is already reversed"));
    assert_eq!(
        msgs[6],
        vec![(
            "lines".to_string(),
            "a reversal carries no lines (got 2)".to_string()
        )]
    );
    assert_eq!(msgs[7], o("an original batch names no original (got P)"));
}

#[test]
fn problems_are_capped_but_all_counted() {
    let mut w = W::new(&lab());
    let lines: Vec<L> = (0..150).map(|_| dr("3001", "-1")).collect();
    let mut two = lines.clone();
    two.iter_mut().for_each(|l| l.amount = "0.001");
    let all: Vec<L> = lines.into_iter().chain(two).collect();
    w.batch(B::default(), &all);
    let out = w.run();
    // 150 min, 150 decimals, the balance
    assert_eq!(out.batches[0].problems, 301);
    assert_eq!(out.problems.len(), CAP);
    assert_eq!(out.problems[0].problem.rule, Rule::Balance);
    assert_eq!(out.stats.problems, 301);
}

// ------------------------------------------------------------------ input

#[test]
fn bad_input_names_its_place() {
    let mut w = W::new(&lab());
    w.batch(B::default(), &[dr("3001", "1")]);
    w.input.lines.batch[0] = 3;
    let e = billing(&w.input).unwrap_err();
    assert_eq!(e.rule(), Some("unknown_batch"));
    assert_eq!(
        e.to_string(),
        "lines.batch[0]: batch row 3 is not among the 1 batches"
    );
    let mut w = W::new(&lab());
    w.batch(
        B {
            decimals: 7,
            ..B::default()
        },
        &[],
    );
    let e = billing(&w.input).unwrap_err();
    assert_eq!(
        (e.rule(), e.location().unwrap().to_string()),
        (Some("out_of_range"), "batches.decimals[0]".into())
    );
    let mut w = W::new(&lab());
    w.facility("N", 1);
    w.facility("N", 2);
    let e = billing(&w.input).unwrap_err();
    assert_eq!(e.rule(), Some("duplicate"));
    let mut w = W::new(&lab());
    w.batch(B::default(), &[]);
    w.input.batches.company.pop();
    assert!(matches!(billing(&w.input), Err(Error::Input { .. })));
}

#[test]
fn dates_parse_strictly() {
    assert_eq!(day("2026-02-28").to_string(), "2026-02-28");
    assert!(Date::parse("").unwrap().is_none());
    for bad in [
        "2026-02-29",
        "2026-2-28",
        "20260228",
        "0000-01-01",
        "2026-13-01",
        "2026-01-01 ",
    ] {
        assert_eq!(Date::parse(bad), None, "{bad}");
    }
    assert!(day("2026-01-31") < day("2026-02-01"));
}

#[test]
fn decimals_print_in_their_shortest_form() {
    for (v, s) in [
        ("12.50", "12.5"),
        ("100", "100"),
        ("1E+2", "100"),
        ("-0.00", "0"),
        ("0.001", "0.001"),
    ] {
        let x = Decimal::from_str(v)
            .or_else(|_| Decimal::from_scientific(v))
            .unwrap();
        assert_eq!(canon(x), s);
    }
}
