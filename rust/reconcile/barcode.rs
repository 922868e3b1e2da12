//! Healthcare product and location identifiers, validated by their check
//! characters: GS1 GTIN and GLN (mod 10), GS1 element strings (AI 00, 01, 02,
//! 10, 11, 17, 21, 30, 37 and the other fixed-length AIs), and HIBC LIC
//! primary / secondary / concatenated bar codes (mod 43).
//!
//! Dates come back as days since 1970-01-01. Two-digit years are placed in a
//! century with the GS1 rule (General Specifications 7.12): relative to a
//! reference year, a year more than 50 years ahead is in the previous century
//! and one more than 49 years behind is in the next.

use chrono::{Datelike, NaiveDate};

/// Days since 1970-01-01 of a civil date, `None` when it does not exist.
pub fn days(year: i32, month: u32, day: u32) -> Option<i32> {
    let d = NaiveDate::from_ymd_opt(year, month, day)?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((d - epoch).num_days()).ok()
}

/// Year of a day number (days since 1970-01-01).
pub fn year_of(day: i32) -> i32 {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::Duration::days(day as i64)))
        .map_or(1970, |d| d.year())
}

fn last_day(year: i32, month: u32) -> Option<u32> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map(|d| d.day())
}

/// The GS1 century rule for a two-digit year.
pub fn full_year(yy: i32, reference_year: i32) -> i32 {
    let century = reference_year.div_euclid(100) * 100;
    let diff = yy - reference_year.rem_euclid(100);
    if diff >= 51 {
        century - 100 + yy
    } else if diff <= -50 {
        century + 100 + yy
    } else {
        century + yy
    }
}

/// GS1 mod-10 check digit over `body` (digits only), weights 3,1,3... from the right.
pub fn gs1_check_digit(body: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in body.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = (c - b'0') as u32;
        sum += if i % 2 == 0 { 3 * d } else { d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

fn gs1_valid(code: &str) -> bool {
    match code.len() {
        0 | 1 => false,
        _ if !code.bytes().all(|b| b.is_ascii_digit()) => false,
        n => {
            let (body, check) = code.split_at(n - 1);
            gs1_check_digit(body) == check.parse::<u8>().ok()
        }
    }
}

/// A GTIN-8, -12, -13 or -14 with a valid check digit, as 14 digits.
pub fn gtin14(code: &str) -> Result<String, String> {
    let code = code.trim();
    if !matches!(code.len(), 8 | 12 | 13 | 14) || !code.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("{code:?} is not a GTIN (8, 12, 13 or 14 digits)"));
    }
    if !gs1_valid(code) {
        return Err(format!("GTIN {code} has a wrong check digit"));
    }
    Ok(format!("{code:0>14}"))
}

/// A GS1 Global Location Number: 13 digits with a valid check digit.
pub fn valid_gln(code: &str) -> bool {
    code.len() == 13 && code.bytes().all(|c| c.is_ascii_digit()) && gs1_valid(code)
}

/// What a GS1 element string or an HIBC bar code carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// GTIN-14 (GS1) or LIC + product code + unit of measure digit (HIBC).
    pub product: String,
    pub lot: Option<String>,
    pub expiry: Option<i32>,
    pub serial: Option<String>,
    pub quantity: Option<u32>,
}

/// Fixed data lengths of the GS1 AIs that need no separator (GS1 General
/// Specifications, figure 5.10.1-2), by AI prefix.
fn gs1_fixed(ai: &str) -> Option<usize> {
    Some(match ai {
        "00" => 18,
        "01" | "02" => 14,
        "11" | "12" | "13" | "15" | "16" | "17" => 6,
        "20" => 2,
        _ => return None,
    })
}

/// AI length and data rule for the AIs MedSync reads: (ai length, max data
/// length, fixed).
fn gs1_ai(s: &str) -> Option<(usize, usize, bool)> {
    let two = s.get(..2)?;
    if let Some(n) = gs1_fixed(two) {
        return Some((2, n, true));
    }
    Some(match two {
        "10" | "21" | "22" => (2, 20, false),
        "30" | "37" => (2, 8, false),
        "24" | "25" if s.get(2..3).is_some_and(|c| c == "0" || c == "1") => (3, 30, false),
        "31" | "32" | "33" | "34" | "35" | "36" => (4, 6, true),
        "41" => (3, 13, true),
        _ => return None,
    })
}

const GS: char = '\u{1d}';

fn gs1_date(v: &str, reference_year: i32) -> Result<i32, String> {
    let num = |r: std::ops::Range<usize>| v.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(yy), Some(mm), Some(dd)) = (num(0..2), num(2..4), num(4..6)) else {
        return Err(format!("date {v:?} is not YYMMDD"));
    };
    let year = full_year(yy as i32, reference_year);
    let day = if dd == 0 {
        last_day(year, mm).ok_or_else(|| format!("date {v:?} has no month {mm}"))?
    } else {
        dd
    };
    days(year, mm, day).ok_or_else(|| format!("date {v:?} does not exist"))
}

/// Parse a GS1 element string, either human readable (`(01)…(17)…(10)…`) or
/// as scanned (optional `]d2`/`]C1`/`]Q3`/`]e0` prefix, FNC1 as ASCII 29
/// after variable-length fields). A GTIN is required and checked.
pub fn parse_gs1(text: &str, reference_year: i32) -> Result<Parsed, String> {
    let t = text.trim();
    let fields = if t.starts_with('(') {
        gs1_bracketed(text, t)?
    } else if !t.is_ascii() {
        return Err(format!("{text:?}: characters outside the GS1 set"));
    } else {
        gs1_scanned(text, t)?
    };
    let mut out = Parsed::default();
    for (ai, value) in fields {
        gs1_field(text, &ai, value, reference_year, &mut out)?;
    }
    if out.product.is_empty() {
        return Err(format!("{text:?}: no GTIN (AI 01)"));
    }
    Ok(out)
}

/// (AI, data) pairs of a human-readable element string `t` (`text` trimmed).
fn gs1_bracketed(text: &str, t: &str) -> Result<Vec<(String, String)>, String> {
    let mut fields = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        let close = rest
            .find(')')
            .filter(|_| rest.starts_with('('))
            .ok_or_else(|| format!("{text:?}: expected (AI) at {rest:?}"))?;
        let ai = &rest[1..close];
        let after = &rest[close + 1..];
        let end = after.find('(').unwrap_or(after.len());
        fields.push((ai.to_string(), after[..end].to_string()));
        rest = &after[end..];
    }
    Ok(fields)
}

/// (AI, data) pairs of a scanned element string `t` (`text` trimmed): fixed
/// lengths by AI, variable-length data up to the next FNC1.
fn gs1_scanned(text: &str, t: &str) -> Result<Vec<(String, String)>, String> {
    let mut fields = Vec::new();
    let mut rest = t;
    for prefix in ["]d2", "]C1", "]Q3", "]e0"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
            break;
        }
    }
    rest = rest.trim_start_matches(GS);
    while !rest.is_empty() {
        let (ai_len, max, fixed) =
            gs1_ai(rest).ok_or_else(|| format!("{text:?}: unknown AI at {rest:?}"))?;
        if rest.len() < ai_len {
            return Err(format!("{text:?}: truncated AI at {rest:?}"));
        }
        let ai = &rest[..ai_len];
        let body = &rest[ai_len..];
        let end = if fixed {
            max.min(body.len())
        } else {
            body.find(GS).unwrap_or(body.len())
        };
        fields.push((ai.to_string(), body[..end].to_string()));
        rest = body[end..].trim_start_matches(GS);
    }
    Ok(fields)
}

/// One element string field checked against its AI's length rule and read
/// into `out` (GTIN, lot, serial, expiry, count; an SSCC is only checked).
fn gs1_field(
    text: &str,
    ai: &str,
    value: String,
    reference_year: i32,
    out: &mut Parsed,
) -> Result<(), String> {
    let rule = gs1_ai(&format!("{ai}{value}")).filter(|(n, _, _)| *n == ai.len());
    let Some((_, max, fixed)) = rule else {
        return Err(format!("{text:?}: unknown AI ({ai})"));
    };
    if (fixed && value.len() != max) || value.is_empty() || value.len() > max {
        return Err(format!(
            "{text:?}: AI ({ai}) has {} characters",
            value.len()
        ));
    }
    match ai {
        "01" | "02" => {
            out.product = gtin14(&value).map_err(|e| format!("{text:?}: {e}"))?;
        }
        "10" => out.lot = Some(value),
        "21" => out.serial = Some(value),
        "17" => out.expiry = Some(gs1_date(&value, reference_year)?),
        "30" | "37" => {
            out.quantity = Some(
                value
                    .parse()
                    .map_err(|_| format!("{text:?}: count {value:?} is not a number"))?,
            )
        }
        "00" if !gs1_valid(&value) => {
            return Err(format!("{text:?}: SSCC {value} has a wrong check digit"))
        }
        _ => {}
    }
    Ok(())
}

/// HIBC character values for the mod-43 check character.
const HIBC_CHARS: &[u8; 43] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

/// The HIBC mod-43 check character of `data`, `None` if `data` holds a
/// character outside the HIBC set.
pub fn hibc_check(data: &str) -> Option<char> {
    let mut sum = 0usize;
    for c in data.bytes() {
        sum += HIBC_CHARS
            .iter()
            .position(|x| *x == c.to_ascii_uppercase())?;
    }
    Some(HIBC_CHARS[sum % 43] as char)
}

/// An HIBC Julian date `YYJJJ` as a day number.
fn hibc_julian(v: &str, reference_year: i32) -> Result<i32, String> {
    let num = |s: &str| s.parse::<u32>().ok();
    let (Some(yy), Some(jjj)) = (v.get(..2).and_then(num), v.get(2..5).and_then(num)) else {
        return Err(format!("date {v:?} is not YYJJJ"));
    };
    let year = full_year(yy as i32, reference_year);
    match days(year, 1, 1) {
        Some(d) if (1..=366).contains(&jjj) && year_of(d + jjj as i32 - 1) == year => {
            Ok(d + jjj as i32 - 1)
        }
        _ => Err(format!("date {v:?} does not exist")),
    }
}

/// One segment of HIBC secondary data (after a `/`), read into `out`.
fn hibc_secondary(seg: &str, reference_year: i32, out: &mut Parsed) -> Result<(), String> {
    let num = |s: &str| s.parse::<u32>().ok();
    if let Some(rest) = seg.strip_prefix("$$") {
        hibc_dollars(seg, rest, reference_year, out)?;
    } else if let Some(serial) = seg.strip_prefix("$+") {
        out.serial = Some(serial.to_string());
    } else if let Some(lot) = seg.strip_prefix('$') {
        out.lot = Some(lot.to_string());
    } else if let Some(d) = seg.strip_prefix("14D") {
        let v = |r: std::ops::Range<usize>| d.get(r).and_then(num).unwrap_or(0);
        out.expiry = Some(
            days(v(0..4) as i32, v(4..6), v(6..8))
                .ok_or_else(|| format!("expiry in {seg:?} does not exist"))?,
        );
    } else if seg.starts_with("16D") {
        // production date: not used by reconciliation
    } else if let Some(serial) = seg.strip_prefix('S') {
        out.serial = Some(serial.to_string());
    } else if seg.len() >= 5 && seg.as_bytes()[..5].iter().all(u8::is_ascii_digit) {
        out.expiry = Some(hibc_julian(&seg[..5], reference_year)?);
        if seg.len() > 5 {
            out.lot = Some(seg[5..].to_string());
        }
    } else {
        return Err(format!("{seg:?}: unknown HIBC secondary data"));
    }
    Ok(())
}

/// A `$$` segment (`rest` follows the `$$`): an optional quantity (`8` and
/// 2 digits, `9` and 5), then a serial after `+`, or an expiry and the lot.
fn hibc_dollars(
    seg: &str,
    rest: &str,
    reference_year: i32,
    out: &mut Parsed,
) -> Result<(), String> {
    let num = |s: &str| s.parse::<u32>().ok();
    let mut rest = rest;
    if let Some(q) = rest.strip_prefix('8') {
        out.quantity = Some(q.get(..2).and_then(num).ok_or("quantity after $$8")?);
        rest = &q[2..];
    } else if let Some(q) = rest.strip_prefix('9') {
        out.quantity = Some(q.get(..5).and_then(num).ok_or("quantity after $$9")?);
        rest = &q[5..];
    }
    if let Some(r) = rest.strip_prefix('+') {
        out.serial = Some(r.to_string());
        return Ok(());
    }
    let (expiry, used) = hibc_expiry(seg, rest, reference_year)?;
    out.expiry = expiry;
    let lot = rest
        .get(used..)
        .ok_or_else(|| format!("{seg:?} is truncated"))?;
    if !lot.is_empty() {
        out.lot = Some(lot.to_string());
    }
    Ok(())
}

/// The expiry at the start of `rest`, in the format its first digit names
/// (0/1: MMYY, 2: MMDDYY, 3: YYMMDD, 4: YYMMDDHH, 5: YYJJJ, 6: YYJJJHH,
/// 7: none), and how many characters it takes.
fn hibc_expiry(seg: &str, rest: &str, reference_year: i32) -> Result<(Option<i32>, usize), String> {
    let num = |s: &str| s.parse::<u32>().ok();
    let julian = |v: &str| hibc_julian(v, reference_year);
    let ymd = |yy: u32, mm: u32, dd: u32| {
        days(full_year(yy as i32, reference_year), mm, dd)
            .ok_or_else(|| format!("expiry in {seg:?} does not exist"))
    };
    let digits = |r: &str, n: usize| -> Result<Vec<u32>, String> {
        (0..n / 2)
            .map(|k| r.get(2 * k..2 * k + 2).and_then(num))
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| format!("expiry in {seg:?} is not {n} digits"))
    };
    Ok(match rest.as_bytes().first() {
        Some(b'0' | b'1') => {
            let d = digits(rest, 4)?;
            let year = full_year(d[1] as i32, reference_year);
            let last = last_day(year, d[0]).ok_or_else(|| format!("month in {seg:?}"))?;
            (Some(ymd(d[1], d[0], last)?), 4)
        }
        Some(b'2') => {
            let d = digits(&rest[1..], 6)?;
            (Some(ymd(d[2], d[0], d[1])?), 7)
        }
        Some(b'3') => {
            let d = digits(&rest[1..], 6)?;
            (Some(ymd(d[0], d[1], d[2])?), 7)
        }
        Some(b'4') => {
            let d = digits(&rest[1..], 8)?;
            (Some(ymd(d[0], d[1], d[2])?), 9)
        }
        Some(b'5') => (Some(julian(rest.get(1..6).unwrap_or(""))?), 6),
        Some(b'6') => (Some(julian(rest.get(1..6).unwrap_or(""))?), 8),
        Some(b'7') => (None, 1),
        _ => return Err(format!("{seg:?}: unknown HIBC date format")),
    })
}

/// Parse an HIBC LIC bar code: a primary (`+LIC PCN U/M check`) or a
/// primary and its secondary data concatenated with `/` and one check
/// character at the end. The product comes back as LIC + PCN + U/M digit.
pub fn parse_hibc(text: &str, reference_year: i32) -> Result<Parsed, String> {
    let t = text.trim().trim_matches('*').to_ascii_uppercase();
    let body = t
        .strip_prefix('+')
        .ok_or_else(|| format!("{text:?}: an HIBC code starts with '+'"))?;
    if t.len() < 3 {
        return Err(format!("{text:?}: too short for HIBC"));
    }
    if !t.is_ascii() {
        return Err(format!("{text:?}: character outside the HIBC set"));
    }
    let (data, check) = t.split_at(t.len() - 1);
    match hibc_check(data) {
        None => return Err(format!("{text:?}: character outside the HIBC set")),
        Some(c) if check.starts_with(c) => {}
        Some(c) => return Err(format!("{text:?}: check character should be {c:?}")),
    }
    let body = &body[..body.len() - 1];
    let mut segments = body.split('/');
    let primary = segments.next().unwrap_or("");
    if primary.starts_with('$') {
        return Err(format!(
            "{text:?}: secondary data alone; scan the primary and secondary together"
        ));
    }
    let p = primary.as_bytes();
    if p.len() < 6 || !p[0].is_ascii_alphabetic() || !p[p.len() - 1].is_ascii_digit() {
        return Err(format!(
            "{text:?}: primary data must be LIC (4, first a letter), product code and a unit digit"
        ));
    }
    let mut out = Parsed {
        product: primary.to_string(),
        ..Parsed::default()
    };
    for seg in segments {
        hibc_secondary(seg, reference_year, &mut out).map_err(|e| format!("{text:?}: {e}"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_check_digits() {
        // GS1's own example GTIN-13 and the GTIN-14 / -12 / -8 forms
        assert_eq!(gtin14("9506000134352").unwrap(), "09506000134352");
        assert_eq!(gtin14("036000291452").unwrap(), "00036000291452");
        assert_eq!(gtin14("96385074").unwrap(), "00000096385074");
        assert!(gtin14("9506000134353").unwrap_err().contains("check digit"));
        assert!(gtin14("95060001343").is_err());
        assert!(gtin14("95060001343x2").is_err());
        assert!(valid_gln("5412345000013"));
        assert!(!valid_gln("5412345000014"));
    }

    #[test]
    fn century_rule() {
        assert_eq!(full_year(26, 2026), 2026);
        assert_eq!(full_year(76, 2026), 2076);
        assert_eq!(full_year(77, 2026), 1977);
        assert_eq!(full_year(99, 2026), 1999);
        assert_eq!(full_year(2, 2098), 2102);
    }

    #[test]
    fn gs1_human_readable_and_scanned() {
        let a = parse_gs1("(01)09506000134352(17)141120(10)AB-123", 2014).unwrap();
        assert_eq!(a.product, "09506000134352");
        assert_eq!(a.lot.as_deref(), Some("AB-123"));
        assert_eq!(a.expiry, days(2014, 11, 20));
        let b = parse_gs1("]d201095060001343521714112010AB-123", 2014).unwrap();
        assert_eq!(a, b);
        let c = parse_gs1("010950600013435210AB-123\u{1d}21SN9\u{1d}17260200", 2026).unwrap();
        assert_eq!(c.lot.as_deref(), Some("AB-123"));
        assert_eq!(c.serial.as_deref(), Some("SN9"));
        assert_eq!(c.expiry, days(2026, 2, 28)); // day 00 = last day of the month
        let d = parse_gs1("(00)106141411234567897(01)09506000134352(30)12", 2026).unwrap();
        assert_eq!(d.quantity, Some(12));
    }

    #[test]
    fn gs1_bad_inputs() {
        for bad in [
            "(01)09506000134353",
            "(01)0950600013435",
            "(17)141120(10)A",
            "(99)1234",
            "019506000134352",
            "(01)09506000134352(17)141320",
            "(00)106141411234567890(01)09506000134352",
            "(01)09506000134352(10)",
            "(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTU",
        ] {
            assert!(parse_gs1(bad, 2026).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn hibc_published_examples() {
        // check characters from published HIBC examples
        assert_eq!(hibc_check("+E20831269/$$8020423286539"), Some('+'));
        assert_eq!(hibc_check("+E20831339/$$8020223283831"), Some('T'));
        let p = parse_hibc("+E20831269/$$8020423286539+", 2026).unwrap();
        assert_eq!(p.product, "E20831269");
        assert_eq!(p.quantity, Some(2));
        assert_eq!(p.expiry, days(2023, 4, 30));
        assert_eq!(p.lot.as_deref(), Some("286539"));
        let data = "+A99912345/$$52001510X3/16D20111212/S77DE1G45";
        let code = format!("{data}{}", hibc_check(data).unwrap());
        let q = parse_hibc(&code, 2026).unwrap();
        assert_eq!(q.product, "A99912345");
        assert_eq!(q.expiry, days(2020, 1, 15));
        assert_eq!(q.lot.as_deref(), Some("10X3"));
        assert_eq!(q.serial.as_deref(), Some("77DE1G45"));
        let primary = format!("+A123BJC5D6E71{}", hibc_check("+A123BJC5D6E71").unwrap());
        assert_eq!(parse_hibc(&primary, 2026).unwrap().product, "A123BJC5D6E71");
    }

    #[test]
    fn hibc_date_formats() {
        let with = |sec: &str| {
            let data = format!("+A99912345/{sec}");
            parse_hibc(&format!("{data}{}", hibc_check(&data).unwrap()), 2026).unwrap()
        };
        assert_eq!(with("$$0527LOT1").expiry, days(2027, 5, 31));
        assert_eq!(with("$$2052827LOT1").expiry, days(2027, 5, 28));
        assert_eq!(with("$$3270528LOT1").expiry, days(2027, 5, 28));
        assert_eq!(with("$$427052814LOT1").expiry, days(2027, 5, 28));
        assert_eq!(with("$$7LOT1").expiry, None);
        assert_eq!(with("$$7LOT1").lot.as_deref(), Some("LOT1"));
        assert_eq!(with("$LOT9").lot.as_deref(), Some("LOT9"));
        assert_eq!(with("27032LOT2").expiry, days(2027, 2, 1));
        assert_eq!(with("$$9000100527L").quantity, Some(10));
    }

    #[test]
    fn hibc_bad_inputs() {
        let ok = "+E20831269/$$8020423286539+";
        assert!(parse_hibc(&ok.replace("539+", "539T"), 2026)
            .unwrap_err()
            .contains("check character"));
        assert!(parse_hibc("E20831269", 2026).is_err());
        assert!(parse_hibc("+$$052710X3", 2026).is_err());
        for sec in ["$$2133027L", "$$X", "27400L"] {
            let data = format!("+A99912345/{sec}");
            let code = format!("{data}{}", hibc_check(&data).unwrap());
            assert!(parse_hibc(&code, 2026).is_err(), "{code} accepted");
        }
        assert!(parse_hibc("+A99912345_", 2026).is_err());
    }

    #[test]
    fn non_ascii_is_refused_not_a_panic() {
        for code in ["+AB\u{e9}", "+\u{e9}\u{e9}", "+A99912345/$$3270528L\u{e9}"] {
            assert!(parse_hibc(code, 2026).is_err(), "{code}");
        }
        for code in ["310\u{e9}", "0109506000134352\u{e9}", "01\u{e9}"] {
            assert!(parse_gs1(code, 2026).is_err(), "{code}");
        }
        // an SSCC of 18 bytes ending inside a character; one of letters
        for sscc in ["(00)1234567890123456\u{e9}", "(00)ABCDEFGHIJKLMNOPQR"] {
            let code = format!("{sscc}(01)09506000134352");
            assert!(
                parse_gs1(&code, 2026).unwrap_err().contains("SSCC"),
                "{code}"
            );
        }
    }
}
