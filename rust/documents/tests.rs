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
                               {"line_no":2,"product":"B","status":"substituted","qty":1},
                               {"line_no":2,"product":"B","status":"substituted","qty":1,"substitute_product":"C"}]}"#,
    );
    // line 1 split by status is one line acknowledged twice; line 2 twice as substituted is a duplicate
    assert_eq!(
        r,
        vec![
            ("lines[0].backorder_date".into(), "conditional"),
            ("lines[1].qty".into(), "conditional"),
            ("lines[2].substitute_product".into(), "conditional"),
            ("lines[3].line_no".into(), "duplicate"),
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

const ONBOARDING: &str = r#"{"vendor":"V-SUT","name":"Sutura Medical","category":"MEDSURG",
    "tax_id":"12-3456789","country":"US","state":"IL","email":"ap@sutura.example",
    "npi":"1234567893","uei":"J7M9HPTGJ1S9","dea":"AB1234563",
    "principals":[{"name":"Ann Lee","role":"owner","ownership_pct":"60.00"},{"name":"Bo Diaz","role":"officer"}],
    "credentials":[{"requirement":"COI","number":"POL-1","issuer":"Acme Insurance","valid_from":"2026-01-01",
                    "valid_until":"2026-12-31","coverage":1000000,"document_name":"coi.pdf","document":"JVBERi0xLjQK"},
                   {"requirement":"W9","document_name":"w9.pdf","document":"JVBERi0xLjQKJeLjz9MK"}]}"#;

#[test]
fn vendor_onboarding_valid_and_canonical() {
    let v = ok("vendor_onboarding", ONBOARDING);
    assert!(v.canonical.contains(r#""ownership_pct":"60""#));
    assert!(v.canonical.contains(r#""coverage":"1000000""#));
    // an empty optional list is absent, as an empty optional string
    let bare = r#"{"vendor":"V-SUT","name":"Sutura","category":"MEDSURG","principals":[],"credentials":[],"tax_id":""}"#;
    let b = ok("vendor_onboarding", bare);
    assert_eq!(
        b.canonical,
        r#"{"category":"MEDSURG","name":"Sutura","vendor":"V-SUT"}"#
    );
}

#[test]
fn vendor_onboarding_required_fields_and_rows() {
    assert_eq!(
        rules("vendor_onboarding", r#"{"vendor":"V-SUT"}"#),
        vec![("name".into(), "required"), ("category".into(), "required")]
    );
    let r = rules(
        "vendor_onboarding",
        r#"{"vendor":"V-SUT","name":"S","category":"MEDSURG",
            "principals":[{"role":"owner"},{"name":"X","role":"chair","ownership_pct":-1}],
            "credentials":[{"number":"1"},{"requirement":"COI","valid_from":"2026-13-01"},
                           {"requirement":"W9","document":"not base64!","document_name":"w9.pdf"}]}"#,
    );
    assert_eq!(
        r,
        vec![
            ("principals[0].name".into(), "required"),
            ("principals[1].role".into(), "enum"),
            ("principals[1].ownership_pct".into(), "min"),
            ("credentials[0].requirement".into(), "required"),
            ("credentials[1].valid_from".into(), "date"),
            ("credentials[2].document".into(), "format"),
        ]
    );
}

#[test]
fn vendor_onboarding_identifiers() {
    let doc = |field: &str, value: &str| {
        format!(r#"{{"vendor":"V","name":"S","category":"C","{field}":"{value}"}}"#)
    };
    assert!(rules("vendor_onboarding", &doc("npi", "1234567893")).is_empty());
    assert_eq!(
        rules("vendor_onboarding", &doc("npi", "1234567890")),
        vec![("npi".into(), "check_digit")]
    );
    assert_eq!(
        rules("vendor_onboarding", &doc("npi", "123456789")),
        vec![("npi".into(), "format")]
    );
    assert!(rules("vendor_onboarding", &doc("dea", "AB1234563")).is_empty());
    assert_eq!(
        rules("vendor_onboarding", &doc("dea", "AB1234564")),
        vec![("dea".into(), "check_digit")]
    );
    assert_eq!(
        rules("vendor_onboarding", &doc("dea", "ab1234563")),
        vec![("dea".into(), "format")]
    );
    assert_eq!(
        rules("vendor_onboarding", &doc("uei", "O7M9HPTGJ1S9")),
        vec![("uei".into(), "format")]
    );
    assert_eq!(
        rules("vendor_onboarding", &doc("email", "nobody")),
        vec![("email".into(), "format")]
    );
}

#[test]
fn vendor_onboarding_document_rules() {
    let r = rules(
        "vendor_onboarding",
        r#"{"vendor":"V","name":"S","category":"C",
            "principals":[{"name":"Ann Lee","ownership_pct":"60"},{"name":"ann lee","ownership_pct":"30"},
                          {"name":"Cy","ownership_pct":"100.5"}],
            "credentials":[{"requirement":"COI","valid_from":"2026-06-01","valid_until":"2026-05-31"},
                           {"requirement":"COI","document":"QUJD"}]}"#,
    );
    assert_eq!(
        r,
        vec![
            ("principals[1].name".into(), "duplicate"),
            ("principals[2].ownership_pct".into(), "max"),
            ("principals".into(), "max"),
            ("credentials[0].valid_until".into(), "conditional"),
            ("credentials[1].requirement".into(), "duplicate"),
            ("credentials[1].document_name".into(), "conditional"),
        ]
    );
}

#[test]
fn base64_documents_are_bounded_once_decoded() {
    assert_eq!(base64_len("QUJD"), Some(3));
    assert_eq!(base64_len("QUI="), Some(2));
    assert_eq!(base64_len("QQ=="), Some(1));
    assert_eq!(base64_len("QQ="), None);
    assert_eq!(base64_len("Q==="), None);
    assert_eq!(base64_len("QU=D"), None);
    assert_eq!(base64_len("QUJ*"), None);
    let max = schema::MAX_DOCUMENT_BYTES;
    let body = |n: usize| {
        // n decoded bytes: a group of four characters per three bytes, the rest padded
        let tail = ["", "AA==", "AAA="][n % 3];
        let text = "AAAA".repeat(n / 3) + tail;
        format!(
            r#"{{"vendor":"V","name":"S","category":"C","credentials":[{{"requirement":"COI","document_name":"a.pdf","document":"{text}"}}]}}"#
        )
    };
    assert!(rules("vendor_onboarding", &body(max)).is_empty());
    assert_eq!(
        rules("vendor_onboarding", &body(max + 1)),
        vec![("credentials[0].document".into(), "length")]
    );
    // a line break (MIME base64) is a control character
    assert_eq!(
        rules(
            "vendor_onboarding",
            r#"{"vendor":"V","name":"S","category":"C","credentials":[{"requirement":"C","document_name":"a","document":"QUJD\nQUJD"}]}"#
        ),
        vec![("credentials[0].document".into(), "chars")]
    );
}

#[test]
fn vendor_credential_status() {
    let v = ok(
        "vendor_credential",
        r#"{"vendor":"V-SUT","requirement":"LIC","status":"valid","number":"IL-123","valid_until":"2027-06-30",
            "checked_at":"2026-11-20T09:30:00-06:00","note":"primary source verified"}"#,
    );
    assert!(v
        .canonical
        .contains(r#""checked_at":"2026-11-20T15:30:00Z""#));
    assert_eq!(
        rules("vendor_credential", r#"{"status":"lost"}"#),
        vec![
            ("vendor".into(), "required"),
            ("requirement".into(), "required"),
            ("status".into(), "enum"),
        ]
    );
    assert_eq!(
        rules(
            "vendor_credential",
            r#"{"vendor":"V","requirement":"LIC","status":"expired","valid_from":"2026-02-01","valid_until":"2026-01-31"}"#
        ),
        vec![("valid_until".into(), "conditional")]
    );
}

#[test]
fn cabinet_documents() {
    let v = ok(
        "consumption",
        r#"{"cabinet":"PYX-ICU-1","events":[{"event_id":"9001","time":"2026-11-20T09:30:00-06:00",
            "product":"(01)09506000134352(10)L1","code_kind":"gs1","qty":"2.50","kind":"issue",
            "charge_ref":"3f9a"}]}"#,
    );
    assert!(v.canonical.contains(r#""time":"2026-11-20T15:30:00Z""#));
    assert!(v.canonical.contains(r#""qty":"2.5""#));
    assert_eq!(
        rules(
            "consumption",
            r#"{"cabinet":"C","events":[{"event_id":"1","time":"2026-11-20T09:30:00Z","product":"P","qty":"0","kind":"sell"}]}"#
        ),
        vec![
            ("events[0].qty".into(), "min"),
            ("events[0].kind".into(), "enum")
        ]
    );
    let levels = r#"{"cabinet":"C","levels":[{"product":"P","min":"2","max":"10"},
        {"product":"Q","code_kind":"gtin","min":"5","max":"4.5"},{"product":"R","min":"0","max":"0"}]}"#;
    assert_eq!(
        rules("par_levels", levels),
        vec![("levels[1].max".into(), "min")]
    );
}

#[test]
fn billing_documents() {
    let head = r#""batch_id":"B1","source":"HBS","business_date":"2026-11-02","currency":"USD","record_count":2,"total_debit":"10","total_credit":"10""#;
    let line = |id: &str| {
        format!(
            r#"{{"line_id":"{id}","code":"REV","amount":"10.00","side":"credit","service_date":"2026-11-01"}}"#
        )
    };
    let ok = format!(r#"{{{head},"lines":[{},{}]}}"#, line("1"), line("2"));
    assert!(rules("billing_batch", &ok).is_empty());
    let dup = format!(r#"{{{head},"lines":[{},{}]}}"#, line("1"), line("1"));
    assert_eq!(
        rules("billing_batch", &dup),
        vec![("lines[1].line_id".into(), "duplicate")]
    );
    // a reversal names its original and has no lines; an original has lines and no original
    let reversal = format!(r#"{{{head},"kind":"reversal","lines":[{}]}}"#, line("1"));
    assert_eq!(
        rules("billing_batch", &reversal),
        vec![
            ("original".into(), "conditional"),
            ("lines".into(), "conditional")
        ]
    );
    let bare = format!(r#"{{{head},"original":"B0"}}"#);
    assert_eq!(
        rules("billing_batch", &bare),
        vec![
            ("original".into(), "conditional"),
            ("lines".into(), "required")
        ]
    );
    // no field for patient data: an unknown field is refused
    let named = format!(
        r#"{{{head},"lines":[{{"line_id":"1","code":"R","amount":"1","side":"debit","service_date":"2026-11-01","patient_name":"X"}}]}}"#
    );
    assert_eq!(
        rules("billing_batch", &named),
        vec![("lines[0].patient_name".into(), "unknown_field")]
    );
    let totals = r#"{"source":"HBS","business_date":"2026-11-02","currency":"USD","rows":[
        {"department":"CARD","account":"400100","debit":"0","credit":"5"},
        {"department":"CARD","account":"400100","debit":"1","credit":"0"}]}"#;
    assert_eq!(
        rules("billing_daily_totals", totals),
        vec![("rows[1]".into(), "duplicate")]
    );
}

#[test]
fn invoice_total_counts_charges_and_allowances() {
    let base = r#"{"invoice":"I1","po":"P1","invoice_date":"2026-03-01","currency":"USD",
        "lines":[{"product":"A","qty":2,"price":"10"}],
        "charges":[{"kind":"charge","code":"D240","amount":"5"},{"kind":"allowance","code":"C310","amount":"1.5"}],
        "terms_net_days":30,"terms_discount_pct":"2","terms_discount_days":10,"total":"TOTAL"}"#;
    assert_eq!(rules("invoice", &base.replace("TOTAL", "23.5")), vec![]);
    assert_eq!(
        rules("invoice", &base.replace("TOTAL", "20")),
        vec![("total".into(), "total_mismatch")]
    );
    let bad_kind = base
        .replace("TOTAL", "23.5")
        .replace("\"allowance\"", "\"rebate\"");
    assert_eq!(
        rules("invoice", &bad_kind),
        vec![("charges[1].kind".into(), "enum")]
    );
    let days = base
        .replace("TOTAL", "23.5")
        .replace("\"terms_net_days\":30", "\"terms_net_days\":\"30\"");
    assert_eq!(
        rules("invoice", &days),
        vec![("terms_net_days".into(), "type")]
    );
}

#[test]
fn price_catalog_dates_and_required_fields() {
    let good = r#"{"catalog":"C1","currency":"USD","effective_date":"2026-01-01","expiry_date":"2026-12-31",
        "lines":[{"product":"A","price":"2.4","tier":"T1","min_qty":"100","date_start":"2026-01-01","date_end":"2026-06-30"}]}"#;
    assert_eq!(rules("price_catalog", good), vec![]);
    let backwards = good.replace("\"date_end\":\"2026-06-30\"", "\"date_end\":\"2025-06-30\"");
    assert_eq!(
        rules("price_catalog", &backwards),
        vec![("lines[0].date_end".into(), "conditional")]
    );
    let expired = good.replace(
        "\"expiry_date\":\"2026-12-31\"",
        "\"expiry_date\":\"2025-12-31\"",
    );
    assert_eq!(
        rules("price_catalog", &expired),
        vec![("expiry_date".into(), "conditional")]
    );
    assert_eq!(
        rules(
            "price_catalog",
            r#"{"catalog":"C1","currency":"USD","lines":[{"product":"A"}]}"#
        ),
        vec![("lines[0].price".into(), "required")]
    );
}
