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

use crate::shape::rules::MatMul;
use crate::{Dim, Float, Shape, Tensor};

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
        Tensor::from_raw(kernel::matmul(&self.raw, &rhs.raw))
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
        Tensor::from_raw(kernel::transpose_last2(&self.raw))
    }
}
