//! Lookups built once per run: locations (with their shard), external
//! location and product codes, products (category, risk, cost, rounding,
//! pack factors), packs and lots. Input rows are checked as they are indexed.

use std::borrow::Cow;

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::barcode;
use super::input::{CodeKind, Codes, Input, Locations, Lots, Packs, Products, NO_DATE};
use super::validate::{code_row, mapped_once, pack_row, product_precision};
use crate::error::Result;
use crate::numeric::Precision;

pub(crate) struct ProductInfo {
    pub(super) category: i64,
    pub(super) risk: i64,
    pub(super) cost: Decimal,
    pub(crate) precision: Precision,
    pub(crate) tracked: bool,
    /// Pack factors other than 1, ascending.
    pub(super) factors: Vec<Decimal>,
}

pub(crate) struct Index<'a> {
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
pub(crate) fn code_key(kind: CodeKind, code: &str) -> std::result::Result<Cow<'_, str>, String> {
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
    Index::build(
        &input.locations,
        &input.codes,
        &input.products,
        &input.packs,
        &input.lots,
    )
}

impl<'a> Index<'a> {
    /// The lookups of the master data, each row checked as it is indexed
    /// (the engines that map external codes share them).
    pub(crate) fn build(
        locations: &'a Locations,
        codes: &Codes,
        products: &Products,
        packs: &'a Packs,
        lots: &'a Lots,
    ) -> Result<Self> {
        let (locations, location_codes, shards) = index_locations(locations)?;
        let mut products = index_products(products)?;
        let codes = index_codes(codes, &mut products)?;
        let packs = index_packs(packs, &mut products)?;
        for info in products.values_mut() {
            info.factors.sort_unstable();
        }
        let (lots_by_name, lots) = index_lots(lots);
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

    /// The location an external code or GLN names.
    pub(crate) fn location(&self, code: &str) -> Option<i64> {
        self.location_codes.get(code.trim()).copied()
    }

    /// The product a code (its lookup key, see [`code_key`]) names, and how
    /// many product units one unit of that code holds.
    pub(crate) fn product(&self, kind: CodeKind, key: &str) -> Option<(i64, Decimal)> {
        self.codes[kind as usize].get(key).copied()
    }

    pub(crate) fn info(&self, product: i64) -> Option<&ProductInfo> {
        self.products.get(&product)
    }

    /// Product units in one `unit` (trimmed) of `product`: its own pack,
    /// else a pack of any product (product 0).
    pub(crate) fn pack(&self, product: i64, unit: &str) -> Option<Decimal> {
        let unit = unit.trim();
        self.packs
            .get(&(product, unit))
            .or_else(|| self.packs.get(&(0, unit)))
            .copied()
    }

    /// The id of `product`'s lot called `name`.
    pub(crate) fn lot(&self, product: i64, name: &str) -> Option<i64> {
        self.lots_by_name.get(&(product, name)).copied()
    }

    /// A lot's expiry ([`NO_DATE`]: none, or no such lot).
    pub(crate) fn lot_expiry(&self, lot_id: i64) -> i32 {
        self.lots.get(&lot_id).map_or(NO_DATE, |(_, e)| *e)
    }
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
