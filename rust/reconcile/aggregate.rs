//! A shard's sources summed per key (location, product, lot): the external
//! count, the quants, the move history, and the moves after the snapshot
//! time and within the timing window on either side of it.

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::input::NO_DATE;
use super::run::Ctx;
use super::shard::Buckets;
use crate::error::{Error, Location, Result};

/// (location, product, lot id, unknown lot rank + 1 or 0)
pub(super) type Key = (i64, i64, i64, u32);

#[derive(Clone)]
pub(super) struct Agg {
    pub(super) ext: Decimal,
    pub(super) in_snapshot: bool,
    pub(super) ext_expiry: i32,
    pub(super) quant: Decimal,
    pub(super) history: Decimal,
    pub(super) after: Decimal,
    pub(super) window_before: Decimal,
    pub(super) window_after: Decimal,
    /// last snapshot row of this key, as a position in the shard's rows
    /// (`u32::MAX`: none); earlier ones are chained through
    /// [`Aggregates::prev_row`]
    pub(super) last_row: u32,
}

impl Default for Agg {
    fn default() -> Self {
        Agg {
            ext: Decimal::ZERO,
            in_snapshot: false,
            ext_expiry: NO_DATE,
            quant: Decimal::ZERO,
            history: Decimal::ZERO,
            after: Decimal::ZERO,
            window_before: Decimal::ZERO,
            window_after: Decimal::ZERO,
            last_row: u32::MAX,
        }
    }
}

/// The aggregates of one shard, filled source by source.
pub(super) struct Aggregates {
    /// key -> index in `aggs` (aggregates stay put while the table grows)
    pub(super) map: HashMap<Key, u32>,
    pub(super) aggs: Vec<Agg>,
    /// previous row of the same key, per position in the shard's rows
    pub(super) prev_row: Vec<u32>,
}

impl Aggregates {
    fn new(b: &Buckets) -> Self {
        let cap = b.rows.len().max(b.quants.len());
        Aggregates {
            map: HashMap::with_capacity(cap),
            aggs: Vec::with_capacity(cap),
            prev_row: vec![u32::MAX; b.rows.len()],
        }
    }

    /// The aggregate of `key`, appended to `aggs` the first time it is seen.
    fn slot(&mut self, key: Key) -> &mut Agg {
        let aggs = &mut self.aggs;
        let n = *self.map.entry(key).or_insert_with(|| {
            aggs.push(Agg::default());
            (aggs.len() - 1) as u32
        });
        &mut aggs[n as usize]
    }
}

fn add(a: &mut Decimal, b: Decimal) -> Result<()> {
    *a = a.checked_add(b).ok_or_else(|| Error::Overflow {
        at: Location::field("qty"),
    })?;
    Ok(())
}

impl Ctx<'_> {
    /// Sum the shard's snapshot rows, then its quants, then its moves.
    pub(super) fn aggregate(&self, b: &Buckets) -> Result<Aggregates> {
        let mut acc = Aggregates::new(b);
        self.add_rows(&mut acc, b)?;
        self.add_quants(&mut acc, b)?;
        self.add_moves(&mut acc, b)?;
        Ok(acc)
    }

    /// External counts, the earliest external expiry, and the chain of each
    /// key's rows.
    fn add_rows(&self, acc: &mut Aggregates, b: &Buckets) -> Result<()> {
        for (pos, &i) in b.rows.iter().enumerate() {
            let r = &self.resolved[i as usize];
            let unk = if r.unknown_lot.is_empty() {
                0
            } else {
                self.unknown.rank[&(r.product, r.unknown_lot.as_ref())]
            };
            let a = acc.slot((r.location, r.product, r.lot_id, unk));
            add(&mut a.ext, r.qty)?;
            a.in_snapshot = true;
            if r.expiry != NO_DATE && (a.ext_expiry == NO_DATE || r.expiry < a.ext_expiry) {
                a.ext_expiry = r.expiry;
            }
            let last = a.last_row;
            a.last_row = pos as u32;
            acc.prev_row[pos] = last;
        }
        Ok(())
    }

    fn add_quants(&self, acc: &mut Aggregates, b: &Buckets) -> Result<()> {
        let q = &self.input.quants;
        for &i in &b.quants {
            let i = i as usize;
            let a = acc.slot((q.location_id[i], q.product_id[i], q.lot_id[i], 0));
            add(&mut a.quant, q.qty[i])?;
        }
        Ok(())
    }

    /// Move history, moves after the snapshot time, and moves within the
    /// timing window after and before it.
    fn add_moves(&self, acc: &mut Aggregates, b: &Buckets) -> Result<()> {
        let m = &self.input.moves;
        let (as_of, w) = (self.options.as_of, self.options.timing_window);
        for &(i, inbound) in &b.moves {
            let i = i as usize;
            let loc = if inbound {
                m.location_dest_id[i]
            } else {
                m.location_id[i]
            };
            let qty = if inbound { m.qty[i] } else { -m.qty[i] };
            let a = acc.slot((loc, m.product_id[i], m.lot_id[i], 0));
            add(&mut a.history, qty)?;
            let d = m.date[i];
            if d > as_of {
                add(&mut a.after, qty)?;
                if d <= as_of.saturating_add(w) {
                    add(&mut a.window_after, qty)?;
                }
            } else if d > as_of.saturating_sub(w) {
                add(&mut a.window_before, qty)?;
            }
        }
        Ok(())
    }

    /// The keys of a shard in output order (location, product, lot id,
    /// unknown lot name), each with its aggregate.
    pub(super) fn sorted<'s>(
        &self,
        map: HashMap<Key, u32>,
        aggs: &'s [Agg],
    ) -> Vec<(Key, &'s Agg)> {
        let names = &self.unknown.names;
        let mut order: Vec<(Key, u32)> = map.into_iter().collect();
        order.sort_unstable_by(|a, b| {
            let (ka, kb) = (&a.0, &b.0);
            (ka.0, ka.1, ka.2, names[ka.3 as usize]).cmp(&(kb.0, kb.1, kb.2, names[kb.3 as usize]))
        });
        order
            .iter()
            .map(|(k, n)| (*k, &aggs[*n as usize]))
            .collect()
    }
}
