//! Losses: [`mse`], [`cross_entropy`] and [`bce_with_logits`], each a mean by default and
//! with a `_with` variant that takes a [`Reduction`].
//!
//! | PyTorch | here |
//! |---|---|
//! | `F.mse_loss(pred, target)` | `mse(&pred, &target)` |
//! | `F.cross_entropy(logits, labels)` | `cross_entropy(&logits, &labels)` with [`Labels`] |
//! | `F.binary_cross_entropy_with_logits(x, y)` | `bce_with_logits(&x, &y)` |
//! | `reduction='sum'` | `mse_with(&pred, &target, Reduction::Sum)`, ... |
//!
//! Every loss returns a `Tensor<(), E>`: call `backward()` on its graph directly.

use super::flex::flat;
use super::Labels;
use crate::{Dim, Float, Shape, Tensor};

/// How a loss combines its per-element (or per-sample) terms.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::loss::{mse_with, Reduction};
/// let pred = Tensor::<(U2,), f64>::from_vec(vec![1., 3.]).unwrap();
/// let target = Tensor::<(U2,), f64>::zeros();
/// assert_eq!(mse_with(&pred, &target, Reduction::Mean).item(), 5.0);
/// assert_eq!(mse_with(&pred, &target, Reduction::Sum).item(), 10.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The mean of the terms (PyTorch's default, `reduction='mean'`).
    #[default]
    Mean,
    /// Their sum (`reduction='sum'`).
    Sum,
}

impl Reduction {
    /// The terms `t` reduced to one value.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::loss::Reduction;
    /// let t = Tensor::<(U4,), f64>::from_vec(vec![1., 2., 3., 6.]).unwrap();
    /// assert_eq!(Reduction::Mean.reduce(&t).item(), 3.0);
    /// assert_eq!(Reduction::Sum.reduce(&t).item(), 12.0);
    /// ```
    pub fn reduce<S: Shape, E: Float>(self, t: &Tensor<S, E>) -> Tensor<(), E> {
        match self {
            Reduction::Mean => t.mean(),
            Reduction::Sum => t.sum(),
        }
    }
}

/// Panics unless two tensors of one shape type have the same sizes (they can differ only
/// through `Dyn` dimensions), rather than broadcasting one against the other.
fn same_sizes<S: Shape, E: Float>(loss: &str, a: &Tensor<S, E>, b: &Tensor<S, E>) {
    assert_eq!(
        a.dims(),
        b.dims(),
        "{loss}: the input and the target have different sizes"
    );
}

/// The mean squared error, `mean((pred - target)²)` (PyTorch's `F.mse_loss`).
///
/// # Shapes
/// `pred` and `target` of one shape `S` give `()`.
///
/// # Gradient
/// `dpred = 2 (pred - target) / n` for `n` elements; `dtarget = -dpred`.
///
/// # Panics
/// When a `Dyn` dimension has different sizes in `pred` and `target`.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::loss::mse;
/// let pred = Tensor::<(U2, U2), f64>::from_vec(vec![1., 2., 3., 4.]).unwrap();
/// let target = Tensor::<(U2, U2), f64>::from_vec(vec![1., 0., 3., 0.]).unwrap();
/// assert_eq!(mse(&pred, &target).item(), 5.0); // (0 + 4 + 0 + 16) / 4
/// ```
pub fn mse<S: Shape, E: Float>(pred: &Tensor<S, E>, target: &Tensor<S, E>) -> Tensor<(), E> {
    mse_with(pred, target, Reduction::Mean)
}

/// [`mse`] with a given [`Reduction`].
///
/// # Panics
/// As [`mse`].
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::loss::{mse_with, Reduction};
/// let pred = Tensor::<(U2,), f64>::from_vec(vec![1., 2.]).unwrap();
/// assert_eq!(mse_with(&pred, &Tensor::zeros(), Reduction::Sum).item(), 5.0);
/// ```
pub fn mse_with<S: Shape, E: Float>(
    pred: &Tensor<S, E>,
    target: &Tensor<S, E>,
    reduction: Reduction,
) -> Tensor<(), E> {
    same_sizes("mse", pred, target);
    reduction.reduce(&(flat(pred) - flat(target)).square())
}

/// Softmax cross-entropy from logits and class labels (PyTorch's `F.cross_entropy`):
/// the mean over the batch of `-log softmax(logits[i])[labels[i]]`.
///
/// Computed through `log_softmax`, which subtracts each row's maximum first, so logits
/// of 1000 give finite losses and gradients. The labels were checked when the
/// [`Labels`] were made, so this cannot fail.
///
/// # Shapes
/// Logits `(B, C)` and labels `Labels<B, C>` give `()`.
///
/// # Gradient
/// `dlogits[i] = (softmax(logits[i]) - onehot(labels[i])) / B`.
///
/// # Panics
/// When a `Dyn` batch has different sizes in the logits and the labels, or a `Dyn` class
/// count differs between them so that a label is not a column of the logits.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::loss::cross_entropy;
/// let logits = Tensor::<(U2, U3), f64>::from_vec(vec![0., 0., 0., 1000., 0., -1000.]).unwrap();
/// let labels = Labels::<U2, U3>::from_vec(vec![1, 0]).unwrap();
/// let loss = cross_entropy(&logits, &labels).item();
/// assert!((loss - 3f64.ln() / 2.0).abs() < 1e-12); // ln 3 for row 0, 0 for row 1
/// ```
pub fn cross_entropy<B: Dim, C: Dim, E: Float>(
    logits: &Tensor<(B, C), E>,
    labels: &Labels<B, C>,
) -> Tensor<(), E> {
    cross_entropy_with(logits, labels, Reduction::Mean)
}

/// [`cross_entropy`] with a given [`Reduction`] (over the batch).
///
/// # Panics
/// As [`cross_entropy`].
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::loss::{cross_entropy_with, Reduction};
/// let logits = Tensor::<(U2, U2), f64>::zeros();
/// let labels = Labels::<U2, U2>::from_vec(vec![0, 1]).unwrap();
/// let sum = cross_entropy_with(&logits, &labels, Reduction::Sum).item();
/// assert!((sum - 2.0 * 2f64.ln()).abs() < 1e-12);
/// ```
pub fn cross_entropy_with<B: Dim, C: Dim, E: Float>(
    logits: &Tensor<(B, C), E>,
    labels: &Labels<B, C>,
    reduction: Reduction,
) -> Tensor<(), E> {
    let picked = logits
        .log_softmax::<1>()
        .gather_classes(labels.as_tensor())
        .unwrap_or_else(|e| {
            panic!(
                "cross_entropy: {e}: the logits have {} columns but the labels were checked against {} classes",
                logits.dims()[1],
                labels.classes().size()
            )
        });
    -reduction.reduce(&picked)
}

/// Binary cross-entropy on logits (PyTorch's `F.binary_cross_entropy_with_logits`): the
/// mean of `-[y ln σ(x) + (1 - y) ln(1 - σ(x))]` over all elements, for targets `y` in
/// `[0, 1]`.
///
/// Computed as `softplus(x) - x y`, the same value without forming `σ(x)`: no overflow and
/// no `ln 0` for logits of any size.
///
/// # Shapes
/// `logits` and `targets` of one shape `S` give `()`.
///
/// # Gradient
/// `dlogits = (σ(x) - y) / n` for `n` elements; `dtargets = -x / n`.
///
/// # Panics
/// When a `Dyn` dimension has different sizes in `logits` and `targets`.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::loss::bce_with_logits;
/// let x = Tensor::<(U2,), f64>::from_vec(vec![0., 1000.]).unwrap();
/// let y = Tensor::<(U2,), f64>::from_vec(vec![1., 1.]).unwrap();
/// let loss = bce_with_logits(&x, &y).item();
/// assert!((loss - 2f64.ln() / 2.0).abs() < 1e-12); // ln 2 and 0: no overflow at 1000
/// ```
pub fn bce_with_logits<S: Shape, E: Float>(
    logits: &Tensor<S, E>,
    targets: &Tensor<S, E>,
) -> Tensor<(), E> {
    bce_with_logits_with(logits, targets, Reduction::Mean)
}

/// [`bce_with_logits`] with a given [`Reduction`].
///
/// # Panics
/// As [`bce_with_logits`].
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::loss::{bce_with_logits_with, Reduction};
/// let x = Tensor::<(U2,), f64>::zeros();
/// let y = Tensor::<(U2,), f64>::from_vec(vec![0., 1.]).unwrap();
/// let sum = bce_with_logits_with(&x, &y, Reduction::Sum).item();
/// assert!((sum - 2.0 * 2f64.ln()).abs() < 1e-12);
/// ```
pub fn bce_with_logits_with<S: Shape, E: Float>(
    logits: &Tensor<S, E>,
    targets: &Tensor<S, E>,
    reduction: Reduction,
) -> Tensor<(), E> {
    same_sizes("bce_with_logits", logits, targets);
    let x = flat(logits);
    reduction.reduce(&(x.softplus() - &x * flat(targets)))
}
