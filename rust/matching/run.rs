//! The run: validate, index, match each vendor's lines in order (in
//! parallel across vendors), gather the results.

use std::time::Instant;

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::allocate::{allocate, primary};
use super::book::VendorBook;
use super::checks::{self, Tally};
use super::explain::explain;
use super::findings::{line_status, Finding};
use super::groups::{build_groups, Groups, Shard};
use super::index::{build_index, Index, Rows};
use super::input::{Input, Options};
use super::line::{Line, LineIn};
use super::output::{LineResult, Output, ShardOut, Sharded};
use crate::error::{Error, Location, Result};
use crate::numeric::Precision;
use crate::pool;

/// Match every line of `input`; results in input order. Deterministic
/// whatever the thread count.
pub fn run(input: &Input, options: &Options) -> Result<Output> {
    run_sharded(input, options).map(Sharded::into_output)
}

/// Match every line of `input`, leaving the results in their vendor shards.
pub fn run_sharded(input: &Input, options: &Options) -> Result<Sharded> {
    pool::install(|| run_in_pool(input, options))?
}

fn run_in_pool(input: &Input, options: &Options) -> Result<Sharded> {
    let t0 = Instant::now();
    let po_by_id = input.checked_po_ids()?;
    let t_validate = t0.elapsed().as_secs_f64();
    let amount_precision = Precision::from_step(options.amount_rounding)?;
    let price_precision = Precision::from_digits(options.price_digits)?;
    let (index, groups) = rayon::join(
        || build_index(input, options, po_by_id, price_precision, amount_precision),
        || build_groups(input),
    );
    let index = index?;
    let t_index = t0.elapsed().as_secs_f64();

    let rows = Rows::gather(&index);
    let per_vendor = |shard: &Shard| match_vendor(&index, &groups, shard, &rows);
    let results: Vec<Result<ShardOut>> = if input.lines.line_id.len() < pool::INLINE_BELOW {
        groups.shards.iter().map(per_vendor).collect()
    } else {
        groups.shards.par_iter().map(per_vendor).collect()
    };
    let t_match = t0.elapsed().as_secs_f64();

    let (shards, place) = gather(results, input.lines.line_id.len())?;
    Ok(Sharded {
        shards,
        place,
        duplicates: index.suspect_pairs,
        phases: [
            t_validate,
            t_index - t_validate,
            t_match - t_index,
            t0.elapsed().as_secs_f64() - t_match,
        ],
    })
}

/// Where each input line is found: its shard and offset.
type Places = Vec<(u32, u32)>;

/// The shards (the first error of any), and where each of the `n` input
/// lines is found in them.
fn gather(results: Vec<Result<ShardOut>>, n: usize) -> Result<(Vec<ShardOut>, Places)> {
    let mut shards = Vec::with_capacity(results.len());
    for shard in results {
        shards.push(shard?);
    }
    let mut place = vec![(u32::MAX, 0u32); n];
    for (s, shard) in shards.iter().enumerate() {
        for (o, slot) in shard.slots.iter().enumerate() {
            place[slot.input as usize] = (s as u32, o as u32);
        }
    }
    if place.iter().any(|(s, _)| *s == u32::MAX) {
        return Err(Error::Internal("a bill line was not matched".into()));
    }
    Ok((shards, place))
}

/// Per-shard buffers reused from line to line.
#[derive(Default)]
struct Scratch {
    /// (book position, quantity) of the line's allocations.
    allocs: Vec<(usize, Decimal)>,
    findings: Vec<Finding>,
}

fn match_vendor<'a>(
    index: &'a Index<'a>,
    groups: &Groups,
    shard: &Shard,
    rows: &Rows<'a>,
) -> Result<ShardOut> {
    // the vendor's lines by (date, bill, line id), copied side by side: read
    // from all over the batch in one tight loop, then matched from cache
    let mut order: Vec<(i32, i64, i64, u32)> = groups.lines[shard.lines.clone()]
        .iter()
        .map(|&row| {
            let x = &rows.lines[row as usize];
            (x.date, x.bill_id, x.line_id, row)
        })
        .collect();
    order.sort_unstable();
    let lines: Vec<LineIn> = order.iter().map(|k| rows.lines[k.3 as usize]).collect();
    let mut book = VendorBook::new(index, groups, shard, &rows.po);
    let mut scratch = Scratch::default();
    let mut out = ShardOut::with_capacity(order.len());
    for x in &lines {
        match_line(&mut book, x, &mut scratch, &mut out).map_err(|e| match e {
            Error::Overflow { .. } => Error::Overflow {
                at: Location::row("lines", x.row as usize),
            },
            other => other,
        })?;
    }
    Ok(out)
}

/// One line, phase by phase: normal form, allocation, checks, status,
/// result and explanation.
fn match_line(
    book: &mut VendorBook<'_>,
    x: &LineIn,
    scratch: &mut Scratch,
    out: &mut ShardOut,
) -> Result<()> {
    let line = Line::new(book.index, x)?;
    let Scratch { allocs, findings } = scratch;
    allocs.clear();
    findings.clear();
    findings.extend(allocate(book, &line, allocs));

    let tally = Tally::check_all(book, &line, allocs, findings)?;
    book.count_billed(allocs);
    let price_contract = book.contract_price(x.product_id, x.currency_id, x.date, line.qty_abs);
    checks::check_contract(&line, price_contract, findings)?;
    checks::check_duplicate(&line, findings);

    let status = line_status(findings, x.refund);
    let shares = (allocs.len(), primary(book, allocs));
    let result = LineResult::of(&line, &tally, status, shares, price_contract)?;
    let text_start = out.text.len();
    explain(&mut out.text, &line, findings, &tally, shares, status);
    out.push((x.row, result), book, allocs, text_start)
}
