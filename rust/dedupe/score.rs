//! What a pair is scored with: the normalised record ([`Rec`]), the fields
//! and levels of the evidence, word frequencies ([`Freq`]) and the name
//! similarity. The comparisons themselves are in [`super::compare`], their
//! learned weights in [`super::model`]. Twinned in `tests/reference/dedupe.py`.

use hashbrown::HashMap;

use super::ids::{Scheme, Validity};
use super::normalize::{Name, COMMON};

/// A record ready for comparison (every field normalised).
#[derive(Debug, Clone, Default)]
pub struct Rec {
    pub id: i64,
    pub employee: bool,
    /// Only there for a label (see `Input::label_only`).
    pub label_only: bool,
    pub name: Name,
    pub trade: Name,
    pub country: String,
    pub city: String,
    pub zip: String,
    pub house: String,
    pub street: String,
    pub phones: Vec<String>,
    pub email: String,
    pub domain: String,
    pub free_mail: bool,
    pub website: String,
    /// (scheme, compact value, validity), sorted
    pub ids: Vec<(Scheme, String, Validity)>,
    /// (account key, validity)
    pub banks: Vec<(String, Validity)>,
    pub high_spend: bool,
    pub changed: bool,
    pub fingerprint: u64,
}

/// The fields a pair is compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Id(Scheme),
    Bank,
    Phone,
    Email,
    Website,
    Address,
    Zip,
    City,
    Country,
}

impl Field {
    pub fn code(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Id(s) => match s {
                Scheme::Ein => "id:ein",
                Scheme::Npi => "id:npi",
                Scheme::Dea => "id:dea",
                Scheme::Uei => "id:uei",
                Scheme::Duns => "id:duns",
                Scheme::Gln => "id:gln",
                Scheme::Vat => "id:vat",
                Scheme::Other => "id:other",
            },
            Field::Bank => "bank",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Website => "website",
            Field::Address => "address",
            Field::Zip => "zip",
            Field::City => "city",
            Field::Country => "country",
        }
    }
}

/// Agreement levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Exact,
    High,
    Medium,
    /// One name's words all found in the other ("Lulu" / "Lulu Restaurant").
    Contained,
    Low,
    Agree,
    /// Agreeing on a value many records share (a switchboard, a big domain).
    Common,
    /// The same identifier, but it fails its check.
    InvalidAgree,
    Partial,
    Different,
    /// Two different valid identifiers of one scheme.
    Against,
}

impl Level {
    pub fn code(self) -> &'static str {
        match self {
            Level::Exact => "exact",
            Level::High => "high",
            Level::Medium => "medium",
            Level::Contained => "contained",
            Level::Low => "low",
            Level::Agree => "agree",
            Level::Common => "common",
            Level::InvalidAgree => "invalid_agree",
            Level::Partial => "partial",
            Level::Different => "different",
            Level::Against => "against",
        }
    }
}

/// One piece of evidence: a field, its level, its weight in bits, the name
/// similarity (names) or 0, the term-frequency factor (names) or 1, and the
/// shared value for identifiers, bank accounts, phones and domains.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub field: Field,
    pub level: Level,
    pub weight: f64,
    pub sim: f64,
    pub tf: f64,
    pub value: String,
    /// Names: which names agreed (0 name-name, 1 name-trade, 2 trade-name, 3 trade-trade).
    pub via: u8,
}

/// Bands of the total weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    None,
    Possible,
    Likely,
}

impl Band {
    pub fn code(self) -> &'static str {
        match self {
            Band::None => "none",
            Band::Possible => "possible",
            Band::Likely => "likely",
        }
    }
}

/// Shared name information (bits) at which name agreement counts in full.
pub const NAME_FULL_BITS: f64 = 12.0;
/// A phone, domain shared by more records than this is "common".
pub const PHONE_COMMON_DF: u32 = 3;
pub const DOMAIN_COMMON_DF: u32 = 20;
/// Identifiers and bank accounts keep fixed weights (bits): they are strong
/// evidence, and too rare in most vendor masters to learn from.
pub const ID_INVALID_AGREE: f64 = 4.0;
pub const BANK_AGREE: f64 = 10.0;
pub const BANK_DIFFERENT: f64 = -1.0;

/// (agree, against) weights of an identifier scheme.
pub fn id_weights(s: Scheme) -> (f64, f64) {
    match s {
        Scheme::Ein => (14.0, -12.0),
        Scheme::Vat => (14.0, -12.0),
        Scheme::Uei => (14.0, -10.0),
        Scheme::Duns => (12.0, -8.0),
        Scheme::Npi => (14.0, -6.0),
        Scheme::Gln => (12.0, -3.0),
        Scheme::Dea => (10.0, -3.0),
        Scheme::Other => (8.0, 0.0),
    }
}

/// Decision thresholds (match probabilities) and frequency settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// A pair is "likely" at or above this match probability.
    pub likely: f64,
    /// ... and "possible" at or above this one.
    pub possible: f64,
    /// Frequencies are estimated over at least this many records (a small
    /// list does not make every word look common).
    pub min_population: usize,
    /// Largest cluster built from likely pairs.
    pub max_cluster: usize,
    /// Share of likely links two clusters need between them to be joined.
    pub min_density: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            likely: 0.5,
            possible: 0.1,
            min_population: 10_000,
            max_cluster: 25,
            min_density: 0.5,
        }
    }
}

/// Document frequencies of name words, phones and e-mail domains.
#[derive(Debug, Clone, Default)]
pub struct Freq {
    pub n: usize,
    pub words: HashMap<String, u32>,
    pub phones: HashMap<String, u32>,
    pub domains: HashMap<String, u32>,
}

/// Frequency floor of the [`COMMON`] words.
pub const COMMON_FLOOR: f64 = 0.1;

impl Freq {
    pub fn add(&mut self, r: &Rec, sign: i32) {
        self.n = (self.n as i64 + sign as i64) as usize;
        let bump = |m: &mut HashMap<String, u32>, k: &str| {
            let e = m.entry(k.to_string()).or_insert(0);
            *e = (*e as i64 + sign as i64).max(0) as u32;
        };
        for w in r.name.tokens.iter() {
            bump(&mut self.words, w);
        }
        for w in r.trade.tokens.iter() {
            if !r.name.tokens.contains(w) {
                bump(&mut self.words, w);
            }
        }
        for p in &r.phones {
            bump(&mut self.phones, p);
        }
        if !r.domain.is_empty() {
            bump(&mut self.domains, &r.domain);
        }
    }

    /// Store the information of every name word in the record (compare
    /// then needs no look-up).
    pub fn assign(&self, r: &mut Rec, min_population: usize) {
        for name in [&mut r.name, &mut r.trade] {
            name.bits = name
                .tokens
                .iter()
                .map(|t| self.bits(t, min_population))
                .collect();
        }
    }

    /// Information of a word in bits: -log2 of its frequency, the frequency
    /// being (df + 1) / (max(n, min_population) + 1), floored for common words.
    pub fn bits(&self, w: &str, min_population: usize) -> f64 {
        let df = self.words.get(w).copied().unwrap_or(0) as f64;
        let n = self.n.max(min_population) as f64;
        let mut p = (df + 1.0) / (n + 1.0);
        if COMMON.contains(&w) && p < COMMON_FLOOR {
            p = COMMON_FLOOR;
        }
        -p.log2()
    }
}

/// Jaro-Winkler similarity (prefix scale 0.1, up to 4 characters).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a.is_ascii() && b.is_ascii() && a.len() <= 64 && b.len() <= 64 {
        return jw(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    jw(&a, &b)
}

fn jw<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    // matched flags: bit sets for short words, vectors beyond 64 characters
    let mut a_small = 0u64;
    let mut b_small = 0u64;
    let (mut a_big, mut b_big) = if a.len() > 64 || b.len() > 64 {
        (vec![false; a.len()], vec![false; b.len()])
    } else {
        (Vec::new(), Vec::new())
    };
    let big = !a_big.is_empty();
    let mut m = 0usize;
    for i in 0..a.len() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            let taken = if big { b_big[j] } else { b_small >> j & 1 == 1 };
            if !taken && a[i] == b[j] {
                if big {
                    a_big[i] = true;
                    b_big[j] = true;
                } else {
                    a_small |= 1 << i;
                    b_small |= 1 << j;
                }
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let am = |i: usize| if big { a_big[i] } else { a_small >> i & 1 == 1 };
    let bm = |j: usize| if big { b_big[j] } else { b_small >> j & 1 == 1 };
    let mut t = 0usize;
    let mut k = 0usize;
    for (i, x) in a.iter().enumerate() {
        if am(i) {
            while !bm(k) {
                k += 1;
            }
            if *x != b[k] {
                t += 1;
            }
            k += 1;
        }
    }
    let m = m as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - (t / 2) as f64) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// Word similarity at or above which two words are taken as the same word.
pub const WORD_SAME: f64 = 0.9;

/// Similarity of two name words: Jaro-Winkler, and a word of three letters
/// or more that begins the other ("deli" / "delicatessen") counts as the
/// same word.
pub fn word_similarity(t: &str, u: &str) -> f64 {
    let s = jaro_winkler(t, u);
    if s < WORD_SAME
        && t.chars().nth(2).is_some()
        && u.chars().nth(2).is_some()
        && (t.starts_with(u) || u.starts_with(t))
    {
        return WORD_SAME;
    }
    s
}

fn directed(a: &Name, b: &Name, f: &Freq, o: &Options) -> (f64, f64, f64) {
    let (mut num, mut den, mut shared) = (0.0, 0.0, 0.0);
    for (i, t) in a.tokens.iter().enumerate() {
        let w = match a.bits.get(i) {
            Some(w) if a.bits.len() == a.tokens.len() => *w,
            _ => f.bits(t, o.min_population),
        };
        den += w;
        let best = b
            .tokens
            .iter()
            .map(|u| word_similarity(t, u))
            .fold(0.0f64, f64::max);
        if best >= WORD_SAME {
            num += w * best;
            shared += w;
        }
    }
    (num, den, shared)
}

/// How two names compare: each word weighted by its information, matched
/// to its best counterpart. `sim` averages both directions, `contained` is
/// the better direction (one name's words all in the other), `bits` the
/// information both share. The same letters without spaces are the same name.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NameSim {
    pub sim: f64,
    pub contained: f64,
    pub bits: f64,
}

pub fn name_similarity(a: &Name, b: &Name, f: &Freq, o: &Options) -> NameSim {
    if a.is_empty() || b.is_empty() {
        return NameSim::default();
    }
    let (n1, d1, s1) = directed(a, b, f, o);
    let (n2, d2, s2) = directed(b, a, f, o);
    if !a.nospace.is_empty() && a.nospace == b.nospace {
        return NameSim {
            sim: 1.0,
            contained: 1.0,
            bits: d1.min(d2),
        };
    }
    let r1 = if d1 > 0.0 { n1 / d1 } else { 0.0 };
    let r2 = if d2 > 0.0 { n2 / d2 } else { 0.0 };
    NameSim {
        sim: (r1 + r2) / 2.0,
        contained: r1.max(r2),
        bits: s1.min(s2),
    }
}

/// The band of a match probability.
pub fn band(probability: f64, o: &Options) -> Band {
    if probability >= o.likely {
        Band::Likely
    } else if probability >= o.possible {
        Band::Possible
    } else {
        Band::None
    }
}

/// Match probability of a total weight in bits (log2 odds).
pub fn probability(total: f64) -> f64 {
    1.0 / (1.0 + (-total).exp2())
}
