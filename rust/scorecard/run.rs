//! A scorecard run: check the input, group every event with its line, find
//! each picking's first ship notice, then per vendor (in parallel) fold its
//! lines' facts into monthly counters and score the months; rows sorted by
//! (vendor, category, month).

use std::time::Instant;

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::aggregate::{vendor_months, ByVendor, Counters, Months};
use super::input::{Checked, Input};
use super::line::{Ctx, Events, Grouped, Rules, Target};
use super::score::{components, month_score, rates, series, Scoring, Standing, Weights};
use super::time::{Clock, MAX_TIME};
use crate::error::{Error, Location, Result};

/// Settings of a run (see the spec for each one's meaning).
#[derive(Debug, Clone)]
pub struct Options {
    /// Events after it are ignored; what is due is judged at it.
    pub as_of: i64,
    /// `(utc_from, offset_s)`, sorted by `utc_from`.
    pub tz: Vec<(i64, i64)>,
    pub target: Target,
    pub early_days: i64,
    pub late_days: i64,
    /// Percent.
    pub qty_tolerance: Decimal,
    /// Percent.
    pub price_tolerance: Decimal,
    pub ack_hours: i64,
    pub weights: Weights,
    pub decay: f64,
    pub window: i64,
    /// (excellent, good, poor), descending.
    pub thresholds: [f64; 3],
    pub min_lines: i64,
    pub by_category: bool,
}

impl Options {
    /// The defaults, judged at `as_of`.
    pub fn new(as_of: i64) -> Self {
        let s = Scoring::default();
        Options {
            as_of,
            tz: Vec::new(),
            target: Target::FirstPromised,
            early_days: 3,
            late_days: 0,
            qty_tolerance: Decimal::ZERO,
            price_tolerance: Decimal::ZERO,
            ack_hours: 24,
            weights: s.weights,
            decay: s.decay,
            window: i64::from(s.window),
            thresholds: s.thresholds,
            min_lines: s.min_lines as i64,
            by_category: false,
        }
    }

    /// Check the options; the clock, the line rules and the scoring they make.
    pub fn resolve(&self) -> Result<(Clock, Rules, Scoring)> {
        let bad = |field: &str, msg: String| {
            Error::broke(
                Location::field(format!("options.{field}")),
                "bad_option",
                msg,
            )
        };
        if !(0..=MAX_TIME).contains(&self.as_of) {
            return Err(bad(
                "as_of",
                "must be UTC epoch seconds between 1970 and 9999".into(),
            ));
        }
        let clock = Clock::new(&self.tz)?;
        for (field, v) in [
            ("early_days", self.early_days),
            ("late_days", self.late_days),
        ] {
            if !(0..=3660).contains(&v) {
                return Err(bad(
                    field,
                    format!("must be between 0 and 3660 days, got {v}"),
                ));
            }
        }
        if !(0..=87_840).contains(&self.ack_hours) {
            return Err(bad(
                "ack_hours",
                format!("must be between 0 and 87840, got {}", self.ack_hours),
            ));
        }
        for (field, v) in [
            ("qty_tolerance", self.qty_tolerance),
            ("price_tolerance", self.price_tolerance),
        ] {
            if v.is_sign_negative() && !v.is_zero() || v > Decimal::ONE_HUNDRED {
                return Err(bad(
                    field,
                    format!("must be a percent between 0 and 100, got {v}"),
                ));
            }
        }
        self.weights.check()?;
        if !(self.decay > 0.0 && self.decay <= 1.0) {
            return Err(bad(
                "decay",
                format!("must be in (0, 1], got {}", self.decay),
            ));
        }
        if !(1..=1200).contains(&self.window) {
            return Err(bad(
                "window",
                format!("must be between 1 and 1200 months, got {}", self.window),
            ));
        }
        let [e, g, p] = self.thresholds;
        if !(e.is_finite() && g.is_finite() && p.is_finite() && e >= g && g >= p) {
            return Err(bad(
                "thresholds",
                format!(
                    "must be (excellent, good, poor), finite and descending, got ({e}, {g}, {p})"
                ),
            ));
        }
        if self.min_lines < 0 {
            return Err(bad(
                "min_lines",
                format!("must be >= 0, got {}", self.min_lines),
            ));
        }
        let frac = |v: Decimal| v / Decimal::ONE_HUNDRED;
        let rules = Rules {
            as_of: self.as_of,
            as_of_day: clock.day(self.as_of),
            target: self.target,
            early_days: self.early_days,
            late_days: self.late_days,
            qty_frac: frac(self.qty_tolerance),
            price_frac: frac(self.price_tolerance),
            ack_s: self.ack_hours * 3600,
        };
        let scoring = Scoring {
            weights: self.weights,
            decay: self.decay,
            window: self.window as u32,
            thresholds: self.thresholds,
            min_lines: self.min_lines as u64,
        };
        Ok((clock, rules, scoring))
    }
}

/// One row of the scorecard: a vendor (category 0) or one of its categories,
/// in a local month.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub vendor: i64,
    pub category: i64,
    /// `year * 12 + month - 1` ([`super::time::month_label`] writes it).
    pub month: i32,
    pub counts: Counters,
    pub lead_time_days: Option<f64>,
    pub lead_time_std_days: Option<f64>,
    pub ack_latency_hours: Option<f64>,
    /// otif, fill_rate, backorder_rate, ack_on_time, asn_accuracy,
    /// price_accuracy, first_pass, return_rate (percent).
    pub rates: [Option<f64>; 8],
    pub month_score: Option<f64>,
    pub score: Option<f64>,
    pub standing: Standing,
}

/// The rate columns, in [`Row::rates`]' order.
pub const RATES: [&str; 8] = [
    "otif",
    "fill_rate",
    "backorder_rate",
    "ack_on_time",
    "asn_accuracy",
    "price_accuracy",
    "first_pass",
    "return_rate",
];

/// Counters and phase times (seconds) of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub lines: usize,
    pub cancelled: usize,
    /// Events of lines not cancelled, at or before `as_of`, used.
    pub acks: usize,
    pub receipts: usize,
    pub asns: usize,
    pub bills: usize,
    /// Events dropped: after `as_of`, or of a cancelled line.
    pub ignored: usize,
    pub vendors: usize,
    /// Pickings with a ship notice line.
    pub pickings: usize,
    pub rows: usize,
    pub check_s: f64,
    pub group_s: f64,
    pub score_s: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Output {
    pub rows: Vec<Row>,
    pub stats: Stats,
}

/// Every table's events grouped by line: those at or before `as_of`, of
/// lines not cancelled.
fn group(input: &Input, c: &Checked, as_of: i64) -> Events {
    let n = input.lines.len();
    let live = |rows: &[u32], at: &[i64], i: usize| {
        at[i] <= as_of && !input.lines.cancelled[rows[i] as usize]
    };
    let ((acks, receipts), (asns, bills)) = rayon::join(
        || {
            rayon::join(
                || Grouped::build(&c.ack_rows, n, |i| live(&c.ack_rows, &input.acks.at, i)),
                || {
                    Grouped::build(&c.receipt_rows, n, |i| {
                        live(&c.receipt_rows, &input.receipts.at, i)
                    })
                },
            )
        },
        || {
            rayon::join(
                || Grouped::build(&c.asn_rows, n, |i| live(&c.asn_rows, &input.asns.at, i)),
                || Grouped::build(&c.bill_rows, n, |i| live(&c.bill_rows, &input.bills.at, i)),
            )
        },
    );
    Events {
        acks,
        receipts,
        asns,
        bills,
    }
}

/// Picking → the `at` of its first ship notice line (kept notices with a
/// picking), folded in parallel and reduced.
fn first_notices(input: &Input, asns: &Grouped, lines: usize) -> HashMap<i64, i64> {
    let a = &input.asns;
    let merge = |x: HashMap<i64, i64>, y: HashMap<i64, i64>| {
        let (mut big, small) = if x.len() >= y.len() { (x, y) } else { (y, x) };
        for (p, at) in small {
            big.entry(p).and_modify(|f| *f = (*f).min(at)).or_insert(at);
        }
        big
    };
    (0..lines)
        .into_par_iter()
        .with_min_len(16_384)
        .fold(HashMap::new, |mut m: HashMap<i64, i64>, l| {
            for &e in asns.of(l) {
                let e = e as usize;
                let p = a.picking[e];
                if p != 0 {
                    let at = a.at[e];
                    m.entry(p).and_modify(|f| *f = (*f).min(at)).or_insert(at);
                }
            }
            m
        })
        .reduce(HashMap::new, merge)
}

/// The rows of one vendor: per category, every month from its first with
/// data to its last, scored.
fn vendor_rows(vendor: i64, m: Months, s: &Scoring, out: &mut Vec<Row>) {
    let mut order: Vec<usize> = (0..m.keys.len()).collect();
    order.sort_unstable_by_key(|&k| m.keys[k]);
    let mut i = 0;
    while i < order.len() {
        let category = m.keys[order[i]].0;
        let mut j = i;
        while j < order.len() && m.keys[order[j]].0 == category {
            j += 1;
        }
        let (first, last) = (m.keys[order[i]].1, m.keys[order[j - 1]].1);
        let span = (last - first + 1) as usize;
        let mut counts = vec![Counters::default(); span];
        for &k in &order[i..j] {
            counts[(m.keys[k].1 - first) as usize] = m.counters[k];
        }
        let month_rates: Vec<[Option<f64>; 8]> = counts.iter().map(rates).collect();
        let month_scores: Vec<Option<f64>> = month_rates
            .iter()
            .map(|r| month_score(&components(r), &s.weights))
            .collect();
        let due: Vec<u64> = counts.iter().map(|c| c.lines_due).collect();
        let scored = series(&month_scores, &due, s);
        for (k, c) in counts.iter().enumerate() {
            let n = c.lines_received as f64;
            let (lead, std) = if c.lines_received == 0 {
                (None, None)
            } else {
                let n_i = i128::from(c.lines_received);
                let var = n_i * c.lead_sq - c.lead_sum * c.lead_sum;
                (
                    Some(c.lead_sum as f64 / n / 86_400.0),
                    Some((var as f64).sqrt() / n / 86_400.0),
                )
            };
            let latency =
                (c.lines_acked != 0).then(|| c.latency_sum as f64 / c.lines_acked as f64 / 3_600.0);
            let (score, standing) = scored[k];
            out.push(Row {
                vendor,
                category,
                month: first + k as i32,
                counts: *c,
                lead_time_days: lead,
                lead_time_std_days: std,
                ack_latency_hours: latency,
                rates: month_rates[k],
                month_score: month_scores[k],
                score,
                standing,
            });
        }
        i = j;
    }
}

/// Score the vendors of `input` as `o` says.
pub fn scorecard(input: &Input, o: &Options) -> Result<Output> {
    let (clock, rules, scoring) = o.resolve()?;
    crate::pool::install(|| run(input, o, &clock, &rules, &scoring))?
}

fn run(
    input: &Input,
    o: &Options,
    clock: &Clock,
    rules: &Rules,
    scoring: &Scoring,
) -> Result<Output> {
    let t = Instant::now();
    let checked = input.check()?;
    let check_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let (events, by) = rayon::join(
        || group(input, &checked, o.as_of),
        || ByVendor::build(&input.lines),
    );
    drop(checked);
    let pickings = first_notices(input, &events.asns, input.lines.len());
    let group_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let cx = Ctx {
        input,
        events: &events,
        pickings: &pickings,
        clock,
        rules,
    };
    let per_vendor: Vec<Vec<Row>> = (0..by.vendors.len())
        .into_par_iter()
        .map(|v| {
            let mut rows = Vec::new();
            let months = vendor_months(&cx, &by, v, o.by_category);
            vendor_rows(by.vendors[v], months, scoring, &mut rows);
            rows
        })
        .collect();
    let mut rows = Vec::with_capacity(per_vendor.iter().map(Vec::len).sum());
    let vendors = per_vendor.iter().filter(|r| !r.is_empty()).count();
    for r in per_vendor {
        rows.extend(r);
    }
    let score_s = t.elapsed().as_secs_f64();

    let kept = events.acks.len() + events.receipts.len() + events.asns.len() + events.bills.len();
    let total = input.acks.line.len()
        + input.receipts.line.len()
        + input.asns.line.len()
        + input.bills.line.len();
    let stats = Stats {
        lines: input.lines.len(),
        cancelled: input.lines.cancelled.iter().filter(|c| **c).count(),
        acks: events.acks.len(),
        receipts: events.receipts.len(),
        asns: events.asns.len(),
        bills: events.bills.len(),
        ignored: total - kept,
        vendors,
        pickings: pickings.len(),
        rows: rows.len(),
        check_s,
        group_s,
        score_s,
    };
    Ok(Output { rows, stats })
}
