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
use crate::reconcile::{
    self, barcode, Approval, Class, CodeKind, Codes, Input, KeyOut, Locations, Lots, Moves,
    Options, Packs, Products, Quants, RowOut, RowStatus, Rule, Snapshot, NO_DATE,
};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NO_DATE", NO_DATE)?;
    m.add_function(wrap_pyfunction!(reconcile_stock, m)?)?;
    m.add_function(wrap_pyfunction!(parse_barcode, m)?)?;
    m.add_function(wrap_pyfunction!(gtin14, m)?)?;
    m.add_function(wrap_pyfunction!(valid_gln, m)?)?;
    Ok(())
}

const KINDS: &str = "ref, vendor, gtin, gs1 or hibc";

/// A code kind column (`ref` when left out).
fn kinds(t: &mut Table, col: &str) -> PyResult<Vec<CodeKind>> {
    t.enums(col, Some(CodeKind::Ref), CodeKind::parse, KINDS)
}

/// Where a column goes: a decimal column in the input, a rule's limit, a
/// rule's scope (location, category, risk class).
type Column = fn(&mut Input) -> &mut Vec<Decimal>;
type Limit = fn(&mut Rule) -> &mut Option<Decimal>;
type Scope = fn(&mut Rule) -> &mut i64;

/// Decimals read under the GIL, each with the field it fills once converted
/// with the GIL released. They are converted in the order they were read,
/// so the bad value reported is the first in that order.
#[derive(Default)]
struct Decimals {
    columns: Vec<(RawColumn, Column)>,
    /// per limit column: its field, its values (one per rule), its place
    limits: Vec<(String, Vec<Option<Raw>>, Limit)>,
}

impl Decimals {
    fn column(&mut self, raw: RawColumn, into: Column) {
        self.columns.push((raw, into));
    }

    fn limit(&mut self, field: String, raw: Vec<Option<Raw>>, into: Limit) {
        self.limits.push((field, raw, into));
    }

    /// Fill `input`'s decimals: the columns table by table, then the rules'
    /// limits rule by rule.
    fn convert(self, input: &mut Input) -> Result<()> {
        for (raw, into) in self.columns {
            *into(input) = raw.decimals()?;
        }
        for (i, rule) in input.rules.iter_mut().enumerate() {
            for (field, raws, into) in &self.limits {
                *into(rule) = raws
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|x| x.to_decimal(|| Location::row(field.as_str(), i)))
                    .transpose()?;
            }
        }
        Ok(())
    }
}

/// The tables `reconcile_stock` takes (dicts of columns; None: empty).
struct Tables<'a, 'py> {
    snapshot: &'a Bound<'py, PyAny>,
    locations: &'a Bound<'py, PyAny>,
    codes: &'a Bound<'py, PyAny>,
    products: &'a Bound<'py, PyAny>,
    packs: Option<&'a Bound<'py, PyAny>>,
    lots: Option<&'a Bound<'py, PyAny>>,
    quants: Option<&'a Bound<'py, PyAny>>,
    moves: Option<&'a Bound<'py, PyAny>>,
    rules: Option<&'a Bound<'py, PyAny>>,
}

/// Every table, read in this order; decimals are left for later.
fn read_input(t: &Tables, d: &mut Decimals) -> PyResult<Input> {
    Ok(Input {
        snapshot: read_snapshot(t.snapshot, d)?,
        locations: read_locations(t.locations)?,
        codes: with_factor(read_codes(t.codes)?, d, |i| &mut i.codes.factor),
        products: read_products(t.products, d)?,
        packs: with_factor(read_packs(t.packs)?, d, |i| &mut i.packs.factor),
        lots: read_lots(t.lots)?,
        quants: read_quants(t.quants, d)?,
        moves: read_moves(t.moves, d)?,
        rules: read_rules(t.rules, d)?,
    })
}

fn read_snapshot(obj: &Bound<'_, PyAny>, d: &mut Decimals) -> PyResult<Snapshot> {
    let mut t = Table::new("snapshot", Some(obj))?;
    let s = Snapshot {
        location_code: t.strs("location_code", None)?,
        product_code: t.strs("product_code", None)?,
        kind: kinds(&mut t, "code_kind")?,
        lot: t.strs("lot", Some(String::new()))?,
        expiry: t.opt_dates("expiry", NO_DATE)?,
        unit: t.strs("unit", Some(String::new()))?,
        ..Snapshot::default()
    };
    d.column(t.decimals("qty", None)?, |i| &mut i.snapshot.qty);
    t.finish()?;
    Ok(s)
}

fn read_locations(obj: &Bound<'_, PyAny>) -> PyResult<Locations> {
    let mut t = Table::new("locations", Some(obj))?;
    let l = Locations {
        location_id: t.ints("location_id", None)?,
        code: t.strs("code", Some(String::new()))?,
        counted: t.bools("counted", Some(true))?,
    };
    t.finish()?;
    Ok(l)
}

/// A table and its `factor` column, left raw until the GIL is released.
pub(super) type WithFactor<T> = (T, RawColumn);

fn with_factor<T>((table, factor): WithFactor<T>, d: &mut Decimals, into: Column) -> T {
    d.column(factor, into);
    table
}

/// The external product codes: code, product_id, [kind, factor] (shared
/// with the consumption engine's binding).
pub(super) fn read_codes(obj: &Bound<'_, PyAny>) -> PyResult<WithFactor<Codes>> {
    let mut t = Table::new("codes", Some(obj))?;
    let c = Codes {
        kind: kinds(&mut t, "kind")?,
        code: t.strs("code", None)?,
        product_id: t.ints("product_id", None)?,
        ..Codes::default()
    };
    let factor = t.decimals("factor", Some(Decimal::ONE))?;
    t.finish()?;
    Ok((c, factor))
}

fn read_products(obj: &Bound<'_, PyAny>, d: &mut Decimals) -> PyResult<Products> {
    let mut t = Table::new("products", Some(obj))?;
    let mut p = Products {
        product_id: t.ints("product_id", None)?,
        category_id: t.ints("category_id", Some(0))?,
        risk_class: t.ints("risk_class", Some(0))?,
        ..Products::default()
    };
    d.column(t.decimals("cost", Some(Decimal::ZERO))?, |i| {
        &mut i.products.cost
    });
    d.column(t.decimals("rounding", Some(Decimal::new(1, 2)))?, |i| {
        &mut i.products.rounding
    });
    p.tracked = t.bools("tracked", Some(true))?;
    t.finish()?;
    Ok(p)
}

/// The counting units: [product_id, unit, factor] (shared with the
/// consumption engine's binding).
pub(super) fn read_packs(obj: Option<&Bound<'_, PyAny>>) -> PyResult<WithFactor<Packs>> {
    let mut t = Table::new("packs", obj)?;
    let p = Packs {
        product_id: t.ints("product_id", Some(0))?,
        unit: t.strs("unit", Some(String::new()))?,
        ..Packs::default()
    };
    let factor = t.decimals("factor", Some(Decimal::ONE))?;
    t.finish()?;
    Ok((p, factor))
}

fn read_lots(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Lots> {
    let mut t = Table::new("lots", obj)?;
    let l = Lots {
        lot_id: t.ints("lot_id", Some(0))?,
        product_id: t.ints("product_id", Some(0))?,
        name: t.strs("name", Some(String::new()))?,
        expiry: t.opt_dates("expiry", NO_DATE)?,
    };
    t.finish()?;
    Ok(l)
}

fn read_quants(obj: Option<&Bound<'_, PyAny>>, d: &mut Decimals) -> PyResult<Quants> {
    let mut t = Table::new("quants", obj)?;
    let q = Quants {
        location_id: t.ints("location_id", Some(0))?,
        product_id: t.ints("product_id", Some(0))?,
        lot_id: t.ints("lot_id", Some(0))?,
        ..Quants::default()
    };
    d.column(t.decimals("qty", Some(Decimal::ZERO))?, |i| {
        &mut i.quants.qty
    });
    t.finish()?;
    Ok(q)
}

fn read_moves(obj: Option<&Bound<'_, PyAny>>, d: &mut Decimals) -> PyResult<Moves> {
    let mut t = Table::new("moves", obj)?;
    let m = Moves {
        location_id: t.ints("location_id", Some(0))?,
        location_dest_id: t.ints("location_dest_id", Some(0))?,
        product_id: t.ints("product_id", Some(0))?,
        lot_id: t.ints("lot_id", Some(0))?,
        date: t.ints("date", Some(0))?,
        ..Moves::default()
    };
    d.column(t.decimals("qty", Some(Decimal::ZERO))?, |i| {
        &mut i.moves.qty
    });
    t.finish()?;
    Ok(m)
}

fn read_rules(obj: Option<&Bound<'_, PyAny>>, d: &mut Decimals) -> PyResult<Vec<Rule>> {
    let mut t = Table::new("rules", obj)?;
    let mut rules: Vec<Rule> = t
        .ints("rule_id", Some(0))?
        .into_iter()
        .map(|rule_id| Rule {
            rule_id,
            ..Rule::default()
        })
        .collect();
    let scope: [(&str, Scope); 3] = [
        ("location_id", |r| &mut r.location_id),
        ("category_id", |r| &mut r.category_id),
        ("risk_class", |r| &mut r.risk_class),
    ];
    for (col, into) in scope {
        for (rule, v) in rules.iter_mut().zip(t.ints(col, Some(0))?) {
            *into(rule) = v;
        }
    }
    let limits: [(&str, Limit); 4] = [
        ("auto_qty", |r| &mut r.auto_qty),
        ("auto_pct", |r| &mut r.auto_pct),
        ("auto_value", |r| &mut r.auto_value),
        ("four_eyes_value", |r| &mut r.four_eyes_value),
    ];
    for (col, into) in limits {
        d.limit(format!("rules.{col}"), t.opt_decimals(col)?, into);
    }
    t.finish()?;
    Ok(rules)
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
    let tables = Tables {
        snapshot,
        locations,
        codes,
        products,
        packs,
        lots,
        quants,
        moves,
        rules,
    };
    let mut decimals = Decimals::default();
    let input = read_input(&tables, &mut decimals)?;
    let value_rounding = match value_rounding {
        Some(v) => super::convert::scalar(v, "value_rounding")?,
        None => Decimal::new(1, 2),
    };
    let options = Options {
        as_of,
        full,
        timing_window,
        value_rounding,
    };
    let read_s = started.elapsed().as_secs_f64();
    let (out, times) = detached(py, move || convert_and_run(input, decimals, options))?;
    let t_build = Instant::now();
    let result = build_output(py, out)?;
    let stats = PyDict::new(py);
    stats.set_item("read_s", read_s)?;
    stats.set_item("convert_s", times.convert_s)?;
    stats.set_item("engine_s", times.engine_s)?;
    stats.set_item(
        "build_s",
        times.transpose_s + t_build.elapsed().as_secs_f64(),
    )?;
    stats.set_item("threads", crate::pool::configured_threads())?;
    result.set_item("stats", stats)?;
    Ok(result)
}

/// Seconds spent with the GIL released.
struct Times {
    convert_s: f64,
    engine_s: f64,
    transpose_s: f64,
}

/// Convert the decimals, run the engine and transpose its output (the GIL
/// released).
fn convert_and_run(
    mut input: Input,
    decimals: Decimals,
    options: Options,
) -> Result<(Columns, Times)> {
    let t0 = Instant::now();
    decimals.convert(&mut input)?;
    let t1 = Instant::now();
    let out = reconcile::run(&input, &options)?;
    let engine_s = t1.elapsed().as_secs_f64();
    drop(input);
    let t2 = Instant::now();
    let columns = transpose(out);
    let times = Times {
        convert_s: (t1 - t0).as_secs_f64(),
        engine_s,
        transpose_s: t2.elapsed().as_secs_f64(),
    };
    Ok((columns, times))
}

/// An output column: its name and how its value is read from a row or a key.
type Out<T, V> = (&'static str, fn(&T) -> V);

/// The output columns of numbers and flags: adding a column is one line here.
const ROW_INTS: &[Out<RowOut, i64>] = &[
    ("location_id", |r| r.location_id),
    ("product_id", |r| r.product_id),
    ("lot_id", |r| r.lot_id),
    ("key", |r| r.key.map_or(-1, |k| k as i64)),
];
const KEY_INTS: &[Out<KeyOut, i64>] = &[
    ("location_id", |k| k.location_id),
    ("product_id", |k| k.product_id),
    ("lot_id", |k| k.lot_id),
    ("rule_id", |k| k.rule_id),
    ("expiry", |k| k.expiry as i64),
    ("ext_expiry", |k| k.ext_expiry as i64),
];
const KEY_NUMS: &[Out<KeyOut, Decimal>] = &[
    ("ext_qty", |k| k.ext_qty),
    ("odoo_qty", |k| k.odoo_qty),
    ("quant_qty", |k| k.quant_qty),
    ("history_qty", |k| k.history_qty),
    ("moves_after", |k| k.moves_after),
    ("diff", |k| k.diff),
    ("value", |k| k.value),
    ("factor", |k| k.factor),
    ("drift", |k| k.drift),
];
const KEY_FLAGS: &[Out<KeyOut, bool>] = &[
    ("counted", |k| k.counted),
    ("in_snapshot", |k| k.in_snapshot),
    ("negative", |k| k.negative),
    ("expired", |k| k.expired),
];

/// The engine's output transposed into columns in one pass (GIL released).
struct Columns {
    row_status: Vec<u8>,
    row_ints: [Vec<i64>; ROW_INTS.len()],
    row_qty: Vec<f64>,
    key_ints: [Vec<i64>; KEY_INTS.len()],
    key_nums: [Vec<f64>; KEY_NUMS.len()],
    key_flags: [Vec<bool>; KEY_FLAGS.len()],
    key_class: Vec<u8>,
    key_approval: Vec<u8>,
    lot_name: Vec<String>,
}

fn position<T: PartialEq>(all: &[T], x: &T) -> u8 {
    all.iter().position(|s| s == x).unwrap_or(0) as u8
}

/// Push each column's value of `item` onto its column.
fn push<T, V>(cols: &mut [Vec<V>], specs: &[Out<T, V>], item: &T) {
    for (col, (_, get)) in cols.iter_mut().zip(specs) {
        col.push(get(item));
    }
}

fn transpose(out: reconcile::Output) -> Columns {
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
        push(&mut c.row_ints, ROW_INTS, r);
        c.row_qty.push(f(r.qty));
    }
    for k in out.keys {
        push(&mut c.key_ints, KEY_INTS, &k);
        for (col, (_, get)) in c.key_nums.iter_mut().zip(KEY_NUMS) {
            col.push(f(get(&k)));
        }
        push(&mut c.key_flags, KEY_FLAGS, &k);
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
    let row_codes = shared(&RowStatus::ALL.map(|s| s.code()));
    rows.set_item("status", strs(&row_codes, &c.row_status))?;
    for ((name, _), col) in ROW_INTS.iter().zip(&c.row_ints) {
        rows.set_item(*name, i64_array(py, col)?)?;
    }
    rows.set_item("qty", f64_array(py, &c.row_qty)?)?;

    let keys = PyDict::new(py);
    for ((name, _), col) in KEY_INTS.iter().zip(&c.key_ints) {
        keys.set_item(*name, i64_array(py, col)?)?;
    }
    for ((name, _), col) in KEY_NUMS.iter().zip(&c.key_nums) {
        keys.set_item(*name, f64_array(py, col)?)?;
    }
    for ((name, _), col) in KEY_FLAGS.iter().zip(c.key_flags) {
        keys.set_item(*name, col)?;
    }
    let class_codes = shared(&Class::ALL.map(|s| s.code()));
    let approval_codes = shared(&Approval::ALL.map(|s| s.code()));
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
