//! Records in, normalised: the input columns, their checks, and each
//! record made ready for comparison ([`Rec`]).

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::ids::{self, Scheme, Validity};
use super::normalize::{self, Name};
use super::score::{Freq, Rec};
use crate::error::{Error, Location, Result};

/// Vendor (or employee) records as columns; every column has one value per
/// record. `ids` are "scheme:value" strings (schemes: ein, npi, dea, uei,
/// duns, gln, vat; any other is compared as given), `banks` IBANs,
/// "routing:account" or bare account numbers.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub id: Vec<i64>,
    pub name: Vec<String>,
    pub trade_name: Vec<String>,
    pub street: Vec<String>,
    pub city: Vec<String>,
    pub zip: Vec<String>,
    pub country: Vec<String>,
    pub phones: Vec<Vec<String>>,
    pub email: Vec<String>,
    pub website: Vec<String>,
    pub ids: Vec<Vec<String>>,
    pub banks: Vec<Vec<String>>,
    pub employee: Vec<bool>,
    /// Archived vendors kept only for the steward's labels (a merge): never
    /// blocked, sampled or scored.
    pub label_only: Vec<bool>,
    pub spend: Vec<Decimal>,
    pub changed: Vec<bool>,
}

/// An identifier that failed its check, per record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub record: usize,
    pub field: &'static str,
    pub value: String,
}

/// Normalise one record (row `i` of the input).
pub fn normalise(input: &Input, i: usize, spend_threshold: Option<Decimal>) -> (Rec, Vec<Invalid>) {
    let country = input.country[i].trim().to_ascii_uppercase();
    let (name, trade) = names(&input.name[i], &input.trade_name[i]);
    let (house, street) = normalize::street(&input.street[i]);
    let (email, domain, free_mail) = normalize::email(&input.email[i]);
    let mut invalid = Vec::new();
    let ids = identifiers(&input.ids[i], i, &mut invalid);
    let banks = bank_accounts(&input.banks[i], i, &mut invalid);
    let mut r = Rec {
        id: input.id[i],
        employee: input.employee[i],
        label_only: input.label_only.get(i).copied().unwrap_or(false),
        name,
        trade,
        city: normalize::city(&input.city[i]),
        zip: normalize::zip(&input.zip[i], &country),
        phones: phones(&input.phones[i], &country),
        country,
        house,
        street,
        email,
        domain,
        free_mail,
        website: normalize::website(&input.website[i]),
        ids,
        banks,
        high_spend: spend_threshold.is_some_and(|t| input.spend[i] >= t),
        changed: input.changed[i],
        fingerprint: 0,
    };
    r.fingerprint = fingerprint(&r);
    (r, invalid)
}

/// Name and trade name; a record with only a trade name goes by it.
fn names(raw_name: &str, raw_trade: &str) -> (Name, Name) {
    let (mut name, mut trade) = normalize::vendor_name(raw_name);
    if !raw_trade.trim().is_empty() {
        let (t, _) = normalize::vendor_name(raw_trade);
        if !t.is_empty() {
            trade = t;
        }
    }
    if name.is_empty() && !trade.is_empty() {
        std::mem::swap(&mut name, &mut trade);
    }
    (name, trade)
}

fn phones(raw: &[String], country: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in raw {
        let e = normalize::phone(p, country);
        if !e.is_empty() && !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

/// "scheme:value" identifiers, compacted and checked, once each, sorted;
/// those failing their check are also reported.
fn identifiers(
    raw: &[String],
    i: usize,
    invalid: &mut Vec<Invalid>,
) -> Vec<(Scheme, String, Validity)> {
    let mut out: Vec<(Scheme, String, Validity)> = Vec::new();
    for raw in raw {
        let (scheme, value) = match raw.split_once(':') {
            Some((s, v)) => (Scheme::parse(s), v),
            None => (Scheme::Other, raw.as_str()),
        };
        let c = ids::compact(value);
        if c.is_empty() {
            continue;
        }
        let v = ids::check(scheme, &c);
        if v == Validity::Invalid {
            invalid.push(Invalid {
                record: i,
                field: scheme.code(),
                value: c.clone(),
            });
        }
        if !out.iter().any(|x| x.0 == scheme && x.1 == c) {
            out.push((scheme, c, v));
        }
    }
    out.sort();
    out
}

/// Bank accounts as keys, once each; those failing their check reported.
fn bank_accounts(raw: &[String], i: usize, invalid: &mut Vec<Invalid>) -> Vec<(String, Validity)> {
    let mut out: Vec<(String, Validity)> = Vec::new();
    for raw in raw {
        let (k, v) = ids::bank(raw);
        if k.len() < 4 {
            continue;
        }
        if v == Validity::Invalid {
            invalid.push(Invalid {
                record: i,
                field: "bank",
                value: k.clone(),
            });
        }
        if !out.iter().any(|b| b.0 == k) {
            out.push((k, v));
        }
    }
    out
}

/// A stable hash of everything the comparison looks at: when it changes, a
/// pair decided "not a duplicate" is raised again.
pub fn fingerprint(r: &Rec) -> u64 {
    let ids: Vec<String> = r
        .ids
        .iter()
        .map(|(s, v, _)| format!("{}:{}", s.code(), v))
        .collect();
    let banks: Vec<&str> = r.banks.iter().map(|b| b.0.as_str()).collect();
    let name = r.name.tokens.join(" ");
    let trade = r.trade.tokens.join(" ");
    let phones = r.phones.join(",");
    let ids = ids.join(",");
    let banks = banks.join(",");
    normalize::fnv(&[
        name.as_bytes(),
        trade.as_bytes(),
        r.country.as_bytes(),
        r.city.as_bytes(),
        r.zip.as_bytes(),
        r.house.as_bytes(),
        r.street.as_bytes(),
        phones.as_bytes(),
        r.email.as_bytes(),
        r.website.as_bytes(),
        ids.as_bytes(),
        banks.as_bytes(),
        if r.employee { b"e" } else { b"v" },
    ])
}

impl Input {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
    /// Every column has one value per record and ids are unique.
    pub fn check(&self) -> Result<()> {
        let n = self.id.len();
        let lens = [
            ("name", self.name.len()),
            ("trade_name", self.trade_name.len()),
            ("street", self.street.len()),
            ("city", self.city.len()),
            ("zip", self.zip.len()),
            ("country", self.country.len()),
            ("phones", self.phones.len()),
            ("email", self.email.len()),
            ("website", self.website.len()),
            ("ids", self.ids.len()),
            ("banks", self.banks.len()),
            ("kind", self.employee.len()),
            ("spend", self.spend.len()),
            ("changed", self.changed.len()),
        ];
        // label_only may be left empty: no record is there only for a label
        let label_only = if self.label_only.is_empty() {
            n
        } else {
            self.label_only.len()
        };
        for (f, l) in lens.into_iter().chain([("kind", label_only)]) {
            if l != n {
                return Err(Error::input(
                    Location::field(format!("records.{f}")),
                    format!("has {l} rows, expected {n}"),
                ));
            }
        }
        let mut seen: HashMap<i64, usize> = HashMap::with_capacity(n);
        for (i, id) in self.id.iter().enumerate() {
            if *id <= 0 {
                return Err(Error::input(
                    Location::row("records.id", i),
                    "must be a positive id",
                ));
            }
            if let Some(first) = seen.insert(*id, i) {
                return Err(Error::input(
                    Location::row("records.id", i),
                    format!("id {id} repeats row {first}"),
                ));
            }
        }
        Ok(())
    }
}

/// Normalise every record and count frequencies.
pub fn prepare(
    input: &Input,
    spend_threshold: Option<Decimal>,
) -> Result<(Vec<Rec>, Vec<Invalid>, Freq)> {
    input.check()?;
    let parts: Vec<(Rec, Vec<Invalid>)> = crate::pool::install(|| {
        (0..input.len())
            .into_par_iter()
            .map(|i| normalise(input, i, spend_threshold))
            .collect()
    })?;
    let mut recs = Vec::with_capacity(parts.len());
    let mut invalid = Vec::new();
    for (r, inv) in parts {
        recs.push(r);
        invalid.extend(inv);
    }
    let mut freq = Freq::default();
    for r in &recs {
        freq.add(r, 1);
    }
    Ok((recs, invalid, freq))
}
