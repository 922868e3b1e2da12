use rust_decimal::Decimal;

use super::*;
use crate::reconcile::barcode::{days, hibc_check};
use crate::reconcile::CodeKind;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const DAY: i64 = 86_400;
/// 2026-06-01 12:00 UTC.
const NOON: i64 = 20_605 * DAY + 12 * 3600;

/// Locations 10 ("CAB-A" and its GLN) and 11 ("CAB-B"); products 1 (gloves:
/// ref GLV, a box GTIN of 12, pack BX of 12), 2 (stent, tracked: GTIN,
/// HIBC primary, lots L100 expiring 2030-01-31 and L101 long expired) and 3
/// (saline, vendor code SAL-1, rounding 0.01).
fn world() -> Input {
    Input {
        locations: Locations {
            location_id: vec![10, 10, 11],
            code: vec!["CAB-A".into(), "5412345000013".into(), "CAB-B".into()],
            counted: vec![true; 3],
        },
        products: Products {
            product_id: vec![1, 2, 3],
            category_id: vec![0; 3],
            risk_class: vec![0; 3],
            cost: vec![Decimal::ZERO; 3],
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
                "19506000134359".into(),
                "09506000134352".into(),
                "A99912345".into(),
                "SAL-1".into(),
            ],
            product_id: vec![1, 1, 2, 2, 3],
            factor: vec![d("1"), d("12"), d("1"), d("1"), d("1")],
        },
        packs: Packs {
            product_id: vec![1, 0],
            unit: vec!["BX".into(), "PR".into()],
            factor: vec![d("12"), d("2")],
        },
        lots: Lots {
            lot_id: vec![100, 101],
            product_id: vec![2, 2],
            name: vec!["L100".into(), "L101".into()],
            expiry: vec![days(2030, 1, 31).unwrap(), 19_000],
        },
        ..Input::default()
    }
}

fn opts() -> Options {
    Options {
        today: 20_605,
        ..Options::default()
    }
}

/// An issue of one at CAB-A at noon.
fn ev<'a>(id: &'a str, product: &'a str) -> Event<'a> {
    Event {
        cabinet: "CAB-A",
        event_id: id,
        time: NOON,
        product,
        qty: Some(d("1")),
        kind: "issue",
        ..Event::default()
    }
}

fn run(events: &[Event]) -> Output {
    run_with(world(), events)
}

fn run_with(mut input: Input, events: &[Event]) -> Output {
    for e in events {
        input.push(e);
    }
    consumption(&input, &opts()).unwrap()
}

fn hibc(data: &str) -> String {
    format!("{data}{}", hibc_check(data).unwrap())
}

#[test]
fn every_status_with_its_message() {
    let tracked = Event {
        lot: "L100",
        ..ev("e11", "09506000134352")
    };
    let cases: Vec<(Event, Status, &str)> = vec![
        (ev("e1", "GLV"), Status::Mapped, ""),
        (
            ev("e1", "GLV"),
            Status::Duplicate,
            "event_id: e1 repeats row 0 of the batch",
        ),
        (
            Event {
                cabinet: " ",
                ..ev("e2", "GLV")
            },
            Status::Invalid,
            "cabinet: is required",
        ),
        (ev("", "GLV"), Status::Invalid, "event_id: is required"),
        (
            Event {
                kind: "sell",
                ..ev("e3", "GLV")
            },
            Status::Invalid,
            "kind: sell is not issue, return, waste or restock",
        ),
        (
            Event {
                qty: Some(d("0")),
                ..ev("e4", "GLV")
            },
            Status::Invalid,
            "qty: must be a number greater than 0",
        ),
        (
            Event {
                qty: None,
                ..ev("e5", "GLV")
            },
            Status::Invalid,
            "qty: must be a number greater than 0",
        ),
        (
            Event {
                expiry: "2026-02-30",
                ..ev("e6", "GLV")
            },
            Status::Invalid,
            "expiry: 2026-02-30 is not a date YYYY-MM-DD",
        ),
        (
            Event {
                code_kind: "isbn",
                ..ev("e7", "GLV")
            },
            Status::Invalid,
            "code_kind: isbn is not ref, vendor, gtin, gs1 or hibc",
        ),
        (
            Event {
                cabinet: "CAB-Z",
                ..ev("e8", "GLV")
            },
            Status::UnknownCabinet,
            "cabinet: CAB-Z is not a known location code or GLN",
        ),
        (
            ev("e9", "NOPE"),
            Status::UnknownProduct,
            "product: NOPE is not a known code",
        ),
        (
            Event {
                code_kind: "vendor",
                ..ev("e10", "GLV")
            },
            Status::UnknownProduct,
            "product: GLV is not a known vendor code",
        ),
        (
            Event {
                code_kind: "gtin",
                ..ev("e10b", "9506000134353")
            },
            Status::Invalid,
            "product: GTIN 9506000134353 has a wrong check digit",
        ),
        (
            Event {
                unit: "CS",
                event_id: "e14",
                ..tracked
            },
            Status::BadUnit,
            "unit: CS is not a pack unit of the product",
        ),
        (
            Event {
                lot: "",
                event_id: "e15",
                ..tracked
            },
            Status::LotRequired,
            "lot: is required (the product is tracked by lot)",
        ),
        (
            Event {
                lot: "L999",
                event_id: "e16",
                ..tracked
            },
            Status::UnknownLot,
            "lot: L999 is not a lot of the product",
        ),
        (
            Event {
                qty: Some(d("0.001")),
                ..ev("e12", "SAL-1")
            },
            Status::Invalid,
            "qty: rounds to 0 in the product's unit",
        ),
        (
            Event {
                qty: Some(d("1e20")),
                ..ev("e13", "SAL-1")
            },
            Status::Invalid,
            "qty: too large once converted to the product's unit",
        ),
        (tracked, Status::Mapped, ""),
    ];
    let events: Vec<Event> = cases.iter().map(|c| c.0).collect();
    let out = run(&events);
    for (k, (_, status, message)) in cases.iter().enumerate() {
        let got = &out.events[k];
        assert_eq!(
            (got.status, got.message.as_str()),
            (*status, *message),
            "case {k}"
        );
        assert_eq!(got.group.is_some(), *status == Status::Mapped, "case {k}");
    }
    // looked at until the first fault
    assert_eq!(
        (out.events[9].location_id, out.events[9].product_id),
        (0, 0)
    );
    assert_eq!(
        (out.events[10].location_id, out.events[10].product_id),
        (10, 0)
    );
    assert_eq!(
        (
            out.events[15].product_id,
            out.events[15].lot_id,
            out.events[15].qty
        ),
        (2, 0, Decimal::ZERO)
    );
    assert_eq!(out.events[18].lot_id, 100);
    let s = &out.stats;
    assert_eq!(
        (s.events, s.mapped, s.duplicates, s.unmapped),
        (19, 2, 1, 16)
    );
}

#[test]
fn gs1_and_hibc_codes_give_lot_and_expiry() {
    let scanned = "0109506000134352\u{1d}1030L101\u{1d}17220108";
    let hibc_code = hibc("+A99912345/$$3300131L100");
    let events = [
        ev("g1", "(01)09506000134352(17)300131(10)L100"),
        Event {
            code_kind: "gs1",
            ..ev("g2", scanned)
        },
        Event {
            lot: "L100",
            ..ev("g3", "(01)09506000134352(10)L101")
        },
        ev("h1", &hibc_code),
        Event {
            code_kind: "hibc",
            expiry: "2030-01-30",
            ..ev("h2", &hibc_code)
        },
        Event {
            code_kind: "hibc",
            lot: "L100",
            ..ev("h3", "a99912345")
        },
        ev("x1", "(01)19506000134359(30)3"),
    ];
    let out = run(&events);
    let e = &out.events;
    assert_eq!(
        (e[0].status, e[0].lot_id, e[0].lot.as_str()),
        (Status::Mapped, 100, "L100")
    );
    assert!(!e[0].expired);
    // a scanned string with FNC1 separators; its lot is the unknown "30L101"
    assert_eq!(
        (e[1].status, e[1].lot.as_str()),
        (Status::UnknownLot, "30L101")
    );
    assert_eq!(
        (e[2].status, e[2].message.as_str()),
        (
            Status::Invalid,
            "lot: \"L100\" differs from the bar code's lot \"L101\""
        )
    );
    assert_eq!(
        (e[3].status, e[3].product_id, e[3].lot_id),
        (Status::Mapped, 2, 100)
    );
    assert_eq!(
        (e[4].status, e[4].message.as_str()),
        (
            Status::Invalid,
            "expiry: differs from the bar code's expiry"
        )
    );
    // an HIBC primary key, upper-cased, as the code table keys it
    assert_eq!((e[5].status, e[5].lot_id), (Status::Mapped, 100));
    // a count of 3 boxes of 12 gloves
    assert_eq!((e[6].product_id, e[6].qty), (1, d("36")));
}

#[test]
fn units_and_rounding() {
    let events = [
        Event {
            unit: "BX",
            qty: Some(d("2")),
            ..ev("u1", "GLV")
        },
        Event {
            unit: "PR",
            qty: Some(d("1.5")),
            ..ev("u2", "GLV")
        },
        Event {
            unit: " BX ",
            qty: Some(d("0.5")),
            ..ev("u3", "19506000134359")
        },
        Event {
            qty: Some(d("1.255")),
            ..ev("u4", "SAL-1")
        },
        Event {
            qty: Some(d("0.4")),
            ..ev("u5", "GLV")
        },
        Event {
            qty: Some(d("0.5")),
            ..ev("u6", "GLV")
        },
    ];
    let out = run(&events);
    let q: Vec<Decimal> = out.events.iter().map(|e| e.qty).collect();
    assert_eq!(q, [d("24"), d("3"), d("72"), d("1.26"), d("0"), d("1")]);
    assert_eq!(out.events[4].status, Status::Invalid);
}

#[test]
fn groups_late_events_and_order() {
    let at = |id: &'static str, t: i64| Event {
        time: NOON + t,
        ..ev(id, "GLV")
    };
    let events = [
        at("a", 0),
        Event {
            department: "ICU",
            ..at("b", 60)
        },
        Event {
            department: " ICU ",
            ..at("c", 120)
        },
        Event {
            cabinet: "5412345000013",
            ..at("d", 30)
        },
        at("late", -4000),
        Event {
            kind: "return",
            ..at("r", 10)
        },
        Event {
            cabinet: "CAB-B",
            ..at("old-but-alone", -90_000)
        },
        Event {
            qty: Some(d("2")),
            ..at("e", 3000)
        },
    ];
    let out = run(&events);
    let g = &out.groups;
    type View<'a> = (i64, &'a str, &'a str, Decimal, i64, bool, u32, u32);
    let view: Vec<View> = g
        .iter()
        .map(|g| {
            (
                g.location_id,
                g.kind.code(),
                g.department.as_str(),
                g.qty,
                g.date - NOON,
                g.late,
                g.events,
                g.first,
            )
        })
        .collect();
    assert_eq!(
        view,
        vec![
            (11, "issue", "", d("1"), -90_000, false, 1, 6),
            (10, "issue", "", d("1"), -4000, true, 1, 4),
            (10, "return", "", d("1"), 10, false, 1, 5),
            (10, "issue", "ICU", d("2"), 120, false, 2, 1),
            (10, "issue", "", d("4"), 3000, false, 3, 0),
        ]
    );
    let groups: Vec<Option<u32>> = out.events.iter().map(|e| e.group).collect();
    assert_eq!(groups, [4, 3, 3, 4, 1, 2, 0, 4].map(Some));
    assert_eq!((out.stats.groups, out.stats.late), (5, 1));
}

#[test]
fn expired_and_recalled() {
    let mut input = world();
    input.recalls = Recalls {
        product_id: vec![2, 3],
        lot: vec!["L101".into(), "".into()],
    };
    let stent = |id: &'static str, lot: &'static str| Event {
        lot,
        ..ev(id, "09506000134352")
    };
    let events = [
        stent("s1", "L100"),
        stent("s2", "L101"),
        Event {
            expiry: "2026-05-31",
            ..stent("s3", "L100")
        },
        Event {
            expiry: "2026-06-01",
            ..stent("s4", "L100")
        },
        ev("v1", "SAL-1"),
        Event {
            expiry: "2020-01-01",
            ..ev("v2", "GLV")
        },
        Event {
            kind: "sell",
            ..stent("s5", "L101")
        },
    ];
    let out = run_with(input, &events);
    let flags: Vec<(bool, bool)> = out.events.iter().map(|e| (e.expired, e.recalled)).collect();
    assert_eq!(
        flags,
        [
            (false, false),
            (true, true),
            (true, false),
            (false, false),
            (false, true),
            (true, false),
            (false, false)
        ]
    );
    assert_eq!((out.stats.expired, out.stats.recalled), (3, 2));
}

#[test]
fn auto_kind_tries_each_kind_in_turn() {
    let mut input = world();
    // a vendor code that is also some other product's reference: ref wins
    input.codes.kind.push(CodeKind::Vendor);
    input.codes.code.push("SAL-1X".into());
    input.codes.product_id.push(1);
    input.codes.factor.push(d("1"));
    input.codes.kind.push(CodeKind::Ref);
    input.codes.code.push("SAL-1X".into());
    input.codes.product_id.push(3);
    input.codes.factor.push(d("1"));
    let events = [
        ev("a1", "SAL-1X"),
        ev("a2", "9506000134352"),
        ev("a3", "0109506000134352"),
        ev("a4", "+A99912345"),
        ev("a5", "9506000134353"),
        ev("a6", "(01)09506000134353"),
    ];
    let out = run_with(input, &events);
    let got: Vec<(Status, i64)> = out
        .events
        .iter()
        .map(|e| (e.status, e.product_id))
        .collect();
    assert_eq!(
        got,
        [
            (Status::Mapped, 3),
            (Status::LotRequired, 2),
            (Status::LotRequired, 2),
            (Status::UnknownProduct, 0),
            (Status::UnknownProduct, 0),
            (Status::UnknownProduct, 0),
        ]
    );
}

#[test]
fn bad_tables_are_errors_bad_values_are_not() {
    let mut input = world();
    input.push(&ev("e1", "GLV"));
    input.events.qty.push(None);
    let err = consumption(&input, &opts()).unwrap_err();
    assert_eq!(err.location().unwrap().field, "events.qty");
    let mut input = world();
    input.products.tracked.pop();
    let err = consumption(&input, &opts()).unwrap_err();
    assert_eq!(err.location().unwrap().field, "products.tracked");
    let mut input = world();
    input.codes.product_id[0] = 99;
    let err = consumption(&input, &opts()).unwrap_err();
    assert_eq!(
        err.location().unwrap(),
        &crate::error::Location::row("codes.product_id", 0)
    );
    let mut input = world();
    input.push(&ev("e1", "GLV"));
    input.events.product[0] = 9_999;
    let err = consumption(&input, &opts()).unwrap_err();
    assert_eq!(
        err.location().unwrap(),
        &crate::error::Location::row("events.product", 0)
    );
    let late = Options {
        late_after: -1,
        ..opts()
    };
    assert!(consumption(&world(), &late).is_err());
    // odd texts are statuses, never a panic
    let odd = [
        "+\u{e9}\u{e9}",
        "01\u{e9}\u{e9}\u{e9}",
        "(01)",
        "+",
        "\u{1d}",
        "(",
        "0",
        "()",
    ];
    let events: Vec<Event> = odd
        .iter()
        .flat_map(|p| {
            ["", "gs1", "hibc", "gtin"].map(|k| Event {
                code_kind: k,
                ..ev(p, p)
            })
        })
        .collect();
    let out = run(&events);
    assert!(out.events.iter().all(|e| e.status != Status::Mapped));
}

#[test]
fn days_and_empty_batches() {
    assert_eq!(parse_day(""), Some(NO_DATE));
    assert_eq!(parse_day(" 2026-06-01 "), Some(20_605));
    assert_eq!(parse_day("2026-6-1"), None);
    let out = run(&[]);
    assert_eq!(out.stats, Stats::default());
}
