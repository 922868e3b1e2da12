//! Checks (rule 5): each allocation of a line against its PO line and
//! tolerance rule, then the contract price and duplicate bills.

use rust_decimal::Decimal;

use super::book::VendorBook;
use super::findings::{Finding, What};
use super::index::PoInfo;
use super::input::{Level, Status};
use super::line::Line;
use super::tolerance::within;
use crate::error::Result;

/// What a line's checks add up over its allocations: the figures of its
/// result and explanation.
#[derive(Default)]
pub(super) struct Tally {
    /// Over the allocated PO lines: ordered, received, consumed, billed
    /// before the line.
    pub(super) ordered: Decimal,
    pub(super) received: Decimal,
    pub(super) consumed: Decimal,
    pub(super) billed_before: Decimal,
    /// Cumulative billed after the line minus the reference quantity (the
    /// largest over the PO lines).
    pub(super) qty_variance: Decimal,
    /// Σ price difference × quantity, company currency, not yet rounded.
    pub(super) amount_variance: Decimal,
    /// The first allocation's PO price, and Σ PO price × |quantity| and
    /// Σ |quantity| when the line spans PO lines (bill currency).
    price_po_first: Option<Decimal>,
    price_po_weighted: Decimal,
    price_po_qty: Decimal,
}

impl Tally {
    /// Check each allocation of the line in turn.
    pub(super) fn check_all(
        book: &mut VendorBook<'_>,
        line: &Line<'_>,
        allocs: &[(usize, Decimal)],
        findings: &mut Vec<Finding>,
    ) -> Result<Tally> {
        let mut tally = Tally::default();
        let single = allocs.len() == 1;
        for &(k, q) in allocs {
            tally.check(book, line, (k, q), single, findings)?;
        }
        Ok(tally)
    }

    /// Check quantity `q` of the line on book position `k`: billed vs
    /// ordered, vs the reference quantity, price vs PO.
    fn check(
        &mut self,
        book: &mut VendorBook<'_>,
        line: &Line<'_>,
        (k, q): (usize, Decimal),
        single: bool,
        findings: &mut Vec<Finding>,
    ) -> Result<()> {
        let before = book.billed_before(k, line.x.date, line.x.bill_id);
        let po = book.info(k);
        let after = before + q;
        let reference = self.add_quantities(po, before, after, line.x.level, single);
        if !line.x.refund {
            check_ordered(line, po, after, findings)?;
            check_reference(line, po, (before, after), reference, findings)?;
        }
        let (diff_company, po_price) = price_vs_po(line, po)?;
        self.add_price(line, po_price, diff_company, q, single)?;
        if !line.x.refund {
            check_price_po(line, po, (po_price, diff_company), q, findings)?;
        }
        Ok(())
    }

    /// Add a PO line's quantities; the reference quantity of the line's level.
    fn add_quantities(
        &mut self,
        po: &PoInfo<'_>,
        before: Decimal,
        after: Decimal,
        level: Level,
        single: bool,
    ) -> Decimal {
        self.ordered += po.ordered;
        self.received += po.received;
        self.consumed += po.consumed;
        self.billed_before += before;
        let reference = match level {
            Level::TwoWay => po.ordered,
            Level::ThreeWay => po.received,
            Level::Consumption => po.consumed,
        };
        let over_ref = after - reference;
        if single || over_ref > self.qty_variance {
            self.qty_variance = over_ref;
        }
        reference
    }

    /// Add a PO line's price (bill currency) and the line's price variance
    /// on it (company currency) for quantity `q`.
    fn add_price(
        &mut self,
        line: &Line<'_>,
        po_price: Decimal,
        diff_company: Decimal,
        q: Decimal,
        single: bool,
    ) -> Result<()> {
        if !single {
            self.price_po_weighted += po_price * q.abs();
            self.price_po_qty += q.abs();
        }
        self.price_po_first.get_or_insert(po_price);
        if !diff_company.is_zero() {
            self.amount_variance += diff_company.checked_mul(q).ok_or_else(|| line.overflow())?;
        }
        Ok(())
    }

    /// The PO price over `allocations` PO lines: the allocation-weighted
    /// mean when the line spans several.
    pub(super) fn price_po(&self, allocations: usize) -> Option<Decimal> {
        if allocations == 0 {
            None
        } else if allocations == 1 || self.price_po_qty.is_zero() {
            self.price_po_first
        } else {
            Some(self.price_po_weighted / self.price_po_qty)
        }
    }

    /// The reference quantity of `level` over the allocated PO lines.
    pub(super) fn reference(&self, level: Level) -> Decimal {
        match level {
            Level::TwoWay => self.ordered,
            Level::ThreeWay => self.received,
            Level::Consumption => self.consumed,
        }
    }
}

/// Cumulative billed vs ordered.
fn check_ordered(
    line: &Line<'_>,
    po: &PoInfo<'_>,
    after: Decimal,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    if line.qty_precision.compare(after, po.ordered)?.is_gt() {
        let excess = after - po.ordered;
        let rule = line.rule;
        let ok = within(excess, po.ordered, rule.qty_over_pct, rule.qty_over_abs);
        findings.push(Finding {
            status: if ok {
                Status::WithinTolerance
            } else {
                Status::OverOrdered
            },
            what: What::OverOrdered {
                after,
                po: po.id,
                ordered: po.ordered,
                excess,
                ok,
            },
        });
    }
    Ok(())
}

/// Cumulative billed vs received / consumed (not for 2-way lines): nothing
/// left of the reference is a missing receipt, else an over-receipt.
fn check_reference(
    line: &Line<'_>,
    po: &PoInfo<'_>,
    (before, after): (Decimal, Decimal),
    reference: Decimal,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let qty_precision = line.qty_precision;
    if line.x.level != Level::TwoWay && qty_precision.compare(after, reference)?.is_gt() {
        let excess = after - reference;
        let rule = line.rule;
        let ok = within(excess, reference, rule.qty_over_pct, rule.qty_over_abs);
        let nothing_left = qty_precision.compare(reference, before)?.is_le();
        let status = match (ok, nothing_left) {
            (true, _) => Status::WithinTolerance,
            (false, true) => Status::MissingReceipt,
            (false, false) => Status::OverReceived,
        };
        findings.push(Finding {
            status,
            what: What::OverReference {
                after,
                po: po.id,
                reference,
                excess,
                ok,
            },
        });
    }
    Ok(())
}

/// The line's price difference with the PO line in company currency, and the
/// PO price in the bill's currency, per product unit: compared in the
/// document currency when bill and PO share it, else both in company currency.
fn price_vs_po(line: &Line<'_>, po: &PoInfo<'_>) -> Result<(Decimal, Decimal)> {
    let overflow = || line.overflow();
    let (price, rate) = (line.price, line.x.rate);
    if po.currency_id == line.x.currency_id {
        let d = price - po.price;
        let d = if rate == Decimal::ONE {
            d
        } else {
            d.checked_mul(rate).ok_or_else(overflow)?
        };
        Ok((d, po.price))
    } else {
        let po_company = po.price.checked_mul(po.rate).ok_or_else(overflow)?;
        let bill_company = price.checked_mul(rate).ok_or_else(overflow)?;
        Ok((
            bill_company - po_company,
            po_company.checked_div(rate).ok_or_else(overflow)?,
        ))
    }
}

/// Price vs PO: above (with the amount cap) or below (favourable when the
/// rule says so).
fn check_price_po(
    line: &Line<'_>,
    po: &PoInfo<'_>,
    (po_price, diff_company): (Decimal, Decimal),
    q: Decimal,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let (price, rate, rule) = (line.price, line.x.rate, line.rule);
    let cmp = line.index.price_precision.compare(price, po_price)?;
    let diff = price - po_price;
    if cmp.is_gt() {
        let ok = within(
            diff,
            po_price,
            rule.price_over_pct,
            rule.price_over_abs.and_then(|a| a.checked_div(rate)),
        ) && rule
            .amount_over_abs
            .is_none_or(|cap| diff_company * q <= cap);
        findings.push(Finding {
            status: if ok {
                Status::WithinTolerance
            } else {
                Status::PriceAbovePo
            },
            what: What::PriceAbovePo {
                price,
                po: po.id,
                po_price,
                diff,
                ok,
            },
        });
    } else if cmp.is_lt() {
        let under = -diff;
        let status = if rule.allow_favourable {
            Status::PriceFavourable
        } else if within(
            under,
            po_price,
            rule.price_under_pct,
            rule.price_under_abs.and_then(|a| a.checked_div(rate)),
        ) {
            Status::WithinTolerance
        } else {
            Status::PriceBelowPo
        };
        findings.push(Finding {
            status,
            what: What::PriceBelowPo {
                price,
                po: po.id,
                po_price,
                under,
            },
        });
    }
    Ok(())
}

/// Price vs the contract price, a leg of its own (not for credit notes).
pub(super) fn check_contract(
    line: &Line<'_>,
    contract: Option<Decimal>,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let (Some(cp), false) = (contract, line.x.refund) else {
        return Ok(());
    };
    let (price, rule) = (line.price, line.rule);
    if line.index.price_precision.compare(price, cp)?.is_gt() {
        let diff = price - cp;
        let ok = within(
            diff,
            cp,
            rule.price_over_pct,
            rule.price_over_abs.and_then(|a| a.checked_div(line.x.rate)),
        );
        findings.push(Finding {
            status: if ok {
                Status::WithinTolerance
            } else {
                Status::PriceAboveContract
            },
            what: What::PriceAboveContract {
                price,
                contract: cp,
                diff,
                ok,
            },
        });
    }
    Ok(())
}

/// A bill that looks like a duplicate of an earlier one.
pub(super) fn check_duplicate(line: &Line<'_>, findings: &mut Vec<Finding>) {
    if let Some(original) = line.index.suspects.get(&line.x.bill_id) {
        findings.push(Finding {
            status: Status::Duplicate,
            what: What::Duplicate {
                original: *original,
            },
        });
    }
}
