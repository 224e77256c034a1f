//! Activations as functions (`relu(&x)`), and [`Activation`] to choose one in a model.

use crate::{Float, Shape, Tensor};

/// `max(x, 0)`, element-wise (PyTorch's `F.relu`); the same as [`Tensor::relu`].
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::relu;
/// let x = Tensor::<(U3,)>::from_vec(vec![-1., 0., 2.]).unwrap();
/// assert_eq!(relu(&x).to_vec(), vec![0., 0., 2.]);
/// ```
pub fn relu<S: Shape, E: Float>(x: &Tensor<S, E>) -> Tensor<S, E> {
    x.relu()
}

/// The exact GELU `x Φ(x)` (PyTorch's `F.gelu`, `approximate='none'`); the same as
/// [`Tensor::gelu`].
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::gelu;
/// let x = Tensor::<(U2,), f64>::from_vec(vec![0., 1.]).unwrap();
/// assert!((gelu(&x).to_vec()[1] - 0.8413447460685429).abs() < 1e-12);
/// ```
pub fn gelu<S: Shape, E: Float>(x: &Tensor<S, E>) -> Tensor<S, E> {
    x.gelu()
}

/// The hyperbolic tangent, element-wise; the same as [`Tensor::tanh`].
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::tanh;
/// let x = Tensor::<(U2,), f64>::from_vec(vec![0., 1.]).unwrap();
/// let y = tanh(&x).to_vec();
/// assert_eq!(y[0], 0.);
/// assert!((y[1] - 1f64.tanh()).abs() < 1e-15); // a vectorised kernel, within 2 ulp of libm's
/// ```
pub fn tanh<S: Shape, E: Float>(x: &Tensor<S, E>) -> Tensor<S, E> {
    x.tanh()
}

/// The logistic function `1 / (1 + e^-x)`, element-wise; the same as [`Tensor::sigmoid`].
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::sigmoid;
/// let x = Tensor::<(U2,), f64>::from_vec(vec![0., 1000.]).unwrap();
/// assert_eq!(sigmoid(&x).to_vec(), vec![0.5, 1.]);
/// ```
pub fn sigmoid<S: Shape, E: Float>(x: &Tensor<S, E>) -> Tensor<S, E> {
    x.sigmoid()
}

/// An activation chosen at run time, for models that store their choice (such as
/// [`Mlp2`](crate::nn::Mlp2), where it is a `#[no_grad]` field).
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::Activation;
/// let x = Tensor::<(U2,)>::from_vec(vec![-1., 2.]).unwrap();
/// assert_eq!(Activation::Relu.apply(&x).to_vec(), vec![0., 2.]);
/// assert_eq!(Activation::Identity.apply(&x).to_vec(), vec![-1., 2.]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Activation {
    /// [`relu`].
    #[default]
    Relu,
    /// [`gelu`].
    Gelu,
    /// [`tanh`].
    Tanh,
    /// [`sigmoid`].
    Sigmoid,
    /// `x` itself.
    Identity,
}

impl Activation {
    /// This activation applied to every element of `x`.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Activation;
    /// let x = Tensor::<(U1,), f64>::from_vec(vec![0.]).unwrap();
    /// assert_eq!(Activation::Sigmoid.apply(&x).to_vec(), vec![0.5]);
    /// ```
    pub fn apply<S: Shape, E: Float>(self, x: &Tensor<S, E>) -> Tensor<S, E> {
        match self {
            Activation::Relu => x.relu(),
            Activation::Gelu => x.gelu(),
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Identity => x.clone(),
        }
    }
}
