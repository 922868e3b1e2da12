//! Counters per vendor, category and local month.
//!
//! The lines are grouped by vendor (a counting sort on the vendor's rank);
//! each vendor is one parallel task that folds its lines' facts into a small
//! hashbrown map keyed by (category, month), so that the map stays in cache
//! and no two tasks ever share a key (no merge). Category 0 holds all the
//! vendor's lines; with `by_category`, a line also counts under its own
//! category.

use hashbrown::HashMap;

use super::input::{FirstPass, Lines};
use super::line::{facts, Ctx, Facts, Scratch};

/// What a month of a vendor (or of a vendor's category) adds up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    pub lines_due: u64,
    pub lines_otif: u64,
    pub lines_filled: u64,
    pub lines_backordered: u64,
    pub lines_received: u64,
    /// Σ seconds from order to first receipt, and Σ of their squares.
    pub lead_sum: i128,
    pub lead_sq: i128,
    pub lines_sent: u64,
    pub lines_acked: u64,
    pub lines_ack_on_time: u64,
    /// Σ seconds from sending to the first acknowledgement.
    pub latency_sum: i128,
    pub asn_groups: u64,
    pub asn_accurate: u64,
    pub bill_lines: u64,
    pub bill_accurate: u64,
    pub billed_over_po: u64,
    pub po_over_contract: u64,
    pub match_lines: u64,
    pub match_first_pass: u64,
    pub lines_returned: u64,
}

/// Vendors in ascending id order and the rows of each one's lines (cancelled
/// lines left out): `rows[start[v]..start[v + 1]]` are vendor `v`'s.
pub struct ByVendor {
    pub vendors: Vec<i64>,
    start: Vec<u32>,
    rows: Vec<u32>,
}

impl ByVendor {
    pub fn build(lines: &Lines) -> Self {
        // rank the vendors: first seen order, then sorted
        let mut seen: HashMap<i64, u32> = HashMap::new();
        let first_seen: Vec<u32> = lines
            .vendor
            .iter()
            .map(|&v| {
                let next = seen.len() as u32;
                *seen.entry(v).or_insert(next)
            })
            .collect();
        let mut vendors: Vec<i64> = seen.keys().copied().collect();
        vendors.sort_unstable();
        let mut rank = vec![0u32; vendors.len()];
        for (r, v) in vendors.iter().enumerate() {
            rank[seen[v] as usize] = r as u32;
        }
        let n = vendors.len();
        let mut start = vec![0u32; n + 1];
        for (l, &s) in first_seen.iter().enumerate() {
            if !lines.cancelled[l] {
                start[rank[s as usize] as usize + 1] += 1;
            }
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut next = start.clone();
        let mut rows = vec![0u32; start[n] as usize];
        for (l, &s) in first_seen.iter().enumerate() {
            if !lines.cancelled[l] {
                let slot = &mut next[rank[s as usize] as usize];
                rows[*slot as usize] = l as u32;
                *slot += 1;
            }
        }
        Self {
            vendors,
            start,
            rows,
        }
    }

    /// The rows of vendor `v`'s lines (by rank), in row order.
    pub fn rows(&self, v: usize) -> &[u32] {
        &self.rows[self.start[v] as usize..self.start[v + 1] as usize]
    }
}

/// One vendor's counters by (category, month), in no particular order.
#[derive(Debug, Clone, Default)]
pub struct Months {
    slot: HashMap<(i64, i32), u32>,
    pub keys: Vec<(i64, i32)>,
    pub counters: Vec<Counters>,
}

impl Months {
    fn at(&mut self, category: i64, month: i32) -> &mut Counters {
        let next = self.keys.len() as u32;
        let k = *self.slot.entry((category, month)).or_insert_with(|| next);
        if k == next {
            self.keys.push((category, month));
            self.counters.push(Counters::default());
        }
        &mut self.counters[k as usize]
    }

    /// Add one line's facts under `category`.
    pub fn add(&mut self, category: i64, f: &Facts, s: &Scratch) {
        if let Some(d) = f.due {
            let c = self.at(category, d.month);
            c.lines_due += 1;
            c.lines_otif += u64::from(d.otif);
            c.lines_filled += u64::from(d.filled);
            c.lines_backordered += u64::from(d.backordered);
        }
        if let Some(r) = f.received {
            let c = self.at(category, r.month);
            c.lines_received += 1;
            let x = i128::from(r.lead_s);
            c.lead_sum += x;
            c.lead_sq += x * x;
            c.lines_returned += u64::from(r.returned);
        }
        if let Some(a) = f.acked {
            let c = self.at(category, a.month);
            c.lines_sent += 1;
            if let Some(s) = a.latency_s {
                c.lines_acked += 1;
                c.latency_sum += i128::from(s);
            }
            c.lines_ack_on_time += u64::from(a.on_time);
        }
        for g in &s.asn {
            let c = self.at(category, g.month);
            c.asn_groups += 1;
            c.asn_accurate += u64::from(g.accurate);
        }
        for b in &s.bills {
            let c = self.at(category, b.month);
            c.bill_lines += 1;
            c.bill_accurate += u64::from(b.accurate);
            c.billed_over_po += u64::from(b.over_po);
            c.po_over_contract += u64::from(b.po_over_contract);
            if b.first_pass != FirstPass::None {
                c.match_lines += 1;
                c.match_first_pass += u64::from(b.first_pass == FirstPass::Pass);
            }
        }
    }
}

/// Fold vendor `v`'s lines into its months.
pub fn vendor_months(cx: &Ctx, by: &ByVendor, v: usize, by_category: bool) -> Months {
    let mut months = Months::default();
    let mut s = Scratch::default();
    let category = &cx.input.lines.category;
    for &l in by.rows(v) {
        let l = l as usize;
        let f = facts(cx, l, &mut s);
        months.add(0, &f, &s);
        if by_category && category[l] != 0 {
            months.add(category[l], &f, &s);
        }
    }
    months
}
