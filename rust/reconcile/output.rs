//! What the engine returns: each snapshot row resolved, each key reconciled
//! (class, approval, integrity flags), and the assembly of the shards' keys
//! into one output sorted by key.

use rust_decimal::Decimal;

use super::resolve::Resolved;

/// What became of a snapshot row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Mapped,
    UnknownLocation,
    UnknownProduct,
    UnknownUnit,
}

impl RowStatus {
    pub const ALL: [RowStatus; 4] = [
        RowStatus::Mapped,
        RowStatus::UnknownLocation,
        RowStatus::UnknownProduct,
        RowStatus::UnknownUnit,
    ];
    pub fn code(self) -> &'static str {
        match self {
            RowStatus::Mapped => "mapped",
            RowStatus::UnknownLocation => "unknown_location",
            RowStatus::UnknownProduct => "unknown_product",
            RowStatus::UnknownUnit => "unknown_unit",
        }
    }
}

/// Classification of a key, first that applies in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Outside the snapshot's scope: only the integrity flags apply.
    NotCounted,
    /// No difference (and no expiry disagreement).
    Matched,
    /// Same quantity, but the external expiry differs from the lot's.
    ExpiryMismatch,
    /// The product's total at the location agrees; its lots do not.
    LotSwap,
    /// external / Odoo (or the inverse) is one of the product's pack factors.
    UomError,
    /// The difference equals the moves just after (or just before) the
    /// snapshot time, within the timing window.
    Timing,
    /// External stock where Odoo has none.
    MissingInOdoo,
    /// Odoo stock absent from a full snapshot.
    MissingExternal,
    /// External more than Odoo.
    Over,
    /// External less than Odoo.
    Under,
}

impl Class {
    pub const ALL: [Class; 10] = [
        Class::NotCounted,
        Class::Matched,
        Class::ExpiryMismatch,
        Class::LotSwap,
        Class::UomError,
        Class::Timing,
        Class::MissingInOdoo,
        Class::MissingExternal,
        Class::Over,
        Class::Under,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Class::NotCounted => "not_counted",
            Class::Matched => "matched",
            Class::ExpiryMismatch => "expiry_mismatch",
            Class::LotSwap => "lot_swap",
            Class::UomError => "uom_error",
            Class::Timing => "timing",
            Class::MissingInOdoo => "missing_in_odoo",
            Class::MissingExternal => "missing_external",
            Class::Over => "over",
            Class::Under => "under",
        }
    }
}

/// Who must approve the correction of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Approval {
    /// Nothing to correct (matched, timing, not counted).
    None,
    /// Within the applicable tolerance.
    Auto,
    /// One inventory controller.
    Controller,
    /// A controller and a second approver (value above the four-eyes limit).
    FourEyes,
    /// A data problem to look at (UoM error, expiry mismatch), no quantity
    /// correction proposed.
    Review,
}

impl Approval {
    pub const ALL: [Approval; 5] = [
        Approval::None,
        Approval::Auto,
        Approval::Controller,
        Approval::FourEyes,
        Approval::Review,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Approval::None => "none",
            Approval::Auto => "auto",
            Approval::Controller => "controller",
            Approval::FourEyes => "four_eyes",
            Approval::Review => "review",
        }
    }
}

/// A snapshot row, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct RowOut {
    pub status: RowStatus,
    pub location_id: i64,
    pub product_id: i64,
    pub lot_id: i64,
    pub qty: Decimal,
    /// Index of the row's key in [`Output::keys`], `None` if not mapped.
    pub key: Option<usize>,
}

/// One key, reconciled.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyOut {
    pub location_id: i64,
    pub product_id: i64,
    /// 0: no lot, or a lot name Odoo does not know (then in `lot_name`).
    pub lot_id: i64,
    /// The snapshot's lot name when Odoo has no such lot, else empty.
    pub lot_name: String,
    /// The lot's expiry in Odoo, and the one the snapshot gave.
    pub expiry: i32,
    pub ext_expiry: i32,
    /// The key is in the snapshot's scope (compared).
    pub counted: bool,
    /// The key appears in the snapshot.
    pub in_snapshot: bool,
    pub ext_qty: Decimal,
    /// Odoo's balance at the snapshot time: quant minus moves after.
    pub odoo_qty: Decimal,
    pub quant_qty: Decimal,
    pub history_qty: Decimal,
    pub moves_after: Decimal,
    pub diff: Decimal,
    pub value: Decimal,
    pub class: Class,
    pub approval: Approval,
    pub rule_id: i64,
    /// The pack factor behind a UoM error, else zero.
    pub factor: Decimal,
    pub negative: bool,
    /// Quant minus move history (integrity drift when not zero).
    pub drift: Decimal,
    pub expired: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub rows: Vec<RowOut>,
    pub keys: Vec<KeyOut>,
}

/// A shard's keys (sorted) and (snapshot row, key index in the shard) pairs.
pub(super) type ShardOut = (Vec<KeyOut>, Vec<(u32, u32)>);

/// One output from the shards' parts, in shard order (shards are ranges of
/// location ids, so their keys follow each other sorted): every snapshot
/// row, pointing at its key when mapped.
pub(super) fn assemble(resolved: &[Resolved], parts: Vec<ShardOut>) -> Output {
    let mut keys = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    let mut rows: Vec<RowOut> = resolved
        .iter()
        .map(|r| RowOut {
            status: r.status,
            location_id: r.location,
            product_id: r.product,
            lot_id: r.lot_id,
            qty: if r.status == RowStatus::Mapped {
                r.qty
            } else {
                Decimal::ZERO
            },
            key: None,
        })
        .collect();
    for (part_keys, row_keys) in parts {
        let offset = keys.len();
        for (row, k) in row_keys {
            rows[row as usize].key = Some(offset + k as usize);
        }
        keys.extend(part_keys);
    }
    Output { rows, keys }
}
