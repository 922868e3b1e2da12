//! Snapshot rows mapped to Odoo: the product code read (a bar code gives
//! its lot, expiry and count), the location, product, counting unit and lot
//! looked up, the quantity converted to product units; and the lots Odoo
//! does not know, ranked so that keys sort the same way every run.

use std::borrow::Cow;
use std::collections::BTreeMap;

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::barcode::{self, Parsed};
use super::index::{code_key, Index, ProductInfo};
use super::input::{CodeKind, Snapshot, NO_DATE};
use super::output::RowStatus;
use super::validate::input_err;
use crate::error::Result;
use crate::numeric::RoundingMethod;

/// A snapshot row after mapping: where it goes and how much, in product UoM.
pub(super) struct Resolved<'a> {
    pub(super) status: RowStatus,
    pub(super) location: i64,
    pub(super) product: i64,
    pub(super) lot_id: i64,
    /// A lot name Odoo does not know for this product (else empty).
    pub(super) unknown_lot: Cow<'a, str>,
    pub(super) expiry: i32,
    pub(super) qty: Decimal,
}

/// A row's product code, read: the kind and key to look up, product units
/// per counted unit so far (a bar code's count), and the row's lot and
/// expiry as completed by a bar code.
struct Code<'a> {
    kind: CodeKind,
    key: Cow<'a, str>,
    factor: Decimal,
    lot: Cow<'a, str>,
    expiry: i32,
}

pub(super) fn resolve_row<'a>(
    ix: &Index,
    s: &'a Snapshot,
    i: usize,
    reference_year: i32,
) -> Result<Resolved<'a>> {
    let code = read_code(s, i, reference_year)?;
    let mut r = Resolved {
        status: RowStatus::Mapped,
        location: 0,
        product: 0,
        lot_id: 0,
        unknown_lot: Cow::Borrowed(""),
        expiry: code.expiry,
        qty: s.qty[i],
    };
    match ix.location_codes.get(s.location_code[i].trim()) {
        Some(l) => r.location = *l,
        None => {
            r.status = RowStatus::UnknownLocation;
            return Ok(r);
        }
    }
    let Some((product, code_factor)) = ix.codes[code.kind as usize].get(code.key.as_ref()) else {
        r.status = RowStatus::UnknownProduct;
        return Ok(r);
    };
    r.product = *product;
    let mut factor = code.factor * code_factor;
    let unit = s.unit[i].trim();
    if !unit.is_empty() {
        match ix
            .packs
            .get(&(*product, unit))
            .or_else(|| ix.packs.get(&(0, unit)))
        {
            Some(f) => factor *= f,
            None => {
                r.status = RowStatus::UnknownUnit;
                return Ok(r);
            }
        }
    }
    let info = &ix.products[product];
    r.qty = in_product_units(info, r.qty, factor, i)?;
    if !code.lot.is_empty() && info.tracked {
        match ix.lots_by_name.get(&(*product, code.lot.as_ref())) {
            Some(id) => r.lot_id = *id,
            None => r.unknown_lot = code.lot,
        }
    }
    Ok(r)
}

/// The product code of row `i`: a GS1 string or a full HIBC bar code is
/// parsed, any other code keyed as its kind says.
fn read_code<'a>(s: &'a Snapshot, i: usize, reference_year: i32) -> Result<Code<'a>> {
    let kind = s.kind[i];
    let code = s.product_code[i].trim();
    let parsed = match kind {
        CodeKind::Gs1 => Some(barcode::parse_gs1(code, reference_year)),
        CodeKind::Hibc if code.starts_with('+') => Some(barcode::parse_hibc(code, reference_year)),
        _ => None,
    };
    match parsed {
        Some(p) => {
            let p = p.map_err(|e| input_err("snapshot.product_code", i, e))?;
            from_barcode(s, i, kind, p)
        }
        None => Ok(Code {
            kind,
            key: code_key(kind, code).map_err(|e| input_err("snapshot.product_code", i, e))?,
            factor: Decimal::ONE,
            lot: Cow::Borrowed(s.lot[i].trim()),
            expiry: s.expiry[i],
        }),
    }
}

/// A parsed bar code: its lot and expiry must agree with the row's (when
/// both are given); its product is looked up as a GTIN or an HIBC primary.
fn from_barcode<'a>(s: &'a Snapshot, i: usize, kind: CodeKind, p: Parsed) -> Result<Code<'a>> {
    let mut lot: Cow<'a, str> = Cow::Borrowed(s.lot[i].trim());
    let mut expiry = s.expiry[i];
    if let Some(bl) = p.lot {
        if !lot.is_empty() && *lot != *bl {
            return Err(input_err(
                "snapshot.lot",
                i,
                format!("{lot:?} differs from the bar code's lot {bl:?}"),
            ));
        }
        lot = Cow::Owned(bl);
    }
    if let Some(be) = p.expiry {
        if expiry != NO_DATE && expiry != be {
            return Err(input_err(
                "snapshot.expiry",
                i,
                "differs from the bar code's expiry",
            ));
        }
        expiry = be;
    }
    Ok(Code {
        kind: if kind == CodeKind::Gs1 {
            CodeKind::Gtin
        } else {
            CodeKind::Hibc
        },
        key: Cow::Owned(p.product),
        factor: p.quantity.map_or(Decimal::ONE, Decimal::from),
        lot,
        expiry,
    })
}

/// `qty` counted units of `factor` product units each, rounded to the
/// product's UoM (an error for row `i` when too large).
fn in_product_units(
    info: &ProductInfo,
    qty: Decimal,
    factor: Decimal,
    i: usize,
) -> Result<Decimal> {
    let overflow = || input_err("snapshot.qty", i, "too large once converted");
    let q = qty.checked_mul(factor).ok_or_else(overflow)?;
    info.precision
        .round(q, RoundingMethod::HalfUp)
        .map_err(|_| overflow())
}

/// Lots Odoo does not know, ranked by (product, name) from 1 (0: a known
/// lot or none), so that keys sort the same way every run.
pub(super) struct UnknownLots<'a> {
    pub(super) rank: HashMap<(i64, &'a str), u32>,
    /// Name per rank ("" at 0).
    pub(super) names: Vec<&'a str>,
}

impl<'a> UnknownLots<'a> {
    pub(super) fn rank(resolved: &'a [Resolved<'a>]) -> Self {
        let sorted: BTreeMap<(i64, &str), u32> = resolved
            .iter()
            .filter(|r| !r.unknown_lot.is_empty())
            .map(|r| ((r.product, r.unknown_lot.as_ref()), 0))
            .collect();
        let rank: HashMap<(i64, &str), u32> = sorted
            .keys()
            .enumerate()
            .map(|(k, key)| (*key, k as u32 + 1))
            .collect();
        let mut names = vec![""; rank.len() + 1];
        for ((_, name), k) in &rank {
            names[*k as usize] = name;
        }
        UnknownLots { rank, names }
    }
}
