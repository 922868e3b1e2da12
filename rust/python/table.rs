//! A table given as a dict of columns (`{"line_id": [...], "qty": [...]}`):
//! typed column readers with defaults, and a check that no key went unread
//! (a misspelt column is an error, not a silently ignored input).

use std::collections::BTreeSet;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDate, PyDict, PyInt, PyString};
use rust_decimal::Decimal;

use super::convert::{column, item, items, lenient_item, Raw};
use super::errors::to_py;
use crate::error::{Error, Location, Result};

/// Days from 0001-01-01 (Python's ordinal 1) to 1970-01-01.
const EPOCH_ORDINAL: i64 = 719_163;

pub struct Table<'py> {
    name: &'static str,
    dict: Option<Bound<'py, PyDict>>,
    used: BTreeSet<String>,
    rows: Option<usize>,
}

/// A decimal column still in its raw form (converted after the GIL is released).
pub struct RawColumn {
    pub field: String,
    values: RawValues,
}

enum RawValues {
    /// A buffer of doubles, as read in one copy.
    Floats(Vec<f64>),
    Mixed(Vec<Raw>),
    /// One value for every row (a column left out).
    Fill(Decimal, usize),
}

impl RawColumn {
    pub fn decimals(&self) -> Result<Vec<Decimal>> {
        let at = |i: usize| Location::row(self.field.clone(), i);
        match &self.values {
            RawValues::Floats(v) => {
                crate::pool::map_ordered(v, |i, f| Raw::F(*f).to_decimal(|| at(i)))
            }
            RawValues::Mixed(v) => crate::pool::map_ordered(v, |i, r| r.to_decimal(|| at(i))),
            RawValues::Fill(d, n) => Ok(vec![*d; *n]),
        }
    }
}

impl<'py> Table<'py> {
    pub fn new(name: &'static str, obj: Option<&Bound<'py, PyAny>>) -> PyResult<Self> {
        let dict = match obj {
            None => None,
            Some(o) if o.is_none() => None,
            Some(o) => Some(
                o.cast::<PyDict>()
                    .map_err(|_| bad(o.py(), name, "expected a dict of columns"))?
                    .clone(),
            ),
        };
        Ok(Self {
            name,
            dict,
            used: BTreeSet::new(),
            rows: None,
        })
    }

    fn py(&self) -> Option<Python<'py>> {
        self.dict.as_ref().map(|d| d.py())
    }

    fn field(&self, col: &str) -> String {
        format!("{}.{}", self.name, col)
    }

    fn get(&mut self, col: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.used.insert(col.to_string());
        match &self.dict {
            None => Ok(None),
            Some(d) => d.get_item(col),
        }
    }

    /// Rows of the table: the length of the first column read or, before
    /// any, of the first column given (so that defaults fill every row).
    pub fn rows(&self) -> usize {
        self.rows.unwrap_or_else(|| {
            self.dict
                .as_ref()
                .and_then(|d| d.values().iter().next())
                .and_then(|v| v.len().ok())
                .unwrap_or(0)
        })
    }

    fn seen(&mut self, py: Python<'py>, col: &str, len: usize) -> PyResult<()> {
        match self.rows {
            None => {
                self.rows = Some(len);
                Ok(())
            }
            Some(n) if n == len => Ok(()),
            Some(n) => Err(to_py(
                py,
                Error::input(
                    Location::field(self.field(col)),
                    format!("has {len} rows, expected {n}"),
                ),
            )),
        }
    }

    fn missing(&self, py: Python<'py>, col: &str) -> PyErr {
        to_py(
            py,
            Error::input(Location::field(self.field(col)), "is required"),
        )
    }

    fn each<T>(
        &mut self,
        col: &str,
        default: Option<T>,
        read: impl Fn(&Bound<'py, PyAny>, &dyn Fn() -> Location) -> PyResult<T>,
    ) -> PyResult<Vec<T>>
    where
        T: Clone,
    {
        let field = self.field(col);
        match self.get(col)? {
            Some(obj) => {
                let out = items(&obj, &field, "a sequence", |v, i| {
                    read(v, &|| Location::row(field.clone(), i))
                })?;
                self.seen(obj.py(), col, out.len())?;
                Ok(out)
            }
            None => match default {
                Some(d) => Ok(vec![d; self.rows()]),
                None => Err(match self.py() {
                    Some(py) => self.missing(py, col),
                    None => Python::attach(|py| self.missing(py, col)),
                }),
            },
        }
    }

    pub fn ints(&mut self, col: &str, default: Option<i64>) -> PyResult<Vec<i64>> {
        // a buffer of 64-bit integers (array('q'), numpy int64) is read in one copy
        if let Some(d) = &self.dict {
            if let Some(obj) = d.get_item(col)? {
                if let Ok(buf) = pyo3::buffer::PyBuffer::<i64>::get(&obj) {
                    self.used.insert(col.to_string());
                    let values = buf.to_vec(obj.py())?;
                    self.seen(obj.py(), col, values.len())?;
                    return Ok(values);
                }
            }
        }
        self.each(col, default, |v, at| {
            if v.is_none() {
                return Ok(0);
            }
            if v.is_instance_of::<PyBool>() || !v.is_instance_of::<PyInt>() {
                return Err(to_py(
                    v.py(),
                    Error::input(at(), "expected an integer id (or None)"),
                ));
            }
            v.extract::<i64>()
                .map_err(|_| to_py(v.py(), Error::input(at(), "integer out of range")))
        })
    }

    pub fn bools(&mut self, col: &str, default: Option<bool>) -> PyResult<Vec<bool>> {
        self.each(col, default, |v, _| v.is_truthy())
    }

    pub fn strs(&mut self, col: &str, default: Option<String>) -> PyResult<Vec<String>> {
        self.each(col, default, |v, at| {
            if v.is_none() {
                return Ok(String::new());
            }
            v.cast::<PyString>()
                .map(|s| s.to_string_lossy().into_owned())
                .map_err(|_| to_py(v.py(), Error::input(at(), "expected a string (or None)")))
        })
    }

    /// Strings turned into ids by `intern` as they are read (each one
    /// borrowed, never copied): None is "", a column left out is `default`
    /// on every row.
    pub fn interned(
        &mut self,
        col: &str,
        default: u32,
        intern: impl FnMut(&str) -> u32,
    ) -> PyResult<Vec<u32>> {
        let intern = std::cell::RefCell::new(intern);
        self.each(col, Some(default), |v, at| {
            if v.is_none() {
                return Ok(intern.borrow_mut()(""));
            }
            let s = v
                .cast::<PyString>()
                .map_err(|_| to_py(v.py(), Error::input(at(), "expected a string (or None)")))?;
            // a lone surrogate has no UTF-8: its lossy form stands for it
            Ok(match s.to_str() {
                Ok(text) => intern.borrow_mut()(text),
                Err(_) => intern.borrow_mut()(&s.to_string_lossy()),
            })
        })
    }

    /// Lists of strings per row: None is an empty list, a string is a
    /// list of one, a list or tuple gives its strings (None and "" skipped).
    pub fn str_lists(&mut self, col: &str) -> PyResult<Vec<Vec<String>>> {
        self.each(col, Some(Vec::new()), |v, at| {
            let py = v.py();
            if v.is_none() {
                return Ok(Vec::new());
            }
            if let Ok(s) = v.cast::<PyString>() {
                let t = s.to_string_lossy().into_owned();
                return Ok(if t.trim().is_empty() { vec![] } else { vec![t] });
            }
            let iter = v.try_iter().map_err(|_| {
                to_py(
                    py,
                    Error::input(at(), "expected a list of strings (or None)"),
                )
            })?;
            let mut out = Vec::new();
            for x in iter {
                let x = x?;
                if x.is_none() {
                    continue;
                }
                let s = x.cast::<PyString>().map_err(|_| {
                    to_py(
                        py,
                        Error::input(at(), "expected a list of strings (or None)"),
                    )
                })?;
                let t = s.to_string_lossy().into_owned();
                if !t.trim().is_empty() {
                    out.push(t);
                }
            }
            Ok(out)
        })
    }

    /// Codes read as borrowed strings and parsed into `T` (no string is
    /// copied); a code `parse` refuses is an error naming what is `expected`.
    pub fn enums<T: Clone>(
        &mut self,
        col: &str,
        default: Option<T>,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> PyResult<Vec<T>> {
        self.each(col, default, |v, at| {
            let py = v.py();
            let s = v
                .cast::<PyString>()
                .map_err(|_| to_py(py, Error::input(at(), "expected a string")))?;
            let text = s.to_str()?;
            parse(text.trim()).ok_or_else(|| {
                to_py(
                    py,
                    Error::input(at(), format!("{text:?}: expected {expected}")),
                )
            })
        })
    }

    /// Dates: `datetime.date` objects or days since 1970-01-01 (a buffer of
    /// 32- or 64-bit integers is read in one copy).
    pub fn dates(&mut self, col: &str, default: Option<i32>) -> PyResult<Vec<i32>> {
        self.dates_or(col, default, None)
    }

    /// Dates where None means "no date" (`none` in the output).
    pub fn opt_dates(&mut self, col: &str, none: i32) -> PyResult<Vec<i32>> {
        self.dates_or(col, Some(none), Some(none))
    }

    fn dates_or(
        &mut self,
        col: &str,
        default: Option<i32>,
        none: Option<i32>,
    ) -> PyResult<Vec<i32>> {
        if let Some(d) = &self.dict {
            if let Some(obj) = d.get_item(col)? {
                let py = obj.py();
                let days = if let Ok(buf) = pyo3::buffer::PyBuffer::<i32>::get(&obj) {
                    Some(buf.to_vec(py)?)
                } else if let Ok(buf) = pyo3::buffer::PyBuffer::<i64>::get(&obj) {
                    let wide = buf.to_vec(py)?;
                    let field = self.field(col);
                    Some(
                        wide.iter()
                            .enumerate()
                            .map(|(i, v)| {
                                i32::try_from(*v).map_err(|_| {
                                    to_py(
                                        py,
                                        Error::input(
                                            Location::row(field.clone(), i),
                                            "day number out of range",
                                        ),
                                    )
                                })
                            })
                            .collect::<PyResult<Vec<i32>>>()?,
                    )
                } else {
                    None
                };
                if let Some(days) = days {
                    self.used.insert(col.to_string());
                    self.seen(py, col, days.len())?;
                    return Ok(days);
                }
            }
        }
        self.each(col, default, |v, at| {
            let py = v.py();
            if let (true, Some(n)) = (v.is_none(), none) {
                return Ok(n);
            }
            if let Ok(date) = v.cast::<PyDate>() {
                let ordinal = date.call_method0("toordinal")?.extract::<i64>()?;
                return Ok((ordinal - EPOCH_ORDINAL) as i32);
            }
            if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
                return v
                    .extract::<i32>()
                    .map_err(|_| to_py(py, Error::input(at(), "day number out of range")));
            }
            Err(to_py(
                py,
                Error::input(at(), "expected a date or a day number"),
            ))
        })
    }

    /// A decimal column (floats, ints, strings, Decimals), converted later.
    pub fn decimals(&mut self, col: &str, default: Option<Decimal>) -> PyResult<RawColumn> {
        let field = self.field(col);
        match self.get(col)? {
            Some(obj) => {
                let py = obj.py();
                let values = match pyo3::buffer::PyBuffer::<f64>::get(&obj) {
                    Ok(buf) => RawValues::Floats(buf.to_vec(py)?),
                    Err(_) => RawValues::Mixed(column(&obj, &field)?),
                };
                let n = match &values {
                    RawValues::Floats(v) => v.len(),
                    RawValues::Mixed(v) => v.len(),
                    RawValues::Fill(_, n) => *n,
                };
                self.seen(py, col, n)?;
                Ok(RawColumn { field, values })
            }
            None => match default {
                Some(d) => Ok(RawColumn {
                    field,
                    values: RawValues::Fill(d, self.rows()),
                }),
                None => Err(match self.py() {
                    Some(py) => self.missing(py, col),
                    None => Python::attach(|py| self.missing(py, col)),
                }),
            },
        }
    }

    /// Decimals the engine judges: None, or a text that is no number, is
    /// `None` (a bad value); a value of another type is an error. Required.
    pub fn lenient_decimals(&mut self, col: &str) -> PyResult<Vec<Option<Raw>>> {
        if let Some(d) = &self.dict {
            if let Some(obj) = d.get_item(col)? {
                if let Ok(buf) = pyo3::buffer::PyBuffer::<f64>::get(&obj) {
                    self.used.insert(col.to_string());
                    let values = buf.to_vec(obj.py())?;
                    self.seen(obj.py(), col, values.len())?;
                    return Ok(values.into_iter().map(|f| Some(Raw::F(f))).collect());
                }
            }
        }
        self.each(col, None, |v, at| lenient_item(v, at))
    }

    /// Whether the table has this column.
    pub fn has(&self, col: &str) -> bool {
        self.dict
            .as_ref()
            .is_some_and(|d| d.contains(col).unwrap_or(false))
    }

    /// Optional decimals: None stays None.
    pub fn opt_decimals(&mut self, col: &str) -> PyResult<Vec<Option<Raw>>> {
        let field = self.field(col);
        let rows = self.rows();
        match self.get(col)? {
            None => Ok(vec![None; rows]),
            Some(obj) => {
                let py = obj.py();
                let iter = obj
                    .try_iter()
                    .map_err(|_| bad_field(py, &field, "expected a sequence"))?;
                let mut out = Vec::new();
                for (i, v) in iter.enumerate() {
                    let v = v?;
                    if v.is_none() {
                        out.push(None);
                    } else {
                        out.push(Some(item(&v, || Location::row(field.clone(), i))?));
                    }
                }
                self.seen(py, col, out.len())?;
                Ok(out)
            }
        }
    }

    /// Every key of the dict must have been read.
    pub fn finish(&self) -> PyResult<()> {
        let Some(d) = &self.dict else { return Ok(()) };
        for key in d.keys() {
            let k = key.str()?.to_string();
            if !self.used.contains(&k) {
                let known: Vec<&str> = self.used.iter().map(String::as_str).collect();
                return Err(bad_field(
                    d.py(),
                    &self.field(&k),
                    &format!("unknown column (known: {})", known.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

fn bad(py: Python<'_>, table: &str, msg: &str) -> PyErr {
    to_py(py, Error::input(Location::field(table), msg))
}

fn bad_field(py: Python<'_>, field: &str, msg: &str) -> PyErr {
    to_py(py, Error::input(Location::field(field), msg))
}
