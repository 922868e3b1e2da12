//! Python face of `crate::x12`: `x12_parse`, `x12_scan`, `x12_generate`
//! and `x12_acknowledge` (the contract: `docs/engines.md`, "X12"). The
//! input is read once (the file's bytes are borrowed, not copied), the GIL
//! is released around the engine, and the result is built once.

use std::time::Instant;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

use super::convert::detached;
use super::errors::to_py;
use crate::error::{Error, Location};
use crate::x12::{self, generate::Envelope, Options};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(x12_parse, m)?)?;
    m.add_function(wrap_pyfunction!(x12_scan, m)?)?;
    m.add_function(wrap_pyfunction!(x12_generate, m)?)?;
    m.add_function(wrap_pyfunction!(x12_acknowledge, m)?)?;
    Ok(())
}

/// A JSON value as Python objects (dicts, lists, str, int, float, bool, None).
fn to_object<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into_pyobject(py)?.into_any(),
            None => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(to_object(py, x)?)?;
            }
            l.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, to_object(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// Python objects as a JSON value: floats and `Decimal`s become their text.
fn to_value(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(match obj.extract::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => Value::String(obj.str()?.to_string()),
        });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::String(obj.repr()?.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            let key = k.str()?.to_string();
            let sub = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            m.insert(key, to_value(&v, &sub)?);
        }
        return Ok(Value::Object(m));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            out.push(to_value(&v?, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(out));
    }
    if obj.get_type().name()? == "Decimal" {
        return Ok(Value::String(obj.str()?.to_string()));
    }
    let tn = obj.get_type().name()?;
    Err(to_py(
        py,
        Error::input(
            Location::field(path),
            format!("cannot be written in X12: a {tn}"),
        ),
    ))
}

fn require_bytes<'a, 'py>(data: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyBytes>> {
    data.cast::<PyBytes>()
        .map_err(|_| PyTypeError::new_err("data must be bytes"))
}

/// Parse a file of X12 interchanges: envelopes, counts and control numbers
/// checked, each set validated against its schema and mapped to MedSync
/// documents. Never raises on bad X12 (everything wrong is in the result);
/// TypeError when `data` is not bytes. Returns `segments`, `errors`,
/// `interchanges` (groups, sets, codes, documents) and `engine_s`.
#[pyfunction]
#[pyo3(signature = (data, *, product_qualifiers=None, currency="USD", tier=None))]
fn x12_parse<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    product_qualifiers: Option<Vec<String>>,
    currency: &str,
    tier: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let bytes = require_bytes(data)?.as_bytes();
    let mut opts = Options {
        currency: currency.to_string(),
        tier,
        ..Options::default()
    };
    if let Some(q) = product_qualifiers {
        opts.product_qualifiers = q;
    }
    let (value, engine_s) = detached(py, move || {
        let t = Instant::now();
        let parsed = x12::parse(bytes, &opts)?;
        let engine_s = t.elapsed().as_secs_f64();
        let v = serde_json::to_value(&parsed).map_err(|e| Error::Internal(e.to_string()))?;
        Ok((v, engine_s))
    })?;
    let out = to_object(py, &value)?.cast_into::<PyDict>()?;
    out.set_item("engine_s", engine_s)?;
    Ok(out)
}

/// Parse and validate only (no mapping), for a large file: `segments`,
/// `interchanges`, `groups`, `sets`, `accepted`, `rejected`, `errors`,
/// `set_ids` and `set_codes` (one per set) and `engine_s`.
#[pyfunction]
fn x12_scan<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let bytes = require_bytes(data)?.as_bytes();
    let (s, engine_s) = detached(py, move || {
        let t = Instant::now();
        let s = x12::scan(bytes)?;
        Ok((s, t.elapsed().as_secs_f64()))
    })?;
    let d = PyDict::new(py);
    for (k, v) in [
        ("segments", s.segments),
        ("interchanges", s.interchanges),
        ("groups", s.groups),
        ("sets", s.sets),
        ("accepted", s.accepted),
        ("rejected", s.rejected),
        ("errors", s.errors),
    ] {
        d.set_item(k, v)?;
    }
    d.set_item("set_ids", PyList::new(py, &s.set_ids)?)?;
    d.set_item("set_codes", PyList::new(py, &s.set_codes)?)?;
    d.set_item("engine_s", engine_s)?;
    Ok(d)
}

/// One interchange with one group and one set ("850" from a
/// `purchase_order` document; "855", "856", "810", "832" from the documents
/// they map to). ValueError (`InputError`) naming the field for a document
/// or envelope that cannot be written. The same input gives the same bytes.
#[pyfunction]
fn x12_generate<'py>(
    py: Python<'py>,
    set_id: &str,
    document: &Bound<'py, PyAny>,
    envelope: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let doc = to_value(document, "")?;
    let env = to_value(envelope, "envelope")?;
    let set_id = set_id.to_string();
    let out = detached(py, move || {
        let env = Envelope::from_value(&env)?;
        x12::generate::generate(&set_id, &doc, &env)
    })?;
    Ok(PyBytes::new(py, &out))
}

/// The acknowledgement of one received interchange (a dict as `x12_parse`
/// returned it, possibly with set codes changed): a TA1 first when `ta1`,
/// then one FA group with a 997 or 999 per received group. A TA1-only answer
/// when the interchange has no groups.
#[pyfunction]
#[pyo3(signature = (interchange, envelope, *, kind, ta1))]
fn x12_acknowledge<'py>(
    py: Python<'py>,
    interchange: &Bound<'py, PyAny>,
    envelope: &Bound<'py, PyAny>,
    kind: &str,
    ta1: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let ic = to_value(interchange, "interchange")?;
    let env = to_value(envelope, "envelope")?;
    let kind = kind.to_string();
    let out = detached(py, move || {
        let env = Envelope::from_value(&env)?;
        let ic: x12::Interchange = serde_json::from_value(ic).map_err(|e| {
            Error::input(
                Location::field("interchange"),
                format!("not an interchange from x12_parse: {e}"),
            )
        })?;
        x12::ack::acknowledge(&ic, &env, &kind, ta1)
    })?;
    Ok(PyBytes::new(py, &out))
}
