//! A transaction set against its schema: segments and loops in order, their
//! use counts, every element's type, length and code, product ids (GTIN
//! check digits, HIBC check characters) and, for the 856, the HL tree.
//!
//! Unknown segments are kept, reported and do not reject the set (it is
//! accepted with errors, "E"); every other error rejects it ("R").

use hashbrown::HashMap;
use serde_json::Value;

use super::envelope::{date_parts, valid_time, Span};
use super::lex::{Delims, RawInterchange, SegRef};
use super::schema::{self, Node, SegDef, E, T};
use super::{map_in, Options, SegmentError, Set, UnknownSegment, Version};
use crate::reconcile::barcode::{gs1_check_digit, hibc_check};

/// What validating (and mapping) one set found.
#[derive(Debug, Default)]
pub struct Checked {
    /// AK502 codes
    pub codes: Vec<String>,
    pub errors: Vec<SegmentError>,
    pub unknown: Vec<UnknownSegment>,
    pub doc_type: Option<&'static str>,
    pub documents: Vec<Value>,
    pub skipped: usize,
}

impl Checked {
    pub fn error(
        &mut self,
        pos: usize,
        id: &[u8],
        loop_id: &str,
        code: &str,
        msg: impl Into<String>,
    ) {
        self.errors.push(SegmentError {
            segment: pos,
            segment_id: String::from_utf8_lossy(id).into_owned(),
            loop_id: loop_id.to_string(),
            code: code.to_string(),
            message: msg.into(),
            ..SegmentError::default()
        });
    }

    /// An element error (AK304 "8" with an AK4).
    #[allow(clippy::too_many_arguments)]
    pub fn element(
        &mut self,
        pos: usize,
        id: &[u8],
        loop_id: &str,
        k: usize,
        comp: usize,
        code: &str,
        value: &[u8],
        msg: String,
    ) {
        let value: String = String::from_utf8_lossy(value).chars().take(99).collect();
        self.errors.push(SegmentError {
            segment: pos,
            segment_id: String::from_utf8_lossy(id).into_owned(),
            loop_id: loop_id.to_string(),
            code: "8".into(),
            element: k,
            component: comp,
            element_code: code.to_string(),
            value,
            message: msg,
        });
    }

    /// Whether the set is rejected: an envelope code or an error other than an unknown segment.
    pub fn fatal(&self) -> bool {
        !self.codes.is_empty() || self.errors.iter().any(|e| !is_unknown(e))
    }

    pub fn apply(self, set: &mut Set) {
        let fatal = self.fatal();
        let mut codes = self.codes;
        if !self.errors.is_empty() {
            codes.push("5".into());
        }
        set.ack_code = if fatal {
            "R"
        } else if self.errors.is_empty() {
            "A"
        } else {
            "E"
        }
        .into();
        set.ack_errors = codes;
        set.errors = self.errors;
        set.unknown_segments = self.unknown;
        set.doc_type = self.doc_type.map(str::to_string);
        set.documents = if fatal { Vec::new() } else { self.documents };
        set.skipped_lines = self.skipped;
    }
}

fn is_unknown(e: &SegmentError) -> bool {
    e.element == 0 && (e.code == "1" || e.code == "2")
}

/// Validate one set (and map it when `opts.map` and it is not rejected).
pub fn check_set(data: &[u8], raw: &RawInterchange, span: &Span, opts: &Options) -> Checked {
    let segs: Vec<SegRef> = raw.segs[span.first..span.end]
        .iter()
        .map(|s| SegRef {
            bytes: &data[s.range()],
            d: raw.d,
        })
        .collect();
    let mut c = Checked {
        codes: span.codes.clone(),
        ..Checked::default()
    };
    let set_id = segs[0].text(1);
    let (Some(v), Some(nodes)) = (
        span.version,
        span.version.and_then(|v| schema::set(&set_id, v)),
    ) else {
        if c.codes.is_empty() {
            c.codes.push("1".into());
        }
        return c;
    };
    if opts.map {
        c.doc_type = map_in::doc_type(&set_id);
    }
    walk(&segs, nodes, v, &mut c);
    if set_id == "856" {
        hl_tree(&segs, &mut c);
    }
    if opts.map && !c.fatal() {
        map_in::map(&set_id, &segs, opts, &mut c);
    }
    c
}

/// Most nodes a level of a set schema has (the 856 HL loop has 18).
pub const MAX_NODES: usize = 24;

struct Frame {
    nodes: &'static [Node],
    idx: usize,
    counts: [u32; MAX_NODES],
    loop_id: &'static str,
    in_loop: bool,
}

fn missing(f: &Frame, from: usize, to: usize, pos: usize, c: &mut Checked) {
    for k in from..to {
        let n = &f.nodes[k];
        if n.mandatory() && f.counts[k] == 0 && n.trigger() != "SE" {
            let lp = match n {
                Node::L(l, ..) => l,
                Node::S(..) => f.loop_id,
            };
            c.error(
                pos,
                n.trigger().as_bytes(),
                lp,
                "3",
                format!("mandatory segment {} is missing", n.trigger()),
            );
        }
    }
}

/// `a == b` for a segment id, without a call to `memcmp`.
#[inline]
fn same(a: &str, b: &[u8]) -> bool {
    a.len() == b.len() && a.bytes().zip(b).all(|(x, y)| x == *y)
}

/// Place each segment in the schema's loops, in order.
fn walk(segs: &[SegRef], nodes: &'static [Node], v: Version, c: &mut Checked) {
    let mut stack = vec![Frame {
        nodes,
        idx: 0,
        counts: [0; MAX_NODES],
        loop_id: "",
        in_loop: false,
    }];
    for (i, seg) in segs.iter().enumerate() {
        let pos = i + 1;
        let id = seg.id();
        let found = stack.iter().enumerate().rev().find_map(|(depth, f)| {
            let start = if f.in_loop { f.idx.max(1) } else { f.idx };
            (start..f.nodes.len())
                .find(|&j| same(f.nodes[j].trigger(), id))
                .map(|j| (depth, j))
        });
        let Some((depth, j)) = found else {
            let lp = stack.last().map_or("", |f| f.loop_id);
            let name = String::from_utf8_lossy(id);
            if schema::knows(nodes, id) {
                c.error(
                    pos,
                    id,
                    lp,
                    "7",
                    format!("segment {name} is not in its place"),
                );
            } else {
                let valid = (2..=3).contains(&id.len())
                    && id
                        .iter()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
                let code = if valid { "2" } else { "1" };
                c.error(
                    pos,
                    id,
                    lp,
                    code,
                    format!("segment {name} is not part of this transaction set"),
                );
                c.unknown.push(UnknownSegment {
                    segment: pos,
                    segment_id: name.into_owned(),
                });
            }
            continue;
        };
        while stack.len() > depth + 1 {
            if let Some(f) = stack.pop() {
                missing(&f, f.idx, f.nodes.len(), pos, c);
            }
        }
        let Some(f) = stack.last_mut() else { break };
        missing(f, f.idx, j, pos, c);
        f.idx = j;
        f.counts[j] += 1;
        let count = f.counts[j];
        let loop_id = f.loop_id;
        let mut here = loop_id;
        match &f.nodes[j] {
            Node::S(sid, _, max) if count > *max => {
                c.error(
                    pos,
                    id,
                    loop_id,
                    "5",
                    format!("{sid} appears more than {max} times"),
                );
            }
            Node::L(lid, _, repeat, children) => {
                if count > *repeat {
                    c.error(
                        pos,
                        id,
                        lid,
                        "4",
                        format!("loop {lid} repeats more than {repeat} times"),
                    );
                }
                let mut counts = [0; MAX_NODES];
                counts[0] = 1;
                stack.push(Frame {
                    nodes: children,
                    idx: 0,
                    counts,
                    loop_id: lid,
                    in_loop: true,
                });
                here = lid;
            }
            Node::S(..) => {}
        }
        if let Some(def) = schema::segment(id, v) {
            elements(seg, def, v, pos, here, c);
        }
    }
    let end = segs.len();
    while let Some(f) = stack.pop() {
        missing(&f, f.idx, f.nodes.len(), end, c);
    }
}

/// Why a value does not fit its element: (AK403 code, message). One pass
/// over the bytes says what they hold; text is only made for a message.
fn value_error(v: &[u8], e: &E, d: &Delims, ver: Version) -> Option<(&'static str, String)> {
    if v.is_empty() {
        return e
            .mandatory
            .then(|| ("1", "mandatory element is missing".into()));
    }
    let (rep, many) = if ver == Version::V5010 {
        ("12", "13")
    } else {
        ("6", "6")
    };
    let v = if e.composite {
        v.split(|b| *b == d.component).next().unwrap_or_default()
    } else {
        v
    };
    let numeric = matches!(e.t, T::N0 | T::N2 | T::R);
    let body = if numeric {
        v.strip_prefix(b"-").unwrap_or(v)
    } else {
        v
    };
    let (mut digits, mut points, mut other, mut ascii, mut has_rep, mut has_comp) =
        (0, 0, 0, true, false, false);
    for &b in body {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            0x20..=0x7e => {
                other += 1;
                has_rep |= Some(b) == d.repetition;
                has_comp |= b == d.component;
            }
            _ => ascii = false,
        }
    }
    let text = || String::from_utf8_lossy(v).into_owned();
    if has_rep {
        return Some((rep, "repeated, which this element is not".into()));
    }
    if has_comp {
        return Some((many, "has components, which this element has not".into()));
    }
    if !ascii {
        let Ok(s) = std::str::from_utf8(v) else {
            return Some(("6", "bytes that are not UTF-8".into()));
        };
        if s.chars().any(|ch| ch.is_control()) {
            return Some(("6", "a control character".into()));
        }
    }
    let len = match e.t {
        T::AN | T::ID if ascii => v.len(),
        T::AN | T::ID => String::from_utf8_lossy(v).chars().count(),
        T::N0 | T::N2 | T::R => {
            let most_points = usize::from(e.t == T::R);
            if !ascii || other > 0 || digits == 0 || points > most_points {
                return Some((
                    "6",
                    format!("{:?} is not a number of type {:?}", text(), e.t),
                ));
            }
            digits
        }
        T::DT => {
            if date_parts(v).is_none() || !(e.min as usize..=e.max as usize).contains(&v.len()) {
                return Some(("8", format!("{:?} is not a date", text())));
            }
            v.len()
        }
        T::TM => {
            if !valid_time(v) {
                return Some(("9", format!("{:?} is not a time", text())));
            }
            v.len()
        }
    };
    if len < e.min as usize {
        return Some(("4", format!("{:?} is shorter than {}", text(), e.min)));
    }
    if len > e.max as usize {
        return Some(("5", format!("{:?} is longer than {}", text(), e.max)));
    }
    if !e.codes.is_empty() && !e.codes.iter().any(|c| c.as_bytes() == v) {
        return Some((
            "7",
            format!("{:?} is not one of {}", text(), e.codes.join(", ")),
        ));
    }
    None
}

fn elements(seg: &SegRef, def: &SegDef, v: Version, pos: usize, lp: &str, c: &mut Checked) {
    let id = seg.id();
    let mut k = 0;
    for value in seg.elements() {
        k += 1;
        let Some(e) = def.element(k) else {
            let msg = format!("{} has at most {} elements", def.id, def.n);
            c.element(pos, id, lp, k, 0, "3", b"", msg);
            break;
        };
        if let Some((code, msg)) = value_error(value, &e, &seg.d, v) {
            let comp = usize::from(e.composite && !value.is_empty());
            c.element(
                pos,
                id,
                lp,
                k,
                comp,
                code,
                value,
                format!("{}{k:02}: {msg}", def.id),
            );
        }
    }
    for (i, e) in def.els.iter().enumerate().skip(k) {
        if e.mandatory {
            let msg = format!("{}{:02}: mandatory element is missing", def.id, i + 1);
            c.element(pos, id, lp, i + 1, 0, "1", b"", msg);
        }
    }
    if def.pairs > 0 {
        let mut rest = seg
            .elements()
            .skip(def.pairs - 1)
            .take(def.n + 1 - def.pairs);
        let mut q = def.pairs;
        while let Some(qualifier) = rest.next() {
            let pid = rest.next().unwrap_or_default();
            if let Err(msg) = product_id_ok(qualifier, pid) {
                c.element(
                    pos,
                    id,
                    lp,
                    q + 1,
                    0,
                    "7",
                    pid,
                    format!("{}{:02}: {msg}", def.id, q + 1),
                );
            }
            q += 2;
        }
    }
}

/// A product id checked by its qualifier: GTIN-14/13/12 (UK, EN, UP) digits
/// and GS1 check digit; HIBC (HI, with or without its leading "+") check character.
pub fn product_id_ok(qualifier: &[u8], id: &[u8]) -> Result<(), String> {
    if !matches!(qualifier, b"UK" | b"EN" | b"UP" | b"HI") {
        return Ok(());
    }
    let s = String::from_utf8_lossy(id);
    let n = match qualifier {
        b"UK" => 14,
        b"EN" => 13,
        b"UP" => 12,
        b"HI" => {
            let body = s.strip_prefix('+').unwrap_or(&s);
            let Some(check) = body.chars().last().filter(|_| body.len() >= 2) else {
                return Err(format!("HIBC {s:?} is too short"));
            };
            let data = &body[..body.len() - check.len_utf8()];
            return match hibc_check(&format!("+{data}")) {
                Some(x) if x == check.to_ascii_uppercase() => Ok(()),
                Some(x) => Err(format!("HIBC {s:?}: the check character should be {x:?}")),
                None => Err(format!("HIBC {s:?}: a character outside the HIBC set")),
            };
        }
        _ => return Ok(()),
    };
    let q = String::from_utf8_lossy(qualifier);
    if s.len() != n || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{q} {s:?} must be {n} digits"));
    }
    let (body, check) = s.split_at(n - 1);
    match gs1_check_digit(body) {
        Some(d) if check == d.to_string() => Ok(()),
        Some(d) => Err(format!("{q} {s}: the check digit should be {d}")),
        None => Err(format!("{q} {s:?} must be digits")),
    }
}

/// One HL of an 856: its segment index, parent (index into the list) and level.
#[derive(Debug, Clone)]
pub struct Hl<'a> {
    pub seg: usize,
    pub parent: Option<usize>,
    pub level: &'a [u8],
}

/// The 856 HL tree by HL01 / HL02 / HL03; an HL01 twice or an HL02 naming
/// no earlier HL is an error.
pub fn hl_tree<'a>(segs: &[SegRef<'a>], c: &mut Checked) -> Vec<Hl<'a>> {
    let mut out = Vec::with_capacity(segs.len() / 3);
    let mut ids: HashMap<&[u8], usize> = HashMap::with_capacity(segs.len() / 3);
    for (i, seg) in segs.iter().enumerate() {
        if !seg.is("HL") {
            continue;
        }
        let (id, parent) = (seg.el(1), seg.el(2));
        if ids.insert(id, out.len()).is_some() {
            let msg = format!("HL01 {:?} appears twice", String::from_utf8_lossy(id));
            c.element(i + 1, b"HL", "HL", 1, 0, "7", id, msg);
        }
        let p = if parent.is_empty() {
            None
        } else {
            let p = ids.get(parent).copied().filter(|p| *p != out.len());
            if p.is_none() {
                let msg = format!(
                    "HL02 {:?} names no earlier HL",
                    String::from_utf8_lossy(parent)
                );
                c.element(i + 1, b"HL", "HL", 2, 0, "7", parent, msg);
            }
            p
        };
        out.push(Hl {
            seg: i,
            parent: p,
            level: seg.el(3).trim_ascii(),
        });
    }
    out
}
