//! Scenario tests of the matching rules.

use rust_decimal::Decimal;

use super::duplicates::Bill;
use super::explain::{write_plain, write_price};
use super::tolerance::{Rule, Scope};
use super::*;
use crate::error::{Error, Location};

fn d(s: &str) -> Decimal {
    crate::numeric::decimal_from_str(s).unwrap()
}

/// A small world: vendor 1, company 1, product 10 in category 5, EUR (1) = company currency.
#[derive(Default)]
struct World {
    input: Input,
}

impl World {
    fn po(&mut self, id: i64, product: i64, date: i32, ordered: &str, price: &str) -> &mut Self {
        let p = &mut self.input.po_lines;
        p.po_line_id.push(id);
        p.vendor_id.push(1);
        p.product_id.push(product);
        p.order_date.push(date);
        p.qty_ordered.push(d(ordered));
        p.price_unit.push(d(price));
        p.discount.push(Decimal::ZERO);
        p.uom_ratio.push(Decimal::ONE);
        p.currency_id.push(1);
        p.rate.push(Decimal::ONE);
        p.qty_consumed.push(Decimal::ZERO);
        self
    }
    fn receive(&mut self, po: i64, qty: &str) -> &mut Self {
        self.input.receipts.po_line_id.push(po);
        self.input.receipts.qty.push(d(qty));
        self.input.receipts.date.push(100);
        self
    }
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        id: i64,
        bill: i64,
        date: i32,
        po: i64,
        product: i64,
        qty: &str,
        price: &str,
    ) -> &mut Self {
        let l = &mut self.input.lines;
        l.line_id.push(id);
        l.bill_id.push(bill);
        l.vendor_id.push(1);
        l.company_id.push(1);
        l.product_id.push(product);
        l.category_id.push(5);
        l.level.push(Level::ThreeWay);
        l.qty.push(d(qty));
        l.uom_ratio.push(Decimal::ONE);
        l.qty_rounding.push(d("0.01"));
        l.price_unit.push(d(price));
        l.discount.push(Decimal::ZERO);
        l.currency_id.push(1);
        l.rate.push(Decimal::ONE);
        l.date.push(date);
        l.po_line_id.push(po);
        l.is_refund.push(false);
        self
    }
    fn last_line(&mut self, f: impl FnOnce(&mut BillLines, usize)) -> &mut Self {
        let i = self.input.lines.line_id.len() - 1;
        f(&mut self.input.lines, i);
        self
    }
    fn rule(&mut self, scope: Scope, target: i64, rule: Rule) -> &mut Self {
        self.input.rules.push(1, scope, target, rule);
        self
    }
    fn run(&self) -> Output {
        run(&self.input, &Options::default()).unwrap()
    }
}

fn status(out: &Output, line: i64) -> Status {
    out.lines.iter().find(|r| r.line_id == line).unwrap().status
}

#[test]
fn full_match_partial_receipt_and_missing_receipt() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5").receive(100, "6");
    w.line(1, 1, 10, 100, 10, "6", "5"); // billed what was received
    w.line(2, 2, 11, 100, 10, "3", "5"); // nothing left received: missing receipt
    let out = w.run();
    assert_eq!(status(&out, 1), Status::Matched);
    assert_eq!(status(&out, 2), Status::MissingReceipt);
    let r2 = &out.lines[1];
    assert_eq!(
        (r2.qty_billed_before, r2.qty_received, r2.qty_variance),
        (d("6"), d("6"), d("3"))
    );
    assert!(r2.hold());
    assert!(
        out.explanations[1].contains("not yet received"),
        "{}",
        out.explanations[1]
    );
}

#[test]
fn over_received_and_over_ordered() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5").receive(100, "8");
    w.line(1, 1, 10, 100, 10, "9", "5");
    w.line(2, 2, 11, 100, 10, "3", "5");
    let out = w.run();
    assert_eq!(status(&out, 1), Status::OverReceived);
    // 12 billed against 10 ordered: over-ordered outranks the receipt problem
    assert_eq!(status(&out, 2), Status::OverOrdered);
}

#[test]
fn two_way_service_lines_compare_with_ordered() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5");
    w.line(1, 1, 10, 100, 10, "10", "5")
        .last_line(|l, i| l.level[i] = Level::TwoWay);
    assert_eq!(status(&w.run(), 1), Status::Matched);
}

#[test]
fn price_variance_with_and_without_tolerance() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5.00").receive(100, "10");
    w.line(1, 1, 10, 100, 10, "5", "5.20");
    let out = w.run();
    assert_eq!(status(&out, 1), Status::PriceAbovePo);
    assert_eq!(out.lines[0].price_variance, d("0.20"));
    assert_eq!(out.lines[0].amount_variance, d("1.00"));
    w.rule(
        Scope::Vendor,
        1,
        Rule {
            id: 7,
            price_over_pct: Some(d("5")),
            ..Rule::default()
        },
    );
    let out = w.run();
    assert_eq!(status(&out, 1), Status::WithinTolerance);
    assert_eq!(out.lines[0].rule_id, 7);
    assert!(!out.lines[0].hold());
    // an amount cap on the line's variance still bites
    w.rule(
        Scope::Product,
        10,
        Rule {
            id: 8,
            price_over_pct: Some(d("5")),
            amount_over_abs: Some(d("0.50")),
            ..Rule::default()
        },
    );
    assert_eq!(status(&w.run(), 1), Status::PriceAbovePo);
}

#[test]
fn favourable_price_passes_only_when_the_rule_says_so() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5").receive(100, "10");
    w.line(1, 1, 10, 100, 10, "5", "4.50");
    assert_eq!(status(&w.run(), 1), Status::PriceBelowPo);
    w.rule(
        Scope::Company,
        0,
        Rule {
            id: 1,
            allow_favourable: true,
            ..Rule::default()
        },
    );
    assert_eq!(status(&w.run(), 1), Status::PriceFavourable);
}

#[test]
fn box_of_twelve_and_discount_in_normal_form() {
    let mut w = World::default();
    w.po(100, 10, 1, "24", "1.00").receive(100, "24");
    // 2 boxes of 12 at 13.20 a box less 10 % = 0.99 a unit: favourable 0.01
    w.line(1, 1, 10, 100, 10, "2", "13.20").last_line(|l, i| {
        l.uom_ratio[i] = d("12");
        l.discount[i] = d("10");
    });
    w.rule(
        Scope::Company,
        0,
        Rule {
            id: 1,
            allow_favourable: true,
            ..Rule::default()
        },
    );
    let out = w.run();
    assert_eq!(out.lines[0].qty, d("24"));
    assert_eq!(out.lines[0].price, d("0.99"));
    assert_eq!(status(&out, 1), Status::PriceFavourable);
    assert_eq!(out.lines[0].amount_variance, d("-0.24"));
}

#[test]
fn allocation_spreads_oldest_first_and_overflows_on_the_last() {
    let mut w = World::default();
    w.po(200, 10, 5, "4", "5").receive(200, "4");
    w.po(100, 10, 1, "3", "5").receive(100, "3");
    w.po(300, 20, 1, "9", "5").receive(300, "9"); // another product: never used
    w.line(1, 1, 10, 0, 10, "5", "5");
    w.line(2, 2, 11, 0, 10, "3", "5");
    let out = w.run();
    let a: Vec<(i64, i64, Decimal)> = out
        .allocations
        .iter()
        .map(|a| (a.line_id, a.po_line_id, a.qty))
        .collect();
    assert_eq!(
        a,
        vec![(1, 100, d("3")), (1, 200, d("2")), (2, 200, d("3"))]
    );
    assert_eq!(status(&out, 1), Status::Matched);
    assert_eq!(out.lines[0].po_line_id, 100, "largest share, first on ties");
    assert_eq!(status(&out, 2), Status::OverOrdered);
}

#[test]
fn no_po_and_unknown_link() {
    let mut w = World::default();
    w.po(100, 10, 1, "3", "5");
    w.line(1, 1, 10, 0, 99, "1", "5");
    w.line(2, 1, 10, 555, 10, "1", "5");
    w.po(700, 10, 1, "3", "5");
    let n = w.input.po_lines.vendor_id.len() - 1;
    w.input.po_lines.vendor_id[n] = 2; // another vendor's PO line
    w.line(3, 1, 10, 700, 10, "1", "5");
    let out = w.run();
    assert_eq!(status(&out, 1), Status::NoPo);
    assert_eq!(status(&out, 2), Status::NoPo);
    assert!(
        out.explanations[1].contains("555 is not known"),
        "{}",
        out.explanations[1]
    );
    assert_eq!(status(&out, 3), Status::NoPo);
    assert!(out.explanations[2].contains("700 belongs to another vendor"));
}

#[test]
fn credit_notes_and_other_bills_count_in_order() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5").receive(100, "10");
    // another bill (outside the batch) billed 8 before; a later one 5 (after our line)
    for (bill, date, qty) in [(50, 5, "8"), (60, 50, "5")] {
        w.input.billed.po_line_id.push(100);
        w.input.billed.bill_id.push(bill);
        w.input.billed.date.push(date);
        w.input.billed.qty.push(d(qty));
    }
    w.line(1, 1, 10, 100, 10, "4", "5"); // 12 > 10
    assert_eq!(status(&w.run(), 1), Status::OverOrdered);
    // a credit note of 3 before it in the batch brings the total back to 9
    w.line(2, 2, 9, 100, 10, "3", "5")
        .last_line(|l, i| l.is_refund[i] = true);
    let out = w.run();
    assert_eq!(status(&out, 2), Status::CreditNote);
    assert_eq!(out.lines[1].qty, d("-3"));
    assert_eq!(status(&out, 1), Status::Matched);
    assert_eq!(out.lines[0].qty_billed_before, d("5"));
}

#[test]
fn contract_price_is_a_leg_of_its_own() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5.50").receive(100, "10");
    w.line(1, 1, 10, 100, 10, "10", "5.50");
    let c = &mut w.input.contracts;
    for (price, min_qty, start, end) in [
        ("5.00", "1", 0, 20),
        ("4.80", "10", 0, 20),
        ("4.00", "1", 30, 40),
    ] {
        c.vendor_id.push(1);
        c.product_id.push(10);
        c.currency_id.push(1);
        c.price.push(d(price));
        c.min_qty.push(d(min_qty));
        c.date_start.push(start);
        c.date_end.push(end);
    }
    let out = w.run();
    assert_eq!(
        out.lines[0].price_contract,
        Some(d("4.80")),
        "the highest quantity break that applies"
    );
    assert_eq!(status(&out, 1), Status::PriceAboveContract);
}

#[test]
fn duplicate_bill_outranks_everything() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5").receive(100, "10");
    w.line(1, 2, 12, 100, 10, "2", "5");
    for (id, date, r, in_batch) in [(1, 10, "INV-0042", false), (2, 12, "inv42", true)] {
        w.input.bills.push(Bill {
            id,
            vendor_id: 1,
            date,
            reference: r.into(),
            amount: d("10"),
            is_refund: false,
            in_batch,
        });
    }
    let out = w.run();
    assert_eq!(status(&out, 1), Status::Duplicate);
    assert_eq!(out.duplicates.len(), 1);
    assert_eq!(out.duplicates[0].duplicate_of, 1);
}

#[test]
fn bad_input_is_an_input_error_naming_the_field() {
    let mut w = World::default();
    w.po(100, 10, 1, "10", "5");
    w.line(1, 1, 10, 100, 10, "1", "5")
        .last_line(|l, i| l.discount[i] = d("120"));
    let err = run(&w.input, &Options::default()).unwrap_err();
    assert_eq!(
        err,
        Error::input(
            Location::row("lines.discount", 0),
            "must be between 0 and 100, got 120"
        )
    );
    let mut w = World::default();
    w.line(1, 1, 10, 0, 10, "1", "5")
        .line(1, 1, 10, 0, 10, "1", "5");
    assert_eq!(
        run(&w.input, &Options::default()).unwrap_err().code(),
        "invalid_input"
    );
    let mut w = World::default();
    w.line(1, 1, 10, 0, 10, "1", "5");
    w.input.lines.rate.pop();
    assert!(run(&w.input, &Options::default()).is_err());
}

#[test]
fn same_answer_in_parallel_shards() {
    // many vendors so that the parallel path runs; compare with one shard at a time
    let mut w = World::default();
    let mut k = 0;
    for v in 0..60i64 {
        for j in 0..80i64 {
            k += 1;
            let po = v * 1000 + j;
            w.po(po, j % 7, (j % 5) as i32, "10", "5");
            let n = w.input.po_lines.vendor_id.len() - 1;
            w.input.po_lines.vendor_id[n] = v;
            w.receive(po, if j % 3 == 0 { "4" } else { "10" });
            w.line(
                k,
                v * 100 + j % 9,
                (j % 11) as i32,
                if j % 4 == 0 { 0 } else { po },
                j % 7,
                "6",
                if j % 5 == 0 { "5.3" } else { "5" },
            );
            let n = w.input.lines.vendor_id.len() - 1;
            w.input.lines.vendor_id[n] = v;
        }
    }
    assert!(w.input.lines.line_id.len() > crate::pool::INLINE_BELOW);
    let all = w.run();
    let statuses: std::collections::BTreeSet<&str> =
        all.lines.iter().map(|r| r.status.code()).collect();
    assert!(statuses.len() >= 4, "{statuses:?}");
    // vendor by vendor, the same lines get the same answers
    for v in [0i64, 17, 59] {
        let mut one = World::default();
        let keep: Vec<usize> = (0..w.input.lines.line_id.len())
            .filter(|&i| w.input.lines.vendor_id[i] == v)
            .collect();
        macro_rules! take { ($($f:ident),*) => { $( one.input.lines.$f = keep.iter().map(|&i| w.input.lines.$f[i].clone()).collect(); )* } }
        take!(
            line_id,
            bill_id,
            vendor_id,
            company_id,
            product_id,
            category_id,
            level,
            qty,
            uom_ratio,
            qty_rounding,
            price_unit,
            discount,
            currency_id,
            rate,
            date,
            po_line_id,
            is_refund
        );
        one.input.po_lines = w.input.po_lines.clone();
        one.input.receipts = w.input.receipts.clone();
        let part = one.run();
        for (r, &i) in part.lines.iter().zip(&keep) {
            assert_eq!(r, &all.lines[i]);
        }
    }
}

#[test]
fn plain_numbers_print_as_normalised_decimals() {
    let mut values = crate::numeric::tests::edge_decimals();
    values.extend([
        d("-0.50"),
        d("12.000"),
        d("100"),
        d("0.05"),
        d("18446744073709551616.5"),
    ]);
    for k in 1..3000i64 {
        values.push(Decimal::new(k * 104_729, (k % 12) as u32));
        values.push(Decimal::new(-k, 3) / Decimal::from(12));
    }
    for v in values {
        let mut got = String::new();
        write_plain(&mut got, v);
        assert_eq!(got, format!("{}", v.normalize()), "{v:?}");
        let mut price = String::new();
        write_price(&mut price, v);
        assert_eq!(price, format!("{}", v.round_dp(4).normalize()));
    }
}
