//! Python face of `crate::reconcile`: `reconcile_stock(...)` and the bar-code
//! helpers `parse_barcode`, `gtin14`, `valid_gln`.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rust_decimal::Decimal;

use super::convert::{detached, f64_array, i64_array, Raw};
use super::errors::to_py;
use super::table::{RawColumn, Table};
use crate::error::{Error, Location, Result};
use crate::numeric::decimal_to_f64;
use crate::reconcile::{self, barcode, CodeKind, Input, Options, Rule, NO_DATE};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NO_DATE", NO_DATE)?;
    m.add_function(wrap_pyfunction!(reconcile_stock, m)?)?;
    m.add_function(wrap_pyfunction!(parse_barcode, m)?)?;
    m.add_function(wrap_pyfunction!(gtin14, m)?)?;
    m.add_function(wrap_pyfunction!(valid_gln, m)?)?;
    Ok(())
}

const KINDS: &str = "ref, vendor, gtin, gs1 or hibc";

/// Decimal columns, converted after the GIL is released.
struct Raws {
    snapshot_qty: RawColumn,
    codes_factor: RawColumn,
    products_cost: RawColumn,
    products_rounding: RawColumn,
    packs_factor: RawColumn,
    quants_qty: RawColumn,
    moves_qty: RawColumn,
    /// per rule: auto_qty, auto_pct, auto_value, four_eyes_value
    rule_limits: Vec<[Option<Raw>; 4]>,
    value_rounding: Decimal,
}

/// Reconcile an external stock snapshot against Odoo's quants and move
/// history, in one call for the whole batch. Every table is a dict of
/// columns; see the stub for the columns. `as_of` is the snapshot time in
/// seconds since 1970-01-01 UTC. Returns a dict with `rows` (one per
/// snapshot row), `keys` (one per location, product and lot, sorted) and
/// `stats`.
#[pyfunction]
#[pyo3(signature = (snapshot, locations, codes, products, packs=None, lots=None, quants=None, moves=None,
                    rules=None, *, as_of, full=false, timing_window=3600, value_rounding=None))]
#[allow(clippy::too_many_arguments)]
fn reconcile_stock<'py>(
    py: Python<'py>,
    snapshot: &Bound<'py, PyAny>,
    locations: &Bound<'py, PyAny>,
    codes: &Bound<'py, PyAny>,
    products: &Bound<'py, PyAny>,
    packs: Option<&Bound<'py, PyAny>>,
    lots: Option<&Bound<'py, PyAny>>,
    quants: Option<&Bound<'py, PyAny>>,
    moves: Option<&Bound<'py, PyAny>>,
    rules: Option<&Bound<'py, PyAny>>,
    as_of: i64,
    full: bool,
    timing_window: i64,
    value_rounding: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let started = Instant::now();
    let mut input = Input::default();

    let mut t = Table::new("snapshot", Some(snapshot))?;
    let s = &mut input.snapshot;
    s.location_code = t.strs("location_code", None)?;
    s.product_code = t.strs("product_code", None)?;
    s.kind = t.enums("code_kind", Some(CodeKind::Ref), CodeKind::parse, KINDS)?;
    s.lot = t.strs("lot", Some(String::new()))?;
    s.expiry = t.opt_dates("expiry", NO_DATE)?;
    s.unit = t.strs("unit", Some(String::new()))?;
    let snapshot_qty = t.decimals("qty", None)?;
    t.finish()?;

    let mut t = Table::new("locations", Some(locations))?;
    let l = &mut input.locations;
    l.location_id = t.ints("location_id", None)?;
    l.code = t.strs("code", Some(String::new()))?;
    l.counted = t.bools("counted", Some(true))?;
    t.finish()?;

    let mut t = Table::new("codes", Some(codes))?;
    let c = &mut input.codes;
    c.kind = t.enums("kind", Some(CodeKind::Ref), CodeKind::parse, KINDS)?;
    c.code = t.strs("code", None)?;
    c.product_id = t.ints("product_id", None)?;
    let codes_factor = t.decimals("factor", Some(Decimal::ONE))?;
    t.finish()?;

    let mut t = Table::new("products", Some(products))?;
    let p = &mut input.products;
    p.product_id = t.ints("product_id", None)?;
    p.category_id = t.ints("category_id", Some(0))?;
    p.risk_class = t.ints("risk_class", Some(0))?;
    let products_cost = t.decimals("cost", Some(Decimal::ZERO))?;
    let products_rounding = t.decimals("rounding", Some(Decimal::new(1, 2)))?;
    p.tracked = t.bools("tracked", Some(true))?;
    t.finish()?;

    let mut t = Table::new("packs", packs)?;
    input.packs.product_id = t.ints("product_id", Some(0))?;
    input.packs.unit = t.strs("unit", Some(String::new()))?;
    let packs_factor = t.decimals("factor", Some(Decimal::ONE))?;
    t.finish()?;

    let mut t = Table::new("lots", lots)?;
    input.lots.lot_id = t.ints("lot_id", Some(0))?;
    input.lots.product_id = t.ints("product_id", Some(0))?;
    input.lots.name = t.strs("name", Some(String::new()))?;
    input.lots.expiry = t.opt_dates("expiry", NO_DATE)?;
    t.finish()?;

    let mut t = Table::new("quants", quants)?;
    let q = &mut input.quants;
    q.location_id = t.ints("location_id", Some(0))?;
    q.product_id = t.ints("product_id", Some(0))?;
    q.lot_id = t.ints("lot_id", Some(0))?;
    let quants_qty = t.decimals("qty", Some(Decimal::ZERO))?;
    t.finish()?;

    let mut t = Table::new("moves", moves)?;
    let m = &mut input.moves;
    m.location_id = t.ints("location_id", Some(0))?;
    m.location_dest_id = t.ints("location_dest_id", Some(0))?;
    m.product_id = t.ints("product_id", Some(0))?;
    m.lot_id = t.ints("lot_id", Some(0))?;
    m.date = t.ints("date", Some(0))?;
    let moves_qty = t.decimals("qty", Some(Decimal::ZERO))?;
    t.finish()?;

    let mut t = Table::new("rules", rules)?;
    let rule_id = t.ints("rule_id", Some(0))?;
    let r_location = t.ints("location_id", Some(0))?;
    let r_category = t.ints("category_id", Some(0))?;
    let r_risk = t.ints("risk_class", Some(0))?;
    let limits = [
        t.opt_decimals("auto_qty")?,
        t.opt_decimals("auto_pct")?,
        t.opt_decimals("auto_value")?,
        t.opt_decimals("four_eyes_value")?,
    ];
    t.finish()?;
    input.rules = (0..rule_id.len())
        .map(|i| Rule {
            rule_id: rule_id[i],
            location_id: r_location[i],
            category_id: r_category[i],
            risk_class: r_risk[i],
            ..Rule::default()
        })
        .collect();
    let rule_limits = (0..rule_id.len())
        .map(|i| std::array::from_fn(|k| limits[k].get(i).copied().flatten()))
        .collect();
    let value_rounding = match value_rounding {
        Some(v) => super::convert::scalar(v, "value_rounding")?,
        None => Decimal::new(1, 2),
    };
    let raws = Raws {
        snapshot_qty,
        codes_factor,
        products_cost,
        products_rounding,
        packs_factor,
        quants_qty,
        moves_qty,
        rule_limits,
        value_rounding,
    };
    let read_s = started.elapsed().as_secs_f64();

    let (out, convert_s, engine_s, transpose_s) = detached(py, move || {
        let t0 = Instant::now();
        let value_rounding = raws.value_rounding;
        finish_input(&mut input, raws)?;
        let options = Options {
            as_of,
            full,
            timing_window,
            value_rounding,
        };
        let t1 = Instant::now();
        let out = reconcile::run(&input, &options)?;
        let engine_s = t1.elapsed().as_secs_f64();
        drop(input);
        let t2 = Instant::now();
        let columns = transpose(out);
        Ok((
            columns,
            (t1 - t0).as_secs_f64(),
            engine_s,
            t2.elapsed().as_secs_f64(),
        ))
    })?;
    let t_build = Instant::now();
    let result = build_output(py, out)?;
    let stats = PyDict::new(py);
    stats.set_item("read_s", read_s)?;
    stats.set_item("convert_s", convert_s)?;
    stats.set_item("engine_s", engine_s)?;
    stats.set_item("build_s", transpose_s + t_build.elapsed().as_secs_f64())?;
    stats.set_item("threads", crate::pool::configured_threads())?;
    result.set_item("stats", stats)?;
    Ok(result)
}

fn finish_input(input: &mut Input, r: Raws) -> Result<()> {
    input.snapshot.qty = r.snapshot_qty.decimals()?;
    input.codes.factor = r.codes_factor.decimals()?;
    input.products.cost = r.products_cost.decimals()?;
    input.products.rounding = r.products_rounding.decimals()?;
    input.packs.factor = r.packs_factor.decimals()?;
    input.quants.qty = r.quants_qty.decimals()?;
    input.moves.qty = r.moves_qty.decimals()?;
    const NAMES: [&str; 4] = [
        "rules.auto_qty",
        "rules.auto_pct",
        "rules.auto_value",
        "rules.four_eyes_value",
    ];
    for (i, (rule, lim)) in input.rules.iter_mut().zip(r.rule_limits).enumerate() {
        let mut v = [None; 4];
        for k in 0..4 {
            v[k] = lim[k]
                .map(|x| x.to_decimal(|| Location::row(NAMES[k], i)))
                .transpose()?;
        }
        [
            rule.auto_qty,
            rule.auto_pct,
            rule.auto_value,
            rule.four_eyes_value,
        ] = v;
    }
    Ok(())
}

/// The engine's output transposed into columns in one pass (GIL released).
struct Columns {
    row_status: Vec<u8>,
    row_ints: [Vec<i64>; 4],
    row_qty: Vec<f64>,
    key_ints: [Vec<i64>; 6],
    key_nums: [Vec<f64>; 9],
    key_flags: [Vec<bool>; 4],
    key_class: Vec<u8>,
    key_approval: Vec<u8>,
    lot_name: Vec<String>,
}

const ROW_INTS: [&str; 4] = ["location_id", "product_id", "lot_id", "key"];
const KEY_INTS: [&str; 6] = [
    "location_id",
    "product_id",
    "lot_id",
    "rule_id",
    "expiry",
    "ext_expiry",
];
const KEY_NUMS: [&str; 9] = [
    "ext_qty",
    "odoo_qty",
    "quant_qty",
    "history_qty",
    "moves_after",
    "diff",
    "value",
    "factor",
    "drift",
];
const KEY_FLAGS: [&str; 4] = ["counted", "in_snapshot", "negative", "expired"];

fn position<T: PartialEq>(all: &[T], x: &T) -> u8 {
    all.iter().position(|s| s == x).unwrap_or(0) as u8
}

fn transpose(out: reconcile::Output) -> Columns {
    use reconcile::{Approval, Class, RowStatus};
    let f = decimal_to_f64;
    let (nr, nk) = (out.rows.len(), out.keys.len());
    let mut c = Columns {
        row_status: Vec::with_capacity(nr),
        row_ints: std::array::from_fn(|_| Vec::with_capacity(nr)),
        row_qty: Vec::with_capacity(nr),
        key_ints: std::array::from_fn(|_| Vec::with_capacity(nk)),
        key_nums: std::array::from_fn(|_| Vec::with_capacity(nk)),
        key_flags: std::array::from_fn(|_| Vec::with_capacity(nk)),
        key_class: Vec::with_capacity(nk),
        key_approval: Vec::with_capacity(nk),
        lot_name: Vec::with_capacity(nk),
    };
    for r in &out.rows {
        c.row_status.push(position(&RowStatus::ALL, &r.status));
        let ints = [
            r.location_id,
            r.product_id,
            r.lot_id,
            r.key.map_or(-1, |k| k as i64),
        ];
        for (col, v) in c.row_ints.iter_mut().zip(ints) {
            col.push(v);
        }
        c.row_qty.push(f(r.qty));
    }
    for k in out.keys {
        let ints = [
            k.location_id,
            k.product_id,
            k.lot_id,
            k.rule_id,
            k.expiry as i64,
            k.ext_expiry as i64,
        ];
        for (col, v) in c.key_ints.iter_mut().zip(ints) {
            col.push(v);
        }
        let nums = [
            k.ext_qty,
            k.odoo_qty,
            k.quant_qty,
            k.history_qty,
            k.moves_after,
            k.diff,
            k.value,
            k.factor,
            k.drift,
        ];
        for (col, v) in c.key_nums.iter_mut().zip(nums) {
            col.push(f(v));
        }
        for (col, v) in
            c.key_flags
                .iter_mut()
                .zip([k.counted, k.in_snapshot, k.negative, k.expired])
        {
            col.push(v);
        }
        c.key_class.push(position(&Class::ALL, &k.class));
        c.key_approval.push(position(&Approval::ALL, &k.approval));
        c.lot_name.push(k.lot_name);
    }
    c
}

fn build_output<'py>(py: Python<'py>, c: Columns) -> PyResult<Bound<'py, PyDict>> {
    let shared = |codes: &[&'static str]| -> Vec<Bound<'py, PyString>> {
        codes.iter().map(|c| PyString::new(py, c)).collect()
    };
    let strs = |codes: &[Bound<'py, PyString>], idx: &[u8]| -> Vec<Bound<'py, PyString>> {
        idx.iter().map(|i| codes[*i as usize].clone()).collect()
    };
    let rows = PyDict::new(py);
    let row_codes = shared(&reconcile::RowStatus::ALL.map(|s| s.code()));
    rows.set_item("status", strs(&row_codes, &c.row_status))?;
    for (name, col) in ROW_INTS.iter().zip(&c.row_ints) {
        rows.set_item(*name, i64_array(py, col)?)?;
    }
    rows.set_item("qty", f64_array(py, &c.row_qty)?)?;

    let keys = PyDict::new(py);
    for (name, col) in KEY_INTS.iter().zip(&c.key_ints) {
        keys.set_item(*name, i64_array(py, col)?)?;
    }
    for (name, col) in KEY_NUMS.iter().zip(&c.key_nums) {
        keys.set_item(*name, f64_array(py, col)?)?;
    }
    for (name, col) in KEY_FLAGS.iter().zip(c.key_flags) {
        keys.set_item(*name, col)?;
    }
    let class_codes = shared(&reconcile::Class::ALL.map(|s| s.code()));
    let approval_codes = shared(&reconcile::Approval::ALL.map(|s| s.code()));
    keys.set_item("class", strs(&class_codes, &c.key_class))?;
    keys.set_item("approval", strs(&approval_codes, &c.key_approval))?;
    let empty = PyString::new(py, "");
    let names: Vec<Bound<'py, PyString>> = c
        .lot_name
        .iter()
        .map(|n| {
            if n.is_empty() {
                empty.clone()
            } else {
                PyString::new(py, n)
            }
        })
        .collect();
    keys.set_item("lot_name", names)?;

    let result = PyDict::new(py);
    result.set_item("rows", rows)?;
    result.set_item("keys", keys)?;
    Ok(result)
}

/// Parse a GS1 element string (`kind="gs1"`) or an HIBC LIC bar code
/// (`kind="hibc"`). Returns a dict: `product` (GTIN-14, or LIC + product
/// code + unit digit), `lot`, `expiry` (a `datetime.date`), `serial`,
/// `quantity` (None when absent). Two-digit years are placed with the GS1
/// century rule around `reference_year` (default: this year). A bad code
/// raises `InputError` saying what is wrong.
#[pyfunction]
#[pyo3(signature = (text, kind="gs1", reference_year=None))]
fn parse_barcode<'py>(
    py: Python<'py>,
    text: &str,
    kind: &str,
    reference_year: Option<i32>,
) -> PyResult<Bound<'py, PyDict>> {
    use chrono::Datelike;
    let year = reference_year.unwrap_or_else(|| chrono::Utc::now().year());
    let parsed = match kind {
        "gs1" => barcode::parse_gs1(text, year),
        "hibc" | "hibcc" => barcode::parse_hibc(text, year),
        _ => Err(format!("{kind:?}: expected gs1 or hibc")),
    }
    .map_err(|e| to_py(py, Error::input(Location::field("text"), e)))?;
    let out = PyDict::new(py);
    out.set_item("product", parsed.product)?;
    out.set_item("lot", parsed.lot)?;
    let expiry = match parsed.expiry {
        Some(days) => {
            let date = py.import("datetime")?.getattr("date")?;
            Some(date.call_method1("fromordinal", (days as i64 + 719_163,))?)
        }
        None => None,
    };
    out.set_item("expiry", expiry)?;
    out.set_item("serial", parsed.serial)?;
    out.set_item("quantity", parsed.quantity)?;
    Ok(out)
}

/// A GTIN-8/12/13/14 as 14 digits; `InputError` when its check digit is wrong.
#[pyfunction]
fn gtin14(py: Python<'_>, code: &str) -> PyResult<String> {
    barcode::gtin14(code).map_err(|e| to_py(py, Error::input(Location::field("code"), e)))
}

/// True for a 13-digit GS1 GLN with a valid check digit.
#[pyfunction]
fn valid_gln(code: &str) -> bool {
    barcode::valid_gln(code)
}
