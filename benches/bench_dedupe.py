"""Vendor dedupe: medsync_core.dedupe_vendors against an all-pairs comparison
with the same scorer in the plain-Python reference.

    python benches/bench_dedupe.py --size 100000 --reference-size 1000

The labelled world (tests/vendor_world.py) has about 15 % of vendors with
planted duplicates (legal-form swap, typo, trade name, re-typed bank account,
same EIN with abbreviations, lookalike letters) and hard negatives. Printed:
precision, recall and f1 of the likely pairs against the truth (and of
possible-or-likely pairs), pair completeness of the blocking (share of true
pairs among the candidates), the engine time at --size, the ratio against
the all-pairs reference on --reference-size (both timed in this run, scores
asserted equal), and the single-record check of DedupeIndex at --size
(median and p95 over 200 queries).

The weights are learned in every run (`estimate_s`, inside `engine_s`).
Beside the generator, the same call runs untuned on public labelled data
that nobody here wrote (FEBRL person records, Fodor's/Zagat's restaurants:
see benches/public_worlds.py for sources and licences; installed by
`tools/venv.sh bench`), with the unsupervised EM classifier of the
`recordlinkage` package on the same fields as a baseline, and after a
steward answers 20 questions, least sure first (`public` in the JSON line).
"""

import statistics
import time

import dedupe_public
from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import dedupe as ref
from tests.vendor_world import quality, world


def _band(pairs: dict, bands: tuple[str, ...]) -> dict:
    keep = [k for k, b in enumerate(pairs["band"]) if b in bands]
    return {c: [pairs[c][k] for k in keep] for c in ("left_id", "right_id")}


def main():
    p = parser("dedupe", 100_000)
    p.set_defaults(reference_size=1_000)
    args = p.parse_args()
    records, truth = world(args.size, seed=1)
    native_s, out = best_of(args.repeat, lambda: mc.dedupe_vendors(records))
    cand = mc.dedupe_vendors(records, keep_all=True)["pairs"]
    candidates = set(zip(cand["left_id"], cand["right_id"], strict=True))
    likely = quality(_band(out["pairs"], ("likely",)), truth, candidates)
    flagged = quality(_band(out["pairs"], ("likely", "possible")), truth)

    small, _ = world(args.reference_size, seed=2)
    native_ref_s, out_small = best_of(args.repeat, lambda: mc.dedupe_vendors(small))
    reference_s, (expected, _, _) = best_of(1, lambda: ref.all_pairs(small, model=out_small["model"]))
    sp = out_small["pairs"]
    for k in range(len(sp["left_id"])):
        key = (sp["left_id"][k], sp["right_id"][k])
        assert abs(sp["score"][k] - expected[key][0]) <= 1e-9, key
    found = len({(a, b) for a, b in zip(sp["left_id"], sp["right_id"], strict=True)} & set(expected))

    # the check at creation: one record against the index of all others
    # as in Odoo: the index scores with the model the batch run stored
    ix_s, ix = best_of(1, lambda: mc.DedupeIndex(records, model=out["model"]))
    cols = [c for c in records if c != "id"]
    lat = []
    for k in range(200):
        i = (k * 7919) % len(records["id"])
        q = {c: records[c][i] for c in cols}
        t0 = time.perf_counter()
        ix.query(q)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    st = out["stats"]
    public = dedupe_public.evaluate()
    emit("dedupe", args.size, native_s, reference_s, native_ref_s=native_ref_s, reference_size=args.reference_size,
         engine_s=round(st["engine_s"], 6), estimate_s=round(st["estimate_s"], 6), candidates=st["candidates"],
         skipped_groups=st["skipped_groups"],
         by_pass=st["by_pass"], pairs=st["pairs"], true_pairs=len(truth),
         precision=likely["precision"], recall=likely["recall"], f1=likely["f1"],
         pair_completeness=likely["pair_completeness"], flagged_precision=flagged["precision"],
         flagged_recall=flagged["recall"], flagged_f1=flagged["f1"],
         reference_pairs_found=round(found / len(expected), 4) if expected else 1.0,
         signals=len(out["signals"]["kind"]), index_build_s=round(ix_s, 3),
         query_p50_ms=round(statistics.median(lat), 3), query_p95_ms=round(lat[int(len(lat) * 0.95)], 3),
         public=public)


if __name__ == "__main__":
    main()
