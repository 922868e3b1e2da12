//! A billing run: check the input, index the rules, the analytics, the
//! facilities and the known batches, then check and summarise every batch
//! (in parallel, each on its own), and lay the results out as output
//! columns.

use std::time::Instant;

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::checks::{check_batch, check_lines, closed, Made, Mapped, Problem, Rule};
use super::input::{Analytics, Input, LockPolicy, Names, TotalKind};
use super::rules::RuleIndex;
use super::summary::{groups, made, Group};
use crate::error::Result;
use crate::ids::NO_ROW;

/// Departments or payer classes by (code, company).
pub struct AnalyticIndex(HashMap<(u32, i64), i64>);

impl AnalyticIndex {
    pub fn build(a: &Analytics) -> Self {
        AnalyticIndex(
            a.code
                .iter()
                .zip(&a.company)
                .zip(&a.analytic)
                .map(|((c, co), an)| ((*c, *co), *an))
                .collect(),
        )
    }

    /// The analytic of `code` for `company`, else for every company (0).
    pub fn get(&self, code: u32, company: i64) -> Option<i64> {
        self.0
            .get(&(code, company))
            .or_else(|| self.0.get(&(code, 0)))
            .copied()
    }
}

/// What every batch's checks share.
pub struct Ctx<'a> {
    pub input: &'a Input,
    pub index: RuleIndex,
    pub departments: AnalyticIndex,
    pub payer_classes: AnalyticIndex,
    /// Facility → company.
    pub facilities: HashMap<u32, i64>,
    /// (source, batch_id) → rows in known.
    pub known: HashMap<(u32, u32), Vec<u32>>,
    /// Per batch row, the first earlier row with its source and batch_id
    /// ([`NO_ROW`]: none).
    pub first_in_input: Vec<u32>,
}

impl<'a> Ctx<'a> {
    pub fn build(input: &'a Input) -> Self {
        let (b, k) = (&input.batches, &input.known);
        let mut known: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        for r in 0..k.source.len() {
            known
                .entry((k.source[r], k.batch_id[r]))
                .or_default()
                .push(r as u32);
        }
        let mut first: HashMap<(u32, u32), u32> = HashMap::new();
        let first_in_input = (0..b.len())
            .map(|r| {
                let f = *first
                    .entry((b.source[r], b.batch_id[r]))
                    .or_insert(r as u32);
                if f == r as u32 {
                    NO_ROW
                } else {
                    f
                }
            })
            .collect();
        Ctx {
            input,
            index: RuleIndex::build(&input.rules),
            departments: AnalyticIndex::build(&input.departments),
            payer_classes: AnalyticIndex::build(&input.payer_classes),
            facilities: input
                .facilities
                .code
                .iter()
                .copied()
                .zip(input.facilities.company.iter().copied())
                .collect(),
            known,
            first_in_input,
        }
    }
}

/// One batch's results.
#[derive(Debug, Clone)]
pub struct BatchOut {
    pub ok: bool,
    pub company: i64,
    pub journal: i64,
    pub closed: bool,
    pub redirected: bool,
    pub lines: usize,
    pub debit: Decimal,
    pub credit: Decimal,
    /// Problems found (all of them; at most `CAP` are listed).
    pub problems: usize,
}

/// A computed total: what the batch's lines make for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    pub batch: usize,
    pub kind: TotalKind,
    pub key: String,
    pub debit: Decimal,
    pub credit: Decimal,
}

/// Per input line.
#[derive(Debug, Clone, Default)]
pub struct LinesOut {
    /// Row in rules, -1: none.
    pub rule: Vec<i64>,
    pub account: Vec<i64>,
    pub department_analytic: Vec<i64>,
    pub payer_analytic: Vec<i64>,
    /// Row in groups, -1: the batch has problems.
    pub group: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemOut {
    pub batch: usize,
    pub problem: Problem,
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub batches: usize,
    pub ok: usize,
    pub failed: usize,
    pub lines: usize,
    pub mapped: usize,
    pub rules: usize,
    pub groups: usize,
    pub problems: usize,
    pub listed: usize,
    pub closed: usize,
    pub redirected: usize,
    pub index_s: f64,
    pub batches_s: f64,
    pub output_s: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Output {
    pub batches: Vec<BatchOut>,
    pub lines: LinesOut,
    pub groups: Vec<(usize, Group)>,
    pub computed: Vec<Computed>,
    pub problems: Vec<ProblemOut>,
    pub stats: Stats,
}

/// Everything about one batch, before the layout.
struct Done {
    out: BatchOut,
    mapped: Vec<Mapped>,
    groups: Vec<Group>,
    member: Vec<u32>,
    computed: Vec<Computed>,
    problems: Vec<Problem>,
}

fn computed(names: &Names, b: usize, made: &Made) -> Vec<Computed> {
    let mut out = Vec::with_capacity(made.department.len() + made.code.len());
    // kinds by their code ("code" before "department"), keys by text
    for kind in [TotalKind::Code, TotalKind::Department] {
        let start = out.len();
        out.extend(made.of(kind).iter().map(|(k, s)| Computed {
            batch: b,
            kind,
            key: names.text(*k).to_owned(),
            debit: s.debit,
            credit: s.credit,
        }));
        out[start..].sort_unstable_by(|a, b| a.key.cmp(&b.key));
    }
    out
}

fn one_batch(ctx: &Ctx, b: usize, rows: &[u32], totals: &[u32]) -> Result<Done> {
    let inp = ctx.input;
    let bt = &inp.batches;
    let lines = check_lines(ctx, b, rows)?;
    let m = made(inp, rows)?;
    let record = check_batch(ctx, b, &lines, rows.len(), totals, &m);
    let found = record.then(lines.found);
    let ok = found.count == 0;
    let is_closed = closed(bt.lock_date[b], bt.business_date[b]);
    let (groups, member) = if ok {
        groups(inp, rows, &lines.mapped)?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Done {
        out: BatchOut {
            ok,
            company: lines.company,
            journal: lines.journal,
            closed: is_closed,
            redirected: is_closed && bt.lock_policy[b] == LockPolicy::Redirect,
            lines: rows.len(),
            debit: lines.sums.debit,
            credit: lines.sums.credit,
            problems: found.count,
        },
        mapped: lines.mapped,
        groups,
        member,
        computed: computed(&inp.names, b, &m),
        problems: found.list,
    })
}

/// Validate, map and summarise every batch (see docs/engines.md, "Billing
/// batches").
pub fn billing(input: &Input) -> Result<Output> {
    let t0 = Instant::now();
    let checked = input.check()?;
    let ctx = Ctx::build(input);
    let t1 = Instant::now();
    let n = input.batches.len();
    let done: Vec<Result<Done>> = (0..n)
        .into_par_iter()
        .with_min_len(1)
        .map(|b| one_batch(&ctx, b, checked.lines.of(b), checked.totals.of(b)))
        .collect();
    let t2 = Instant::now();
    let nl = input.lines.len();
    let mut out = Output {
        lines: LinesOut {
            rule: vec![-1; nl],
            account: vec![0; nl],
            department_analytic: vec![0; nl],
            payer_analytic: vec![0; nl],
            group: vec![-1; nl],
        },
        ..Output::default()
    };
    let s = &mut out.stats;
    s.batches = n;
    s.lines = nl;
    s.rules = input.rules.len();
    for (b, d) in done.into_iter().enumerate() {
        let d = d?;
        let rows = checked.lines.of(b);
        let base = out.groups.len() as i64;
        let lo = &mut out.lines;
        for (k, (&r, m)) in rows.iter().zip(&d.mapped).enumerate() {
            let r = r as usize;
            lo.rule[r] = if m.rule == NO_ROW { -1 } else { m.rule as i64 };
            lo.account[r] = m.account;
            lo.department_analytic[r] = m.department_analytic;
            lo.payer_analytic[r] = m.payer_analytic;
            if let Some(g) = d.member.get(k) {
                lo.group[r] = base + i64::from(*g);
            }
            s.mapped += usize::from(m.rule != NO_ROW);
        }
        s.ok += usize::from(d.out.ok);
        s.problems += d.out.problems;
        s.listed += d.problems.len();
        s.closed += usize::from(d.out.closed);
        s.redirected += usize::from(d.out.redirected);
        out.groups.extend(d.groups.into_iter().map(|g| (b, g)));
        out.computed.extend(d.computed);
        out.problems.extend(
            d.problems
                .into_iter()
                .map(|problem| ProblemOut { batch: b, problem }),
        );
        out.batches.push(d.out);
    }
    s.failed = n - s.ok;
    s.groups = out.groups.len();
    s.index_s = (t1 - t0).as_secs_f64();
    s.batches_s = (t2 - t1).as_secs_f64();
    s.output_s = t2.elapsed().as_secs_f64();
    Ok(out)
}

/// The problem codes, for documentation and tests.
pub const PROBLEM_RULES: [Rule; 15] = [
    Rule::RecordCount,
    Rule::Balance,
    Rule::ControlTotal,
    Rule::Decimals,
    Rule::Min,
    Rule::Duplicate,
    Rule::Date,
    Rule::ClosedPeriod,
    Rule::Unmapped,
    Rule::UnmappedDepartment,
    Rule::UnmappedPayerClass,
    Rule::Facility,
    Rule::Journal,
    Rule::DuplicateBatch,
    Rule::Correction,
];
