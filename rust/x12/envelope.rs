//! Envelopes: an interchange's ISA fields, its groups (GS..GE) and their
//! transaction sets (ST..SE); every count and control number checked.
//!
//! Codes: interchange errors carry the TA1 note code (TA105, "001".."031"),
//! group errors the AK905 code and set envelope errors the AK502 code.

use hashbrown::HashSet;

use super::lex::{RawInterchange, SegRef};
use super::{DelimsOut, Error, Group, Interchange, ReceivedTa1, Set, Ta1, Version};

/// A transaction set to validate: `segs[first..end]` of its interchange.
#[derive(Debug, Clone)]
pub struct Span {
    pub group: usize,
    pub set: usize,
    pub first: usize,
    pub end: usize,
    pub version: Option<Version>,
    /// AK502 codes found by the envelope ("1" not supported, "2" no SE...)
    pub codes: Vec<String>,
}

/// ISA element widths and the TA105 code of a bad value in each.
const ISA: [(usize, &str); 16] = [
    (2, "010"),
    (10, "011"),
    (2, "012"),
    (10, "013"),
    (2, "005"),
    (15, "006"),
    (2, "007"),
    (15, "008"),
    (6, "014"),
    (4, "015"),
    (1, "016"),
    (5, "017"),
    (9, "018"),
    (1, "019"),
    (1, "020"),
    (1, "027"),
];

/// TA105 codes that leave the interchange accepted with errors (TA104 "E").
const TA1_NOT_FATAL: &[&str] = &["021", "024", "025"];

/// The functional group (GS01) each set belongs to.
pub fn functional_id(set_id: &str) -> Option<&'static str> {
    Some(match set_id {
        "850" => "PO",
        "855" => "PR",
        "856" => "SH",
        "810" => "IN",
        "832" => "SC",
        "997" | "999" => "FA",
        _ => return None,
    })
}

fn digits(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYYMMDD` or `YYMMDD` (20YY) as `YYYY-MM-DD`, if it is a real date.
pub fn iso_date(v: &[u8]) -> Option<String> {
    let (y, m, d) = date_parts(v)?;
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Year, month and day of `YYYYMMDD` or `YYMMDD` (20YY), if it is a real date.
pub fn date_parts(v: &[u8]) -> Option<(i32, u32, u32)> {
    if !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |s: &[u8]| s.iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0'));
    let (y, rest) = match v.len() {
        8 => (n(&v[..4]) as i32, &v[4..]),
        6 => (2000 + n(&v[..2]) as i32, &v[2..]),
        _ => return None,
    };
    let (m, d) = (n(&rest[..2]), n(&rest[2..]));
    chrono::NaiveDate::from_ymd_opt(y, m, d)?;
    Some((y, m, d))
}

/// `HHMM[SS[d..]]` with a real hour, minute and second.
pub fn valid_time(v: &[u8]) -> bool {
    let n = |a: usize| (v[a] - b'0') as u32 * 10 + (v[a + 1] - b'0') as u32;
    (4..=8).contains(&v.len())
        && v.len() != 5
        && v.iter().all(u8::is_ascii_digit)
        && n(0) < 24
        && n(2) < 60
        && (v.len() < 6 || n(4) < 60)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

struct Reader<'a> {
    data: &'a [u8],
    raw: &'a RawInterchange,
    ic: Interchange,
    spans: Vec<Span>,
    group: Option<(usize, Option<Version>, HashSet<String>)>,
    set: Option<usize>,
    group_controls: HashSet<String>,
}

impl<'a> Reader<'a> {
    fn seg(&self, j: usize) -> SegRef<'a> {
        let s = self.raw.segs[j];
        SegRef {
            bytes: &self.data[s.range()],
            d: self.raw.d,
        }
    }
    fn pos(&self, j: usize) -> usize {
        self.raw.first + j
    }
    fn ic_error(&mut self, j: usize, id: &str, element: usize, code: &str, msg: String) {
        let pos = self.pos(j);
        self.ic.errors.push(Error::new(pos, id, element, code, msg));
    }

    fn isa(&mut self) {
        let isa = self.seg(0);
        let els: Vec<&[u8]> = isa.elements().collect();
        let el = |i: usize| els.get(i - 1).copied().unwrap_or_default();
        for (k, (width, code)) in ISA.iter().enumerate() {
            let v = el(k + 1);
            if v.len() != *width {
                let msg = format!(
                    "ISA{:02} must be {width} characters, not {}",
                    k + 1,
                    v.len()
                );
                self.ic_error(0, "ISA", k + 1, code, msg);
            }
        }
        if els.len() > 16 {
            self.ic_error(
                0,
                "ISA",
                17,
                "022",
                "the ISA has more than 16 elements".into(),
            );
        }
        let t = |i: usize| text(el(i)).trim().to_string();
        let d = self.raw.d;
        self.ic.sender_qualifier = t(5);
        self.ic.sender_id = t(6);
        self.ic.receiver_qualifier = t(7);
        self.ic.receiver_id = t(8);
        self.ic.date = iso_date(el(9)).unwrap_or_default();
        self.ic.time = t(10);
        self.ic.control = t(13);
        self.ic.version = t(12);
        self.ic.ack_requested = el(14) == b"1";
        self.ic.usage = t(15);
        let ch = |b: u8| text(&[b]);
        self.ic.delimiters = DelimsOut {
            element: ch(d.element),
            repetition: d.repetition.map(ch).unwrap_or_default(),
            component: ch(d.component),
            segment: ch(d.segment),
        };
        let checks: [(bool, usize, &str, &str); 9] = [
            (
                matches!(el(1), b"00" | b"03"),
                1,
                "010",
                "ISA01 must be 00 or 03",
            ),
            (
                matches!(el(3), b"00" | b"01"),
                3,
                "012",
                "ISA03 must be 00 or 01",
            ),
            (
                !self.ic.sender_id.is_empty(),
                6,
                "006",
                "ISA06 (sender id) is blank",
            ),
            (
                !self.ic.receiver_id.is_empty(),
                8,
                "008",
                "ISA08 (receiver id) is blank",
            ),
            (
                !self.ic.date.is_empty(),
                9,
                "014",
                "ISA09 is not a date YYMMDD",
            ),
            (
                valid_time(el(10)) && el(10).len() == 4,
                10,
                "015",
                "ISA10 is not a time HHMM",
            ),
            (
                digits(&self.ic.version),
                12,
                "017",
                "ISA12 is not a version number",
            ),
            (
                matches!(el(14), b"0" | b"1"),
                14,
                "019",
                "ISA14 must be 0 or 1",
            ),
            (
                matches!(el(15), b"P" | b"T" | b"I"),
                15,
                "020",
                "ISA15 must be P, T or I",
            ),
        ];
        for (ok, k, code, msg) in checks {
            if !ok && !self.ic.errors.iter().any(|e| e.element == k) {
                self.ic_error(0, "ISA", k, code, msg.into());
            }
        }
        if !digits(&self.ic.control) && !self.ic.errors.iter().any(|e| e.element == 13) {
            self.ic_error(0, "ISA", 13, "018", "ISA13 must be 9 digits".into());
        }
        let distinct = [d.element, d.component, d.segment];
        if d.component.is_ascii_alphanumeric() || distinct[1] == distinct[0] {
            self.ic_error(0, "ISA", 16, "027", "invalid component separator".into());
        }
        if d.segment.is_ascii_alphanumeric() || d.segment == d.element || d.segment == d.component {
            self.ic_error(0, "ISA", 16, "004", "invalid segment terminator".into());
        }
    }

    fn open_group(&mut self, j: usize) {
        let gs = self.seg(j);
        let version = gs.text(8);
        let ver = Version::of_gs08(&version);
        let mut g = Group {
            segment: self.pos(j),
            functional_id: gs.text(1),
            sender: gs.text(2),
            receiver: gs.text(3),
            date: iso_date(gs.el(4)).unwrap_or_default(),
            control: gs.text(6),
            version,
            ..Group::default()
        };
        let mut bad = |code: &str, element: usize, msg: String| {
            g.errors
                .push(Error::new(g.segment, "GS", element, code, msg));
            g.ack_errors.push(code.to_string());
        };
        if !matches!(
            g.functional_id.as_str(),
            "PO" | "PR" | "SH" | "IN" | "SC" | "FA"
        ) {
            bad(
                "1",
                1,
                format!("functional group {:?} is not supported", g.functional_id),
            );
        }
        if ver.is_none() {
            bad(
                "2",
                8,
                format!(
                    "version {:?} is not supported (004010 or 005010)",
                    g.version
                ),
            );
        }
        if !digits(&g.control) || g.control.len() > 9 {
            bad(
                "6",
                6,
                format!("group control number {:?} is not 1 to 9 digits", g.control),
            );
        } else if !self.group_controls.insert(g.control.clone()) {
            bad(
                "19",
                6,
                format!("group control number {} appears twice", g.control),
            );
        }
        self.ic.groups.push(g);
        self.group = Some((self.ic.groups.len() - 1, ver, HashSet::new()));
    }

    fn open_set(&mut self, j: usize) {
        let st = self.seg(j);
        let segment = self.pos(j);
        let Some((gi, ver, controls)) = &mut self.group else {
            return;
        };
        let g = &mut self.ic.groups[*gi];
        let set = Set {
            segment,
            set_id: st.text(1),
            control: st.text(2),
            implementation: st.text(3),
            ..Set::default()
        };
        let mut codes = Vec::new();
        if functional_id(&set.set_id) != Some(g.functional_id.as_str()) || ver.is_none() {
            codes.push("1".to_string());
        }
        if !digits(&set.control) || !(4..=9).contains(&set.control.len()) {
            codes.push("7".to_string());
        } else if !controls.insert(set.control.clone()) {
            codes.push("23".to_string());
        }
        g.sets.push(set);
        self.spans.push(Span {
            group: *gi,
            set: g.sets.len() - 1,
            first: j,
            end: j + 1,
            version: *ver,
            codes,
        });
        self.set = Some(self.spans.len() - 1);
    }

    /// Close the open set at `j` (its SE) or, with `None`, without an SE.
    fn close_set(&mut self, se: Option<usize>, last: usize) {
        let Some(k) = self.set.take() else { return };
        let span = &mut self.spans[k];
        span.end = last + 1;
        let count = span.end - span.first;
        let set = &mut self.ic.groups[span.group].sets[span.set];
        set.segment_count = count;
        match se {
            None => span.codes.push("2".into()),
            Some(j) => {
                let s = self.raw.segs[j];
                let se = SegRef {
                    bytes: &self.data[s.range()],
                    d: self.raw.d,
                };
                if se.text(1) != count.to_string() {
                    span.codes.push("4".into());
                }
                if se.text(2) != set.control {
                    span.codes.push("3".into());
                }
            }
        }
    }

    fn close_group(&mut self, ge: Option<usize>) {
        let Some((gi, _, _)) = self.group.take() else {
            return;
        };
        let g = &mut self.ic.groups[gi];
        let mut bad = |code: &str, msg: String, pos: usize| {
            g.errors.push(Error::new(pos, "GE", 0, code, msg));
            g.ack_errors.push(code.to_string());
        };
        match ge {
            None => bad("3", "the group has no GE trailer".into(), g.segment),
            Some(j) => {
                let pos = self.raw.first + j;
                let s = self.raw.segs[j];
                let ge = SegRef {
                    bytes: &self.data[s.range()],
                    d: self.raw.d,
                };
                if ge.text(2) != g.control {
                    bad(
                        "4",
                        format!("GE02 {:?} is not GS06 {:?}", ge.text(2), g.control),
                        pos,
                    );
                }
                if ge.text(1) != g.sets.len().to_string() {
                    let msg = format!(
                        "GE01 says {} sets, the group has {}",
                        ge.text(1),
                        g.sets.len()
                    );
                    bad("5", msg, pos);
                }
            }
        }
    }
}

/// Read one interchange's envelopes; the sets come back as spans to validate.
pub fn read(data: &[u8], raw: &RawInterchange) -> (Interchange, Vec<Span>) {
    let mut r = Reader {
        data,
        raw,
        ic: Interchange {
            segment: raw.first,
            ..Interchange::default()
        },
        spans: Vec::new(),
        group: None,
        set: None,
        group_controls: HashSet::new(),
    };
    r.isa();
    let mut iea = None;
    for j in 1..raw.segs.len() {
        let seg = r.seg(j);
        match seg.id() {
            b"GS" => {
                if r.set.is_some() {
                    r.close_set(None, j - 1);
                }
                if r.group.is_some() {
                    r.close_group(None);
                }
                r.open_group(j);
            }
            b"ST" if r.group.is_some() => {
                if r.set.is_some() {
                    r.close_set(None, j - 1);
                }
                r.open_set(j);
            }
            b"SE" if r.set.is_some() => r.close_set(Some(j), j),
            b"GE" if r.group.is_some() => {
                if r.set.is_some() {
                    r.close_set(None, j - 1);
                }
                r.close_group(Some(j));
            }
            b"IEA" => {
                if r.set.is_some() {
                    r.close_set(None, j - 1);
                }
                if r.group.is_some() {
                    r.close_group(None);
                }
                iea = Some(j);
            }
            b"TA1" if r.group.is_none() => {
                let t = |i| seg.text(i);
                r.ic.received_ta1.push(ReceivedTa1 {
                    segment: r.pos(j),
                    control: t(1),
                    date: iso_date(seg.el(2)).unwrap_or_default(),
                    time: t(3),
                    code: t(4),
                    note: t(5),
                });
            }
            _ if r.set.is_some() => {}
            id => {
                let id = text(id);
                let msg = format!("segment {id} outside a transaction set");
                if let Some((gi, _, _)) = r.group {
                    let pos = r.pos(j);
                    r.ic.groups[gi]
                        .errors
                        .push(Error::new(pos, &id, 0, "", msg));
                } else {
                    r.ic_error(j, &id, 0, "024", msg);
                }
            }
        }
    }
    let last = raw.segs.len() - 1;
    if r.set.is_some() {
        r.close_set(None, last);
    }
    if r.group.is_some() {
        r.close_group(None);
    }
    match iea {
        None => {
            let why = if raw.truncated {
                "the file ends inside the interchange"
            } else {
                "no IEA trailer"
            };
            r.ic_error(last, "IEA", 0, "023", why.into());
        }
        Some(j) => {
            let iea = r.seg(j);
            if iea.text(2) != r.ic.control {
                let msg = format!("IEA02 {:?} is not ISA13 {:?}", iea.text(2), r.ic.control);
                r.ic_error(j, "IEA", 2, "001", msg);
            }
            if iea.text(1) != r.ic.groups.len().to_string() {
                let msg = format!(
                    "IEA01 says {} groups, the interchange has {}",
                    iea.text(1),
                    r.ic.groups.len()
                );
                r.ic_error(j, "IEA", 1, "021", msg);
            }
        }
    }
    (r.ic, r.spans)
}

/// The group codes (AK9) from their sets, and the TA1 from the envelope errors.
pub fn settle(ic: &mut Interchange) {
    for g in &mut ic.groups {
        g.ack_code = group_code(g).to_string();
    }
    let fatal = ic
        .errors
        .iter()
        .find(|e| !TA1_NOT_FATAL.contains(&e.code.as_str()));
    ic.ta1 = Ta1 {
        code: match (fatal, ic.errors.is_empty()) {
            (Some(_), _) => "R",
            (None, false) => "E",
            (None, true) => "A",
        }
        .into(),
        note: fatal
            .or(ic.errors.first())
            .map_or("000".into(), |e| e.code.clone()),
    };
}

/// AK901 from the group's own errors and its sets' AK501 codes.
pub fn group_code(g: &Group) -> &'static str {
    let n = g.sets.len();
    let rejected = g.sets.iter().filter(|s| s.ack_code == "R").count();
    if !g.ack_errors.is_empty() || (n > 0 && rejected == n) {
        "R"
    } else if rejected > 0 {
        "P"
    } else if !g.errors.is_empty() || g.sets.iter().any(|s| s.ack_code == "E") {
        "E"
    } else {
        "A"
    }
}
