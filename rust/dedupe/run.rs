//! A batch run: prepare, block, compare, learn the model, score, cluster.

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::blocking::candidate_pairs;
use super::cluster::cluster;
use super::compare::{compare_levels, name_gate, scored, Compared};
use super::model::{estimate, Label, Learn, Model};
use super::record::{prepare, Input, Invalid};
use super::score::{band, probability, Band, Evidence, Freq, Options, Rec};
use super::signals::{signals, Signal, SignalKind};
use crate::error::Result;

/// A scored pair (record positions, left id < right id): its total
/// weight in bits (log2 odds, prior included) and match probability.
#[derive(Debug, Clone)]
pub struct Pair {
    pub left: usize,
    pub right: usize,
    pub score: f64,
    pub probability: f64,
    pub band: Band,
    pub evidence: Vec<Evidence>,
}

/// Everything a run gives.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub recs: Vec<Rec>,
    pub invalid: Vec<Invalid>,
    pub pairs: Vec<Pair>,
    pub signals: Vec<Signal>,
    pub clusters: Vec<i64>,
    pub candidates: usize,
    pub skipped_groups: usize,
    /// Pairs each blocking pass proposed, by [`Pass`](super::Pass) number.
    pub by_pass: [usize; 9],
    /// The model the pairs were scored with (learned in this run or given).
    pub model: Model,
    /// Seconds spent learning the model (0 when it was given).
    pub estimate_s: f64,
}

/// Settings of a run beyond the scoring [`Options`].
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub score: Options,
    pub spend_threshold: Option<Decimal>,
    /// Return every candidate pair, whatever its band (to measure blocking).
    pub keep_all: bool,
    /// Score with this model instead of learning one.
    pub model: Option<Model>,
    pub learn: Learn,
    /// The steward's decisions, refining the learned model.
    pub labels: Vec<Label>,
}

/// A candidate pair (positions, left id < right id) and its comparison.
struct Candidate {
    left: usize,
    right: usize,
    cmp: Compared,
}

fn unpack(recs: &[Rec], packed: u64) -> (usize, usize) {
    let (i, j) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
    if recs[i].id < recs[j].id {
        (i, j)
    } else {
        (j, i)
    }
}

fn compare_all(recs: &[Rec], freq: &Freq, o: &Options, packed: &[u64]) -> Vec<Candidate> {
    packed
        .par_iter()
        .map(|p| {
            let (left, right) = unpack(recs, *p);
            let cmp = compare_levels(&recs[left], &recs[right], freq, o);
            Candidate { left, right, cmp }
        })
        .collect()
}

/// Learn the model: from every candidate pair (also those a focused run
/// does not score) and the steward's labels.
fn learn_model(
    recs: &[Rec],
    freq: &Freq,
    o: &RunOptions,
    focused: &[Candidate],
    focus: bool,
) -> Result<Model> {
    let all;
    let cands: &[Candidate] = if focus {
        let (packed, _, _) = crate::pool::install(|| candidate_pairs(recs, false))?;
        all = crate::pool::install(|| compare_all(recs, freq, &o.score, &packed))?;
        &all
    } else {
        focused
    };
    let key = |a: usize, b: usize| (a.min(b), a.max(b));
    let labelled: HashMap<(usize, usize), bool> = o
        .labels
        .iter()
        .filter(|l| l.left != l.right && l.left < recs.len() && l.right < recs.len())
        .map(|l| (key(l.left, l.right), l.duplicate))
        .collect();
    let unlabelled: Vec<Compared> = cands
        .iter()
        .filter(|c| !recs[c.left].employee && !recs[c.right].employee)
        .filter(|c| !labelled.contains_key(&key(c.left, c.right)))
        .map(|c| c.cmp)
        .collect();
    let mut labels: Vec<((usize, usize), bool)> = labelled.into_iter().collect();
    labels.sort_unstable();
    let labelled: Vec<(Compared, bool)> = labels
        .iter()
        .map(|((a, b), dup)| (compare_levels(&recs[*a], &recs[*b], freq, &o.score), *dup))
        .collect();
    crate::pool::install(|| estimate(recs, freq, &o.score, &unlabelled, &labelled, &o.learn))
}

type Scored = (Pair, Vec<(SignalKind, String)>);

/// Score a candidate: its evidence, band and fraud signals (None when it
/// is neither a pair to show nor a signal).
/// A gated pair is at most "possible".
pub fn gated(b: Band, gate: bool) -> Band {
    if gate {
        b.min(Band::Possible)
    } else {
        b
    }
}

fn score_one(
    recs: &[Rec],
    freq: &Freq,
    c: &Candidate,
    model: &Model,
    o: &RunOptions,
) -> Option<Scored> {
    let (a, b) = (&recs[c.left], &recs[c.right]);
    let (total, ev) = scored(a, b, freq, &c.cmp, model);
    let p = probability(total);
    let sig = signals(a, b, p, &ev, &o.score);
    let bd = if a.employee || b.employee {
        Band::None
    } else {
        gated(band(p, &o.score), name_gate(&c.cmp, &ev))
    };
    if bd == Band::None && sig.is_empty() && !o.keep_all {
        return None;
    }
    let pair = Pair {
        left: c.left,
        right: c.right,
        score: total,
        probability: p,
        band: bd,
        evidence: ev,
    };
    Some((pair, sig))
}

/// Pairs to show and signals, sorted by record ids.
fn collect(recs: &[Rec], scored: Vec<Scored>, keep_all: bool) -> (Vec<Pair>, Vec<Signal>) {
    let mut pairs = Vec::with_capacity(scored.len());
    let mut sigs = Vec::new();
    for (p, s) in scored {
        sigs.extend(s.into_iter().map(|(kind, value)| Signal {
            kind,
            left: p.left,
            right: p.right,
            value,
        }));
        if p.band != Band::None || keep_all {
            pairs.push(p);
        }
    }
    pairs.sort_by_key(|p| (recs[p.left].id, recs[p.right].id));
    sigs.sort_by_key(|s| (s.kind, recs[s.left].id, recs[s.right].id));
    (pairs, sigs)
}

/// Deduplicate a batch of records.
pub fn run(input: &Input, o: &RunOptions) -> Result<Output> {
    let (mut recs, invalid, freq) = prepare(input, o.spend_threshold)?;
    crate::pool::install(|| {
        recs.par_iter_mut()
            .for_each(|r| freq.assign(r, o.score.min_population))
    })?;
    let focus = recs.iter().any(|r| r.changed);
    let (packed, skipped, by_pass) = crate::pool::install(|| candidate_pairs(&recs, focus))?;
    let cands = crate::pool::install(|| compare_all(&recs, &freq, &o.score, &packed))?;
    let started = std::time::Instant::now();
    let (model, estimate_s) = match &o.model {
        Some(m) => (m.clone(), 0.0),
        None => {
            let m = learn_model(&recs, &freq, o, &cands, focus)?;
            (m, started.elapsed().as_secs_f64())
        }
    };
    let scored: Vec<Scored> = crate::pool::install(|| {
        cands
            .par_iter()
            .filter_map(|c| score_one(&recs, &freq, c, &model, o))
            .collect()
    })?;
    let (pairs, signals) = collect(&recs, scored, o.keep_all);
    let ids: Vec<i64> = recs.iter().map(|r| r.id).collect();
    let likely: Vec<(usize, usize, f64)> = pairs
        .iter()
        .filter(|p| p.band == Band::Likely)
        .map(|p| (p.left, p.right, p.score))
        .collect();
    let clusters = cluster(&ids, &likely, &o.score);
    Ok(Output {
        candidates: packed.len(),
        skipped_groups: skipped,
        by_pass,
        recs,
        invalid,
        pairs,
        signals,
        clusters,
        model,
        estimate_s,
    })
}
