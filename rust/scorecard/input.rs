//! The scorecard's input: five tables as columns (purchase order lines and
//! their events), their checks, and the lines indexed by id.
//!
//! Checks run table by table (lines, acks, receipts, asns, bills), column by
//! column, and report the lowest bad row of the first bad column, whatever
//! the thread count. Rows are numbered from 0 like every engine's.

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::time::MAX_TIME;
use crate::error::{Error, Location, Result};
use crate::ids::IdIndex;
use crate::numeric::negative;
use crate::pool::{self, first_row};

/// A row number, or "none".
pub use crate::ids::NO_ROW;

/// The status an acknowledgement gives a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AckStatus {
    #[default]
    Accepted,
    Backordered,
    Substituted,
    Rejected,
}

impl AckStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accepted" => Some(AckStatus::Accepted),
            "backordered" => Some(AckStatus::Backordered),
            "substituted" => Some(AckStatus::Substituted),
            "rejected" => Some(AckStatus::Rejected),
            _ => None,
        }
    }
}

/// A done stock move of the line's product: from the vendor, or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MoveKind {
    #[default]
    Receipt,
    Return,
}

impl MoveKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "receipt" => Some(MoveKind::Receipt),
            "return" => Some(MoveKind::Return),
            _ => None,
        }
    }
}

/// A bill line's first MedSync match result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FirstPass {
    Pass,
    Fail,
    #[default]
    None,
}

impl FirstPass {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pass" => Some(FirstPass::Pass),
            "fail" => Some(FirstPass::Fail),
            "none" => Some(FirstPass::None),
            _ => None,
        }
    }
}

/// Purchase order lines, one row each. Times are UTC epoch seconds, 0 for
/// "none".
#[derive(Debug, Clone, Default)]
pub struct Lines {
    /// Unique, positive.
    pub id: Vec<i64>,
    /// Positive.
    pub vendor: Vec<i64>,
    /// 0: none.
    pub category: Vec<i64>,
    /// When the order was confirmed (lead time starts here).
    pub ordered_at: Vec<i64>,
    /// When the order went to the vendor through the hub (0: never).
    pub sent_at: Vec<i64>,
    /// The first promised date (0: none).
    pub promised_at: Vec<i64>,
    /// Ordered, positive.
    pub qty: Vec<Decimal>,
    /// PO unit price, >= 0.
    pub price: Vec<Decimal>,
    /// Contract unit price, >= 0, where there is one.
    pub contract_price: Vec<Option<Decimal>>,
    /// Left out of every metric, with its events.
    pub cancelled: Vec<bool>,
}

impl Lines {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// Every acknowledgement of a line (each one kept).
#[derive(Debug, Clone, Default)]
pub struct Acks {
    pub line: Vec<i64>,
    /// When MedSync received it.
    pub at: Vec<i64>,
    /// The date the vendor promises in it (0: none).
    pub promised_at: Vec<i64>,
    pub status: Vec<AckStatus>,
    /// >= 0.
    pub qty: Vec<Decimal>,
}

/// Lot names, interned: 0 is "no lot", equal names get equal ids. Receipts
/// and ship notices must take their ids from the same `Lots`.
#[derive(Debug, Clone, Default)]
pub struct Lots {
    ids: HashMap<String, u32>,
}

impl Lots {
    /// The id of `name` ('' → 0).
    pub fn id(&mut self, name: &str) -> u32 {
        if name.is_empty() {
            return 0;
        }
        let next = self.ids.len() as u32 + 1;
        *self.ids.entry_ref(name).or_insert(next)
    }

    /// Ids of every name, in order.
    pub fn ids<S: AsRef<str>>(&mut self, names: &[S]) -> Vec<u32> {
        names.iter().map(|n| self.id(n.as_ref())).collect()
    }

    /// Distinct lot names seen.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Done stock moves of the line's product from (receipt) or back to
/// (return) the vendor.
#[derive(Debug, Clone, Default)]
pub struct Receipts {
    pub line: Vec<i64>,
    /// Done date.
    pub at: Vec<i64>,
    /// Positive.
    pub qty: Vec<Decimal>,
    pub kind: Vec<MoveKind>,
    /// The receipt (picking) it belongs to, 0: none.
    pub picking: Vec<i64>,
    /// Interned lot ([`Lots`]), 0: none.
    pub lot: Vec<u32>,
}

/// Ship notice lines, as announced.
#[derive(Debug, Clone, Default)]
pub struct Asns {
    pub line: Vec<i64>,
    /// When the notice arrived.
    pub at: Vec<i64>,
    /// The receipt it announced (0: none, never matched by a receipt).
    pub picking: Vec<i64>,
    /// Interned lot ([`Lots`]), 0: none.
    pub lot: Vec<u32>,
    /// Positive.
    pub qty: Vec<Decimal>,
}

/// Vendor bill lines linked to a PO line (posted or draft, not cancelled).
#[derive(Debug, Clone, Default)]
pub struct Bills {
    pub line: Vec<i64>,
    /// Bill date.
    pub at: Vec<i64>,
    /// >= 0.
    pub qty: Vec<Decimal>,
    /// Unit price billed, in the PO's currency and unit; >= 0.
    pub price: Vec<Decimal>,
    pub first_pass: Vec<FirstPass>,
}

#[derive(Debug, Clone, Default)]
pub struct Input {
    pub lines: Lines,
    pub acks: Acks,
    pub receipts: Receipts,
    pub asns: Asns,
    pub bills: Bills,
}

/// The checked input: the lines' index, and the line row of every event.
pub struct Checked {
    pub index: IdIndex,
    pub ack_rows: Vec<u32>,
    pub receipt_rows: Vec<u32>,
    pub asn_rows: Vec<u32>,
    pub bill_rows: Vec<u32>,
}

impl Input {
    /// Check every table (see the module docs for the order) and resolve
    /// every event's line.
    pub fn check(&self) -> Result<Checked> {
        check_lines(&self.lines)?;
        let index = match IdIndex::build(&self.lines.id) {
            Ok(ix) => ix,
            Err((row, first)) => {
                return Err(Error::broke(
                    Location::row("lines.id", row),
                    "duplicate_id",
                    format!("line {} repeats row {first}", self.lines.id[row]),
                ))
            }
        };
        let a = &self.acks;
        same_len(
            "acks",
            a.line.len(),
            &[
                ("at", a.at.len()),
                ("promised_at", a.promised_at.len()),
                ("status", a.status.len()),
                ("qty", a.qty.len()),
            ],
        )?;
        let ack_rows = line_rows("acks", &a.line, &index)?;
        times("acks", "at", &a.at)?;
        times("acks", "promised_at", &a.promised_at)?;
        non_negative("acks", "qty", &a.qty)?;

        let r = &self.receipts;
        same_len(
            "receipts",
            r.line.len(),
            &[
                ("at", r.at.len()),
                ("qty", r.qty.len()),
                ("kind", r.kind.len()),
                ("picking", r.picking.len()),
                ("lot", r.lot.len()),
            ],
        )?;
        let receipt_rows = line_rows("receipts", &r.line, &index)?;
        times("receipts", "at", &r.at)?;
        positive("receipts", "qty", &r.qty)?;
        ids_not_negative("receipts", "picking", &r.picking)?;

        let s = &self.asns;
        same_len(
            "asns",
            s.line.len(),
            &[
                ("at", s.at.len()),
                ("picking", s.picking.len()),
                ("lot", s.lot.len()),
                ("qty", s.qty.len()),
            ],
        )?;
        let asn_rows = line_rows("asns", &s.line, &index)?;
        times("asns", "at", &s.at)?;
        ids_not_negative("asns", "picking", &s.picking)?;
        positive("asns", "qty", &s.qty)?;

        let b = &self.bills;
        same_len(
            "bills",
            b.line.len(),
            &[
                ("at", b.at.len()),
                ("qty", b.qty.len()),
                ("price", b.price.len()),
                ("first_pass", b.first_pass.len()),
            ],
        )?;
        let bill_rows = line_rows("bills", &b.line, &index)?;
        times("bills", "at", &b.at)?;
        non_negative("bills", "qty", &b.qty)?;
        non_negative("bills", "price", &b.price)?;
        Ok(Checked {
            index,
            ack_rows,
            receipt_rows,
            asn_rows,
            bill_rows,
        })
    }
}

fn check_lines(l: &Lines) -> Result<()> {
    let n = l.id.len();
    if n >= NO_ROW as usize {
        return Err(Error::input(
            Location::field("lines.id"),
            format!("{n} rows: more than one batch can hold"),
        ));
    }
    same_len(
        "lines",
        n,
        &[
            ("vendor", l.vendor.len()),
            ("category", l.category.len()),
            ("ordered_at", l.ordered_at.len()),
            ("sent_at", l.sent_at.len()),
            ("promised_at", l.promised_at.len()),
            ("qty", l.qty.len()),
            ("price", l.price.len()),
            ("contract_price", l.contract_price.len()),
            ("cancelled", l.cancelled.len()),
        ],
    )?;
    bad_int(
        "lines",
        "id",
        &l.id,
        |v| v <= 0,
        "not_positive",
        "must be a positive id",
    )?;
    bad_int(
        "lines",
        "vendor",
        &l.vendor,
        |v| v <= 0,
        "not_positive",
        "must be a positive vendor id",
    )?;
    bad_int(
        "lines",
        "category",
        &l.category,
        |v| v < 0,
        "negative",
        "must be a category id or 0",
    )?;
    times("lines", "ordered_at", &l.ordered_at)?;
    times("lines", "sent_at", &l.sent_at)?;
    times("lines", "promised_at", &l.promised_at)?;
    positive("lines", "qty", &l.qty)?;
    non_negative("lines", "price", &l.price)?;
    match first_row(&l.contract_price, |v| v.as_ref().is_some_and(negative)) {
        Some(i) => Err(Error::broke(
            Location::row("lines.contract_price", i),
            "negative",
            format!(
                "must be >= 0 (or None), got {}",
                l.contract_price[i].unwrap_or_default()
            ),
        )),
        None => Ok(()),
    }
}

fn same_len(table: &str, n: usize, cols: &[(&str, usize)]) -> Result<()> {
    for (f, len) in cols {
        if *len != n {
            return Err(Error::input(
                Location::field(format!("{table}.{f}")),
                format!("has {len} rows, expected {n}"),
            ));
        }
    }
    Ok(())
}

fn bad_int(
    table: &str,
    field: &str,
    values: &[i64],
    bad: impl Fn(i64) -> bool + Sync + Send,
    rule: &'static str,
    what: &str,
) -> Result<()> {
    match first_row(values, |v| bad(*v)) {
        Some(i) => Err(Error::broke(
            Location::row(format!("{table}.{field}"), i),
            rule,
            format!("{what}, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

/// UTC epoch seconds from 1970 to the end of 9999 (0 is "none" where a
/// column allows none).
fn times(table: &str, field: &str, values: &[i64]) -> Result<()> {
    bad_int(
        table,
        field,
        values,
        |v| !(0..=MAX_TIME).contains(&v),
        "bad_time",
        "must be UTC epoch seconds between 1970 and 9999",
    )
}

fn ids_not_negative(table: &str, field: &str, values: &[i64]) -> Result<()> {
    bad_int(
        table,
        field,
        values,
        |v| v < 0,
        "negative",
        "must be an id or 0",
    )
}

fn positive(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    match first_row(values, |v| negative(v) || v.is_zero()) {
        Some(i) => Err(Error::broke(
            Location::row(format!("{table}.{field}"), i),
            if values[i].is_zero() {
                "not_positive"
            } else {
                "negative"
            },
            format!("must be positive, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

fn non_negative(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    match first_row(values, negative) {
        Some(i) => Err(Error::broke(
            Location::row(format!("{table}.{field}"), i),
            "negative",
            format!("must be >= 0, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

/// The line row of every event; the first event naming no line is refused.
fn line_rows(table: &str, lines: &[i64], index: &IdIndex) -> Result<Vec<u32>> {
    let rows: Vec<u32> = if lines.len() < pool::INLINE_BELOW {
        lines
            .iter()
            .map(|&id| index.get(id).unwrap_or(NO_ROW))
            .collect()
    } else {
        lines
            .par_iter()
            .with_min_len(4096)
            .map(|&id| index.get(id).unwrap_or(NO_ROW))
            .collect()
    };
    match first_row(&rows, |r| *r == NO_ROW) {
        Some(i) => Err(Error::broke(
            Location::row(format!("{table}.line"), i),
            "unknown_line",
            format!("line {} is not among the lines", lines[i]),
        )),
        None => Ok(rows),
    }
}
