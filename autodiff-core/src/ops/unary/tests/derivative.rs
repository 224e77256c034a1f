//! The backward rules recorded as one op (`derivative.rs`): the bits of the composed rules
//! they replace, gradients to the third order, and one node per rule under `create_graph`.

use super::{grid, t64, T64};
use crate::ops::binary::{add_scalar_raw, mul_raw, neg_raw, scale_raw};
use crate::ops::unary::derivative::{times_derivative_raw, Derivative};
use crate::prelude::*;
use crate::tensor::raw::RawTensor;
use crate::testing::{gradcheck, gradgradcheck};
use crate::{Dims, Float};

/// Every kind, with a domain for `s` where it is smooth.
#[rustfmt::skip]
fn kinds() -> Vec<(&'static str, Derivative<f64>, (f64, f64))> {
    use Derivative::*;
    vec![
        ("tanh", Tanh, (-0.95, 0.95)),
        ("sigmoid", Sigmoid, (0.02, 0.98)),
        ("powi(4)", Powi { c: 4.0, m: 3 }, (-2.0, 2.0)),
        ("powi(3)", Powi { c: 3.0, m: 2 }, (-2.0, 2.0)),
        ("square", Powi { c: 2.0, m: 1 }, (-2.0, 2.0)),
        ("powi(1)", Powi { c: 1.0, m: 0 }, (-2.0, 2.0)),
        ("powi(-2)", Powi { c: -2.0, m: -3 }, (0.5, 3.0)),
        ("recip", Powi { c: -1.0, m: 2 }, (-2.0, 2.0)),
        ("powf(1.7)", Powf { c: 1.7, p: 0.7 }, (0.2, 3.0)),
        ("powf(-0.5)", Powf { c: -0.5, p: -1.5 }, (0.2, 3.0)),
        ("affine", Affine { a: -2.0, b: 1.0 }, (-2.0, 2.0)),
        ("zero", Zero, (-2.0, 2.0)),
    ]
}

/// `times_derivative_raw` on typed tensors, for the checks.
fn times(k: Derivative<f64>) -> impl Fn((T64, T64)) -> T64 {
    move |(g, s)| Tensor::from_raw(times_derivative_raw(&g.raw, &s.raw, k))
}

#[test]
fn gradcheck_and_gradgradcheck_every_kind() {
    // gradcheck runs the fused pass for `s`; gradgradcheck records the rule (this op on
    // the next kind, and `gg * g`) and differentiates it: a third order of the unary op.
    for (name, k, (lo, hi)) in kinds() {
        let g = t64(&grid(-1.5, 2.0, 7));
        let s = t64(&grid(lo, hi, 7));
        if let Err(e) = gradcheck(times(k), &(g.clone(), s.clone())) {
            panic!("{name}: {e}");
        }
        if let Err(e) = gradgradcheck(times(k), &(g, s)) {
            panic!("{name}: {e}");
        }
    }
}

/// Values with edge cases: zeros of both signs, tiny, huge, infinite, NaN.
fn values<E: Float>(n: usize, shift: f64) -> RawTensor<E> {
    let special = [
        0.0,
        -0.0,
        1e-30,
        -3e30,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    let v = grid(-3.0, 3.0, n).into_iter().map(|x| x + shift);
    let v: Vec<E> = special.into_iter().chain(v).map(E::from_f64).collect();
    RawTensor::collect(Dims::new(&[v.len()]), v)
}

#[track_caller]
fn assert_same_bits<E: Float>(what: &str, a: &RawTensor<E>, b: &RawTensor<E>) {
    for (i, (&x, &y)) in a.as_slice().iter().zip(b.as_slice()).enumerate() {
        let same = x.to_f64().to_bits() == y.to_f64().to_bits() || (x.is_nan() && y.is_nan());
        assert!(same, "{what} {} at {i}: {x:?} against {y:?}", E::NAME);
    }
}

fn same_bits_as_composed_rules<E: Float>() {
    let (g, s) = (values::<E>(40, 0.01), values::<E>(40, -0.02));
    let e = E::from_f64;
    let times = |k| times_derivative_raw(&g, &s, k);
    // The rules as they were written with raw ops (`y` is `s`).
    let tanh = mul_raw(&g, &add_scalar_raw(&neg_raw(&s.map(|y| y * y)), E::ONE));
    assert_same_bits("tanh", &times(Derivative::Tanh), &tanh);
    let sigmoid = mul_raw(&g, &mul_raw(&s, &add_scalar_raw(&neg_raw(&s), E::ONE)));
    assert_same_bits("sigmoid", &times(Derivative::Sigmoid), &sigmoid);
    for n in [-3, -1, 1, 2, 3, 4, 7] {
        let powi = mul_raw(&g, &scale_raw(&s.map(|x| x.powi(n - 1)), e(f64::from(n))));
        let k = Derivative::Powi {
            c: e(f64::from(n)),
            m: n - 1,
        };
        assert_same_bits(&format!("powi({n})"), &times(k), &powi);
    }
    let square = mul_raw(&g, &scale_raw(&s, e(2.0)));
    let k = Derivative::Powi { c: e(2.0), m: 1 };
    assert_same_bits("square", &times(k), &square);
    let recip = neg_raw(&mul_raw(&g, &s.map(|y| y * y)));
    let k = Derivative::Powi { c: -E::ONE, m: 2 };
    assert_same_bits("recip", &times(k), &recip);
    for p in [1.7, -0.5, 3.0] {
        let p = e(p);
        let powf = mul_raw(&g, &scale_raw(&s.map(|x| x.powf(p - E::ONE)), p));
        let k = Derivative::Powf {
            c: p,
            p: p - E::ONE,
        };
        assert_same_bits("powf", &times(k), &powf);
    }
    let zero = mul_raw(&g, &scale_raw(&s, E::ZERO));
    assert_same_bits("zero", &times(Derivative::Zero), &zero);
    // And the forward of `powi(2)`, a product instead of `powi`.
    let (a, b) = (s.map(|x| x * x), s.map(|x| x.powi(2)));
    assert_same_bits("powi(2) forward", &a, &b);
}

#[test]
fn same_bits_as_the_composed_rules() {
    // What `fused_first_order_rules_match_recorded_ones` used to compare: the rules when
    // they were composed of raw ops (recorded) or fused (first order). Both are this op now.
    same_bits_as_composed_rules::<f32>();
    same_bits_as_composed_rules::<f64>();
}

#[test]
fn third_derivatives_by_finite_differences() {
    let x = t64(&[-1.3, -0.2, 0.4, 2.2]);
    for f in [
        (|x: &T64| x.tanh()) as fn(&T64) -> T64,
        |x| x.sigmoid(),
        |x| x.powi(4),
        |x| x.square(),
        |x| (x + 3.0).recip(),
        |x| (x + 3.0).powf(2.5),
    ] {
        let second = |x: T64| {
            let (_, g1) = vjp(&x, |x| {
                let (_, g0) = vjp(&x, |x| f(&x).sum());
                g0.backward().sum()
            });
            g1.backward()
        };
        gradcheck(second, &x).unwrap();
    }
}

#[test]
fn a_hessian_vector_product_records_one_node_per_rule() {
    // W4's graph (docs/benchmarks.md): the inner backward of sum(tanh(W x)²) records
    // powi's rule, tanh's rule and matmul's rule as one node each. The outer graph over x
    // runs: the inner input, matmul, tanh, the three rules, `* v` and the sum (before:
    // three nodes for powi's rule, four for tanh's, three for matmul's: 15).
    let w = Tensor::<(U4, U3), f64>::from_vec((0..12).map(|i| f64::from(i) * 0.1 - 0.5).collect())
        .unwrap();
    let x = Tensor::<(U3,), f64>::from_vec(vec![0.3, -0.2, 0.5]).unwrap();
    let v = Tensor::<(U3,), f64>::from_vec(vec![1.0, 2.0, -1.0]).unwrap();
    let hvp = |x: &Tensor<(U3,), f64>| {
        vjp(x, |x| {
            let (_, inner) = vjp(&x, |x| w.matmul(&x).tanh().powi(2).sum());
            (inner.backward() * &v).sum()
        })
    };
    let (_, graph) = hvp(&x);
    assert_eq!(graph.nodes_visited(&true), 8);
    // Each rule node is drawn as what it computes.
    let dot = graph.to_dot();
    for label in ["g*(1-s^2)", "g*c*s^m", "matvec_t"] {
        assert!(
            dot.contains(&format!("label=\"{label}\\n[")),
            "{label} in {dot}"
        );
    }
    // And the product is H v: with t = tanh(W x), H = Wᵀ diag(2 (1 - t²)(1 - 3 t²)) W.
    let t = w.matmul(&x).tanh();
    let s = (t.square() * -1.0 + 1.0) * (t.square() * -3.0 + 1.0) * 2.0;
    let expected = w.t().matmul(&(s * w.matmul(&v)));
    let got = graph.backward();
    for (a, b) in got.to_vec().iter().zip(expected.to_vec()) {
        assert!((a - b).abs() < 1e-12, "{a} against {b}");
    }
    // A third order through all of it.
    gradcheck(|x: Tensor<(U3,), f64>| hvp(&x).1.backward(), &x).unwrap();
}
