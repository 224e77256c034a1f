//! [`LayerNorm`]: each lane of the last axis normalized to mean 0 and variance 1, then
//! scaled and shifted.

use super::flex::{layer_norm, retype};
use crate::{ConstDim, Differentiable, Dim, Dyn, Float, Shape, Tensor};

mod sealed {
    pub trait Sealed {}
}

/// A shape of rank 1 to 4 whose last dimension is `N`: what [`LayerNorm<N>`] normalizes.
/// Implemented for `(N,)`, `(A, N)`, `(A, B, N)` and `(A, B, C, N)`; sealed.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::EndsWith;
/// fn last_is<N: Dim, S: EndsWith<N>>() {}
/// last_is::<U8, (Dyn, U16, U8)>();
/// ```
#[diagnostic::on_unimplemented(
    message = "the input's last dimension is not `{N}`, the size this layer normalizes",
    label = "expected a shape ending in `{N}`",
    note = "LayerNorm<N> normalizes the last axis of a shape of rank 1 to 4 whose last dimension is N"
)]
pub trait EndsWith<N: Dim>: Shape + sealed::Sealed {}

impl<N: Dim> sealed::Sealed for (N,) {}
impl<A: Dim, N: Dim> sealed::Sealed for (A, N) {}
impl<A: Dim, B: Dim, N: Dim> sealed::Sealed for (A, B, N) {}
impl<A: Dim, B: Dim, C: Dim, N: Dim> sealed::Sealed for (A, B, C, N) {}
impl<N: Dim> EndsWith<N> for (N,) {}
impl<A: Dim, N: Dim> EndsWith<N> for (A, N) {}
impl<A: Dim, B: Dim, N: Dim> EndsWith<N> for (A, B, N) {}
impl<A: Dim, B: Dim, C: Dim, N: Dim> EndsWith<N> for (A, B, C, N) {}

/// Layer normalization over the last axis (PyTorch's `nn.LayerNorm(N)`): each lane `x`
/// of `N` elements becomes `(x - mean(x)) / sqrt(var(x) + eps) * weight + bias`, with the
/// biased variance (divided by `N`).
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::LayerNorm;
///
/// let norm = LayerNorm::<U4, f64>::new();
/// let x = Tensor::<(U2, U4), f64>::from_vec(vec![1., 2., 3., 4., -5., 0., 5., 0.]).unwrap();
/// let y = norm.forward(&x).to_vec();
/// let row_mean: f64 = y[..4].iter().sum::<f64>() / 4.0;
/// assert!(row_mean.abs() < 1e-12);
/// ```
#[derive(Differentiable)]
pub struct LayerNorm<N: Dim, E: Float = f32> {
    /// The scale `γ`, one per element of a lane (ones at first).
    pub weight: Tensor<(N,), E>,
    /// The shift `β` (zeros at first).
    pub bias: Tensor<(N,), E>,
    /// Added to the variance before the square root: `1e-5`, as in PyTorch.
    #[no_grad]
    pub eps: f64,
}

impl<N: ConstDim, E: Float> LayerNorm<N, E> {
    /// Weight ones, bias zeros, `eps = 1e-5` (PyTorch's defaults).
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::LayerNorm;
    /// let norm = LayerNorm::<U3>::new();
    /// assert_eq!(norm.weight.to_vec(), vec![1., 1., 1.]);
    /// assert_eq!(norm.eps, 1e-5);
    /// ```
    pub fn new() -> Self {
        LayerNorm {
            weight: Tensor::ones(),
            bias: Tensor::zeros(),
            eps: 1e-5,
        }
    }
}

impl<N: ConstDim, E: Float> Default for LayerNorm<N, E> {
    /// [`LayerNorm::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<N: Dim, E: Float> LayerNorm<N, E> {
    /// Normalizes every lane of the last axis, then scales and shifts it.
    ///
    /// # Shapes
    /// `S -> S` for any `S` of rank 1 to 4 ending in `N`: `(B, N)`, `(B, T, N)`, ...
    ///
    /// # Gradient
    /// Through the recorded ops of the formula (mean, variance, square root, division),
    /// so it is differentiable twice.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::LayerNorm;
    /// let norm = LayerNorm::<U2>::new();
    /// let x = Tensor::<(U1, U3, U2)>::from_vec(vec![0., 2., 5., 5., -1., 1.]).unwrap();
    /// let y = norm.forward(&x).to_vec();
    /// assert!((y[0] + 1.0).abs() < 1e-4 && (y[1] - 1.0).abs() < 1e-4);
    /// assert_eq!(y[2..4], [0., 0.]); // a constant lane normalizes to 0
    /// ```
    pub fn forward<S: EndsWith<N>>(&self, x: &Tensor<S, E>) -> Tensor<S, E> {
        layer_norm(
            x,
            &retype::<_, (Dyn,), E>(&self.weight),
            &retype::<_, (Dyn,), E>(&self.bias),
            E::from_f64(self.eps),
        )
    }
}
