//! Gradients: analytic values from the table's `f'`, finite differences (gradcheck) and
//! second order (gradgradcheck) for every op, and inputs used twice.

use super::{assert_close, grid, ops, t32, t64, Scalar, Unary64, T32, T64};
use crate::testing::{gradcheck, gradgradcheck};
use crate::vjp;

#[test]
fn gradient_matches_analytic_derivative() {
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 24);
        // d/dx Σ f(x) = f'(x), element by element.
        let (_, graph) = vjp(&t64(&xs), |x| (op.on64)(&x).sum());
        let expected: Vec<f64> = xs.iter().map(|&x| (op.df)(x)).collect();
        assert_close(
            op.name,
            &graph.backward().to_vec(),
            &expected,
            &xs,
            1e-10,
            1e-12,
        );
    }
}

#[test]
fn gradient_of_input_used_twice_accumulates() {
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 24);
        // d/dx Σ f(x)·x = f'(x)·x + f(x): both uses of x contribute.
        let (_, graph) = vjp(&t64(&xs), |x| ((op.on64)(&x) * &x).sum());
        let expected: Vec<f64> = xs.iter().map(|&x| (op.df)(x) * x + (op.f)(x)).collect();
        assert_close(
            op.name,
            &graph.backward().to_vec(),
            &expected,
            &xs,
            1e-10,
            1e-12,
        );
    }
}

#[test]
fn gradient_f32_matches_analytic_derivative() {
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 24);
        let (_, graph) = vjp(&t32(&xs), |x| (op.on32)(&x).sum());
        let got: Vec<f64> = graph
            .backward()
            .to_vec()
            .into_iter()
            .map(f64::from)
            .collect();
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
        let x = t64(&grid(op.domain.0, op.domain.1, 24));
        let loss = |x: &T64| ((op.on64)(x) * x).sum();
        let (_, graph) = vjp(&x, |x| loss(&x));
        let fused = graph.backward().to_vec();
        let mut recorded = Vec::new();
        let _ = vjp(&x, |x| {
            let (_, inner) = vjp(&x, |x| loss(&x));
            let g = inner.backward();
            assert!(g.is_traced(), "{}: the inner backward records", op.name);
            recorded = g.to_vec();
            g.sum()
        });
        assert_eq!(fused, recorded, "{}", op.name);
        let x = t32(&grid(op.domain.0, op.domain.1, 24));
        let loss = |x: &T32| ((op.on32)(x) * x).sum();
        let (_, graph) = vjp(&x, |x| loss(&x));
        let fused = graph.backward().to_vec();
        let mut recorded = Vec::new();
        let _ = vjp(&x, |x| {
            let (_, inner) = vjp(&x, |x| loss(&x));
            let g = inner.backward();
            recorded = g.to_vec();
            g.sum()
        });
        assert_eq!(fused, recorded, "{} f32", op.name);
    }
}

#[test]
fn gradcheck_every_op() {
    for op in ops() {
        let x = t64(&grid(op.domain.0, op.domain.1, 9));
        if let Err(e) = gradcheck(|x: T64| (op.on64)(&x), &x) {
            panic!("{}: {e}", op.name);
        }
    }
}

#[test]
fn gradgradcheck_every_op() {
    // relu, abs and clamp have a zero second derivative away from their kinks; the check
    // still confirms their backward rules record correctly.
    for op in ops() {
        let x = t64(&grid(op.domain.0, op.domain.1, 7));
        if let Err(e) = gradgradcheck(|x: T64| (op.on64)(&x), &x) {
            panic!("{}: {e}", op.name);
        }
    }
}

#[test]
fn gradgradcheck_input_used_twice() {
    for op in ops() {
        let x = t64(&grid(op.domain.0, op.domain.1, 5));
        if let Err(e) = gradgradcheck(|x: T64| (op.on64)(&x) * &x, &x) {
            panic!("{}: {e}", op.name);
        }
    }
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
