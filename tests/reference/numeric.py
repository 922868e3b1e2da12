"""Reference for ``rust/numeric.rs``: Odoo's ``float_round`` rules in exact decimals.

Values are read as the decimals a user typed (a float through ``repr``), divided
by the rounding step, nudged by Odoo's relative epsilon (2^-50, to 28 places),
rounded to a whole number by the method, and multiplied back by the step.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

CTX = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN, Emax=999, Emin=-999)
EPSILON_REL = Decimal("8.881784197001E-16")  # 2**-50 cut to 28 decimal places
METHODS = ("HALF-UP", "HALF-DOWN", "HALF-EVEN", "UP", "DOWN")


def to_decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def step_of(precision_digits=None, precision_rounding=None) -> Decimal:
    if (precision_digits is None) == (precision_rounding is None):
        raise ValueError("exactly one of precision_digits and precision_rounding must be given")
    step = Decimal(1).scaleb(-precision_digits) if precision_rounding is None else to_decimal(precision_rounding)
    if step <= 0:
        raise ValueError("precision_rounding must be positive")
    return step


def _round_whole(n: Decimal, method: str) -> Decimal:
    eps = CTX.multiply(abs(n), EPSILON_REL)
    sign = -1 if n < 0 else 1
    signed_eps = eps * sign
    if method == "HALF-UP":
        return CTX.add(n, signed_eps).quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP)
    if method == "HALF-DOWN":
        return CTX.subtract(n, signed_eps).quantize(Decimal(1), rounding=decimal.ROUND_HALF_DOWN)
    if method == "HALF-EVEN":
        integral = n.to_integral_value(rounding=decimal.ROUND_FLOOR)
        remainder = abs(n - integral)
        if abs(Decimal("0.5") - remainder) < eps:
            return integral if integral % 2 == 0 else integral + 1
        return n.quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP)
    if method == "UP":
        return CTX.add(n, sign * (1 - eps)).to_integral_value(rounding=decimal.ROUND_DOWN)
    if method == "DOWN":
        return CTX.add(n, signed_eps).to_integral_value(rounding=decimal.ROUND_DOWN)
    raise ValueError(f"unknown rounding method {method!r}")


def round_decimal(value: Decimal, step: Decimal, method: str = "HALF-UP") -> Decimal:
    if value == 0:
        return Decimal(0)
    n = CTX.divide(value, step)
    return _round_whole(n, method) * step


def float_round(value, precision_digits=None, precision_rounding=None, rounding_method="HALF-UP") -> float:
    step = step_of(precision_digits, precision_rounding)
    return float(round_decimal(to_decimal(value), step, rounding_method.upper().replace("_", "-")))


def float_compare(value1, value2, precision_digits=None, precision_rounding=None) -> int:
    step = step_of(precision_digits, precision_rounding)
    a, b = to_decimal(value1), to_decimal(value2)
    if a == b:
        return 0
    ra, rb = round_decimal(a, step), round_decimal(b, step)
    return (ra > rb) - (ra < rb)


def float_is_zero(value, precision_digits=None, precision_rounding=None) -> bool:
    step = step_of(precision_digits, precision_rounding)
    v = to_decimal(value)
    return v == 0 or round_decimal(v, step) == 0


def round_many(values, precision_digits=None, precision_rounding=None, rounding_method="HALF-UP"):
    return [float_round(v, precision_digits, precision_rounding, rounding_method) for v in values]


def compare_many(values1, values2, precision_digits=None, precision_rounding=None):
    return [float_compare(a, b, precision_digits, precision_rounding) for a, b in zip(values1, values2, strict=True)]


def convert_uom(quantities, from_factor, to_factor, rounding=None, rounding_method="UP"):
    out = []
    for i, q in enumerate(quantities):
        f = to_decimal(from_factor[i] if isinstance(from_factor, list | tuple) else from_factor)
        t = to_decimal(to_factor[i] if isinstance(to_factor, list | tuple) else to_factor)
        if f <= 0 or t <= 0:
            raise ValueError("unit factors must be positive")
        qty = to_decimal(q)
        amount = qty if f == t else CTX.divide(CTX.multiply(qty, t), f)
        if rounding is not None and qty != 0:
            amount = round_decimal(amount, to_decimal(rounding), rounding_method)
        out.append(float(amount))
    return out


def convert_currency(amounts, rates, rounding=None):
    out = []
    for i, a in enumerate(amounts):
        rate = to_decimal(rates[i] if isinstance(rates, list | tuple) else rates)
        if rate <= 0:
            raise ValueError("rate must be positive")
        amount = CTX.multiply(to_decimal(a), rate)
        if rounding is not None:
            amount = round_decimal(amount, to_decimal(rounding), "HALF-UP")
        out.append(float(amount))
    return out
