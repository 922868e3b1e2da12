//! Tolerance rules and their hierarchy: product → product category → vendor
//! → company. The most specific rule that exists applies, whole (no
//! field-by-field mixing), so a result can always name the one rule behind it.

use hashbrown::HashMap;
use rust_decimal::Decimal;

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Company = 0,
    Vendor = 1,
    Category = 2,
    Product = 3,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "company" => Some(Scope::Company),
            "vendor" => Some(Scope::Vendor),
            "category" => Some(Scope::Category),
            "product" => Some(Scope::Product),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Scope::Company => "company",
            Scope::Vendor => "vendor",
            Scope::Category => "category",
            Scope::Product => "product",
        }
    }
}

/// One tolerance rule. Every limit is optional; a variance is within
/// tolerance when it passes every limit that is set, and a rule with no limit
/// on a side allows nothing on that side. Percentages are of the reference
/// (quantity received/ordered/consumed, or the reference price).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rule {
    pub id: i64,
    pub qty_over_pct: Option<Decimal>,
    pub qty_over_abs: Option<Decimal>,
    pub price_over_pct: Option<Decimal>,
    pub price_over_abs: Option<Decimal>,
    pub price_under_pct: Option<Decimal>,
    pub price_under_abs: Option<Decimal>,
    /// Cap on the price variance of one line, in company currency.
    pub amount_over_abs: Option<Decimal>,
    /// A price below the reference passes as favourable, whatever the under limits.
    pub allow_favourable: bool,
}

/// The strict rule used when no rule exists anywhere in the hierarchy.
pub const NO_RULE: Rule = Rule {
    id: 0,
    qty_over_pct: None,
    qty_over_abs: None,
    price_over_pct: None,
    price_over_abs: None,
    price_under_pct: None,
    price_under_abs: None,
    amount_over_abs: None,
    allow_favourable: false,
};

#[derive(Debug, Default)]
pub struct Rules {
    rules: Vec<Rule>,
    scopes: Vec<Scope>,
    index: HashMap<(i64, Scope, i64), usize>,
}

impl Rules {
    /// Add a rule; a second rule for the same company, scope and target
    /// replaces nothing: the one with the lower id wins (deterministic).
    pub fn push(&mut self, company_id: i64, scope: Scope, target_id: i64, rule: Rule) {
        let key = (
            company_id,
            scope,
            if scope == Scope::Company {
                0
            } else {
                target_id
            },
        );
        let idx = self.rules.len();
        let id = rule.id;
        self.rules.push(rule);
        self.scopes.push(scope);
        self.index
            .entry(key)
            .and_modify(|cur| {
                if id < self.rules[*cur].id {
                    *cur = idx;
                }
            })
            .or_insert(idx);
    }

    /// The rule for a line, and the scope it was found at.
    pub fn resolve(
        &self,
        company_id: i64,
        vendor_id: i64,
        category_id: i64,
        product_id: i64,
    ) -> (&Rule, Option<Scope>) {
        let tries = [
            (Scope::Product, product_id),
            (Scope::Category, category_id),
            (Scope::Vendor, vendor_id),
            (Scope::Company, 0),
        ];
        for (scope, target) in tries {
            if scope != Scope::Company && target == 0 {
                continue;
            }
            if let Some(&i) = self.index.get(&(company_id, scope, target)) {
                return (&self.rules[i], Some(self.scopes[i]));
            }
        }
        (&NO_RULE, None)
    }
}

/// Is `excess` (> 0) over `reference` within an optional % and absolute limit?
/// With neither limit set nothing is allowed.
pub fn within(
    excess: Decimal,
    reference: Decimal,
    pct: Option<Decimal>,
    abs: Option<Decimal>,
) -> bool {
    if pct.is_none() && abs.is_none() {
        return false;
    }
    let abs_ok = abs.is_none_or(|a| excess <= a);
    let pct_ok = pct.is_none_or(|p| excess * Decimal::ONE_HUNDRED <= reference.abs() * p);
    abs_ok && pct_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64) -> Rule {
        Rule {
            id,
            qty_over_pct: Some(Decimal::from(5)),
            ..Rule::default()
        }
    }

    #[test]
    fn most_specific_rule_wins() {
        let mut r = Rules::default();
        r.push(1, Scope::Company, 0, rule(1));
        r.push(1, Scope::Vendor, 7, rule(2));
        r.push(1, Scope::Category, 3, rule(3));
        r.push(1, Scope::Product, 9, rule(4));
        assert_eq!(r.resolve(1, 7, 3, 9).0.id, 4);
        assert_eq!(r.resolve(1, 7, 3, 8).0.id, 3);
        assert_eq!(r.resolve(1, 7, 4, 8).0.id, 2);
        assert_eq!(r.resolve(1, 6, 4, 8).0.id, 1);
        assert_eq!(r.resolve(2, 7, 3, 9).0.id, 0, "other company: no rule");
        assert_eq!(r.resolve(1, 7, 3, 9).1, Some(Scope::Product));
    }

    #[test]
    fn duplicate_rules_resolve_to_the_lowest_id() {
        let mut r = Rules::default();
        r.push(1, Scope::Vendor, 7, rule(20));
        r.push(1, Scope::Vendor, 7, rule(10));
        r.push(1, Scope::Vendor, 7, rule(30));
        assert_eq!(r.resolve(1, 7, 0, 0).0.id, 10);
    }

    #[test]
    fn limits_are_all_required() {
        let d = Decimal::from;
        assert!(!within(d(1), d(100), None, None));
        assert!(within(d(5), d(100), Some(d(5)), None));
        assert!(!within(d(6), d(100), Some(d(5)), None));
        assert!(within(d(6), d(100), None, Some(d(6))));
        assert!(
            !within(d(6), d(100), Some(d(5)), Some(d(10))),
            "both limits apply"
        );
    }
}
