//! Identifiers used as evidence, checked by their check characters: US EIN
//! (IRS campus prefixes), NPI (Luhn over the 80840 prefix), DEA registration
//! numbers (check digit), GS1 GLN (mod 10), EU VAT numbers (checksums for DE,
//! FR, IT, BE, NL; the other member states by format), IBAN (mod 97) and ABA
//! routing numbers (3-7-1 weights).
//!
//! UEI (SAM.gov) and D-U-N-S numbers have no published check algorithm: they
//! are checked by format only, and say so ([`Validity::Format`]).

/// What a check says of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Validity {
    /// Wrong length, characters or check digit.
    Invalid,
    /// Right format; the scheme has no check digit we can verify.
    Format,
    /// Check digit verified.
    Valid,
}

impl Validity {
    pub fn code(self) -> &'static str {
        match self {
            Validity::Invalid => "invalid",
            Validity::Format => "format",
            Validity::Valid => "valid",
        }
    }
    /// Good enough to count as evidence against when two values differ.
    pub fn usable(self) -> bool {
        self != Validity::Invalid
    }
}

/// The identifier schemes the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    Ein,
    Npi,
    Dea,
    Uei,
    Duns,
    Gln,
    Vat,
    /// Any other scheme: compared as given, never validated.
    Other,
}

impl Scheme {
    pub const ALL: [Scheme; 8] = [
        Scheme::Ein,
        Scheme::Npi,
        Scheme::Dea,
        Scheme::Uei,
        Scheme::Duns,
        Scheme::Gln,
        Scheme::Vat,
        Scheme::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Scheme::Ein => "ein",
            Scheme::Npi => "npi",
            Scheme::Dea => "dea",
            Scheme::Uei => "uei",
            Scheme::Duns => "duns",
            Scheme::Gln => "gln",
            Scheme::Vat => "vat",
            Scheme::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Scheme {
        match s.trim().to_ascii_lowercase().as_str() {
            "ein" | "tin" | "fein" => Scheme::Ein,
            "npi" => Scheme::Npi,
            "dea" => Scheme::Dea,
            "uei" => Scheme::Uei,
            "duns" => Scheme::Duns,
            "gln" => Scheme::Gln,
            "vat" => Scheme::Vat,
            _ => Scheme::Other,
        }
    }
}

/// Upper-case letters and digits only (spaces, dashes, dots dropped).
pub fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// Validity of a compacted identifier of a scheme.
pub fn check(scheme: Scheme, v: &str) -> Validity {
    let ok = |b: bool| {
        if b {
            Validity::Valid
        } else {
            Validity::Invalid
        }
    };
    match scheme {
        Scheme::Ein => ok(valid_ein(v)),
        Scheme::Npi => ok(valid_npi(v)),
        Scheme::Dea => ok(valid_dea(v)),
        Scheme::Gln => ok(crate::reconcile::barcode::valid_gln(v)),
        Scheme::Uei => format(
            v.len() == 12
                && v.bytes().all(|c| {
                    c.is_ascii_digit() || (c.is_ascii_uppercase() && c != b'O' && c != b'I')
                })
                && !v.starts_with('0'),
        ),
        Scheme::Duns => format(v.len() == 9 && v.bytes().all(|c| c.is_ascii_digit())),
        Scheme::Vat => vat(v),
        Scheme::Other => format(!v.is_empty()),
    }
}

fn format(b: bool) -> Validity {
    if b {
        Validity::Format
    } else {
        Validity::Invalid
    }
}

/// IRS campus prefixes in use (the first two digits of an EIN).
const EIN_PREFIXES: &[u32] = &[
    1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32, 33,
    34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55, 56, 57, 58,
    59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 71, 72, 73, 74, 75, 76, 77, 80, 81, 82, 83, 84, 85, 86,
    87, 88, 90, 91, 92, 93, 94, 95, 98, 99,
];

pub fn valid_ein(v: &str) -> bool {
    match digits(v) {
        Some(d) if d.len() == 9 => EIN_PREFIXES.contains(&(d[0] * 10 + d[1])),
        _ => false,
    }
}

/// Luhn: the sum with every second digit from the right doubled is 0 mod 10.
pub fn luhn(d: &[u32]) -> bool {
    let mut sum = 0;
    for (i, x) in d.iter().rev().enumerate() {
        let mut y = *x;
        if i % 2 == 1 {
            y *= 2;
            if y > 9 {
                y -= 9;
            }
        }
        sum += y;
    }
    sum % 10 == 0
}

/// NPI: 10 digits, Luhn over "80840" + the number.
pub fn valid_npi(v: &str) -> bool {
    match digits(v) {
        Some(d) if d.len() == 10 && (d[0] == 1 || d[0] == 2) => {
            let mut all = vec![8, 0, 8, 4, 0];
            all.extend(d);
            luhn(&all)
        }
        _ => false,
    }
}

/// DEA: two letters (registrant type, then the registrant's initial or 9)
/// and seven digits; (d1+d3+d5) + 2(d2+d4+d6) ends with d7.
pub fn valid_dea(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 9 || !b[0].is_ascii_uppercase() || !(b[1].is_ascii_uppercase() || b[1] == b'9') {
        return false;
    }
    if !b"ABCDEFGHJKLMPRSTUX".contains(&b[0]) {
        return false;
    }
    match digits(&v[2..]) {
        Some(d) => (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6],
        None => false,
    }
}

/// ABA routing number: 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) ≡ 0 mod 10.
pub fn valid_aba(v: &str) -> bool {
    match digits(v) {
        Some(d) if d.len() == 9 => {
            (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0
        }
        _ => false,
    }
}

/// IBAN lengths of the SEPA countries and a few others.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("AE", 23),
    ("SA", 24),
    ("TR", 26),
    ("IL", 23),
    ("BR", 29),
];

/// Remainder mod 97 of a string of digits and letters (A=10 ... Z=35).
pub fn mod97(s: &str) -> Option<u32> {
    let mut r: u32 = 0;
    for c in s.chars() {
        let v = c.to_digit(36)?;
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    Some(r)
}

/// Looks like an IBAN: two letters then two digits, 15 to 34 characters.
pub fn iban_like(v: &str) -> bool {
    let b = v.as_bytes();
    (15..=34).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
}

pub fn valid_iban(v: &str) -> bool {
    if !iban_like(v) || !v.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    if let Some((_, n)) = IBAN_LENGTHS.iter().find(|(c, _)| *c == &v[..2]) {
        if *n != v.len() {
            return false;
        }
    }
    let rearranged = format!("{}{}", &v[4..], &v[..4]);
    mod97(&rearranged) == Some(1)
}

/// A bank account given as an IBAN, `ROUTING:ACCOUNT` (ABA routing number)
/// or a bare account number: its comparison key and validity.
pub fn bank(raw: &str) -> (String, Validity) {
    if let Some((routing, account)) = raw.split_once(':') {
        let (r, a) = (compact(routing), compact(account));
        let v = if valid_aba(&r) && !a.is_empty() {
            Validity::Valid
        } else {
            Validity::Invalid
        };
        return (format!("{r}:{a}"), v);
    }
    let c = compact(raw);
    if iban_like(&c) {
        let v = if valid_iban(&c) {
            Validity::Valid
        } else {
            Validity::Invalid
        };
        return (c, v);
    }
    let v = format(c.len() >= 4);
    (c, v)
}

/// An EU VAT number with its two-letter prefix (EL for Greece).
pub fn vat(v: &str) -> Validity {
    if v.len() < 4 || !v.as_bytes()[0].is_ascii_uppercase() || !v.as_bytes()[1].is_ascii_uppercase()
    {
        return Validity::Invalid;
    }
    let (cc, n) = v.split_at(2);
    let d = digits(n);
    match cc {
        "DE" => match d {
            Some(d) if d.len() == 9 => {
                let mut product = 10;
                for x in &d[..8] {
                    let mut sum = (x + product) % 10;
                    if sum == 0 {
                        sum = 10;
                    }
                    product = (2 * sum) % 11;
                }
                ok((11 - product) % 10 == d[8])
            }
            _ => Validity::Invalid,
        },
        "FR" => {
            if n.len() != 11 {
                return Validity::Invalid;
            }
            let (key, siren) = n.split_at(2);
            match (digits(key), siren.parse::<u64>()) {
                (_, Err(_)) => Validity::Invalid,
                (Some(k), Ok(s)) => ok((12 + 3 * (s % 97)) % 97 == (k[0] * 10 + k[1]) as u64),
                (None, Ok(_)) => Validity::Format,
            }
        }
        "IT" => match d {
            Some(d) if d.len() == 11 => ok(luhn(&d)),
            _ => Validity::Invalid,
        },
        "BE" => match d {
            Some(mut d) if d.len() == 9 || d.len() == 10 => {
                if d.len() == 9 {
                    d.insert(0, 0);
                }
                let body = d[..8].iter().fold(0u64, |a, x| a * 10 + *x as u64);
                let check = (d[8] * 10 + d[9]) as u64;
                ok(97 - body % 97 == check)
            }
            _ => Validity::Invalid,
        },
        "NL" => {
            let b = n.as_bytes();
            if n.len() != 12 || b[9] != b'B' {
                return Validity::Invalid;
            }
            match digits(&n[..9]) {
                Some(d) => {
                    let s: i64 =
                        (0..8).map(|i| d[i] as i64 * (9 - i as i64)).sum::<i64>() - d[8] as i64;
                    ok(s % 11 == 0 || mod97(&format!("NL{n}")) == Some(1))
                }
                None => Validity::Invalid,
            }
        }
        _ => format((4..=14).contains(&v.len()) && n.bytes().all(|c| c.is_ascii_alphanumeric())),
    }
}

fn ok(b: bool) -> Validity {
    if b {
        Validity::Valid
    } else {
        Validity::Invalid
    }
}
