//! Seeded random constructors. The same seed gives the same tensor on every machine.

use super::{RawTensor, Tensor};
use crate::{ConstShape, Float, Shape};

/// A seeded random number generator (wyrand, through `fastrand`).
///
/// ```
/// use autodiff_core::prelude::*;
/// let a = Tensor::<(U3,)>::randn(&mut Rng::seed(7));
/// let b = Tensor::<(U3,)>::randn(&mut Rng::seed(7));
/// assert_eq!(a.to_vec(), b.to_vec());
/// ```
#[derive(Clone, Debug)]
pub struct Rng(fastrand::Rng);

impl Rng {
    /// A generator from a seed: the same seed gives the same numbers.
    ///
    /// ```
    /// use autodiff_core::Rng;
    /// assert_eq!(Rng::seed(3).uniform(), Rng::seed(3).uniform());
    /// ```
    pub fn seed(seed: u64) -> Self {
        Rng(fastrand::Rng::with_seed(seed))
    }

    /// Uniform in `[0, 1)`.
    ///
    /// ```
    /// let x = autodiff_core::Rng::seed(1).uniform();
    /// assert!((0.0..1.0).contains(&x));
    /// ```
    pub fn uniform(&mut self) -> f64 {
        self.0.f64()
    }

    /// Standard normal (Box-Muller).
    ///
    /// ```
    /// let x = autodiff_core::Rng::seed(1).normal();
    /// assert!(x.is_finite());
    /// ```
    pub fn normal(&mut self) -> f64 {
        // 1 - u is in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.0.f64();
        let u2 = self.0.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A uniform integer in `0..n`.
    ///
    /// # Panics
    /// If `n` is 0.
    ///
    /// ```
    /// assert!(autodiff_core::Rng::seed(1).below(3) < 3);
    /// ```
    pub fn below(&mut self, n: usize) -> usize {
        self.0.usize(0..n)
    }

    /// Shuffles a slice in place (Fisher-Yates).
    ///
    /// ```
    /// let mut v = vec![1, 2, 3, 4];
    /// autodiff_core::Rng::seed(3).shuffle(&mut v);
    /// v.sort();
    /// assert_eq!(v, vec![1, 2, 3, 4]);
    /// ```
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        self.0.shuffle(items)
    }
}

impl<S: ConstShape, E: Float> Tensor<S, E> {
    /// Elements drawn uniformly from `[low, high)`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U100,)>::rand_uniform(&mut Rng::seed(0), -1., 1.);
    /// assert!(t.to_vec().iter().all(|x| (-1.0..1.0).contains(x)));
    /// ```
    pub fn rand_uniform(rng: &mut Rng, low: E, high: E) -> Self {
        Self::rand_uniform_shaped(S::default(), rng, low, high)
    }

    /// Elements drawn from the standard normal distribution.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U1000,), f64>::randn(&mut Rng::seed(0));
    /// let mean = t.to_vec().iter().sum::<f64>() / 1000.0;
    /// assert!(mean.abs() < 0.1);
    /// ```
    pub fn randn(rng: &mut Rng) -> Self {
        Self::randn_shaped(S::default(), rng)
    }
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// [`Tensor::rand_uniform`] for a shape value.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn,)>::rand_uniform_shaped((Dyn(4),), &mut Rng::seed(0), 0., 1.);
    /// assert_eq!(t.numel(), 4);
    /// ```
    pub fn rand_uniform_shaped(shape: S, rng: &mut Rng, low: E, high: E) -> Self {
        let dims = shape.dims();
        let (lo, hi) = (low.to_f64(), high.to_f64());
        let data = (0..dims.numel())
            .map(|_| E::from_f64(lo + (hi - lo) * rng.uniform()))
            .collect();
        Tensor::from_raw(RawTensor::new(dims, data))
    }

    /// [`Tensor::randn`] for a shape value.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn,)>::randn_shaped((Dyn(4),), &mut Rng::seed(0));
    /// assert_eq!(t.numel(), 4);
    /// ```
    pub fn randn_shaped(shape: S, rng: &mut Rng) -> Self {
        let dims = shape.dims();
        let data = (0..dims.numel())
            .map(|_| E::from_f64(rng.normal()))
            .collect();
        Tensor::from_raw(RawTensor::new(dims, data))
    }
}
