//! Python face of `crate::billing`: `billing(batches, lines, rules, *,
//! totals=None, known=None, departments=None, payer_classes=None,
//! facilities=None)` and `billing_explain(rules, *, source, code, ...)`.
//!
//! One reader per table: strings interned as they are read (one name table
//! for every column, so the engine compares ids), codes and dates parsed
//! once per distinct text, decimal columns kept raw and converted once the
//! GIL is released. The results come back as dicts of columns.

use std::time::Instant;

use hashbrown::HashMap;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rust_decimal::Decimal;

use super::convert::detached;
use super::errors::to_py;
use super::table::{RawColumn, Table};
use crate::billing::{
    canon, explain, Analytics, BatchKind, Batches, Date, Facilities, Input, Known, Lines,
    LockPolicy, Names, Output, Query, Rules, Side, State, TotalKind, Totals,
};
use crate::error::{Error, Location};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(billing, m)?)?;
    m.add_function(wrap_pyfunction!(billing_explain, m)?)?;
    Ok(())
}

/// Validate, map and summarise billing-platform batches for posting. Every
/// table is a dict of columns (`totals`, `known`, `departments`,
/// `payer_classes`, `facilities` may be None: no rows); dates are
/// "YYYY-MM-DD" ("" none), decimals str, Decimal, int or float. Returns
/// `batches`, `lines`, `groups`, `computed`, `problems` (dicts of columns),
/// `stats` and `engine_s` (the engine alone, seconds). The contract is in
/// the stub and docs/engines.md ("Billing batches").
#[pyfunction]
#[pyo3(signature = (batches, lines, rules, *, totals=None, known=None, departments=None,
                    payer_classes=None, facilities=None))]
#[allow(clippy::too_many_arguments)]
fn billing<'py>(
    py: Python<'py>,
    batches: Option<&Bound<'py, PyAny>>,
    lines: Option<&Bound<'py, PyAny>>,
    rules: Option<&Bound<'py, PyAny>>,
    totals: Option<&Bound<'py, PyAny>>,
    known: Option<&Bound<'py, PyAny>>,
    departments: Option<&Bound<'py, PyAny>>,
    payer_classes: Option<&Bound<'py, PyAny>>,
    facilities: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let started = Instant::now();
    let mut r = Reader::default();
    let mut input = Input {
        batches: r.batches(batches)?,
        lines: r.lines(lines)?,
        rules: r.rules(rules)?,
        totals: r.totals(totals)?,
        known: r.known(known)?,
        departments: r.analytics("departments", departments)?,
        payer_classes: r.analytics("payer_classes", payer_classes)?,
        facilities: r.facilities(facilities)?,
        ..Input::default()
    };
    let Reader { names, decimals } = r;
    input.names = names;
    let read_s = started.elapsed().as_secs_f64();

    let (out, convert_s, engine_s) = detached(py, move || {
        let t0 = Instant::now();
        for (raw, into) in decimals {
            *into(&mut input) = raw.decimals()?;
        }
        let t1 = Instant::now();
        let out = crate::billing::billing(&input)?;
        let engine_s = t1.elapsed().as_secs_f64();
        drop(input);
        Ok((out, (t1 - t0).as_secs_f64(), engine_s))
    })?;
    let t_build = Instant::now();
    let result = PyDict::new(py);
    build(py, &out, &result)?;
    let s = stats(py, &out)?;
    s.set_item("read_s", read_s)?;
    s.set_item("convert_s", convert_s)?;
    s.set_item("build_s", t_build.elapsed().as_secs_f64())?;
    result.set_item("stats", s)?;
    result.set_item("engine_s", engine_s)?;
    Ok(result)
}

/// The "test the mapping" screen: every rule of `source`, in rules order,
/// with its verdict (chosen, candidate, not_effective, no_match) and why.
#[pyfunction]
#[pyo3(signature = (rules, *, source, code, department="", payer_class="", facility="", date))]
#[allow(clippy::too_many_arguments)]
fn billing_explain<'py>(
    py: Python<'py>,
    rules: Option<&Bound<'py, PyAny>>,
    source: &str,
    code: &str,
    department: &str,
    payer_class: &str,
    facility: &str,
    date: &str,
) -> PyResult<Bound<'py, PyList>> {
    let mut r = Reader::default();
    let table = r.rules(rules)?;
    let names = r.names;
    table.check().map_err(|e| to_py(py, e))?;
    let day = Date::parse(date).filter(|d| !d.is_none()).ok_or_else(|| {
        to_py(
            py,
            Error::broke(
                Location::field("date"),
                "bad_date",
                format!("{date:?}: expected a date YYYY-MM-DD"),
            ),
        )
    })?;
    let q = Query {
        source: source.into(),
        code: code.into(),
        department: department.into(),
        payer_class: payer_class.into(),
        facility: facility.into(),
        day,
    };
    let out = PyList::empty(py);
    for e in explain(&table, &names, &q) {
        let d = PyDict::new(py);
        d.set_item("rule", e.rule)?;
        d.set_item("id", table.id[e.rule])?;
        d.set_item("verdict", e.verdict.code())?;
        d.set_item("reason", e.reason)?;
        out.append(d)?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------- readers

/// Where a decimal column goes in the input.
type Column = fn(&mut Input) -> &mut Vec<Decimal>;

/// A column left out, for the readers that must tell it from a value.
const MISSING: u32 = u32::MAX;

#[derive(Default)]
struct Reader {
    names: Names,
    /// Decimals read under the GIL, converted once it is released, in the
    /// order read (the bad value reported is the first in that order).
    decimals: Vec<(RawColumn, Column)>,
}

fn missing(table: &str, col: &str) -> Error {
    Error::input(Location::field(format!("{table}.{col}")), "is required")
}

fn err(py: Python<'_>, e: Error) -> PyErr {
    to_py(py, e)
}

/// A table that may be None (no rows).
fn table<'py>(name: &'static str, obj: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Table<'py>>> {
    match obj {
        Some(o) if !o.is_none() => Table::new(name, Some(o)).map(Some),
        _ => Ok(None),
    }
}

impl Reader {
    /// Interned strings (None is ""); `required`: the column must be given.
    fn names(
        &mut self,
        t: &mut Table,
        table: &str,
        col: &str,
        required: bool,
    ) -> PyResult<Vec<u32>> {
        let names = &mut self.names;
        let v = t.interned(col, if required { MISSING } else { 0 }, |s| names.id(s))?;
        if v.first() == Some(&MISSING) {
            return Err(Python::attach(|py| err(py, missing(table, col))));
        }
        Ok(v)
    }

    fn decimal(
        &mut self,
        t: &mut Table,
        col: &str,
        default: Option<Decimal>,
        into: Column,
    ) -> PyResult<()> {
        let raw = t.decimals(col, default)?;
        self.decimals.push((raw, into));
        Ok(())
    }

    fn batches(&mut self, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Batches> {
        let Some(mut t) = table("batches", obj)? else {
            return Ok(Batches::default());
        };
        let n = "batches";
        let b = Batches {
            batch_id: self.names(&mut t, n, "batch_id", true)?,
            source: self.names(&mut t, n, "source", true)?,
            business_date: dates(&mut t, n, "business_date", true)?,
            currency: self.names(&mut t, n, "currency", true)?,
            decimals: t.ints("decimals", None)?,
            kind: coded(
                &mut t,
                n,
                "kind",
                None,
                BatchKind::parse,
                BatchKind::expected(),
            )?,
            original: self.names(&mut t, n, "original", false)?,
            record_count: t.ints("record_count", None)?,
            lock_date: dates(&mut t, n, "lock_date", false)?,
            lock_policy: coded(
                &mut t,
                n,
                "lock_policy",
                Some(LockPolicy::Refuse),
                LockPolicy::parse,
                LockPolicy::expected(),
            )?,
            company: t.ints("company", None)?,
            ..Batches::default()
        };
        self.decimal(&mut t, "total_debit", None, |i| &mut i.batches.total_debit)?;
        self.decimal(&mut t, "total_credit", None, |i| {
            &mut i.batches.total_credit
        })?;
        t.finish()?;
        Ok(b)
    }

    fn lines(&mut self, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Lines> {
        let Some(mut t) = table("lines", obj)? else {
            return Ok(Lines::default());
        };
        let n = "lines";
        let l = Lines {
            batch: t.ints("batch", None)?,
            line_id: t.strs("line_id", None)?,
            code: self.names(&mut t, n, "code", true)?,
            department: self.names(&mut t, n, "department", false)?,
            payer_class: self.names(&mut t, n, "payer_class", false)?,
            facility: self.names(&mut t, n, "facility", false)?,
            side: coded(&mut t, n, "side", None, Side::parse, Side::expected())?,
            service_date: dates(&mut t, n, "service_date", false)?,
            payer_ref: t.strs("payer_ref", Some(String::new()))?,
            ..Lines::default()
        };
        self.decimal(&mut t, "amount", None, |i| &mut i.lines.amount)?;
        t.finish()?;
        Ok(l)
    }

    fn rules(&mut self, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Rules> {
        let Some(mut t) = table("rules", obj)? else {
            return Ok(Rules::default());
        };
        let n = "rules";
        let r = Rules {
            id: t.ints("id", None)?,
            source: self.names(&mut t, n, "source", true)?,
            code: self.names(&mut t, n, "code", false)?,
            department: self.names(&mut t, n, "department", false)?,
            payer_class: self.names(&mut t, n, "payer_class", false)?,
            facility: self.names(&mut t, n, "facility", false)?,
            date_from: dates(&mut t, n, "date_from", false)?,
            date_to: dates(&mut t, n, "date_to", false)?,
            account: t.ints("account", None)?,
            journal: t.ints("journal", None)?,
            department_analytic: t.ints("department_analytic", Some(0))?,
            payer_analytic: t.ints("payer_analytic", Some(0))?,
            keep_payer: t.bools("keep_payer", Some(false))?,
            sequence: t.ints("sequence", Some(10))?,
        };
        t.finish()?;
        Ok(r)
    }

    fn totals(&mut self, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Totals> {
        let Some(mut t) = table("totals", obj)? else {
            return Ok(Totals::default());
        };
        let n = "totals";
        let x = Totals {
            batch: t.ints("batch", None)?,
            kind: coded(
                &mut t,
                n,
                "kind",
                None,
                TotalKind::parse,
                TotalKind::expected(),
            )?,
            key: self.names(&mut t, n, "key", true)?,
            ..Totals::default()
        };
        self.decimal(&mut t, "debit", None, |i| &mut i.totals.debit)?;
        self.decimal(&mut t, "credit", None, |i| &mut i.totals.credit)?;
        t.finish()?;
        Ok(x)
    }

    fn known(&mut self, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Known> {
        let Some(mut t) = table("known", obj)? else {
            return Ok(Known::default());
        };
        let n = "known";
        let k = Known {
            source: self.names(&mut t, n, "source", true)?,
            batch_id: self.names(&mut t, n, "batch_id", true)?,
            state: coded(&mut t, n, "state", None, State::parse, State::expected())?,
        };
        t.finish()?;
        Ok(k)
    }

    fn analytics(
        &mut self,
        name: &'static str,
        obj: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Analytics> {
        let Some(mut t) = table(name, obj)? else {
            return Ok(Analytics::default());
        };
        let a = Analytics {
            code: self.names(&mut t, name, "code", true)?,
            analytic: t.ints("analytic", None)?,
            company: t.ints("company", Some(0))?,
        };
        t.finish()?;
        Ok(a)
    }

    fn facilities(&mut self, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Facilities> {
        let Some(mut t) = table("facilities", obj)? else {
            return Ok(Facilities::default());
        };
        let f = Facilities {
            code: self.names(&mut t, "facilities", "code", true)?,
            company: t.ints("company", None)?,
        };
        t.finish()?;
        Ok(f)
    }
}

/// A column of codes (or dates), each distinct text parsed once: a text
/// `parse` refuses is an error with `rule` at its first row.
fn coded<T: Copy>(
    t: &mut Table,
    table: &str,
    col: &str,
    default: Option<T>,
    parse: impl Fn(&str) -> Option<T>,
    expected: String,
) -> PyResult<Vec<T>> {
    parsed(t, table, col, default, parse, "unknown_value", &expected)
}

fn dates(t: &mut Table, table: &str, col: &str, required: bool) -> PyResult<Vec<Date>> {
    let default = (!required).then_some(Date::NONE);
    parsed(
        t,
        table,
        col,
        default,
        Date::parse,
        "bad_date",
        "a date YYYY-MM-DD or \"\"",
    )
}

fn parsed<T: Copy>(
    t: &mut Table,
    table: &str,
    col: &str,
    default: Option<T>,
    parse: impl Fn(&str) -> Option<T>,
    rule: &'static str,
    expected: &str,
) -> PyResult<Vec<T>> {
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut texts: Vec<String> = Vec::new();
    let rows = t.interned(col, MISSING, |s| {
        if let Some(id) = ids.get(s) {
            return *id;
        }
        let id = texts.len() as u32;
        ids.insert(s.to_owned(), id);
        texts.push(s.to_owned());
        id
    })?;
    if rows.first() == Some(&MISSING) {
        return match default {
            Some(d) => Ok(vec![d; rows.len()]),
            None => Err(Python::attach(|py| err(py, missing(table, col)))),
        };
    }
    let values: Vec<Option<T>> = texts.iter().map(|s| parse(s)).collect();
    rows.iter()
        .enumerate()
        .map(|(row, &id)| {
            values[id as usize].ok_or_else(|| {
                Python::attach(|py| {
                    err(
                        py,
                        Error::broke(
                            Location::row(format!("{table}.{col}"), row),
                            rule,
                            format!("{:?}: expected {expected}", texts[id as usize]),
                        ),
                    )
                })
            })
        })
        .collect()
}

// ---------------------------------------------------------------------- output

fn strs<'py, I: IntoIterator<Item = String>>(
    py: Python<'py>,
    it: I,
) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, it)
}

fn build<'py>(py: Python<'py>, out: &Output, result: &Bound<'py, PyDict>) -> PyResult<()> {
    let b = &out.batches;
    let d = PyDict::new(py);
    d.set_item("ok", PyList::new(py, b.iter().map(|x| x.ok))?)?;
    d.set_item("company", PyList::new(py, b.iter().map(|x| x.company))?)?;
    d.set_item("journal", PyList::new(py, b.iter().map(|x| x.journal))?)?;
    d.set_item("closed", PyList::new(py, b.iter().map(|x| x.closed))?)?;
    d.set_item(
        "redirected",
        PyList::new(py, b.iter().map(|x| x.redirected))?,
    )?;
    d.set_item("lines", PyList::new(py, b.iter().map(|x| x.lines))?)?;
    d.set_item("debit", strs(py, b.iter().map(|x| canon(x.debit)))?)?;
    d.set_item("credit", strs(py, b.iter().map(|x| canon(x.credit)))?)?;
    d.set_item("problems", PyList::new(py, b.iter().map(|x| x.problems))?)?;
    result.set_item("batches", d)?;

    let l = &out.lines;
    let d = PyDict::new(py);
    for (name, col) in [
        ("rule", &l.rule),
        ("account", &l.account),
        ("department_analytic", &l.department_analytic),
        ("payer_analytic", &l.payer_analytic),
        ("group", &l.group),
    ] {
        d.set_item(name, PyList::new(py, col)?)?;
    }
    result.set_item("lines", d)?;

    let g = &out.groups;
    let d = PyDict::new(py);
    d.set_item("batch", PyList::new(py, g.iter().map(|x| x.0))?)?;
    d.set_item("account", PyList::new(py, g.iter().map(|x| x.1.account))?)?;
    d.set_item("journal", PyList::new(py, g.iter().map(|x| x.1.journal))?)?;
    d.set_item(
        "department_analytic",
        PyList::new(py, g.iter().map(|x| x.1.department_analytic))?,
    )?;
    d.set_item(
        "payer_analytic",
        PyList::new(py, g.iter().map(|x| x.1.payer_analytic))?,
    )?;
    d.set_item(
        "payer_ref",
        PyList::new(py, g.iter().map(|x| x.1.payer_ref.as_str()))?,
    )?;
    d.set_item("debit", strs(py, g.iter().map(|x| canon(x.1.debit)))?)?;
    d.set_item("credit", strs(py, g.iter().map(|x| canon(x.1.credit)))?)?;
    d.set_item("lines", PyList::new(py, g.iter().map(|x| x.1.lines))?)?;
    result.set_item("groups", d)?;

    let c = &out.computed;
    let kinds: Vec<Bound<'py, PyString>> = [TotalKind::Department, TotalKind::Code]
        .iter()
        .map(|k| PyString::intern(py, k.code()))
        .collect();
    let d = PyDict::new(py);
    d.set_item("batch", PyList::new(py, c.iter().map(|x| x.batch))?)?;
    d.set_item(
        "kind",
        PyList::new(
            py,
            c.iter()
                .map(|x| kinds[usize::from(x.kind == TotalKind::Code)].clone()),
        )?,
    )?;
    d.set_item("key", PyList::new(py, c.iter().map(|x| x.key.as_str()))?)?;
    d.set_item("debit", strs(py, c.iter().map(|x| canon(x.debit)))?)?;
    d.set_item("credit", strs(py, c.iter().map(|x| canon(x.credit)))?)?;
    result.set_item("computed", d)?;

    let p = &out.problems;
    let d = PyDict::new(py);
    d.set_item("batch", PyList::new(py, p.iter().map(|x| x.batch))?)?;
    d.set_item(
        "line",
        PyList::new(
            py,
            p.iter().map(|x| x.problem.line.map_or(-1, |r| r as i64)),
        )?,
    )?;
    d.set_item(
        "path",
        PyList::new(py, p.iter().map(|x| x.problem.path.as_str()))?,
    )?;
    d.set_item(
        "rule",
        PyList::new(py, p.iter().map(|x| x.problem.rule.code()))?,
    )?;
    d.set_item(
        "message",
        PyList::new(py, p.iter().map(|x| x.problem.message.as_str()))?,
    )?;
    result.set_item("problems", d)?;
    Ok(())
}

/// The engine's counters and phases.
fn stats<'py>(py: Python<'py>, out: &Output) -> PyResult<Bound<'py, PyDict>> {
    let s = &out.stats;
    let d = PyDict::new(py);
    for (k, v) in [
        ("batches", s.batches),
        ("ok", s.ok),
        ("failed", s.failed),
        ("lines", s.lines),
        ("mapped", s.mapped),
        ("rules", s.rules),
        ("groups", s.groups),
        ("problems", s.problems),
        ("listed", s.listed),
        ("closed", s.closed),
        ("redirected", s.redirected),
        ("threads", crate::pool::configured_threads()),
    ] {
        d.set_item(k, v)?;
    }
    for (k, v) in [
        ("index_s", s.index_s),
        ("batches_s", s.batches_s),
        ("output_s", s.output_s),
    ] {
        d.set_item(k, v)?;
    }
    Ok(d)
}
