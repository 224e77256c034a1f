//! The branch-free kernels against `f64`'s libm over dense sweeps (3 million points each):
//! the bounds asserted here are the errors `fastmath.rs` documents, rounded up. The sweeps
//! are deterministic, so the bounds are tight: a change of coefficient or formula that
//! loses accuracy fails here.

use crate::ops::unary::fastmath::{exp, sigmoid, tanh};

/// The largest errors of a kernel over a sweep: relative, absolute, and in ulps of the
/// exact result's magnitude (`2^(exponent - mantissa bits)`), with where the largest ulp
/// (`at`) and relative (`rel_at`) errors are, for messages.
#[derive(Debug, Default)]
struct Errors {
    rel: f64,
    abs: f64,
    ulp: f64,
    at: f64,
    rel_at: f64,
}

impl Errors {
    /// `(mantissa bits, smallest normal exponent)` of the kernel's type.
    fn add(&mut self, x: f64, got: f64, exact: f64, (bits, min_exp): (f64, f64)) {
        let abs = (got - exact).abs();
        let rel = if exact == 0.0 { abs } else { abs / exact.abs() };
        let exponent = exact.abs().log2().floor().max(min_exp);
        let ulp = abs / (exponent - bits).exp2();
        self.abs = self.abs.max(abs);
        if ulp > self.ulp {
            (self.ulp, self.at) = (ulp, x);
        }
        if rel > self.rel {
            (self.rel, self.rel_at) = (rel, x);
        }
    }
}

/// `n + 1` points evenly over `[lo, hi]`, and `n + 1` spread logarithmically over each of
/// `[1e-30, 1]` and `[-1, -1e-30]`, where the relative error of tanh matters most.
fn sweep((lo, hi): Range, n: usize) -> impl Iterator<Item = f64> {
    let even = (0..=n).map(move |i| lo + (hi - lo) * i as f64 / n as f64);
    let small = (0..=n).flat_map(move |i| {
        let m = 10f64.powf(-30.0 + 30.0 * i as f64 / n as f64);
        [m, -m]
    });
    even.chain(small)
}

/// The errors of an `f32` kernel over `sweep(range)`, against `exact` in f64 at the same
/// (`f32`) inputs; asserted within `(max relative, max ulp)`.
#[track_caller]
fn check_f32(name: &str, f: fn(f32) -> f32, exact: fn(f64) -> f64, range: Range, max: Bounds) {
    let mut e = Errors::default();
    for x in sweep(range, 1 << 20) {
        let x = x as f32;
        e.add(x.into(), f(x).into(), exact(x.into()), (23.0, -126.0));
    }
    check(name, e, max);
}

/// [`check_f32`] for an `f64` kernel.
#[track_caller]
fn check_f64(name: &str, f: fn(f64) -> f64, exact: fn(f64) -> f64, range: Range, max: Bounds) {
    let mut e = Errors::default();
    for x in sweep(range, 1 << 20) {
        e.add(x, f(x), exact(x), (52.0, -1022.0));
    }
    check(name, e, max);
}

type Range = (f64, f64);
type Bounds = (f64, f64);

#[track_caller]
fn check(name: &str, e: Errors, (max_rel, max_ulp): Bounds) {
    println!("{name}: {e:?}");
    assert!(
        e.rel <= max_rel && e.ulp <= max_ulp,
        "{name}: {e:?}, bounds rel {max_rel:e}, {max_ulp} ulp"
    );
}

fn exact_sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        x.exp() / (1.0 + x.exp())
    }
}

#[test]
fn tanh_is_within_a_few_ulp_of_libm() {
    check_f32("tanh", tanh, f64::tanh, (-20.0, 20.0), (1.4e-7, 1.3));
    check_f64("tanh", tanh, f64::tanh, (-40.0, 40.0), (4.1e-16, 2.0));
}

#[test]
fn exp_is_within_a_few_ulp_of_libm() {
    check_f32("exp", exp, f64::exp, (-87.0, 88.0), (1.2e-7, 1.4));
    check_f64("exp", exp, f64::exp, (-708.0, 709.0), (2.3e-16, 1.0));
}

#[test]
fn sigmoid_is_within_a_few_ulp_of_libm() {
    check_f32(
        "sigmoid",
        sigmoid,
        exact_sigmoid,
        (-87.0, 87.0),
        (2.2e-7, 2.4),
    );
    check_f64(
        "sigmoid",
        sigmoid,
        exact_sigmoid,
        (-708.0, 708.0),
        (4.5e-16, 3.0),
    );
}

#[test]
fn kernels_give_ieee_results_on_special_values() {
    let inf = f64::INFINITY;
    for (x, t, e, s) in [
        (inf, 1.0, inf, 1.0),
        (-inf, -1.0, 0.0, 0.0),
        (1e300, 1.0, inf, 1.0),
        (-1e300, -1.0, 0.0, 0.0),
        (0.0, 0.0, 1.0, 0.5),
    ] {
        assert_eq!((tanh(x), exp(x), sigmoid(x)), (t, e, s), "at {x}");
        let x32 = x as f32;
        let got = (tanh(x32), exp(x32), sigmoid(x32));
        assert_eq!(got, (t as f32, e as f32, s as f32), "at {x} (f32)");
    }
    assert!(tanh(f64::NAN).is_nan() && exp(f64::NAN).is_nan() && sigmoid(f64::NAN).is_nan());
    assert!(tanh(f32::NAN).is_nan() && exp(f32::NAN).is_nan() && sigmoid(f32::NAN).is_nan());
    assert!(tanh(-0.0f64).is_sign_negative() && tanh(-0.0f32).is_sign_negative());
    // Below ln of the smallest normal, exp gives subnormals, then 0.
    assert_eq!(exp(-740.0f64), (-740.0f64).exp());
    assert_eq!(exp(-100.0f32), (-100.0f32).exp());
    assert_eq!((exp(-800.0f64), exp(-110.0f32)), (0.0, 0.0));
}
