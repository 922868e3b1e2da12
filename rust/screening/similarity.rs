//! Similarity of words and names: dedupe's (Jaro-Winkler, a word beginning
//! the other, words weighted by their information) with one typo counted
//! as the same word. Twinned in `tests/reference/screening.py`.

use crate::dedupe::normalize::Name;
use crate::dedupe::score::{word_similarity, WORD_SAME};

/// Two words of at least [`TYPO_LETTERS`] letters one typo apart (a letter
/// changed, left out, added, or two swapped) are this similar: the same
/// word for a name ([`WORD_SAME`]).
pub const TYPO: f64 = WORD_SAME;
pub const TYPO_LETTERS: usize = 4;

/// One typo apart: a letter changed, left out or added, or two neighbours
/// swapped (Damerau-Levenshtein distance 1).
pub fn one_typo(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let i = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if long.len() == short.len() + 1 {
        return short[i..] == long[i + 1..];
    }
    if long.len() != short.len() || i == short.len() {
        return false;
    }
    short[i + 1..] == long[i + 1..]
        || i + 1 < short.len()
            && short[i] == long[i + 1]
            && short[i + 1] == long[i]
            && short[i + 2..] == long[i + 2..]
}

/// Word similarity: dedupe's ([`word_similarity`]: Jaro-Winkler, a word
/// beginning the other), and [`TYPO`] for words one typo apart. Jaro-Winkler
/// alone puts "Bericorcore" / "Boericorcore" at 0.87 and "Reed" / "Raed" at
/// 0.85; lists typed by hand are full of such typos.
pub fn token_similarity(t: &str, u: &str) -> f64 {
    let s = word_similarity(t, u);
    let long = |w: &str| w.chars().nth(TYPO_LETTERS - 1).is_some();
    if s < TYPO && long(t) && long(u) && one_typo(t, u) {
        TYPO
    } else {
        s
    }
}

/// One direction of dedupe's name similarity: the information of `a`'s
/// words, and of those found in `b` (at least [`WORD_SAME`]) times their
/// similarity.
fn directed(a: &Name, b: &Name) -> (f64, f64) {
    let (mut num, mut den) = (0.0, 0.0);
    for (t, w) in a.tokens.iter().zip(&a.bits) {
        den += w;
        let best = b
            .tokens
            .iter()
            .map(|u| token_similarity(t, u))
            .fold(0.0f64, f64::max);
        if best >= WORD_SAME {
            num += w * best;
        }
    }
    (num, den)
}

/// Dedupe's word-weighted name similarity (`score::name_similarity`) with
/// [`token_similarity`]: (similarity, contained) where the similarity
/// averages both directions and "contained" is the better one. The same
/// letters without spaces are the same name; one typo apart without spaces
/// (as typed, before abbreviations are expanded: "Labratories" is two
/// edits from "laboratory" but one from "laboratories") at least
/// 1 − 1/length.
pub fn name_similarity(a: &Name, b: &Name) -> (f64, f64) {
    if a.nospace == b.nospace && !a.nospace.is_empty() {
        return (1.0, 1.0);
    }
    let (n1, d1) = directed(a, b);
    let (n2, d2) = directed(b, a);
    let r1 = if d1 > 0.0 { n1 / d1 } else { 0.0 };
    let r2 = if d2 > 0.0 { n2 / d2 } else { 0.0 };
    let (sim, contained) = ((r1 + r2) / 2.0, r1.max(r2));
    let len = a.nospace.chars().count().max(b.nospace.chars().count());
    if len >= TYPO_LETTERS && one_typo(&a.nospace, &b.nospace) {
        let typo = 1.0 - 1.0 / len as f64;
        return (sim.max(typo), contained.max(typo));
    }
    (sim, contained)
}
