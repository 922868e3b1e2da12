//! The one error type of the engines. The binding maps it to the
//! `medsync_core.MedsyncError` hierarchy in exactly one place.

use std::fmt;

/// Where in the input a problem was found: a field (column) name and, for
/// column inputs, the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub field: String,
    pub row: Option<usize>,
}

impl Location {
    pub fn field(field: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            row: None,
        }
    }
    pub fn row(field: impl Into<String>, row: usize) -> Self {
        Self {
            field: field.into(),
            row: Some(row),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            Some(r) => write!(f, "{}[{}]", self.field, r),
            None => write!(f, "{}", self.field),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The caller gave something the engine cannot accept. Maps to
    /// `medsync_core.InputError` (a `ValueError`); `rule` is the stable name
    /// of the rule broken, where there is one (a document's `required`,
    /// `json`...).
    Input {
        at: Location,
        rule: Option<&'static str>,
        message: String,
    },
    /// A value is out of the decimal range (about 7.9e28) during arithmetic.
    /// Also bad input from the caller's point of view.
    Overflow { at: Location },
    /// The engine broke one of its own rules; never expected. Maps to
    /// `medsync_core.EngineError`.
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn input(at: Location, message: impl Into<String>) -> Self {
        Error::Input {
            at,
            rule: None,
            message: message.into(),
        }
    }

    /// Bad input that broke a named rule (kept apart from the message, so
    /// that nobody has to parse it back out of the text).
    pub fn broke(at: Location, rule: &'static str, message: impl Into<String>) -> Self {
        Error::Input {
            at,
            rule: Some(rule),
            message: message.into(),
        }
    }

    /// A stable machine-readable code, used in API answers and exceptions.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Input { .. } => "invalid_input",
            Error::Overflow { .. } => "numeric_overflow",
            Error::Internal(_) => "internal_error",
        }
    }

    /// Where the input was at fault (`None` for an engine bug).
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Input { at, .. } | Error::Overflow { at } => Some(at),
            Error::Internal(_) => None,
        }
    }

    /// The rule broken, where the error names one.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            Error::Input { rule, .. } => *rule,
            _ => None,
        }
    }

    /// What is wrong, without the location that [`fmt::Display`] puts first.
    pub fn message(&self) -> &str {
        match self {
            Error::Input { message, .. } | Error::Internal(message) => message,
            Error::Overflow { .. } => "value out of the decimal range",
        }
    }

    /// Re-anchor an error raised on a single value at a row of a column.
    pub fn at_row(self, field: &str, row: usize) -> Self {
        match self {
            Error::Input { rule, message, .. } => Error::Input {
                at: Location::row(field, row),
                rule,
                message,
            },
            Error::Overflow { .. } => Error::Overflow {
                at: Location::row(field, row),
            },
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input { at, message, .. } => write!(f, "{at}: {message}"),
            Error::Overflow { at } => write!(f, "{at}: {}", self.message()),
            Error::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_kept_apart_from_the_text() {
        let e = Error::broke(
            Location::field("documents"),
            "required",
            "a list is required",
        );
        assert_eq!(e.rule(), Some("required"));
        assert_eq!(e.message(), "a list is required");
        assert_eq!(e.location(), Some(&Location::field("documents")));
        assert_eq!(e.to_string(), "documents: a list is required");
        assert_eq!(Error::input(Location::field("x"), "bad").rule(), None);
    }

    #[test]
    fn at_row_keeps_the_rule() {
        let e = Error::broke(Location::field("value"), "check_digit", "bad check digit")
            .at_row("codes", 4);
        assert_eq!(e.rule(), Some("check_digit"));
        assert_eq!(e.location(), Some(&Location::row("codes", 4)));
        let o = Error::Overflow {
            at: Location::field("v"),
        }
        .at_row("amounts", 2);
        assert_eq!(
            (o.message(), o.to_string().as_str()),
            (
                "value out of the decimal range",
                "amounts[2]: value out of the decimal range"
            )
        );
    }
}
