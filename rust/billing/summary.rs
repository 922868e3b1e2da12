//! What a batch's lines add up to: the sums per department and per code
//! (every batch, for the control totals and the "computed" output), and the
//! journal entry lines of a batch without problems (groups by account,
//! journal, analytics and, for receivables, payer; netted to one side).

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::checks::{Made, Mapped};
use super::input::{Input, Side};
use crate::error::{Error, Location, Result};

/// Debit and credit sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub debit: Decimal,
    pub credit: Decimal,
}

impl Sums {
    /// Add `amount` on its side; None past the decimal range.
    pub fn add(&mut self, side: Side, amount: Decimal) -> Option<()> {
        let s = match side {
            Side::Debit => &mut self.debit,
            Side::Credit => &mut self.credit,
        };
        *s = s.checked_add(amount)?;
        Some(())
    }
}

fn overflow(r: usize) -> Error {
    Error::Overflow {
        at: Location::row("lines.amount", r),
    }
}

/// The sums of the lines `rows` per department and per code.
pub fn made(input: &Input, rows: &[u32]) -> Result<Made> {
    let l = &input.lines;
    let mut m = Made {
        department: HashMap::new(),
        code: HashMap::new(),
    };
    for &r in rows {
        let r = r as usize;
        let (side, amount) = (l.side[r], l.amount[r]);
        // a line without a department (a receivable, say) is in no department's total ("" is 0)
        if l.department[r] != 0 {
            m.department
                .entry(l.department[r])
                .or_default()
                .add(side, amount)
                .ok_or_else(|| overflow(r))?;
        }
        m.code
            .entry(l.code[r])
            .or_default()
            .add(side, amount)
            .ok_or_else(|| overflow(r))?;
    }
    Ok(m)
}

/// A journal entry line of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub account: i64,
    pub journal: i64,
    pub department_analytic: i64,
    pub payer_analytic: i64,
    /// "" unless the rule keeps payers apart.
    pub payer_ref: String,
    /// max(net, 0) and max(-net, 0) of net = Σ debit − Σ credit.
    pub debit: Decimal,
    pub credit: Decimal,
    pub lines: usize,
}

/// The groups of an ok batch (every line mapped), ordered by account,
/// department analytic, payer analytic, payer, and each line's group
/// (index in that order).
pub fn groups(input: &Input, rows: &[u32], mapped: &[Mapped]) -> Result<(Vec<Group>, Vec<u32>)> {
    let (l, rules) = (&input.lines, &input.rules);
    type K<'a> = (i64, i64, i64, i64, &'a str);
    let mut at: HashMap<K, usize> = HashMap::new();
    let mut sums: Vec<(K, Sums, usize)> = Vec::new();
    let mut member = Vec::with_capacity(rows.len());
    for (&r, m) in rows.iter().zip(mapped) {
        let r = r as usize;
        let rule = m.rule as usize;
        let payer = if rules.keep_payer[rule] {
            l.payer_ref[r].as_str()
        } else {
            ""
        };
        let key = (
            m.account,
            m.department_analytic,
            m.payer_analytic,
            rules.journal[rule],
            payer,
        );
        let g = *at.entry(key).or_insert_with(|| {
            sums.push((key, Sums::default(), 0));
            sums.len() - 1
        });
        let s = &mut sums[g];
        s.1.add(l.side[r], l.amount[r]).ok_or_else(|| overflow(r))?;
        s.2 += 1;
        member.push(g as u32);
    }
    let mut order: Vec<usize> = (0..sums.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (ka, kb) = (&sums[a].0, &sums[b].0);
        (ka.0, ka.1, ka.2, ka.3, ka.4).cmp(&(kb.0, kb.1, kb.2, kb.3, kb.4))
    });
    let mut rank = vec![0u32; sums.len()];
    for (k, &g) in order.iter().enumerate() {
        rank[g] = k as u32;
    }
    let mut out = Vec::with_capacity(sums.len());
    for &g in &order {
        let ((account, dan, pan, journal, payer), s, n) = sums[g];
        let net = s
            .debit
            .checked_sub(s.credit)
            .ok_or_else(|| overflow(rows[0] as usize))?;
        out.push(Group {
            account,
            journal,
            department_analytic: dan,
            payer_analytic: pan,
            payer_ref: payer.to_owned(),
            debit: net.max(Decimal::ZERO),
            credit: (-net).max(Decimal::ZERO),
            lines: n,
        });
    }
    for g in &mut member {
        *g = rank[*g as usize];
    }
    Ok((out, member))
}
