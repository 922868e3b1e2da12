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
use crate::numeric::{Precision, RoundingMethod};
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
    pub explanation: String,
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

fn check_positive(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    match values.iter().position(|v| *v <= Decimal::ZERO) {
        Some(i) => Err(Error::input(
            Location::row(format!("{table}.{field}"), i),
            format!("must be positive, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

fn check_range(
    table: &str,
    field: &str,
    values: &[Decimal],
    lo: Decimal,
    hi: Decimal,
) -> Result<()> {
    match values.iter().position(|v| *v < lo || *v > hi) {
        Some(i) => Err(Error::input(
            Location::row(format!("{table}.{field}"), i),
            format!("must be between {lo} and {hi}, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

fn check_non_negative(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    check_range(table, field, values, Decimal::ZERO, Decimal::MAX)
}

impl Input {
    pub fn validate(&self) -> Result<()> {
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
        check_range(
            "lines",
            "discount",
            &l.discount,
            Decimal::ZERO,
            Decimal::ONE_HUNDRED,
        )?;
        check_positive("lines", "rate", &l.rate)?;
        let mut seen = hashbrown::HashSet::with_capacity(n);
        if let Some(i) = l.line_id.iter().position(|id| !seen.insert(*id)) {
            return Err(Error::input(
                Location::row("lines.line_id", i),
                "appears twice",
            ));
        }

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
        check_range(
            "po_lines",
            "discount",
            &p.discount,
            Decimal::ZERO,
            Decimal::ONE_HUNDRED,
        )?;
        check_positive("po_lines", "uom_ratio", &p.uom_ratio)?;
        check_positive("po_lines", "rate", &p.rate)?;
        let mut seen = hashbrown::HashSet::with_capacity(m);
        if let Some(i) = p.po_line_id.iter().position(|id| !seen.insert(*id)) {
            return Err(Error::input(
                Location::row("po_lines.po_line_id", i),
                "appears twice",
            ));
        }

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
        Ok(())
    }
}

// ---------------------------------------------------------------------- engine

/// Per PO line, what the engine needs, in normal form.
struct PoInfo {
    id: i64,
    vendor_id: i64,
    ordered: Decimal,
    received: Decimal,
    consumed: Decimal,
    /// Net unit price per product unit, PO currency.
    price: Decimal,
    currency_id: i64,
    rate: Decimal,
    /// Other bills' quantities, sorted by (date, bill id).
    billed_elsewhere: Vec<(i32, i64, Decimal)>,
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

struct Index<'a> {
    input: &'a Input,
    po: Vec<PoInfo>,
    po_by_id: HashMap<i64, usize>,
    /// (vendor, product) → PO line indexes, oldest first.
    po_by_product: HashMap<(i64, i64), Vec<usize>>,
    /// (vendor, product) → contract rows.
    contracts: HashMap<(i64, i64), Vec<usize>>,
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
    input.validate()?;
    let amount_precision = Precision::from_step(options.amount_rounding)?;
    let price_precision = Precision::from_digits(options.price_digits)?;
    let index = build_index(input, options, price_precision, amount_precision)?;

    // shard by vendor: every PO line, receipt and contract belongs to one vendor
    let mut by_vendor: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, v) in input.lines.vendor_id.iter().enumerate() {
        by_vendor.entry(*v).or_default().push(i);
    }
    let mut shards: Vec<(i64, Vec<usize>)> = by_vendor.into_iter().collect();
    shards.sort_unstable_by_key(|(v, idx)| (std::cmp::Reverse(idx.len()), *v));

    let per_vendor = |(_, idx): &(i64, Vec<usize>)| match_vendor(&index, idx);
    let results: Vec<Result<Vec<Matched>>> = if input.lines.line_id.len() < pool::INLINE_BELOW {
        shards.iter().map(per_vendor).collect()
    } else {
        pool::install(|| shards.par_iter().map(per_vendor).collect())?
    };

    let mut shards_out = Vec::with_capacity(results.len());
    for shard in results {
        shards_out.push(shard?);
    }
    let n = input.lines.line_id.len();
    let mut place = vec![(u32::MAX, 0u32); n];
    for (s, shard) in shards_out.iter().enumerate() {
        for (o, (i, _, _)) in shard.iter().enumerate() {
            place[*i] = (s as u32, o as u32);
        }
    }
    if place.iter().any(|(s, _)| *s == u32::MAX) {
        return Err(Error::Internal("a bill line was not matched".into()));
    }
    Ok(Sharded {
        shards: shards_out,
        place,
        duplicates: index.suspect_pairs.clone(),
    })
}

/// Results as the vendor shards produced them, readable in input order
/// without moving them (what the Python binding uses).
#[derive(Debug)]
pub struct Sharded {
    shards: Vec<Vec<Matched>>,
    /// For each input line: its shard and offset.
    place: Vec<(u32, u32)>,
    pub duplicates: Vec<Suspect>,
}

impl Sharded {
    pub fn len(&self) -> usize {
        self.place.len()
    }

    pub fn is_empty(&self) -> bool {
        self.place.is_empty()
    }

    fn slot(&self, i: usize) -> &Matched {
        let (s, o) = self.place[i];
        &self.shards[s as usize][o as usize]
    }

    /// The result of input line `i`.
    pub fn line(&self, i: usize) -> &LineResult {
        &self.slot(i).1
    }

    /// The allocations of input line `i`, in allocation order.
    pub fn allocations(&self, i: usize) -> &[Allocation] {
        &self.slot(i).2
    }

    /// Everything in input order, owned.
    pub fn into_output(mut self) -> Output {
        let mut out = Output {
            duplicates: std::mem::take(&mut self.duplicates),
            ..Output::default()
        };
        out.lines.reserve(self.place.len());
        for (s, o) in std::mem::take(&mut self.place) {
            let slot = &mut self.shards[s as usize][o as usize];
            out.lines.push(std::mem::take(&mut slot.1));
            out.allocations.append(&mut slot.2);
        }
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
    price_precision: Precision,
    amount_precision: Precision,
) -> Result<Index<'a>> {
    let p = &input.po_lines;
    let m = p.po_line_id.len();
    // duplicate bills are found while the PO lines are indexed
    let (suspects, po) = pool::install(|| {
        rayon::join(
            || duplicates::find(&input.bills, options.duplicate_window),
            || -> Result<Vec<PoInfo>> {
                (0..m)
                    .into_par_iter()
                    .map(|i| {
                        let net = net_price(p.price_unit[i], p.discount[i], p.uom_ratio[i]).ok_or(
                            Error::Overflow {
                                at: Location::row("po_lines.price_unit", i),
                            },
                        )?;
                        Ok(PoInfo {
                            id: p.po_line_id[i],
                            vendor_id: p.vendor_id[i],
                            ordered: p.qty_ordered[i],
                            received: Decimal::ZERO,
                            consumed: p.qty_consumed[i],
                            price: net,
                            currency_id: p.currency_id[i],
                            rate: p.rate[i],
                            billed_elsewhere: Vec::new(),
                        })
                    })
                    .collect()
            },
        )
    })?;
    let mut po = po?;
    // three independent pieces, side by side: PO lines by id with their receipts and other
    // bills; PO lines by (vendor, product) oldest first, and contracts; the unit steps
    let (po_by_id, ((po_by_product, contracts), steps)) = pool::install(|| {
        rayon::join(
            || index_receipts_and_billed(input, &mut po),
            || {
                rayon::join(
                    || index_products_and_contracts(input),
                    || index_steps(input),
                )
            },
        )
    })?;
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
        po_by_product,
        contracts,
        suspects: first_original,
        suspect_pairs: suspects,
        price_precision,
        amount_precision,
    })
}

impl Index<'_> {
    /// The applicable contract price: same vendor, product and currency, valid
    /// on the date, minimum quantity reached; the highest quantity break, then
    /// the lowest price, then the first row.
    fn contract_price(
        &self,
        vendor: i64,
        product: i64,
        currency: i64,
        date: i32,
        qty: Decimal,
    ) -> Option<Decimal> {
        let c = &self.input.contracts;
        self.contracts
            .get(&(vendor, product))?
            .iter()
            .copied()
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

/// PO lines by id; each one's received quantity and the other bills' quantities in order.
fn index_receipts_and_billed(input: &Input, po: &mut [PoInfo]) -> HashMap<i64, usize> {
    let p = &input.po_lines;
    let mut po_by_id = HashMap::with_capacity(p.po_line_id.len());
    for (i, id) in p.po_line_id.iter().enumerate() {
        po_by_id.insert(*id, i);
    }
    let r = &input.receipts;
    for (row, id) in r.po_line_id.iter().enumerate() {
        if let Some(&i) = po_by_id.get(id) {
            po[i].received += r.qty[row];
        }
    }
    let b = &input.billed;
    for (row, id) in b.po_line_id.iter().enumerate() {
        if let Some(&i) = po_by_id.get(id) {
            po[i]
                .billed_elsewhere
                .push((b.date[row], b.bill_id[row], b.qty[row]));
        }
    }
    for info in po.iter_mut() {
        info.billed_elsewhere
            .sort_unstable_by_key(|(d, id, _)| (*d, *id));
    }
    po_by_id
}

type ByKey = HashMap<(i64, i64), Vec<usize>>;

/// PO lines by (vendor, product), oldest first (order date, then id); contract rows by (vendor, product).
fn index_products_and_contracts(input: &Input) -> (ByKey, ByKey) {
    let p = &input.po_lines;
    let mut po_by_product: ByKey = HashMap::new();
    for i in 0..p.po_line_id.len() {
        po_by_product
            .entry((p.vendor_id[i], p.product_id[i]))
            .or_default()
            .push(i);
    }
    for v in po_by_product.values_mut() {
        v.sort_unstable_by_key(|&i| (p.order_date[i], p.po_line_id[i]));
    }
    let c = &input.contracts;
    let mut contracts: ByKey = HashMap::new();
    for i in 0..c.vendor_id.len() {
        contracts
            .entry((c.vendor_id[i], c.product_id[i]))
            .or_default()
            .push(i);
    }
    (po_by_product, contracts)
}

/// Each line's unit step as an index into one `Precision` per distinct step.
fn index_steps(input: &Input) -> Result<(Vec<u16>, Vec<Precision>)> {
    let mut step_index: HashMap<Decimal, u16> = HashMap::new();
    let mut steps = Vec::new();
    let mut qty_step = Vec::with_capacity(input.lines.qty_rounding.len());
    for (row, step) in input.lines.qty_rounding.iter().enumerate() {
        let k = match step_index.get(step) {
            Some(k) => *k,
            None => {
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

/// A line's index in the input, its result and its allocations.
type Matched = (usize, LineResult, Vec<Allocation>);

/// One finding on a line, for the status and the explanation.
struct Finding {
    status: Status,
    text: String,
}

fn match_vendor(
    index: &Index<'_>,
    rows: &[usize],
) -> Result<Vec<(usize, LineResult, Vec<Allocation>)>> {
    let l = &index.input.lines;
    let mut order: Vec<usize> = rows.to_vec();
    order.sort_unstable_by_key(|&i| (l.date[i], l.bill_id[i], l.line_id[i]));
    let mut running: HashMap<usize, Running> = HashMap::new();
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        let (res, allocs) = match_line(index, i, &mut running).map_err(|e| match e {
            Error::Overflow { .. } => Error::Overflow {
                at: Location::row("lines", i),
            },
            other => other,
        })?;
        out.push((i, res, allocs));
    }
    Ok(out)
}

/// Billed on PO line `p` before a line dated `date` of bill `bill`.
fn billed_before(po: &PoInfo, run: &mut Running, date: i32, bill: i64) -> Decimal {
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

/// A quantity as the explanation shows it (no trailing zeros), written
/// straight into the explanation without a temporary string.
struct Q(Decimal);

impl std::fmt::Display for Q {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0.normalize(), f)
    }
}

/// A unit price as the explanation shows it: 4 decimals at most.
struct P(Decimal);

impl std::fmt::Display for P {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0.round_dp(4).normalize(), f)
    }
}

#[inline]
fn fmt_qty(d: Decimal) -> Q {
    Q(d)
}

fn match_line(
    index: &Index<'_>,
    i: usize,
    running: &mut HashMap<usize, Running>,
) -> Result<(LineResult, Vec<Allocation>)> {
    let l = &index.input.lines;
    let overflow = || Error::Overflow {
        at: Location::row("lines", i),
    };
    let level = l.level[i];
    let (date, bill) = (l.date[i], l.bill_id[i]);
    let qty_precision = index.steps[index.qty_step[i] as usize];
    let qty_abs = qty_precision.round(
        l.qty[i].checked_mul(l.uom_ratio[i]).ok_or_else(overflow)?,
        RoundingMethod::Up,
    )?;
    let refund = l.is_refund[i];
    let signed = if refund { -qty_abs } else { qty_abs };
    let price = net_price(l.price_unit[i], l.discount[i], l.uom_ratio[i]).ok_or_else(overflow)?;
    let rate = l.rate[i];
    let (rule, scope): (&Rule, Option<Scope>) = index.input.rules.resolve(
        l.company_id[i],
        l.vendor_id[i],
        l.category_id[i],
        l.product_id[i],
    );

    // --- allocation --------------------------------------------------------------
    let mut allocs: Vec<(usize, Decimal)> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut bad_link: Option<&str> = None;
    if l.po_line_id[i] != 0 {
        match index.po_by_id.get(&l.po_line_id[i]) {
            Some(&p) if index.po[p].vendor_id == l.vendor_id[i] => allocs.push((p, signed)),
            Some(_) => bad_link = Some("belongs to another vendor"),
            None => bad_link = Some("is not known to this run"),
        }
    } else if let Some(candidates) = index.po_by_product.get(&(l.vendor_id[i], l.product_id[i])) {
        if refund {
            // a credit note without a link reduces the most recent PO line billed
            let pick = candidates
                .iter()
                .rev()
                .copied()
                .find(|&p| {
                    let run = running.entry(p).or_default();
                    billed_before(&index.po[p], run, date, bill) > Decimal::ZERO
                })
                .unwrap_or(*candidates.last().expect("non-empty"));
            allocs.push((pick, signed));
        } else {
            let mut remaining = qty_abs;
            for &p in candidates {
                if remaining <= Decimal::ZERO {
                    break;
                }
                let run = running.entry(p).or_default();
                let open = index.po[p].ordered - billed_before(&index.po[p], run, date, bill);
                if open > Decimal::ZERO {
                    let take = open.min(remaining);
                    allocs.push((p, take));
                    remaining -= take;
                }
            }
            if remaining > Decimal::ZERO {
                let last = *candidates.last().expect("non-empty");
                match allocs.last_mut() {
                    Some((p, q)) if *p == last => *q += remaining,
                    _ => allocs.push((last, remaining)),
                }
            }
        }
    }
    if allocs.is_empty() && !refund {
        let text = if let Some(why) = bad_link {
            format!("linked PO line {} {why}", l.po_line_id[i])
        } else {
            "no purchase order line for this vendor and product".to_string()
        };
        findings.push(Finding {
            status: Status::NoPo,
            text,
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
    for &(p, q) in &allocs {
        let po = &index.po[p];
        let run = running.entry(p).or_default();
        let before = billed_before(po, run, date, bill);
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
        if allocs.len() == 1 || over_ref > qty_variance {
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
                    text: format!(
                        "billed {} in all on PO line {} against {} ordered: {} over{}",
                        fmt_qty(after),
                        po.id,
                        fmt_qty(po.ordered),
                        fmt_qty(excess),
                        if ok { " (within tolerance)" } else { "" }
                    ),
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
                    text: format!(
                        "billed {} in all on PO line {} against {} {}: {} not yet {}{}",
                        fmt_qty(after),
                        po.id,
                        fmt_qty(reference),
                        level.reference_word(),
                        fmt_qty(excess),
                        level.reference_word(),
                        if ok { " (within tolerance)" } else { "" }
                    ),
                });
            }
        }
        // price vs PO, per product unit
        let (diff_company, po_price_doc) = if po.currency_id == l.currency_id[i] {
            let d = price - po.price;
            (d.checked_mul(rate).ok_or_else(overflow)?, po.price)
        } else {
            let po_company = po.price.checked_mul(po.rate).ok_or_else(overflow)?;
            let bill_company = price.checked_mul(rate).ok_or_else(overflow)?;
            (
                bill_company - po_company,
                po_company.checked_div(rate).ok_or_else(overflow)?,
            )
        };
        price_po_weighted += po_price_doc * q.abs();
        price_po_qty += q.abs();
        price_po_single.get_or_insert(po_price_doc);
        amount_variance += diff_company.checked_mul(q).ok_or_else(overflow)?;
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
                    text: format!(
                        "price {} above PO line {} price {} by {}{}",
                        P(price),
                        po.id,
                        P(po_price_doc),
                        P(diff),
                        if ok { " (within tolerance)" } else { "" }
                    ),
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
                    text: format!(
                        "price {} below PO line {} price {} by {}",
                        P(price),
                        po.id,
                        P(po_price_doc),
                        P(under)
                    ),
                });
            }
        }
    }
    for &(p, q) in &allocs {
        running.entry(p).or_default().in_batch += q;
    }

    // price vs contract
    let price_contract = index.contract_price(
        l.vendor_id[i],
        l.product_id[i],
        l.currency_id[i],
        date,
        qty_abs,
    );
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
                text: format!(
                    "price {} above contract price {} by {}{}",
                    P(price),
                    P(cp),
                    P(diff),
                    if ok { " (within tolerance)" } else { "" }
                ),
            });
        }
    }
    if let Some(original) = index.suspects.get(&bill) {
        findings.push(Finding {
            status: Status::Duplicate,
            text: format!("bill looks like a duplicate of bill {original}"),
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
        .map(|(_, (p, _))| index.po[*p].id)
        .unwrap_or(0);
    let price_po = if allocs.is_empty() {
        None
    } else if allocs.len() == 1 || price_po_qty.is_zero() {
        price_po_single
    } else {
        Some(price_po_weighted / price_po_qty)
    };
    let price_variance = price_po.map_or(Decimal::ZERO, |pp| price - pp);
    let amount_variance = index
        .amount_precision
        .round(amount_variance, RoundingMethod::HalfUp)?;

    let mut explanation = String::with_capacity(64);
    let _ = write!(explanation, "{}: ", level.label());
    if findings.is_empty() {
        if refund {
            let _ = write!(
                explanation,
                "credit note of {} reduces what was billed",
                fmt_qty(qty_abs)
            );
        } else {
            let _ = write!(
                explanation,
                "matched {} to {} (billed before {}, {} {})",
                fmt_qty(qty_abs),
                if allocs.len() == 1 {
                    format!("PO line {primary}")
                } else {
                    format!("{} PO lines", allocs.len())
                },
                fmt_qty(before_total),
                level.reference_word(),
                fmt_qty(match level {
                    Level::TwoWay => ordered,
                    Level::ThreeWay => received,
                    Level::Consumption => consumed,
                })
            );
        }
    } else {
        let mut sorted: Vec<&Finding> = findings.iter().collect();
        sorted.sort_by_key(|f| f.status);
        for (k, f) in sorted.iter().enumerate() {
            if k > 0 {
                explanation.push_str("; ");
            }
            explanation.push_str(&f.text);
        }
    }
    if let Some(id) = scope.map(|s| (rule.id, s)) {
        if status != Status::Matched && status != Status::CreditNote {
            let _ = write!(explanation, " [rule {} ({})]", id.0, id.1.name());
        }
    }

    let line_id = l.line_id[i];
    let allocations = allocs
        .iter()
        .map(|&(p, q)| Allocation {
            line_id,
            po_line_id: index.po[p].id,
            qty: q,
        })
        .collect();
    Ok((
        LineResult {
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
            explanation,
        },
        allocations,
    ))
}

#[cfg(test)]
mod tests;
