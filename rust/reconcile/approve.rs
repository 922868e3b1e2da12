//! Tolerance rules: the most specific rule that fits a key (location 4,
//! category 2, risk class 1; ties to the lowest id) and the approval it asks
//! for (four eyes above its value limit, auto within every limit it sets,
//! else one controller).

use rust_decimal::Decimal;

use super::index::ProductInfo;
use super::input::Rule;
use super::output::{Approval, KeyOut};
use super::run::Ctx;

impl Ctx<'_> {
    /// The most specific tolerance rule, and the approval it asks for.
    pub(super) fn approval(&self, k: &KeyOut, info: &ProductInfo) -> (i64, Approval) {
        let mut best: Option<(u8, &Rule)> = None;
        for rule in &self.input.rules {
            let fits = |want: i64, have: i64| want == 0 || want == have;
            if !(fits(rule.location_id, k.location_id)
                && fits(rule.category_id, info.category)
                && fits(rule.risk_class, info.risk))
            {
                continue;
            }
            let score = 4 * (rule.location_id != 0) as u8
                + 2 * (rule.category_id != 0) as u8
                + (rule.risk_class != 0) as u8;
            let better = match best {
                None => true,
                Some((s, b)) => score > s || (score == s && rule.rule_id < b.rule_id),
            };
            if better {
                best = Some((score, rule));
            }
        }
        let Some((_, rule)) = best else {
            return (0, Approval::Controller);
        };
        let qty = k.diff.abs();
        let value = k.value.abs();
        if rule.four_eyes_value.is_some_and(|limit| value > limit) {
            return (rule.rule_id, Approval::FourEyes);
        }
        let any = rule.auto_qty.is_some() || rule.auto_pct.is_some() || rule.auto_value.is_some();
        let pct_ok = |limit: Decimal| {
            !k.odoo_qty.is_zero()
                && qty
                    .checked_mul(Decimal::ONE_HUNDRED)
                    .is_some_and(|x| x <= limit * k.odoo_qty.abs())
        };
        let within = any
            && rule.auto_qty.is_none_or(|l| qty <= l)
            && rule.auto_pct.is_none_or(pct_ok)
            && rule.auto_value.is_none_or(|l| value <= l);
        (
            rule.rule_id,
            if within {
                Approval::Auto
            } else {
                Approval::Controller
            },
        )
    }
}
