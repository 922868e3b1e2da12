//! Criterion bench of the matching engine (pure Rust, no Python): a
//! deterministic world like benches/bench_match.py's.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use medsync_core::matching::tolerance::{Rule, Scope};
use medsync_core::matching::{run, Input, Level, Options};
use rust_decimal::Decimal;

pub fn world(n: usize) -> Input {
    let mut w = Input::default();
    let vendors = (n / 50).max(1) as i64;
    for i in 0..n as i64 {
        let h = (i.wrapping_mul(2_654_435_761)) & 0xFFFF_FFFF;
        let vendor = i % vendors + 1;
        let product = h % 400 + 1;
        let po = 10_000_000 + i;
        let ordered = Decimal::from(h % 40 + 5);
        let price = Decimal::new(100 + h % 9000, 2);
        let p = &mut w.po_lines;
        p.po_line_id.push(po);
        p.vendor_id.push(vendor);
        p.product_id.push(product);
        p.order_date.push(20_000 + (h % 60) as i32);
        p.qty_ordered.push(ordered);
        p.price_unit.push(price);
        p.discount.push(Decimal::ZERO);
        p.uom_ratio.push(Decimal::ONE);
        p.currency_id.push(1);
        p.rate.push(Decimal::ONE);
        p.qty_consumed.push(Decimal::ZERO);
        let received = ordered - Decimal::from(if h % 5 == 0 { h % 3 } else { 0 });
        let half = (received / Decimal::TWO).floor();
        for q in [half, received - half] {
            w.receipts.po_line_id.push(po);
            w.receipts.qty.push(q);
            w.receipts.date.push(20_070);
        }
        let l = &mut w.lines;
        l.line_id.push(i + 1);
        l.bill_id.push(vendor * 1000 + (i / vendors) / 4);
        l.vendor_id.push(vendor);
        l.company_id.push(1);
        l.product_id.push(product);
        l.category_id.push(product % 20 + 1);
        l.level.push(if h % 23 == 0 {
            Level::TwoWay
        } else {
            Level::ThreeWay
        });
        l.qty
            .push(ordered - Decimal::from(if h % 7 == 0 { 1 } else { 0 }));
        l.uom_ratio.push(Decimal::ONE);
        l.qty_rounding.push(Decimal::new(1, 2));
        l.price_unit.push(if h % 9 == 0 {
            price * Decimal::new(103, 2)
        } else {
            price
        });
        l.discount.push(Decimal::ZERO);
        l.currency_id.push(1);
        l.rate.push(Decimal::ONE);
        l.date.push(20_080 + (h % 20) as i32);
        l.po_line_id.push(if h % 5 == 1 { 0 } else { po });
        l.is_refund.push(h % 97 == 0);
    }
    w.rules.push(
        1,
        Scope::Company,
        0,
        Rule {
            id: 1,
            qty_over_pct: Some(Decimal::TWO),
            price_over_pct: Some(Decimal::ONE),
            allow_favourable: true,
            ..Rule::default()
        },
    );
    w
}

fn bench_match(c: &mut Criterion) {
    let mut g = c.benchmark_group("match");
    g.sample_size(10);
    for n in [10_000usize, 200_000] {
        let w = world(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("bill_lines", n), &w, |b, w| {
            b.iter(|| run(w, &Options::default()).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_match);
criterion_main!(benches);
