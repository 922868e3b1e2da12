//! Accepted sets to the MedSync documents of the hub: 855 → `po_ack`,
//! 856 → `asn` (one per order HL), 810 → `invoice`, 832 →
//! `price_catalog`, 997/999 → `functional_ack`, 850 → `purchase_order`.
//!
//! Decimals come out as canonical strings (`"12.5"`, `"3"`), dates as
//! `YYYY-MM-DD`. A line's product is its first id whose qualifier comes
//! first in the partner's preference; a line without one is an element
//! error ("2") that rejects the set.

use std::str::FromStr;

use chrono::{NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::envelope::iso_date;
use super::lex::SegRef;
use super::schema::ACK_STATUS;
use super::validate::{hl_tree, Checked};
use super::{Options, Parsed};

type Obj = Map<String, Value>;

pub fn doc_type(set_id: &str) -> Option<&'static str> {
    Some(match set_id {
        "850" => "purchase_order",
        "855" => "po_ack",
        "856" => "asn",
        "810" => "invoice",
        "832" => "price_catalog",
        "997" | "999" => "functional_ack",
        _ => return None,
    })
}

/// Map one set that passed validation; mapping errors reject it.
pub fn map(set_id: &str, segs: &[SegRef], opts: &Options, c: &mut Checked) {
    let before = c.errors.len();
    let docs = match set_id {
        "850" => vec![purchase_order(segs, opts, c)],
        "855" => vec![po_ack(segs, opts, c)],
        "856" => asn(segs, opts, c),
        "810" => vec![invoice(segs, opts, c)],
        "832" => vec![price_catalog(segs, opts, c)],
        "997" | "999" => vec![functional_ack(segs)],
        _ => Vec::new(),
    };
    if c.errors.len() == before {
        c.documents = docs.into_iter().map(Value::Object).collect();
    }
}

/// Sets of a rejected group or interchange bring no documents.
pub fn drop_unsettled(p: &mut Parsed) {
    for ic in &mut p.interchanges {
        let ic_rejected = ic.ta1.code == "R";
        for g in &mut ic.groups {
            if ic_rejected || g.ack_code == "R" {
                for s in &mut g.sets {
                    s.documents.clear();
                }
            }
        }
    }
}

/// A decimal with `implied` decimals, in canonical form.
pub fn dec(v: &[u8], implied: u32) -> Option<String> {
    let s = std::str::from_utf8(v).ok()?.trim();
    if s.is_empty() {
        return None;
    }
    let mut d = Decimal::from_str(s).ok()?;
    if implied > 0 {
        d.set_scale(d.scale() + implied).ok()?;
    }
    Some(d.normalize().to_string())
}

fn date(v: &[u8]) -> Option<String> {
    iso_date(v)
}

/// The currency (the set's CUR, else the partner's) and the lines of a
/// document that carries money.
fn money_lines(doc: &mut Obj, currency: Option<String>, lines: Vec<Obj>, opts: &Options) {
    put(
        doc,
        "currency",
        currency.or_else(|| Some(opts.currency.clone())),
    );
    doc.insert(
        "lines".into(),
        Value::Array(lines.into_iter().map(Value::Object).collect()),
    );
}

fn put(o: &mut Obj, key: &str, v: Option<String>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        o.insert(key.to_string(), Value::String(v));
    }
}

fn text(seg: &SegRef, i: usize) -> Option<String> {
    Some(seg.text(i)).filter(|t| !t.is_empty())
}

fn line_no(v: &[u8]) -> Option<i64> {
    (!v.is_empty() && v.len() <= 9 && v.iter().all(u8::is_ascii_digit))
        .then(|| std::str::from_utf8(v).ok()?.parse().ok())
        .flatten()
}

/// The id of the preferred qualifier among the pairs from element `from`.
fn preferred(seg: &SegRef, from: usize, opts: &Options) -> Option<String> {
    let pairs: Vec<(&[u8], &[u8])> = seg
        .elements()
        .skip(from - 1)
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|p| match p {
            [q, id] if !id.is_empty() => Some((*q, *id)),
            _ => None,
        })
        .collect();
    opts.product_qualifiers.iter().find_map(|q| {
        pairs
            .iter()
            .find(|(pq, _)| *pq == q.as_bytes())
            .map(|(_, id)| String::from_utf8_lossy(id).trim().to_string())
    })
}

/// The id of one qualifier among the pairs (LT lot, SN serial).
fn pair(seg: &SegRef, from: usize, qualifier: &str) -> Option<String> {
    let els: Vec<&[u8]> = seg.elements().skip(from - 1).collect();
    els.chunks(2).find_map(|p| match p {
        [q, id] if *q == qualifier.as_bytes() && !id.is_empty() => {
            Some(String::from_utf8_lossy(id).trim().to_string())
        }
        _ => None,
    })
}

fn product(
    seg: &SegRef,
    from: usize,
    pos: usize,
    lp: &str,
    opts: &Options,
    c: &mut Checked,
) -> Option<String> {
    let p = preferred(seg, from, opts);
    if p.is_none() {
        let msg = format!(
            "no product id qualified {}",
            opts.product_qualifiers.join(", ")
        );
        c.element(pos, seg.id(), lp, from + 1, 0, "2", b"", msg);
    }
    p
}

fn purchase_order(segs: &[SegRef], opts: &Options, c: &mut Checked) -> Obj {
    let mut doc = Obj::new();
    let mut lines: Vec<Obj> = Vec::new();
    let mut planned = None;
    let mut currency = None;
    for (i, seg) in segs.iter().enumerate() {
        match seg.id() {
            b"BEG" => {
                put(&mut doc, "po", text(seg, 3));
                put(
                    &mut doc,
                    "date_order",
                    date(seg.el(5)).map(|d| format!("{d} 00:00:00")),
                );
            }
            b"CUR" if lines.is_empty() => currency = text(seg, 2),
            b"DTM" if lines.is_empty() && seg.el(1) == b"002" => planned = date(seg.el(2)),
            b"N1" if seg.el(1) == b"ST" => {
                put(&mut doc, "ship_to", text(seg, 2));
                put(&mut doc, "ship_to_qualifier", text(seg, 3));
                put(&mut doc, "ship_to_id", text(seg, 4));
            }
            b"N1" if seg.el(1) == b"SE" => {
                put(&mut doc, "vendor", text(seg, 2).or_else(|| text(seg, 4)))
            }
            b"PO1" => {
                let mut l = Obj::new();
                let no = line_no(seg.el(1)).unwrap_or(lines.len() as i64 + 1);
                l.insert("line_no".into(), no.into());
                put(&mut l, "product", product(seg, 6, i + 1, "PO1", opts, c));
                put(&mut l, "qty", dec(seg.el(2), 0));
                put(&mut l, "uom", text(seg, 3));
                put(&mut l, "price", dec(seg.el(4), 0));
                put(
                    &mut l,
                    "date_planned",
                    planned.as_ref().map(|d| format!("{d} 00:00:00")),
                );
                lines.push(l);
            }
            b"PID" => {
                if let Some(l) = lines.last_mut() {
                    if !l.contains_key("description") {
                        put(l, "description", text(seg, 5));
                    }
                }
            }
            _ => {}
        }
    }
    money_lines(&mut doc, currency, lines, opts);
    doc
}

fn po_ack(segs: &[SegRef], opts: &Options, c: &mut Checked) -> Obj {
    let mut doc = Obj::new();
    let mut lines: Vec<Obj> = Vec::new();
    // the current PO1: its line, whether an ACK answered it yet
    let mut current: Option<(Obj, bool, Option<String>)> = None;
    let mut n_po1 = 0;
    let flush = |cur: Option<(Obj, bool, Option<String>)>, lines: &mut Vec<Obj>| {
        if let Some((mut base, answered, qty)) = cur {
            if !answered {
                base.insert("status".into(), "accepted".into());
                put(&mut base, "qty", qty);
                lines.push(base);
            }
        }
    };
    for (i, seg) in segs.iter().enumerate() {
        match seg.id() {
            b"BAK" => {
                put(&mut doc, "po", text(seg, 3));
                put(&mut doc, "ack_date", date(seg.el(4)));
                put(&mut doc, "vendor_ref", text(seg, 8));
            }
            b"PO1" => {
                flush(current.take(), &mut lines);
                n_po1 += 1;
                let mut base = Obj::new();
                base.insert("line_no".into(), line_no(seg.el(1)).unwrap_or(n_po1).into());
                put(&mut base, "product", product(seg, 6, i + 1, "PO1", opts, c));
                put(&mut base, "price", dec(seg.el(4), 0));
                current = Some((base, false, dec(seg.el(2), 0)));
            }
            b"ACK" => {
                let Some((base, answered, po_qty)) = current.as_mut() else {
                    continue;
                };
                *answered = true;
                let code = String::from_utf8_lossy(seg.el(1)).into_owned();
                let status = ACK_STATUS
                    .iter()
                    .find(|(k, _)| *k == code)
                    .map_or("accepted", |(_, s)| s);
                let mut l = base.clone();
                l.insert("status".into(), status.into());
                put(&mut l, "qty", dec(seg.el(2), 0).or_else(|| po_qty.clone()));
                let key = if status == "backordered" {
                    "backorder_date"
                } else {
                    "delivery_date"
                };
                put(&mut l, key, date(seg.el(5)));
                if status == "substituted" {
                    put(&mut l, "substitute_product", preferred(seg, 7, opts));
                }
                lines.push(l);
            }
            _ => {}
        }
    }
    flush(current, &mut lines);
    doc.insert(
        "lines".into(),
        Value::Array(lines.into_iter().map(Value::Object).collect()),
    );
    doc
}

/// What one HL of an 856 carries.
#[derive(Default, Clone)]
struct HlData {
    po: Option<String>,
    sscc: Option<String>,
    line: Obj,
}

fn asn(segs: &[SegRef], opts: &Options, c: &mut Checked) -> Vec<Obj> {
    let hls = hl_tree(segs, &mut Checked::default());
    let mut head = Obj::new();
    let (mut ship, mut dtm011, mut carrier, mut cn, mut bm) = (None, None, None, None, None);
    let mut data: Vec<HlData> = vec![HlData::default(); hls.len()];
    let mut h: Option<usize> = None;
    for (i, seg) in segs.iter().enumerate() {
        let id = seg.id();
        if id == b"HL" {
            // the tree has one HL per HL segment, in order
            h = Some(h.map_or(0, |k| k + 1));
            continue;
        }
        match id {
            b"BSN" => {
                put(&mut head, "asn", text(seg, 2));
                ship = date(seg.el(3));
            }
            b"DTM" if seg.el(1) == b"011" => dtm011 = dtm011.or(date(seg.el(2))),
            b"TD5" => carrier = carrier.or(text(seg, 3)),
            b"REF" if seg.el(1) == b"CN" => cn = cn.or(text(seg, 2)),
            b"REF" if seg.el(1) == b"BM" => bm = bm.or(text(seg, 2)),
            _ => {}
        }
        let Some(k) = h else { continue };
        let d = &mut data[k];
        match id {
            b"PRF" => d.po = text(seg, 1),
            b"MAN" if seg.el(1) == b"GM" => d.sscc = text(seg, 2),
            b"LIN" => {
                if let Some(n) = line_no(seg.el(1)) {
                    d.line.insert("line_no".into(), n.into());
                }
                put(
                    &mut d.line,
                    "product",
                    product(seg, 2, i + 1, "HL", opts, c),
                );
                put(&mut d.line, "lot", pair(seg, 2, "LT"));
                put(&mut d.line, "serial", pair(seg, 2, "SN"));
            }
            b"SN1" => {
                put(&mut d.line, "qty", dec(seg.el(2), 0));
                put(&mut d.line, "uom", text(seg, 3));
            }
            b"REF" if seg.el(1) == b"LT" && !d.line.contains_key("lot") => {
                put(&mut d.line, "lot", text(seg, 2))
            }
            b"REF" if seg.el(1) == b"SE" && !d.line.contains_key("serial") => {
                put(&mut d.line, "serial", text(seg, 2))
            }
            b"DTM" if seg.el(1) == b"036" => put(&mut d.line, "expiry", date(seg.el(2))),
            _ => {}
        }
    }
    put(&mut head, "ship_date", ship.or(dtm011));
    put(&mut head, "carrier", carrier);
    put(&mut head, "tracking", cn.or(bm));
    let orders: Vec<usize> = (0..hls.len()).filter(|&k| hls[k].level == b"O").collect();
    let ancestors = |mut k: usize| {
        let mut out = vec![];
        while let Some(p) = hls[k].parent {
            out.push(p);
            k = p;
        }
        out
    };
    let mut per_order: Vec<Vec<Value>> = vec![Vec::new(); orders.len().max(1)];
    for k in (0..hls.len()).filter(|&k| hls[k].level == b"I") {
        let up = ancestors(k);
        let o = up
            .iter()
            .find_map(|a| orders.iter().position(|x| x == a))
            .unwrap_or(0);
        let mut line = data[k].line.clone();
        let sscc = up
            .iter()
            .find(|a| matches!(hls[**a].level, b"P" | b"T") && data[**a].sscc.is_some());
        put(&mut line, "sscc", sscc.and_then(|a| data[*a].sscc.clone()));
        per_order[o].push(Value::Object(line));
    }
    let asn_id = head
        .get("asn")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let first_po = data.iter().find_map(|d| d.po.clone());
    per_order
        .into_iter()
        .enumerate()
        .map(|(n, lines)| {
            let mut doc = head.clone();
            if n > 0 {
                doc.insert("asn".into(), format!("{asn_id}-{}", n + 1).into());
            }
            let po = orders
                .get(n)
                .and_then(|&k| data[k].po.clone())
                .or_else(|| first_po.clone());
            put(&mut doc, "po", po);
            doc.insert("lines".into(), Value::Array(lines));
            doc
        })
        .collect()
}

fn add_days(d: &str, days: &[u8]) -> Option<String> {
    let n: i64 = std::str::from_utf8(days).ok()?.parse().ok()?;
    let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
    Some(
        day.checked_add_signed(TimeDelta::try_days(n)?)?
            .format("%Y-%m-%d")
            .to_string(),
    )
}

fn invoice(segs: &[SegRef], opts: &Options, c: &mut Checked) -> Obj {
    let mut doc = Obj::new();
    let mut lines: Vec<Obj> = Vec::new();
    let mut charges: Vec<Value> = Vec::new();
    let (mut in_line, mut currency, mut itd_seen) = (false, None, false);
    for (i, seg) in segs.iter().enumerate() {
        match seg.id() {
            b"BIG" => {
                put(&mut doc, "invoice_date", date(seg.el(1)));
                put(&mut doc, "invoice", text(seg, 2));
                put(&mut doc, "po", text(seg, 4));
            }
            b"CUR" if lines.is_empty() => currency = text(seg, 2),
            b"ITD" if !in_line && !itd_seen => {
                itd_seen = true;
                put(&mut doc, "terms_discount_pct", dec(seg.el(3), 0));
                put(&mut doc, "terms_discount_due", date(seg.el(4)));
                if let Some(n) = line_no(seg.el(5)) {
                    doc.insert("terms_discount_days".into(), n.into());
                }
                put(&mut doc, "terms_net_due", date(seg.el(6)));
                if let Some(n) = line_no(seg.el(7)) {
                    doc.insert("terms_net_days".into(), n.into());
                }
                let from_days = doc
                    .get("invoice_date")
                    .and_then(Value::as_str)
                    .and_then(|d| add_days(d, seg.el(7)));
                put(&mut doc, "due_date", date(seg.el(6)).or(from_days));
            }
            b"IT1" => {
                in_line = true;
                let mut l = Obj::new();
                if let Some(n) = line_no(seg.el(1)) {
                    l.insert("line_no".into(), n.into());
                }
                put(&mut l, "product", product(seg, 6, i + 1, "IT1", opts, c));
                put(&mut l, "qty", dec(seg.el(2), 0));
                put(&mut l, "uom", text(seg, 3));
                put(&mut l, "price", dec(seg.el(4), 0));
                lines.push(l);
            }
            b"TDS" => {
                in_line = false;
                put(&mut doc, "total", dec(seg.el(1), 2));
            }
            b"PID" | b"TXI" if in_line => {
                let (key, v) = if seg.is("PID") {
                    ("description", text(seg, 5))
                } else {
                    ("tax_pct", dec(seg.el(3), 0))
                };
                if let Some(l) = lines.last_mut() {
                    if !l.contains_key(key) {
                        put(l, key, v);
                    }
                }
            }
            b"SAC" => {
                let kind = match seg.el(1) {
                    b"C" => "charge",
                    b"A" => "allowance",
                    _ => continue,
                };
                let mut ch = Obj::new();
                ch.insert("kind".into(), kind.into());
                put(&mut ch, "code", text(seg, 2).or_else(|| text(seg, 4)));
                put(&mut ch, "amount", dec(seg.el(5), 2));
                put(&mut ch, "description", text(seg, 15));
                charges.push(Value::Object(ch));
            }
            _ => {}
        }
    }
    money_lines(&mut doc, currency, lines, opts);
    if !charges.is_empty() {
        doc.insert("charges".into(), Value::Array(charges));
    }
    doc
}

fn price_catalog(segs: &[SegRef], opts: &Options, c: &mut Checked) -> Obj {
    let mut doc = Obj::new();
    let mut lines: Vec<Obj> = Vec::new();
    let mut item: Option<Obj> = None; // the current LIN's fields
    let mut in_ctp = false;
    let mut currency = None;
    for (i, seg) in segs.iter().enumerate() {
        match seg.id() {
            b"BCT" => put(&mut doc, "catalog", text(seg, 2).or_else(|| text(seg, 3))),
            b"CUR" if item.is_none() => currency = text(seg, 2),
            b"LIN" => {
                in_ctp = false;
                let mut it = Obj::new();
                put(&mut it, "product", product(seg, 2, i + 1, "LIN", opts, c));
                item = Some(it);
            }
            b"PID" => {
                if let Some(it) = item.as_mut().filter(|it| !it.contains_key("description")) {
                    put(it, "description", text(seg, 5));
                }
            }
            b"REF" if seg.el(1) == b"CT" => match item.as_mut() {
                None => put(&mut doc, "contract", text(seg, 2)),
                Some(it) => put(it, "contract", text(seg, 2)),
            },
            b"DTM" if matches!(seg.el(1), b"007" | b"036") => {
                let start = seg.el(1) == b"007";
                let target = match (&mut item, in_ctp) {
                    (None, _) => {
                        let key = if start {
                            "effective_date"
                        } else {
                            "expiry_date"
                        };
                        put(&mut doc, key, date(seg.el(2)));
                        continue;
                    }
                    (Some(_), true) => lines.last_mut(),
                    (Some(it), false) => Some(it),
                };
                if let Some(t) = target {
                    put(
                        t,
                        if start { "date_start" } else { "date_end" },
                        date(seg.el(2)),
                    );
                }
            }
            b"CTP" => {
                let Some(it) = item.as_ref() else { continue };
                in_ctp = true;
                let mut l = it.clone();
                put(&mut l, "tier", text(seg, 1));
                put(&mut l, "price", dec(seg.el(3), 0));
                put(&mut l, "min_qty", dec(seg.el(4), 0));
                put(
                    &mut l,
                    "uom",
                    Some(String::from_utf8_lossy(seg.comp(5, 1)).trim().to_string()),
                );
                lines.push(l);
            }
            _ => {}
        }
    }
    if let Some(tier) = &opts.tier {
        let before = lines.len();
        lines.retain(|l| {
            l.get("tier")
                .and_then(Value::as_str)
                .is_none_or(|t| t == tier)
        });
        c.skipped = before - lines.len();
    }
    money_lines(&mut doc, currency, lines, opts);
    doc
}

fn functional_ack(segs: &[SegRef]) -> Obj {
    let mut doc = Obj::new();
    let mut sets: Vec<Obj> = Vec::new();
    for seg in segs {
        match seg.id() {
            b"AK1" => {
                put(&mut doc, "functional_id", text(seg, 1));
                put(&mut doc, "group_control", text(seg, 2));
            }
            b"AK2" => {
                let mut s = Obj::new();
                put(&mut s, "set_id", text(seg, 1));
                put(&mut s, "control", text(seg, 2));
                s.insert("errors".into(), Value::Array(vec![]));
                sets.push(s);
            }
            b"AK5" | b"IK5" => {
                if let Some(s) = sets.last_mut() {
                    put(s, "code", text(seg, 1));
                    let errs: Vec<Value> = (2..=6)
                        .filter_map(|k| text(seg, k))
                        .map(Value::String)
                        .collect();
                    s.insert("errors".into(), Value::Array(errs));
                }
            }
            b"AK9" => put(&mut doc, "code", text(seg, 1)),
            _ => {}
        }
    }
    doc.insert(
        "sets".into(),
        Value::Array(sets.into_iter().map(Value::Object).collect()),
    );
    doc
}
