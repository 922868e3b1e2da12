//! `medsync_core.MedsyncError` and its subclasses; the one place where an
//! engine `Error` becomes a Python exception.
//!
//! ```text
//! MedsyncError(Exception)
//! ├── InputError(MedsyncError, ValueError)   bad input: field, row, code
//! └── EngineError(MedsyncError, RuntimeError) a bug in the engine (never a panic)
//! ```
//!
//! Every instance carries its parts as attributes: `code`, `field`, `row`,
//! `rule` (the rule broken, where one is named) and `message` (what is
//! wrong, without the location). `str(exc)` is for people; callers read the
//! attributes and never parse the text.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::Error;

create_exception!(
    medsync_core,
    MedsyncError,
    PyException,
    "Base class of every error raised by medsync_core. Instances carry `code` (a stable string), `message` (without the location), and `field` / `row` / `rule` where the input was at fault."
);

static INPUT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ENGINE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A class with two bases (`create_exception!` takes one), built with `type()`.
fn make_class(
    py: Python<'_>,
    name: &str,
    second_base: Bound<'_, PyType>,
    doc: &str,
) -> PyResult<Py<PyType>> {
    let bases = PyTuple::new(py, [py.get_type::<MedsyncError>(), second_base])?;
    let ns = PyDict::new(py);
    ns.set_item("__module__", "medsync_core")?;
    ns.set_item("__doc__", doc)?;
    let cls = py.get_type::<PyType>().call1((name, bases, ns))?;
    Ok(cls.cast_into::<PyType>()?.unbind())
}

fn input_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    INPUT_ERROR
        .get_or_try_init(py, || {
            make_class(
                py,
                "InputError",
                py.get_type::<PyValueError>(),
                "Bad input: `field` (or a document's path) and `row` say where, `code` what kind, `rule` which rule (or None), `message` what is wrong.",
            )
        })
        .map(|c| c.bind(py))
}

fn engine_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    ENGINE_ERROR
        .get_or_try_init(py, || {
            make_class(
                py,
                "EngineError",
                py.get_type::<PyRuntimeError>(),
                "The engine broke one of its own rules: a bug to report, never the caller's fault.",
            )
        })
        .map(|c| c.bind(py))
}

pub fn register(py: Python<'_>, m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MedsyncError", py.get_type::<MedsyncError>())?;
    m.add("InputError", input_error(py)?)?;
    m.add("EngineError", engine_error(py)?)?;
    Ok(())
}

/// Map an engine error to its Python exception, with `code`, `field`, `row`,
/// `rule` and `message`.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    build(py, &err).unwrap_or_else(|e| e)
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let cls = match err {
        Error::Input { .. } | Error::Overflow { .. } => input_error(py)?,
        Error::Internal(_) => engine_error(py)?,
    };
    let at = err.location();
    let inst = cls.call1((err.to_string(),))?;
    inst.setattr("code", err.code())?;
    inst.setattr("field", at.map(|a| a.field.as_str()))?;
    inst.setattr("row", at.and_then(|a| a.row))?;
    inst.setattr("rule", err.rule())?;
    inst.setattr("message", err.message())?;
    Ok(PyErr::from_value(inst))
}
