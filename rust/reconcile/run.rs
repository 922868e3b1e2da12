//! The run: index the inputs, map the snapshot rows, check the quants and
//! moves, shard every source by location, reconcile the shards in parallel
//! (aggregate, measure, classify) and assemble the output.

use rayon::prelude::*;

use super::aggregate::{Agg, Aggregates, Key};
use super::barcode;
use super::index::{build_index, Index};
use super::input::{Input, Options};
use super::output::{assemble, Output, ShardOut};
use super::resolve::{resolve_row, Resolved, UnknownLots};
use super::shard::{split, Buckets};
use super::validate::references;
use crate::error::{Error, Location, Result};
use crate::numeric::Precision;
use crate::pool;

/// Reconcile. See the module documentation.
pub fn run(input: &Input, options: &Options) -> Result<Output> {
    pool::install(|| run_in_pool(input, options))?
}

/// What every shard reads.
pub(super) struct Ctx<'a> {
    pub(super) ix: &'a Index<'a>,
    pub(super) input: &'a Input,
    pub(super) options: &'a Options,
    pub(super) resolved: &'a [Resolved<'a>],
    pub(super) unknown: &'a UnknownLots<'a>,
    pub(super) value_precision: Precision,
    pub(super) as_of_day: i32,
}

fn run_in_pool(input: &Input, options: &Options) -> Result<Output> {
    let ix = build_index(input)?;
    let value_precision = Precision::from_step(options.value_rounding)
        .map_err(|_| Error::input(Location::field("value_rounding"), "must be a positive step"))?;
    let as_of_day = options.as_of.div_euclid(86_400) as i32;
    let reference_year = barcode::year_of(as_of_day);

    // snapshot rows, mapped in parallel
    let snap = &input.snapshot;
    let index: Vec<usize> = (0..snap.qty.len()).collect();
    let resolved = pool::map_ordered(&index, |_, &i| resolve_row(&ix, snap, i, reference_year))?;
    let unknown = UnknownLots::rank(&resolved);
    references(input, &ix)?;

    let buckets = split(input, &ix, &resolved);
    let ctx = Ctx {
        ix: &ix,
        input,
        options,
        resolved: &resolved,
        unknown: &unknown,
        value_precision,
        as_of_day,
    };
    let parts: Vec<Result<ShardOut>> = buckets.par_iter().map(|b| ctx.shard(b)).collect();
    let parts: Vec<ShardOut> = parts.into_iter().collect::<Result<_>>()?;
    Ok(assemble(&resolved, parts))
}

impl Ctx<'_> {
    /// Aggregate, then measure and classify, every key of one shard; keys
    /// come back sorted.
    fn shard(&self, b: &Buckets) -> Result<ShardOut> {
        let Aggregates {
            map,
            aggs,
            prev_row,
        } = self.aggregate(b)?;
        let entries = self.sorted(map, &aggs);
        let row_keys = row_keys(b, &prev_row, &entries);
        let listed = self.listed(&entries);
        let mut out = Vec::with_capacity(entries.len());
        for (k, a) in &entries {
            out.push(self.measure(k, a, &listed)?);
        }
        self.classify(&mut out, &entries)?;
        Ok((out, row_keys))
    }
}

/// (snapshot row, key index in the shard) for every row of the shard, key
/// by key, each key's rows last first.
fn row_keys(b: &Buckets, prev_row: &[u32], entries: &[(Key, &Agg)]) -> Vec<(u32, u32)> {
    let mut row_keys = Vec::with_capacity(b.rows.len());
    for (n, (_, a)) in entries.iter().enumerate() {
        let mut pos = a.last_row;
        while pos != u32::MAX {
            row_keys.push((b.rows[pos as usize], n as u32));
            pos = prev_row[pos as usize];
        }
    }
    row_keys
}
