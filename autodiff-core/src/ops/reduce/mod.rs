//! Reductions: `sum`, `mean` (over everything), and the broadcast pair `sum_to` /
//! `expand_to` that gradients of broadcasting ops use.
//!
//! # Gradient
//! `sum`: the output gradient, broadcast to the input's shape. `mean`: the same divided
//! by the element count. `sum_to` and `expand_to` are each other's gradients.

pub(crate) mod kernel;

use crate::graph::tape::record;
use crate::ops::binary::kernel::zip_broadcast;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};

/// Sums `x` down to the sizes `to` it was broadcast from; `x` itself when they match.
/// Recorded. Backward: `expand_to(g, x's sizes)`.
pub(crate) fn sum_to<E: Float>(x: &RawTensor<E>, to: Dims) -> RawTensor<E> {
    if x.dims == to {
        return x.clone();
    }
    let from = x.dims;
    let out = RawTensor::new(to, kernel::sum_to(x, to));
    record(&[x], out, |_| {
        move |g: &RawTensor<E>, _: [bool; 2]| [Some(expand_to(g, from)), None]
    })
}

/// Broadcasts `x` to the sizes `to`. Recorded. Backward: `sum_to(g, x's sizes)`.
pub(crate) fn expand_to<E: Float>(x: &RawTensor<E>, to: Dims) -> RawTensor<E> {
    if x.dims == to {
        return x.clone();
    }
    let from = x.dims;
    let zeros = RawTensor::filled(to, E::ZERO);
    let out = zip_broadcast("expand", &zeros, x, |_, v| v);
    record(&[x], out, |_| {
        move |g: &RawTensor<E>, _: [bool; 2]| [Some(sum_to(g, from)), None]
    })
}

/// The sum of all elements, recorded. Backward: `g` broadcast to `x`'s sizes.
pub(crate) fn sum_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    sum_to(x, Dims::new(&[]))
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
    pub fn sum(&self) -> Tensor<(), E> {
        Tensor::from_raw(sum_raw(&self.raw))
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
}
