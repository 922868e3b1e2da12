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

# --- cabinet consumption -------------------------------------------------------

ConsumptionStatus = Literal[
    "mapped", "duplicate", "invalid", "unknown_cabinet", "unknown_product", "bad_unit", "lot_required", "unknown_lot"
]

class ConsumptionEvents(TypedDict):
    """One row per input event, in input order."""

    status: list[ConsumptionStatus]
    """The first fault found (see docs/engines.md "Cabinet consumption" for the order), else mapped."""
    location_id: list[int]
    """0 when not found: an event is looked at until its first fault."""
    product_id: list[int]
    lot_id: list[int]
    lot: list[str]
    """The lot name used: the event's, or its bar code's ("" for a product not tracked by lot)."""
    qty: list[str]
    """In the product's unit, rounded to its rounding (HALF-UP), shortest exact text; "0" unless mapped."""
    expired: list[bool]
    """Mapped, and its expiry (the event's or its bar code's, else its lot's) is before the event's UTC day."""
    recalled: list[bool]
    """Mapped, and its product (lot "" in recalls) or its product and lot is recalled."""
    group: list[int]
    """Row in groups, -1 unless mapped."""
    message: list[str]
    """For a person, starting with the field at fault ("qty: must be a number greater than 0"); "" when mapped."""

class ConsumptionGroups(TypedDict):
    """The moves: one per (location, product, lot, kind, department) of the on-time mapped events, one per late
    event; ordered by (date, first)."""

    location_id: list[int]
    product_id: list[int]
    lot_id: list[int]
    lot: list[str]
    kind: list[Literal["issue", "return", "waste", "restock"]]
    department: list[str]
    qty: list[str]
    """The sum of its events' quantities."""
    date: list[int]
    """Epoch seconds: its latest event's time (a late event: its own)."""
    late: list[bool]
    events: list[int]
    """Number of events."""
    first: list[int]
    """Row of its first event."""

class ConsumptionStats(TypedDict):
    events: int
    mapped: int
    duplicates: int
    unmapped: int
    """Neither mapped nor duplicates."""
    expired: int
    recalled: int
    groups: int
    late: int

class ConsumptionResult(TypedDict):
    events: ConsumptionEvents
    groups: ConsumptionGroups
    stats: ConsumptionStats
    engine_s: float
    """The engine alone, GIL released (seconds)."""

def consumption(
    events: Columns,
    locations: Columns,
    codes: Columns,
    products: Columns,
    packs: Columns | None = None,
    lots: Columns | None = None,
    recalls: Columns | None = None,
    *,
    today: str,
    late_after: int = 3600,
    reference_year: int | None = None,
) -> ConsumptionResult:
    """Validate, map and group supply cabinet usage events into moves, in one call for the batch. Tables are
    dicts of equal-length columns ([optional, default]); decimals str, Decimal, int or float; dates "YYYY-MM-DD"
    or ""; times epoch seconds. Columns:
    events: cabinet (a location code or GLN), event_id, time, product, [code_kind ""] ("": ref, vendor, then gtin
    for digits, gs1 for "01"/"(01)", hibc for "+"; or ref, vendor, gtin, gs1, hibc), [lot ""], [expiry ""], qty
    (> 0), [unit ""] ("": the product's unit, else a pack unit), kind (issue, return, waste, restock),
    [department ""];
    locations: location_id, [code ""] (several codes may name one location); codes: code, product_id, [kind "ref",
    factor 1] and packs: [product_id 0, unit, factor 1] as reconcile_stock's; products: product_id,
    [rounding 0.01, tracked True]; lots: [lot_id, product_id, name, expiry ""]; recalls: [product_id, lot ""]
    (lot "": every lot). today places bar codes' two-digit years (or reference_year); expiry is judged against
    each event's own UTC day. An event earlier than its location's latest mapped event of the batch less
    late_after seconds is late: a move of its own. A bad value in an event is its status and message; a
    structurally bad table (missing, unknown, ragged or mistyped column), a bad master row (a code mapped twice,
    a bad GTIN, a rounding of 0, a lots.expiry that is no date), a bad today or a negative late_after raises
    InputError with field and row. The contract is in docs/engines.md ("Cabinet consumption")."""

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

# --- supplier scorecards -----------------------------------------------------

ScorecardComponent = Literal[
    "otif", "fill_rate", "ack_on_time", "asn_accuracy", "price_accuracy", "first_pass", "returns", "backorders"
]

class ScorecardOptions(TypedDict, total=False):
    """Every key optional; a key given as None keeps its default; an unknown key is refused."""

    as_of: int
    """UTC epoch seconds (default: now). Events after it are ignored; what is due is judged at it."""
    tz: Sequence[tuple[int, int]]
    """``(utc_from, offset_s)`` sorted by ``utc_from``: the company's UTC offset from each instant on
    (DST changes); none: UTC. Every day and month is a local one."""
    target: Literal["first_promised", "last_acknowledged"]
    """The date a line is judged against (default first_promised)."""
    early_days: int
    """The on-time window is [target day - early_days, target day + late_days] (default 3)."""
    late_days: int
    """Default 0."""
    qty_tolerance: Number
    """Percent (default 0): in full, filled, ship notice accurate within it."""
    price_tolerance: Number
    """Percent (default 0)."""
    ack_hours: int
    """The acknowledgement target (default 24)."""
    weights: Mapping[ScorecardComponent, float]
    """Default otif 30, fill_rate 15, ack_on_time 10, asn_accuracy 10, price_accuracy 15, first_pass
    10, returns 5, backorders 5; components not named weigh 0; must sum to 100 (rule bad_weights)."""
    decay: float
    """In (0, 1] (default 0.7): the weight of month m-k in month m's score is decay**k."""
    window: int
    """Months in a score (default 6)."""
    thresholds: tuple[float, float, float]
    """(excellent, good, poor), descending (default (90, 80, 65))."""
    min_lines: int
    """Fewer due lines in the window: standing not_rated (default 5)."""
    by_category: bool
    """Also rows per (vendor, category) for category != 0 (default False)."""

class ScorecardRows(TypedDict):
    """Columns of equal length, rows sorted by (vendor, category, month). Rates are percents
    (100.0 * a / b), None when b is 0."""

    vendor: list[int]
    category: list[int]
    """0: all the vendor's lines."""
    month: list[str]
    """Local month, "YYYY-MM"."""
    lines_due: list[int]
    lines_otif: list[int]
    lines_filled: list[int]
    lines_backordered: list[int]
    lines_received: list[int]
    lead_time_days: list[float | None]
    lead_time_std_days: list[float | None]
    """Population standard deviation."""
    lines_sent: list[int]
    """Sent lines acknowledged, or whose acknowledgement is overdue at as_of."""
    lines_acked: list[int]
    lines_ack_on_time: list[int]
    ack_latency_hours: list[float | None]
    asn_groups: list[int]
    asn_accurate: list[int]
    bill_lines: list[int]
    bill_accurate: list[int]
    billed_over_po: list[int]
    po_over_contract: list[int]
    match_lines: list[int]
    match_first_pass: list[int]
    lines_returned: list[int]
    otif: list[float | None]
    fill_rate: list[float | None]
    backorder_rate: list[float | None]
    ack_on_time: list[float | None]
    asn_accuracy: list[float | None]
    price_accuracy: list[float | None]
    first_pass: list[float | None]
    return_rate: list[float | None]
    month_score: list[float | None]
    score: list[float | None]
    standing: list[Literal["excellent", "good", "poor", "very_poor", "not_rated"]]

class ScorecardStats(TypedDict):
    lines: int
    cancelled: int
    acks: int
    """Events used (of lines not cancelled, at or before as_of); likewise receipts, asns, bills."""
    receipts: int
    asns: int
    bills: int
    ignored: int
    """Events after as_of or of a cancelled line."""
    vendors: int
    pickings: int
    """Pickings with a ship notice line."""
    rows: int
    threads: int
    check_s: float
    group_s: float
    score_s: float
    read_s: float
    """Reading the columns, GIL held."""
    convert_s: float
    """Decimal columns converted, GIL released."""
    build_s: float

class ScorecardResult(TypedDict):
    rows: ScorecardRows
    stats: ScorecardStats
    engine_s: float
    """The engine alone, GIL released (seconds)."""

def scorecard(
    lines: Columns,
    acks: Columns | None,
    receipts: Columns | None,
    asns: Columns | None,
    bills: Columns | None,
    *,
    options: ScorecardOptions | None = None,
) -> ScorecardResult:
    """Supplier scorecards per vendor (and category) and local month, in one call for the batch.
    Times are UTC epoch seconds (0: none); quantities and prices numbers (float, int, str or
    Decimal). Columns ([optional]):
    lines: id (unique, > 0), vendor (> 0), [category (0)], ordered_at, [sent_at (0: never sent)],
    promised_at (the first promised date), qty (> 0), price (>= 0), [contract_price (None: none)],
    [cancelled (False): left out with its events];
    acks: line, at, [promised_at (0)], status (accepted, backordered, substituted, rejected), qty;
    receipts: line, at, qty (> 0), kind (receipt, return), [picking (0)], [lot ('')];
    asns: line, at, picking, [lot ('')], qty (> 0);
    bills: line, at, qty, price, first_pass (pass, fail, none).
    Event tables may be None (no rows). Bad input raises InputError with its field ("lines.qty"),
    row (0-based, as the other engines) and rule (unknown_line, duplicate_id, negative,
    not_positive, bad_time, bad_weights, bad_option...); unknown columns are refused. The
    definitions are in docs/engines.md ("Supplier scorecards")."""

# --- billing batches ---------------------------------------------------------

class BillingBatches(TypedDict):
    """Per input batch row."""

    ok: list[bool]
    """No problem: the batch may be posted (its groups are in ``groups``)."""
    company: list[int]
    """The company its lines resolve to (the input company when no lines)."""
    journal: list[int]
    """The journal of its first mapped line (0: none)."""
    closed: list[bool]
    """business_date <= lock_date."""
    redirected: list[bool]
    """Closed, with policy redirect."""
    lines: list[int]
    debit: list[str]
    credit: list[str]
    """Sums of its lines, shortest exact decimal text ("12.5", "0")."""
    problems: list[int]
    """Problems found (all; at most 200 a batch are listed)."""

class BillingLines(TypedDict):
    """Per input line."""

    rule: list[int]
    """Row in rules (-1: unmapped)."""
    account: list[int]
    department_analytic: list[int]
    payer_analytic: list[int]
    group: list[int]
    """Row in groups (-1: its batch has problems)."""

class BillingGroups(TypedDict):
    """Journal entry lines of the ok batches, by batch, account, department_analytic,
    payer_analytic, payer_ref."""

    batch: list[int]
    account: list[int]
    journal: list[int]
    department_analytic: list[int]
    payer_analytic: list[int]
    payer_ref: list[str]
    """The lines' payer_ref when the rule keeps payers apart, else ""."""
    debit: list[str]
    credit: list[str]
    """max(net, 0) and max(-net, 0), net = debits - credits ("0" and "0": nets to zero)."""
    lines: list[int]

class BillingComputed(TypedDict):
    """What each batch's lines make per code and per department, sorted by batch, kind, key."""

    batch: list[int]
    kind: list[Literal["code", "department"]]
    key: list[str]
    debit: list[str]
    credit: list[str]

class BillingProblems(TypedDict):
    """By batch, then as found (record-level first, then the lines in order)."""

    batch: list[int]
    line: list[int]
    """Row in lines (-1: the batch)."""
    path: list[str]
    """As the sender sees its batch: record_count, total_debit, totals[3], lines[7].amount, $."""
    rule: list[str]
    """record_count, balance, control_total, decimals, min, duplicate, date, closed_period, unmapped,
    unmapped_department, unmapped_payer_class, facility, journal, duplicate_batch, correction."""
    message: list[str]

class BillingResult(TypedDict):
    batches: BillingBatches
    lines: BillingLines
    groups: BillingGroups
    computed: BillingComputed
    problems: BillingProblems
    stats: dict[str, int | float]
    """Counters (batches, ok, failed, lines, mapped, rules, groups, problems, listed, closed,
    redirected, threads) and phases in seconds (read_s, convert_s, index_s, batches_s, output_s,
    build_s)."""
    engine_s: float
    """The engine alone, GIL released (seconds)."""

class BillingVerdict(TypedDict):
    rule: int
    """Row in rules."""
    id: int
    verdict: Literal["chosen", "candidate", "not_effective", "no_match"]
    reason: str

def billing(
    batches: Columns | None,
    lines: Columns | None,
    rules: Columns | None,
    *,
    totals: Columns | None = None,
    known: Columns | None = None,
    departments: Columns | None = None,
    payer_classes: Columns | None = None,
    facilities: Columns | None = None,
) -> BillingResult:
    """Validate, map and summarise billing-platform batches, in one call for the set. Dates are
    "YYYY-MM-DD" ("" none); decimals str, Decimal, int or float. Columns ([optional, default]):
    batches: batch_id, source, business_date, currency, decimals (0..6), kind (original,
    adjustment, reversal), [original ""], record_count, total_debit, total_credit, [lock_date ""],
    [lock_policy "refuse"] (redirect, refuse), company;
    lines: batch (row in batches), line_id, code, [department ""], [payer_class ""], [facility ""],
    amount, side (debit, credit), [service_date ""], [payer_ref ""];
    rules: id, source, [code ""], [department ""], [payer_class ""], [facility ""], [date_from ""],
    [date_to ""], account, journal, [department_analytic 0], [payer_analytic 0],
    [keep_payer False], [sequence 10];
    totals: batch, kind (department, code), key, debit, credit;
    known: source, batch_id, state (received, validated, rejected, scheduled, posted, reversed);
    departments / payer_classes: code, analytic, [company 0]; facilities: code, company.
    Batch faults are problems in the output; bad input raises InputError (field, row, rule:
    unknown_batch, unknown_value, bad_date, out_of_range, duplicate; None for a missing, unknown,
    ragged or mistyped column). The contract is in docs/engines.md ("Billing batches")."""

def billing_explain(
    rules: Columns | None,
    *,
    source: str,
    code: str,
    department: str = "",
    payer_class: str = "",
    facility: str = "",
    date: str,
) -> list[BillingVerdict]:
    """Every rule of ``source``, in rules order, judged as ``billing`` would for a line with this
    code and dimensions on ``date``: chosen, candidate (matches but loses: why), not_effective
    (effective from / ended on), no_match (which dimension differs)."""

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

# ---------------------------------------------------------------- X12 EDI

class X12Error(TypedDict):
    """A file-, interchange- or group-level problem. ``code``: a TA105 note code
    (interchange, "001".."031"), an AK905 code (group) or "" (no X12 code)."""

    segment: int
    segment_id: str
    element: int
    code: str
    message: str

class X12SegmentError(TypedDict):
    """What an AK3/AK4 (997) or IK3/IK4 (999) reports. Positions in the set (ST = 1)."""

    segment: int
    segment_id: str
    loop: str
    code: str
    """AK304: "1".."8" ("8": see element_code)."""
    element: int
    component: int
    element_code: str
    """AK403: "1".."13"; "" when segment-level."""
    value: str
    message: str

class X12Set(TypedDict):
    segment: int
    set_id: str
    control: str
    implementation: str
    segment_count: int
    ack_code: str
    """AK501: "A", "E" (accepted with errors: unknown segments only) or "R"."""
    ack_errors: list[str]
    errors: list[X12SegmentError]
    unknown_segments: list[dict[str, Any]]
    doc_type: str | None
    documents: list[dict[str, Any]]
    skipped_lines: int

class X12Group(TypedDict):
    segment: int
    functional_id: str
    sender: str
    receiver: str
    date: str
    control: str
    version: str
    ack_code: str
    """AK901: "A", "E", "P" or "R"."""
    ack_errors: list[str]
    errors: list[X12Error]
    sets: list[X12Set]

class X12Interchange(TypedDict):
    segment: int
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    control: str
    version: str
    ack_requested: bool
    usage: str
    delimiters: dict[str, str]
    ta1: dict[str, str]
    """What a TA1 for it says: ``{"code": "A"|"E"|"R", "note": "000".."031"}``."""
    errors: list[X12Error]
    groups: list[X12Group]
    received_ta1: list[dict[str, Any]]
    """TA1 segments the interchange carries (a partner's answer to ours)."""

class X12Parsed(TypedDict):
    segments: int
    errors: list[X12Error]
    interchanges: list[X12Interchange]
    engine_s: float

class X12Scan(TypedDict):
    segments: int
    interchanges: int
    groups: int
    sets: int
    accepted: int
    rejected: int
    errors: int
    set_ids: list[str]
    set_codes: list[str]
    engine_s: float

def x12_parse(
    data: bytes,
    *,
    product_qualifiers: Sequence[str] | None = None,
    currency: str = "USD",
    tier: str | None = None,
) -> X12Parsed:
    """Parse a file of X12 interchanges (4010 or 5010; 850, 855, 856, 810, 832,
    997, 999): envelopes, counts and control numbers checked, each set validated
    against its schema (unknown segments reported, set "E") and mapped to MedSync
    documents (855 po_ack, 856 asn per order, 810 invoice, 832 price_catalog,
    997/999 functional_ack, 850 purchase_order). ``product_qualifiers``: X12 id
    qualifiers in preference order for a line's product; UK/EN/UP/HI ids are
    checked (GTIN check digit, HIBC check character) whatever the preference.
    ``currency``: when no CUR. ``tier``: 832 lines of another tier left out.
    Never raises on bad X12 (TypeError when ``data`` is not bytes)."""

def x12_scan(data: bytes) -> X12Scan:
    """Parse and validate only (no mapping), for a large file: counts, and one
    set id and AK501 code per set."""

def x12_generate(set_id: str, document: dict[str, Any], envelope: dict[str, Any]) -> bytes:
    """One interchange, one group, one set: "850" from a ``purchase_order``
    document, "855"/"856"/"810"/"832" from the documents x12_parse maps them to.
    ``envelope``: sender/receiver qualifiers and ids, gs_sender, gs_receiver,
    interchange/group/set control numbers, version "4010"|"5010", usage,
    ack_requested, date, time, delimiters, line_breaks, product_qualifier.
    InputError (a ValueError) naming the field for what cannot be written; the
    same input always gives the same bytes."""

def x12_acknowledge(
    interchange: X12Interchange | dict[str, Any],
    envelope: dict[str, Any],
    *,
    kind: Literal["997", "999"],
    ta1: bool,
) -> bytes:
    """The acknowledgement of one parsed interchange: a TA1 first when ``ta1``,
    then one FA group with a 997 or 999 per received group (AK1, AK2, AK3/AK4 or
    IK3/IK4, AK5/IK5, AK9 recomputed from the sets' codes). TA1 only when the
    interchange has no groups."""
