//! A person's name read as first, middle and last name: from the separate
//! fields when the caller has them, else from one line of text in both
//! orders ("John A. Smith" and "SMITH JOHN A"), or "Last, First Middle"
//! when it has a comma. Titles, generational suffixes and professional
//! credentials are dropped; particles ("de la", "van") stay with the last
//! name. Twinned in `tests/reference/screening.py`.

use crate::dedupe::normalize::{fold, unspoof, words, Name};

/// Titles dropped from the front of a name.
const TITLES: &[&str] = &["dr", "mr", "mrs", "ms", "miss", "prof", "rev"];

/// Generational suffixes dropped from the end.
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

/// Professional credentials dropped from the end ("John Smith MD").
const CREDENTIALS: &[&str] = &[
    "md", "do", "dds", "dmd", "dpm", "od", "dc", "np", "pa", "phd", "rn", "lpn", "pharmd", "rph",
    "psyd", "dvm", "crna", "cnm", "lcsw", "lpc", "dpt", "aprn", "fnp", "facs",
];

/// Words that belong to the last name that follows them.
const PARTICLES: &[&str] = &[
    "de", "del", "della", "la", "le", "van", "von", "der", "den", "di", "da", "dos", "das", "du",
    "st", "saint", "bin", "ibn", "al", "el",
];

/// One reading of a person's name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub first: String,
    pub middle: Vec<String>,
    /// The last name's words, and joined without spaces ("de la cruz" → "delacruz").
    pub last_words: Vec<String>,
    pub last: String,
    /// Read last name first from a line without a comma.
    pub reversed: bool,
}

fn is_suffix(w: &str) -> bool {
    SUFFIXES.contains(&w) || CREDENTIALS.contains(&w)
}

/// Folded words, lookalike digits unspoofed, titles taken off the front
/// and suffixes and credentials off the end, keeping at least `keep` words
/// ("Anh Do" keeps its last name; "John Smith MD" loses the credential).
fn clean(raw: &str, keep: usize) -> Vec<String> {
    let mut ws: Vec<String> = words(&fold(raw)).iter().map(|w| unspoof(w)).collect();
    while ws.len() > 1 && TITLES.contains(&ws[0].as_str()) {
        ws.remove(0);
    }
    while ws.len() > keep.max(1) && is_suffix(&ws[ws.len() - 1]) {
        ws.pop();
    }
    ws
}

fn reading(first: &[String], middle: &[String], last: Vec<String>, reversed: bool) -> Reading {
    let mut middle: Vec<String> = first.iter().skip(1).chain(middle).cloned().collect();
    let mut last = last;
    // particles at the end of the middle names belong to the last name
    while !last.is_empty()
        && middle
            .last()
            .is_some_and(|w| PARTICLES.contains(&w.as_str()))
    {
        if let Some(p) = middle.pop() {
            last.insert(0, p);
        }
    }
    Reading {
        first: first.first().cloned().unwrap_or_default(),
        middle,
        last: last.concat(),
        last_words: last,
        reversed,
    }
}

/// Readings of separate fields (first, middle, last).
pub fn from_fields(first: &str, middle: &str, last: &str) -> Vec<Reading> {
    let f = clean(first, 1);
    let m = words(&fold(middle))
        .iter()
        .map(|w| unspoof(w))
        .collect::<Vec<_>>();
    let l = clean(last, 1);
    if f.is_empty() && l.is_empty() {
        return Vec::new();
    }
    vec![reading(&f, &m, l, false)]
}

/// Readings of one line: "Last, First Middle" when it has a comma; else
/// "First Middle Last" and "Last First Middle" (one word: a last name).
pub fn from_line(raw: &str) -> Vec<Reading> {
    if let Some((last, rest)) = raw.split_once(',') {
        let l = clean(last, 1);
        let r = clean(rest, 1);
        if !l.is_empty() {
            return vec![reading(&r, &[], l, false)];
        }
    }
    from_words(&clean(raw, 2))
}

/// Readings of words already cleaned, in both orders.
pub fn from_words(ws: &[String]) -> Vec<Reading> {
    match ws.len() {
        0 => Vec::new(),
        1 => vec![reading(&[], &[], ws.to_vec(), false)],
        n => vec![
            reading(&ws[..n - 1], &[], vec![ws[n - 1].clone()], false),
            reading(&ws[1..], &[], vec![ws[0].clone()], true),
        ],
    }
}

/// An entity name that is a person's ("John Smith MD PLLC", "Dr Jane Roe
/// LLC"): a title in front or a credential after the first word, two to
/// four words once legal forms and credentials are taken off. "PA" alone
/// does not count (it is also a legal form, professional association).
pub fn sole_proprietor(name: &Name) -> Vec<Reading> {
    let t = &name.tokens;
    if t.len() < 2 {
        return Vec::new();
    }
    let titled = TITLES.contains(&t[0].as_str());
    let credentialed = t[1..]
        .iter()
        .any(|w| w != "pa" && CREDENTIALS.contains(&w.as_str()));
    if !(titled || credentialed) {
        return Vec::new();
    }
    let ws: Vec<String> = t
        .iter()
        .enumerate()
        .filter(|(i, w)| !(*i > 0 && is_suffix(w) || *i == 0 && TITLES.contains(&w.as_str())))
        .map(|(_, w)| w.clone())
        .collect();
    if (2..=4).contains(&ws.len()) {
        from_words(&ws)
    } else {
        Vec::new()
    }
}

/// Every word of a person's readings, once each, in order.
pub fn words_of(readings: &[Reading]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in readings {
        let all = std::iter::once(&r.first)
            .chain(r.middle.iter())
            .chain(r.last_words.iter());
        for w in all {
            if !w.is_empty() && !out.contains(&w.as_str()) {
                out.push(w);
            }
        }
    }
    out
}
