//! Every source split by shard (a contiguous range of location ids): mapped
//! snapshot rows, quants, and each move line on the side of each tracked
//! location it touches.

use rayon::prelude::*;

use super::index::Index;
use super::input::Input;
use super::output::RowStatus;
use super::resolve::Resolved;
use crate::pool;

/// Row indexes of each source, split by shard.
#[derive(Default, Clone)]
pub(super) struct Buckets {
    pub(super) rows: Vec<u32>,
    pub(super) quants: Vec<u32>,
    /// move line index and side: out of its location (false) or into its destination (true)
    pub(super) moves: Vec<(u32, bool)>,
}

/// The buckets of every shard, in shard order.
pub(super) fn split(input: &Input, ix: &Index, resolved: &[Resolved]) -> Vec<Buckets> {
    let (q, m) = (&input.quants, &input.moves);
    let shards = ix.shards;
    let shard = |loc: i64| ix.locations.get(&loc).map(|(s, _)| *s);
    let rows_b = bucket(resolved.len(), shards, |i| {
        let r = &resolved[i];
        (r.status == RowStatus::Mapped)
            .then(|| shard(r.location).map(|s| (s, i as u32)))
            .flatten()
    });
    let quants_b = bucket(q.qty.len(), shards, |i| {
        shard(q.location_id[i]).map(|s| (s, i as u32))
    });
    let moves_out = bucket(m.qty.len(), shards, |i| {
        shard(m.location_id[i]).map(|s| (s, (i as u32, false)))
    });
    let moves_in = bucket(m.qty.len(), shards, |i| {
        shard(m.location_dest_id[i]).map(|s| (s, (i as u32, true)))
    });
    rows_b
        .into_iter()
        .zip(quants_b)
        .zip(moves_out.into_iter().zip(moves_in))
        .map(|((rows, quants), (mut out, mut inn))| {
            out.append(&mut inn);
            Buckets {
                rows,
                quants,
                moves: out,
            }
        })
        .collect()
}

/// Indexes `0..n` split by shard (`shard_of` gives the shard and the value
/// to keep, or `None` to skip), in index order within each shard.
fn bucket<T: Copy + Send + Sync>(
    n: usize,
    shards: usize,
    shard_of: impl Fn(usize) -> Option<(u32, T)> + Sync,
) -> Vec<Vec<T>> {
    let chunk = (n / (pool::configured_threads() * 4)).max(65_536);
    let starts: Vec<usize> = (0..n).step_by(chunk).collect();
    let parts: Vec<Vec<Vec<T>>> = starts
        .par_iter()
        .map(|&start| {
            let end = (start + chunk).min(n);
            let guess = (end - start) / shards + 16;
            let mut out: Vec<Vec<T>> = (0..shards).map(|_| Vec::with_capacity(guess)).collect();
            for i in start..end {
                if let Some((s, v)) = shard_of(i) {
                    out[s as usize].push(v);
                }
            }
            out
        })
        .collect();
    (0..shards)
        .into_par_iter()
        .map(|s| {
            let mut all = Vec::with_capacity(parts.iter().map(|p| p[s].len()).sum());
            for p in &parts {
                all.extend_from_slice(&p[s]);
            }
            all
        })
        .collect()
}
