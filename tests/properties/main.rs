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

mod broadcast;
mod matmul;
mod movement;
mod reduce;
