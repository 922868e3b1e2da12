//! Rule choice: which mapping rule a line takes on its batch's business
//! date, and the same choice explained rule by rule for the finance team's
//! "test the mapping" screen.
//!
//! Candidates: the rules of the batch's source that are effective on the day
//! (`date_from` ≤ day ≤ `date_to`, either end open when empty), whose code is
//! the line's or "" (the source's default rule), and whose department, payer
//! class and facility are "" or the line's. The best is the highest by (code
//! given, number of the three dimensions given, latest `date_from` (an open
//! start is the earliest), lowest `sequence`, lowest `id`, first row).

use std::cmp::Ordering;

use hashbrown::HashMap;

use super::input::{show, Date, Names, Rules};

/// What a line is mapped by: its source, code, dimensions and day.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub source: u32,
    pub code: u32,
    pub department: u32,
    pub payer_class: u32,
    pub facility: u32,
    pub day: Date,
}

/// The rules by (source, code), each bucket best first (the order among
/// candidates, which filtering does not change).
pub struct RuleIndex {
    buckets: HashMap<(u32, u32), Vec<u32>>,
}

/// Dimensions given (department, payer class, facility).
fn dims(rules: &Rules, r: usize) -> u8 {
    u8::from(rules.department[r] != 0)
        + u8::from(rules.payer_class[r] != 0)
        + u8::from(rules.facility[r] != 0)
}

/// `Greater` when rule `a` beats rule `b` as candidates of the same line.
pub fn beats(rules: &Rules, a: usize, b: usize) -> Ordering {
    (rules.code[a] != 0)
        .cmp(&(rules.code[b] != 0))
        .then(dims(rules, a).cmp(&dims(rules, b)))
        .then(rules.date_from[a].cmp(&rules.date_from[b]))
        .then(rules.sequence[b].cmp(&rules.sequence[a]))
        .then(rules.id[b].cmp(&rules.id[a]))
        .then(b.cmp(&a))
}

fn effective(rules: &Rules, r: usize, day: Date) -> bool {
    let (from, to) = (rules.date_from[r], rules.date_to[r]);
    (from.is_none() || from <= day) && (to.is_none() || day <= to)
}

/// The first dimension of rule `r` that does not match `key` (name, the
/// rule's value), if any.
fn mismatch(rules: &Rules, r: usize, key: &Key) -> Option<(&'static str, u32, u32)> {
    [
        ("code", rules.code[r], key.code),
        ("department", rules.department[r], key.department),
        ("payer class", rules.payer_class[r], key.payer_class),
        ("facility", rules.facility[r], key.facility),
    ]
    .into_iter()
    .find(|(_, want, got)| *want != 0 && want != got)
}

impl RuleIndex {
    pub fn build(rules: &Rules) -> Self {
        let mut buckets: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        for r in 0..rules.len() {
            buckets
                .entry((rules.source[r], rules.code[r]))
                .or_default()
                .push(r as u32);
        }
        for rows in buckets.values_mut() {
            rows.sort_by(|a, b| beats(rules, *b as usize, *a as usize));
        }
        RuleIndex { buckets }
    }

    /// The best candidate's row, if any.
    pub fn choose(&self, rules: &Rules, key: &Key) -> Option<usize> {
        let first = |code: u32| {
            self.buckets.get(&(key.source, code)).and_then(|rows| {
                rows.iter()
                    .map(|r| *r as usize)
                    .find(|&r| effective(rules, r, key.day) && mismatch(rules, r, key).is_none())
            })
        };
        if key.code != 0 {
            if let Some(r) = first(key.code) {
                return Some(r);
            }
        }
        first(0)
    }
}

/// What `explain` says of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The best candidate.
    Chosen,
    /// Matches and is effective, but loses to the chosen one.
    Candidate,
    /// Matches, but not on that day.
    NotEffective,
    /// A dimension differs (or the code).
    NoMatch,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Chosen => "chosen",
            Verdict::Candidate => "candidate",
            Verdict::NotEffective => "not_effective",
            Verdict::NoMatch => "no_match",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// Row in rules.
    pub rule: usize,
    pub verdict: Verdict,
    pub reason: String,
}

/// What to test: texts, as the finance team types them.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub source: String,
    pub code: String,
    pub department: String,
    pub payer_class: String,
    pub facility: String,
    pub day: Date,
}

/// Every rule of the query's source, in rules order, with its verdict and
/// why: the dimension that differs (checked first, in the order code,
/// department, payer class, facility), the date it starts or ended, or why
/// a candidate loses to the chosen rule.
pub fn explain(rules: &Rules, names: &Names, q: &Query) -> Vec<Explained> {
    // a text no rule names gets an id no rule has
    let id = |t: &str| names.find(t).unwrap_or(u32::MAX);
    let Some(source) = names.find(&q.source).filter(|_| !q.source.is_empty()) else {
        return Vec::new();
    };
    let key = Key {
        source,
        code: id(&q.code),
        department: id(&q.department),
        payer_class: id(&q.payer_class),
        facility: id(&q.facility),
        day: q.day,
    };
    let given = |dim: &str| match dim {
        "code" => q.code.as_str(),
        "department" => q.department.as_str(),
        "payer class" => q.payer_class.as_str(),
        _ => q.facility.as_str(),
    };
    let mut out: Vec<Explained> = Vec::new();
    let mut candidates = Vec::new();
    for r in (0..rules.len()).filter(|&r| rules.source[r] == source) {
        let (verdict, reason) = if let Some((dim, want, _)) = mismatch(rules, r, &key) {
            let reason = format!(
                "{dim} {} does not match {}",
                names.text(want),
                show(given(dim))
            );
            (Verdict::NoMatch, reason)
        } else if !effective(rules, r, q.day) {
            let from = rules.date_from[r];
            let reason = if !from.is_none() && q.day < from {
                format!("effective from {from}")
            } else {
                format!("ended on {}", rules.date_to[r])
            };
            (Verdict::NotEffective, reason)
        } else {
            candidates.push((out.len(), r));
            (Verdict::Candidate, String::new())
        };
        out.push(Explained {
            rule: r,
            verdict,
            reason,
        });
    }
    let Some(&(at, best)) = candidates.iter().max_by(|a, b| beats(rules, a.1, b.1)) else {
        return out;
    };
    let n = candidates.len();
    for &(k, r) in &candidates {
        out[k].reason = if r == best {
            out[k].verdict = Verdict::Chosen;
            format!("best of {n} candidate{}", if n == 1 { "" } else { "s" })
        } else {
            loses(rules, r, best)
        };
    }
    debug_assert_eq!(out[at].verdict, Verdict::Chosen);
    out
}

/// Why candidate `r` loses to the chosen rule `c`.
fn loses(rules: &Rules, r: usize, c: usize) -> String {
    let cid = rules.id[c];
    let spec = |x: usize| (rules.code[x] != 0, dims(rules, x));
    if spec(r) != spec(c) {
        format!("less specific than rule {cid}")
    } else if rules.date_from[r] != rules.date_from[c] {
        format!(
            "older than rule {cid} (effective from {})",
            rules.date_from[c]
        )
    } else if rules.sequence[r] != rules.sequence[c] {
        format!(
            "sequence {} after rule {cid} (sequence {})",
            rules.sequence[r], rules.sequence[c]
        )
    } else if rules.id[r] != cid {
        format!("same sequence as rule {cid}, which has the lower id")
    } else {
        format!("same as rule {cid}, which comes first")
    }
}
