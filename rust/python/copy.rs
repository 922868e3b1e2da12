//! `copy_text`: result columns to PostgreSQL COPY text, for the addon's bulk
//! inserts (see `copy_text.rs`).

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use super::convert::{check_len, detached, items};
use super::errors::to_py;
use crate::copy_text::{rows, Cell};
use crate::error::{Error, Location};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(copy_text, m)?)?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Kind {
    Number,
    Bool,
    Text,
}

/// The rows of `columns` (sequences of equal length, named by `names`, read
/// as `kinds`: "number", "bool" or "text") in COPY text form, each row
/// followed by `suffix` (constant fields already in that form, each starting
/// with a tab).
///
/// number: int, float or text (Odoo's column value of a float); None and
/// False are NULL. bool: None is NULL, else its truth. text: None and False
/// are NULL, anything else its ``str()``.
#[pyfunction]
#[pyo3(signature = (names, kinds, columns, suffix=""))]
fn copy_text<'py>(
    py: Python<'py>,
    names: Vec<String>,
    kinds: Vec<String>,
    columns: Vec<Bound<'py, PyAny>>,
    suffix: &str,
) -> PyResult<Bound<'py, PyString>> {
    check_len(py, "kinds", kinds.len(), names.len())?;
    check_len(py, "columns", columns.len(), names.len())?;
    let mut cols = Vec::with_capacity(columns.len());
    for ((name, kind), col) in names.iter().zip(&kinds).zip(&columns) {
        let kind = match kind.as_str() {
            "number" => Kind::Number,
            "bool" => Kind::Bool,
            "text" => Kind::Text,
            other => {
                return Err(to_py(
                    py,
                    Error::input(
                        Location::field(name.clone()),
                        format!("unknown kind {other:?} (number, bool or text)"),
                    ),
                ))
            }
        };
        let cells = read(col, name, kind)?;
        if let Some(first) = cols.first().map(Vec::len) {
            check_len(py, name, cells.len(), first)?;
        }
        cols.push(cells);
    }
    let suffix = suffix.to_owned();
    let text = detached(py, move || Ok(rows(&cols, &suffix)))?;
    Ok(PyString::new(py, &text))
}

fn read(obj: &Bound<'_, PyAny>, name: &str, kind: Kind) -> PyResult<Vec<Cell>> {
    if let (Kind::Number, Ok(buf)) = (kind, PyBuffer::<f64>::get(obj)) {
        return Ok(buf.to_vec(obj.py())?.into_iter().map(Cell::Float).collect());
    }
    items(obj, name, "a sequence", |v, i| {
        cell(v, kind, || Location::row(name, i))
    })
}

fn cell(v: &Bound<'_, PyAny>, kind: Kind, at: impl Fn() -> Location) -> PyResult<Cell> {
    if v.is_none() {
        return Ok(Cell::Null);
    }
    let is_bool = v.is_instance_of::<PyBool>();
    match kind {
        Kind::Bool => Ok(Cell::Bool(v.is_truthy()?)),
        _ if is_bool && !v.is_truthy()? => Ok(Cell::Null), // Odoo's empty value
        Kind::Text => Ok(Cell::Text(match v.cast::<PyString>() {
            Ok(s) => s.to_str()?.to_owned(),
            Err(_) => v.str()?.to_str()?.to_owned(),
        })),
        Kind::Number => {
            if is_bool {
                Err(to_py(
                    v.py(),
                    Error::input(at(), "a boolean is not a number"),
                ))
            } else if let Ok(f) = v.cast::<PyFloat>() {
                Ok(Cell::Float(f.value()))
            } else if v.is_instance_of::<PyInt>() {
                Ok(match v.extract::<i64>() {
                    Ok(i) => Cell::Int(i),
                    Err(_) => Cell::Text(v.str()?.to_str()?.to_owned()),
                })
            } else if let Ok(s) = v.cast::<PyString>() {
                Ok(Cell::Text(s.to_str()?.to_owned()))
            } else {
                let tn = v.get_type().name()?;
                Err(to_py(
                    v.py(),
                    Error::input(at(), format!("expected a number, got {tn}")),
                ))
            }
        }
    }
}
