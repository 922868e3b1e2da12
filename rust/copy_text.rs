//! PostgreSQL `COPY ... FROM STDIN` text format, for writing engine results
//! in bulk: one row a line, fields separated by tabs, `\N` for NULL, and
//! backslash, tab, newline and carriage return escaped inside text.
//!
//! The engines' result rows are written with COPY (no SQL expression per
//! value); formatting a hundred thousand rows of twenty fields in Python takes
//! seconds, here milliseconds.

use std::fmt::Write;

/// One field of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Text written with COPY's escapes (also numbers too large for an i64,
    /// and numbers Odoo already turned into text).
    Text(String),
}

/// Append `cell` to `out` in COPY text form.
pub fn write_cell(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Null => out.push_str("\\N"),
        Cell::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Cell::Float(f) => write_float(out, *f),
        Cell::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Cell::Text(s) => write_text(out, s),
    }
}

/// The shortest text that reads back as the same double (as Python's
/// `repr`), in a form PostgreSQL's `float8` and `numeric` inputs accept.
pub fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        // Debug prints the shortest round-trip digits, with an exponent for
        // very large or small magnitudes ("1e16", "1e-7"), which both inputs read
        let _ = write!(out, "{f:?}");
    }
}

/// Text with COPY's escapes.
pub fn write_text(out: &mut String, s: &str) {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// The rows of `columns` (all of the same length), each followed by
/// `suffix` (already in COPY form: constant fields, each starting with a tab).
pub fn rows(columns: &[Vec<Cell>], suffix: &str) -> String {
    let n = columns.first().map_or(0, Vec::len);
    let mut out = String::with_capacity(n * (columns.len() * 8 + suffix.len() + 1));
    for i in 0..n {
        for (c, col) in columns.iter().enumerate() {
            if c > 0 {
                out.push('\t');
            }
            write_cell(&mut out, &col[i]);
        }
        out.push_str(suffix);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cell: Cell) -> String {
        let mut s = String::new();
        write_cell(&mut s, &cell);
        s
    }

    #[test]
    fn cells() {
        assert_eq!(one(Cell::Null), "\\N");
        assert_eq!(one(Cell::Int(-42)), "-42");
        assert_eq!(one(Cell::Bool(true)), "t");
        assert_eq!(one(Cell::Bool(false)), "f");
        assert_eq!(one(Cell::Float(12.5)), "12.5");
        assert_eq!(one(Cell::Float(0.1)), "0.1");
        assert_eq!(one(Cell::Float(-0.0)), "-0.0");
        assert_eq!(one(Cell::Float(f64::NAN)), "NaN");
        assert_eq!(one(Cell::Float(f64::INFINITY)), "Infinity");
        assert_eq!(one(Cell::Float(f64::NEG_INFINITY)), "-Infinity");
        assert_eq!(
            one(Cell::Text("a\tb\nc\rd\\e".into())),
            "a\\tb\\nc\\rd\\\\e"
        );
        assert_eq!(
            one(Cell::Text("plain, \"quoted\"".into())),
            "plain, \"quoted\""
        );
    }

    #[test]
    fn floats_read_back_exactly() {
        for f in [1e16, 1e-7, 123456789.123, 5e-324, f64::MAX, 1.0 / 3.0] {
            let s = one(Cell::Float(f));
            assert_eq!(s.parse::<f64>().unwrap(), f, "{s}");
        }
    }

    #[test]
    fn rows_with_suffix() {
        let cols = vec![
            vec![Cell::Int(1), Cell::Int(2)],
            vec![Cell::Text("x".into()), Cell::Null],
        ];
        assert_eq!(rows(&cols, "\t7\tt"), "1\tx\t7\tt\n2\t\\N\t7\tt\n");
        assert_eq!(rows(&[], ""), "");
    }
}
