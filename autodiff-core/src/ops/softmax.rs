//! `softmax`, `log_softmax` and `logsumexp` along one axis, numerically stable.
//!
//! # Shapes
//! `softmax`, `log_softmax`: `S -> S`. `logsumexp`: `S -> <S as ReduceAxis<AX>>::Removed`,
//! `logsumexp_keep`: `S -> <S as ReduceAxis<AX>>::Kept`.
//!
//! # Stability
//! Each subtracts `m`, the maximum along the axis, before exponentiating, so logits of
//! 1000 give finite results. `m` is a constant (not recorded): it cancels out of every
//! result mathematically, so no gradient flows through it, and the arg-max tie rule
//! never shows in a gradient. Where `m` is infinite or NaN, the shift is 0 instead.
//!
//! # Gradient
//! `softmax` and `log_softmax` are composites of recorded primitives and have no backward
//! of their own. `logsumexp` is one fused primitive with the rule
//! `d lse / dx_k = e^{x_k - lse} = softmax(x)_k`, written with recorded `exp`, `-`, `*`
//! (so it is differentiable again). Fused because: its forward is one pass over the data
//! with no intermediate tensors (a composite `m + ln Σ e^{x - m}` saves three of them for
//! the backward pass); its backward needs only the input and the output, as PyTorch's
//! `logsumexp_backward` does; and `e^{x - lse} ≤ 1` never overflows.

#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::ops::binary::{div_raw, mul_raw, sub_raw};
use crate::ops::reduce::kernel::{self, kept_dims, removed_dims, AxisSplit};
use crate::ops::reduce::sum_axis_raw;
use crate::ops::reshape::reshape_raw;
use crate::ops::unary::exp_raw;
use crate::shape::rules::ReduceAxis;
use crate::tensor::raw::RawTensor;
use crate::{Float, Shape, Tensor};

/// `log Σ_k e^{x_k}` along `axis`, dropping it or (`keep`) leaving it as size 1. Recorded.
/// Backward: `g * e^{x - lse}` (`g` and `lse` given a size-1 axis, then broadcast).
pub(crate) fn logsumexp_raw<E: Float>(x: &RawTensor<E>, axis: usize, keep: bool) -> RawTensor<E> {
    let kept = kept_dims(x.dims, axis);
    let to = if keep {
        kept
    } else {
        removed_dims(x.dims, axis)
    };
    let lse = kernel::logsumexp_axis(x.as_slice(), AxisSplit::of(x.dims, axis));
    record(&[x], RawTensor::new(to, lse), |y| {
        let x2 = x.clone();
        let y = y.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            let p = exp_raw(&sub_raw(&x2, &reshape_raw(&y, kept)));
            [Some(mul_raw(&p, &reshape_raw(g, kept))), None]
        }
    })
}

/// `x - m` with `m` the maximum along `axis`, as an untraced constant of the kept sizes.
fn shifted<E: Float>(x: &RawTensor<E>, axis: usize) -> RawTensor<E> {
    let m = kernel::max_shift(x.as_slice(), AxisSplit::of(x.dims, axis));
    sub_raw(x, &RawTensor::new(kept_dims(x.dims, axis), m))
}

/// `e^{x - m} / Σ e^{x - m}` along `axis`, recorded as its primitives.
pub(crate) fn softmax_raw<E: Float>(x: &RawTensor<E>, axis: usize) -> RawTensor<E> {
    let e = exp_raw(&shifted(x, axis));
    div_raw(&e, &sum_axis_raw(&e, axis, true))
}

/// `(x - m) - logsumexp(x - m)` along `axis`, recorded as its primitives. Shifting first
/// keeps the result exact for large logits (`x - lse` would lose the low digits of `x`).
pub(crate) fn log_softmax_raw<E: Float>(x: &RawTensor<E>, axis: usize) -> RawTensor<E> {
    let s = shifted(x, axis);
    sub_raw(&s, &logsumexp_raw(&s, axis, true))
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The softmax along axis `AX`: `e^{x_k} / Σ_j e^{x_j}`, each lane summing to 1
    /// (PyTorch's `x.softmax(dim=AX)`).
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// With `y = softmax(x)`: `dx = y * (g - Σ_k g_k y_k)`, from the composite's primitives.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2), f64>::from_vec(vec![0., 0., 1000., 0.]).unwrap();
    /// let p = t.softmax::<1>();
    /// assert_eq!(p.to_vec(), vec![0.5, 0.5, 1., 0.]); // no overflow at 1000
    /// ```
    pub fn softmax<const AX: usize>(&self) -> Tensor<S, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(softmax_raw(&self.raw, AX))
    }

    /// The log of the softmax along axis `AX`: `x_k - log Σ_j e^{x_j}` (PyTorch's
    /// `x.log_softmax(dim=AX)`), computed without forming the softmax.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `dx = g - softmax(x) * Σ_k g_k`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,), f64>::from_vec(vec![1000., 1000.]).unwrap();
    /// let l = t.log_softmax::<0>();
    /// assert_eq!(l.to_vec(), vec![-(2f64.ln()), -(2f64.ln())]);
    /// ```
    pub fn log_softmax<const AX: usize>(&self) -> Tensor<S, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(log_softmax_raw(&self.raw, AX))
    }

    /// `log Σ_k e^{x_k}` along axis `AX`, which is dropped (PyTorch's
    /// `x.logsumexp(dim=AX)`): a smooth maximum. An empty axis gives `-inf`.
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Removed`.
    ///
    /// # Gradient
    /// `d lse / dx_k = e^{x_k - lse} = softmax(x)_k`, times the output gradient.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2), f64>::from_vec(vec![0., 0., 1000., 1000.]).unwrap();
    /// let l = t.logsumexp::<1>();
    /// assert_eq!(l.to_vec(), vec![2f64.ln(), 1000. + 2f64.ln()]);
    /// ```
    pub fn logsumexp<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Removed, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(logsumexp_raw(&self.raw, AX, false))
    }

    /// [`Tensor::logsumexp`] with the axis kept as size 1 (PyTorch's `keepdim=True`).
    ///
    /// # Shapes
    /// `S -> <S as ReduceAxis<AX>>::Kept`.
    ///
    /// # Gradient
    /// As for [`Tensor::logsumexp`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2), f64>::from_vec(vec![0., 0., 1., 1.]).unwrap();
    /// let l: Tensor<(U1, U2), f64> = t.logsumexp_keep::<0>();
    /// let expected = (1f64 + 1f64.exp()).ln();
    /// assert!(l.to_vec().iter().all(|v| (v - expected).abs() < 1e-12));
    /// ```
    pub fn logsumexp_keep<const AX: usize>(&self) -> Tensor<<S as ReduceAxis<AX>>::Kept, E>
    where
        S: ReduceAxis<AX>,
    {
        Tensor::from_raw(logsumexp_raw(&self.raw, AX, true))
    }
}
