//! The company's clock: UTC epoch seconds to local time through a list of
//! offset transitions (DST), local days and months.
//!
//! Local time is `t + offset` of the last transition with `utc_from <= t`
//! (before the first one, or with none: offset 0). A local day is
//! `floor(local / 86400)` (days since 1970-01-01), a month index is
//! `year * 12 + month - 1`.

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Location, Result};

/// The latest time accepted anywhere: 9999-12-31 23:59:59 UTC.
pub const MAX_TIME: i64 = 253_402_300_799;

/// An offset may not pass a day (real ones stay within ±14 h).
const MAX_OFFSET: i64 = 86_400;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Instants from which each offset applies, strictly increasing.
    from: Vec<i64>,
    offset: Vec<i64>,
}

impl Clock {
    /// The clock of `tz`: `(utc_from, offset_s)` sorted by `utc_from`.
    pub fn new(tz: &[(i64, i64)]) -> Result<Self> {
        for (i, &(from, off)) in tz.iter().enumerate() {
            if off.abs() >= MAX_OFFSET {
                return Err(Error::broke(
                    Location::row("options.tz", i),
                    "bad_option",
                    format!("offset {off} s is a day or more"),
                ));
            }
            if i > 0 && from <= tz[i - 1].0 {
                return Err(Error::broke(
                    Location::row("options.tz", i),
                    "bad_option",
                    format!(
                        "transitions must be sorted by time, strictly: {from} after {}",
                        tz[i - 1].0
                    ),
                ));
            }
        }
        Ok(Self {
            from: tz.iter().map(|t| t.0).collect(),
            offset: tz.iter().map(|t| t.1).collect(),
        })
    }

    /// Local time (seconds) of the UTC instant `t`.
    pub fn local(&self, t: i64) -> i64 {
        let k = self.from.partition_point(|&f| f <= t);
        if k == 0 {
            t
        } else {
            t + self.offset[k - 1]
        }
    }

    /// Local day of `t` (days since 1970-01-01).
    pub fn day(&self, t: i64) -> i64 {
        self.local(t).div_euclid(86_400)
    }

    /// Local month index of `t`.
    pub fn month(&self, t: i64) -> i32 {
        month_of_day(self.day(t))
    }
}

/// The month index (`year * 12 + month - 1`) of a day since 1970-01-01.
pub fn month_of_day(day: i64) -> i32 {
    let date = i32::try_from(day + EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .expect("days are within chrono's range: times are checked against MAX_TIME");
    date.year() * 12 + date.month0() as i32
}

/// "YYYY-MM" of a month index.
pub fn month_label(month: i32) -> String {
    format!(
        "{:04}-{:02}",
        month.div_euclid(12),
        month.rem_euclid(12) + 1
    )
}
