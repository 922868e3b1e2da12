//! The index behind the check at vendor creation.

use hashbrown::HashMap;

use super::blocking::{blocking_keys, candidate_pairs, Pass};
use super::compare::{compare_levels, name_gate, scored};
use super::model::{estimate, Learn, Model};
use super::record::{normalise, prepare, Input, Invalid};
use super::run::gated;
use super::score::{band, probability, Band, Evidence, Freq, Options, Rec};
use crate::error::{Error, Location, Result};

/// The index behind the check at vendor creation: built once, then kept up
/// to date with [`Index::upsert`] and [`Index::remove`]; a query scores one
/// record against the candidates its blocking keys find.
#[derive(Debug, Default)]
pub struct Index {
    pub options: Options,
    pub model: Model,
    recs: Vec<Option<Rec>>,
    slots: HashMap<i64, usize>,
    groups: HashMap<u64, Vec<u32>>,
    freq: Freq,
    free: Vec<usize>,
}

/// One answer of [`Index::query`].
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: i64,
    pub score: f64,
    pub probability: f64,
    pub band: Band,
    pub evidence: Vec<Evidence>,
}

impl Index {
    /// Build from records, scoring with `model`, or with a model learned
    /// from these records when none is given.
    pub fn build(input: &Input, options: Options, model: Option<Model>) -> Result<Index> {
        let (recs, _, freq) = prepare(input, None)?;
        let model = match model {
            Some(m) => m,
            None => learn(&recs, &freq, &options)?,
        };
        let mut ix = Index {
            options,
            model,
            freq,
            ..Index::default()
        };
        for r in recs {
            ix.insert(r);
        }
        Ok(ix)
    }

    /// Score with another model from now on (a new version learned elsewhere).
    pub fn set_model(&mut self, model: Model) {
        self.model = model;
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn insert(&mut self, r: Rec) {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.recs.push(None);
                self.recs.len() - 1
            }
        };
        for k in blocking_keys(&r) {
            self.groups.entry(k).or_default().push(slot as u32);
        }
        self.slots.insert(r.id, slot);
        self.recs[slot] = Some(r);
    }

    fn take(&mut self, id: i64) -> bool {
        let Some(slot) = self.slots.remove(&id) else {
            return false;
        };
        if let Some(r) = self.recs[slot].take() {
            for k in blocking_keys(&r) {
                if let Some(g) = self.groups.get_mut(&k) {
                    g.retain(|s| *s as usize != slot);
                    if g.is_empty() {
                        self.groups.remove(&k);
                    }
                }
            }
            self.freq.add(&r, -1);
        }
        self.free.push(slot);
        true
    }

    /// Add or replace records (by id).
    pub fn upsert(&mut self, input: &Input) -> Result<usize> {
        let (recs, _, _) = prepare(input, None)?;
        let n = recs.len();
        for r in recs {
            self.take(r.id);
            self.freq.add(&r, 1);
            self.insert(r);
        }
        Ok(n)
    }

    /// Remove records by id; returns how many were there.
    pub fn remove(&mut self, ids: &[i64]) -> usize {
        ids.iter().filter(|id| self.take(**id)).count()
    }

    /// Score the first record of `input` against the index: hits with a
    /// match probability at or above `min_probability`, best first (ties by
    /// id), at most `limit`. The record's own id (when it is in the index)
    /// is skipped.
    pub fn query(
        &self,
        input: &Input,
        min_probability: f64,
        limit: usize,
    ) -> Result<(Vec<Hit>, Vec<Invalid>)> {
        input.check()?;
        if input.is_empty() {
            return Err(Error::input(Location::field("record"), "is empty"));
        }
        let (r, invalid) = normalise(input, 0, None);
        let mut cand: Vec<u32> = Vec::new();
        for k in blocking_keys(&r) {
            if let Some(g) = self.groups.get(&k) {
                if g.len() <= Pass::of(k >> 56).cap() * 4 {
                    cand.extend_from_slice(g);
                }
            }
        }
        cand.sort_unstable();
        cand.dedup();
        let mut hits: Vec<Hit> = cand
            .iter()
            .filter_map(|s| self.recs[*s as usize].as_ref())
            .filter(|o| o.id != r.id && !o.employee)
            .filter_map(|o| {
                let cmp = compare_levels(&r, o, &self.freq, &self.options);
                let (total, ev) = scored(&r, o, &self.freq, &cmp, &self.model);
                let p = probability(total);
                (p >= min_probability).then(|| Hit {
                    id: o.id,
                    score: total,
                    probability: p,
                    band: gated(band(p, &self.options), name_gate(&cmp, &ev)),
                    evidence: ev,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        hits.truncate(limit);
        Ok((hits, invalid))
    }
}

/// A model learned from the index's own records.
fn learn(recs: &[Rec], freq: &Freq, o: &Options) -> Result<Model> {
    crate::pool::install(|| {
        let (packed, _, _) = candidate_pairs(recs, false);
        let cands: Vec<_> = packed
            .iter()
            .map(|p| ((p >> 32) as usize, (p & 0xffff_ffff) as usize))
            .filter(|(i, j)| !recs[*i].employee && !recs[*j].employee)
            .map(|(i, j)| compare_levels(&recs[i], &recs[j], freq, o))
            .collect();
        estimate(recs, freq, o, &cands, &[], &Learn::default())
    })
}
