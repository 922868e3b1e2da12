//! Mapped events grouped into moves. An event is late when its time is
//! earlier than its location's latest mapped event of the batch less
//! `late_after`: it is a move of its own, dated at its own time. The others
//! are grouped by (location, product, lot, kind, department), each group
//! dated at its latest event. Groups are ordered by (date, first event).

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::columns::Columns;
use super::input::{Input, Kind};
use super::output::{EventOut, Group, Status};
use crate::error::{Error, Location, Result};

type Key = (i64, i64, i64, Kind, u32);

/// The groups, ordered; each mapped event's `group` is set.
pub(super) fn group(
    input: &Input,
    cols: &Columns,
    events: &mut [EventOut],
    late_after: i64,
) -> Result<Vec<Group>> {
    let e = &input.events;
    let mut latest: HashMap<i64, i64> = HashMap::new();
    let mapped = events.iter().enumerate();
    for (i, ev) in mapped.filter(|(_, ev)| ev.status == Status::Mapped) {
        let t = latest.entry(ev.location_id).or_insert(e.time[i]);
        *t = (*t).max(e.time[i]);
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut slots: HashMap<Key, u32> = HashMap::new();
    for (i, ev) in events.iter_mut().enumerate() {
        let Some(kind) = cols.kind[e.kind[i] as usize] else {
            continue;
        };
        if ev.status != Status::Mapped {
            continue;
        }
        let time = e.time[i];
        let newest = latest.get(&ev.location_id).copied().unwrap_or(time);
        let late = time < newest.saturating_sub(late_after);
        let department = cols.trimmed.ids[e.department[i] as usize];
        let key = (ev.location_id, ev.product_id, ev.lot_id, kind, department);
        let new = || Group {
            location_id: ev.location_id,
            product_id: ev.product_id,
            lot_id: ev.lot_id,
            lot: ev.lot.clone(),
            kind,
            department: input.names.text(e.department[i]).trim().to_string(),
            qty: Decimal::ZERO,
            date: time,
            late,
            events: 0,
            first: i as u32,
        };
        let g = if late {
            groups.push(new());
            groups.len() - 1
        } else {
            *slots.entry(key).or_insert_with(|| {
                groups.push(new());
                (groups.len() - 1) as u32
            }) as usize
        };
        let group = &mut groups[g];
        group.qty = group
            .qty
            .checked_add(ev.qty)
            .ok_or_else(|| Error::Overflow {
                at: Location::row("events.qty", i),
            })?;
        group.date = group.date.max(time);
        group.events += 1;
        ev.group = Some(g as u32);
    }
    Ok(order(groups, events))
}

/// Groups by (date, first event), and the events' `group` renumbered.
fn order(groups: Vec<Group>, events: &mut [EventOut]) -> Vec<Group> {
    let mut by: Vec<u32> = (0..groups.len() as u32).collect();
    by.sort_unstable_by_key(|&g| (groups[g as usize].date, groups[g as usize].first));
    let mut rank = vec![0u32; groups.len()];
    for (new, &old) in by.iter().enumerate() {
        rank[old as usize] = new as u32;
    }
    for ev in events.iter_mut() {
        if let Some(g) = ev.group {
            ev.group = Some(rank[g as usize]);
        }
    }
    let mut slots: Vec<Option<Group>> = groups.into_iter().map(Some).collect();
    by.iter()
        .filter_map(|&g| slots[g as usize].take())
        .collect()
}
