//! A bill line as the engine takes it: gathered into one row, then put in
//! normal form (rule 1) with the tolerance rule that applies to it.

use rust_decimal::Decimal;

use super::index::Index;
use super::input::Level;
use super::tolerance::{Rule, Scope};
use crate::error::{Error, Location, Result};
use crate::numeric::{Precision, RoundingMethod};

/// A bill line's inputs, gathered from the columns: a vendor's lines are
/// matched from one contiguous array instead of from a row scattered over
/// every column (a cache and TLB miss per field on a large batch).
#[derive(Clone, Copy)]
pub(super) struct LineIn {
    pub(super) row: u32,
    pub(super) level: Level,
    pub(super) refund: bool,
    pub(super) qty_step: u16,
    pub(super) date: i32,
    pub(super) line_id: i64,
    pub(super) bill_id: i64,
    pub(super) company_id: i64,
    pub(super) vendor_id: i64,
    pub(super) category_id: i64,
    pub(super) product_id: i64,
    pub(super) currency_id: i64,
    pub(super) po_line_id: i64,
    pub(super) qty: Decimal,
    pub(super) uom_ratio: Decimal,
    pub(super) price_unit: Decimal,
    pub(super) discount: Decimal,
    pub(super) rate: Decimal,
}

impl LineIn {
    pub(super) fn gather(index: &Index<'_>, row: u32) -> Self {
        let l = &index.input.lines;
        let i = row as usize;
        LineIn {
            row,
            level: l.level[i],
            refund: l.is_refund[i],
            qty_step: index.qty_step[i],
            date: l.date[i],
            line_id: l.line_id[i],
            bill_id: l.bill_id[i],
            company_id: l.company_id[i],
            vendor_id: l.vendor_id[i],
            category_id: l.category_id[i],
            product_id: l.product_id[i],
            currency_id: l.currency_id[i],
            po_line_id: l.po_line_id[i],
            qty: l.qty[i],
            uom_ratio: l.uom_ratio[i],
            price_unit: l.price_unit[i],
            discount: l.discount[i],
            rate: l.rate[i],
        }
    }
}

/// A bill line in normal form (rule 1), with the tolerance rule that applies
/// to it: what allocation, checks and explanation read.
pub(super) struct Line<'a> {
    pub(super) index: &'a Index<'a>,
    pub(super) x: &'a LineIn,
    /// The product unit's rounding.
    pub(super) qty_precision: Precision,
    /// Billed, in the product unit, rounded up at its step.
    pub(super) qty_abs: Decimal,
    /// The same, negative for credit notes.
    pub(super) signed: Decimal,
    /// Net unit price per product unit, bill currency.
    pub(super) price: Decimal,
    pub(super) rule: &'a Rule,
    pub(super) scope: Option<Scope>,
}

impl<'a> Line<'a> {
    pub(super) fn new(index: &'a Index<'a>, x: &'a LineIn) -> Result<Self> {
        let qty_precision = index.steps[x.qty_step as usize];
        let qty_abs = qty_precision.round(
            x.qty
                .checked_mul(x.uom_ratio)
                .ok_or_else(|| overflow(x.row))?,
            RoundingMethod::Up,
        )?;
        let signed = if x.refund { -qty_abs } else { qty_abs };
        let price =
            net_price(x.price_unit, x.discount, x.uom_ratio).ok_or_else(|| overflow(x.row))?;
        let (rule, scope) =
            index
                .input
                .rules
                .resolve(x.company_id, x.vendor_id, x.category_id, x.product_id);
        Ok(Line {
            index,
            x,
            qty_precision,
            qty_abs,
            signed,
            price,
            rule,
            scope,
        })
    }

    /// An overflow on this line.
    pub(super) fn overflow(&self) -> Error {
        overflow(self.x.row)
    }
}

fn overflow(row: u32) -> Error {
    Error::Overflow {
        at: Location::row("lines", row as usize),
    }
}

/// Unit price per product unit, net of discount. Decimal division is the
/// costly step, so the usual case (no discount, the product's own unit) skips it.
pub(super) fn net_price(
    price_unit: Decimal,
    discount: Decimal,
    uom_ratio: Decimal,
) -> Option<Decimal> {
    let net = if discount.is_zero() {
        price_unit
    } else {
        let factor = Decimal::ONE.checked_sub(discount.checked_div(Decimal::ONE_HUNDRED)?)?;
        price_unit.checked_mul(factor)?
    };
    if uom_ratio == Decimal::ONE {
        Some(net)
    } else {
        net.checked_div(uom_ratio)
    }
}
