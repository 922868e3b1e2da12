//! Sharding: the batch's rows grouped by vendor, each vendor matched on its
//! own (rule 2 orders lines per vendor, so vendors are independent).

use hashbrown::HashMap;
use rayon::prelude::*;

use super::input::Input;
use crate::pool;

/// One vendor's share of the batch: ranges of `Groups`' row lists.
pub(super) struct Shard {
    pub(super) lines: std::ops::Range<usize>,
    pub(super) po: std::ops::Range<usize>,
    pub(super) contracts: std::ops::Range<usize>,
}

/// Rows of the lines, PO lines and contracts grouped by the vendor of the
/// batch they belong to (input order within a group); rows of vendors without
/// a bill line in the batch are left out.
pub(super) struct Groups {
    pub(super) shards: Vec<Shard>,
    pub(super) lines: Vec<u32>,
    pub(super) po: Vec<u32>,
    pub(super) contracts: Vec<u32>,
}

pub(super) const NO_GROUP: u32 = u32::MAX;

/// Counting sort of rows by group number (`NO_GROUP`: left out): the rows in
/// group order, and where each group starts (one more entry than groups).
pub(super) fn group_rows(group_of: &[u32], groups: usize) -> (Vec<u32>, Vec<usize>) {
    let mut start = vec![0usize; groups + 1];
    for &g in group_of {
        if g != NO_GROUP {
            start[g as usize + 1] += 1;
        }
    }
    for k in 0..groups {
        start[k + 1] += start[k];
    }
    let mut next = start.clone();
    let mut rows = vec![0u32; start[groups]];
    for (row, &g) in group_of.iter().enumerate() {
        if g != NO_GROUP {
            rows[next[g as usize]] = row as u32;
            next[g as usize] += 1;
        }
    }
    (rows, start)
}

pub(super) fn build_groups(input: &Input) -> Groups {
    let l = &input.lines;
    let mut vendor_group: HashMap<i64, u32> = HashMap::new();
    let line_group: Vec<u32> = l
        .vendor_id
        .iter()
        .map(|v| {
            let next = vendor_group.len() as u32;
            *vendor_group.entry(*v).or_insert(next)
        })
        .collect();
    let groups = vendor_group.len();
    let group_of = |vendors: &[i64]| -> Vec<u32> {
        let find = |v: &i64| vendor_group.get(v).copied().unwrap_or(NO_GROUP);
        if vendors.len() < pool::INLINE_BELOW {
            vendors.iter().map(find).collect()
        } else {
            vendors.par_iter().map(find).collect()
        }
    };
    let (po_group, contract_group) = rayon::join(
        || group_of(&input.po_lines.vendor_id),
        || group_of(&input.contracts.vendor_id),
    );
    let (lines, line_start) = group_rows(&line_group, groups);
    let (po, po_start) = group_rows(&po_group, groups);
    let (contracts, contract_start) = group_rows(&contract_group, groups);
    let mut shards: Vec<Shard> = (0..groups)
        .map(|g| Shard {
            lines: line_start[g]..line_start[g + 1],
            po: po_start[g]..po_start[g + 1],
            contracts: contract_start[g]..contract_start[g + 1],
        })
        .collect();
    // largest vendors first, so that no thread is left with a big one at the end
    shards.sort_unstable_by_key(|s| {
        (
            std::cmp::Reverse(s.lines.len()),
            l.vendor_id[lines[s.lines.start] as usize],
        )
    });
    Groups {
        shards,
        lines,
        po,
        contracts,
    }
}
