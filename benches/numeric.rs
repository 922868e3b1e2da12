//! Criterion benches of the numeric core (pure Rust, no Python).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use medsync_core::numeric::{decimal_from_f64, Precision, RoundingMethod};
use medsync_core::pool::map_ordered;
use rust_decimal::Decimal;

fn amounts(n: usize) -> Vec<Decimal> {
    (0..n as i64)
        .map(|i| Decimal::new((i * 2_654_435_761) % 20_000_001 - 10_000_000, 4))
        .collect()
}

fn bench_round(c: &mut Criterion) {
    let mut g = c.benchmark_group("round");
    g.sample_size(20);
    let cents = Precision::from_step(Decimal::new(1, 2)).unwrap();
    let nickel = Precision::from_step(Decimal::new(5, 2)).unwrap();
    for n in [10_000usize, 1_000_000] {
        let v = amounts(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("cents_half_up", n), &v, |b, v| {
            b.iter(|| map_ordered(v, |_, x| cents.round(*x, RoundingMethod::HalfUp)).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("nickel_half_even", n), &v, |b, v| {
            b.iter(|| map_ordered(v, |_, x| nickel.round(*x, RoundingMethod::HalfEven)).unwrap())
        });
    }
    g.finish();
}

fn bench_from_f64(c: &mut Criterion) {
    let mut g = c.benchmark_group("from_f64");
    g.sample_size(20);
    let n = 1_000_000usize;
    let v: Vec<f64> = (0..n).map(|i| (i as f64) / 7.0 - 1000.0).collect();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new("shortest_repr", n), |b| {
        b.iter(|| {
            v.iter()
                .filter_map(|x| decimal_from_f64(black_box(*x)))
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_round, bench_from_f64);
criterion_main!(benches);
