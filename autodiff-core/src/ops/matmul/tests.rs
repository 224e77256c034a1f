//! matmul in every form, `matmul_t` and `t`: forward against naive loops, gradients by
//! formula, gradcheck and gradgradcheck in f64.

use super::{matvec_t_raw, mm_raw, outer_raw};
use crate::prelude::*;
use crate::tensor::raw::RawTensor;
use crate::testing::{gradcheck, gradgradcheck};

/// `c[i][j] = Σ_k a[i][k] b[k][j]` for row-major `m x k` and `k x n` slices.
fn naive(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
        }
    }
    c
}

fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    (0..cols)
        .flat_map(|j| (0..rows).map(move |i| a[i * cols + j]))
        .collect()
}

fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::seed(seed);
    (0..n).map(|_| rng.uniform() * 2.0 - 1.0).collect()
}

fn assert_close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

#[test]
fn every_form_matches_naive_loops() {
    let (a, b) = (values(6, 1), values(12, 2));
    let am = Tensor::<(U2, U3), f64>::from_vec(a.clone()).unwrap();
    let bm = Tensor::<(U3, U4), f64>::from_vec(b.clone()).unwrap();
    assert_close(&am.matmul(&bm).to_vec(), &naive(&a, &b, 2, 3, 4));
    // Batched: two independent products.
    let (a3, b3) = (values(12, 3), values(24, 4));
    let ab = Tensor::<(U2, U2, U3), f64>::from_vec(a3.clone()).unwrap();
    let bb = Tensor::<(U2, U3, U4), f64>::from_vec(b3.clone()).unwrap();
    let mut expected = naive(&a3[..6], &b3[..12], 2, 3, 4);
    expected.extend(naive(&a3[6..], &b3[12..], 2, 3, 4));
    assert_close(&ab.matmul(&bb).to_vec(), &expected);
    // Batched by a shared matrix: the same as flattening the batch.
    assert_close(&ab.matmul(&bm).to_vec(), &naive(&a3, &b, 4, 3, 4));
    // Matrix-vector, vector-matrix, dot.
    let v = Tensor::<(U3,), f64>::from_vec(b[..3].to_vec()).unwrap();
    assert_close(&am.matmul(&v).to_vec(), &naive(&a, &b[..3], 2, 3, 1));
    let u = Tensor::<(U2,), f64>::from_vec(b[..2].to_vec()).unwrap();
    assert_close(&u.matmul(&am).to_vec(), &naive(&b[..2], &a, 1, 2, 3));
    assert_close(
        &v.matmul(&v).to_vec(),
        &[b[..3].iter().map(|x| x * x).sum()],
    );
}

#[test]
fn transposed_operands_match_explicit_transposes() {
    let (a, b) = (values(6, 5), values(12, 6));
    let ra = RawTensor::new(Dims::new(&[3, 2]), a.clone()); // read as its 2x3 transpose
    let rb = RawTensor::new(Dims::new(&[4, 3]), b.clone()); // read as its 3x4 transpose
    let at = transpose(&a, 3, 2);
    let bt = transpose(&b, 4, 3);
    assert_close(
        mm_raw(&ra, &rb, true, true).as_slice(),
        &naive(&at, &bt, 2, 3, 4),
    );
    let rb2 = RawTensor::new(Dims::new(&[3, 4]), bt.clone());
    assert_close(
        mm_raw(&ra, &rb2, true, false).as_slice(),
        &naive(&at, &bt, 2, 3, 4),
    );
    let ra2 = RawTensor::new(Dims::new(&[2, 3]), at.clone());
    assert_close(
        mm_raw(&ra2, &rb, false, true).as_slice(),
        &naive(&at, &bt, 2, 3, 4),
    );
    let x = Tensor::<(U2, U3), f64>::from_vec(at).unwrap();
    let w = Tensor::<(U4, U3), f64>::from_vec(b).unwrap();
    assert_close(&x.matmul_t(&w).to_vec(), &x.matmul(&w.t()).to_vec());
}

/// Sizes on both sides of the loops/gemm threshold (`small::SMALL_MNK` = 64), matrix-vector
/// and vector-matrix products (always loops), a row longer than the loops' column block,
/// and empty outputs.
const AROUND_THE_THRESHOLD: [(usize, usize, usize); 16] = [
    (0, 3, 2),
    (2, 3, 0),
    (1, 1, 1),
    (1, 5, 1),
    (3, 1, 4),
    (4, 4, 4),
    (2, 4, 8),
    (16, 2, 2),
    (4, 4, 5),
    (5, 5, 5),
    (9, 9, 9),
    (1, 37, 9),
    (9, 37, 1),
    (64, 64, 1),
    (1, 3, 1100),
    (1100, 3, 1),
];

#[test]
fn small_and_vector_products_match_naive_loops_for_every_transpose() {
    for (m, k, n) in AROUND_THE_THRESHOLD {
        let (a, b) = (values(m * k, 16), values(k * n, 17));
        let expected = naive(&a, &b, m, k, n);
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            // Store each operand as its transpose when its flag is set.
            let (ra, rb) = (
                if ta {
                    RawTensor::new(Dims::new(&[k, m]), transpose(&a, m, k))
                } else {
                    RawTensor::new(Dims::new(&[m, k]), a.clone())
                },
                if tb {
                    RawTensor::new(Dims::new(&[n, k]), transpose(&b, k, n))
                } else {
                    RawTensor::new(Dims::new(&[k, n]), b.clone())
                },
            );
            let c = mm_raw(&ra, &rb, ta, tb);
            assert_eq!(&*c.dims, &[m, n], "{m}x{k}x{n} ta={ta} tb={tb}");
            assert_close(c.as_slice(), &expected);
        }
        // A batch of two such products.
        let (a2, b2) = (values(m * k, 18), values(k * n, 19));
        let ra = RawTensor::new(Dims::new(&[2, m, k]), [a.clone(), a2.clone()].concat());
        let rb = RawTensor::new(Dims::new(&[2, k, n]), [b.clone(), b2.clone()].concat());
        let mut both = expected.clone();
        both.extend(naive(&a2, &b2, m, k, n));
        assert_close(mm_raw(&ra, &rb, false, false).as_slice(), &both);
    }
}

#[test]
fn matrix_vector_forms_match_naive_loops_around_the_threshold() {
    for (m, k, _) in AROUND_THE_THRESHOLD {
        let (a, v) = (values(m * k, 20), values(k, 21));
        let am = Tensor::<(Dyn, Dyn), f64>::from_shape_vec((Dyn(m), Dyn(k)), a.clone()).unwrap();
        let vt = Tensor::<(Dyn,), f64>::from_shape_vec((Dyn(k),), v.clone()).unwrap();
        assert_close(&am.matmul(&vt).to_vec(), &naive(&a, &v, m, k, 1));
        let u = values(m, 22);
        let ut = Tensor::<(Dyn,), f64>::from_shape_vec((Dyn(m),), u.clone()).unwrap();
        assert_close(&ut.matmul(&am).to_vec(), &naive(&u, &a, 1, m, k));
    }
}

#[test]
fn an_empty_inner_dimension_gives_zeros() {
    let a = RawTensor::new(Dims::new(&[2, 0]), Vec::<f64>::new());
    let b = RawTensor::new(Dims::new(&[0, 3]), Vec::<f64>::new());
    assert_eq!(mm_raw(&a, &b, false, false).as_slice(), &[0.0; 6]);
}

#[test]
fn gradient_of_a_product_is_g_bt_and_at_g() {
    let a = Tensor::<(U2, U3), f64>::from_vec(values(6, 7)).unwrap();
    let b = Tensor::<(U3, U2), f64>::from_vec(values(6, 8)).unwrap();
    let (_, graph) = vjp(&(a.clone(), b.clone()), |(a, b)| a.matmul(&b).sum());
    let (ga, gb) = graph.backward();
    // With G = ones: dA = G Bᵀ (row sums of B), dB = Aᵀ G (column sums of A).
    let ones = vec![1.0; 4];
    assert_close(
        &ga.to_vec(),
        &naive(&ones, &transpose(&b.to_vec(), 3, 2), 2, 2, 3),
    );
    assert_close(
        &gb.to_vec(),
        &naive(&transpose(&a.to_vec(), 2, 3), &ones, 3, 2, 2),
    );
}

type M23 = Tensor<(U2, U3), f64>;
type M34 = Tensor<(U3, U4), f64>;

#[test]
fn gradcheck_every_form() {
    let a = M23::from_vec(values(6, 9)).unwrap();
    let b = M34::from_vec(values(12, 10)).unwrap();
    let sq = |y: Tensor<(U2, U4), f64>| y.powi(2);
    gradcheck(
        |(a, b): (M23, M34)| sq(a.matmul(&b)),
        &(a.clone(), b.clone()),
    )
    .unwrap();
    gradgradcheck(
        |(a, b): (M23, M34)| sq(a.matmul(&b)),
        &(a.clone(), b.clone()),
    )
    .unwrap();
    let w = Tensor::<(U4, U3), f64>::from_vec(values(12, 11)).unwrap();
    let lin = |(x, w): (M23, Tensor<(U4, U3), f64>)| x.matmul_t(&w).powi(2);
    gradcheck(lin, &(a.clone(), w.clone())).unwrap();
    gradgradcheck(lin, &(a.clone(), w.clone())).unwrap();
    let ab = Tensor::<(U2, U2, U3), f64>::from_vec(values(12, 12)).unwrap();
    let bb = Tensor::<(U2, U3, U4), f64>::from_vec(values(24, 13)).unwrap();
    type B3 = Tensor<(U2, U2, U3), f64>;
    gradcheck(
        |(a, b): (B3, Tensor<(U2, U3, U4), f64>)| a.matmul(&b).powi(2),
        &(ab.clone(), bb),
    )
    .unwrap();
    gradcheck(
        |(a, b): (B3, M34)| a.matmul(&b).powi(2),
        &(ab.clone(), b.clone()),
    )
    .unwrap();
    gradgradcheck(
        |(a, b): (B3, M34)| a.matmul(&b).powi(2),
        &(ab.clone(), b.clone()),
    )
    .unwrap();
    gradcheck(
        |(x, w): (B3, Tensor<(U4, U3), f64>)| x.matmul_t(&w).powi(2),
        &(ab, w),
    )
    .unwrap();
    let v = Tensor::<(U3,), f64>::from_vec(values(3, 14)).unwrap();
    let u = Tensor::<(U2,), f64>::from_vec(values(2, 15)).unwrap();
    type V3 = Tensor<(U3,), f64>;
    gradcheck(
        |(a, v): (M23, V3)| a.matmul(&v).powi(2),
        &(a.clone(), v.clone()),
    )
    .unwrap();
    gradgradcheck(
        |(a, v): (M23, V3)| a.matmul(&v).powi(2),
        &(a.clone(), v.clone()),
    )
    .unwrap();
    gradcheck(
        |(u, a): (Tensor<(U2,), f64>, M23)| u.matmul(&a).powi(2),
        &(u, a.clone()),
    )
    .unwrap();
    gradgradcheck(
        |(v, w): (V3, V3)| v.matmul(&w).powi(2),
        &(v.clone(), v.clone()),
    )
    .unwrap();
    gradcheck(|a: M23| a.t().powi(2), &a).unwrap();
}

#[test]
fn the_same_input_twice_accumulates() {
    // d/dA sum(A A) = Gᵀ... with G = ones: (A A)'s gradient is G Aᵀ + Aᵀ G.
    let a = Tensor::<(U2, U2), f64>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    let (_, graph) = vjp(&a, |a| a.matmul(&a).sum());
    let g = graph.backward().to_vec();
    let at = transpose(&a.to_vec(), 2, 2);
    let ones = vec![1.0; 4];
    let expected: Vec<f64> = naive(&ones, &at, 2, 2, 2)
        .iter()
        .zip(naive(&at, &ones, 2, 2, 2))
        .map(|(x, y)| x + y)
        .collect();
    assert_close(&g, &expected);
    gradgradcheck(|a: Tensor<(U2, U2), f64>| a.matmul(&a), &a).unwrap();
}

#[test]
#[should_panic(expected = "matmul: shapes [2, 3] and [4, 2] do not chain")]
fn dyn_inner_dimensions_are_checked_when_the_op_runs() {
    let a = Tensor::<(U2, Dyn)>::zeros_shaped((U2::default(), Dyn(3)));
    let b = Tensor::<(Dyn, U2)>::zeros_shaped((Dyn(4), U2::default()));
    let _ = a.matmul(&b);
}

#[test]
fn matrix_vector_gradients_are_one_op_each() {
    // `Aᵀ v` and `u vᵀ`, the gradients of `A @ x` (and `x @ A`): against naive loops, then
    // gradcheck and gradgradcheck of each (their rules are each other and `matmul`).
    let a = M23::from_vec(values(6, 16)).unwrap();
    let v = Tensor::<(U2,), f64>::from_vec(values(2, 17)).unwrap();
    let u = Tensor::<(U3,), f64>::from_vec(values(3, 18)).unwrap();
    let atv = matvec_t_raw(&a.raw, &v.raw);
    assert_eq!(atv.dims.as_ref(), &[3]);
    assert_close(
        atv.as_slice(),
        &naive(&transpose(&a.to_vec(), 2, 3), &v.to_vec(), 3, 2, 1),
    );
    let uv = outer_raw(&u.raw, &v.raw);
    assert_eq!(uv.dims.as_ref(), &[3, 2]);
    assert_close(uv.as_slice(), &naive(&u.to_vec(), &v.to_vec(), 3, 1, 2));
    type V2 = Tensor<(U2,), f64>;
    type V3 = Tensor<(U3,), f64>;
    let matvec_t = |(a, v): (M23, V2)| -> V3 { Tensor::from_raw(matvec_t_raw(&a.raw, &v.raw)) };
    let outer =
        |(u, v): (V3, V2)| -> Tensor<(U3, U2), f64> { Tensor::from_raw(outer_raw(&u.raw, &v.raw)) };
    // Squared, so that the second derivatives are not all zero.
    let sq_matvec_t = |p: (M23, V2)| matvec_t(p).powi(2);
    let sq_outer = |p: (V3, V2)| outer(p).powi(2);
    gradcheck(sq_matvec_t, &(a.clone(), v.clone())).unwrap();
    gradgradcheck(sq_matvec_t, &(a.clone(), v.clone())).unwrap();
    gradcheck(sq_outer, &(u.clone(), v.clone())).unwrap();
    gradgradcheck(sq_outer, &(u.clone(), v.clone())).unwrap();
    gradgradcheck(matvec_t, &(a, v.clone())).unwrap();
    gradgradcheck(outer, &(u, v)).unwrap();
}

#[test]
fn matrix_vector_products_record_one_node_per_rule() {
    // The gradient of `A @ x` for `x`, recorded (`create_graph`): one `matvec_t` node, not
    // a reshape, a product and a reshape (7 nodes before).
    let a = M23::from_vec(values(6, 19)).unwrap();
    let x = Tensor::<(U3,), f64>::from_vec(values(3, 20)).unwrap();
    let (_, graph) = vjp(&x, |x| {
        let (_, inner) = vjp(&x, |x| a.matmul(&x).powi(2).sum());
        inner.backward().sum()
    });
    // The inner input, matmul, powi's rule, matvec_t, sum.
    assert_eq!(graph.nodes_visited(&true), 5);
    // For `A`: one `outer` node.
    let (_, graph) = vjp(&a, |a| {
        let (_, inner) = vjp(&a, |a| a.matmul(&x).powi(2).sum());
        inner.backward().sum()
    });
    assert_eq!(graph.nodes_visited(&true), 5);
}
