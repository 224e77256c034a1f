//! `slice`: a compile-time range `START..END` along one axis (PyTorch's `x.narrow(AX,
//! START, END - START)`, or `x[:, START:END]` for axis 1).
//!
//! # Shapes
//! The axis becomes `D<END - START>`; the others stay. `START <= END <= size` is checked at
//! compile time for a compile-time axis (`slice: the range 2..5 does not fit in dimension
//! D<4>`), when the op runs for a `Dyn` axis.
//!
//! # Gradient
//! The output gradient padded with zeros back to the input's shape: `pad` here, whose own
//! gradient is the slice again, so second derivatives flow through both.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::shape::rules::SliceAlong;
use crate::tensor::raw::RawTensor;
use crate::{Float, Shape, Tensor};

/// The elements `start..end` along `axis`, recorded (the range must fit). Backward: `g`
/// padded with zeros to `x`'s size along `axis`.
pub(crate) fn slice_raw<E: Float>(
    x: &RawTensor<E>,
    axis: usize,
    start: usize,
    end: usize,
) -> RawTensor<E> {
    let total = x.dims[axis];
    if start == 0 && end == total {
        return x.clone();
    }
    record(&[x], kernel::slice(x, axis, start, end), |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(pad_raw(g, axis, start, total)), None]
    })
}

/// `x` placed at `start` along `axis` in zeros of size `total` there, recorded.
/// Backward: the slice `start..start + len` of `g`.
pub(crate) fn pad_raw<E: Float>(
    x: &RawTensor<E>,
    axis: usize,
    start: usize,
    total: usize,
) -> RawTensor<E> {
    let len = x.dims[axis];
    if start == 0 && len == total {
        return x.clone();
    }
    record(&[x], kernel::pad(x, axis, start, total, E::ZERO), |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(slice_raw(g, axis, start, start + len)), None]
        }
    })
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The elements `START..END` along axis `AX` (a copy).
    ///
    /// PyTorch equivalent: `x.narrow(AX, START, END - START)`.
    ///
    /// # Shapes
    /// Axis `AX` of size `n` becomes `D<END - START>`; `START <= END <= n` is a compile-time
    /// check when that axis is a compile-time dimension.
    ///
    /// # Gradient
    /// `dx = g` in the positions `START..END` along `AX`, 0 elsewhere.
    ///
    /// # Panics
    /// When axis `AX` is `Dyn` and shorter than `END`; the message names the op, the range
    /// and the shape.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U4)>::from_vec(vec![1., 2., 3., 4., 5., 6., 7., 8.]).unwrap();
    /// let s: Tensor<(U2, U2)> = t.slice::<1, 1, 3>();
    /// assert_eq!(s.to_vec(), vec![2., 3., 6., 7.]);
    /// ```
    pub fn slice<const AX: usize, const START: usize, const END: usize>(
        &self,
    ) -> Tensor<<S as SliceAlong<AX, START, END>>::Out, E>
    where
        S: SliceAlong<AX, START, END>,
    {
        let dims = self.raw.dims;
        if END > dims[AX] {
            panic!("slice: the range {START}..{END} does not fit axis {AX} of shape {dims:?}");
        }
        Tensor::from_raw(slice_raw(&self.raw, AX, START, END))
    }
}
