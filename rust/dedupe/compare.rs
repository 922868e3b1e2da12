//! The comparisons of two records, one short function each. A learned
//! comparison gives a level (or nothing when a side has no value); the
//! levels' weights come from the [`Model`](super::model::Model).
//! Identifiers and bank accounts keep fixed weights ([`identity`]).

use super::ids::Scheme;
use super::model::Model;
use super::score::{
    id_weights, jaro_winkler, name_similarity, Evidence, Field, Freq, Level, Options, Rec,
    BANK_AGREE, BANK_DIFFERENT, DOMAIN_COMMON_DF, ID_INVALID_AGREE, NAME_FULL_BITS,
    PHONE_COMMON_DF,
};

/// The comparisons whose weights are learned, in the order of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmp {
    Name = 0,
    Address = 1,
    Zip = 2,
    City = 3,
    Phone = 4,
    Email = 5,
    Website = 6,
    Country = 7,
}

/// How many learned comparisons there are.
pub const CMPS: usize = 8;

impl Cmp {
    pub const ALL: [Cmp; CMPS] = [
        Cmp::Name,
        Cmp::Address,
        Cmp::Zip,
        Cmp::City,
        Cmp::Phone,
        Cmp::Email,
        Cmp::Website,
        Cmp::Country,
    ];

    /// The levels, best agreement first.
    pub fn levels(self) -> &'static [Level] {
        use Level::*;
        match self {
            Cmp::Name => &[Exact, High, Medium, Contained, Low, Different],
            Cmp::Address => &[Exact, High, Partial, Different],
            Cmp::Phone => &[Agree, Common, Different],
            Cmp::Email => &[Exact, Agree, Common, Different],
            Cmp::Zip | Cmp::City | Cmp::Website | Cmp::Country => &[Agree, Different],
        }
    }

    pub fn field(self) -> Field {
        match self {
            Cmp::Name => Field::Name,
            Cmp::Address => Field::Address,
            Cmp::Zip => Field::Zip,
            Cmp::City => Field::City,
            Cmp::Phone => Field::Phone,
            Cmp::Email => Field::Email,
            Cmp::Website => Field::Website,
            Cmp::Country => Field::Country,
        }
    }

    pub fn code(self) -> &'static str {
        self.field().code()
    }

    pub fn parse(code: &str) -> Option<Cmp> {
        Cmp::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Position of a level among [`Cmp::levels`].
    fn at(self, level: Level) -> u8 {
        let k = self.levels().iter().position(|l| *l == level);
        k.map_or(0, |k| k as u8 + 1)
    }
}

/// The levels of one pair: `levels[c]` is 0 when comparison `c` was not
/// made, else the level's position + 1. Names also keep their similarity,
/// term-frequency factor and which names agreed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Compared {
    pub levels: [u8; CMPS],
    pub name_sim: f64,
    pub name_tf: f64,
    pub name_via: u8,
    pub street_sim: f64,
}

impl Compared {
    /// The levels packed in one integer (4 bits a comparison).
    pub fn pattern(&self) -> u32 {
        self.levels
            .iter()
            .enumerate()
            .fold(0u32, |acc, (k, l)| acc | (u32::from(*l) << (4 * k)))
    }

    pub fn level(&self, c: Cmp) -> Option<Level> {
        let l = self.levels[c as usize];
        (l > 0).then(|| c.levels()[l as usize - 1])
    }
}

/// Name level from the best of name and trade name on both sides.
fn name(a: &Rec, b: &Rec, f: &Freq, o: &Options, out: &mut Compared) {
    let pairs = [
        (&a.name, &b.name),
        (&a.name, &b.trade),
        (&a.trade, &b.name),
        (&a.trade, &b.trade),
    ];
    let mut best: Option<(super::score::NameSim, u8)> = None;
    for (k, (x, y)) in pairs.iter().enumerate() {
        if x.is_empty() || y.is_empty() {
            continue;
        }
        let s = name_similarity(x, y, f, o);
        if best.is_none_or(|(b, _)| (s.sim, s.contained) > (b.sim, b.contained)) {
            best = Some((s, k as u8));
        }
    }
    let Some((s, via)) = best else { return };
    let level = if s.sim >= 0.99 {
        Level::Exact
    } else if s.sim >= 0.92 {
        Level::High
    } else if s.sim >= 0.85 {
        Level::Medium
    } else if s.contained >= 0.92 {
        Level::Contained
    } else if s.sim >= 0.70 {
        Level::Low
    } else {
        Level::Different
    };
    out.levels[Cmp::Name as usize] = Cmp::Name.at(level);
    out.name_sim = s.sim;
    out.name_tf = (s.bits / NAME_FULL_BITS).min(1.0);
    out.name_via = via;
}

/// House number and street: the same house on a like street, the same
/// house on another, the same street with a number missing, or different.
fn address(a: &Rec, b: &Rec, out: &mut Compared) {
    let has = |r: &Rec| !r.house.is_empty() || !r.street.is_empty();
    if !has(a) || !has(b) {
        return;
    }
    let s = if a.street.is_empty() || b.street.is_empty() {
        0.0
    } else {
        jaro_winkler(&a.street, &b.street)
    };
    let both_houses = !a.house.is_empty() && !b.house.is_empty();
    let level = if both_houses && a.house == b.house {
        if s >= 0.85 {
            Level::Exact
        } else {
            Level::High
        }
    } else if s >= 0.92 && !both_houses {
        Level::Partial
    } else {
        Level::Different
    };
    out.levels[Cmp::Address as usize] = Cmp::Address.at(level);
    out.street_sim = s;
}

/// Agree or differ on a plain value, when both have one.
fn same(c: Cmp, x: &str, y: &str, out: &mut Compared) {
    if x.is_empty() || y.is_empty() {
        return;
    }
    let level = if x == y {
        Level::Agree
    } else {
        Level::Different
    };
    out.levels[c as usize] = c.at(level);
}

/// The rarest phone both records have (ties by number): the same answer
/// whichever record comes first.
pub fn shared_phone<'a>(a: &'a Rec, b: &Rec, f: &Freq) -> Option<&'a String> {
    a.phones
        .iter()
        .filter(|x| b.phones.contains(x))
        .min_by_key(|x| (f.phones.get(*x).copied().unwrap_or(0), x.as_str()))
}

fn phone(a: &Rec, b: &Rec, f: &Freq, out: &mut Compared) {
    if a.phones.is_empty() || b.phones.is_empty() {
        return;
    }
    let level = match shared_phone(a, b, f) {
        Some(p) if f.phones.get(p).copied().unwrap_or(0) > PHONE_COMMON_DF => Level::Common,
        Some(_) => Level::Agree,
        None => Level::Different,
    };
    out.levels[Cmp::Phone as usize] = Cmp::Phone.at(level);
}

/// The same address, the same company domain (common when many records
/// have it), or different company domains. Free-mail domains say nothing.
fn email(a: &Rec, b: &Rec, f: &Freq, out: &mut Compared) {
    let level = if !a.email.is_empty() && a.email == b.email {
        Level::Exact
    } else if a.domain.is_empty() || b.domain.is_empty() || a.free_mail || b.free_mail {
        return;
    } else if a.domain != b.domain {
        Level::Different
    } else if f.domains.get(&a.domain).copied().unwrap_or(0) > DOMAIN_COMMON_DF {
        Level::Common
    } else {
        Level::Agree
    };
    out.levels[Cmp::Email as usize] = Cmp::Email.at(level);
}

/// Every learned comparison of a pair.
pub fn compare_levels(a: &Rec, b: &Rec, f: &Freq, o: &Options) -> Compared {
    let mut out = Compared::default();
    name(a, b, f, o, &mut out);
    address(a, b, &mut out);
    same(Cmp::Zip, &a.zip, &b.zip, &mut out);
    same(Cmp::City, &a.city, &b.city, &mut out);
    phone(a, b, f, &mut out);
    email(a, b, f, &mut out);
    same(Cmp::Website, &a.website, &b.website, &mut out);
    same(Cmp::Country, &a.country, &b.country, &mut out);
    out
}

fn ev(field: Field, level: Level, weight: f64, value: String) -> Evidence {
    Evidence {
        field,
        level,
        weight,
        sim: 0.0,
        tf: 1.0,
        value,
        via: 0,
    }
}

/// Identifiers, scheme by scheme: the same valid number, the same number
/// failing its check, or two different valid numbers.
fn identifiers(a: &Rec, b: &Rec, out: &mut Vec<Evidence>) {
    if a.ids.is_empty() || b.ids.is_empty() {
        return;
    }
    for scheme in Scheme::ALL {
        let xs = || a.ids.iter().filter(move |i| i.0 == scheme);
        let ys = || b.ids.iter().filter(move |i| i.0 == scheme);
        if xs().next().is_none() || ys().next().is_none() {
            continue;
        }
        let (agree, against) = id_weights(scheme);
        let field = Field::Id(scheme);
        if let Some(x) = xs().find(|x| ys().any(|y| y.1 == x.1)) {
            out.push(if x.2.usable() {
                ev(field, Level::Agree, agree, x.1.clone())
            } else {
                ev(field, Level::InvalidAgree, ID_INVALID_AGREE, x.1.clone())
            });
        } else if against != 0.0 && xs().any(|x| x.2.usable()) && ys().any(|y| y.2.usable()) {
            out.push(ev(field, Level::Against, against, String::new()));
        }
    }
}

/// Bank accounts: one shared, or none.
fn banks(a: &Rec, b: &Rec, out: &mut Vec<Evidence>) {
    if a.banks.is_empty() || b.banks.is_empty() {
        return;
    }
    out.push(
        match a.banks.iter().find(|x| b.banks.iter().any(|y| y.0 == x.0)) {
            Some(x) => ev(Field::Bank, Level::Agree, BANK_AGREE, x.0.clone()),
            None => ev(Field::Bank, Level::Different, BANK_DIFFERENT, String::new()),
        },
    );
}

/// The fixed-weight evidence of a pair: identifiers and bank accounts.
pub fn identity(a: &Rec, b: &Rec) -> Vec<Evidence> {
    let mut out = Vec::new();
    identifiers(a, b, &mut out);
    banks(a, b, &mut out);
    out
}

/// The value a learned comparison agreed on, for the explanation.
fn shared_value(c: Cmp, level: Level, a: &Rec, b: &Rec, f: &Freq) -> String {
    let agreed = matches!(level, Level::Agree | Level::Common | Level::Exact);
    match c {
        Cmp::Phone if agreed => shared_phone(a, b, f).cloned().unwrap_or_default(),
        Cmp::Email if level == Level::Exact => a.email.clone(),
        Cmp::Email if agreed => a.domain.clone(),
        Cmp::Website if agreed => a.website.clone(),
        Cmp::Zip if agreed => a.zip.clone(),
        Cmp::City if agreed => a.city.clone(),
        _ => String::new(),
    }
}

/// The evidence of the learned comparisons, each with its learned weight
/// (a name's positive weight scaled by how rare its shared words are).
pub fn learned(a: &Rec, b: &Rec, f: &Freq, cmp: &Compared, model: &Model) -> Vec<Evidence> {
    let mut out = Vec::with_capacity(6);
    for c in Cmp::ALL {
        let Some(level) = cmp.level(c) else { continue };
        let mut e = ev(
            c.field(),
            level,
            model.weight_of(c, cmp),
            shared_value(c, level, a, b, f),
        );
        if c == Cmp::Name {
            e.sim = cmp.name_sim;
            e.tf = if model.weight(c, level) > 0.0 {
                cmp.name_tf
            } else {
                1.0
            };
            e.via = cmp.name_via;
        } else if c == Cmp::Address {
            e.sim = cmp.street_sim;
        }
        out.push(e);
    }
    out
}

/// Compare two records: the total weight in bits (the model's prior
/// included) and the evidence.
pub fn compare(a: &Rec, b: &Rec, f: &Freq, o: &Options, model: &Model) -> (f64, Vec<Evidence>) {
    scored(a, b, f, &compare_levels(a, b, f, o), model)
}

/// The total weight and evidence of a pair already compared.
pub fn scored(a: &Rec, b: &Rec, f: &Freq, cmp: &Compared, model: &Model) -> (f64, Vec<Evidence>) {
    let mut ev = learned(a, b, f, cmp, model);
    ev.extend(identity(a, b));
    let total = model.prior + ev.iter().map(|e| e.weight).sum::<f64>();
    (total, ev)
}

/// Shared name information (bits) below which two different names have
/// nothing distinctive in common.
pub const GATE_BITS: f64 = 6.0;

/// Vendors share buildings, suites and switchboards: a pair whose names
/// differ and share no distinctive word is at most "possible" unless an
/// identifier, a bank account or an e-mail address says it is one vendor.
/// Address, zip, city and phone agree together for neighbours, and the
/// comparisons' independence would count that three or four times.
pub fn name_gate(cmp: &Compared, ev: &[Evidence]) -> bool {
    let names_differ =
        cmp.level(Cmp::Name) == Some(Level::Different) && cmp.name_tf * NAME_FULL_BITS < GATE_BITS;
    let identity = ev.iter().any(|e| {
        matches!(e.field, Field::Id(_) | Field::Bank) && e.level == Level::Agree
            || e.field == Field::Email && e.level == Level::Exact
    });
    names_differ && !identity
}
