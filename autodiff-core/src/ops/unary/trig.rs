//! Trigonometric functions: `sin`, `cos`. Each one's derivative is the other, so both
//! are differentiable to any order.

use crate::graph::tape::record;
use crate::ops::binary::{mul_raw, neg_raw};
use crate::tensor::raw::RawTensor;
use crate::tensor::small;
use crate::{Float, Shape, Tensor};

/// sin x. Backward: `g * cos x`.
pub(crate) fn sin_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(E::sin), |_| {
        let x2 = x.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(mul_raw(g, &cos_raw(&x2))), None]
    })
}

/// cos x. Backward: `-g * sin x`.
pub(crate) fn cos_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(E::cos), |_| {
        let x2 = x.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(neg_raw(&mul_raw(g, &sin_raw(&x2)))), None]
    })
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The sine (of radians), element-wise: NaN for ±∞.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d sin x / dx = cos x`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,), f64>::from_vec(vec![0., std::f64::consts::FRAC_PI_2]).unwrap();
    /// assert_eq!(t.sin().to_vec(), vec![0., 1.]);
    /// ```
    #[inline(always)]
    pub fn sin(&self) -> Self {
        small::map(self, E::sin).unwrap_or_else(|| Tensor::from_raw(sin_raw(&self.raw)))
    }

    /// The cosine (of radians), element-wise: NaN for ±∞.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d cos x / dx = -sin x`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,), f64>::from_vec(vec![0., std::f64::consts::PI]).unwrap();
    /// assert_eq!(t.cos().to_vec(), vec![1., -1.]);
    /// ```
    #[inline(always)]
    pub fn cos(&self) -> Self {
        small::map(self, E::cos).unwrap_or_else(|| Tensor::from_raw(cos_raw(&self.raw)))
    }
}
