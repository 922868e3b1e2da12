//! Decimal arithmetic with Odoo's rounding semantics.
//!
//! Odoo rounds floats with `odoo.tools.float_utils.float_round`: the value is
//! normalised by the rounding *step* (0.01, 0.05, 1, 0.5 …), nudged by a
//! relative epsilon of 2^-50 so that values a few ulps off a boundary land
//! where the user meant them, rounded to an integer by the chosen method, and
//! multiplied back by the step. This module does exactly that, in exact
//! decimal arithmetic: inputs are the decimal numbers a user typed (floats
//! are read through their shortest round-trip representation, as Python's
//! `repr` shows them), so there is no binary noise to begin with, and the same
//! epsilon absorbs the noise that long chains of conversions accumulate.
//!
//! `compare` and `is_zero` follow `float_compare` / `float_is_zero`: values are
//! compared *after* rounding both, so 0.006 and 0.002 differ at 0.01 while
//! 1.432 and 1.431 do not.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::str::FromStr;

use rust_decimal::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, Location, Result};

/// How a normalised value is turned into a whole number of steps; the names
/// are Odoo's `rounding_method` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundingMethod {
    /// Ties away from zero (Odoo's default, and the only one for money).
    HalfUp,
    /// Ties towards zero.
    HalfDown,
    /// Ties to the even neighbour.
    HalfEven,
    /// Always away from zero (Odoo's default for UoM conversion).
    Up,
    /// Always towards zero.
    Down,
}

impl FromStr for RoundingMethod {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().replace('_', "-").as_str() {
            "HALF-UP" => Ok(RoundingMethod::HalfUp),
            "HALF-DOWN" => Ok(RoundingMethod::HalfDown),
            "HALF-EVEN" => Ok(RoundingMethod::HalfEven),
            "UP" => Ok(RoundingMethod::Up),
            "DOWN" => Ok(RoundingMethod::Down),
            _ => Err(Error::input(
                Location::field("rounding_method"),
                format!(
                    "unknown rounding method {s:?} (expected HALF-UP, HALF-DOWN, HALF-EVEN, UP or DOWN)"
                ),
            )),
        }
    }
}

/// A validated rounding precision: a positive step such as 0.01 or 0.05.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precision {
    step: Decimal,
    /// `1 / step` when it is exact (0.01 → 100, 0.05 → 20, 0.5 → 2): lets the
    /// hot path multiply instead of divide.
    inverse: Option<Decimal>,
    /// `k` when the step is 10^-k: a value with at most `k` decimals is
    /// already on the grid, and every rounding method leaves it unchanged…
    grid_dp: Option<u32>,
    /// …as long as it is below 2^49 steps: beyond, Odoo's epsilon (|n|·2^-50)
    /// passes half a step and moves even values on the grid.
    grid_limit: Decimal,
}

impl Precision {
    /// A precision of `digits` decimal places (`precision_digits`).
    pub fn from_digits(digits: u32) -> Result<Self> {
        if digits > 20 {
            return Err(Error::input(
                Location::field("precision_digits"),
                format!("must be between 0 and 20, got {digits}"),
            ));
        }
        Self::from_step(Decimal::new(1, digits))
    }

    /// A precision given as a rounding step (`precision_rounding`).
    pub fn from_step(step: Decimal) -> Result<Self> {
        if step <= Decimal::ZERO {
            return Err(Error::input(
                Location::field("precision_rounding"),
                format!("must be positive, got {step}"),
            ));
        }
        let step = step.normalize();
        let inverse = Decimal::ONE
            .checked_div(step)
            .filter(|inv| inv.checked_mul(step) == Some(Decimal::ONE));
        let grid_dp = (step.mantissa() == 1).then(|| step.scale());
        let grid_limit = step
            .checked_mul(Decimal::from(1u64 << 49))
            .unwrap_or(Decimal::ZERO);
        Ok(Self {
            step,
            inverse,
            grid_dp,
            grid_limit,
        })
    }

    pub fn step(&self) -> Decimal {
        self.step
    }

    /// `float_round(value, precision_rounding=step, rounding_method=method)`.
    pub fn round(&self, value: Decimal, method: RoundingMethod) -> Result<Decimal> {
        if value.is_zero() {
            return Ok(Decimal::ZERO);
        }
        if self.on_grid(value) {
            return with_scale_at_least(value, self.step.scale()).ok_or(Error::Overflow {
                at: Location::field("value"),
            });
        }
        let overflow = || Error::Overflow {
            at: Location::field("value"),
        };
        let n = match self.inverse {
            Some(inv) => value.checked_mul(inv),
            None => value.checked_div(self.step),
        }
        .ok_or_else(overflow)?;
        let whole = round_normalized(n, method).ok_or_else(overflow)?;
        let out = whole.checked_mul(self.step).ok_or_else(overflow)?;
        // keep the step's scale (0.05 → two places) so results print like Odoo's
        with_scale_at_least(out, self.step.scale()).ok_or_else(overflow)
    }

    fn on_grid(&self, value: Decimal) -> bool {
        self.grid_dp.is_some_and(|dp| value.scale() <= dp) && value.abs() < self.grid_limit
    }

    /// `float_compare(a, b, precision_rounding=step)`.
    pub fn compare(&self, a: Decimal, b: Decimal) -> Result<Ordering> {
        if a == b {
            return Ok(Ordering::Equal);
        }
        if self.on_grid(a) && self.on_grid(b) {
            return Ok(a.cmp(&b));
        }
        let ra = self.round(a, RoundingMethod::HalfUp)?;
        let rb = self.round(b, RoundingMethod::HalfUp)?;
        Ok(ra.cmp(&rb))
    }

    /// `float_is_zero(value, precision_rounding=step)`.
    pub fn is_zero(&self, value: Decimal) -> Result<bool> {
        Ok(value.is_zero() || self.round(value, RoundingMethod::HalfUp)?.is_zero())
    }
}

/// Odoo's relative epsilon: `2**(log2(|n|) - 50)` is `|n| * 2^-50`.
fn epsilon_rel() -> Decimal {
    // 2^-50 = 8.8817841970012523233890533447265625e-16, cut to 28 places.
    Decimal::from_i128_with_scale(8_881_784_197_001, 28)
}

/// Round a normalised value to a whole number, Odoo's way (see module docs).
fn round_normalized(n: Decimal, method: RoundingMethod) -> Option<Decimal> {
    let eps = n.abs().checked_mul(epsilon_rel())?;
    let signed_eps = if n.is_sign_negative() { -eps } else { eps };
    let away = RoundingStrategy::MidpointAwayFromZero;
    Some(match method {
        RoundingMethod::HalfUp => n.checked_add(signed_eps)?.round_dp_with_strategy(0, away),
        RoundingMethod::HalfDown => n
            .checked_sub(signed_eps)?
            .round_dp_with_strategy(0, RoundingStrategy::MidpointTowardZero),
        RoundingMethod::HalfEven => {
            let integral = n.floor();
            let remainder = (n - integral).abs();
            if (Decimal::new(5, 1) - remainder).abs() < eps {
                if (integral % Decimal::TWO).is_zero() {
                    integral
                } else {
                    integral + Decimal::ONE
                }
            } else {
                n.round_dp_with_strategy(0, away)
            }
        }
        RoundingMethod::Up => {
            let nudge = Decimal::ONE - eps;
            let nudge = if n.is_sign_negative() { -nudge } else { nudge };
            n.checked_add(nudge)?.trunc()
        }
        RoundingMethod::Down => n.checked_add(signed_eps)?.trunc(),
    })
}

/// `d` written with at least `scale` decimals; `None` when it has too many
/// digits for that.
fn with_scale_at_least(d: Decimal, scale: u32) -> Option<Decimal> {
    if d.scale() >= scale {
        return Some(d);
    }
    let mut r = d;
    r.rescale(scale);
    (r.scale() == scale && r == d).then_some(r)
}

/// Read a float the way Python's `repr` shows it: the shortest decimal that
/// round-trips to the same float (`0.1` is 0.1, not 0.1000000000000000055…).
/// `None` for NaN, infinities and magnitudes beyond the decimal range.
pub fn decimal_from_f64(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    shortest_fixed(value).or_else(|| decimal_from_f64_text(value))
}

const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Fast path: the fewest decimal places `k` such that the integer
/// `m = round(value * 10^k)` gives back `value` as `m / 10^k` (one correctly
/// rounded division of two exact doubles). The first such `k` is the
/// shortest representation, as `repr` would print it; amounts and quantities
/// (a few decimals) take a handful of multiplications.
fn shortest_fixed(value: f64) -> Option<Decimal> {
    for (k, p) in POW10_F64.iter().enumerate().take(18) {
        let y = value * p;
        if y.abs() >= 9_007_199_254_740_992.0 {
            return None; // beyond 2^53: not exact any more, let the text path decide
        }
        // round half away from zero without libm's `round` (not an instruction on
        // baseline x86-64): truncate, then step when the rest is half or more
        let t = y as i64;
        let rest = y - t as f64;
        let m = if rest >= 0.5 {
            t + 1
        } else if rest <= -0.5 {
            t - 1
        } else {
            t
        };
        if m as f64 / p == value {
            return Some(Decimal::new(m, k as u32));
        }
    }
    None
}

/// Slow path: Rust's float Display is the shortest round-trip representation,
/// without exponent; values below 1e-28 lose digits past the 28th place.
fn decimal_from_f64_text(value: f64) -> Option<Decimal> {
    let mut buf = String::with_capacity(32);
    write!(buf, "{value}").ok()?;
    Decimal::from_str(&buf)
        .ok()
        .or_else(|| Decimal::from_str_exact(&buf).ok())
        .or_else(|| Decimal::from_f64(value))
}

/// The nearest float to a decimal (correctly rounded).
pub fn decimal_to_f64(value: Decimal) -> f64 {
    let scale = value.scale() as usize;
    // Fast path: both operands exact in a double, one correctly rounded division.
    if let Ok(m) = i64::try_from(value.mantissa()) {
        if m.unsigned_abs() < (1u64 << 53) && scale < POW10_F64.len() {
            return m as f64 / POW10_F64[scale];
        }
    }
    // Else its text, parsed (correctly rounded).
    let mut buf = [0u8; PLAIN_TEXT_MAX];
    plain_text(value, &mut buf)
        .parse::<f64>()
        .unwrap_or(f64::NAN)
}

/// Room for any decimal as plain text: 29 digits of a 96-bit mantissa, or a
/// leading zero and 28 places, plus sign and point.
pub const PLAIN_TEXT_MAX: usize = 32;

/// `value` as plain text (sign, digits, point, the scale's trailing zeros;
/// never an exponent), written into the end of `buf` without allocating.
/// Zero has no sign.
pub fn plain_text(value: Decimal, buf: &mut [u8; PLAIN_TEXT_MAX]) -> &str {
    let scale = value.scale() as usize;
    let mut rest = value.mantissa().unsigned_abs();
    let mut at = buf.len();
    let mut digits = 0;
    loop {
        // 64-bit division once the rest fits: 128-bit division is a library call
        let digit = match u64::try_from(rest) {
            Ok(n) => {
                rest = u128::from(n / 10);
                (n % 10) as u8
            }
            Err(_) => {
                let d = (rest % 10) as u8;
                rest /= 10;
                d
            }
        };
        at -= 1;
        buf[at] = b'0' + digit;
        digits += 1;
        if digits == scale {
            at -= 1;
            buf[at] = b'.';
        }
        if rest == 0 && digits > scale {
            break;
        }
    }
    if value.is_sign_negative() && !value.is_zero() {
        at -= 1;
        buf[at] = b'-';
    }
    // only ASCII digits, point and sign were written
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

/// Parse a decimal from text (`"12.50"`, `"-3"`, `"1e-3"`).
pub fn decimal_from_str(text: &str) -> Option<Decimal> {
    let t = text.trim();
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

/// Odoo's `uom.uom._compute_quantity`: `qty / from_factor * to_factor`,
/// rounded at the target unit's rounding step with `method` (Odoo's default
/// for quantities is `UP`). Factors are Odoo's (reference unit 1, bigger
/// units below 1: a box of 12 has factor 1/12).
pub fn convert_uom(
    qty: Decimal,
    from_factor: Decimal,
    to_factor: Decimal,
    to_rounding: Option<&Precision>,
    method: RoundingMethod,
) -> Result<Decimal> {
    if from_factor <= Decimal::ZERO || to_factor <= Decimal::ZERO {
        return Err(Error::input(
            Location::field("factor"),
            format!("unit factors must be positive, got {from_factor} and {to_factor}"),
        ));
    }
    if qty.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let overflow = || Error::Overflow {
        at: Location::field("quantity"),
    };
    let amount = if from_factor == to_factor {
        qty
    } else {
        // multiply first: exact for the usual factors, the epsilon covers the rest
        qty.checked_mul(to_factor)
            .and_then(|x| x.checked_div(from_factor))
            .ok_or_else(overflow)?
    };
    match to_rounding {
        Some(p) => p.round(amount, method),
        None => Ok(amount),
    }
}

/// Odoo's `res.currency._convert`: `amount * rate`, rounded half away from
/// zero at the target currency's rounding step.
pub fn convert_currency(
    amount: Decimal,
    rate: Decimal,
    rounding: Option<&Precision>,
) -> Result<Decimal> {
    if rate <= Decimal::ZERO {
        return Err(Error::input(
            Location::field("rate"),
            format!("must be positive, got {rate}"),
        ));
    }
    let out = amount.checked_mul(rate).ok_or(Error::Overflow {
        at: Location::field("amount"),
    })?;
    match rounding {
        Some(p) => p.round(out, RoundingMethod::HalfUp),
        None => Ok(out),
    }
}

/// Negative and not zero (the sign test alone is cheap; a comparison with
/// zero rescales).
pub fn negative(v: &Decimal) -> bool {
    v.is_sign_negative() && !v.is_zero()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        decimal_from_str(s).unwrap()
    }

    fn step(s: &str) -> Precision {
        Precision::from_step(d(s)).unwrap()
    }

    #[test]
    fn half_up_is_away_from_zero() {
        let p = step("0.01");
        assert_eq!(
            p.round(d("2.675"), RoundingMethod::HalfUp).unwrap(),
            d("2.68")
        );
        assert_eq!(
            p.round(d("-2.675"), RoundingMethod::HalfUp).unwrap(),
            d("-2.68")
        );
        assert_eq!(
            p.round(d("2.674"), RoundingMethod::HalfUp).unwrap(),
            d("2.67")
        );
    }

    #[test]
    fn steps_that_are_not_powers_of_ten() {
        let p = step("0.05");
        assert_eq!(
            p.round(d("1.024"), RoundingMethod::HalfUp).unwrap(),
            d("1.00")
        );
        assert_eq!(
            p.round(d("1.025"), RoundingMethod::HalfUp).unwrap(),
            d("1.05")
        );
        let half = step("0.5");
        assert_eq!(
            half.round(d("1.3"), RoundingMethod::HalfUp).unwrap(),
            d("1.5")
        );
        let three = step("0.03");
        assert_eq!(
            three.round(d("0.1"), RoundingMethod::HalfUp).unwrap(),
            d("0.09")
        );
        let five = step("5");
        assert_eq!(
            five.round(d("12.5"), RoundingMethod::HalfUp).unwrap(),
            d("15")
        );
    }

    #[test]
    fn every_method_on_ties_and_noise() {
        let p = step("1");
        let cases = [
            (
                "2.5",
                [
                    ("HALF-UP", "3"),
                    ("HALF-DOWN", "2"),
                    ("HALF-EVEN", "2"),
                    ("UP", "3"),
                    ("DOWN", "2"),
                ],
            ),
            (
                "3.5",
                [
                    ("HALF-UP", "4"),
                    ("HALF-DOWN", "3"),
                    ("HALF-EVEN", "4"),
                    ("UP", "4"),
                    ("DOWN", "3"),
                ],
            ),
            (
                "-2.5",
                [
                    ("HALF-UP", "-3"),
                    ("HALF-DOWN", "-2"),
                    ("HALF-EVEN", "-2"),
                    ("UP", "-3"),
                    ("DOWN", "-2"),
                ],
            ),
            (
                "2.1",
                [
                    ("HALF-UP", "2"),
                    ("HALF-DOWN", "2"),
                    ("HALF-EVEN", "2"),
                    ("UP", "3"),
                    ("DOWN", "2"),
                ],
            ),
            // noise a few ulps above a whole number does not round UP (Odoo's epsilon)
            (
                "12.0000000000000000048",
                [
                    ("HALF-UP", "12"),
                    ("HALF-DOWN", "12"),
                    ("HALF-EVEN", "12"),
                    ("UP", "12"),
                    ("DOWN", "12"),
                ],
            ),
            (
                "11.9999999999999999",
                [
                    ("HALF-UP", "12"),
                    ("HALF-DOWN", "12"),
                    ("HALF-EVEN", "12"),
                    ("UP", "12"),
                    ("DOWN", "12"),
                ],
            ),
        ];
        for (value, expected) in cases {
            for (method, want) in expected {
                let m: RoundingMethod = method.parse().unwrap();
                assert_eq!(p.round(d(value), m).unwrap(), d(want), "{value} {method}");
            }
        }
    }

    #[test]
    fn values_on_the_grid_are_left_as_they_are() {
        let cents = step("0.01");
        for m in ["HALF-UP", "HALF-DOWN", "HALF-EVEN", "UP", "DOWN"] {
            let m: RoundingMethod = m.parse().unwrap();
            assert_eq!(cents.round(d("2.5"), m).unwrap(), d("2.50"));
            assert_eq!(cents.round(d("-7"), m).unwrap(), d("-7.00"));
        }
        assert_eq!(step("1").round(d("3"), RoundingMethod::Up).unwrap(), d("3"));
        assert_eq!(cents.compare(d("1.10"), d("1.1")).unwrap(), Ordering::Equal);
        assert_eq!(
            cents.compare(d("1.11"), d("1.1")).unwrap(),
            Ordering::Greater
        );
    }

    #[test]
    fn compare_rounds_before_comparing() {
        let p = step("0.01");
        assert_eq!(p.compare(d("1.432"), d("1.431")).unwrap(), Ordering::Equal);
        assert_eq!(
            p.compare(d("0.006"), d("0.002")).unwrap(),
            Ordering::Greater
        );
        assert_eq!(p.compare(d("-0.006"), d("0.002")).unwrap(), Ordering::Less);
        assert!(p.is_zero(d("0.004")).unwrap());
        assert!(!p.is_zero(d("0.005")).unwrap());
        assert!(p.is_zero(d("-0.0049")).unwrap());
    }

    #[test]
    fn bad_precisions_and_methods_are_input_errors() {
        assert_eq!(
            Precision::from_step(d("0")).unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(
            Precision::from_step(d("-0.01")).unwrap_err().code(),
            "invalid_input"
        );
        assert!(Precision::from_digits(21).is_err());
        assert_eq!(Precision::from_digits(2).unwrap().step(), d("0.01"));
        assert!("NEAREST".parse::<RoundingMethod>().is_err());
        assert_eq!(
            "half_even".parse::<RoundingMethod>().unwrap(),
            RoundingMethod::HalfEven
        );
    }

    /// Zero of both signs, the extremes and the smallest step: every printer
    /// and converter's first test values.
    pub(crate) fn edge_decimals() -> Vec<Decimal> {
        vec![
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
        ]
    }

    #[test]
    fn to_f64_is_the_parsed_shortest_text() {
        let mut values = edge_decimals();
        values.extend([
            Decimal::new(-5, 2),
            d("123456789.123456789"),
            d("9007199254740993"),
            d("-0.0000000000000000000000000001"),
        ]);
        // net prices of boxes of 12 and discounts carry 28 places
        for k in 1..2000i64 {
            let v = Decimal::new(k * 7919, 2);
            values.push(v / Decimal::from(12));
            values.push(-v / Decimal::from(7));
            values.push(v * Decimal::new(95, 2));
        }
        for v in values {
            // zero is +0.0 whatever its sign
            let want: f64 = v.to_string().parse::<f64>().unwrap() + 0.0;
            assert_eq!(decimal_to_f64(v).to_bits(), want.to_bits(), "{v}");
            let mut buf = [0u8; PLAIN_TEXT_MAX];
            // plain text is Display's, except that zero has no sign
            let text = if v.is_zero() { v.abs() } else { v }.to_string();
            assert_eq!(plain_text(v, &mut buf), text);
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let p = step("0.0001");
        let err = p.round(Decimal::MAX, RoundingMethod::HalfUp).unwrap_err();
        assert_eq!(err.code(), "numeric_overflow");
    }

    #[test]
    fn floats_read_as_their_shortest_repr() {
        assert_eq!(decimal_from_f64(0.1).unwrap(), d("0.1"));
        assert_eq!(decimal_from_f64(2.675).unwrap(), d("2.675"));
        assert_eq!(decimal_from_f64(-1234.5).unwrap(), d("-1234.5"));
        assert_eq!(decimal_from_f64(1e20).unwrap(), d("100000000000000000000"));
        assert_eq!(
            decimal_from_f64(1.0 / 12.0).unwrap(),
            d("0.08333333333333333")
        );
        assert!(decimal_from_f64(f64::NAN).is_none());
        assert!(decimal_from_f64(f64::INFINITY).is_none());
        assert!(decimal_from_f64(1e300).is_none());
        for x in [0.1, 2.675, 1.0 / 3.0, 123456.789, -0.000123, 1e-12] {
            assert_eq!(
                decimal_to_f64(decimal_from_f64(x).unwrap()).to_bits(),
                x.to_bits()
            );
        }
    }

    #[test]
    fn fast_float_path_agrees_with_the_text_path() {
        // deterministic spread of magnitudes and decimals, plus awkward values
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0.1,
            0.2,
            0.3,
            1.0 / 3.0,
            2.0 / 3.0,
            1e-7,
            123456789.123456,
            -0.0,
            5e-324,
        ];
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 9) as i32;
            let int = ((x >> 8) % 10_000_000_000) as f64;
            values.push((if x & 1 == 0 { 1.0 } else { -1.0 }) * int / 10f64.powi(digits));
            values.push(f64::from_bits((x >> 2) | 0x3F00_0000_0000_0000) * 1e6);
        }
        for v in values {
            let text = decimal_from_f64_text(v);
            assert_eq!(
                decimal_from_f64(v).map(|d| d.normalize()),
                text.map(|d| d.normalize()),
                "{v:e}"
            );
        }
    }

    #[test]
    fn uom_conversion_matches_odoo() {
        let units = step("0.01");
        let dozen = d("0.08333333333333333"); // Odoo's factor for a box of 12
                                              // 3 boxes of 12 → 36 units, no spurious round-up from the float factor
        let q = convert_uom(
            d("3"),
            dozen,
            Decimal::ONE,
            Some(&units),
            RoundingMethod::Up,
        )
        .unwrap();
        assert_eq!(q, d("36.00"));
        // 7 units → boxes, rounded UP at 0.01 box
        let boxes = convert_uom(
            d("7"),
            Decimal::ONE,
            dozen,
            Some(&units),
            RoundingMethod::Up,
        )
        .unwrap();
        assert_eq!(boxes, d("0.59"));
        assert!(convert_uom(
            d("1"),
            Decimal::ZERO,
            Decimal::ONE,
            None,
            RoundingMethod::Up
        )
        .is_err());
    }

    #[test]
    fn currency_conversion_rounds_half_up_at_currency_step() {
        let cents = step("0.01");
        assert_eq!(
            convert_currency(d("100.005"), Decimal::ONE, Some(&cents)).unwrap(),
            d("100.01")
        );
        assert_eq!(
            convert_currency(d("10"), d("1.23456"), Some(&cents)).unwrap(),
            d("12.35")
        );
        assert!(convert_currency(d("10"), d("-1"), None).is_err());
    }
}
