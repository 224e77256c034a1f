//! Element-wise functions of one tensor.
//!
//! Each op states its forward `f` and its derivative `f'` side by side; the backward rule
//! is `g * f'(x)`, written with recorded ops so that it can be differentiated again.
//!
//! # Shapes
//! `S -> S`.

use crate::graph::tape::record;
use crate::ops::binary::{mul_raw, scale_raw};
use crate::tensor::raw::RawTensor;
use crate::{Float, Shape, Tensor};

/// e^x. Backward: `g * e^x`, reusing the output.
pub(crate) fn exp_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(E::exp), |y| {
        let y = y.clone();
        move |g: &RawTensor<E>, _: [bool; 2]| [Some(mul_raw(g, &y)), None]
    })
}

/// x^n. Backward: `g * n * x^(n-1)`.
pub(crate) fn powi_raw<E: Float>(x: &RawTensor<E>, n: i32) -> RawTensor<E> {
    let x2 = x.clone();
    record(&[x], x.map(|v| v.powi(n)), |_| {
        move |g: &RawTensor<E>, _: [bool; 2]| {
            let d = if n == 0 {
                scale_raw(&x2, E::ZERO)
            } else {
                scale_raw(&powi_raw(&x2, n - 1), E::from_f64(n as f64))
            };
            [Some(mul_raw(g, &d)), None]
        }
    })
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// e^x, element-wise.
    ///
    /// # Gradient
    /// `d e^x / dx = e^x`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,), f64>::from_vec(vec![0., 1.]).unwrap();
    /// assert_eq!(t.exp().to_vec(), vec![1., std::f64::consts::E]);
    /// ```
    pub fn exp(&self) -> Self {
        Tensor::from_raw(exp_raw(&self.raw))
    }

    /// x^n for an integer `n`, element-wise.
    ///
    /// # Gradient
    /// `d x^n / dx = n x^(n-1)`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,)>::from_vec(vec![2., -3.]).unwrap();
    /// assert_eq!(t.powi(2).to_vec(), vec![4., 9.]);
    /// ```
    pub fn powi(&self, n: i32) -> Self {
        Tensor::from_raw(powi_raw(&self.raw, n))
    }
}
