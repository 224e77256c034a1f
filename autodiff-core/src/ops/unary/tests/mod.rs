//! Tests of the unary ops. Every op sits in one table with an independent reference `f`
//! and derivative `f'` written from the formulas with `std` (never with our kernels), so
//! the forward, gradient and second-order tests run over all ops alike.

mod derivative;
mod fastmath;
mod forward;
mod gradients;
mod special;

use crate::{Dyn, Tensor};

type T64 = Tensor<(Dyn,), f64>;
type T32 = Tensor<(Dyn,), f32>;
/// One of the ops under test, on f64 tensors.
type Unary64 = fn(&T64) -> T64;
/// A reference function or derivative on one number.
type Scalar = fn(f64) -> f64;

fn t64(v: &[f64]) -> T64 {
    Tensor::from_shape_vec((Dyn(v.len()),), v.to_vec()).unwrap()
}

fn t32(v: &[f64]) -> T32 {
    Tensor::from_shape_vec((Dyn(v.len()),), v.iter().map(|&x| x as f32).collect()).unwrap()
}

/// The values of an f32 tensor, widened (exactly) to f64 for [`assert_close`].
fn widen(t: &T32) -> Vec<f64> {
    t.to_vec().into_iter().map(f64::from).collect()
}

/// `n` points strictly inside `(lo, hi)`, 0.4 of the way into each of `n` equal cells:
/// off-centre, so that on the domains below no point falls on a kink (0 for relu/abs,
/// -0.5 and 1.5 for clamp) or within gradcheck's step of one.
fn grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * (i as f64 + 0.4) / n as f64)
        .collect()
}

#[track_caller]
fn assert_close(what: &str, actual: &[f64], expected: &[f64], at: &[f64], rtol: f64, atol: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for ((&a, &e), &x) in actual.iter().zip(expected).zip(at) {
        assert!(
            (a - e).abs() <= atol + rtol * e.abs(),
            "{what} at x = {x}: got {a:e}, expected {e:e}"
        );
    }
}

/// φ(x), the standard normal density.
fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Φ(x) = 1/2 + ∫₀ˣ φ: a naive Simpson's rule on 2000 cells, independent of the series
/// and continued fraction in `kernel.rs`. Accurate to ~1e-15 in absolute terms for
/// |x| <= 5, not in relative terms: in the left tail 1/2 - ∫ cancels (the mpmath values
/// in the tests check the tail).
fn normal_cdf(x: f64) -> f64 {
    let n = 2000;
    let h = x / n as f64;
    let inner: f64 = (1..n)
        .map(|i| normal_pdf(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    0.5 + h / 3.0 * (normal_pdf(0.0) + inner + normal_pdf(x))
}

fn naive_sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// One op: how to call it on f64 and f32 tensors, its reference `f` and `f'`, and a domain
/// (open interval) where it is smooth and the references are accurate.
struct Op {
    name: &'static str,
    on64: fn(&T64) -> T64,
    on32: fn(&T32) -> T32,
    f: Scalar,
    df: Scalar,
    domain: (f64, f64),
}

const CLAMP_LO: f64 = -0.5;
const CLAMP_HI: f64 = 1.5;

#[rustfmt::skip]
fn ops() -> Vec<Op> {
    vec![
        Op { name: "exp", on64: |t| t.exp(), on32: |t| t.exp(),
             f: f64::exp, df: f64::exp, domain: (-5.0, 5.0) },
        Op { name: "ln", on64: |t| t.ln(), on32: |t| t.ln(),
             f: f64::ln, df: |x| 1.0 / x, domain: (0.05, 20.0) },
        Op { name: "sqrt", on64: |t| t.sqrt(), on32: |t| t.sqrt(),
             f: f64::sqrt, df: |x| 0.5 / x.sqrt(), domain: (0.05, 20.0) },
        Op { name: "powi(3)", on64: |t| t.powi(3), on32: |t| t.powi(3),
             f: |x| x * x * x, df: |x| 3.0 * x * x, domain: (-3.0, 3.0) },
        Op { name: "powf(1.7)", on64: |t| t.powf(1.7), on32: |t| t.powf(1.7),
             f: |x| x.powf(1.7), df: |x| 1.7 * x.powf(0.7), domain: (0.05, 5.0) },
        Op { name: "powf(-0.5)", on64: |t| t.powf(-0.5), on32: |t| t.powf(-0.5),
             f: |x| 1.0 / x.sqrt(), df: |x| -0.5 / (x * x.sqrt()), domain: (0.1, 5.0) },
        Op { name: "square", on64: |t| t.square(), on32: |t| t.square(),
             f: |x| x * x, df: |x| 2.0 * x, domain: (-3.0, 3.0) },
        Op { name: "recip", on64: |t| t.recip(), on32: |t| t.recip(),
             f: |x| 1.0 / x, df: |x| -1.0 / (x * x), domain: (0.2, 5.0) },
        Op { name: "recip<0", on64: |t| t.recip(), on32: |t| t.recip(),
             f: |x| 1.0 / x, df: |x| -1.0 / (x * x), domain: (-5.0, -0.2) },
        Op { name: "abs", on64: |t| t.abs(), on32: |t| t.abs(),
             f: f64::abs, df: |x| if x > 0.0 { 1.0 } else { -1.0 }, domain: (-3.0, 3.0) },
        Op { name: "relu", on64: |t| t.relu(), on32: |t| t.relu(),
             f: |x| x.max(0.0), df: |x| if x > 0.0 { 1.0 } else { 0.0 }, domain: (-3.0, 3.0) },
        Op { name: "clamp", on64: |t| t.clamp(-0.5, 1.5), on32: |t| t.clamp(-0.5, 1.5),
             f: |x| x.clamp(CLAMP_LO, CLAMP_HI),
             df: |x| if (CLAMP_LO..=CLAMP_HI).contains(&x) { 1.0 } else { 0.0 },
             domain: (-3.0, 3.0) },
        Op { name: "sigmoid", on64: |t| t.sigmoid(), on32: |t| t.sigmoid(),
             f: naive_sigmoid, df: |x| naive_sigmoid(x) * (1.0 - naive_sigmoid(x)),
             domain: (-10.0, 10.0) },
        Op { name: "tanh", on64: |t| t.tanh(), on32: |t| t.tanh(),
             f: f64::tanh, df: |x| 1.0 - x.tanh() * x.tanh(), domain: (-4.0, 4.0) },
        Op { name: "softplus", on64: |t| t.softplus(), on32: |t| t.softplus(),
             f: |x| x.exp().ln_1p(), df: naive_sigmoid, domain: (-20.0, 20.0) },
        Op { name: "gelu", on64: |t| t.gelu(), on32: |t| t.gelu(),
             f: |x| x * normal_cdf(x), df: |x| normal_cdf(x) + x * normal_pdf(x),
             domain: (-5.0, 5.0) },
        Op { name: "sin", on64: |t| t.sin(), on32: |t| t.sin(),
             f: f64::sin, df: f64::cos, domain: (-7.0, 7.0) },
        Op { name: "cos", on64: |t| t.cos(), on32: |t| t.cos(),
             f: f64::cos, df: |x| -x.sin(), domain: (-7.0, 7.0) },
    ]
}
