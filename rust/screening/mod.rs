//! Exclusion and sanctions screening: vendors and their named principals
//! (the subjects) against list entries (OIG LEIE, SAM.gov exclusions, OFAC
//! SDN), in one bulk call, each hit explained.
//!
//! Parties come in as columns ([`Input`]) and are normalised with dedupe's
//! normalisers ([`record`], [`person`] for people's names read in either
//! order); name words are weighed by how common they are ([`freq`]); the
//! entries are indexed by identifiers, address and name keys, every entry
//! reachable ([`blocking`], [`index`]); each subject's candidates are compared once
//! ([`compare`]), decided by fixed screening rules ([`decide`], where the
//! rules are written out) and explained ([`explain`]). [`screen`] runs it all.

pub mod blocking;
pub mod compare;
pub mod decide;
pub mod explain;
pub mod freq;
pub mod index;
pub mod person;
pub mod record;
pub mod run;
pub mod similarity;

#[cfg(test)]
mod tests;

pub use compare::{compare, Compared, NameLevel};
pub use decide::{decide, Decision, Strength};
pub use explain::Evidence;
pub use freq::Freq;
pub use index::Index;
pub use record::{Input, Kind, Parties, Party, Source};
pub use run::{prepare, screen, Hit, Options, Output, Stats};
