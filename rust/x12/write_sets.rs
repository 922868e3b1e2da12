//! The set bodies `generate` writes: the inverse of `map_in` for 850, 855,
//! 856, 810 and 832.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::generate::{as_text, cents, decimal, list, x12_date, W};
use crate::error::{Error, Location, Result};

fn get(v: &Value, key: &str) -> Option<String> {
    as_text(v.get(key))
}

fn line_no(l: &Value, path: &str, position: usize) -> Result<String> {
    match l.get("line_no") {
        None | Some(Value::Null) => Ok(position.to_string()),
        Some(v) => match as_text(Some(v)) {
            Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => Ok(t),
            _ => Err(Error::input(
                Location::field(format!("{path}.line_no")),
                "must be a whole number",
            )),
        },
    }
}

pub fn purchase_order(w: &mut W, doc: &Value, q: &str) -> Result<()> {
    let po = w.code(get(doc, "po"), "po")?;
    if po.is_empty() {
        return Err(Error::input(Location::field("po"), "is required"));
    }
    let date = x12_date(doc.get("date_order"), "date_order", true)?;
    w.seg("BEG", &["00", "SA", &po, "", &date]);
    let cur = w.code(get(doc, "currency"), "currency")?;
    if !cur.is_empty() {
        w.seg("CUR", &["BY", &cur]);
    }
    let lines = list(doc, "lines")?;
    if let Some(first) = lines.first() {
        let planned = x12_date(first.get("date_planned"), "lines[0].date_planned", false)?;
        if !planned.is_empty() {
            w.seg("DTM", &["002", &planned]);
        }
    }
    let ship_to = w.free(get(doc, "ship_to"));
    let (sq, sid) = (
        w.code(get(doc, "ship_to_qualifier"), "ship_to_qualifier")?,
        w.code(get(doc, "ship_to_id"), "ship_to_id")?,
    );
    if !ship_to.is_empty() || !sid.is_empty() {
        let sq = if sid.is_empty() {
            String::new()
        } else if sq.is_empty() {
            "92".into()
        } else {
            sq
        };
        w.seg("N1", &["ST", &ship_to, &sq, &sid]);
    }
    let vendor = w.free(get(doc, "vendor"));
    if !vendor.is_empty() {
        w.seg("N1", &["SE", &vendor]);
    }
    for (i, l) in lines.iter().enumerate() {
        let p = format!("lines[{i}]");
        let no = line_no(l, &p, i + 1)?;
        let qty = decimal(l.get("qty"), &format!("{p}.qty"), true)?;
        let uom = w.code(get(l, "uom").or(Some("EA".into())), &format!("{p}.uom"))?;
        let price = decimal(l.get("price"), &format!("{p}.price"), false)?;
        let product = required_code(w, l, "product", &p)?;
        w.seg("PO1", &[&no, &qty, &uom, &price, "", q, &product]);
        let desc = w.free(get(l, "description"));
        if !desc.is_empty() {
            w.seg("PID", &["F", "", "", "", &desc]);
        }
    }
    w.seg("CTT", &[&lines.len().to_string()]);
    Ok(())
}

fn required_code(w: &W, l: &Value, key: &str, path: &str) -> Result<String> {
    let field = format!("{path}.{key}");
    let v = w.code(get(l, key), &field)?;
    if v.is_empty() {
        return Err(Error::input(Location::field(field), "is required"));
    }
    Ok(v)
}

/// ACK01 written for each `po_ack` status.
fn ack_code(status: &str, path: &str) -> Result<&'static str> {
    Ok(match status {
        "accepted" => "IA",
        "backordered" => "IB",
        "substituted" => "IS",
        "rejected" => "IR",
        s => {
            return Err(Error::input(
                Location::field(format!("{path}.status")),
                format!("unknown status {s:?}"),
            ))
        }
    })
}

pub fn po_ack(w: &mut W, doc: &Value, q: &str, today: &str) -> Result<()> {
    let po = required_code(w, doc, "po", "")?;
    let date = x12_date(doc.get("ack_date"), "ack_date", false)?;
    let date = if date.is_empty() {
        today.to_string()
    } else {
        date
    };
    let vref = w.code(get(doc, "vendor_ref"), "vendor_ref")?;
    w.seg("BAK", &["00", "AC", &po, &date, "", "", "", &vref]);
    let lines = list(doc, "lines")?;
    let mut previous: Option<(String, String, String)> = None;
    let mut po1s = 0;
    for (i, l) in lines.iter().enumerate() {
        let p = format!("lines[{i}]");
        let no = line_no(l, &p, i + 1)?;
        let product = required_code(w, l, "product", &p)?;
        let price = decimal(l.get("price"), &format!("{p}.price"), false)?;
        let key = (no.clone(), product.clone(), price.clone());
        if previous.as_ref() != Some(&key) {
            w.seg("PO1", &[&no, "", "", &price, "", q, &product]);
            po1s += 1;
            previous = Some(key);
        }
        let status = get(l, "status").unwrap_or_default();
        let code = ack_code(&status, &p)?;
        let qty = decimal(l.get("qty"), &format!("{p}.qty"), true)?;
        let when = if status == "backordered" {
            "backorder_date"
        } else {
            "delivery_date"
        };
        let day = x12_date(l.get(when), &format!("{p}.{when}"), false)?;
        let qual = if day.is_empty() { "" } else { "067" };
        let sub = if status == "substituted" {
            w.code(
                get(l, "substitute_product"),
                &format!("{p}.substitute_product"),
            )?
        } else {
            String::new()
        };
        let sq = if sub.is_empty() { "" } else { q };
        w.seg("ACK", &[code, &qty, "EA", qual, &day, "", sq, &sub]);
    }
    w.seg("CTT", &[&po1s.to_string()]);
    Ok(())
}

pub fn asn(w: &mut W, doc: &Value, q: &str) -> Result<()> {
    let asn = required_code(w, doc, "asn", "")?;
    let ship = x12_date(doc.get("ship_date"), "ship_date", true)?;
    w.seg("BSN", &["00", &asn, &ship, "0000", "0001"]);
    w.seg("HL", &["1", "", "S"]);
    let carrier = w.code(get(doc, "carrier"), "carrier")?;
    if !carrier.is_empty() {
        w.seg("TD5", &["", "2", &carrier]);
    }
    let tracking = w.code(get(doc, "tracking"), "tracking")?;
    if !tracking.is_empty() {
        w.seg("REF", &["CN", &tracking]);
    }
    w.seg("HL", &["2", "1", "O"]);
    let po = required_code(w, doc, "po", "")?;
    w.seg("PRF", &[&po]);
    let mut hl = 2;
    let mut pack: Option<(String, usize)> = None;
    for (i, l) in list(doc, "lines")?.iter().enumerate() {
        let p = format!("lines[{i}]");
        let sscc = w.code(get(l, "sscc"), &format!("{p}.sscc"))?;
        let parent = if sscc.is_empty() {
            pack = None;
            2
        } else {
            match &pack {
                Some((s, n)) if *s == sscc => *n,
                _ => {
                    hl += 1;
                    w.seg("HL", &[&hl.to_string(), "2", "P"]);
                    w.seg("MAN", &["GM", &sscc]);
                    pack = Some((sscc.clone(), hl));
                    hl
                }
            }
        };
        hl += 1;
        w.seg("HL", &[&hl.to_string(), &parent.to_string(), "I"]);
        let no = match l.get("line_no") {
            None | Some(Value::Null) => String::new(),
            _ => line_no(l, &p, 0)?,
        };
        let product = required_code(w, l, "product", &p)?;
        let lot = w.code(get(l, "lot"), &format!("{p}.lot"))?;
        let serial = w.code(get(l, "serial"), &format!("{p}.serial"))?;
        let mut els: Vec<&str> = vec![&no, q, &product];
        if !lot.is_empty() {
            els.extend(["LT", &lot]);
        }
        if !serial.is_empty() {
            els.extend(["SN", &serial]);
        }
        w.seg("LIN", &els);
        let qty = decimal(l.get("qty"), &format!("{p}.qty"), true)?;
        let uom = w.code(get(l, "uom").or(Some("EA".into())), &format!("{p}.uom"))?;
        w.seg("SN1", &["", &qty, &uom]);
        let expiry = x12_date(l.get("expiry"), &format!("{p}.expiry"), false)?;
        if !expiry.is_empty() {
            w.seg("DTM", &["036", &expiry]);
        }
    }
    w.seg("CTT", &[&hl.to_string()]);
    Ok(())
}

fn money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

pub fn invoice(w: &mut W, doc: &Value, q: &str) -> Result<()> {
    let date = x12_date(doc.get("invoice_date"), "invoice_date", true)?;
    let inv = required_code(w, doc, "invoice", "")?;
    let po = required_code(w, doc, "po", "")?;
    w.seg("BIG", &[&date, &inv, "", &po]);
    let cur = w.code(get(doc, "currency"), "currency")?;
    if !cur.is_empty() {
        w.seg("CUR", &["SE", &cur]);
    }
    let pct = decimal(doc.get("terms_discount_pct"), "terms_discount_pct", false)?;
    let ddue = x12_date(doc.get("terms_discount_due"), "terms_discount_due", false)?;
    let ddays = decimal(doc.get("terms_discount_days"), "terms_discount_days", false)?;
    let ndays = decimal(doc.get("terms_net_days"), "terms_net_days", false)?;
    // the due date travels as ITD06 unless the invoice date and net days already say it
    let due = x12_date(doc.get("due_date"), "due_date", false)?;
    let implied = chrono::NaiveDate::parse_from_str(&date, "%Y%m%d")
        .ok()
        .zip(ndays.parse::<i64>().ok());
    let implied = implied.and_then(|(d, n)| d.checked_add_signed(chrono::TimeDelta::try_days(n)?));
    let implied = implied
        .map(|d| d.format("%Y%m%d").to_string())
        .unwrap_or_default();
    let ndue = match x12_date(doc.get("terms_net_due"), "terms_net_due", false)? {
        n if n.is_empty() && due != implied => due,
        n => n,
    };
    if [&pct, &ddue, &ddays, &ndue, &ndays]
        .iter()
        .any(|v| !v.is_empty())
    {
        w.seg("ITD", &["01", "3", &pct, &ddue, &ddays, &ndue, &ndays]);
    }
    let lines = list(doc, "lines")?;
    let mut computed = Decimal::ZERO;
    for (i, l) in lines.iter().enumerate() {
        let p = format!("lines[{i}]");
        let no = match l.get("line_no") {
            None | Some(Value::Null) => String::new(),
            _ => line_no(l, &p, 0)?,
        };
        let qty = decimal(l.get("qty"), &format!("{p}.qty"), true)?;
        let uom = w.code(get(l, "uom").or(Some("EA".into())), &format!("{p}.uom"))?;
        let price = decimal(l.get("price"), &format!("{p}.price"), true)?;
        let product = required_code(w, l, "product", &p)?;
        w.seg("IT1", &[&no, &qty, &uom, &price, "", q, &product]);
        let tax = decimal(l.get("tax_pct"), &format!("{p}.tax_pct"), false)?;
        if !tax.is_empty() {
            w.seg("TXI", &["TX", "", &tax]);
        }
        let desc = w.free(get(l, "description"));
        if !desc.is_empty() {
            w.seg("PID", &["F", "", "", "", &desc]);
        }
        let sub = money(
            Decimal::from_str(&qty).unwrap_or_default()
                * Decimal::from_str(&price).unwrap_or_default(),
        );
        let t = Decimal::from_str(&tax).unwrap_or_default();
        computed += sub + money(sub * t / Decimal::ONE_HUNDRED);
    }
    let mut sacs = Vec::new();
    for (i, c) in list(doc, "charges")?.iter().enumerate() {
        let p = format!("charges[{i}]");
        let kind = match get(c, "kind").as_deref() {
            Some("charge") => "C",
            Some("allowance") => "A",
            _ => {
                return Err(Error::input(
                    Location::field(format!("{p}.kind")),
                    "must be charge or allowance",
                ))
            }
        };
        let code = required_code(w, c, "code", &p)?;
        if code.len() != 4 {
            return Err(Error::input(
                Location::field(format!("{p}.code")),
                "must be 4 characters (SAC02)",
            ));
        }
        let amount = cents(c.get("amount"), &format!("{p}.amount"))?;
        let a = Decimal::from_str(&amount).unwrap_or_default() / Decimal::ONE_HUNDRED;
        computed += if kind == "C" { a } else { -a };
        let desc = w.free(get(c, "description"));
        sacs.push([kind.to_string(), code, amount, desc]);
    }
    let total = match doc.get("total") {
        None | Some(Value::Null) => (computed * Decimal::ONE_HUNDRED).normalize().to_string(),
        t => cents(t, "total")?,
    };
    w.seg("TDS", &[&total]);
    for [kind, code, amount, desc] in &sacs {
        w.seg(
            "SAC",
            &[
                kind, code, "", "", amount, "", "", "", "", "", "", "", "", "", desc,
            ],
        );
    }
    w.seg("CTT", &[&lines.len().to_string()]);
    Ok(())
}

pub fn price_catalog(w: &mut W, doc: &Value, q: &str) -> Result<()> {
    let catalog = required_code(w, doc, "catalog", "")?;
    w.seg("BCT", &["PC", &catalog]);
    let cur = w.code(get(doc, "currency"), "currency")?;
    if !cur.is_empty() {
        w.seg("CUR", &["SE", &cur]);
    }
    let contract = w.code(get(doc, "contract"), "contract")?;
    if !contract.is_empty() {
        w.seg("REF", &["CT", &contract]);
    }
    for (key, qual) in [("effective_date", "007"), ("expiry_date", "036")] {
        let d = x12_date(doc.get(key), key, false)?;
        if !d.is_empty() {
            w.seg("DTM", &[qual, &d]);
        }
    }
    let lines = list(doc, "lines")?;
    for (i, l) in lines.iter().enumerate() {
        let p = format!("lines[{i}]");
        let product = required_code(w, l, "product", &p)?;
        w.seg("LIN", &["", q, &product]);
        let desc = w.free(get(l, "description"));
        if !desc.is_empty() {
            w.seg("PID", &["F", "", "", "", &desc]);
        }
        let contract = w.code(get(l, "contract"), &format!("{p}.contract"))?;
        if !contract.is_empty() {
            w.seg("REF", &["CT", &contract]);
        }
        for (key, qual) in [("date_start", "007"), ("date_end", "036")] {
            let d = x12_date(l.get(key), &format!("{p}.{key}"), false)?;
            if !d.is_empty() {
                w.seg("DTM", &[qual, &d]);
            }
        }
        let tier = w.code(get(l, "tier"), &format!("{p}.tier"))?;
        let price = decimal(l.get("price"), &format!("{p}.price"), true)?;
        let min = decimal(l.get("min_qty"), &format!("{p}.min_qty"), false)?;
        let uom = w.code(get(l, "uom"), &format!("{p}.uom"))?;
        let kind = if contract.is_empty() { "CAT" } else { "CON" };
        w.seg("CTP", &[&tier, kind, &price, &min, &uom]);
    }
    w.seg("CTT", &[&lines.len().to_string()]);
    Ok(())
}
