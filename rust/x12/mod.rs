//! X12 EDI: read interchanges (envelopes, counts and control numbers checked,
//! each transaction set validated against its schema and mapped to the
//! MedSync documents of the hub) and write them (purchase orders, the
//! supplier's sets for tests and a partner simulator, and the 997, 999 and
//! TA1 acknowledgements).
//!
//! Phases: [`lex`] (delimiters, segments as byte ranges), [`envelope`]
//! (interchanges, groups, sets), [`validate`] (a set against its
//! [`schema`]), [`map_in`] (sets to documents), [`generate`] and [`ack`]
//! (writing). The contract with the Odoo side is `docs/x12-contract.md`; the
//! Python face is `python/x12.rs`.

pub mod ack;
pub mod envelope;
pub mod generate;
pub mod lex;
pub mod map_in;
pub mod schema;
#[cfg(test)]
mod tests;
pub mod validate;
pub mod write_sets;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A file-, interchange- or group-level problem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Error {
    pub segment: usize,
    pub segment_id: String,
    pub element: usize,
    pub code: String,
    pub message: String,
}

impl Error {
    pub fn new(
        segment: usize,
        id: &str,
        element: usize,
        code: &str,
        message: impl Into<String>,
    ) -> Self {
        Error {
            segment,
            segment_id: id.to_string(),
            element,
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// What an AK3/AK4 (997) or IK3/IK4 (999) reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentError {
    pub segment: usize,
    pub segment_id: String,
    #[serde(rename = "loop")]
    pub loop_id: String,
    pub code: String,
    pub element: usize,
    pub component: usize,
    pub element_code: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnknownSegment {
    pub segment: usize,
    pub segment_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Set {
    pub segment: usize,
    pub set_id: String,
    pub control: String,
    pub implementation: String,
    pub segment_count: usize,
    pub ack_code: String,
    pub ack_errors: Vec<String>,
    pub errors: Vec<SegmentError>,
    pub unknown_segments: Vec<UnknownSegment>,
    pub doc_type: Option<String>,
    pub documents: Vec<Value>,
    pub skipped_lines: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Group {
    pub segment: usize,
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    pub date: String,
    pub control: String,
    pub version: String,
    pub ack_code: String,
    pub ack_errors: Vec<String>,
    pub errors: Vec<Error>,
    pub sets: Vec<Set>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ta1 {
    pub code: String,
    pub note: String,
}

/// A TA1 segment received in the interchange (the partner's answer to one of ours).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReceivedTa1 {
    pub segment: usize,
    pub control: String,
    pub date: String,
    pub time: String,
    pub code: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DelimsOut {
    pub element: String,
    pub repetition: String,
    pub component: String,
    pub segment: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Interchange {
    pub segment: usize,
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub date: String,
    pub time: String,
    pub control: String,
    pub version: String,
    pub ack_requested: bool,
    pub usage: String,
    pub delimiters: DelimsOut,
    pub ta1: Ta1,
    pub errors: Vec<Error>,
    pub groups: Vec<Group>,
    pub received_ta1: Vec<ReceivedTa1>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Parsed {
    pub segments: usize,
    pub errors: Vec<Error>,
    pub interchanges: Vec<Interchange>,
}

/// What `x12_scan` answers: counts and one code per set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scan {
    pub segments: usize,
    pub interchanges: usize,
    pub groups: usize,
    pub sets: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub errors: usize,
    pub set_ids: Vec<String>,
    pub set_codes: Vec<String>,
}

/// The product id qualifiers, in preference order, when the caller gives none.
pub const DEFAULT_QUALIFIERS: &[&str] = &[
    "VN", "VC", "VP", "MG", "UK", "EN", "UP", "IN", "HI", "N4", "BP",
];

/// How sets are mapped to documents.
#[derive(Debug, Clone)]
pub struct Options {
    pub product_qualifiers: Vec<String>,
    pub currency: String,
    pub tier: Option<String>,
    /// false: validate only (`x12_scan`)
    pub map: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            product_qualifiers: DEFAULT_QUALIFIERS.iter().map(|s| s.to_string()).collect(),
            currency: "USD".into(),
            tier: None,
            map: true,
        }
    }
}

/// The X12 release of a group (GS08).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V4010,
    V5010,
}

impl Version {
    pub fn of_gs08(gs08: &str) -> Option<Version> {
        if gs08.starts_with("00401") {
            Some(Version::V4010)
        } else if gs08.starts_with("00501") {
            Some(Version::V5010)
        } else {
            None
        }
    }
}

/// Parse, validate and map a whole file. Never fails: every problem is in
/// the result.
pub fn parse(data: &[u8], opts: &Options) -> crate::Result<Parsed> {
    let lexed = lex::lex(data);
    let mut out = Parsed {
        segments: lexed.segments,
        errors: lexed.errors,
        interchanges: Vec::with_capacity(lexed.interchanges.len()),
    };
    let mut jobs = Vec::new();
    for (k, raw) in lexed.interchanges.iter().enumerate() {
        let (ic, spans) = envelope::read(data, raw);
        out.interchanges.push(ic);
        jobs.extend(spans.into_iter().map(|s| (k, s)));
    }
    let checked = crate::pool::map_ordered(&jobs, |_, (k, span)| {
        let raw = &lexed.interchanges[*k];
        Ok(validate::check_set(data, raw, span, opts))
    })?;
    for ((k, span), result) in jobs.iter().zip(checked) {
        let set = &mut out.interchanges[*k].groups[span.group].sets[span.set];
        result.apply(set);
    }
    for ic in &mut out.interchanges {
        envelope::settle(ic);
    }
    if opts.map {
        map_in::drop_unsettled(&mut out);
    }
    Ok(out)
}

/// Parse and validate only; counts and per-set codes.
pub fn scan(data: &[u8]) -> crate::Result<Scan> {
    let opts = Options {
        map: false,
        ..Options::default()
    };
    let p = parse(data, &opts)?;
    let mut s = Scan {
        segments: p.segments,
        interchanges: p.interchanges.len(),
        errors: p.errors.len(),
        ..Scan::default()
    };
    for ic in &p.interchanges {
        s.errors += ic.errors.len();
        s.groups += ic.groups.len();
        for g in &ic.groups {
            s.errors += g.errors.len();
            for set in &g.sets {
                s.sets += 1;
                s.errors += set.errors.len();
                if set.ack_code == "R" {
                    s.rejected += 1;
                } else {
                    s.accepted += 1;
                }
                s.set_ids.push(set.set_id.clone());
                s.set_codes.push(set.ack_code.clone());
            }
        }
    }
    Ok(s)
}
