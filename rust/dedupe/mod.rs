//! Duplicate vendor detection.
//!
//! Records come in as columns ([`Input`]), are normalised ([`normalize`]),
//! blocked in several passes whose candidates are united ([`blocking_keys`]),
//! scored field by field with explainable weights ([`score`]) and the likely
//! pairs clustered with a guard against chaining ([`cluster`]). Pairs
//! touching an employee record are never duplicates: they give fraud
//! signals ([`SignalKind`]). [`Index`] answers the check at vendor creation
//! for one record.

pub mod ids;
pub mod normalize;
pub mod score;

#[cfg(test)]
mod tests;

use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::error::{Error, Location, Result};
use ids::{Scheme, Validity};
use score::{band, compare, Freq, Level};
pub use score::{Band, Evidence, Options, Rec};

/// Vendor (or employee) records as columns; every column has one value per
/// record. `ids` are "scheme:value" strings (schemes: ein, npi, dea, uei,
/// duns, gln, vat; any other is compared as given), `banks` IBANs,
/// "routing:account" or bare account numbers.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub id: Vec<i64>,
    pub name: Vec<String>,
    pub trade_name: Vec<String>,
    pub street: Vec<String>,
    pub city: Vec<String>,
    pub zip: Vec<String>,
    pub country: Vec<String>,
    pub phones: Vec<Vec<String>>,
    pub email: Vec<String>,
    pub website: Vec<String>,
    pub ids: Vec<Vec<String>>,
    pub banks: Vec<Vec<String>>,
    pub employee: Vec<bool>,
    pub spend: Vec<Decimal>,
    pub changed: Vec<bool>,
}

/// An identifier that failed its check, per record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub record: usize,
    pub field: &'static str,
    pub value: String,
}

/// Normalise one record (row `i` of the input).
pub fn normalise(input: &Input, i: usize, spend_threshold: Option<Decimal>) -> (Rec, Vec<Invalid>) {
    let country = input.country[i].trim().to_ascii_uppercase();
    let (mut name, mut trade) = normalize::vendor_name(&input.name[i]);
    if !input.trade_name[i].trim().is_empty() {
        let (t, _) = normalize::vendor_name(&input.trade_name[i]);
        if !t.is_empty() {
            trade = t;
        }
    }
    if name.is_empty() && !trade.is_empty() {
        std::mem::swap(&mut name, &mut trade);
    }
    let (house, street) = normalize::street(&input.street[i]);
    let mut phones: Vec<String> = Vec::new();
    for p in &input.phones[i] {
        let e = normalize::phone(p, &country);
        if !e.is_empty() && !phones.contains(&e) {
            phones.push(e);
        }
    }
    let (email, domain, free_mail) = normalize::email(&input.email[i]);
    let mut invalid = Vec::new();
    let mut id_list: Vec<(Scheme, String, Validity)> = Vec::new();
    for raw in &input.ids[i] {
        let (scheme, value) = match raw.split_once(':') {
            Some((s, v)) => (Scheme::parse(s), v),
            None => (Scheme::Other, raw.as_str()),
        };
        let c = ids::compact(value);
        if c.is_empty() {
            continue;
        }
        let v = ids::check(scheme, &c);
        if v == Validity::Invalid {
            invalid.push(Invalid {
                record: i,
                field: scheme.code(),
                value: c.clone(),
            });
        }
        if !id_list.iter().any(|x| x.0 == scheme && x.1 == c) {
            id_list.push((scheme, c, v));
        }
    }
    id_list.sort();
    let mut banks: Vec<(String, Validity)> = Vec::new();
    for raw in &input.banks[i] {
        let (k, v) = ids::bank(raw);
        if k.len() < 4 {
            continue;
        }
        if v == Validity::Invalid {
            invalid.push(Invalid {
                record: i,
                field: "bank",
                value: k.clone(),
            });
        }
        if !banks.iter().any(|b| b.0 == k) {
            banks.push((k, v));
        }
    }
    let city = normalize::city(&input.city[i]);
    let zip = normalize::zip(&input.zip[i], &country);
    let website = normalize::website(&input.website[i]);
    let mut r = Rec {
        id: input.id[i],
        employee: input.employee[i],
        name,
        trade,
        country,
        city,
        zip,
        house,
        street,
        phones,
        email,
        domain,
        free_mail,
        website,
        ids: id_list,
        banks,
        high_spend: spend_threshold.is_some_and(|t| input.spend[i] >= t),
        changed: input.changed[i],
        fingerprint: 0,
    };
    r.fingerprint = fingerprint(&r);
    (r, invalid)
}

/// A stable hash of everything the comparison looks at: when it changes, a
/// pair decided "not a duplicate" is raised again.
pub fn fingerprint(r: &Rec) -> u64 {
    let ids: Vec<String> = r
        .ids
        .iter()
        .map(|(s, v, _)| format!("{}:{}", s.code(), v))
        .collect();
    let banks: Vec<&str> = r.banks.iter().map(|b| b.0.as_str()).collect();
    let name = r.name.tokens.join(" ");
    let trade = r.trade.tokens.join(" ");
    let phones = r.phones.join(",");
    let ids = ids.join(",");
    let banks = banks.join(",");
    normalize::fnv(&[
        name.as_bytes(),
        trade.as_bytes(),
        r.country.as_bytes(),
        r.city.as_bytes(),
        r.zip.as_bytes(),
        r.house.as_bytes(),
        r.street.as_bytes(),
        phones.as_bytes(),
        r.email.as_bytes(),
        r.website.as_bytes(),
        ids.as_bytes(),
        banks.as_bytes(),
        if r.employee { b"e" } else { b"v" },
    ])
}

impl Input {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
    /// Every column has one value per record and ids are unique.
    pub fn check(&self) -> Result<()> {
        let n = self.id.len();
        let lens = [
            ("name", self.name.len()),
            ("trade_name", self.trade_name.len()),
            ("street", self.street.len()),
            ("city", self.city.len()),
            ("zip", self.zip.len()),
            ("country", self.country.len()),
            ("phones", self.phones.len()),
            ("email", self.email.len()),
            ("website", self.website.len()),
            ("ids", self.ids.len()),
            ("banks", self.banks.len()),
            ("kind", self.employee.len()),
            ("spend", self.spend.len()),
            ("changed", self.changed.len()),
        ];
        for (f, l) in lens {
            if l != n {
                return Err(Error::input(
                    Location::field(format!("records.{f}")),
                    format!("has {l} rows, expected {n}"),
                ));
            }
        }
        let mut seen: HashMap<i64, usize> = HashMap::with_capacity(n);
        for (i, id) in self.id.iter().enumerate() {
            if *id <= 0 {
                return Err(Error::input(
                    Location::row("records.id", i),
                    "must be a positive id",
                ));
            }
            if let Some(first) = seen.insert(*id, i) {
                return Err(Error::input(
                    Location::row("records.id", i),
                    format!("id {id} repeats row {first}"),
                ));
            }
        }
        Ok(())
    }
}

/// Blocking passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Pass {
    Identifier = 1,
    Bank = 2,
    Phone = 3,
    Domain = 4,
    Word = 5,
    Grams = 6,
    Address = 7,
    Name = 8,
}

impl Pass {
    pub const ALL: [Pass; 8] = [
        Pass::Identifier,
        Pass::Bank,
        Pass::Phone,
        Pass::Domain,
        Pass::Word,
        Pass::Grams,
        Pass::Address,
        Pass::Name,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Pass::Identifier => "identifier",
            Pass::Bank => "bank",
            Pass::Phone => "phone",
            Pass::Domain => "domain",
            Pass::Word => "word",
            Pass::Grams => "grams",
            Pass::Address => "address",
            Pass::Name => "name",
        }
    }
    /// Groups bigger than this are skipped (and counted in the stats).
    pub fn cap(self) -> usize {
        match self {
            Pass::Identifier | Pass::Bank => 500,
            Pass::Word | Pass::Name => 100,
            _ => 50,
        }
    }
    fn of(tag: u64) -> Pass {
        match tag {
            1 => Pass::Identifier,
            2 => Pass::Bank,
            3 => Pass::Phone,
            4 => Pass::Domain,
            5 => Pass::Word,
            6 => Pass::Grams,
            7 => Pass::Address,
            _ => Pass::Name,
        }
    }
}

const MINHASHES: usize = 12;
const BAND_ROWS: usize = 3;

fn key(pass: Pass, parts: &[&[u8]]) -> u64 {
    // the pass lives in the top byte so a group knows its cap
    (normalize::fnv(parts) & 0x00ff_ffff_ffff_ffff) | ((pass as u64) << 56)
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The blocking keys of a record: identifiers, bank accounts, phones, e-mail
/// and web domains (not free-mail), name words that are not common words,
/// MinHash bands of the character 3-grams of the distinctive part of the
/// name, zip + house number, and the whole name without spaces.
pub fn blocking_keys(r: &Rec) -> Vec<u64> {
    let mut keys = Vec::with_capacity(24);
    for (s, v, _) in &r.ids {
        keys.push(key(Pass::Identifier, &[s.code().as_bytes(), v.as_bytes()]));
    }
    for (b, _) in &r.banks {
        keys.push(key(Pass::Bank, &[b.as_bytes()]));
    }
    for p in &r.phones {
        keys.push(key(Pass::Phone, &[p.as_bytes()]));
    }
    if !r.domain.is_empty() && !r.free_mail {
        keys.push(key(Pass::Domain, &[r.domain.as_bytes()]));
    }
    if !r.website.is_empty() {
        keys.push(key(Pass::Domain, &[r.website.as_bytes()]));
    }
    for name in [&r.name, &r.trade] {
        if name.is_empty() {
            continue;
        }
        let rare: Vec<&str> = name
            .tokens
            .iter()
            .map(String::as_str)
            .filter(|t| !normalize::COMMON.contains(t))
            .collect();
        for t in &rare {
            keys.push(key(Pass::Word, &[t.as_bytes()]));
        }
        let text: String = if rare.is_empty() {
            name.tokens.concat()
        } else {
            rare.concat()
        };
        let chars: Vec<char> = text.chars().collect();
        let mut mins = [u64::MAX; MINHASHES];
        let mut gram = |g: &[char]| {
            let s: String = g.iter().collect();
            let h = normalize::fnv(&[s.as_bytes()]);
            for (k, m) in mins.iter_mut().enumerate() {
                let x = splitmix(h ^ (k as u64).wrapping_mul(0x51_7cc1_b727_220a));
                if x < *m {
                    *m = x;
                }
            }
        };
        if chars.len() < 3 {
            gram(&chars);
        } else {
            for g in chars.windows(3) {
                gram(g);
            }
        }
        for (band, rows) in mins.chunks(BAND_ROWS).enumerate() {
            let mut bytes = Vec::with_capacity(1 + 8 * BAND_ROWS);
            bytes.push(band as u8);
            for v in rows {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            keys.push(key(Pass::Grams, &[&bytes]));
        }
        if !name.nospace.is_empty() {
            keys.push(key(Pass::Name, &[name.nospace.as_bytes()]));
        }
    }
    if !r.zip.is_empty() && !r.house.is_empty() {
        keys.push(key(Pass::Address, &[r.zip.as_bytes(), r.house.as_bytes()]));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Kinds of fraud signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SignalKind {
    /// One bank account under vendors that are not the same vendor.
    SharedBank,
    EmployeeBank,
    EmployeeAddress,
    EmployeePhone,
    /// A name very like a high-spend vendor's, with nothing else in common.
    Lookalike,
}

impl SignalKind {
    pub const ALL: [SignalKind; 5] = [
        SignalKind::SharedBank,
        SignalKind::EmployeeBank,
        SignalKind::EmployeeAddress,
        SignalKind::EmployeePhone,
        SignalKind::Lookalike,
    ];
    pub fn code(self) -> &'static str {
        match self {
            SignalKind::SharedBank => "shared_bank",
            SignalKind::EmployeeBank => "employee_bank",
            SignalKind::EmployeeAddress => "employee_address",
            SignalKind::EmployeePhone => "employee_phone",
            SignalKind::Lookalike => "lookalike",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub kind: SignalKind,
    /// Record positions (left < right by id).
    pub left: usize,
    pub right: usize,
    pub value: String,
}

/// A scored pair (record positions, left id < right id).
#[derive(Debug, Clone)]
pub struct Pair {
    pub left: usize,
    pub right: usize,
    pub score: f64,
    pub band: Band,
    pub evidence: Vec<Evidence>,
}

/// Fraud signals of a compared pair.
pub fn signals(
    a: &Rec,
    b: &Rec,
    score: f64,
    ev: &[Evidence],
    o: &Options,
) -> Vec<(SignalKind, String)> {
    let mut out = Vec::new();
    let get = |f: score::Field| ev.iter().find(|e| e.field == f);
    let agree = |e: Option<&Evidence>| {
        e.is_some_and(|e| {
            matches!(
                e.level,
                Level::Agree | Level::Exact | Level::Common | Level::High
            )
        })
    };
    let bank = get(score::Field::Bank).filter(|e| e.level == Level::Agree);
    match (a.employee, b.employee) {
        (true, true) => {}
        (false, false) => {
            if let Some(e) = bank {
                if band(score, o) != Band::Likely {
                    out.push((SignalKind::SharedBank, e.value.clone()));
                }
            }
            let name = get(score::Field::Name);
            let strong = bank.is_some()
                || ev.iter().any(|e| {
                    matches!(e.field, score::Field::Id(_))
                        && matches!(e.level, Level::Agree | Level::InvalidAgree)
                })
                || agree(get(score::Field::Email))
                || agree(get(score::Field::Domain))
                || agree(get(score::Field::Website))
                || agree(get(score::Field::Phone))
                || agree(get(score::Field::Address));
            if (a.high_spend || b.high_spend)
                && !strong
                && name.is_some_and(|n| n.sim >= 0.85 && a.name.nospace != b.name.nospace)
            {
                out.push((SignalKind::Lookalike, String::new()));
            }
        }
        _ => {
            if let Some(e) = bank {
                out.push((SignalKind::EmployeeBank, e.value.clone()));
            }
            if let Some(e) = get(score::Field::Address) {
                if matches!(e.level, Level::Exact | Level::High) {
                    out.push((SignalKind::EmployeeAddress, String::new()));
                }
            }
            if let Some(e) = get(score::Field::Phone) {
                if e.level == Level::Agree {
                    out.push((SignalKind::EmployeePhone, e.value.clone()));
                }
            }
        }
    }
    out
}

/// Union likely pairs into clusters, best pairs first. Two clusters join
/// only when the result has at most `max_cluster` records and at least
/// `min_density` of the record pairs across them are likely pairs: a chain
/// A-B, B-C, C-D does not pull A and D together. A cluster's id is the
/// smallest record id in it, so ids are stable across runs. Returns the
/// cluster id of each record (0: none).
pub fn cluster(ids: &[i64], likely: &[(usize, usize, f64)], o: &Options) -> Vec<i64> {
    let n = ids.len();
    let mut edges: Vec<&(usize, usize, f64)> = likely.iter().collect();
    edges.sort_by(|x, y| {
        y.2.total_cmp(&x.2)
            .then(ids[x.0].min(ids[x.1]).cmp(&ids[y.0].min(ids[y.1])))
            .then(ids[x.0].max(ids[x.1]).cmp(&ids[y.0].max(ids[y.1])))
    });
    let linked: HashSet<(usize, usize)> = likely
        .iter()
        .map(|(a, b, _)| ((*a).min(*b), (*a).max(*b)))
        .collect();
    let mut owner: HashMap<usize, usize> = HashMap::new();
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    let root = |owner: &HashMap<usize, usize>, x: usize| owner.get(&x).copied().unwrap_or(x);
    for (a, b, _) in edges {
        let (ra, rb) = (root(&owner, *a), root(&owner, *b));
        if ra == rb {
            continue;
        }
        let ma = members.get(&ra).cloned().unwrap_or_else(|| vec![ra]);
        let mb = members.get(&rb).cloned().unwrap_or_else(|| vec![rb]);
        if ma.len() + mb.len() > o.max_cluster {
            continue;
        }
        let links = ma
            .iter()
            .flat_map(|x| mb.iter().map(move |y| ((*x).min(*y), (*x).max(*y))))
            .filter(|p| linked.contains(p))
            .count();
        if (links as f64) < o.min_density * (ma.len() * mb.len()) as f64 {
            continue;
        }
        let (keep, gone) = if ma.len() >= mb.len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let moved = if gone == ra { ma.clone() } else { mb.clone() };
        let mut all = if keep == ra { ma } else { mb };
        for m in &moved {
            owner.insert(*m, keep);
        }
        all.extend(moved);
        owner.insert(keep, keep);
        members.remove(&gone);
        members.insert(keep, all);
    }
    let mut out = vec![0i64; n];
    for list in members.values() {
        let id = list.iter().map(|m| ids[*m]).min().unwrap_or(0);
        for m in list {
            out[*m] = id;
        }
    }
    out
}

/// Everything a run gives.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub recs: Vec<Rec>,
    pub invalid: Vec<Invalid>,
    pub pairs: Vec<Pair>,
    pub signals: Vec<Signal>,
    pub clusters: Vec<i64>,
    pub candidates: usize,
    pub skipped_groups: usize,
    /// Pairs each blocking pass proposed, by [`Pass`] number.
    pub by_pass: [usize; 9],
}

/// Settings of a run beyond the scoring [`Options`].
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub score: Options,
    pub spend_threshold: Option<Decimal>,
    /// Return every candidate pair, whatever its band (to measure blocking).
    pub keep_all: bool,
}

/// Normalise every record and count frequencies.
pub fn prepare(
    input: &Input,
    spend_threshold: Option<Decimal>,
) -> Result<(Vec<Rec>, Vec<Invalid>, Freq)> {
    input.check()?;
    let parts: Vec<(Rec, Vec<Invalid>)> = crate::pool::install(|| {
        (0..input.len())
            .into_par_iter()
            .map(|i| normalise(input, i, spend_threshold))
            .collect()
    })?;
    let mut recs = Vec::with_capacity(parts.len());
    let mut invalid = Vec::new();
    for (r, inv) in parts {
        recs.push(r);
        invalid.extend(inv);
    }
    let mut freq = Freq::default();
    for r in &recs {
        freq.add(r, 1);
    }
    Ok((recs, invalid, freq))
}

/// Deduplicate a batch of records.
pub fn run(input: &Input, o: &RunOptions) -> Result<Output> {
    let (mut recs, invalid, freq) = prepare(input, o.spend_threshold)?;
    crate::pool::install(|| {
        recs.par_iter_mut()
            .for_each(|r| freq.assign(r, o.score.min_population))
    })?;
    let focus = recs.iter().any(|r| r.changed);
    let (candidates, skipped, by_pass) = crate::pool::install(|| candidate_pairs(&recs, focus))?;
    let scored: Vec<(Pair, Vec<(SignalKind, String)>)> = crate::pool::install(|| {
        candidates
            .par_iter()
            .filter_map(|packed| {
                let (i, j) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
                let (a, b) = (&recs[i], &recs[j]);
                let (left, right) = if a.id < b.id { (i, j) } else { (j, i) };
                let (total, ev) = compare(&recs[left], &recs[right], &freq, &o.score);
                let sig = signals(&recs[left], &recs[right], total, &ev, &o.score);
                let employee = a.employee || b.employee;
                let bd = if employee {
                    Band::None
                } else {
                    band(total, &o.score)
                };
                if bd == Band::None && sig.is_empty() && !o.keep_all {
                    return None;
                }
                Some((
                    Pair {
                        left,
                        right,
                        score: total,
                        band: bd,
                        evidence: ev,
                    },
                    sig,
                ))
            })
            .collect()
    })?;
    let mut pairs = Vec::with_capacity(scored.len());
    let mut sigs = Vec::new();
    for (p, s) in scored {
        for (kind, value) in s {
            sigs.push(Signal {
                kind,
                left: p.left,
                right: p.right,
                value,
            });
        }
        if p.band != Band::None || o.keep_all {
            pairs.push(p);
        }
    }
    let ids: Vec<i64> = recs.iter().map(|r| r.id).collect();
    pairs.sort_by_key(|p| (ids[p.left], ids[p.right]));
    sigs.sort_by_key(|s| (s.kind, ids[s.left], ids[s.right]));
    let likely: Vec<(usize, usize, f64)> = pairs
        .iter()
        .filter(|p| p.band == Band::Likely)
        .map(|p| (p.left, p.right, p.score))
        .collect();
    let clusters = cluster(&ids, &likely, &o.score);
    Ok(Output {
        candidates: candidates.len(),
        skipped_groups: skipped,
        by_pass,
        recs,
        invalid,
        pairs,
        signals: sigs,
        clusters,
    })
}

/// Candidate pairs (positions packed `i << 32 | j`, i < j), united over all
/// passes, sorted and unique; with `focus`, only pairs touching a changed
/// record. Also the number of groups skipped for their size and the pairs
/// each pass proposed (indexed by [`Pass`], before uniting).
pub fn candidate_pairs(recs: &[Rec], focus: bool) -> (Vec<u64>, usize, [usize; 9]) {
    let mut keyed: Vec<(u64, u32)> = recs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, r)| blocking_keys(r).into_iter().map(move |k| (k, i as u32)))
        .collect();
    keyed.par_sort_unstable();
    // group boundaries
    let mut starts = Vec::new();
    let mut s = 0;
    while s < keyed.len() {
        let mut e = s + 1;
        while e < keyed.len() && keyed[e].0 == keyed[s].0 {
            e += 1;
        }
        if e - s > 1 {
            starts.push((s, e));
        }
        s = e;
    }
    let mut skipped = 0;
    let mut by_pass = [0usize; 9];
    for (s, e) in &starts {
        let tag = (keyed[*s].0 >> 56) as usize;
        if e - s > Pass::of(tag as u64).cap() {
            skipped += 1;
        } else {
            by_pass[tag.min(8)] += (e - s) * (e - s - 1) / 2;
        }
    }
    let mut pairs: Vec<u64> = starts
        .par_iter()
        .filter(|(s, e)| e - s <= Pass::of(keyed[*s].0 >> 56).cap())
        .flat_map_iter(|(s, e)| {
            let group = &keyed[*s..*e];
            let mut out = Vec::with_capacity(group.len() * (group.len() - 1) / 2);
            for x in 0..group.len() {
                for y in x + 1..group.len() {
                    let (i, j) = (group[x].1, group[y].1);
                    if focus && !recs[i as usize].changed && !recs[j as usize].changed {
                        continue;
                    }
                    let (i, j) = (i.min(j), i.max(j));
                    out.push(((i as u64) << 32) | j as u64);
                }
            }
            out
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    (pairs, skipped, by_pass)
}

/// The index behind the check at vendor creation: built once, then kept up
/// to date with [`Index::upsert`] and [`Index::remove`]; a query scores one
/// record against the candidates its blocking keys find.
#[derive(Debug, Default)]
pub struct Index {
    pub options: Options,
    recs: Vec<Option<Rec>>,
    slots: HashMap<i64, usize>,
    groups: HashMap<u64, Vec<u32>>,
    freq: Freq,
    free: Vec<usize>,
}

/// One answer of [`Index::query`].
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: i64,
    pub score: f64,
    pub band: Band,
    pub evidence: Vec<Evidence>,
}

impl Index {
    pub fn build(input: &Input, options: Options) -> Result<Index> {
        let (recs, _, freq) = prepare(input, None)?;
        let mut ix = Index {
            options,
            freq,
            ..Index::default()
        };
        for r in recs {
            ix.insert(r);
        }
        Ok(ix)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn insert(&mut self, r: Rec) {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.recs.push(None);
                self.recs.len() - 1
            }
        };
        for k in blocking_keys(&r) {
            self.groups.entry(k).or_default().push(slot as u32);
        }
        self.slots.insert(r.id, slot);
        self.recs[slot] = Some(r);
    }

    fn take(&mut self, id: i64) -> bool {
        let Some(slot) = self.slots.remove(&id) else {
            return false;
        };
        if let Some(r) = self.recs[slot].take() {
            for k in blocking_keys(&r) {
                if let Some(g) = self.groups.get_mut(&k) {
                    g.retain(|s| *s as usize != slot);
                    if g.is_empty() {
                        self.groups.remove(&k);
                    }
                }
            }
            self.freq.add(&r, -1);
        }
        self.free.push(slot);
        true
    }

    /// Add or replace records (by id).
    pub fn upsert(&mut self, input: &Input) -> Result<usize> {
        let (recs, _, _) = prepare(input, None)?;
        let n = recs.len();
        for r in recs {
            self.take(r.id);
            self.freq.add(&r, 1);
            self.insert(r);
        }
        Ok(n)
    }

    /// Remove records by id; returns how many were there.
    pub fn remove(&mut self, ids: &[i64]) -> usize {
        ids.iter().filter(|id| self.take(**id)).count()
    }

    /// Score the first record of `input` against the index: hits at or
    /// above `min_score`, best first (ties by id), at most `limit`. The
    /// record's own id (when it is in the index) is skipped.
    pub fn query(
        &self,
        input: &Input,
        min_score: f64,
        limit: usize,
    ) -> Result<(Vec<Hit>, Vec<Invalid>)> {
        input.check()?;
        if input.is_empty() {
            return Err(Error::input(Location::field("record"), "is empty"));
        }
        let (r, invalid) = normalise(input, 0, None);
        let mut cand: Vec<u32> = Vec::new();
        for k in blocking_keys(&r) {
            if let Some(g) = self.groups.get(&k) {
                if g.len() <= Pass::of(k >> 56).cap() * 4 {
                    cand.extend_from_slice(g);
                }
            }
        }
        cand.sort_unstable();
        cand.dedup();
        let mut hits: Vec<Hit> = cand
            .iter()
            .filter_map(|s| self.recs[*s as usize].as_ref())
            .filter(|o| o.id != r.id && !o.employee)
            .filter_map(|o| {
                let (total, ev) = compare(&r, o, &self.freq, &self.options);
                (total >= min_score).then(|| Hit {
                    id: o.id,
                    score: total,
                    band: band(total, &self.options),
                    evidence: ev,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        hits.truncate(limit);
        Ok((hits, invalid))
    }
}
