//! How common a name is. Entity-name words are weighted by their
//! information with dedupe's [`Freq`] (counted over the names of entity
//! subjects and of entity and "other" entries): that weights the name
//! similarity. The namesake guard of [`super::decide`] weighs the
//! information of the words two names share exactly, each word's frequency
//! counted without the two parties compared (a word only they have counts
//! as rare as the batch can show), entity words with dedupe's floor for
//! common words, person-name words over every individual.

use std::sync::OnceLock;

use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;

use super::person;
use super::record::{Kind, Party};
use crate::dedupe::normalize::COMMON;
use crate::dedupe::score::{Freq as WordFreq, COMMON_FLOOR};

/// Frequencies are estimated over at least this many names (dedupe's
/// default): a short list does not make every word look common.
pub const MIN_POPULATION: usize = 10_000;

/// Word frequencies of a batch and the entries each kind of name is
/// compared with.
#[derive(Debug, Clone, Default)]
pub struct Freq {
    pub entity: WordFreq,
    pub person: HashMap<String, u32>,
    pub people: usize,
    /// Entries compared by entity name (entities and "other").
    pub entity_entries: usize,
    /// Entries compared by person name (individuals).
    pub individual_entries: usize,
}

/// One of dedupe's common words of vendor names ("medical", "supply").
pub fn common(w: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.iter().copied().collect())
        .contains(w)
}

/// Information in bits of a word found in `df` of `n` names:
/// −log2((df + 1) / (max(n, [`MIN_POPULATION`]) + 1)).
pub fn info(df: u32, n: usize) -> f64 {
    let n = n.max(MIN_POPULATION) as f64;
    let p = (df as f64 + 1.0) / (n + 1.0);
    -p.log2()
}

impl Freq {
    fn add(&mut self, p: &Party) {
        if p.kind == Kind::Individual {
            self.people += 1;
            for w in person::words_of(&p.person) {
                *self.person.entry_ref(w).or_insert(0) += 1;
            }
            return;
        }
        self.entity.n += 1;
        for w in &p.name.tokens {
            *self.entity.words.entry_ref(w.as_str()).or_insert(0) += 1;
        }
        for w in p.trade.tokens.iter().filter(|w| !p.name.tokens.contains(w)) {
            *self.entity.words.entry_ref(w.as_str()).or_insert(0) += 1;
        }
    }

    fn merge(mut self, other: Freq) -> Freq {
        self.entity.n += other.entity.n;
        for (w, n) in other.entity.words {
            *self.entity.words.entry(w).or_insert(0) += n;
        }
        self.people += other.people;
        for (w, n) in other.person {
            *self.person.entry(w).or_insert(0) += n;
        }
        self
    }

    /// Count the names of subjects and entries (in parallel chunks).
    pub fn count(subjects: &[Party], entries: &[Party]) -> Freq {
        let part = |ps: &[Party]| {
            ps.par_chunks(16_384)
                .map(|c| {
                    let mut f = Freq::default();
                    c.iter().for_each(|p| f.add(p));
                    f
                })
                .reduce(Freq::default, Freq::merge)
        };
        let (s, e) = rayon::join(|| part(subjects), || part(entries));
        let mut f = s.merge(e);
        f.individual_entries = entries
            .iter()
            .filter(|e| e.kind == Kind::Individual)
            .count();
        f.entity_entries = entries.len() - f.individual_entries;
        f
    }

    /// Information of a person-name word, not counting `own` names.
    pub fn person_bits(&self, w: &str, own: u32) -> f64 {
        let df = self.person.get(w).copied().unwrap_or(0);
        info(df.saturating_sub(own), self.people)
    }

    /// Information of an entity-name word, not counting `own` names; common
    /// words floored as dedupe floors them.
    pub fn entity_bits(&self, w: &str, own: u32) -> f64 {
        let df = self.entity.words.get(w).copied().unwrap_or(0);
        let n = self.entity.n.max(MIN_POPULATION) as f64;
        let mut p = (df.saturating_sub(own) as f64 + 1.0) / (n + 1.0);
        if common(w) && p < COMMON_FLOOR {
            p = COMMON_FLOOR;
        }
        -p.log2()
    }

    /// Store the information of every entity-name word of a party (the
    /// weights of dedupe's name similarity).
    pub fn assign(&self, p: &mut Party) {
        for name in [&mut p.name, &mut p.trade] {
            name.bits = name
                .tokens
                .iter()
                .map(|t| self.entity.bits(t, MIN_POPULATION))
                .collect();
        }
    }
}
