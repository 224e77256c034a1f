//! [`Embedding`]: a table of `V` vectors of size `D`, looked up by index.

use crate::{ConstDim, Differentiable, Dim, Float, Rng, Tensor, TensorError};

/// A lookup table of `V` learned vectors of `D` elements (PyTorch's
/// `nn.Embedding(V, D)`): index `i` gives row `i` of `weight`.
///
/// The lookup is [`Tensor::gather_rows`], so the backward pass adds each output row's
/// gradient into the row it came from (rows used twice get both, rows not used get 0)
/// without forming one-hot matrices.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::{Embedding, EmbeddingGrads};
///
/// let emb = Embedding::<U10, U4>::new(&mut Rng::seed(0));
/// let tokens = Tensor::<(U3,), usize>::from_vec(vec![7, 1, 7]).unwrap();
/// let vectors: Tensor<(U3, U4)> = emb.forward(&tokens).unwrap();
/// assert_eq!(vectors.to_vec()[..4], emb.weight.to_vec()[28..32]); // row 7
///
/// let (_, graph) = vjp(&emb, |e| e.forward(&tokens).unwrap().sum());
/// let grads: EmbeddingGrads<U10, U4> = graph.backward();
/// assert_eq!(grads.weight.to_vec()[28..32], [2., 2., 2., 2.]); // token 7, twice
/// assert_eq!(grads.weight.to_vec()[..4], [0., 0., 0., 0.]);    // token 0, unused
/// ```
#[derive(Differentiable)]
pub struct Embedding<V: Dim, D: Dim, E: Float = f32> {
    /// `(V, D)`: row `i` is the vector of index `i`.
    pub weight: Tensor<(V, D), E>,
}

impl<V: ConstDim, D: ConstDim, E: Float> Embedding<V, D, E> {
    /// A table drawn from the standard normal distribution, as PyTorch initializes it.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Embedding;
    /// let a = Embedding::<U5, U2>::new(&mut Rng::seed(3));
    /// let b = Embedding::<U5, U2>::new(&mut Rng::seed(3));
    /// assert_eq!(a.weight.to_vec(), b.weight.to_vec());
    /// ```
    pub fn new(rng: &mut Rng) -> Self {
        Embedding {
            weight: Tensor::randn_shaped((V::default(), D::default()), rng),
        }
    }
}

impl<V: Dim, D: Dim, E: Float> Embedding<V, D, E> {
    /// The vectors of `indices`, one row each.
    ///
    /// # Shapes
    /// `(B,)` indices give `(B, D)`.
    ///
    /// # Gradient
    /// `dweight[r, :] = Σ_{i : indices[i] = r} g[i, :]`.
    ///
    /// # Errors
    /// [`TensorError::IndexOutOfRange`] for the first index not below `V` (indices are
    /// data).
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Embedding;
    /// let emb = Embedding::<U4, U2> { weight: Tensor::from_vec((0..8).map(|i| i as f32).collect()).unwrap() };
    /// let ids = Tensor::<(U2,), usize>::from_vec(vec![3, 0]).unwrap();
    /// assert_eq!(emb.forward(&ids).unwrap().to_vec(), vec![6., 7., 0., 1.]);
    /// let bad = Tensor::<(U1,), usize>::from_vec(vec![4]).unwrap();
    /// assert!(emb.forward(&bad).is_err());
    /// ```
    pub fn forward<B: Dim>(
        &self,
        indices: &Tensor<(B,), usize>,
    ) -> Result<Tensor<(B, D), E>, TensorError> {
        self.weight.gather_rows(indices)
    }
}
