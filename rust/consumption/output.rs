//! What the engine returns: every event, mapped or why not; the moves the
//! mapped events make (groups); and the counts.

use rust_decimal::Decimal;

use super::input::Kind;

/// What became of an event, the first that applies in this order (see the
/// module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Mapped,
    Duplicate,
    Invalid,
    UnknownCabinet,
    UnknownProduct,
    BadUnit,
    LotRequired,
    UnknownLot,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Mapped,
        Status::Duplicate,
        Status::Invalid,
        Status::UnknownCabinet,
        Status::UnknownProduct,
        Status::BadUnit,
        Status::LotRequired,
        Status::UnknownLot,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Mapped => "mapped",
            Status::Duplicate => "duplicate",
            Status::Invalid => "invalid",
            Status::UnknownCabinet => "unknown_cabinet",
            Status::UnknownProduct => "unknown_product",
            Status::BadUnit => "bad_unit",
            Status::LotRequired => "lot_required",
            Status::UnknownLot => "unknown_lot",
        }
    }
}

/// One event, mapped (or how far it got).
#[derive(Debug, Clone, PartialEq)]
pub struct EventOut {
    pub status: Status,
    /// 0 when not found (an event is looked at until its first fault).
    pub location_id: i64,
    pub product_id: i64,
    pub lot_id: i64,
    /// The lot name used: the event's, or its bar code's ("" for a product
    /// not tracked by lot).
    pub lot: String,
    /// In the product's unit, rounded to its rounding (HALF-UP); 0 unless
    /// mapped.
    pub qty: Decimal,
    /// Mapped, and its lot expired before the event's day (UTC).
    pub expired: bool,
    /// Mapped, and its product (every lot, or its own) is recalled.
    pub recalled: bool,
    /// Row in [`Output::groups`], `None` unless mapped.
    pub group: Option<u32>,
    /// For a person, starting with the field at fault; "" when mapped.
    pub message: String,
}

impl EventOut {
    pub(super) fn new(lot: String) -> Self {
        EventOut {
            status: Status::Mapped,
            location_id: 0,
            product_id: 0,
            lot_id: 0,
            lot,
            qty: Decimal::ZERO,
            expired: false,
            recalled: false,
            group: None,
            message: String::new(),
        }
    }
}

/// A move: on-time mapped events of one location, product, lot, kind and
/// department, or one late event alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub location_id: i64,
    pub product_id: i64,
    pub lot_id: i64,
    pub lot: String,
    pub kind: Kind,
    pub department: String,
    pub qty: Decimal,
    /// The latest time of its events (a late event's own), seconds since
    /// 1970-01-01 UTC.
    pub date: i64,
    pub late: bool,
    /// Number of events.
    pub events: u32,
    /// Row of its first event.
    pub first: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub events: usize,
    pub mapped: usize,
    pub duplicates: usize,
    /// Neither mapped nor duplicates.
    pub unmapped: usize,
    pub expired: usize,
    pub recalled: usize,
    pub groups: usize,
    /// Late events (each a group of its own).
    pub late: usize,
}

impl Stats {
    pub(super) fn count(events: &[EventOut], groups: &[Group]) -> Self {
        let n = |f: &dyn Fn(&EventOut) -> bool| events.iter().filter(|e| f(e)).count();
        let mapped = n(&|e| e.status == Status::Mapped);
        let duplicates = n(&|e| e.status == Status::Duplicate);
        Stats {
            events: events.len(),
            mapped,
            duplicates,
            unmapped: events.len() - mapped - duplicates,
            expired: n(&|e| e.expired),
            recalled: n(&|e| e.recalled),
            groups: groups.len(),
            late: groups.iter().filter(|g| g.late).count(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// One per input event, in input order.
    pub events: Vec<EventOut>,
    /// By (date, first event).
    pub groups: Vec<Group>,
    pub stats: Stats,
}
