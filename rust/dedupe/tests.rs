use super::ids::{self, Scheme, Validity};
use super::normalize as n;
use super::*;
use rust_decimal::Decimal;
use score::{band, probability, Field, Level};

/// (id, name, zip, phone, ids, banks)
type Row<'a> = (i64, &'a str, &'a str, &'a str, &'a [&'a str], &'a [&'a str]);

fn input(rows: &[Row]) -> Input {
    let k = rows.len();
    Input {
        id: rows.iter().map(|r| r.0).collect(),
        name: rows.iter().map(|r| r.1.to_string()).collect(),
        trade_name: vec![String::new(); k],
        street: vec![String::new(); k],
        city: vec![String::new(); k],
        zip: rows.iter().map(|r| r.2.to_string()).collect(),
        country: vec!["US".into(); k],
        phones: rows
            .iter()
            .map(|r| {
                if r.3.is_empty() {
                    vec![]
                } else {
                    vec![r.3.to_string()]
                }
            })
            .collect(),
        email: vec![String::new(); k],
        website: vec![String::new(); k],
        ids: rows
            .iter()
            .map(|r| r.4.iter().map(|s| s.to_string()).collect())
            .collect(),
        banks: rows
            .iter()
            .map(|r| r.5.iter().map(|s| s.to_string()).collect())
            .collect(),
        employee: vec![false; k],
        label_only: vec![false; k],
        spend: vec![Decimal::ZERO; k],
        changed: vec![false; k],
    }
}

#[test]
fn identifiers_published_examples() {
    assert!(ids::valid_ein("123456789"));
    assert!(
        !ids::valid_ein("071234567"),
        "prefix 07 is not an IRS campus"
    );
    assert!(!ids::valid_ein("12345678"));
    assert!(ids::valid_npi("1234567893"), "CMS example");
    assert!(!ids::valid_npi("1234567890"));
    assert!(ids::valid_dea("AB1234563"));
    assert!(!ids::valid_dea("AB1234567"));
    assert!(!ids::valid_dea("QB1234563"), "Q is no registrant type");
    assert!(ids::valid_aba("011000015"));
    assert!(ids::valid_aba("021000021"));
    assert!(!ids::valid_aba("021000022"));
    assert!(ids::valid_iban(&ids::compact(
        "GB82 WEST 1234 5698 7654 32"
    )));
    assert!(ids::valid_iban("DE89370400440532013000"));
    assert!(!ids::valid_iban("DE89370400440532013001"));
    assert!(
        !ids::valid_iban("DE8937040044053201300"),
        "DE IBANs have 22 characters"
    );
    for ok in [
        "DE136695976",
        "FR40303265045",
        "IT00743110157",
        "BE0403019261",
        "NL004495445B01",
    ] {
        assert_eq!(ids::vat(ok), Validity::Valid, "{ok}");
    }
    for bad in [
        "DE136695977",
        "FR41303265045",
        "IT00743110158",
        "BE0403019262",
        "NL004495446B01",
    ] {
        assert_eq!(ids::vat(bad), Validity::Invalid, "{bad}");
    }
    assert_eq!(ids::vat("ESB12345678"), Validity::Format);
    assert_eq!(ids::check(Scheme::Gln, "4012345000009"), Validity::Valid);
    assert_eq!(ids::check(Scheme::Gln, "4012345000008"), Validity::Invalid);
    assert_eq!(ids::check(Scheme::Uei, "J7M9HPTGJ1S9"), Validity::Format);
    assert_eq!(ids::check(Scheme::Uei, "O7M9HPTGJ1S9"), Validity::Invalid);
    assert_eq!(ids::check(Scheme::Duns, "150483782"), Validity::Format);
    assert_eq!(
        ids::bank("021000021:0012 3456"),
        ("021000021:00123456".into(), Validity::Valid)
    );
    assert_eq!(ids::bank("de89 3704 0044 0532 0130 00").1, Validity::Valid);
}

#[test]
fn names_fold_strip_and_expand() {
    let (a, _) = n::vendor_name("Acme Medical Supplies, Inc.");
    assert_eq!(a.tokens, ["acme", "medical", "supply"]);
    assert_eq!(a.removed, ["inc"]);
    let (b, _) = n::vendor_name("ACME MED. SUPPLY L.L.C.");
    assert_eq!(b.tokens, a.tokens);
    let (c, _) = n::vendor_name("Müller GmbH & Co. KG");
    assert_eq!(c.tokens, ["muller"]);
    assert_eq!(c.removed, ["gmbh", "co", "kg"]);
    let (d, _) = n::vendor_name("Medtrоnic"); // Cyrillic о
    assert_eq!(d.tokens, ["medtronic"]);
    let (e, _) = n::vendor_name("Med1ine Industries");
    assert_eq!(e.tokens, ["medline", "industries"]);
    let (f, g) = n::vendor_name("Acme Corp d/b/a Bright Care");
    assert_eq!(
        (f.tokens, g.tokens),
        (
            vec!["acme".to_string()],
            vec!["bright".to_string(), "care".to_string()]
        )
    );
    let (h, _) = n::vendor_name("Société Générale S.A.");
    assert_eq!(h.tokens, ["societe", "generale"]);
    let (i, _) = n::vendor_name("Med Line");
    let (j, _) = n::vendor_name("Medline");
    assert_eq!(i.nospace, j.nospace);
}

#[test]
fn phones_mail_web_address() {
    assert_eq!(n::phone("(212) 555-0100 x12", "US"), "12125550100");
    assert_eq!(n::phone("+44 20 7946 0958", "US"), "442079460958");
    assert_eq!(n::phone("030 1234567", "DE"), "49301234567");
    assert_eq!(n::phone("0044 20 7946 0958", "FR"), "442079460958");
    assert_eq!(n::phone("011 44 20 7946 0958", "US"), "442079460958");
    assert_eq!(
        n::phone("555-0100", "US"),
        "",
        "too short to be a full number"
    );
    assert_eq!(
        n::email(" Ann@Acme-Med.com "),
        ("ann@acme-med.com".into(), "acme-med.com".into(), false)
    );
    assert!(n::email("x@gmail.com").2);
    assert_eq!(n::email("not a mail").0, "");
    assert_eq!(n::website("https://www.Acme-Med.com/about"), "acme-med.com");
    assert_eq!(
        n::street("1200 N. Main Street, Suite 300"),
        ("1200".into(), "n main st".into())
    );
    assert_eq!(n::zip("02139-4307", "US"), "02139");
    assert_eq!(n::zip("sw1a 1aa", "GB"), "SW1A1AA");
    assert_eq!(n::fold("Ærø Straße"), "aero strasse");
}

#[test]
fn identifiers_weigh_for_and_against() {
    let inp = input(&[
        (1, "Acme Medical", "10001", "", &["ein:12-3456789"], &[]),
        (2, "Acme Medical", "10001", "", &["ein:123456789"], &[]),
        (3, "Acme Medical", "10001", "", &["ein:98-7654321"], &[]),
    ]);
    let (recs, _, freq) = prepare(&inp, None).unwrap();
    let o = Options::default();
    let m = Model::default();
    let (same, ev) = compare(&recs[0], &recs[1], &freq, &o, &m);
    assert!(ev
        .iter()
        .any(|e| e.field == Field::Id(Scheme::Ein) && e.level == Level::Agree));
    assert_eq!(band(probability(same), &o), Band::Likely);
    let (diff, ev) = compare(&recs[0], &recs[2], &freq, &o, &m);
    assert!(ev
        .iter()
        .any(|e| e.level == Level::Against && e.weight < 0.0));
    // the same name, zip and country: only the identifiers differ
    assert!(
        diff <= same - 26.0 + 1e-9,
        "agreeing EINs +14, different valid EINs -12: {same} {diff}"
    );
}

#[test]
fn common_words_count_little() {
    let inp = input(&[
        (1, "Medical Supply Inc", "", "", &[], &[]),
        (2, "Medical Supply LLC", "", "", &[], &[]),
        (3, "Zorbex Medical Supply Inc", "", "", &[], &[]),
        (4, "Zorbex Medical Supply LLC", "", "", &[], &[]),
    ]);
    let (recs, _, freq) = prepare(&inp, None).unwrap();
    let o = Options::default();
    let m = Model::default();
    let (common, ev1) = compare(&recs[0], &recs[1], &freq, &o, &m);
    let (rare, ev2) = compare(&recs[2], &recs[3], &freq, &o, &m);
    assert_eq!(ev1[0].level, Level::Exact);
    assert_eq!(ev2[0].level, Level::Exact);
    assert!(
        ev1[0].tf < 0.6 && ev2[0].tf == 1.0,
        "{} {}",
        ev1[0].tf,
        ev2[0].tf
    );
    assert!(common < rare);
}

#[test]
fn clusters_do_not_chain() {
    let ids = [10, 20, 30, 40];
    let o = Options::default();
    // a chain 10-20-30-40
    let chain = [(0, 1, 20.0), (1, 2, 19.0), (2, 3, 18.0)];
    let c = cluster(&ids, &chain, &o);
    assert_eq!(c[0], 10);
    assert_eq!(c[1], 10);
    assert_ne!(c[3], c[0], "the chain end is not pulled in: {c:?}");
    // a clique joins fully, id = smallest member
    let clique = [
        (0, 1, 20.0),
        (1, 2, 19.0),
        (0, 2, 18.0),
        (2, 3, 17.0),
        (1, 3, 16.0),
    ];
    assert_eq!(cluster(&ids, &clique, &o), vec![10, 10, 10, 10]);
}

#[test]
fn blocking_finds_typos_and_batch_run_explains() {
    let mut inp = input(&[
        (
            1,
            "Zorbexion Surgical Inc",
            "60601",
            "312-555-0101",
            &[],
            &[],
        ),
        (2, "Zorbexoin Surgical", "60601", "", &[], &[]),
        (
            3,
            "Halcyon Dental",
            "10001",
            "",
            &[],
            &["DE89 3704 0044 0532 0130 00"],
        ),
        (
            4,
            "Quartzline Labs",
            "94105",
            "",
            &[],
            &["DE89370400440532013000"],
        ),
        (5, "Unrelated Things", "73301", "", &[], &[]),
    ]);
    inp.street = vec![
        "1 Main St".into(),
        "1 Main Street".into(),
        String::new(),
        String::new(),
        String::new(),
    ];
    // five records teach nothing: the prior model scores them
    let o = RunOptions {
        model: Some(Model::default()),
        ..RunOptions::default()
    };
    let out = run(&inp, &o).unwrap();
    let p = out
        .pairs
        .iter()
        .find(|p| out.recs[p.left].id == 1 && out.recs[p.right].id == 2)
        .expect("typo pair found");
    assert!(p.band >= Band::Possible, "{p:?}");
    assert_eq!(out.signals.len(), 1);
    assert_eq!(out.signals[0].kind, SignalKind::SharedBank);
    assert_eq!(out.signals[0].value, "DE89370400440532013000");
}

#[test]
fn index_query_upsert_remove() {
    let inp = input(&[
        (
            1,
            "Zorbexion Surgical Inc",
            "60601",
            "312-555-0101",
            &["ein:12-3456789"],
            &[],
        ),
        (2, "Halcyon Dental", "10001", "", &[], &[]),
    ]);
    let mut ix = Index::build(&inp, Options::default(), None).unwrap();
    let q = input(&[(
        99,
        "Zorbexion Surgical LLC",
        "60601",
        "(312) 555 0101",
        &[],
        &[],
    )]);
    let (hits, _) = ix.query(&q, 0.0, 5).unwrap();
    assert_eq!(hits[0].id, 1);
    assert_eq!(hits[0].band, Band::Likely);
    ix.upsert(&input(&[(3, "Zorbexion Surgical", "60601", "", &[], &[])]))
        .unwrap();
    assert_eq!(ix.len(), 3);
    assert_eq!(ix.remove(&[1, 42]), 1);
    let (hits, _) = ix.query(&q, 0.0, 5).unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![3]);
}

#[test]
fn bad_input_is_refused() {
    let inp = input(&[(1, "A", "", "", &[], &[]), (1, "B", "", "", &[], &[])]);
    let e = run(&inp, &RunOptions::default()).unwrap_err();
    assert!(e.to_string().contains("records.id[1]"), "{e}");
}

/// A small world: pairs of one vendor typed twice (typos, abbreviations,
/// a missing phone) among distinct vendors.
fn small_world(n: usize) -> Input {
    let words = [
        "zorbex", "halcyon", "quartz", "medline", "orbit", "pioneer", "summit", "vertex", "nimbus",
        "cobalt", "sierra", "aurora", "beacon", "cascade", "delta", "ember",
    ];
    let mut rows = Vec::new();
    for k in 0..n {
        let a = words[k % words.len()];
        let b = words[(k * 7 + 3) % words.len()];
        let name = format!("{a} {b} {k} surgical");
        let zip = format!("{:05}", 10000 + k * 37);
        let phone = format!("312-555-{:04}", k);
        rows.push((name, zip, phone, format!("{} Main St", k + 1)));
    }
    let mut inp = Input::default();
    let mut id = 1;
    for (k, (name, zip, phone, street)) in rows.iter().enumerate() {
        let copies = if k % 3 == 0 { 2 } else { 1 };
        for c in 0..copies {
            inp.id.push(id);
            id += 1;
            let typo = if c == 1 {
                name.replacen("surgical", "surgicl", 1)
            } else {
                name.clone()
            };
            inp.name.push(typo);
            inp.trade_name.push(String::new());
            inp.street.push(street.clone());
            inp.city.push("Chicago".into());
            inp.zip.push(zip.clone());
            inp.country.push("US".into());
            inp.phones
                .push(if c == 1 { vec![] } else { vec![phone.clone()] });
            inp.email.push(String::new());
            inp.website.push(String::new());
            inp.ids.push(vec![]);
            inp.banks.push(vec![]);
            inp.employee.push(false);
            inp.spend.push(Decimal::ZERO);
            inp.changed.push(false);
        }
    }
    inp
}

#[test]
fn the_model_is_learned_and_bounded() {
    let out = run(&small_world(90), &RunOptions::default()).unwrap();
    let m = &out.model;
    assert!(m.iterations > 0 && m.records == 120, "{m:?}");
    for c in Cmp::ALL {
        for k in 0..c.levels().len() {
            let w = m.weight_at(c, k);
            assert!((model::W_MIN..=model::W_MAX).contains(&w), "{c:?} {k} {w}");
        }
    }
    // agreeing names weigh for, different names against; no best level
    // counts against, no worst level for
    assert!(m.weight(Cmp::Name, Level::Exact) > 0.0);
    for c in Cmp::ALL {
        let w = &m.weights[c as usize];
        assert!(w[0] >= 0.0 && w[w.len() - 1] <= 0.0, "{c:?} {w:?}");
    }
    assert!(m.weight(Cmp::Name, Level::Different) < 0.0);
    // the 30 planted pairs are found
    let found = out
        .pairs
        .iter()
        .filter(|p| p.band == Band::Likely && out.recs[p.right].id == out.recs[p.left].id + 1)
        .count();
    assert_eq!(found, 30, "{:?}", out.pairs.len());
}

#[test]
fn a_given_model_is_used_as_it_is() {
    let inp = small_world(60);
    let learned = run(&inp, &RunOptions::default()).unwrap().model;
    let mut o = RunOptions {
        model: Some(Model::default()),
        ..RunOptions::default()
    };
    let out = run(&inp, &o).unwrap();
    assert_eq!(out.model, Model::default());
    assert_eq!(out.estimate_s, 0.0);
    o.model = Some(learned.clone());
    assert_eq!(run(&inp, &o).unwrap().model, learned);
}

#[test]
fn labels_move_the_model() {
    let inp = small_world(60);
    let plain = run(&inp, &RunOptions::default()).unwrap();
    // the steward says the typo pairs are not duplicates
    let labels: Vec<Label> = (0..20)
        .map(|k| Label {
            left: 3 * k,
            right: 3 * k + 1,
            duplicate: false,
        })
        .collect();
    let o = RunOptions {
        labels,
        ..RunOptions::default()
    };
    let taught = run(&inp, &o).unwrap();
    assert_eq!(taught.model.labels, 20);
    let p = |out: &Output| {
        out.pairs
            .iter()
            .find(|p| out.recs[p.left].id == 61 && out.recs[p.right].id == 62)
            .map_or(0.0, |p| p.probability)
    };
    assert!(
        p(&taught) < p(&plain),
        "an unlabelled pair like the labelled ones falls: {} -> {}",
        p(&plain),
        p(&taught)
    );
}

#[test]
fn estimation_is_the_same_with_any_number_of_threads() {
    let inp = small_world(200);
    let run_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (mut recs, _, freq) = prepare(&inp, None).unwrap();
            for r in recs.iter_mut() {
                freq.assign(r, 10_000);
            }
            let (packed, _, _) = candidate_pairs(&recs, false);
            let o = Options::default();
            let cands: Vec<Compared> = packed
                .iter()
                .map(|p| {
                    compare_levels(
                        &recs[(p >> 32) as usize],
                        &recs[(p & 0xffff_ffff) as usize],
                        &freq,
                        &o,
                    )
                })
                .collect();
            model::estimate(&recs, &freq, &o, &cands, &[], &Learn::default())
        })
    };
    assert_eq!(run_with(1), run_with(4));
}

#[test]
fn bounded_weights_keep_their_signs() {
    // a different country counting for a duplicate, the same one against
    let c = model::bounded(&[0.9, 0.1], &[0.99, 0.01]);
    assert_eq!(c, vec![0.0, 0.0], "country: neither for nor against");
    let w = model::bounded(&[0.5, 0.3, 0.2], &[0.001, 0.01, 0.989]);
    assert!(w[0] > 8.9 && w[1] > 4.9 && w[2] < 0.0, "{w:?}");
    assert_eq!(
        model::bounded(&[0.999_999, 0.000_001], &[1e-9, 1.0 - 1e-9])[0],
        model::W_MAX
    );
}
