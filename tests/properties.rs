//! Property tests: broadcasting, reductions, permutes, reshapes and matmul against naive
//! reference loops, in f32 and f64, on random run-time shapes.
//!
//! Every tensor here has `Dyn` dimensions (`Tensor<(Dyn, Dyn, Dyn), E>`), so one test
//! covers many shapes: sizes are drawn from 0..=5 (matmul also up to 70, past the gemm
//! kernel's blocks). References run in f64 over multi-indices, never through the library's
//! kernels; f64 results must match to 1e-12 and f32 results to 1e-5, relative to the sum
//! of the magnitudes that went into each element.

use autodiff::prelude::*;
use autodiff::shape::rules::{BroadcastShapes, MatMul, ReduceAxis};
use autodiff::Float;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use std::panic::{catch_unwind, AssertUnwindSafe};

type R1 = (Dyn,);
type R2 = (Dyn, Dyn);
type R3 = (Dyn, Dyn, Dyn);
type R4 = (Dyn, Dyn, Dyn, Dyn);
type Outcome = Result<(), TestCaseError>;

/// 64 cases per property, so the file runs in seconds in debug (`PROPTEST_CASES=5000`
/// searches deeper); no regression files: a failure prints its shrunk case.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

/// An element type under test, with its tolerance relative to the magnitudes summed.
trait Real: Float + std::fmt::Debug {
    const TOL: f64;
}
impl Real for f32 {
    const TOL: f64 = 1e-5;
}
impl Real for f64 {
    const TOL: f64 = 1e-12;
}

// ---------------------------------------------------------------------------------------
// Reference helpers: multi-indices over row-major data.

/// Every multi-index of `dims`, in row-major order (the last index varies fastest).
fn indices(dims: &[usize]) -> Vec<Vec<usize>> {
    let mut all: Vec<Vec<usize>> = vec![vec![]];
    for &n in dims {
        all = all
            .into_iter()
            .flat_map(|prefix| (0..n).map(move |i| [&prefix[..], &[i]].concat()))
            .collect();
    }
    all
}

/// The row-major offset of `idx` in a tensor of sizes `dims`.
fn offset(idx: &[usize], dims: &[usize]) -> usize {
    idx.iter().zip(dims).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// The offset in an operand of sizes `dims` of the element that broadcasts to output
/// position `out_idx` (aligned from the right; a size-1 dimension always reads index 0).
fn broadcast_offset(out_idx: &[usize], dims: &[usize]) -> usize {
    let skip = out_idx.len() - dims.len();
    let idx: Vec<usize> = dims
        .iter()
        .enumerate()
        .map(|(j, &n)| if n == 1 { 0 } else { out_idx[skip + j] })
        .collect();
    offset(&idx, dims)
}

/// numpy's broadcast of two shapes, written out again (the case generators ensure they
/// broadcast).
fn broadcast_shape(l: &[usize], r: &[usize]) -> Vec<usize> {
    let rank = l.len().max(r.len());
    let at = |d: &[usize], k: usize| (k + d.len()).checked_sub(rank).map_or(1, |i| d[i]);
    (0..rank)
        .map(|k| if at(l, k) == 1 { at(r, k) } else { at(l, k) })
        .collect()
}

/// The values along `axis` for every position of the other axes, in row-major order of
/// the remaining positions.
fn lanes(dims: &[usize], data: &[f64], axis: usize) -> Vec<Vec<f64>> {
    let mut rest = dims.to_vec();
    rest.remove(axis);
    indices(&rest)
        .into_iter()
        .map(|pos| {
            (0..dims[axis])
                .map(|k| {
                    let mut idx = pos.clone();
                    idx.insert(axis, k);
                    data[offset(&idx, dims)]
                })
                .collect()
        })
        .collect()
}

fn numel(dims: &[usize]) -> usize {
    dims.iter().product()
}

fn tensor<S: Shape, E: Real>(dims: &[usize], data: &[f64]) -> Tensor<S, E> {
    let data = data.iter().map(|&x| E::from_f64(x)).collect();
    Tensor::from_dims_vec(dims, data).expect("the case's sizes fit its shape")
}

fn values<S: Shape, E: Real>(t: &Tensor<S, E>) -> Vec<f64> {
    t.as_slice().iter().map(|&x| x.to_f64()).collect()
}

/// `t` has sizes `dims` and values `want` to `E::TOL` relative to `scale` (the sum of the
/// magnitudes that went into each element); NaN only where NaN is expected.
fn check_tensor<S: Shape, E: Real>(
    what: &str,
    t: &Tensor<S, E>,
    dims: &[usize],
    want: &[f64],
    scale: &[f64],
) -> Outcome {
    prop_assert_eq!(&*t.dims(), dims, "{}: sizes", what);
    for (i, ((&g, &w), &s)) in t.as_slice().iter().zip(want).zip(scale).enumerate() {
        let g = g.to_f64();
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g == w
        } else {
            (g - w).abs() <= E::TOL * s.max(w.abs()) + f64::MIN_POSITIVE
        };
        prop_assert!(ok, "{}: element {}: got {}, want {}", what, i, g, w);
    }
    Ok(())
}

/// Runs `f`, which must panic with a message that starts with `prefix`.
fn check_panics(what: &str, prefix: &str, f: impl FnOnce()) -> Outcome {
    let payload = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => return Err(TestCaseError::fail(format!("{what}: did not panic"))),
        Err(payload) => payload,
    };
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let starts = message.starts_with(prefix);
    prop_assert!(
        starts,
        "{}: panicked with {:?}, not {:?}",
        what,
        message,
        prefix
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Strategies.

/// Mostly values in (-10, 10), sometimes a small integer, so ties (for `max`, `argmax`,
/// `minimum`) and zeros (for `/`) come up.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![3 => -10.0..10.0, 1 => (-2i8..=2).prop_map(f64::from)]
}

fn data(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(value(), n)
}

/// Sizes (each in 0..=5) and values of a tensor of rank 1 to 4.
fn one_tensor() -> impl Strategy<Value = (Vec<usize>, Vec<f64>)> {
    prop::collection::vec(0..=5usize, 1..=4).prop_flat_map(|d| {
        let n = numel(&d);
        (Just(d), data(n))
    })
}

/// Two shapes of ranks 1..=4 that broadcast: for each dimension aligned from the right,
/// the sizes are equal, or the left is 1, or the right is 1; leading dimensions of the
/// longer shape are missing from the other.
fn broadcast_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    let picks = prop::collection::vec((0..3u8, 0..=5usize), 4);
    (1..=4usize, 1..=4usize, picks).prop_map(|(rl, rr, picks)| {
        let rank = rl.max(rr);
        let (mut l, mut r) = (Vec::new(), Vec::new());
        for (k, &(how, n)) in picks[..rank].iter().enumerate() {
            let (x, y) = match how {
                0 => (n, n),
                1 => (1, n),
                _ => (n, 1),
            };
            if k + rl >= rank {
                l.push(if k + rr >= rank { x } else { n });
            }
            if k + rr >= rank {
                r.push(if k + rl >= rank { y } else { n });
            }
        }
        (l, r)
    })
}

/// Two broadcastable shapes with their values.
#[derive(Clone, Debug)]
struct Pair {
    left: Vec<usize>,
    right: Vec<usize>,
    a: Vec<f64>,
    b: Vec<f64>,
}

fn pair() -> impl Strategy<Value = Pair> {
    broadcast_pair().prop_flat_map(|(left, right)| {
        let (na, nb) = (numel(&left), numel(&right));
        (Just(left), Just(right), data(na), data(nb)).prop_map(|(left, right, a, b)| Pair {
            left,
            right,
            a,
            b,
        })
    })
}

/// Two shapes that do not broadcast: one aligned pair of sizes differs and neither is 1.
fn mismatched_pair() -> impl Strategy<Value = Pair> {
    let bad = select(vec![0usize, 2, 3, 4, 5]);
    (broadcast_pair(), any::<usize>(), bad.clone(), bad)
        .prop_filter("sizes must differ", |(_, _, n, m)| n != m)
        .prop_map(|((mut left, mut right), pos, n, m)| {
            let p = pos % left.len().min(right.len());
            let (li, ri) = (left.len() - 1 - p, right.len() - 1 - p);
            left[li] = n;
            right[ri] = m;
            let (a, b) = (vec![0.0; numel(&left)], vec![0.0; numel(&right)]);
            Pair { left, right, a, b }
        })
}

// ---------------------------------------------------------------------------------------
// Broadcasting.

/// A property of a pair of tensors, run with the pair's ranks as `Dyn` shapes.
trait PairCheck {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(pair: &Pair) -> Outcome;
}

/// Runs `C` with the shape types of the pair's ranks.
fn for_ranks<C: PairCheck, E: Real>(p: &Pair) -> Outcome {
    match (p.left.len(), p.right.len()) {
        (1, 1) => C::run::<R1, R1, E>(p),
        (1, 2) => C::run::<R1, R2, E>(p),
        (1, 3) => C::run::<R1, R3, E>(p),
        (1, 4) => C::run::<R1, R4, E>(p),
        (2, 1) => C::run::<R2, R1, E>(p),
        (2, 2) => C::run::<R2, R2, E>(p),
        (2, 3) => C::run::<R2, R3, E>(p),
        (2, 4) => C::run::<R2, R4, E>(p),
        (3, 1) => C::run::<R3, R1, E>(p),
        (3, 2) => C::run::<R3, R2, E>(p),
        (3, 3) => C::run::<R3, R3, E>(p),
        (3, 4) => C::run::<R3, R4, E>(p),
        (4, 1) => C::run::<R4, R1, E>(p),
        (4, 2) => C::run::<R4, R2, E>(p),
        (4, 3) => C::run::<R4, R3, E>(p),
        (4, 4) => C::run::<R4, R4, E>(p),
        ranks => unreachable!("ranks {ranks:?}"),
    }
}

/// The reference of a binary op, in f64.
type Scalar = fn(f64, f64) -> f64;

/// `+ - * / minimum maximum` equal the scalar op at every broadcast position.
struct Elementwise;

impl PairCheck for Elementwise {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(p: &Pair) -> Outcome {
        let a = tensor::<S1, E>(&p.left, &p.a);
        let b = tensor::<S2, E>(&p.right, &p.b);
        let (xa, xb) = (values(&a), values(&b));
        let out = broadcast_shape(&p.left, &p.right);
        let check = |op: &str, got: Tensor<S1::Out, E>, f: Scalar| {
            let want: Vec<f64> = indices(&out)
                .iter()
                .map(|i| {
                    f(
                        xa[broadcast_offset(i, &p.left)],
                        xb[broadcast_offset(i, &p.right)],
                    )
                })
                .collect();
            check_tensor(op, &got, &out, &want, &want)
        };
        check("add", &a + &b, |x, y| x + y)?;
        check("sub", &a - &b, |x, y| x - y)?;
        check("mul", &a * &b, |x, y| x * y)?;
        check("div", &a / &b, |x, y| x / y)?;
        check("minimum", a.minimum(&b), f64::min)?;
        check("maximum", a.maximum(&b), f64::max)
    }
}

/// Every binary op panics on a pair that does not broadcast, naming itself and both shapes.
struct Mismatch;

impl PairCheck for Mismatch {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(p: &Pair) -> Outcome {
        let a = tensor::<S1, E>(&p.left, &p.a);
        let b = tensor::<S2, E>(&p.right, &p.b);
        let (l, r) = (&p.left, &p.right);
        let check = |op: &str, f: &dyn Fn() -> Tensor<S1::Out, E>| {
            let message = format!("{op}: shapes {l:?} and {r:?} cannot be broadcast together");
            check_panics(op, &message, || drop(f()))
        };
        check("add", &|| &a + &b)?;
        check("sub", &|| &a - &b)?;
        check("mul", &|| &a * &b)?;
        check("div", &|| &a / &b)?;
        check("minimum", &|| a.minimum(&b))?;
        check("maximum", &|| a.maximum(&b))
    }
}

/// The gradient of `sum(a * b)`: `b` summed over the dimensions `a` was broadcast along
/// (and the same for `b`), accumulated by a loop over the output positions.
struct MulGradient;

impl PairCheck for MulGradient {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(p: &Pair) -> Outcome {
        let a = tensor::<S1, E>(&p.left, &p.a);
        let b = tensor::<S2, E>(&p.right, &p.b);
        let (xa, xb) = (values(&a), values(&b));
        let (ga, gb) = vjp(&(a, b), |(a, b)| (&a * &b).sum()).1.backward();
        let (mut want_a, mut scale_a) = (vec![0.0; xa.len()], vec![0.0; xa.len()]);
        let (mut want_b, mut scale_b) = (vec![0.0; xb.len()], vec![0.0; xb.len()]);
        for i in indices(&broadcast_shape(&p.left, &p.right)) {
            let (ia, ib) = (
                broadcast_offset(&i, &p.left),
                broadcast_offset(&i, &p.right),
            );
            want_a[ia] += xb[ib];
            scale_a[ia] += xb[ib].abs();
            want_b[ib] += xa[ia];
            scale_b[ib] += xa[ia].abs();
        }
        check_tensor("d/da", &ga, &p.left, &want_a, &scale_a)?;
        check_tensor("d/db", &gb, &p.right, &want_b, &scale_b)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn broadcasting_ops_match_the_reference_f32(p in pair()) {
        for_ranks::<Elementwise, f32>(&p)?;
    }

    #[test]
    fn broadcasting_ops_match_the_reference_f64(p in pair()) {
        for_ranks::<Elementwise, f64>(&p)?;
    }

    #[test]
    fn shapes_that_do_not_broadcast_panic_naming_the_op(p in mismatched_pair()) {
        for_ranks::<Mismatch, f32>(&p)?;
        for_ranks::<Mismatch, f64>(&p)?;
    }

    #[test]
    fn gradient_of_a_broadcast_product_sums_the_other_operand(p in pair()) {
        for_ranks::<MulGradient, f64>(&p)?;
    }
}

// ---------------------------------------------------------------------------------------
// Reductions.

/// `sum`, `sum_axis`, `mean_axis`, `max_axis` and `argmax` along axis `AX`, and their
/// `_keep` twins' sizes. `max_axis` and `argmax` panic (as documented) on an empty axis
/// when the result is not empty.
fn check_axis<const AX: usize, S: ReduceAxis<AX>, E: Real>(
    dims: &[usize],
    data: &[f64],
) -> Outcome {
    let x = tensor::<S, E>(dims, data);
    let lanes = lanes(dims, &values(&x), AX);
    let mut removed = dims.to_vec();
    removed.remove(AX);
    let mut kept = dims.to_vec();
    kept[AX] = 1;
    let what = |op: &str| format!("{op}::<{AX}> of {dims:?}");

    let sums: Vec<f64> = lanes.iter().map(|l| l.iter().sum()).collect();
    let scale: Vec<f64> = lanes
        .iter()
        .map(|l| l.iter().map(|v| v.abs()).sum())
        .collect();
    let sum = x.sum_axis::<AX>();
    check_tensor(&what("sum_axis"), &sum, &removed, &sums, &scale)?;
    let sum_keep = x.sum_axis_keep::<AX>();
    check_tensor(&what("sum_axis_keep"), &sum_keep, &kept, &sums, &scale)?;

    let n = dims[AX] as f64;
    let means: Vec<f64> = sums.iter().map(|s| s / n).collect(); // NaN on an empty axis
    let mean_scale: Vec<f64> = scale.iter().map(|s| s / n).collect();
    let mean = x.mean_axis::<AX>();
    check_tensor(&what("mean_axis"), &mean, &removed, &means, &mean_scale)?;

    if dims[AX] == 0 && !lanes.is_empty() {
        check_panics(&what("max_axis"), "max/argmax:", || {
            drop(x.max_axis::<AX>())
        })?;
        return check_panics(&what("argmax"), "max/argmax:", || drop(x.argmax::<AX>()));
    }
    // The first maximal element of each lane (ties go to the lowest index).
    let firsts: Vec<usize> = lanes
        .iter()
        .map(|l| (0..l.len()).fold(0, |best, k| if l[k] > l[best] { k } else { best }))
        .collect();
    let maxima: Vec<f64> = lanes.iter().zip(&firsts).map(|(l, &k)| l[k]).collect();
    let max = x.max_axis::<AX>();
    check_tensor(&what("max_axis"), &max, &removed, &maxima, &maxima)?;
    let max_keep = x.max_axis_keep::<AX>();
    prop_assert_eq!(&*max_keep.dims(), &kept[..], "{}", what("max_axis_keep"));
    let argmax = x.argmax::<AX>();
    prop_assert_eq!(&*argmax.dims(), &removed[..], "{}", what("argmax"));
    prop_assert_eq!(argmax.to_vec(), firsts, "{}", what("argmax"));
    Ok(())
}

/// `sum` over everything, then every axis of the tensor's rank.
fn check_reductions<E: Real>(dims: &[usize], data: &[f64]) -> Outcome {
    fn total<S: Shape, E: Real>(dims: &[usize], data: &[f64]) -> Outcome {
        let x = tensor::<S, E>(dims, data);
        let xs = values(&x);
        let want = xs.iter().sum::<f64>();
        let scale = xs.iter().map(|v| v.abs()).sum::<f64>();
        check_tensor("sum", &x.sum(), &[], &[want], &[scale])
    }
    match dims.len() {
        1 => {
            total::<R1, E>(dims, data)?;
            check_axis::<0, R1, E>(dims, data)
        }
        2 => {
            total::<R2, E>(dims, data)?;
            check_axis::<0, R2, E>(dims, data)?;
            check_axis::<1, R2, E>(dims, data)
        }
        3 => {
            total::<R3, E>(dims, data)?;
            check_axis::<0, R3, E>(dims, data)?;
            check_axis::<1, R3, E>(dims, data)?;
            check_axis::<2, R3, E>(dims, data)
        }
        _ => {
            total::<R4, E>(dims, data)?;
            check_axis::<0, R4, E>(dims, data)?;
            check_axis::<1, R4, E>(dims, data)?;
            check_axis::<2, R4, E>(dims, data)?;
            check_axis::<3, R4, E>(dims, data)
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reductions_along_every_axis_match_the_reference_f32((dims, data) in one_tensor()) {
        check_reductions::<f32>(&dims, &data)?;
    }

    #[test]
    fn reductions_along_every_axis_match_the_reference_f64((dims, data) in one_tensor()) {
        check_reductions::<f64>(&dims, &data)?;
    }
}

// ---------------------------------------------------------------------------------------
// Permutes and reshapes: pure data movement, so the values must match exactly.

/// `y` is `x` with output axis `i` taken from input axis `perm[i]`.
fn check_permuted<S: Shape, T: Shape, E: Real>(
    x: &Tensor<S, E>,
    y: &Tensor<T, E>,
    perm: &[usize],
) -> Outcome {
    let dims = x.dims();
    let out: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    prop_assert_eq!(&*y.dims(), &out[..], "permute {:?} of {:?}", perm, dims);
    let want: Vec<E> = indices(&out)
        .iter()
        .map(|o| {
            let mut idx = vec![0; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                idx[p] = o[i];
            }
            x.as_slice()[offset(&idx, &dims)]
        })
        .collect();
    prop_assert_eq!(y.to_vec(), want, "permute {:?} of {:?}", perm, dims);
    Ok(())
}

fn check_permutes<E: Real>(d2: &[f64], d3: &[f64], d4: &[f64], sizes: &[usize]) -> Outcome {
    let x = tensor::<R2, E>(&sizes[..2], &d2[..numel(&sizes[..2])]);
    check_permuted(&x, &x.permute::<0, 1>(), &[0, 1])?;
    check_permuted(&x, &x.permute::<1, 0>(), &[1, 0])?;
    check_permuted(&x, &x.t(), &[1, 0])?;

    let x = tensor::<R3, E>(&sizes[..3], &d3[..numel(&sizes[..3])]);
    check_permuted(&x, &x.permute::<0, 1, 2>(), &[0, 1, 2])?;
    check_permuted(&x, &x.permute::<0, 2, 1>(), &[0, 2, 1])?;
    check_permuted(&x, &x.permute::<1, 0, 2>(), &[1, 0, 2])?;
    check_permuted(&x, &x.permute::<1, 2, 0>(), &[1, 2, 0])?;
    check_permuted(&x, &x.permute::<2, 0, 1>(), &[2, 0, 1])?;
    check_permuted(&x, &x.permute::<2, 1, 0>(), &[2, 1, 0])?;
    // (1, 2, 0) and (2, 0, 1) are each other's inverses.
    prop_assert_eq!(
        x.permute::<1, 2, 0>().permute::<2, 0, 1>().to_vec(),
        x.to_vec()
    );

    let x = tensor::<R4, E>(sizes, &d4[..numel(sizes)]);
    check_permuted(&x, &x.permute::<0, 2, 3, 1>(), &[0, 2, 3, 1])?;
    check_permuted(&x, &x.permute::<0, 3, 1, 2>(), &[0, 3, 1, 2])?;
    check_permuted(&x, &x.permute::<3, 2, 1, 0>(), &[3, 2, 1, 0])?;
    check_permuted(&x, &x.permute::<1, 0, 3, 2>(), &[1, 0, 3, 2])?;
    check_permuted(&x, &x.permute::<2, 3, 0, 1>(), &[2, 3, 0, 1])?;
    check_permuted(&x, &x.permute::<1, 2, 3, 0>(), &[1, 2, 3, 0])?;
    check_permuted(&x, &x.permute::<0, 1, 3, 2>(), &[0, 1, 3, 2])?;
    // NCHW -> NHWC -> NCHW.
    let back = x.permute::<0, 2, 3, 1>().permute::<0, 3, 1, 2>();
    prop_assert_eq!(&*back.dims(), &*x.dims());
    prop_assert_eq!(back.to_vec(), x.to_vec());
    Ok(())
}

/// Reshapes keep the data in row-major order and only change the sizes; a reshape with one
/// `Dyn` infers it, and panics when the count does not divide.
fn check_reshapes<E: Real>(dims: &[usize], data: &[f64], n: usize) -> Outcome {
    let x = match dims.len() {
        1 => tensor::<R1, E>(dims, data).reshape::<(Dyn,)>(),
        2 => tensor::<R2, E>(dims, data).reshape::<(Dyn,)>(),
        3 => tensor::<R3, E>(dims, data).reshape::<(Dyn,)>(),
        _ => tensor::<R4, E>(dims, data).reshape::<(Dyn,)>(),
    };
    let len = numel(dims);
    // The data as `E` holds it (f32 rounds it).
    let data: Vec<f64> = data.iter().map(|&v| E::from_f64(v).to_f64()).collect();
    prop_assert_eq!(&*x.dims(), &[len][..]);
    prop_assert_eq!(values(&x), data.clone());
    let column = x.reshape::<(Dyn, U1)>();
    prop_assert_eq!(&*column.dims(), &[len, 1][..]);
    let row = column.reshape::<(U1, Dyn)>();
    prop_assert_eq!(&*row.dims(), &[1, len][..]);
    prop_assert_eq!(values(&row.reshape::<(Dyn,)>()), data);

    // (n, 2, 3) -> (3, 2n) -> (2, n, 3) -> (6, n) -> (n, 2, 3).
    let block: Vec<f64> = (0..6 * n).map(|i| i as f64 - 7.5).collect();
    let x = tensor::<(Dyn, U2, U3), E>(&[n, 2, 3], &block);
    let a = x.reshape::<(U3, Dyn)>();
    prop_assert_eq!(&*a.dims(), &[3, 2 * n][..]);
    let b = a.reshape::<(U2, Dyn, U3)>();
    prop_assert_eq!(&*b.dims(), &[2, n, 3][..]);
    let c = b.reshape::<(U6, Dyn)>();
    prop_assert_eq!(&*c.dims(), &[6, n][..]);
    let back = c.reshape::<(Dyn, U2, U3)>();
    prop_assert_eq!(&*back.dims(), &[n, 2, 3][..]);
    prop_assert_eq!(values(&back), block);
    // 6n elements fill (4, Dyn) only when n is even.
    if n % 2 == 0 {
        prop_assert_eq!(&*x.reshape::<(U4, Dyn)>().dims(), &[4, 3 * n / 2][..]);
    } else {
        check_panics("reshape to (4, Dyn)", "reshape:", || {
            drop(x.reshape::<(U4, Dyn)>())
        })?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn permutes_move_every_element_to_its_permuted_index(
        sizes in prop::collection::vec(0..=5usize, 4),
        d2 in data(25),
        d3 in data(125),
        d4 in data(625),
    ) {
        check_permutes::<f32>(&d2, &d3, &d4, &sizes)?;
        check_permutes::<f64>(&d2, &d3, &d4, &sizes)?;
    }

    #[test]
    fn reshapes_round_trip((dims, data) in one_tensor(), n in 0..=5usize) {
        check_reshapes::<f32>(&dims, &data, n)?;
        check_reshapes::<f64>(&dims, &data, n)?;
    }
}

// ---------------------------------------------------------------------------------------
// Matrix products.

/// The six forms of `matmul`.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// `(M, K) x (K, N)`
    Matrix,
    /// `(B, M, K) x (B, K, N)`
    Batched,
    /// `(B, M, K) x (K, N)`: one right operand for the whole batch.
    BatchedShared,
    /// `(M, K) x (K,)`
    MatrixVector,
    /// `(K,) x (K, N)`
    VectorMatrix,
    /// `(K,) x (K,)`
    Dot,
}

const FORMS: [Form; 6] = [
    Form::Matrix,
    Form::Batched,
    Form::BatchedShared,
    Form::MatrixVector,
    Form::VectorMatrix,
    Form::Dot,
];

/// A product of a form; every form is read as `batch` products of `m x k` by `k x n`
/// (a vector is a 1-row or 1-column matrix, so the forms without a batch have `batch` 1).
#[derive(Clone, Debug)]
struct Product {
    form: Form,
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    /// The output gradient (the seed of the vjp).
    g: Vec<f64>,
}

impl Product {
    /// A product without data; the forms without a batch, a row or a column set it to 1.
    fn new(form: Form, batch: usize, m: usize, k: usize, n: usize) -> Self {
        use Form::*;
        let or_one = |has: bool, size: usize| if has { size } else { 1 };
        Product {
            form,
            batch: or_one(matches!(form, Batched | BatchedShared), batch),
            m: or_one(!matches!(form, VectorMatrix | Dot), m),
            k,
            n: or_one(!matches!(form, MatrixVector | Dot), n),
            a: Vec::new(),
            b: Vec::new(),
            g: Vec::new(),
        }
    }

    fn a_dims(&self) -> Vec<usize> {
        match self.form {
            Form::Matrix | Form::MatrixVector => vec![self.m, self.k],
            Form::Batched | Form::BatchedShared => vec![self.batch, self.m, self.k],
            Form::VectorMatrix | Form::Dot => vec![self.k],
        }
    }

    fn b_dims(&self) -> Vec<usize> {
        match self.form {
            Form::Matrix | Form::BatchedShared | Form::VectorMatrix => vec![self.k, self.n],
            Form::Batched => vec![self.batch, self.k, self.n],
            Form::MatrixVector | Form::Dot => vec![self.k],
        }
    }

    fn out_dims(&self) -> Vec<usize> {
        match self.form {
            Form::Matrix => vec![self.m, self.n],
            Form::Batched | Form::BatchedShared => vec![self.batch, self.m, self.n],
            Form::MatrixVector => vec![self.m],
            Form::VectorMatrix => vec![self.n],
            Form::Dot => vec![],
        }
    }

    /// The offset of `B[t][p][j]`: the shared and unbatched forms have one `B`.
    fn b_at(&self, t: usize, p: usize, j: usize) -> usize {
        let shared = !matches!(self.form, Form::Batched);
        let t = if shared { 0 } else { t };
        (t * self.k + p) * self.n + j
    }

    /// `C = A @ B` and its magnitudes `|A| @ |B|`, by the triple loop.
    fn reference(&self) -> (Vec<f64>, Vec<f64>) {
        let (mut c, mut scale) = (Vec::new(), Vec::new());
        for t in 0..self.batch {
            for i in 0..self.m {
                for j in 0..self.n {
                    let (mut sum, mut abs) = (0.0, 0.0);
                    for p in 0..self.k {
                        let term =
                            self.a[(t * self.m + i) * self.k + p] * self.b[self.b_at(t, p, j)];
                        sum += term;
                        abs += term.abs();
                    }
                    c.push(sum);
                    scale.push(abs);
                }
            }
        }
        (c, scale)
    }

    /// `dA = G @ Bᵀ` and `dB = Aᵀ @ G` (summed over the batch when `B` is shared), with
    /// their magnitudes.
    fn reference_vjp(&self) -> [(Vec<f64>, Vec<f64>); 2] {
        let (mut da, mut sa) = (vec![0.0; self.a.len()], vec![0.0; self.a.len()]);
        let (mut db, mut sb) = (vec![0.0; self.b.len()], vec![0.0; self.b.len()]);
        for t in 0..self.batch {
            for i in 0..self.m {
                for j in 0..self.n {
                    let g = self.g[(t * self.m + i) * self.n + j];
                    for p in 0..self.k {
                        let (ia, ib) = ((t * self.m + i) * self.k + p, self.b_at(t, p, j));
                        da[ia] += g * self.b[ib];
                        sa[ia] += (g * self.b[ib]).abs();
                        db[ib] += self.a[ia] * g;
                        sb[ib] += (self.a[ia] * g).abs();
                    }
                }
            }
        }
        [(da, sa), (db, sb)]
    }
}

/// A size: mostly 0..=5, sometimes up to 70 (past the gemm kernel's register and cache
/// blocks).
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0..=5usize, 1 => 6..=70usize]
}

fn product() -> impl Strategy<Value = Product> {
    let forms = select(FORMS.to_vec());
    (forms, 0..=4usize, size(), size(), size()).prop_flat_map(|(form, batch, m, k, n)| {
        let p = Product::new(form, batch, m, k, n);
        let (la, lb, lg) = (numel(&p.a_dims()), numel(&p.b_dims()), numel(&p.out_dims()));
        (Just(p), data(la), data(lb), data(lg)).prop_map(|(p, a, b, g)| Product { a, b, g, ..p })
    })
}

/// The product's value (and, when `grads`, its vjp with seed `g`) against the references.
fn check_product<SA: MatMul<SB>, SB: Shape, E: Real>(p: &Product, grads: bool) -> Outcome {
    let a = tensor::<SA, E>(&p.a_dims(), &p.a);
    let b = tensor::<SB, E>(&p.b_dims(), &p.b);
    let c = a.matmul(&b);
    let (want, scale) = p.reference();
    check_tensor("matmul", &c, &p.out_dims(), &want, &scale)?;
    if grads {
        let g = tensor::<SA::Out, E>(&p.out_dims(), &p.g);
        let (ga, gb) = vjp(&(a, b), |(a, b)| a.matmul(&b)).1.backward_with(g);
        let [(da, sa), (db, sb)] = p.reference_vjp();
        check_tensor("dA = G @ Bᵀ", &ga, &p.a_dims(), &da, &sa)?;
        check_tensor("dB = Aᵀ @ G", &gb, &p.b_dims(), &db, &sb)?;
    }
    Ok(())
}

fn check_form<E: Real>(p: &Product, grads: bool) -> Outcome {
    match p.form {
        Form::Matrix => check_product::<R2, R2, E>(p, grads),
        Form::Batched => check_product::<R3, R3, E>(p, grads),
        Form::BatchedShared => check_product::<R3, R2, E>(p, grads),
        Form::MatrixVector => check_product::<R2, R1, E>(p, grads),
        Form::VectorMatrix => check_product::<R1, R2, E>(p, grads),
        Form::Dot => check_product::<R1, R1, E>(p, grads),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matmul_forms_match_the_triple_loop_f32(p in product()) {
        check_form::<f32>(&p, false)?;
    }

    #[test]
    fn matmul_forms_match_the_triple_loop_f64(p in product()) {
        check_form::<f64>(&p, false)?;
    }

    #[test]
    fn matmul_vjp_is_g_times_b_transposed_and_a_transposed_times_g(p in product()) {
        check_form::<f64>(&p, true)?;
    }
}
