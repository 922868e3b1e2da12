//! Explanation: a line's findings, ranked, in plain words (deciding is done
//! in `checks`; only wording here).

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::checks::Tally;
use super::findings::{Finding, What};
use super::input::{Level, Status};
use super::line::Line;
use crate::numeric::{plain_text, PLAIN_TEXT_MAX};

/// Write the line's explanation into `text`: its findings, most severe
/// first, or what it matched; then the rule behind a status that is not
/// a plain match.
pub(super) fn explain(
    text: &mut String,
    line: &Line<'_>,
    findings: &mut [Finding],
    tally: &Tally,
    (allocations, primary): (usize, i64),
    status: Status,
) {
    let level = line.x.level;
    text.push_str(level.label());
    text.push_str(": ");
    if !findings.is_empty() {
        // most severe first; findings of one status in the order they were found
        findings.sort_by_key(|f| f.status);
        for (k, f) in findings.iter().enumerate() {
            if k > 0 {
                text.push_str("; ");
            }
            f.what.render(text, level);
        }
    } else if line.x.refund {
        text.push_str("credit note of ");
        write_plain(text, line.qty_abs);
        text.push_str(" reduces what was billed");
    } else {
        matched(text, line, tally, (allocations, primary));
    }
    if let Some(s) = line.scope {
        if status != Status::Matched && status != Status::CreditNote {
            let _ = write!(text, " [rule {} ({})]", line.rule.id, s.name());
        }
    }
}

/// "matched 10 to PO line 7 (billed before 0, received 10)".
fn matched(
    text: &mut String,
    line: &Line<'_>,
    tally: &Tally,
    (allocations, primary): (usize, i64),
) {
    let level = line.x.level;
    text.push_str("matched ");
    write_plain(text, line.qty_abs);
    if allocations == 1 {
        let _ = write!(text, " to PO line {primary}");
    } else {
        let _ = write!(text, " to {allocations} PO lines");
    }
    text.push_str(" (billed before ");
    write_plain(text, tally.billed_before);
    text.push_str(", ");
    text.push_str(level.reference_word());
    text.push(' ');
    write_plain(text, tally.reference(level));
    text.push(')');
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::TwoWay => "2-way",
            Level::ThreeWay => "3-way",
            Level::Consumption => "consumption",
        }
    }
    fn reference_word(self) -> &'static str {
        match self {
            Level::TwoWay => "ordered",
            Level::ThreeWay => "received",
            Level::Consumption => "consumed",
        }
    }
}

/// Write `d` as `d.normalize()` displays (no trailing zeros, no exponent),
/// without going through the formatting machinery.
pub(super) fn write_plain(out: &mut String, d: Decimal) {
    let mut buf = [0u8; PLAIN_TEXT_MAX];
    out.push_str(plain_text(d.normalize(), &mut buf));
}

/// A unit price as the explanation shows it: 4 decimals at most.
pub(super) fn write_price(out: &mut String, d: Decimal) {
    write_plain(out, d.round_dp(4));
}

/// "billed 12 in all on PO line 7 against 10 received: " (the excess follows).
fn billed_against(out: &mut String, after: Decimal, po: i64, against: Decimal, word: &str) {
    out.push_str("billed ");
    write_plain(out, after);
    let _ = write!(out, " in all on PO line {po} against ");
    write_plain(out, against);
    let _ = write!(out, " {word}: ");
}

/// "price 12.5 above PO line 7 price 11.9 by 0.6".
fn price_against(
    out: &mut String,
    price: Decimal,
    relation: impl std::fmt::Display,
    other: Decimal,
    diff: Decimal,
) {
    out.push_str("price ");
    write_price(out, price);
    let _ = write!(out, " {relation} ");
    write_price(out, other);
    out.push_str(" by ");
    write_price(out, diff);
}

fn tolerance_note(out: &mut String, ok: bool) {
    if ok {
        out.push_str(" (within tolerance)");
    }
}

impl What {
    fn render(&self, out: &mut String, level: Level) {
        match self {
            What::BadLink { po_line, why } => {
                let _ = write!(out, "linked PO line {po_line} {why}");
            }
            What::NoPoLine => out.push_str("no purchase order line for this vendor and product"),
            What::OverOrdered {
                after,
                po,
                ordered,
                excess,
                ok,
            } => {
                billed_against(out, *after, *po, *ordered, "ordered");
                write_plain(out, *excess);
                out.push_str(" over");
                tolerance_note(out, *ok);
            }
            What::OverReference {
                after,
                po,
                reference,
                excess,
                ok,
            } => {
                let word = level.reference_word();
                billed_against(out, *after, *po, *reference, word);
                write_plain(out, *excess);
                let _ = write!(out, " not yet {word}");
                tolerance_note(out, *ok);
            }
            What::PriceAbovePo {
                price,
                po,
                po_price,
                diff,
                ok,
            } => {
                price_against(
                    out,
                    *price,
                    format_args!("above PO line {po} price"),
                    *po_price,
                    *diff,
                );
                tolerance_note(out, *ok);
            }
            What::PriceBelowPo {
                price,
                po,
                po_price,
                under,
            } => {
                price_against(
                    out,
                    *price,
                    format_args!("below PO line {po} price"),
                    *po_price,
                    *under,
                );
            }
            What::PriceAboveContract {
                price,
                contract,
                diff,
                ok,
            } => {
                price_against(out, *price, "above contract price", *contract, *diff);
                tolerance_note(out, *ok);
            }
            What::Duplicate { original } => {
                let _ = write!(out, "bill looks like a duplicate of bill {original}");
            }
        }
    }
}
