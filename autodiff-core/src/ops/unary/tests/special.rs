//! Non-finite inputs, extreme values, kinks, and the error function behind gelu.

use super::{ops, t32, t64, Unary64};
use crate::ops::unary::kernel::{erf, erfc, normal_cdf};
use crate::vjp;

const INF: f64 = f64::INFINITY;
const NAN: f64 = f64::NAN;

/// `a` and `e` are the same float: both NaN, or equal (0 and -0 count as equal).
fn same(a: f64, e: f64) -> bool {
    a == e || a.is_nan() && e.is_nan()
}

#[test]
fn non_finite_inputs_give_ieee_results() {
    #[rustfmt::skip]
    let cases: [(&str, Unary64, f64, f64); 30] = [
        ("ln", |t| t.ln(), -1.0, NAN), ("ln", |t| t.ln(), 0.0, -INF),
        ("ln", |t| t.ln(), INF, INF),
        ("sqrt", |t| t.sqrt(), -1.0, NAN), ("sqrt", |t| t.sqrt(), INF, INF),
        ("exp", |t| t.exp(), INF, INF), ("exp", |t| t.exp(), -INF, 0.0),
        ("recip", |t| t.recip(), 0.0, INF), ("recip", |t| t.recip(), -0.0, -INF),
        ("recip", |t| t.recip(), INF, 0.0),
        ("powf", |t| t.powf(0.5), -1.0, NAN), ("powf", |t| t.powf(-1.0), 0.0, INF),
        ("square", |t| t.square(), -INF, INF),
        ("abs", |t| t.abs(), -INF, INF),
        ("relu", |t| t.relu(), NAN, NAN), ("relu", |t| t.relu(), -INF, 0.0),
        ("relu", |t| t.relu(), INF, INF),
        ("clamp", |t| t.clamp(-1.0, 1.0), INF, 1.0),
        ("clamp", |t| t.clamp(-1.0, 1.0), -INF, -1.0),
        ("clamp", |t| t.clamp(-1.0, 1.0), NAN, NAN),
        ("sigmoid", |t| t.sigmoid(), INF, 1.0), ("sigmoid", |t| t.sigmoid(), -INF, 0.0),
        ("tanh", |t| t.tanh(), INF, 1.0), ("tanh", |t| t.tanh(), -INF, -1.0),
        ("softplus", |t| t.softplus(), INF, INF),
        ("softplus", |t| t.softplus(), -INF, 0.0),
        ("gelu", |t| t.gelu(), INF, INF), ("gelu", |t| t.gelu(), -INF, 0.0),
        ("sin", |t| t.sin(), INF, NAN), ("cos", |t| t.cos(), -INF, NAN),
    ];
    for (name, f, x, expected) in cases {
        let y = f(&t64(&[x])).to_vec()[0];
        assert!(same(y, expected), "{name}({x}) = {y}, expected {expected}");
    }
}

#[test]
fn nan_in_nan_out_and_backward_never_panics() {
    let xs = [NAN, INF, -INF, 0.0, -0.0, -1.0, 1e300, -1e300];
    for op in ops() {
        let y = (op.on64)(&t64(&xs)).to_vec();
        assert!(y[0].is_nan(), "{}(NaN) = {}", op.name, y[0]);
        let (_, graph) = vjp(&t64(&xs), |x| (op.on64)(&x).sum());
        let g = graph.backward().to_vec();
        assert!(g[0].is_nan(), "{}'(NaN) = {}", op.name, g[0]);
        let y32 = (op.on32)(&t32(&xs)).to_vec();
        assert!(y32[0].is_nan(), "{} f32(NaN) = {}", op.name, y32[0]);
    }
}

#[test]
fn gradients_at_infinities_are_the_limits() {
    let xs = [-INF, INF];
    let grad = |f: Unary64| {
        let (_, graph) = vjp(&t64(&xs), |x| f(&x).sum());
        graph.backward().to_vec()
    };
    assert_eq!(grad(|t| t.sigmoid()), vec![0.0, 0.0]);
    assert_eq!(grad(|t| t.tanh()), vec![0.0, 0.0]);
    assert_eq!(grad(|t| t.softplus()), vec![0.0, 1.0]);
    assert_eq!(grad(|t| t.gelu()), vec![0.0, 1.0]);
    assert_eq!(grad(|t| t.relu()), vec![0.0, 1.0]);
}

#[test]
fn softplus_and_sigmoid_are_stable_for_large_inputs() {
    let xs = [800.0, 50.0, -50.0, -800.0];
    // softplus(50) = 50 + ln(1 + e^-50) rounds to 50; softplus(-50) = ln(1 + e^-50).
    let tiny = 1.928_749_847_963_917_8e-22; // ln(1 + e^-50) = 1/(1 + e^50), mpmath
    let sp = t64(&xs).softplus().to_vec();
    assert_eq!([sp[0], sp[1], sp[3]], [800.0, 50.0, 0.0]);
    assert!((sp[2] - tiny).abs() <= 1e-15 * tiny, "{}", sp[2]);
    let sg = t64(&xs).sigmoid().to_vec();
    assert_eq!([sg[0], sg[1], sg[3]], [1.0, 1.0, 0.0]);
    assert!((sg[2] - tiny).abs() <= 1e-15 * tiny, "{}", sg[2]);
    let sp32 = t32(&[100.0, -100.0]).softplus().to_vec();
    assert_eq!(sp32[0], 100.0);
    assert!(sp32[1] >= 0.0 && sp32[1] < 1e-40);
}

#[test]
fn kinks_use_pytorch_subgradients() {
    let grad = |xs: &[f64], f: Unary64| {
        let (_, graph) = vjp(&t64(xs), |x| f(&x).sum());
        graph.backward().to_vec()
    };
    // relu'(0) = 0 and abs'(0) = 0, for +0 and -0 alike.
    assert_eq!(
        grad(&[0.0, -0.0, 1e-300], |t| t.relu()),
        vec![0.0, 0.0, 1.0]
    );
    assert_eq!(
        grad(&[0.0, -0.0, -1e-300], |t| t.abs()),
        vec![0.0, 0.0, -1.0]
    );
    // clamp: the gradient passes at both bounds (min <= x <= max) and stops just outside.
    let (lo, hi) = (-0.5, 1.5);
    let xs = [lo, hi, lo - 1e-12, hi + 1e-12];
    let (_, graph) = vjp(&t64(&xs), |x| x.clamp(lo, hi).sum());
    assert_eq!(graph.backward().to_vec(), vec![1.0, 1.0, 0.0, 0.0]);
}

#[test]
fn clamp_with_min_above_max_gives_max_and_no_gradient() {
    let xs = [-3.0, 0.5, 3.0];
    let (y, graph) = vjp(&t64(&xs), |x| x.clamp(1.0, 0.0).sum());
    assert_eq!(y.item(), 0.0);
    assert_eq!(graph.backward().to_vec(), vec![0.0, 0.0, 0.0]);
}

#[test]
fn powf_and_powi_with_zero_exponent_have_zero_gradient() {
    let xs = [-2.0, 0.0, 3.0];
    let (y, graph) = vjp(&t64(&xs), |x| x.powf(0.0).sum());
    assert_eq!(y.item(), 3.0);
    assert_eq!(graph.backward().to_vec(), vec![0.0, 0.0, 0.0]);
    let (_, graph) = vjp(&t64(&xs), |x| x.powi(0).sum());
    assert_eq!(graph.backward().to_vec(), vec![0.0, 0.0, 0.0]);
}

#[test]
fn erf_matches_high_precision_values() {
    // mpmath at 30 digits; the series/continued-fraction switch is at 2.
    let cases = [
        (0.1, 0.112_462_916_018_284_9),
        (0.5, 0.520_499_877_813_046_5),
        (-0.7, -0.677_801_193_837_418_4),
        (1.0, 0.842_700_792_949_714_9),
        (1.5, 0.966_105_146_475_310_8),
        (1.99, 0.995_111_413_199_617),
        (2.0, 0.995_322_265_018_952_7),
        (2.5, 0.999_593_047_982_555),
        (3.0, 0.999_977_909_503_001_4),
        (4.0, 0.999_999_984_582_742_1),
    ];
    for (z, expected) in cases {
        let got = erf(z);
        assert!(
            (got - expected).abs() <= 1e-15,
            "erf({z}) = {got:e}, expected {expected:e}"
        );
        assert_eq!(erf(-z), -got, "erf is odd");
    }
    assert_eq!((erf(0.0), erf(INF), erf(-INF)), (0.0, 1.0, -1.0));
    assert!(erf(NAN).is_nan() && erfc(NAN).is_nan());
}

#[test]
fn erfc_and_normal_cdf_are_accurate_in_the_tails() {
    // Relative accuracy where 1 - erf(z) would round to 0 (mpmath, 30 digits).
    let cases = [
        (0.3, 0.671_373_240_540_872_6),
        (1.9, 0.007_209_570_764_742_532_5),
        (2.1, 0.002_979_466_656_332_984),
        (4.0, 1.541_725_790_028_002e-8),
        (6.0, 2.151_973_671_249_891_3e-17),
        (10.0, 2.088_487_583_762_545e-45),
        (20.0, 5.395_865_611_607_901e-176),
    ];
    for (z, expected) in cases {
        let got = erfc(z);
        assert!(
            (got - expected).abs() <= 1e-13 * expected,
            "erfc({z}) = {got:e}"
        );
        assert!((erfc(-z) - (2.0 - expected)).abs() <= 1e-15);
    }
    assert_eq!((erfc(INF), erfc(-INF)), (0.0, 2.0));
    // Φ(-10) = erfc(10/√2)/2 (mpmath).
    let phi = normal_cdf(-10.0);
    assert!(
        (phi - 7.619_853_024_160_525e-24).abs() <= 1e-12 * phi,
        "{phi:e}"
    );
    assert_eq!((normal_cdf(-INF), normal_cdf(INF)), (0.0, 1.0));
}
