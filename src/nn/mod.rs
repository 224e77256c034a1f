//! Layers, activations and losses: the parts of a model.
//!
//! Layers are structs of tensors that derive [`Differentiable`](crate::Differentiable),
//! each with a `forward` method whose signature carries the shapes: a
//! [`Linear<U64, U128>`](Linear) takes `(B, 64)` to `(B, 128)` for any batch `B`. A model
//! is a struct of layers that derives `Differentiable` too; its gradients come back as a
//! struct of the same fields, and the [optimizers](crate::optim) update it in place.
//!
//! | PyTorch | here |
//! |---|---|
//! | `nn.Linear(I, O)` | [`Linear<I, O>`](Linear)`::new(&mut rng)` |
//! | `nn.Sequential(nn.Linear(I, H), nn.ReLU(), nn.Linear(H, O))` | [`Mlp2<I, H, O>`](Mlp2) |
//! | `nn.Dropout(p)`, `model.train()`, `model.eval()` | [`Dropout`], [`Dropout::train`], [`Dropout::eval`] |
//! | `nn.LayerNorm(N)` | [`LayerNorm<N>`](LayerNorm) |
//! | `nn.Embedding(V, D)` | [`Embedding<V, D>`](Embedding) |
//! | `F.relu`, `F.gelu`, `torch.tanh`, `torch.sigmoid` | [`relu`], [`gelu`], [`tanh`], [`sigmoid`] |
//! | `F.mse_loss`, `F.cross_entropy`, `F.binary_cross_entropy_with_logits` | [`loss::mse`], [`loss::cross_entropy`], [`loss::bce_with_logits`] |
//!
//! ```
//! use autodiff::prelude::*;
//! use autodiff::nn::{loss, Dropout, Linear};
//!
//! #[derive(Differentiable)]
//! struct Classifier {
//!     hidden: Linear<U4, U16>,
//!     out: Linear<U16, U3>,
//!     #[no_grad]
//!     dropout: Dropout,
//! }
//!
//! impl Classifier {
//!     fn forward<B: Dim>(&self, x: &Tensor<(B, U4)>) -> Tensor<(B, U3)> {
//!         let h = self.dropout.forward(&self.hidden.forward(x).relu());
//!         self.out.forward(&h)
//!     }
//! }
//!
//! let rng = &mut Rng::seed(0);
//! let model = Classifier { hidden: Linear::new(rng), out: Linear::new(rng), dropout: Dropout::new(0.1, 0) };
//! let x = Tensor::<(U8, U4)>::randn(rng);
//! let labels = Labels::<U8, U3>::from_vec(vec![0, 1, 2, 0, 1, 2, 0, 1]).unwrap();
//!
//! let (loss, graph) = vjp(&model, |m| loss::cross_entropy(&m.forward(&x), &labels));
//! let grads: ClassifierGrads = graph.backward();
//! assert!(loss.item() > 0.0);
//! assert_eq!(grads.out.bias.numel(), 3);
//! ```
//!
//! Inside, a layer computes on its tensors seen with `Dyn` dimensions (a change of type
//! only, no copy and no graph node), so `forward` needs no `where` clauses for the
//! compiler to accept a generic batch `B`, and neither does code that calls it.

mod activation;
mod dropout;
mod embedding;
mod flex;
mod labels;
mod linear;
pub mod loss;
mod norm;

pub use activation::{gelu, relu, sigmoid, tanh, Activation};
pub use dropout::Dropout;
pub use embedding::{Embedding, EmbeddingGrads, EmbeddingPartial, EmbeddingSelect};
pub use labels::Labels;
pub use linear::{
    Linear, LinearGrads, LinearPartial, LinearSelect, Mlp2, Mlp2Grads, Mlp2Partial, Mlp2Select,
};
pub use loss::Reduction;
pub use norm::{EndsWith, LayerNorm, LayerNormGrads, LayerNormPartial, LayerNormSelect};
