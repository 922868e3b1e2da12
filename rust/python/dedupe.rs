//! Python face of `crate::dedupe`: `dedupe_vendors(...)` for a batch,
//! `DedupeIndex` for the check at vendor creation, and the normalisers and
//! identifier checks on their own.

use std::sync::Mutex;
use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rust_decimal::Decimal;

use super::convert::{detached, f64_array, i64_array};
use super::errors::to_py;
use super::table::{RawColumn, Table};
use hashbrown::HashMap;

use crate::dedupe::{self, ids, normalize, score, Cmp, Evidence, Input, Label, Model, RunOptions};
use crate::error::{Error, Location};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dedupe_vendors, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_vendor, m)?)?;
    m.add_function(wrap_pyfunction!(check_identifier, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_phone, m)?)?;
    m.add_class::<DedupeIndex>()?;
    Ok(())
}

fn read_records(obj: &Bound<'_, PyAny>) -> PyResult<(Input, RawColumn)> {
    let mut t = Table::new("records", Some(obj))?;
    let mut i = Input {
        id: t.ints("id", None)?,
        ..Input::default()
    };
    let s = |t: &mut Table, c: &str| t.strs(c, Some(String::new()));
    i.name = s(&mut t, "name")?;
    i.trade_name = s(&mut t, "trade_name")?;
    i.street = s(&mut t, "street")?;
    i.city = s(&mut t, "city")?;
    i.zip = s(&mut t, "zip")?;
    i.country = s(&mut t, "country")?;
    i.phones = t.str_lists("phones")?;
    i.email = s(&mut t, "email")?;
    i.website = s(&mut t, "website")?;
    i.ids = t.str_lists("ids")?;
    i.banks = t.str_lists("banks")?;
    // (employee, label only): "merged" is an archived vendor kept for the steward's labels
    let kinds = t.enums(
        "kind",
        Some((false, false)),
        |k| match k {
            "vendor" => Some((false, false)),
            "employee" => Some((true, false)),
            "merged" => Some((false, true)),
            _ => None,
        },
        "vendor, employee or merged",
    )?;
    (i.employee, i.label_only) = kinds.into_iter().unzip();
    let spend = t.decimals("spend", Some(Decimal::ZERO))?;
    i.changed = t.bools("changed", Some(false))?;
    t.finish()?;
    // the index has no use for spend; a batch converts it with the GIL released
    i.spend = vec![Decimal::ZERO; i.id.len()];
    Ok((i, spend))
}

fn bad(field: &str, message: &str) -> PyErr {
    Python::attach(|py| {
        to_py(
            py,
            Error::input(Location::field(field.to_string()), message),
        )
    })
}

fn options(likely: f64, possible: f64, min_population: usize) -> PyResult<score::Options> {
    let ok = |p: f64| p.is_finite() && p > 0.0 && p < 1.0;
    if !(ok(likely) && ok(possible)) || possible > likely {
        return Err(bad(
            "possible",
            "thresholds are match probabilities in (0, 1) with possible <= likely",
        ));
    }
    Ok(score::Options {
        likely,
        possible,
        min_population,
        ..score::Options::default()
    })
}

/// The steward's decisions: columns `left_id`, `right_id`, `duplicate`;
/// pairs naming a record not in the batch are left out.
fn read_labels(obj: Option<&Bound<'_, PyAny>>, ids: &[i64]) -> PyResult<Vec<Label>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    let mut t = Table::new("labels", Some(obj))?;
    let left = t.ints("left_id", None)?;
    let right = t.ints("right_id", None)?;
    let dup = t.bools("duplicate", None)?;
    t.finish()?;
    let pos: HashMap<i64, usize> = ids.iter().enumerate().map(|(k, i)| (*i, k)).collect();
    Ok((0..left.len())
        .filter_map(|k| {
            Some(Label {
                left: *pos.get(&left[k])?,
                right: *pos.get(&right[k])?,
                duplicate: dup[k],
            })
        })
        .collect())
}

/// A model as a dict: per comparison its levels, m, u and weights; the
/// prior, lambda and the counters.
fn model_to_py<'py>(py: Python<'py>, m: &Model) -> PyResult<Bound<'py, PyDict>> {
    let comps = PyDict::new(py);
    for c in Cmp::ALL {
        let d = PyDict::new(py);
        let levels: Vec<&str> = c.levels().iter().map(|l| l.code()).collect();
        d.set_item("levels", levels)?;
        d.set_item("m", m.m[c as usize].clone())?;
        d.set_item("u", m.u[c as usize].clone())?;
        let w: Vec<f64> = (0..c.levels().len()).map(|k| m.weight_at(c, k)).collect();
        d.set_item("weight", w)?;
        comps.set_item(c.code(), d)?;
    }
    let out = PyDict::new(py);
    out.set_item("comparisons", comps)?;
    out.set_item("prior", m.prior)?;
    out.set_item("lambda", m.lambda)?;
    for (k, v) in [
        ("records", m.records),
        ("candidates", m.candidates),
        ("labels", m.labels),
        ("sampled", m.sampled),
        ("iterations", m.iterations),
    ] {
        out.set_item(k, v)?;
    }
    out.set_item("converged", m.converged)?;
    Ok(out)
}

fn item<'py>(d: &Bound<'py, PyDict>, key: &str, field: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(key)?
        .ok_or_else(|| bad(field, &format!("{key} is missing")))
}

/// A model from the dict [`model_to_py`] gives (counters optional).
fn model_from_py(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Model>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let d = obj
        .cast::<PyDict>()
        .map_err(|_| bad("model", "expected a dict"))?;
    let comps = item(d, "comparisons", "model")?;
    let comps = comps
        .cast::<PyDict>()
        .map_err(|_| bad("model.comparisons", "expected a dict"))?;
    let mut m = Model::default();
    for c in Cmp::ALL {
        let field = format!("model.{}", c.code());
        let Some(x) = comps.get_item(c.code())? else {
            continue;
        };
        let x = x
            .cast::<PyDict>()
            .map_err(|_| bad(&field, "expected a dict"))?;
        m.m[c as usize] = item(x, "m", &field)?
            .extract()
            .map_err(|_| bad(&field, "m: expected numbers"))?;
        m.u[c as usize] = item(x, "u", &field)?
            .extract()
            .map_err(|_| bad(&field, "u: expected numbers"))?;
    }
    m.prior = item(d, "prior", "model")?
        .extract()
        .map_err(|_| bad("model.prior", "expected a number"))?;
    if let Some(l) = d.get_item("lambda")? {
        m.lambda = l
            .extract()
            .map_err(|_| bad("model.lambda", "expected a number"))?;
    }
    Python::attach(|py| m.check().map_err(|e| to_py(py, e)))?;
    m.finish();
    Ok(Some(m))
}

fn stats<'py>(
    py: Python<'py>,
    out: &dedupe::Output,
    times: [(&str, f64); 3],
) -> PyResult<Bound<'py, PyDict>> {
    let stats = PyDict::new(py);
    stats.set_item("records", out.recs.len())?;
    stats.set_item("candidates", out.candidates)?;
    stats.set_item("skipped_groups", out.skipped_groups)?;
    stats.set_item("pairs", out.pairs.len())?;
    let by_pass = PyDict::new(py);
    for pass in dedupe::Pass::ALL {
        by_pass.set_item(pass.code(), out.by_pass[pass as usize])?;
    }
    stats.set_item("by_pass", by_pass)?;
    for (k, v) in times {
        stats.set_item(k, v)?;
    }
    stats.set_item("estimate_s", out.estimate_s)?;
    stats.set_item("threads", crate::pool::configured_threads())?;
    Ok(stats)
}

/// Deduplicate vendor records in one call. `records` is a dict of columns:
/// `id` (required, unique, positive), `name`, `trade_name`, `street`,
/// `city`, `zip`, `country` (ISO alpha-2), `phones` (list of strings per
/// record, or one string), `email`, `website`, `ids` ("scheme:value"
/// strings: ein, npi, dea, uei, duns, gln, vat), `banks` (IBAN,
/// "routing:account" or account), `kind` ("vendor", "employee", or
/// "merged": an archived vendor only there for a label),
/// `spend`, `changed` (when any is true only pairs touching a changed
/// record are scored). The comparisons' weights are learned from the
/// records (and `labels`: the steward's decisions, columns `left_id`,
/// `right_id`, `duplicate`) unless a `model` (the dict a run returns) is
/// given. `likely` and `possible` are match probabilities. Returns a dict
/// of tables (dicts of columns): `pairs`, `evidence` (rows point at `pairs`
/// by position), `records`, `invalid`, `signals`, the `model` and `stats`.
#[pyfunction]
#[pyo3(signature = (records, *, likely=0.5, possible=0.1, min_population=10_000, max_cluster=25,
                    min_density=0.5, spend_threshold=None, keep_all=false, model=None, labels=None))]
#[allow(clippy::too_many_arguments)]
fn dedupe_vendors<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    likely: f64,
    possible: f64,
    min_population: usize,
    max_cluster: usize,
    min_density: f64,
    spend_threshold: Option<&Bound<'py, PyAny>>,
    keep_all: bool,
    model: Option<&Bound<'py, PyAny>>,
    labels: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let started = Instant::now();
    let (mut input, spend) = read_records(records)?;
    let mut o = RunOptions {
        score: options(likely, possible, min_population)?,
        keep_all,
        model: model_from_py(model)?,
        labels: read_labels(labels, &input.id)?,
        ..RunOptions::default()
    };
    o.score.max_cluster = max_cluster.max(2);
    o.score.min_density = min_density;
    o.spend_threshold = spend_threshold
        .filter(|v| !v.is_none())
        .map(|v| super::convert::scalar(v, "spend_threshold"))
        .transpose()?;
    let read_s = started.elapsed().as_secs_f64();
    let (out, engine_s) = detached(py, move || {
        let t = Instant::now();
        input.spend = spend.decimals()?;
        let out = dedupe::run(&input, &o)?;
        Ok((out, t.elapsed().as_secs_f64()))
    })?;
    let t_build = Instant::now();
    let result = build(py, &out)?;
    result.set_item("model", model_to_py(py, &out.model)?)?;
    let times = [
        ("read_s", read_s),
        ("engine_s", engine_s),
        ("build_s", t_build.elapsed().as_secs_f64()),
    ];
    result.set_item("stats", stats(py, &out, times)?)?;
    Ok(result)
}

fn codes<'py>(py: Python<'py>) -> impl Fn(&'static str) -> Bound<'py, PyString> {
    move |s| PyString::intern(py, s)
}

fn evidence_table<'py>(
    py: Python<'py>,
    rows: &[(usize, &Evidence)],
) -> PyResult<Bound<'py, PyDict>> {
    let c = codes(py);
    let d = PyDict::new(py);
    let pair: Vec<i64> = rows.iter().map(|(p, _)| *p as i64).collect();
    d.set_item("pair", i64_array(py, &pair)?)?;
    let field: Vec<_> = rows.iter().map(|(_, e)| c(e.field.code())).collect();
    d.set_item("field", field)?;
    let level: Vec<_> = rows.iter().map(|(_, e)| c(e.level.code())).collect();
    d.set_item("level", level)?;
    let w: Vec<f64> = rows.iter().map(|(_, e)| e.weight).collect();
    d.set_item("weight", f64_array(py, &w)?)?;
    let s: Vec<f64> = rows.iter().map(|(_, e)| e.sim).collect();
    d.set_item("sim", f64_array(py, &s)?)?;
    let tf: Vec<f64> = rows.iter().map(|(_, e)| e.tf).collect();
    d.set_item("tf", f64_array(py, &tf)?)?;
    let v: Vec<&str> = rows.iter().map(|(_, e)| e.value.as_str()).collect();
    d.set_item("value", v)?;
    let via: Vec<i64> = rows.iter().map(|(_, e)| e.via as i64).collect();
    d.set_item("via", i64_array(py, &via)?)?;
    Ok(d)
}

fn pairs_table<'py>(py: Python<'py>, out: &dedupe::Output) -> PyResult<Bound<'py, PyDict>> {
    let c = codes(py);
    let id = |i: usize| out.recs[i].id;
    let pairs = PyDict::new(py);
    let left: Vec<i64> = out.pairs.iter().map(|p| id(p.left)).collect();
    let right: Vec<i64> = out.pairs.iter().map(|p| id(p.right)).collect();
    pairs.set_item("left_id", i64_array(py, &left)?)?;
    pairs.set_item("right_id", i64_array(py, &right)?)?;
    let score: Vec<f64> = out.pairs.iter().map(|p| p.score).collect();
    pairs.set_item("score", f64_array(py, &score)?)?;
    let prob: Vec<f64> = out.pairs.iter().map(|p| p.probability).collect();
    pairs.set_item("probability", f64_array(py, &prob)?)?;
    let band: Vec<_> = out.pairs.iter().map(|p| c(p.band.code())).collect();
    pairs.set_item("band", band)?;
    let cluster: Vec<i64> = out
        .pairs
        .iter()
        .map(|p| {
            let (a, b) = (out.clusters[p.left], out.clusters[p.right]);
            if a == b {
                a
            } else {
                0
            }
        })
        .collect();
    pairs.set_item("cluster", i64_array(py, &cluster)?)?;
    let fp = |i: usize| out.recs[i].fingerprint;
    let hash: Vec<i64> = out
        .pairs
        .iter()
        .map(|p| normalize::fnv(&[&fp(p.left).to_le_bytes(), &fp(p.right).to_le_bytes()]) as i64)
        .collect();
    pairs.set_item("hash", i64_array(py, &hash)?)?;
    Ok(pairs)
}

fn records_table<'py>(py: Python<'py>, out: &dedupe::Output) -> PyResult<Bound<'py, PyDict>> {
    let records = PyDict::new(py);
    let rid: Vec<i64> = out.recs.iter().map(|r| r.id).collect();
    records.set_item("id", i64_array(py, &rid)?)?;
    records.set_item("cluster", i64_array(py, &out.clusters)?)?;
    let fps: Vec<i64> = out.recs.iter().map(|r| r.fingerprint as i64).collect();
    records.set_item("fingerprint", i64_array(py, &fps)?)?;
    let names: Vec<String> = out.recs.iter().map(|r| r.name.text()).collect();
    records.set_item("name", names)?;
    let trades: Vec<String> = out.recs.iter().map(|r| r.trade.text()).collect();
    records.set_item("trade_name", trades)?;
    let removed: Vec<String> = out.recs.iter().map(|r| r.name.removed.join(" ")).collect();
    records.set_item("removed", removed)?;
    Ok(records)
}

fn invalid_table<'py>(py: Python<'py>, out: &dedupe::Output) -> PyResult<Bound<'py, PyDict>> {
    let c = codes(py);
    let invalid = PyDict::new(py);
    let iid: Vec<i64> = out.invalid.iter().map(|x| out.recs[x.record].id).collect();
    invalid.set_item("id", i64_array(py, &iid)?)?;
    let f: Vec<_> = out.invalid.iter().map(|x| c(x.field)).collect();
    invalid.set_item("field", f)?;
    let v: Vec<&str> = out.invalid.iter().map(|x| x.value.as_str()).collect();
    invalid.set_item("value", v)?;
    Ok(invalid)
}

fn signals_table<'py>(py: Python<'py>, out: &dedupe::Output) -> PyResult<Bound<'py, PyDict>> {
    let c = codes(py);
    let id = |i: usize| out.recs[i].id;
    let signals = PyDict::new(py);
    let k: Vec<_> = out.signals.iter().map(|s| c(s.kind.code())).collect();
    signals.set_item("kind", k)?;
    let l: Vec<i64> = out.signals.iter().map(|s| id(s.left)).collect();
    let r: Vec<i64> = out.signals.iter().map(|s| id(s.right)).collect();
    signals.set_item("left_id", i64_array(py, &l)?)?;
    signals.set_item("right_id", i64_array(py, &r)?)?;
    let v: Vec<&str> = out.signals.iter().map(|s| s.value.as_str()).collect();
    signals.set_item("value", v)?;
    Ok(signals)
}

fn build<'py>(py: Python<'py>, out: &dedupe::Output) -> PyResult<Bound<'py, PyDict>> {
    let ev: Vec<(usize, &Evidence)> = out
        .pairs
        .iter()
        .enumerate()
        .flat_map(|(k, p)| p.evidence.iter().map(move |e| (k, e)))
        .collect();
    let result = PyDict::new(py);
    result.set_item("pairs", pairs_table(py, out)?)?;
    result.set_item("evidence", evidence_table(py, &ev)?)?;
    result.set_item("records", records_table(py, out)?)?;
    result.set_item("invalid", invalid_table(py, out)?)?;
    result.set_item("signals", signals_table(py, out)?)?;
    Ok(result)
}

/// Wrap a record of scalars (`{"name": "Acme", "phones": [...]}`) as columns of one row.
fn one_row<'py>(
    py: Python<'py>,
    record: &Bound<'py, PyAny>,
    id: i64,
) -> PyResult<Bound<'py, PyDict>> {
    let d = record.cast::<PyDict>().map_err(|_| {
        to_py(
            py,
            Error::input(Location::field("record"), "expected a dict"),
        )
    })?;
    let cols = PyDict::new(py);
    for (k, v) in d.iter() {
        cols.set_item(k, PyList::new(py, [v])?)?;
    }
    if !d.contains("id")? {
        cols.set_item("id", PyList::new(py, [id])?)?;
    }
    Ok(cols)
}

/// The index behind the check at vendor creation: build it once from
/// vendor records (same columns as `dedupe_vendors`), keep it current with
/// `upsert` and `remove`, and `query` one record (a dict of values) in
/// milliseconds. Safe to share between threads.
#[pyclass(module = "medsync_core")]
pub struct DedupeIndex {
    inner: Mutex<dedupe::Index>,
}

fn locked<'a>(m: &'a Mutex<dedupe::Index>) -> std::sync::MutexGuard<'a, dedupe::Index> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[pymethods]
impl DedupeIndex {
    /// `model`: the dict a `dedupe_vendors` run returns (learned from
    /// these records when not given).
    #[new]
    #[pyo3(signature = (records, *, likely=0.5, possible=0.1, min_population=10_000, model=None))]
    fn new(
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        likely: f64,
        possible: f64,
        min_population: usize,
        model: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let (input, _) = read_records(records)?;
        let o = options(likely, possible, min_population)?;
        let model = model_from_py(model)?;
        let ix = detached(py, move || dedupe::Index::build(&input, o, model))?;
        Ok(DedupeIndex {
            inner: Mutex::new(ix),
        })
    }

    fn __len__(&self) -> usize {
        locked(&self.inner).len()
    }

    /// Add or replace records (dict of columns); returns how many.
    fn upsert(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<usize> {
        let (input, _) = read_records(records)?;
        let inner = &self.inner;
        detached(py, move || locked(inner).upsert(&input))
    }

    /// Score with another model from now on (a new version).
    fn set_model(&self, model: &Bound<'_, PyAny>) -> PyResult<()> {
        let m = model_from_py(Some(model))?.ok_or_else(|| bad("model", "is required"))?;
        locked(&self.inner).set_model(m);
        Ok(())
    }

    /// The model the index scores with.
    fn model<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        model_to_py(py, &locked(&self.inner).model)
    }

    /// Remove records by id; returns how many were in the index.
    fn remove(&self, ids: Vec<i64>) -> usize {
        locked(&self.inner).remove(&ids)
    }

    /// Likely matches of one record (a dict of field values; `id` optional,
    /// the record itself is never its own match): a list of dicts `id`,
    /// `score` (bits), `probability`, `band`, `evidence` (list of dicts),
    /// best first, with a match probability of at least `min_probability`
    /// (default: the "possible" threshold).
    #[pyo3(signature = (record, *, limit=10, min_probability=None))]
    fn query<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        limit: usize,
        min_probability: Option<f64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let cols = one_row(py, record, i64::MAX)?;
        let (input, _) = read_records(cols.as_any())?;
        let inner = &self.inner;
        let (hits, _) = detached(py, move || {
            let ix = locked(inner);
            let min = min_probability.unwrap_or(ix.options.possible);
            ix.query(&input, min, limit)
        })?;
        let out = PyList::empty(py);
        let c = codes(py);
        for h in hits {
            let d = PyDict::new(py);
            d.set_item("id", h.id)?;
            d.set_item("score", h.score)?;
            d.set_item("probability", h.probability)?;
            d.set_item("band", c(h.band.code()))?;
            let ev = PyList::empty(py);
            for e in &h.evidence {
                let x = PyDict::new(py);
                x.set_item("field", c(e.field.code()))?;
                x.set_item("level", c(e.level.code()))?;
                x.set_item("weight", e.weight)?;
                x.set_item("sim", e.sim)?;
                x.set_item("tf", e.tf)?;
                x.set_item("value", &e.value)?;
                x.set_item("via", e.via)?;
                ev.append(x)?;
            }
            d.set_item("evidence", ev)?;
            out.append(d)?;
        }
        Ok(out)
    }
}

/// A vendor name normalised: `name` and `trade_name` (words joined by one
/// space), `removed` (legal-form words taken off the end), `nospace`.
#[pyfunction]
fn normalize_vendor<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
    let (n, t) = normalize::vendor_name(name);
    let d = PyDict::new(py);
    d.set_item("name", n.text())?;
    d.set_item("trade_name", t.text())?;
    d.set_item("removed", n.removed.join(" "))?;
    d.set_item("nospace", n.nospace)?;
    Ok(d)
}

/// Check an identifier: `(compact value, "valid" | "format" | "invalid")`.
/// Schemes: ein, npi, dea, uei, duns, gln, vat, iban, aba, bank.
#[pyfunction]
fn check_identifier(py: Python<'_>, scheme: &str, value: &str) -> PyResult<(String, &'static str)> {
    let c = ids::compact(value);
    let v = match scheme.trim().to_ascii_lowercase().as_str() {
        "iban" => {
            if ids::valid_iban(&c) {
                ids::Validity::Valid
            } else {
                ids::Validity::Invalid
            }
        }
        "aba" => {
            if ids::valid_aba(&c) {
                ids::Validity::Valid
            } else {
                ids::Validity::Invalid
            }
        }
        "bank" => {
            let (k, v) = ids::bank(value);
            return Ok((k, v.code()));
        }
        s => {
            let scheme = ids::Scheme::parse(s);
            if scheme == ids::Scheme::Other {
                return Err(to_py(
                    py,
                    Error::input(
                        Location::field("scheme"),
                        format!(
                            "{s:?}: expected ein, npi, dea, uei, duns, gln, vat, iban, aba or bank"
                        ),
                    ),
                ));
            }
            ids::check(scheme, &c)
        }
    };
    Ok((c, v.code()))
}

/// A phone number as E.164 digits ("" when it cannot be one).
#[pyfunction]
#[pyo3(signature = (text, country=""))]
fn normalize_phone(text: &str, country: &str) -> String {
    normalize::phone(text, &country.trim().to_ascii_uppercase())
}
