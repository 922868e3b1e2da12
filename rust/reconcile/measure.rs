//! The balances of a key (external, quant, move history, moves after the
//! snapshot time, Odoo's at the snapshot time), its difference and value,
//! whether it is in the snapshot's scope, and its integrity flags.

use hashbrown::HashSet;
use rust_decimal::Decimal;

use super::aggregate::{Agg, Key};
use super::input::NO_DATE;
use super::output::{Approval, Class, KeyOut};
use super::run::Ctx;
use crate::error::Result;
use crate::numeric::RoundingMethod;

impl Ctx<'_> {
    /// Pairs a partial snapshot covers: the (location, product) pairs it
    /// names (none when the snapshot is full: counted locations decide).
    pub(super) fn listed(&self, entries: &[(Key, &Agg)]) -> HashSet<(i64, i64)> {
        if self.options.full {
            HashSet::new()
        } else {
            entries
                .iter()
                .filter(|(_, a)| a.in_snapshot)
                .map(|(k, _)| (k.0, k.1))
                .collect()
        }
    }

    /// Balances and integrity flags of one key.
    pub(super) fn measure(&self, k: &Key, a: &Agg, listed: &HashSet<(i64, i64)>) -> Result<KeyOut> {
        let info = &self.ix.products[&k.1];
        let r = |v: Decimal| info.precision.round(v, RoundingMethod::HalfUp);
        let counted = if self.options.full {
            self.ix.locations.get(&k.0).is_some_and(|(_, c)| *c) || a.in_snapshot
        } else {
            listed.contains(&(k.0, k.1))
        };
        let quant = r(a.quant)?;
        let history = r(a.history)?;
        let after = r(a.after)?;
        let ext = r(a.ext)?;
        let odoo = r(quant - after)?;
        let diff = if counted {
            r(ext - odoo)?
        } else {
            Decimal::ZERO
        };
        let expiry = match self.ix.lots.get(&k.2) {
            Some((_, exp)) if k.2 != 0 => *exp,
            _ => NO_DATE,
        };
        let lot_name = self.unknown.names[k.3 as usize].to_string();
        Ok(KeyOut {
            location_id: k.0,
            product_id: k.1,
            lot_id: k.2,
            lot_name,
            expiry,
            ext_expiry: a.ext_expiry,
            counted,
            in_snapshot: a.in_snapshot,
            ext_qty: ext,
            odoo_qty: odoo,
            quant_qty: quant,
            history_qty: history,
            moves_after: after,
            diff,
            value: self
                .value_precision
                .round(diff * info.cost, RoundingMethod::HalfUp)?,
            class: Class::NotCounted,
            approval: Approval::None,
            rule_id: 0,
            factor: Decimal::ZERO,
            negative: quant < Decimal::ZERO,
            drift: r(quant - history)?,
            expired: quant > Decimal::ZERO && expiry != NO_DATE && expiry <= self.as_of_day,
        })
    }
}
