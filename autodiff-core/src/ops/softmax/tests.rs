use crate::ops::reduce::tests::{assert_close, lanes, on_every_axis_of_randn, tol, AxisCheck};
use crate::prelude::*;
use crate::shape::rules::ReduceAxis;
use crate::testing::{gradcheck, gradgradcheck};

/// The textbook formulas, lane by lane in f64, without any shift (inputs are moderate).
struct Naive {
    softmax: Vec<f64>,
    log_softmax: Vec<f64>,
    logsumexp: Vec<f64>,
}

fn naive(data: &[f64], dims: &[usize], axis: usize) -> Naive {
    let mut softmax = vec![0.0; data.len()];
    let mut log_softmax = vec![0.0; data.len()];
    let mut logsumexp = Vec::new();
    for lane in lanes(dims, axis) {
        let total: f64 = lane.iter().map(|&j| data[j].exp()).sum();
        for &j in &lane {
            softmax[j] = data[j].exp() / total;
            log_softmax[j] = data[j] - total.ln();
        }
        logsumexp.push(total.ln());
    }
    Naive {
        softmax,
        log_softmax,
        logsumexp,
    }
}

/// softmax, log_softmax and logsumexp along an axis against [`naive`].
struct CheckAxis;

impl AxisCheck for CheckAxis {
    fn check<const AX: usize, S: ReduceAxis<AX>, E: Float>(&self, x: &Tensor<S, E>) {
        let data: Vec<f64> = x.as_slice().iter().map(|v| v.to_f64()).collect();
        let want = naive(&data, &x.dims(), AX);
        let t = tol::<E>();
        assert_close(x.softmax::<AX>().as_slice(), &want.softmax, t);
        assert_close(x.log_softmax::<AX>().as_slice(), &want.log_softmax, t);
        let l = x.logsumexp::<AX>();
        assert_eq!(l.dims(), x.sum_axis::<AX>().dims());
        assert_close(l.as_slice(), &want.logsumexp, t);
        let k = x.logsumexp_keep::<AX>();
        assert_eq!(k.dims(), x.sum_axis_keep::<AX>().dims());
        assert_close(k.as_slice(), &want.logsumexp, t);
        // Every lane of the softmax sums to 1.
        let sums = x.softmax::<AX>().sum_axis::<AX>();
        assert_close(sums.as_slice(), &vec![1.0; sums.numel()], t);
    }
}

#[test]
fn forward_matches_naive_lanes_on_every_axis_f32_and_f64() {
    on_every_axis_of_randn(&CheckAxis, 21);
}

fn large_logits<E: Float>() {
    // Logits near 1000 overflow e^x; the results must be finite and equal to those of the
    // same logits minus 1000 (softmax and log_softmax are shift-invariant). `big - 1000`
    // is exact in floating point, so both sides see the same numbers.
    let big = Tensor::<(U2, U3), E>::randn(&mut Rng::seed(3)) + E::from_f64(1000.0);
    let x = &big - E::from_f64(1000.0);
    let t = tol::<E>();
    let values = |v: &[E]| -> Vec<f64> { v.iter().map(|v| v.to_f64()).collect() };
    let ls = big.log_softmax::<1>();
    assert!(ls.as_slice().iter().all(|v| v.to_f64().is_finite()));
    assert_close(ls.as_slice(), &values(x.log_softmax::<1>().as_slice()), t);
    let sm = big.softmax::<0>();
    assert!(sm.as_slice().iter().all(|v| v.to_f64().is_finite()));
    assert_close(sm.as_slice(), &values(x.softmax::<0>().as_slice()), t);
    let lse: Vec<f64> = values(x.logsumexp::<1>().as_slice())
        .iter()
        .map(|v| v + 1000.0)
        .collect();
    assert_close(big.logsumexp::<1>().as_slice(), &lse, t);
}

#[test]
fn large_logits_are_finite_and_shift_invariant() {
    large_logits::<f32>();
    large_logits::<f64>();
    let huge = Tensor::<(U2,), f64>::from_vec(vec![1000., -1000.]).unwrap();
    assert_eq!(huge.log_softmax::<0>().to_vec(), vec![0., -2000.]);
}

#[test]
fn infinite_and_empty_lanes() {
    let ninf = f64::NEG_INFINITY;
    let x = Tensor::<(U2, U2), f64>::from_vec(vec![ninf, ninf, 0., ninf]).unwrap();
    assert_eq!(x.logsumexp::<1>().to_vec(), vec![ninf, 0.]);
    assert_eq!(x.softmax::<1>().to_vec()[2..], [1., 0.]);
    let e = Tensor::<(U2, Dyn), f64>::zeros_shaped((U2::default(), Dyn(0)));
    assert_eq!(e.logsumexp::<1>().to_vec(), vec![ninf, ninf]);
    assert_eq!(e.softmax::<1>().numel(), 0);
}

#[test]
fn analytic_gradients() {
    let x = Tensor::<(U2, U3), f64>::randn(&mut Rng::seed(9));
    let g = Tensor::<(U2, U3), f64>::from_vec(vec![1., -2., 0.5, 3., 0., -1.]).unwrap();
    let y = x.softmax::<1>();
    let (gs, ys) = (g.as_slice(), y.as_slice());
    // softmax: dx_k = y_k (g_k - Σ_j g_j y_j), per row.
    let dot = |r: usize| (0..3).map(|j| gs[3 * r + j] * ys[3 * r + j]).sum::<f64>();
    let want: Vec<f64> = (0..6).map(|k| ys[k] * (gs[k] - dot(k / 3))).collect();
    let (_, graph) = vjp(&x, |x| x.softmax::<1>());
    assert_close(graph.backward_with(g.clone()).as_slice(), &want, 1e-12);
    // log_softmax: dx_k = g_k - y_k Σ_j g_j, per row.
    let total = |r: usize| (0..3).map(|j| gs[3 * r + j]).sum::<f64>();
    let want: Vec<f64> = (0..6).map(|k| gs[k] - ys[k] * total(k / 3)).collect();
    let (_, graph) = vjp(&x, |x| x.log_softmax::<1>());
    assert_close(graph.backward_with(g.clone()).as_slice(), &want, 1e-12);
    // logsumexp: dx_k = g_row y_k.
    let seed = Tensor::<(U2,), f64>::from_vec(vec![2., -1.]).unwrap();
    let want: Vec<f64> = (0..6).map(|k| seed.as_slice()[k / 3] * ys[k]).collect();
    let (_, graph) = vjp(&x, |x| x.logsumexp::<1>());
    assert_close(graph.backward_with(seed).as_slice(), &want, 1e-12);
}

#[test]
fn gradcheck_every_op() {
    let x = Tensor::<(U2, U3, U4), f64>::randn(&mut Rng::seed(12));
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.softmax::<0>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.softmax::<2>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.log_softmax::<1>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.log_softmax::<2>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.logsumexp::<0>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.logsumexp::<1>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.logsumexp_keep::<2>(), &x).unwrap();
    // A tie for the maximum is harmless: the shift is a constant that cancels out.
    let tie = Tensor::<(U3,), f64>::from_vec(vec![1., 1., 0.]).unwrap();
    gradcheck(|x: Tensor<(U3,), f64>| x.softmax::<0>(), &tie).unwrap();
    gradcheck(|x: Tensor<(U3,), f64>| x.logsumexp::<0>(), &tie).unwrap();
}

#[test]
fn gradgradcheck_every_op() {
    let x = Tensor::<(U2, U3), f64>::randn(&mut Rng::seed(13));
    gradgradcheck(|x: Tensor<(U2, U3), f64>| x.softmax::<1>(), &x).unwrap();
    gradgradcheck(|x: Tensor<(U2, U3), f64>| x.softmax::<0>(), &x).unwrap();
    gradgradcheck(|x: Tensor<(U2, U3), f64>| x.log_softmax::<1>(), &x).unwrap();
    gradgradcheck(|x: Tensor<(U2, U3), f64>| x.logsumexp::<0>(), &x).unwrap();
    gradgradcheck(|x: Tensor<(U2, U3), f64>| x.logsumexp_keep::<1>(), &x).unwrap();
    let big = &x + 1000.0;
    gradgradcheck(|x: Tensor<(U2, U3), f64>| x.log_softmax::<1>(), &big).unwrap();
}

#[test]
fn same_input_twice_accumulates() {
    // L = lse(x) + lse(x): dL/dx = 2 softmax(x).
    let x = Tensor::<(U3,), f64>::from_vec(vec![0.5, -1., 2.]).unwrap();
    let (_, graph) = vjp(&x, |x| x.logsumexp::<0>() + x.logsumexp::<0>());
    let want: Vec<f64> = x
        .softmax::<0>()
        .as_slice()
        .iter()
        .map(|p| 2.0 * p)
        .collect();
    assert_close(graph.backward().as_slice(), &want, 1e-12);
    gradcheck(|x: Tensor<(U3,), f64>| x.softmax::<0>() * &x, &x).unwrap();
    gradcheck(
        |x: Tensor<(U3,), f64>| x.log_softmax::<0>() * x.softmax::<0>(),
        &x,
    )
    .unwrap();
}
