"""Shared bench plumbing: timing, the closing JSON line, repo imports.

Every Python bench prints, as its last line, one JSON object with at least
``bench``, ``size``, ``native_s``, ``reference_s``, ``speedup`` and ``rows_per_s``;
the reference is the plain-Python implementation of the same rules, run in the
same process on the same data, and both results are asserted equal first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parser(bench: str, default_size: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=f"MedSync bench: {bench}")
    p.add_argument("--size", type=int, default=default_size, help="rows (default %(default)s)")
    p.add_argument("--repeat", type=int, default=3, help="native runs, best kept (default %(default)s)")
    p.add_argument(
        "--reference-size", type=int, default=None,
        help="rows for the (slow) reference; the native engine is also timed on that size for the ratio",
    )
    return p


def best_of(repeat: int, fn):
    best, result = None, None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, result


def emit(bench: str, size: int, native_s: float, reference_s: float, *, native_ref_s: float | None = None,
         reference_size: int | None = None, **extra) -> None:
    """Print the closing JSON line. ``speedup`` compares the two on the same rows:
    on ``reference_size`` rows when the reference ran on fewer rows than ``size``."""
    same_rows_native = native_ref_s if native_ref_s is not None else native_s
    line = {
        "bench": bench,
        "size": size,
        "native_s": round(native_s, 6),
        "reference_s": round(reference_s, 6),
        "speedup": round(reference_s / same_rows_native, 2) if same_rows_native > 0 else None,
        "rows_per_s": round(size / native_s) if native_s > 0 else None,
        "reference_size": reference_size or size,
        "threads": int(os.environ.get("MEDSYNC_THREADS") or 0) or os.cpu_count(),
        **extra,
    }
    print(json.dumps(line))
