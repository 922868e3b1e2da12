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
    /// `medsync_core.InputError` (a `ValueError`).
    Input { at: Location, message: String },
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

    /// Re-anchor an error raised on a single value at a row of a column.
    pub fn at_row(self, field: &str, row: usize) -> Self {
        match self {
            Error::Input { message, .. } => Error::Input {
                at: Location::row(field, row),
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
            Error::Input { at, message } => write!(f, "{at}: {message}"),
            Error::Overflow { at } => write!(f, "{at}: value out of the decimal range"),
            Error::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for Error {}
