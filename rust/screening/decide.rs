//! The decision: a pair's levels become a strong hit, a weak hit or none,
//! and a score in [0, 1]. Fixed rules, suited to screening (recall first):
//! they are not dedupe's weights learned from a vendor population.
//!
//! Name levels (see [`super::compare`]): entities by dedupe's word-weighted
//! similarity: exact ≥ 0.99 (equal after normalisation), very close ≥ 0.93,
//! close ≥ 0.88, partial ≥ 0.75 or one name's words all in the other;
//! people: exact (last and first name equal), very close (last and first
//! name each ≥ 0.92 Jaro-Winkler), close (last name ≥ 0.92 and first name
//! ≥ 0.88 or a matching initial), partial (last name ≥ 0.88); a middle
//! initial that contradicts makes any of them partial.
//!
//! **Strong** (suspends the vendor): an equal NPI (valid check digit), UEI
//! or CAGE code; or a name very close or exact with an address very close
//! (same house and a similar street, in the same ZIP or city).
//!
//! **Weak** (raised for review):
//! - a close name with an address very close;
//! - a close name in the same ZIP or city, when namesakes are unlikely;
//! - a very close or exact name with no address support, when namesakes
//!   are unlikely (the guard counts only the words both names share
//!   exactly, so a typo costs the hit its word); a name that is only close,
//!   alone, is too often someone else's ("Sorard" / "Corard"). Very close
//!   and not only exact: on OFAC's real SDN list, listed businesses spelt
//!   with one letter wrong or a lookalike character were found 0.50 and
//!   0.62 of the time instead of 0.16 and 0.35, with no innocent name raised
//!   (`benches/screening_public.py`);
//! - a partial name (a family member, an affiliate) with an address very
//!   close.
//!
//! **The namesake guard.** Names repeat: among 200,000 principals and
//! 150,000 listed people thousands of pairs share a common first and last
//! name by chance. A name without an address that agrees is a hit only
//! when the list is unlikely to hold a namesake: the information of the
//! words both names share exactly (−log2 of each word's frequency among
//! the other names of the batch, see [`super::freq`]), plus
//! [`PARTIAL_ADDRESS_BITS`] for the same ZIP or city, must reach
//! log2(entries compared by that kind of name) + [`GUARD_BITS`]: at most
//! 1/256 of a namesake expected among the entries, so that across a whole
//! vendor base at most one subject in 256 (in practice far fewer) raises a
//! namesake by chance.
//!
//! **Contradicting identifiers** (both sides have a valid NPI, or a UEI,
//! or a CAGE code, and they differ) demote a hit one step (strong to weak,
//! weak to none) unless another identifier is equal.
//!
//! **Score**: 1 for an equal identifier; else 0.75 × name similarity +
//! 0.25 × address (1 very close, 0.5 same ZIP or city, 0 none), less 0.25
//! for a contradicting identifier, within [0, 1].

use super::compare::{AddressLevel, Compared, How, NameLevel, NameMatch};
use super::freq::Freq;

/// Information (bits) beyond log2(entries) a name needs without an address
/// that agrees: the name must make this party 2^8 = 256 times likelier than
/// a namesake among the entries.
pub const GUARD_BITS: f64 = 8.0;
/// Information (bits) the same ZIP or city adds: a US ZIP or city holds
/// about 1/256 of the people, or fewer, outside the largest cities.
pub const PARTIAL_ADDRESS_BITS: f64 = 8.0;
pub const NAME_WEIGHT: f64 = 0.75;
pub const ADDRESS_WEIGHT: f64 = 0.25;
pub const CONTRADICTION: f64 = 0.25;

/// How strong a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    Weak,
    Strong,
}

impl Strength {
    pub fn code(self) -> &'static str {
        match self {
            Strength::Weak => "weak",
            Strength::Strong => "strong",
        }
    }
}

/// A hit: its strength, score, and whether it rests on an uncommon name alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub strength: Strength,
    pub score: f64,
    pub uncommon: bool,
}

/// The namesake guard: the shared name (plus `extra` bits of address) is
/// worth at least log2(entries) + [`GUARD_BITS`].
pub fn namesakes_unlikely(name: &NameMatch, extra: f64, f: &Freq) -> bool {
    let n = match name.how {
        How::Entity { .. } => f.entity_entries,
        How::Person(_) => f.individual_entries,
    };
    name.bits + extra >= (n.max(1) as f64).log2() + GUARD_BITS
}

/// The rules on names and addresses: (strength, rests on an uncommon name).
fn by_name(c: &Compared, f: &Freq) -> Option<(Strength, bool)> {
    let name = c.name.as_ref()?;
    let (n, a) = (name.level, c.address.level);
    if n >= NameLevel::VeryClose && a == AddressLevel::VeryClose {
        Some((Strength::Strong, false))
    } else if n >= NameLevel::Close && a == AddressLevel::VeryClose {
        Some((Strength::Weak, false))
    } else if n >= NameLevel::Close && a == AddressLevel::Partial {
        namesakes_unlikely(name, PARTIAL_ADDRESS_BITS, f).then_some((Strength::Weak, false))
    } else if n >= NameLevel::VeryClose && a == AddressLevel::None {
        namesakes_unlikely(name, 0.0, f).then_some((Strength::Weak, true))
    } else if n == NameLevel::Partial && a == AddressLevel::VeryClose {
        Some((Strength::Weak, false))
    } else {
        None
    }
}

fn address_sim(level: AddressLevel) -> f64 {
    match level {
        AddressLevel::VeryClose => 1.0,
        AddressLevel::Partial => 0.5,
        AddressLevel::None => 0.0,
    }
}

/// Decide a compared pair (None: not a hit).
pub fn decide(c: &Compared, f: &Freq) -> Option<Decision> {
    let id_equal = c.ids.contains(&Some(true));
    let contradicts = !id_equal && c.ids.contains(&Some(false));
    let (strength, uncommon) = if id_equal {
        (Strength::Strong, false)
    } else {
        by_name(c, f)?
    };
    let strength = match (contradicts, strength) {
        (false, s) => s,
        (true, Strength::Strong) => Strength::Weak,
        (true, Strength::Weak) => return None,
    };
    let score = if id_equal {
        1.0
    } else {
        let sim = c.name.as_ref().map_or(0.0, |n| n.sim);
        let less = if contradicts { CONTRADICTION } else { 0.0 };
        (NAME_WEIGHT * sim + ADDRESS_WEIGHT * address_sim(c.address.level) - less).clamp(0.0, 1.0)
    };
    Some(Decision {
        strength,
        score,
        uncommon,
    })
}
