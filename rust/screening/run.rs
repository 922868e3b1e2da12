//! A screening run: normalise, count name frequencies, index the entries,
//! then for each subject (in parallel) its candidates compared once each,
//! decided and explained; hits sorted by subject, best first.

use std::time::Instant;

use rayon::prelude::*;

use super::blocking::keys;
use super::compare::{compare, compatible};
use super::decide::{decide, Strength};
use super::explain::{explain, Evidence};
use super::freq::Freq;
use super::index::Index;
use super::record::{normalise, Input, Parties, Party, Source};
use crate::error::{Error, Location, Result};

/// Settings of a run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Hits scoring below this are left out (0 keeps every hit).
    pub min_score: f64,
}

/// One hit: a subject, a list entry, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub subject: i64,
    pub entry: i64,
    pub source: Source,
    pub score: f64,
    pub strength: Strength,
    pub evidence: Vec<Evidence>,
}

/// Counters and phase times (seconds) of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub subjects: usize,
    pub entries: usize,
    /// Subject-entry pairs compared (each once).
    pub candidates: usize,
    pub strong: usize,
    pub weak: usize,
    /// Blocking keys skipped for being shared by too many entries.
    pub skipped_keys: usize,
    pub prepare_s: f64,
    pub index_s: f64,
    pub compare_s: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Output {
    pub hits: Vec<Hit>,
    pub stats: Stats,
}

fn normalise_all(p: &Parties, subject: bool) -> Vec<Party> {
    (0..p.len())
        .into_par_iter()
        .map(|i| normalise(p, i, subject))
        .collect()
}

/// Normalise both tables and weigh their name words.
pub fn prepare(input: &Input) -> Result<(Vec<Party>, Vec<Party>, Freq)> {
    input.check()?;
    crate::pool::install(|| {
        let (mut subjects, mut entries) = rayon::join(
            || normalise_all(&input.subjects, true),
            || normalise_all(&input.entries, false),
        );
        let freq = Freq::count(&subjects, &entries);
        subjects.par_iter_mut().for_each(|p| freq.assign(p));
        entries.par_iter_mut().for_each(|p| freq.assign(p));
        (subjects, entries, freq)
    })
}

struct Ctx<'a> {
    entries: &'a [Party],
    source: &'a [Source],
    index: &'a Index,
    freq: &'a Freq,
    min_score: f64,
}

/// One subject's hits and how many candidates it was compared with.
fn screen_one(s: &Party, cx: &Ctx, buf: &mut Vec<u32>) -> (usize, Vec<Hit>) {
    cx.index.candidates(&keys(s, true), buf);
    let mut compared = 0;
    let mut hits = Vec::new();
    for &k in buf.iter() {
        let e = &cx.entries[k as usize];
        if !compatible(s, e) {
            continue;
        }
        compared += 1;
        let c = compare(s, e, cx.freq);
        let Some(d) = decide(&c, cx.freq) else {
            continue;
        };
        if d.score < cx.min_score {
            continue;
        }
        hits.push(Hit {
            subject: s.id,
            entry: e.id,
            source: cx.source[k as usize],
            score: d.score,
            strength: d.strength,
            evidence: explain(&c, &d),
        });
    }
    (compared, hits)
}

/// Screen the subjects against the entries.
pub fn screen(input: &Input, o: &Options) -> Result<Output> {
    if !(0.0..=1.0).contains(&o.min_score) {
        return Err(Error::input(
            Location::field("min_score"),
            "must be a number in [0, 1]",
        ));
    }
    let t = Instant::now();
    let (subjects, entries, freq) = prepare(input)?;
    let prepare_s = t.elapsed().as_secs_f64();
    let index = crate::pool::install(|| Index::build(&entries))?;
    let index_s = t.elapsed().as_secs_f64() - prepare_s;
    let cx = Ctx {
        entries: &entries,
        source: &input.source,
        index: &index,
        freq: &freq,
        min_score: o.min_score,
    };
    let per: Vec<(usize, Vec<Hit>)> = crate::pool::install(|| {
        subjects
            .par_iter()
            .map_init(Vec::new, |buf, s| screen_one(s, &cx, buf))
            .collect()
    })?;
    let mut stats = Stats {
        subjects: subjects.len(),
        entries: entries.len(),
        skipped_keys: index.skipped,
        prepare_s,
        index_s,
        ..Stats::default()
    };
    let mut hits = Vec::new();
    for (n, h) in per {
        stats.candidates += n;
        hits.extend(h);
    }
    hits.sort_by(|a, b| {
        a.subject
            .cmp(&b.subject)
            .then(b.score.total_cmp(&a.score))
            .then(a.entry.cmp(&b.entry))
    });
    stats.compare_s = t.elapsed().as_secs_f64() - prepare_s - index_s;
    stats.strong = hits
        .iter()
        .filter(|h| h.strength == Strength::Strong)
        .count();
    stats.weak = hits.len() - stats.strong;
    Ok(Output { hits, stats })
}
