//! Output: each line's result, its allocations and explanation, as the
//! vendor shards produce them and in input order.

use rust_decimal::Decimal;

use super::book::VendorBook;
use super::checks::Tally;
use super::duplicates::Suspect;
use super::input::{Level, Status};
use super::line::Line;
use super::tolerance::Scope;
use crate::error::{Error, Result};
use crate::numeric::RoundingMethod;

/// The outcome of one bill line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineResult {
    pub line_id: i64,
    pub status: Status,
    pub level: Level,
    /// The PO line with the largest share of the line (first on ties), 0 if none.
    pub po_line_id: i64,
    /// Billed on this line, product unit (negative for credit notes).
    pub qty: Decimal,
    /// Over the allocated PO lines: ordered, received, consumed, billed before this line.
    pub qty_ordered: Decimal,
    pub qty_received: Decimal,
    pub qty_consumed: Decimal,
    pub qty_billed_before: Decimal,
    /// Cumulative billed after this line minus the reference quantity
    /// (ordered / received / consumed); positive is over-billed.
    pub qty_variance: Decimal,
    /// Net unit price, product unit, bill currency.
    pub price: Decimal,
    /// PO net unit price, product unit, bill currency (converted through the
    /// company currency when the PO's differs); the allocation-weighted mean
    /// when the line spans PO lines.
    pub price_po: Option<Decimal>,
    pub price_contract: Option<Decimal>,
    /// Bill price − PO price, per product unit, bill currency.
    pub price_variance: Decimal,
    /// Σ price variance × quantity, company currency, rounded.
    pub amount_variance: Decimal,
    pub rule_id: i64,
    pub rule_scope: Option<Scope>,
}

impl LineResult {
    pub fn hold(&self) -> bool {
        self.status.holds()
    }
}

impl LineResult {
    /// The result of `line` from its checks' `tally`, its `status` and its
    /// `allocations` (the `primary` PO line the largest).
    pub(super) fn of(
        line: &Line<'_>,
        tally: &Tally,
        status: Status,
        (allocations, primary): (usize, i64),
        price_contract: Option<Decimal>,
    ) -> Result<Self> {
        let price_po = tally.price_po(allocations);
        let price_variance = price_po.map_or(Decimal::ZERO, |pp| line.price - pp);
        let amount_variance = line
            .index
            .amount_precision
            .round(tally.amount_variance, RoundingMethod::HalfUp)?;
        Ok(LineResult {
            line_id: line.x.line_id,
            status,
            level: line.x.level,
            po_line_id: primary,
            qty: line.signed,
            qty_ordered: tally.ordered,
            qty_received: tally.received,
            qty_consumed: tally.consumed,
            qty_billed_before: tally.billed_before,
            qty_variance: tally.qty_variance,
            price: line.price,
            price_po,
            price_contract,
            price_variance,
            amount_variance,
            rule_id: line.rule.id,
            rule_scope: line.scope,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub line_id: i64,
    pub po_line_id: i64,
    pub qty: Decimal,
}

#[derive(Debug, Default)]
pub struct Output {
    /// One per input line, in input order.
    pub lines: Vec<LineResult>,
    /// The plain-words reason of each line, in input order.
    pub explanations: Vec<String>,
    /// Ordered by line (input order), then allocation order.
    pub allocations: Vec<Allocation>,
    pub duplicates: Vec<Suspect>,
}

/// One line's result where its shard keeps it.
#[derive(Debug)]
pub(super) struct Slot {
    /// The line's row in the input.
    pub(super) input: u32,
    line: LineResult,
    /// Its allocations and explanation, as ranges of the shard's.
    allocations: (u32, u32),
    text: (u32, u32),
}

#[derive(Debug)]
pub(super) struct ShardOut {
    pub(super) slots: Vec<Slot>,
    allocations: Vec<Allocation>,
    /// The explanations, one after the other.
    pub(super) text: String,
}

impl ShardOut {
    pub(super) fn with_capacity(lines: usize) -> Self {
        ShardOut {
            slots: Vec::with_capacity(lines),
            allocations: Vec::with_capacity(lines + lines / 4),
            text: String::with_capacity(lines * 80),
        }
    }

    /// Keep the result of the line at input row `row`: its allocations
    /// (book position, quantity) on `book`, and its explanation, written
    /// into `self.text` from `text_start` on.
    pub(super) fn push(
        &mut self,
        (row, line): (u32, LineResult),
        book: &VendorBook<'_>,
        allocs: &[(usize, Decimal)],
        text_start: usize,
    ) -> Result<()> {
        let text_end = self.text.len();
        let alloc_start = self.allocations.len();
        for &(k, q) in allocs {
            self.allocations.push(Allocation {
                line_id: line.line_id,
                po_line_id: book.info(k).id,
                qty: q,
            });
        }
        let span = |a: usize, b: usize| -> Result<(u32, u32)> {
            match (u32::try_from(a), u32::try_from(b)) {
                (Ok(a), Ok(b)) => Ok((a, b)),
                _ => Err(Error::Internal("a vendor's results exceed 4 GB".into())),
            }
        };
        self.slots.push(Slot {
            input: row,
            allocations: span(alloc_start, self.allocations.len())?,
            text: span(text_start, text_end)?,
            line,
        });
        Ok(())
    }
}

/// Results as the vendor shards produced them, readable in input order
/// without moving them (what the Python binding uses).
#[derive(Debug)]
pub struct Sharded {
    pub(super) shards: Vec<ShardOut>,
    /// For each input line: its shard and offset.
    pub(super) place: Vec<(u32, u32)>,
    pub duplicates: Vec<Suspect>,
    /// Seconds spent validating, indexing, matching and gathering.
    pub phases: [f64; 4],
}

impl Sharded {
    pub fn len(&self) -> usize {
        self.place.len()
    }

    pub fn is_empty(&self) -> bool {
        self.place.is_empty()
    }

    fn at(&self, i: usize) -> (&ShardOut, &Slot) {
        let (s, o) = self.place[i];
        let shard = &self.shards[s as usize];
        (shard, &shard.slots[o as usize])
    }

    /// The result of input line `i`.
    pub fn line(&self, i: usize) -> &LineResult {
        &self.at(i).1.line
    }

    /// The explanation of input line `i`.
    pub fn explanation(&self, i: usize) -> &str {
        let (shard, slot) = self.at(i);
        let (a, b) = slot.text;
        &shard.text[a as usize..b as usize]
    }

    /// The allocations of input line `i`, in allocation order.
    pub fn allocations(&self, i: usize) -> &[Allocation] {
        let (shard, slot) = self.at(i);
        let (a, b) = slot.allocations;
        &shard.allocations[a as usize..b as usize]
    }

    /// Everything in input order, owned.
    pub fn into_output(self) -> Output {
        let n = self.len();
        let mut out = Output {
            lines: Vec::with_capacity(n),
            explanations: Vec::with_capacity(n),
            ..Output::default()
        };
        for i in 0..n {
            out.lines.push(self.line(i).clone());
            out.explanations.push(self.explanation(i).to_string());
            out.allocations.extend_from_slice(self.allocations(i));
        }
        out.duplicates = self.duplicates;
        out
    }
}
