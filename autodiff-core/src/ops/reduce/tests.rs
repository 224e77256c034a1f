use crate::prelude::*;
use crate::shape::rules::ReduceAxis;
use crate::testing::{gradcheck, gradgradcheck};

/// The flat indices of each lane along `axis`, lanes in row-major order of the other
/// axes, each lane in increasing order along `axis`. Built from multi-indices, not from
/// the kernels' `outer x len x inner` split, so it is an independent reference.
pub(crate) fn lanes(dims: &[usize], axis: usize) -> Vec<Vec<usize>> {
    let numel: usize = dims.iter().product();
    let others: usize = numel / dims[axis].max(1);
    let mut out = vec![Vec::new(); if dims[axis] == 0 { 0 } else { others }];
    for flat in 0..numel {
        let mut rest = flat;
        let mut multi = vec![0; dims.len()];
        for d in (0..dims.len()).rev() {
            multi[d] = rest % dims[d];
            rest /= dims[d];
        }
        let lane = (0..dims.len())
            .filter(|&d| d != axis)
            .fold(0, |acc, d| acc * dims[d] + multi[d]);
        out[lane].push(flat);
    }
    out
}

/// `|a - b| <= tol * (1 + |b|)` element-wise, with the same length.
pub(crate) fn assert_close<E: Float>(got: &[E], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let g = g.to_f64();
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()) || (g.is_nan() && w.is_nan()),
            "element {i}: got {g}, want {w}"
        );
    }
}

/// The tolerance of [`assert_close`] for results computed in `E`.
pub(crate) fn tol<E: Float>() -> f64 {
    if E::NAME == "f32" {
        1e-5
    } else {
        1e-12
    }
}

/// A check of one reduction axis, run by [`on_every_axis`] on every axis of ranks 1 to 4.
pub(crate) trait AxisCheck {
    fn check<const AX: usize, S: ReduceAxis<AX>, E: Float>(&self, x: &Tensor<S, E>);
}

/// Runs `c` on every axis of one tensor of each rank from 1 to 4.
pub(crate) fn on_every_axis<E: Float>(
    c: &impl AxisCheck,
    r1: &Tensor<(U5,), E>,
    r2: &Tensor<(U3, U4), E>,
    r3: &Tensor<(U2, U3, U4), E>,
    r4: &Tensor<(U2, U3, U4, U5), E>,
) {
    c.check::<0, _, _>(r1);
    c.check::<0, _, _>(r2);
    c.check::<1, _, _>(r2);
    c.check::<0, _, _>(r3);
    c.check::<1, _, _>(r3);
    c.check::<2, _, _>(r3);
    c.check::<0, _, _>(r4);
    c.check::<1, _, _>(r4);
    c.check::<2, _, _>(r4);
    c.check::<3, _, _>(r4);
}

/// Runs `c` on every axis of normal random tensors of ranks 1 to 4 drawn from `seed`, in
/// f32, then in f64 (the same draws).
pub(crate) fn on_every_axis_of_randn(c: &impl AxisCheck, seed: u64) {
    fn run<E: Float>(c: &impl AxisCheck, seed: u64) {
        let mut rng = Rng::seed(seed);
        let r1 = Tensor::<(U5,), E>::randn(&mut rng);
        let r2 = Tensor::<(U3, U4), E>::randn(&mut rng);
        let r3 = Tensor::<(U2, U3, U4), E>::randn(&mut rng);
        let r4 = Tensor::<(U2, U3, U4, U5), E>::randn(&mut rng);
        on_every_axis(c, &r1, &r2, &r3, &r4);
    }
    run::<f32>(c, seed);
    run::<f64>(c, seed);
}

/// Every reduction of this file along `AX`, against sums over the naive lanes.
struct CheckAxis;

impl AxisCheck for CheckAxis {
    fn check<const AX: usize, S: ReduceAxis<AX>, E: Float>(&self, x: &Tensor<S, E>) {
        let (dims, data) = (x.dims(), x.as_slice());
        let n = dims[AX] as f64;
        let sums: Vec<f64> = lanes(&dims, AX)
            .iter()
            .map(|l| l.iter().map(|&j| data[j].to_f64()).sum())
            .collect();
        let means: Vec<f64> = sums.iter().map(|s| s / n).collect();
        let mut kept = dims.to_vec();
        kept[AX] = 1;
        let removed: Vec<usize> = (0..dims.len())
            .filter(|&d| d != AX)
            .map(|d| dims[d])
            .collect();

        let s = x.sum_axis::<AX>();
        assert_eq!(&*s.dims(), &removed[..]);
        assert_close(s.as_slice(), &sums, tol::<E>());
        let s = x.sum_axis_keep::<AX>();
        assert_eq!(&*s.dims(), &kept[..]);
        assert_close(s.as_slice(), &sums, tol::<E>());
        assert_close(x.mean_axis::<AX>().as_slice(), &means, tol::<E>());
        let m = x.mean_axis_keep::<AX>();
        assert_eq!(&*m.dims(), &kept[..]);
        assert_close(m.as_slice(), &means, tol::<E>());
    }
}

#[test]
fn forward_matches_naive_lanes_on_every_axis_f32_and_f64() {
    on_every_axis_of_randn(&CheckAxis, 7);
}

#[test]
fn forward_literals() {
    let t = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    assert_eq!(t.sum_axis::<0>().to_vec(), vec![5., 7., 9.]);
    assert_eq!(t.sum_axis::<1>().to_vec(), vec![6., 15.]);
    assert_eq!(t.mean_axis::<1>().to_vec(), vec![2., 5.]);
    let one: Tensor<(), f32> = Tensor::<(U3,)>::from_vec(vec![1., 2., 4.])
        .unwrap()
        .sum_axis::<0>();
    assert_eq!(one.item(), 7.);
}

#[test]
fn dyn_axis_and_empty_axis() {
    let t = Tensor::<(Dyn, U2), f64>::from_shape_vec(
        (Dyn(3), U2::default()),
        vec![1., 2., 3., 4., 5., 6.],
    )
    .unwrap();
    assert_eq!(t.sum_axis::<0>().to_vec(), vec![9., 12.]);
    assert_eq!(&*t.sum_axis::<1>().dims(), &[3]);
    let e = Tensor::<(U2, Dyn), f64>::zeros_shaped((U2::default(), Dyn(0)));
    assert_eq!(e.sum_axis::<1>().to_vec(), vec![0., 0.]);
    assert!(e.mean_axis::<1>().to_vec().iter().all(|v| v.is_nan()));
}

#[test]
fn gradient_repeats_the_seed_along_the_axis() {
    // y[i, k] = Σ_j x[i, j, k]  =>  dL/dx[i, j, k] = g[i, k] for every j;
    // the mean divides by the axis' size n = 3.
    let x = Tensor::<(U2, U3, U2), f64>::randn(&mut Rng::seed(1));
    let seed = Tensor::<(U2, U2), f64>::from_vec(vec![1., -2., 0.5, 3.]).unwrap();
    let want: Vec<f64> = (0..12)
        .map(|f| seed.as_slice()[(f / 6) * 2 + f % 2])
        .collect();
    let (_, graph) = vjp(&x, |x| x.sum_axis::<1>());
    assert_close(graph.backward_with(seed.clone()).as_slice(), &want, 1e-15);
    let (_, graph) = vjp(&x, |x| x.mean_axis::<1>());
    let thirds: Vec<f64> = want.iter().map(|w| w / 3.0).collect();
    assert_close(graph.backward_with(seed.clone()).as_slice(), &thirds, 1e-15);
    let kept = seed.reshape::<(U2, U1, U2)>();
    let (_, graph) = vjp(&x, |x| x.sum_axis_keep::<1>());
    assert_close(graph.backward_with(kept).as_slice(), &want, 1e-15);
}

#[test]
fn gradcheck_every_axis() {
    // Products make the checks non-trivial: d/dx of (sum_axis(x) * c) is c repeated.
    let x = Tensor::<(U2, U3, U4), f64>::randn(&mut Rng::seed(2));
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.sum_axis::<0>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.sum_axis::<1>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.sum_axis::<2>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.sum_axis_keep::<1>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.mean_axis::<2>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U3, U4), f64>| x.mean_axis_keep::<0>(), &x).unwrap();
    let y = Tensor::<(U2, U2, U2, U3), f64>::randn(&mut Rng::seed(3));
    gradcheck(|x: Tensor<(U2, U2, U2, U3), f64>| x.sum_axis::<3>(), &y).unwrap();
    gradcheck(|x: Tensor<(U2, U2, U2, U3), f64>| x.mean_axis::<1>(), &y).unwrap();
}

#[test]
fn gradgradcheck_every_op() {
    // Squares make the second derivative non-zero: d²/dx² Σ_i (Σ_j x_ij)² couples a lane.
    let x = Tensor::<(U2, U3, U2), f64>::randn(&mut Rng::seed(4));
    gradgradcheck(|x: Tensor<(U2, U3, U2), f64>| x.sum_axis::<1>().powi(2), &x).unwrap();
    gradgradcheck(
        |x: Tensor<(U2, U3, U2), f64>| x.sum_axis_keep::<2>().powi(2),
        &x,
    )
    .unwrap();
    gradgradcheck(
        |x: Tensor<(U2, U3, U2), f64>| x.mean_axis::<0>().powi(3),
        &x,
    )
    .unwrap();
    gradgradcheck(
        |x: Tensor<(U2, U3, U2), f64>| x.mean_axis_keep::<1>().powi(2),
        &x,
    )
    .unwrap();
}

#[test]
fn same_input_twice_accumulates() {
    // L = Σ_ij s_i x_ij with s_i = Σ_j x_ij, so L = Σ_i s_i² and dL/dx_ij = 2 s_i.
    let x = Tensor::<(U2, U3), f64>::from_vec(vec![1., 2., 3., -1., 0.5, 4.]).unwrap();
    let (_, graph) = vjp(&x, |x| (x.sum_axis_keep::<1>() * &x).sum());
    let want = [12., 12., 12., 7., 7., 7.];
    assert_close(graph.backward().as_slice(), &want, 1e-15);
    gradcheck(|x: Tensor<(U2, U3), f64>| x.mean_axis_keep::<0>() * &x, &x).unwrap();
}

/// Pairs `(from, to)` where `to` broadcasts to `from` with the same element count (only
/// axes of size 1 differ): `sum_to` and `expand_to` keep the data and change the sizes.
const SAME_COUNT: [(&[usize], &[usize]); 5] = [
    (&[1, 1], &[1]),
    (&[1], &[]),
    (&[1, 1], &[]),
    (&[1, 3], &[3]),
    (&[1, 2, 1, 3], &[2, 1, 3]),
];

#[test]
fn sum_to_and_expand_to_of_the_same_count_match_the_general_kernel() {
    use super::{expand_to, kernel, sum_to};
    use crate::tensor::raw::RawTensor;
    use crate::Dims;
    for (from, to) in SAME_COUNT {
        let (from, to) = (Dims::new(from), Dims::new(to));
        let x = RawTensor::collect(from, (0..from.numel()).map(|i| i as f64 - 1.5));
        let mut general = vec![0.0; to.numel()];
        kernel::sum_to(&x, to, &mut general);
        let summed = sum_to(&x, to);
        assert_eq!((summed.dims, summed.as_slice()), (to, general.as_slice()));
        let expanded = expand_to(&summed, from);
        assert_eq!((expanded.dims, expanded.as_slice()), (from, x.as_slice()));
    }
}

#[test]
fn sum_to_and_expand_to_of_the_same_count_stay_recorded() {
    use super::{expand_to, sum_to};
    use crate::Dims;
    // Gradients and gradients of gradients through the reshape-like cases: `(1, 3) -> (3,)`
    // and back, and the one-element chain of the W1 seed, `sum((x @ w + b)^2)`.
    let x = Tensor::<(U1, U3), f64>::from_vec(vec![0.5, -1.0, 2.0]).unwrap();
    let through = |x: Tensor<(U1, U3), f64>| {
        let s = Tensor::<(U3,), f64>::from_raw(sum_to(&x.raw, Dims::new(&[3])));
        let e = Tensor::<(U1, U3), f64>::from_raw(expand_to(&s.raw, Dims::new(&[1, 3])));
        (e * &x).powi(2)
    };
    let (_, graph) = vjp(&x, |x| {
        let s = sum_to(&x.raw, Dims::new(&[3]));
        assert!(s.trace.is_some() && expand_to(&s, Dims::new(&[1, 3])).trace.is_some());
        through(x).sum()
    });
    let want: Vec<f64> = x.to_vec().iter().map(|v| 4.0 * v.powi(3)).collect();
    assert_close(graph.backward().as_slice(), &want, 1e-15);
    gradcheck(through, &x).unwrap();
    gradgradcheck(through, &x).unwrap();
    type P = (Tensor<(U1, U1), f64>, Tensor<(U1,), f64>);
    let seed = |(w, b): P| {
        let x = Tensor::<(U1, U1), f64>::full(1.5);
        (x.matmul(&w) + &b).powi(2).sum()
    };
    let p = (Tensor::full(0.5), Tensor::full(-0.25));
    gradcheck(seed, &p).unwrap();
    gradgradcheck(seed, &p).unwrap();
}
