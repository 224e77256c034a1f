use crate::ops::reduce::tests::{assert_close, lanes, on_every_axis, AxisCheck};
use crate::prelude::*;
use crate::shape::rules::ReduceAxis;
use crate::testing::{gradcheck, gradgradcheck};

/// The naive arg-max of a lane: first maximal element; NaN beats everything, first NaN.
fn naive_argmax(values: &[f64]) -> usize {
    if let Some(i) = values.iter().position(|v| v.is_nan()) {
        return i;
    }
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

fn every_axis<E: Float>() {
    let mut rng = Rng::seed(11);
    let r1 = Tensor::<(U5,), E>::randn(&mut rng);
    assert_eq!(r1.max().item().to_f64(), data_max(&r1));
    let r2 = Tensor::<(U3, U4), E>::randn(&mut rng);
    let r3 = Tensor::<(U2, U3, U4), E>::randn(&mut rng);
    // Small integers make ties common: the tie rule is checked on every axis too.
    let mut r4 = Tensor::<(U2, U3, U4, U5), E>::zeros();
    for v in r4.as_mut_slice() {
        *v = E::from_usize(rng.below(3));
    }
    on_every_axis(&CheckAxis, &r1, &r2, &r3, &r4);
    assert_eq!(r4.max().item().to_f64(), data_max(&r4));
}

/// `max_axis`, `max_axis_keep`, `argmax` along an axis against naive loops over the lanes.
struct CheckAxis;

impl AxisCheck for CheckAxis {
    fn check<const AX: usize, S: ReduceAxis<AX>, E: Float>(&self, x: &Tensor<S, E>) {
        let (dims, data) = (x.dims(), x.as_slice());
        let lane_values: Vec<Vec<f64>> = lanes(&dims, AX)
            .iter()
            .map(|l| l.iter().map(|&j| data[j].to_f64()).collect())
            .collect();
        let idx: Vec<usize> = lane_values.iter().map(|l| naive_argmax(l)).collect();
        let maxima: Vec<f64> = lane_values.iter().zip(&idx).map(|(l, &i)| l[i]).collect();

        assert_eq!(x.argmax::<AX>().to_vec(), idx);
        assert_eq!(x.argmax::<AX>().dims(), x.sum_axis::<AX>().dims());
        assert_close(x.max_axis::<AX>().as_slice(), &maxima, 0.0);
        let k = x.max_axis_keep::<AX>();
        assert_eq!(k.dims(), x.sum_axis_keep::<AX>().dims());
        assert_close(k.as_slice(), &maxima, 0.0);
    }
}

fn data_max<S: Shape, E: Float>(x: &Tensor<S, E>) -> f64 {
    x.as_slice()
        .iter()
        .map(|v| v.to_f64())
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn forward_matches_naive_lanes_on_every_axis_f32_and_f64() {
    every_axis::<f32>();
    every_axis::<f64>();
}

#[test]
fn ties_send_the_gradient_to_the_first_maximal_element() {
    // The documented rule: on a tie, d max / dx is 1 at the first maximal element only.
    let x = Tensor::<(U2, U3), f64>::from_vec(vec![3., 1., 3., 2., 2., 2.]).unwrap();
    let (_, graph) = vjp(&x, |x| x.max());
    assert_eq!(graph.backward().to_vec(), vec![1., 0., 0., 0., 0., 0.]);
    let (_, graph) = vjp(&x, |x| x.max_axis::<1>());
    let seed = Tensor::<(U2,), f64>::from_vec(vec![5., 7.]).unwrap();
    assert_eq!(
        graph.backward_with(seed).to_vec(),
        vec![5., 0., 0., 7., 0., 0.]
    );
    let (_, graph) = vjp(&x, |x| x.max_axis_keep::<0>());
    let seed = Tensor::<(U1, U3), f64>::from_vec(vec![1., 2., 3.]).unwrap();
    assert_eq!(
        graph.backward_with(seed).to_vec(),
        vec![1., 0., 3., 0., 2., 0.]
    );
    assert_eq!(x.argmax::<1>().to_vec(), vec![0, 0]);
    assert_eq!(x.argmax::<0>().to_vec(), vec![0, 1, 0]);
}

#[test]
fn ties_agree_with_maximum() {
    // max along an axis of two entries and `a.maximum(&b)` send a tie's gradient to the
    // same operand (the first row, the left operand).
    let x = Tensor::<(U2, U3), f64>::from_vec(vec![1., 4., 2., 1., 3., 2.]).unwrap();
    let (_, g1) = vjp(&x, |x| x.max_axis::<0>().sum());
    let a = Tensor::<(U3,), f64>::from_vec(vec![1., 4., 2.]).unwrap();
    let b = Tensor::<(U3,), f64>::from_vec(vec![1., 3., 2.]).unwrap();
    let (_, g2) = vjp(&(a, b), |(a, b)| a.maximum(&b).sum());
    let (ga, gb) = g2.backward();
    let want = [ga.to_vec(), gb.to_vec()].concat();
    assert_eq!(want, vec![1., 1., 1., 0., 0., 0.]);
    assert_eq!(g1.backward().to_vec(), want);
}

#[test]
fn nan_propagates_and_takes_the_gradient() {
    let x = Tensor::<(U2, U3), f64>::from_vec(vec![1., f64::NAN, 5., 2., 0., 1.]).unwrap();
    assert!(x.max().item().is_nan());
    let m = x.max_axis::<1>().to_vec();
    assert!(m[0].is_nan());
    assert_eq!(m[1], 2.);
    assert_eq!(x.argmax::<1>().to_vec(), vec![1, 0]);
    assert_eq!(x.argmax::<0>().to_vec(), vec![1, 0, 0]);
    let (_, graph) = vjp(&x, |x| x.max_axis::<1>().sum());
    assert_eq!(graph.backward().to_vec(), vec![0., 1., 0., 1., 0., 0.]);
    let nan_first = Tensor::<(U3,), f32>::from_vec(vec![f32::NAN, 9., f32::NAN]).unwrap();
    assert_eq!(nan_first.argmax::<0>().to_vec(), vec![0]);
}

#[test]
#[should_panic(expected = "axis of size 0")]
fn max_of_an_empty_axis_panics() {
    let e = Tensor::<(Dyn, U2), f64>::zeros_shaped((Dyn(0), U2::default()));
    let _ = e.max_axis::<0>();
}

#[test]
fn empty_result_is_fine() {
    let e = Tensor::<(Dyn, U2), f64>::zeros_shaped((Dyn(0), U2::default()));
    assert_eq!(e.max_axis::<1>().numel(), 0);
    assert_eq!(e.argmax::<1>().numel(), 0);
}

/// Distinct values at least 0.1 apart (finite differences of 1e-6 never cross a tie).
fn distinct<S: ConstShape>(seed: u64) -> Tensor<S, f64> {
    let mut x = Tensor::<S, f64>::zeros();
    let mut order: Vec<usize> = (0..x.numel()).collect();
    Rng::seed(seed).shuffle(&mut order);
    for (v, &o) in x.as_mut_slice().iter_mut().zip(&order) {
        *v = 0.1 * o as f64 - 1.0;
    }
    x
}

#[test]
fn gradcheck_every_op_away_from_ties() {
    let x = distinct::<(U2, U3, U4)>(5);
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.max(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.max_axis::<0>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.max_axis::<1>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.max_axis::<2>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.max_axis_keep::<1>(), &x).unwrap();
    let y = distinct::<(U2, U2, U3, U2)>(6);
    gradcheck(|x: Tensor<(U2, U2, U3, U2), f64>| x.max_axis::<2>(), &y).unwrap();
}

#[test]
fn gradgradcheck_every_op_away_from_ties() {
    // Squared so the second derivative is not zero: d²(m²)/dx_j² = 2 at the arg-max j.
    let x = distinct::<(U3, U4)>(8);
    gradgradcheck(|x: Tensor<(U3, U4), f64>| x.max().powi(2), &x).unwrap();
    gradgradcheck(|x: Tensor<(U3, U4), f64>| x.max_axis::<0>().powi(2), &x).unwrap();
    gradgradcheck(|x: Tensor<(U3, U4), f64>| x.max_axis::<1>().powi(3), &x).unwrap();
    gradgradcheck(|x: Tensor<(U3, U4), f64>| x.max_axis_keep::<1>() * &x, &x).unwrap();
}

#[test]
fn same_input_twice_accumulates() {
    // L = max(x) * Σ_j x_j: dL/dx_j = max(x) + [j = argmax] Σ x.
    let x = Tensor::<(U3,), f64>::from_vec(vec![1., 4., 2.]).unwrap();
    let (_, graph) = vjp(&x, |x| x.max() * x.sum());
    assert_eq!(graph.backward().to_vec(), vec![4., 4. + 7., 4.]);
    let (_, graph) = vjp(&x, |x| x.max() + x.max_axis::<0>());
    assert_eq!(graph.backward().to_vec(), vec![0., 2., 0.]);
}
