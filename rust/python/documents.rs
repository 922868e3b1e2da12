//! Python face of `crate::documents`: validate a batch of bodies of one
//! document type in one call, in parallel with the GIL released.
//!
//! A problem is a `medsync_core.Problem`, a named tuple `(path, rule,
//! message)`: callers read `p.path`, `p.rule`, `p.message`. A bad envelope
//! raises `InputError` with the same parts as attributes (`field` is the
//! path). Nothing is formatted here to be split again in Python.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyType};

use super::convert::detached;
use super::errors::to_py;
use crate::documents::{self, schema};
use crate::error::{Error, Location};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("Problem", problem_class(m.py())?)?;
    m.add_function(wrap_pyfunction!(validate_documents, m)?)?;
    m.add_function(wrap_pyfunction!(document_types, m)?)?;
    m.add_function(wrap_pyfunction!(validate_envelope, m)?)?;
    Ok(())
}

static PROBLEM: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `medsync_core.Problem`, built once with `collections.namedtuple`.
fn problem_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    PROBLEM
        .get_or_try_init(py, || {
            let kwargs = PyDict::new(py);
            kwargs.set_item("module", "medsync_core")?;
            let cls = py
                .import("collections")?
                .getattr("namedtuple")?
                .call(("Problem", ("path", "rule", "message")), Some(&kwargs))?;
            cls.setattr(
                "__doc__",
                "A document's problem: `path` (`lines[2].qty`, `$` for the document), \
                 `rule` (a stable code: `required`, `min`...) and `message`.",
            )?;
            Ok(cls.cast_into::<PyType>()?.unbind())
        })
        .map(|c| c.bind(py))
}

/// Validate JSON bodies of one document type and schema version.
///
/// Returns one `(canonical_json, sha256_hex, problems)` per body, in order:
/// `canonical_json` and `sha256_hex` are `None` when the body is invalid, and
/// `problems` is a list of `Problem(path, rule, message)`. An unknown type or
/// version raises `InputError` (rule `enum`, field `doc_type`).
#[pyfunction]
#[pyo3(signature = (doc_type, bodies, version=1))]
fn validate_documents<'py>(
    py: Python<'py>,
    doc_type: &str,
    bodies: Vec<Bound<'py, PyBytes>>,
    version: u32,
) -> PyResult<Bound<'py, PyList>> {
    if schema::schema(doc_type, version).is_none() {
        return Err(to_py(py, unknown_type(doc_type, version)));
    }
    let owned: Vec<Vec<u8>> = bodies.iter().map(|b| b.as_bytes().to_vec()).collect();
    let doc_type_owned = doc_type.to_string();
    let outcomes = detached(py, move || {
        crate::pool::map_ordered(&owned, |_, body| {
            Ok(documents::validate(&doc_type_owned, version, body).expect("schema checked above"))
        })
    })?;
    let out = PyList::empty(py);
    for o in outcomes {
        match o {
            Ok(v) => out.append((Some(v.canonical), Some(v.hash), PyList::empty(py)))?,
            Err(problems) => {
                out.append((None::<String>, None::<String>, problems_list(py, problems)?))?
            }
        }
    }
    Ok(out)
}

fn unknown_type(doc_type: &str, version: u32) -> Error {
    let known: Vec<String> = schema::DOCUMENTS
        .iter()
        .map(|(t, v, _)| format!("{t} v{v}"))
        .collect();
    Error::broke(
        Location::field("doc_type"),
        "enum",
        format!(
            "unknown document type or version {doc_type} v{version} (known: {})",
            known.join(", ")
        ),
    )
}

fn problems_list<'py>(
    py: Python<'py>,
    problems: Vec<documents::Problem>,
) -> PyResult<Bound<'py, PyList>> {
    let cls = problem_class(py)?;
    let ps = PyList::empty(py);
    for p in problems {
        ps.append(cls.call1((p.path, p.rule, p.message))?)?;
    }
    Ok(ps)
}

/// Validate a batch envelope `{"documents": [{"idempotency_key", "document"}, ...]}`
/// in one call. Returns one `(key, canonical_json, sha256_hex, problems)` per
/// document, in order (`key` is `None` when the item has no string key). A
/// bad envelope raises `InputError` whose `field` is the path, `rule` the
/// rule broken and `message` what is wrong.
#[pyfunction]
#[pyo3(signature = (doc_type, body, version=1))]
fn validate_envelope<'py>(
    py: Python<'py>,
    doc_type: &str,
    body: &Bound<'py, PyBytes>,
    version: u32,
) -> PyResult<Bound<'py, PyList>> {
    if schema::schema(doc_type, version).is_none() {
        return Err(to_py(py, unknown_type(doc_type, version)));
    }
    let owned = body.as_bytes().to_vec();
    let doc_type_owned = doc_type.to_string();
    let result = detached(py, move || {
        Ok(
            documents::validate_envelope(&doc_type_owned, version, &owned)
                .expect("schema checked above"),
        )
    })?;
    let items =
        result.map_err(|p| to_py(py, Error::broke(Location::field(p.path), p.rule, p.message)))?;
    let out = PyList::empty(py);
    for it in items {
        match it.outcome {
            Ok(v) => out.append((it.key, Some(v.canonical), Some(v.hash), PyList::empty(py)))?,
            Err(ps) => out.append((
                it.key,
                None::<String>,
                None::<String>,
                problems_list(py, ps)?,
            ))?,
        }
    }
    Ok(out)
}

/// `{doc_type: [versions]}` of the schemas this engine knows.
#[pyfunction]
fn document_types(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for (t, v, _) in schema::DOCUMENTS {
        match d.get_item(t)? {
            Some(l) => l.cast_into::<PyList>()?.append(*v)?,
            None => d.set_item(t, vec![*v])?,
        }
    }
    Ok(d)
}
