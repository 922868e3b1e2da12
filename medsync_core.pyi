"""Type stubs for the medsync_core extension (Rust, pyo3)."""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

__version__: str

Number = float | int | str | Decimal
RoundingMethod = Literal["HALF-UP", "HALF-DOWN", "HALF-EVEN", "UP", "DOWN"]

class MedsyncError(Exception):
    """Base class of every medsync_core error."""

    code: str
    field: str | None
    row: int | None

class InputError(MedsyncError, ValueError):
    """Bad input; ``field`` and ``row`` say where."""

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
