//! Documents of the integration hub: parse a JSON body, check it against its
//! versioned schema, normalise it and hash it canonically.
//!
//! Every problem names the field (`lines[2].qty`) and the rule it broke
//! (`min`, `decimals`, `conditional`...), so that the sender can fix it
//! without reading our code. Up to [`MAX_PROBLEMS`] are reported per body.
//!
//! The normalised document is canonical JSON: the schema's fields only, keys
//! sorted, strings trimmed, decimals as strings in their shortest exact form
//! (`"12.5"` for `12.50`), dates as given, date-times in UTC seconds. Two
//! bodies that mean the same thing (key order, spacing, `10` vs `"10.00"`)
//! have the same canonical form and so the same SHA-256: that is what the
//! idempotency check compares.

mod rules;
pub mod schema;
#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use schema::{Field, Kind, Sign};

pub const MAX_PROBLEMS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `po`, `lines[3].qty`; `$` for the document itself
    pub path: String,
    /// a stable rule code: json, type, required, unknown_field, length,
    /// chars, min, max, range, decimals, number, date, datetime, enum,
    /// format, check_digit, duplicate, conditional, expired, total_mismatch
    pub rule: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valid {
    pub canonical: String,
    pub hash: String,
}

pub type Outcome = std::result::Result<Valid, Vec<Problem>>;

/// Collects problems, keeping the first [`MAX_PROBLEMS`].
#[derive(Default)]
pub(crate) struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn add(&mut self, path: &str, rule: &'static str, message: impl Into<String>) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(Problem {
                path: path.to_string(),
                rule,
                message: message.into(),
            });
        }
    }
}

/// Validate one body. `None` when the document type or version is unknown.
pub fn validate(doc_type: &str, version: u32, body: &[u8]) -> Option<Outcome> {
    let fields = schema::schema(doc_type, version)?;
    Some(validate_with(doc_type, fields, body))
}

fn validate_with(doc_type: &str, fields: &[Field], body: &[u8]) -> Outcome {
    let mut p = Problems::default();
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            p.add("$", "json", format!("not valid JSON: {e}"));
            return Err(p.0);
        }
    };
    let Value::Object(obj) = value else {
        p.add("$", "type", "the document must be a JSON object");
        return Err(p.0);
    };
    let doc = object(&obj, fields, "", &mut p);
    if p.0.is_empty() {
        rules::check(doc_type, &doc, &mut p);
    }
    if !p.0.is_empty() {
        return Err(p.0);
    }
    let canonical = Value::Object(doc).to_string();
    let hash = hex(&Sha256::digest(canonical.as_bytes()));
    Ok(Valid { canonical, hash })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn object(
    obj: &Map<String, Value>,
    fields: &[Field],
    prefix: &str,
    p: &mut Problems,
) -> Map<String, Value> {
    // serde_json's map is ordered by key: unknown fields come out sorted
    for key in obj.keys() {
        if !fields.iter().any(|f| f.name == key) {
            let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
            p.add(
                &join(prefix, key),
                "unknown_field",
                format!("unknown field (known: {})", known.join(", ")),
            );
        }
    }
    let mut out = Map::new();
    for f in fields {
        let path = join(prefix, f.name);
        match obj.get(f.name) {
            None | Some(Value::Null) => {
                if f.required {
                    p.add(&path, "required", "is required");
                }
            }
            Some(v) => {
                if let Some(n) = value(v, f, &path, p) {
                    out.insert(f.name.to_string(), n);
                }
            }
        }
    }
    out
}

/// Check and normalise one value; `None` when it is absent in effect (an
/// optional empty string) or wrong (then a problem was added).
fn value(v: &Value, f: &Field, path: &str, p: &mut Problems) -> Option<Value> {
    match f.kind {
        Kind::List(item, max) => list(v, item, max, f.required, path, p),
        Kind::Int(lo, hi) => int(v, lo, hi, path, p),
        Kind::Dec(sign, int_digits, frac_digits) => dec(v, sign, int_digits, frac_digits, path, p),
        _ => string(v, f, path, p),
    }
}

/// A list of 1 to `max` objects, each checked against `item`; an optional
/// list may be empty (then it is absent).
fn list(
    v: &Value,
    item: &'static [Field],
    max: usize,
    required: bool,
    path: &str,
    p: &mut Problems,
) -> Option<Value> {
    let Value::Array(items) = v else {
        p.add(path, "type", "must be a list");
        return None;
    };
    if items.is_empty() && !required {
        return None;
    }
    if items.is_empty() || items.len() > max {
        p.add(
            path,
            "length",
            format!("must hold 1 to {max} items, not {}", items.len()),
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let ipath = format!("{path}[{i}]");
        match it {
            Value::Object(o) => out.push(Value::Object(object(o, item, &ipath, p))),
            _ => p.add(&ipath, "type", "must be an object"),
        }
    }
    Some(Value::Array(out))
}

/// A whole number between `lo` and `hi`.
fn int(v: &Value, lo: i64, hi: i64, path: &str, p: &mut Problems) -> Option<Value> {
    let Value::Number(n) = v else {
        p.add(path, "type", "must be an integer");
        return None;
    };
    let text = n.to_string();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        p.add(path, "type", "must be an integer");
        return None;
    }
    let Ok(i) = text.parse::<i64>() else {
        p.add(path, "range", format!("must be between {lo} and {hi}"));
        return None;
    };
    if i < lo {
        p.add(path, "min", format!("must be at least {lo}"));
        return None;
    }
    if i > hi {
        p.add(path, "max", format!("must be at most {hi}"));
        return None;
    }
    Some(Value::from(i))
}

/// A decimal (number or string) within its digits and sign, kept as text.
fn dec(
    v: &Value,
    sign: Sign,
    int_digits: u32,
    frac_digits: u32,
    path: &str,
    p: &mut Problems,
) -> Option<Value> {
    let text = decimal_text(v, path, p)?;
    let Some(d) = canonical_decimal(&text) else {
        p.add(path, "number", "must be a decimal number like 12.5");
        return None;
    };
    if d.frac_digits > frac_digits {
        p.add(
            path,
            "decimals",
            format!("at most {frac_digits} decimal places"),
        );
        return None;
    }
    if d.int_digits > int_digits {
        p.add(
            path,
            "range",
            format!("at most {int_digits} digits before the decimal point"),
        );
        return None;
    }
    let bad_sign = match sign {
        Sign::Positive => d.negative || d.zero,
        Sign::NonNegative => d.negative,
    };
    if bad_sign {
        let what = if sign == Sign::Positive {
            "must be greater than 0"
        } else {
            "must not be negative"
        };
        p.add(path, "min", what);
        return None;
    }
    Some(Value::String(d.text))
}

fn decimal_text(v: &Value, path: &str, p: &mut Problems) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => {
            let t = s.trim_matches(' ');
            if !plain_decimal(t) {
                p.add(path, "number", "must be a decimal number like 12.5");
                return None;
            }
            Some(t.to_string())
        }
        _ => {
            p.add(path, "type", "must be a number");
            None
        }
    }
}

/// A string without control characters; empty is absent (or required).
fn string(v: &Value, f: &Field, path: &str, p: &mut Problems) -> Option<Value> {
    let Value::String(s) = v else {
        p.add(path, "type", "must be a string");
        return None;
    };
    if s.chars().any(|c| c < ' ') {
        p.add(path, "chars", "must not hold control characters");
        return None;
    }
    let t = s.trim_matches(' ');
    if t.is_empty() {
        if f.required {
            p.add(path, "required", "is required");
        }
        return None;
    }
    string_kind(f.kind, t, path, p).map(Value::String)
}

fn string_kind(kind: Kind, t: &str, path: &str, p: &mut Problems) -> Option<String> {
    match kind {
        Kind::Text(max) => {
            let n = t.chars().count();
            if n > max {
                p.add(path, "length", format!("at most {max} characters, not {n}"));
                return None;
            }
            Some(t.to_string())
        }
        Kind::Date => match date(t) {
            Some(_) => Some(t.to_string()),
            None => {
                p.add(path, "date", "must be a date YYYY-MM-DD");
                None
            }
        },
        Kind::DateTime => match datetime_utc(t) {
            Some(s) => Some(s),
            None => {
                p.add(
                    path,
                    "datetime",
                    "must be a date-time YYYY-MM-DDTHH:MM:SS with Z or an offset",
                );
                None
            }
        },
        Kind::Enum(options) => {
            if options.contains(&t) {
                Some(t.to_string())
            } else {
                p.add(
                    path,
                    "enum",
                    format!("must be one of {}", options.join(", ")),
                );
                None
            }
        }
        Kind::Currency | Kind::Country => {
            let n = if matches!(kind, Kind::Currency) { 3 } else { 2 };
            if t.len() == n && t.bytes().all(|b| b.is_ascii_uppercase()) {
                Some(t.to_string())
            } else {
                p.add(
                    path,
                    "format",
                    format!("must be {n} capital letters (ISO code)"),
                );
                None
            }
        }
        Kind::Sscc => {
            if t.len() != 18 || !t.bytes().all(|b| b.is_ascii_digit()) {
                p.add(path, "format", "an SSCC has 18 digits");
                None
            } else if !gs1_check_digit_ok(t) {
                p.add(path, "check_digit", "the SSCC check digit is wrong");
                None
            } else {
                Some(t.to_string())
            }
        }
        Kind::Npi => identifier(
            t,
            path,
            p,
            npi_shape(t),
            "an NPI has 10 digits and starts with 1 or 2",
            || crate::dedupe::ids::valid_npi(t),
        ),
        Kind::Dea => identifier(
            t,
            path,
            p,
            dea_shape(t),
            "a DEA number is two capital letters (the second may be 9) and seven digits",
            || crate::dedupe::ids::valid_dea(t),
        ),
        Kind::Uei => identifier(
            t,
            path,
            p,
            uei_shape(t),
            "a UEI is 12 capital letters (not I or O) and digits, not starting with 0",
            || true,
        ),
        Kind::Base64(max) => match base64_len(t) {
            None => {
                p.add(
                    path,
                    "format",
                    "must be standard base64 (A-Z a-z 0-9 + /, padded with =, no line breaks)",
                );
                None
            }
            Some(n) if n > max => {
                p.add(
                    path,
                    "length",
                    format!("at most {max} bytes once decoded, not {n}"),
                );
                None
            }
            Some(_) => Some(t.to_string()),
        },
        Kind::Int(..) | Kind::Dec(..) | Kind::List(..) => unreachable!("not a string kind"),
    }
}

/// An identifier of a fixed shape (else `format`) and a check (else `check_digit`).
fn identifier(
    t: &str,
    path: &str,
    p: &mut Problems,
    shape_ok: bool,
    shape: &str,
    check: impl FnOnce() -> bool,
) -> Option<String> {
    if !shape_ok {
        p.add(path, "format", shape);
        None
    } else if !check() {
        p.add(path, "check_digit", "the check digit is wrong");
        None
    } else {
        Some(t.to_string())
    }
}

fn npi_shape(t: &str) -> bool {
    t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit()) && matches!(t.as_bytes()[0], b'1' | b'2')
}

fn dea_shape(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 9
        && b"ABCDEFGHJKLMPRSTUX".contains(&b[0])
        && (b[1].is_ascii_uppercase() || b[1] == b'9')
        && b[2..].iter().all(u8::is_ascii_digit)
}

fn uei_shape(t: &str) -> bool {
    t.len() == 12
        && !t.starts_with('0')
        && t.bytes()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != b'O' && c != b'I'))
}

/// The decoded size of standard padded base64 (RFC 4648 section 4), or `None`
/// when the text is not such base64.
pub(crate) fn base64_len(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    if b.len() % 4 != 0 {
        return None;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return None;
    }
    let body = &b[..b.len() - pad];
    if !body
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
    {
        return None;
    }
    Some(b.len() / 4 * 3 - pad)
}

/// GS1 mod-10: weights 3 and 1 from the right, the last digit excluded.
pub fn gs1_check_digit_ok(digits: &str) -> bool {
    let b = digits.as_bytes();
    let body = &b[..b.len() - 1];
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(b[b.len() - 1] - b'0')
}

fn plain_decimal(t: &str) -> bool {
    let digits = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

pub(crate) struct CanonicalDecimal {
    pub text: String,
    pub negative: bool,
    pub zero: bool,
    pub int_digits: u32,
    pub frac_digits: u32,
}

/// The shortest exact form of a JSON number text: `-0012.500e1` -> `-125`.
/// `None` if the text is not a number or its exponent is absurd.
pub(crate) fn canonical_decimal(text: &str) -> Option<CanonicalDecimal> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    if exp.abs() > 1000 {
        return None;
    }
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits: String = format!("{int}{frac}");
    let mut exp = exp - frac.len() as i64;
    let trimmed = digits.trim_start_matches('0').len();
    digits.drain(..digits.len() - trimmed);
    if digits.is_empty() {
        return Some(CanonicalDecimal {
            text: "0".into(),
            negative: false,
            zero: true,
            int_digits: 0,
            frac_digits: 0,
        });
    }
    while digits.ends_with('0') {
        digits.pop();
        exp += 1;
    }
    let n = digits.len() as i64;
    let frac_digits = (-exp).max(0);
    let int_digits = (n + exp).max(0);
    let body = if exp >= 0 {
        format!("{digits}{}", "0".repeat(exp as usize))
    } else if n + exp > 0 {
        let cut = (n + exp) as usize;
        format!("{}.{}", &digits[..cut], &digits[cut..])
    } else {
        format!("0.{}{digits}", "0".repeat((-(n + exp)) as usize))
    };
    Some(CanonicalDecimal {
        text: if negative { format!("-{body}") } else { body },
        negative,
        zero: false,
        int_digits: int_digits.min(u32::MAX as i64) as u32,
        frac_digits: frac_digits.min(u32::MAX as i64) as u32,
    })
}

pub(crate) fn date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &t[r];
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let d = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    (d.year() >= 1).then_some(d)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` to UTC `...Z` (seconds).
fn datetime_utc(t: &str) -> Option<String> {
    if t.len() < 20 || t.as_bytes()[10] != b'T' {
        return None;
    }
    let day = date(&t[..10])?;
    let rest = &t[11..];
    let b = rest.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let two = |s: &str| -> Option<u32> {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let time = NaiveTime::from_hms_opt(two(&rest[0..2])?, two(&rest[3..5])?, two(&rest[6..8])?)?;
    let mut tail = &rest[8..];
    if let Some(f) = tail.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return None;
        }
        tail = &f[n..];
    }
    let offset_min: i64 = if tail == "Z" {
        0
    } else {
        let tb = tail.as_bytes();
        if tb.len() != 6 || tb[3] != b':' || !(tb[0] == b'+' || tb[0] == b'-') {
            return None;
        }
        let (h, m) = (two(&tail[1..3])?, two(&tail[4..6])?);
        if h > 23 || m > 59 {
            return None;
        }
        let v = i64::from(h * 60 + m);
        if tb[0] == b'-' {
            -v
        } else {
            v
        }
    };
    let local = NaiveDateTime::new(day, time);
    let utc = local.checked_sub_signed(TimeDelta::minutes(offset_min))?;
    if utc.year() < 1 || utc.year() > 9999 {
        return None;
    }
    Some(utc.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// One document of a batch envelope: its idempotency key (as sent) and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: Option<String>,
    pub outcome: Outcome,
}

/// Most documents in one envelope.
pub const MAX_BATCH: usize = 1_000;

/// A batch envelope `{"documents": [{"idempotency_key": "...", "document": {...}}, ...]}`:
/// every document is validated as if it had come alone (in parallel). A
/// problem with the envelope itself is an `Err` naming the field.
pub fn validate_envelope(
    doc_type: &str,
    version: u32,
    body: &[u8],
) -> Option<std::result::Result<Vec<Item>, Problem>> {
    let fields = schema::schema(doc_type, version)?;
    let bad = |path: &str, rule: &'static str, message: String| Problem {
        path: path.into(),
        rule,
        message,
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Some(Err(bad("$", "json", format!("not valid JSON: {e}")))),
    };
    let Some(docs) = value.get("documents").and_then(Value::as_array) else {
        return Some(Err(bad(
            "documents",
            "required",
            "a list of documents is required".into(),
        )));
    };
    if let Some(extra) = value
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "documents"))
    {
        return Some(Err(bad(
            extra,
            "unknown_field",
            "unknown field (known: documents)".into(),
        )));
    }
    if docs.is_empty() || docs.len() > MAX_BATCH {
        return Some(Err(bad(
            "documents",
            "length",
            format!("must hold 1 to {MAX_BATCH} documents, not {}", docs.len()),
        )));
    }
    let items = crate::pool::install(|| {
        use rayon::prelude::*;
        docs.par_iter()
            .map(|d| {
                let key = d
                    .get("idempotency_key")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let outcome = match d.get("document") {
                    Some(doc) => validate_with(doc_type, fields, doc.to_string().as_bytes()),
                    None => Err(vec![Problem {
                        path: "document".into(),
                        rule: "required",
                        message: "each item needs its document".into(),
                    }]),
                };
                Item { key, outcome }
            })
            .collect::<Vec<Item>>()
    });
    Some(items.map_err(|e| bad("$", "engine", e.to_string())))
}
