//! Sample interchanges written from the public implementation guides'
//! examples, every delimiter set, both versions, and the generator's output
//! read back.

use serde_json::{json, Value};

use super::generate::{generate, Envelope};
use super::{ack::acknowledge, parse, scan, Options, Parsed};

fn env(
    version: &str,
    element: &str,
    component: &str,
    repetition: &str,
    segment: &str,
    breaks: bool,
) -> Envelope {
    Envelope::from_value(&json!({
        "sender_qualifier": "ZZ", "sender_id": "MEDSYNC", "receiver_qualifier": "01", "receiver_id": "123456789",
        "gs_sender": "MEDSYNC", "gs_receiver": "VENDOR", "interchange_control": 905, "group_control": 77,
        "set_control": 1, "version": version, "usage": "T", "ack_requested": true, "date": "2026-03-04",
        "time": "1230", "element": element, "component": component, "repetition": repetition,
        "segment": segment, "line_breaks": breaks,
    }))
    .unwrap()
}

fn std_env() -> Envelope {
    env("5010", "*", ">", "^", "~", false)
}

fn p(data: &[u8]) -> Parsed {
    parse(data, &Options::default()).unwrap()
}

/// `~`-terminated text with `*` separators, as the guides print it.
fn x12(text: &str) -> Vec<u8> {
    text.replace('\n', "").into_bytes()
}

const ISA_5010: &str = "ISA*00*          *00*          *ZZ*VENDOR         *ZZ*MEDSYNC        *260304*1230*^*00501*000000101*0*T*>~";
const ISA_4010: &str = "ISA*00*          *00*          *ZZ*VENDOR         *ZZ*MEDSYNC        *260304*1230*U*00401*000000101*0*T*>~";

fn invoice_4010() -> String {
    format!(
        "{ISA_4010}GS*IN*VENDOR*MEDSYNC*20260304*1230*12*X*004010~ST*810*0001~BIG*20260301*INV-7**PO-42~\
         CUR*SE*USD~ITD*01*3*2**10**30~IT1*1*10*EA*2.5**VN*GAUZE-4~PID*F****Gauze 4x4~\
         IT1*2*1*BX*100**UK*00012345678905~TDS*12300~SAC*C*D240***500~SAC*A*C310***200**********Promo~\
         CTT*2~SE*12*0001~GE*1*12~IEA*1*000000101~"
    )
}

fn set0(p: &Parsed) -> &super::Set {
    &p.interchanges[0].groups[0].sets[0]
}

#[test]
fn reads_an_810_with_charges_terms_and_implied_decimals() {
    let r = p(invoice_4010().as_bytes());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let ic = &r.interchanges[0];
    assert_eq!(
        (
            ic.version.as_str(),
            ic.delimiters.repetition.as_str(),
            ic.ta1.code.as_str()
        ),
        ("00401", "", "A")
    );
    let s = set0(&r);
    assert_eq!(s.ack_code, "A", "{:?}", s.errors);
    let doc = &s.documents[0];
    assert_eq!(doc["total"], "123");
    assert_eq!(doc["due_date"], "2026-03-31");
    assert_eq!(doc["terms_discount_pct"], "2");
    assert_eq!(doc["terms_discount_days"], 10);
    assert_eq!(doc["lines"][0]["price"], "2.5");
    assert_eq!(doc["lines"][1]["product"], "00012345678905");
    assert_eq!(
        doc["charges"][0],
        json!({"kind": "charge", "code": "D240", "amount": "5"})
    );
    assert_eq!(doc["charges"][1]["description"], "Promo");
    assert_eq!(r.segments, 16);
}

#[test]
fn every_delimiter_set_reads_the_same() {
    let base = p(invoice_4010().as_bytes());
    let doc = &set0(&base).documents[0];
    for (el, comp, seg, breaks) in [
        ("|", "^", "~", false),
        ("*", ":", "\n", false),
        ("^", "\\", "'", true),
        ("~", ">", "!", true),
    ] {
        let text = invoice_4010()
            .replace('*', "\u{1}")
            .replace('~', "\u{2}")
            .replace('>', "\u{3}");
        let mut text = text.replace('\u{1}', el).replace('\u{3}', comp);
        let term = if breaks {
            format!("{seg}\r\n")
        } else {
            seg.to_string()
        };
        text = text.replace('\u{2}', &term);
        let r = p(text.as_bytes());
        assert!(r.errors.is_empty(), "{el}{comp}{seg}: {:?}", r.errors);
        let s = set0(&r);
        assert_eq!(s.ack_code, "A", "{el}{comp}{seg}: {:?}", s.errors);
        assert_eq!(&s.documents[0], doc, "{el}{comp}{seg}");
        assert_eq!(r.interchanges[0].delimiters.segment, seg);
    }
}

#[test]
fn the_5010_repetition_separator_comes_from_isa11() {
    let text = invoice_4010()
        .replace(ISA_4010, ISA_5010)
        .replace("004010", "005010");
    let r = p(text.as_bytes());
    assert_eq!(r.interchanges[0].delimiters.repetition, "^");
    assert_eq!(set0(&r).ack_code, "A");
}

#[test]
fn several_groups_and_interchanges_in_one_file() {
    let one = invoice_4010();
    let two_groups = one.replace(
        "GE*1*12~IEA*1*",
        "GE*1*12~GS*IN*VENDOR*MEDSYNC*20260304*1230*13*X*004010~ST*810*0002~BIG*20260301*INV-8**PO-43~\
         IT1*1*1*EA*1**VN*X~TDS*100~SE*5*0002~GE*1*13~IEA*2*",
    );
    let file = format!("{two_groups}\r\n{}", one.replace("000000101", "000000102"));
    let r = p(file.as_bytes());
    assert_eq!(r.interchanges.len(), 2);
    assert_eq!(r.interchanges[0].groups.len(), 2);
    assert_eq!(
        r.interchanges[0].groups[1].sets[0].documents[0]["invoice"],
        "INV-8"
    );
    assert!(r
        .interchanges
        .iter()
        .all(|ic| ic.errors.is_empty() && ic.ta1.code == "A"));
    assert_eq!(r.interchanges[1].control, "000000102");
    let s = scan(file.as_bytes()).unwrap();
    assert_eq!(
        (s.interchanges, s.groups, s.sets, s.accepted, s.rejected),
        (2, 3, 3, 3, 0)
    );
}

#[test]
fn unknown_segments_are_kept_and_accepted_with_errors() {
    let text = invoice_4010().replace("CTT*2~SE*12", "ZZZ*1~CTT*2~SE*13");
    let r = p(text.as_bytes());
    let s = set0(&r);
    assert_eq!(s.ack_code, "E");
    assert_eq!(s.unknown_segments[0].segment_id, "ZZZ");
    assert_eq!(s.unknown_segments[0].segment, 11);
    assert_eq!(s.errors[0].code, "2");
    assert_eq!(s.documents.len(), 1);
    assert_eq!(r.interchanges[0].groups[0].ack_code, "E");
}

fn codes(text: &str) -> (Vec<String>, Vec<String>, Vec<String>, String) {
    let r = p(text.as_bytes());
    let ic = &r.interchanges[0];
    let g = &ic.groups[0];
    let ic_codes = ic.errors.iter().map(|e| e.code.clone()).collect();
    (
        ic_codes,
        g.ack_errors.clone(),
        g.sets[0].ack_errors.clone(),
        g.sets[0].ack_code.clone(),
    )
}

#[test]
fn every_count_and_control_number_is_checked() {
    let ok = invoice_4010();
    let cases: [(&str, &str, &str, &str, &str); 8] = [
        ("SE*12*0001", "SE*11*0001", "", "", "4"),
        ("SE*12*0001", "SE*12*0009", "", "", "3"),
        ("GE*1*12", "GE*2*12", "", "5", ""),
        ("GE*1*12", "GE*1*99", "", "4", ""),
        ("IEA*1*000000101", "IEA*3*000000101", "021", "", ""),
        ("IEA*1*000000101", "IEA*1*000000999", "001", "", ""),
        ("SE*12*0001~", "", "", "", "2"),
        ("GE*1*12~", "", "", "3", ""),
    ];
    for (from, to, ic, g, s) in cases {
        let (ic_codes, g_codes, s_codes, s_ack) = codes(&ok.replace(from, to));
        assert_eq!(
            ic_codes,
            if ic.is_empty() {
                vec![]
            } else {
                vec![ic.to_string()]
            },
            "{to}"
        );
        assert_eq!(
            g_codes,
            if g.is_empty() {
                vec![]
            } else {
                vec![g.to_string()]
            },
            "{to}"
        );
        if !s.is_empty() {
            assert!(s_codes.contains(&s.to_string()), "{to}: {s_codes:?}");
            assert_eq!(s_ack, "R");
        }
    }
    let r = p(ok.replace("IEA*1*000000101~", "").as_bytes());
    assert_eq!(r.interchanges[0].errors[0].code, "023");
    assert_eq!(r.interchanges[0].ta1.code, "R");
    assert!(
        set0(&r).documents.is_empty(),
        "a rejected interchange brings no documents"
    );
    let r = p(ok.replace("IEA*1*000000101", "IEA*3*000000101").as_bytes());
    assert_eq!(
        r.interchanges[0].ta1,
        super::Ta1 {
            code: "E".into(),
            note: "021".into()
        }
    );
}

#[test]
fn element_errors_reject_the_set_with_their_codes() {
    let cases = [
        ("BIG*20260301", "BIG*20261301", 2, 1, "8"),
        ("IT1*1*10*EA*2.5", "IT1*1*1O*EA*2.5", 5, 2, "6"),
        ("SAC*C*D240", "SAC*Q*D240", 9, 1, "7"),
        ("UK*00012345678905", "UK*00012345678901", 7, 7, "7"),
        ("CUR*SE*USD", "CUR*SE*USDX", 3, 2, "5"),
        ("CTT*2~", "CTT*2*1*2*3*4*5*6*7~", 11, 8, "3"),
    ];
    for (from, to, seg, el, code) in cases {
        let r = p(invoice_4010().replace(from, to).as_bytes());
        let s = set0(&r);
        assert_eq!(s.ack_code, "R", "{to}");
        let e = &s.errors[0];
        assert_eq!(
            (
                e.segment,
                e.element,
                e.element_code.as_str(),
                e.code.as_str()
            ),
            (seg, el, code, "8"),
            "{to}: {e:?}"
        );
        assert!(s.documents.is_empty());
    }
    // a missing mandatory segment
    let r = p(invoice_4010()
        .replace("TDS*12300~", "")
        .replace("SE*12*", "SE*11*")
        .as_bytes());
    let e = &set0(&r).errors[0];
    assert_eq!((e.segment_id.as_str(), e.code.as_str()), ("TDS", "3"));
}

#[test]
fn product_ids_are_checked_whatever_the_preference() {
    use super::validate::product_id_ok;
    assert!(product_id_ok(b"UK", b"00012345678905").is_ok());
    assert!(product_id_ok(b"EN", b"4006381333931").is_ok());
    assert!(product_id_ok(b"UP", b"036000291452").is_ok());
    assert!(product_id_ok(b"UP", b"036000291453").is_err());
    assert!(product_id_ok(b"EN", b"400638133393").is_err());
    let code = "A123BJC5D6E71";
    let check = crate::reconcile::barcode::hibc_check(&format!("+{code}")).unwrap();
    assert!(product_id_ok(b"HI", format!("+{code}{check}").as_bytes()).is_ok());
    assert!(product_id_ok(b"HI", format!("{code}{check}").as_bytes()).is_ok());
    let wrong = if check == 'Z' { 'Y' } else { 'Z' };
    assert!(product_id_ok(b"HI", format!("+{code}{wrong}").as_bytes()).is_err());
    assert!(product_id_ok(b"VN", b"anything").is_ok());
}

#[test]
fn bad_input_never_panics() {
    let ok = invoice_4010().into_bytes();
    for n in 0..ok.len() {
        let r = p(&ok[..n]);
        if n > 0 && n < ok.len() - 1 {
            let errs =
                r.errors.len() + r.interchanges.iter().map(|i| i.errors.len()).sum::<usize>();
            assert!(errs > 0, "a truncated file at {n} bytes must say so");
        }
    }
    assert_eq!(p(b"").interchanges.len(), 0);
    assert_eq!(p(b"ISA*00*short~").errors[0].code, "023");
    assert_eq!(p(b"hello").errors[0].code, "024");
    let mut bad = ok.clone();
    let at = bad.windows(5).position(|w| w == b"Gauze").unwrap();
    bad[at] = 0xff;
    let r = p(&bad);
    assert_eq!(set0(&r).errors[0].element_code, "6");
    assert_eq!(p(b"ISA1").errors[0].code, "026");
    let _ = p(&[0xff; 300]);
    let _ = p(b"ISA*****************~~~~~IEA~GS~ST~SE~GE");
}

fn roundtrip(set_id: &str, doc: Value, e: &Envelope) -> Value {
    let bytes = generate(set_id, &doc, e).unwrap();
    assert_eq!(bytes, generate(set_id, &doc, e).unwrap(), "byte-stable");
    let r = p(&bytes);
    assert!(
        r.errors.is_empty() && r.interchanges[0].errors.is_empty(),
        "{:?}",
        r
    );
    let s = set0(&r);
    assert_eq!(
        s.ack_code,
        "A",
        "{set_id}: {:?}\n{}",
        s.errors,
        String::from_utf8_lossy(&bytes)
    );
    let doc_type = s.doc_type.as_deref().unwrap_or_default();
    if doc_type != "purchase_order" {
        let body = serde_json::to_vec(&s.documents[0]).unwrap();
        let verdict = crate::documents::validate(doc_type, 1, &body).expect("a hub document type");
        assert!(
            verdict.is_ok(),
            "the hub refuses the mapped {doc_type}: {verdict:?}"
        );
    }
    s.documents[0].clone()
}

#[test]
fn every_set_round_trips_in_both_versions_and_several_delimiters() {
    let envs = [
        std_env(),
        env("4010", "|", "^", "", "\n", false),
        env("5010", "^", ":", "|", "~", true),
    ];
    for e in &envs {
        let po = json!({"po": "PO-42", "vendor": "BD", "date_order": "2026-03-01 10:00:00", "currency": "USD",
            "ship_to": "Main*Hospital~", "ship_to_id": "0614141000012", "ship_to_qualifier": "UL",
            "lines": [{"line_no": 1, "product": "GZ-4", "description": "Gauze", "qty": "10.0", "uom": "EA",
                       "price": "2.50", "date_planned": "2026-03-09 00:00:00"}]});
        let got = roundtrip("850", po, e);
        assert_eq!(got["lines"][0]["qty"], "10");
        let expected: String = "Main*Hospital~"
            .chars()
            .map(|c| if e.d.is_delim(c as u8) { ' ' } else { c })
            .collect();
        assert_eq!(got["ship_to"].as_str(), Some(expected.trim()));
        assert_eq!(got["vendor"], "BD");
        let ack = json!({"po": "PO-42", "ack_date": "2026-03-02", "vendor_ref": "SO-1", "lines": [
            {"line_no": 1, "product": "GZ-4", "status": "accepted", "qty": "6", "price": "2.5", "delivery_date": "2026-03-09"},
            {"line_no": 1, "product": "GZ-4", "status": "backordered", "qty": "4", "price": "2.5", "backorder_date": "2026-04-01"},
            {"line_no": 2, "product": "SY-1", "status": "substituted", "qty": "1", "substitute_product": "SY-2"},
            {"line_no": 3, "product": "XX", "status": "rejected", "qty": "0"}]});
        assert_eq!(roundtrip("855", ack.clone(), e), ack);
        let asn = json!({"asn": "SH-9", "po": "PO-42", "ship_date": "2026-03-05", "carrier": "UPSN", "tracking": "1Z99",
            "lines": [{"line_no": 1, "product": "GZ-4", "qty": "6", "uom": "EA", "lot": "L1", "expiry": "2027-01-31",
                       "sscc": "106141411234567897"},
                      {"line_no": 2, "product": "SY-2", "qty": "1", "uom": "EA", "serial": "S-1"}]});
        assert_eq!(roundtrip("856", asn.clone(), e), asn);
        let inv = json!({"invoice": "INV-7", "po": "PO-42", "invoice_date": "2026-03-06", "currency": "EUR",
            "due_date": "2026-04-05", "total": "19.8", "terms_net_days": 30, "terms_discount_pct": "2",
            "terms_discount_days": 10,
            "lines": [{"line_no": 1, "product": "GZ-4", "qty": "6", "price": "2.5", "uom": "EA", "description": "Gauze",
                       "tax_pct": "10"}],
            "charges": [{"kind": "charge", "code": "D240", "amount": "5.3"},
                        {"kind": "allowance", "code": "C310", "amount": "2", "description": "Promo"}]});
        assert_eq!(roundtrip("810", inv.clone(), e), inv);
        let cat = json!({"catalog": "CAT-2026", "contract": "GPO-1", "currency": "USD", "effective_date": "2026-01-01",
            "expiry_date": "2026-12-31",
            "lines": [{"product": "GZ-4", "description": "Gauze", "price": "2.4", "uom": "EA", "min_qty": "100",
                       "tier": "T1", "contract": "GPO-1", "date_start": "2026-01-01", "date_end": "2026-06-30"},
                      {"product": "GZ-4", "price": "2.6", "uom": "EA", "tier": "T2"}]});
        assert_eq!(roundtrip("832", cat.clone(), e), cat);
    }
}

#[test]
fn tiers_leave_other_lines_out() {
    let cat = json!({"catalog": "C", "currency": "USD", "lines": [
        {"product": "A", "price": "1", "tier": "T1"}, {"product": "A", "price": "2", "tier": "T2"},
        {"product": "B", "price": "3"}]});
    let bytes = generate("832", &cat, &std_env()).unwrap();
    let opts = Options {
        tier: Some("T2".into()),
        ..Options::default()
    };
    let r = parse(&bytes, &opts).unwrap();
    let s = set0(&r);
    assert_eq!(s.skipped_lines, 1);
    let prices: Vec<&str> = s.documents[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["price"].as_str().unwrap())
        .collect();
    assert_eq!(prices, ["2", "3"]);
}

#[test]
fn the_856_tree_gives_one_asn_per_order_with_the_pack_sscc() {
    let text = x12(&format!(
        "{ISA_5010}GS*SH*VENDOR*MEDSYNC*20260304*1230*5*X*005010~ST*856*0001~BSN*00*SH-1*20260304*1200*0001~\
         HL*1**S~TD5**2*FDEG~REF*BM*BOL-1~\
         HL*2*1*O~PRF*PO-1~HL*3*2*T~MAN*GM*106141411234567897~HL*4*3*P~MAN*GM*006141411234567890~\
         HL*5*4*I~LIN*1*UK*00012345678905*LT*L9~SN1**2*EA~DTM*036*20271231~\
         HL*6*1*O~PRF*PO-2~HL*7*6*I~LIN**VN*X-1~SN1**1*BX~REF*SE*S-77~\
         CTT*7~SE*23*0001~GE*1*5~IEA*1*000000101~"
    ));
    let r = p(&text);
    let s = set0(&r);
    assert_eq!(s.ack_code, "A", "{:?}", s.errors);
    assert_eq!(s.documents.len(), 2);
    let (a, b) = (&s.documents[0], &s.documents[1]);
    assert_eq!(
        (a["asn"].as_str(), a["po"].as_str(), b["asn"].as_str()),
        (Some("SH-1"), Some("PO-1"), Some("SH-1-2"))
    );
    assert_eq!(a["tracking"], "BOL-1");
    assert_eq!(a["carrier"], "FDEG");
    assert_eq!(
        a["lines"][0]["sscc"], "006141411234567890",
        "the nearest pack"
    );
    assert_eq!(a["lines"][0]["lot"], "L9");
    assert_eq!(a["lines"][0]["expiry"], "2027-12-31");
    assert_eq!(
        b["lines"][0],
        json!({"product": "X-1", "qty": "1", "uom": "BX", "serial": "S-77"})
    );
    let bad = String::from_utf8(text)
        .unwrap()
        .replace("HL*7*6*I", "HL*7*9*I");
    let r = p(bad.as_bytes());
    assert_eq!(set0(&r).errors[0].element, 2);
}

#[test]
fn acknowledgements_carry_the_right_codes() {
    let bad = invoice_4010()
        .replace("SE*12*0001", "SE*11*0001")
        .replace("IT1*1*10*EA*2.5", "IT1*1*1O*EA*2.5");
    let r = p(bad.as_bytes());
    let ic = &r.interchanges[0];
    let e4 = env("4010", "*", ">", "", "~", false);
    let out = String::from_utf8(acknowledge(ic, &e4, "997", true).unwrap()).unwrap();
    assert!(out.contains("TA1*000000101*260304*1230*A*000~"), "{out}");
    assert!(
        out.contains(
            "GS*FA*MEDSYNC*VENDOR*20260304*1230*77*X*004010~ST*997*0001~AK1*IN*12~AK2*810*0001~"
        ),
        "{out}"
    );
    assert!(
        out.contains("AK3*IT1*5*IT1*8~AK4*2**6*1O~AK5*R*4*5~AK9*R*1*1*0~"),
        "{out}"
    );
    let back = p(out.as_bytes());
    let fa = &set0(&back).documents[0];
    assert_eq!(
        fa["sets"][0],
        json!({"set_id": "810", "control": "0001", "code": "R", "errors": ["4", "5"]})
    );
    let out = String::from_utf8(acknowledge(ic, &std_env(), "999", false).unwrap()).unwrap();
    assert!(out.contains("ST*999*0001*005010X231A1~AK1*IN*12*004010~AK2*810*0001~IK3*IT1*5*IT1*8~IK4*2**6*1O~IK5*R*4*5~"), "{out}");
    assert_eq!(set0(&p(out.as_bytes())).ack_code, "A");
    let mut lone = ic.clone();
    lone.groups.clear();
    let out = String::from_utf8(acknowledge(&lone, &std_env(), "997", true).unwrap()).unwrap();
    assert!(
        out.ends_with("TA1*000000101*260304*1230*A*000~IEA*0*000000905~"),
        "{out}"
    );
    assert!(acknowledge(ic, &e4, "999", false).is_err());
}

#[test]
fn no_schema_level_has_more_nodes_than_a_frame_counts() {
    fn widest(nodes: &[super::schema::Node]) -> usize {
        nodes.iter().fold(nodes.len(), |w, n| match n {
            super::schema::Node::L(_, _, _, ch) => w.max(widest(ch)),
            super::schema::Node::S(..) => w,
        })
    }
    for id in ["850", "855", "856", "810", "832", "997", "999"] {
        let nodes = super::schema::set(id, super::Version::V5010).unwrap();
        assert!(widest(nodes) <= super::validate::MAX_NODES, "{id}");
    }
}
