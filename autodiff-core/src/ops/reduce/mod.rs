//! Reductions: `sum`, `mean` (over everything), `sum_axis`, `mean_axis` (over one axis,
//! with `_keep` variants that keep it as size 1), and the broadcast pair `sum_to` /
//! `expand_to` that gradients of broadcasting ops use.
//!
//! # Shapes
//! Over everything: `S -> ()`. Along axis `AX` (a const generic, `x.sum_axis::<1>()`):
//! `S -> <S as ReduceAxis<AX>>::Removed` (the axis dropped, PyTorch's default) or
//! `S -> <S as ReduceAxis<AX>>::Kept` (the axis kept as size 1, PyTorch's `keepdim=True`).
//! An axis out of range is a compile error.
//!
//! # Gradient
//! `sum`: the output gradient, broadcast to the input's shape. `mean`: the same divided
//! by the element count. Along an axis, the same, with the gradient first given a size-1
//! axis where the reduced one was. `sum_to` and `expand_to` are each other's gradients.

pub(crate) mod kernel;
#[cfg(test)]
pub(crate) mod tests;

use crate::graph::tape::record;
use crate::ops::binary::kernel::zip_broadcast;
use crate::ops::binary::scale_raw;
use crate::ops::reshape::reshape_raw;
use crate::shape::rules::ReduceAxis;
use crate::tensor::raw::RawTensor;
use crate::tensor::small;
use crate::{Dims, Float, Shape, Tensor};
use kernel::{kept_dims, removed_dims, AxisSplit};

/// Sums `x` down to the sizes `to` it was broadcast from; `x` itself when they match.
/// Recorded. Backward: `expand_to(g, x's sizes)`.
pub(crate) fn sum_to<E: Float>(x: &RawTensor<E>, to: Dims) -> RawTensor<E> {
    if x.dims == to {
        return x.clone();
    }
    let from = x.dims;
    let out = if from.numel() == to.numel() {
        // Only axes of size 1 differ (`(1, 1)` to `(1,)`, the sum of one element): the
        // same data under `to`. Still recorded as `sum_to`, so its backward is unchanged.
        x.with_dims(to)
    } else {
        RawTensor::from_zeroed(to, |out| kernel::sum_to(x, to, out))
    };
    record(&[x], out, |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(expand_to(g, from)), None]
    })
}

/// Broadcasts `x` to the sizes `to`. Recorded. Backward: `sum_to(g, x's sizes)`.
pub(crate) fn expand_to<E: Float>(x: &RawTensor<E>, to: Dims) -> RawTensor<E> {
    if x.dims == to {
        return x.clone();
    }
    let from = x.dims;
    let out = match x.as_slice() {
        // Only axes of size 1 differ: the same data under `to`, still recorded.
        data if data.len() == to.numel() => x.with_dims(to),
        // The gradient of `sum` and `mean`: a fill, no pass over zeros.
        &[v] => RawTensor::filled(to, v),
        _ => zip_broadcast("expand", &RawTensor::filled(to, E::ZERO), x, |_, v| v),
    };
    record(&[x], out, |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(sum_to(g, from)), None]
    })
}

/// The sum of all elements, recorded. Backward: `g` broadcast to `x`'s sizes.
pub(crate) fn sum_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    sum_to(x, Dims::new(&[]))
}

/// Sums `x` along `axis`, dropping it or (`keep`) leaving it as size 1. Recorded.
/// Backward: `g` given a size-1 axis (`reshape_raw`), then `expand_to` `x`'s sizes.
pub(crate) fn sum_axis_raw<E: Float>(x: &RawTensor<E>, axis: usize, keep: bool) -> RawTensor<E> {
    let (from, kept) = (x.dims, kept_dims(x.dims, axis));
    let to = if keep { kept } else { removed_dims(from, axis) };
    let out = RawTensor::new(
        to,
        kernel::sum_axis(x.as_slice(), AxisSplit::of(from, axis)),
    );
    record(&[x], out, |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(expand_to(&reshape_raw(g, kept), from)), None]
        }
    })
}

/// The mean along `axis` (NaN when the axis is empty), recorded as a sum and a scaling.
pub(crate) fn mean_axis_raw<E: Float>(x: &RawTensor<E>, axis: usize, keep: bool) -> RawTensor<E> {
    let n = E::from_usize(x.dims[axis]);
    scale_raw(&sum_axis_raw(x, axis, keep), E::ONE / n)
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The sum of all elements.
    ///
    /// # Shapes
    /// `S -> ()`.
    ///
    /// # Gradient
    /// `d sum(x) / dx = 1` for every element: the output gradient, broadcast.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    /// assert_eq!(t.sum().item(), 10.);
    /// ```
    #[inline(always)]
    pub fn sum(&self) -> Tensor<(), E> {
        small::sum(self).unwrap_or_else(|| Tensor::from_raw(sum_raw(&self.raw)))
    }

    /// The mean of all elements (NaN for an empty tensor).
    ///
    /// # Shapes
    /// `S -> ()`.
    ///
    /// # Gradient
    /// `1/n` for every element, times the output gradient.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U4,)>::from_vec(vec![1., 2., 3., 6.]).unwrap();
    /// assert_eq!(t.mean().item(), 3.);
    /// ```
    pub fn mean(&self) -> Tensor<(), E> {
        let n = E::from_usize(self.numel());
        Tensor::from_raw(crate::ops::binary::scale_raw(
            &sum_raw(&self.raw),
            E::ONE / n,
        ))
    }

    /// The sum along axis `AX`, which is dropped (PyTorch's `x.sum(dim=AX)`).
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Removed`: `(A, B, C)` along axis 1 gives `(A, C)`.
    ///
    /// # Gradient
    /// `d y[.., ..] / d x[.., k, ..] = 1` for every `k`: the output gradient, repeated
    /// along the reduced axis.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let rows: Tensor<(U2,)> = t.sum_axis::<1>();
    /// assert_eq!(rows.to_vec(), vec![6., 15.]);
    /// assert_eq!(t.sum_axis::<0>().to_vec(), vec![5., 7., 9.]);
    /// ```
    pub fn sum_axis<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Removed, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(sum_axis_raw(&self.raw, AX, false))
    }

    /// The sum along axis `AX`, kept as size 1 (PyTorch's `keepdim=True`), so the result
    /// broadcasts against `self`.
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Kept`: `(A, B, C)` along axis 1 gives `(A, 1, C)`.
    ///
    /// # Gradient
    /// As for [`Tensor::sum_axis`]: the output gradient, repeated along the axis.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 3., 2., 6.]).unwrap();
    /// let s: Tensor<(U2, U1)> = t.sum_axis_keep::<1>();
    /// assert_eq!((&t / &s).to_vec(), vec![0.25, 0.75, 0.25, 0.75]);
    /// ```
    pub fn sum_axis_keep<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Kept, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(sum_axis_raw(&self.raw, AX, true))
    }

    /// The mean along axis `AX`, which is dropped (NaN where the axis is empty).
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Removed`.
    ///
    /// # Gradient
    /// `1/n` (with `n` the axis' size) times the output gradient, repeated along the axis.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 3., 2., 6.]).unwrap();
    /// assert_eq!(t.mean_axis::<0>().to_vec(), vec![1.5, 4.5]);
    /// ```
    pub fn mean_axis<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Removed, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(mean_axis_raw(&self.raw, AX, false))
    }

    /// The mean along axis `AX`, kept as size 1 (PyTorch's `keepdim=True`).
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Kept`.
    ///
    /// # Gradient
    /// As for [`Tensor::mean_axis`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 3., 2., 6.]).unwrap();
    /// let centred = &t - t.mean_axis_keep::<1>();
    /// assert_eq!(centred.to_vec(), vec![-1., 1., -2., 2.]);
    /// ```
    pub fn mean_axis_keep<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Kept, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(mean_axis_raw(&self.raw, AX, true))
    }
}
