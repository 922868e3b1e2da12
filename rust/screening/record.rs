//! Parties in: the columns of the subjects (vendors and their principals)
//! and of the list entries, their checks, and each party normalised with
//! dedupe's normalisers ([`Party`]).

use hashbrown::HashMap;

use super::person::{self, Reading};
use crate::dedupe::ids::{self, Scheme, Validity};
use crate::dedupe::normalize::{self, Name};
use crate::error::{Error, Location, Result};

/// What a party is: entities are compared with entities, individuals with
/// individuals; "other" (vessels, aircraft: OFAC) only with entities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    #[default]
    Entity,
    Individual,
    Other,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Entity => "entity",
            Kind::Individual => "individual",
            Kind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "entity" => Some(Kind::Entity),
            "individual" => Some(Kind::Individual),
            "other" => Some(Kind::Other),
            _ => None,
        }
    }
}

/// The list an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Leie,
    Sam,
    Ofac,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Leie => "leie",
            Source::Sam => "sam",
            Source::Ofac => "ofac",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "leie" => Some(Source::Leie),
            "sam" => Some(Source::Sam),
            "ofac" => Some(Source::Ofac),
            _ => None,
        }
    }
}

/// Subjects or entries as columns, one value per party in each. `name` is
/// an entity's name ("A dba B" gives a trade name) or a person's name on
/// one line, used when `last` is empty.
#[derive(Debug, Clone, Default)]
pub struct Parties {
    pub id: Vec<i64>,
    pub kind: Vec<Kind>,
    pub name: Vec<String>,
    pub first: Vec<String>,
    pub middle: Vec<String>,
    pub last: Vec<String>,
    pub street: Vec<String>,
    pub city: Vec<String>,
    pub state: Vec<String>,
    pub zip: Vec<String>,
    pub country: Vec<String>,
    pub npi: Vec<String>,
    pub uei: Vec<String>,
    pub cage: Vec<String>,
}

/// Everything a screening run takes: the subjects, the list entries and
/// the list of each entry.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub subjects: Parties,
    pub entries: Parties,
    pub source: Vec<Source>,
}

/// A party ready for comparison.
#[derive(Debug, Clone, Default)]
pub struct Party {
    pub id: i64,
    pub kind: Kind,
    /// Entities and "other": the name and trade name (dedupe's normal form).
    pub name: Name,
    pub trade: Name,
    /// Individuals, and entities whose name is a person's (sole proprietors).
    pub person: Vec<Reading>,
    pub house: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
    /// Identifiers that pass their check ("" otherwise).
    pub npi: String,
    pub uei: String,
    pub cage: String,
}

/// Country names and codes the lists use for the United States.
const US: &[&str] = &["US", "USA", "UNITEDSTATES", "UNITEDSTATESOFAMERICA"];

/// A country as upper-case letters; the United States as "US".
pub fn country(raw: &str) -> String {
    let c = ids::compact(raw);
    if US.contains(&c.as_str()) {
        "US".to_string()
    } else {
        c
    }
}

/// A CAGE code: five letters and digits.
pub fn cage(raw: &str) -> String {
    let c = ids::compact(raw);
    if c.len() == 5 {
        c
    } else {
        String::new()
    }
}

fn npi(raw: &str) -> String {
    let c = ids::compact(raw);
    if ids::valid_npi(&c) {
        c
    } else {
        String::new()
    }
}

fn uei(raw: &str) -> String {
    let c = ids::compact(raw);
    if ids::check(Scheme::Uei, &c) == Validity::Invalid {
        String::new()
    } else {
        c
    }
}

/// A person's readings: the separate fields when the last name is given,
/// else the name line, else the fields (a first name alone).
fn readings(p: &Parties, i: usize) -> Vec<Reading> {
    if p.last[i].trim().is_empty() && !p.name[i].trim().is_empty() {
        person::from_line(&p.name[i])
    } else {
        person::from_fields(&p.first[i], &p.middle[i], &p.last[i])
    }
}

/// Normalise party `i`; a subject entity whose name is a person's is also
/// read as a person (see [`person::sole_proprietor`]).
pub fn normalise(p: &Parties, i: usize, subject: bool) -> Party {
    let kind = p.kind[i];
    let country = country(&p.country[i]);
    let (house, street) = normalize::street(&p.street[i]);
    let mut party = Party {
        id: p.id[i],
        kind,
        house,
        street,
        city: normalize::city(&p.city[i]),
        state: ids::compact(&p.state[i]),
        zip: normalize::zip(&p.zip[i], &country),
        country,
        npi: npi(&p.npi[i]),
        uei: uei(&p.uei[i]),
        cage: cage(&p.cage[i]),
        ..Party::default()
    };
    if kind == Kind::Individual {
        party.person = readings(p, i);
    } else {
        (party.name, party.trade) = normalize::vendor_name(&p.name[i]);
        if party.name.is_empty() && !party.trade.is_empty() {
            std::mem::swap(&mut party.name, &mut party.trade);
        }
        if subject {
            party.person = person::sole_proprietor(&party.name);
        }
    }
    party
}

impl Parties {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Every column has one value per party; ids are positive and unique.
    pub fn check(&self, table: &str, kinds: &[Kind]) -> Result<()> {
        let n = self.id.len();
        let lens = [
            ("kind", self.kind.len()),
            ("name", self.name.len()),
            ("first", self.first.len()),
            ("middle", self.middle.len()),
            ("last", self.last.len()),
            ("street", self.street.len()),
            ("city", self.city.len()),
            ("state", self.state.len()),
            ("zip", self.zip.len()),
            ("country", self.country.len()),
            ("npi", self.npi.len()),
            ("uei", self.uei.len()),
            ("cage", self.cage.len()),
        ];
        for (f, l) in lens {
            if l != n {
                return Err(Error::input(
                    Location::field(format!("{table}.{f}")),
                    format!("has {l} rows, expected {n}"),
                ));
            }
        }
        let mut seen: HashMap<i64, usize> = HashMap::with_capacity(n);
        for (i, id) in self.id.iter().enumerate() {
            if *id <= 0 {
                return Err(Error::input(
                    Location::row(format!("{table}.id"), i),
                    "must be a positive id",
                ));
            }
            if let Some(first) = seen.insert(*id, i) {
                return Err(Error::input(
                    Location::row(format!("{table}.id"), i),
                    format!("id {id} repeats row {first}"),
                ));
            }
            if !kinds.contains(&self.kind[i]) {
                return Err(Error::input(
                    Location::row(format!("{table}.kind"), i),
                    format!("{} is not a kind of {table}", self.kind[i].code()),
                ));
            }
        }
        Ok(())
    }
}

impl Input {
    pub fn check(&self) -> Result<()> {
        self.subjects
            .check("subjects", &[Kind::Entity, Kind::Individual])?;
        self.entries
            .check("entries", &[Kind::Entity, Kind::Individual, Kind::Other])?;
        if self.source.len() != self.entries.len() {
            return Err(Error::input(
                Location::field("entries.source"),
                format!(
                    "has {} rows, expected {}",
                    self.source.len(),
                    self.entries.len()
                ),
            ));
        }
        Ok(())
    }
}
