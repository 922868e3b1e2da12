//! A vendor's book: its PO lines in allocation order with their running
//! state while its lines are taken in order (rule 2), and its contract
//! prices.

use rust_decimal::Decimal;

use super::groups::{Groups, Shard};
use super::index::{Index, PoInfo};

/// Running state of a PO line while a vendor's lines are taken in order.
#[derive(Default, Clone)]
struct Running {
    /// Billed by earlier lines of the batch.
    in_batch: Decimal,
    /// How many `billed_elsewhere` entries come before the current line.
    seen: usize,
    /// Their sum.
    elsewhere: Decimal,
}

/// A vendor's PO lines, oldest first per product, with their running state;
/// and its contract rows by product.
pub(super) struct VendorBook<'a> {
    pub(super) index: &'a Index<'a>,
    /// (PO line id, book position) of the vendor's PO lines, by id.
    by_id: Vec<(i64, u32)>,
    /// The book, sorted by (product, order date, id): the products, for the range searches, and what the engine needs of
    /// them, side by side.
    po_product: Vec<i64>,
    po_info: Vec<PoInfo<'a>>,
    running: Vec<Running>,
    /// Contract rows sorted by (product, row).
    contracts: Vec<u32>,
    contract_product: Vec<i64>,
}

impl<'a> VendorBook<'a> {
    pub(super) fn new(
        index: &'a Index<'a>,
        groups: &Groups,
        shard: &Shard,
        all: &[PoInfo<'a>],
    ) -> Self {
        let mut keys: Vec<(i64, i32, i64, u32)> = groups.po[shard.po.clone()]
            .iter()
            .map(|&r| {
                let x = &all[r as usize];
                (x.product_id, x.order_date, x.id, r)
            })
            .collect();
        keys.sort_unstable();
        let po_info: Vec<PoInfo<'a>> = keys.iter().map(|k| all[k.3 as usize]).collect();
        // ids are unique, so each PO line's row is found by its id
        let mut by_id: Vec<(i64, u32)> = po_info
            .iter()
            .enumerate()
            .map(|(k, x)| (x.id, k as u32))
            .collect();
        by_id.sort_unstable();
        let c = &index.input.contracts;
        let mut contracts: Vec<(i64, u32)> = groups.contracts[shard.contracts.clone()]
            .iter()
            .map(|&r| (c.product_id[r as usize], r))
            .collect();
        contracts.sort_unstable();
        Self {
            index,
            po_product: po_info.iter().map(|x| x.product_id).collect(),
            running: vec![Running::default(); po_info.len()],
            po_info,
            by_id,
            contract_product: contracts.iter().map(|k| k.0).collect(),
            contracts: contracts.iter().map(|k| k.1).collect(),
        }
    }

    pub(super) fn info(&self, k: usize) -> &PoInfo<'a> {
        &self.po_info[k]
    }

    /// The book positions of a product's PO lines, oldest first.
    pub(super) fn candidates(&self, product: i64) -> std::ops::Range<usize> {
        let lo = self.po_product.partition_point(|&x| x < product);
        let hi = lo + self.po_product[lo..].partition_point(|&x| x == product);
        lo..hi
    }

    /// The book position of PO line `id`; None when it is not this vendor's.
    pub(super) fn position(&self, id: i64) -> Option<usize> {
        self.by_id
            .binary_search_by_key(&id, |&(i, _)| i)
            .ok()
            .map(|j| self.by_id[j].1 as usize)
    }

    /// Billed on book position `k` before a line dated `date` of bill `bill`.
    pub(super) fn billed_before(&mut self, k: usize, date: i32, bill: i64) -> Decimal {
        billed_before(&self.po_info[k], &mut self.running[k], date, bill)
    }

    /// Count a line's allocations as billed before the vendor's next lines.
    pub(super) fn count_billed(&mut self, allocs: &[(usize, Decimal)]) {
        for &(k, q) in allocs {
            self.running[k].in_batch += q;
        }
    }

    /// The applicable contract price: same product and currency, valid on
    /// the date, minimum quantity reached; the highest quantity break, then
    /// the lowest price, then the first row.
    pub(super) fn contract_price(
        &self,
        product: i64,
        currency: i64,
        date: i32,
        qty: Decimal,
    ) -> Option<Decimal> {
        let c = &self.index.input.contracts;
        let lo = self.contract_product.partition_point(|&x| x < product);
        let hi = lo + self.contract_product[lo..].partition_point(|&x| x == product);
        self.contracts[lo..hi]
            .iter()
            .map(|&r| r as usize)
            .filter(|&i| {
                c.currency_id[i] == currency
                    && c.date_start[i] <= date
                    && date <= c.date_end[i]
                    && c.min_qty[i] <= qty
            })
            .min_by(|&a, &b| {
                c.min_qty[b]
                    .cmp(&c.min_qty[a])
                    .then(c.price[a].cmp(&c.price[b]))
                    .then(a.cmp(&b))
            })
            .map(|i| c.price[i])
    }
}

/// Billed on PO line `p` before a line dated `date` of bill `bill`.
fn billed_before(po: &PoInfo<'_>, run: &mut Running, date: i32, bill: i64) -> Decimal {
    while let Some(&(d, b, q)) = po.billed_elsewhere.get(run.seen) {
        if (d, b) < (date, bill) {
            run.elsewhere += q;
            run.seen += 1;
        } else {
            break;
        }
    }
    run.elsewhere + run.in_batch
}
