"""Round and compare N amounts: medsync_core against the plain-Python reference.

    python benches/bench_numeric.py --size 1000000

Data: deterministic amounts with up to 4 decimals, mixed signs, and a second
column offset by sub-cent noise for the comparison. Work per row: round at the
currency step (0.01, HALF-UP) and at a cash step (0.05), and float_compare with
the row's counterpart at 2 digits.
"""

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import numeric as ref


def data(n: int):
    a = [((i * 2654435761) % 20_000_001 - 10_000_000) / 10_000 for i in range(n)]
    b = [x + ((i % 7) - 3) / 1000 for i, x in enumerate(a)]
    return a, b


def native(a, b):
    return (
        mc.round_many(a, precision_rounding=0.01),
        mc.round_many(a, precision_rounding=0.05),
        mc.compare_many(a, b, precision_digits=2),
    )


def reference(a, b):
    return (
        ref.round_many(a, precision_rounding=0.01),
        ref.round_many(a, precision_rounding=0.05),
        ref.compare_many(a, b, precision_digits=2),
    )


def main():
    args = parser("numeric", 1_000_000).parse_args()
    a, b = data(args.size)
    native_s, out = best_of(args.repeat, lambda: native(a, b))
    m = args.reference_size or args.size
    ra, rb = a[:m], b[:m]
    native_ref_s, out_small = best_of(args.repeat, lambda: native(ra, rb))
    reference_s, expected = best_of(1, lambda: reference(ra, rb))
    assert out_small == expected, "native and reference disagree"
    assert [col[:m] for col in out] == list(expected)
    emit("numeric", args.size, native_s, reference_s, native_ref_s=native_ref_s, reference_size=m,
         ops_per_row=3)


if __name__ == "__main__":
    main()
