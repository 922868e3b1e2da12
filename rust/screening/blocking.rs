//! Blocking: the keys of a party (the index of the entries by key is in
//! [`super::index`]).
//!
//! Keys, in passes: identifiers (NPI, UEI, CAGE); ZIP + house number; the
//! entity-name words that are not common words; the whole entity name
//! without spaces, with its one-letter deletions when it has four letters
//! or more (a typo, a transposition or a letter too many anywhere in the
//! name still meets the other spelling); a person's last and first name,
//! a typo allowed in either (see `person_keys`). Two people of one last
//! name and other first names are not candidates by name: they matter only
//! at one address, which the ZIP + house number key finds. A key shared by
//! more entries than its pass's cap ([`Pass::cap`]) is skipped, except for
//! the entries that have no other key: each keeps its least shared one, so
//! that every entry with a name, an identifier or an address stays
//! reachable.

use super::freq::common;
use super::record::{Kind, Party};

/// Blocking passes (the top byte of a key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Pass {
    Identifier = 1,
    Address = 2,
    Word = 3,
    Whole = 4,
    Person = 5,
    Initial = 6,
}

impl Pass {
    pub fn of(key: u64) -> Pass {
        match key >> 56 {
            1 => Pass::Identifier,
            2 => Pass::Address,
            3 => Pass::Word,
            4 => Pass::Whole,
            5 => Pass::Person,
            _ => Pass::Initial,
        }
    }

    /// Keys shared by more entries than this are skipped (and counted): a
    /// name word or an address that many entries share selects nothing. A
    /// common last name with an initial ("smith j") stays well below its cap.
    pub fn cap(self) -> usize {
        match self {
            Pass::Identifier | Pass::Person | Pass::Initial => 1_000,
            Pass::Address | Pass::Word | Pass::Whole => 100,
        }
    }
}

/// Words of at least this many letters also give their one-letter deletions.
pub const MIN_FUZZY: usize = 4;

/// dedupe's FNV-1a ([`crate::dedupe::normalize::fnv`]), fed piece by piece.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(mut self, b: &[u8]) -> Self {
        for x in b {
            self.0 ^= *x as u64;
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
        self
    }
    /// The separator between two parts.
    fn next(mut self) -> Self {
        self.0 ^= 0x1f;
        self.0 = self.0.wrapping_mul(Self::PRIME);
        self
    }
    fn key(self, pass: Pass) -> u64 {
        (self.0 & 0x00ff_ffff_ffff_ffff) | ((pass as u64) << 56)
    }
}

/// The key of `parts` (FNV-1a, the pass in the top byte).
pub fn key(pass: Pass, parts: &[&[u8]]) -> u64 {
    let mut h = Fnv::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h = h.next();
        }
        h = h.bytes(p);
    }
    h.key(pass)
}

/// The keys of `w` (then `then`, as a second part) and, from [`MIN_FUZZY`]
/// letters on, of `w` with each letter left out in turn: the keys of
/// [`variants`], hashed without building the strings.
fn variant_keys(pass: Pass, w: &str, then: Option<&[u8]>, keys: &mut Vec<u64>) {
    let finish = |h: Fnv| match then {
        Some(t) => h.next().bytes(t).key(pass),
        None => h.key(pass),
    };
    keys.push(finish(Fnv::new().bytes(w.as_bytes())));
    if w.chars().nth(MIN_FUZZY - 1).is_none() {
        return;
    }
    let b = w.as_bytes();
    for (i, c) in w.char_indices() {
        let h = Fnv::new().bytes(&b[..i]).bytes(&b[i + c.len_utf8()..]);
        keys.push(finish(h));
    }
}

/// A word and, from [`MIN_FUZZY`] letters on, the word with each letter
/// left out in turn.
pub fn variants(w: &str) -> Vec<String> {
    let chars: Vec<char> = w.chars().collect();
    let mut out = vec![w.to_string()];
    if chars.len() >= MIN_FUZZY {
        for i in 0..chars.len() {
            let v: String = chars
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != i)
                .map(|(_, c)| c)
                .collect();
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

fn identifier_keys(p: &Party, keys: &mut Vec<u64>) {
    for (scheme, v) in [("npi", &p.npi), ("uei", &p.uei), ("cage", &p.cage)] {
        if !v.is_empty() {
            keys.push(key(Pass::Identifier, &[scheme.as_bytes(), v.as_bytes()]));
        }
    }
    if !p.zip.is_empty() && !p.house.is_empty() {
        keys.push(key(Pass::Address, &[p.zip.as_bytes(), p.house.as_bytes()]));
    }
}

fn entity_keys(p: &Party, keys: &mut Vec<u64>) {
    for name in [&p.name, &p.trade] {
        for t in &name.tokens {
            if !common(t) && t.chars().nth(1).is_some() {
                keys.push(key(Pass::Word, &[t.as_bytes()]));
            }
        }
        if !name.nospace.is_empty() {
            variant_keys(Pass::Whole, &name.nospace, None, keys);
        }
    }
}

/// A person's keys. With a first name of two letters or more: the last
/// name's variants (its one-letter deletions, and each word of a compound
/// last name) with the first name, and the last name with the first
/// name's deletions, so that a typo in either still meets; an entry adds
/// the last name's variants with the first initial (pass `Initial`), a
/// subject asks for the entries known by an initial or by the last name
/// alone ("~"). With an initial or no first name: the last name's variants
/// with "~"; a subject known by an initial also asks for every entry with
/// that initial. A line read last name first whose first name would be an
/// initial ("John A. Smith" as Last = John, First = A) has no keys.
fn person_keys(p: &Party, query: bool, keys: &mut Vec<u64>) {
    for r in &p.person {
        if r.last.is_empty() || r.reversed && r.first.chars().nth(1).is_none() {
            continue;
        }
        let compound: Vec<&[u8]> = if r.last_words.len() > 1 {
            r.last_words
                .iter()
                .filter(|w| w.chars().nth(2).is_some())
                .map(|w| w.as_bytes())
                .collect()
        } else {
            Vec::new()
        };
        let lasts = |pass: Pass, then: &[u8], keys: &mut Vec<u64>| {
            variant_keys(pass, &r.last, Some(then), keys);
            for w in &compound {
                keys.push(key(pass, &[w, then]));
            }
        };
        let initial = r.first.chars().next().map(|c| &r.first[..c.len_utf8()]);
        match initial {
            Some(i) if r.first.len() > i.len() => {
                lasts(Pass::Person, r.first.as_bytes(), keys);
                first_variant_keys(&r.last, &r.first, keys);
                if query {
                    lasts(Pass::Person, b"~", keys);
                } else {
                    lasts(Pass::Initial, i.as_bytes(), keys);
                }
            }
            _ => {
                lasts(Pass::Person, b"~", keys);
                if let (true, Some(i)) = (query, initial) {
                    lasts(Pass::Initial, i.as_bytes(), keys);
                }
            }
        }
    }
}

/// The last name with each one-letter deletion of the first name.
fn first_variant_keys(last: &str, first: &str, keys: &mut Vec<u64>) {
    let head = Fnv::new().bytes(last.as_bytes()).next();
    keys.push(head.bytes(first.as_bytes()).key(Pass::Person));
    if first.chars().nth(MIN_FUZZY - 1).is_none() {
        return;
    }
    let b = first.as_bytes();
    for (i, c) in first.char_indices() {
        let h = head.bytes(&b[..i]).bytes(&b[i + c.len_utf8()..]);
        keys.push(h.key(Pass::Person));
    }
}

/// The keys of a party, sorted and unique; `query` for a subject.
pub fn keys(p: &Party, query: bool) -> Vec<u64> {
    let mut keys = Vec::with_capacity(32);
    identifier_keys(p, &mut keys);
    if p.kind != Kind::Individual {
        entity_keys(p, &mut keys);
    }
    person_keys(p, query, &mut keys);
    keys.sort_unstable();
    keys.dedup();
    keys
}
