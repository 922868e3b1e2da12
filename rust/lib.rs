//! MedSync engines, in pure Rust.
//!
//! The engines take columns (slices of plain values) and return columns; they
//! never see Python. The thin binding in `python/` (feature `python`) copies
//! Python inputs into owned Rust values, releases the GIL, runs the engine in
//! the module's own thread pool ([`pool`]) and builds the Python outputs.
//!
//! Money and quantities are [`rust_decimal::Decimal`] everywhere, rounded with
//! Odoo's rules ([`numeric`]).

pub mod billing;
pub mod consumption;
pub mod copy_text;
pub mod dedupe;
pub mod documents;
pub mod error;
pub mod ids;
pub mod matching;
pub mod numeric;
pub mod pool;
pub mod reconcile;
pub mod scorecard;
pub mod screening;
pub mod x12;

#[cfg(feature = "python")]
mod python;

pub use error::{Error, Result};
