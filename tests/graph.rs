//! Reverse mode end to end: seeds, retention, accumulation, input selection, higher order,
//! deep graphs. Gradients are compared with hand-derived formulas and with gradcheck.

use autodiff::prelude::*;
use autodiff::testing::{gradcheck, gradgradcheck};

type S = Tensor<(), f64>;
type LinearGrads = (Tensor<(U1, U1), f64>, Tensor<(U1,), f64>);
type Pair = (Tensor<(U2, U3), f64>, Tensor<(U3,), f64>);

fn scalar(x: f64) -> S {
    Tensor::full(x)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

/// The seed's example: `Linear(1, 1)` with weight 0.5 and bias -0.25, `x = [1.0]`,
/// `y = func(x)^2`, retained, backward twice with accumulation.
#[test]
fn seed_example_retained_backward_twice_accumulates() {
    let w = Tensor::<(U1, U1), f64>::full(0.5);
    let b = Tensor::<(U1,), f64>::full(-0.25);
    let x = Tensor::<(U1, U1), f64>::full(1.0);
    let (y, graph) = vjp(&(w.clone(), b.clone()), |(w, b)| {
        (x.matmul(&w.t()) + &b).powi(2).sum()
    });
    // z = x w + b = 0.25; y = z² = 0.0625; dy/dw = 2 z x = 0.5; dy/db = 2 z = 0.5.
    assert!(close(y.item(), 0.0625));
    let retained = graph.retain();
    let mut grads: Option<LinearGrads> = None;
    retained.backward_into(&mut grads);
    let (gw, gb) = grads.clone().unwrap();
    assert!(close(gw.item(), 0.5) && close(gb.item(), 0.5));
    retained.backward_into(&mut grads);
    let (gw2, gb2) = grads.unwrap();
    assert!(
        close(gw2.item(), 1.0) && close(gb2.item(), 1.0),
        "the second backward adds to the first"
    );
}

#[test]
fn backward_with_seed_weights_each_output() {
    let x = Tensor::<(U3,), f64>::from_vec(vec![1., 2., 3.]).unwrap();
    let (_, graph) = vjp(&x, |x| x.powi(2));
    let seed = Tensor::<(U3,), f64>::from_vec(vec![1., 0., -1.]).unwrap();
    // d(x²)/dx = 2x, times the seed.
    assert_eq!(graph.backward_with(seed).to_vec(), vec![2., 0., -6.]);
}

#[test]
fn retained_graph_gives_the_same_gradient_every_time() {
    let x = Tensor::<(U2,), f64>::from_vec(vec![0.5, -1.5]).unwrap();
    let retained = vjp(&x, |x| (x.exp() * &x).sum()).1.retain();
    let first = retained.backward().to_vec();
    for _ in 0..3 {
        assert_eq!(retained.backward().to_vec(), first);
    }
    // d(x eˣ)/dx = eˣ (1 + x)
    for (g, x) in first.iter().zip([0.5f64, -1.5]) {
        assert!(close(*g, x.exp() * (1.0 + x)));
    }
}

#[test]
fn zeroing_and_none_buffers() {
    let x = scalar(2.0);
    let retained = vjp(&x, |x| x.powi(3)).1.retain();
    let mut g = S::zeros();
    retained.backward_into(&mut g);
    assert!(close(g.item(), 12.0));
    zero_grads(&mut g);
    assert_eq!(g.item(), 0.0);
    retained.backward_into(&mut g);
    assert!(close(g.item(), 12.0));
    let mut none: Option<S> = None;
    retained.backward_into(&mut none);
    assert!(close(none.unwrap().item(), 12.0));
}

#[test]
fn accumulation_reuses_the_buffer_it_owns() {
    let x = Tensor::<(U4,), f64>::ones();
    let retained = vjp(&x, |x| x.sum()).1.retain();
    let mut g = Tensor::<(U4,), f64>::zeros();
    let before = g.as_slice().as_ptr();
    retained.backward_into(&mut g);
    retained.backward_into(&mut g);
    assert_eq!(
        g.as_slice().as_ptr(),
        before,
        "no new buffer for an unshared gradient"
    );
    assert_eq!(g.to_vec(), vec![2.; 4]);
}

#[test]
fn accumulation_in_the_backward_pass_never_writes_into_a_shared_buffer() {
    // `x + x` hands both of its parents (the same `x`) the very same gradient tensor, which
    // is the seed itself: the first is added to in place only after a copy.
    let x = Tensor::<(U3,), f64>::from_vec(vec![1., 2., 3.]).unwrap();
    let retained = vjp(&x, |x| &x + &x).1.retain();
    let seed = Tensor::<(U3,), f64>::from_vec(vec![1., 10., 100.]).unwrap();
    let kept = seed.clone();
    assert_eq!(retained.backward_with(seed).to_vec(), vec![2., 20., 200.]);
    assert_eq!(kept.to_vec(), vec![1., 10., 100.]);
    // Three uses: the third gradient is added in place into the sum of the first two.
    let (_, graph) = vjp(&x, |x| (&x + &x + &x * 2.0).sum());
    assert_eq!(graph.backward().to_vec(), vec![4., 4., 4.]);
}

#[test]
fn rules_that_write_into_their_gradient_leave_shared_tensors_alone() {
    // tanh's and `*`'s rules write their result into the gradient they receive when
    // nobody else holds it. Here it is the caller's seed, then a gradient `+` handed to
    // both of its parents: each must be copied first, and saved values never change.
    type V = Tensor<(U8,), f64>;
    let x = V::from_vec((1..=8).map(|i| f64::from(i) * 0.1).collect()).unwrap();
    let a = V::from_vec((1..=8).map(|i| 1.0 - f64::from(i) * 0.05).collect()).unwrap();
    let f = |(x, a): (V, V)| {
        let t = x.tanh();
        &(&t * &a) + &(&t * &t)
    };
    let retained = vjp(&(x.clone(), a.clone()), f).1.retain();
    let seed = V::from_vec((1..=8).map(f64::from).collect()).unwrap();
    let kept = seed.clone();
    let (gx, ga) = retained.backward_with(seed.clone());
    assert_eq!(seed.to_vec(), kept.to_vec(), "the seed is the caller's");
    let (gx2, ga2) = retained.backward_with(seed);
    assert_eq!((gx.to_vec(), ga.to_vec()), (gx2.to_vec(), ga2.to_vec()));
    // d/dx = g (a + 2t)(1 - t²), d/da = g t.
    for i in 0..8 {
        let (t, g) = (x.to_vec()[i].tanh(), kept.to_vec()[i]);
        assert!(close(
            gx.to_vec()[i],
            g * (a.to_vec()[i] + 2.0 * t) * (1.0 - t * t)
        ));
        assert!(close(ga.to_vec()[i], g * t));
    }
}

#[test]
fn input_selection_skips_the_other_branch() {
    let a = scalar(0.3);
    let b = scalar(-0.7);
    // Three nodes lead only to `b` (exp, exp, exp), two only to `a` (powi, exp), one joins.
    let f = |(a, b): (S, S)| a.powi(2).exp() + b.exp().exp().exp();
    let (_, graph) = vjp(&(a.clone(), b.clone()), f);
    assert_eq!(graph.nodes_visited(&(true, true)), 6);
    assert_eq!(graph.nodes_visited(&(true, false)), 3);
    assert_eq!(graph.nodes_visited(&(false, true)), 4);
    let (ga, gb) = graph.backward_selected(&(true, false));
    assert!(
        gb.is_none(),
        "an unselected input gets no gradient, not a zero"
    );
    // d exp(a²)/da = 2a exp(a²)
    assert!(close(ga.unwrap().item(), 2.0 * 0.3 * (0.09f64).exp()));
}

#[test]
fn an_input_the_output_ignores_gets_zeros() {
    let (_, graph) = vjp(&(scalar(1.0), Tensor::<(U2,), f64>::ones()), |(a, _b)| {
        a.exp()
    });
    let (_, gb) = graph.backward();
    assert_eq!(gb.to_vec(), vec![0., 0.]);
}

#[test]
fn captured_tensors_and_detach_are_constants() {
    let c = scalar(3.0);
    let (_, graph) = vjp(&scalar(2.0), |x| &x * &c + (&x * &x).detach());
    assert!(close(graph.backward().item(), 3.0));
    let (_, graph) = vjp(&scalar(2.0), |x| &x * no_grad(|| &x * 5.0));
    assert!(close(graph.backward().item(), 10.0));
}

#[test]
fn a_traced_tensor_that_escapes_is_a_constant_afterwards() {
    let mut escaped = None;
    let (_, graph) = vjp(&scalar(2.0), |x| {
        escaped = Some(x.clone());
        x.powi(2)
    });
    let escaped = escaped.unwrap();
    assert!(close(graph.backward().item(), 4.0));
    // After the vjp, no tape is current: ops on the escaped tensor record nothing.
    assert!(!(&escaped * 2.0).is_traced());
}

/// d/dx of d/dx: a vjp inside a vjp.
fn derivative(f: impl Fn(S) -> S + Copy) -> impl Fn(S) -> S + Copy {
    move |x: S| vjp(&x, f).1.backward()
}

#[test]
fn second_and_third_derivatives_of_polynomials_and_exp() {
    let cube = |x: S| x.powi(3);
    let x = scalar(1.5);
    let d1 = derivative(cube);
    let d2 = derivative(d1);
    let d3 = derivative(d2);
    assert!(close(d1(x.clone()).item(), 3.0 * 1.5 * 1.5)); // 3x²
    assert!(close(d2(x.clone()).item(), 6.0 * 1.5)); // 6x
    assert!(close(d3(x.clone()).item(), 6.0)); // 6
    let e = |x: S| (&x * 2.0).exp();
    let e3 = derivative(derivative(derivative(e)));
    assert!(close(e3(scalar(0.5)).item(), 8.0 * 1f64.exp())); // 8 e^{2x}
    let quot = |x: S| 1.0 / &x;
    assert!(close(
        derivative(derivative(quot))(scalar(2.0)).item(),
        2.0 / 8.0
    )); // 2/x³
}

#[test]
fn third_derivative_of_sin_is_minus_cos() {
    let sin = |x: S| x.sin();
    let d3 = derivative(derivative(derivative(sin)));
    for x in [-2.5, -0.7, 0.0, 0.4, 1.5, 3.0] {
        assert!(close(d3(scalar(x)).item(), -x.cos()), "at {x}"); // d³/dx³ sin x = -cos x
    }
}

#[test]
fn hessian_vector_product_matches_the_hand_derived_hessian() {
    // f(x) = sum(exp(A x)) with A 2x2: H = Aᵀ diag(exp(A x)) A.
    let a = Tensor::<(U2, U2), f64>::from_vec(vec![0.5, -1.0, 2.0, 0.25]).unwrap();
    let x = Tensor::<(U2,), f64>::from_vec(vec![0.3, -0.2]).unwrap();
    let v = Tensor::<(U2,), f64>::from_vec(vec![1.0, 2.0]).unwrap();
    let f = |x: Tensor<(U2,), f64>| a.matmul(&x).exp().sum();
    let (_, outer) = vjp(&x, |x| {
        let g = vjp(&x, f).1.backward();
        (g * &v).sum()
    });
    let hv = outer.backward().to_vec();
    let ax = [0.5 * 0.3 - 1.0 * -0.2, 2.0 * 0.3 + 0.25 * -0.2];
    let av = [0.5 * 1.0 - 1.0 * 2.0, 2.0 * 1.0 + 0.25 * 2.0];
    let d = [f64::exp(ax[0]) * av[0], f64::exp(ax[1]) * av[1]];
    let expected = [0.5 * d[0] + 2.0 * d[1], 0.25 * d[1] - d[0]];
    assert!(
        close(hv[0], expected[0]) && close(hv[1], expected[1]),
        "{hv:?} vs {expected:?}"
    );
}

#[test]
fn gradient_penalty_matches_finite_differences() {
    // loss(w) = (w·x)² + λ ‖∂(w·x)²/∂x‖²: the penalty's gradient flows back to w.
    let x = Tensor::<(U3,), f64>::from_vec(vec![0.2, -0.4, 0.9]).unwrap();
    let w = Tensor::<(U3,), f64>::from_vec(vec![0.7, 0.1, -0.3]).unwrap();
    let loss = |w: Tensor<(U3,), f64>| {
        let inner = |x: Tensor<(U3,), f64>| w.matmul(&x).powi(2);
        let gx = vjp(&x, inner).1.backward();
        w.matmul(&x).powi(2) + (&gx * &gx).sum() * 0.5
    };
    gradcheck(loss, &w).unwrap();
}

#[test]
fn gradcheck_and_gradgradcheck_of_the_arithmetic() {
    let a = Tensor::<(U2, U3), f64>::from_vec(vec![0.5, -1.0, 1.5, 2.0, -0.5, 0.25]).unwrap();
    let b = Tensor::<(U3,), f64>::from_vec(vec![1.5, -2.0, 0.75]).unwrap();
    let f = |(a, b): Pair| (&a * &b + &a / &b - &b) * 2.0 - &a;
    gradcheck(f, &(a.clone(), b.clone())).unwrap();
    gradgradcheck(f, &(a.clone(), b.clone())).unwrap();
    let m = |(a, b): Pair| a.matmul(&b).powi(2);
    gradcheck(m, &(a.clone(), b.clone())).unwrap();
    gradgradcheck(m, &(a, b)).unwrap();
}

#[test]
fn gradcheck_reports_the_worst_element_of_a_wrong_gradient() {
    // A function whose recorded graph ignores part of it: the check must fail.
    let x = Tensor::<(U2,), f64>::from_vec(vec![1.0, 2.0]).unwrap();
    let err = gradcheck(|x: Tensor<(U2,), f64>| &x * &x.detach(), &x).unwrap_err();
    assert_eq!(err.failures, 2);
    // The recorded gradient is x (times the check's random seed); the true one is 2x.
    assert!(close(err.numeric, 2.0 * err.analytic), "{err}");
}

#[test]
fn a_chain_of_100_000_ops_runs_without_overflowing_the_stack() {
    let (y, graph) = vjp(&scalar(1.0), |x| {
        let mut y = x;
        for _ in 0..100_000 {
            y = &y * 1.000001;
        }
        y
    });
    let g = graph.backward().item();
    assert!(close(g, 1.000001f64.powi(100_000)));
    assert!(close(y.item(), g));
}

#[test]
fn a_graph_with_many_leaves() {
    let xs: Vec<S> = (0..1000).map(|i| scalar(i as f64)).collect();
    // Differentiate with respect to a tuple of four, with 996 captured constants.
    let (_, graph) = vjp(
        &(xs[0].clone(), xs[1].clone(), xs[2].clone(), xs[3].clone()),
        |(a, b, c, d)| {
            let mut total = &a * &b + &c * &d;
            for x in &xs[4..] {
                total = total + x;
            }
            total
        },
    );
    let (ga, gb, gc, gd) = graph.backward();
    assert_eq!(
        [ga.item(), gb.item(), gc.item(), gd.item()],
        [1., 0., 3., 2.]
    );
}

#[test]
fn tensors_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Tensor<(U2, U3)>>();
    assert_send_sync::<Tensor<(Dyn, U3), f64>>();
}
