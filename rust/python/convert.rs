//! Python values in, owned Rust values out; and the detach-and-run helper.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use rust_decimal::Decimal;

use super::errors::to_py;
use crate::error::{Error, Location, Result};
use crate::numeric::{decimal_from_f64, decimal_from_str};
use crate::pool;

/// A number as read under the GIL: floats stay floats until the parallel,
/// GIL-free part turns them into decimals.
#[derive(Clone, Copy)]
pub enum Raw {
    F(f64),
    D(Decimal),
}

impl Raw {
    pub fn to_decimal(self, at: impl FnOnce() -> Location) -> Result<Decimal> {
        match self {
            Raw::D(d) => Ok(d),
            Raw::F(f) => decimal_from_f64(f).ok_or_else(|| {
                Error::input(at(), format!("{f} is not a finite number within ±7.9e28"))
            }),
        }
    }
}

static DECIMAL_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Why a Python value is no number.
enum NotNumber {
    /// A text (or a Decimal: NaN, Infinity) that is no decimal number.
    Text(String),
    Bool,
    /// Of another type (its name).
    Other(String),
}

fn read(obj: &Bound<'_, PyAny>) -> PyResult<Result<Raw, NotNumber>> {
    let py = obj.py();
    if obj.is_instance_of::<PyBool>() {
        return Ok(Err(NotNumber::Bool));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Ok(Raw::F(f.value())));
    }
    let text = if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Ok(Raw::D(Decimal::from(i))));
        }
        obj.str()?.to_string()
    } else if let Ok(s) = obj.cast::<PyString>() {
        s.to_str()?.to_owned()
    } else if obj.is_instance(DECIMAL_TYPE.import(py, "decimal", "Decimal")?)? {
        obj.str()?.to_string()
    } else {
        return Ok(Err(NotNumber::Other(obj.get_type().name()?.to_string())));
    };
    Ok(decimal_from_str(&text)
        .map(Raw::D)
        .ok_or(NotNumber::Text(text)))
}

/// The error for a value that is no number.
fn refused(py: Python<'_>, why: NotNumber, at: Location) -> PyErr {
    let msg = match why {
        NotNumber::Bool => "a boolean is not a number".to_string(),
        NotNumber::Text(text) => format!("{text:?} is not a decimal number within ±7.9e28"),
        NotNumber::Other(tn) => {
            format!("expected a number (float, int, str or Decimal), got {tn}")
        }
    };
    to_py(py, Error::input(at, msg))
}

pub fn item(obj: &Bound<'_, PyAny>, at: impl Fn() -> Location) -> PyResult<Raw> {
    read(obj)?.map_err(|why| refused(obj.py(), why, at()))
}

/// A number, or `None` for None and for a text that is no decimal number
/// (a bad value that the engine judges); a value of another type is an
/// error (the column is of the wrong type).
pub fn lenient_item(obj: &Bound<'_, PyAny>, at: impl Fn() -> Location) -> PyResult<Option<Raw>> {
    if obj.is_none() {
        return Ok(None);
    }
    match read(obj)? {
        Ok(raw) => Ok(Some(raw)),
        Err(NotNumber::Text(_)) => Ok(None),
        Err(why) => Err(refused(obj.py(), why, at())),
    }
}

/// One number (a scalar argument).
pub fn scalar(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Decimal> {
    let raw = item(obj, || Location::field(field))?;
    raw.to_decimal(|| Location::field(field))
        .map_err(|e| to_py(obj.py(), e))
}

/// A column of numbers: a list, tuple or any iterable (but not a string);
/// a buffer of doubles (`array('d')`, a numpy float64 array) is read in one copy.
pub fn column(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<Raw>> {
    if let Ok(buf) = PyBuffer::<f64>::get(obj) {
        return Ok(buf.to_vec(obj.py())?.into_iter().map(Raw::F).collect());
    }
    items(obj, field, "a sequence of numbers", |v, i| {
        item(v, || Location::row(field, i))
    })
}

/// `read` each item of a list, tuple or any iterable (but not a string) named
/// `field`, with its index; `what` names the expected sequence in errors.
pub fn items<'py, T>(
    obj: &Bound<'py, PyAny>,
    field: &str,
    what: &str,
    read: impl Fn(&Bound<'py, PyAny>, usize) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    if let Ok(list) = obj.cast::<PyList>() {
        return list.iter().enumerate().map(|(i, v)| read(&v, i)).collect();
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return tuple.iter().enumerate().map(|(i, v)| read(&v, i)).collect();
    }
    let bad = |msg: String| to_py(obj.py(), Error::input(Location::field(field), msg));
    if obj.is_instance_of::<PyString>() {
        return Err(bad(format!("expected {what}, got a string")));
    }
    let iter = obj
        .try_iter()
        .map_err(|_| bad(format!("expected {what}")))?;
    iter.enumerate().map(|(i, v)| read(&v?, i)).collect()
}

/// An argument that is either one number for every row or a column.
pub enum Broadcast {
    One(Raw),
    Many(Vec<Raw>),
}

impl Broadcast {
    pub fn extract(obj: &Bound<'_, PyAny>, field: &str, rows: usize) -> PyResult<Self> {
        let py = obj.py();
        if obj.is_instance_of::<PyString>()
            || obj.is_instance_of::<PyFloat>()
            || obj.is_instance_of::<PyInt>()
            || obj.is_instance(DECIMAL_TYPE.import(py, "decimal", "Decimal")?)?
        {
            return Ok(Broadcast::One(item(obj, || Location::field(field))?));
        }
        let col = column(obj, field)?;
        check_len(py, field, col.len(), rows)?;
        Ok(Broadcast::Many(col))
    }

    pub fn get(&self, row: usize) -> Raw {
        match self {
            Broadcast::One(r) => *r,
            Broadcast::Many(v) => v[row],
        }
    }
}

pub fn check_len(py: Python<'_>, field: &str, got: usize, want: usize) -> PyResult<()> {
    if got == want {
        return Ok(());
    }
    Err(to_py(
        py,
        Error::input(
            Location::field(field),
            format!("has {got} rows, expected {want}"),
        ),
    ))
}

/// Run `f` with the GIL released, inside the module's pool; a panic (which
/// the engines never mean to raise) comes back as `EngineError`, not as a
/// crash or a `PanicException`.
pub fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T> + Send) -> PyResult<T> {
    let out = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| pool::install(f).and_then(|r| r))).unwrap_or_else(|p| {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::Internal(format!("engine panicked: {what}")))
        })
    });
    out.map_err(|e| to_py(py, e))
}

/// Output helpers: a column of doubles or integers as an `array.array` (one
/// buffer, no Python object per value).
pub fn f64_array<'py>(py: Python<'py>, values: &[f64]) -> PyResult<Bound<'py, PyAny>> {
    typed_array(py, "d", &[values])
}

pub fn i64_array<'py>(py: Python<'py>, values: &[i64]) -> PyResult<Bound<'py, PyAny>> {
    typed_array(py, "q", &[values])
}

/// Values that are plain bytes in memory (no padding, every bit pattern valid).
pub trait Plain: Copy {}
impl Plain for f64 {}
impl Plain for i64 {}

/// One `array.array` of type `code` from the parts, in order.
pub fn typed_array<'py, T: Plain>(
    py: Python<'py>,
    code: &str,
    parts: &[&[T]],
) -> PyResult<Bound<'py, PyAny>> {
    static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let total: usize = parts.iter().map(|p| std::mem::size_of_val(*p)).sum();
    let bytes = pyo3::types::PyBytes::new_with(py, total, |buf| {
        let mut at = 0;
        for part in parts {
            // SAFETY: `T: Plain` is a padding-free number type, so its slice is
            // `len * size` initialised bytes
            let raw = unsafe {
                std::slice::from_raw_parts(part.as_ptr().cast::<u8>(), std::mem::size_of_val(*part))
            };
            buf[at..at + raw.len()].copy_from_slice(raw);
            at += raw.len();
        }
        Ok(())
    })?;
    let arr = ARRAY.import(py, "array", "array")?.call1((code,))?;
    arr.call_method1("frombytes", (bytes,))?;
    Ok(arr)
}
