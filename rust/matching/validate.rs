//! Validation: every table checked before anything is matched; the first
//! error found, in a fixed order (table by table, column by column, lowest
//! row first).

use rust_decimal::Decimal;

use super::input::{BillLines, Billed, Contracts, Input, PoLines, Receipts};
use crate::error::{Error, Location, Result};
use crate::ids::{IdIndex, NO_ROW};
use crate::numeric::negative;
use crate::pool::{self, first_row};

impl Input {
    /// Check every table; the first error found, in a fixed order (table by
    /// table, column by column, lowest row first).
    pub fn validate(&self) -> Result<()> {
        pool::install(|| self.checked_po_ids()).and_then(|r| r.map(|_| ()))
    }

    /// Validate, and index the PO lines by id on the way.
    pub(super) fn checked_po_ids(&self) -> Result<IdIndex> {
        check_lines(&self.lines)?;
        let po_ids = check_po_lines(&self.po_lines)?;
        check_receipts(&self.receipts)?;
        check_billed(&self.billed)?;
        check_contracts(&self.contracts)?;
        Ok(po_ids)
    }
}

fn check_lines(l: &BillLines) -> Result<()> {
    let n = l.line_id.len();
    for (f, len) in [
        ("bill_id", l.bill_id.len()),
        ("vendor_id", l.vendor_id.len()),
        ("company_id", l.company_id.len()),
        ("product_id", l.product_id.len()),
        ("category_id", l.category_id.len()),
        ("level", l.level.len()),
        ("qty", l.qty.len()),
        ("uom_ratio", l.uom_ratio.len()),
        ("qty_rounding", l.qty_rounding.len()),
        ("price_unit", l.price_unit.len()),
        ("discount", l.discount.len()),
        ("currency_id", l.currency_id.len()),
        ("rate", l.rate.len()),
        ("date", l.date.len()),
        ("po_line_id", l.po_line_id.len()),
        ("is_refund", l.is_refund.len()),
    ] {
        check_len("lines", f, len, n)?;
    }
    check_non_negative("lines", "qty", &l.qty)?;
    check_positive("lines", "uom_ratio", &l.uom_ratio)?;
    check_positive("lines", "qty_rounding", &l.qty_rounding)?;
    check_non_negative("lines", "price_unit", &l.price_unit)?;
    check_percent("lines", "discount", &l.discount)?;
    check_positive("lines", "rate", &l.rate)?;
    unique_ids("lines.line_id", &l.line_id)?;
    Ok(())
}

/// Check the PO lines, and index them by id.
fn check_po_lines(p: &PoLines) -> Result<IdIndex> {
    let m = p.po_line_id.len();
    for (f, len) in [
        ("vendor_id", p.vendor_id.len()),
        ("product_id", p.product_id.len()),
        ("order_date", p.order_date.len()),
        ("qty_ordered", p.qty_ordered.len()),
        ("price_unit", p.price_unit.len()),
        ("discount", p.discount.len()),
        ("uom_ratio", p.uom_ratio.len()),
        ("currency_id", p.currency_id.len()),
        ("rate", p.rate.len()),
        ("qty_consumed", p.qty_consumed.len()),
    ] {
        check_len("po_lines", f, len, m)?;
    }
    check_non_negative("po_lines", "qty_ordered", &p.qty_ordered)?;
    check_non_negative("po_lines", "price_unit", &p.price_unit)?;
    check_percent("po_lines", "discount", &p.discount)?;
    check_positive("po_lines", "uom_ratio", &p.uom_ratio)?;
    check_positive("po_lines", "rate", &p.rate)?;
    unique_ids("po_lines.po_line_id", &p.po_line_id)
}

fn check_receipts(r: &Receipts) -> Result<()> {
    check_len("receipts", "qty", r.qty.len(), r.po_line_id.len())?;
    check_len("receipts", "date", r.date.len(), r.po_line_id.len())
}

fn check_billed(b: &Billed) -> Result<()> {
    check_len("billed", "bill_id", b.bill_id.len(), b.po_line_id.len())?;
    check_len("billed", "date", b.date.len(), b.po_line_id.len())?;
    check_len("billed", "qty", b.qty.len(), b.po_line_id.len())
}

fn check_contracts(c: &Contracts) -> Result<()> {
    let k = c.vendor_id.len();
    for (f, len) in [
        ("product_id", c.product_id.len()),
        ("currency_id", c.currency_id.len()),
        ("price", c.price.len()),
        ("min_qty", c.min_qty.len()),
        ("date_start", c.date_start.len()),
        ("date_end", c.date_end.len()),
    ] {
        check_len("contracts", f, len, k)?;
    }
    check_non_negative("contracts", "price", &c.price)
}

fn check_len(table: &str, field: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(Error::input(
            Location::field(format!("{table}.{field}")),
            format!("has {got} rows, expected {want}"),
        ))
    }
}

fn check_rows(
    table: &str,
    field: &str,
    values: &[Decimal],
    bad: impl Fn(&Decimal) -> bool + Sync + Send,
    what: &str,
) -> Result<()> {
    match first_row(values, bad) {
        Some(i) => Err(Error::input(
            Location::row(format!("{table}.{field}"), i),
            format!("{what}, got {}", values[i]),
        )),
        None => Ok(()),
    }
}

fn check_positive(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    check_rows(
        table,
        field,
        values,
        |v| negative(v) || v.is_zero(),
        "must be positive",
    )
}

fn check_non_negative(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    let what = format!("must be between 0 and {}", Decimal::MAX);
    check_rows(table, field, values, negative, &what)
}

fn check_percent(table: &str, field: &str, values: &[Decimal]) -> Result<()> {
    check_rows(
        table,
        field,
        values,
        |v| negative(v) || (!v.is_zero() && *v > Decimal::ONE_HUNDRED),
        "must be between 0 and 100",
    )
}

fn unique_ids(field: &str, ids: &[i64]) -> Result<IdIndex> {
    if ids.len() >= NO_ROW as usize {
        return Err(Error::input(
            Location::field(field.to_string()),
            format!("{} rows: more than one batch can hold", ids.len()),
        ));
    }
    IdIndex::build(ids)
        .map_err(|(row, _)| Error::input(Location::row(field.to_string(), row), "appears twice"))
}
