//! Three-way (and two-way, consumption) matching of vendor bill lines against
//! purchase order lines and receipts, in bulk.
//!
//! The rules, in order:
//! 1. **Normal form.** Quantities in the product's unit (`qty × uom_ratio`,
//!    rounded UP at the product unit's step as Odoo's `qty_invoiced` does);
//!    unit prices per product unit, net of discount; prices compared in the
//!    document currency when bill and PO share it, else both in company
//!    currency; variance amounts in company currency at the bill's rate.
//! 2. **Order.** Per vendor, bill lines are taken by (bill date, bill id, line
//!    id). Quantities billed on other bills (posted or draft, credit notes
//!    negative) count as billed before a line when their (date, bill id)
//!    comes first. Credit notes reduce what later lines find billed.
//! 3. **Allocation.** A line linked to a PO line goes there. A line without one
//!    is spread over the vendor's PO lines of the same product that still have
//!    open quantity (ordered − billed), oldest first (order date, then PO line
//!    id); a remainder goes to the last PO line considered (it is over-billed
//!    there). No PO line for the product at all: `no_po`.
//! 4. **Reference quantity** by match level: ordered (2-way: services),
//!    received (3-way: stock), consumed (consumption: consigned, bill-only).
//! 5. **Checks** per allocation, with the tolerance rule of the line (product
//!    → category → vendor → company): cumulative billed vs ordered, vs the
//!    reference quantity, price vs PO, price vs contract price, amount cap.
//! 6. **Status**: the most severe finding (see [`Status`]); a near-duplicate
//!    bill outranks everything. Statuses before `WithinTolerance` hold payment.

pub mod duplicates;
pub mod tolerance;

use std::fmt::Write as _;

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::error::{Error, Location, Result};
use crate::numeric::{plain_text, Precision, RoundingMethod, PLAIN_TEXT_MAX};
use crate::pool;
use duplicates::{Bill, Suspect, Window};
use tolerance::{within, Rule, Rules, Scope};

/// How a bill line is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Level {
    /// Against the ordered quantity (services, bill-on-order).
    TwoWay,
    /// Against the received quantity (stock).
    #[default]
    ThreeWay,
    /// Against a consumed quantity (consigned stock, bill-only implants).
    Consumption,
}

impl Level {
    /// From the line's kind (`service`, `stock`, `consigned`) or level name.
    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "service" | "two_way" => Some(Level::TwoWay),
            "stock" | "three_way" => Some(Level::ThreeWay),
            "consigned" | "consumption" => Some(Level::Consumption),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Level::TwoWay => "two_way",
            Level::ThreeWay => "three_way",
            Level::Consumption => "consumption",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Level::TwoWay => "2-way",
            Level::ThreeWay => "3-way",
            Level::Consumption => "consumption",
        }
    }
    fn reference_word(self) -> &'static str {
        match self {
            Level::TwoWay => "ordered",
            Level::ThreeWay => "received",
            Level::Consumption => "consumed",
        }
    }
}

/// Outcome of a line, most severe first (the declaration order is the
/// precedence). Everything before `WithinTolerance` holds payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Status {
    Duplicate,
    NoPo,
    OverOrdered,
    MissingReceipt,
    OverReceived,
    PriceAboveContract,
    PriceAbovePo,
    PriceBelowPo,
    WithinTolerance,
    PriceFavourable,
    CreditNote,
    #[default]
    Matched,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::Duplicate,
        Status::NoPo,
        Status::OverOrdered,
        Status::MissingReceipt,
        Status::OverReceived,
        Status::PriceAboveContract,
        Status::PriceAbovePo,
        Status::PriceBelowPo,
        Status::WithinTolerance,
        Status::PriceFavourable,
        Status::CreditNote,
        Status::Matched,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Duplicate => "duplicate",
            Status::NoPo => "no_po",
            Status::OverOrdered => "over_ordered",
            Status::MissingReceipt => "missing_receipt",
            Status::OverReceived => "over_received",
            Status::PriceAboveContract => "price_above_contract",
            Status::PriceAbovePo => "price_above_po",
            Status::PriceBelowPo => "price_below_po",
            Status::WithinTolerance => "within_tolerance",
            Status::PriceFavourable => "price_favourable",
            Status::CreditNote => "credit_note",
            Status::Matched => "matched",
        }
    }
    pub fn holds(self) -> bool {
        self < Status::WithinTolerance
    }
}

/// Bill lines, as columns (one entry per line).
#[derive(Debug, Default, Clone)]
pub struct BillLines {
    pub line_id: Vec<i64>,
    pub bill_id: Vec<i64>,
    pub vendor_id: Vec<i64>,
    pub company_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub category_id: Vec<i64>,
    pub level: Vec<Level>,
    /// In the line's unit; positive (credit notes say so with `is_refund`).
    pub qty: Vec<Decimal>,
    /// Line unit → product unit (`product_uom.factor / line_uom.factor`).
    pub uom_ratio: Vec<Decimal>,
    /// The product unit's rounding step.
    pub qty_rounding: Vec<Decimal>,
    /// Per line unit, in the bill's currency, before discount.
    pub price_unit: Vec<Decimal>,
    /// Percent.
    pub discount: Vec<Decimal>,
    pub currency_id: Vec<i64>,
    /// Bill currency → company currency at the bill date.
    pub rate: Vec<Decimal>,
    /// Bill date, days since 1970-01-01.
    pub date: Vec<i32>,
    /// The PO line the line is linked to, 0 if none.
    pub po_line_id: Vec<i64>,
    pub is_refund: Vec<bool>,
}

/// Purchase order lines (of the vendors in the batch).
#[derive(Debug, Default, Clone)]
pub struct PoLines {
    pub po_line_id: Vec<i64>,
    pub vendor_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub order_date: Vec<i32>,
    /// Ordered, in the product unit.
    pub qty_ordered: Vec<Decimal>,
    /// Per PO line unit, PO currency, before discount.
    pub price_unit: Vec<Decimal>,
    pub discount: Vec<Decimal>,
    /// PO line unit → product unit.
    pub uom_ratio: Vec<Decimal>,
    pub currency_id: Vec<i64>,
    /// PO currency → company currency.
    pub rate: Vec<Decimal>,
    /// Consumed quantity (consumption matching), product unit.
    pub qty_consumed: Vec<Decimal>,
}

/// Receipt rows: done incoming moves (+) and returns to the vendor (−) per PO
/// line, in the product unit.
#[derive(Debug, Default, Clone)]
pub struct Receipts {
    pub po_line_id: Vec<i64>,
    pub qty: Vec<Decimal>,
    pub date: Vec<i32>,
}

/// Quantities billed on bills outside the batch, per PO line (product unit,
/// credit notes negative), with the bill's date and id for ordering.
#[derive(Debug, Default, Clone)]
pub struct Billed {
    pub po_line_id: Vec<i64>,
    pub bill_id: Vec<i64>,
    pub date: Vec<i32>,
    pub qty: Vec<Decimal>,
}

/// Contract prices (vendor price list): per product unit, in a currency,
/// valid between two dates (inclusive), from a minimum quantity.
#[derive(Debug, Default, Clone)]
pub struct Contracts {
    pub vendor_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub currency_id: Vec<i64>,
    pub price: Vec<Decimal>,
    pub min_qty: Vec<Decimal>,
    pub date_start: Vec<i32>,
    pub date_end: Vec<i32>,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Unit prices are compared at this many decimals (Odoo's "Product Price").
    pub price_digits: u32,
    /// Company currency rounding step for variance amounts.
    pub amount_rounding: Decimal,
    pub duplicate_window: Window,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            price_digits: 4,
            amount_rounding: Decimal::new(1, 2),
            duplicate_window: Window {
                amount_pct: Decimal::ZERO,
                days: 45,
            },
        }
    }
}

#[derive(Debug, Default)]
pub struct Input {
    pub lines: BillLines,
    pub po_lines: PoLines,
    pub receipts: Receipts,
    pub billed: Billed,
    pub contracts: Contracts,
    pub rules: Rules,
    /// Bill headers for duplicate detection: the batch's bills (`in_batch`)
    /// and recent bills of the same vendors.
    pub bills: Vec<Bill>,
}

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

// ---------------------------------------------------------------------- validation

fn check_len(table: &str, field: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(Error::input(
            Location::field(format!("{table}.{field}")),
            format!("has {got} rows, expected {want}"),
        ))
    }
}

/// The first row of `values` for which `bad` holds (in parallel on large columns;
/// the lowest such row whatever the thread count).
fn first_row<T: Sync>(values: &[T], bad: impl Fn(&T) -> bool + Sync + Send) -> Option<usize> {
    if values.len() < pool::INLINE_BELOW {
        values.iter().position(bad)
    } else {
        values.par_iter().position_first(bad)
    }
}

/// Negative and not zero (the sign test alone is cheap; a comparison with
/// zero rescales).
fn negative(v: &Decimal) -> bool {
    v.is_sign_negative() && !v.is_zero()
}

fn check_rows(
    table: &str,
    field: &str,
    values: &[Decimal],
    bad: impl Fn(&Decimal) -> bool + Sync + Send,
    what: &str,
) -> Result<()> {
    match first_row(values, bad) {
        Some(i) => Err(Error::input(
            Location::row(format!("{table}.{field}"), i),
            format!("{what}, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

fn check_positive(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    check_rows(
        table,
        field,
        values,
        |v| negative(v) || v.is_zero(),
        "must be positive",
    )
}

fn check_non_negative(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    let what = format!("must be between 0 and {}", Decimal::MAX);
    check_rows(table, field, values, negative, &what)
}

fn check_percent(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    check_rows(
        table,
        field,
        values,
        |v| negative(v) || (!v.is_zero() && *v > Decimal::ONE_HUNDRED),
        "must be between 0 and 100",
    )
}

/// Row ids → row numbers: a direct table when the ids are dense enough (Odoo's
/// ids come from sequences, so a batch's ids mostly are), else a hash map.
enum IdIndex {
    Dense { min: i64, slots: Vec<u32> },
    Sparse(HashMap<i64, u32>),
}

const NO_SLOT: u32 = u32::MAX;

impl IdIndex {
    /// Index `ids`, or the first row whose id appeared on an earlier row.
    fn build(ids: &[i64]) -> std::result::Result<Self, usize> {
        let n = ids.len();
        let (min, max) = ids
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let span = i128::from(max) - i128::from(min) + 1;
        if n > 0 && span <= 4 * n as i128 + 1024 {
            let mut slots = vec![NO_SLOT; span as usize];
            for (row, &id) in ids.iter().enumerate() {
                let slot = &mut slots[(id - min) as usize];
                if *slot != NO_SLOT {
                    return Err(row);
                }
                *slot = row as u32;
            }
            Ok(IdIndex::Dense { min, slots })
        } else {
            let mut map = HashMap::with_capacity(n);
            for (row, &id) in ids.iter().enumerate() {
                if map.insert(id, row as u32).is_some() {
                    return Err(row);
                }
            }
            Ok(IdIndex::Sparse(map))
        }
    }

    fn get(&self, id: i64) -> Option<usize> {
        let slot = match self {
            IdIndex::Dense { min, slots } => {
                *slots.get(usize::try_from(id.checked_sub(*min)?).ok()?)?
            }
            IdIndex::Sparse(map) => *map.get(&id)?,
        };
        (slot != NO_SLOT).then_some(slot as usize)
    }
}

fn unique_ids(field: &str, ids: &[i64]) -> Result<IdIndex> {
    if ids.len() >= NO_SLOT as usize {
        return Err(Error::input(
            Location::field(field.to_string()),
            format!("{} rows: more than one batch can hold", ids.len()),
        ));
    }
    IdIndex::build(ids)
        .map_err(|row| Error::input(Location::row(field.to_string(), row), "appears twice"))
}

impl Input {
    /// Check every table; the first error found, in a fixed order (table by
    /// table, column by column, lowest row first).
    pub fn validate(&self) -> Result<()> {
        pool::install(|| self.checked_po_ids()).and_then(|r| r.map(|_| ()))
    }

    /// Validate, and index the PO lines by id on the way.
    fn checked_po_ids(&self) -> Result<IdIndex> {
        let l = &self.lines;
        let n = l.line_id.len();
        for (f, len) in [
            ("bill_id", l.bill_id.len()),
            ("vendor_id", l.vendor_id.len()),
            ("company_id", l.company_id.len()),
            ("product_id", l.product_id.len()),
            ("category_id", l.category_id.len()),
            ("level", l.level.len()),
            ("qty", l.qty.len()),
            ("uom_ratio", l.uom_ratio.len()),
            ("qty_rounding", l.qty_rounding.len()),
            ("price_unit", l.price_unit.len()),
            ("discount", l.discount.len()),
            ("currency_id", l.currency_id.len()),
            ("rate", l.rate.len()),
            ("date", l.date.len()),
            ("po_line_id", l.po_line_id.len()),
            ("is_refund", l.is_refund.len()),
        ] {
            check_len("lines", f, len, n)?;
        }
        check_non_negative("lines", "qty", &l.qty)?;
        check_positive("lines", "uom_ratio", &l.uom_ratio)?;
        check_positive("lines", "qty_rounding", &l.qty_rounding)?;
        check_non_negative("lines", "price_unit", &l.price_unit)?;
        check_percent("lines", "discount", &l.discount)?;
        check_positive("lines", "rate", &l.rate)?;
        unique_ids("lines.line_id", &l.line_id)?;

        let p = &self.po_lines;
        let m = p.po_line_id.len();
        for (f, len) in [
            ("vendor_id", p.vendor_id.len()),
            ("product_id", p.product_id.len()),
            ("order_date", p.order_date.len()),
            ("qty_ordered", p.qty_ordered.len()),
            ("price_unit", p.price_unit.len()),
            ("discount", p.discount.len()),
            ("uom_ratio", p.uom_ratio.len()),
            ("currency_id", p.currency_id.len()),
            ("rate", p.rate.len()),
            ("qty_consumed", p.qty_consumed.len()),
        ] {
            check_len("po_lines", f, len, m)?;
        }
        check_non_negative("po_lines", "qty_ordered", &p.qty_ordered)?;
        check_non_negative("po_lines", "price_unit", &p.price_unit)?;
        check_percent("po_lines", "discount", &p.discount)?;
        check_positive("po_lines", "uom_ratio", &p.uom_ratio)?;
        check_positive("po_lines", "rate", &p.rate)?;
        let po_ids = unique_ids("po_lines.po_line_id", &p.po_line_id)?;

        let r = &self.receipts;
        check_len("receipts", "qty", r.qty.len(), r.po_line_id.len())?;
        check_len("receipts", "date", r.date.len(), r.po_line_id.len())?;
        let b = &self.billed;
        check_len("billed", "bill_id", b.bill_id.len(), b.po_line_id.len())?;
        check_len("billed", "date", b.date.len(), b.po_line_id.len())?;
        check_len("billed", "qty", b.qty.len(), b.po_line_id.len())?;
        let c = &self.contracts;
        let k = c.vendor_id.len();
        for (f, len) in [
            ("product_id", c.product_id.len()),
            ("currency_id", c.currency_id.len()),
            ("price", c.price.len()),
            ("min_qty", c.min_qty.len()),
            ("date_start", c.date_start.len()),
            ("date_end", c.date_end.len()),
        ] {
            check_len("contracts", f, len, k)?;
        }
        check_non_negative("contracts", "price", &c.price)?;
        Ok(po_ids)
    }
}

// ---------------------------------------------------------------------- engine

/// A PO line as the engine sees it, in normal form.
#[derive(Clone, Copy)]
struct PoInfo<'a> {
    id: i64,
    product_id: i64,
    order_date: i32,
    ordered: Decimal,
    received: Decimal,
    consumed: Decimal,
    /// Net unit price per product unit, PO currency.
    price: Decimal,
    currency_id: i64,
    rate: Decimal,
    /// Other bills' quantities, sorted by (date, bill id).
    billed_elsewhere: &'a [(i32, i64, Decimal)],
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

/// Running state of a PO line while a vendor's lines are taken in order.
#[derive(Default, Clone)]
struct Running {
    /// Billed by earlier lines of the batch.
    in_batch: Decimal,
    /// How many `billed_elsewhere` entries come before the current line.
    seen: usize,
    /// Their sum.
    elsewhere: Decimal,
}

/// One vendor's share of the batch: ranges of `Groups`' row lists.
struct Shard {
    lines: std::ops::Range<usize>,
    po: std::ops::Range<usize>,
    contracts: std::ops::Range<usize>,
}

/// Rows of the lines, PO lines and contracts grouped by the vendor of the
/// batch they belong to (input order within a group); rows of vendors without
/// a bill line in the batch are left out.
struct Groups {
    shards: Vec<Shard>,
    lines: Vec<u32>,
    po: Vec<u32>,
    contracts: Vec<u32>,
}

const NO_GROUP: u32 = u32::MAX;

/// Counting sort of rows by group number (`NO_GROUP`: left out): the rows in
/// group order, and where each group starts (one more entry than groups).
fn group_rows(group_of: &[u32], groups: usize) -> (Vec<u32>, Vec<usize>) {
    let mut start = vec![0usize; groups + 1];
    for &g in group_of {
        if g != NO_GROUP {
            start[g as usize + 1] += 1;
        }
    }
    for k in 0..groups {
        start[k + 1] += start[k];
    }
    let mut next = start.clone();
    let mut rows = vec![0u32; start[groups]];
    for (row, &g) in group_of.iter().enumerate() {
        if g != NO_GROUP {
            rows[next[g as usize]] = row as u32;
            next[g as usize] += 1;
        }
    }
    (rows, start)
}

fn build_groups(input: &Input) -> Groups {
    let l = &input.lines;
    let mut vendor_group: HashMap<i64, u32> = HashMap::new();
    let line_group: Vec<u32> = l
        .vendor_id
        .iter()
        .map(|v| {
            let next = vendor_group.len() as u32;
            *vendor_group.entry(*v).or_insert(next)
        })
        .collect();
    let groups = vendor_group.len();
    let group_of = |vendors: &[i64]| -> Vec<u32> {
        let find = |v: &i64| vendor_group.get(v).copied().unwrap_or(NO_GROUP);
        if vendors.len() < pool::INLINE_BELOW {
            vendors.iter().map(find).collect()
        } else {
            vendors.par_iter().map(find).collect()
        }
    };
    let (po_group, contract_group) = rayon::join(
        || group_of(&input.po_lines.vendor_id),
        || group_of(&input.contracts.vendor_id),
    );
    let (lines, line_start) = group_rows(&line_group, groups);
    let (po, po_start) = group_rows(&po_group, groups);
    let (contracts, contract_start) = group_rows(&contract_group, groups);
    let mut shards: Vec<Shard> = (0..groups)
        .map(|g| Shard {
            lines: line_start[g]..line_start[g + 1],
            po: po_start[g]..po_start[g + 1],
            contracts: contract_start[g]..contract_start[g + 1],
        })
        .collect();
    // largest vendors first, so that no thread is left with a big one at the end
    shards.sort_unstable_by_key(|s| {
        (
            std::cmp::Reverse(s.lines.len()),
            l.vendor_id[lines[s.lines.start] as usize],
        )
    });
    Groups {
        shards,
        lines,
        po,
        contracts,
    }
}

struct Index<'a> {
    input: &'a Input,
    po: PoTable,
    po_by_id: IdIndex,
    /// Suspect bill → the earliest bill it duplicates.
    suspects: HashMap<i64, i64>,
    suspect_pairs: Vec<Suspect>,
    /// The product unit rounding of every line: an index into `steps`, one
    /// `Precision` built per distinct step.
    qty_step: Vec<u16>,
    steps: Vec<Precision>,
    price_precision: Precision,
    amount_precision: Precision,
}

/// Match every line of `input`, leaving the results in their vendor shards.
pub fn run_sharded(input: &Input, options: &Options) -> Result<Sharded> {
    pool::install(|| run_in_pool(input, options))?
}

fn run_in_pool(input: &Input, options: &Options) -> Result<Sharded> {
    let t0 = std::time::Instant::now();
    let po_by_id = input.checked_po_ids()?;
    let t_validate = t0.elapsed().as_secs_f64();
    let amount_precision = Precision::from_step(options.amount_rounding)?;
    let price_precision = Precision::from_digits(options.price_digits)?;
    let (index, groups) = rayon::join(
        || build_index(input, options, po_by_id, price_precision, amount_precision),
        || build_groups(input),
    );
    let index = index?;
    let t_index = t0.elapsed().as_secs_f64();

    // lines and PO lines as rows, read column by column in order: a vendor then
    // takes one row per line instead of one scattered value per column
    let rows = |n: usize| 0..n as u32;
    let (lines, po) = if input.lines.line_id.len() < pool::INLINE_BELOW {
        (
            rows(input.lines.line_id.len())
                .map(|i| LineIn::gather(&index, i))
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
                    .map(|i| LineIn::gather(&index, i))
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
    let rows = Rows { lines, po };
    let per_vendor = |shard: &Shard| match_vendor(&index, &groups, shard, &rows);
    let results: Vec<Result<ShardOut>> = if input.lines.line_id.len() < pool::INLINE_BELOW {
        groups.shards.iter().map(per_vendor).collect()
    } else {
        groups.shards.par_iter().map(per_vendor).collect()
    };
    let t_match = t0.elapsed().as_secs_f64();

    let mut shards = Vec::with_capacity(results.len());
    for shard in results {
        shards.push(shard?);
    }
    let n = input.lines.line_id.len();
    let mut place = vec![(u32::MAX, 0u32); n];
    for (s, shard) in shards.iter().enumerate() {
        for (o, slot) in shard.slots.iter().enumerate() {
            place[slot.input as usize] = (s as u32, o as u32);
        }
    }
    if place.iter().any(|(s, _)| *s == u32::MAX) {
        return Err(Error::Internal("a bill line was not matched".into()));
    }
    Ok(Sharded {
        shards,
        place,
        duplicates: index.suspect_pairs,
        phases: [
            t_validate,
            t_index - t_validate,
            t_match - t_index,
            t0.elapsed().as_secs_f64() - t_match,
        ],
    })
}

/// One line's result where its shard keeps it.
#[derive(Debug)]
struct Slot {
    /// The line's row in the input.
    input: u32,
    line: LineResult,
    /// Its allocations and explanation, as ranges of the shard's.
    allocations: (u32, u32),
    text: (u32, u32),
}

#[derive(Debug)]
struct ShardOut {
    slots: Vec<Slot>,
    allocations: Vec<Allocation>,
    text: String,
}

/// Results as the vendor shards produced them, readable in input order
/// without moving them (what the Python binding uses).
#[derive(Debug)]
pub struct Sharded {
    shards: Vec<ShardOut>,
    /// For each input line: its shard and offset.
    place: Vec<(u32, u32)>,
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

/// Match every line of `input`; results in input order. Deterministic
/// whatever the thread count.
pub fn run(input: &Input, options: &Options) -> Result<Output> {
    run_sharded(input, options).map(Sharded::into_output)
}

fn build_index<'a>(
    input: &'a Input,
    options: &Options,
    po_by_id: IdIndex,
    price_precision: Precision,
    amount_precision: Precision,
) -> Result<Index<'a>> {
    let p = &input.po_lines;
    let net = |i: usize, _: &Decimal| -> Result<Decimal> {
        net_price(p.price_unit[i], p.discount[i], p.uom_ratio[i]).ok_or(Error::Overflow {
            at: Location::row("po_lines.price_unit", i),
        })
    };
    // duplicate bills are found while the PO lines are indexed, and the unit steps
    let (suspects, (po, steps)) = rayon::join(
        || duplicates::find(&input.bills, options.duplicate_window),
        || {
            rayon::join(
                || -> Result<PoTable> {
                    let price = pool::map_ordered(&p.price_unit, net)?;
                    let (received, (billed_start, billed)) = rayon::join(
                        || receipts_by_po(input, &po_by_id),
                        || billed_by_po(input, &po_by_id),
                    );
                    Ok(PoTable {
                        price,
                        received,
                        billed_start,
                        billed,
                    })
                },
                || index_steps(input),
            )
        },
    );
    let po = po?;
    let (qty_step, steps) = steps?;
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

/// Each PO line's received quantity (receipts of unknown PO lines are ignored).
fn receipts_by_po(input: &Input, po_by_id: &IdIndex) -> Vec<Decimal> {
    let mut received = vec![Decimal::ZERO; input.po_lines.po_line_id.len()];
    let r = &input.receipts;
    for (row, id) in r.po_line_id.iter().enumerate() {
        if let Some(i) = po_by_id.get(*id) {
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
        .map(|id| po_by_id.get(*id).map_or(NO_GROUP, |i| i as u32))
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

/// Unit price per product unit, net of discount. Decimal division is the
/// costly step, so the usual case (no discount, the product's own unit) skips it.
fn net_price(price_unit: Decimal, discount: Decimal, uom_ratio: Decimal) -> Option<Decimal> {
    let net = if discount.is_zero() {
        price_unit
    } else {
        let factor = Decimal::ONE.checked_sub(discount.checked_div(Decimal::ONE_HUNDRED)?)?;
        price_unit.checked_mul(factor)?
    };
    if uom_ratio == Decimal::ONE {
        Some(net)
    } else {
        net.checked_div(uom_ratio)
    }
}

/// Billed on PO line `p` before a line dated `date` of bill `bill`.
fn billed_before(po: &PoInfo<'_>, run: &mut Running, date: i32, bill: i64) -> Decimal {
    while let Some(&(d, b, q)) = po.billed_elsewhere.get(run.seen) {
        if (d, b) < (date, bill) {
            run.elsewhere += q;
            run.seen += 1;
        } else {
            break;
        }
    }
    run.elsewhere + run.in_batch
}

/// Write `d` as `d.normalize()` displays (no trailing zeros, no exponent),
/// without going through the formatting machinery.
fn write_plain(out: &mut String, d: Decimal) {
    let mut buf = [0u8; PLAIN_TEXT_MAX];
    out.push_str(plain_text(d.normalize(), &mut buf));
}

/// A unit price as the explanation shows it: 4 decimals at most.
fn write_price(out: &mut String, d: Decimal) {
    write_plain(out, d.round_dp(4));
}

/// "billed 12 in all on PO line 7 against 10 received: " (the excess follows).
fn billed_against(out: &mut String, after: Decimal, po: i64, against: Decimal, word: &str) {
    out.push_str("billed ");
    write_plain(out, after);
    let _ = write!(out, " in all on PO line {po} against ");
    write_plain(out, against);
    let _ = write!(out, " {word}: ");
}

/// "price 12.5 above PO line 7 price 11.9 by 0.6".
fn price_against(
    out: &mut String,
    price: Decimal,
    relation: impl std::fmt::Display,
    other: Decimal,
    diff: Decimal,
) {
    out.push_str("price ");
    write_price(out, price);
    let _ = write!(out, " {relation} ");
    write_price(out, other);
    out.push_str(" by ");
    write_price(out, diff);
}

fn tolerance_note(out: &mut String, ok: bool) {
    if ok {
        out.push_str(" (within tolerance)");
    }
}

/// One finding on a line, for the status and the explanation.
struct Finding {
    status: Status,
    what: What,
}

/// What a finding says, rendered into the explanation once the line's
/// findings are ranked.
enum What {
    BadLink {
        po_line: i64,
        why: &'static str,
    },
    NoPoLine,
    OverOrdered {
        after: Decimal,
        po: i64,
        ordered: Decimal,
        excess: Decimal,
        ok: bool,
    },
    OverReference {
        after: Decimal,
        po: i64,
        reference: Decimal,
        excess: Decimal,
        ok: bool,
    },
    PriceAbovePo {
        price: Decimal,
        po: i64,
        po_price: Decimal,
        diff: Decimal,
        ok: bool,
    },
    PriceBelowPo {
        price: Decimal,
        po: i64,
        po_price: Decimal,
        under: Decimal,
    },
    PriceAboveContract {
        price: Decimal,
        contract: Decimal,
        diff: Decimal,
        ok: bool,
    },
    Duplicate {
        original: i64,
    },
}

impl What {
    fn render(&self, out: &mut String, level: Level) {
        match self {
            What::BadLink { po_line, why } => {
                let _ = write!(out, "linked PO line {po_line} {why}");
            }
            What::NoPoLine => out.push_str("no purchase order line for this vendor and product"),
            What::OverOrdered {
                after,
                po,
                ordered,
                excess,
                ok,
            } => {
                billed_against(out, *after, *po, *ordered, "ordered");
                write_plain(out, *excess);
                out.push_str(" over");
                tolerance_note(out, *ok);
            }
            What::OverReference {
                after,
                po,
                reference,
                excess,
                ok,
            } => {
                let word = level.reference_word();
                billed_against(out, *after, *po, *reference, word);
                write_plain(out, *excess);
                let _ = write!(out, " not yet {word}");
                tolerance_note(out, *ok);
            }
            What::PriceAbovePo {
                price,
                po,
                po_price,
                diff,
                ok,
            } => {
                price_against(
                    out,
                    *price,
                    format_args!("above PO line {po} price"),
                    *po_price,
                    *diff,
                );
                tolerance_note(out, *ok);
            }
            What::PriceBelowPo {
                price,
                po,
                po_price,
                under,
            } => {
                price_against(
                    out,
                    *price,
                    format_args!("below PO line {po} price"),
                    *po_price,
                    *under,
                );
            }
            What::PriceAboveContract {
                price,
                contract,
                diff,
                ok,
            } => {
                price_against(out, *price, "above contract price", *contract, *diff);
                tolerance_note(out, *ok);
            }
            What::Duplicate { original } => {
                let _ = write!(out, "bill looks like a duplicate of bill {original}");
            }
        }
    }
}

/// A bill line's inputs, gathered from the columns: a vendor's lines are
/// matched from one contiguous array instead of from a row scattered over
/// every column (a cache and TLB miss per field on a large batch).
#[derive(Clone, Copy)]
struct LineIn {
    row: u32,
    level: Level,
    refund: bool,
    qty_step: u16,
    date: i32,
    line_id: i64,
    bill_id: i64,
    company_id: i64,
    vendor_id: i64,
    category_id: i64,
    product_id: i64,
    currency_id: i64,
    po_line_id: i64,
    qty: Decimal,
    uom_ratio: Decimal,
    price_unit: Decimal,
    discount: Decimal,
    rate: Decimal,
}

impl LineIn {
    fn gather(index: &Index<'_>, row: u32) -> Self {
        let l = &index.input.lines;
        let i = row as usize;
        LineIn {
            row,
            level: l.level[i],
            refund: l.is_refund[i],
            qty_step: index.qty_step[i],
            date: l.date[i],
            line_id: l.line_id[i],
            bill_id: l.bill_id[i],
            company_id: l.company_id[i],
            vendor_id: l.vendor_id[i],
            category_id: l.category_id[i],
            product_id: l.product_id[i],
            currency_id: l.currency_id[i],
            po_line_id: l.po_line_id[i],
            qty: l.qty[i],
            uom_ratio: l.uom_ratio[i],
            price_unit: l.price_unit[i],
            discount: l.discount[i],
            rate: l.rate[i],
        }
    }
}

/// A vendor's PO lines, oldest first per product, with their running state;
/// and its contract rows by product.
struct VendorBook<'a> {
    index: &'a Index<'a>,
    /// (PO line id, book position) of the vendor's PO lines, by id.
    by_id: Vec<(i64, u32)>,
    /// The book, sorted by (product, order date, id): the products, for the range searches, and what the engine needs of
    /// them, side by side.
    po_product: Vec<i64>,
    po_info: Vec<PoInfo<'a>>,
    running: Vec<Running>,
    /// Contract rows sorted by (product, row).
    contracts: Vec<u32>,
    contract_product: Vec<i64>,
}

impl<'a> Index<'a> {
    fn po_info(&'a self, i: usize) -> PoInfo<'a> {
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

impl<'a> VendorBook<'a> {
    fn new(index: &'a Index<'a>, groups: &Groups, shard: &Shard, all: &[PoInfo<'a>]) -> Self {
        let mut keys: Vec<(i64, i32, i64, u32)> = groups.po[shard.po.clone()]
            .iter()
            .map(|&r| {
                let x = &all[r as usize];
                (x.product_id, x.order_date, x.id, r)
            })
            .collect();
        keys.sort_unstable();
        let po_info: Vec<PoInfo<'a>> = keys.iter().map(|k| all[k.3 as usize]).collect();
        // ids are unique, so each PO line's row is found by its id
        let mut by_id: Vec<(i64, u32)> = po_info
            .iter()
            .enumerate()
            .map(|(k, x)| (x.id, k as u32))
            .collect();
        by_id.sort_unstable();
        let c = &index.input.contracts;
        let mut contracts: Vec<(i64, u32)> = groups.contracts[shard.contracts.clone()]
            .iter()
            .map(|&r| (c.product_id[r as usize], r))
            .collect();
        contracts.sort_unstable();
        Self {
            index,
            po_product: po_info.iter().map(|x| x.product_id).collect(),
            running: vec![Running::default(); po_info.len()],
            po_info,
            by_id,
            contract_product: contracts.iter().map(|k| k.0).collect(),
            contracts: contracts.iter().map(|k| k.1).collect(),
        }
    }

    fn info(&self, k: usize) -> &PoInfo<'a> {
        &self.po_info[k]
    }

    /// The book positions of a product's PO lines, oldest first.
    fn candidates(&self, product: i64) -> std::ops::Range<usize> {
        let lo = self.po_product.partition_point(|&x| x < product);
        let hi = lo + self.po_product[lo..].partition_point(|&x| x == product);
        lo..hi
    }

    /// The book position of PO line `id`; None when it is not this vendor's.
    fn position(&self, id: i64) -> Option<usize> {
        self.by_id
            .binary_search_by_key(&id, |&(i, _)| i)
            .ok()
            .map(|j| self.by_id[j].1 as usize)
    }

    /// Billed on book position `k` before a line dated `date` of bill `bill`.
    fn billed_before(&mut self, k: usize, date: i32, bill: i64) -> Decimal {
        billed_before(&self.po_info[k], &mut self.running[k], date, bill)
    }

    /// The applicable contract price: same product and currency, valid on
    /// the date, minimum quantity reached; the highest quantity break, then
    /// the lowest price, then the first row.
    fn contract_price(
        &self,
        product: i64,
        currency: i64,
        date: i32,
        qty: Decimal,
    ) -> Option<Decimal> {
        let c = &self.index.input.contracts;
        let lo = self.contract_product.partition_point(|&x| x < product);
        let hi = lo + self.contract_product[lo..].partition_point(|&x| x == product);
        self.contracts[lo..hi]
            .iter()
            .map(|&r| r as usize)
            .filter(|&i| {
                c.currency_id[i] == currency
                    && c.date_start[i] <= date
                    && date <= c.date_end[i]
                    && c.min_qty[i] <= qty
            })
            .min_by(|&a, &b| {
                c.min_qty[b]
                    .cmp(&c.min_qty[a])
                    .then(c.price[a].cmp(&c.price[b]))
                    .then(a.cmp(&b))
            })
            .map(|i| c.price[i])
    }
}

/// Per-shard buffers reused from line to line.
#[derive(Default)]
struct Scratch {
    /// (book position, quantity) of the line's allocations.
    allocs: Vec<(usize, Decimal)>,
    findings: Vec<Finding>,
}

/// Every line and PO line of the batch as a row, in input order.
struct Rows<'a> {
    lines: Vec<LineIn>,
    po: Vec<PoInfo<'a>>,
}

fn match_vendor<'a>(
    index: &'a Index<'a>,
    groups: &Groups,
    shard: &Shard,
    rows: &Rows<'a>,
) -> Result<ShardOut> {
    // the vendor's lines by (date, bill, line id), copied side by side: read
    // from all over the batch in one tight loop, then matched from cache
    let mut order: Vec<(i32, i64, i64, u32)> = groups.lines[shard.lines.clone()]
        .iter()
        .map(|&row| {
            let x = &rows.lines[row as usize];
            (x.date, x.bill_id, x.line_id, row)
        })
        .collect();
    order.sort_unstable();
    let lines: Vec<LineIn> = order.iter().map(|k| rows.lines[k.3 as usize]).collect();
    let mut book = VendorBook::new(index, groups, shard, &rows.po);
    let mut scratch = Scratch::default();
    let n = order.len();
    let mut out = ShardOut {
        slots: Vec::with_capacity(n),
        allocations: Vec::with_capacity(n + n / 4),
        text: String::with_capacity(n * 80),
    };
    for x in &lines {
        match_line(&mut book, x, &mut scratch, &mut out).map_err(|e| match e {
            Error::Overflow { .. } => Error::Overflow {
                at: Location::row("lines", x.row as usize),
            },
            other => other,
        })?;
    }
    Ok(out)
}

fn match_line(
    book: &mut VendorBook<'_>,
    x: &LineIn,
    scratch: &mut Scratch,
    out: &mut ShardOut,
) -> Result<()> {
    let index = book.index;
    let overflow = || Error::Overflow {
        at: Location::row("lines", x.row as usize),
    };
    let level = x.level;
    let (date, bill) = (x.date, x.bill_id);
    let qty_precision = index.steps[x.qty_step as usize];
    let qty_abs = qty_precision.round(
        x.qty.checked_mul(x.uom_ratio).ok_or_else(overflow)?,
        RoundingMethod::Up,
    )?;
    let refund = x.refund;
    let signed = if refund { -qty_abs } else { qty_abs };
    let price = net_price(x.price_unit, x.discount, x.uom_ratio).ok_or_else(overflow)?;
    let rate = x.rate;
    let (rule, scope): (&Rule, Option<Scope>) =
        index
            .input
            .rules
            .resolve(x.company_id, x.vendor_id, x.category_id, x.product_id);

    // --- allocation --------------------------------------------------------------
    let allocs = &mut scratch.allocs;
    let findings = &mut scratch.findings;
    allocs.clear();
    findings.clear();
    let mut bad_link: Option<&'static str> = None;
    if x.po_line_id != 0 {
        // the book holds exactly this vendor's PO lines
        match index
            .po_by_id
            .get(x.po_line_id)
            .map(|_| book.position(x.po_line_id))
        {
            Some(Some(k)) => allocs.push((k, signed)),
            Some(None) => bad_link = Some("belongs to another vendor"),
            None => bad_link = Some("is not known to this run"),
        }
    } else {
        let candidates = book.candidates(x.product_id);
        if !candidates.is_empty() {
            let last = candidates.end - 1;
            if refund {
                // a credit note without a link reduces the most recent PO line billed
                let pick = candidates
                    .clone()
                    .rev()
                    .find(|&k| book.billed_before(k, date, bill) > Decimal::ZERO)
                    .unwrap_or(last);
                allocs.push((pick, signed));
            } else {
                let mut remaining = qty_abs;
                for k in candidates {
                    if remaining <= Decimal::ZERO {
                        break;
                    }
                    let open = book.info(k).ordered - book.billed_before(k, date, bill);
                    if open > Decimal::ZERO {
                        let take = open.min(remaining);
                        allocs.push((k, take));
                        remaining -= take;
                    }
                }
                if remaining > Decimal::ZERO {
                    match allocs.last_mut() {
                        Some((k, q)) if *k == last => *q += remaining,
                        _ => allocs.push((last, remaining)),
                    }
                }
            }
        }
    }
    if allocs.is_empty() && !refund {
        findings.push(Finding {
            status: Status::NoPo,
            what: match bad_link {
                Some(why) => What::BadLink {
                    po_line: x.po_line_id,
                    why,
                },
                None => What::NoPoLine,
            },
        });
    }

    // --- checks per allocation ------------------------------------------------------
    let (mut ordered, mut received, mut consumed, mut before_total) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut qty_variance = Decimal::ZERO;
    let mut amount_variance = Decimal::ZERO;
    let mut price_po_weighted = Decimal::ZERO;
    let mut price_po_qty = Decimal::ZERO;
    let mut price_po_single: Option<Decimal> = None;
    let single = allocs.len() == 1;
    for &(k, q) in allocs.iter() {
        let po = &book.po_info[k];
        let before = billed_before(po, &mut book.running[k], date, bill);
        let after = before + q;
        ordered += po.ordered;
        received += po.received;
        consumed += po.consumed;
        before_total += before;
        let reference = match level {
            Level::TwoWay => po.ordered,
            Level::ThreeWay => po.received,
            Level::Consumption => po.consumed,
        };
        let over_ref = after - reference;
        if single || over_ref > qty_variance {
            qty_variance = over_ref;
        }
        if !refund {
            // quantity vs ordered
            if qty_precision.compare(after, po.ordered)?.is_gt() {
                let excess = after - po.ordered;
                let ok = within(excess, po.ordered, rule.qty_over_pct, rule.qty_over_abs);
                findings.push(Finding {
                    status: if ok {
                        Status::WithinTolerance
                    } else {
                        Status::OverOrdered
                    },
                    what: What::OverOrdered {
                        after,
                        po: po.id,
                        ordered: po.ordered,
                        excess,
                        ok,
                    },
                });
            }
            // quantity vs received / consumed
            if level != Level::TwoWay && qty_precision.compare(after, reference)?.is_gt() {
                let excess = after - reference;
                let ok = within(excess, reference, rule.qty_over_pct, rule.qty_over_abs);
                let nothing_left = qty_precision.compare(reference, before)?.is_le();
                let status = match (ok, nothing_left) {
                    (true, _) => Status::WithinTolerance,
                    (false, true) => Status::MissingReceipt,
                    (false, false) => Status::OverReceived,
                };
                findings.push(Finding {
                    status,
                    what: What::OverReference {
                        after,
                        po: po.id,
                        reference,
                        excess,
                        ok,
                    },
                });
            }
        }
        // price vs PO, per product unit
        let (diff_company, po_price_doc) = if po.currency_id == x.currency_id {
            let d = price - po.price;
            let d = if rate == Decimal::ONE {
                d
            } else {
                d.checked_mul(rate).ok_or_else(overflow)?
            };
            (d, po.price)
        } else {
            let po_company = po.price.checked_mul(po.rate).ok_or_else(overflow)?;
            let bill_company = price.checked_mul(rate).ok_or_else(overflow)?;
            (
                bill_company - po_company,
                po_company.checked_div(rate).ok_or_else(overflow)?,
            )
        };
        if !single {
            price_po_weighted += po_price_doc * q.abs();
            price_po_qty += q.abs();
        }
        price_po_single.get_or_insert(po_price_doc);
        if !diff_company.is_zero() {
            amount_variance += diff_company.checked_mul(q).ok_or_else(overflow)?;
        }
        if !refund {
            let cmp = index.price_precision.compare(price, po_price_doc)?;
            let diff = price - po_price_doc;
            if cmp.is_gt() {
                let ok = within(
                    diff,
                    po_price_doc,
                    rule.price_over_pct,
                    rule.price_over_abs.and_then(|a| a.checked_div(rate)),
                ) && rule
                    .amount_over_abs
                    .is_none_or(|cap| diff_company * q <= cap);
                findings.push(Finding {
                    status: if ok {
                        Status::WithinTolerance
                    } else {
                        Status::PriceAbovePo
                    },
                    what: What::PriceAbovePo {
                        price,
                        po: po.id,
                        po_price: po_price_doc,
                        diff,
                        ok,
                    },
                });
            } else if cmp.is_lt() {
                let under = -diff;
                let status = if rule.allow_favourable {
                    Status::PriceFavourable
                } else if within(
                    under,
                    po_price_doc,
                    rule.price_under_pct,
                    rule.price_under_abs.and_then(|a| a.checked_div(rate)),
                ) {
                    Status::WithinTolerance
                } else {
                    Status::PriceBelowPo
                };
                findings.push(Finding {
                    status,
                    what: What::PriceBelowPo {
                        price,
                        po: po.id,
                        po_price: po_price_doc,
                        under,
                    },
                });
            }
        }
    }
    for &(k, q) in allocs.iter() {
        book.running[k].in_batch += q;
    }

    // price vs contract
    let price_contract = book.contract_price(x.product_id, x.currency_id, date, qty_abs);
    if let (Some(cp), false) = (price_contract, refund) {
        if index.price_precision.compare(price, cp)?.is_gt() {
            let diff = price - cp;
            let ok = within(
                diff,
                cp,
                rule.price_over_pct,
                rule.price_over_abs.and_then(|a| a.checked_div(rate)),
            );
            findings.push(Finding {
                status: if ok {
                    Status::WithinTolerance
                } else {
                    Status::PriceAboveContract
                },
                what: What::PriceAboveContract {
                    price,
                    contract: cp,
                    diff,
                    ok,
                },
            });
        }
    }
    if let Some(original) = index.suspects.get(&bill) {
        findings.push(Finding {
            status: Status::Duplicate,
            what: What::Duplicate {
                original: *original,
            },
        });
    }

    let status = findings
        .iter()
        .map(|f| f.status)
        .min()
        .unwrap_or(if refund {
            Status::CreditNote
        } else {
            Status::Matched
        });
    let status = if refund && status > Status::Duplicate {
        Status::CreditNote
    } else {
        status
    };
    let primary = allocs
        .iter()
        .enumerate()
        .max_by(|(ia, (_, qa)), (ib, (_, qb))| qa.abs().cmp(&qb.abs()).then(ib.cmp(ia)))
        .map(|(_, (k, _))| book.info(*k).id)
        .unwrap_or(0);
    let price_po = if allocs.is_empty() {
        None
    } else if single || price_po_qty.is_zero() {
        price_po_single
    } else {
        Some(price_po_weighted / price_po_qty)
    };
    let price_variance = price_po.map_or(Decimal::ZERO, |pp| price - pp);
    let amount_variance = index
        .amount_precision
        .round(amount_variance, RoundingMethod::HalfUp)?;

    // --- explanation ---------------------------------------------------------------
    let text = &mut out.text;
    let text_start = text.len();
    text.push_str(level.label());
    text.push_str(": ");
    if findings.is_empty() {
        if refund {
            text.push_str("credit note of ");
            write_plain(text, qty_abs);
            text.push_str(" reduces what was billed");
        } else {
            text.push_str("matched ");
            write_plain(text, qty_abs);
            if single {
                let _ = write!(text, " to PO line {primary}");
            } else {
                let _ = write!(text, " to {} PO lines", allocs.len());
            }
            text.push_str(" (billed before ");
            write_plain(text, before_total);
            text.push_str(", ");
            text.push_str(level.reference_word());
            text.push(' ');
            write_plain(
                text,
                match level {
                    Level::TwoWay => ordered,
                    Level::ThreeWay => received,
                    Level::Consumption => consumed,
                },
            );
            text.push(')');
        }
    } else {
        // most severe first; findings of one status in the order they were found
        findings.sort_by_key(|f| f.status);
        for (k, f) in findings.iter().enumerate() {
            if k > 0 {
                text.push_str("; ");
            }
            f.what.render(text, level);
        }
    }
    if let Some(s) = scope {
        if status != Status::Matched && status != Status::CreditNote {
            let _ = write!(text, " [rule {} ({})]", rule.id, s.name());
        }
    }
    let text_end = text.len();

    let line_id = x.line_id;
    let alloc_start = out.allocations.len();
    for &(k, q) in allocs.iter() {
        out.allocations.push(Allocation {
            line_id,
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
    out.slots.push(Slot {
        input: x.row,
        line: LineResult {
            line_id,
            status,
            level,
            po_line_id: primary,
            qty: signed,
            qty_ordered: ordered,
            qty_received: received,
            qty_consumed: consumed,
            qty_billed_before: before_total,
            qty_variance,
            price,
            price_po,
            price_contract,
            price_variance,
            amount_variance,
            rule_id: rule.id,
            rule_scope: scope,
        },
        allocations: span(alloc_start, out.allocations.len())?,
        text: span(text_start, text_end)?,
    });
    Ok(())
}

#[cfg(test)]
mod tests;
