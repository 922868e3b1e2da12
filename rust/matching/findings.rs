//! Findings: what the checks found on a line, and the status they decide
//! (rule 6). Worded in `explain`, once ranked.

use rust_decimal::Decimal;

use super::input::Status;

/// One finding on a line, for the status and the explanation.
pub(super) struct Finding {
    pub(super) status: Status,
    pub(super) what: What,
}

/// What a finding says, rendered into the explanation once the line's
/// findings are ranked.
pub(super) enum What {
    BadLink {
        po_line: i64,
        why: &'static str,
    },
    NoPoLine,
    OverOrdered {
        after: Decimal,
        po: i64,
        ordered: Decimal,
        excess: Decimal,
        ok: bool,
    },
    OverReference {
        after: Decimal,
        po: i64,
        reference: Decimal,
        excess: Decimal,
        ok: bool,
    },
    PriceAbovePo {
        price: Decimal,
        po: i64,
        po_price: Decimal,
        diff: Decimal,
        ok: bool,
    },
    PriceBelowPo {
        price: Decimal,
        po: i64,
        po_price: Decimal,
        under: Decimal,
    },
    PriceAboveContract {
        price: Decimal,
        contract: Decimal,
        diff: Decimal,
        ok: bool,
    },
    Duplicate {
        original: i64,
    },
}

/// The most severe finding (rule 6); a credit note stays one unless it is a
/// duplicate.
pub(super) fn line_status(findings: &[Finding], refund: bool) -> Status {
    let status = findings
        .iter()
        .map(|f| f.status)
        .min()
        .unwrap_or(if refund {
            Status::CreditNote
        } else {
            Status::Matched
        });
    if refund && status > Status::Duplicate {
        Status::CreditNote
    } else {
        status
    }
}
