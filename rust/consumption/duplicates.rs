//! Events sent twice in a batch: the same cabinet and event id (trimmed) as
//! an earlier event. An event without a cabinet or an id is never a
//! duplicate (it is invalid).

use hashbrown::hash_map::Entry;
use hashbrown::HashMap;

use super::columns::Columns;
use super::input::Events;
use crate::ids::NO_ROW;

/// Per event, the row of the first event with its cabinet and id, when
/// that is an earlier one (else [`NO_ROW`]).
pub(super) fn earlier(events: &Events, cols: &Columns) -> Vec<u32> {
    let mut first: HashMap<u64, u32> = HashMap::with_capacity(events.len());
    (0..events.len())
        .map(|i| {
            let cabinet = cols.trimmed.ids[events.cabinet[i] as usize];
            let id = cols.event_ids.ids[events.event_id[i] as usize];
            // the empty text is id 0 of every name table
            if cabinet == 0 || id == 0 {
                return NO_ROW;
            }
            match first.entry(u64::from(cabinet) << 32 | u64::from(id)) {
                Entry::Occupied(o) => *o.get(),
                Entry::Vacant(v) => {
                    v.insert(i as u32);
                    NO_ROW
                }
            }
        })
        .collect()
}
