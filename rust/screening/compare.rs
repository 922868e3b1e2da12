//! The comparisons of a subject and an entry, one short function each:
//! identifiers, an entity's name (dedupe's word-weighted similarity with
//! typos counted, [`super::similarity`]; best of name and trade name on
//! both sides), a person's name (last, first and middle name, best of the
//! readings) and the address. Each gives a level;
//! [`super::decide`] turns the levels into a hit.

use super::freq::Freq;
use super::person::Reading;
use super::record::{Kind, Party};
use super::similarity::{name_similarity, one_typo, token_similarity, TYPO, TYPO_LETTERS};
use crate::dedupe::score::jaro_winkler;

/// Entity names: similarity at or above which the names are equal, very
/// close, close, and partly alike (or one name's words all in the other).
pub const NAME_EXACT: f64 = 0.99;
pub const NAME_VERY_CLOSE: f64 = 0.93;
pub const NAME_CLOSE: f64 = 0.88;
pub const NAME_PARTIAL: f64 = 0.75;
pub const NAME_CONTAINED: f64 = 0.92;
/// Person names: Jaro-Winkler of a last or first name at or above which it
/// is very close, and close ("Smith" / "Smyth" is 0.89).
pub const PART_VERY_CLOSE: f64 = 0.92;
pub const PART_CLOSE: f64 = 0.88;
/// A compound last name and one of its words ("Garcia Lopez" / "Garcia").
pub const COMPOUND: f64 = 0.9;
/// The first-name similarity given to a matching initial, and its information.
pub const INITIAL: f64 = 0.75;
pub const INITIAL_BITS: f64 = 3.0;
/// Street names (same house number) at or above which they are similar.
pub const STREET_SIMILAR: f64 = 0.85;

/// How alike two names are, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameLevel {
    Different,
    Partial,
    Close,
    VeryClose,
    Exact,
}

impl NameLevel {
    pub fn code(self) -> &'static str {
        match self {
            NameLevel::Different => "different",
            NameLevel::Partial => "partial",
            NameLevel::Close => "close",
            NameLevel::VeryClose => "very_close",
            NameLevel::Exact => "exact",
        }
    }
}

/// How two first names compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum First {
    Equal,
    Similar,
    Initial,
    Differs,
    Missing,
}

/// The parts of a person-name comparison (for the wording).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonMatch {
    pub last: f64,
    pub first: First,
    pub first_sim: f64,
    pub middle_differs: bool,
    pub reversed: bool,
    /// The subject is an entity read as a person (a sole proprietor).
    pub as_person: bool,
}

/// Which names were compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum How {
    /// Entity names; `via` 0 name-name, 1 name-trade name, 2 trade name-name, 3 trade names.
    Entity {
        via: u8,
    },
    Person(PersonMatch),
}

/// A name comparison: its level, similarity in [0, 1] and the information
/// (bits) of the words both names share exactly (see [`super::freq`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameMatch {
    pub level: NameLevel,
    pub sim: f64,
    pub bits: f64,
    pub how: How,
}

/// How close two addresses are, worst first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressLevel {
    #[default]
    None,
    /// Same ZIP, or same city (and state).
    Partial,
    /// Same house and a similar street, with the same ZIP or city.
    VeryClose,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AddressMatch {
    pub level: AddressLevel,
    /// Street similarity when the house numbers are equal.
    pub street: Option<f64>,
    pub zip: bool,
    pub city: bool,
    pub country_differs: bool,
}

/// Identifier schemes compared, in the order of [`Compared::ids`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    Npi,
    Uei,
    Cage,
}

impl Id {
    pub const ALL: [Id; 3] = [Id::Npi, Id::Uei, Id::Cage];
}

/// Everything compared of a pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// For NPI, UEI and CAGE in turn: equal or not, when both have one.
    pub ids: [Option<bool>; 3],
    pub name: Option<NameMatch>,
    pub address: AddressMatch,
}

fn identifiers(s: &Party, e: &Party) -> [Option<bool>; 3] {
    let eq = |x: &String, y: &String| (!x.is_empty() && !y.is_empty()).then(|| x == y);
    [eq(&s.npi, &e.npi), eq(&s.uei, &e.uei), eq(&s.cage, &e.cage)]
}

fn entity_level(sim: f64, contained: f64) -> NameLevel {
    if sim >= NAME_EXACT {
        NameLevel::Exact
    } else if sim >= NAME_VERY_CLOSE {
        NameLevel::VeryClose
    } else if sim >= NAME_CLOSE {
        NameLevel::Close
    } else if sim >= NAME_PARTIAL || contained >= NAME_CONTAINED {
        NameLevel::Partial
    } else {
        NameLevel::Different
    }
}

/// The best of name and trade name on both sides.
fn entity_name(s: &Party, e: &Party, f: &Freq) -> Option<NameMatch> {
    let pairs = [
        (&s.name, &e.name),
        (&s.name, &e.trade),
        (&s.trade, &e.name),
        (&s.trade, &e.trade),
    ];
    let mut best: Option<((f64, f64), u8)> = None;
    for (k, (x, y)) in pairs.iter().enumerate() {
        if x.is_empty() || y.is_empty() {
            continue;
        }
        let m = name_similarity(x, y);
        if best.is_none_or(|(b, _)| m > b) {
            best = Some((m, k as u8));
        }
    }
    let ((sim, contained), via) = best?;
    let (x, y) = pairs[via as usize];
    let level = entity_level(sim, contained);
    let mut bits = 0.0;
    // only the namesake guard reads it, and only for close names
    if level >= NameLevel::Close {
        for t in x.tokens.iter().filter(|t| y.tokens.contains(t)) {
            bits += f.entity_bits(t, 2);
        }
    }
    Some(NameMatch {
        level,
        sim,
        bits,
        how: How::Entity { via },
    })
}

/// First names: equal, similar ([`token_similarity`]: "Jon" begins
/// "Jonathan", "Jonh" is one typo from "John"), a matching initial,
/// different, or missing on a side.
fn first_names(x: &str, y: &str) -> (First, f64) {
    if x.is_empty() || y.is_empty() {
        return (First::Missing, 0.0);
    }
    if x == y {
        return (First::Equal, 1.0);
    }
    if x.chars().nth(1).is_none() || y.chars().nth(1).is_none() {
        return if x.chars().next() == y.chars().next() {
            (First::Initial, INITIAL)
        } else {
            (First::Differs, 0.0)
        };
    }
    let s = token_similarity(x, y);
    (
        if s >= PART_CLOSE {
            First::Similar
        } else {
            First::Differs
        },
        s,
    )
}

/// One side's last-name words all in the other's, which has more.
fn compound(x: &Reading, y: &Reading) -> bool {
    let (short, long) = if x.last_words.len() <= y.last_words.len() {
        (x, y)
    } else {
        (y, x)
    };
    !short.last_words.is_empty()
        && short.last_words.len() < long.last_words.len()
        && short.last_words.iter().all(|w| long.last_words.contains(w))
}

fn last_names(x: &Reading, y: &Reading) -> f64 {
    if x.last == y.last {
        return 1.0;
    }
    let mut s = jaro_winkler(&x.last, &y.last);
    let long = |w: &str| w.chars().nth(TYPO_LETTERS - 1).is_some();
    if long(&x.last) && long(&y.last) && one_typo(&x.last, &y.last) {
        s = s.max(TYPO);
    }
    if compound(x, y) {
        s = s.max(COMPOUND);
    }
    s
}

fn person_level(last: f64, first: First, first_sim: f64, middle_differs: bool) -> NameLevel {
    if last < PART_CLOSE {
        return NameLevel::Different;
    }
    if middle_differs {
        return NameLevel::Partial;
    }
    match first {
        First::Equal if last == 1.0 => NameLevel::Exact,
        First::Equal | First::Similar
            if last >= PART_VERY_CLOSE && first_sim >= PART_VERY_CLOSE =>
        {
            NameLevel::VeryClose
        }
        First::Equal | First::Similar | First::Initial if last >= PART_VERY_CLOSE => {
            NameLevel::Close
        }
        _ => NameLevel::Partial,
    }
}

/// Information of the last-name words and the first name two readings
/// share exactly (an initial: [`INITIAL_BITS`]); `own`: how many of the two
/// are counted among the individuals.
fn shared_person_bits(x: &Reading, y: &Reading, first: First, own: u32, f: &Freq) -> f64 {
    let mut bits = 0.0;
    for w in x.last_words.iter().filter(|w| y.last_words.contains(w)) {
        bits += f.person_bits(w, own);
    }
    match first {
        First::Equal => bits + f.person_bits(&x.first, own),
        First::Initial => bits + INITIAL_BITS,
        _ => bits,
    }
}

/// Two readings: (2 × last + first) / 3, the level, and the information
/// shared.
fn reading_pair(x: &Reading, y: &Reading, as_person: bool, f: &Freq) -> Option<NameMatch> {
    if x.last.is_empty() || y.last.is_empty() {
        return None;
    }
    let last = last_names(x, y);
    let (first, first_sim) = first_names(&x.first, &y.first);
    let middle_differs = match (x.middle.first(), y.middle.first()) {
        (Some(a), Some(b)) => a.chars().next() != b.chars().next(),
        _ => false,
    };
    let level = person_level(last, first, first_sim, middle_differs);
    let own = if as_person { 1 } else { 2 };
    let bits = if level >= NameLevel::Close {
        shared_person_bits(x, y, first, own, f)
    } else {
        0.0
    };
    let how = How::Person(PersonMatch {
        last,
        first,
        first_sim,
        middle_differs,
        reversed: x.reversed != y.reversed,
        as_person,
    });
    Some(NameMatch {
        level,
        sim: (2.0 * last + first_sim) / 3.0,
        bits,
        how,
    })
}

/// The best reading pair (level, then similarity; the first on ties).
fn person_name(xs: &[Reading], ys: &[Reading], as_person: bool, f: &Freq) -> Option<NameMatch> {
    let mut best: Option<NameMatch> = None;
    for x in xs {
        for y in ys {
            let Some(m) = reading_pair(x, y, as_person, f) else {
                continue;
            };
            if best.is_none_or(|b| (m.level, m.sim) > (b.level, b.sim)) {
                best = Some(m);
            }
        }
    }
    best
}

/// Street (same house number), ZIP and city (and state when both have
/// one); nothing agrees across two different countries.
fn address(s: &Party, e: &Party) -> AddressMatch {
    let both = |x: &str, y: &str| !x.is_empty() && !y.is_empty();
    if both(&s.country, &e.country) && s.country != e.country {
        return AddressMatch {
            country_differs: true,
            ..AddressMatch::default()
        };
    }
    let zip = both(&s.zip, &e.zip) && s.zip == e.zip;
    let state_ok = !both(&s.state, &e.state) || s.state == e.state;
    let city = both(&s.city, &e.city) && s.city == e.city && state_ok;
    let street = (both(&s.house, &e.house) && s.house == e.house && both(&s.street, &e.street))
        .then(|| jaro_winkler(&s.street, &e.street));
    let similar = street.is_some_and(|x| x >= STREET_SIMILAR);
    let level = if similar && (zip || city) {
        AddressLevel::VeryClose
    } else if zip || city {
        AddressLevel::Partial
    } else {
        AddressLevel::None
    };
    AddressMatch {
        level,
        street,
        zip,
        city,
        country_differs: false,
    }
}

/// Whether the names of a subject and an entry are compared: entity with
/// entity or "other", individual with individual, an entity read as a
/// person (a sole proprietor) with individuals.
pub fn names_comparable(s: &Party, e: &Party) -> bool {
    match (s.kind, e.kind) {
        (Kind::Entity, Kind::Individual) => !s.person.is_empty(),
        (Kind::Entity, _) => true,
        (Kind::Individual, Kind::Individual) => true,
        _ => false,
    }
}

/// Whether a subject and an entry are compared at all: when their names
/// are, or when both have an identifier of one scheme. "Other" entries
/// (vessels, aircraft) are never compared with individuals.
pub fn compatible(s: &Party, e: &Party) -> bool {
    if e.kind == Kind::Other && s.kind == Kind::Individual {
        return false;
    }
    let both = |x: &str, y: &str| !x.is_empty() && !y.is_empty();
    names_comparable(s, e) || both(&s.npi, &e.npi) || both(&s.uei, &e.uei) || both(&s.cage, &e.cage)
}

/// Compare a subject and an entry. Names are compared entity with entity
/// (or "other"), individual with individual, and an entity read as a
/// person with individuals; identifiers and addresses whatever the kinds.
/// When neither an identifier nor the names agree the address is not
/// compared (it cannot make a hit alone).
pub fn compare(s: &Party, e: &Party, f: &Freq) -> Compared {
    let ids = identifiers(s, e);
    let name = match (s.kind, e.kind) {
        _ if !names_comparable(s, e) => None,
        (Kind::Individual, _) => person_name(&s.person, &e.person, false, f),
        (_, Kind::Individual) => person_name(&s.person, &e.person, true, f),
        _ => entity_name(s, e, f),
    };
    let agrees = ids.contains(&Some(true)) || name.is_some_and(|n| n.level > NameLevel::Different);
    let address = if agrees {
        address(s, e)
    } else {
        AddressMatch::default()
    };
    Compared { ids, name, address }
}
