//! What the engine reads: the snapshot, Odoo's locations, codes, products,
//! packs, lots, quants and moves, the tolerance rules, and the run options.

use rust_decimal::Decimal;

/// "No date" in date columns (days since 1970-01-01).
pub const NO_DATE: i32 = i32::MIN;

/// How a snapshot row names its product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeKind {
    /// Odoo internal reference (`default_code`).
    Ref,
    /// Vendor catalogue number.
    Vendor,
    /// A GTIN-8/12/13/14 (any packaging level).
    Gtin,
    /// A GS1 element string (GTIN + lot + expiry…), read through
    /// [`parse_gs1`](super::barcode::parse_gs1).
    Gs1,
    /// An HIBC LIC bar code, or its primary data `LIC PCN U/M` as a mapping key.
    Hibc,
}

impl CodeKind {
    pub const NAMES: [&'static str; 5] = ["ref", "vendor", "gtin", "gs1", "hibc"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ref" | "" => CodeKind::Ref,
            "vendor" => CodeKind::Vendor,
            "gtin" => CodeKind::Gtin,
            "gs1" => CodeKind::Gs1,
            "hibc" | "hibcc" => CodeKind::Hibc,
            _ => return None,
        })
    }
}

/// External snapshot rows.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub location_code: Vec<String>,
    pub product_code: Vec<String>,
    pub kind: Vec<CodeKind>,
    pub lot: Vec<String>,
    pub expiry: Vec<i32>,
    pub qty: Vec<Decimal>,
    pub unit: Vec<String>,
}

/// Every location the reconciliation tracks (internal locations). `code` is
/// the external code or GLN mapped to it (empty: none); `counted` marks the
/// locations a full snapshot covers.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    pub location_id: Vec<i64>,
    pub code: Vec<String>,
    pub counted: Vec<bool>,
}

/// External product codes: kind (ref, vendor, gtin, hibc), code, product and
/// the number of product units one unit of that code holds (a box GTIN: 12).
#[derive(Debug, Clone, Default)]
pub struct Codes {
    pub kind: Vec<CodeKind>,
    pub code: Vec<String>,
    pub product_id: Vec<i64>,
    pub factor: Vec<Decimal>,
}

#[derive(Debug, Clone, Default)]
pub struct Products {
    pub product_id: Vec<i64>,
    pub category_id: Vec<i64>,
    pub risk_class: Vec<i64>,
    /// Cost per product unit, company currency.
    pub cost: Vec<Decimal>,
    /// The product UoM's rounding step.
    pub rounding: Vec<Decimal>,
    /// Tracked by lot or serial; an untracked product's lots are ignored.
    pub tracked: Vec<bool>,
}

/// Units a snapshot may count in, per product (product 0: any product).
#[derive(Debug, Clone, Default)]
pub struct Packs {
    pub product_id: Vec<i64>,
    pub unit: Vec<String>,
    pub factor: Vec<Decimal>,
}

#[derive(Debug, Clone, Default)]
pub struct Lots {
    pub lot_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub name: Vec<String>,
    pub expiry: Vec<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct Quants {
    pub location_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub lot_id: Vec<i64>,
    pub qty: Vec<Decimal>,
}

/// Done move lines in product UoM. A line counts out of `location_id` and
/// into `location_dest_id` where these are tracked locations; a line with
/// location 0 is an opening balance (pre-aggregated history).
#[derive(Debug, Clone, Default)]
pub struct Moves {
    pub location_id: Vec<i64>,
    pub location_dest_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub lot_id: Vec<i64>,
    pub qty: Vec<Decimal>,
    /// Seconds since 1970-01-01 UTC.
    pub date: Vec<i64>,
}

/// A tolerance rule: each of location, category and risk class is 0 (any)
/// or must equal the key's. The most specific rule applies (location counts
/// 4, category 2, risk class 1; ties go to the lowest id).
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub rule_id: i64,
    pub location_id: i64,
    pub category_id: i64,
    pub risk_class: i64,
    /// Auto-approve when every limit that is set holds (at least one set).
    pub auto_qty: Option<Decimal>,
    pub auto_pct: Option<Decimal>,
    pub auto_value: Option<Decimal>,
    /// Above this absolute value, a second approver is needed.
    pub four_eyes_value: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Snapshot time, seconds since 1970-01-01 UTC.
    pub as_of: i64,
    /// Full snapshot: keys of counted locations absent from it count as zero.
    pub full: bool,
    /// Moves this many seconds around `as_of` may explain a difference (timing).
    pub timing_window: i64,
    pub value_rounding: Decimal,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            as_of: 0,
            full: false,
            timing_window: 3600,
            value_rounding: Decimal::new(1, 2),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Input {
    pub snapshot: Snapshot,
    pub locations: Locations,
    pub codes: Codes,
    pub products: Products,
    pub packs: Packs,
    pub lots: Lots,
    pub quants: Quants,
    pub moves: Moves,
    pub rules: Vec<Rule>,
}
