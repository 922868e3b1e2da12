//! Python face of `crate::numeric`: Odoo's `float_round` / `float_compare` /
//! `float_is_zero` one value at a time (same signatures as Odoo's), and the
//! same rules over whole columns.

use pyo3::prelude::*;
use rust_decimal::Decimal;

use super::convert::{check_len, column, detached, scalar, Broadcast, Raw};
use super::errors::to_py;
use crate::error::{Error, Location, Result};
use crate::numeric::{self, decimal_to_f64, Precision, RoundingMethod};
use crate::pool::map_ordered;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(float_round, m)?)?;
    m.add_function(wrap_pyfunction!(float_compare, m)?)?;
    m.add_function(wrap_pyfunction!(float_is_zero, m)?)?;
    m.add_function(wrap_pyfunction!(round_many, m)?)?;
    m.add_function(wrap_pyfunction!(compare_many, m)?)?;
    m.add_function(wrap_pyfunction!(is_zero_many, m)?)?;
    m.add_function(wrap_pyfunction!(convert_uom, m)?)?;
    m.add_function(wrap_pyfunction!(convert_currency, m)?)?;
    Ok(())
}

/// Exactly one of `precision_digits` / `precision_rounding`, as Odoo asks.
fn precision(
    py: Python<'_>,
    digits: Option<u32>,
    rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<Precision> {
    let p = match (digits, rounding) {
        (Some(d), None) => Precision::from_digits(d),
        (None, Some(r)) => Precision::from_step(scalar(r, "precision_rounding")?),
        _ => Err(Error::input(
            Location::field("precision"),
            "exactly one of precision_digits and precision_rounding must be given",
        )),
    };
    p.map_err(|e| to_py(py, e))
}

fn optional_precision(
    py: Python<'_>,
    rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Precision>> {
    rounding.map(|r| precision(py, None, Some(r))).transpose()
}

fn method(py: Python<'_>, name: &str) -> PyResult<RoundingMethod> {
    name.parse().map_err(|e| to_py(py, e))
}

fn decimals(raws: &[Raw], field: &str) -> Result<Vec<Decimal>> {
    map_ordered(raws, |i, r| r.to_decimal(|| Location::row(field, i)))
}

/// `odoo.tools.float_round`, in exact decimal arithmetic.
#[pyfunction]
#[pyo3(signature = (value, precision_digits=None, precision_rounding=None, rounding_method="HALF-UP"))]
fn float_round(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    precision_digits: Option<u32>,
    precision_rounding: Option<&Bound<'_, PyAny>>,
    rounding_method: &str,
) -> PyResult<f64> {
    let p = precision(py, precision_digits, precision_rounding)?;
    let m = method(py, rounding_method)?;
    let v = scalar(value, "value")?;
    p.round(v, m).map(decimal_to_f64).map_err(|e| to_py(py, e))
}

/// `odoo.tools.float_compare`: -1, 0 or 1 after rounding both values.
#[pyfunction]
#[pyo3(signature = (value1, value2, precision_digits=None, precision_rounding=None))]
fn float_compare(
    py: Python<'_>,
    value1: &Bound<'_, PyAny>,
    value2: &Bound<'_, PyAny>,
    precision_digits: Option<u32>,
    precision_rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<i8> {
    let p = precision(py, precision_digits, precision_rounding)?;
    let (a, b) = (scalar(value1, "value1")?, scalar(value2, "value2")?);
    p.compare(a, b).map(|o| o as i8).map_err(|e| to_py(py, e))
}

/// `odoo.tools.float_is_zero`.
#[pyfunction]
#[pyo3(signature = (value, precision_digits=None, precision_rounding=None))]
fn float_is_zero(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    precision_digits: Option<u32>,
    precision_rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<bool> {
    let p = precision(py, precision_digits, precision_rounding)?;
    p.is_zero(scalar(value, "value")?).map_err(|e| to_py(py, e))
}

/// `float_round` over a column, in parallel; returns floats.
#[pyfunction]
#[pyo3(signature = (values, precision_digits=None, precision_rounding=None, rounding_method="HALF-UP"))]
fn round_many(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    precision_digits: Option<u32>,
    precision_rounding: Option<&Bound<'_, PyAny>>,
    rounding_method: &str,
) -> PyResult<Vec<f64>> {
    let p = precision(py, precision_digits, precision_rounding)?;
    let m = method(py, rounding_method)?;
    let raws = column(values, "values")?;
    detached(py, move || {
        map_ordered(&raws, |i, r| {
            let v = r.to_decimal(|| Location::row("values", i))?;
            p.round(v, m)
                .map(decimal_to_f64)
                .map_err(|e| e.at_row("values", i))
        })
    })
}

/// `float_compare` row by row over two columns of the same length.
#[pyfunction]
#[pyo3(signature = (values1, values2, precision_digits=None, precision_rounding=None))]
fn compare_many(
    py: Python<'_>,
    values1: &Bound<'_, PyAny>,
    values2: &Bound<'_, PyAny>,
    precision_digits: Option<u32>,
    precision_rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<i8>> {
    let p = precision(py, precision_digits, precision_rounding)?;
    let a = column(values1, "values1")?;
    let b = column(values2, "values2")?;
    check_len(py, "values2", b.len(), a.len())?;
    detached(py, move || {
        let pairs: Vec<(Raw, Raw)> = a.into_iter().zip(b).collect();
        map_ordered(&pairs, |i, (x, y)| {
            let x = x.to_decimal(|| Location::row("values1", i))?;
            let y = y.to_decimal(|| Location::row("values2", i))?;
            p.compare(x, y)
                .map(|o| o as i8)
                .map_err(|e| e.at_row("values1", i))
        })
    })
}

/// `float_is_zero` over a column.
#[pyfunction]
#[pyo3(signature = (values, precision_digits=None, precision_rounding=None))]
fn is_zero_many(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    precision_digits: Option<u32>,
    precision_rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<bool>> {
    let p = precision(py, precision_digits, precision_rounding)?;
    let raws = column(values, "values")?;
    detached(py, move || {
        let v = decimals(&raws, "values")?;
        map_ordered(&v, |i, x| p.is_zero(*x).map_err(|e| e.at_row("values", i)))
    })
}

/// Odoo's `uom.uom._compute_quantity` over a column: `qty / from_factor *
/// to_factor`, rounded at `rounding` (the target unit's step) with
/// `rounding_method` (Odoo's default `UP`). Factors are one number or a column.
#[pyfunction]
#[pyo3(signature = (quantities, from_factor, to_factor, rounding=None, rounding_method="UP"))]
fn convert_uom(
    py: Python<'_>,
    quantities: &Bound<'_, PyAny>,
    from_factor: &Bound<'_, PyAny>,
    to_factor: &Bound<'_, PyAny>,
    rounding: Option<&Bound<'_, PyAny>>,
    rounding_method: &str,
) -> PyResult<Vec<f64>> {
    let p = optional_precision(py, rounding)?;
    let m = method(py, rounding_method)?;
    let q = column(quantities, "quantities")?;
    let from = Broadcast::extract(from_factor, "from_factor", q.len())?;
    let to = Broadcast::extract(to_factor, "to_factor", q.len())?;
    detached(py, move || {
        map_ordered(&q, |i, raw| {
            let qty = raw.to_decimal(|| Location::row("quantities", i))?;
            let f = from.get(i).to_decimal(|| Location::row("from_factor", i))?;
            let t = to.get(i).to_decimal(|| Location::row("to_factor", i))?;
            numeric::convert_uom(qty, f, t, p.as_ref(), m)
                .map(decimal_to_f64)
                .map_err(|e| e.at_row("quantities", i))
        })
    })
}

/// Odoo's `res.currency._convert` over a column: `amount * rate`, rounded
/// half away from zero at `rounding` (the target currency's step) if given.
#[pyfunction]
#[pyo3(signature = (amounts, rates, rounding=None))]
fn convert_currency(
    py: Python<'_>,
    amounts: &Bound<'_, PyAny>,
    rates: &Bound<'_, PyAny>,
    rounding: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<f64>> {
    let p = optional_precision(py, rounding)?;
    let a = column(amounts, "amounts")?;
    let r = Broadcast::extract(rates, "rates", a.len())?;
    detached(py, move || {
        map_ordered(&a, |i, raw| {
            let amount = raw.to_decimal(|| Location::row("amounts", i))?;
            let rate = r.get(i).to_decimal(|| Location::row("rates", i))?;
            numeric::convert_currency(amount, rate, p.as_ref())
                .map(decimal_to_f64)
                .map_err(|e| e.at_row("amounts", i))
        })
    })
}
