//! The schemas, as data: the segments (their elements' requirement, type,
//! lengths and small code lists) and, per transaction set and version, the
//! segments and loops in order with their requirement and maximum use.
//!
//! Element types are X12's: AN (string), ID (code), N0/N2 (integer with 0
//! or 2 implied decimals), R (decimal), DT (date), TM (time). Elements past
//! the ones listed (up to `n`) are optional strings; from `pairs` on, they
//! are product id qualifier / product id pairs (PO106/PO107...).

use super::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T {
    AN,
    ID,
    N0,
    N2,
    R,
    DT,
    TM,
}

/// One element (or the first component of a composite).
#[derive(Debug, Clone, Copy)]
pub struct E {
    pub mandatory: bool,
    pub t: T,
    pub min: u8,
    pub max: u8,
    pub codes: &'static [&'static str],
    pub composite: bool,
}

#[rustfmt::skip]
const fn m(t: T, min: u8, max: u8) -> E {
    E { mandatory: true, t, min, max, codes: &[], composite: false }
}
#[rustfmt::skip]
const fn o(t: T, min: u8, max: u8) -> E {
    E { mandatory: false, t, min, max, codes: &[], composite: false }
}
#[rustfmt::skip]
const fn mc(min: u8, max: u8, codes: &'static [&'static str]) -> E {
    E { mandatory: true, t: T::ID, min, max, codes, composite: false }
}
#[rustfmt::skip]
const fn comp(e: E) -> E {
    E { composite: true, ..e }
}

/// Elements not listed: optional strings.
pub const ANY: E = o(T::AN, 1, 255);
const QUALIFIER: E = o(T::ID, 2, 2);
const PRODUCT_ID: E = o(T::AN, 1, 48);

#[derive(Debug, Clone, Copy)]
pub struct SegDef {
    pub id: &'static str,
    pub els: &'static [E],
    /// most elements
    pub n: usize,
    /// first product id qualifier position, 0 when none
    pub pairs: usize,
}

impl SegDef {
    /// Element `k` (1-based), `None` past the last one.
    pub fn element(&self, k: usize) -> Option<E> {
        if k == 0 || k > self.n {
            None
        } else if k <= self.els.len() {
            Some(self.els[k - 1])
        } else if self.pairs > 0 && k >= self.pairs {
            Some(if (k - self.pairs) % 2 == 0 {
                QUALIFIER
            } else {
                PRODUCT_ID
            })
        } else {
            Some(ANY)
        }
    }
}

const fn s(id: &'static str, n: usize, els: &'static [E]) -> SegDef {
    SegDef {
        id,
        els,
        n,
        pairs: 0,
    }
}
const fn sp(id: &'static str, n: usize, pairs: usize, els: &'static [E]) -> SegDef {
    SegDef { id, els, n, pairs }
}

use T::*;

/// ACK01 codes and the `po_ack` line status each one means.
#[rustfmt::skip]
pub const ACK_STATUS: &[(&str, &str)] = &[
    ("IA", "accepted"),
    ("IC", "accepted"),
    ("IE", "accepted"),
    ("IP", "accepted"),
    ("IQ", "accepted"),
    ("DR", "accepted"),
    ("AR", "accepted"),
    ("AC", "accepted"),
    ("IB", "backordered"),
    ("BP", "backordered"),
    ("IS", "substituted"),
    ("IR", "rejected"),
    ("ID", "rejected"),
    ("R1", "rejected"),
    ("R2", "rejected"),
    ("R3", "rejected"),
    ("R4", "rejected"),
    ("R5", "rejected"),
    ("R6", "rejected"),
    ("R7", "rejected"),
    ("R8", "rejected"),
];
#[rustfmt::skip]
const ACK_CODES: &[&str] = &[
    "IA", "IC", "IE", "IP", "IQ", "DR", "AR", "AC", "IB", "BP", "IS", "IR", "ID", "R1", "R2", "R3", "R4", "R5",
    "R6", "R7", "R8",
];
const ACK_SET_CODES: &[&str] = &["A", "E", "M", "R", "W", "X"];
const ACK_GROUP_CODES: &[&str] = &["A", "E", "M", "P", "R", "W", "X"];

/// The segment dictionary (5010 lengths; 4010 differences in `SEGS_4010`).
#[rustfmt::skip]
pub const SEGS: &[SegDef] = &[
    s("ST", 3, &[m(ID, 3, 3), m(AN, 4, 9), o(AN, 1, 35)]),
    s("SE", 2, &[m(N0, 1, 10), m(AN, 4, 9)]),
    s("BEG", 12, &[m(ID, 2, 2), m(ID, 2, 2), m(AN, 1, 22), o(AN, 1, 30), m(DT, 8, 8), o(AN, 1, 30)]),
    s("CUR", 21, &[m(ID, 2, 3), m(ID, 3, 3), o(R, 1, 10)]),
    s("REF", 4, &[m(ID, 2, 3), o(AN, 1, 50), o(AN, 1, 80), comp(o(ID, 2, 3))]),
    s("PER", 9, &[m(ID, 2, 2), o(AN, 1, 60), o(ID, 2, 2), o(AN, 1, 255)]),
    s("DTM", 6, &[m(ID, 3, 3), o(DT, 8, 8), o(TM, 4, 8), o(ID, 2, 2), o(ID, 2, 3), o(AN, 1, 35)]),
    s("N1", 6, &[m(ID, 2, 3), o(AN, 1, 60), o(ID, 1, 2), o(AN, 2, 80), o(ID, 2, 2), o(ID, 2, 3)]),
    s("N2", 2, &[m(AN, 1, 60), o(AN, 1, 60)]),
    s("N3", 2, &[m(AN, 1, 55), o(AN, 1, 55)]),
    s("N4", 7, &[o(AN, 2, 30), o(ID, 2, 2), o(ID, 3, 15), o(ID, 2, 3)]),
    s("NTE", 2, &[o(ID, 3, 3), m(AN, 1, 80)]),
    sp("PO1", 25, 6, &[o(AN, 1, 20), o(R, 1, 15), o(ID, 2, 2), o(R, 1, 17), o(ID, 2, 2)]),
    s("PID", 9, &[mc(1, 1, &["F", "S", "X"]), o(ID, 2, 3), o(ID, 2, 2), o(AN, 1, 12), o(AN, 1, 80)]),
    s("PO4", 18, &[]),
    s("MEA", 12, &[]),
    s("PKG", 9, &[]),
    s("FOB", 9, &[]),
    s("TD1", 10, &[]),
    s("TD3", 10, &[]),
    s("TD4", 5, &[]),
    s("TD5", 15, &[o(ID, 1, 2), o(ID, 1, 2), o(AN, 2, 80), o(ID, 1, 2), o(AN, 1, 35)]),
    s("CTT", 7, &[m(N0, 1, 6), o(R, 1, 10)]),
    s("AMT", 3, &[m(ID, 1, 3), m(R, 1, 18), o(ID, 1, 1)]),
    s("BAK", 12, &[m(ID, 2, 2), m(ID, 2, 2), m(AN, 1, 22), m(DT, 8, 8), o(AN, 1, 30), o(AN, 1, 45), o(AN, 1, 30), o(AN, 1, 22), o(DT, 8, 8)]),
    sp("ACK", 29, 7, &[mc(2, 2, ACK_CODES), o(R, 1, 15), o(ID, 2, 2), o(ID, 3, 3), o(DT, 8, 8), o(AN, 1, 45)]),
    s("BSN", 7, &[m(ID, 2, 2), m(AN, 2, 30), m(DT, 8, 8), m(TM, 4, 8), o(ID, 4, 4)]),
    s("HL", 4, &[m(AN, 1, 12), o(AN, 1, 12), m(ID, 1, 2), o(ID, 1, 1)]),
    sp("LIN", 31, 2, &[o(AN, 1, 20)]),
    s("SN1", 8, &[o(AN, 1, 20), m(R, 1, 15), m(ID, 2, 2), o(R, 1, 15)]),
    s("PRF", 7, &[m(AN, 1, 22), o(AN, 1, 30), o(AN, 1, 30), o(DT, 8, 8)]),
    s("MAN", 6, &[m(ID, 1, 2), m(AN, 1, 48), o(AN, 1, 48)]),
    s("BIG", 10, &[m(DT, 8, 8), m(AN, 1, 22), o(DT, 8, 8), o(AN, 1, 22)]),
    s("ITD", 15, &[o(ID, 2, 2), o(ID, 1, 2), o(R, 1, 6), o(DT, 8, 8), o(N0, 1, 3), o(DT, 8, 8), o(N0, 1, 3), o(N2, 1, 10)]),
    sp("IT1", 25, 6, &[o(AN, 1, 20), o(R, 1, 10), o(ID, 2, 2), o(R, 1, 17), o(ID, 2, 2)]),
    s("TXI", 10, &[m(ID, 2, 2), o(R, 1, 18), o(R, 1, 10)]),
    s("TDS", 4, &[m(N2, 1, 15), o(N2, 1, 15), o(N2, 1, 15), o(N2, 1, 15)]),
    s("CAD", 8, &[]),
    s("SAC", 16, &[mc(1, 1, &["A", "C", "N"]), o(ID, 4, 4), o(ID, 2, 2), o(AN, 1, 10), o(N2, 1, 15), o(ID, 1, 1), o(R, 1, 6), o(R, 1, 9), o(ID, 2, 2), o(R, 1, 15), o(R, 1, 15), o(ID, 2, 2), o(AN, 1, 30), o(ID, 2, 3), o(AN, 1, 80), o(ID, 2, 3)]),
    s("BCT", 10, &[m(ID, 2, 2), o(AN, 1, 15), o(AN, 1, 15), o(AN, 1, 15)]),
    s("CTP", 11, &[o(ID, 2, 2), o(ID, 3, 3), o(R, 1, 17), o(R, 1, 15), comp(o(ID, 2, 2)), o(ID, 3, 3), o(R, 1, 10)]),
    s("AK1", 3, &[m(ID, 2, 2), m(N0, 1, 9), o(AN, 1, 12)]),
    s("AK2", 3, &[m(ID, 3, 3), m(AN, 4, 9), o(AN, 1, 35)]),
    s("AK3", 4, &[m(ID, 2, 3), m(N0, 1, 10), o(AN, 1, 4), o(ID, 1, 3)]),
    s("AK4", 4, &[comp(m(N0, 1, 4)), o(N0, 1, 4), m(ID, 1, 3), o(AN, 1, 99)]),
    s("AK5", 6, &[mc(1, 1, ACK_SET_CODES), o(ID, 1, 3), o(ID, 1, 3), o(ID, 1, 3), o(ID, 1, 3), o(ID, 1, 3)]),
    s("AK9", 9, &[mc(1, 1, ACK_GROUP_CODES), m(N0, 1, 6), m(N0, 1, 6), m(N0, 1, 6), o(ID, 1, 3)]),
    s("IK3", 4, &[m(ID, 2, 3), m(N0, 1, 10), o(AN, 1, 4), m(ID, 1, 3)]),
    s("IK4", 4, &[comp(m(N0, 1, 4)), o(N0, 1, 4), m(ID, 1, 3), o(AN, 1, 99)]),
    s("IK5", 6, &[mc(1, 1, ACK_SET_CODES), o(ID, 1, 3), o(ID, 1, 3), o(ID, 1, 3), o(ID, 1, 3), o(ID, 1, 3)]),
    s("CTX", 6, &[comp(m(AN, 1, 35)), o(ID, 2, 3), o(N0, 1, 10), o(AN, 1, 4)]),
    s("TA1", 5, &[m(N0, 9, 9), m(DT, 6, 6), m(TM, 4, 4), mc(1, 1, &["A", "E", "R"]), m(ID, 3, 3)]),
];

/// Where 4010 differs: no ST03, AK103, AK203; REF02 at most 30.
#[rustfmt::skip]
const SEGS_4010: &[SegDef] = &[
    s("ST", 2, &[m(ID, 3, 3), m(AN, 4, 9)]),
    s("AK1", 2, &[m(ID, 2, 2), m(N0, 1, 9)]),
    s("AK2", 2, &[m(ID, 3, 3), m(AN, 4, 9)]),
    s("REF", 4, &[m(ID, 2, 3), o(AN, 1, 30), o(AN, 1, 80), comp(o(ID, 2, 3))]),
];

/// A segment id (2 or 3 bytes) as one number.
fn key(id: &[u8]) -> Option<u32> {
    (2..=3)
        .contains(&id.len())
        .then(|| id.iter().fold(0, |k, b| k << 8 | u32::from(*b)))
}

type Dictionary = hashbrown::HashMap<u32, &'static SegDef>;

/// The dictionary of each version, built once.
fn dictionaries() -> &'static [Dictionary; 2] {
    static D: std::sync::OnceLock<[Dictionary; 2]> = std::sync::OnceLock::new();
    D.get_or_init(|| {
        let build = |tables: &[&'static [SegDef]]| {
            let mut d = Dictionary::new();
            for t in tables.iter().rev() {
                for def in t.iter() {
                    d.insert(key(def.id.as_bytes()).unwrap_or_default(), def);
                }
            }
            d
        };
        [build(&[SEGS_4010, SEGS]), build(&[SEGS])]
    })
}

/// The definition of a segment in a version.
pub fn segment(id: &[u8], v: Version) -> Option<&'static SegDef> {
    let d = &dictionaries()[usize::from(v == Version::V5010)];
    d.get(&key(id)?).copied()
}

/// A segment or a loop of a set; a loop starts with its trigger segment.
#[derive(Debug)]
pub enum Node {
    S(&'static str, bool, u32),
    L(&'static str, bool, u32, &'static [Node]),
}

impl Node {
    /// The segment that starts it.
    pub fn trigger(&self) -> &'static str {
        match self {
            Node::S(id, ..) => id,
            Node::L(_, _, _, ch) => ch[0].trigger(),
        }
    }
    pub fn mandatory(&self) -> bool {
        match self {
            Node::S(_, r, _) | Node::L(_, r, _, _) => *r,
        }
    }
}

use Node::{L, S};
const MANY: u32 = 999_999;

#[rustfmt::skip]
const N1_LOOP: Node = L("N1", false, 200, &[S("N1", true, 1), S("N2", false, 2), S("N3", false, 2), S("N4", false, 1), S("REF", false, 12), S("PER", false, 3)]);
#[rustfmt::skip]
const SAC_LOOP: Node = L("SAC", false, 25, &[S("SAC", true, 1), S("TXI", false, 10)]);

#[rustfmt::skip]
const SET_850: &[Node] = &[
    S("ST", true, 1), S("BEG", true, 1), S("CUR", false, 1), S("REF", false, 12), S("PER", false, 3),
    S("DTM", false, 10), N1_LOOP,
    L("PO1", true, 100_000, &[S("PO1", true, 1), S("CUR", false, 1), S("PID", false, 1000), S("PO4", false, 1),
        S("REF", false, 12), S("DTM", false, 10), SAC_LOOP]),
    L("CTT", false, 1, &[S("CTT", true, 1), S("AMT", false, 1)]),
    S("SE", true, 1),
];

#[rustfmt::skip]
const SET_855: &[Node] = &[
    S("ST", true, 1), S("BAK", true, 1), S("CUR", false, 1), S("REF", false, 12), S("DTM", false, 10), N1_LOOP,
    L("PO1", false, 100_000, &[S("PO1", true, 1), S("PID", false, 1000), S("REF", false, 12), S("DTM", false, 10),
        L("ACK", false, 104, &[S("ACK", true, 1), S("DTM", false, 10)])]),
    L("CTT", false, 1, &[S("CTT", true, 1), S("AMT", false, 1)]),
    S("SE", true, 1),
];

#[rustfmt::skip]
const SET_856: &[Node] = &[
    S("ST", true, 1), S("BSN", true, 1), S("DTM", false, 10),
    L("HL", true, 200_000, &[S("HL", true, 1), S("LIN", false, 1), S("SN1", false, 1), S("PRF", false, 1),
        S("PO4", false, 1), S("PID", false, 200), S("MEA", false, 40), S("PKG", false, 25), S("TD1", false, 20),
        S("TD5", false, 10), S("TD3", false, 12), S("TD4", false, 5), S("REF", false, 200), S("PER", false, 3),
        S("MAN", false, 10), S("DTM", false, 10), S("FOB", false, 1), N1_LOOP]),
    S("CTT", false, 1),
    S("SE", true, 1),
];

#[rustfmt::skip]
const SET_810: &[Node] = &[
    S("ST", true, 1), S("BIG", true, 1), S("NTE", false, 100), S("CUR", false, 1), S("REF", false, 12),
    S("PER", false, 3), N1_LOOP, S("ITD", false, MANY), S("DTM", false, 10), S("FOB", false, 1),
    L("IT1", true, 200_000, &[S("IT1", true, 1), S("CUR", false, 1), S("TXI", false, 10), S("PID", false, 1000),
        S("PO4", false, 1), S("ITD", false, 2), S("REF", false, MANY), S("DTM", false, 10), SAC_LOOP]),
    S("TDS", true, 1), S("TXI", false, 10), S("CAD", false, 1), S("AMT", false, MANY), SAC_LOOP, S("CTT", false, 1),
    S("SE", true, 1),
];

#[rustfmt::skip]
const SET_832: &[Node] = &[
    S("ST", true, 1), S("BCT", true, 1), S("CUR", false, 1), S("REF", false, 12), S("PER", false, 5),
    S("DTM", false, 10), N1_LOOP,
    L("LIN", false, 100_000, &[S("LIN", true, 1), S("PID", false, 200), S("MEA", false, 40), S("PKG", false, 25),
        S("REF", false, 12), S("DTM", false, 10),
        L("CTP", false, 25, &[S("CTP", true, 1), S("CUR", false, 1), S("DTM", false, 10)])]),
    S("CTT", false, 1),
    S("SE", true, 1),
];

#[rustfmt::skip]
const SET_997: &[Node] = &[
    S("ST", true, 1), S("AK1", true, 1),
    L("AK2", false, MANY, &[S("AK2", true, 1), L("AK3", false, MANY, &[S("AK3", true, 1), S("AK4", false, 99)]),
        S("AK5", true, 1)]),
    S("AK9", true, 1), S("SE", true, 1),
];

#[rustfmt::skip]
const SET_999: &[Node] = &[
    S("ST", true, 1), S("AK1", true, 1),
    L("AK2", false, MANY, &[S("AK2", true, 1),
        L("IK3", false, MANY, &[S("IK3", true, 1), S("CTX", false, 10),
            L("IK4", false, 99, &[S("IK4", true, 1), S("CTX", false, 10)])]),
        S("IK5", true, 1)]),
    S("AK9", true, 1), S("SE", true, 1),
];

/// The schema of a set in a version (999 is 5010 only).
pub fn set(set_id: &str, v: Version) -> Option<&'static [Node]> {
    Some(match (set_id, v) {
        ("850", _) => SET_850,
        ("855", _) => SET_855,
        ("856", _) => SET_856,
        ("810", _) => SET_810,
        ("832", _) => SET_832,
        ("997", _) => SET_997,
        ("999", Version::V5010) => SET_999,
        _ => return None,
    })
}

/// Whether `id` appears anywhere in the set's schema.
pub fn knows(nodes: &[Node], id: &[u8]) -> bool {
    nodes.iter().any(|n| match n {
        Node::S(s, ..) => s.as_bytes() == id,
        Node::L(_, _, _, ch) => knows(ch, id),
    })
}
