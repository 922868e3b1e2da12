//! Cabinet consumption: the usage events supply cabinets (Omnicell, Pyxis,
//! ward scanners) post — issue, return, waste, restock — validated and
//! mapped in bulk to Odoo's locations, products, units and lots, and
//! grouped into moves.
//!
//! Codes are read as the inventory reconciliation reads them, with its own
//! lookups ([`crate::reconcile::index`], [`crate::reconcile::resolve`]): a
//! cabinet by its location code or GLN; a product by internal reference,
//! vendor code, GTIN, GS1 element string or HIBC bar code (the bar code's
//! lot, expiry and count fill the event's); the unit by the product's packs;
//! the quantity converted to the product's unit, HALF-UP at its rounding.
//!
//! A bad value in an event is that event's status (`invalid`, `duplicate`,
//! `unknown_cabinet`, `unknown_product`, `bad_unit`, `lot_required`,
//! `unknown_lot`), never an error: errors are for structurally bad tables
//! and master data (the reconciliation's checks of codes and packs). Each
//! distinct text and product code is read once; the events are mapped in
//! parallel; the answer does not depend on the thread count. The contract
//! is in docs/engines.md ("Cabinet consumption").
//!
//! The phases, one file each: `input` (what the engine reads), `check`
//! (structural checks), `columns` (texts read once), `codes` (product codes
//! resolved once), `duplicates`, `resolve` (one event mapped), `group`
//! (late events and moves), `output` and `run`, which strings them together.

mod check;
mod codes;
mod columns;
mod duplicates;
mod group;
pub mod input;
pub mod output;
mod resolve;
mod run;
#[cfg(test)]
mod tests;

pub use input::{
    parse_day, CodeSel, Codes, Event, Events, Input, Kind, Locations, Lots, Names, Options, Packs,
    Products, Recalls, NO_DATE,
};
pub use output::{EventOut, Group, Output, Stats, Status};
pub use run::consumption;
