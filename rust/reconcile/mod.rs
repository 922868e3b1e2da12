//! Inventory balance reconciliation: an external balance snapshot (warehouse
//! tool, supply cabinet, site count) against Odoo's quants and against
//! Odoo's own move history, per key (location, product, lot).
//!
//! Per key the engine computes
//! - the external balance (snapshot rows mapped to Odoo keys, in product UoM),
//! - the quant balance now, and the move-history balance now (done move lines
//!   into the location minus out of it),
//! - the net of the moves dated after the snapshot time, so that both can be
//!   rolled back to the snapshot time: Odoo's balance then is
//!   `quant - after` (what Odoo reports for a past date),
//! - the difference `external - odoo_at` and its value at cost,
//!
//! and classifies it (see [`Class`]); integrity flags (negative quant, quant
//! differing from the move history, expired stock on hand) are computed for
//! every key. Tolerance rules (location / category / risk class) choose
//! auto-approval, one approver or four eyes.
//!
//! Work is sharded by location (contiguous ranges of location ids), shards
//! run in parallel, and the output is sorted by key whatever the thread
//! count. Quantities are `Decimal`s rounded to each product's UoM rounding
//! (HALF-UP, as Odoo), values to `value_rounding`.

pub mod barcode;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::BTreeMap;

use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::error::{Error, Location, Result};
use crate::numeric::{Precision, RoundingMethod};
use crate::pool;

/// "No date" in date columns (days since 1970-01-01).
pub const NO_DATE: i32 = i32::MIN;

/// How a snapshot row names its product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeKind {
    /// Odoo internal reference (`default_code`).
    Ref,
    /// Vendor catalogue number.
    Vendor,
    /// A GTIN-8/12/13/14 (any packaging level).
    Gtin,
    /// A GS1 element string (GTIN + lot + expiry…), read through [`barcode::parse_gs1`].
    Gs1,
    /// An HIBC LIC bar code, or its primary data `LIC PCN U/M` as a mapping key.
    Hibc,
}

impl CodeKind {
    pub const NAMES: [&'static str; 5] = ["ref", "vendor", "gtin", "gs1", "hibc"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ref" | "" => CodeKind::Ref,
            "vendor" => CodeKind::Vendor,
            "gtin" => CodeKind::Gtin,
            "gs1" => CodeKind::Gs1,
            "hibc" | "hibcc" => CodeKind::Hibc,
            _ => return None,
        })
    }
}

/// External snapshot rows.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub location_code: Vec<String>,
    pub product_code: Vec<String>,
    pub kind: Vec<CodeKind>,
    pub lot: Vec<String>,
    pub expiry: Vec<i32>,
    pub qty: Vec<Decimal>,
    pub unit: Vec<String>,
}

/// Every location the reconciliation tracks (internal locations). `code` is
/// the external code or GLN mapped to it (empty: none); `counted` marks the
/// locations a full snapshot covers.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    pub location_id: Vec<i64>,
    pub code: Vec<String>,
    pub counted: Vec<bool>,
}

/// External product codes: kind (ref, vendor, gtin, hibc), code, product and
/// the number of product units one unit of that code holds (a box GTIN: 12).
#[derive(Debug, Clone, Default)]
pub struct Codes {
    pub kind: Vec<CodeKind>,
    pub code: Vec<String>,
    pub product_id: Vec<i64>,
    pub factor: Vec<Decimal>,
}

#[derive(Debug, Clone, Default)]
pub struct Products {
    pub product_id: Vec<i64>,
    pub category_id: Vec<i64>,
    pub risk_class: Vec<i64>,
    /// Cost per product unit, company currency.
    pub cost: Vec<Decimal>,
    /// The product UoM's rounding step.
    pub rounding: Vec<Decimal>,
    /// Tracked by lot or serial; an untracked product's lots are ignored.
    pub tracked: Vec<bool>,
}

/// Units a snapshot may count in, per product (product 0: any product).
#[derive(Debug, Clone, Default)]
pub struct Packs {
    pub product_id: Vec<i64>,
    pub unit: Vec<String>,
    pub factor: Vec<Decimal>,
}

#[derive(Debug, Clone, Default)]
pub struct Lots {
    pub lot_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub name: Vec<String>,
    pub expiry: Vec<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct Quants {
    pub location_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub lot_id: Vec<i64>,
    pub qty: Vec<Decimal>,
}

/// Done move lines in product UoM. A line counts out of `location_id` and
/// into `location_dest_id` where these are tracked locations; a line with
/// location 0 is an opening balance (pre-aggregated history).
#[derive(Debug, Clone, Default)]
pub struct Moves {
    pub location_id: Vec<i64>,
    pub location_dest_id: Vec<i64>,
    pub product_id: Vec<i64>,
    pub lot_id: Vec<i64>,
    pub qty: Vec<Decimal>,
    /// Seconds since 1970-01-01 UTC.
    pub date: Vec<i64>,
}

/// A tolerance rule: each of location, category and risk class is 0 (any)
/// or must equal the key's. The most specific rule applies (location counts
/// 4, category 2, risk class 1; ties go to the lowest id).
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub rule_id: i64,
    pub location_id: i64,
    pub category_id: i64,
    pub risk_class: i64,
    /// Auto-approve when every limit that is set holds (at least one set).
    pub auto_qty: Option<Decimal>,
    pub auto_pct: Option<Decimal>,
    pub auto_value: Option<Decimal>,
    /// Above this absolute value, a second approver is needed.
    pub four_eyes_value: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Snapshot time, seconds since 1970-01-01 UTC.
    pub as_of: i64,
    /// Full snapshot: keys of counted locations absent from it count as zero.
    pub full: bool,
    /// Moves this many seconds around `as_of` may explain a difference (timing).
    pub timing_window: i64,
    pub value_rounding: Decimal,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            as_of: 0,
            full: false,
            timing_window: 3600,
            value_rounding: Decimal::new(1, 2),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Input {
    pub snapshot: Snapshot,
    pub locations: Locations,
    pub codes: Codes,
    pub products: Products,
    pub packs: Packs,
    pub lots: Lots,
    pub quants: Quants,
    pub moves: Moves,
    pub rules: Vec<Rule>,
}

/// What became of a snapshot row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Mapped,
    UnknownLocation,
    UnknownProduct,
    UnknownUnit,
}

impl RowStatus {
    pub const ALL: [RowStatus; 4] = [
        RowStatus::Mapped,
        RowStatus::UnknownLocation,
        RowStatus::UnknownProduct,
        RowStatus::UnknownUnit,
    ];
    pub fn code(self) -> &'static str {
        match self {
            RowStatus::Mapped => "mapped",
            RowStatus::UnknownLocation => "unknown_location",
            RowStatus::UnknownProduct => "unknown_product",
            RowStatus::UnknownUnit => "unknown_unit",
        }
    }
}

/// Classification of a key, first that applies in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Outside the snapshot's scope: only the integrity flags apply.
    NotCounted,
    /// No difference (and no expiry disagreement).
    Matched,
    /// Same quantity, but the external expiry differs from the lot's.
    ExpiryMismatch,
    /// The product's total at the location agrees; its lots do not.
    LotSwap,
    /// external / Odoo (or the inverse) is one of the product's pack factors.
    UomError,
    /// The difference equals the moves just after (or just before) the
    /// snapshot time, within the timing window.
    Timing,
    /// External stock where Odoo has none.
    MissingInOdoo,
    /// Odoo stock absent from a full snapshot.
    MissingExternal,
    /// External more than Odoo.
    Over,
    /// External less than Odoo.
    Under,
}

impl Class {
    pub const ALL: [Class; 10] = [
        Class::NotCounted,
        Class::Matched,
        Class::ExpiryMismatch,
        Class::LotSwap,
        Class::UomError,
        Class::Timing,
        Class::MissingInOdoo,
        Class::MissingExternal,
        Class::Over,
        Class::Under,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Class::NotCounted => "not_counted",
            Class::Matched => "matched",
            Class::ExpiryMismatch => "expiry_mismatch",
            Class::LotSwap => "lot_swap",
            Class::UomError => "uom_error",
            Class::Timing => "timing",
            Class::MissingInOdoo => "missing_in_odoo",
            Class::MissingExternal => "missing_external",
            Class::Over => "over",
            Class::Under => "under",
        }
    }
}

/// Who must approve the correction of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Approval {
    /// Nothing to correct (matched, timing, not counted).
    None,
    /// Within the applicable tolerance.
    Auto,
    /// One inventory controller.
    Controller,
    /// A controller and a second approver (value above the four-eyes limit).
    FourEyes,
    /// A data problem to look at (UoM error, expiry mismatch), no quantity
    /// correction proposed.
    Review,
}

impl Approval {
    pub const ALL: [Approval; 5] = [
        Approval::None,
        Approval::Auto,
        Approval::Controller,
        Approval::FourEyes,
        Approval::Review,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Approval::None => "none",
            Approval::Auto => "auto",
            Approval::Controller => "controller",
            Approval::FourEyes => "four_eyes",
            Approval::Review => "review",
        }
    }
}

/// A snapshot row, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct RowOut {
    pub status: RowStatus,
    pub location_id: i64,
    pub product_id: i64,
    pub lot_id: i64,
    pub qty: Decimal,
    /// Index of the row's key in [`Output::keys`], `None` if not mapped.
    pub key: Option<usize>,
}

/// One key, reconciled.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyOut {
    pub location_id: i64,
    pub product_id: i64,
    /// 0: no lot, or a lot name Odoo does not know (then in `lot_name`).
    pub lot_id: i64,
    /// The snapshot's lot name when Odoo has no such lot, else empty.
    pub lot_name: String,
    /// The lot's expiry in Odoo, and the one the snapshot gave.
    pub expiry: i32,
    pub ext_expiry: i32,
    /// The key is in the snapshot's scope (compared).
    pub counted: bool,
    /// The key appears in the snapshot.
    pub in_snapshot: bool,
    pub ext_qty: Decimal,
    /// Odoo's balance at the snapshot time: quant minus moves after.
    pub odoo_qty: Decimal,
    pub quant_qty: Decimal,
    pub history_qty: Decimal,
    pub moves_after: Decimal,
    pub diff: Decimal,
    pub value: Decimal,
    pub class: Class,
    pub approval: Approval,
    pub rule_id: i64,
    /// The pack factor behind a UoM error, else zero.
    pub factor: Decimal,
    pub negative: bool,
    /// Quant minus move history (integrity drift when not zero).
    pub drift: Decimal,
    pub expired: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub rows: Vec<RowOut>,
    pub keys: Vec<KeyOut>,
}

// ---------------------------------------------------------------- indexes

struct ProductInfo {
    category: i64,
    risk: i64,
    cost: Decimal,
    precision: Precision,
    tracked: bool,
    /// Pack factors other than 1, ascending.
    factors: Vec<Decimal>,
}

struct Index<'a> {
    /// location id -> (shard, counted)
    locations: HashMap<i64, (u32, bool)>,
    location_codes: HashMap<&'a str, i64>,
    /// per code kind (ref, vendor, gtin, hibc): code -> (product, factor)
    codes: [HashMap<String, (i64, Decimal)>; 5],
    products: HashMap<i64, ProductInfo>,
    packs: HashMap<(i64, &'a str), Decimal>,
    lots_by_name: HashMap<(i64, &'a str), i64>,
    lots: HashMap<i64, (usize, i32)>,
    shards: usize,
}

fn input_err(field: &str, row: usize, msg: impl Into<String>) -> Error {
    Error::input(Location::row(field.to_string(), row), msg)
}

fn code_key(kind: CodeKind, code: &str) -> std::result::Result<Cow<'_, str>, String> {
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

fn build_index(input: &Input) -> Result<Index<'_>> {
    let loc = &input.locations;
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
        if let Some(prev) = location_codes.insert(code, loc.location_id[i]) {
            if prev != loc.location_id[i] {
                return Err(input_err(
                    "locations.code",
                    i,
                    format!(
                        "{code:?} is mapped to locations {prev} and {}",
                        loc.location_id[i]
                    ),
                ));
            }
        }
    }

    let p = &input.products;
    let mut products = HashMap::with_capacity(p.product_id.len());
    for i in 0..p.product_id.len() {
        let precision = Precision::from_step(p.rounding[i])
            .map_err(|_| input_err("products.rounding", i, "must be a positive step"))?;
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
    let add_factor = |products: &mut HashMap<i64, ProductInfo>, product: i64, f: Decimal| {
        if let Some(info) = products.get_mut(&product) {
            let f = f.normalize();
            if f != Decimal::ONE && !info.factors.contains(&f) {
                info.factors.push(f);
            }
        }
    };

    let c = &input.codes;
    let mut codes: [HashMap<String, (i64, Decimal)>; 5] = Default::default();
    for i in 0..c.code.len() {
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
        if !products.contains_key(&c.product_id[i]) {
            return Err(input_err(
                "codes.product_id",
                i,
                format!("product {} is not in products", c.product_id[i]),
            ));
        }
        add_factor(&mut products, c.product_id[i], c.factor[i]);
        if let Some((prev, _)) =
            codes[c.kind[i] as usize].insert(key, (c.product_id[i], c.factor[i]))
        {
            if prev != c.product_id[i] {
                return Err(input_err(
                    "codes.code",
                    i,
                    format!(
                        "{:?} is mapped to products {prev} and {}",
                        c.code[i], c.product_id[i]
                    ),
                ));
            }
        }
    }
    let pk = &input.packs;
    let mut packs = HashMap::with_capacity(pk.unit.len());
    for i in 0..pk.unit.len() {
        if pk.factor[i] <= Decimal::ZERO {
            return Err(input_err("packs.factor", i, "must be positive"));
        }
        packs.insert((pk.product_id[i], pk.unit[i].trim()), pk.factor[i]);
        if pk.product_id[i] != 0 {
            add_factor(&mut products, pk.product_id[i], pk.factor[i]);
        }
    }
    for info in products.values_mut() {
        info.factors.sort_unstable();
    }
    let l = &input.lots;
    let mut lots_by_name = HashMap::with_capacity(l.lot_id.len());
    let mut lots = HashMap::with_capacity(l.lot_id.len());
    for i in 0..l.lot_id.len() {
        lots_by_name.insert((l.product_id[i], l.name[i].as_str()), l.lot_id[i]);
        lots.insert(l.lot_id[i], (i, l.expiry[i]));
    }
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

// ---------------------------------------------------------------- snapshot rows

/// A snapshot row after mapping: where it goes and how much, in product UoM.
struct Resolved<'a> {
    status: RowStatus,
    location: i64,
    product: i64,
    lot_id: i64,
    /// A lot name Odoo does not know for this product (else empty).
    unknown_lot: Cow<'a, str>,
    expiry: i32,
    qty: Decimal,
}

fn resolve_row<'a>(
    ix: &Index,
    s: &'a Snapshot,
    i: usize,
    reference_year: i32,
) -> Result<Resolved<'a>> {
    let mut r = Resolved {
        status: RowStatus::Mapped,
        location: 0,
        product: 0,
        lot_id: 0,
        unknown_lot: Cow::Borrowed(""),
        expiry: s.expiry[i],
        qty: s.qty[i],
    };
    let mut lot: Cow<'a, str> = Cow::Borrowed(s.lot[i].trim());
    let kind = s.kind[i];
    let code = s.product_code[i].trim();
    let parsed = match kind {
        CodeKind::Gs1 => Some(barcode::parse_gs1(code, reference_year)),
        CodeKind::Hibc if code.starts_with('+') => Some(barcode::parse_hibc(code, reference_year)),
        _ => None,
    };
    let (lookup_kind, key, mut factor) = match parsed {
        Some(p) => {
            let p = p.map_err(|e| input_err("snapshot.product_code", i, e))?;
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
                if r.expiry != NO_DATE && r.expiry != be {
                    return Err(input_err(
                        "snapshot.expiry",
                        i,
                        "differs from the bar code's expiry",
                    ));
                }
                r.expiry = be;
            }
            let q = p.quantity.map_or(Decimal::ONE, Decimal::from);
            let k = if kind == CodeKind::Gs1 {
                CodeKind::Gtin
            } else {
                CodeKind::Hibc
            };
            (k, Cow::Owned(p.product), q)
        }
        None => (
            kind,
            code_key(kind, code).map_err(|e| input_err("snapshot.product_code", i, e))?,
            Decimal::ONE,
        ),
    };
    match ix.location_codes.get(s.location_code[i].trim()) {
        Some(l) => r.location = *l,
        None => {
            r.status = RowStatus::UnknownLocation;
            return Ok(r);
        }
    }
    let Some((product, code_factor)) = ix.codes[lookup_kind as usize].get(key.as_ref()) else {
        r.status = RowStatus::UnknownProduct;
        return Ok(r);
    };
    r.product = *product;
    factor *= code_factor;
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
    let overflow = || input_err("snapshot.qty", i, "too large once converted");
    let q = r.qty.checked_mul(factor).ok_or_else(overflow)?;
    r.qty = info
        .precision
        .round(q, RoundingMethod::HalfUp)
        .map_err(|_| overflow())?;
    if !lot.is_empty() && info.tracked {
        match ix.lots_by_name.get(&(*product, lot.as_ref())) {
            Some(id) => r.lot_id = *id,
            None => r.unknown_lot = lot,
        }
    }
    Ok(r)
}

// ---------------------------------------------------------------- aggregation

/// (location, product, lot id, unknown lot rank + 1 or 0)
type Key = (i64, i64, i64, u32);

#[derive(Clone)]
struct Agg {
    ext: Decimal,
    in_snapshot: bool,
    ext_expiry: i32,
    quant: Decimal,
    history: Decimal,
    after: Decimal,
    window_before: Decimal,
    window_after: Decimal,
    /// last snapshot row of this key, as a position in the shard's rows
    /// (`u32::MAX`: none); earlier ones are chained through `Shard::next`
    last_row: u32,
}

impl Default for Agg {
    fn default() -> Self {
        Agg {
            ext: Decimal::ZERO,
            in_snapshot: false,
            ext_expiry: NO_DATE,
            quant: Decimal::ZERO,
            history: Decimal::ZERO,
            after: Decimal::ZERO,
            window_before: Decimal::ZERO,
            window_after: Decimal::ZERO,
            last_row: u32::MAX,
        }
    }
}

/// The aggregate of `key`, appended to `aggs` the first time it is seen.
fn slot<'a>(map: &mut HashMap<Key, u32>, aggs: &'a mut Vec<Agg>, key: Key) -> &'a mut Agg {
    let n = *map.entry(key).or_insert_with(|| {
        aggs.push(Agg::default());
        (aggs.len() - 1) as u32
    });
    &mut aggs[n as usize]
}

/// Row indexes of each source, split by shard.
#[derive(Default, Clone)]
struct Buckets {
    rows: Vec<u32>,
    quants: Vec<u32>,
    /// move line index and side: out of its location (false) or into its destination (true)
    moves: Vec<(u32, bool)>,
}

fn bucket<T: Copy + Send + Sync>(
    n: usize,
    shards: usize,
    shard_of: impl Fn(usize) -> Option<(u32, T)> + Sync,
) -> Vec<Vec<T>> {
    let chunk = (n / (pool::configured_threads() * 4)).max(65_536);
    let starts: Vec<usize> = (0..n).step_by(chunk).collect();
    let parts: Vec<Vec<Vec<T>>> = starts
        .par_iter()
        .map(|&start| {
            let end = (start + chunk).min(n);
            let guess = (end - start) / shards + 16;
            let mut out: Vec<Vec<T>> = (0..shards).map(|_| Vec::with_capacity(guess)).collect();
            for i in start..end {
                if let Some((s, v)) = shard_of(i) {
                    out[s as usize].push(v);
                }
            }
            out
        })
        .collect();
    (0..shards)
        .into_par_iter()
        .map(|s| {
            let mut all = Vec::with_capacity(parts.iter().map(|p| p[s].len()).sum());
            for p in &parts {
                all.extend_from_slice(&p[s]);
            }
            all
        })
        .collect()
}

/// Reconcile. See the module documentation.
pub fn run(input: &Input, options: &Options) -> Result<Output> {
    pool::install(|| run_in_pool(input, options))?
}

fn run_in_pool(input: &Input, options: &Options) -> Result<Output> {
    let ix = build_index(input)?;
    let value_precision = Precision::from_step(options.value_rounding)
        .map_err(|_| Error::input(Location::field("value_rounding"), "must be a positive step"))?;
    let as_of_day = options.as_of.div_euclid(86_400) as i32;
    let reference_year = barcode::year_of(as_of_day);

    // snapshot rows, mapped in parallel
    let snap = &input.snapshot;
    let index: Vec<usize> = (0..snap.qty.len()).collect();
    let resolved = pool::map_ordered(&index, |_, &i| resolve_row(&ix, snap, i, reference_year))?;

    // lots Odoo does not know, ranked by (product, name) so keys sort the same way every run
    let unknown: BTreeMap<(i64, &str), u32> = resolved
        .iter()
        .filter(|r| !r.unknown_lot.is_empty())
        .map(|r| ((r.product, r.unknown_lot.as_ref()), 0))
        .collect();
    let unknown: HashMap<(i64, &str), u32> = unknown
        .keys()
        .enumerate()
        .map(|(k, key)| (*key, k as u32 + 1))
        .collect();
    let unknown_names: Vec<&str> = {
        let mut v = vec![""; unknown.len() + 1];
        for ((_, name), k) in &unknown {
            v[*k as usize] = name;
        }
        v
    };

    // quants and moves must be at known places, about known products
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

    // shard every source by location
    let shards = ix.shards;
    let shard = |loc: i64| ix.locations.get(&loc).map(|(s, _)| *s);
    let rows_b = bucket(resolved.len(), shards, |i| {
        let r = &resolved[i];
        (r.status == RowStatus::Mapped)
            .then(|| shard(r.location).map(|s| (s, i as u32)))
            .flatten()
    });
    let quants_b = bucket(q.qty.len(), shards, |i| {
        shard(q.location_id[i]).map(|s| (s, i as u32))
    });
    let moves_out = bucket(m.qty.len(), shards, |i| {
        shard(m.location_id[i]).map(|s| (s, (i as u32, false)))
    });
    let moves_in = bucket(m.qty.len(), shards, |i| {
        shard(m.location_dest_id[i]).map(|s| (s, (i as u32, true)))
    });
    let buckets: Vec<Buckets> = rows_b
        .into_iter()
        .zip(quants_b)
        .zip(moves_out.into_iter().zip(moves_in))
        .map(|((rows, quants), (mut out, mut inn))| {
            out.append(&mut inn);
            Buckets {
                rows,
                quants,
                moves: out,
            }
        })
        .collect();

    let ctx = Ctx {
        ix: &ix,
        input,
        options,
        resolved: &resolved,
        unknown: &unknown,
        unknown_names: &unknown_names,
        value_precision,
        as_of_day,
    };
    let parts: Vec<Result<ShardOut>> = buckets.par_iter().map(|b| ctx.shard(b)).collect();

    let parts: Vec<ShardOut> = parts.into_iter().collect::<Result<_>>()?;
    let mut keys = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    let mut rows: Vec<RowOut> = resolved
        .iter()
        .map(|r| RowOut {
            status: r.status,
            location_id: r.location,
            product_id: r.product,
            lot_id: r.lot_id,
            qty: if r.status == RowStatus::Mapped {
                r.qty
            } else {
                Decimal::ZERO
            },
            key: None,
        })
        .collect();
    for (part_keys, row_keys) in parts {
        let offset = keys.len();
        for (row, k) in row_keys {
            rows[row as usize].key = Some(offset + k as usize);
        }
        keys.extend(part_keys);
    }
    Ok(Output { rows, keys })
}

/// A shard's keys (sorted) and (snapshot row, key index in the shard) pairs.
type ShardOut = (Vec<KeyOut>, Vec<(u32, u32)>);

struct Ctx<'a> {
    ix: &'a Index<'a>,
    input: &'a Input,
    options: &'a Options,
    resolved: &'a [Resolved<'a>],
    unknown: &'a HashMap<(i64, &'a str), u32>,
    unknown_names: &'a [&'a str],
    value_precision: Precision,
    as_of_day: i32,
}

fn add(a: &mut Decimal, b: Decimal) -> Result<()> {
    *a = a.checked_add(b).ok_or_else(|| Error::Overflow {
        at: Location::field("qty"),
    })?;
    Ok(())
}

impl Ctx<'_> {
    /// Aggregate, then classify, every key of one shard; keys come back sorted.
    fn shard(&self, b: &Buckets) -> Result<ShardOut> {
        // key -> index in `aggs` (aggregates stay put while the table grows)
        let cap = b.rows.len().max(b.quants.len());
        let mut map: HashMap<Key, u32> = HashMap::with_capacity(cap);
        let mut aggs: Vec<Agg> = Vec::with_capacity(cap);

        // previous row of the same key, per position in b.rows
        let mut prev_row = vec![u32::MAX; b.rows.len()];
        for (pos, &i) in b.rows.iter().enumerate() {
            let r = &self.resolved[i as usize];
            let unk = if r.unknown_lot.is_empty() {
                0
            } else {
                self.unknown[&(r.product, r.unknown_lot.as_ref())]
            };
            let a = slot(&mut map, &mut aggs, (r.location, r.product, r.lot_id, unk));
            add(&mut a.ext, r.qty)?;
            a.in_snapshot = true;
            if r.expiry != NO_DATE && (a.ext_expiry == NO_DATE || r.expiry < a.ext_expiry) {
                a.ext_expiry = r.expiry;
            }
            prev_row[pos] = a.last_row;
            a.last_row = pos as u32;
        }
        let q = &self.input.quants;
        for &i in &b.quants {
            let i = i as usize;
            let a = slot(
                &mut map,
                &mut aggs,
                (q.location_id[i], q.product_id[i], q.lot_id[i], 0),
            );
            add(&mut a.quant, q.qty[i])?;
        }
        let m = &self.input.moves;
        let (as_of, w) = (self.options.as_of, self.options.timing_window);
        for &(i, inbound) in &b.moves {
            let i = i as usize;
            let loc = if inbound {
                m.location_dest_id[i]
            } else {
                m.location_id[i]
            };
            let qty = if inbound { m.qty[i] } else { -m.qty[i] };
            let a = slot(&mut map, &mut aggs, (loc, m.product_id[i], m.lot_id[i], 0));
            add(&mut a.history, qty)?;
            let d = m.date[i];
            if d > as_of {
                add(&mut a.after, qty)?;
                if d <= as_of.saturating_add(w) {
                    add(&mut a.window_after, qty)?;
                }
            } else if d > as_of.saturating_sub(w) {
                add(&mut a.window_before, qty)?;
            }
        }
        let mut order: Vec<(Key, u32)> = map.into_iter().collect();
        order.sort_unstable_by(|a, b| {
            let (ka, kb) = (&a.0, &b.0);
            (ka.0, ka.1, ka.2, self.unknown_names[ka.3 as usize]).cmp(&(
                kb.0,
                kb.1,
                kb.2,
                self.unknown_names[kb.3 as usize],
            ))
        });
        let entries: Vec<(Key, &Agg)> = order
            .iter()
            .map(|(k, n)| (*k, &aggs[*n as usize]))
            .collect();

        // scope: counted locations (full) or the (location, product) pairs the snapshot names
        let listed: HashSet<(i64, i64)> = if self.options.full {
            HashSet::new()
        } else {
            entries
                .iter()
                .filter(|(_, a)| a.in_snapshot)
                .map(|(k, _)| (k.0, k.1))
                .collect()
        };
        let mut out = Vec::with_capacity(entries.len());
        let mut row_keys = Vec::with_capacity(b.rows.len());
        for (n, (k, a)) in entries.iter().enumerate() {
            let mut pos = a.last_row;
            while pos != u32::MAX {
                row_keys.push((b.rows[pos as usize], n as u32));
                pos = prev_row[pos as usize];
            }
            out.push(self.measure(k, a, &listed)?);
        }
        self.classify(&mut out, &entries)?;
        Ok((out, row_keys))
    }

    /// Balances and integrity flags of one key.
    fn measure(&self, k: &Key, a: &Agg, listed: &HashSet<(i64, i64)>) -> Result<KeyOut> {
        let info = &self.ix.products[&k.1];
        let r = |v: Decimal| info.precision.round(v, RoundingMethod::HalfUp);
        let counted = if self.options.full {
            self.ix.locations.get(&k.0).is_some_and(|(_, c)| *c) || a.in_snapshot
        } else {
            listed.contains(&(k.0, k.1))
        };
        let quant = r(a.quant)?;
        let history = r(a.history)?;
        let after = r(a.after)?;
        let ext = r(a.ext)?;
        let odoo = r(quant - after)?;
        let diff = if counted {
            r(ext - odoo)?
        } else {
            Decimal::ZERO
        };
        let expiry = match self.ix.lots.get(&k.2) {
            Some((_, exp)) if k.2 != 0 => *exp,
            _ => NO_DATE,
        };
        let lot_name = self.unknown_names[k.3 as usize].to_string();
        Ok(KeyOut {
            location_id: k.0,
            product_id: k.1,
            lot_id: k.2,
            lot_name,
            expiry,
            ext_expiry: a.ext_expiry,
            counted,
            in_snapshot: a.in_snapshot,
            ext_qty: ext,
            odoo_qty: odoo,
            quant_qty: quant,
            history_qty: history,
            moves_after: after,
            diff,
            value: self
                .value_precision
                .round(diff * info.cost, RoundingMethod::HalfUp)?,
            class: Class::NotCounted,
            approval: Approval::None,
            rule_id: 0,
            factor: Decimal::ZERO,
            negative: quant < Decimal::ZERO,
            drift: r(quant - history)?,
            expired: quant > Decimal::ZERO && expiry != NO_DATE && expiry <= self.as_of_day,
        })
    }

    /// Classes and approvals, with the lot-swap check per (location, product).
    fn classify(&self, out: &mut [KeyOut], entries: &[(Key, &Agg)]) -> Result<()> {
        let mut start = 0;
        while start < out.len() {
            let (loc, prod) = (out[start].location_id, out[start].product_id);
            let mut end = start;
            let mut total = Decimal::ZERO;
            let mut differing = 0;
            while end < out.len() && out[end].location_id == loc && out[end].product_id == prod {
                if out[end].counted && !out[end].diff.is_zero() {
                    differing += 1;
                    total += out[end].diff;
                }
                end += 1;
            }
            let swap = differing >= 2 && total.is_zero();
            for i in start..end {
                self.classify_key(&mut out[i], entries[i].1, swap)?;
            }
            start = end;
        }
        Ok(())
    }

    fn classify_key(&self, k: &mut KeyOut, a: &Agg, swap: bool) -> Result<()> {
        if !k.counted {
            return Ok(());
        }
        let info = &self.ix.products[&k.product_id];
        let r = |v: Decimal| info.precision.round(v, RoundingMethod::HalfUp);
        if k.diff.is_zero() {
            k.class = if k.ext_expiry != NO_DATE && k.expiry != NO_DATE && k.ext_expiry != k.expiry
            {
                k.approval = Approval::Review;
                Class::ExpiryMismatch
            } else {
                Class::Matched
            };
            return Ok(());
        }
        let (ext, odoo) = (k.ext_qty, k.odoo_qty);
        if swap {
            k.class = Class::LotSwap;
        } else if !ext.is_zero() && !odoo.is_zero() {
            for f in &info.factors {
                if r(odoo * f)? == ext || r(ext * f)? == odoo {
                    k.factor = *f;
                    k.class = Class::UomError;
                    k.approval = Approval::Review;
                    return Ok(());
                }
            }
        }
        if k.class != Class::LotSwap {
            let wa = r(a.window_after)?;
            let wb = r(a.window_before)?;
            if (!wa.is_zero() && k.diff == wa) || (!wb.is_zero() && k.diff == -wb) {
                k.class = Class::Timing;
                return Ok(());
            }
            k.class = if odoo.is_zero() && ext > Decimal::ZERO {
                Class::MissingInOdoo
            } else if !k.in_snapshot {
                Class::MissingExternal
            } else if k.diff > Decimal::ZERO {
                Class::Over
            } else {
                Class::Under
            };
        }
        let (rule_id, approval) = self.approval(k, info);
        k.rule_id = rule_id;
        k.approval = approval;
        Ok(())
    }

    /// The most specific tolerance rule, and the approval it asks for.
    fn approval(&self, k: &KeyOut, info: &ProductInfo) -> (i64, Approval) {
        let mut best: Option<(u8, &Rule)> = None;
        for rule in &self.input.rules {
            let fits = |want: i64, have: i64| want == 0 || want == have;
            if !(fits(rule.location_id, k.location_id)
                && fits(rule.category_id, info.category)
                && fits(rule.risk_class, info.risk))
            {
                continue;
            }
            let score = 4 * (rule.location_id != 0) as u8
                + 2 * (rule.category_id != 0) as u8
                + (rule.risk_class != 0) as u8;
            let better = match best {
                None => true,
                Some((s, b)) => score > s || (score == s && rule.rule_id < b.rule_id),
            };
            if better {
                best = Some((score, rule));
            }
        }
        let Some((_, rule)) = best else {
            return (0, Approval::Controller);
        };
        let qty = k.diff.abs();
        let value = k.value.abs();
        if rule.four_eyes_value.is_some_and(|limit| value > limit) {
            return (rule.rule_id, Approval::FourEyes);
        }
        let any = rule.auto_qty.is_some() || rule.auto_pct.is_some() || rule.auto_value.is_some();
        let pct_ok = |limit: Decimal| {
            !k.odoo_qty.is_zero()
                && qty
                    .checked_mul(Decimal::ONE_HUNDRED)
                    .is_some_and(|x| x <= limit * k.odoo_qty.abs())
        };
        let within = any
            && rule.auto_qty.is_none_or(|l| qty <= l)
            && rule.auto_pct.is_none_or(pct_ok)
            && rule.auto_value.is_none_or(|l| value <= l);
        (
            rule.rule_id,
            if within {
                Approval::Auto
            } else {
                Approval::Controller
            },
        )
    }
}
