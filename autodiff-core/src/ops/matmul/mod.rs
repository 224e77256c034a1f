//! `matmul` (matrix, batched, matrix-vector, vector-matrix, dot) and `t`.
//!
//! # Shapes
//! `(M, K) x (K, N) -> (M, N)`; `(B, M, K) x (B, K, N) -> (B, M, N)`;
//! `(B, M, K) x (K, N) -> (B, M, N)`; `(M, K) x (K,) -> (M,)`; `(K,) x (K, N) -> (N,)`;
//! `(K,) x (K,) -> ()`. Inner dimensions that differ are a compile error
//! (`matmul: the inner dimensions differ (D<3> vs D<4>)`); with a `Dyn`, a run-time panic.
//!
//! # Gradient
//! For `C = A @ B` with output gradient `G`: `dA = G @ Bᵀ`, `dB = Aᵀ @ G`.

pub(crate) mod gemm;
pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::ops::binary::mul_raw;
use crate::ops::reshape::reshape_raw;
use crate::shape::rules::MatMul;
use crate::tensor::raw::RawTensor;
use crate::{Dim, Dims, Float, Shape, Tensor};

/// `a @ b`, recorded. Backward: `dA = G @ Bᵀ`, `dB = Aᵀ @ G`, with vectors read as rows or
/// columns and a broadcast right operand summed over the batch.
pub(crate) fn matmul_raw<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    let out = kernel::matmul(a, b);
    let (a2, b2) = (a.clone(), b.clone());
    record(&[a, b], out, |_| {
        move |g: &RawTensor<E>, w: [bool; 2]| matmul_backward(&a2, &b2, g, w)
    })
}

fn matmul_backward<E: Float>(
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    g: &RawTensor<E>,
    w: [bool; 2],
) -> [Option<RawTensor<E>>; 2] {
    let (ad, bd) = (a.dims, b.dims);
    let as_col = |x: &RawTensor<E>| reshape_raw(x, Dims::new(&[x.dims[0], 1]));
    let as_row = |x: &RawTensor<E>| reshape_raw(x, Dims::new(&[1, x.dims[0]]));
    match (ad.len(), bd.len()) {
        (2, 2) | (3, 3) => [
            w[0].then(|| matmul_raw(g, &transpose_raw(b))),
            w[1].then(|| matmul_raw(&transpose_raw(a), g)),
        ],
        (3, 2) => {
            // (B, M, K) x (K, N): the right operand is shared by the batch, so its gradient
            // sums over it: read A as (B*M, K) and G as (B*M, N).
            let flat =
                |x: &RawTensor<E>| reshape_raw(x, Dims::new(&[x.dims[0] * x.dims[1], x.dims[2]]));
            [
                w[0].then(|| matmul_raw(g, &transpose_raw(b))),
                w[1].then(|| matmul_raw(&transpose_raw(&flat(a)), &flat(g))),
            ]
        }
        // (M, K) x (K,) -> (M,): dA = g bᵀ (outer product), db = Aᵀ g.
        (2, 1) => [
            w[0].then(|| matmul_raw(&as_col(g), &as_row(b))),
            w[1].then(|| matmul_raw(&transpose_raw(a), g)),
        ],
        // (K,) x (K, N) -> (N,): da = B g, dB = a gᵀ.
        (1, 2) => [
            w[0].then(|| matmul_raw(b, g)),
            w[1].then(|| matmul_raw(&as_col(a), &as_row(g))),
        ],
        // Dot product: the output gradient is a scalar.
        _ => [w[0].then(|| mul_raw(g, b)), w[1].then(|| mul_raw(g, a))],
    }
}

/// The transpose of the last two axes, recorded. Backward: the transpose of `g`.
pub(crate) fn transpose_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], kernel::transpose_last2(x), |_| {
        |g: &RawTensor<E>, _: [bool; 2]| [Some(transpose_raw(g)), None]
    })
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The matrix product `self @ rhs` (PyTorch's `torch.matmul` for ranks 1 to 3).
    ///
    /// # Shapes
    /// See the [module docs](self): the inner dimensions must agree.
    ///
    /// # Panics
    /// When a `Dyn` inner (or batch) dimension differs from its partner at run time.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let v = Tensor::<(U3,)>::from_vec(vec![1., 0., -1.]).unwrap();
    /// let y: Tensor<(U2,)> = a.matmul(&v);
    /// assert_eq!(y.to_vec(), vec![-2., -2.]);
    /// ```
    pub fn matmul<S2: Shape>(&self, rhs: &Tensor<S2, E>) -> Tensor<<S as MatMul<S2>>::Out, E>
    where
        S: MatMul<S2>,
    {
        Tensor::from_raw(matmul_raw(&self.raw, &rhs.raw))
    }
}

impl<A: Dim, B: Dim, E: Float> Tensor<(A, B), E> {
    /// The transpose of a matrix (a copy in row-major order).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let t: Tensor<(U3, U2)> = a.t();
    /// assert_eq!(t.to_vec(), vec![1., 4., 2., 5., 3., 6.]);
    /// ```
    pub fn t(&self) -> Tensor<(B, A), E> {
        Tensor::from_raw(transpose_raw(&self.raw))
    }
}
