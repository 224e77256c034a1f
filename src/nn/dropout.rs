//! [`Dropout`]: zeroes random elements while training, nothing in evaluation.

use super::flex::mul_same;
use crate::{Float, Rng, Shape, Tensor};
use std::sync::{Arc, Mutex, PoisonError};

/// Inverted dropout (PyTorch's `nn.Dropout(p)`): in training mode each element is zeroed
/// with probability `p` and the others are scaled by `1 / (1 - p)`, so the expected value
/// is unchanged; in evaluation mode it returns its input.
///
/// It has no parameters: put it in a model as a `#[no_grad]` field. Its generator is
/// seeded and shared by its clones, so the copies `vjp` makes of a model draw from the
/// same stream and every step gets a fresh mask. It starts in training mode; switch with
/// [`eval`](Self::eval) and [`train`](Self::train) (PyTorch's `model.eval()` is a call
/// per dropout layer here).
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::nn::Dropout;
///
/// let mut dropout = Dropout::new(0.5, 42);
/// let x = Tensor::<(U1000,), f64>::ones();
/// let y = dropout.forward(&x).to_vec();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));          // dropped, or scaled by 1/(1-p)
/// assert!((y.iter().sum::<f64>() / 1000.0 - 1.0).abs() < 0.1); // the mean is kept
///
/// dropout.eval();
/// assert_eq!(dropout.forward(&x).to_vec(), x.to_vec());
/// ```
#[derive(Clone, Debug)]
pub struct Dropout {
    p: f64,
    training: bool,
    rng: Arc<Mutex<Rng>>,
}

impl Dropout {
    /// Dropout with probability `p` and a generator seeded with `seed`, in training mode.
    ///
    /// # Panics
    /// Unless `0 <= p <= 1`.
    ///
    /// ```
    /// use autodiff::nn::Dropout;
    /// let d = Dropout::new(0.1, 0);
    /// assert_eq!(d.p(), 0.1);
    /// assert!(d.is_training());
    /// ```
    pub fn new(p: f64, seed: u64) -> Self {
        assert!(
            (0.0..=1.0).contains(&p),
            "Dropout: the probability {p} is not in [0, 1]"
        );
        Dropout {
            p,
            training: true,
            rng: Arc::new(Mutex::new(Rng::seed(seed))),
        }
    }

    /// The probability of zeroing an element.
    ///
    /// ```
    /// assert_eq!(autodiff::nn::Dropout::new(0.25, 0).p(), 0.25);
    /// ```
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Switches to training mode: elements are dropped.
    ///
    /// ```
    /// let mut d = autodiff::nn::Dropout::new(0.5, 0);
    /// d.eval();
    /// d.train();
    /// assert!(d.is_training());
    /// ```
    pub fn train(&mut self) {
        self.training = true;
    }

    /// Switches to evaluation mode: `forward` returns its input.
    ///
    /// ```
    /// let mut d = autodiff::nn::Dropout::new(0.5, 0);
    /// d.eval();
    /// assert!(!d.is_training());
    /// ```
    pub fn eval(&mut self) {
        self.training = false;
    }

    /// True in training mode.
    ///
    /// ```
    /// assert!(autodiff::nn::Dropout::new(0.5, 0).is_training());
    /// ```
    pub fn is_training(&self) -> bool {
        self.training
    }

    /// `x` with each element zeroed with probability `p` and the rest scaled by
    /// `1 / (1 - p)` (all zeros when `p` is 1); in evaluation mode, or with `p` 0, `x`
    /// itself.
    ///
    /// # Shapes
    /// `S -> S`.
    ///
    /// # Gradient
    /// `dx = g * mask`, with the mask (0 or `1 / (1 - p)`) of this call.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::nn::Dropout;
    /// let d = Dropout::new(1.0, 7);
    /// assert_eq!(d.forward(&Tensor::<(U3,)>::ones()).to_vec(), vec![0., 0., 0.]);
    /// ```
    pub fn forward<S: Shape, E: Float>(&self, x: &Tensor<S, E>) -> Tensor<S, E> {
        if !self.training || self.p == 0.0 {
            return x.clone();
        }
        let scale = if self.p < 1.0 {
            E::from_f64(1.0 / (1.0 - self.p))
        } else {
            E::ZERO
        };
        let mask: Vec<E> = {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            (0..x.numel())
                .map(|_| {
                    if rng.uniform() < self.p {
                        E::ZERO
                    } else {
                        scale
                    }
                })
                .collect()
        };
        let mask = Tensor::from_shape_vec(x.shape(), mask).expect("one mask element per element");
        mul_same(x, &mask)
    }
}
