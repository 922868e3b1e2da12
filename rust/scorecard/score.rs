//! Rates, the month score, the decayed score and the standing.
//!
//! Rates are `100.0 × a / b` (None when `b` is 0). The month score is
//! `Σ w·c / Σ w` over the components with data (and weight); the score of
//! month `m` is `Σ_k decay^k · month_score(m−k) / Σ_k decay^k` over the
//! months `m−k` (k < window) that have a month score. Every sum is taken in
//! a fixed order, and `decay^k` by repeated multiplication, so that the
//! reference computes the same floats.

use super::aggregate::Counters;
use crate::error::{Error, Location, Result};

/// The scored components, in the order their weighted sum is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    Otif,
    FillRate,
    AckOnTime,
    AsnAccuracy,
    PriceAccuracy,
    FirstPass,
    /// 100 − return rate.
    Returns,
    /// 100 − backorder rate.
    Backorders,
}

impl Component {
    pub const ALL: [Component; 8] = [
        Component::Otif,
        Component::FillRate,
        Component::AckOnTime,
        Component::AsnAccuracy,
        Component::PriceAccuracy,
        Component::FirstPass,
        Component::Returns,
        Component::Backorders,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Component::Otif => "otif",
            Component::FillRate => "fill_rate",
            Component::AckOnTime => "ack_on_time",
            Component::AsnAccuracy => "asn_accuracy",
            Component::PriceAccuracy => "price_accuracy",
            Component::FirstPass => "first_pass",
            Component::Returns => "returns",
            Component::Backorders => "backorders",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// A weight per component, in [`Component::ALL`]'s order; they sum to 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights(pub [f64; 8]);

impl Default for Weights {
    fn default() -> Self {
        Weights([30.0, 15.0, 10.0, 10.0, 15.0, 10.0, 5.0, 5.0])
    }
}

impl Weights {
    /// Weights given by name; the components not named weigh 0. Refused
    /// (`bad_weights`): an unknown or repeated name, a negative or
    /// non-finite weight, a sum other than 100 (± 1e-6).
    pub fn from_pairs<S: AsRef<str>>(pairs: &[(S, f64)]) -> Result<Self> {
        let bad =
            |msg: String| Error::broke(Location::field("options.weights"), "bad_weights", msg);
        let mut w = [0.0; 8];
        let mut named = [false; 8];
        for (name, value) in pairs {
            let name = name.as_ref();
            let c = Component::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Component::ALL.iter().map(|c| c.code()).collect();
                bad(format!(
                    "unknown component {name:?} (known: {})",
                    known.join(", ")
                ))
            })?;
            let k = c as usize;
            if named[k] {
                return Err(bad(format!("{name:?} is given twice")));
            }
            if !value.is_finite() || *value < 0.0 {
                return Err(bad(format!(
                    "{name:?}: a weight is a number >= 0, got {value}"
                )));
            }
            named[k] = true;
            w[k] = *value;
        }
        let w = Weights(w);
        w.check()?;
        Ok(w)
    }

    pub fn check(&self) -> Result<()> {
        let sum: f64 = self.0.iter().sum();
        if self.0.iter().any(|v| !v.is_finite() || *v < 0.0) || (sum - 100.0).abs() > 1e-6 {
            return Err(Error::broke(
                Location::field("options.weights"),
                "bad_weights",
                format!("weights must be numbers >= 0 summing to 100, they sum to {sum}"),
            ));
        }
        Ok(())
    }
}

/// Where a vendor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    Excellent,
    Good,
    Poor,
    VeryPoor,
    NotRated,
}

impl Standing {
    pub const ALL: [Standing; 5] = [
        Standing::Excellent,
        Standing::Good,
        Standing::Poor,
        Standing::VeryPoor,
        Standing::NotRated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Standing::Excellent => "excellent",
            Standing::Good => "good",
            Standing::Poor => "poor",
            Standing::VeryPoor => "very_poor",
            Standing::NotRated => "not_rated",
        }
    }
}

/// How the score becomes a standing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scoring {
    pub weights: Weights,
    /// In (0, 1].
    pub decay: f64,
    /// Months, >= 1.
    pub window: u32,
    /// (excellent, good, poor), descending.
    pub thresholds: [f64; 3],
    pub min_lines: u64,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            weights: Weights::default(),
            decay: 0.7,
            window: 6,
            thresholds: [90.0, 80.0, 65.0],
            min_lines: 5,
        }
    }
}

/// `100.0 × a / b`, None when `b` is 0.
pub fn pct(a: u64, b: u64) -> Option<f64> {
    (b != 0).then(|| 100.0 * a as f64 / b as f64)
}

/// The rates of a month, in the output's order: otif, fill_rate,
/// backorder_rate, ack_on_time, asn_accuracy, price_accuracy, first_pass,
/// return_rate.
pub fn rates(c: &Counters) -> [Option<f64>; 8] {
    [
        pct(c.lines_otif, c.lines_due),
        pct(c.lines_filled, c.lines_due),
        pct(c.lines_backordered, c.lines_due),
        pct(c.lines_ack_on_time, c.lines_sent),
        pct(c.asn_accurate, c.asn_groups),
        pct(c.bill_accurate, c.bill_lines),
        pct(c.match_first_pass, c.match_lines),
        pct(c.lines_returned, c.lines_received),
    ]
}

/// The components of a month, in [`Component::ALL`]'s order.
pub fn components(rates: &[Option<f64>; 8]) -> [Option<f64>; 8] {
    let [otif, fill, backorder, ack, asn, price, first_pass, returns] = *rates;
    [
        otif,
        fill,
        ack,
        asn,
        price,
        first_pass,
        returns.map(|r| 100.0 - r),
        backorder.map(|r| 100.0 - r),
    ]
}

/// `Σ w·c / Σ w` over the components present with a positive weight.
pub fn month_score(components: &[Option<f64>; 8], w: &Weights) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (c, w) in components.iter().zip(w.0) {
        if let Some(c) = c {
            if w > 0.0 {
                num += w * c;
                den += w;
            }
        }
    }
    (den > 0.0).then(|| num / den)
}

/// The decayed scores and standings of consecutive months: `month_scores[i]`
/// and `due[i]` are month `first + i`'s.
pub fn series(
    month_scores: &[Option<f64>],
    due: &[u64],
    s: &Scoring,
) -> Vec<(Option<f64>, Standing)> {
    let window = s.window as usize;
    (0..month_scores.len())
        .map(|m| {
            let (mut num, mut den, mut factor) = (0.0, 0.0, 1.0);
            let mut lines = 0u64;
            for k in 0..window.min(m + 1) {
                if let Some(ms) = month_scores[m - k] {
                    num += factor * ms;
                    den += factor;
                }
                lines += due[m - k];
                factor *= s.decay;
            }
            let score = (den > 0.0).then(|| num / den);
            (score, standing(score, lines, s))
        })
        .collect()
}

/// The standing of a score, given the due lines of its window.
pub fn standing(score: Option<f64>, due_lines: u64, s: &Scoring) -> Standing {
    let Some(score) = score else {
        return Standing::NotRated;
    };
    let [excellent, good, poor] = s.thresholds;
    if due_lines < s.min_lines {
        Standing::NotRated
    } else if score >= excellent {
        Standing::Excellent
    } else if score >= good {
        Standing::Good
    } else if score >= poor {
        Standing::Poor
    } else {
        Standing::VeryPoor
    }
}
