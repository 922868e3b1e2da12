//! Mapped events grouped into moves. An event is late when its time is
//! earlier than its location's latest mapped event of the batch less
//! `late_after`: it is a move of its own, dated at its own time. The others
//! are grouped by (location, product, lot, kind, department), each group
//! dated at its latest event. Groups are ordered by (date, first event).
//!
//! Locations are grouped in parallel (a group never spans two), then the
//! groups of all locations are sorted together.

use hashbrown::HashMap;
use rayon::prelude::*;
use rust_decimal::Decimal;

use super::columns::Columns;
use super::input::{Input, Kind};
use super::output::{EventOut, Group, Status};
use crate::error::{Error, Location, Result};

/// A location's mapped events (rows, in order) and its latest time.
struct Bucket {
    location: i64,
    latest: i64,
    rows: Vec<u32>,
}

/// A location's groups, and the group (in them) of each of its events.
type Grouped = (Vec<Group>, Vec<u32>);

/// The groups, ordered; each mapped event's `group` is set.
pub(super) fn group(
    input: &Input,
    cols: &Columns,
    events: &mut [EventOut],
    late_after: i64,
) -> Result<Vec<Group>> {
    let buckets = buckets(input, events);
    let parts: Vec<Result<Grouped>> = buckets
        .par_iter()
        .map(|b| group_location(input, cols, events, b, late_after))
        .collect();
    let mut groups: Vec<Group> = Vec::with_capacity(buckets.iter().map(|b| b.rows.len()).sum());
    for (b, part) in buckets.iter().zip(parts) {
        let (part_groups, of_row) = part?;
        let offset = groups.len() as u32;
        for (&row, g) in b.rows.iter().zip(of_row) {
            events[row as usize].group = Some(offset + g);
        }
        groups.extend(part_groups);
    }
    let mut groups = order(groups, events);
    groups.par_iter_mut().for_each(|g| {
        let first = g.first as usize;
        g.lot.clone_from(&events[first].lot);
        g.department = input
            .names
            .text(input.events.department[first])
            .trim()
            .to_string();
    });
    Ok(groups)
}

/// The mapped events by location, locations in the order first seen.
fn buckets(input: &Input, events: &[EventOut]) -> Vec<Bucket> {
    let time = &input.events.time;
    let mut at: HashMap<i64, usize> = HashMap::new();
    let mut buckets: Vec<Bucket> = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        if ev.status != Status::Mapped {
            continue;
        }
        let k = *at.entry(ev.location_id).or_insert_with(|| {
            buckets.push(Bucket {
                location: ev.location_id,
                latest: time[i],
                rows: Vec::new(),
            });
            buckets.len() - 1
        });
        let b = &mut buckets[k];
        b.latest = b.latest.max(time[i]);
        b.rows.push(i as u32);
    }
    buckets
}

/// The groups of one location's events.
fn group_location(
    input: &Input,
    cols: &Columns,
    events: &[EventOut],
    b: &Bucket,
    late_after: i64,
) -> Result<Grouped> {
    let e = &input.events;
    let cut = b.latest.saturating_sub(late_after);
    let mut groups: Vec<Group> = Vec::with_capacity(b.rows.len());
    let mut slots: HashMap<(i64, i64, Kind, u32), u32> = HashMap::with_capacity(b.rows.len());
    let mut of_row = Vec::with_capacity(b.rows.len());
    for &row in &b.rows {
        let i = row as usize;
        let ev = &events[i];
        let kind = cols.kind[e.kind[i] as usize].unwrap_or(Kind::Issue);
        let (time, late) = (e.time[i], e.time[i] < cut);
        let department = cols.trimmed.ids[e.department[i] as usize];
        let mut new = || {
            groups.push(Group {
                location_id: b.location,
                product_id: ev.product_id,
                lot_id: ev.lot_id,
                lot: String::new(),
                kind,
                department: String::new(),
                qty: Decimal::ZERO,
                date: time,
                late,
                events: 0,
                first: row,
            });
            (groups.len() - 1) as u32
        };
        let g = if late {
            new()
        } else {
            let key = (ev.product_id, ev.lot_id, kind, department);
            *slots.entry(key).or_insert_with(new)
        };
        let group = &mut groups[g as usize];
        group.qty = group
            .qty
            .checked_add(ev.qty)
            .ok_or_else(|| Error::Overflow {
                at: Location::row("events.qty", i),
            })?;
        group.date = group.date.max(time);
        group.events += 1;
        of_row.push(g);
    }
    Ok((groups, of_row))
}

/// Groups by (date, first event), and the events' `group` renumbered.
/// Their lot and department texts (their first event's) are filled after.
fn order(mut groups: Vec<Group>, events: &mut [EventOut]) -> Vec<Group> {
    let mut by: Vec<u32> = (0..groups.len() as u32).collect();
    by.par_sort_unstable_by_key(|&g| (groups[g as usize].date, groups[g as usize].first));
    let mut rank = vec![0u32; groups.len()];
    for (new, &old) in by.iter().enumerate() {
        rank[old as usize] = new as u32;
    }
    events.par_iter_mut().for_each(|ev| {
        if let Some(g) = ev.group {
            ev.group = Some(rank[g as usize]);
        }
    });
    gather(&mut groups, &by);
    groups
}

/// Reorder `v` in place so that `v[k]` is the old `v[by[k]]` (`by` a
/// permutation), following its cycles.
fn gather<T>(v: &mut [T], by: &[u32]) {
    let mut done = vec![false; v.len()];
    for start in 0..v.len() {
        let mut j = start;
        while !done[j] {
            done[j] = true;
            let k = by[j] as usize;
            if k == start {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn gather_follows_the_cycles() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        super::gather(&mut v, &[3, 0, 5, 1, 4, 2]);
        assert_eq!(v, ['d', 'a', 'f', 'b', 'e', 'c']);
    }
}
