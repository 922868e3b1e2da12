use rust_decimal::Decimal;

use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const HOUR: i64 = 3600;
const AS_OF: i64 = 20_000 * 86_400 + 12 * HOUR;

/// Two locations (10 "CAB-A", 11 "CAB-B"), products 1 (gloves, box GTIN of
/// 12 and unit "BX" of 12) and 2 (stent, lots 100 and 101), 3 (untracked saline).
fn world() -> Input {
    Input {
        locations: Locations {
            location_id: vec![10, 11],
            code: vec!["CAB-A".into(), "5412345000013".into()],
            counted: vec![true, true],
        },
        products: Products {
            product_id: vec![1, 2, 3],
            category_id: vec![7, 8, 7],
            risk_class: vec![1, 3, 1],
            cost: vec![d("0.5"), d("900"), d("2")],
            rounding: vec![d("1"), d("1"), d("0.01")],
            tracked: vec![false, true, false],
        },
        codes: Codes {
            kind: vec![
                CodeKind::Ref,
                CodeKind::Gtin,
                CodeKind::Gtin,
                CodeKind::Hibc,
                CodeKind::Vendor,
            ],
            code: vec![
                "GLV".into(),
                "09506000134352".into(),
                "19506000134359".into(),
                "A99912345".into(),
                "SAL-1".into(),
            ],
            product_id: vec![1, 2, 1, 2, 3],
            factor: vec![d("1"), d("1"), d("12"), d("1"), d("1")],
        },
        packs: Packs {
            product_id: vec![1],
            unit: vec!["BX".into()],
            factor: vec![d("12")],
        },
        lots: Lots {
            lot_id: vec![100, 101],
            product_id: vec![2, 2],
            name: vec!["L100".into(), "L101".into()],
            expiry: vec![barcode::days(2030, 1, 31).unwrap(), 19_000],
        },
        ..Input::default()
    }
}

fn snap(rows: &[(&str, &str, CodeKind, &str, &str)]) -> Snapshot {
    let mut s = Snapshot::default();
    for (loc, code, kind, lot, qty) in rows {
        s.location_code.push(loc.to_string());
        s.product_code.push(code.to_string());
        s.kind.push(*kind);
        s.lot.push(lot.to_string());
        s.expiry.push(NO_DATE);
        s.qty.push(d(qty));
        s.unit.push(String::new());
    }
    s
}

fn quant(i: &mut Input, loc: i64, prod: i64, lot: i64, qty: &str) {
    i.quants.location_id.push(loc);
    i.quants.product_id.push(prod);
    i.quants.lot_id.push(lot);
    i.quants.qty.push(d(qty));
}

fn mv(i: &mut Input, from: i64, to: i64, prod: i64, lot: i64, qty: &str, date: i64) {
    i.moves.location_id.push(from);
    i.moves.location_dest_id.push(to);
    i.moves.product_id.push(prod);
    i.moves.lot_id.push(lot);
    i.moves.qty.push(d(qty));
    i.moves.date.push(date);
}

/// Quant and history agree: a receipt from a vendor (location 1, untracked).
fn stock(i: &mut Input, loc: i64, prod: i64, lot: i64, qty: &str) {
    quant(i, loc, prod, lot, qty);
    mv(i, 1, loc, prod, lot, qty, AS_OF - 30 * 86_400);
}

fn opts(full: bool) -> Options {
    Options {
        as_of: AS_OF,
        full,
        ..Options::default()
    }
}

fn key(o: &Output, loc: i64, prod: i64, lot: i64) -> &KeyOut {
    o.keys
        .iter()
        .find(|k| (k.location_id, k.product_id, k.lot_id) == (loc, prod, lot))
        .unwrap_or_else(|| panic!("no key {loc}/{prod}/{lot}"))
}

#[test]
fn matched_over_under_and_value() {
    let mut i = world();
    stock(&mut i, 10, 1, 0, "100");
    stock(&mut i, 10, 3, 0, "5.5");
    stock(&mut i, 11, 1, 0, "40");
    i.snapshot = snap(&[
        ("CAB-A", "GLV", CodeKind::Ref, "", "100"),
        ("CAB-A", "SAL-1", CodeKind::Vendor, "", "5.25"),
        ("5412345000013", "GLV", CodeKind::Ref, "", "43"),
    ]);
    let o = run(&i, &opts(false)).unwrap();
    assert_eq!(key(&o, 10, 1, 0).class, Class::Matched);
    let s = key(&o, 10, 3, 0);
    assert_eq!(
        (s.class, s.diff, s.value),
        (Class::Under, d("-0.25"), d("-0.50"))
    );
    assert_eq!(s.approval, Approval::Controller);
    let g = key(&o, 11, 1, 0);
    assert_eq!((g.class, g.diff, g.value), (Class::Over, d("3"), d("1.50")));
    assert_eq!(
        o.rows[2].key,
        Some(o.keys.iter().position(|k| k == g).unwrap())
    );
    // sorted by key
    let ks: Vec<_> = o
        .keys
        .iter()
        .map(|k| (k.location_id, k.product_id))
        .collect();
    assert_eq!(ks, vec![(10, 1), (10, 3), (11, 1)]);
}

#[test]
fn as_of_rollback_and_timing() {
    let mut i = world();
    // 100 received long ago; 30 issued two days after the snapshot; 5 issued 20 minutes after
    quant(&mut i, 10, 1, 0, "65");
    mv(&mut i, 1, 10, 1, 0, "100", AS_OF - 86_400 * 10);
    mv(&mut i, 10, 2, 1, 0, "30", AS_OF + 2 * 86_400);
    mv(&mut i, 10, 2, 1, 0, "5", AS_OF + 20 * 60);
    i.snapshot = snap(&[("CAB-A", "GLV", CodeKind::Ref, "", "100")]);
    let o = run(&i, &opts(false)).unwrap();
    let k = key(&o, 10, 1, 0);
    assert_eq!(
        (k.odoo_qty, k.moves_after, k.diff),
        (d("100"), d("-35"), d("0"))
    );
    assert_eq!(k.class, Class::Matched);
    // counted after the 20-minute issue: -5 is explained by timing
    i.snapshot = snap(&[("CAB-A", "GLV", CodeKind::Ref, "", "95")]);
    let o = run(&i, &opts(false)).unwrap();
    let k = key(&o, 10, 1, 0);
    assert_eq!((k.class, k.approval), (Class::Timing, Approval::None));
    // ...but not 94
    i.snapshot = snap(&[("CAB-A", "GLV", CodeKind::Ref, "", "94")]);
    assert_eq!(
        key(&run(&i, &opts(false)).unwrap(), 10, 1, 0).class,
        Class::Under
    );
}

#[test]
fn missing_both_sides_full_and_partial() {
    let mut i = world();
    stock(&mut i, 10, 1, 0, "10");
    stock(&mut i, 10, 3, 0, "2");
    i.snapshot = snap(&[
        ("CAB-A", "GLV", CodeKind::Ref, "", "10"),
        ("CAB-B", "GLV", CodeKind::Ref, "", "1"),
        ("5412345000013", "GLV", CodeKind::Ref, "", "4"),
    ]);
    let o = run(&i, &opts(true)).unwrap();
    assert_eq!(o.rows[1].status, RowStatus::UnknownLocation);
    assert_eq!(o.rows[1].key, None);
    assert_eq!(key(&o, 11, 1, 0).class, Class::MissingInOdoo);
    let s = key(&o, 10, 3, 0);
    assert_eq!((s.class, s.diff), (Class::MissingExternal, d("-2")));
    // partial: saline was not counted at all
    let o = run(&i, &opts(false)).unwrap();
    let s = key(&o, 10, 3, 0);
    assert_eq!(
        (s.class, s.counted, s.diff),
        (Class::NotCounted, false, d("0"))
    );
}

#[test]
fn lot_swap_expiry_mismatch_and_expired() {
    let mut i = world();
    stock(&mut i, 10, 2, 100, "3");
    stock(&mut i, 10, 2, 101, "1");
    i.snapshot = snap(&[
        ("CAB-A", "09506000134352", CodeKind::Gtin, "L100", "1"),
        (
            "CAB-A",
            "(01)09506000134352(10)L101(17)300131",
            CodeKind::Gs1,
            "",
            "2",
        ),
        ("CAB-A", "9506000134352", CodeKind::Gtin, "NEW-7", "1"),
    ]);
    let o = run(&i, &opts(false)).unwrap();
    // 3+1 in Odoo, 1+2+1 counted: the product agrees, its lots do not
    for lot in [100, 101] {
        assert_eq!(key(&o, 10, 2, lot).class, Class::LotSwap);
    }
    let new = o.keys.iter().find(|k| k.lot_name == "NEW-7").unwrap();
    assert_eq!((new.lot_id, new.class), (0, Class::LotSwap));
    // lot 101 expired in 2022 (day 19000) and is still on hand
    assert!(key(&o, 10, 2, 101).expired);
    assert!(!key(&o, 10, 2, 100).expired);

    // same quantity but another expiry
    let mut j = world();
    stock(&mut j, 10, 2, 100, "2");
    j.snapshot = snap(&[(
        "CAB-A",
        "(01)09506000134352(10)L100(17)300130",
        CodeKind::Gs1,
        "",
        "2",
    )]);
    let o = run(&j, &opts(false)).unwrap();
    let k = key(&o, 10, 2, 100);
    assert_eq!(
        (k.class, k.approval),
        (Class::ExpiryMismatch, Approval::Review)
    );
    assert_eq!(k.ext_expiry, barcode::days(2030, 1, 30).unwrap());
}

#[test]
fn uom_error_and_pack_conversion() {
    let mut i = world();
    stock(&mut i, 10, 1, 0, "24");
    stock(&mut i, 11, 1, 0, "36");
    let mut s = snap(&[
        ("CAB-A", "GLV", CodeKind::Ref, "", "2"),
        ("5412345000013", "19506000134359", CodeKind::Gtin, "", "3"),
    ]);
    i.snapshot = s.clone();
    let o = run(&i, &opts(false)).unwrap();
    // 2 counted as eaches where Odoo holds 24: the ratio is the box factor
    let k = key(&o, 10, 1, 0);
    assert_eq!(
        (k.class, k.factor, k.approval),
        (Class::UomError, d("12"), Approval::Review)
    );
    // 3 boxes of the case GTIN are 36 gloves
    assert_eq!(key(&o, 11, 1, 0).class, Class::Matched);
    assert_eq!(o.rows[1].qty, d("36"));
    // a unit column converts too; an unknown unit is reported on the row
    s.unit[0] = "BX".into();
    s.unit[1] = "PAL".into();
    i.snapshot = s;
    let o = run(&i, &opts(false)).unwrap();
    assert_eq!(key(&o, 10, 1, 0).class, Class::Matched);
    assert_eq!(o.rows[1].status, RowStatus::UnknownUnit);
}

#[test]
fn integrity_negative_and_drift() {
    let mut i = world();
    quant(&mut i, 10, 1, 0, "-4");
    mv(&mut i, 1, 10, 1, 0, "10", AS_OF - 86_400);
    mv(&mut i, 10, 2, 1, 0, "12", AS_OF - 3 * 86_400);
    quant(&mut i, 11, 1, 0, "7");
    let o = run(&i, &opts(false)).unwrap();
    let k = key(&o, 10, 1, 0);
    assert!(k.negative);
    assert_eq!((k.history_qty, k.drift), (d("-2"), d("-2")));
    let k = key(&o, 11, 1, 0);
    assert_eq!(
        (k.history_qty, k.drift, k.negative),
        (d("0"), d("7"), false)
    );
    assert_eq!(k.class, Class::NotCounted);
}

#[test]
fn tolerance_rules_pick_the_most_specific() {
    let mut i = world();
    stock(&mut i, 10, 1, 0, "100");
    stock(&mut i, 10, 2, 100, "10");
    stock(&mut i, 11, 1, 0, "100");
    i.snapshot = snap(&[
        ("CAB-A", "GLV", CodeKind::Ref, "", "98"),
        ("CAB-A", "09506000134352", CodeKind::Gtin, "L100", "9"),
        ("5412345000013", "GLV", CodeKind::Ref, "", "90"),
    ]);
    i.rules = vec![
        Rule {
            rule_id: 1,
            auto_pct: Some(d("5")),
            four_eyes_value: Some(d("500")),
            ..Rule::default()
        },
        Rule {
            rule_id: 2,
            location_id: 11,
            auto_qty: Some(d("1")),
            ..Rule::default()
        },
        Rule {
            rule_id: 3,
            risk_class: 1,
            auto_pct: Some(d("1")),
            ..Rule::default()
        },
    ];
    let o = run(&i, &opts(false)).unwrap();
    // gloves at A: risk rule 3 (1 %) beats the company rule 1 (5 %): 2 % needs a controller
    let k = key(&o, 10, 1, 0);
    assert_eq!((k.rule_id, k.approval), (3, Approval::Controller));
    // a stent short, 900: over the four-eyes value
    let k = key(&o, 10, 2, 100);
    assert_eq!((k.rule_id, k.approval), (1, Approval::FourEyes));
    // the location rule is the most specific for B
    assert_eq!(key(&o, 11, 1, 0).rule_id, 2);
    i.snapshot.qty[2] = d("99");
    let o = run(&i, &opts(false)).unwrap();
    assert_eq!(key(&o, 11, 1, 0).approval, Approval::Auto);
}

#[test]
fn bad_inputs_are_row_errors() {
    let mut i = world();
    i.snapshot = snap(&[
        ("CAB-A", "GLV", CodeKind::Ref, "", "1"),
        ("CAB-A", "09506000134353", CodeKind::Gtin, "", "1"),
    ]);
    let e = run(&i, &opts(false)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "snapshot.product_code[1]: GTIN 09506000134353 has a wrong check digit"
    );
    i.snapshot = snap(&[(
        "CAB-A",
        "(01)09506000134352(10)L9",
        CodeKind::Gs1,
        "L8",
        "1",
    )]);
    assert!(run(&i, &opts(false))
        .unwrap_err()
        .to_string()
        .contains("bar code's lot"));
    let mut j = world();
    quant(&mut j, 99, 1, 0, "1");
    assert!(run(&j, &opts(false))
        .unwrap_err()
        .to_string()
        .starts_with("quants.location_id[0]"));
    let mut j = world();
    j.codes.factor[0] = d("0");
    assert!(run(&j, &opts(false)).is_err());
}

#[test]
fn same_output_whatever_the_sharding() {
    // many locations, shuffled inputs: output order is the key order
    let mut i = world();
    i.locations = Locations::default();
    for l in 0..300i64 {
        i.locations.location_id.push(1000 + (l * 7919) % 300);
        i.locations
            .code
            .push(format!("L{}", 1000 + (l * 7919) % 300));
        i.locations.counted.push(true);
    }
    for n in 0..3000i64 {
        let loc = 1000 + (n * 31) % 300;
        stock(&mut i, loc, 1 + n % 2, 0, &format!("{}", n % 17));
    }
    let mut s = Snapshot::default();
    for n in 0..2000i64 {
        s.location_code.push(format!("L{}", 1000 + (n * 13) % 300));
        s.product_code.push("GLV".into());
        s.kind.push(CodeKind::Ref);
        s.lot.push(String::new());
        s.expiry.push(NO_DATE);
        s.qty.push(Decimal::from(n % 5));
        s.unit.push(String::new());
    }
    i.snapshot = s;
    let o = run(&i, &opts(true)).unwrap();
    let keys: Vec<_> = o
        .keys
        .iter()
        .map(|k| (k.location_id, k.product_id))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted);
    for (r, row) in o.rows.iter().enumerate() {
        let k = &o.keys[row.key.unwrap()];
        assert_eq!(k.location_id, 1000 + (r as i64 * 13) % 300);
    }
}
