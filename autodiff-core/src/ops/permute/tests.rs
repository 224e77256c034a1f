use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

/// Distinct values, so that any misplaced element shows.
fn iota<S: ConstShape, E: Float>() -> Tensor<S, E> {
    Tensor::from_vec(
        (0..S::NUMEL)
            .map(|i| E::from_f64(i as f64 * 0.5 + 0.25))
            .collect(),
    )
    .unwrap()
}

/// Reference: walks the input in row-major order and writes each element where the
/// permutation sends it (output axis `i` holds input index `idx[perm[i]]`).
fn naive_permute<E: Copy + Default>(data: &[E], dims: &[usize], perm: &[usize]) -> Vec<E> {
    let out_dims: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    let mut out = vec![E::default(); data.len()];
    for (flat, &v) in data.iter().enumerate() {
        let mut idx = vec![0; dims.len()];
        let mut rem = flat;
        for k in (0..dims.len()).rev() {
            idx[k] = rem % dims[k];
            rem /= dims[k];
        }
        let o = (0..perm.len()).fold(0, |o, i| o * out_dims[i] + idx[perm[i]]);
        out[o] = v;
    }
    out
}

/// Forward of `permute::<perm>` on a tensor of `shape`, in f32 and f64, against the reference.
macro_rules! check_forward {
    ($shape:ty, $dims:expr; $([$($p:literal),+])+) => {$(
        let x32 = iota::<$shape, f32>();
        let y32 = x32.permute::<$($p),+>();
        assert_eq!(y32.to_vec(), naive_permute(x32.as_slice(), &$dims, &[$($p),+]));
        let x64 = iota::<$shape, f64>();
        let y64 = x64.permute::<$($p),+>();
        assert_eq!(y64.to_vec(), naive_permute(x64.as_slice(), &$dims, &[$($p),+]));
        let dims = $dims;
        assert_eq!(&*y64.dims(), &[$(dims[$p]),+][..]);
    )+};
}

#[test]
fn rank2_forward() {
    check_forward!((U2, U3), [2, 3]; [0, 1] [1, 0]);
    let x = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    assert_eq!(x.permute::<1, 0>().to_vec(), x.t().to_vec());
}

#[test]
fn rank3_forward_every_permutation() {
    check_forward!((U2, U3, U4), [2, 3, 4];
        [0, 1, 2] [0, 2, 1] [1, 0, 2] [1, 2, 0] [2, 0, 1] [2, 1, 0]);
    // The output type follows the permutation.
    let _: Tensor<(U4, U2, U3)> = iota::<(U2, U3, U4), f32>().permute::<2, 0, 1>();
}

#[test]
fn rank4_forward() {
    check_forward!((U2, U3, U1, U4), [2, 3, 1, 4];
        [0, 1, 2, 3] [3, 2, 1, 0] [0, 2, 3, 1] [1, 3, 0, 2] [2, 0, 3, 1] [3, 0, 1, 2]);
}

#[test]
fn dyn_dimension_moves_with_its_axis() {
    let x =
        Tensor::<(Dyn, U3)>::from_shape_vec((Dyn(2), U3::default()), vec![1., 2., 3., 4., 5., 6.])
            .unwrap();
    let y: Tensor<(U3, Dyn)> = x.permute::<1, 0>();
    assert_eq!(&*y.dims(), &[3, 2]);
    assert_eq!(y.to_vec(), vec![1., 4., 2., 5., 3., 6.]);
}

#[test]
fn empty_tensor() {
    let x = Tensor::<(U0, U3, U2)>::zeros();
    let y: Tensor<(U2, U0, U3)> = x.permute::<2, 0, 1>();
    assert_eq!(y.numel(), 0);
}

#[test]
fn gradient_is_the_inverse_permutation() {
    // y = x.permute(1, 2, 0): y[j, k, i] = x[i, j, k], so dL/dx[i, j, k] = w[j, k, i], the
    // seed permuted by the inverse (2, 0, 1).
    let x = iota::<(U2, U3, U4), f64>();
    let w = Tensor::<(U3, U4, U2), f64>::rand_uniform(&mut Rng::seed(1), -1., 1.);
    let (_, graph) = vjp(&x, |x| x.permute::<1, 2, 0>());
    let dx = graph.backward_with(w.clone());
    assert_eq!(
        dx.to_vec(),
        naive_permute(w.as_slice(), &[3, 4, 2], &[2, 0, 1])
    );
}

#[test]
fn same_input_twice_accumulates() {
    // y = xᵀ + xᵀ: dx = 2 wᵀ.
    let x = iota::<(U2, U3), f64>();
    let w = Tensor::<(U3, U2), f64>::rand_uniform(&mut Rng::seed(2), -1., 1.);
    let (_, graph) = vjp(&x, |x| x.permute::<1, 0>() + x.permute::<1, 0>());
    let dx = graph.backward_with(w.clone());
    let want: Vec<f64> = naive_permute(w.as_slice(), &[3, 2], &[1, 0])
        .iter()
        .map(|v| 2.0 * v)
        .collect();
    assert_eq!(dx.to_vec(), want);
}

#[test]
fn gradcheck_every_rank() {
    let mut rng = Rng::seed(3);
    let a = Tensor::<(U2, U3), f64>::randn(&mut rng);
    gradcheck(|a: Tensor<(U2, U3), f64>| a.permute::<1, 0>(), &a).unwrap();
    let b = Tensor::<(U2, U3, U4), f64>::randn(&mut rng);
    gradcheck(|b: Tensor<(U2, U3, U4), f64>| b.permute::<2, 0, 1>(), &b).unwrap();
    let c = Tensor::<(U2, U1, U3, U2), f64>::randn(&mut rng);
    gradcheck(
        |c: Tensor<(U2, U1, U3, U2), f64>| c.permute::<3, 2, 0, 1>(),
        &c,
    )
    .unwrap();
}

#[test]
fn gradgradcheck_through_a_product() {
    // p² with p a permutation of x: the second derivative flows through permute's backward.
    let mut rng = Rng::seed(4);
    let x = Tensor::<(U2, U3, U2), f64>::randn(&mut rng);
    let w = Tensor::<(U3, U2, U2), f64>::randn(&mut rng);
    gradgradcheck(
        |x: Tensor<(U2, U3, U2), f64>| {
            let p = x.permute::<1, 2, 0>();
            &p * &p * &w
        },
        &x,
    )
    .unwrap();
    let y = Tensor::<(U2, U2, U1, U3), f64>::randn(&mut rng);
    gradgradcheck(
        |y: Tensor<(U2, U2, U1, U3), f64>| {
            let p = y.permute::<0, 3, 1, 2>();
            &p * &p
        },
        &y,
    )
    .unwrap();
}

/// Lazy transposes (`t()` and swaps of the last two axes), read by matrix products in place.
mod lazy_transpose {
    use super::naive_permute;
    use crate::ops::matmul::kernel::{matmul, mm};
    use crate::prelude::*;
    use crate::tensor::raw::RawTensor;
    use crate::testing::{gradcheck, gradgradcheck};
    use crate::Dims;

    fn values(sizes: &[usize], seed: u64) -> RawTensor<f64> {
        let mut rng = Rng::seed(seed);
        let n = sizes.iter().product();
        RawTensor::new(
            Dims::new(sizes),
            (0..n).map(|_| rng.uniform() * 2.0 - 1.0).collect(),
        )
    }

    /// `op(a) @ op(b)` for batches of row-major matrices, by the definition.
    fn naive_mm(a: &RawTensor<f64>, b: &RawTensor<f64>, ta: bool, tb: bool) -> Vec<f64> {
        let r = a.dims.len();
        let (ar, ac, br, bc) = (a.dims[r - 2], a.dims[r - 1], b.dims[r - 2], b.dims[r - 1]);
        let (m, k, n) = (
            if ta { ac } else { ar },
            if ta { ar } else { ac },
            if tb { br } else { bc },
        );
        let batch = a.dims.numel() / (ar * ac);
        let (x, y) = (a.as_slice(), b.as_slice());
        let mut out = Vec::new();
        for s in 0..batch {
            let at = |i: usize, p: usize| x[s * ar * ac + if ta { p * ac + i } else { i * ac + p }];
            let bt = |p: usize, j: usize| y[s * br * bc + if tb { j * bc + p } else { p * bc + j }];
            for i in 0..m {
                for j in 0..n {
                    out.push((0..k).map(|p| at(i, p) * bt(p, j)).sum());
                }
            }
        }
        out
    }

    fn assert_close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }

    #[test]
    fn swaps_of_the_last_two_axes_are_lazy_and_match_the_copy() {
        let x = Tensor::<(U2, U3, U4), f64>::randn(&mut Rng::seed(5));
        let p = x.permute::<0, 2, 1>();
        assert!(p.raw.is_lazy());
        assert_eq!(
            p.to_vec(),
            naive_permute(x.as_slice(), &[2, 3, 4], &[0, 2, 1])
        );
        let y = Tensor::<(U2, U1, U3, U2), f64>::randn(&mut Rng::seed(6));
        let q = y.permute::<0, 1, 3, 2>();
        assert!(q.raw.is_lazy());
        assert_eq!(
            q.to_vec(),
            naive_permute(y.as_slice(), &[2, 1, 3, 2], &[0, 1, 3, 2])
        );
        let m = Tensor::<(U2, U3), f64>::randn(&mut Rng::seed(7));
        assert!(m.t().raw.is_lazy());
        assert_eq!(m.t().to_vec(), m.permute::<1, 0>().to_vec());
        assert_eq!(m.t().t().to_vec(), m.to_vec());
        // Other permutations are copied at once.
        assert!(!x.permute::<1, 0, 2>().raw.is_lazy());
    }

    #[test]
    fn products_read_lazy_operands_in_place_for_every_flag() {
        // Sizes for the tiny sums, the loops (matrix-vector) and gemm; batched and not.
        for (m, k, n) in [(1, 2, 3), (2, 3, 2), (5, 1, 3), (7, 6, 1), (9, 8, 11)] {
            for batch in [None, Some(3)] {
                let sizes = |r: usize, c: usize| -> Vec<usize> {
                    batch.map_or(vec![r, c], |b| vec![b, r, c])
                };
                for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                    let (ad, bd) = (
                        if ta { sizes(k, m) } else { sizes(m, k) },
                        if tb { sizes(n, k) } else { sizes(k, n) },
                    );
                    let (a, b) = (values(&ad, 1), values(&bd, 2));
                    // Each operand as itself and as the lazy transpose of its transpose's copy.
                    let lazy = |x: &RawTensor<f64>| {
                        let copied = RawTensor::new(
                            x.transpose_last2().dims,
                            x.transpose_last2().as_slice().to_vec(),
                        );
                        copied.transpose_last2()
                    };
                    let want = naive_mm(&a, &b, ta, tb);
                    for (la, lb) in [(true, false), (false, true), (true, true)] {
                        let pick =
                            |x: &RawTensor<f64>, l: bool| if l { lazy(x) } else { x.clone() };
                        let (x, y) = (pick(&a, la), pick(&b, lb));
                        let got = mm(&x, &y, ta, tb);
                        assert_close(got.as_slice(), &want);
                        // (Four elements or fewer are transposed at once.)
                        assert_eq!(
                            x.is_lazy(),
                            la && x.dims.numel() > 4,
                            "{m}x{k}x{n} {ta} {tb}"
                        );
                        assert_eq!(
                            y.is_lazy(),
                            lb && y.dims.numel() > 4,
                            "{m}x{k}x{n} {ta} {tb}"
                        );
                        if !ta && !tb {
                            assert_close(matmul(&x, &y).as_slice(), &want);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn matrix_vector_and_broadcast_forms_read_lazy_operands() {
        let lazy = |sizes: &[usize], seed| {
            let mut swapped = sizes.to_vec();
            let r = sizes.len();
            swapped.swap(r - 2, r - 1);
            values(&swapped, seed).transpose_last2()
        };
        // (M, K) x (K,), (K,) x (K, N), (B, M, K) x (K, N): the matrix lazy.
        let (a, v) = (lazy(&[5, 3], 1), values(&[3], 2));
        let got = matmul(&a, &v);
        assert!(a.is_lazy());
        let col = v.with_dims(Dims::new(&[3, 1]));
        assert_close(got.as_slice(), &naive_mm(&a, &col, false, false));
        let (u, b) = (values(&[5], 3), lazy(&[5, 4], 4));
        let got = matmul(&u, &b);
        assert!(b.is_lazy());
        let row = u.with_dims(Dims::new(&[1, 5]));
        assert_close(got.as_slice(), &naive_mm(&row, &b, false, false));
        let (x, w) = (values(&[2, 3, 5], 5), lazy(&[5, 4], 6));
        let got = matmul(&x, &w);
        assert!(w.is_lazy());
        let flat = x.with_dims(Dims::new(&[6, 5]));
        assert_close(got.as_slice(), &naive_mm(&flat, &w, false, false));
        // A lazy left operand of the broadcast form is read as one (B*M, K) matrix: copied.
        let (x, w) = (lazy(&[2, 3, 5], 7), values(&[5, 4], 8));
        let flat = RawTensor::new(Dims::new(&[6, 5]), x.as_slice().to_vec());
        assert_close(
            matmul(&x, &w).as_slice(),
            &naive_mm(&flat, &w, false, false),
        );
    }

    #[test]
    fn the_product_of_a_transpose_copies_nothing() {
        let x = Tensor::<(U4, U3)>::randn(&mut Rng::seed(8));
        let w = Tensor::<(U5, U3)>::randn(&mut Rng::seed(9));
        let wt = w.t();
        let y = x.matmul(&wt);
        assert!(wt.raw.is_lazy());
        assert_eq!(y.to_vec(), x.matmul_t(&w).to_vec());
        // Through a recorded pass: forward and backward.
        let (loss, graph) = vjp(&(x.clone(), w.clone()), |(x, w)| {
            let wt = w.t();
            let y = x.matmul(&wt).square().sum();
            assert!(wt.raw.is_lazy());
            y
        });
        let (dx, dw) = graph.backward();
        assert!(!dw.raw.is_lazy(), "the gradient of w came out transposed");
        assert!(dw.raw.transposed_source().is_none());
        let (loss_t, graph_t) = vjp(&(x, w), |(x, w)| x.matmul_t(&w).square().sum());
        let (dx_t, dw_t) = graph_t.backward();
        assert_eq!(loss.item(), loss_t.item());
        assert_eq!(dx.to_vec(), dx_t.to_vec());
        let close = dw
            .to_vec()
            .iter()
            .zip(dw_t.to_vec())
            .all(|(a, b)| (a - b).abs() < 1e-5);
        assert!(close, "{dw:?} vs {dw_t:?}");
    }

    type Mat<A, B> = Tensor<(A, B), f64>;
    type Batch<A, B, C> = Tensor<(A, B, C), f64>;

    #[test]
    fn gradients_through_a_product_of_a_transpose() {
        let mut rng = Rng::seed(10);
        let x = Tensor::<(U4, U3), f64>::randn(&mut rng);
        let w = Tensor::<(U5, U3), f64>::randn(&mut rng);
        let f = |(x, w): (Mat<U4, U3>, Mat<U5, U3>)| {
            let y = x.matmul(&w.t());
            &y * &y
        };
        gradcheck(f, &(x.clone(), w.clone())).unwrap();
        gradgradcheck(f, &(x, w.clone())).unwrap();
        // Batched, with the transpose on the left and a rank-3 input.
        let b = Tensor::<(U2, U3, U4), f64>::randn(&mut rng);
        let c = Tensor::<(U2, U3, U2), f64>::randn(&mut rng);
        let g = |(b, c): (Batch<U2, U3, U4>, Batch<U2, U3, U2>)| {
            let y = b.permute::<0, 2, 1>().matmul(&c);
            &y * &y
        };
        gradcheck(g, &(b.clone(), c.clone())).unwrap();
        gradgradcheck(g, &(b, c)).unwrap();
        let x3 = Tensor::<(U2, U4, U3), f64>::randn(&mut rng);
        let h = |(x, w): (Batch<U2, U4, U3>, Mat<U5, U3>)| {
            let y = x.matmul(&w.t());
            &y * &y
        };
        gradcheck(h, &(x3.clone(), w.clone())).unwrap();
        gradgradcheck(h, &(x3, w)).unwrap();
    }
}
