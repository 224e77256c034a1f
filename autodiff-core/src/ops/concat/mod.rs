//! `concat`: two tensors joined along one axis (PyTorch's `torch.cat([a, b], dim=AX)`).
//!
//! # Shapes
//! Same rank; sizes add along `AX` (`D<2> + D<3> = D<5>`, `Dyn` if either is); every other
//! axis must agree, checked at compile time (`concat: dimensions off the concatenation
//! axis differ (D<3> vs D<4>)`) or, for a `Dyn`, when the op runs.
//!
//! # Gradient
//! The output gradient sliced back apart: `da = g[.., 0..na, ..]`, `db = g[.., na.., ..]`
//! along `AX`.
//!
//! The method comes from the [`Concat`] trait (in the prelude), so that the axis alone can
//! be written: `a.concat::<0>(&b)`; an inherent method would need the other operand's
//! shape spelled out as well.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::ops::slice::slice_raw;
use crate::shape::rules::ConcatAlong;
use crate::tensor::raw::RawTensor;
use crate::{Float, Shape, Tensor};

/// `a` and `b` joined along `axis`, recorded. Backward: the two slices of `g`.
pub(crate) fn concat_raw<E: Float>(
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    axis: usize,
) -> RawTensor<E> {
    let out = kernel::concat(a, b, axis);
    let (na, nb) = (a.dims[axis], b.dims[axis]);
    record(&[a, b], out, |_| {
        move |g: &mut RawTensor<E>, w: [bool; 2]| {
            [
                w[0].then(|| slice_raw(g, axis, 0, na)),
                w[1].then(|| slice_raw(g, axis, na, na + nb)),
            ]
        }
    })
}

/// Concatenation as a method: `a.concat::<AX>(&b)`.
pub trait Concat<S2: Shape, E: Float> {
    /// The shape of `self`.
    type Shape: Shape;

    /// `self` and `other` joined along axis `AX` (a copy).
    ///
    /// PyTorch equivalent: `torch.cat([self, other], dim=AX)`.
    ///
    /// # Shapes
    /// Sizes add along `AX`; all other axes must agree (compile-time check for
    /// compile-time dimensions).
    ///
    /// # Gradient
    /// `d self = g[.., 0..n, ..]` and `d other = g[.., n.., ..]` along `AX`, where `n` is
    /// `self`'s size along `AX`.
    ///
    /// # Panics
    /// When a `Dyn` dimension off `AX` differs between the two at run time; the message
    /// names the op and both shapes.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U2, U1)>::from_vec(vec![1., 2.]).unwrap();
    /// let b = Tensor::<(U2, U2)>::from_vec(vec![3., 4., 5., 6.]).unwrap();
    /// let c: Tensor<(U2, U3)> = a.concat::<1>(&b);
    /// assert_eq!(c.to_vec(), vec![1., 3., 4., 2., 5., 6.]);
    /// ```
    fn concat<const AX: usize>(
        &self,
        other: &Tensor<S2, E>,
    ) -> Tensor<<Self::Shape as ConcatAlong<S2, AX>>::Out, E>
    where
        Self::Shape: ConcatAlong<S2, AX>;
}

impl<S: Shape, S2: Shape, E: Float> Concat<S2, E> for Tensor<S, E> {
    type Shape = S;

    fn concat<const AX: usize>(
        &self,
        other: &Tensor<S2, E>,
    ) -> Tensor<<S as ConcatAlong<S2, AX>>::Out, E>
    where
        S: ConcatAlong<S2, AX>,
    {
        Tensor::from_raw(concat_raw(&self.raw, &other.raw, AX))
    }
}
