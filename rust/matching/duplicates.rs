//! Near-duplicate vendor bills: the same vendor with the same reference once
//! normalised (case, punctuation, leading zeros), an amount within a window
//! and a date within a window; or, when a reference is missing, the same
//! amount within the date window. Credit notes are compared with credit
//! notes. Of a pair, the later bill (by date, then id) is the suspect.

use rayon::prelude::*;
use rust_decimal::Decimal;

/// Normalise a vendor's bill reference: ASCII letters upper-cased, runs of
/// digits without their leading zeros, everything else dropped
/// ("INV-000123/a" → "INV123A", "INV-000" → "INV0").
pub fn normalize_ref(reference: &str) -> String {
    fn flush(digits: &mut String, out: &mut String) {
        if !digits.is_empty() {
            let t = digits.trim_start_matches('0');
            out.push_str(if t.is_empty() { "0" } else { t });
            digits.clear();
        }
    }
    let mut out = String::with_capacity(reference.len());
    let mut digits = String::new();
    for c in reference.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            if c.is_ascii_alphabetic() {
                out.push(c.to_ascii_uppercase());
            }
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[derive(Debug, Clone)]
pub struct Bill {
    pub id: i64,
    pub vendor_id: i64,
    pub date: i32,
    pub reference: String,
    pub amount: Decimal,
    pub is_refund: bool,
    /// Part of the batch being matched (only those are reported as suspects).
    pub in_batch: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    pub bill_id: i64,
    pub duplicate_of: i64,
    /// "same_reference" or "same_amount_no_reference"
    pub reason: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Amounts within this % of the larger one count as the same.
    pub amount_pct: Decimal,
    /// Dates within this many days count as the same.
    pub days: i32,
}

/// What groups bills: the vendor, credit note or not, and the normalised
/// reference or, without one, the amount.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Reference(String),
    Amount(Decimal),
}

/// All suspects among `bills`, the earliest original first for each suspect.
pub fn find(bills: &[Bill], window: Window) -> Vec<Suspect> {
    let key = |b: &Bill| {
        let r = normalize_ref(&b.reference);
        if r.is_empty() {
            Key::Amount(b.amount.normalize())
        } else {
            Key::Reference(r)
        }
    };
    let keys: Vec<Key> = if bills.len() < crate::pool::INLINE_BELOW {
        bills.iter().map(key).collect()
    } else {
        bills.par_iter().map(key).collect()
    };
    // bills of one group side by side, each group by (date, id, row)
    let mut order: Vec<usize> = (0..bills.len()).collect();
    let sort_key = |&i: &usize| {
        (
            bills[i].vendor_id,
            bills[i].is_refund,
            &keys[i],
            bills[i].date,
            bills[i].id,
            i,
        )
    };
    if bills.len() < crate::pool::INLINE_BELOW {
        order.sort_unstable_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    } else {
        order.par_sort_unstable_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    }
    let mut out = Vec::new();
    let near = |b: &Bill, o: &Bill| (b.date - o.date).abs() <= window.days;
    let group = |i: usize| (bills[i].vendor_id, bills[i].is_refund, &keys[i]);
    let mut start = 0;
    while start < order.len() {
        let g = group(order[start]);
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| group(i) == g)
                .count();
        let members = &order[start..end];
        match g.2 {
            Key::Reference(_) => suspects_in(bills, members, &mut out, "same_reference", |b, o| {
                near(b, o) && same_amount(b.amount, o.amount, window.amount_pct)
            }),
            // grouped by amount already
            Key::Amount(_) => {
                suspects_in(bills, members, &mut out, "same_amount_no_reference", near)
            }
        }
        start = end;
    }
    out.sort_by_key(|s| (s.bill_id, s.duplicate_of));
    out
}

/// Within one group (sorted by date, then id), each batch bill against the
/// earlier ones: the first that is `same` makes it a suspect.
fn suspects_in(
    bills: &[Bill],
    members: &[usize],
    out: &mut Vec<Suspect>,
    reason: &'static str,
    same: impl Fn(&Bill, &Bill) -> bool,
) {
    for (k, &i) in members.iter().enumerate() {
        let b = &bills[i];
        if !b.in_batch {
            continue;
        }
        if let Some(o) = members[..k].iter().map(|&j| &bills[j]).find(|o| same(b, o)) {
            out.push(Suspect {
                bill_id: b.id,
                duplicate_of: o.id,
                reason,
            });
        }
    }
}

fn same_amount(a: Decimal, b: Decimal, pct: Decimal) -> bool {
    let larger = a.abs().max(b.abs());
    (a - b).abs() * Decimal::ONE_HUNDRED <= larger * pct
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise() {
        assert_eq!(normalize_ref("INV-000123"), "INV123");
        assert_eq!(normalize_ref("inv 123"), "INV123");
        assert_eq!(normalize_ref("Inv.0123/a"), "INV123A");
        assert_eq!(normalize_ref("2024-0007"), "20247");
        assert_eq!(normalize_ref("INV-000"), "INV0");
        assert_eq!(normalize_ref("A0B"), "A0B");
        assert_eq!(normalize_ref("100"), "100");
        assert_eq!(normalize_ref("  -- "), "");
    }

    fn bill(id: i64, date: i32, r: &str, amount: i64, in_batch: bool) -> Bill {
        Bill {
            id,
            vendor_id: 1,
            date,
            reference: r.into(),
            amount: Decimal::from(amount),
            is_refund: false,
            in_batch,
        }
    }

    #[test]
    fn later_bill_is_the_suspect() {
        let w = Window {
            amount_pct: Decimal::ONE,
            days: 30,
        };
        let bills = vec![
            bill(1, 100, "INV-0042", 1000, false),
            bill(2, 103, "inv 42", 1005, true),
            bill(3, 200, "INV42", 1000, true), // outside the date window
            bill(4, 104, "INV-42", 1200, true), // amount outside the window
            bill(5, 100, "", 777, true),
            bill(6, 101, "", 777, true),
        ];
        let s = find(&bills, w);
        assert_eq!(
            s,
            vec![
                Suspect {
                    bill_id: 2,
                    duplicate_of: 1,
                    reason: "same_reference"
                },
                Suspect {
                    bill_id: 6,
                    duplicate_of: 5,
                    reason: "same_amount_no_reference"
                },
            ]
        );
    }

    #[test]
    fn credit_notes_compare_with_credit_notes_only() {
        let w = Window {
            amount_pct: Decimal::ONE,
            days: 30,
        };
        let mut credit = bill(2, 101, "INV-42", 1000, true);
        credit.is_refund = true;
        assert!(find(&[bill(1, 100, "INV-42", 1000, false), credit.clone()], w).is_empty());
        let mut credit2 = credit.clone();
        credit2.id = 3;
        assert_eq!(find(&[credit, credit2], w).len(), 1);
    }
}
