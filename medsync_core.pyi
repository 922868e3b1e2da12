"""Type stubs for the medsync_core extension (Rust, pyo3)."""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, NamedTuple, TypedDict

__version__: str

Number = float | int | str | Decimal
RoundingMethod = Literal["HALF-UP", "HALF-DOWN", "HALF-EVEN", "UP", "DOWN"]

class MedsyncError(Exception):
    """Base class of every medsync_core error. Read the attributes, never
    parse ``str(exc)`` (which puts the location before the message)."""

    code: str
    """A stable code: invalid_input, numeric_overflow, internal_error."""
    field: str | None
    """The input field at fault, or a document's path (``documents``, ``$``)."""
    row: int | None
    """The row of a column input, where there is one."""
    rule: str | None
    """The rule broken, where the error names one (a document's ``required``...)."""
    message: str
    """What is wrong, without the location."""

class InputError(MedsyncError, ValueError):
    """Bad input; ``field`` and ``row`` say where, ``rule`` which rule."""

class EngineError(MedsyncError, RuntimeError):
    """A bug in the engine (never the caller's fault)."""

def thread_count() -> int: ...
def float_round(
    value: Number,
    precision_digits: int | None = None,
    precision_rounding: Number | None = None,
    rounding_method: RoundingMethod = "HALF-UP",
) -> float: ...
def float_compare(
    value1: Number,
    value2: Number,
    precision_digits: int | None = None,
    precision_rounding: Number | None = None,
) -> int: ...
def float_is_zero(
    value: Number, precision_digits: int | None = None, precision_rounding: Number | None = None
) -> bool: ...
def round_many(
    values: Iterable[Number],
    precision_digits: int | None = None,
    precision_rounding: Number | None = None,
    rounding_method: RoundingMethod = "HALF-UP",
) -> list[float]: ...
def compare_many(
    values1: Iterable[Number],
    values2: Iterable[Number],
    precision_digits: int | None = None,
    precision_rounding: Number | None = None,
) -> list[int]: ...
def is_zero_many(
    values: Iterable[Number], precision_digits: int | None = None, precision_rounding: Number | None = None
) -> list[bool]: ...
def convert_uom(
    quantities: Iterable[Number],
    from_factor: Number | Sequence[Number],
    to_factor: Number | Sequence[Number],
    rounding: Number | None = None,
    rounding_method: RoundingMethod = "UP",
) -> list[float]: ...
def convert_currency(
    amounts: Iterable[Number], rates: Number | Sequence[Number], rounding: Number | None = None
) -> list[float]: ...

Columns = Mapping[str, Sequence[Any]]

def match_bills(
    lines: Columns,
    po_lines: Columns,
    receipts: Columns | None = None,
    billed: Columns | None = None,
    contracts: Columns | None = None,
    rules: Columns | None = None,
    bills: Columns | None = None,
    *,
    price_digits: int = 4,
    amount_rounding: Number | None = None,
    duplicate_amount_pct: Number | None = None,
    duplicate_days: int = 45,
) -> dict[str, Any]:
    """Three-way matching; see docs/engines.md "Three-way matching" for the columns and rules."""

NO_DATE: int
"""Day number meaning "no date" in reconcile_stock's date columns."""

def reconcile_stock(
    snapshot: Columns,
    locations: Columns,
    codes: Columns,
    products: Columns,
    packs: Columns | None = None,
    lots: Columns | None = None,
    quants: Columns | None = None,
    moves: Columns | None = None,
    rules: Columns | None = None,
    *,
    as_of: int,
    full: bool = False,
    timing_window: int = 3600,
    value_rounding: Number | None = None,
) -> dict[str, Any]:
    """Inventory reconciliation. Columns:
    snapshot: location_code, product_code, qty, [code_kind, lot, expiry (date/day number/None), unit];
    locations: location_id, [code, counted]; codes: code, product_id, [kind, factor];
    products: product_id, [category_id, risk_class, cost, rounding, tracked];
    packs: [product_id, unit, factor]; lots: [lot_id, product_id, name, expiry];
    quants: [location_id, product_id, lot_id, qty];
    moves: [location_id, location_dest_id, product_id, lot_id, qty, date (epoch seconds)];
    rules: [rule_id, location_id, category_id, risk_class, auto_qty, auto_pct, auto_value, four_eyes_value].
    as_of is the count time in epoch seconds (UTC). Returns rows (status, location_id, product_id,
    lot_id, qty, key) and keys (one per location, product and lot; see docs/engines.md) as columns, and stats."""

def parse_barcode(text: str, kind: str = "gs1", reference_year: int | None = None) -> dict[str, Any]:
    """GS1 element string or HIBC LIC bar code -> product, lot, expiry, serial, quantity."""

def gtin14(code: str) -> str:
    """A GTIN-8/12/13/14 with a valid check digit, as 14 digits."""

def valid_gln(code: str) -> bool: ...

# --- vendor dedupe -----------------------------------------------------------

def dedupe_vendors(
    records: Mapping[str, Sequence[Any]],
    *,
    likely: float = 0.5,
    possible: float = 0.1,
    min_population: int = 10_000,
    max_cluster: int = 25,
    min_density: float = 0.5,
    spend_threshold: Number | None = None,
    keep_all: bool = False,
    model: Mapping[str, Any] | None = None,
    labels: Mapping[str, Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """Columns in (id, name, trade_name, street, city, zip, country, phones,
    email, website, ids, banks, kind, spend, changed); tables out: pairs
    (with score in bits and probability), evidence, records, invalid,
    signals, the model (learned from the records and ``labels`` =
    left_id/right_id/duplicate, unless ``model`` is given) and stats.
    ``likely``/``possible`` are match probabilities."""

def normalize_vendor(name: str) -> dict[str, str]: ...
def check_identifier(scheme: str, value: str) -> tuple[str, Literal["valid", "format", "invalid"]]: ...
def normalize_phone(text: str, country: str = "") -> str: ...

class DedupeIndex:
    def __init__(
        self, records: Mapping[str, Sequence[Any]], *, likely: float = 0.5, possible: float = 0.1,
        min_population: int = 10_000, model: Mapping[str, Any] | None = None,
    ) -> None: ...
    def set_model(self, model: Mapping[str, Any]) -> None: ...
    def model(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...
    def upsert(self, records: Mapping[str, Sequence[Any]]) -> int: ...
    def remove(self, ids: Iterable[int]) -> int: ...
    def query(
        self, record: Mapping[str, Any], *, limit: int = 10, min_probability: float | None = None
    ) -> list[dict[str, Any]]: ...

# --- exclusion screening ------------------------------------------------------

class ScreeningHit(TypedDict):
    """One hit of ``screen_vendors``."""

    subject: int
    entry: int
    source: Literal["leie", "sam", "ofac"]
    score: float
    """In [0, 1]: 1 for an equal identifier, else 0.75 x name similarity
    + 0.25 x address (1 very close, 0.5 same ZIP or city), less 0.25 for a
    contradicting identifier."""
    strength: Literal["strong", "weak"]
    evidence: list[tuple[str, str, str]]
    """``(field, level, text)``: field npi, uei, cage, name, street, zip,
    city or country; level equal, different, exact, very_close, close,
    partial, uncommon or similar; text for people ("NPI equal", "name 0.97
    similar", "last name equal, first name initial", "same ZIP")."""

class ScreeningStats(TypedDict):
    subjects: int
    entries: int
    candidates: int
    """Subject-entry pairs compared (each once)."""
    hits: int
    strong: int
    weak: int
    skipped_keys: int
    """Blocking keys shared by too many entries (their entries stay reachable)."""
    threads: int
    prepare_s: float
    index_s: float
    compare_s: float

class ScreeningResult(TypedDict):
    hits: list[ScreeningHit]
    """Sorted by subject, then score (best first), then entry."""
    stats: ScreeningStats
    engine_s: float
    """The engine alone, GIL released (seconds)."""

def screen_vendors(
    subjects: Mapping[str, Sequence[Any]],
    entries: Mapping[str, Sequence[Any]],
    *,
    min_score: float | None = None,
) -> ScreeningResult:
    """Screen vendors and their principals against exclusion and sanctions
    list entries (OIG LEIE, SAM.gov, OFAC SDN) in one call. Columns: ``id``
    (required, positive, unique), ``kind`` (required: "entity" or
    "individual"; entries also "other" for vessels and aircraft), ``name``
    (an entity's name, or a person's on one line when ``last`` is empty),
    ``first``, ``middle``, ``last``, ``street``, ``city``, ``state``,
    ``zip``, ``country``, ``npi``, ``uei``, ``cage``; entries also
    ``source`` (required: "leie", "sam" or "ofac"). Unknown columns are
    refused. Hits scoring below ``min_score`` are left out. The rules are
    in docs/engines.md (Screening)."""

# ---------------------------------------------------------------- hub documents

class Problem(NamedTuple):
    """A document's problem (a named tuple: it unpacks as three values)."""

    path: str
    """``lines[2].qty``; ``$`` for the document itself."""
    rule: str
    """A stable code: json, type, required, unknown_field, min, decimals..."""
    message: str

def validate_documents(
    doc_type: str, bodies: Sequence[bytes], version: int = 1
) -> list[tuple[str | None, str | None, list[Problem]]]:
    """Validate JSON bodies of one document type: per body ``(canonical_json,
    sha256_hex, problems)``; the first two are None when it is invalid."""

def validate_envelope(
    doc_type: str, body: bytes, version: int = 1
) -> list[tuple[str | None, str | None, str | None, list[Problem]]]:
    """Validate a batch envelope ``{"documents": [{"idempotency_key", "document"}]}``:
    per document ``(key, canonical_json, sha256_hex, problems)``. A bad
    envelope raises InputError (``field`` is the path, ``rule`` the rule)."""

def document_types() -> dict[str, list[int]]:
    """Document types and their schema versions."""
