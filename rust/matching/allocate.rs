//! Allocation (rule 3): the vendor's PO lines a bill line goes to, and how
//! much on each.

use std::ops::Range;

use rust_decimal::Decimal;

use super::book::VendorBook;
use super::findings::{Finding, What};
use super::input::Status;
use super::line::Line;

/// Allocate the line: `allocs` receives (book position, quantity) pairs. A
/// line (not a credit note) left without any is a `no_po` finding, returned.
pub(super) fn allocate(
    book: &mut VendorBook<'_>,
    line: &Line<'_>,
    allocs: &mut Vec<(usize, Decimal)>,
) -> Option<Finding> {
    let x = line.x;
    let bad_link = if x.po_line_id != 0 {
        follow_link(book, x.po_line_id, line.signed, allocs)
    } else {
        let candidates = book.candidates(x.product_id);
        if !candidates.is_empty() {
            if x.refund {
                let pick = latest_billed(book, candidates, x.date, x.bill_id);
                allocs.push((pick, line.signed));
            } else {
                spread(book, candidates, line.qty_abs, (x.date, x.bill_id), allocs);
            }
        }
        None
    };
    if !allocs.is_empty() || x.refund {
        return None;
    }
    Some(Finding {
        status: Status::NoPo,
        what: match bad_link {
            Some(why) => What::BadLink {
                po_line: x.po_line_id,
                why,
            },
            None => What::NoPoLine,
        },
    })
}

/// A linked line goes to its PO line; when the link cannot be followed, why.
fn follow_link(
    book: &VendorBook<'_>,
    po_line: i64,
    qty: Decimal,
    allocs: &mut Vec<(usize, Decimal)>,
) -> Option<&'static str> {
    // the book holds exactly this vendor's PO lines
    match book
        .index
        .po_by_id
        .get(po_line)
        .map(|_| book.position(po_line))
    {
        Some(Some(k)) => {
            allocs.push((k, qty));
            None
        }
        Some(None) => Some("belongs to another vendor"),
        None => Some("is not known to this run"),
    }
}

/// A credit note without a link reduces the most recent PO line billed (the
/// last one when none was).
fn latest_billed(
    book: &mut VendorBook<'_>,
    candidates: Range<usize>,
    date: i32,
    bill: i64,
) -> usize {
    let last = candidates.end - 1;
    candidates
        .rev()
        .find(|&k| book.billed_before(k, date, bill) > Decimal::ZERO)
        .unwrap_or(last)
}

/// Spread `qty` over the PO lines with open quantity (ordered − billed),
/// oldest first; a remainder goes to the last PO line considered.
fn spread(
    book: &mut VendorBook<'_>,
    candidates: Range<usize>,
    qty: Decimal,
    (date, bill): (i32, i64),
    allocs: &mut Vec<(usize, Decimal)>,
) {
    let last = candidates.end - 1;
    let mut remaining = qty;
    for k in candidates {
        if remaining <= Decimal::ZERO {
            break;
        }
        let open = book.info(k).ordered - book.billed_before(k, date, bill);
        if open > Decimal::ZERO {
            let take = open.min(remaining);
            allocs.push((k, take));
            remaining -= take;
        }
    }
    if remaining > Decimal::ZERO {
        match allocs.last_mut() {
            Some((k, q)) if *k == last => *q += remaining,
            _ => allocs.push((last, remaining)),
        }
    }
}

/// The PO line with the largest share of the line (first on ties), 0 if none.
pub(super) fn primary(book: &VendorBook<'_>, allocs: &[(usize, Decimal)]) -> i64 {
    allocs
        .iter()
        .enumerate()
        .max_by(|(ia, (_, qa)), (ib, (_, qb))| qa.abs().cmp(&qb.abs()).then(ib.cmp(ia)))
        .map(|(_, (k, _))| book.info(*k).id)
        .unwrap_or(0)
}
