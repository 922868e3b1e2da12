//! Duplicate vendor detection.
//!
//! Records come in as columns ([`Input`]), are normalised ([`normalize`]),
//! blocked in several passes whose candidates are united ([`blocking_keys`]),
//! compared field by field ([`compare`]), the weights of the comparisons
//! learned from the population and the steward's decisions ([`model`]),
//! scored as match probabilities with the evidence of each comparison, and
//! the likely pairs clustered with a guard against chaining ([`cluster`]). Pairs
//! touching an employee record are never duplicates: they give fraud
//! signals ([`SignalKind`]). [`Index`] answers the check at vendor creation
//! for one record.

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod ids;
pub mod index;
pub mod model;
pub mod normalize;
pub mod record;
pub mod run;
pub mod score;
pub mod signals;

#[cfg(test)]
mod tests;

pub use blocking::{blocking_keys, candidate_pairs, Pass};
pub use cluster::cluster;
pub use compare::{compare, compare_levels, Cmp, Compared};
pub use index::{Hit, Index};
pub use model::{Label, Learn, Model};
pub use record::{fingerprint, normalise, prepare, Input, Invalid};
pub use run::{run, Output, Pair, RunOptions};
pub use score::{Band, Evidence, Options, Rec};
pub use signals::{signals, Signal, SignalKind};
