//! Document-level rules, checked on the normalised document once every field
//! is valid: what one field cannot say alone.

use std::collections::HashSet;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value};

use super::Problems;

type Obj = Map<String, Value>;

fn s<'a>(o: &'a Obj, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

fn lines<'a>(doc: &'a Obj, key: &str) -> impl Iterator<Item = (usize, &'a Obj)> {
    doc.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .enumerate()
}

fn dec(o: &Obj, k: &str) -> Decimal {
    s(o, k)
        .and_then(|t| Decimal::from_str(t).ok())
        .unwrap_or_default()
}

fn money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

pub(super) fn check(doc_type: &str, doc: &Obj, p: &mut Problems) {
    match doc_type {
        "po_ack" => po_ack(doc, p),
        "asn" => asn(doc, p),
        "invoice" => invoice(doc, p),
        "price_catalog" => price_catalog(doc, p),
        "vendor_update" => email(doc, p),
        "par_levels" => par_levels(doc, p),
        "vendor_onboarding" => onboarding(doc, p),
        "vendor_credential" => validity("", doc, p),
        "billing_batch" => billing_batch(doc, p),
        "billing_daily_totals" => daily_totals(doc, p),
        _ => {}
    }
}

fn duplicate_line_no(seen: &mut HashSet<i64>, line: &Obj, path: &str, p: &mut Problems) {
    if let Some(n) = line.get("line_no").and_then(Value::as_i64) {
        if !seen.insert(n) {
            p.add(
                &format!("{path}.line_no"),
                "duplicate",
                format!("line {n} appears twice"),
            );
        }
    }
}

fn po_ack(doc: &Obj, p: &mut Problems) {
    // a line may be split by status (6 accepted, 4 backordered: X12 855 sends
    // one ACK each), never twice with the same status
    let mut seen = HashSet::new();
    for (i, l) in lines(doc, "lines") {
        let path = format!("lines[{i}]");
        let status = s(l, "status").unwrap_or_default();
        if let Some(n) = l.get("line_no").and_then(Value::as_i64) {
            if !seen.insert((n, status)) {
                p.add(
                    &format!("{path}.line_no"),
                    "duplicate",
                    format!("line {n} appears twice as {status}"),
                );
            }
        }
        if status == "backordered" && !l.contains_key("backorder_date") {
            p.add(
                &format!("{path}.backorder_date"),
                "conditional",
                "is required when the status is backordered",
            );
        }
        if status == "substituted" && !l.contains_key("substitute_product") {
            p.add(
                &format!("{path}.substitute_product"),
                "conditional",
                "is required when the status is substituted",
            );
        }
        let zero = s(l, "qty") == Some("0");
        if status == "rejected" && !zero {
            p.add(
                &format!("{path}.qty"),
                "conditional",
                "must be 0 when the line is rejected",
            );
        }
        if status == "accepted" && zero {
            p.add(
                &format!("{path}.qty"),
                "conditional",
                "must be greater than 0 when the line is accepted",
            );
        }
    }
}

fn asn(doc: &Obj, p: &mut Problems) {
    let ship = s(doc, "ship_date").unwrap_or_default();
    let mut serials = HashSet::new();
    for (i, l) in lines(doc, "lines") {
        let path = format!("lines[{i}]");
        if let Some(serial) = s(l, "serial") {
            if s(l, "qty") != Some("1") {
                p.add(
                    &format!("{path}.qty"),
                    "conditional",
                    "must be 1 for a serial-numbered item",
                );
            }
            if !serials.insert((s(l, "product").unwrap_or_default(), serial)) {
                p.add(
                    &format!("{path}.serial"),
                    "duplicate",
                    "serial number shipped twice",
                );
            }
        }
        // ISO dates compare as strings
        if let Some(expiry) = s(l, "expiry") {
            if expiry < ship {
                p.add(
                    &format!("{path}.expiry"),
                    "expired",
                    "the lot expired before it was shipped",
                );
            }
        }
    }
}

fn invoice(doc: &Obj, p: &mut Problems) {
    if let (Some(due), Some(date)) = (s(doc, "due_date"), s(doc, "invoice_date")) {
        if due < date {
            p.add(
                "due_date",
                "conditional",
                "must not be before the invoice date",
            );
        }
    }
    let mut seen = HashSet::new();
    let mut computed = Decimal::ZERO;
    let mut n = 0i64;
    for (i, l) in lines(doc, "lines") {
        duplicate_line_no(&mut seen, l, &format!("lines[{i}]"), p);
        let subtotal = money(dec(l, "qty") * dec(l, "price"));
        let tax = money(subtotal * dec(l, "tax_pct") / Decimal::ONE_HUNDRED);
        computed += subtotal + tax;
        n += 1;
    }
    for (_, c) in lines(doc, "charges") {
        let amount = dec(c, "amount");
        computed += if s(c, "kind") == Some("allowance") {
            -amount
        } else {
            amount
        };
    }
    if doc.contains_key("total") {
        let total = dec(doc, "total");
        // each line may round its tax its own way: one cent of slack per line
        let slack = Decimal::new(n.max(1), 2);
        if (total - computed).abs() > slack {
            p.add(
                "total",
                "total_mismatch",
                format!("the lines, charges and allowances add up to {computed}, not {total}"),
            );
        }
    }
}

/// `end` is not before `start` (ISO dates compare as strings).
fn not_before(o: &Obj, start: &str, end: &str, path: &str, p: &mut Problems) {
    if let (Some(a), Some(b)) = (s(o, start), s(o, end)) {
        if b < a {
            p.add(path, "conditional", format!("must not be before {start}"));
        }
    }
}

fn price_catalog(doc: &Obj, p: &mut Problems) {
    not_before(doc, "effective_date", "expiry_date", "expiry_date", p);
    for (i, l) in lines(doc, "lines") {
        not_before(
            l,
            "date_start",
            "date_end",
            &format!("lines[{i}].date_end"),
            p,
        );
    }
}

fn email(doc: &Obj, p: &mut Problems) {
    if let Some(email) = s(doc, "email") {
        let ok = email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        });
        if !ok || email.contains(' ') {
            p.add("email", "format", "is not an e-mail address");
        }
    }
}

/// A par level's max is at least its min.
fn par_levels(doc: &Obj, p: &mut Problems) {
    for (i, l) in lines(doc, "levels") {
        if dec(l, "max") < dec(l, "min") {
            p.add(
                &format!("levels[{i}].max"),
                "min",
                "must not be less than min",
            );
        }
    }
}

fn onboarding(doc: &Obj, p: &mut Problems) {
    email(doc, p);
    let hundred = Decimal::ONE_HUNDRED;
    let mut names = HashSet::new();
    let mut owned = Decimal::ZERO;
    for (i, pr) in lines(doc, "principals") {
        let path = format!("principals[{i}]");
        // one principal per name under a vendor: the same person twice is a mistake
        let name = s(pr, "name").unwrap_or_default().to_lowercase();
        if !names.insert(name) {
            p.add(
                &format!("{path}.name"),
                "duplicate",
                "the same principal appears twice",
            );
        }
        let pct = dec(pr, "ownership_pct");
        if pct > hundred {
            p.add(
                &format!("{path}.ownership_pct"),
                "max",
                "must be at most 100",
            );
        }
        owned += pct;
    }
    if owned > hundred {
        p.add(
            "principals",
            "max",
            format!("the principals own {owned} % together, more than 100 %"),
        );
    }
    let mut requirements = HashSet::new();
    for (i, c) in lines(doc, "credentials") {
        let path = format!("credentials[{i}]");
        if !requirements.insert(s(c, "requirement").unwrap_or_default()) {
            p.add(
                &format!("{path}.requirement"),
                "duplicate",
                "one credential per requirement",
            );
        }
        validity(&path, c, p);
        if c.contains_key("document") && !c.contains_key("document_name") {
            p.add(
                &format!("{path}.document_name"),
                "conditional",
                "is required with a document (the file's name, e.g. coi-2026.pdf)",
            );
        }
    }
}

/// `valid_until` is not before `valid_from` (ISO dates compare as strings).
fn validity(prefix: &str, o: &Obj, p: &mut Problems) {
    if let (Some(from), Some(until)) = (s(o, "valid_from"), s(o, "valid_until")) {
        if until < from {
            let path = if prefix.is_empty() {
                "valid_until".to_string()
            } else {
                format!("{prefix}.valid_until")
            };
            p.add(&path, "conditional", "must not be before valid_from");
        }
    }
}

/// The shape of a correction; whether the batch balances, adds up and maps
/// is the billing engine's to say, once the mapping tables are known.
fn billing_batch(doc: &Obj, p: &mut Problems) {
    let kind = s(doc, "kind").unwrap_or("original");
    let has_lines = doc.contains_key("lines");
    match (kind, doc.contains_key("original")) {
        ("original", true) => p.add(
            "original",
            "conditional",
            "is only for an adjustment or a reversal",
        ),
        ("adjustment" | "reversal", false) => p.add(
            "original",
            "conditional",
            format!("is required for a {kind}: the batch id it corrects"),
        ),
        _ => {}
    }
    if kind == "reversal" && has_lines {
        p.add(
            "lines",
            "conditional",
            "a reversal has no lines: it reverses the original's entry",
        );
    }
    if kind != "reversal" && !has_lines {
        p.add("lines", "required", "is required");
    }
    let mut ids = HashSet::new();
    for (i, l) in lines(doc, "lines") {
        if let Some(id) = s(l, "line_id") {
            if !ids.insert(id) {
                p.add(
                    &format!("lines[{i}].line_id"),
                    "duplicate",
                    format!("line {id} appears twice"),
                );
            }
        }
    }
}

fn daily_totals(doc: &Obj, p: &mut Problems) {
    let mut keys = HashSet::new();
    for (i, r) in lines(doc, "rows") {
        let key = (
            s(r, "department").unwrap_or_default(),
            s(r, "account").unwrap_or_default(),
        );
        if !keys.insert(key) {
            p.add(
                &format!("rows[{i}]"),
                "duplicate",
                "department and account appear twice",
            );
        }
    }
}
