//! Python face of `crate::matching`: `match_bills(lines, po_lines, ...)`.
//!
//! One reader per input table, as `dedupe::read_records` does: the typed
//! columns are read under the GIL straight into the engine's tables, the
//! decimal columns kept raw and converted once the GIL is released. Adding a
//! column is a line in its table's reader.

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
    let read = ReadInput {
        lines: read_lines(py, lines)?,
        po_lines: read_po_lines(po_lines)?,
        receipts: read_receipts(receipts)?,
        billed: read_billed(billed)?,
        contracts: read_contracts(contracts)?,
        rules: read_rules(py, rules)?,
        bills: read_bills(bills)?,
    };
    let options = read_options(
        price_digits,
        amount_rounding,
        duplicate_amount_pct,
        duplicate_days,
    )?;
    let read_s = started.elapsed().as_secs_f64();

    let (out, parts, convert_s, engine_s, columns_s) = detached(py, move || {
        let t0 = Instant::now();
        let input = read.finish()?;
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
    let result = build_output(py, &out, &parts)?;
    let seconds = [read_s, convert_s, engine_s, columns_s];
    result.set_item("stats", stats(py, out.phases, seconds, t_build)?)?;
    Ok(result)
}

/// The run's timings: the engine's phases, then the binding's own steps
/// (`seconds`: read, convert, engine, columns; build since `t_build`).
fn stats<'py>(
    py: Python<'py>,
    phases: [f64; 4],
    seconds: [f64; 4],
    t_build: Instant,
) -> PyResult<Bound<'py, PyDict>> {
    let stats = PyDict::new(py);
    for (name, s) in ["validate_s", "index_s", "match_s", "gather_s"]
        .iter()
        .zip(phases)
    {
        stats.set_item(*name, s)?;
    }
    for (name, s) in ["read_s", "convert_s", "engine_s", "columns_s"]
        .iter()
        .zip(seconds)
    {
        stats.set_item(*name, s)?;
    }
    stats.set_item("build_s", t_build.elapsed().as_secs_f64())?;
    stats.set_item("threads", crate::pool::configured_threads())?;
    Ok(stats)
}

// ---------------------------------------------------------------------- readers

/// Every input table as read under the GIL.
struct ReadInput {
    lines: Pending<BillLines>,
    po_lines: Pending<PoLines>,
    receipts: Pending<Receipts>,
    billed: Pending<Billed>,
    contracts: Pending<Contracts>,
    rules: ReadRules,
    bills: (Vec<Bill>, RawColumn),
}

impl ReadInput {
    /// The engine's input, the raw columns converted (table by table, in
    /// the order read: the first bad value is the one reported).
    fn finish(self) -> Result<Input> {
        Ok(Input {
            lines: self.lines.finish()?,
            po_lines: self.po_lines.finish()?,
            receipts: self.receipts.finish()?,
            billed: self.billed.finish()?,
            contracts: self.contracts.finish()?,
            rules: self.rules.finish()?,
            bills: {
                let (mut bills, amount) = self.bills;
                for (bill, a) in bills.iter_mut().zip(amount.decimals()?) {
                    bill.amount = a;
                }
                bills
            },
        })
    }
}

/// The decimal column of a table `T` a raw column is converted into.
type Field<T> = fn(&mut T) -> &mut Vec<Decimal>;

/// A table read under the GIL, its decimal columns still raw: `finish`
/// converts them into their fields, in the order they were registered.
struct Pending<T> {
    table: T,
    raw: Vec<(RawColumn, Field<T>)>,
}

impl<T> Pending<T> {
    fn new(table: T) -> Self {
        Pending {
            table,
            raw: Vec::new(),
        }
    }

    /// Read decimal column `col` of `t` for `field` (converted later).
    fn read(
        &mut self,
        t: &mut Table<'_>,
        col: &str,
        default: Option<Decimal>,
        field: Field<T>,
    ) -> PyResult<()> {
        let raw = t.decimals(col, default)?;
        self.later(raw, field);
        Ok(())
    }

    /// Convert `raw` into `field` at `finish`, after those registered before.
    fn later(&mut self, raw: RawColumn, field: Field<T>) {
        self.raw.push((raw, field));
    }

    fn finish(self) -> Result<T> {
        let Pending { mut table, raw } = self;
        for (column, field) in raw {
            *field(&mut table) = column.decimals()?;
        }
        Ok(table)
    }
}

/// The codes of an enum column parsed by `parse`; a code it refuses is an
/// input error at its row naming what is `expected`.
fn parse_codes<T>(
    py: Python<'_>,
    field: &str,
    codes: &[String],
    parse: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> PyResult<Vec<T>> {
    codes
        .iter()
        .enumerate()
        .map(|(i, k)| {
            parse(k).ok_or_else(|| {
                to_py(
                    py,
                    Error::input(
                        Location::row(field.to_string(), i),
                        format!("{k:?}: expected {expected}"),
                    ),
                )
            })
        })
        .collect()
}

fn read_lines(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Pending<BillLines>> {
    let mut t = Table::new("lines", Some(obj))?;
    let lines = BillLines {
        line_id: t.ints("line_id", None)?,
        bill_id: t.ints("bill_id", None)?,
        vendor_id: t.ints("vendor_id", None)?,
        product_id: t.ints("product_id", None)?,
        company_id: t.ints("company_id", Some(0))?,
        category_id: t.ints("category_id", Some(0))?,
        currency_id: t.ints("currency_id", Some(0))?,
        po_line_id: t.ints("po_line_id", Some(0))?,
        date: t.dates("date", None)?,
        is_refund: t.bools("is_refund", Some(false))?,
        level: parse_codes(
            py,
            "lines.kind",
            &t.strs("kind", Some("stock".into()))?,
            Level::parse,
            "stock, service or consigned",
        )?,
        ..BillLines::default()
    };
    let mut p = Pending::new(lines);
    p.read(&mut t, "qty", None, |l| &mut l.qty)?;
    // price_unit is read second but converted after uom_ratio and
    // qty_rounding: with several bad columns, the same one is reported first
    let price_unit = t.decimals("price_unit", None)?;
    p.read(&mut t, "uom_ratio", Some(Decimal::ONE), |l| {
        &mut l.uom_ratio
    })?;
    p.read(&mut t, "qty_rounding", Some(Decimal::new(1, 2)), |l| {
        &mut l.qty_rounding
    })?;
    p.later(price_unit, |l| &mut l.price_unit);
    p.read(&mut t, "discount", Some(Decimal::ZERO), |l| &mut l.discount)?;
    p.read(&mut t, "rate", Some(Decimal::ONE), |l| &mut l.rate)?;
    t.finish()?;
    Ok(p)
}

fn read_po_lines(obj: &Bound<'_, PyAny>) -> PyResult<Pending<PoLines>> {
    let mut t = Table::new("po_lines", Some(obj))?;
    let mut p = Pending::new(PoLines {
        po_line_id: t.ints("po_line_id", None)?,
        vendor_id: t.ints("vendor_id", None)?,
        product_id: t.ints("product_id", None)?,
        order_date: t.dates("order_date", Some(0))?,
        currency_id: t.ints("currency_id", Some(0))?,
        ..PoLines::default()
    });
    p.read(&mut t, "qty_ordered", None, |p| &mut p.qty_ordered)?;
    p.read(&mut t, "price_unit", None, |p| &mut p.price_unit)?;
    p.read(&mut t, "discount", Some(Decimal::ZERO), |p| &mut p.discount)?;
    p.read(&mut t, "uom_ratio", Some(Decimal::ONE), |p| {
        &mut p.uom_ratio
    })?;
    p.read(&mut t, "rate", Some(Decimal::ONE), |p| &mut p.rate)?;
    p.read(&mut t, "qty_consumed", Some(Decimal::ZERO), |p| {
        &mut p.qty_consumed
    })?;
    t.finish()?;
    Ok(p)
}

fn read_receipts(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Pending<Receipts>> {
    let mut t = Table::new("receipts", obj)?;
    let mut p = Pending::new(Receipts {
        po_line_id: t.ints("po_line_id", Some(0))?,
        date: t.dates("date", Some(0))?,
        ..Receipts::default()
    });
    p.read(&mut t, "qty", Some(Decimal::ZERO), |r| &mut r.qty)?;
    t.finish()?;
    Ok(p)
}

fn read_billed(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Pending<Billed>> {
    let mut t = Table::new("billed", obj)?;
    let mut p = Pending::new(Billed {
        po_line_id: t.ints("po_line_id", Some(0))?,
        bill_id: t.ints("bill_id", Some(0))?,
        date: t.dates("date", Some(0))?,
        ..Billed::default()
    });
    p.read(&mut t, "qty", Some(Decimal::ZERO), |b| &mut b.qty)?;
    t.finish()?;
    Ok(p)
}

fn read_contracts(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Pending<Contracts>> {
    let mut t = Table::new("contracts", obj)?;
    let mut p = Pending::new(Contracts {
        vendor_id: t.ints("vendor_id", Some(0))?,
        product_id: t.ints("product_id", Some(0))?,
        currency_id: t.ints("currency_id", Some(0))?,
        date_start: t.dates("date_start", Some(i32::MIN))?,
        date_end: t.dates("date_end", Some(i32::MAX))?,
        ..Contracts::default()
    });
    p.read(&mut t, "price", Some(Decimal::ZERO), |c| &mut c.price)?;
    p.read(&mut t, "min_qty", Some(Decimal::ZERO), |c| &mut c.min_qty)?;
    t.finish()?;
    Ok(p)
}

/// A tolerance limit: its column and the field of `Rule` it fills.
type Limit = (&'static str, fn(&mut Rule) -> &mut Option<Decimal>);

/// The tolerance limits, in the order they are read and converted.
const LIMITS: [Limit; 7] = [
    ("qty_over_pct", |r| &mut r.qty_over_pct),
    ("qty_over_abs", |r| &mut r.qty_over_abs),
    ("price_over_pct", |r| &mut r.price_over_pct),
    ("price_over_abs", |r| &mut r.price_over_abs),
    ("price_under_pct", |r| &mut r.price_under_pct),
    ("price_under_abs", |r| &mut r.price_under_abs),
    ("amount_over_abs", |r| &mut r.amount_over_abs),
];

/// The tolerance rules as read, their limits still raw (one column per
/// entry of `LIMITS`; None stays None).
struct ReadRules {
    id: Vec<i64>,
    company: Vec<i64>,
    scope: Vec<Scope>,
    target: Vec<i64>,
    limits: Vec<Vec<Option<Raw>>>,
    favourable: Vec<bool>,
}

fn read_rules(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<ReadRules> {
    let mut t = Table::new("rules", obj)?;
    let id = t.ints("rule_id", Some(0))?;
    let company = t.ints("company_id", Some(0))?;
    let scopes = t.strs("scope", Some("company".into()))?;
    let target = t.ints("target_id", Some(0))?;
    let limits = LIMITS
        .iter()
        .map(|(col, _)| t.opt_decimals(col))
        .collect::<PyResult<_>>()?;
    let favourable = t.bools("allow_favourable", Some(false))?;
    t.finish()?;
    // the scopes are parsed once every column is known to be there, for the
    // rows of rule_id (a column given as an iterator may hold more)
    let rows = &scopes[..id.len().min(scopes.len())];
    let expected = "company, vendor, category or product";
    let scope = parse_codes(py, "rules.scope", rows, Scope::parse, expected)?;
    Ok(ReadRules {
        id,
        company,
        scope,
        target,
        limits,
        favourable,
    })
}

impl ReadRules {
    /// The rules, their limits converted rule by rule.
    fn finish(self) -> Result<Rules> {
        let mut rules = Rules::default();
        for i in 0..self.id.len() {
            let mut rule = Rule {
                id: self.id[i],
                allow_favourable: self.favourable[i],
                ..Rule::default()
            };
            for ((col, field), raw) in LIMITS.iter().zip(&self.limits) {
                let at = || Location::row(format!("rules.{col}"), i);
                *field(&mut rule) = raw
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|x| x.to_decimal(at))
                    .transpose()?;
            }
            rules.push(self.company[i], self.scope[i], self.target[i], rule);
        }
        Ok(rules)
    }
}

/// The bill headers (for duplicates), their amounts converted later.
fn read_bills(obj: Option<&Bound<'_, PyAny>>) -> PyResult<(Vec<Bill>, RawColumn)> {
    let mut t = Table::new("bills", obj)?;
    let id = t.ints("bill_id", Some(0))?;
    let vendor = t.ints("vendor_id", Some(0))?;
    let date = t.dates("date", Some(0))?;
    let reference = t.strs("ref", Some(String::new()))?;
    let refund = t.bools("is_refund", Some(false))?;
    let batch = t.bools("in_batch", Some(true))?;
    let amount = t.decimals("amount", Some(Decimal::ZERO))?;
    t.finish()?;
    let bills = (0..id.len())
        .map(|i| Bill {
            id: id[i],
            vendor_id: vendor[i],
            date: date[i],
            reference: reference[i].clone(),
            amount: Decimal::ZERO,
            is_refund: refund[i],
            in_batch: batch[i],
        })
        .collect();
    Ok((bills, amount))
}

fn read_options(
    price_digits: u32,
    amount_rounding: Option<&Bound<'_, PyAny>>,
    duplicate_amount_pct: Option<&Bound<'_, PyAny>>,
    duplicate_days: i32,
) -> PyResult<Options> {
    let amount_rounding = match amount_rounding {
        Some(a) => super::convert::scalar(a, "amount_rounding")?,
        None => Decimal::new(1, 2),
    };
    let dup_pct = match duplicate_amount_pct {
        Some(a) => super::convert::scalar(a, "duplicate_amount_pct")?,
        None => Decimal::ZERO,
    };
    Ok(Options {
        price_digits,
        amount_rounding,
        duplicate_window: Window {
            amount_pct: dup_pct,
            days: duplicate_days,
        },
    })
}

// ---------------------------------------------------------------------- output

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
    let result = PyDict::new(py);
    result.set_item("lines", line_table(py, parts)?)?;
    result.set_item("allocations", allocation_table(py, parts)?)?;
    result.set_item("duplicates", duplicate_table(py, out)?)?;
    Ok(result)
}

/// One integer column, as an `array('q')`, from every part.
fn int_column<'py>(
    py: Python<'py>,
    parts: &[Part],
    f: fn(&Part) -> &Vec<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let cols: Vec<&[i64]> = parts.iter().map(|p| f(p).as_slice()).collect();
    typed_array(py, "q", &cols)
}

/// One float column, as an `array('d')`, from every part.
fn float_column<'py, F>(py: Python<'py>, parts: &[Part], f: F) -> PyResult<Bound<'py, PyAny>>
where
    F: for<'a> Fn(&'a Part) -> &'a Vec<f64>,
{
    let cols: Vec<&[f64]> = parts.iter().map(|p| f(p).as_slice()).collect();
    typed_array(py, "d", &cols)
}

/// A list with `name(code)` for each row of a code column (the codes are
/// the enums' declaration order; names are shared objects, not one per row).
fn code_column<'py, T>(
    py: Python<'py>,
    parts: &[Part],
    f: fn(&Part) -> &Vec<u8>,
    name: impl Fn(usize) -> T,
) -> PyResult<Bound<'py, PyList>>
where
    T: IntoPyObject<'py>,
{
    let name = &name;
    PyList::new(
        py,
        parts
            .iter()
            .flat_map(move |p| f(p).iter().map(move |&c| name(c as usize))),
    )
}

fn line_table<'py>(py: Python<'py>, parts: &[Part]) -> PyResult<Bound<'py, PyDict>> {
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
    let lines = PyDict::new(py);
    lines.set_item("line_id", int_column(py, parts, |p| &p.line_id)?)?;
    let status = code_column(py, parts, |p| &p.status, |c| &status_str[c]);
    lines.set_item("status", status?)?;
    let level = code_column(py, parts, |p| &p.level, |c| &level_str[c]);
    lines.set_item("level", level?)?;
    let hold = code_column(
        py,
        parts,
        |p| &p.status,
        |c| matching::Status::ALL[c].holds(),
    );
    lines.set_item("hold", hold?)?;
    lines.set_item("po_line_id", int_column(py, parts, |p| &p.po_line_id)?)?;
    for (k, name) in NUMS.iter().enumerate() {
        lines.set_item(*name, float_column(py, parts, |p| &p.nums[k])?)?;
    }
    lines.set_item("rule_id", int_column(py, parts, |p| &p.rule_id)?)?;
    let scope = code_column(py, parts, |p| &p.scope, |c| scope_str.get(c).cloned());
    lines.set_item("rule_scope", scope?)?;
    let texts = parts.iter().flat_map(|p| {
        p.text_end.iter().scan(0, |start, &end| {
            Some(&p.text[std::mem::replace(start, end)..end])
        })
    });
    lines.set_item("explanation", PyList::new(py, texts)?)?;
    Ok(lines)
}

fn allocation_table<'py>(py: Python<'py>, parts: &[Part]) -> PyResult<Bound<'py, PyDict>> {
    let allocations = PyDict::new(py);
    allocations.set_item("line_id", int_column(py, parts, |p| &p.alloc_line)?)?;
    allocations.set_item("po_line_id", int_column(py, parts, |p| &p.alloc_po)?)?;
    allocations.set_item("qty", float_column(py, parts, |p| &p.alloc_qty)?)?;
    Ok(allocations)
}

fn duplicate_table<'py>(py: Python<'py>, out: &matching::Sharded) -> PyResult<Bound<'py, PyDict>> {
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
    Ok(dups)
}
