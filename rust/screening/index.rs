//! The entries by blocking key, and the candidates of a subject.
//!
//! Keys are hashes, so the index is a sorted array of the distinct keys
//! (rotated so that their top bits are hash bits, not the pass) with a
//! radix directory over those top bits: a look-up reads one directory slot
//! and searches the few keys of its bucket. Building it is a sort, with no
//! hash table of millions of keys to fill.

use hashbrown::HashMap;
use rayon::prelude::*;

use super::blocking::{keys, Pass};
use super::record::Party;

/// The entries by key.
#[derive(Debug, Default)]
pub struct Index {
    /// Distinct keys, rotated ([`rot`]), sorted.
    keys: Vec<u64>,
    /// `postings[starts[i]..starts[i + 1]]` are the entries of `keys[i]`.
    starts: Vec<u32>,
    postings: Vec<u32>,
    /// `keys[dir[b]..dir[b + 1]]` are the keys whose top `bits` bits are `b`.
    dir: Vec<u32>,
    bits: u32,
    /// Keys skipped for being shared by more entries than their cap.
    pub skipped: usize,
}

/// A key with its pass byte moved to the bottom: the top bits are hash bits.
fn rot(key: u64) -> u64 {
    key.rotate_left(8)
}

/// Keys shared by more entries than their pass's cap, with their sizes.
fn frequent_keys(keyed: &[(u64, u32)]) -> HashMap<u64, usize> {
    let mut frequent = HashMap::new();
    let mut s = 0;
    while s < keyed.len() {
        let mut e = s + 1;
        while e < keyed.len() && keyed[e].0 == keyed[s].0 {
            e += 1;
        }
        if e - s > Pass::of(keyed[s].0.rotate_right(8)).cap() {
            frequent.insert(keyed[s].0, e - s);
        }
        s = e;
    }
    frequent
}

/// Entries whose keys are all frequent keep the least shared one (ties:
/// the lowest key).
fn orphans(per_entry: &[Vec<u64>], frequent: &HashMap<u64, usize>) -> Vec<(u64, u32)> {
    if frequent.is_empty() {
        return Vec::new();
    }
    per_entry
        .par_iter()
        .enumerate()
        .filter_map(|(i, ks)| {
            if ks.is_empty() || !ks.iter().all(|k| frequent.contains_key(&rot(*k))) {
                return None;
            }
            let k = ks.iter().min_by_key(|k| (frequent[&rot(**k)], **k))?;
            Some((rot(*k), i as u32))
        })
        .collect()
}

/// The (rotated key, entry) pairs, sorted, frequent keys left out but for
/// their orphans; and how many keys were skipped.
fn keyed(entries: &[Party]) -> (Vec<(u64, u32)>, usize) {
    let per_entry: Vec<Vec<u64>> = entries.par_iter().map(|e| keys(e, false)).collect();
    // one allocation of the exact size: growing a vector of millions of
    // pairs costs more in page faults than in copying
    let mut keyed = Vec::with_capacity(per_entry.iter().map(Vec::len).sum());
    for (i, ks) in per_entry.iter().enumerate() {
        keyed.extend(ks.iter().map(|k| (rot(*k), i as u32)));
    }
    keyed.par_sort_unstable();
    let frequent = frequent_keys(&keyed);
    if !frequent.is_empty() {
        keyed.retain(|(k, _)| !frequent.contains_key(k));
        keyed.extend(orphans(&per_entry, &frequent));
        keyed.par_sort_unstable();
    }
    (keyed, frequent.len())
}

impl Index {
    /// Index the entries by their keys.
    pub fn build(entries: &[Party]) -> Index {
        let (keyed, skipped) = keyed(entries);
        let mut ix = Index {
            skipped,
            ..Index::default()
        };
        ix.keys.reserve(keyed.len());
        ix.starts.reserve(keyed.len() + 1);
        for (k, (key, _)) in keyed.iter().enumerate() {
            if ix.keys.last() != Some(key) {
                ix.keys.push(*key);
                ix.starts.push(k as u32);
            }
        }
        ix.starts.push(keyed.len() as u32);
        ix.postings = keyed.into_iter().map(|(_, e)| e).collect();
        ix.directory();
        ix
    }

    /// About two keys a bucket.
    fn directory(&mut self) {
        self.bits = (usize::BITS - self.keys.len().leading_zeros()).clamp(1, 22);
        let buckets = 1usize << self.bits;
        self.dir = Vec::with_capacity(buckets + 1);
        let mut k = 0;
        for b in 0..buckets {
            while k < self.keys.len() && self.bucket(self.keys[k]) < b {
                k += 1;
            }
            self.dir.push(k as u32);
        }
        self.dir.push(self.keys.len() as u32);
    }

    fn bucket(&self, rotated: u64) -> usize {
        (rotated >> (64 - self.bits)) as usize
    }

    /// The entries of one key.
    fn get(&self, key: u64) -> &[u32] {
        let r = rot(key);
        let b = self.bucket(r);
        let (lo, hi) = (self.dir[b] as usize, self.dir[b + 1] as usize);
        match self.keys[lo..hi].binary_search(&r) {
            Ok(i) => {
                let i = lo + i;
                &self.postings[self.starts[i] as usize..self.starts[i + 1] as usize]
            }
            Err(_) => &[],
        }
    }

    /// The entries (positions) that share a key with a subject, each once,
    /// in order, into `out` (cleared first).
    pub fn candidates(&self, keys: &[u64], out: &mut Vec<u32>) {
        out.clear();
        for k in keys {
            out.extend_from_slice(self.get(*k));
        }
        out.sort_unstable();
        out.dedup();
    }
}
