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
mod small;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::ops::binary::mul_raw;
use crate::ops::reshape::reshape_raw;
use crate::shape::rules::MatMul;
use crate::tensor::raw::RawTensor;
use crate::tensor::small as fixed;
use crate::{Dim, Dims, Float, Shape, Tensor};

/// `a @ b`, recorded. Backward: `dA = G @ Bᵀ`, `dB = Aᵀ @ G`, with vectors read as rows or
/// columns and a broadcast right operand summed over the batch.
pub(crate) fn matmul_raw<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    if let Some(out) = small::tiny_untraced(a, b) {
        return out;
    }
    if matches!((a.dims.len(), b.dims.len()), (2, 2) | (3, 3)) {
        return mm_raw(a, b, false, false);
    }
    let out = kernel::matmul(a, b);
    record(&[a, b], out, |_| {
        let (a2, b2) = (a.clone(), b.clone());
        move |g: &mut RawTensor<E>, w: [bool; 2]| matmul_backward(&a2, &b2, g, w)
    })
}

pub(crate) fn matmul_backward<E: Float>(
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    g: &RawTensor<E>,
    w: [bool; 2],
) -> [Option<RawTensor<E>>; 2] {
    let (ad, bd) = (a.dims, b.dims);
    match (ad.len(), bd.len()) {
        (2, 2) | (3, 3) => mm_backward(a, b, false, false, g, w),
        (3, 2) => {
            // (B, M, K) x (K, N): the right operand is shared by the batch, so its gradient
            // sums over it: read A as (B*M, K) and G as (B*M, N).
            let flat =
                |x: &RawTensor<E>| reshape_raw(x, Dims::new(&[x.dims[0] * x.dims[1], x.dims[2]]));
            [
                w[0].then(|| reshape_raw(&mm_raw(&flat(g), b, false, true), ad)),
                w[1].then(|| mm_raw(&flat(a), &flat(g), true, false)),
            ]
        }
        // (M, K) x (K,) -> (M,): dA = g bᵀ (outer product), db = Aᵀ g.
        (2, 1) => [
            w[0].then(|| outer_raw(g, b)),
            w[1].then(|| matvec_t_raw(a, g)),
        ],
        // (K,) x (K, N) -> (N,): da = B g, dB = a gᵀ.
        (1, 2) => [
            w[0].then(|| matmul_raw(b, g)),
            w[1].then(|| outer_raw(a, g)),
        ],
        // Dot product: the output gradient is a scalar.
        _ => [w[0].then(|| mul_raw(g, b)), w[1].then(|| mul_raw(g, a))],
    }
}

/// `Aᵀ v` for a matrix `A` of shape `(M, K)` and a vector `v` of `M`, recorded as one op:
/// the gradient of `A @ x` for the vector `x` (as `mm_raw` between two reshapes, it
/// recorded three nodes under `create_graph`). Backward: `dA = v hᵀ`, `dv = A h`.
pub(crate) fn matvec_t_raw<E: Float>(a: &RawTensor<E>, v: &RawTensor<E>) -> RawTensor<E> {
    let (m, k) = (a.dims[0], a.dims[1]);
    let out = kernel::mm(a, &v.with_dims(Dims::new(&[m, 1])), true, false);
    record(&[a, v], out.with_dims(Dims::new(&[k])), |_| {
        let (a2, v2) = (a.clone(), v.clone());
        move |h: &mut RawTensor<E>, w: [bool; 2]| {
            [
                w[0].then(|| outer_raw(&v2, h)),
                w[1].then(|| matmul_raw(&a2, h)),
            ]
        }
    })
}

/// The outer product `u vᵀ` of two vectors, recorded as one op: the gradient of a
/// matrix-vector product for its matrix. Backward: `du = H v`, `dv = Hᵀ u`.
pub(crate) fn outer_raw<E: Float>(u: &RawTensor<E>, v: &RawTensor<E>) -> RawTensor<E> {
    let (col, row) = (
        u.with_dims(Dims::new(&[u.dims[0], 1])),
        v.with_dims(Dims::new(&[1, v.dims[0]])),
    );
    record(&[u, v], kernel::mm(&col, &row, false, false), |_| {
        let (u2, v2) = (u.clone(), v.clone());
        move |h: &mut RawTensor<E>, w: [bool; 2]| {
            [
                w[0].then(|| matmul_raw(h, &v2)),
                w[1].then(|| matvec_t_raw(h, &u2)),
            ]
        }
    })
}

/// `op(a) @ op(b)` for matrices (or equal batches of them), `op` a transpose when its flag
/// is set, recorded; the transposes cost no copy. Backward, for `C = op(A) op(B)`:
/// `dA = G Bᵀ` and `dB = Aᵀ G` with the flags folded in (for example `C = A Bᵀ` gives
/// `dA = G B`, `dB = Gᵀ A`), so a backward pass transposes nothing either.
pub(crate) fn mm_raw<E: Float>(
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    ta: bool,
    tb: bool,
) -> RawTensor<E> {
    mm_raw_laid_out(a, b, ta, tb, false)
}

/// [`mm_raw`], with the result stored as a lazy transpose when `transposed` is set:
/// `(op(a) op(b))ᵀ = op(b)ᵀ op(a)ᵀ` computed in row-major order. For the gradient of an
/// operand that is a lazy transpose (`t()`'s output): `t()`'s backward rule then
/// transposes it back for free.
fn mm_raw_laid_out<E: Float>(
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    ta: bool,
    tb: bool,
    transposed: bool,
) -> RawTensor<E> {
    let out = if transposed {
        kernel::mm(b, a, !tb, !ta).transpose_last2()
    } else {
        kernel::mm(a, b, ta, tb)
    };
    record(&[a, b], out, |_| {
        let (a2, b2) = (a.clone(), b.clone());
        move |g: &mut RawTensor<E>, w: [bool; 2]| mm_backward(&a2, &b2, ta, tb, g, w)
    })
}

pub(crate) fn mm_backward<E: Float>(
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    ta: bool,
    tb: bool,
    g: &RawTensor<E>,
    w: [bool; 2],
) -> [Option<RawTensor<E>>; 2] {
    // Each gradient laid out as its operand: a lazy transpose for a lazy transpose.
    let (la, lb) = (
        a.transposed_source().is_some(),
        b.transposed_source().is_some(),
    );
    let da = || match (ta, tb) {
        (false, false) => mm_raw_laid_out(g, b, false, true, la),
        (false, true) => mm_raw_laid_out(g, b, false, false, la),
        (true, false) => mm_raw_laid_out(b, g, false, true, la),
        (true, true) => mm_raw_laid_out(b, g, true, true, la),
    };
    let db = || match (ta, tb) {
        (false, false) => mm_raw_laid_out(a, g, true, false, lb),
        (false, true) => mm_raw_laid_out(g, a, true, false, lb),
        (true, false) => mm_raw_laid_out(a, g, false, false, lb),
        (true, true) => mm_raw_laid_out(g, a, true, true, lb),
    };
    [w[0].then(da), w[1].then(db)]
}

/// The transpose of the last two axes, recorded. Backward: the transpose of `g`.
pub(crate) fn transpose_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], kernel::transpose_last2(x), |_| {
        |g: &mut RawTensor<E>, _: [bool; 2]| [Some(transpose_raw(g)), None]
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
    #[inline(always)]
    pub fn matmul<S2: Shape>(&self, rhs: &Tensor<S2, E>) -> Tensor<<S as MatMul<S2>>::Out, E>
    where
        S: MatMul<S2>,
    {
        fixed::matmul(self, rhs, false)
            .unwrap_or_else(|| Tensor::from_raw(matmul_raw(&self.raw, &rhs.raw)))
    }
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// `self @ rhsᵀ` for a matrix `rhs` of shape `(N, K)`, without copying the transpose
    /// (PyTorch's `F.linear(x, w)` without the bias): what a linear layer computes with a
    /// weight stored as `(out, in)`.
    ///
    /// # Shapes
    /// `(M, K) x (N, K) -> (M, N)` and `(B, M, K) x (N, K) -> (B, M, N)`: the last
    /// dimensions must agree (`matmul: the inner dimensions differ`).
    ///
    /// # Gradient
    /// For `C = X Wᵀ`: `dX = G W`, `dW = Gᵀ X`.
    ///
    /// # Panics
    /// When a `Dyn` inner dimension differs at run time.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U1, U2)>::from_vec(vec![1., 2.]).unwrap();
    /// let w = Tensor::<(U3, U2)>::from_vec(vec![1., 0., 0., 1., 1., 1.]).unwrap();
    /// let y: Tensor<(U1, U3)> = x.matmul_t(&w);
    /// assert_eq!(y.to_vec(), x.matmul(&w.t()).to_vec());
    /// ```
    #[inline(always)]
    pub fn matmul_t<N: Dim, K: Dim>(
        &self,
        rhs: &Tensor<(N, K), E>,
    ) -> Tensor<<S as MatMul<(K, N)>>::Out, E>
    where
        S: MatMul<(K, N)>,
    {
        if let Some(out) = fixed::matmul(self, rhs, true) {
            return out;
        }
        let x = &self.raw;
        let raw = match x.dims.len() {
            2 => mm_raw(x, &rhs.raw, false, true),
            3 => {
                let d = x.dims;
                let flat = reshape_raw(x, Dims::new(&[d[0] * d[1], d[2]]));
                let y = mm_raw(&flat, &rhs.raw, false, true);
                reshape_raw(&y, Dims::new(&[d[0], d[1], rhs.raw.dims[0]]))
            }
            _ => unreachable!("MatMul<(K, N)> holds for rank-2 and rank-3 left operands only"),
        };
        Tensor::from_raw(raw)
    }
}

impl<A: Dim, B: Dim, E: Float> Tensor<(A, B), E> {
    /// The transpose of a matrix. Lazy: a matrix product reads it from `self`'s storage
    /// (`x.matmul(&w.t())` copies nothing, like `x.matmul_t(&w)`); anything else that
    /// reads its elements makes the row-major copy once.
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
