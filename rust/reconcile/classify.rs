//! What explains a key's difference, first that applies: expiry mismatch,
//! lot swap, UoM error (a pack factor), timing (moves around the snapshot
//! time), missing on either side, over or under; then who approves it.

use rust_decimal::Decimal;

use super::aggregate::{Agg, Key};
use super::input::NO_DATE;
use super::output::{Approval, Class, KeyOut};
use super::run::Ctx;
use crate::error::Result;
use crate::numeric::RoundingMethod;

impl Ctx<'_> {
    /// Classes and approvals, with the lot-swap check per (location, product).
    pub(super) fn classify(&self, out: &mut [KeyOut], entries: &[(Key, &Agg)]) -> Result<()> {
        let mut start = 0;
        while start < out.len() {
            let (loc, prod) = (out[start].location_id, out[start].product_id);
            let mut end = start;
            let mut total = Decimal::ZERO;
            let mut differing = 0;
            while end < out.len() && out[end].location_id == loc && out[end].product_id == prod {
                if out[end].counted && !out[end].diff.is_zero() {
                    differing += 1;
                    total += out[end].diff;
                }
                end += 1;
            }
            let swap = differing >= 2 && total.is_zero();
            for i in start..end {
                self.classify_key(&mut out[i], entries[i].1, swap)?;
            }
            start = end;
        }
        Ok(())
    }

    fn classify_key(&self, k: &mut KeyOut, a: &Agg, swap: bool) -> Result<()> {
        if !k.counted {
            return Ok(());
        }
        let info = &self.ix.products[&k.product_id];
        let r = |v: Decimal| info.precision.round(v, RoundingMethod::HalfUp);
        if k.diff.is_zero() {
            k.class = if k.ext_expiry != NO_DATE && k.expiry != NO_DATE && k.ext_expiry != k.expiry
            {
                k.approval = Approval::Review;
                Class::ExpiryMismatch
            } else {
                Class::Matched
            };
            return Ok(());
        }
        let (ext, odoo) = (k.ext_qty, k.odoo_qty);
        if swap {
            k.class = Class::LotSwap;
        } else if !ext.is_zero() && !odoo.is_zero() {
            for f in &info.factors {
                if r(odoo * f)? == ext || r(ext * f)? == odoo {
                    k.factor = *f;
                    k.class = Class::UomError;
                    k.approval = Approval::Review;
                    return Ok(());
                }
            }
        }
        if k.class != Class::LotSwap {
            let wa = r(a.window_after)?;
            let wb = r(a.window_before)?;
            if (!wa.is_zero() && k.diff == wa) || (!wb.is_zero() && k.diff == -wb) {
                k.class = Class::Timing;
                return Ok(());
            }
            k.class = if odoo.is_zero() && ext > Decimal::ZERO {
                Class::MissingInOdoo
            } else if !k.in_snapshot {
                Class::MissingExternal
            } else if k.diff > Decimal::ZERO {
                Class::Over
            } else {
                Class::Under
            };
        }
        let (rule_id, approval) = self.approval(k, info);
        k.rule_id = rule_id;
        k.approval = approval;
        Ok(())
    }
}
