//! Python face of `crate::consumption`: `consumption(events, locations,
//! codes, products, packs=None, lots=None, recalls=None, *, today,
//! late_after=3600, reference_year=None)`.
//!
//! One reader per table. The event texts are interned as they are read
//! (event ids in a table of their own), quantities kept raw (a text that is
//! no number is the event's fault, not an error), the codes and packs read
//! by the reconciliation's readers. Decimals are converted and the engine
//! run with the GIL released; the results come back as dicts of lists.

use std::time::Instant;

use hashbrown::HashMap;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::convert::{detached, Raw};
use super::errors::to_py;
use super::reconcile::{read_codes, read_packs, WithFactor};
use super::table::Table;
use crate::billing::canon;
use crate::consumption::{
    self as engine, parse_day, Codes, Events, Group, Input, Locations, Lots, Names, Options, Packs,
    Products, Recalls, Status,
};
use crate::error::{Error, Location, Result};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(consumption, m)?)?;
    Ok(())
}

/// Validate, map and group a batch of supply cabinet events (issue,
/// return, waste, restock) into moves, in one call. Tables are dicts of
/// equal-length columns; decimals str, Decimal, int or float; dates
/// "YYYY-MM-DD" or ""; times epoch seconds. A bad value in an event is its
/// status; a structurally bad table raises InputError. Returns `events`
/// and `groups` (dicts of lists), `stats` and `engine_s`. The contract is
/// in the stub and docs/engines.md ("Cabinet consumption").
#[pyfunction]
#[pyo3(signature = (events, locations, codes, products, packs=None, lots=None, recalls=None, *,
                    today, late_after=3600, reference_year=None))]
#[allow(clippy::too_many_arguments)]
fn consumption<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    locations: &Bound<'py, PyAny>,
    codes: &Bound<'py, PyAny>,
    products: &Bound<'py, PyAny>,
    packs: Option<&Bound<'py, PyAny>>,
    lots: Option<&Bound<'py, PyAny>>,
    recalls: Option<&Bound<'py, PyAny>>,
    today: &str,
    late_after: i64,
    reference_year: Option<i32>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut r = Reader::default();
    let (events, qty) = r.events(events)?;
    let locations = read_locations(locations)?;
    let codes = read_codes(codes)?;
    let products = read_products(products)?;
    let packs = read_packs(packs)?;
    let lots = read_lots(lots)?;
    let recalls = read_recalls(recalls)?;
    let today = parse_day(today)
        .filter(|d| *d != engine::NO_DATE)
        .ok_or_else(|| {
            let at = Location::field("today");
            to_py(
                py,
                Error::input(at, format!("{today:?}: expected a date YYYY-MM-DD")),
            )
        })?;
    let options = Options {
        today,
        reference_year,
        late_after,
    };
    let raw = RawTables {
        qty,
        codes,
        products,
        packs,
    };
    let Reader { names, event_ids } = r;
    let (out, engine_s) = detached(py, move || {
        let input = raw.convert(names, event_ids, events, locations, lots, recalls)?;
        let t0 = Instant::now();
        let out = engine::consumption(&input, &options)?;
        Ok((out, t0.elapsed().as_secs_f64()))
    })?;
    let result = PyDict::new(py);
    let mut texts = Texts::new(py);
    result.set_item("events", events_out(py, &out.events, &mut texts)?)?;
    result.set_item("groups", groups_out(py, &out.groups, &mut texts)?)?;
    let s = &out.stats;
    let stats = PyDict::new(py);
    for (k, v) in [
        ("events", s.events),
        ("mapped", s.mapped),
        ("duplicates", s.duplicates),
        ("unmapped", s.unmapped),
        ("expired", s.expired),
        ("recalled", s.recalled),
        ("groups", s.groups),
        ("late", s.late),
    ] {
        stats.set_item(k, v)?;
    }
    result.set_item("stats", stats)?;
    result.set_item("engine_s", engine_s)?;
    Ok(result)
}

// ---------------------------------------------------------------------- readers

#[derive(Default)]
struct Reader {
    names: Names,
    event_ids: Names,
}

impl Reader {
    /// A text column interned into `names` (None is ""); `required`: it
    /// must be given.
    fn texts(t: &mut Table, names: &mut Names, col: &str, required: bool) -> PyResult<Vec<u32>> {
        if required && !t.has(col) {
            return Err(Python::attach(|py| {
                let at = Location::field(format!("events.{col}"));
                to_py(py, Error::input(at, "is required"))
            }));
        }
        t.interned(col, 0, |s| names.id(s))
    }

    fn events(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<(Events, Vec<Option<Raw>>)> {
        let mut t = Table::new("events", Some(obj))?;
        let n = &mut self.names;
        let e = Events {
            cabinet: Self::texts(&mut t, n, "cabinet", true)?,
            event_id: Self::texts(&mut t, &mut self.event_ids, "event_id", true)?,
            time: t.ints("time", None)?,
            product: Self::texts(&mut t, n, "product", true)?,
            code_kind: Self::texts(&mut t, n, "code_kind", false)?,
            lot: Self::texts(&mut t, n, "lot", false)?,
            expiry: Self::texts(&mut t, n, "expiry", false)?,
            unit: Self::texts(&mut t, n, "unit", false)?,
            kind: Self::texts(&mut t, n, "kind", true)?,
            department: Self::texts(&mut t, n, "department", false)?,
            qty: Vec::new(),
        };
        let qty = t.lenient_decimals("qty")?;
        t.finish()?;
        Ok((e, qty))
    }
}

fn read_locations(obj: &Bound<'_, PyAny>) -> PyResult<Locations> {
    let mut t = Table::new("locations", Some(obj))?;
    let location_id = t.ints("location_id", None)?;
    let code = t.strs("code", Some(String::new()))?;
    t.finish()?;
    Ok(Locations {
        counted: vec![true; location_id.len()],
        location_id,
        code,
    })
}

fn read_products(obj: &Bound<'_, PyAny>) -> PyResult<WithFactor<Products>> {
    let mut t = Table::new("products", Some(obj))?;
    let product_id = t.ints("product_id", None)?;
    let rounding = t.decimals("rounding", Some(Decimal::new(1, 2)))?;
    let tracked = t.bools("tracked", Some(true))?;
    t.finish()?;
    let n = product_id.len();
    let p = Products {
        product_id,
        category_id: vec![0; n],
        risk_class: vec![0; n],
        cost: vec![Decimal::ZERO; n],
        rounding: Vec::new(),
        tracked,
    };
    Ok((p, rounding))
}

fn read_lots(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Lots> {
    let mut t = Table::new("lots", obj)?;
    let lot_id = t.ints("lot_id", Some(0))?;
    let product_id = t.ints("product_id", Some(0))?;
    let name = t.strs("name", Some(String::new()))?;
    let texts = t.strs("expiry", Some(String::new()))?;
    t.finish()?;
    let expiry = texts
        .iter()
        .enumerate()
        .map(|(i, x)| {
            parse_day(x).ok_or_else(|| {
                let at = Location::row("lots.expiry", i);
                let e = Error::broke(
                    at,
                    "bad_date",
                    format!("{x:?}: expected YYYY-MM-DD or \"\""),
                );
                Python::attach(|py| to_py(py, e))
            })
        })
        .collect::<PyResult<Vec<i32>>>()?;
    Ok(Lots {
        lot_id,
        product_id,
        name,
        expiry,
    })
}

fn read_recalls(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Recalls> {
    let mut t = Table::new("recalls", obj)?;
    let r = Recalls {
        product_id: t.ints("product_id", Some(0))?,
        lot: t.strs("lot", Some(String::new()))?,
    };
    t.finish()?;
    Ok(r)
}

/// A table with its decimal column converted into place.
fn with_decimals<T>(
    (mut table, raw): WithFactor<T>,
    into: fn(&mut T) -> &mut Vec<Decimal>,
) -> Result<T> {
    *into(&mut table) = raw.decimals()?;
    Ok(table)
}

/// The tables with columns still raw, converted once the GIL is released.
struct RawTables {
    qty: Vec<Option<Raw>>,
    codes: WithFactor<Codes>,
    products: WithFactor<Products>,
    packs: WithFactor<Packs>,
}

impl RawTables {
    /// The engine's input, decimals converted (in the order read: the bad
    /// value reported is the first in that order). A quantity that is no
    /// finite number is `None`, for the engine to judge.
    fn convert(
        self,
        names: Names,
        event_ids: Names,
        mut events: Events,
        locations: Locations,
        lots: Lots,
        recalls: Recalls,
    ) -> Result<Input> {
        events.qty = self
            .qty
            .par_iter()
            .with_min_len(4096)
            .map(|q| q.and_then(|r| r.to_decimal(|| Location::field("qty")).ok()))
            .collect();
        Ok(Input {
            names,
            event_ids,
            events,
            locations,
            codes: with_decimals(self.codes, |c: &mut Codes| &mut c.factor)?,
            products: with_decimals(self.products, |p: &mut Products| &mut p.rounding)?,
            packs: with_decimals(self.packs, |p: &mut Packs| &mut p.factor)?,
            lots,
            recalls,
        })
    }
}

// ---------------------------------------------------------------------- output

/// Python strings made once per distinct text or quantity.
struct Texts<'py> {
    py: Python<'py>,
    texts: HashMap<String, Bound<'py, PyString>>,
    qty: HashMap<Decimal, Bound<'py, PyString>>,
}

impl<'py> Texts<'py> {
    fn new(py: Python<'py>) -> Self {
        Texts {
            py,
            texts: HashMap::new(),
            qty: HashMap::new(),
        }
    }

    fn text(&mut self, s: &str) -> Bound<'py, PyString> {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t = PyString::new(self.py, s);
        self.texts.insert(s.to_string(), t.clone());
        t
    }

    fn qty(&mut self, d: Decimal) -> Bound<'py, PyString> {
        let py = self.py;
        self.qty
            .entry(d)
            .or_insert_with(|| PyString::new(py, &canon(d)))
            .clone()
    }
}

fn events_out<'py>(
    py: Python<'py>,
    events: &[engine::EventOut],
    t: &mut Texts<'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let status: Vec<Bound<'py, PyString>> = Status::ALL
        .iter()
        .map(|s| PyString::intern(py, s.code()))
        .collect();
    let pos = |s: Status| Status::ALL.iter().position(|x| *x == s).unwrap_or(0);
    d.set_item(
        "status",
        PyList::new(py, events.iter().map(|e| status[pos(e.status)].clone()))?,
    )?;
    d.set_item(
        "location_id",
        PyList::new(py, events.iter().map(|e| e.location_id))?,
    )?;
    d.set_item(
        "product_id",
        PyList::new(py, events.iter().map(|e| e.product_id))?,
    )?;
    d.set_item("lot_id", PyList::new(py, events.iter().map(|e| e.lot_id))?)?;
    d.set_item(
        "lot",
        PyList::new(py, events.iter().map(|e| t.text(&e.lot)))?,
    )?;
    d.set_item("qty", PyList::new(py, events.iter().map(|e| t.qty(e.qty)))?)?;
    d.set_item(
        "expired",
        PyList::new(py, events.iter().map(|e| e.expired))?,
    )?;
    d.set_item(
        "recalled",
        PyList::new(py, events.iter().map(|e| e.recalled))?,
    )?;
    d.set_item(
        "group",
        PyList::new(py, events.iter().map(|e| e.group.map_or(-1, i64::from)))?,
    )?;
    let empty = PyString::intern(py, "");
    d.set_item(
        "message",
        PyList::new(
            py,
            events.iter().map(|e| match e.message.as_str() {
                "" => empty.clone(),
                m => PyString::new(py, m),
            }),
        )?,
    )?;
    Ok(d)
}

fn groups_out<'py>(
    py: Python<'py>,
    groups: &[Group],
    t: &mut Texts<'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(
        "location_id",
        PyList::new(py, groups.iter().map(|g| g.location_id))?,
    )?;
    d.set_item(
        "product_id",
        PyList::new(py, groups.iter().map(|g| g.product_id))?,
    )?;
    d.set_item("lot_id", PyList::new(py, groups.iter().map(|g| g.lot_id))?)?;
    d.set_item(
        "lot",
        PyList::new(py, groups.iter().map(|g| t.text(&g.lot)))?,
    )?;
    d.set_item(
        "kind",
        PyList::new(py, groups.iter().map(|g| t.text(g.kind.code())))?,
    )?;
    d.set_item(
        "department",
        PyList::new(py, groups.iter().map(|g| t.text(&g.department)))?,
    )?;
    d.set_item("qty", PyList::new(py, groups.iter().map(|g| t.qty(g.qty)))?)?;
    d.set_item("date", PyList::new(py, groups.iter().map(|g| g.date))?)?;
    d.set_item("late", PyList::new(py, groups.iter().map(|g| g.late))?)?;
    d.set_item("events", PyList::new(py, groups.iter().map(|g| g.events))?)?;
    d.set_item("first", PyList::new(py, groups.iter().map(|g| g.first))?)?;
    Ok(d)
}
