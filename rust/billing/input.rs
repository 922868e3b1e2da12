//! The billing input: interned names, dates, the codes of the enum columns,
//! the nine tables as columns, and their checks (bad input is the caller's
//! programming error, raised as [`Error`]; a batch's own faults are
//! problems, found later).

use std::fmt;

use hashbrown::HashMap;
use rust_decimal::Decimal;

use crate::error::{Error, Location, Result};
use crate::ids::NO_ROW;
use crate::numeric::plain_text;

/// Strings interned once for every table: equal texts get equal ids, "" is 0.
#[derive(Debug, Clone)]
pub struct Names {
    ids: HashMap<String, u32>,
    list: Vec<String>,
}

impl Default for Names {
    fn default() -> Self {
        let mut ids = HashMap::new();
        ids.insert(String::new(), 0);
        Names {
            ids,
            list: vec![String::new()],
        }
    }
}

impl Names {
    /// The id of `text`, added if new.
    pub fn id(&mut self, text: &str) -> u32 {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = self.list.len() as u32;
        self.ids.insert(text.to_owned(), id);
        self.list.push(text.to_owned());
        id
    }

    /// Ids of every text, in order.
    pub fn ids<S: AsRef<str>>(&mut self, texts: &[S]) -> Vec<u32> {
        texts.iter().map(|t| self.id(t.as_ref())).collect()
    }

    /// The id of `text` if it was ever seen.
    pub fn find(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    pub fn text(&self, id: u32) -> &str {
        self.list.get(id as usize).map_or("", String::as_str)
    }

    /// The text, or "(none)" for "".
    pub fn show(&self, id: u32) -> &str {
        show(self.text(id))
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.list.len() <= 1
    }
}

/// A text in a message: "(none)" for "".
pub fn show(text: &str) -> &str {
    if text.is_empty() {
        "(none)"
    } else {
        text
    }
}

/// A calendar day as `yyyymmdd` (so that the order is the calendar's); 0 is
/// "no date".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date(u32);

impl Date {
    pub const NONE: Date = Date(0);

    /// "YYYY-MM-DD" (a real day, year 1 to 9999), or "" for none.
    pub fn parse(text: &str) -> Option<Date> {
        if text.is_empty() {
            return Some(Date::NONE);
        }
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if y == 0 || chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_none() {
            return None;
        }
        Some(Date(y * 10_000 + m * 100 + d))
    }

    pub fn is_none(self) -> bool {
        self.0 == 0
    }

    /// Days since 1970-01-01 (`None` for no date).
    pub fn days(self) -> Option<i32> {
        let v = self.0;
        if self.is_none() {
            return None;
        }
        crate::reconcile::barcode::days((v / 10_000) as i32, v / 100 % 100, v % 100)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            return Ok(());
        }
        let v = self.0;
        write!(f, "{:04}-{:02}-{:02}", v / 10_000, v / 100 % 100, v % 100)
    }
}

/// A decimal as its shortest exact text: no exponent, no trailing zeros, no
/// point for whole numbers, "0" for zero ("12.5", "-3", "0").
pub fn canon(d: Decimal) -> String {
    if d.is_zero() {
        return "0".into();
    }
    let mut buf = [0u8; crate::numeric::PLAIN_TEXT_MAX];
    plain_text(d.normalize(), &mut buf).to_owned()
}

/// Decimal places a value needs (trailing zeros do not count).
pub fn places(d: Decimal) -> u32 {
    d.normalize().scale()
}

macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The codes, for error messages ("a, b or c").
            pub fn expected() -> String {
                let all: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                match all.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => all.join(""),
                }
            }
        }
    };
}

codes!(
    /// What a batch is.
    BatchKind { Original = "original", Adjustment = "adjustment", Reversal = "reversal" }
);
codes!(
    /// What happens to a batch dated in a locked period.
    LockPolicy { Redirect = "redirect", Refuse = "refuse" }
);
codes!(
    /// The side of a line.
    Side { Debit = "debit", Credit = "credit" }
);
codes!(
    /// What a declared control total adds up.
    TotalKind { Department = "department", Code = "code" }
);
codes!(
    /// The state of a batch already in the database.
    State {
        Received = "received",
        Validated = "validated",
        Rejected = "rejected",
        Scheduled = "scheduled",
        Posted = "posted",
        Reversed = "reversed",
    }
);

/// The batches, one row each. Names are ids in [`Input::names`].
#[derive(Debug, Clone, Default)]
pub struct Batches {
    pub batch_id: Vec<u32>,
    pub source: Vec<u32>,
    /// Never [`Date::NONE`].
    pub business_date: Vec<Date>,
    pub currency: Vec<u32>,
    /// The currency's decimal places, 0..=6.
    pub decimals: Vec<i64>,
    pub kind: Vec<BatchKind>,
    /// The batch it corrects ("" none).
    pub original: Vec<u32>,
    pub record_count: Vec<i64>,
    pub total_debit: Vec<Decimal>,
    pub total_credit: Vec<Decimal>,
    pub lock_date: Vec<Date>,
    pub lock_policy: Vec<LockPolicy>,
    pub company: Vec<i64>,
}

impl Batches {
    pub fn len(&self) -> usize {
        self.batch_id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.batch_id.is_empty()
    }
}

/// Declared control totals.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Row in batches.
    pub batch: Vec<i64>,
    pub kind: Vec<TotalKind>,
    pub key: Vec<u32>,
    pub debit: Vec<Decimal>,
    pub credit: Vec<Decimal>,
}

/// The batches' lines.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    /// Row in batches.
    pub batch: Vec<i64>,
    pub line_id: Vec<String>,
    pub code: Vec<u32>,
    pub department: Vec<u32>,
    pub payer_class: Vec<u32>,
    /// "" is the batch's company.
    pub facility: Vec<u32>,
    pub amount: Vec<Decimal>,
    pub side: Vec<Side>,
    /// [`Date::NONE`]: not given.
    pub service_date: Vec<Date>,
    /// Opaque ("" none).
    pub payer_ref: Vec<String>,
}

impl Lines {
    pub fn len(&self) -> usize {
        self.batch.len()
    }
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }
}

/// The mapping rules. "" in code, department, payer_class, facility matches
/// anything (code "": the source's default rule).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub id: Vec<i64>,
    pub source: Vec<u32>,
    pub code: Vec<u32>,
    pub department: Vec<u32>,
    pub payer_class: Vec<u32>,
    pub facility: Vec<u32>,
    pub date_from: Vec<Date>,
    pub date_to: Vec<Date>,
    pub account: Vec<i64>,
    pub journal: Vec<i64>,
    /// 0: from the departments table.
    pub department_analytic: Vec<i64>,
    /// 0: from the payer classes table.
    pub payer_analytic: Vec<i64>,
    pub keep_payer: Vec<bool>,
    pub sequence: Vec<i64>,
}

impl Rules {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// Departments or payer classes: their analytic account per company (0:
/// every company).
#[derive(Debug, Clone, Default)]
pub struct Analytics {
    pub code: Vec<u32>,
    pub analytic: Vec<i64>,
    pub company: Vec<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Facilities {
    pub code: Vec<u32>,
    pub company: Vec<i64>,
}

/// Batches already in the database.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub source: Vec<u32>,
    pub batch_id: Vec<u32>,
    pub state: Vec<State>,
}

#[derive(Debug, Clone, Default)]
pub struct Input {
    pub names: Names,
    pub batches: Batches,
    pub totals: Totals,
    pub lines: Lines,
    pub rules: Rules,
    pub departments: Analytics,
    pub payer_classes: Analytics,
    pub facilities: Facilities,
    pub known: Known,
}

/// The most decimal places a currency may have.
pub const MAX_DECIMALS: i64 = 6;

fn same_len(table: &str, n: usize, cols: &[(&str, usize)]) -> Result<()> {
    for (col, len) in cols {
        if *len != n {
            return Err(Error::input(
                Location::field(format!("{table}.{col}")),
                format!("has {len} rows, expected {n}"),
            ));
        }
    }
    Ok(())
}

/// Rows of each batch, in input order: `rows[start[b]..start[b + 1]]`.
#[derive(Debug, Clone, Default)]
pub struct ByBatch {
    pub start: Vec<usize>,
    pub rows: Vec<u32>,
}

impl ByBatch {
    /// Group `batch` (already checked in range) by batch, stable.
    fn build(batch: &[i64], batches: usize) -> Self {
        let mut start = vec![0usize; batches + 1];
        for &b in batch {
            start[b as usize + 1] += 1;
        }
        for i in 0..batches {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut rows = vec![NO_ROW; batch.len()];
        for (r, &b) in batch.iter().enumerate() {
            rows[next[b as usize]] = r as u32;
            next[b as usize] += 1;
        }
        ByBatch { start, rows }
    }

    pub fn of(&self, b: usize) -> &[u32] {
        &self.rows[self.start[b]..self.start[b + 1]]
    }
}

/// The lines and totals of each batch.
pub struct Checked {
    pub lines: ByBatch,
    pub totals: ByBatch,
}

fn batch_rows(field: &str, batch: &[i64], n: usize) -> Result<()> {
    if let Some(r) = crate::pool::first_row(batch, |b| *b < 0 || *b as usize >= n) {
        return Err(Error::broke(
            Location::row(field, r),
            "unknown_batch",
            format!("batch row {} is not among the {n} batches", batch[r]),
        ));
    }
    Ok(())
}

fn unique_codes(field: &str, keys: impl Iterator<Item = (u32, i64)>, names: &Names) -> Result<()> {
    let mut seen = HashMap::new();
    for (r, key) in keys.enumerate() {
        if let Some(first) = seen.insert(key, r) {
            return Err(Error::broke(
                Location::row(field, r),
                "duplicate",
                format!(
                    "{} (company {}) repeats row {first}",
                    names.show(key.0),
                    key.1
                ),
            ));
        }
    }
    Ok(())
}

impl Input {
    /// Check the tables (lengths, batch rows, currency decimals, codes
    /// given twice) and group lines and totals by batch.
    pub fn check(&self) -> Result<Checked> {
        let b = &self.batches;
        let n = b.len();
        same_len(
            "batches",
            n,
            &[
                ("source", b.source.len()),
                ("business_date", b.business_date.len()),
                ("currency", b.currency.len()),
                ("decimals", b.decimals.len()),
                ("kind", b.kind.len()),
                ("original", b.original.len()),
                ("record_count", b.record_count.len()),
                ("total_debit", b.total_debit.len()),
                ("total_credit", b.total_credit.len()),
                ("lock_date", b.lock_date.len()),
                ("lock_policy", b.lock_policy.len()),
                ("company", b.company.len()),
            ],
        )?;
        if let Some(r) = b.business_date.iter().position(|d| d.is_none()) {
            return Err(Error::broke(
                Location::row("batches.business_date", r),
                "bad_date",
                "a business date is required",
            ));
        }
        if let Some(r) = b
            .decimals
            .iter()
            .position(|d| !(0..=MAX_DECIMALS).contains(d))
        {
            return Err(Error::broke(
                Location::row("batches.decimals", r),
                "out_of_range",
                format!(
                    "{} decimal places: expected 0 to {MAX_DECIMALS}",
                    b.decimals[r]
                ),
            ));
        }
        let t = &self.totals;
        same_len(
            "totals",
            t.batch.len(),
            &[
                ("kind", t.kind.len()),
                ("key", t.key.len()),
                ("debit", t.debit.len()),
                ("credit", t.credit.len()),
            ],
        )?;
        batch_rows("totals.batch", &t.batch, n)?;
        let l = &self.lines;
        same_len(
            "lines",
            l.len(),
            &[
                ("line_id", l.line_id.len()),
                ("code", l.code.len()),
                ("department", l.department.len()),
                ("payer_class", l.payer_class.len()),
                ("facility", l.facility.len()),
                ("amount", l.amount.len()),
                ("side", l.side.len()),
                ("service_date", l.service_date.len()),
                ("payer_ref", l.payer_ref.len()),
            ],
        )?;
        batch_rows("lines.batch", &l.batch, n)?;
        self.rules.check()?;
        for (table, a) in [
            ("departments", &self.departments),
            ("payer_classes", &self.payer_classes),
        ] {
            same_len(
                table,
                a.code.len(),
                &[("analytic", a.analytic.len()), ("company", a.company.len())],
            )?;
            unique_codes(
                &format!("{table}.code"),
                a.code.iter().copied().zip(a.company.iter().copied()),
                &self.names,
            )?;
        }
        let f = &self.facilities;
        same_len("facilities", f.code.len(), &[("company", f.company.len())])?;
        unique_codes(
            "facilities.code",
            f.code.iter().map(|c| (*c, 0)),
            &self.names,
        )?;
        let k = &self.known;
        same_len(
            "known",
            k.source.len(),
            &[("batch_id", k.batch_id.len()), ("state", k.state.len())],
        )?;
        Ok(Checked {
            lines: ByBatch::build(&l.batch, n),
            totals: ByBatch::build(&t.batch, n),
        })
    }
}

impl Rules {
    /// Every column as long as `id`.
    pub fn check(&self) -> Result<()> {
        same_len(
            "rules",
            self.len(),
            &[
                ("source", self.source.len()),
                ("code", self.code.len()),
                ("department", self.department.len()),
                ("payer_class", self.payer_class.len()),
                ("facility", self.facility.len()),
                ("date_from", self.date_from.len()),
                ("date_to", self.date_to.len()),
                ("account", self.account.len()),
                ("journal", self.journal.len()),
                ("department_analytic", self.department_analytic.len()),
                ("payer_analytic", self.payer_analytic.len()),
                ("keep_payer", self.keep_payer.len()),
                ("sequence", self.sequence.len()),
            ],
        )
    }
}
