//! Fraud signals: a bank account under two vendors that are not one, a
//! vendor with an employee's bank, address or phone, a lookalike of a
//! high-spend vendor.

use super::score::{band, Band, Evidence, Field, Level, Options, Rec};

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

/// Fraud signals of a compared pair.
pub fn signals(
    a: &Rec,
    b: &Rec,
    probability: f64,
    ev: &[Evidence],
    o: &Options,
) -> Vec<(SignalKind, String)> {
    let mut out = Vec::new();
    let get = |f: Field| ev.iter().find(|e| e.field == f);
    let agree = |e: Option<&Evidence>| {
        e.is_some_and(|e| {
            matches!(
                e.level,
                Level::Agree | Level::Exact | Level::Common | Level::High
            )
        })
    };
    let bank = get(Field::Bank).filter(|e| e.level == Level::Agree);
    match (a.employee, b.employee) {
        (true, true) => {}
        (false, false) => {
            if let Some(e) = bank {
                if band(probability, o) != Band::Likely {
                    out.push((SignalKind::SharedBank, e.value.clone()));
                }
            }
            let name = get(Field::Name);
            let strong = bank.is_some()
                || ev.iter().any(|e| {
                    matches!(e.field, Field::Id(_))
                        && matches!(e.level, Level::Agree | Level::InvalidAgree)
                })
                || agree(get(Field::Email))
                || agree(get(Field::Website))
                || agree(get(Field::Phone))
                || agree(get(Field::Address));
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
            if let Some(e) = get(Field::Address) {
                if matches!(e.level, Level::Exact | Level::High) {
                    out.push((SignalKind::EmployeeAddress, String::new()));
                }
            }
            if let Some(e) = get(Field::Phone) {
                if e.level == Level::Agree {
                    out.push((SignalKind::EmployeePhone, e.value.clone()));
                }
            }
        }
    }
    out
}
