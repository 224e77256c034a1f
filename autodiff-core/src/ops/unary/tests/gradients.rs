//! Gradients: analytic values from the table's `f'`, finite differences (gradcheck) and
//! second order (gradgradcheck) for every op, and inputs used twice.

use super::{assert_close, grid, ops, t32, t64, widen, Op, Scalar, Unary64, T64};
use crate::testing::{gradcheck, gradgradcheck, GradcheckError};
use crate::{vjp, Dyn, Float, Tensor};

/// For every op at 24 points of its domain: the gradient of `loss` against `want(op, x)`.
fn gradient_matches(loss: impl Fn(&Op, T64) -> Tensor<(), f64>, want: impl Fn(&Op, f64) -> f64) {
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 24);
        let (_, graph) = vjp(&t64(&xs), |x| loss(&op, x));
        let expected: Vec<f64> = xs.iter().map(|&x| want(&op, x)).collect();
        let got = graph.backward().to_vec();
        assert_close(op.name, &got, &expected, &xs, 1e-10, 1e-12);
    }
}

/// `check` (a gradcheck or gradgradcheck) for every op at `n` points of its domain.
fn check_every_op(n: usize, check: impl Fn(&Op, &T64) -> Result<(), GradcheckError>) {
    for op in ops() {
        let x = t64(&grid(op.domain.0, op.domain.1, n));
        if let Err(e) = check(&op, &x) {
            panic!("{}: {e}", op.name);
        }
    }
}

#[test]
fn gradient_matches_analytic_derivative() {
    // d/dx Σ f(x) = f'(x), element by element.
    gradient_matches(|op, x| (op.on64)(&x).sum(), |op, x| (op.df)(x));
}

#[test]
fn gradient_of_input_used_twice_accumulates() {
    // d/dx Σ f(x)·x = f'(x)·x + f(x): both uses of x contribute.
    gradient_matches(
        |op, x| ((op.on64)(&x) * &x).sum(),
        |op, x| (op.df)(x) * x + (op.f)(x),
    );
}

#[test]
fn gradient_f32_matches_analytic_derivative() {
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 24);
        let (_, graph) = vjp(&t32(&xs), |x| (op.on32)(&x).sum());
        let got = widen(&graph.backward());
        let expected: Vec<f64> = xs.iter().map(|&x| (op.df)(f64::from(x as f32))).collect();
        assert_close(op.name, &got, &expected, &xs, 1e-5, 1e-6);
    }
}

#[test]
fn fused_first_order_rules_match_recorded_ones() {
    // A first-order backward records nothing; the same backward inside an outer `vjp`
    // records its rules. Same arithmetic, so the same bits (the one-op rules against their
    // composed forms: `same_bits_as_the_composed_rules`); `f(x) * x` also accumulates into
    // `x` in place against `add` recorded.
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 24);
        let (fused, recorded, traced) = fused_and_recorded(&t64(&xs), op.on64);
        assert!(traced, "{}: the inner backward records", op.name);
        assert_eq!(fused, recorded, "{}", op.name);
        let (fused, recorded, _) = fused_and_recorded(&t32(&xs), op.on32);
        assert_eq!(fused, recorded, "{} f32", op.name);
    }
}

/// [`T64`] or [`T32`](super::T32).
type Vector<E> = Tensor<(Dyn,), E>;

/// The gradient of `Σ f(x)·x` by a first-order backward (fused) and by the same backward
/// inside an outer `vjp` (recorded), and whether the recorded one is traced.
fn fused_and_recorded<E: Float>(
    x: &Vector<E>,
    f: fn(&Vector<E>) -> Vector<E>,
) -> (Vec<E>, Vec<E>, bool) {
    let loss = |x: &Vector<E>| (f(x) * x).sum();
    let (_, graph) = vjp(x, |x| loss(&x));
    let fused = graph.backward().to_vec();
    let (mut recorded, mut traced) = (Vec::new(), false);
    let _ = vjp(x, |x| {
        let (_, inner) = vjp(&x, |x| loss(&x));
        let g = inner.backward();
        traced = g.is_traced();
        recorded = g.to_vec();
        g.sum()
    });
    (fused, recorded, traced)
}

#[test]
fn gradcheck_every_op() {
    check_every_op(9, |op, x| gradcheck(|x: T64| (op.on64)(&x), x));
}

#[test]
fn gradgradcheck_every_op() {
    // relu, abs and clamp have a zero second derivative away from their kinks; the check
    // still confirms their backward rules record correctly.
    check_every_op(7, |op, x| gradgradcheck(|x: T64| (op.on64)(&x), x));
}

#[test]
fn gradgradcheck_input_used_twice() {
    check_every_op(5, |op, x| gradgradcheck(|x: T64| (op.on64)(&x) * &x, x));
}

#[test]
fn second_derivatives_match_formulas() {
    let xs = [-2.0, -0.6, 0.3, 1.7];
    let second = |f: Unary64| -> Vec<f64> {
        let (_, outer) = vjp(&t64(&xs), |x| {
            let (_, inner) = vjp(&x, |x| f(&x).sum());
            inner.backward().sum()
        });
        outer.backward().to_vec()
    };
    use super::{naive_sigmoid as s, normal_pdf as phi};
    #[rustfmt::skip]
    let cases: [(&str, Unary64, Scalar); 5] = [
        // tanh'' = -2 tanh (1 - tanh²)
        ("tanh", |t| t.tanh(), |x| -2.0 * x.tanh() * (1.0 - x.tanh().powi(2))),
        // sigmoid'' = s (1 - s) (1 - 2s)
        ("sigmoid", |t| t.sigmoid(), |x| s(x) * (1.0 - s(x)) * (1.0 - 2.0 * s(x))),
        // softplus'' = s (1 - s)
        ("softplus", |t| t.softplus(), |x| s(x) * (1.0 - s(x))),
        // gelu'' = φ(x) (2 - x²)
        ("gelu", |t| t.gelu(), |x| phi(x) * (2.0 - x * x)),
        // sin'' = -sin
        ("sin", |t| t.sin(), |x| -x.sin()),
    ];
    for (name, f, d2) in cases {
        let expected: Vec<f64> = xs.iter().map(|&x| d2(x)).collect();
        assert_close(name, &second(f), &expected, &xs, 1e-10, 1e-12);
    }
}

#[test]
fn gelu_third_derivative_by_finite_differences() {
    // gelu''(x) is itself recorded, so a gradient of it (the third derivative) exists.
    let x = t64(&[-1.3, 0.4, 2.2]);
    let gelu_second = |x: T64| {
        let (_, g1) = vjp(&x, |x| {
            let (_, g0) = vjp(&x, |x| x.gelu().sum());
            g0.backward().sum()
        });
        g1.backward()
    };
    gradcheck(gelu_second, &x).unwrap();
}
