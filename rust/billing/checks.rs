//! One batch's checks: the record-level checks (the batch against the
//! database and the input, the lock date, its counts and control totals)
//! and each line's (amount, decimals, duplicate id, service date, facility,
//! mapping). Every problem is reported, in a fixed order: record-level
//! first, then the lines in order; at most [`CAP`] are listed per batch.

use std::fmt::Write as _;

use hashbrown::{HashMap, HashSet};
use rust_decimal::Decimal;

use super::input::{canon, places, show, BatchKind, Date, LockPolicy, State, TotalKind};
use super::rules::Key;
use super::run::Ctx;
use super::summary::Sums;
use crate::error::{Error, Location, Result};
use crate::ids::NO_ROW;

/// Problems listed per batch, at most (all are counted).
pub const CAP: usize = 200;

/// The stable codes of a batch's problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    RecordCount,
    Balance,
    ControlTotal,
    Decimals,
    Min,
    Duplicate,
    Date,
    ClosedPeriod,
    Unmapped,
    UnmappedDepartment,
    UnmappedPayerClass,
    Facility,
    Journal,
    DuplicateBatch,
    Correction,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::RecordCount => "record_count",
            Rule::Balance => "balance",
            Rule::ControlTotal => "control_total",
            Rule::Decimals => "decimals",
            Rule::Min => "min",
            Rule::Duplicate => "duplicate",
            Rule::Date => "date",
            Rule::ClosedPeriod => "closed_period",
            Rule::Unmapped => "unmapped",
            Rule::UnmappedDepartment => "unmapped_department",
            Rule::UnmappedPayerClass => "unmapped_payer_class",
            Rule::Facility => "facility",
            Rule::Journal => "journal",
            Rule::DuplicateBatch => "duplicate_batch",
            Rule::Correction => "correction",
        }
    }
}

/// A batch's problem: the line's row in `lines` (None: the batch), where
/// the sender sees it, its rule and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub path: String,
    pub rule: Rule,
    pub message: String,
}

/// Problems as found: all counted, the first `cap` kept (their texts are
/// only written when kept).
pub struct Found {
    pub list: Vec<Problem>,
    pub count: usize,
    cap: usize,
}

impl Found {
    pub fn new(cap: usize) -> Self {
        Found {
            list: Vec::new(),
            count: 0,
            cap,
        }
    }

    pub fn add(
        &mut self,
        line: Option<usize>,
        rule: Rule,
        path: impl FnOnce() -> String,
        message: impl FnOnce() -> String,
    ) {
        self.count += 1;
        if self.list.len() < self.cap {
            self.list.push(Problem {
                line,
                path: path(),
                rule,
                message: message(),
            });
        }
    }

    /// `self` then `rest`, `CAP` listed at most.
    pub fn then(mut self, rest: Found) -> Found {
        self.count += rest.count;
        let room = CAP.saturating_sub(self.list.len());
        self.list.extend(rest.list.into_iter().take(room));
        self
    }
}

/// What one line maps to (`rule` is [`NO_ROW`] when none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped {
    pub rule: u32,
    pub account: i64,
    pub department_analytic: i64,
    pub payer_analytic: i64,
}

/// The lines' side of a batch: what each maps to, their problems, the
/// company and journal they resolve to, their sums.
pub struct LineChecks {
    pub mapped: Vec<Mapped>,
    pub found: Found,
    pub company: i64,
    pub companies: Vec<i64>,
    pub journal: i64,
    pub journals: Vec<i64>,
    pub sums: Sums,
}

fn distinct_in_order(values: &mut Vec<i64>, v: i64) {
    if !values.contains(&v) {
        values.push(v);
    }
}

fn joined(values: &[i64]) -> String {
    let mut v = values.to_vec();
    v.sort_unstable();
    let mut s = String::new();
    for (k, x) in v.iter().enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{x}");
    }
    s
}

/// Every line of batch `b` (`rows`, in input order).
pub fn check_lines(ctx: &Ctx, b: usize, rows: &[u32]) -> Result<LineChecks> {
    let inp = ctx.input;
    let (bt, l, names) = (&inp.batches, &inp.lines, &inp.names);
    let day = bt.business_date[b];
    let decimals = bt.decimals[b] as u32;
    // facilities first: the batch's company (the first line's that resolves)
    // is where departments and payer classes are looked up
    let line_company: Vec<Option<i64>> = rows
        .iter()
        .map(|&r| match l.facility[r as usize] {
            0 => Some(bt.company[b]),
            f => ctx.facilities.get(&f).copied(),
        })
        .collect();
    let mut companies = Vec::new();
    for c in line_company.iter().flatten() {
        distinct_in_order(&mut companies, *c);
    }
    let company = companies.first().copied().unwrap_or(bt.company[b]);
    let mut found = Found::new(CAP);
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    let mut mapped = Vec::with_capacity(rows.len());
    let mut journals = Vec::new();
    let mut sums = Sums::default();
    let rules = &inp.rules;
    for (k, &r) in rows.iter().enumerate() {
        let r = r as usize;
        let amount = l.amount[r];
        let at = Some(r);
        sums.add(l.side[r], amount).ok_or_else(|| Error::Overflow {
            at: Location::row("lines.amount", r),
        })?;
        let amount_path = || format!("lines[{k}].amount");
        if amount <= Decimal::ZERO {
            found.add(at, Rule::Min, amount_path, || {
                format!("amount {} is not positive", canon(amount))
            });
        }
        if places(amount) > decimals {
            found.add(at, Rule::Decimals, amount_path, || {
                format!(
                    "amount {} has more than {decimals} decimals for {}",
                    canon(amount),
                    names.show(bt.currency[b])
                )
            });
        }
        let id = l.line_id[r].as_str();
        match seen.get(id) {
            Some(&j) => found.add(
                at,
                Rule::Duplicate,
                || format!("lines[{k}].line_id"),
                || format!("line_id {id} repeats lines[{j}]"),
            ),
            None => {
                seen.insert(id, k);
            }
        }
        let served = l.service_date[r];
        if !served.is_none() && served > day {
            found.add(
                at,
                Rule::Date,
                || format!("lines[{k}].service_date"),
                || format!("service date {served} is after the business date {day}"),
            );
        }
        if line_company[k].is_none() {
            found.add(
                at,
                Rule::Facility,
                || format!("lines[{k}].facility"),
                || format!("unknown facility {}", names.text(l.facility[r])),
            );
        }
        let key = Key {
            source: bt.source[b],
            code: l.code[r],
            department: l.department[r],
            payer_class: l.payer_class[r],
            facility: l.facility[r],
            day,
        };
        let Some(rule) = ctx.index.choose(rules, &key) else {
            found.add(
                at,
                Rule::Unmapped,
                || format!("lines[{k}]"),
                || unmapped_message(ctx, &key),
            );
            mapped.push(Mapped {
                rule: NO_ROW,
                account: 0,
                department_analytic: 0,
                payer_analytic: 0,
            });
            continue;
        };
        distinct_in_order(&mut journals, rules.journal[rule]);
        let department_analytic = match (rules.department_analytic[rule], key.department) {
            (0, 0) => 0,
            (0, d) => ctx.departments.get(d, company).unwrap_or_else(|| {
                found.add(
                    at,
                    Rule::UnmappedDepartment,
                    || format!("lines[{k}].department"),
                    || {
                        format!(
                            "department {} has no analytic account for company {company}",
                            names.text(d)
                        )
                    },
                );
                0
            }),
            (a, _) => a,
        };
        let payer_analytic = match (rules.payer_analytic[rule], key.payer_class) {
            (0, 0) => 0,
            (0, p) => ctx.payer_classes.get(p, company).unwrap_or_else(|| {
                found.add(
                    at,
                    Rule::UnmappedPayerClass,
                    || format!("lines[{k}].payer_class"),
                    || {
                        format!(
                            "payer class {} has no analytic account for company {company}",
                            names.text(p)
                        )
                    },
                );
                0
            }),
            (a, _) => a,
        };
        mapped.push(Mapped {
            rule: rule as u32,
            account: rules.account[rule],
            department_analytic,
            payer_analytic,
        });
    }
    Ok(LineChecks {
        mapped,
        found,
        company,
        companies,
        journal: journals.first().copied().unwrap_or(0),
        journals,
        sums,
    })
}

fn unmapped_message(ctx: &Ctx, key: &Key) -> String {
    let n = &ctx.input.names;
    let mut m = format!(
        "no mapping rule for source {}, code {}, department {}, payer class {}",
        n.show(key.source),
        n.show(key.code),
        n.show(key.department),
        n.show(key.payer_class)
    );
    if key.facility != 0 {
        let _ = write!(m, ", facility {}", n.text(key.facility));
    }
    let _ = write!(m, " on {}", key.day);
    m
}

/// What the batch's lines make per department and per code.
pub struct Made {
    pub department: HashMap<u32, Sums>,
    pub code: HashMap<u32, Sums>,
}

impl Made {
    pub fn of(&self, kind: TotalKind) -> &HashMap<u32, Sums> {
        match kind {
            TotalKind::Department => &self.department,
            TotalKind::Code => &self.code,
        }
    }
}

/// The record-level checks of batch `b`, in their order: duplicate batch,
/// correction, closed period, record count, control totals (total_debit,
/// total_credit), balance, the totals rows in order, keys missing from the
/// totals (departments then codes, by key), several companies, several
/// journals.
pub fn check_batch(
    ctx: &Ctx,
    b: usize,
    lines: &LineChecks,
    n_lines: usize,
    totals: &[u32],
    made: &Made,
) -> Found {
    let inp = ctx.input;
    let bt = &inp.batches;
    let mut found = Found::new(CAP);
    duplicate_batch(ctx, b, &mut found);
    correction(ctx, b, n_lines, &mut found);
    let (day, lock) = (bt.business_date[b], bt.lock_date[b]);
    if closed(lock, day) && bt.lock_policy[b] == LockPolicy::Refuse {
        found.add(
            None,
            Rule::ClosedPeriod,
            || "business_date".into(),
            || format!("business date {day} is on or before the lock date {lock}"),
        );
    }
    let rc = bt.record_count[b];
    if rc != n_lines as i64 {
        found.add(
            None,
            Rule::RecordCount,
            || "record_count".into(),
            || format!("record_count {rc} but the batch has {n_lines} lines"),
        );
    }
    let s = &lines.sums;
    for (field, declared, made, side) in [
        ("total_debit", bt.total_debit[b], s.debit, "debit"),
        ("total_credit", bt.total_credit[b], s.credit, "credit"),
    ] {
        if declared != made {
            found.add(
                None,
                Rule::ControlTotal,
                || field.into(),
                || {
                    format!(
                        "{field} {} but the lines {side} {} (difference {})",
                        canon(declared),
                        canon(made),
                        canon(declared - made)
                    )
                },
            );
        }
    }
    if s.debit != s.credit {
        found.add(
            None,
            Rule::Balance,
            || "$".into(),
            || {
                format!(
                    "debits {} do not equal credits {} (difference {})",
                    canon(s.debit),
                    canon(s.credit),
                    canon(s.debit - s.credit)
                )
            },
        );
    }
    control_totals(ctx, totals, made, &mut found);
    if lines.companies.len() > 1 {
        found.add(
            None,
            Rule::Facility,
            || "$".into(),
            || {
                format!(
                    "lines belong to several companies: {}",
                    joined(&lines.companies)
                )
            },
        );
    }
    if lines.journals.len() > 1 {
        found.add(
            None,
            Rule::Journal,
            || "$".into(),
            || format!("lines map to several journals: {}", joined(&lines.journals)),
        );
    }
    found
}

/// Closed: dated on or before the lock date.
pub fn closed(lock: Date, day: Date) -> bool {
    !lock.is_none() && day <= lock
}

fn duplicate_batch(ctx: &Ctx, b: usize, found: &mut Found) {
    let inp = ctx.input;
    let (bt, kn, names) = (&inp.batches, &inp.known, &inp.names);
    let key = (bt.source[b], bt.batch_id[b]);
    let message = |tail: String| {
        format!(
            "batch {} from {} {tail}",
            names.text(key.1),
            names.text(key.0)
        )
    };
    let earlier = ctx.known.get(&key).and_then(|rows| {
        rows.iter()
            .map(|&k| kn.state[k as usize])
            .find(|s| *s != State::Rejected)
    });
    if let Some(state) = earlier {
        found.add(
            None,
            Rule::DuplicateBatch,
            || "batch_id".into(),
            || message(format!("is already known (state {})", state.code())),
        );
    } else if ctx.first_in_input[b] != NO_ROW {
        let first = ctx.first_in_input[b];
        found.add(
            None,
            Rule::DuplicateBatch,
            || "batch_id".into(),
            || message(format!("repeats batch row {first}")),
        );
    }
}

fn correction(ctx: &Ctx, b: usize, n_lines: usize, found: &mut Found) {
    let inp = ctx.input;
    let (bt, kn, names) = (&inp.batches, &inp.known, &inp.names);
    let (kind, original) = (bt.kind[b], bt.original[b]);
    let path = || "original".to_string();
    match (kind, original) {
        (BatchKind::Original, 0) => {}
        (BatchKind::Original, o) => found.add(None, Rule::Correction, path, || {
            format!(
                "an original batch names no original (got {})",
                names.text(o)
            )
        }),
        (_, 0) => found.add(None, Rule::Correction, path, || {
            format!(
                "a batch of kind {} must name the batch it corrects",
                kind.code()
            )
        }),
        (_, o) => {
            let mut states: Vec<State> = Vec::new();
            for &k in ctx.known.get(&(bt.source[b], o)).into_iter().flatten() {
                let s = kn.state[k as usize];
                if !states.contains(&s) {
                    states.push(s);
                }
            }
            let name = names.text(o);
            if states.is_empty() {
                found.add(None, Rule::Correction, path, || {
                    format!(
                        "original batch {name} from {} is not known",
                        names.text(bt.source[b])
                    )
                });
            } else if kind == BatchKind::Reversal && states.contains(&State::Reversed) {
                found.add(None, Rule::Correction, path, || {
                    format!("original batch {name} is already reversed")
                });
            } else if !states.contains(&State::Posted) {
                found.add(None, Rule::Correction, path, || {
                    let s: Vec<&str> = states.iter().map(|s| s.code()).collect();
                    format!("original batch {name} is {}, not posted", s.join(", "))
                });
            }
        }
    }
    if kind == BatchKind::Reversal && n_lines > 0 {
        found.add(
            None,
            Rule::Correction,
            || "lines".into(),
            || format!("a reversal carries no lines (got {n_lines})"),
        );
    }
}

fn control_totals(ctx: &Ctx, totals: &[u32], made: &Made, found: &mut Found) {
    let inp = ctx.input;
    let (t, names) = (&inp.totals, &inp.names);
    let zero = Sums::default();
    let mut first: HashMap<(TotalKind, u32), usize> = HashMap::new();
    let mut declared_kinds: HashSet<TotalKind> = HashSet::new();
    for (i, &row) in totals.iter().enumerate() {
        let row = row as usize;
        let (kind, key) = (t.kind[row], t.key[row]);
        declared_kinds.insert(kind);
        let path = || format!("totals[{i}]");
        if let Some(&j) = first.get(&(kind, key)) {
            found.add(None, Rule::ControlTotal, path, || {
                format!(
                    "{} {} is declared again (first at totals[{j}])",
                    kind.code(),
                    names.show(key)
                )
            });
            continue;
        }
        first.insert((kind, key), i);
        let m = made.of(kind).get(&key).unwrap_or(&zero);
        let (dd, dc) = (t.debit[row], t.credit[row]);
        if dd != m.debit || dc != m.credit {
            found.add(None, Rule::ControlTotal, path, || {
                format!(
                    "{} {}: declared debit {} and credit {}, the lines make debit {} and credit {}",
                    kind.code(),
                    names.show(key),
                    canon(dd),
                    canon(dc),
                    canon(m.debit),
                    canon(m.credit)
                )
            });
        }
    }
    for kind in [TotalKind::Department, TotalKind::Code] {
        if !declared_kinds.contains(&kind) {
            continue;
        }
        let mut missing: Vec<&str> = made
            .of(kind)
            .keys()
            .filter(|k| !first.contains_key(&(kind, **k)))
            .map(|k| names.text(*k))
            .collect();
        missing.sort_unstable();
        for key in missing {
            found.add(
                None,
                Rule::ControlTotal,
                || "totals".into(),
                || {
                    format!(
                        "{} {} is in the lines but not in the totals",
                        kind.code(),
                        show(key)
                    )
                },
            );
        }
    }
}
