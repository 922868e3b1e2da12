//! Row ids → row numbers, for the engines that look rows up by their Odoo id:
//! a direct table when the ids are dense enough (Odoo's ids come from a
//! sequence, so a batch's ids mostly are), else a hash map.

use hashbrown::HashMap;

/// No row (also the largest batch an index can hold).
pub const NO_ROW: u32 = u32::MAX;

pub enum IdIndex {
    Dense { min: i64, slots: Vec<u32> },
    Sparse(HashMap<i64, u32>),
}

impl IdIndex {
    /// Index `ids`, or `(row, earlier row)` for the first id that appeared on
    /// an earlier row.
    pub fn build(ids: &[i64]) -> std::result::Result<Self, (usize, usize)> {
        let n = ids.len();
        let (min, max) = ids
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let span = i128::from(max) - i128::from(min) + 1;
        if n > 0 && span <= 4 * n as i128 + 1024 {
            let mut slots = vec![NO_ROW; span as usize];
            for (row, &id) in ids.iter().enumerate() {
                let slot = &mut slots[(id - min) as usize];
                if *slot != NO_ROW {
                    return Err((row, *slot as usize));
                }
                *slot = row as u32;
            }
            Ok(IdIndex::Dense { min, slots })
        } else {
            let mut map = HashMap::with_capacity(n);
            for (row, &id) in ids.iter().enumerate() {
                if let Some(first) = map.insert(id, row as u32) {
                    return Err((row, first as usize));
                }
            }
            Ok(IdIndex::Sparse(map))
        }
    }

    /// The row of `id`.
    pub fn get(&self, id: i64) -> Option<u32> {
        let slot = match self {
            IdIndex::Dense { min, slots } => {
                *slots.get(usize::try_from(id.checked_sub(*min)?).ok()?)?
            }
            IdIndex::Sparse(map) => *map.get(&id)?,
        };
        (slot != NO_ROW).then_some(slot)
    }
}
