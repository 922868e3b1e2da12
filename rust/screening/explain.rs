//! The wording of a hit: one (field, level, text) per piece of evidence,
//! identifiers first, then the name, then the address. Similarities are
//! shown to two decimals, rounded down (a name shown "0.93 similar" is at
//! least that).

use super::compare::{AddressMatch, Compared, First, How, Id, NameMatch, STREET_SIMILAR};
use super::decide::Decision;

/// One piece of evidence of a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// npi, uei, cage, name, street, zip, city, country
    pub field: &'static str,
    /// equal, different, exact, very_close, close, partial, uncommon, similar
    pub level: &'static str,
    pub text: String,
}

fn ev(field: &'static str, level: &'static str, text: impl Into<String>) -> Evidence {
    Evidence {
        field,
        level,
        text: text.into(),
    }
}

/// A similarity in hundredths, rounded down: "0.97"; "1.00" only when equal.
pub fn hundredths(x: f64) -> String {
    let k = ((x * 100.0 + 1e-9).floor() as i64).clamp(0, 100);
    if k == 100 {
        "1.00".to_string()
    } else {
        format!("0.{k:02}")
    }
}

/// "last name equal" or "last name 0.95 similar".
fn alike(what: &str, x: f64) -> String {
    match hundredths(x).as_str() {
        "1.00" => format!("{what} equal"),
        h => format!("{what} {h} similar"),
    }
}

fn identifiers(c: &Compared, out: &mut Vec<Evidence>) {
    for (id, equal) in Id::ALL.iter().zip(c.ids) {
        let Some(equal) = equal else { continue };
        let (field, label) = match id {
            Id::Npi => ("npi", "NPI"),
            Id::Uei => ("uei", "UEI"),
            Id::Cage => ("cage", "CAGE"),
        };
        out.push(if equal {
            ev(field, "equal", format!("{label} equal"))
        } else {
            ev(field, "different", format!("{label} differs"))
        });
    }
}

fn name(m: &NameMatch) -> Evidence {
    let text = match m.how {
        How::Entity { via } if via > 0 => format!("{} (trade name)", alike("name", m.sim)),
        How::Entity { .. } => alike("name", m.sim),
        How::Person(p) => {
            let mut parts = vec![alike("last name", p.last)];
            parts.push(match p.first {
                First::Equal => "first name equal".to_string(),
                First::Similar => alike("first name", p.first_sim),
                First::Initial => "first name initial".to_string(),
                First::Differs => "first name differs".to_string(),
                First::Missing => "no first name".to_string(),
            });
            if p.middle_differs {
                parts.push("middle initial differs".to_string());
            }
            if p.reversed {
                parts.push("order reversed".to_string());
            }
            let text = parts.join(", ");
            if p.as_person {
                format!("read as a person: {text}")
            } else {
                text
            }
        }
    };
    ev("name", m.level.code(), text)
}

fn address(a: &AddressMatch, out: &mut Vec<Evidence>) {
    match a.street {
        Some(1.0) => out.push(ev("street", "equal", "street equal")),
        Some(s) if s >= STREET_SIMILAR => out.push(ev("street", "similar", alike("street", s))),
        _ => {}
    }
    if a.zip {
        out.push(ev("zip", "equal", "same ZIP"));
    }
    if a.city {
        out.push(ev("city", "equal", "same city"));
    }
    if a.country_differs {
        out.push(ev("country", "different", "country differs"));
    }
}

/// The evidence of a hit.
pub fn explain(c: &Compared, d: &Decision) -> Vec<Evidence> {
    let mut out = Vec::with_capacity(6);
    identifiers(c, &mut out);
    if let Some(m) = &c.name {
        out.push(name(m));
        if d.uncommon {
            out.push(ev("name", "uncommon", "uncommon name"));
        }
    }
    address(&c.address, &mut out);
    out
}
