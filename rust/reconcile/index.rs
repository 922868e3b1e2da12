//! Lookups built once per run: locations (with their shard), external
//! location and product codes, products (category, risk, cost, rounding,
//! pack factors), packs and lots. Input rows are checked as they are indexed.

use std::borrow::Cow;

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::barcode;
use super::input::{CodeKind, Codes, Input, Locations, Lots, Packs, Products};
use super::validate::{code_row, mapped_once, pack_row, product_precision};
use crate::error::Result;
use crate::numeric::Precision;

pub(super) struct ProductInfo {
    pub(super) category: i64,
    pub(super) risk: i64,
    pub(super) cost: Decimal,
    pub(super) precision: Precision,
    pub(super) tracked: bool,
    /// Pack factors other than 1, ascending.
    pub(super) factors: Vec<Decimal>,
}

pub(super) struct Index<'a> {
    /// location id -> (shard, counted)
    pub(super) locations: HashMap<i64, (u32, bool)>,
    pub(super) location_codes: HashMap<&'a str, i64>,
    /// per code kind (ref, vendor, gtin, hibc): code -> (product, factor)
    pub(super) codes: [HashMap<String, (i64, Decimal)>; 5],
    pub(super) products: HashMap<i64, ProductInfo>,
    pub(super) packs: HashMap<(i64, &'a str), Decimal>,
    pub(super) lots_by_name: HashMap<(i64, &'a str), i64>,
    pub(super) lots: HashMap<i64, (usize, i32)>,
    pub(super) shards: usize,
}

/// A product code as it is looked up: trimmed, a GTIN as 14 digits, an HIBC
/// code upper case without its leading `+`.
pub(super) fn code_key(kind: CodeKind, code: &str) -> std::result::Result<Cow<'_, str>, String> {
    let code = code.trim();
    match kind {
        CodeKind::Gtin if code.len() == 14 => barcode::gtin14(code).map(|_| Cow::Borrowed(code)),
        CodeKind::Gtin => barcode::gtin14(code).map(Cow::Owned),
        CodeKind::Hibc => Ok(Cow::Owned(
            code.trim_start_matches('+').to_ascii_uppercase(),
        )),
        _ => Ok(Cow::Borrowed(code)),
    }
}

pub(super) fn build_index(input: &Input) -> Result<Index<'_>> {
    let (locations, location_codes, shards) = index_locations(&input.locations)?;
    let mut products = index_products(&input.products)?;
    let codes = index_codes(&input.codes, &mut products)?;
    let packs = index_packs(&input.packs, &mut products)?;
    for info in products.values_mut() {
        info.factors.sort_unstable();
    }
    let (lots_by_name, lots) = index_lots(&input.lots);
    Ok(Index {
        locations,
        location_codes,
        codes,
        products,
        packs,
        lots_by_name,
        lots,
        shards,
    })
}

type LocationIndex<'a> = (HashMap<i64, (u32, bool)>, HashMap<&'a str, i64>, usize);

/// Locations sharded by id (contiguous ranges, at most 256 shards), counted
/// if any of their rows says so, and their external codes.
fn index_locations(loc: &Locations) -> Result<LocationIndex<'_>> {
    let mut ids: Vec<i64> = loc.location_id.clone();
    ids.sort_unstable();
    ids.dedup();
    let shards = ids.len().clamp(1, 256);
    let mut locations = HashMap::with_capacity(ids.len());
    for (k, id) in ids.iter().enumerate() {
        locations.insert(*id, (((k * shards) / ids.len()) as u32, false));
    }
    let mut location_codes = HashMap::new();
    for i in 0..loc.location_id.len() {
        if let Some(v) = locations.get_mut(&loc.location_id[i]) {
            v.1 |= loc.counted[i];
        }
        let code = loc.code[i].trim();
        if code.is_empty() {
            continue;
        }
        let prev = location_codes.insert(code, loc.location_id[i]);
        mapped_once(
            "locations.code",
            i,
            code,
            "locations",
            prev,
            loc.location_id[i],
        )?;
    }
    Ok((locations, location_codes, shards))
}

fn index_products(p: &Products) -> Result<HashMap<i64, ProductInfo>> {
    let mut products = HashMap::with_capacity(p.product_id.len());
    for i in 0..p.product_id.len() {
        let precision = product_precision(p, i)?;
        products.insert(
            p.product_id[i],
            ProductInfo {
                category: p.category_id[i],
                risk: p.risk_class[i],
                cost: p.cost[i],
                precision,
                tracked: p.tracked[i],
                factors: Vec::new(),
            },
        );
    }
    Ok(products)
}

/// Record `f` as one of `product`'s pack factors (a UoM error is a
/// difference by one of them).
fn add_factor(products: &mut HashMap<i64, ProductInfo>, product: i64, f: Decimal) {
    if let Some(info) = products.get_mut(&product) {
        let f = f.normalize();
        if f != Decimal::ONE && !info.factors.contains(&f) {
            info.factors.push(f);
        }
    }
}

fn index_codes(
    c: &Codes,
    products: &mut HashMap<i64, ProductInfo>,
) -> Result<[HashMap<String, (i64, Decimal)>; 5]> {
    let mut codes: [HashMap<String, (i64, Decimal)>; 5] = Default::default();
    for i in 0..c.code.len() {
        let key = code_row(c, i, |p| products.contains_key(&p))?;
        add_factor(products, c.product_id[i], c.factor[i]);
        let prev = codes[c.kind[i] as usize].insert(key, (c.product_id[i], c.factor[i]));
        mapped_once(
            "codes.code",
            i,
            &c.code[i],
            "products",
            prev.map(|(p, _)| p),
            c.product_id[i],
        )?;
    }
    Ok(codes)
}

fn index_packs<'a>(
    pk: &'a Packs,
    products: &mut HashMap<i64, ProductInfo>,
) -> Result<HashMap<(i64, &'a str), Decimal>> {
    let mut packs = HashMap::with_capacity(pk.unit.len());
    for i in 0..pk.unit.len() {
        pack_row(pk, i)?;
        packs.insert((pk.product_id[i], pk.unit[i].trim()), pk.factor[i]);
        if pk.product_id[i] != 0 {
            add_factor(products, pk.product_id[i], pk.factor[i]);
        }
    }
    Ok(packs)
}

type LotIndex<'a> = (HashMap<(i64, &'a str), i64>, HashMap<i64, (usize, i32)>);

/// Lots by (product, name), and each lot's row and expiry by id.
fn index_lots(l: &Lots) -> LotIndex<'_> {
    let mut lots_by_name = HashMap::with_capacity(l.lot_id.len());
    let mut lots = HashMap::with_capacity(l.lot_id.len());
    for i in 0..l.lot_id.len() {
        lots_by_name.insert((l.product_id[i], l.name[i].as_str()), l.lot_id[i]);
        lots.insert(l.lot_id[i], (i, l.expiry[i]));
    }
    (lots_by_name, lots)
}
