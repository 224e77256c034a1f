//! Scalar kernels that are more than one call to `std`: numerically stable softplus, the
//! sign used by `abs`, and the error function under the exact GELU (the branch-free exp,
//! tanh and sigmoid are in `fastmath.rs`).

use crate::Float;
use core::f64::consts::{FRAC_1_SQRT_2, PI};

/// ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|): no overflow for large x, no loss for very
/// negative x (where the result is e^x, tiny but not 0 until e^x underflows).
pub(crate) fn softplus<E: Float>(x: E) -> E {
    x.max_nan(E::ZERO) + (-x.abs()).exp().ln_1p()
}

/// -1, 0 or 1 by the sign of `x`, with sign(±0) = 0 and sign(NaN) = NaN.
pub(crate) fn sign<E: Float>(x: E) -> E {
    if x > E::ZERO {
        E::ONE
    } else if x < E::ZERO {
        -E::ONE
    } else {
        x + x.abs() // ±0 -> 0, NaN -> NaN
    }
}

/// Below this, erf comes from its power series; above, erfc from its continued fraction.
/// Both then have a relative error under about 1e-13 (checked against mpmath).
const SERIES_LIMIT: f64 = 2.0;

/// erf(z) = 2/√π e^(-z²) Σ 2ⁿ z^(2n+1) / (2n+1)!!, for 0 <= z < 2: every term is
/// positive, so nothing cancels; 45 terms reach 1e-17 at z = 2.
fn erf_series(z: f64) -> f64 {
    let z2 = z * z;
    let (mut term, mut sum) = (z, z);
    for n in 1..100 {
        term *= 2.0 * z2 / f64::from(2 * n + 1);
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    2.0 / PI.sqrt() * (-z2).exp() * sum
}

/// erfc(z) = e^(-z²)/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + ...)))), for z >= 2, evaluated
/// bottom-up: 50 levels give full double precision from z = 2 on.
fn erfc_fraction(z: f64) -> f64 {
    let mut f = z;
    for k in (1..=50).rev() {
        f = z + f64::from(k) / 2.0 / f;
    }
    (-z * z).exp() / PI.sqrt() / f
}

/// The error function, erf(z) = 2/√π ∫₀^z e^(-t²) dt.
pub(crate) fn erf(z: f64) -> f64 {
    let a = z.abs();
    let v = if a < SERIES_LIMIT {
        erf_series(a)
    } else {
        1.0 - erfc_fraction(a)
    };
    if z < 0.0 {
        -v
    } else {
        v // also NaN for NaN
    }
}

/// The complementary error function 1 - erf(z), accurate in relative terms for large z
/// (where 1 - erf(z) would round to 0).
pub(crate) fn erfc(z: f64) -> f64 {
    if z < SERIES_LIMIT {
        1.0 - erf(z) // at most 1 - erf(2) ≈ 0.005 for z >= 0: little cancellation
    } else {
        erfc_fraction(z) // also NaN for NaN
    }
}

/// Φ(x), the standard normal CDF: erfc(-x/√2) / 2, accurate in the left tail.
pub(crate) fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x * FRAC_1_SQRT_2)
}

/// φ(x) = e^(-x²/2) / √(2π), the standard normal density.
pub(crate) fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// GELU(x) = x Φ(x), with its limit 0 at -∞ (where x Φ(x) would be -∞ · 0 = NaN).
pub(crate) fn gelu(x: f64) -> f64 {
    if x == f64::NEG_INFINITY {
        -0.0
    } else {
        x * normal_cdf(x)
    }
}

/// GELU'(x) = Φ(x) + x φ(x), with its limits 0 at -∞ and 1 at +∞ (where x φ(x) would be
/// ±∞ · 0 = NaN).
pub(crate) fn gelu_derivative(x: f64) -> f64 {
    if x.is_infinite() {
        normal_cdf(x)
    } else {
        normal_cdf(x) + x * normal_pdf(x)
    }
}

/// Runs an `f64` kernel on either element type (the f32 result is rounded once, at the end).
pub(crate) fn via_f64<E: Float>(f: fn(f64) -> f64) -> impl Fn(E) -> E {
    move |x| E::from_f64(f(x.to_f64()))
}
