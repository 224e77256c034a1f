//! Piecewise-linear ops with kinks: `abs`, `relu`, `clamp`. Their derivative is a constant
//! 0/±1 tensor computed from `x` at forward time, so their second derivative is 0. At a
//! kink they use PyTorch's subgradient; a NaN input gets a NaN gradient.

use super::kernel::sign;
use super::masked_raw;
use crate::tensor::raw::RawTensor;
use crate::tensor::small;
use crate::{Float, Shape, Tensor};

/// |x|. Backward: `g * sign(x)`, with sign(0) = 0.
pub(crate) fn abs_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    masked_raw(x, E::abs, sign)
}

/// max(x, 0), NaN for NaN.
fn relu<E: Float>(v: E) -> E {
    if v > E::ZERO || v.is_nan() {
        v
    } else {
        E::ZERO
    }
}

/// max(x, 0), NaN for NaN. Backward: `g * (x > 0)`, so 0 at x = 0.
pub(crate) fn relu_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    let mask = |v: E| {
        if v.is_nan() {
            v
        } else if v > E::ZERO {
            E::ONE
        } else {
            E::ZERO
        }
    };
    masked_raw(x, relu, mask)
}

/// min(max(x, lo), hi). Backward: `g * (lo <= x <= hi)`: the bounds pass the gradient.
pub(crate) fn clamp_raw<E: Float>(x: &RawTensor<E>, lo: E, hi: E) -> RawTensor<E> {
    let mask = move |v: E| {
        if v.is_nan() {
            v
        } else if lo <= v && v <= hi {
            E::ONE
        } else {
            E::ZERO
        }
    };
    masked_raw(x, move |v: E| v.max_nan(lo).min_nan(hi), mask)
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The absolute value |x|, element-wise.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d|x|/dx = sign(x)`: -1 for x < 0, 1 for x > 0, and **0 at x = 0** (the subgradient
    /// PyTorch picks). A NaN input gets a NaN gradient.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,), f64>::from_vec(vec![-2., 0., 3.]).unwrap();
    /// assert_eq!(t.abs().to_vec(), vec![2., 0., 3.]);
    /// let (_, graph) = vjp(&t, |t| t.abs().sum());
    /// assert_eq!(graph.backward().to_vec(), vec![-1., 0., 1.]);
    /// ```
    #[inline(always)]
    pub fn abs(&self) -> Self {
        small::map(self, E::abs).unwrap_or_else(|| Tensor::from_raw(abs_raw(&self.raw)))
    }

    /// The rectified linear unit max(x, 0), element-wise (NaN stays NaN).
    ///
    /// PyTorch equivalent: `torch.relu`.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `1` where x > 0, `0` where x < 0, and **0 at x = 0** (PyTorch's choice). A NaN input
    /// gets a NaN gradient.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,), f64>::from_vec(vec![-1., 0., 2.]).unwrap();
    /// assert_eq!(t.relu().to_vec(), vec![0., 0., 2.]);
    /// let (_, graph) = vjp(&t, |t| t.relu().sum());
    /// assert_eq!(graph.backward().to_vec(), vec![0., 0., 1.]);
    /// ```
    #[inline(always)]
    pub fn relu(&self) -> Self {
        small::map(self, relu).unwrap_or_else(|| Tensor::from_raw(relu_raw(&self.raw)))
    }

    /// Clamps every element to `[min, max]`: `min(max(x, min), max)`.
    ///
    /// As in PyTorch, `min > max` is not an error: every element becomes `max`. A NaN
    /// element or bound gives NaN.
    ///
    /// PyTorch equivalent: `torch.clamp(x, min, max)`.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `1` where `min <= x <= max`, else `0`. **At the bounds the gradient passes** (x equal
    /// to `min` or `max` gets 1), as in PyTorch. A NaN input gets a NaN gradient.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U4,), f64>::from_vec(vec![-2., 0., 1., 3.]).unwrap();
    /// assert_eq!(t.clamp(0., 2.).to_vec(), vec![0., 0., 1., 2.]);
    /// let (_, graph) = vjp(&t, |t| t.clamp(0., 2.).sum());
    /// assert_eq!(graph.backward().to_vec(), vec![0., 1., 1., 0.]);
    /// ```
    pub fn clamp(&self, min: E, max: E) -> Self {
        Tensor::from_raw(clamp_raw(&self.raw, min, max))
    }
}
