//! Supplier scorecards: per vendor (and category) and local month, how
//! vendors deliver (on time and in full, fill rate, backorders, lead time),
//! acknowledge, announce (ship notices), bill (price accuracy, first-pass
//! match) and are returned to; a weighted month score, a decayed score and
//! a standing. The contract is `notes/scorecard_spec.md`; docs/engines.md
//! ("Supplier scorecards") has the definitions.
//!
//! One phase a file: the tables and their checks ([`input`]), the company's
//! clock ([`time`]), each line's facts from its events ([`line`]), monthly
//! counters per vendor ([`aggregate`]), rates and scores ([`score`]); [`run`]
//! runs it all.

pub mod aggregate;
pub mod input;
pub mod line;
pub mod run;
pub mod score;
pub mod time;

#[cfg(test)]
mod tests;

pub use aggregate::Counters;
pub use input::{AckStatus, Acks, Asns, Bills, FirstPass, Input, Lines, Lots, MoveKind, Receipts};
pub use line::Target;
pub use run::{scorecard, Options, Output, Row, Stats, RATES};
pub use score::{Component, Standing, Weights};
pub use time::{month_label, Clock};
