//! Python face of `crate::matching`: `match_bills(lines, po_lines, ...)`.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::convert::{detached, typed_array, Raw};
use super::errors::to_py;
use super::table::{RawColumn, Table};
use crate::error::{Error, Location, Result};
use crate::matching::duplicates::{Bill, Window};
use crate::matching::tolerance::{Rule, Rules, Scope};
use crate::matching::{
    self, BillLines, Billed, Contracts, Input, Level, Options, PoLines, Receipts,
};
use crate::numeric::decimal_to_f64;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(match_bills, m)?)?;
    Ok(())
}

/// Everything read under the GIL, before conversion.
struct Raws {
    lines_qty: RawColumn,
    lines_uom_ratio: RawColumn,
    lines_qty_rounding: RawColumn,
    lines_price_unit: RawColumn,
    lines_discount: RawColumn,
    lines_rate: RawColumn,
    po_qty_ordered: RawColumn,
    po_price_unit: RawColumn,
    po_discount: RawColumn,
    po_uom_ratio: RawColumn,
    po_rate: RawColumn,
    po_qty_consumed: RawColumn,
    receipts_qty: RawColumn,
    billed_qty: RawColumn,
    contracts_price: RawColumn,
    contracts_min_qty: RawColumn,
    bills_amount: RawColumn,
    rules: Vec<RawRule>,
}

/// A tolerance rule as read: id, company, scope, target, the seven optional
/// limits (as in `Rule`, in declaration order), allow_favourable.
struct RawRule {
    id: i64,
    company: i64,
    scope: Scope,
    target: i64,
    limits: [Option<Raw>; 7],
    favourable: bool,
}

fn opt(r: Option<Raw>, field: &str, row: usize) -> Result<Option<Decimal>> {
    r.map(|x| x.to_decimal(|| Location::row(field.to_string(), row)))
        .transpose()
}

/// Match vendor bill lines against purchase order lines, receipts and contract
/// prices, in one call for the whole batch. Every argument is a dict of
/// columns (lists of equal length); see the stub for the columns. Returns a
/// dict with `lines`, `allocations` and `duplicates` (dicts of columns) and
/// `stats`.
#[pyfunction]
#[pyo3(signature = (lines, po_lines, receipts=None, billed=None, contracts=None, rules=None, bills=None, *,
                    price_digits=4, amount_rounding=None, duplicate_amount_pct=None, duplicate_days=45))]
#[allow(clippy::too_many_arguments)]
fn match_bills<'py>(
    py: Python<'py>,
    lines: &Bound<'py, PyAny>,
    po_lines: &Bound<'py, PyAny>,
    receipts: Option<&Bound<'py, PyAny>>,
    billed: Option<&Bound<'py, PyAny>>,
    contracts: Option<&Bound<'py, PyAny>>,
    rules: Option<&Bound<'py, PyAny>>,
    bills: Option<&Bound<'py, PyAny>>,
    price_digits: u32,
    amount_rounding: Option<&Bound<'py, PyAny>>,
    duplicate_amount_pct: Option<&Bound<'py, PyAny>>,
    duplicate_days: i32,
) -> PyResult<Bound<'py, PyDict>> {
    let started = Instant::now();
    let mut input = Input::default();

    let mut t = Table::new("lines", Some(lines))?;
    let l = &mut input.lines;
    l.line_id = t.ints("line_id", None)?;
    l.bill_id = t.ints("bill_id", None)?;
    l.vendor_id = t.ints("vendor_id", None)?;
    l.product_id = t.ints("product_id", None)?;
    l.company_id = t.ints("company_id", Some(0))?;
    l.category_id = t.ints("category_id", Some(0))?;
    l.currency_id = t.ints("currency_id", Some(0))?;
    l.po_line_id = t.ints("po_line_id", Some(0))?;
    l.date = t.dates("date", None)?;
    l.is_refund = t.bools("is_refund", Some(false))?;
    let kinds = t.strs("kind", Some("stock".into()))?;
    l.level = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            Level::parse(k).ok_or_else(|| {
                to_py(
                    py,
                    Error::input(
                        Location::row("lines.kind", i),
                        format!("{k:?}: expected stock, service or consigned"),
                    ),
                )
            })
        })
        .collect::<PyResult<_>>()?;
    let lines_qty = t.decimals("qty", None)?;
    let lines_price_unit = t.decimals("price_unit", None)?;
    let lines_uom_ratio = t.decimals("uom_ratio", Some(Decimal::ONE))?;
    let lines_qty_rounding = t.decimals("qty_rounding", Some(Decimal::new(1, 2)))?;
    let lines_discount = t.decimals("discount", Some(Decimal::ZERO))?;
    let lines_rate = t.decimals("rate", Some(Decimal::ONE))?;
    t.finish()?;

    let mut t = Table::new("po_lines", Some(po_lines))?;
    let p = &mut input.po_lines;
    p.po_line_id = t.ints("po_line_id", None)?;
    p.vendor_id = t.ints("vendor_id", None)?;
    p.product_id = t.ints("product_id", None)?;
    p.order_date = t.dates("order_date", Some(0))?;
    p.currency_id = t.ints("currency_id", Some(0))?;
    let po_qty_ordered = t.decimals("qty_ordered", None)?;
    let po_price_unit = t.decimals("price_unit", None)?;
    let po_discount = t.decimals("discount", Some(Decimal::ZERO))?;
    let po_uom_ratio = t.decimals("uom_ratio", Some(Decimal::ONE))?;
    let po_rate = t.decimals("rate", Some(Decimal::ONE))?;
    let po_qty_consumed = t.decimals("qty_consumed", Some(Decimal::ZERO))?;
    t.finish()?;

    let mut t = Table::new("receipts", receipts)?;
    input.receipts.po_line_id = t.ints("po_line_id", Some(0))?;
    input.receipts.date = t.dates("date", Some(0))?;
    let receipts_qty = t.decimals("qty", Some(Decimal::ZERO))?;
    t.finish()?;

    let mut t = Table::new("billed", billed)?;
    input.billed.po_line_id = t.ints("po_line_id", Some(0))?;
    input.billed.bill_id = t.ints("bill_id", Some(0))?;
    input.billed.date = t.dates("date", Some(0))?;
    let billed_qty = t.decimals("qty", Some(Decimal::ZERO))?;
    t.finish()?;

    let mut t = Table::new("contracts", contracts)?;
    let c = &mut input.contracts;
    c.vendor_id = t.ints("vendor_id", Some(0))?;
    c.product_id = t.ints("product_id", Some(0))?;
    c.currency_id = t.ints("currency_id", Some(0))?;
    c.date_start = t.dates("date_start", Some(i32::MIN))?;
    c.date_end = t.dates("date_end", Some(i32::MAX))?;
    let contracts_price = t.decimals("price", Some(Decimal::ZERO))?;
    let contracts_min_qty = t.decimals("min_qty", Some(Decimal::ZERO))?;
    t.finish()?;

    let mut t = Table::new("rules", rules)?;
    let rule_id = t.ints("rule_id", Some(0))?;
    let company = t.ints("company_id", Some(0))?;
    let scopes = t.strs("scope", Some("company".into()))?;
    let target = t.ints("target_id", Some(0))?;
    let limits = [
        t.opt_decimals("qty_over_pct")?,
        t.opt_decimals("qty_over_abs")?,
        t.opt_decimals("price_over_pct")?,
        t.opt_decimals("price_over_abs")?,
        t.opt_decimals("price_under_pct")?,
        t.opt_decimals("price_under_abs")?,
        t.opt_decimals("amount_over_abs")?,
    ];
    let favourable = t.bools("allow_favourable", Some(false))?;
    t.finish()?;
    let mut raw_rules = Vec::with_capacity(rule_id.len());
    for i in 0..rule_id.len() {
        let scope = Scope::parse(&scopes[i]).ok_or_else(|| {
            to_py(
                py,
                Error::input(
                    Location::row("rules.scope", i),
                    format!(
                        "{:?}: expected company, vendor, category or product",
                        scopes[i]
                    ),
                ),
            )
        })?;
        let lim = std::array::from_fn(|k| limits[k].get(i).copied().flatten());
        raw_rules.push(RawRule {
            id: rule_id[i],
            company: company[i],
            scope,
            target: target[i],
            limits: lim,
            favourable: favourable[i],
        });
    }

    let mut t = Table::new("bills", bills)?;
    let b_id = t.ints("bill_id", Some(0))?;
    let b_vendor = t.ints("vendor_id", Some(0))?;
    let b_date = t.dates("date", Some(0))?;
    let b_ref = t.strs("ref", Some(String::new()))?;
    let b_refund = t.bools("is_refund", Some(false))?;
    let b_batch = t.bools("in_batch", Some(true))?;
    let bills_amount = t.decimals("amount", Some(Decimal::ZERO))?;
    t.finish()?;

    let amount_rounding = match amount_rounding {
        Some(a) => super::convert::scalar(a, "amount_rounding")?,
        None => Decimal::new(1, 2),
    };
    let dup_pct = match duplicate_amount_pct {
        Some(a) => super::convert::scalar(a, "duplicate_amount_pct")?,
        None => Decimal::ZERO,
    };
    let options = Options {
        price_digits,
        amount_rounding,
        duplicate_window: Window {
            amount_pct: dup_pct,
            days: duplicate_days,
        },
    };
    let raws = Raws {
        lines_qty,
        lines_uom_ratio,
        lines_qty_rounding,
        lines_price_unit,
        lines_discount,
        lines_rate,
        po_qty_ordered,
        po_price_unit,
        po_discount,
        po_uom_ratio,
        po_rate,
        po_qty_consumed,
        receipts_qty,
        billed_qty,
        contracts_price,
        contracts_min_qty,
        bills_amount,
        rules: raw_rules,
    };
    let bill_cols = (b_id, b_vendor, b_date, b_ref, b_refund, b_batch);
    let read_s = started.elapsed().as_secs_f64();

    let (out, parts, convert_s, engine_s, columns_s) = detached(py, move || {
        let t0 = Instant::now();
        finish_input(&mut input, raws, bill_cols)?;
        let t1 = Instant::now();
        let out = matching::run_sharded(&input, &options)?;
        let t2 = Instant::now();
        drop(input);
        let parts = columns(&out);
        Ok((
            out,
            parts,
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            t2.elapsed().as_secs_f64(),
        ))
    })?;
    let t_build = Instant::now();
    let phases = out.phases;
    let result = build_output(py, &out, &parts)?;
    let stats = PyDict::new(py);
    for (name, s) in ["validate_s", "index_s", "match_s", "gather_s"]
        .iter()
        .zip(phases)
    {
        stats.set_item(*name, s)?;
    }
    stats.set_item("read_s", read_s)?;
    stats.set_item("convert_s", convert_s)?;
    stats.set_item("engine_s", engine_s)?;
    stats.set_item("columns_s", columns_s)?;
    stats.set_item("build_s", t_build.elapsed().as_secs_f64())?;
    stats.set_item("threads", crate::pool::configured_threads())?;
    result.set_item("stats", stats)?;
    Ok(result)
}

type BillCols = (
    Vec<i64>,
    Vec<i64>,
    Vec<i32>,
    Vec<String>,
    Vec<bool>,
    Vec<bool>,
);

fn finish_input(input: &mut Input, r: Raws, bills: BillCols) -> Result<()> {
    let l: &mut BillLines = &mut input.lines;
    l.qty = r.lines_qty.decimals()?;
    l.uom_ratio = r.lines_uom_ratio.decimals()?;
    l.qty_rounding = r.lines_qty_rounding.decimals()?;
    l.price_unit = r.lines_price_unit.decimals()?;
    l.discount = r.lines_discount.decimals()?;
    l.rate = r.lines_rate.decimals()?;
    let p: &mut PoLines = &mut input.po_lines;
    p.qty_ordered = r.po_qty_ordered.decimals()?;
    p.price_unit = r.po_price_unit.decimals()?;
    p.discount = r.po_discount.decimals()?;
    p.uom_ratio = r.po_uom_ratio.decimals()?;
    p.rate = r.po_rate.decimals()?;
    p.qty_consumed = r.po_qty_consumed.decimals()?;
    let rc: &mut Receipts = &mut input.receipts;
    rc.qty = r.receipts_qty.decimals()?;
    let b: &mut Billed = &mut input.billed;
    b.qty = r.billed_qty.decimals()?;
    let c: &mut Contracts = &mut input.contracts;
    c.price = r.contracts_price.decimals()?;
    c.min_qty = r.contracts_min_qty.decimals()?;
    let mut rules = Rules::default();
    for (i, raw) in r.rules.into_iter().enumerate() {
        let f = |k: usize, name: &str| opt(raw.limits[k], name, i);
        rules.push(
            raw.company,
            raw.scope,
            raw.target,
            Rule {
                id: raw.id,
                qty_over_pct: f(0, "rules.qty_over_pct")?,
                qty_over_abs: f(1, "rules.qty_over_abs")?,
                price_over_pct: f(2, "rules.price_over_pct")?,
                price_over_abs: f(3, "rules.price_over_abs")?,
                price_under_pct: f(4, "rules.price_under_pct")?,
                price_under_abs: f(5, "rules.price_under_abs")?,
                amount_over_abs: f(6, "rules.amount_over_abs")?,
                allow_favourable: raw.favourable,
            },
        );
    }
    input.rules = rules;
    let amounts = r.bills_amount.decimals()?;
    let (id, vendor, date, reference, refund, batch) = bills;
    input.bills = (0..id.len())
        .map(|i| Bill {
            id: id[i],
            vendor_id: vendor[i],
            date: date[i],
            reference: reference[i].clone(),
            amount: amounts[i],
            is_refund: refund[i],
            in_batch: batch[i],
        })
        .collect();
    Ok(())
}

/// The numeric result columns, in this order.
const NUMS: [&str; 11] = [
    "qty",
    "qty_ordered",
    "qty_received",
    "qty_consumed",
    "qty_billed_before",
    "qty_variance",
    "price",
    "price_variance",
    "amount_variance",
    "price_po",
    "price_contract",
];

/// No tolerance rule applied (`rule_scope` None).
const NO_SCOPE: u8 = u8::MAX;

/// A run of results in input order, as columns: built in parallel without the
/// GIL, so that only Python objects are made while holding it.
#[derive(Default)]
struct Part {
    line_id: Vec<i64>,
    po_line_id: Vec<i64>,
    rule_id: Vec<i64>,
    status: Vec<u8>,
    level: Vec<u8>,
    scope: Vec<u8>,
    nums: [Vec<f64>; 11],
    alloc_line: Vec<i64>,
    alloc_po: Vec<i64>,
    alloc_qty: Vec<f64>,
    /// The explanations, one after the other, and where each ends.
    text: String,
    text_end: Vec<usize>,
}

fn columns(out: &matching::Sharded) -> Vec<Part> {
    let n = out.len();
    let chunk = (n / (crate::pool::configured_threads() * 8)).max(4096);
    let part = |c: usize| {
        let rows = c * chunk..n.min((c + 1) * chunk);
        let mut p = Part {
            nums: std::array::from_fn(|_| Vec::with_capacity(rows.len())),
            ..Part::default()
        };
        for i in rows {
            let r = out.line(i);
            for a in out.allocations(i) {
                p.alloc_line.push(a.line_id);
                p.alloc_po.push(a.po_line_id);
                p.alloc_qty.push(decimal_to_f64(a.qty));
            }
            p.text.push_str(out.explanation(i));
            p.text_end.push(p.text.len());
            p.line_id.push(r.line_id);
            p.po_line_id.push(r.po_line_id);
            p.rule_id.push(r.rule_id);
            p.status.push(r.status as u8);
            p.level.push(r.level as u8);
            p.scope.push(r.rule_scope.map_or(NO_SCOPE, |s| s as u8));
            let values = [
                r.qty,
                r.qty_ordered,
                r.qty_received,
                r.qty_consumed,
                r.qty_billed_before,
                r.qty_variance,
                r.price,
                r.price_variance,
                r.amount_variance,
            ];
            for (k, v) in values.into_iter().enumerate() {
                p.nums[k].push(decimal_to_f64(v));
            }
            p.nums[9].push(r.price_po.map_or(f64::NAN, decimal_to_f64));
            p.nums[10].push(r.price_contract.map_or(f64::NAN, decimal_to_f64));
        }
        p
    };
    let chunks = n.div_ceil(chunk);
    if chunks <= 1 {
        (0..chunks).map(part).collect()
    } else {
        (0..chunks).into_par_iter().map(part).collect()
    }
}

fn build_output<'py>(
    py: Python<'py>,
    out: &matching::Sharded,
    parts: &[Part],
) -> PyResult<Bound<'py, PyDict>> {
    // one Python string per code, shared by every row (the enums' order is
    // their declaration order)
    let strings = |names: &[&str]| -> Vec<Bound<'py, PyString>> {
        names.iter().map(|s| PyString::new(py, s)).collect()
    };
    let status_str = strings(&matching::Status::ALL.map(|s| s.code()));
    let level_str = strings(&[
        Level::TwoWay.name(),
        Level::ThreeWay.name(),
        Level::Consumption.name(),
    ]);
    let scope_str = strings(&["company", "vendor", "category", "product"]);
    let ints = |f: fn(&Part) -> &Vec<i64>| -> PyResult<Bound<'py, PyAny>> {
        let cols: Vec<&[i64]> = parts.iter().map(|p| f(p).as_slice()).collect();
        typed_array(py, "q", &cols)
    };
    let floats = |f: &dyn Fn(&Part) -> &Vec<f64>| -> PyResult<Bound<'py, PyAny>> {
        let cols: Vec<&[f64]> = parts.iter().map(|p| f(p).as_slice()).collect();
        typed_array(py, "d", &cols)
    };
    let codes = |f: fn(&Part) -> &Vec<u8>| parts.iter().flat_map(move |p| f(p).iter().copied());

    let lines = PyDict::new(py);
    lines.set_item("line_id", ints(|p| &p.line_id)?)?;
    lines.set_item(
        "status",
        PyList::new(py, codes(|p| &p.status).map(|c| &status_str[c as usize]))?,
    )?;
    lines.set_item(
        "level",
        PyList::new(py, codes(|p| &p.level).map(|c| &level_str[c as usize]))?,
    )?;
    lines.set_item(
        "hold",
        PyList::new(
            py,
            codes(|p| &p.status).map(|c| matching::Status::ALL[c as usize].holds()),
        )?,
    )?;
    lines.set_item("po_line_id", ints(|p| &p.po_line_id)?)?;
    for (k, name) in NUMS.iter().enumerate() {
        lines.set_item(*name, floats(&|p: &Part| &p.nums[k])?)?;
    }
    lines.set_item("rule_id", ints(|p| &p.rule_id)?)?;
    lines.set_item(
        "rule_scope",
        PyList::new(
            py,
            codes(|p| &p.scope).map(|c| scope_str.get(c as usize).cloned()),
        )?,
    )?;
    let texts = parts.iter().flat_map(|p| {
        p.text_end.iter().scan(0, |start, &end| {
            Some(&p.text[std::mem::replace(start, end)..end])
        })
    });
    lines.set_item("explanation", PyList::new(py, texts)?)?;

    let allocations = PyDict::new(py);
    allocations.set_item("line_id", ints(|p| &p.alloc_line)?)?;
    allocations.set_item("po_line_id", ints(|p| &p.alloc_po)?)?;
    allocations.set_item("qty", floats(&|p: &Part| &p.alloc_qty)?)?;
    let dups = PyDict::new(py);
    dups.set_item(
        "bill_id",
        out.duplicates.iter().map(|s| s.bill_id).collect::<Vec<_>>(),
    )?;
    dups.set_item(
        "duplicate_of",
        out.duplicates
            .iter()
            .map(|s| s.duplicate_of)
            .collect::<Vec<_>>(),
    )?;
    dups.set_item(
        "reason",
        out.duplicates.iter().map(|s| s.reason).collect::<Vec<_>>(),
    )?;
    let result = PyDict::new(py);
    result.set_item("lines", lines)?;
    result.set_item("allocations", allocations)?;
    result.set_item("duplicates", dups)?;
    Ok(result)
}
