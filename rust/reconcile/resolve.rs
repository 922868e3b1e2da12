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

/// A product code, read: the kind and key to look it up by, and what a bar
/// code carries besides (count, lot, expiry).
pub(crate) struct Code<'a> {
    pub(crate) kind: CodeKind,
    pub(crate) key: Cow<'a, str>,
    /// Code units the bar code counts (1 without a count).
    pub(crate) count: Decimal,
    pub(crate) lot: Option<String>,
    pub(crate) expiry: Option<i32>,
}

/// The field of a row at fault when its code disagrees with the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Lot,
    Expiry,
}

pub(super) fn resolve_row<'a>(
    ix: &Index,
    s: &'a Snapshot,
    i: usize,
    reference_year: i32,
) -> Result<Resolved<'a>> {
    let code = read_code(s.kind[i], &s.product_code[i], reference_year)
        .map_err(|e| input_err("snapshot.product_code", i, e))?;
    let (lot, expiry) = with_barcode(&s.lot[i], s.expiry[i], &code).map_err(|(f, e)| {
        let field = match f {
            Fault::Lot => "snapshot.lot",
            Fault::Expiry => "snapshot.expiry",
        };
        input_err(field, i, e)
    })?;
    let mut r = Resolved {
        status: RowStatus::Mapped,
        location: 0,
        product: 0,
        lot_id: 0,
        unknown_lot: Cow::Borrowed(""),
        expiry,
        qty: s.qty[i],
    };
    match ix.location(&s.location_code[i]) {
        Some(l) => r.location = l,
        None => {
            r.status = RowStatus::UnknownLocation;
            return Ok(r);
        }
    }
    let Some((product, code_factor)) = ix.product(code.kind, &code.key) else {
        r.status = RowStatus::UnknownProduct;
        return Ok(r);
    };
    r.product = product;
    let unit = s.unit[i].trim();
    let pack = if unit.is_empty() {
        Decimal::ONE
    } else {
        match ix.pack(product, unit) {
            Some(f) => f,
            None => {
                r.status = RowStatus::UnknownUnit;
                return Ok(r);
            }
        }
    };
    let info = &ix.products[&product];
    r.qty = in_product_units(info, r.qty, &[code.count, code_factor, pack])
        .ok_or_else(|| input_err("snapshot.qty", i, "too large once converted"))?;
    if !lot.is_empty() && info.tracked {
        match ix.lot(product, &lot) {
            Some(id) => r.lot_id = id,
            None => r.unknown_lot = lot,
        }
    }
    Ok(r)
}

/// Read a product code (trimmed) of `kind`: a GS1 string or a full HIBC bar
/// code (one that starts with `+`) is parsed, any other code keyed as its
/// kind says. The error says what is wrong with the code.
pub(crate) fn read_code(
    kind: CodeKind,
    code: &str,
    reference_year: i32,
) -> std::result::Result<Code<'_>, String> {
    let code = code.trim();
    let parsed = match kind {
        CodeKind::Gs1 => barcode::parse_gs1(code, reference_year)?,
        CodeKind::Hibc if code.starts_with('+') => barcode::parse_hibc(code, reference_year)?,
        _ => {
            return Ok(Code {
                kind,
                key: code_key(kind, code)?,
                count: Decimal::ONE,
                lot: None,
                expiry: None,
            })
        }
    };
    Ok(from_barcode(kind, parsed))
}

/// A parsed bar code: its product is looked up as a GTIN or an HIBC primary.
fn from_barcode(kind: CodeKind, p: Parsed) -> Code<'static> {
    Code {
        kind: if kind == CodeKind::Gs1 {
            CodeKind::Gtin
        } else {
            CodeKind::Hibc
        },
        key: Cow::Owned(p.product),
        count: p.quantity.map_or(Decimal::ONE, Decimal::from),
        lot: p.lot,
        expiry: p.expiry,
    }
}

/// A row's lot (trimmed) and expiry completed by its code's: where both
/// give one, they must agree.
pub(crate) fn with_barcode<'a>(
    lot: &'a str,
    expiry: i32,
    code: &Code,
) -> std::result::Result<(Cow<'a, str>, i32), (Fault, String)> {
    let mut lot = Cow::Borrowed(lot.trim());
    let mut expiry = expiry;
    if let Some(bl) = &code.lot {
        if !lot.is_empty() && *lot != **bl {
            return Err((
                Fault::Lot,
                format!("{lot:?} differs from the bar code's lot {bl:?}"),
            ));
        }
        lot = Cow::Owned(bl.clone());
    }
    if let Some(be) = code.expiry {
        if expiry != NO_DATE && expiry != be {
            return Err((Fault::Expiry, "differs from the bar code's expiry".into()));
        }
        expiry = be;
    }
    Ok((lot, expiry))
}

/// `qty` counted units of the product of `factors` product units each,
/// rounded to the product's UoM; `None` when too large.
pub(crate) fn in_product_units(
    info: &ProductInfo,
    qty: Decimal,
    factors: &[Decimal],
) -> Option<Decimal> {
    let q = factors.iter().try_fold(qty, |q, f| q.checked_mul(*f))?;
    info.precision.round(q, RoundingMethod::HalfUp).ok()
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
