//! Normalisers: names (Unicode folding, lookalike characters, legal-form
//! suffixes of several countries, abbreviations, "doing business as"),
//! phones (E.164 digits), e-mail (domain, free-mail flag), web sites,
//! addresses (house number, street words, zip codes).
//!
//! Every rule here has its twin in `tests/reference/dedupe.py`.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Letters folded to ASCII that NFKD leaves alone, and lookalikes from other
/// scripts (Cyrillic, Greek) that spoof Latin letters.
const FOLD: &[(char, &str)] = &[
    ('ß', "ss"),
    ('æ', "ae"),
    ('œ', "oe"),
    ('ø', "o"),
    ('ł', "l"),
    ('đ', "d"),
    ('ð', "d"),
    ('þ', "th"),
    ('ı', "i"),
    ('ŀ', "l"),
    // Cyrillic
    ('а', "a"),
    ('в', "b"),
    ('е', "e"),
    ('к', "k"),
    ('м', "m"),
    ('н', "h"),
    ('о', "o"),
    ('р', "p"),
    ('с', "c"),
    ('т', "t"),
    ('у', "y"),
    ('х', "x"),
    ('і', "i"),
    ('ј', "j"),
    ('ѕ', "s"),
    ('ԁ', "d"),
    ('ɡ', "g"),
    // Greek
    ('α', "a"),
    ('β', "b"),
    ('ε', "e"),
    ('ι', "i"),
    ('κ', "k"),
    ('ν', "v"),
    ('ο', "o"),
    ('ρ', "p"),
    ('τ', "t"),
    ('υ', "u"),
    ('χ', "x"),
    ('ζ', "z"),
    ('η', "n"),
    // typographic
    ('’', "'"),
    ('‘', "'"),
    ('＆', "&"),
];

/// Lower case, compatibility decomposition, combining marks dropped, the
/// [`FOLD`] table applied.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        // NFKD leaves ASCII alone and it has no combining marks
        return s.to_ascii_lowercase();
    }
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    for c in lower.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_ascii() {
            out.push(c);
        } else if let Some((_, to)) = FOLD.iter().find(|(f, _)| *f == c) {
            out.push_str(to);
        } else {
            out.push(c);
        }
    }
    out
}

/// Legal forms (US, UK, DE, AT, CH, FR, IT, ES, NL, BE, Nordics, PL, CZ,
/// AU, SG, JP), as tokens after punctuation is removed.
const LEGAL: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "pllc",
    "pc",
    "plc",
    "lc",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ev",
    "gbr",
    "kgaa",
    "sa",
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "snc",
    "spa",
    "srl",
    "sapa",
    "sl",
    "slu",
    "bv",
    "nv",
    "vof",
    "bvba",
    "sprl",
    "ab",
    "as",
    "asa",
    "oy",
    "oyj",
    "aps",
    "sp",
    "zoo",
    "sro",
    "pty",
    "pte",
    "kk",
    "cv",
];

/// Words that carry no identity in a vendor name.
const STOP: &[&str] = &["the", "and", "of", "dba", "aka"];

/// Abbreviations and plurals folded to one form.
const ABBREV: &[(&str, &str)] = &[
    ("intl", "international"),
    ("int", "international"),
    ("mfg", "manufacturing"),
    ("mfr", "manufacturer"),
    ("mfrs", "manufacturer"),
    ("manufacturers", "manufacturer"),
    ("med", "medical"),
    ("meds", "medical"),
    ("pharm", "pharmaceutical"),
    ("pharma", "pharmaceutical"),
    ("pharmaceuticals", "pharmaceutical"),
    ("hlth", "health"),
    ("hosp", "hospital"),
    ("hospitals", "hospital"),
    ("svc", "services"),
    ("svcs", "services"),
    ("serv", "services"),
    ("service", "services"),
    ("dist", "distribution"),
    ("distr", "distribution"),
    ("distributors", "distributor"),
    ("supplies", "supply"),
    ("suppl", "supply"),
    ("sply", "supply"),
    ("products", "product"),
    ("prods", "product"),
    ("prod", "product"),
    ("labs", "laboratory"),
    ("lab", "laboratory"),
    ("laboratories", "laboratory"),
    ("tech", "technology"),
    ("technologies", "technology"),
    ("systems", "system"),
    ("sys", "system"),
    ("solutions", "solution"),
    ("mgmt", "management"),
    ("assoc", "associates"),
    ("bros", "brothers"),
    ("ctr", "center"),
    ("centre", "center"),
    ("natl", "national"),
    ("amer", "american"),
    ("eqpt", "equipment"),
    ("equip", "equipment"),
    ("grp", "group"),
    ("hldgs", "holdings"),
    ("diag", "diagnostics"),
    ("diagnostic", "diagnostics"),
    ("surg", "surgical"),
    ("instr", "instruments"),
    ("instrument", "instruments"),
    ("st", "saint"),
    ("ste", "sainte"),
    ("mt", "mount"),
];

/// Words so common in healthcare vendor names that they are never taken as
/// rare (their frequency is floored, see `score::Freq`).
pub const COMMON: &[&str] = &[
    "medical",
    "supply",
    "health",
    "healthcare",
    "services",
    "pharmaceutical",
    "laboratory",
    "surgical",
    "group",
    "international",
    "system",
    "solution",
    "product",
    "care",
    "hospital",
    "diagnostics",
    "technology",
    "equipment",
    "distribution",
    "distributor",
    "american",
    "national",
    "global",
    "scientific",
    "dental",
    "life",
    "sciences",
    "bio",
    "clinical",
    "center",
    "home",
    "partners",
    "associates",
    "holdings",
    "usa",
    "us",
    "america",
    "management",
    "instruments",
    "industries",
    "enterprises",
    "manufacturing",
    "specialty",
    "pharmacy",
    "imaging",
    "devices",
    "biomedical",
    "orthopedic",
    "labs",
    "respiratory",
];

/// A normalised name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Name {
    /// Words after folding, abbreviations and legal forms (each once, in order).
    pub tokens: Vec<String>,
    /// The words before abbreviations were expanded, without spaces: catches
    /// "Med Line" vs "Medline".
    pub nospace: String,
    /// Legal-form words removed from the end.
    pub removed: Vec<String>,
    /// Information of each token in bits, when assigned (see `score::Freq::assign`).
    pub bits: Vec<f64>,
}

impl Name {
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    pub fn text(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Split folded text into words: `.` and `'` join (S.A. → sa, O'Brien →
/// obrien), every other character that is not a letter or digit separates.
pub fn words(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in folded.chars() {
        if c == '.' || c == '\'' {
            continue;
        }
        if c.is_alphanumeric() {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Digits that spoof letters inside a word that also has letters
/// (med1ine → medline, 0mnicell → omnicell).
pub fn unspoof(w: &str) -> String {
    let letters = w.chars().any(|c| c.is_alphabetic());
    let digits = w.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return w.to_string();
    }
    w.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            _ => c,
        })
        .collect()
}

fn name_of(raw_words: &[String]) -> Name {
    let mut ws: Vec<String> = raw_words
        .iter()
        .map(|w| unspoof(w))
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect();
    let mut removed = Vec::new();
    while ws.len() > 1 && LEGAL.contains(&ws[ws.len() - 1].as_str()) {
        removed.push(ws.pop().unwrap_or_default());
    }
    removed.reverse();
    let nospace = ws.concat();
    let mut tokens: Vec<String> = Vec::with_capacity(ws.len());
    for w in ws {
        let t = ABBREV
            .iter()
            .find(|(a, _)| *a == w)
            .map_or(w, |(_, full)| full.to_string());
        if !tokens.contains(&t) {
            tokens.push(t);
        }
    }
    Name {
        tokens,
        nospace,
        removed,
        bits: Vec::new(),
    }
}

/// A vendor name and, when the text says "A dba B" (d/b/a, aka, a/k/a),
/// the trade name B.
pub fn vendor_name(raw: &str) -> (Name, Name) {
    let folded = fold(raw)
        .replace("d/b/a", " dba ")
        .replace("a/k/a", " aka ");
    let ws = words(&folded);
    match ws.iter().position(|w| w == "dba" || w == "aka") {
        Some(p) if p > 0 => (name_of(&ws[..p]), name_of(&ws[p + 1..])),
        _ => (name_of(&ws), Name::default()),
    }
}

/// Country calling codes (ISO 3166 alpha-2 → E.164 prefix).
const CALLING: &[(&str, &str)] = &[
    ("US", "1"),
    ("CA", "1"),
    ("PR", "1"),
    ("GB", "44"),
    ("IE", "353"),
    ("DE", "49"),
    ("AT", "43"),
    ("CH", "41"),
    ("FR", "33"),
    ("BE", "32"),
    ("NL", "31"),
    ("LU", "352"),
    ("IT", "39"),
    ("ES", "34"),
    ("PT", "351"),
    ("DK", "45"),
    ("SE", "46"),
    ("NO", "47"),
    ("FI", "358"),
    ("PL", "48"),
    ("CZ", "420"),
    ("IN", "91"),
    ("AU", "61"),
    ("NZ", "64"),
    ("MX", "52"),
    ("BR", "55"),
    ("CN", "86"),
    ("JP", "81"),
    ("SG", "65"),
    ("IL", "972"),
    ("AE", "971"),
    ("ZA", "27"),
];

/// A phone number as E.164 digits (no "+"), or "" when it cannot be one.
/// Extensions ("x12", "ext. 12") are dropped; national numbers take the
/// country's calling code (trunk 0 removed); 00 and 011 are international
/// prefixes.
pub fn phone(raw: &str, country: &str) -> String {
    let main: &str = match raw.find(|c: char| c.is_ascii_alphabetic()) {
        Some(p) => &raw[..p],
        None => raw,
    };
    let plus = main.trim_start().starts_with('+');
    let d: String = main.chars().filter(|c| c.is_ascii_digit()).collect();
    let cc = CALLING.iter().find(|(c, _)| *c == country).map(|(_, p)| *p);
    let e164 = if plus {
        d
    } else if let Some(rest) = d.strip_prefix("00") {
        rest.to_string()
    } else if let (Some("1"), Some(rest)) = (cc, d.strip_prefix("011")) {
        rest.to_string()
    } else {
        match cc {
            Some("1") if d.len() == 10 => format!("1{d}"),
            Some("1") => d,
            Some(p) => match d.strip_prefix('0') {
                Some(rest) => format!("{p}{rest}"),
                None => format!("{p}{d}"),
            },
            None => d,
        }
    };
    if (8..=15).contains(&e164.len()) {
        e164
    } else {
        String::new()
    }
}

/// Mail services anyone can sign up to: a shared domain there says nothing.
pub const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "outlook.com",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "protonmail.com",
    "proton.me",
    "comcast.net",
    "verizon.net",
    "att.net",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "libero.it",
    "qq.com",
    "163.com",
    "yandex.ru",
    "zoho.com",
];

/// (address, domain, free-mail) of an e-mail; empty strings when it is not one.
pub fn email(raw: &str) -> (String, String, bool) {
    let e = raw.trim().to_lowercase();
    match e.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.contains('@') =>
        {
            let free = FREE_MAIL.contains(&domain);
            (e.clone(), domain.to_string(), free)
        }
        _ => (String::new(), String::new(), false),
    }
}

/// The host of a web site, without scheme, "www." and path.
pub fn website(raw: &str) -> String {
    let w = raw.trim().to_lowercase();
    let w = w
        .strip_prefix("https://")
        .or_else(|| w.strip_prefix("http://"))
        .unwrap_or(&w);
    let w = w.strip_prefix("www.").unwrap_or(w);
    let end = w.find(['/', ':', '?', '#']).unwrap_or(w.len());
    w[..end].trim_end_matches('.').to_string()
}

/// A zip code: the first five digits of a US ZIP (ZIP+4 included), else
/// upper-case letters and digits.
pub fn zip(raw: &str, country: &str) -> String {
    let c: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if (country == "US" || country.is_empty())
        && c.len() >= 5
        && c.bytes().take(5).all(|b| b.is_ascii_digit())
    {
        return c[..5].to_string();
    }
    c
}

const STREET: &[(&str, &str)] = &[
    ("street", "st"),
    ("avenue", "ave"),
    ("av", "ave"),
    ("road", "rd"),
    ("boulevard", "blvd"),
    ("drive", "dr"),
    ("lane", "ln"),
    ("court", "ct"),
    ("place", "pl"),
    ("highway", "hwy"),
    ("parkway", "pkwy"),
    ("square", "sq"),
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
    ("strasse", "str"),
    ("building", "bldg"),
    ("center", "ctr"),
    ("centre", "ctr"),
    ("terrace", "ter"),
    ("circle", "cir"),
];

/// Unit designators: the word and the one after it are not part of the street.
const UNIT: &[&str] = &[
    "suite", "ste", "unit", "apt", "fl", "floor", "room", "rm", "no",
];

/// (house number, street words) of a street line.
pub fn street(raw: &str) -> (String, String) {
    let ws = words(&fold(raw));
    let mut house = String::new();
    let mut out: Vec<&str> = Vec::new();
    let mut skip = false;
    for w in &ws {
        if skip {
            skip = false;
            continue;
        }
        if UNIT.contains(&w.as_str()) {
            skip = true;
            continue;
        }
        if house.is_empty() && w.starts_with(|c: char| c.is_ascii_digit()) {
            house = w.clone();
            continue;
        }
        out.push(
            STREET
                .iter()
                .find(|(a, _)| a == w)
                .map_or(w.as_str(), |(_, s)| s),
        );
    }
    (house, out.join(" "))
}

/// Folded words of a city, joined by one space.
pub fn city(raw: &str) -> String {
    words(&fold(raw)).join(" ")
}

/// FNV-1a, 64 bits: stable across runs, versions and languages.
pub fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for b in *p {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}
