//! Powers: `powi`, `powf`, `sqrt`, `square`, `recip`.

use super::derivative::{times_derivative_of, Derivative};
use crate::graph::tape::record;
use crate::ops::binary::{div_raw, scale_raw};
use crate::tensor::raw::RawTensor;
use crate::tensor::small;
use crate::{Float, Shape, Tensor};

/// x^n. Backward: `g * n * x^(n-1)` (`g * (x * 0)` for n = 0) as one op (recorded as one
/// node under `create_graph`).
pub(crate) fn powi_raw<E: Float>(x: &RawTensor<E>, n: i32) -> RawTensor<E> {
    let k = match n {
        0 => Derivative::Zero,
        _ => Derivative::Powi {
            c: E::from_f64(f64::from(n)),
            m: n - 1,
        },
    };
    // `powi(2)` is one product, the same bits as `v * v` without the call to `__powisf2`.
    let y = match n {
        2 => x.map(|v| v * v),
        _ => x.map(|v| v.powi(n)),
    };
    times_derivative(x, y, k)
}

/// x^p for a real constant p. Backward: `g * p * x^(p-1)` (`g * (x * 0)` for p = 0) as
/// one op.
pub(crate) fn powf_raw<E: Float>(x: &RawTensor<E>, p: E) -> RawTensor<E> {
    let k = if p == E::ZERO {
        Derivative::Zero
    } else {
        Derivative::Powf {
            c: p,
            p: p - E::ONE,
        }
    };
    times_derivative(x, x.map(|v| v.powf(p)), k)
}

/// Records `out = f(x)` with the backward rule `g * k(x)` ([`times_derivative_of`]).
fn times_derivative<E: Float>(
    x: &RawTensor<E>,
    out: RawTensor<E>,
    k: Derivative<E>,
) -> RawTensor<E> {
    record(&[x], out, |_| {
        let x = x.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(times_derivative_of(g, &x, k)), None]
    })
}

/// √x. Backward: `g / (2 √x)`, reusing the output.
pub(crate) fn sqrt_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(E::sqrt), |y| {
        let y = y.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(div_raw(g, &scale_raw(&y, E::from_f64(2.0)))), None]
        }
    })
}

/// x². Backward: `g * 2x` as one op.
pub(crate) fn square_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    let k = Derivative::Powi {
        c: E::from_f64(2.0),
        m: 1,
    };
    times_derivative(x, x.map(|v| v * v), k)
}

/// 1/x. Backward: `-g * y²` with `y = 1/x`, reusing the output, as one op (`g * (y² * -1)`:
/// the same bits, negation being exact).
pub(crate) fn recip_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(|v| E::ONE / v), |y| {
        let y = y.clone();
        let k = Derivative::Powi { c: -E::ONE, m: 2 };
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(times_derivative_of(g, &y, k)), None]
    })
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// x^n for an integer `n`, element-wise.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d x^n / dx = n x^(n-1)` (0 for n = 0).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,)>::from_vec(vec![2., -3.]).unwrap();
    /// assert_eq!(t.powi(2).to_vec(), vec![4., 9.]);
    /// ```
    #[inline(always)]
    pub fn powi(&self, n: i32) -> Self {
        let fast = match n {
            2 => small::map(self, |v| v * v),
            _ => small::map(self, |v| v.powi(n)),
        };
        fast.unwrap_or_else(|| Tensor::from_raw(powi_raw(&self.raw, n)))
    }

    /// x^p for a real exponent `p`, element-wise: NaN where x < 0 and p is not an integer
    /// (IEEE `pow`).
    ///
    /// PyTorch equivalent: `torch.pow(x, p)` with a float `p`.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d x^p / dx = p x^(p-1)` (0 for p = 0). At x = 0 with p < 1 this is infinite, as in
    /// PyTorch.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,), f64>::from_vec(vec![4., 9.]).unwrap();
    /// assert_eq!(t.powf(1.5).to_vec(), vec![8., 27.]);
    /// ```
    pub fn powf(&self, p: E) -> Self {
        Tensor::from_raw(powf_raw(&self.raw, p))
    }

    /// The square root, element-wise: NaN for x < 0.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d √x / dx = 1 / (2 √x)` (∞ at 0).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,)>::from_vec(vec![4., 0.25, -1.]).unwrap();
    /// let y = t.sqrt().to_vec();
    /// assert_eq!(y[..2], [2., 0.5]);
    /// assert!(y[2].is_nan());
    /// ```
    #[inline(always)]
    pub fn sqrt(&self) -> Self {
        small::map(self, E::sqrt).unwrap_or_else(|| Tensor::from_raw(sqrt_raw(&self.raw)))
    }

    /// x², element-wise (cheaper than `powi(2)`, same gradient).
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d x² / dx = 2x`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,)>::from_vec(vec![3., -0.5]).unwrap();
    /// assert_eq!(t.square().to_vec(), vec![9., 0.25]);
    /// ```
    #[inline(always)]
    pub fn square(&self) -> Self {
        small::map(self, |v| v * v).unwrap_or_else(|| Tensor::from_raw(square_raw(&self.raw)))
    }

    /// The reciprocal 1/x, element-wise: ±∞ at ±0.
    ///
    /// PyTorch equivalent: `torch.reciprocal`.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `d (1/x) / dx = -1/x²`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U3,)>::from_vec(vec![2., -4., 0.]).unwrap();
    /// assert_eq!(t.recip().to_vec(), vec![0.5, -0.25, f32::INFINITY]);
    /// ```
    #[inline(always)]
    pub fn recip(&self) -> Self {
        small::map(self, |v| E::ONE / v).unwrap_or_else(|| Tensor::from_raw(recip_raw(&self.raw)))
    }
}
