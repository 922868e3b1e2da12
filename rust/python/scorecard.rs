//! Python face of `crate::scorecard`: `scorecard(lines, acks, receipts,
//! asns, bills, *, options=None)`.
//!
//! One reader per table: the typed columns are read under the GIL straight
//! into the engine's tables (lot names interned as they are read, shared by
//! receipts and ship notices), the decimal columns kept raw and converted
//! once the GIL is released. The options dict becomes `Options`; the engine
//! checks their values. The rows come back as columns.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use rust_decimal::Decimal;

use super::convert::{detached, items, scalar, Raw};
use super::errors::to_py;
use super::table::{RawColumn, Table};
use crate::error::{Error, Location, Result};
use crate::scorecard::{
    month_label, AckStatus, Acks, Asns, Bills, Counters, FirstPass, Input, Lines, Lots, MoveKind,
    Options, Output, Receipts, Row, Standing, Target, Weights, RATES,
};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(score_vendors, m)?)?;
    Ok(())
}

/// Supplier scorecards per vendor (and category) and local month, from
/// purchase order lines and their acknowledgements, receipts and returns,
/// ship notices and bill lines. Every table is a dict of columns (`acks`,
/// `receipts`, `asns`, `bills` may be None: no rows); `options` a dict
/// (every key optional). Returns `rows` (a dict of columns sorted by vendor,
/// category, month), `stats` and `engine_s` (the engine alone, seconds). The
/// columns, options and definitions are in the stub and docs/engines.md
/// ("Supplier scorecards").
#[pyfunction]
#[pyo3(name = "scorecard", signature = (lines, acks, receipts, asns, bills, *, options=None))]
fn score_vendors<'py>(
    py: Python<'py>,
    lines: &Bound<'py, PyAny>,
    acks: Option<&Bound<'py, PyAny>>,
    receipts: Option<&Bound<'py, PyAny>>,
    asns: Option<&Bound<'py, PyAny>>,
    bills: Option<&Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let started = Instant::now();
    let mut d = Decimals::default();
    let mut lots = Lots::default();
    let mut input = Input {
        lines: read_lines(lines, &mut d)?,
        acks: read_acks(acks, &mut d)?,
        receipts: read_receipts(receipts, &mut lots, &mut d)?,
        asns: read_asns(asns, &mut lots, &mut d)?,
        bills: read_bills(bills, &mut d)?,
    };
    let o = read_options(options)?;
    let read_s = started.elapsed().as_secs_f64();

    let (out, convert_s, engine_s) = detached(py, move || {
        let t0 = Instant::now();
        d.convert(&mut input)?;
        let t1 = Instant::now();
        let out = crate::scorecard::scorecard(&input, &o)?;
        let engine_s = t1.elapsed().as_secs_f64();
        drop(input);
        Ok((out, (t1 - t0).as_secs_f64(), engine_s))
    })?;
    let t_build = Instant::now();
    let result = PyDict::new(py);
    result.set_item("rows", rows(py, &out.rows)?)?;
    let s = stats(py, &out, [read_s, convert_s])?;
    s.set_item("build_s", t_build.elapsed().as_secs_f64())?;
    result.set_item("stats", s)?;
    result.set_item("engine_s", engine_s)?;
    Ok(result)
}

// ---------------------------------------------------------------------- readers

/// Where a decimal column goes in the input.
type Column = fn(&mut Input) -> &mut Vec<Decimal>;

/// Decimals read under the GIL, each with the field it fills once converted
/// with the GIL released, in the order read (table by table): the bad value
/// reported is the first in that order.
#[derive(Default)]
struct Decimals {
    columns: Vec<(RawColumn, Column)>,
    /// `lines.contract_price` (None stays None), converted after the
    /// columns read before it.
    contract_price: Vec<Option<Raw>>,
    contract_after: usize,
}

impl Decimals {
    fn read(
        &mut self,
        t: &mut Table,
        col: &str,
        default: Option<Decimal>,
        into: Column,
    ) -> PyResult<()> {
        let raw = t.decimals(col, default)?;
        self.columns.push((raw, into));
        Ok(())
    }

    fn contract_price(&mut self, t: &mut Table) -> PyResult<()> {
        self.contract_price = t.opt_decimals("contract_price")?;
        self.contract_after = self.columns.len();
        Ok(())
    }

    fn convert(self, input: &mut Input) -> Result<()> {
        let mut contract = Some(self.contract_price);
        for (k, (raw, into)) in self.columns.into_iter().enumerate() {
            if k == self.contract_after {
                input.lines.contract_price = opt_decimals(&contract.take().unwrap_or_default())?;
            }
            *into(input) = raw.decimals()?;
        }
        if let Some(c) = contract {
            input.lines.contract_price = opt_decimals(&c)?;
        }
        Ok(())
    }
}

fn opt_decimals(raw: &[Option<Raw>]) -> Result<Vec<Option<Decimal>>> {
    raw.iter()
        .enumerate()
        .map(|(i, r)| {
            r.map(|x| x.to_decimal(|| Location::row("lines.contract_price", i)))
                .transpose()
        })
        .collect()
}

/// A table that may be None (no rows).
fn table<'py>(name: &'static str, obj: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Table<'py>>> {
    match obj {
        Some(o) if !o.is_none() => Table::new(name, Some(o)).map(Some),
        _ => Ok(None),
    }
}

fn read_lines(obj: &Bound<'_, PyAny>, d: &mut Decimals) -> PyResult<Lines> {
    let mut t = Table::new("lines", Some(obj))?;
    let mut l = Lines {
        id: t.ints("id", None)?,
        vendor: t.ints("vendor", None)?,
        category: t.ints("category", Some(0))?,
        ordered_at: t.ints("ordered_at", None)?,
        sent_at: t.ints("sent_at", Some(0))?,
        promised_at: t.ints("promised_at", None)?,
        ..Lines::default()
    };
    d.read(&mut t, "qty", None, |i| &mut i.lines.qty)?;
    d.read(&mut t, "price", None, |i| &mut i.lines.price)?;
    d.contract_price(&mut t)?;
    l.cancelled = t.bools("cancelled", Some(false))?;
    t.finish()?;
    Ok(l)
}

fn read_acks(obj: Option<&Bound<'_, PyAny>>, d: &mut Decimals) -> PyResult<Acks> {
    let Some(mut t) = table("acks", obj)? else {
        return Ok(Acks::default());
    };
    let a = Acks {
        line: t.ints("line", None)?,
        at: t.ints("at", None)?,
        promised_at: t.ints("promised_at", Some(0))?,
        status: t.enums(
            "status",
            None,
            AckStatus::parse,
            "accepted, backordered, substituted or rejected",
        )?,
        ..Acks::default()
    };
    d.read(&mut t, "qty", None, |i| &mut i.acks.qty)?;
    t.finish()?;
    Ok(a)
}

fn read_receipts(
    obj: Option<&Bound<'_, PyAny>>,
    lots: &mut Lots,
    d: &mut Decimals,
) -> PyResult<Receipts> {
    let Some(mut t) = table("receipts", obj)? else {
        return Ok(Receipts::default());
    };
    let r = Receipts {
        line: t.ints("line", None)?,
        at: t.ints("at", None)?,
        kind: t.enums("kind", None, MoveKind::parse, "receipt or return")?,
        picking: t.ints("picking", Some(0))?,
        lot: t.interned("lot", 0, |s| lots.id(s))?,
        ..Receipts::default()
    };
    d.read(&mut t, "qty", None, |i| &mut i.receipts.qty)?;
    t.finish()?;
    Ok(r)
}

fn read_asns(obj: Option<&Bound<'_, PyAny>>, lots: &mut Lots, d: &mut Decimals) -> PyResult<Asns> {
    let Some(mut t) = table("asns", obj)? else {
        return Ok(Asns::default());
    };
    let a = Asns {
        line: t.ints("line", None)?,
        at: t.ints("at", None)?,
        picking: t.ints("picking", None)?,
        lot: t.interned("lot", 0, |s| lots.id(s))?,
        ..Asns::default()
    };
    d.read(&mut t, "qty", None, |i| &mut i.asns.qty)?;
    t.finish()?;
    Ok(a)
}

fn read_bills(obj: Option<&Bound<'_, PyAny>>, d: &mut Decimals) -> PyResult<Bills> {
    let Some(mut t) = table("bills", obj)? else {
        return Ok(Bills::default());
    };
    let b = Bills {
        line: t.ints("line", None)?,
        at: t.ints("at", None)?,
        first_pass: t.enums("first_pass", None, FirstPass::parse, "pass, fail or none")?,
        ..Bills::default()
    };
    d.read(&mut t, "qty", None, |i| &mut i.bills.qty)?;
    d.read(&mut t, "price", None, |i| &mut i.bills.price)?;
    t.finish()?;
    Ok(b)
}

// ---------------------------------------------------------------------- options

const OPTIONS: [&str; 14] = [
    "as_of",
    "tz",
    "target",
    "early_days",
    "late_days",
    "qty_tolerance",
    "price_tolerance",
    "ack_hours",
    "weights",
    "decay",
    "window",
    "thresholds",
    "min_lines",
    "by_category",
];

fn bad_option(py: Python<'_>, at: Location, msg: impl Into<String>) -> PyErr {
    to_py(py, Error::broke(at, "bad_option", msg))
}

/// An integer (not a boolean).
fn int_at(v: &Bound<'_, PyAny>, at: impl Fn() -> Location) -> PyResult<i64> {
    if v.is_instance_of::<PyBool>() || !v.is_instance_of::<PyInt>() {
        return Err(bad_option(v.py(), at(), "expected an integer"));
    }
    v.extract::<i64>()
        .map_err(|_| bad_option(v.py(), at(), "integer out of range"))
}

/// A number (int or float, not a boolean) as a float.
fn float_at(v: &Bound<'_, PyAny>, at: impl Fn() -> Location) -> PyResult<f64> {
    if v.is_instance_of::<PyBool>()
        || !(v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>())
    {
        return Err(bad_option(v.py(), at(), "expected a number"));
    }
    v.extract::<f64>()
        .map_err(|_| bad_option(v.py(), at(), "number out of range"))
}

/// `[(utc_from, offset_s), ...]`.
fn read_tz(v: &Bound<'_, PyAny>) -> PyResult<Vec<(i64, i64)>> {
    items(v, "options.tz", "a list of (utc_from, offset_s)", |p, i| {
        let at = || Location::row("options.tz", i);
        let pair = items(p, "options.tz", "a pair", |x, _| int_at(x, at))
            .map_err(|_| bad_option(p.py(), at(), "expected a pair (utc_from, offset_s)"))?;
        match pair[..] {
            [from, offset] => Ok((from, offset)),
            _ => Err(bad_option(
                p.py(),
                at(),
                "expected a pair (utc_from, offset_s)",
            )),
        }
    })
}

/// `{component: weight}`; the components not named weigh 0.
fn read_weights(v: &Bound<'_, PyAny>) -> PyResult<Weights> {
    let py = v.py();
    let at = || Location::field("options.weights");
    let d = v
        .cast::<PyDict>()
        .map_err(|_| bad_option(py, at(), "expected a dict of component: weight"))?;
    let mut pairs = Vec::with_capacity(d.len());
    for (k, w) in d.iter() {
        let name = k
            .cast::<PyString>()
            .map_err(|_| bad_option(py, at(), "component names are strings"))?
            .to_string_lossy()
            .into_owned();
        let w = float_at(&w, || Location::field(format!("options.weights.{name}")))?;
        pairs.push((name, w));
    }
    Weights::from_pairs(&pairs).map_err(|e| to_py(py, e))
}

/// The options dict (None: the defaults, judged now); a key given as None
/// keeps its default. The values are checked by the engine.
fn read_options(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Options> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut o = Options::new(now);
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(o);
    };
    let py = obj.py();
    let d = obj
        .cast::<PyDict>()
        .map_err(|_| bad_option(py, Location::field("options"), "expected a dict"))?;
    for (k, v) in d.iter() {
        let key = k.str()?.to_string();
        if v.is_none() && OPTIONS.contains(&key.as_str()) {
            continue;
        }
        let field = format!("options.{key}");
        let at = || Location::field(field.clone());
        match key.as_str() {
            "as_of" => o.as_of = int_at(&v, at)?,
            "tz" => o.tz = read_tz(&v)?,
            "target" => {
                let s = v
                    .cast::<PyString>()
                    .map(|s| s.to_string_lossy().into_owned());
                o.target = s.ok().as_deref().and_then(Target::parse).ok_or_else(|| {
                    bad_option(py, at(), "expected first_promised or last_acknowledged")
                })?;
            }
            "early_days" => o.early_days = int_at(&v, at)?,
            "late_days" => o.late_days = int_at(&v, at)?,
            "qty_tolerance" => o.qty_tolerance = scalar(&v, &field)?,
            "price_tolerance" => o.price_tolerance = scalar(&v, &field)?,
            "ack_hours" => o.ack_hours = int_at(&v, at)?,
            "weights" => o.weights = read_weights(&v)?,
            "decay" => o.decay = float_at(&v, at)?,
            "window" => o.window = int_at(&v, at)?,
            "thresholds" => {
                let t = items(&v, &field, "three numbers", |x, i| {
                    float_at(x, || Location::row(field.clone(), i))
                })?;
                o.thresholds = <[f64; 3]>::try_from(t).map_err(|_| {
                    bad_option(py, at(), "expected three numbers (excellent, good, poor)")
                })?;
            }
            "min_lines" => o.min_lines = int_at(&v, at)?,
            "by_category" => {
                o.by_category = v
                    .cast::<PyBool>()
                    .map_err(|_| bad_option(py, at(), "expected True or False"))?
                    .is_true();
            }
            _ => {
                return Err(bad_option(
                    py,
                    at(),
                    format!("unknown option (known: {})", OPTIONS.join(", ")),
                ))
            }
        }
    }
    Ok(o)
}

// ---------------------------------------------------------------------- output

/// The count columns, in the output's order (the rates, scores and the
/// floats between them are placed by `rows`).
type Count = (&'static str, fn(&Counters) -> u64);

const DELIVERY: [Count; 5] = [
    ("lines_due", |c| c.lines_due),
    ("lines_otif", |c| c.lines_otif),
    ("lines_filled", |c| c.lines_filled),
    ("lines_backordered", |c| c.lines_backordered),
    ("lines_received", |c| c.lines_received),
];
const ACKS: [Count; 3] = [
    ("lines_sent", |c| c.lines_sent),
    ("lines_acked", |c| c.lines_acked),
    ("lines_ack_on_time", |c| c.lines_ack_on_time),
];
const REST: [Count; 9] = [
    ("asn_groups", |c| c.asn_groups),
    ("asn_accurate", |c| c.asn_accurate),
    ("bill_lines", |c| c.bill_lines),
    ("bill_accurate", |c| c.bill_accurate),
    ("billed_over_po", |c| c.billed_over_po),
    ("po_over_contract", |c| c.po_over_contract),
    ("match_lines", |c| c.match_lines),
    ("match_first_pass", |c| c.match_first_pass),
    ("lines_returned", |c| c.lines_returned),
];

/// The rows as a dict of lists, in the spec's column order.
fn rows<'py>(py: Python<'py>, rows: &[Row]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let ints = |f: &dyn Fn(&Row) -> i64| PyList::new(py, rows.iter().map(f));
    let counts = |cols: &[Count]| -> PyResult<()> {
        for (name, f) in cols {
            d.set_item(*name, PyList::new(py, rows.iter().map(|r| f(&r.counts)))?)?;
        }
        Ok(())
    };
    let floats = |name: &str, f: &dyn Fn(&Row) -> Option<f64>| -> PyResult<()> {
        d.set_item(name, PyList::new(py, rows.iter().map(f))?)
    };
    d.set_item("vendor", ints(&|r| r.vendor)?)?;
    d.set_item("category", ints(&|r| r.category)?)?;
    d.set_item(
        "month",
        PyList::new(py, rows.iter().map(|r| month_label(r.month)))?,
    )?;
    counts(&DELIVERY)?;
    floats("lead_time_days", &|r| r.lead_time_days)?;
    floats("lead_time_std_days", &|r| r.lead_time_std_days)?;
    counts(&ACKS)?;
    floats("ack_latency_hours", &|r| r.ack_latency_hours)?;
    counts(&REST)?;
    for (k, name) in RATES.iter().enumerate() {
        floats(name, &|r| r.rates[k])?;
    }
    floats("month_score", &|r| r.month_score)?;
    floats("score", &|r| r.score)?;
    // one string object per standing, shared by the rows
    let names: Vec<Bound<'py, PyString>> = Standing::ALL
        .iter()
        .map(|s| PyString::intern(py, s.code()))
        .collect();
    let standing = rows.iter().map(|r| names[r.standing as usize].clone());
    d.set_item("standing", PyList::new(py, standing)?)?;
    Ok(d)
}

/// The engine's counters and phases, then the binding's own steps
/// (`seconds`: read, convert).
fn stats<'py>(py: Python<'py>, out: &Output, seconds: [f64; 2]) -> PyResult<Bound<'py, PyDict>> {
    let s = &out.stats;
    let d = PyDict::new(py);
    for (k, v) in [
        ("lines", s.lines),
        ("cancelled", s.cancelled),
        ("acks", s.acks),
        ("receipts", s.receipts),
        ("asns", s.asns),
        ("bills", s.bills),
        ("ignored", s.ignored),
        ("vendors", s.vendors),
        ("pickings", s.pickings),
        ("rows", s.rows),
        ("threads", crate::pool::configured_threads()),
    ] {
        d.set_item(k, v)?;
    }
    for (k, v) in [
        ("check_s", s.check_s),
        ("group_s", s.group_s),
        ("score_s", s.score_s),
        ("read_s", seconds[0]),
        ("convert_s", seconds[1]),
    ] {
        d.set_item(k, v)?;
    }
    Ok(d)
}
