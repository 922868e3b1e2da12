use super::blocking::{keys, variants, Pass};
use super::index::Index;
use super::person::{from_fields, from_line};
use super::*;
use crate::error::{Error, Location};

/// One party of a test (every text field optional).
#[derive(Debug, Clone, Default)]
struct P {
    id: i64,
    kind: Kind,
    name: &'static str,
    first: &'static str,
    middle: &'static str,
    last: &'static str,
    street: &'static str,
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    npi: &'static str,
    uei: &'static str,
    cage: &'static str,
}

fn parties(rows: &[P]) -> Parties {
    let col = |f: fn(&P) -> &'static str| rows.iter().map(|r| f(r).to_string()).collect();
    Parties {
        id: rows.iter().map(|r| r.id).collect(),
        kind: rows.iter().map(|r| r.kind).collect(),
        name: col(|r| r.name),
        first: col(|r| r.first),
        middle: col(|r| r.middle),
        last: col(|r| r.last),
        street: col(|r| r.street),
        city: col(|r| r.city),
        state: col(|r| r.state),
        zip: col(|r| r.zip),
        country: col(|_| ""),
        npi: col(|r| r.npi),
        uei: col(|r| r.uei),
        cage: col(|r| r.cage),
    }
}

fn input(subjects: &[P], entries: &[P]) -> Input {
    Input {
        subjects: parties(subjects),
        entries: parties(entries),
        source: vec![Source::Leie; entries.len()],
    }
}

fn run(subjects: &[P], entries: &[P]) -> Output {
    screen(&input(subjects, entries), &Options::default()).unwrap()
}

fn texts(h: &Hit) -> Vec<&str> {
    h.evidence.iter().map(|e| e.text.as_str()).collect()
}

const PERSON: Kind = Kind::Individual;

fn acme_at_main_street(id: i64, name: &'static str) -> P {
    P {
        id,
        name,
        street: "1200 N. Main Street, Suite 300",
        city: "Springfield",
        state: "IL",
        zip: "62701-1234",
        ..P::default()
    }
}

#[test]
fn an_equal_npi_is_strong_whatever_the_name() {
    let s = P {
        id: 1,
        name: "Bright Care Home Health",
        npi: "1234567893",
        ..P::default()
    };
    let e = P {
        id: 9,
        kind: PERSON,
        first: "Jane",
        last: "Roe",
        npi: "123-456-7893",
        ..P::default()
    };
    let out = run(&[s], &[e]);
    assert_eq!(out.hits.len(), 1);
    let h = &out.hits[0];
    assert_eq!(
        (h.subject, h.entry, h.strength, h.score),
        (1, 9, Strength::Strong, 1.0)
    );
    assert_eq!(texts(h), ["NPI equal"]);
}

#[test]
fn an_invalid_npi_says_nothing() {
    let s = P {
        id: 1,
        name: "Bright Care",
        npi: "1234567890",
        ..P::default()
    };
    let e = P {
        id: 2,
        name: "Other Name Entirely",
        npi: "1234567890",
        ..P::default()
    };
    assert!(run(&[s], &[e]).hits.is_empty());
}

#[test]
fn name_and_address_very_close_are_strong() {
    let s = acme_at_main_street(1, "Zorvex Medical Supply LLC");
    let mut e = acme_at_main_street(2, "ZORVEX MED. SUPPLIES, INC.");
    e.street = "1200 North Main St";
    e.zip = "62701";
    let out = run(&[s], &[e]);
    let h = &out.hits[0];
    assert_eq!(h.strength, Strength::Strong);
    assert_eq!(
        texts(h),
        ["name equal", "street equal", "same ZIP", "same city"]
    );
    assert_eq!(h.evidence[0].level, "exact");
    assert!((h.score - 1.0).abs() < 1e-12);
}

#[test]
fn a_name_alone_is_weak_when_uncommon() {
    let s = acme_at_main_street(1, "Zorvex Medical Supply LLC");
    let e = P {
        id: 2,
        name: "Zorvex Medical Supply Inc",
        street: "77 Harbor Rd",
        city: "Tacoma",
        state: "WA",
        zip: "98402",
        ..P::default()
    };
    let out = run(&[s], &[e]);
    let h = &out.hits[0];
    assert_eq!(h.strength, Strength::Weak);
    assert_eq!(texts(h), ["name equal", "uncommon name"]);
    assert!((h.score - 0.75).abs() < 1e-12);
}

#[test]
fn lookalike_characters_are_unspoofed() {
    let s = P {
        id: 1,
        name: "Acme Medica1 Supp1y",
        ..P::default()
    };
    let e = P {
        id: 2,
        name: "ACME MEDICAL SUPPLY INC",
        ..P::default()
    };
    let out = run(&[s], &[e]);
    assert_eq!(out.hits.len(), 1);
    assert_eq!(out.hits[0].evidence[0].text, "name equal");
    // Cyrillic letters too
    let s = P {
        id: 1,
        name: "Асме Medical Supply",
        ..P::default()
    };
    let e = P {
        id: 2,
        name: "ACME MEDICAL SUPPLY INC",
        ..P::default()
    };
    assert_eq!(run(&[s], &[e]).hits[0].evidence[0].text, "name equal");
}

#[test]
fn a_typo_in_the_distinctive_word_is_found_and_close() {
    let s = acme_at_main_street(1, "Zorvex Medical Supply");
    let e = acme_at_main_street(2, "Zorvxe Medical Supply");
    let out = run(&[s], &[e]);
    assert_eq!(out.stats.candidates, 1);
    let h = &out.hits[0];
    assert_eq!(h.strength, Strength::Strong);
    assert!(h.evidence[0].text.starts_with("name 0.9"), "{:?}", texts(h));
}

#[test]
fn near_misses_are_not_hits() {
    let s = acme_at_main_street(1, "Zorvex Medical Supply");
    let e = P {
        id: 2,
        name: "Zorvan Medical Supply",
        city: "Tacoma",
        ..P::default()
    };
    assert!(run(&[s], &[e]).hits.is_empty());
    // same surname, other first name, other address
    let s = P {
        id: 1,
        kind: PERSON,
        name: "John A. Kowalczyk",
        street: "12 Elm Rd",
        city: "Dayton",
        zip: "45402",
        ..P::default()
    };
    let e = P {
        id: 2,
        kind: PERSON,
        first: "Michael",
        last: "Kowalczyk",
        street: "400 Oak Ave",
        city: "Austin",
        zip: "78701",
        ..P::default()
    };
    assert!(run(&[s], &[e]).hits.is_empty());
}

#[test]
fn a_family_member_at_the_same_address_is_weak() {
    let s = P {
        id: 1,
        kind: PERSON,
        name: "John Kowalczyk",
        street: "12 Elm Rd",
        city: "Dayton",
        zip: "45402",
        ..P::default()
    };
    let e = P {
        id: 2,
        kind: PERSON,
        first: "Mary",
        last: "KOWALCZYK",
        street: "12 Elm Road",
        city: "Dayton",
        zip: "45402",
        ..P::default()
    };
    let h = &run(&[s], &[e]).hits[0];
    assert_eq!(h.strength, Strength::Weak);
    assert_eq!(h.evidence[0].level, "partial");
    assert_eq!(
        texts(h),
        [
            "last name equal, first name differs",
            "street equal",
            "same ZIP",
            "same city"
        ]
    );
}

#[test]
fn individuals_match_in_either_order() {
    let s = P {
        id: 1,
        kind: PERSON,
        name: "SMITH JOHN A",
        street: "12 Elm Rd",
        zip: "45402",
        ..P::default()
    };
    let e = P {
        id: 2,
        kind: PERSON,
        first: "John",
        middle: "A.",
        last: "Smith",
        street: "12 Elm Road",
        zip: "45402",
        ..P::default()
    };
    let h = &run(&[s], &[e]).hits[0];
    assert_eq!(h.strength, Strength::Strong);
    assert_eq!(h.evidence[0].level, "exact");
    assert_eq!(
        h.evidence[0].text,
        "last name equal, first name equal, order reversed"
    );
    // "Last, First" is read as written
    let r = from_line("Smith, John A., Jr.");
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].first.as_str(), r[0].last.as_str()), ("john", "smith"));
    assert_eq!(r[0].middle, ["a"]);
    // particles stay with the last name; "Anh Do" keeps its last name
    let r = from_line("Juan de la Cruz");
    assert_eq!(r[0].last, "delacruz");
    assert_eq!(from_line("Anh Do")[0].last, "do");
    assert_eq!(from_line("John Smith MD")[0].last, "smith");
    assert_eq!(
        from_fields("Mary Ann", "", "Smith-Jones")[0].last,
        "smithjones"
    );
}

#[test]
fn an_initial_is_close_but_never_very_close() {
    let s = P {
        id: 1,
        kind: PERSON,
        first: "J",
        last: "Kowalczyk",
        street: "12 Elm Rd",
        zip: "45402",
        ..P::default()
    };
    let e = P {
        id: 2,
        kind: PERSON,
        first: "John",
        last: "Kowalczyk",
        street: "12 Elm Rd",
        zip: "45402",
        ..P::default()
    };
    let h = &run(&[s], &[e]).hits[0];
    assert_eq!(h.strength, Strength::Weak);
    assert_eq!(h.evidence[0].text, "last name equal, first name initial");
}

#[test]
fn other_kinds_are_never_matched_to_individuals() {
    let s = P {
        id: 1,
        kind: PERSON,
        first: "Sea",
        last: "Star",
        ..P::default()
    };
    let vessel = P {
        id: 2,
        kind: Kind::Other,
        name: "SEA STAR",
        ..P::default()
    };
    let out = run(std::slice::from_ref(&s), std::slice::from_ref(&vessel));
    assert!(out.hits.is_empty());
    assert_eq!(out.stats.candidates, 0);
    // but an entity of that name is compared with it
    let ship_co = P {
        id: 3,
        name: "Sea Star",
        ..P::default()
    };
    assert_eq!(run(&[ship_co], &[vessel]).hits.len(), 1);
}

#[test]
fn a_sole_proprietor_is_also_read_as_a_person() {
    let s = P {
        id: 1,
        name: "Dr. Zbigniew Kowalczyk MD PLLC",
        ..P::default()
    };
    let e = P {
        id: 2,
        kind: PERSON,
        name: "KOWALCZYK, ZBIGNIEW",
        ..P::default()
    };
    let h = &run(&[s], &[e]).hits[0];
    assert_eq!(h.strength, Strength::Weak);
    assert_eq!(
        h.evidence[0].text,
        "read as a person: last name equal, first name equal"
    );
    // an ordinary company is not
    let s = P {
        id: 1,
        name: "Kowalczyk Medical Supply",
        ..P::default()
    };
    let e = P {
        id: 2,
        kind: PERSON,
        name: "KOWALCZYK, ZBIGNIEW",
        ..P::default()
    };
    assert!(run(&[s], &[e]).hits.is_empty());
}

#[test]
fn contradicting_npis_demote_a_hit() {
    let s = acme_at_main_street(1, "Zorvex Medical Supply");
    let mut e = acme_at_main_street(2, "Zorvex Medical Supply");
    let (mut s2, mut e2) = (s.clone(), e.clone());
    s2.npi = "1234567893";
    e2.npi = "1245319599";
    let h = &run(&[s2.clone()], &[e2.clone()]).hits[0];
    assert_eq!(h.strength, Strength::Weak);
    assert_eq!(h.evidence[0].text, "NPI differs");
    assert!((h.score - 0.75).abs() < 1e-12);
    // name only: no hit
    e.street = "";
    e.city = "";
    e.zip = "";
    e.npi = "1245319599";
    let mut s3 = s.clone();
    s3.npi = "1234567893";
    assert!(run(&[s3], &[e]).hits.is_empty());
    assert_eq!(run(&[s], &[e2]).hits[0].strength, Strength::Strong);
}

/// A person in Dayton, OH or Austin, TX.
fn person(id: i64, first: &'static str, last: &'static str, dayton: bool) -> P {
    P {
        id,
        kind: PERSON,
        first,
        last,
        city: if dayton { "Dayton" } else { "Austin" },
        state: if dayton { "OH" } else { "TX" },
        ..P::default()
    }
}

#[test]
fn a_name_without_an_address_needs_to_be_uncommon() {
    // 20,000 listed people; 300 of them John Smiths
    let firsts = ["Mary", "Ann", "Luis", "Wei"];
    let lasts = ["Jones", "Brown", "Garcia", "Chen", "Ng"];
    let mut es: Vec<P> = (0..20_000)
        .map(|k| {
            person(
                10_000 + k,
                firsts[k as usize % 4],
                lasts[k as usize % 5],
                false,
            )
        })
        .collect();
    es.extend((0..300).map(|k| person(100 + k, "John", "Smith", k == 0)));
    es.push(person(2, "Zbigniew", "Kowalczyk", false));
    es.push(person(3, "Mary", "Kowalczyk", false));
    es.push(person(4, "Ann", "Wiśniewska", true));
    let subjects = [
        person(1, "John", "Smith", true),
        person(2, "Zbigniew", "Kowalczyk", true),
        person(3, "Mary", "Kowalczyk", true),
        person(4, "Ann", "Wisniewska", true),
    ];
    let out = run(&subjects, &es);
    let got: Vec<(i64, i64, Vec<&str>)> = out
        .hits
        .iter()
        .map(|h| (h.subject, h.entry, texts(h)))
        .collect();
    assert_eq!(
        got,
        [
            // a common name, even in the same city: namesakes are likely
            // a rare first and last name: worth a look wherever it is
            (
                2,
                2,
                vec!["last name equal, first name equal", "uncommon name"]
            ),
            // a common first name and a rare last name: only in the same city
            (4, 4, vec!["last name equal, first name equal", "same city"]),
        ]
    );
}

#[test]
fn every_entry_stays_reachable_when_its_keys_are_all_frequent() {
    let n = Pass::Word.cap() as i64 + 200;
    let entries: Vec<P> = (0..n)
        .map(|k| P {
            id: k + 1,
            name: "Sunrise Clinic",
            ..P::default()
        })
        .collect();
    let (_, parties, _) = prepare(&input(&[], &entries)).unwrap();
    let ix = Index::build(&parties);
    assert!(ix.skipped > 0);
    let mut found = Vec::new();
    ix.candidates(&keys(&parties[0], true), &mut found);
    assert_eq!(found.len(), n as usize);
}

#[test]
fn every_entry_is_found_by_its_own_copy() {
    let names = [
        "Acme",
        "Zorvex Medical",
        "Sea Star",
        "Medical Supply Co",
        "Li",
        "O'Brien & Sons",
    ];
    let mut entries: Vec<P> = Vec::new();
    for (k, name) in names.iter().enumerate() {
        entries.push(P {
            id: k as i64 + 1,
            name,
            ..P::default()
        });
        entries.push(P {
            id: k as i64 + 101,
            kind: PERSON,
            name,
            ..P::default()
        });
    }
    let (_, parties, _) = prepare(&input(&[], &entries)).unwrap();
    let ix = Index::build(&parties);
    let mut found = Vec::new();
    for (k, p) in parties.iter().enumerate() {
        ix.candidates(&keys(p, true), &mut found);
        assert!(found.contains(&(k as u32)), "{:?} unreachable", p.id);
    }
}

#[test]
fn deletions_meet_typos_transpositions_and_insertions() {
    let has_common = |a: &str, b: &str| variants(a).iter().any(|v| variants(b).contains(v));
    assert!(has_common("smith", "smyth"));
    assert!(has_common("smith", "simth"));
    assert!(has_common("smith", "smiith"));
    assert!(has_common("kowalczyk", "owalczyk"));
    assert!(!has_common("smith", "jones"));
    assert_eq!(variants("lee"), ["lee"]);
}

#[test]
fn hits_are_sorted_by_subject_then_score() {
    let subjects = [
        acme_at_main_street(7, "Zorvex Medical Supply"),
        acme_at_main_street(3, "Quillon Surgical"),
    ];
    let mut e3 = acme_at_main_street(20, "Zorvex Medical Supply");
    e3.street = "";
    let entries = [
        acme_at_main_street(10, "Quillon Surgical"),
        e3,
        acme_at_main_street(11, "Zorvex Medical Supply Inc"),
    ];
    let out = run(&subjects, &entries);
    let order: Vec<(i64, i64)> = out.hits.iter().map(|h| (h.subject, h.entry)).collect();
    assert_eq!(order, [(3, 10), (7, 11), (7, 20)]);
    assert_eq!((out.stats.strong, out.stats.weak), (2, 1));
    let min = Options { min_score: 0.9 };
    let out = screen(&input(&subjects, &entries), &min).unwrap();
    assert_eq!(out.hits.len(), 2);
}

#[test]
fn bad_input_names_its_field_and_row() {
    let a = P {
        id: 5,
        name: "A",
        ..P::default()
    };
    let err = screen(&input(&[a.clone(), a.clone()], &[]), &Options::default()).unwrap_err();
    assert_eq!(
        err,
        Error::input(Location::row("subjects.id", 1), "id 5 repeats row 0")
    );
    let other = P {
        kind: Kind::Other,
        ..a.clone()
    };
    let err = screen(&input(&[other], &[]), &Options::default()).unwrap_err();
    assert_eq!(err.location(), Some(&Location::row("subjects.kind", 0)));
    let mut i = input(&[], std::slice::from_ref(&a));
    i.entries.zip.pop();
    let err = screen(&i, &Options::default()).unwrap_err();
    assert_eq!(err.location(), Some(&Location::field("entries.zip")));
    let err = screen(&input(&[], &[]), &Options { min_score: 1.5 }).unwrap_err();
    assert_eq!(err.location(), Some(&Location::field("min_score")));
}

#[test]
fn keys_hash_the_variants_without_building_them() {
    let p = P {
        id: 1,
        kind: PERSON,
        first: "Jürgen",
        last: "Kowalczyk-Ünal",
        ..P::default()
    };
    let (people, _, _) = prepare(&input(&[p], &[])).unwrap();
    let r = &people[0].person[0];
    assert_eq!(r.last_words, ["kowalczyk", "unal"]);
    let lasts: Vec<String> = variants(&r.last)
        .into_iter()
        .chain(r.last_words.clone())
        .collect();
    let k = |a: &str, b: &str| super::blocking::key(Pass::Person, &[a.as_bytes(), b.as_bytes()]);
    let mut want: Vec<u64> = lasts
        .iter()
        .flat_map(|v| [k(v, "jurgen"), k(v, "~")])
        .chain(variants("jurgen").iter().map(|f| k(&r.last, f)))
        .collect();
    want.sort_unstable();
    want.dedup();
    assert_eq!(keys(&people[0], true), want);
}

#[test]
fn one_typo_apart() {
    use super::similarity::{one_typo, token_similarity, TYPO};
    for (a, b) in [
        ("reed", "raed"),
        ("bericorcore", "boericorcore"),
        ("smith", "simth"),
        ("ab", "ba"),
        ("care", "car"),
    ] {
        assert!(one_typo(a, b) && one_typo(b, a), "{a} {b}");
    }
    for (a, b) in [
        ("reed", "reed"),
        ("smith", "smyht"),
        ("abc", "cab"),
        ("care", "carol"),
    ] {
        assert!(!one_typo(a, b), "{a} {b}");
    }
    assert_eq!(token_similarity("reed", "raed"), TYPO);
    let name = |s: &str| crate::dedupe::normalize::vendor_name(s).0;
    let (sim, _) = super::similarity::name_similarity(
        &name("Granite Labratories"),
        &name("Granite Laboratories"),
    );
    assert!((sim - (1.0 - 1.0 / 19.0)).abs() < 1e-12, "{sim}");
    assert!(
        token_similarity("lee", "lea") < TYPO,
        "three letters are too short to tell"
    );
}
