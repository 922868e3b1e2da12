//! Blocking: the keys of a record in several passes, and the candidate
//! pairs united over all passes.

use rayon::prelude::*;

use super::normalize;
use super::score::Rec;

/// Blocking passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Pass {
    Identifier = 1,
    Bank = 2,
    Phone = 3,
    Domain = 4,
    Word = 5,
    Grams = 6,
    Address = 7,
    Name = 8,
}

impl Pass {
    pub const ALL: [Pass; 8] = [
        Pass::Identifier,
        Pass::Bank,
        Pass::Phone,
        Pass::Domain,
        Pass::Word,
        Pass::Grams,
        Pass::Address,
        Pass::Name,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Pass::Identifier => "identifier",
            Pass::Bank => "bank",
            Pass::Phone => "phone",
            Pass::Domain => "domain",
            Pass::Word => "word",
            Pass::Grams => "grams",
            Pass::Address => "address",
            Pass::Name => "name",
        }
    }
    /// Groups bigger than this are skipped (and counted in the stats).
    pub fn cap(self) -> usize {
        match self {
            Pass::Identifier | Pass::Bank => 500,
            Pass::Word | Pass::Name => 100,
            _ => 50,
        }
    }
    pub fn of(tag: u64) -> Pass {
        match tag {
            1 => Pass::Identifier,
            2 => Pass::Bank,
            3 => Pass::Phone,
            4 => Pass::Domain,
            5 => Pass::Word,
            6 => Pass::Grams,
            7 => Pass::Address,
            _ => Pass::Name,
        }
    }
}

const MINHASHES: usize = 12;
const BAND_ROWS: usize = 3;

fn key(pass: Pass, parts: &[&[u8]]) -> u64 {
    // the pass lives in the top byte so a group knows its cap
    (normalize::fnv(parts) & 0x00ff_ffff_ffff_ffff) | ((pass as u64) << 56)
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The blocking keys of a record: identifiers, bank accounts, phones, e-mail
/// and web domains (not free-mail), name words that are not common words,
/// MinHash bands of the character 3-grams of the distinctive part of the
/// name, zip + house number, and the whole name without spaces.
pub fn blocking_keys(r: &Rec) -> Vec<u64> {
    let mut keys = Vec::with_capacity(24);
    for (s, v, _) in &r.ids {
        keys.push(key(Pass::Identifier, &[s.code().as_bytes(), v.as_bytes()]));
    }
    for (b, _) in &r.banks {
        keys.push(key(Pass::Bank, &[b.as_bytes()]));
    }
    for p in &r.phones {
        keys.push(key(Pass::Phone, &[p.as_bytes()]));
    }
    if !r.domain.is_empty() && !r.free_mail {
        keys.push(key(Pass::Domain, &[r.domain.as_bytes()]));
    }
    if !r.website.is_empty() {
        keys.push(key(Pass::Domain, &[r.website.as_bytes()]));
    }
    for name in [&r.name, &r.trade] {
        if name.is_empty() {
            continue;
        }
        let rare: Vec<&str> = name
            .tokens
            .iter()
            .map(String::as_str)
            .filter(|t| !normalize::COMMON.contains(t))
            .collect();
        for t in &rare {
            keys.push(key(Pass::Word, &[t.as_bytes()]));
        }
        let text: String = if rare.is_empty() {
            name.tokens.concat()
        } else {
            rare.concat()
        };
        let chars: Vec<char> = text.chars().collect();
        let mut mins = [u64::MAX; MINHASHES];
        let mut gram = |g: &[char]| {
            let s: String = g.iter().collect();
            let h = normalize::fnv(&[s.as_bytes()]);
            for (k, m) in mins.iter_mut().enumerate() {
                let x = splitmix(h ^ (k as u64).wrapping_mul(0x51_7cc1_b727_220a));
                if x < *m {
                    *m = x;
                }
            }
        };
        if chars.len() < 3 {
            gram(&chars);
        } else {
            for g in chars.windows(3) {
                gram(g);
            }
        }
        for (band, rows) in mins.chunks(BAND_ROWS).enumerate() {
            let mut bytes = Vec::with_capacity(1 + 8 * BAND_ROWS);
            bytes.push(band as u8);
            for v in rows {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            keys.push(key(Pass::Grams, &[&bytes]));
        }
        if !name.nospace.is_empty() {
            keys.push(key(Pass::Name, &[name.nospace.as_bytes()]));
        }
    }
    if !r.zip.is_empty() && !r.house.is_empty() {
        keys.push(key(Pass::Address, &[r.zip.as_bytes(), r.house.as_bytes()]));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Candidate pairs (positions packed `i << 32 | j`, i < j), united over all
/// passes, sorted and unique; with `focus`, only pairs touching a changed
/// record. Also the number of groups skipped for their size and the pairs
/// each pass proposed (indexed by [`Pass`], before uniting).
pub fn candidate_pairs(recs: &[Rec], focus: bool) -> (Vec<u64>, usize, [usize; 9]) {
    let mut keyed: Vec<(u64, u32)> = recs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, r)| {
            blocking_keys(r)
                .into_iter()
                .filter(|_| !r.label_only)
                .map(move |k| (k, i as u32))
        })
        .collect();
    keyed.par_sort_unstable();
    // group boundaries
    let mut starts = Vec::new();
    let mut s = 0;
    while s < keyed.len() {
        let mut e = s + 1;
        while e < keyed.len() && keyed[e].0 == keyed[s].0 {
            e += 1;
        }
        if e - s > 1 {
            starts.push((s, e));
        }
        s = e;
    }
    let mut skipped = 0;
    let mut by_pass = [0usize; 9];
    for (s, e) in &starts {
        let tag = (keyed[*s].0 >> 56) as usize;
        if e - s > Pass::of(tag as u64).cap() {
            skipped += 1;
        } else {
            by_pass[tag.min(8)] += (e - s) * (e - s - 1) / 2;
        }
    }
    let mut pairs: Vec<u64> = starts
        .par_iter()
        .filter(|(s, e)| e - s <= Pass::of(keyed[*s].0 >> 56).cap())
        .flat_map_iter(|(s, e)| {
            let group = &keyed[*s..*e];
            let mut out = Vec::with_capacity(group.len() * (group.len() - 1) / 2);
            for x in 0..group.len() {
                for y in x + 1..group.len() {
                    let (i, j) = (group[x].1, group[y].1);
                    if focus && !recs[i as usize].changed && !recs[j as usize].changed {
                        continue;
                    }
                    let (i, j) = (i.min(j), i.max(j));
                    out.push(((i as u64) << 32) | j as u64);
                }
            }
            out
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    (pairs, skipped, by_pass)
}
