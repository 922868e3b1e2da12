//! Input checks, each an error naming its table, column and row: positive
//! factors and rounding steps, one target per external code, codes that
//! name known products, quants and moves about known places and products.
//! Each check runs where the row is read, so the first bad row reported is
//! the same as the order of reading.

use rust_decimal::Decimal;

use super::index::{code_key, Index};
use super::input::{CodeKind, Codes, Input, Packs, Products};
use crate::error::{Error, Location, Result};
use crate::numeric::Precision;

pub(super) fn input_err(field: &str, row: usize, msg: impl Into<String>) -> Error {
    Error::input(Location::row(field.to_string(), row), msg)
}

/// An external code maps to one Odoo record: `prev` (the record an earlier
/// row mapped `code` to, if any) must be `now`.
pub(super) fn mapped_once(
    field: &str,
    row: usize,
    code: &str,
    what: &str,
    prev: Option<i64>,
    now: i64,
) -> Result<()> {
    match prev {
        Some(prev) if prev != now => Err(input_err(
            field,
            row,
            format!("{code:?} is mapped to {what} {prev} and {now}"),
        )),
        _ => Ok(()),
    }
}

/// The UoM rounding step of product row `i`.
pub(super) fn product_precision(p: &Products, i: usize) -> Result<Precision> {
    Precision::from_step(p.rounding[i])
        .map_err(|_| input_err("products.rounding", i, "must be a positive step"))
}

/// Code row `i` checked (positive factor, not a GS1 string, a valid code of
/// its kind, a known product); its lookup key.
pub(super) fn code_row(c: &Codes, i: usize, known_product: impl Fn(i64) -> bool) -> Result<String> {
    if c.factor[i] <= Decimal::ZERO {
        return Err(input_err("codes.factor", i, "must be positive"));
    }
    if matches!(c.kind[i], CodeKind::Gs1) {
        return Err(input_err(
            "codes.kind",
            i,
            "map the GTIN (kind gtin), not a GS1 element string",
        ));
    }
    let key = code_key(c.kind[i], &c.code[i])
        .map_err(|e| input_err("codes.code", i, e))?
        .into_owned();
    if !known_product(c.product_id[i]) {
        return Err(input_err(
            "codes.product_id",
            i,
            format!("product {} is not in products", c.product_id[i]),
        ));
    }
    Ok(key)
}

/// Pack row `i` has a positive factor.
pub(super) fn pack_row(pk: &Packs, i: usize) -> Result<()> {
    if pk.factor[i] <= Decimal::ZERO {
        return Err(input_err("packs.factor", i, "must be positive"));
    }
    Ok(())
}

/// Quants and moves must be at known places, about known products.
pub(super) fn references(input: &Input, ix: &Index) -> Result<()> {
    let q = &input.quants;
    for i in 0..q.qty.len() {
        if !ix.locations.contains_key(&q.location_id[i]) {
            return Err(input_err(
                "quants.location_id",
                i,
                format!("location {} is not in locations", q.location_id[i]),
            ));
        }
        if !ix.products.contains_key(&q.product_id[i]) {
            return Err(input_err(
                "quants.product_id",
                i,
                format!("product {} is not in products", q.product_id[i]),
            ));
        }
    }
    let m = &input.moves;
    for i in 0..m.qty.len() {
        let tracked = ix.locations.contains_key(&m.location_id[i])
            || ix.locations.contains_key(&m.location_dest_id[i]);
        if tracked && !ix.products.contains_key(&m.product_id[i]) {
            return Err(input_err(
                "moves.product_id",
                i,
                format!("product {} is not in products", m.product_id[i]),
            ));
        }
    }
    Ok(())
}
