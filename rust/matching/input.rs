//! The engine's input: the tables of a batch as columns, the options, and the
//! two enums every phase speaks (the line's match level and its status).

use rust_decimal::Decimal;

use super::duplicates::{Bill, Window};
use super::tolerance::Rules;

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
