use super::*;

fn rules(doc_type: &str, body: &str) -> Vec<(String, &'static str)> {
    match validate(doc_type, 1, body.as_bytes()).expect("known type") {
        Ok(_) => vec![],
        Err(ps) => ps.into_iter().map(|p| (p.path, p.rule)).collect(),
    }
}

fn ok(doc_type: &str, body: &str) -> Valid {
    validate(doc_type, 1, body.as_bytes())
        .expect("known type")
        .expect("valid")
}

#[test]
fn canonical_decimals() {
    let c = |t: &str| canonical_decimal(t).map(|d| d.text);
    assert_eq!(c("12.50").as_deref(), Some("12.5"));
    assert_eq!(c("-0012.500e1").as_deref(), Some("-125"));
    assert_eq!(c("1e3").as_deref(), Some("1000"));
    assert_eq!(c("0.000"), Some("0".into()));
    assert_eq!(c("-0").as_deref(), Some("0"));
    assert_eq!(c("12.5E-3").as_deref(), Some("0.0125"));
    assert_eq!(c("1.x"), None);
    let d = canonical_decimal("123.4500").unwrap();
    assert_eq!((d.int_digits, d.frac_digits), (3, 2));
}

#[test]
fn same_meaning_same_hash() {
    let a = ok(
        "payment_status",
        r#"{"bill":"INV-1","status":"paid","amount":100.50,"currency":"USD","date":"2026-01-31","payment_ref":"P1"}"#,
    );
    let b = ok(
        "payment_status",
        r#"{ "payment_ref" : " P1 ", "currency":"USD", "amount":"100.5", "date":"2026-01-31", "status":"paid", "bill":"INV-1", "reason": "" }"#,
    );
    assert_eq!(a, b);
    assert_eq!(a.hash.len(), 64);
    assert!(a.canonical.contains(r#""amount":"100.5""#));
}

#[test]
fn errors_name_field_and_rule() {
    assert_eq!(rules("asn", "{"), vec![("$".into(), "json")]);
    assert_eq!(rules("asn", "[]"), vec![("$".into(), "type")]);
    let r = rules(
        "po_ack",
        r#"{"po":"P00001","lines":[{"line_no":1,"product":"A","status":"maybe","qty":-1},{"line_no":0,"product":"B","status":"accepted","qty":"1.23456"}],"extra":1}"#,
    );
    assert_eq!(
        r,
        vec![
            ("extra".into(), "unknown_field"),
            ("lines[0].status".into(), "enum"),
            ("lines[0].qty".into(), "min"),
            ("lines[1].line_no".into(), "min"),
            ("lines[1].qty".into(), "decimals"),
        ]
    );
    assert_eq!(
        rules("po_ack", r#"{"po":"P1","lines":[]}"#),
        vec![("lines".into(), "length")]
    );
    assert_eq!(rules("invoice", r#"{"po":"P1"}"#).len(), 4);
}

#[test]
fn document_rules() {
    let r = rules(
        "po_ack",
        r#"{"po":"P1","lines":[{"line_no":1,"product":"A","status":"backordered","qty":5},
                               {"line_no":1,"product":"A","status":"rejected","qty":2},
                               {"line_no":2,"product":"B","status":"substituted","qty":1}]}"#,
    );
    assert_eq!(
        r,
        vec![
            ("lines[0].backorder_date".into(), "conditional"),
            ("lines[1].line_no".into(), "duplicate"),
            ("lines[1].qty".into(), "conditional"),
            ("lines[2].substitute_product".into(), "conditional"),
        ]
    );
    let asn = r#"{"asn":"A1","po":"P1","ship_date":"2026-03-01","lines":[
        {"product":"X","qty":2,"serial":"S1","expiry":"2026-02-28"},
        {"product":"X","qty":1,"serial":"S1","sscc":"106141411234567897"}]}"#;
    assert_eq!(
        rules("asn", asn),
        vec![
            ("lines[0].qty".into(), "conditional"),
            ("lines[0].expiry".into(), "expired"),
            ("lines[1].serial".into(), "duplicate"),
        ]
    );
    let inv = |total: &str| {
        format!(
            r#"{{"invoice":"I1","po":"P1","invoice_date":"2026-01-01","currency":"USD","total":{total},
               "lines":[{{"product":"A","qty":3,"price":"1.005","tax_pct":10}},{{"product":"B","qty":1,"price":2}}]}}"#
        )
    };
    // 3 x 1.005 = 3.015 -> 3.02 (half away from zero); tax 0.302 -> 0.30; + 2.00
    assert!(rules("invoice", &inv("5.32")).is_empty());
    assert_eq!(
        rules("invoice", &inv("5.40")),
        vec![("total".into(), "total_mismatch")]
    );
}

#[test]
fn sscc_dates_and_datetimes() {
    assert!(gs1_check_digit_ok("106141411234567897"));
    assert!(!gs1_check_digit_ok("106141411234567890"));
    assert!(date("2024-02-29").is_some());
    assert!(date("2023-02-29").is_none());
    assert!(date("2024-2-29").is_none());
    assert_eq!(
        datetime_utc("2026-01-01T01:30:00+02:00").as_deref(),
        Some("2025-12-31T23:30:00Z")
    );
    assert_eq!(
        datetime_utc("2026-01-01T01:30:00.123Z").as_deref(),
        Some("2026-01-01T01:30:00Z")
    );
    assert!(datetime_utc("2026-01-01 01:30:00Z").is_none());
    assert!(datetime_utc("2026-01-01T24:00:00Z").is_none());
    assert!(validate("nope", 1, b"{}").is_none());
    assert!(validate("asn", 2, b"{}").is_none());
}

#[test]
fn envelope_validates_each_document_alone() {
    let body = br#"{"documents":[
        {"idempotency_key":"a","document":{"bill":"B","status":"paid","amount":"1.50","currency":"USD","date":"2026-01-01","payment_ref":"P"}},
        {"idempotency_key":"b","document":{"bill":"B","status":"lost"}},
        {"document":{}}]}"#;
    let items = validate_envelope("payment_status", 1, body)
        .unwrap()
        .unwrap();
    assert_eq!(items.len(), 3);
    let alone = validate("payment_status", 1, br#"{"bill":"B","status":"paid","amount":1.5,"currency":"USD","date":"2026-01-01","payment_ref":"P"}"#).unwrap();
    assert_eq!(items[0].outcome, alone);
    assert_eq!(items[0].key.as_deref(), Some("a"));
    assert!(items[1].outcome.is_err());
    assert_eq!(items[2].key, None);
    let e = validate_envelope("payment_status", 1, br#"{"docs":[]}"#)
        .unwrap()
        .unwrap_err();
    assert_eq!((e.path.as_str(), e.rule), ("documents", "required"));
    let e = validate_envelope("payment_status", 1, br#"{"documents":[]}"#)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.rule, "length");
}
