//! `permute`: the axes of a rank 2, 3 or 4 tensor in another order (PyTorch's
//! `x.permute(P0, P1, ..)`, followed by `.contiguous()`: the result is a copy). A swap of
//! the last two axes is copied lazily, on the first read of its elements, and not at all
//! by a matrix product, which reads the input in place.
//!
//! # Shapes
//! Output axis `i` is input axis `Pi`: `(A, B, C).permute::<2, 0, 1>()` is `(C, A, B)`.
//! `(P0, ..)` must be a permutation of `0..rank`, checked at compile time
//! (`permute: (0, 0, 1) is not a permutation of the axes of ...`).
//!
//! # Gradient
//! The output gradient permuted by the inverse permutation.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::shape::rules::{Permute2, Permute3, Permute4};
use crate::tensor::raw::RawTensor;
use crate::{Dim, Float, Tensor};

/// The axes of `x` reordered (output axis `i` is input axis `perm[i]`), recorded.
/// Backward: `g` permuted by the inverse permutation.
pub(crate) fn permute_raw<E: Float>(x: &RawTensor<E>, perm: &[usize]) -> RawTensor<E> {
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        return x.clone();
    }
    let mut inverse = [0; 4];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    let rank = perm.len();
    record(&[x], kernel::permute(x, perm), |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(permute_raw(g, &inverse[..rank])), None]
    })
}

impl<A: Dim, B: Dim, E: Float> Tensor<(A, B), E> {
    /// The axes in the order `(P0, P1)`: `permute::<1, 0>()` is the transpose.
    ///
    /// # Shapes
    /// Output axis `i` is input axis `Pi`.
    ///
    /// # Gradient
    /// `dx = g` permuted by the inverse permutation.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let p: Tensor<(U3, U2)> = t.permute::<1, 0>();
    /// assert_eq!(p.to_vec(), vec![1., 4., 2., 5., 3., 6.]);
    /// ```
    pub fn permute<const P0: usize, const P1: usize>(
        &self,
    ) -> Tensor<<(A, B) as Permute2<P0, P1>>::Out, E>
    where
        (A, B): Permute2<P0, P1>,
    {
        Tensor::from_raw(permute_raw(&self.raw, &[P0, P1]))
    }
}

impl<A: Dim, B: Dim, C: Dim, E: Float> Tensor<(A, B, C), E> {
    /// The axes in the order `(P0, P1, P2)`.
    ///
    /// # Shapes
    /// Output axis `i` is input axis `Pi`: `(A, B, C) -> (C, A, B)` for `permute::<2, 0, 1>`.
    ///
    /// # Gradient
    /// `dx = g` permuted by the inverse permutation.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U1, U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let p: Tensor<(U3, U1, U2)> = t.permute::<2, 0, 1>();
    /// assert_eq!(p.get(&[2, 0, 1]), t.get(&[0, 1, 2]));
    /// ```
    pub fn permute<const P0: usize, const P1: usize, const P2: usize>(
        &self,
    ) -> Tensor<<(A, B, C) as Permute3<P0, P1, P2>>::Out, E>
    where
        (A, B, C): Permute3<P0, P1, P2>,
    {
        Tensor::from_raw(permute_raw(&self.raw, &[P0, P1, P2]))
    }
}

impl<A: Dim, B: Dim, C: Dim, D: Dim, E: Float> Tensor<(A, B, C, D), E> {
    /// The axes in the order `(P0, P1, P2, P3)` (for example NCHW to NHWC with
    /// `permute::<0, 2, 3, 1>()`).
    ///
    /// # Shapes
    /// Output axis `i` is input axis `Pi`.
    ///
    /// # Gradient
    /// `dx = g` permuted by the inverse permutation.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U1, U2, U2, U3)>::from_vec((0..12).map(|i| i as f32).collect()).unwrap();
    /// let p: Tensor<(U1, U2, U3, U2)> = t.permute::<0, 2, 3, 1>();
    /// assert_eq!(p.get(&[0, 1, 2, 0]), t.get(&[0, 0, 1, 2]));
    /// ```
    pub fn permute<const P0: usize, const P1: usize, const P2: usize, const P3: usize>(
        &self,
    ) -> Tensor<<(A, B, C, D) as Permute4<P0, P1, P2, P3>>::Out, E>
    where
        (A, B, C, D): Permute4<P0, P1, P2, P3>,
    {
        Tensor::from_raw(permute_raw(&self.raw, &[P0, P1, P2, P3]))
    }
}
