//! [`Linear`] (`y = x Wᵀ + b`) and [`Mlp2`], two of them with an activation between.

use super::flex::retype;
use super::Activation;
use crate::{ConstDim, Differentiable, Dim, Dyn, Float, Rng, Tensor};

/// A fully connected layer, `y = x Wᵀ + b` (PyTorch's `nn.Linear(I, O)`), mapping `I`
/// features to `O`.
///
/// `weight` is `(O, I)` as in PyTorch, so parameter files line up. Deriving
/// `Differentiable` gives it the gradient struct `LinearGrads { weight, bias }`.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::{Linear, LinearGrads};
///
/// let layer = Linear::<U3, U2>::new(&mut Rng::seed(0));
/// let x = Tensor::<(U4, U3)>::ones();              // a batch of 4
/// let y: Tensor<(U4, U2)> = layer.forward(&x);
///
/// let (_, graph) = vjp(&layer, |l| l.forward(&x).sum());
/// let grads: LinearGrads<U3, U2> = graph.backward();
/// assert_eq!(grads.bias.to_vec(), vec![4., 4.]);    // one per row of the batch
/// ```
#[derive(Differentiable)]
pub struct Linear<I: Dim, O: Dim, E: Float = f32> {
    /// `(O, I)`: row `o` holds the weights of output `o`.
    pub weight: Tensor<(O, I), E>,
    /// `(O,)`, added to every row of the output.
    pub bias: Tensor<(O,), E>,
}

impl<I: ConstDim, O: ConstDim, E: Float> Linear<I, O, E> {
    /// A layer initialized as PyTorch's `nn.Linear` is: weight and bias drawn uniformly
    /// from `[-1/√I, 1/√I)` (what `kaiming_uniform_(a=√5)` gives for the weight), the
    /// weight first. The same seed gives the same layer on every machine.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Linear;
    /// let a = Linear::<U4, U2>::new(&mut Rng::seed(1));
    /// let b = Linear::<U4, U2>::new(&mut Rng::seed(1));
    /// assert_eq!(a.weight.to_vec(), b.weight.to_vec());
    /// assert!(a.weight.to_vec().iter().all(|w| w.abs() <= 0.5)); // 1/√4
    /// ```
    pub fn new(rng: &mut Rng) -> Self {
        let bound = E::from_f64(1.0 / (I::SIZE as f64).sqrt());
        let weight = Tensor::rand_uniform_shaped((O::default(), I::default()), rng, -bound, bound);
        let bias = Tensor::rand_uniform_shaped((O::default(),), rng, -bound, bound);
        Linear { weight, bias }
    }
}

impl<I: Dim, O: Dim, E: Float> Linear<I, O, E> {
    /// `x Wᵀ + b` for a batch of `B` rows (any `B`, `Dyn` included).
    ///
    /// # Shapes
    /// `(B, I) -> (B, O)`.
    ///
    /// # Gradient
    /// With `g` the output gradient: `dx = g W`, `dW = gᵀ x`, `db = Σ_rows g`.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Linear;
    /// let layer = Linear::<U2, U1> {
    ///     weight: Tensor::from_vec(vec![1., 2.]).unwrap(),
    ///     bias: Tensor::full(0.5),
    /// };
    /// let x = Tensor::<(U2, U2)>::from_vec(vec![1., 1., 3., -1.]).unwrap();
    /// assert_eq!(layer.forward(&x).to_vec(), vec![3.5, 1.5]);
    /// ```
    pub fn forward<B: Dim>(&self, x: &Tensor<(B, I), E>) -> Tensor<(B, O), E> {
        let x = retype::<_, (Dyn, Dyn), E>(x);
        let weight = retype::<_, (Dyn, Dyn), E>(&self.weight);
        let bias = retype::<_, (Dyn,), E>(&self.bias);
        retype(&(x.matmul_t(&weight) + &bias))
    }
}

/// A two-layer perceptron, `fc2(activation(fc1(x)))`, mapping `I` features through `H`
/// hidden units to `O` outputs; the type spells the shapes: `Mlp2<U64, U128, U10>`.
///
/// The activation is a `#[no_grad]` field (ReLU by default); parameters are named
/// `fc1.weight`, `fc1.bias`, `fc2.weight`, `fc2.bias`.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::{Activation, Mlp2};
///
/// let mlp = Mlp2::<U4, U8, U3>::new(&mut Rng::seed(0));
/// let x = Tensor::<(U2, U4)>::ones();
/// let logits: Tensor<(U2, U3)> = mlp.forward(&x);
///
/// let tanh_mlp = Mlp2 { activation: Activation::Tanh, ..Mlp2::<U4, U8, U3>::new(&mut Rng::seed(0)) };
/// let names: Vec<String> = mlp.named_params().into_iter().map(|p| p.path).collect();
/// assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
/// ```
#[derive(Differentiable)]
pub struct Mlp2<I: Dim, H: Dim, O: Dim, E: Float = f32> {
    /// The first layer, `I -> H`.
    pub fc1: Linear<I, H, E>,
    /// The second layer, `H -> O`.
    pub fc2: Linear<H, O, E>,
    /// Applied between the layers.
    #[no_grad]
    pub activation: Activation,
}

impl<I: ConstDim, H: ConstDim, O: ConstDim, E: Float> Mlp2<I, H, O, E> {
    /// Both layers initialized as [`Linear::new`] does (`fc1` first), with a ReLU between.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Mlp2;
    /// let mlp = Mlp2::<U64, U128, U10>::new(&mut Rng::seed(0));
    /// assert_eq!(mlp.fc1.weight.numel(), 128 * 64);
    /// ```
    pub fn new(rng: &mut Rng) -> Self {
        let fc1 = Linear::new(rng);
        let fc2 = Linear::new(rng);
        Mlp2 {
            fc1,
            fc2,
            activation: Activation::Relu,
        }
    }
}

impl<I: Dim, H: Dim, O: Dim, E: Float> Mlp2<I, H, O, E> {
    /// `fc2(activation(fc1(x)))` for a batch of `B` rows.
    ///
    /// # Shapes
    /// `(B, I) -> (B, O)`.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Mlp2;
    /// let mlp = Mlp2::<U3, U5, U2>::new(&mut Rng::seed(0));
    /// let x = Tensor::<(Dyn, U3)>::zeros_shaped((Dyn(7), U3::default()));
    /// assert_eq!(&*mlp.forward(&x).dims(), &[7, 2]);
    /// ```
    pub fn forward<B: Dim>(&self, x: &Tensor<(B, I), E>) -> Tensor<(B, O), E> {
        self.fc2
            .forward(&self.activation.apply(&self.fc1.forward(x)))
    }
}
