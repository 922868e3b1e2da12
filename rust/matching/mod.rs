//! Three-way (and two-way, consumption) matching of vendor bill lines against
//! purchase order lines and receipts, in bulk.
//!
//! The rules, in order:
//! 1. **Normal form.** Quantities in the product's unit (`qty × uom_ratio`,
//!    rounded UP at the product unit's step as Odoo's `qty_invoiced` does);
//!    unit prices per product unit, net of discount; prices compared in the
//!    document currency when bill and PO share it, else both in company
//!    currency; variance amounts in company currency at the bill's rate.
//! 2. **Order.** Per vendor, bill lines are taken by (bill date, bill id, line
//!    id). Quantities billed on other bills (posted or draft, credit notes
//!    negative) count as billed before a line when their (date, bill id)
//!    comes first. Credit notes reduce what later lines find billed.
//! 3. **Allocation.** A line linked to a PO line goes there. A line without one
//!    is spread over the vendor's PO lines of the same product that still have
//!    open quantity (ordered − billed), oldest first (order date, then PO line
//!    id); a remainder goes to the last PO line considered (it is over-billed
//!    there). No PO line for the product at all: `no_po`.
//! 4. **Reference quantity** by match level: ordered (2-way: services),
//!    received (3-way: stock), consumed (consumption: consigned, bill-only).
//! 5. **Checks** per allocation, with the tolerance rule of the line (product
//!    → category → vendor → company): cumulative billed vs ordered, vs the
//!    reference quantity, price vs PO, price vs contract price, amount cap.
//! 6. **Status**: the most severe finding (see [`Status`]); a near-duplicate
//!    bill outranks everything. Statuses before `WithinTolerance` hold payment.

pub mod duplicates;
pub mod tolerance;

mod allocate;
mod book;
mod checks;
mod explain;
mod findings;
mod groups;
mod index;
mod input;
mod line;
mod output;
mod run;
mod validate;

pub use input::{BillLines, Billed, Contracts, Input, Level, Options, PoLines, Receipts, Status};
pub use output::{Allocation, LineResult, Output, Sharded};
pub use run::{run, run_sharded};

#[cfg(test)]
mod tests;
