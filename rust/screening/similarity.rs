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
    if a.len().abs_diff(b.len()) > 4 {
        return false; // more than one character apart, whatever their widths
    }
    if a.is_ascii() && b.is_ascii() {
        return typo(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    typo(&a, &b)
}

fn typo<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let i = short.iter().zip(long).take_while(|(x, y)| x == y).count();
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

/// Words at most this many are compared on the stack.
const SMALL: usize = 8;

/// The best similarity of each word of `a` among `b`'s, and of each word of
/// `b` among `a`'s: every pair of words compared once.
fn best_matches(a: &Name, b: &Name, best_a: &mut [f64], best_b: &mut [f64]) {
    for (i, t) in a.tokens.iter().enumerate() {
        for (j, u) in b.tokens.iter().enumerate() {
            let s = token_similarity(t, u);
            best_a[i] = best_a[i].max(s);
            best_b[j] = best_b[j].max(s);
        }
    }
}

/// One direction of dedupe's name similarity: the information of a name's
/// words, and of those found in the other name (at least [`WORD_SAME`])
/// times their similarity.
fn directed(a: &Name, best: &[f64]) -> (f64, f64) {
    let (mut num, mut den) = (0.0, 0.0);
    for (w, best) in a.bits.iter().zip(best) {
        den += w;
        if *best >= WORD_SAME {
            num += w * best;
        }
    }
    (num, den)
}

/// Both directions of the name similarity.
fn both_ways(a: &Name, b: &Name) -> ((f64, f64), (f64, f64)) {
    let (n, m) = (a.tokens.len(), b.tokens.len());
    if n <= SMALL && m <= SMALL {
        let (mut best_a, mut best_b) = ([0.0; SMALL], [0.0; SMALL]);
        best_matches(a, b, &mut best_a[..n], &mut best_b[..m]);
        (directed(a, &best_a[..n]), directed(b, &best_b[..m]))
    } else {
        let (mut best_a, mut best_b) = (vec![0.0; n], vec![0.0; m]);
        best_matches(a, b, &mut best_a, &mut best_b);
        (directed(a, &best_a), directed(b, &best_b))
    }
}

/// Dedupe's word-weighted name similarity (`score::name_similarity`) with
/// [`token_similarity`] (each pair of words compared once, the similarity
/// of `a`'s word to `b`'s serving both directions): (similarity,
/// contained) where the similarity
/// averages both directions and "contained" is the better one. The same
/// letters without spaces are the same name; one typo apart without spaces
/// (as typed, before abbreviations are expanded: "Labratories" is two
/// edits from "laboratory" but one from "laboratories") at least
/// 1 − 1/length.
pub fn name_similarity(a: &Name, b: &Name) -> (f64, f64) {
    if a.nospace == b.nospace && !a.nospace.is_empty() {
        return (1.0, 1.0);
    }
    let ((n1, d1), (n2, d2)) = both_ways(a, b);
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
