//! Billing batches: validate, map and summarise the batches a hospital
//! billing platform sends (charges, adjustments, receivables, cash) for
//! posting into the general ledger. Each batch is checked whole (every
//! problem reported, with the path the sender sees), each line mapped by
//! effective-dated rules to an account, analytic accounts and a journal, and
//! each batch without problems summarised into journal entry lines. The
//! contract is in docs/engines.md ("Billing batches").
//!
//! One phase a file: the tables and their checks ([`input`]), rule choice
//! and its explanation ([`rules`]), a batch's checks ([`checks`]), its sums
//! and journal entry lines ([`summary`]); [`run`] runs it all, batches in
//! parallel.

pub mod checks;
pub mod input;
pub mod rules;
pub mod run;
pub mod summary;

#[cfg(test)]
mod tests;

pub use checks::{Mapped, Problem, Rule, CAP};
pub use input::{
    canon, Analytics, BatchKind, Batches, Date, Facilities, Input, Known, Lines, LockPolicy, Names,
    Rules, Side, State, TotalKind, Totals,
};
pub use rules::{explain, Explained, Query, RuleIndex, Verdict};
pub use run::{billing, BatchOut, Computed, LinesOut, Output, ProblemOut, Stats};
pub use summary::Group;
