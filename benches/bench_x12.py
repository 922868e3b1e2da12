"""X12 scan: medsync_core.x12_scan on a ~100 MB file against pyx12's tokenizer.

    python benches/bench_x12.py --mb 100

A deterministic file of 5010 interchanges, each with an IN group of 810
invoices (12 lines with descriptions, terms, a charge and an allowance) and an
SH group of 856 ship notices (a shipment, an order, 6 packs with an SSCC and
an item each: GTIN, lot, expiry), 250 sets a group, until the file reaches
``--mb`` megabytes (about 30,000 segments a megabyte).

Printed: ``engine_s`` (x12_scan's engine alone: lexing, envelopes, counts and
control numbers, every set validated against its schema, best run),
``native_s`` (the whole Python call), ``segments``, ``mb``, and ``speedup``:
pyx12's tokenizer (``RawX12File`` splitting the segments and
``pyx12.segment.Segment`` splitting each into elements and components) on the
same file, over ``native_s``. When pyx12 would take more than about three
minutes it is timed on a ``--pyx12-mb`` prefix and scaled linearly (``note``
says so). First, on one interchange, the engine's scan is asserted equal to
the plain-Python reference's and its segment count to pyx12's.
"""

import io
import time

from _harness import best_of, emit, parser

import medsync_core as mc
from tests.reference import x12 as ref

ISA = "ISA*00*          *00*          *ZZ*VENDOR         *ZZ*MEDSYNC        *260304*1230*^*00501*{:09d}*0*P*>~\n"
SETS_PER_GROUP = 250
GTINS = ["00012345678905", "10614141000415", "00614141999996"]


def invoice(n: int) -> list[str]:
    segs = [f"BIG*20260301*INV-{n}**PO-{n % 9973}", "CUR*SE*USD", "ITD*01*3*2**10**30"]
    for k in range(12):
        segs.append(f"IT1*{k + 1}*{(n + k) % 50 + 1}*EA*{(k * 7) % 90 + 1}.25**VN*GZ-{(n * 13 + k) % 5000}")
        segs.append("PID*F****Gauze sponge 4x4 sterile")
    segs += ["TDS*1234567", "SAC*C*D240***1500", "SAC*A*C310***200**********Promo", "CTT*12"]
    return segs


def ship_notice(n: int) -> list[str]:
    segs = [f"BSN*00*SH-{n}*20260304*1200*0001", "HL*1**S", "TD5**2*UPSN", f"REF*CN*1Z{n:010d}",
            "HL*2*1*O", f"PRF*PO-{n % 9973}"]
    hl = 2
    for k in range(6):
        segs += [f"HL*{hl + 1}*2*P", "MAN*GM*106141411234567897",
                 f"HL*{hl + 2}*{hl + 1}*I", f"LIN*{k + 1}*UK*{GTINS[(n + k) % 3]}*LT*L{n % 997}",
                 f"SN1**{k + 1}*EA", "DTM*036*20271231"]
        hl += 2
    segs.append(f"CTT*{hl}")
    return segs


def one_set(set_id: str, control: int, body: list[str]) -> str:
    ctl = f"{control:04d}"
    segs = [f"ST*{set_id}*{ctl}", *body, f"SE*{len(body) + 2}*{ctl}"]
    return "~\n".join(segs) + "~\n"


def interchange(k: int, n: int) -> tuple[str, int]:
    """Interchange ``k``, its sets numbered from ``n``; the next set number."""
    parts = [ISA.format(k)]
    for g, (fid, set_id, make) in enumerate((("IN", "810", invoice), ("SH", "856", ship_notice))):
        gc = 2 * k + g
        parts.append(f"GS*{fid}*VENDOR*MEDSYNC*20260304*1230*{gc}*X*005010~\n")
        for s in range(SETS_PER_GROUP):
            parts.append(one_set(set_id, s + 1, make(n)))
            n += 1
        parts.append(f"GE*{SETS_PER_GROUP}*{gc}~\n")
    parts.append(f"IEA*2*{k:09d}~\n")
    return "".join(parts), n


def build(mb: float) -> bytes:
    out, size, k, n = [], 0, 1, 1
    while size < mb * 1_000_000:
        text, n = interchange(k, n)
        out.append(text)
        size += len(text)
        k += 1
    return "".join(out).encode()


def pyx12_tokenize(data: bytes) -> int:
    from pyx12.rawx12file import RawX12File
    from pyx12.segment import Segment

    raw = RawX12File(io.StringIO(data.decode("ascii")))
    seg_term, ele_term, subele_term, _eol, _rep = raw.get_term()
    n = 0
    for line in raw:
        Segment(line, seg_term, ele_term, subele_term)
        n += 1
    return n


def main():
    p = parser("x12", 0)
    p.add_argument("--mb", type=float, default=100.0, help="file size in MB (default %(default)s)")
    p.add_argument("--pyx12-mb", type=float, default=10.0, help="prefix pyx12 is timed on when the whole file "
                   "would take it more than --pyx12-budget seconds (default %(default)s)")
    p.add_argument("--pyx12-budget", type=float, default=180.0)
    args = p.parse_args()

    small, _ = interchange(1, 1)
    small = small.encode()
    got = mc.x12_scan(small)
    assert {k: v for k, v in got.items() if k != "engine_s"} == ref.scan(small)
    assert got["rejected"] == 0 and got["sets"] == 2 * SETS_PER_GROUP
    assert pyx12_tokenize(small) == got["segments"]

    t0 = time.perf_counter()
    data = build(args.mb)
    build_s = time.perf_counter() - t0
    runs = []

    def once():
        out = mc.x12_scan(data)
        runs.append(out["engine_s"])
        return out

    native_s, out = best_of(args.repeat, once)
    engine_s = min(runs)
    assert out["rejected"] == 0 and out["errors"] == 0, "the generated file must be clean"

    # pyx12 on a prefix first: the whole file only if it fits the budget
    prefix_mb = min(args.pyx12_mb, args.mb)
    cut = data.rfind(b"IEA*", 0, int(prefix_mb * 1_000_000))
    prefix = data[: data.index(b"\n", cut) + 1]
    t0 = time.perf_counter()
    prefix_segments = pyx12_tokenize(prefix)
    prefix_s = time.perf_counter() - t0
    estimate = prefix_s * len(data) / len(prefix)
    if estimate <= args.pyx12_budget:
        t0 = time.perf_counter()
        assert pyx12_tokenize(data) == out["segments"]
        pyx12_s, note = time.perf_counter() - t0, "pyx12 timed on the whole file"
    else:
        pyx12_s = estimate
        note = (f"pyx12 timed on a {len(prefix) / 1e6:.1f} MB prefix ({prefix_segments} segments, "
                f"{prefix_s:.1f} s) and scaled linearly to the whole file (about {estimate:.0f} s)")
    mb = len(data) / 1e6
    emit("x12", out["segments"], native_s, pyx12_s, engine_s=round(engine_s, 6), segments=out["segments"],
         mb=round(mb, 1), interchanges=out["interchanges"], sets=out["sets"], build_s=round(build_s, 2),
         engine_mb_per_s=round(mb / engine_s, 1), note=note,
         targets={"engine_s": "< 1", "speedup": ">= 50"},
         targets_met={"engine_s": engine_s < 1.0, "speedup": pyx12_s / native_s >= 50})


if __name__ == "__main__":
    main()
