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
