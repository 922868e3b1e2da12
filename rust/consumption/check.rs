//! Structural checks, each an error naming its table, column and row: every
//! column of a table as long as the table, every text id known, a
//! non-negative `late_after`. A bad value in an event is never an error
//! here: it is the event's status.

use super::input::{Input, Options};
use crate::error::{Error, Location, Result};

fn same_len(table: &str, cols: &[(&str, usize)]) -> Result<()> {
    let Some((_, n)) = cols.first() else {
        return Ok(());
    };
    for (col, len) in cols {
        if len != n {
            return Err(Error::input(
                Location::field(format!("{table}.{col}")),
                format!("has {len} rows, expected {n}"),
            ));
        }
    }
    Ok(())
}

/// Every id of `col` is below `len`.
fn known_ids(field: &str, col: &[u32], len: usize) -> Result<()> {
    match col.iter().position(|&id| id as usize >= len) {
        Some(row) => Err(Error::input(
            Location::row(field, row),
            format!("text id {} is not in the names", col[row]),
        )),
        None => Ok(()),
    }
}

pub(super) fn check(input: &Input, options: &Options) -> Result<()> {
    let e = &input.events;
    let texts: [(&str, &Vec<u32>); 9] = [
        ("cabinet", &e.cabinet),
        ("product", &e.product),
        ("code_kind", &e.code_kind),
        ("lot", &e.lot),
        ("expiry", &e.expiry),
        ("unit", &e.unit),
        ("kind", &e.kind),
        ("department", &e.department),
        ("event_id", &e.event_id),
    ];
    let mut lens: Vec<(&str, usize)> = texts.iter().map(|(c, v)| (*c, v.len())).collect();
    lens.extend([("time", e.time.len()), ("qty", e.qty.len())]);
    same_len("events", &lens)?;
    for (col, ids) in texts {
        let len = if col == "event_id" {
            input.event_ids.len()
        } else {
            input.names.len()
        };
        known_ids(&format!("events.{col}"), ids, len)?;
    }
    let l = &input.locations;
    same_len(
        "locations",
        &[
            ("location_id", l.location_id.len()),
            ("code", l.code.len()),
            ("counted", l.counted.len()),
        ],
    )?;
    let c = &input.codes;
    same_len(
        "codes",
        &[
            ("code", c.code.len()),
            ("product_id", c.product_id.len()),
            ("kind", c.kind.len()),
            ("factor", c.factor.len()),
        ],
    )?;
    let p = &input.products;
    same_len(
        "products",
        &[
            ("product_id", p.product_id.len()),
            ("rounding", p.rounding.len()),
            ("tracked", p.tracked.len()),
            ("category_id", p.category_id.len()),
            ("risk_class", p.risk_class.len()),
            ("cost", p.cost.len()),
        ],
    )?;
    let k = &input.packs;
    same_len(
        "packs",
        &[
            ("product_id", k.product_id.len()),
            ("unit", k.unit.len()),
            ("factor", k.factor.len()),
        ],
    )?;
    let t = &input.lots;
    same_len(
        "lots",
        &[
            ("lot_id", t.lot_id.len()),
            ("product_id", t.product_id.len()),
            ("name", t.name.len()),
            ("expiry", t.expiry.len()),
        ],
    )?;
    let r = &input.recalls;
    same_len(
        "recalls",
        &[("product_id", r.product_id.len()), ("lot", r.lot.len())],
    )?;
    if options.late_after < 0 {
        return Err(Error::input(
            Location::field("late_after"),
            "must be 0 or more seconds",
        ));
    }
    Ok(())
}
