"""Exclusion screening: medsync_core.screen_vendors on a generated world
against the plain-Python reference with the same rules and blocking.

    python benches/bench_screening.py --size 100000 --reference-size 1000

The world (tests/screening_world.py, fixed seed): ``--size`` vendors and
their principals (1-3 people each) as subjects; 0.8 x size LEIE rows,
1.5 x size SAM rows and 0.15 x size OFAC rows (80,000 / 150,000 / 15,000
for 100,000 vendors) as entries; names with realistic frequencies (so that
namesakes happen as they do), planted hits and near misses. Printed:
``recall`` of the planted hits that keep an address or identifier of the
subject (copies, legal forms, typos, lookalikes, reordered names,
initials, NPI and UEI), ``recall_moved`` of those listed in the same city
at another street or elsewhere (a name alone: the namesake guard weighs
them), ``precision`` (planted hits over all hits: coincidental namesakes
count against) and ``precision_strong``; ``namesake_pairs``: subject-entry
pairs the generator did not plant that share a person's first and last
name or an entity's normalised name, and how many were raised;
``engine_s`` (the engine alone)
and ``native_s`` (the whole call, reading the columns and building the
hits) at ``--size``; the ratio against the reference on
``--reference-size`` vendors (both timed in this run, hits asserted equal).
"""

import math

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import screening as ref
from tests.screening_world import namesakes, quality, world


def _same(got: dict, want: dict) -> None:
    g, w = got["hits"], want["hits"]
    assert [(h["subject"], h["entry"], h["strength"]) for h in g] == [
        (h["subject"], h["entry"], h["strength"]) for h in w
    ]
    for a, b in zip(g, w, strict=True):
        assert [tuple(e) for e in a["evidence"]] == b["evidence"], (a, b)
        assert math.isclose(a["score"], b["score"], rel_tol=0.0, abs_tol=1e-9), (a, b)


def main():
    p = parser("screening", 100_000)
    p.set_defaults(reference_size=1_000)
    args = p.parse_args()
    subjects, entries, truth, near = world(args.size, seed=1)
    engine = []

    def call():
        out = mc.screen_vendors(subjects, entries)
        engine.append((out["engine_s"], out["stats"]))
        return out

    native_s, out = best_of(args.repeat, call)
    q = quality(out["hits"], truth, near)
    q.update(namesakes(subjects, entries, truth, out["hits"]))

    small, small_entries, _, _ = world(args.reference_size, seed=2)
    native_ref_s, out_small = best_of(args.repeat, lambda: mc.screen_vendors(small, small_entries))
    reference_s, expected = best_of(1, lambda: ref.screen(small, small_entries))
    _same(out_small, expected)

    engine_s, st = min(engine, key=lambda x: x[0])  # the phases of the fastest run
    emit("screening", args.size, native_s, reference_s, native_ref_s=native_ref_s,
         reference_size=args.reference_size, engine_s=round(engine_s, 6),
         prepare_s=round(st["prepare_s"], 6), index_s=round(st["index_s"], 6), compare_s=round(st["compare_s"], 6),
         subjects=st["subjects"], entries=st["entries"], candidates=st["candidates"], hits=st["hits"],
         strong=st["strong"], weak=st["weak"], skipped_keys=st["skipped_keys"], planted=len(truth),
         recall=q["recall"], recall_moved=q["recall_moved"], recall_all=q["recall_all"], precision=q["precision"],
         precision_strong=q["precision_strong"], near_misses=len(near), near_misses_raised=q["near_misses_raised"],
         namesake_pairs=q["namesake_pairs"], namesakes_raised=q["namesakes_raised"],
         recall_by_type=q["recall_by_type"])  # fmt: skip


if __name__ == "__main__":
    main()
