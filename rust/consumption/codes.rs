//! Product codes resolved once per distinct (text, code kind) of the batch,
//! in parallel, with the reconciliation's reading of codes. A code kind
//! read as given: a code that cannot be read as that kind is bad, one that
//! reads but names no product unknown. `""` tries ref, vendor, then gtin
//! (all digits), gs1 (starts with `01` or `(01)`) and hibc (starts with
//! `+`), in that order: the first kind that reads and names a product wins.

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::columns::Columns;
use super::input::{CodeSel, Input};
use crate::ids::NO_ROW;
use crate::reconcile::index::Index;
use crate::reconcile::resolve::{read_code, Code};
use crate::reconcile::CodeKind;

pub(super) enum Outcome<'a> {
    /// The code cannot be read as its kind says: what is wrong.
    Bad(String),
    /// No product has this code.
    Unknown,
    Found {
        product: i64,
        /// Product units in one unit of the code.
        factor: Decimal,
        code: Code<'a>,
    },
}

/// Each event's code outcome.
pub(super) struct CodeTable<'a> {
    /// Per event, its row in `outcomes` ([`NO_ROW`]: its code kind is none).
    pub(super) of_event: Vec<u32>,
    pub(super) outcomes: Vec<Outcome<'a>>,
}

impl<'a> CodeTable<'a> {
    pub(super) fn build(input: &'a Input, cols: &Columns, ix: &Index, reference_year: i32) -> Self {
        let e = &input.events;
        // per (text id, code kind): its row in `distinct`, in order of first use
        let mut slot = vec![NO_ROW; input.names.len() * SELS];
        let mut distinct: Vec<(u32, CodeSel)> = Vec::new();
        let of_event = (0..e.len())
            .map(|i| {
                let Some(sel) = cols.code_sel[e.code_kind[i] as usize] else {
                    return NO_ROW;
                };
                let s = &mut slot[e.product[i] as usize * SELS + sel_index(sel)];
                if *s == NO_ROW {
                    *s = distinct.len() as u32;
                    distinct.push((e.product[i], sel));
                }
                *s
            })
            .collect();
        let outcomes = distinct
            .par_iter()
            .with_min_len(256)
            .map(|(id, sel)| outcome(ix, input.names.text(*id), *sel, reference_year))
            .collect();
        CodeTable { of_event, outcomes }
    }

    pub(super) fn of(&self, event: usize) -> Option<&Outcome<'a>> {
        self.outcomes.get(*self.of_event.get(event)? as usize)
    }
}

/// Code kinds an event may give: `""` and the five kinds.
const SELS: usize = 6;

fn sel_index(sel: CodeSel) -> usize {
    match sel {
        CodeSel::Auto => 0,
        CodeSel::Exact(kind) => 1 + kind as usize,
    }
}

fn outcome<'a>(ix: &Index, text: &'a str, sel: CodeSel, reference_year: i32) -> Outcome<'a> {
    match sel {
        CodeSel::Exact(kind) => match read_code(kind, text, reference_year) {
            Err(e) => Outcome::Bad(e),
            Ok(code) => found(ix, code),
        },
        CodeSel::Auto => candidates(text.trim())
            .filter_map(|kind| read_code(kind, text, reference_year).ok())
            .map(|code| found(ix, code))
            .find(|o| matches!(o, Outcome::Found { .. }))
            .unwrap_or(Outcome::Unknown),
    }
}

fn found<'a>(ix: &Index, code: Code<'a>) -> Outcome<'a> {
    match ix.product(code.kind, &code.key) {
        Some((product, factor)) => Outcome::Found {
            product,
            factor,
            code,
        },
        None => Outcome::Unknown,
    }
}

/// The kinds `""` tries for a (trimmed) code, in order.
fn candidates(code: &str) -> impl Iterator<Item = CodeKind> {
    let digits = !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit());
    [
        (CodeKind::Ref, true),
        (CodeKind::Vendor, true),
        (CodeKind::Gtin, digits),
        (
            CodeKind::Gs1,
            code.starts_with("01") || code.starts_with("(01)"),
        ),
        (CodeKind::Hibc, code.starts_with('+')),
    ]
    .into_iter()
    .filter_map(|(kind, applies)| applies.then_some(kind))
}
