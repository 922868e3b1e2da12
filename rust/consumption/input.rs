//! What the engine reads: a batch of cabinet events (their texts interned in
//! [`Names`]), Odoo's locations, codes, products, packs and lots (the
//! reconciliation's own tables), the recalls, and the run options.

use rust_decimal::Decimal;

pub use crate::billing::Names;
use crate::reconcile::CodeKind;
pub use crate::reconcile::{Codes, Locations, Lots, Packs, Products, NO_DATE};

/// What a cabinet says happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Issue,
    Return,
    Waste,
    Restock,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Issue, Kind::Return, Kind::Waste, Kind::Restock];

    pub fn parse(s: &str) -> Option<Self> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Issue => "issue",
            Kind::Return => "return",
            Kind::Waste => "waste",
            Kind::Restock => "restock",
        }
    }
}

/// How an event names its product: as one kind of code, or (`""`) as each
/// kind in turn (see [`super::codes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeSel {
    Auto,
    Exact(CodeKind),
}

impl CodeSel {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" => Some(CodeSel::Auto),
            _ => CodeKind::parse(s).map(CodeSel::Exact),
        }
    }
}

/// The events, a column each. Texts are ids in [`Input::names`] (event ids
/// in [`Input::event_ids`]) as given: the engine trims them.
#[derive(Debug, Clone, Default)]
pub struct Events {
    /// A location code or GLN.
    pub cabinet: Vec<u32>,
    pub event_id: Vec<u32>,
    /// Seconds since 1970-01-01 UTC.
    pub time: Vec<i64>,
    pub product: Vec<u32>,
    /// "", ref, vendor, gtin, gs1 or hibc.
    pub code_kind: Vec<u32>,
    pub lot: Vec<u32>,
    /// "YYYY-MM-DD" or "".
    pub expiry: Vec<u32>,
    /// `None`: not a number.
    pub qty: Vec<Option<Decimal>>,
    /// "": the product's unit; else a pack unit.
    pub unit: Vec<u32>,
    /// issue, return, waste or restock.
    pub kind: Vec<u32>,
    pub department: Vec<u32>,
}

impl Events {
    pub fn len(&self) -> usize {
        self.cabinet.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cabinet.is_empty()
    }
}

/// One event as texts, for a batch built by hand ([`Input::push`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Event<'a> {
    pub cabinet: &'a str,
    pub event_id: &'a str,
    pub time: i64,
    pub product: &'a str,
    pub code_kind: &'a str,
    pub lot: &'a str,
    pub expiry: &'a str,
    pub qty: Option<Decimal>,
    pub unit: &'a str,
    pub kind: &'a str,
    pub department: &'a str,
}

/// Recalled products: a lot name, or "" for every lot of the product.
#[derive(Debug, Clone, Default)]
pub struct Recalls {
    pub product_id: Vec<i64>,
    pub lot: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The texts of every event column but `event_id`.
    pub names: Names,
    pub event_ids: Names,
    pub events: Events,
    /// `counted` is not used (but has a value per row).
    pub locations: Locations,
    pub codes: Codes,
    /// `category_id`, `risk_class` and `cost` are not used (but have a
    /// value per row).
    pub products: Products,
    pub packs: Packs,
    pub lots: Lots,
    pub recalls: Recalls,
}

impl Input {
    /// Add one event at the end of the batch.
    pub fn push(&mut self, e: &Event) {
        let n = &mut self.names;
        let ev = &mut self.events;
        ev.cabinet.push(n.id(e.cabinet));
        ev.event_id.push(self.event_ids.id(e.event_id));
        ev.time.push(e.time);
        ev.product.push(n.id(e.product));
        ev.code_kind.push(n.id(e.code_kind));
        ev.lot.push(n.id(e.lot));
        ev.expiry.push(n.id(e.expiry));
        ev.qty.push(e.qty);
        ev.unit.push(n.id(e.unit));
        ev.kind.push(n.id(e.kind));
        ev.department.push(n.id(e.department));
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Today, days since 1970-01-01: places the two-digit years of bar codes.
    pub today: i32,
    /// The year two-digit years are placed around (default: today's).
    pub reference_year: Option<i32>,
    /// Seconds: an event earlier than its cabinet's latest event of the
    /// batch by more than this is late.
    pub late_after: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            today: 0,
            reference_year: None,
            late_after: 3600,
        }
    }
}

/// Days since 1970-01-01 of a "YYYY-MM-DD" text (trimmed): [`NO_DATE`] for
/// "", `None` when it is not a real day.
pub fn parse_day(text: &str) -> Option<i32> {
    let date = crate::billing::Date::parse(text.trim())?;
    if date.is_none() {
        return Some(NO_DATE);
    }
    date.days()
}
