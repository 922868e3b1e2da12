//! Inventory balance reconciliation: an external balance snapshot (warehouse
//! tool, supply cabinet, site count) against Odoo's quants and against
//! Odoo's own move history, per key (location, product, lot).
//!
//! Per key the engine computes
//! - the external balance (snapshot rows mapped to Odoo keys, in product UoM),
//! - the quant balance now, and the move-history balance now (done move lines
//!   into the location minus out of it),
//! - the net of the moves dated after the snapshot time, so that both can be
//!   rolled back to the snapshot time: Odoo's balance then is
//!   `quant - after` (what Odoo reports for a past date),
//! - the difference `external - odoo_at` and its value at cost,
//!
//! and classifies it (see [`Class`]); integrity flags (negative quant, quant
//! differing from the move history, expired stock on hand) are computed for
//! every key. Tolerance rules (location / category / risk class) choose
//! auto-approval, one approver or four eyes.
//!
//! Work is sharded by location (contiguous ranges of location ids), shards
//! run in parallel, and the output is sorted by key whatever the thread
//! count. Quantities are `Decimal`s rounded to each product's UoM rounding
//! (HALF-UP, as Odoo), values to `value_rounding`.
//!
//! The phases, one file each: `input` (what the engine reads), `validate`
//! (input checks), `index` (lookups), `resolve` (snapshot rows mapped to
//! Odoo keys), `shard` (sources split by location), `aggregate` (sums per
//! key), `measure` (balances and integrity flags), `classify` (what explains
//! a difference), `approve` (tolerance rules), `output` (what it returns)
//! and `run`, which strings them together. The code mapping (`index`,
//! `resolve`, `barcode`) is shared with the cabinet consumption engine.

mod aggregate;
mod approve;
pub mod barcode;
mod classify;
pub(crate) mod index;
mod input;
mod measure;
mod output;
pub(crate) mod resolve;
mod run;
mod shard;
#[cfg(test)]
mod tests;
mod validate;

pub use input::{
    CodeKind, Codes, Input, Locations, Lots, Moves, Options, Packs, Products, Quants, Rule,
    Snapshot, NO_DATE,
};
pub use output::{Approval, Class, KeyOut, Output, RowOut, RowStatus};
pub use run::run;
