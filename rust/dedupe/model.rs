//! The weights of the comparisons, learned from each run's own population
//! (Fellegi-Sunter, as Splink and `recordlinkage` estimate them):
//!
//! - **u**, the chance that two records that are *not* the same vendor
//!   agree at a level, first from a fixed sample of random pairs (almost
//!   all random pairs are different vendors), Laplace-smoothed;
//! - **m**, the chance that two records of the *same* vendor agree at a
//!   level, from [`M_PRIOR`];
//! - then both by expectation-maximisation over the blocked candidate
//!   pairs (the pairs that are scored), each pulled towards its start by
//!   `alpha` pseudo-pairs, so a small or clean population cannot produce
//!   wild weights. Non-matching candidates agree more often than random
//!   pairs (they were blocked together): u is re-estimated on them, as
//!   `recordlinkage`'s ECM does, starting from the random-pair u. The
//!   steward's decisions are labels: their pairs keep their answer
//!   (duplicate or not) through the iterations and count `label_weight`
//!   times.
//! - a level's weight is log2(m/u), bounded to [`W_MIN`, `W_MAX`] bits, the
//!   best level never counting against and the worst never for
//!   ([`bounded`]); pairs are scored with the bounded weights. The prior
//!   is the log2 odds that a candidate pair is the same vendor.
//!
//! EM runs over the counts of distinct patterns (the levels of all
//! comparisons of a pair), in a fixed order: the same answer with any
//! number of threads. Twinned in `tests/reference/dedupe.py`.

use hashbrown::HashMap;
use rayon::prelude::*;

use super::compare::{compare_levels, Cmp, Compared, CMPS};
use super::score::{Freq, Level, Options, Rec};
use crate::error::{Error, Location, Result};

/// Bounds of a learned weight, in bits.
pub const W_MIN: f64 = -12.0;
pub const W_MAX: f64 = 16.0;

/// Where m starts and what it is pulled towards, per comparison and level
/// (the order of [`Cmp::levels`]).
pub const M_PRIOR: [&[f64]; CMPS] = [
    &[0.55, 0.2, 0.1, 0.05, 0.05, 0.05],
    &[0.6, 0.1, 0.1, 0.2],
    &[0.85, 0.15],
    &[0.85, 0.15],
    &[0.6, 0.05, 0.35],
    &[0.3, 0.4, 0.05, 0.25],
    &[0.8, 0.2],
    &[0.98, 0.02],
];

/// u of a model that learned nothing yet (a typical vendor master).
pub const U_PRIOR: [&[f64]; CMPS] = [
    &[0.0003, 0.0005, 0.002, 0.002, 0.01, 0.9852],
    &[0.0005, 0.001, 0.002, 0.9965],
    &[0.01, 0.99],
    &[0.05, 0.95],
    &[0.0005, 0.001, 0.9985],
    &[0.0002, 0.002, 0.01, 0.9878],
    &[0.002, 0.998],
    &[0.9, 0.1],
];

/// How the model is learned.
#[derive(Debug, Clone)]
pub struct Learn {
    /// Random pairs sampled for u (every pair when there are fewer).
    pub sample: usize,
    pub max_iterations: usize,
    /// Largest change of an m at which EM has converged.
    pub tolerance: f64,
    /// Pseudo-pairs pulling m towards [`M_PRIOR`].
    pub alpha: f64,
    /// How many pairs one decision of the steward counts as.
    pub label_weight: f64,
    pub seed: u64,
}

impl Default for Learn {
    fn default() -> Self {
        Learn {
            sample: 100_000,
            max_iterations: 200,
            tolerance: 1e-7,
            alpha: 10.0,
            label_weight: 10.0,
            seed: 0x6d65_6473_796e_6331,
        }
    }
}

/// A steward's decision on a pair (record positions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub left: usize,
    pub right: usize,
    pub duplicate: bool,
}

/// The learned parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub m: [Vec<f64>; CMPS],
    pub u: [Vec<f64>; CMPS],
    /// Share of the same vendor among the candidate pairs.
    pub lambda: f64,
    /// log2 odds that two random records are the same vendor.
    pub prior: f64,
    pub records: usize,
    pub candidates: usize,
    pub labels: usize,
    pub sampled: usize,
    pub iterations: usize,
    pub converged: bool,
    /// The bounded weights of m and u (see [`Model::finish`]).
    pub weights: [Vec<f64>; CMPS],
}

/// Weights in bits of one comparison's levels (best first): log2(m/u)
/// clamped to [`W_MIN`, `W_MAX`], the best level at least 0 and the worst
/// at most 0: a small or skewed population cannot count a different
/// country for a duplicate, or the same name against one.
pub fn bounded(m: &[f64], u: &[f64]) -> Vec<f64> {
    let mut w: Vec<f64> = m
        .iter()
        .zip(u)
        .map(|(m, u)| (m / u).log2().clamp(W_MIN, W_MAX))
        .collect();
    signs(&mut w);
    w
}

/// The best level never counts against, the worst never for.
fn signs(w: &mut [f64]) {
    if let Some(first) = w.first_mut() {
        *first = first.max(0.0);
    }
    if let Some(last) = w.last_mut() {
        *last = last.min(0.0);
    }
}

fn bounded_table(m: &Table, u: &Table) -> Table {
    std::array::from_fn(|c| bounded(&m[c], &u[c]))
}

fn table(rows: [&[f64]; CMPS]) -> [Vec<f64>; CMPS] {
    rows.map(|r| r.to_vec())
}

impl Default for Model {
    fn default() -> Self {
        Model {
            m: table(M_PRIOR),
            u: table(U_PRIOR),
            lambda: 0.1,
            prior: -3.17,
            records: 0,
            candidates: 0,
            labels: 0,
            sampled: 0,
            iterations: 0,
            converged: false,
            weights: bounded_table(&table(M_PRIOR), &table(U_PRIOR)),
        }
    }
}

impl Model {
    /// Compute the bounded weights after m or u changed.
    pub fn finish(&mut self) {
        self.weights = bounded_table(&self.m, &self.u);
    }

    /// Weight in bits of a comparison's level.
    pub fn weight(&self, c: Cmp, level: Level) -> f64 {
        match c.levels().iter().position(|l| *l == level) {
            Some(k) => self.weight_at(c, k),
            None => 0.0,
        }
    }

    pub fn weight_at(&self, c: Cmp, k: usize) -> f64 {
        self.weights[c as usize][k]
    }

    /// Weight of a compared pair's level of `c`, a name's positive weight
    /// scaled by its term-frequency factor.
    pub fn weight_of(&self, c: Cmp, cmp: &Compared) -> f64 {
        let l = cmp.levels[c as usize];
        if l == 0 {
            return 0.0;
        }
        let w = self.weight_at(c, l as usize - 1);
        if c == Cmp::Name && w > 0.0 {
            w * cmp.name_tf
        } else {
            w
        }
    }

    /// Total weight of the learned comparisons, prior included.
    pub fn score(&self, cmp: &Compared) -> f64 {
        self.prior
            + Cmp::ALL
                .iter()
                .map(|c| self.weight_of(*c, cmp))
                .sum::<f64>()
    }

    /// Every probability a number in (0, 1), one per level, summing to 1.
    pub fn check(&self) -> Result<()> {
        for c in Cmp::ALL {
            for (what, v) in [("m", &self.m[c as usize]), ("u", &self.u[c as usize])] {
                let field = || Location::field(format!("model.{}.{what}", c.code()));
                if v.len() != c.levels().len() {
                    return Err(Error::input(
                        field(),
                        format!("has {} levels, expected {}", v.len(), c.levels().len()),
                    ));
                }
                if v.iter().any(|p| !(p.is_finite() && *p > 0.0 && *p < 1.0)) {
                    return Err(Error::input(field(), "must be probabilities in (0, 1)"));
                }
            }
        }
        if !(self.prior.is_finite() && self.lambda > 0.0 && self.lambda < 1.0) {
            return Err(Error::input(
                Location::field("model.prior"),
                "prior must be finite and lambda in (0, 1)",
            ));
        }
        Ok(())
    }
}

/// splitmix64: the random pairs of the u sample (twinned in Python).
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The pairs of the u sample (positions of vendors, not employees): every
/// pair when there are at most `sample`, else `sample` draws.
pub fn sample_pairs(vendors: &[usize], sample: usize, seed: u64) -> Vec<(usize, usize)> {
    let n = vendors.len();
    let all = n * n.saturating_sub(1) / 2;
    if all <= sample {
        return (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (vendors[i], vendors[j])))
            .collect();
    }
    (0..sample as u64)
        .filter_map(|k| {
            let i = (splitmix(seed ^ (2 * k)) % n as u64) as usize;
            let j = (splitmix(seed ^ (2 * k + 1)) % n as u64) as usize;
            (i != j).then(|| (vendors[i.min(j)], vendors[i.max(j)]))
        })
        .collect()
}

/// Counts per comparison and level.
type Counts = [Vec<u64>; CMPS];

fn zero_counts() -> Counts {
    std::array::from_fn(|c| vec![0u64; Cmp::ALL[c].levels().len()])
}

fn add_counts(mut a: Counts, b: Counts) -> Counts {
    for (x, y) in a.iter_mut().zip(b) {
        for (p, q) in x.iter_mut().zip(y) {
            *p += q;
        }
    }
    a
}

/// u from the sample: the share of each level among the sampled pairs
/// compared on it, Laplace-smoothed; the prior's u where none was.
fn estimate_u(recs: &[Rec], pairs: &[(usize, usize)], f: &Freq, o: &Options) -> [Vec<f64>; CMPS] {
    let counts = pairs
        .par_iter()
        .fold(zero_counts, |mut acc, (i, j)| {
            let cmp = compare_levels(&recs[*i], &recs[*j], f, o);
            for (c, l) in cmp.levels.iter().enumerate() {
                if *l > 0 {
                    acc[c][*l as usize - 1] += 1;
                }
            }
            acc
        })
        .reduce(zero_counts, add_counts);
    std::array::from_fn(|c| {
        let n: u64 = counts[c].iter().sum();
        let k = counts[c].len() as f64;
        if n == 0 {
            return U_PRIOR[c].to_vec();
        }
        counts[c]
            .iter()
            .map(|x| (*x as f64 + 1.0) / (n as f64 + k))
            .collect()
    })
}

/// A pattern and how much it weighs; `fixed` is a label's answer.
#[derive(Debug, Clone, Copy)]
struct Row {
    levels: [u8; CMPS],
    weight: f64,
    fixed: Option<f64>,
}

/// Distinct patterns of the unlabelled candidates with their counts, then
/// the labelled pairs, in a fixed order.
fn rows(candidates: &[Compared], labelled: &[(Compared, bool)], label_weight: f64) -> Vec<Row> {
    let mut counts: HashMap<u32, ([u8; CMPS], u64)> = HashMap::new();
    for c in candidates {
        counts.entry(c.pattern()).or_insert((c.levels, 0)).1 += 1;
    }
    let mut keys: Vec<(u32, ([u8; CMPS], u64))> = counts.into_iter().collect();
    keys.sort_unstable_by_key(|(k, _)| *k);
    let mut out: Vec<Row> = keys
        .into_iter()
        .map(|(_, (levels, n))| Row {
            levels,
            weight: n as f64,
            fixed: None,
        })
        .collect();
    out.extend(labelled.iter().map(|(c, dup)| Row {
        levels: c.levels,
        weight: label_weight,
        fixed: Some(if *dup { 1.0 } else { 0.0 }),
    }));
    out
}

/// The chance that a row is the same vendor under the current m and lambda.
fn responsibility(row: &Row, m: &Table, u: &Table, lambda: f64) -> f64 {
    if let Some(r) = row.fixed {
        return r;
    }
    let (mut lm, mut lu) = (lambda.ln(), (1.0 - lambda).ln());
    for (c, l) in row.levels.iter().enumerate() {
        if *l > 0 {
            lm += m[c][*l as usize - 1].ln();
            lu += u[c][*l as usize - 1].ln();
        }
    }
    1.0 / (1.0 + (lu - lm).exp())
}

type Table = [Vec<f64>; CMPS];

/// Pseudo-counts: `alpha` pairs spread as `start`.
fn pseudo(start: &Table, alpha: f64) -> Table {
    std::array::from_fn(|c| start[c].iter().map(|p| alpha * p).collect())
}

fn normalise_rows(t: &mut Table) {
    for v in t.iter_mut() {
        let s: f64 = v.iter().sum();
        v.iter_mut().for_each(|x| *x /= s);
    }
}

/// The state EM iterates on, and where m and u are pulled to.
struct Em<'a> {
    rows: &'a [Row],
    m0: Table,
    u0: Table,
    alpha: f64,
}

impl Em<'_> {
    /// One step: the new m, u and lambda.
    fn step(&self, m: &Table, u: &Table, lambda: f64) -> (Table, Table, f64) {
        let mut am = pseudo(&self.m0, self.alpha);
        let mut au = pseudo(&self.u0, self.alpha);
        let (mut matched, mut total) = (0.0, 0.0);
        for row in self.rows {
            let r = responsibility(row, m, u, lambda);
            matched += r * row.weight;
            total += row.weight;
            for (c, l) in row.levels.iter().enumerate() {
                if *l > 0 {
                    am[c][*l as usize - 1] += r * row.weight;
                    au[c][*l as usize - 1] += (1.0 - r) * row.weight;
                }
            }
        }
        normalise_rows(&mut am);
        normalise_rows(&mut au);
        let lambda = if total > 0.0 {
            (matched / total).clamp(1e-6, 0.999)
        } else {
            lambda
        };
        (am, au, lambda)
    }
}

fn largest_change(a: &Table, b: &Table) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f64::max)
}

/// m, u and lambda by EM; the model's counters filled.
fn estimate_mu(model: &mut Model, rows: &[Row], learn: &Learn) {
    let em = Em {
        rows,
        m0: model.m.clone(),
        u0: model.u.clone(),
        alpha: learn.alpha,
    };
    for it in 1..=learn.max_iterations {
        let (m, u, lambda) = em.step(&model.m, &model.u, model.lambda);
        let change = largest_change(&m, &model.m)
            .max(largest_change(&u, &model.u))
            .max((lambda - model.lambda).abs());
        model.m = m;
        model.u = u;
        model.lambda = lambda;
        model.iterations = it;
        if change < learn.tolerance {
            model.converged = true;
            break;
        }
    }
}

/// The log2 odds that a candidate pair is the same vendor.
fn prior(lambda: f64) -> f64 {
    (lambda / (1.0 - lambda)).log2()
}

/// Learn a model from a population: `candidates` are the compared
/// candidate pairs (employees and labelled pairs left out), `labelled` the
/// steward's decisions with their comparisons.
pub fn estimate(
    recs: &[Rec],
    f: &Freq,
    o: &Options,
    candidates: &[Compared],
    labelled: &[(Compared, bool)],
    learn: &Learn,
) -> Model {
    let vendors: Vec<usize> = (0..recs.len())
        .filter(|i| !recs[*i].employee && !recs[*i].label_only)
        .collect();
    let sample = sample_pairs(&vendors, learn.sample, learn.seed);
    let mut model = Model {
        u: estimate_u(recs, &sample, f, o),
        records: vendors.len(),
        candidates: candidates.len() + labelled.len(),
        labels: labelled.len(),
        sampled: sample.len(),
        ..Model::default()
    };
    let rows = rows(candidates, labelled, learn.label_weight);
    estimate_mu(&mut model, &rows, learn);
    model.prior = prior(model.lambda);
    model.finish();
    model
}
