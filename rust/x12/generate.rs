//! Writing X12: the envelope, and one set from a MedSync document (850 from
//! a `purchase_order`; 855, 856, 810 and 832 from the documents they map
//! to, for tests and a partner simulator). The same input always gives the
//! same bytes.
//!
//! Codes (po, product, lot...) that contain a delimiter or a control
//! character are refused; free text (descriptions, names) has them
//! replaced by spaces.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::lex::Delims;
use super::Version;
use crate::error::{Error, Location, Result};

fn bad(field: &str, msg: impl Into<String>) -> Error {
    Error::input(Location::field(field), msg)
}

/// A value as text: strings as they are, numbers in their JSON form.
pub fn as_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// The interchange, group and set envelope of what is written.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub gs_sender: String,
    pub gs_receiver: String,
    pub interchange_control: u64,
    pub group_control: u64,
    pub set_control: u64,
    pub version: Version,
    pub usage: String,
    pub ack_requested: bool,
    /// YYYYMMDD
    pub date: String,
    pub time: String,
    pub d: Delims,
    pub line_breaks: bool,
    pub product_qualifier: String,
}

fn one_char(env: &Value, key: &str, default: &str) -> Result<u8> {
    let path = format!("envelope.{key}");
    let s = as_text(env.get(key)).unwrap_or_else(|| default.to_string());
    let s = if env.get(key).and_then(Value::as_str) == Some("\n") {
        "\n".to_string()
    } else {
        s
    };
    match s.as_bytes() {
        [b] if !b.is_ascii_alphanumeric() && *b != b' ' => Ok(*b),
        _ => Err(bad(
            &path,
            format!("must be one character, not a letter, digit or space, got {s:?}"),
        )),
    }
}

impl Envelope {
    pub fn from_value(env: &Value) -> Result<Envelope> {
        if !env.is_object() {
            return Err(bad("envelope", "must be a dict"));
        }
        let text = |key: &str| as_text(env.get(key)).unwrap_or_default();
        let req = |key: &str, max: usize| -> Result<String> {
            let v = text(key);
            if v.is_empty() || v.len() > max || v.bytes().any(|b| b.is_ascii_control()) {
                return Err(bad(
                    &format!("envelope.{key}"),
                    format!("is required, at most {max} characters"),
                ));
            }
            Ok(v)
        };
        let num = |key: &str| -> Result<u64> {
            let n = env
                .get(key)
                .and_then(Value::as_u64)
                .filter(|n| (1..=999_999_999).contains(n));
            n.ok_or_else(|| {
                bad(
                    &format!("envelope.{key}"),
                    "must be an integer from 1 to 999999999",
                )
            })
        };
        let version = match text("version").as_str() {
            "4010" | "004010" | "00401" => Version::V4010,
            "5010" | "005010" | "00501" => Version::V5010,
            v => {
                return Err(bad(
                    "envelope.version",
                    format!("must be \"4010\" or \"5010\", got {v:?}"),
                ))
            }
        };
        let date = text("date");
        let day = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|_| bad("envelope.date", format!("must be YYYY-MM-DD, got {date:?}")))?;
        let time = text("time");
        if time.len() != 4 || !super::envelope::valid_time(time.as_bytes()) {
            return Err(bad("envelope.time", format!("must be HHMM, got {time:?}")));
        }
        let usage = text("usage");
        if !matches!(usage.as_str(), "P" | "T") {
            return Err(bad("envelope.usage", "must be \"P\" or \"T\""));
        }
        let repetition = match version {
            Version::V5010 => Some(one_char(env, "repetition", "^")?),
            Version::V4010 => None,
        };
        let d = Delims {
            element: one_char(env, "element", "*")?,
            component: one_char(env, "component", ">")?,
            repetition,
            segment: one_char(env, "segment", "~")?,
        };
        let all = [
            Some(d.element),
            Some(d.component),
            Some(d.segment),
            d.repetition,
        ];
        let distinct = all
            .iter()
            .flatten()
            .collect::<hashbrown::HashSet<_>>()
            .len()
            == all.iter().flatten().count();
        if !distinct {
            return Err(bad("envelope.segment", "the delimiters must all differ"));
        }
        let pq = text("product_qualifier");
        let e = Envelope {
            sender_qualifier: req("sender_qualifier", 2)?,
            sender_id: req("sender_id", 15)?,
            receiver_qualifier: req("receiver_qualifier", 2)?,
            receiver_id: req("receiver_id", 15)?,
            gs_sender: req("gs_sender", 15)?,
            gs_receiver: req("gs_receiver", 15)?,
            interchange_control: num("interchange_control")?,
            group_control: num("group_control")?,
            set_control: num("set_control")?,
            version,
            usage,
            ack_requested: env
                .get("ack_requested")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            date: day.format("%Y%m%d").to_string(),
            time,
            d,
            line_breaks: env
                .get("line_breaks")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            product_qualifier: if pq.is_empty() { "VN".into() } else { pq },
        };
        for (key, v) in [
            ("sender_id", &e.sender_id),
            ("receiver_id", &e.receiver_id),
            ("gs_sender", &e.gs_sender),
            ("gs_receiver", &e.gs_receiver),
            ("product_qualifier", &e.product_qualifier),
        ] {
            if v.bytes().any(|b| d.is_delim(b)) {
                return Err(bad(&format!("envelope.{key}"), "contains a delimiter"));
            }
        }
        Ok(e)
    }
}

/// Writes segments with the envelope's delimiters.
pub struct W {
    pub d: Delims,
    pub breaks: bool,
    pub out: Vec<u8>,
    /// segments since the last ST
    pub n: usize,
}

impl W {
    pub fn new(env: &Envelope) -> W {
        W {
            d: env.d,
            breaks: env.line_breaks,
            out: Vec::with_capacity(4096),
            n: 0,
        }
    }

    /// One segment; trailing empty elements are left out.
    pub fn seg(&mut self, id: &str, els: &[&str]) {
        let last = els.iter().rposition(|e| !e.is_empty()).map_or(0, |p| p + 1);
        self.out.extend_from_slice(id.as_bytes());
        for e in &els[..last] {
            self.out.push(self.d.element);
            self.out.extend_from_slice(e.as_bytes());
        }
        self.out.push(self.d.segment);
        if self.breaks && self.d.segment != b'\n' {
            self.out.push(b'\n');
        }
        self.n += 1;
    }

    /// A code or number: refused when it holds a delimiter or a control character.
    pub fn code(&self, v: Option<String>, field: &str) -> Result<String> {
        let v = v.unwrap_or_default();
        if v.bytes()
            .any(|b| self.d.is_delim(b) || b.is_ascii_control())
        {
            return Err(bad(
                field,
                format!("{v:?} contains an X12 delimiter or a control character"),
            ));
        }
        Ok(v)
    }

    /// Free text: delimiters and control characters become spaces.
    pub fn free(&self, v: Option<String>) -> String {
        let v = v.unwrap_or_default();
        let s: String = v
            .chars()
            .map(|c| {
                if c.is_control() || (c.is_ascii() && self.d.is_delim(c as u8)) {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        s.trim().to_string()
    }

    pub fn isa(&mut self, e: &Envelope) {
        let ver = match e.version {
            Version::V4010 => "00401",
            Version::V5010 => "00501",
        };
        let rep =
            e.d.repetition
                .map_or("U".to_string(), |r| (r as char).to_string());
        let comp = (e.d.component as char).to_string();
        let (sid, rid) = (
            format!("{:<15}", e.sender_id),
            format!("{:<15}", e.receiver_id),
        );
        let (date, ctl) = (&e.date[2..], format!("{:09}", e.interchange_control));
        let ack = if e.ack_requested { "1" } else { "0" };
        let els = [
            "00",
            "          ",
            "00",
            "          ",
            &e.sender_qualifier,
            &sid,
            &e.receiver_qualifier,
            &rid,
            date,
            &e.time,
            &rep,
            ver,
            &ctl,
            ack,
            &e.usage,
            &comp,
        ];
        self.seg("ISA", &els);
    }

    pub fn gs(&mut self, e: &Envelope, functional_id: &str) {
        let ver = match e.version {
            Version::V4010 => "004010",
            Version::V5010 => "005010",
        };
        let gc = e.group_control.to_string();
        self.seg(
            "GS",
            &[
                functional_id,
                &e.gs_sender,
                &e.gs_receiver,
                &e.date,
                &e.time,
                &gc,
                "X",
                ver,
            ],
        );
    }

    pub fn st(&mut self, set_id: &str, control: u64, implementation: &str) {
        self.n = 0;
        self.seg("ST", &[set_id, &format!("{control:04}"), implementation]);
    }

    pub fn se(&mut self, control: u64) {
        let n = (self.n + 1).to_string();
        self.seg("SE", &[&n, &format!("{control:04}")]);
    }

    pub fn ge_iea(&mut self, e: &Envelope, sets: usize, groups: usize) {
        if groups > 0 {
            self.seg("GE", &[&sets.to_string(), &e.group_control.to_string()]);
        }
        self.seg(
            "IEA",
            &[
                &groups.to_string(),
                &format!("{:09}", e.interchange_control),
            ],
        );
    }
}

/// A decimal field in X12 form (`R`): canonical, no exponent.
pub fn decimal(v: Option<&Value>, field: &str, required: bool) -> Result<String> {
    let Some(t) = as_text(v) else {
        return if required {
            Err(bad(field, "is required"))
        } else {
            Ok(String::new())
        };
    };
    let d = Decimal::from_str(&t)
        .or_else(|_| Decimal::from_scientific(&t))
        .map_err(|_| bad(field, format!("{t:?} is not a decimal number")))?;
    Ok(d.normalize().to_string())
}

/// A money amount as `N2` (cents, no point).
pub fn cents(v: Option<&Value>, field: &str) -> Result<String> {
    let t = decimal(v, field, true)?;
    let d = Decimal::from_str(&t).map_err(|_| bad(field, "is not a decimal number"))?;
    if d.scale() > 2 {
        return Err(bad(field, format!("{t} has more than 2 decimals")));
    }
    let c = d * Decimal::ONE_HUNDRED;
    Ok(c.normalize().to_string())
}

/// `YYYY-MM-DD[ HH:MM:SS]` as `CCYYMMDD`.
pub fn x12_date(v: Option<&Value>, field: &str, required: bool) -> Result<String> {
    let Some(t) = as_text(v) else {
        return if required {
            Err(bad(field, "is required"))
        } else {
            Ok(String::new())
        };
    };
    let day = t.get(..10).unwrap_or_default();
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%Y%m%d").to_string())
        .map_err(|_| bad(field, format!("{t:?} is not a date YYYY-MM-DD")))
}

/// The document's list `key` (an empty list when absent).
pub fn list<'a>(doc: &'a Value, key: &str) -> Result<Vec<&'a Value>> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.iter().collect()),
        Some(_) => Err(bad(key, "must be a list")),
    }
}

/// One set in its own interchange and group.
pub fn generate(set_id: &str, doc: &Value, env: &Envelope) -> Result<Vec<u8>> {
    if !doc.is_object() {
        return Err(bad("document", "must be a dict"));
    }
    let fid = super::envelope::functional_id(set_id)
        .filter(|_| matches!(set_id, "850" | "855" | "856" | "810" | "832"))
        .ok_or_else(|| {
            bad(
                "set_id",
                format!("must be 850, 855, 856, 810 or 832, got {set_id:?}"),
            )
        })?;
    let mut w = W::new(env);
    w.isa(env);
    w.gs(env, fid);
    w.st(set_id, env.set_control, "");
    let q = env.product_qualifier.as_str();
    match set_id {
        "850" => super::write_sets::purchase_order(&mut w, doc, q)?,
        "855" => super::write_sets::po_ack(&mut w, doc, q, &env.date)?,
        "856" => super::write_sets::asn(&mut w, doc, q)?,
        "810" => super::write_sets::invoice(&mut w, doc, q)?,
        _ => super::write_sets::price_catalog(&mut w, doc, q)?,
    }
    w.se(env.set_control);
    w.ge_iea(env, 1, 1);
    Ok(w.out)
}
