"""Exclusion and sanctions list files, read in their published formats.

- OIG LEIE full file (``UPDATED.csv``): a header row LASTNAME, FIRSTNAME,
  MIDNAME, BUSNAME, GENERAL, SPECIALTY, UPIN, NPI, DOB, ADDRESS, CITY, STATE,
  ZIP, EXCLTYPE, EXCLDATE, REINDATE, WAIVERDATE, WVRSTATE; dates YYYYMMDD, all
  zeros meaning empty. It carries no stable id: an entry is known by its names,
  NPI, exclusion type and date.
- SAM.gov exclusions extract (CSV with a header: Classification, Name, Prefix,
  First, Middle, Last, Suffix, Address 1-4, City, State / Province, Country,
  Zip Code, Unique Entity ID, Exclusion Program, Excluding Agency, CT Code,
  Exclusion Type, Active Date, Termination Date ("Indefinite" or a date),
  Record Status, Cross-Reference, SAM Number, CAGE, NPI, Creation_Date...);
  known by its SAM Number.
- OFAC SDN list (``SDN.CSV``, no header: ent_num, SDN_Name, SDN_Type, Program,
  Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks;
  ``-0-`` meaning empty), with its addresses (``ADD.CSV``: ent_num, add_num,
  address, city/state/postal code, country, remarks) when given; known by
  ent_num.

Each entry comes out as the screening engine's columns plus ``key`` (the
identity the next full file is diffed on), ``content`` (a digest of everything
the file says of it: a change of address or a reinstatement is a change),
``row`` (its line in the file, as a spreadsheet shows it), ``program``,
``date_excluded``, ``date_reinstated``, ``date_waiver`` and ``active`` (still
excluded). Dates of birth are read past, never kept.

The standard library only: tested without Odoo (tests/test_screening_lists.py).
"""

import csv
import hashlib
import io
import re
from datetime import date

SOURCES = [("leie", "OIG LEIE"), ("sam", "SAM.gov exclusions"), ("ofac", "OFAC SDN")]
LEIE_COLUMNS = ["LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME", "GENERAL", "SPECIALTY", "UPIN", "NPI", "DOB",
                "ADDRESS", "CITY", "STATE", "ZIP", "EXCLTYPE", "EXCLDATE", "REINDATE", "WAIVERDATE", "WVRSTATE"]
SAM_REQUIRED = ["Classification", "Name", "First", "Middle", "Last", "Address 1", "City", "State / Province",
                "Country", "Zip Code", "Unique Entity ID", "Exclusion Program", "Active Date", "Termination Date",
                "SAM Number", "CAGE", "NPI"]
OFAC_SDN_COLUMNS = 12
ENGINE_COLUMNS = ("kind", "name", "first", "middle", "last", "street", "city", "state", "zip", "country", "npi",
                  "uei", "cage")


class ListError(ValueError):
    """A file that is not the list it claims to be; ``problems`` are
    ``(line, message)`` with lines numbered as a spreadsheet shows them."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {msg}" for line, msg in problems[:20]))


def decode(data):
    """The text of a list file: UTF-8 (with or without its byte order mark), else Latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def digest(*parts):
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _clean(v):
    v = (v or "").strip()
    return "" if v in ("-0-", "-0- ") else v


def _date(v, fmt="%Y%m%d"):
    """YYYYMMDD (LEIE) or MM/DD/YYYY (SAM); all zeros, blank or "Indefinite" → None."""
    v = (v or "").strip()
    if not v or set(v) <= {"0"} or v.lower() == "indefinite":
        return None
    try:
        if fmt == "%Y%m%d":
            return date(int(v[:4]), int(v[4:6]), int(v[6:8]))
        parts = re.split(r"[/-]", v)[:3]
        if len(parts[0]) == 4:  # ISO dates, as some exports write them
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        m, d, y = (int(x) for x in parts)
        return date(y, m, d)
    except (ValueError, IndexError):
        raise ValueError(f"not a date: {v!r}") from None


def _entry(**kw):
    out = {c: kw.get(c, "") or "" for c in ENGINE_COLUMNS}
    out.update({k: kw[k] for k in ("key", "content", "row", "program", "date_excluded", "date_reinstated",
                                   "date_waiver", "active")})
    return out


def _rows(text, header):
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if header:
        return rows[0] if rows else [], [(i + 2, r) for i, r in enumerate(rows[1:]) if any(c.strip() for c in r)]
    return None, [(i + 1, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]


def parse_leie(text, today=None):
    head, rows = _rows(text, True)
    head = [h.strip().upper() for h in head]
    missing = [c for c in LEIE_COLUMNS if c not in head]
    if missing:
        raise ListError([(1, f"not an OIG LEIE file: missing columns {', '.join(missing)}")])
    at = {c: head.index(c) for c in LEIE_COLUMNS}
    out, problems, seen = [], [], {}
    for line, r in rows:
        if len(r) < len(head):
            problems.append((line, f"{len(r)} columns, expected {len(head)}"))
            continue
        v = {c: (r[at[c]] or "").strip() for c in LEIE_COLUMNS}
        try:
            excl, rein, waiver = _date(v["EXCLDATE"]), _date(v["REINDATE"]), _date(v["WAIVERDATE"])
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        business = bool(v["BUSNAME"])
        ident = digest("leie", v["LASTNAME"], v["FIRSTNAME"], v["MIDNAME"], v["BUSNAME"], v["NPI"].lstrip("0"),
                       v["EXCLTYPE"], v["EXCLDATE"])
        n = seen[ident] = seen.get(ident, 0) + 1
        key = ident if n == 1 else f"{ident}#{n}"
        kept = [v[c] for c in LEIE_COLUMNS if c != "DOB"]  # never kept, not even in a digest
        npi = v["NPI"] if v["NPI"].strip("0") else ""
        out.append(_entry(
            key=key, content=digest(*kept), row=line, kind="entity" if business else "individual",
            name=v["BUSNAME"] if business else " ".join(x for x in (v["FIRSTNAME"], v["MIDNAME"], v["LASTNAME"]) if x),
            first="" if business else v["FIRSTNAME"], middle="" if business else v["MIDNAME"],
            last="" if business else v["LASTNAME"], street=v["ADDRESS"], city=v["CITY"], state=v["STATE"],
            zip=v["ZIP"], country="US", npi=npi, program=v["EXCLTYPE"], date_excluded=excl, date_reinstated=rein,
            date_waiver=waiver, active=not (rein and rein <= (today or date.today()))))
    if problems:
        raise ListError(problems)
    return out


def parse_sam(text, today=None):
    head, rows = _rows(text, True)
    head = [h.strip() for h in head]
    missing = [c for c in SAM_REQUIRED if c not in head]
    if missing:
        raise ListError([(1, f"not a SAM.gov exclusions extract: missing columns {', '.join(missing)}")])
    at = {c: i for i, c in enumerate(head)}
    today = today or date.today()
    out, problems = [], []
    for line, r in rows:
        if len(r) < len(SAM_REQUIRED):
            problems.append((line, f"{len(r)} columns, expected {len(head)}"))
            continue
        v = {c: (r[i] if i < len(r) else "").strip() for c, i in at.items()}
        try:
            active_date, end = _date(v["Active Date"], "mdy"), _date(v["Termination Date"], "mdy")
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        cls = v["Classification"].lower()
        kind = "individual" if cls == "individual" else "other" if cls in ("vessel", "aircraft") else "entity"
        street = ", ".join(x for x in (v.get(f"Address {i}", "") for i in range(1, 5)) if x)
        name = v["Name"] or " ".join(x for x in (v["First"], v["Middle"], v["Last"]) if x)
        key = v["SAM Number"] or digest("sam", name, v["Unique Entity ID"], v["Active Date"])
        status = v.get("Record Status", "").lower()
        out.append(_entry(
            key=key, content=digest(*(v[c] for c in head)), row=line, kind=kind, name=name, first=v["First"],
            middle=v["Middle"], last=v["Last"], street=street, city=v["City"], state=v["State / Province"],
            zip=v["Zip Code"], country=_country(v["Country"]), npi=v["NPI"], uei=v["Unique Entity ID"],
            cage=v["CAGE"], program=v["Exclusion Program"] or v.get("Exclusion Type", ""),
            date_excluded=active_date, date_reinstated=end if end and end <= today else None, date_waiver=None,
            active=status != "inactive" and not (end and end <= today)))
    if problems:
        raise ListError(problems)
    return out


def _country(v):
    v = (v or "").strip().upper()
    return {"USA": "US", "UNITED STATES": "US"}.get(v, v[:2] if len(v) == 2 else v)


def _ofac_addresses(text):
    by_ent = {}
    if not text:
        return by_ent
    for line, r in _rows(text, False)[1]:
        if len(r) < 5:
            raise ListError([(line, f"{len(r)} columns, expected 6 (ADD.CSV: ent_num, add_num, address, "
                                    "city/state/zip, country, remarks)")])
        city_zip = _clean(r[3])
        m = re.search(r"(\d{5})(?:-\d{4})?\s*$", city_zip)
        by_ent.setdefault(r[0].strip(), {"street": _clean(r[2]), "city": city_zip, "zip": m.group(1) if m else "",
                                         "country": _clean(r[4])})
    return by_ent


def parse_ofac(text, addresses=None):
    _head, rows = _rows(text, False)
    where = _ofac_addresses(addresses)
    out, problems = [], []
    for line, r in rows:
        if r and r[0].strip().startswith("\x1a"):  # the DOS end-of-file mark the list ends with
            continue
        if len(r) < OFAC_SDN_COLUMNS:
            problems.append((line, f"{len(r)} columns, expected {OFAC_SDN_COLUMNS} (SDN.CSV)"))
            continue
        ent, name, sdn_type, program = r[0].strip(), _clean(r[1]), _clean(r[2]).lower(), _clean(r[3])
        if not ent.isdigit():
            problems.append((line, f"ent_num {ent!r} is not a number"))
            continue
        kind = "individual" if sdn_type == "individual" else "other" if sdn_type in ("vessel", "aircraft") \
            else "entity"
        last, first = "", ""
        if kind == "individual" and "," in name:
            last, first = (x.strip() for x in name.split(",", 1))
        addr = where.get(ent, {})
        out.append(_entry(
            key=ent, content=digest(*(_clean(c) for c in r), *addr.values()), row=line, kind=kind, name=name,
            first=first, last=last, street=addr.get("street", ""), city=addr.get("city", ""),
            zip=addr.get("zip", ""), country=addr.get("country", ""), program=program, date_excluded=None,
            date_reinstated=None, date_waiver=None, active=True))
    if problems:
        raise ListError(problems)
    return out


def parse(source, data, addresses=None, today=None):
    text = decode(data)
    if source == "leie":
        return parse_leie(text, today)
    if source == "sam":
        return parse_sam(text, today)
    if source == "ofac":
        return parse_ofac(text, decode(addresses) if addresses else None)
    raise ListError([(0, f"unknown list {source!r}")])


def diff(previous, entries):
    """``previous``: {key: content digest} of the list's current entries;
    returns (new, changed, removed) keys of a new full file."""
    now = {e["key"]: e["content"] for e in entries}
    new = [k for k in now if k not in previous]
    changed = [k for k in now if k in previous and previous[k] != now[k]]
    removed = [k for k in previous if k not in now]
    return new, changed, removed
