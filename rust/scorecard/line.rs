//! Per-line facts: the events of each line grouped with it, then what each
//! definition needs from one line (due and in full on time, filled,
//! backordered; first receipt and lead time; returned; acknowledged on
//! time; its ship-notice groups; its bill lines).
//!
//! Events after `as_of` and the events of cancelled lines are dropped when
//! they are grouped; every fact below is computed from the events kept.

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::input::{AckStatus, FirstPass, Input, MoveKind, NO_ROW};
use super::time::Clock;

/// Which date a line is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// The line's first promised date.
    #[default]
    FirstPromised,
    /// The `promised_at` of the line's last acknowledgement (by time, ties
    /// by row) that carries one, else the first promised date.
    LastAcknowledged,
}

impl Target {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "first_promised" => Some(Target::FirstPromised),
            "last_acknowledged" => Some(Target::LastAcknowledged),
            _ => None,
        }
    }
}

/// The options the per-line facts depend on, resolved once.
#[derive(Debug, Clone)]
pub struct Rules {
    pub as_of: i64,
    /// Local day of `as_of`.
    pub as_of_day: i64,
    pub target: Target,
    pub early_days: i64,
    pub late_days: i64,
    /// Quantity tolerance as a fraction (percent / 100).
    pub qty_frac: Decimal,
    /// Price tolerance as a fraction.
    pub price_frac: Decimal,
    /// The acknowledgement target, in seconds.
    pub ack_s: i64,
}

/// Event rows grouped by line row (a compressed sparse row table):
/// `idx[start[l]..start[l + 1]]` are line `l`'s, in row order.
#[derive(Debug, Clone, Default)]
pub struct Grouped {
    start: Vec<u32>,
    idx: Vec<u32>,
}

impl Grouped {
    /// Group the events whose line row is `rows[i]`, keeping those `keep`
    /// accepts: a counting sort, O(events + lines).
    pub fn build(rows: &[u32], lines: usize, keep: impl Fn(usize) -> bool + Sync) -> Self {
        // which events stay, decided in parallel; the scatter is sequential
        let kept: Vec<u32> = rows
            .par_iter()
            .with_min_len(8192)
            .enumerate()
            .map(|(i, &r)| if keep(i) { r } else { NO_ROW })
            .collect();
        let mut start = vec![0u32; lines + 1];
        for &r in &kept {
            if r != NO_ROW {
                start[r as usize + 1] += 1;
            }
        }
        for l in 0..lines {
            start[l + 1] += start[l];
        }
        let mut next = start.clone();
        let mut idx = vec![0u32; start[lines] as usize];
        for (i, &r) in kept.iter().enumerate() {
            if r != NO_ROW {
                let slot = &mut next[r as usize];
                idx[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        Self { start, idx }
    }

    /// The rows of line `l`'s events, in row order.
    pub fn of(&self, l: usize) -> &[u32] {
        &self.idx[self.start[l] as usize..self.start[l + 1] as usize]
    }

    /// Events kept.
    pub fn len(&self) -> usize {
        self.idx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }
}

/// Every table's events, grouped by line.
#[derive(Debug, Clone, Default)]
pub struct Events {
    pub acks: Grouped,
    pub receipts: Grouped,
    pub asns: Grouped,
    pub bills: Grouped,
}

/// The facts of a due line (month: the month of its target day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub month: i32,
    pub otif: bool,
    pub filled: bool,
    pub backordered: bool,
}

/// The facts of a line with a receipt (month: of its first receipt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub month: i32,
    /// Seconds from `ordered_at` to the first receipt.
    pub lead_s: i64,
    pub returned: bool,
}

/// The acknowledgement facts of a sent line that is acknowledged or whose
/// acknowledgement is overdue (month: of `sent_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acked {
    pub month: i32,
    /// Seconds from `sent_at` to the first acknowledgement, if any.
    pub latency_s: Option<i64>,
    pub on_time: bool,
}

/// A (picking, line, lot) group of ship notice lines and receipts (month:
/// of its picking's first ship notice line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsnGroup {
    pub month: i32,
    pub accurate: bool,
}

/// A bill line (month: of its date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Billed {
    pub month: i32,
    pub accurate: bool,
    pub over_po: bool,
    pub po_over_contract: bool,
    pub first_pass: FirstPass,
}

/// One line's facts; its ship notice groups and bill lines go to `Scratch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    pub due: Option<Due>,
    pub received: Option<Received>,
    pub acked: Option<Acked>,
}

/// Buffers reused from line to line (no allocation per line).
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    pub asn: Vec<AsnGroup>,
    pub bills: Vec<Billed>,
    /// (picking, lot, announced, received, first notice of the group)
    groups: Vec<(i64, u32, Decimal, Decimal, i64)>,
}

/// What the facts of a line are computed from.
pub struct Ctx<'a> {
    pub input: &'a Input,
    pub events: &'a Events,
    /// Picking → the `at` of its first ship notice line (kept ones only).
    pub pickings: &'a HashMap<i64, i64>,
    pub clock: &'a Clock,
    pub rules: &'a Rules,
}

/// `|value − target| <= target × frac`.
pub fn within(value: Decimal, target: Decimal, frac: Decimal) -> bool {
    (value - target).abs() <= margin(target, frac)
}

/// `value >= target × (1 − frac)`, i.e. `target − value <= target × frac`.
pub fn at_least(value: Decimal, target: Decimal, frac: Decimal) -> bool {
    target - value <= margin(target, frac)
}

/// `value > base × (1 + frac)`, i.e. `value − base > base × frac`.
pub fn above(value: Decimal, base: Decimal, frac: Decimal) -> bool {
    value - base > margin(base, frac)
}

/// `base × frac`; `frac` is at most 1, so the product stays within range.
fn margin(base: Decimal, frac: Decimal) -> Decimal {
    if frac.is_zero() {
        Decimal::ZERO
    } else {
        base * frac
    }
}

/// The facts of line `l` (not cancelled); its ship notice groups and bill
/// lines are left in `s`.
pub fn facts(cx: &Ctx, l: usize, s: &mut Scratch) -> Facts {
    let input = cx.input;
    let lines = &input.lines;
    let r = cx.rules;
    let qty = lines.qty[l];

    // acknowledgements: the first, any backorder, the last promise
    let acks = &input.acks;
    let mut first_ack: Option<i64> = None;
    let mut ack_backorder = false;
    let mut last_promise: Option<(i64, u32, i64)> = None;
    for &e in cx.events.acks.of(l) {
        let e_ = e as usize;
        let at = acks.at[e_];
        first_ack = Some(first_ack.map_or(at, |f| f.min(at)));
        ack_backorder |= acks.status[e_] == AckStatus::Backordered;
        let p = acks.promised_at[e_];
        // rows come in order, so `>=` keeps the last row among equal times
        if p != 0 && last_promise.is_none_or(|(a, _, _)| at >= a) {
            last_promise = Some((at, e, p));
        }
    }

    // receipts: the first instant and what came then, later receipts, returns
    let receipts = &input.receipts;
    let mut first: Option<(i64, Decimal)> = None;
    let mut returned = false;
    for &e in cx.events.receipts.of(l) {
        let e = e as usize;
        if receipts.kind[e] == MoveKind::Return {
            returned = true;
            continue;
        }
        let (at, q) = (receipts.at[e], receipts.qty[e]);
        first = match first {
            None => Some((at, q)),
            Some((f, sum)) if at == f => Some((f, sum.saturating_add(q))),
            Some((f, _)) if at < f => Some((at, q)),
            keep => keep,
        };
    }
    let later = first.is_some_and(|(f, _)| {
        cx.events.receipts.of(l).iter().any(|&e| {
            let e = e as usize;
            receipts.kind[e] == MoveKind::Receipt && receipts.at[e] > f
        })
    });

    let target = match (r.target, last_promise) {
        (Target::LastAcknowledged, Some((_, _, p))) => Some(p),
        _ => Some(lines.promised_at[l]).filter(|&p| p != 0),
    };
    let due = target.and_then(|t| {
        let day = cx.clock.day(t);
        if day + r.late_days >= r.as_of_day {
            return None;
        }
        let (lo, hi) = (day - r.early_days, day + r.late_days);
        let mut on_time = Decimal::ZERO;
        for &e in cx.events.receipts.of(l) {
            let e = e as usize;
            if receipts.kind[e] == MoveKind::Receipt {
                let d = cx.clock.day(receipts.at[e]);
                if lo <= d && d <= hi {
                    on_time = on_time.saturating_add(receipts.qty[e]);
                }
            }
        }
        let filled = first.is_some_and(|(_, q)| at_least(q, qty, r.qty_frac));
        let short_then_more = later && !filled;
        Some(Due {
            month: super::time::month_of_day(day),
            otif: within(on_time, qty, r.qty_frac),
            filled,
            backordered: ack_backorder || short_then_more,
        })
    });

    let received = first.map(|(at, _)| Received {
        month: cx.clock.month(at),
        lead_s: at - lines.ordered_at[l],
        returned,
    });

    let sent = lines.sent_at[l];
    let acked = (sent != 0 && sent <= r.as_of)
        .then(|| {
            let latency_s = first_ack.map(|a| a - sent);
            let judged = latency_s.is_some() || sent + r.ack_s < r.as_of;
            judged.then(|| Acked {
                month: cx.clock.month(sent),
                latency_s,
                on_time: latency_s.is_some_and(|s| s <= r.ack_s),
            })
        })
        .flatten();

    asn_groups(cx, l, s);
    bills(cx, l, s);
    Facts {
        due,
        received,
        acked,
    }
}

/// The line's (picking, lot) groups: its ship notice lines, and its
/// receipts in pickings that have a ship notice line.
fn asn_groups(cx: &Ctx, l: usize, s: &mut Scratch) {
    s.asn.clear();
    s.groups.clear();
    let asns = &cx.input.asns;
    for &e in cx.events.asns.of(l) {
        let e = e as usize;
        let key = (asns.picking[e], asns.lot[e]);
        match s.groups.iter_mut().find(|g| (g.0, g.1) == key) {
            Some(g) => {
                g.2 = g.2.saturating_add(asns.qty[e]);
                g.4 = g.4.min(asns.at[e]);
            }
            None => s
                .groups
                .push((key.0, key.1, asns.qty[e], Decimal::ZERO, asns.at[e])),
        }
    }
    let receipts = &cx.input.receipts;
    for &e in cx.events.receipts.of(l) {
        let e = e as usize;
        let picking = receipts.picking[e];
        if picking == 0 || receipts.kind[e] != MoveKind::Receipt {
            continue;
        }
        let key = (picking, receipts.lot[e]);
        match s.groups.iter_mut().find(|g| (g.0, g.1) == key) {
            Some(g) => g.3 = g.3.saturating_add(receipts.qty[e]),
            None => {
                if let Some(&first) = cx.pickings.get(&picking) {
                    s.groups
                        .push((key.0, key.1, Decimal::ZERO, receipts.qty[e], first));
                }
            }
        }
    }
    for &(picking, _, announced, received, group_first) in &s.groups {
        let first = if picking == 0 {
            group_first
        } else {
            cx.pickings[&picking]
        };
        s.asn.push(AsnGroup {
            month: cx.clock.month(first),
            accurate: !announced.is_zero()
                && !received.is_zero()
                && within(received, announced, cx.rules.qty_frac),
        });
    }
}

/// The line's bill lines.
fn bills(cx: &Ctx, l: usize, s: &mut Scratch) {
    s.bills.clear();
    let lines = &cx.input.lines;
    let bills = &cx.input.bills;
    let frac = cx.rules.price_frac;
    let (po, contract) = (lines.price[l], lines.contract_price[l]);
    let po_over_contract = contract.is_some_and(|c| above(po, c, frac));
    let expected = contract.unwrap_or(po);
    for &e in cx.events.bills.of(l) {
        let e = e as usize;
        let price = bills.price[e];
        s.bills.push(Billed {
            month: cx.clock.month(bills.at[e]),
            accurate: within(price, expected, frac),
            over_po: above(price, po, frac),
            po_over_contract,
            first_pass: bills.first_pass[e],
        });
    }
}
