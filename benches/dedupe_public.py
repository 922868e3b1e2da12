"""Quality of dedupe_vendors, untuned, on public labelled data (see
public_worlds.py for where each set comes from), beside the unsupervised EM
classifier of the `recordlinkage` package on the same fields, and after a
steward answers the questions the model is least sure of (active learning).
"""

from __future__ import annotations

import time

import public_worlds as pw

import medsync_core as mc


def quality(pred: set, truth: set) -> dict:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}


def _pairs(out: dict, keep) -> set:
    p = out["pairs"]
    return {(a, b) for a, b, pr, bd in zip(p["left_id"], p["right_id"], p["probability"], p["band"], strict=True)
            if keep(pr, bd)}


def em_baseline(records: dict, truth: set, fields: list[str]) -> dict:
    """recordlinkage's ECM classifier, default settings, on every pair (full
    index) compared with Jaro-Winkler >= 0.85 on the same fields."""
    import logging

    import pandas as pd
    import recordlinkage as rl

    logging.getLogger("recordlinkage").setLevel(logging.ERROR)
    df = pd.DataFrame({f: [v[0] if isinstance(v, list) and v else ("" if isinstance(v, list) else v)
                           for v in records[f]] for f in fields}, index=records["id"])
    t0 = time.perf_counter()
    idx = rl.Index()
    idx.full()
    pairs = idx.index(df)
    c = rl.Compare()
    for f in fields:
        c.string(f, f, method="jarowinkler", threshold=0.85, label=f)
    x = c.compute(pairs, df)
    pred = rl.ECMClassifier().fit_predict(x)
    found = {tuple(sorted((int(a), int(b)))) for a, b in pred}
    return {**quality(found, truth), "pairs": len(pairs), "seconds": round(time.perf_counter() - t0, 2)}


def steward(records: dict, truth: set, rounds: int = 2, per_round: int = 10) -> dict:
    """A steward answers `per_round` questions a round, the pairs the model
    is least sure of first (probability nearest 0.5); the run learns from
    every answer so far."""
    labels = {"left_id": [], "right_id": [], "duplicate": []}
    asked = set()
    out = mc.dedupe_vendors(records, keep_all=True)
    for _ in range(rounds):
        p = out["pairs"]
        ranked = sorted(
            (abs(pr - 0.5), a, b) for a, b, pr in zip(p["left_id"], p["right_id"], p["probability"], strict=True)
            if (a, b) not in asked)
        for _, a, b in ranked[:per_round]:
            asked.add((a, b))
            labels["left_id"].append(a)
            labels["right_id"].append(b)
            labels["duplicate"].append((a, b) in truth)
        out = mc.dedupe_vendors(records, keep_all=True, labels=labels)
    return {**quality(_pairs(out, lambda pr, bd: bd == "likely"), truth), "answers": len(asked)}


SETS = [
    ("febrl1", lambda: pw.febrl(1), ["name", "street", "city", "zip"]),
    ("febrl3", lambda: pw.febrl(3), None),
    ("restaurants", pw.restaurants, ["name", "street", "city", "phones"]),
]


def evaluate() -> dict:
    """Every public set: the bands at default settings, the best threshold
    in hindsight, the EM baseline (where it runs on all pairs in seconds),
    and after 20 steward answers."""
    out = {}
    for name, load, em_fields in SETS:
        try:
            records, truth = load()
        except pw.Missing as exc:
            out[name] = {"skipped": str(exc)}
            continue
        t0 = time.perf_counter()
        run = mc.dedupe_vendors(records, keep_all=True)
        row = {
            "records": len(records["id"]), "true_pairs": len(truth), "seconds": round(time.perf_counter() - t0, 3),
            "likely": quality(_pairs(run, lambda pr, bd: bd == "likely"), truth),
            "flagged": quality(_pairs(run, lambda pr, bd: bd in ("likely", "possible")), truth),
            "best_in_hindsight": max(
                ({**quality(_pairs(run, lambda pr, bd, t=t: pr >= t), truth), "threshold": t}
                 for t in (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99)), key=lambda q: q["f1"]),
            "pair_completeness": round(len(_pairs(run, lambda pr, bd: True) & truth) / len(truth), 4),
            "after_20_answers": steward(records, truth),
        }
        if em_fields:
            try:
                row["em_baseline"] = em_baseline(records, truth, em_fields)
            except ImportError as exc:
                row["em_baseline"] = {"skipped": str(exc)}
        out[name] = row
    return out
