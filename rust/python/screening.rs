//! Python face of `crate::screening`: `screen_vendors(subjects, entries)`.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use super::convert::detached;
use super::table::Table;
use crate::screening::{self, Hit, Input, Kind, Options, Parties, Source};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(screen_vendors, m)?)?;
    Ok(())
}

/// A table of parties; `kinds` are the kinds it may hold.
fn read_parties(t: &mut Table, kinds: &'static [Kind], expected: &str) -> PyResult<Parties> {
    let mut p = Parties {
        id: t.ints("id", None)?,
        ..Parties::default()
    };
    p.kind = t.enums(
        "kind",
        None,
        |k| Kind::parse(k).filter(|k| kinds.contains(k)),
        expected,
    )?;
    let s = |t: &mut Table, c: &str| t.strs(c, Some(String::new()));
    p.name = s(t, "name")?;
    p.first = s(t, "first")?;
    p.middle = s(t, "middle")?;
    p.last = s(t, "last")?;
    p.street = s(t, "street")?;
    p.city = s(t, "city")?;
    p.state = s(t, "state")?;
    p.zip = s(t, "zip")?;
    p.country = s(t, "country")?;
    p.npi = s(t, "npi")?;
    p.uei = s(t, "uei")?;
    p.cage = s(t, "cage")?;
    Ok(p)
}

fn read_input(subjects: &Bound<'_, PyAny>, entries: &Bound<'_, PyAny>) -> PyResult<Input> {
    let mut t = Table::new("subjects", Some(subjects))?;
    let subjects = read_parties(
        &mut t,
        &[Kind::Entity, Kind::Individual],
        "entity or individual",
    )?;
    t.finish()?;
    let mut t = Table::new("entries", Some(entries))?;
    let parties = read_parties(
        &mut t,
        &[Kind::Entity, Kind::Individual, Kind::Other],
        "entity, individual or other",
    )?;
    let source = t.enums("source", None, Source::parse, "leie, sam or ofac")?;
    t.finish()?;
    Ok(Input {
        subjects,
        entries: parties,
        source,
    })
}

fn hit<'py>(py: Python<'py>, h: &Hit) -> PyResult<Bound<'py, PyDict>> {
    let c = |s: &'static str| PyString::intern(py, s);
    let d = PyDict::new(py);
    d.set_item(c("subject"), h.subject)?;
    d.set_item(c("entry"), h.entry)?;
    d.set_item(c("source"), c(h.source.code()))?;
    d.set_item(c("score"), h.score)?;
    d.set_item(c("strength"), c(h.strength.code()))?;
    let ev = PyList::empty(py);
    for e in &h.evidence {
        let text = PyString::new(py, &e.text);
        ev.append(PyTuple::new(py, [c(e.field), c(e.level), text])?)?;
    }
    d.set_item(c("evidence"), ev)?;
    Ok(d)
}

fn stats<'py>(py: Python<'py>, s: &screening::Stats, hits: usize) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in [
        ("subjects", s.subjects),
        ("entries", s.entries),
        ("candidates", s.candidates),
        ("hits", hits),
        ("strong", s.strong),
        ("weak", s.weak),
        ("skipped_keys", s.skipped_keys),
        ("threads", crate::pool::configured_threads()),
    ] {
        d.set_item(k, v)?;
    }
    for (k, v) in [
        ("prepare_s", s.prepare_s),
        ("index_s", s.index_s),
        ("compare_s", s.compare_s),
    ] {
        d.set_item(k, v)?;
    }
    Ok(d)
}

/// Screen subjects (vendors and their principals) against exclusion and
/// sanctions list entries in one call. Both are dicts of columns: `id`
/// (required, positive, unique), `kind` (required: "entity" or
/// "individual"; entries also "other" for vessels and aircraft), `name`,
/// `first`, `middle`, `last`, `street`, `city`, `state`, `zip`, `country`,
/// `npi`, `uei`, `cage`; entries also `source` (required: "leie", "sam",
/// "ofac"). Returns `hits` (a list of dicts `subject`, `entry`, `source`,
/// `score`, `strength` ("strong" or "weak"), `evidence` (a list of
/// `(field, level, text)`)), sorted by subject then score (best first),
/// `stats` and `engine_s` (the engine alone, in seconds). Hits scoring
/// below `min_score` are left out.
#[pyfunction]
#[pyo3(signature = (subjects, entries, *, min_score=None))]
fn screen_vendors<'py>(
    py: Python<'py>,
    subjects: &Bound<'py, PyAny>,
    entries: &Bound<'py, PyAny>,
    min_score: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let input = read_input(subjects, entries)?;
    let o = Options {
        min_score: min_score.unwrap_or(0.0),
    };
    let (out, engine_s) = detached(py, move || {
        let t = Instant::now();
        let out = screening::screen(&input, &o)?;
        Ok((out, t.elapsed().as_secs_f64()))
    })?;
    let hits = PyList::empty(py);
    for h in &out.hits {
        hits.append(hit(py, h)?)?;
    }
    let result = PyDict::new(py);
    result.set_item("hits", hits)?;
    result.set_item("stats", stats(py, &out.stats, out.hits.len())?)?;
    result.set_item("engine_s", engine_s)?;
    Ok(result)
}
