//! Element-wise functions of one tensor.
//!
//! Each op states its forward `f` and its derivative `f'` side by side; the backward rule
//! is `g * f'(x)`, written with recorded ops so that it can be differentiated again.
//! Rules that reuse the output `y` (exp, sqrt, recip, sigmoid, tanh) take the traced `y`,
//! so a second derivative flows through it as well. The rules of tanh, sigmoid, `powi`,
//! `powf`, `square` and `recip` are one op each (`derivative.rs`): one pass, and one node
//! when a tape records them (`create_graph`), with its own rule for the orders above.
//!
//! `exp`, `tanh` and `sigmoid` use the branch-free kernels of `fastmath.rs`, which
//! vectorise: within 1.3 ulp (f32) and 2 ulp (f64) of libm for exp and tanh, 2.4 and 3 ulp
//! for sigmoid. The other ops call `std`.
//!
//! | op | `f(x)` | `f'(x)` |
//! |---|---|---|
//! | [`exp`](crate::Tensor::exp) | e^x | y |
//! | [`ln`](crate::Tensor::ln) | ln x | 1/x |
//! | [`sqrt`](crate::Tensor::sqrt) | √x | 1/(2y) |
//! | [`powi`](crate::Tensor::powi), [`powf`](crate::Tensor::powf) | x^p | p x^(p-1) |
//! | [`square`](crate::Tensor::square) | x² | 2x |
//! | [`recip`](crate::Tensor::recip) | 1/x | -y² |
//! | [`abs`](crate::Tensor::abs) | \|x\| | sign(x), 0 at 0 |
//! | [`relu`](crate::Tensor::relu) | max(x, 0) | 1 where x > 0, else 0 |
//! | [`clamp`](crate::Tensor::clamp) | min(max(x, lo), hi) | 1 where lo <= x <= hi, else 0 |
//! | [`sigmoid`](crate::Tensor::sigmoid) | 1/(1+e^-x) | y(1-y) |
//! | [`tanh`](crate::Tensor::tanh) | tanh x | 1-y² |
//! | [`softplus`](crate::Tensor::softplus) | ln(1+e^x) | sigmoid(x) |
//! | [`gelu`](crate::Tensor::gelu) | x Φ(x) (exact, erf) | Φ(x) + x φ(x) |
//! | [`sin`](crate::Tensor::sin), [`cos`](crate::Tensor::cos) | sin x, cos x | cos x, -sin x |
//!
//! Non-finite inputs give the IEEE result (`ln(-1)` and `sqrt(-1)` are NaN, `ln(0)` is
//! -∞, `exp(∞)` is ∞) and never panic.
//!
//! # Shapes
//! `S -> S`.

mod activations;
mod derivative;
pub(crate) mod fastmath;
pub(crate) mod kernel;
mod piecewise;
mod powers;
#[cfg(test)]
mod tests;
mod trig;

// The raw level, for composite ops (softmax, losses) and other ops' backward rules.
#[allow(unused_imports)]
pub(crate) use self::{
    activations::{gelu_raw, sigmoid_raw, softplus_raw, tanh_raw},
    piecewise::{abs_raw, clamp_raw, relu_raw},
    powers::{powf_raw, powi_raw, recip_raw, sqrt_raw, square_raw},
    trig::{cos_raw, sin_raw},
};

use crate::graph::tape::record;
use crate::ops::binary::{div_raw, mul_raw};
use crate::tensor::raw::RawTensor;
use crate::tensor::small;
use crate::{Float, Shape, Tensor};

/// e^x. Backward: `g * e^x`, reusing the output.
pub(crate) fn exp_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(fastmath::exp), |y| {
        let y = y.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(mul_raw(g, &y)), None]
    })
}

/// ln x. Backward: `g / x`.
pub(crate) fn ln_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(E::ln), |_| {
        let x2 = x.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(div_raw(g, &x2)), None]
    })
}

/// `y = f(x)` element-wise with `y' = g * d` where `d` is a constant 0/±1 tensor computed
/// from `x` now (relu, abs, clamp): their second derivative is 0.
pub(crate) fn masked_raw<E: Float>(
    x: &RawTensor<E>,
    f: impl Fn(E) -> E,
    d: impl Fn(E) -> E,
) -> RawTensor<E> {
    record(&[x], x.map(f), |_| {
        let d = x.map(d);
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(mul_raw(g, &d)), None]
    })
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// e^x, element-wise.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d e^x / dx = e^x`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,), f64>::from_vec(vec![0., 1.]).unwrap();
    /// assert_eq!(t.exp().to_vec(), vec![1., std::f64::consts::E]);
    /// ```
    #[inline(always)]
    pub fn exp(&self) -> Self {
        small::map(self, fastmath::exp).unwrap_or_else(|| Tensor::from_raw(exp_raw(&self.raw)))
    }

    /// The natural logarithm, element-wise: NaN for x < 0, -∞ at 0.
    ///
    /// PyTorch equivalent: `torch.log`.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d ln x / dx = 1 / x`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,), f64>::from_vec(vec![1., std::f64::consts::E, -1.]).unwrap();
    /// let y = t.ln().to_vec();
    /// assert_eq!(y[..2], [0., 1.]);
    /// assert!(y[2].is_nan());
    /// ```
    #[inline(always)]
    pub fn ln(&self) -> Self {
        small::map(self, E::ln).unwrap_or_else(|| Tensor::from_raw(ln_raw(&self.raw)))
    }
}
