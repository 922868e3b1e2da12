//! One event mapped, checks in this order, the first fault deciding its
//! status: a cabinet and an event id given; not a duplicate; a kind, a
//! quantity above 0, an expiry date and a code kind that read; a product
//! code given; the cabinet known; the product code read and known, its bar
//! code's lot and expiry agreeing with the event's; the unit known; the
//! quantity in product units (below 10^15 and not rounded to 0); a lot for
//! a lot-tracked product, and a known one. A mapped event is then flagged
//! expired and recalled.

use hashbrown::HashSet;
use rust_decimal::Decimal;

use super::codes::{CodeTable, Outcome};
use super::columns::Columns;
use super::input::{CodeSel, Input, NO_DATE};
use super::output::{EventOut, Status};
use crate::ids::NO_ROW;
use crate::reconcile::index::Index;
use crate::reconcile::resolve::{in_product_units, with_barcode, Fault};
use crate::reconcile::CodeKind;

/// A converted quantity must stay below this (so that no sum of a batch
/// can leave the decimal range).
const MAX_QTY: i64 = 1_000_000_000_000_000;

/// What every event reads.
pub(super) struct Ctx<'a> {
    pub(super) input: &'a Input,
    pub(super) ix: &'a Index<'a>,
    pub(super) cols: &'a Columns,
    pub(super) codes: &'a CodeTable<'a>,
    /// Per event, the row of the earlier event it repeats.
    pub(super) earlier: &'a [u32],
    /// (product, lot name) recalled; lot "" for every lot.
    pub(super) recalls: HashSet<(i64, &'a str)>,
}

type Fail = (Status, String);

fn invalid(message: String) -> Fail {
    (Status::Invalid, message)
}

impl Ctx<'_> {
    pub(super) fn resolve(&self, i: usize) -> EventOut {
        let mut out = EventOut::new(self.text(self.input.events.lot[i]).to_string());
        if let Err((status, message)) = self.map(i, &mut out) {
            out.status = status;
            out.message = message;
            out.qty = Decimal::ZERO;
        }
        out
    }

    fn text(&self, id: u32) -> &str {
        self.input.names.text(id).trim()
    }

    /// The checks of the module documentation, filling `out` as they pass.
    fn map(&self, i: usize, out: &mut EventOut) -> Result<(), Fail> {
        let (e, cols) = (&self.input.events, self.cols);
        let cabinet = self.text(e.cabinet[i]);
        let event_id = self.input.event_ids.text(e.event_id[i]).trim();
        if cabinet.is_empty() {
            return Err(invalid("cabinet: is required".into()));
        }
        if event_id.is_empty() {
            return Err(invalid("event_id: is required".into()));
        }
        if self.earlier[i] != NO_ROW {
            let first = self.earlier[i];
            let message = format!("event_id: {event_id} repeats row {first} of the batch");
            return Err((Status::Duplicate, message));
        }
        let Some(_) = cols.kind[e.kind[i] as usize] else {
            return Err(invalid(match self.text(e.kind[i]) {
                "" => "kind: is required".into(),
                k => format!("kind: {k} is not issue, return, waste or restock"),
            }));
        };
        let qty = match e.qty[i] {
            Some(q) if q > Decimal::ZERO => q,
            _ => return Err(invalid("qty: must be a number greater than 0".into())),
        };
        let Some(expiry) = cols.expiry[e.expiry[i] as usize] else {
            let x = self.text(e.expiry[i]);
            return Err(invalid(format!("expiry: {x} is not a date YYYY-MM-DD")));
        };
        let Some(sel) = cols.code_sel[e.code_kind[i] as usize] else {
            let c = self.text(e.code_kind[i]);
            return Err(invalid(format!(
                "code_kind: {c} is not ref, vendor, gtin, gs1 or hibc"
            )));
        };
        let product_code = self.text(e.product[i]);
        if product_code.is_empty() {
            return Err(invalid("product: is required".into()));
        }
        out.location_id = cols.location[e.cabinet[i] as usize].ok_or_else(|| {
            let m = format!("cabinet: {cabinet} is not a known location code or GLN");
            (Status::UnknownCabinet, m)
        })?;
        let (product, factor, code) = match self.codes.of(i) {
            Some(Outcome::Found {
                product,
                factor,
                code,
            }) => (*product, *factor, code),
            Some(Outcome::Bad(why)) => return Err(invalid(format!("product: {why}"))),
            _ => {
                let kind = match sel {
                    CodeSel::Auto => String::new(),
                    CodeSel::Exact(k) => format!("{} ", CodeKind::NAMES[k as usize]),
                };
                let m = format!("product: {product_code} is not a known {kind}code");
                return Err((Status::UnknownProduct, m));
            }
        };
        out.product_id = product;
        let (lot, expiry) = with_barcode(&out.lot, expiry, code).map_err(|(f, why)| {
            let field = match f {
                Fault::Lot => "lot",
                Fault::Expiry => "expiry",
            };
            invalid(format!("{field}: {why}"))
        })?;
        let info = self.ix.info(product).ok_or_else(|| {
            let m = format!("product: {product_code} names product {product}, not in products");
            (Status::UnknownProduct, m)
        })?;
        out.lot = if info.tracked {
            lot.into_owned()
        } else {
            String::new()
        };
        let unit = self.text(e.unit[i]);
        let pack = match unit {
            "" => Decimal::ONE,
            _ => self.ix.pack(product, unit).ok_or_else(|| {
                let m = format!("unit: {unit} is not a pack unit of the product");
                (Status::BadUnit, m)
            })?,
        };
        let qty = in_product_units(info, qty, &[code.count, factor, pack])
            .filter(|q| q.abs() < Decimal::from(MAX_QTY))
            .ok_or_else(|| invalid("qty: too large once converted to the product's unit".into()))?;
        if qty.is_zero() {
            return Err(invalid("qty: rounds to 0 in the product's unit".into()));
        }
        if info.tracked {
            if out.lot.is_empty() {
                let m = "lot: is required (the product is tracked by lot)".to_string();
                return Err((Status::LotRequired, m));
            }
            out.lot_id = self.ix.lot(product, &out.lot).ok_or_else(|| {
                let m = format!("lot: {} is not a lot of the product", out.lot);
                (Status::UnknownLot, m)
            })?;
        }
        out.qty = qty;
        let expiry = match (expiry, out.lot_id) {
            (NO_DATE, 0) => NO_DATE,
            (NO_DATE, lot_id) => self.ix.lot_expiry(lot_id),
            (given, _) => given,
        };
        out.expired = expiry != NO_DATE && i64::from(expiry) < e.time[i].div_euclid(86_400);
        out.recalled = !self.recalls.is_empty()
            && (self.recalls.contains(&(product, ""))
                || (!out.lot.is_empty() && self.recalls.contains(&(product, out.lot.as_str()))));
        Ok(())
    }
}
