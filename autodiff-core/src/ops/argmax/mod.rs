//! `argmax`, and `max` over everything or along one axis.
//!
//! # Shapes
//! `max`: `S -> ()`. Along axis `AX`: `S -> <S as ReduceAxis<AX>>::Removed` (`argmax`,
//! `max_axis`) or `<S as ReduceAxis<AX>>::Kept` (`max_axis_keep`, PyTorch's `keepdim=True`).
//!
//! # Gradient
//! The maximum is the input element at the arg-max, so its gradient goes to that element
//! alone and every other element gets 0. Forward and backward are a recorded gather /
//! scatter pair at the arg-max indices; both are linear, so gradients of gradients work
//! (and the second derivative of a maximum is 0, as it should be).
//!
//! # Ties and NaN
//! **On a tie, the whole gradient goes to the first maximal element** (lowest index along
//! the axis, or in row-major order for `max`), the element [`Tensor::argmax`] returns. This
//! is PyTorch's rule for `max(dim)` (not `amax`, which splits evenly). It is a valid
//! subgradient, it agrees with `argmax` and with the left-operand rule of `maximum`
//! (so `max_axis` over two entries and `a.maximum(&b)` give the same gradients), and it
//! keeps the gradient sparse: one element per result. NaN counts as the largest value
//! (as in numpy's `argmax`): the maximum of a lane that holds a NaN is NaN, and its
//! gradient goes to the first NaN.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::ops::reduce::kernel::{kept_dims, removed_dims, AxisSplit};
use crate::shape::rules::ReduceAxis;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};
use std::sync::Arc;

/// Picks `x[o, idx[o, i], i]` for every `(o, i)` of `split` into a tensor of sizes `to`,
/// recorded. Backward: [`scatter_raw`] of `g` back to `x`'s sizes.
pub(crate) fn gather_raw<E: Float>(
    x: &RawTensor<E>,
    split: AxisSplit,
    idx: &Arc<Vec<usize>>,
    to: Dims,
) -> RawTensor<E> {
    let out = RawTensor::new(to, kernel::gather_axis(x.as_slice(), split, idx));
    let (from, idx) = (x.dims, Arc::clone(idx));
    record(&[x], out, |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(scatter_raw(g, split, &idx, from)), None]
    })
}

/// Zeros of sizes `to` with `g[o, i]` at `(o, idx[o, i], i)`, recorded: the adjoint of
/// [`gather_raw`]. Backward: [`gather_raw`] of `g` at the same indices.
pub(crate) fn scatter_raw<E: Float>(
    g: &RawTensor<E>,
    split: AxisSplit,
    idx: &Arc<Vec<usize>>,
    to: Dims,
) -> RawTensor<E> {
    let out = RawTensor::new(to, kernel::scatter_axis(g.as_slice(), split, idx));
    let (from, idx) = (g.dims, Arc::clone(idx));
    record(&[g], out, |_| {
        move |gg: &mut RawTensor<E>, _: [bool; 2]| [Some(gather_raw(gg, split, &idx, from)), None]
    })
}

/// The maximum of `x` over `split`'s axis into sizes `to`, recorded as a gather at the
/// arg-max (first maximal element on ties, first NaN if any).
///
/// # Panics
/// When the axis is empty and `to` is not (a maximum of nothing).
fn max_raw<E: Float>(x: &RawTensor<E>, split: AxisSplit, to: Dims) -> RawTensor<E> {
    let idx = Arc::new(kernel::argmax_axis(x.as_slice(), split));
    gather_raw(x, split, &idx, to)
}

/// The maximum along `axis`, dropping it or (`keep`) leaving it as size 1. Recorded.
pub(crate) fn max_axis_raw<E: Float>(x: &RawTensor<E>, axis: usize, keep: bool) -> RawTensor<E> {
    let to = if keep {
        kept_dims(x.dims, axis)
    } else {
        removed_dims(x.dims, axis)
    };
    max_raw(x, AxisSplit::of(x.dims, axis), to)
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The largest element (NaN if any element is NaN).
    ///
    /// # Shapes
    /// `S -> ()`.
    ///
    /// # Gradient
    /// `d max(x) / dx[j] = 1` for the maximal element `j`, 0 elsewhere. On a tie, `j` is
    /// the first maximal element in row-major order (see the [module docs](crate::ops::argmax)).
    ///
    /// # Panics
    /// When the tensor is empty (a `Dyn` of size 0 or a `D<0>`): a maximum of nothing.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 7., 3., 7.]).unwrap();
    /// assert_eq!(t.max().item(), 7.);
    /// let (_, graph) = vjp(&t, |t| t.max());
    /// assert_eq!(graph.backward().to_vec(), vec![0., 1., 0., 0.]); // the first 7
    /// ```
    pub fn max(&self) -> Tensor<(), E> {
        assert!(self.numel() > 0, "max: the tensor has no elements");
        Tensor::from_raw(max_raw(
            &self.raw,
            AxisSplit::all(self.raw.dims),
            Dims::new(&[]),
        ))
    }

    /// The maximum along axis `AX`, which is dropped (PyTorch's `x.max(dim=AX).values`,
    /// `x.amax(dim=AX)` in the forward pass).
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Removed`: `(A, B, C)` along axis 1 gives `(A, C)`.
    ///
    /// # Gradient
    /// Each output gradient goes to the element of its lane that [`Tensor::argmax`] picks
    /// (the first maximal one on a tie); the others get 0.
    ///
    /// # Panics
    /// When axis `AX` has size 0 (a `Dyn` or `D<0>`) and the result is not empty.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U3)>::from_vec(vec![1., 5., 2., 4., 0., 4.]).unwrap();
    /// assert_eq!(t.max_axis::<1>().to_vec(), vec![5., 4.]);
    /// let (_, graph) = vjp(&t, |t| t.max_axis::<1>().sum());
    /// assert_eq!(graph.backward().to_vec(), vec![0., 1., 0., 1., 0., 0.]);
    /// ```
    pub fn max_axis<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Removed, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(max_axis_raw(&self.raw, AX, false))
    }

    /// The maximum along axis `AX`, kept as size 1 (PyTorch's `keepdim=True`).
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Kept`: `(A, B, C)` along axis 1 gives `(A, 1, C)`.
    ///
    /// # Gradient
    /// As for [`Tensor::max_axis`].
    ///
    /// # Panics
    /// As for [`Tensor::max_axis`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 3., 8., 6.]).unwrap();
    /// let m: Tensor<(U1, U2)> = t.max_axis_keep::<0>();
    /// assert_eq!((&t - &m).to_vec(), vec![-7., -3., 0., 0.]);
    /// ```
    pub fn max_axis_keep<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Kept, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(max_axis_raw(&self.raw, AX, true))
    }

    /// The index of the maximum along axis `AX` (PyTorch's `x.argmax(dim=AX)`). Not
    /// differentiable: the result holds indices.
    ///
    /// On a tie, the first maximal index; NaN counts as the largest value, so a lane with a
    /// NaN gives the index of its first NaN (as numpy's `argmax` does).
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Removed`, with `usize` elements.
    ///
    /// # Panics
    /// When axis `AX` has size 0 (a `Dyn` or `D<0>`) and the result is not empty.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U3)>::from_vec(vec![1., 5., 5., f32::NAN, 0., 9.]).unwrap();
    /// let i: Tensor<(U2,), usize> = t.argmax::<1>();
    /// assert_eq!(i.to_vec(), vec![1, 0]);
    /// ```
    pub fn argmax<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Removed, usize>
    where
        S: ReduceAxis<AX>,
    {
        let split = AxisSplit::of(self.raw.dims, AX);
        let idx = kernel::argmax_axis(self.as_slice(), split);
        Tensor::from_raw(RawTensor::new(removed_dims(self.raw.dims, AX), idx))
    }
}
