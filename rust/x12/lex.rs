//! Lexing: the delimiters of each interchange from its ISA, then the
//! segments as byte ranges into the input (nothing is copied).
//!
//! The element separator is the ISA's 4th byte; the ISA has 16 elements, the
//! component separator is ISA16 and the segment terminator is the byte after
//! it. ISA11 is the repetition separator when it is not a letter or digit
//! (5010; 4010 sends "U" there). CR and LF after a terminator are skipped.

use super::Error;

/// The four delimiters of one interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delims {
    pub element: u8,
    pub repetition: Option<u8>,
    pub component: u8,
    pub segment: u8,
}

impl Delims {
    pub fn is_delim(&self, b: u8) -> bool {
        b == self.element || b == self.component || b == self.segment || Some(b) == self.repetition
    }
}

/// One segment: `data[start..end]` without its terminator (offsets as `u32`:
/// a file is at most 4 GiB, half the memory per segment of `usize`).
#[derive(Debug, Clone, Copy)]
pub struct Seg {
    pub start: u32,
    pub end: u32,
}

impl Seg {
    fn new(start: usize, end: usize) -> Seg {
        Seg {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A segment's bytes with the delimiters to split them.
#[derive(Clone, Copy)]
pub struct SegRef<'a> {
    pub bytes: &'a [u8],
    pub d: Delims,
}

impl<'a> SegRef<'a> {
    pub fn id(&self) -> &'a [u8] {
        self.bytes
            .split(|b| *b == self.d.element)
            .next()
            .unwrap_or_default()
    }
    /// Element `i` (1-based); empty when absent.
    pub fn el(&self, i: usize) -> &'a [u8] {
        self.bytes
            .split(|b| *b == self.d.element)
            .nth(i)
            .unwrap_or_default()
    }
    /// Element `i` as text (lossy for bytes that are not UTF-8), trimmed.
    pub fn text(&self, i: usize) -> String {
        String::from_utf8_lossy(self.el(i)).trim().to_string()
    }
    /// Component `j` (1-based) of element `i`.
    pub fn comp(&self, i: usize, j: usize) -> &'a [u8] {
        self.el(i)
            .split(|b| *b == self.d.component)
            .nth(j - 1)
            .unwrap_or_default()
    }
    /// The elements after the id.
    pub fn elements(&self) -> impl Iterator<Item = &'a [u8]> {
        let e = self.d.element;
        self.bytes.split(move |b| *b == e).skip(1)
    }
    pub fn is(&self, id: &str) -> bool {
        self.id() == id.as_bytes()
    }
}

/// The segments of one interchange, ISA first.
pub struct RawInterchange {
    pub d: Delims,
    /// file position (1-based) of the ISA
    pub first: usize,
    pub segs: Vec<Seg>,
    /// the file ended inside the interchange (no terminator after the last segment)
    pub truncated: bool,
}

pub struct Lexed {
    pub interchanges: Vec<RawInterchange>,
    pub errors: Vec<Error>,
    pub segments: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0)
}

/// The delimiters of the ISA at `at`, and where its segment ends (the
/// terminator's index). `Err` says why no interchange can be read there.
pub fn isa_delims(data: &[u8], at: usize) -> Result<(Delims, usize), (&'static str, String)> {
    let Some(&element) = data.get(at + 3) else {
        return Err(("023", "the file ends inside the ISA segment".into()));
    };
    if element.is_ascii_alphanumeric() || is_space(element) && element != b'\t' {
        return Err((
            "026",
            format!("{:?} cannot be the element separator", element as char),
        ));
    }
    let mut seps = 0;
    let mut i = at + 3;
    let mut isa11 = (0, 0);
    while i < data.len() && seps < 16 {
        if data[i] == element {
            seps += 1;
            if seps == 11 {
                isa11.0 = i + 1;
            } else if seps == 12 {
                isa11.1 = i;
            }
        }
        i += 1;
    }
    // i is just past the 16th separator: ISA16, then the terminator
    if seps < 16 || i + 1 >= data.len() {
        return Err(("023", "the file ends inside the ISA segment".into()));
    }
    let component = data[i];
    let segment = data[i + 1];
    let repetition = match &data[isa11.0..isa11.1] {
        [r] if !r.is_ascii_alphanumeric() && !is_space(*r) => Some(*r),
        _ => None,
    };
    let d = Delims {
        element,
        repetition,
        component,
        segment,
    };
    Ok((d, i + 1))
}

/// Split the file into interchanges and segments.
pub fn lex(data: &[u8]) -> Lexed {
    let mut out = Lexed {
        interchanges: Vec::new(),
        errors: Vec::new(),
        segments: 0,
    };
    if data.len() > u32::MAX as usize {
        let msg = "the file is larger than 4 GiB: split it into several";
        out.errors.push(Error::new(1, "", 0, "024", msg));
        return out;
    }
    let mut i = 0;
    while i < data.len() {
        while i < data.len() && is_space(data[i]) {
            i += 1;
        }
        if i >= data.len() {
            break;
        }
        if !data[i..].starts_with(b"ISA") {
            let next = find(data, i + 1, b"ISA").unwrap_or(data.len());
            let what = if out.interchanges.is_empty() {
                "no ISA segment: the data does not start an interchange"
            } else {
                "data between interchanges"
            };
            out.errors.push(Error::new(
                out.segments + 1,
                "",
                0,
                "024",
                format!("{what} ({} bytes skipped)", next - i),
            ));
            i = next;
            continue;
        }
        let (d, isa_end) = match isa_delims(data, i) {
            Ok(x) => x,
            Err((code, msg)) => {
                out.errors
                    .push(Error::new(out.segments + 1, "ISA", 0, code, msg));
                i = find(data, i + 3, b"ISA").unwrap_or(data.len());
                continue;
            }
        };
        out.segments += 1;
        // about one segment per 32 bytes: reserve for the first interchange of a large file
        let capacity = if out.interchanges.is_empty() {
            (data.len() - i) / 32 + 16
        } else {
            64
        };
        let mut segs = Vec::with_capacity(capacity);
        segs.push(Seg::new(i, isa_end));
        let mut ic = RawInterchange {
            d,
            first: out.segments,
            segs,
            truncated: false,
        };
        i = isa_end + 1;
        loop {
            i = skip_breaks(data, i, d.segment);
            if i >= data.len() {
                break;
            }
            if data[i..].starts_with(b"ISA") && data.get(i + 3) == Some(&d.element) {
                break; // the next interchange: this one has no IEA
            }
            let (end, next) = match memchr::memchr(d.segment, &data[i..]) {
                Some(p) => (i + p, i + p + 1),
                None => {
                    ic.truncated = true;
                    (data.len(), data.len())
                }
            };
            let start = i;
            let mut e = end;
            if d.segment == b'\n' && e > i && data[e - 1] == b'\r' {
                e -= 1;
            }
            out.segments += 1;
            ic.segs.push(Seg::new(start, e));
            i = next;
            if (SegRef {
                bytes: &data[start..e],
                d,
            })
            .is("IEA")
            {
                break;
            }
        }
        out.interchanges.push(ic);
    }
    out
}

fn skip_breaks(data: &[u8], mut i: usize, terminator: u8) -> usize {
    while i < data.len() && (data[i] == b'\r' || data[i] == b'\n') && data[i] != terminator {
        i += 1;
    }
    i
}

fn find(data: &[u8], from: usize, what: &[u8]) -> Option<usize> {
    memchr::memmem::find(data.get(from..)?, what).map(|p| p + from)
}
