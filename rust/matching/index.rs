//! Indexing: what the engine derives from the tables once per batch (PO
//! lines by id, their net prices, receipts and other bills grouped per PO
//! line, unit steps, duplicate bills), and every line and PO line gathered
//! as a row.

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::duplicates::{self, Suspect};
use super::groups::{group_rows, NO_GROUP};
use super::input::{Input, Options};
use super::line::{net_price, LineIn};
use crate::error::{Error, Location, Result};
use crate::ids::IdIndex;
use crate::numeric::Precision;
use crate::pool;

/// A PO line as the engine sees it, in normal form.
#[derive(Clone, Copy)]
pub(super) struct PoInfo<'a> {
    pub(super) id: i64,
    pub(super) product_id: i64,
    pub(super) order_date: i32,
    pub(super) ordered: Decimal,
    pub(super) received: Decimal,
    pub(super) consumed: Decimal,
    /// Net unit price per product unit, PO currency.
    pub(super) price: Decimal,
    pub(super) currency_id: i64,
    pub(super) rate: Decimal,
    /// Other bills' quantities, sorted by (date, bill id).
    pub(super) billed_elsewhere: &'a [(i32, i64, Decimal)],
}

/// What the engine derives per PO line, as columns: the net price, the
/// received quantity and the other bills' quantities (grouped by PO line).
struct PoTable {
    price: Vec<Decimal>,
    received: Vec<Decimal>,
    /// `billed[billed_start[i]..billed_start[i + 1]]` are PO line `i`'s.
    billed_start: Vec<u32>,
    billed: Vec<(i32, i64, Decimal)>,
}

pub(super) struct Index<'a> {
    pub(super) input: &'a Input,
    po: PoTable,
    pub(super) po_by_id: IdIndex,
    /// Suspect bill → the earliest bill it duplicates.
    pub(super) suspects: HashMap<i64, i64>,
    pub(super) suspect_pairs: Vec<Suspect>,
    /// The product unit rounding of every line: an index into `steps`, one
    /// `Precision` built per distinct step.
    pub(super) qty_step: Vec<u16>,
    pub(super) steps: Vec<Precision>,
    pub(super) price_precision: Precision,
    pub(super) amount_precision: Precision,
}

pub(super) fn build_index<'a>(
    input: &'a Input,
    options: &Options,
    po_by_id: IdIndex,
    price_precision: Precision,
    amount_precision: Precision,
) -> Result<Index<'a>> {
    // duplicate bills are found while the PO lines are indexed, and the unit steps
    let (suspects, (po, steps)) = rayon::join(
        || duplicates::find(&input.bills, options.duplicate_window),
        || rayon::join(|| po_table(input, &po_by_id), || index_steps(input)),
    );
    let po = po?;
    let (qty_step, steps) = steps?;
    let (first_original, suspects) = first_originals(input, suspects);
    Ok(Index {
        input,
        qty_step,
        steps,
        po,
        po_by_id,
        suspects: first_original,
        suspect_pairs: suspects,
        price_precision,
        amount_precision,
    })
}

/// The PO lines' net prices, received quantities and other bills' quantities.
fn po_table(input: &Input, po_by_id: &IdIndex) -> Result<PoTable> {
    let p = &input.po_lines;
    let net = |i: usize, _: &Decimal| -> Result<Decimal> {
        net_price(p.price_unit[i], p.discount[i], p.uom_ratio[i]).ok_or(Error::Overflow {
            at: Location::row("po_lines.price_unit", i),
        })
    };
    let price = pool::map_ordered(&p.price_unit, net)?;
    let (received, (billed_start, billed)) = rayon::join(
        || receipts_by_po(input, po_by_id),
        || billed_by_po(input, po_by_id),
    );
    Ok(PoTable {
        price,
        received,
        billed_start,
        billed,
    })
}

/// Each suspect bill's earliest original, and the suspect pairs sorted by
/// (suspect, original's date, original id).
fn first_originals(input: &Input, suspects: Vec<Suspect>) -> (HashMap<i64, i64>, Vec<Suspect>) {
    let mut first_original = HashMap::with_capacity(suspects.len());
    // pairs are sorted by (suspect, original id); keep the earliest original by date
    let bill_date: HashMap<i64, i32> = input.bills.iter().map(|b| (b.id, b.date)).collect();
    let mut suspects = suspects;
    suspects.sort_by_key(|s| {
        (
            s.bill_id,
            bill_date.get(&s.duplicate_of).copied(),
            s.duplicate_of,
        )
    });
    for s in &suspects {
        first_original.entry(s.bill_id).or_insert(s.duplicate_of);
    }
    (first_original, suspects)
}

/// Each PO line's received quantity (receipts of unknown PO lines are ignored).
fn receipts_by_po(input: &Input, po_by_id: &IdIndex) -> Vec<Decimal> {
    let mut received = vec![Decimal::ZERO; input.po_lines.po_line_id.len()];
    let r = &input.receipts;
    for (row, id) in r.po_line_id.iter().enumerate() {
        if let Some(i) = po_by_id.get(*id).map(|i| i as usize) {
            received[i] += r.qty[row];
        }
    }
    received
}

/// The other bills' quantities grouped by PO line, each group sorted by (date, bill id).
fn billed_by_po(input: &Input, po_by_id: &IdIndex) -> (Vec<u32>, Vec<(i32, i64, Decimal)>) {
    let b = &input.billed;
    let group: Vec<u32> = b
        .po_line_id
        .iter()
        .map(|id| po_by_id.get(*id).unwrap_or(NO_GROUP))
        .collect();
    let (rows, start) = group_rows(&group, input.po_lines.po_line_id.len());
    let mut billed: Vec<(i32, i64, Decimal)> = rows
        .iter()
        .map(|&r| {
            let r = r as usize;
            (b.date[r], b.bill_id[r], b.qty[r])
        })
        .collect();
    for w in start.windows(2) {
        if w[1] - w[0] > 1 {
            billed[w[0]..w[1]].sort_by_key(|(d, id, _)| (*d, *id));
        }
    }
    (start.into_iter().map(|s| s as u32).collect(), billed)
}

/// Each line's unit step as an index into one `Precision` per distinct step.
fn index_steps(input: &Input) -> Result<(Vec<u16>, Vec<Precision>)> {
    let mut step_index: HashMap<Decimal, u16> = HashMap::new();
    let mut steps = Vec::new();
    let mut qty_step = Vec::with_capacity(input.lines.qty_rounding.len());
    // most lines share their neighbour's step: skip the hash lookup then
    let mut last: Option<(Decimal, u16)> = None;
    for (row, step) in input.lines.qty_rounding.iter().enumerate() {
        let k = match (last, step_index.get(step)) {
            (Some((s, k)), _) if s == *step => k,
            (_, Some(k)) => *k,
            (_, None) => {
                let k = u16::try_from(steps.len()).map_err(|_| {
                    Error::input(
                        Location::row("lines.qty_rounding", row),
                        "more than 65535 distinct unit steps",
                    )
                })?;
                steps.push(Precision::from_step(*step)?);
                step_index.insert(*step, k);
                k
            }
        };
        last = Some((*step, k));
        qty_step.push(k);
    }
    Ok((qty_step, steps))
}

impl<'a> Index<'a> {
    pub(super) fn po_info(&'a self, i: usize) -> PoInfo<'a> {
        let p = &self.input.po_lines;
        let (a, b) = (self.po.billed_start[i], self.po.billed_start[i + 1]);
        PoInfo {
            id: p.po_line_id[i],
            product_id: p.product_id[i],
            order_date: p.order_date[i],
            ordered: p.qty_ordered[i],
            received: self.po.received[i],
            consumed: p.qty_consumed[i],
            price: self.po.price[i],
            currency_id: p.currency_id[i],
            rate: p.rate[i],
            billed_elsewhere: &self.po.billed[a as usize..b as usize],
        }
    }
}

/// Every line and PO line of the batch as a row, in input order.
pub(super) struct Rows<'a> {
    pub(super) lines: Vec<LineIn>,
    pub(super) po: Vec<PoInfo<'a>>,
}

impl<'a> Rows<'a> {
    /// Lines and PO lines as rows, read column by column in order: a vendor
    /// then takes one row per line instead of one scattered value per column.
    pub(super) fn gather(index: &'a Index<'a>) -> Self {
        let input = index.input;
        let rows = |n: usize| 0..n as u32;
        let (lines, po) = if input.lines.line_id.len() < pool::INLINE_BELOW {
            (
                rows(input.lines.line_id.len())
                    .map(|i| LineIn::gather(index, i))
                    .collect(),
                rows(input.po_lines.po_line_id.len())
                    .map(|i| index.po_info(i as usize))
                    .collect(),
            )
        } else {
            rayon::join(
                || {
                    rows(input.lines.line_id.len())
                        .into_par_iter()
                        .map(|i| LineIn::gather(index, i))
                        .collect()
                },
                || {
                    rows(input.po_lines.po_line_id.len())
                        .into_par_iter()
                        .map(|i| index.po_info(i as usize))
                        .collect()
                },
            )
        };
        Rows { lines, po }
    }
}
