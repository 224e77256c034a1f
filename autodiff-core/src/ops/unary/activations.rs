//! Smooth activations: `sigmoid`, `tanh`, `softplus`, `gelu`.

use super::derivative::{times_derivative_of, Derivative};
use super::kernel::{self, via_f64};
use super::{exp_raw, fastmath, square_raw};
use crate::graph::tape::record;
use crate::ops::binary::{add_scalar_raw, mul_raw, neg_raw, scale_raw};
use crate::tensor::raw::RawTensor;
use crate::tensor::small;
use crate::{Float, Shape, Tensor};

/// 1/(1 + e^-x). Backward: `g * y * (1 - y)`, reusing the output, as one op (recorded
/// as one node under `create_graph`).
pub(crate) fn sigmoid_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(fastmath::sigmoid), |y| {
        let y = y.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(times_derivative_of(g, &y, Derivative::Sigmoid)), None]
        }
    })
}

/// tanh x. Backward: `g * (1 - y²)`, reusing the output, as one op (recorded as one node
/// under `create_graph`).
pub(crate) fn tanh_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(fastmath::tanh), |y| {
        let y = y.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(times_derivative_of(g, &y, Derivative::Tanh)), None]
        }
    })
}

/// ln(1 + e^x), computed stably. Backward: `g * sigmoid(x)`.
pub(crate) fn softplus_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(kernel::softplus), |_| {
        let x2 = x.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(mul_raw(g, &sigmoid_raw(&x2))), None]
    })
}

/// x Φ(x) with the exact normal CDF. Backward: `g * gelu'(x)`.
pub(crate) fn gelu_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(via_f64(kernel::gelu)), |_| {
        let x2 = x.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(mul_raw(g, &gelu_derivative_raw(&x2))), None]
        }
    })
}

/// gelu'(x) = Φ(x) + x φ(x), recorded so that gelu has a second derivative.
/// Backward: `g * gelu''(x)` with `gelu''(x) = φ(x) (2 - x²)`.
fn gelu_derivative_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(via_f64(kernel::gelu_derivative)), |_| {
        let x2 = x.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            let two_minus_x2 = add_scalar_raw(&neg_raw(&square_raw(&x2)), E::from_f64(2.0));
            [
                Some(mul_raw(g, &mul_raw(&normal_pdf_raw(&x2), &two_minus_x2))),
                None,
            ]
        }
    })
}

/// φ(x) = e^(-x²/2) / √(2π), from recorded ops (its own derivatives come for free).
fn normal_pdf_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    let inv_sqrt_2pi = E::from_f64(1.0 / (2.0 * core::f64::consts::PI).sqrt());
    scale_raw(
        &exp_raw(&scale_raw(&square_raw(x), E::from_f64(-0.5))),
        inv_sqrt_2pi,
    )
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The logistic function 1 / (1 + e^-x), element-wise; computed without overflow
    /// (0 at -∞, 1 at ∞).
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d sigmoid(x) / dx = y (1 - y)` with `y = sigmoid(x)`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,), f64>::from_vec(vec![0., -1000., 1000.]).unwrap();
    /// assert_eq!(t.sigmoid().to_vec(), vec![0.5, 0., 1.]);
    /// ```
    #[inline(always)]
    pub fn sigmoid(&self) -> Self {
        small::map(self, fastmath::sigmoid)
            .unwrap_or_else(|| Tensor::from_raw(sigmoid_raw(&self.raw)))
    }

    /// The hyperbolic tangent, element-wise.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d tanh x / dx = 1 - y²` with `y = tanh x`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,), f64>::from_vec(vec![0., 1.]).unwrap();
    /// let y = t.tanh().to_vec();
    /// assert_eq!(y[0], 0.);
    /// assert!((y[1] - 1f64.tanh()).abs() < 1e-15); // a vectorised kernel, within 2 ulp of libm's
    /// ```
    #[inline(always)]
    pub fn tanh(&self) -> Self {
        small::map(self, fastmath::tanh).unwrap_or_else(|| Tensor::from_raw(tanh_raw(&self.raw)))
    }

    /// softplus(x) = ln(1 + e^x), element-wise, computed as `max(x, 0) + ln(1 + e^-|x|)`:
    /// no overflow for large x (softplus(1000) = 1000) and no loss for very negative x.
    ///
    /// PyTorch equivalent: `torch.nn.functional.softplus(x)` (beta = 1; this version
    /// has no `threshold` switch to the identity: the stable formula needs none).
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d softplus(x) / dx = sigmoid(x)`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,), f64>::from_vec(vec![0., 1000., -1000.]).unwrap();
    /// assert_eq!(t.softplus().to_vec(), vec![2f64.ln(), 1000., 0.]);
    /// ```
    pub fn softplus(&self) -> Self {
        Tensor::from_raw(softplus_raw(&self.raw))
    }

    /// The Gaussian error linear unit x Φ(x), element-wise, in its **exact** form with the
    /// error function: Φ(x) = (1 + erf(x/√2)) / 2 is the standard normal CDF. This is
    /// PyTorch's default (`approximate='none'`), not the tanh approximation. The erf
    /// behind it is computed in f64 with a relative error under 1e-13; GELU(-∞) = 0.
    ///
    /// PyTorch equivalent: `torch.nn.functional.gelu(x)`.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d gelu(x) / dx = Φ(x) + x φ(x)` with φ(x) = e^(-x²/2) / √(2π) the normal density
    /// (0 at -∞, 1 at ∞); twice differentiable: `gelu''(x) = φ(x) (2 - x²)`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,), f64>::from_vec(vec![0., 1., -1.]).unwrap();
    /// let y = t.gelu().to_vec();
    /// assert_eq!(y[0], 0.);
    /// assert!((y[1] - 0.8413447460685429).abs() < 1e-15); // Φ(1)
    /// assert!((y[2] + 0.15865525393145707).abs() < 1e-15); // -Φ(-1)
    /// ```
    pub fn gelu(&self) -> Self {
        Tensor::from_raw(gelu_raw(&self.raw))
    }
}
