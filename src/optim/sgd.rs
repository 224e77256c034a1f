//! [`Sgd`]: stochastic gradient descent with momentum, dampening, weight decay and
//! Nesterov momentum, as PyTorch's `torch.optim.SGD` computes it.

use super::{for_each_param, Buffers, Optimizer};
use crate::{Differentiable, Float};

/// Stochastic gradient descent (PyTorch's `torch.optim.SGD`, same defaults: no momentum,
/// no dampening, no weight decay, no Nesterov).
///
/// Each step, for every parameter `p` with gradient `g`, with `μ` the momentum, `τ` the
/// dampening, `λ` the weight decay and `b` the momentum buffer:
///
/// ```text
/// g = g + λ p                       (when λ ≠ 0)
/// b = g             on the first step,
/// b = μ b + (1 - τ) g   afterwards  (when μ ≠ 0)
/// g = g + μ b  with Nesterov, else g = b   (when μ ≠ 0)
/// p = p - lr g
/// ```
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::optim::Sgd;
///
/// let mut p = Tensor::<(), f64>::full(1.0);
/// let mut opt = Sgd::new(0.1).momentum(0.9);
/// opt.step(&mut p, &Tensor::full(1.0));   // b = 1,   p = 1 - 0.1
/// opt.step(&mut p, &Tensor::full(1.0));   // b = 1.9, p = 0.9 - 0.19
/// assert!((p.item() - 0.71).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<E: Float = f32> {
    lr: f64,
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    buffers: Buffers<E>,
}

impl<E: Float> Sgd<E> {
    /// Plain gradient descent with learning rate `lr`: `p = p - lr g`.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::optim::Sgd;
    /// let mut p = Tensor::<(U2,), f64>::ones();
    /// Sgd::new(0.5).step(&mut p, &Tensor::full(2.0));
    /// assert_eq!(p.to_vec(), vec![0., 0.]);
    /// ```
    pub fn new(lr: f64) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            buffers: Buffers::default(),
        }
    }

    /// With momentum factor `momentum` (PyTorch's `momentum=`; 0 by default).
    ///
    /// ```
    /// let opt = autodiff::optim::Sgd::<f32>::new(0.1).momentum(0.9);
    /// ```
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// With dampening `dampening` of the momentum (PyTorch's `dampening=`; 0 by default).
    ///
    /// ```
    /// let opt = autodiff::optim::Sgd::<f32>::new(0.1).momentum(0.9).dampening(0.1);
    /// ```
    pub fn dampening(mut self, dampening: f64) -> Self {
        self.dampening = dampening;
        self
    }

    /// With L2 weight decay `weight_decay`, added to the gradient as `λ p` (PyTorch's
    /// `weight_decay=`; 0 by default).
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::optim::Sgd;
    /// let mut p = Tensor::<(), f64>::full(2.0);
    /// Sgd::new(0.1).weight_decay(0.5).step(&mut p, &Tensor::zeros());
    /// assert!((p.item() - 1.9).abs() < 1e-12); // 2 - 0.1 * (0 + 0.5 * 2)
    /// ```
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// With Nesterov momentum (PyTorch's `nesterov=`); needs a momentum and no
    /// dampening.
    ///
    /// ```
    /// let opt = autodiff::optim::Sgd::<f32>::new(0.1).momentum(0.9).nesterov(true);
    /// ```
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// The learning rate (also [`Optimizer::lr`], without naming the model type).
    ///
    /// ```
    /// assert_eq!(autodiff::optim::Sgd::<f32>::new(0.1).lr(), 0.1);
    /// ```
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate (also [`Optimizer::set_lr`]).
    ///
    /// ```
    /// let mut opt = autodiff::optim::Sgd::<f32>::new(0.1);
    /// opt.set_lr(0.01);
    /// assert_eq!(opt.lr(), 0.01);
    /// ```
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
}

impl<M: Differentiable<Elem = E>, E: Float> Optimizer<M> for Sgd<E> {
    /// # Panics
    /// As [`Optimizer::step`]; and when Nesterov momentum is asked for without a momentum
    /// or with dampening (PyTorch refuses these too).
    fn step(&mut self, model: &mut M, grads: &M::Grads) {
        assert!(
            !self.nesterov || (self.momentum > 0.0 && self.dampening == 0.0),
            "Sgd: Nesterov momentum needs a momentum above 0 and no dampening"
        );
        let lr = E::from_f64(self.lr);
        let momentum = E::from_f64(self.momentum);
        let keep = E::from_f64(1.0 - self.dampening);
        let weight_decay = E::from_f64(self.weight_decay);
        let (use_momentum, decay, nesterov) = (
            self.momentum != 0.0,
            self.weight_decay != 0.0,
            self.nesterov,
        );
        let buffers = &mut self.buffers;
        let count = for_each_param(model, grads, |i, params, grads| {
            let mut buffer = use_momentum.then(|| buffers.get(i, params.len()));
            for (j, (p, &g)) in params.iter_mut().zip(grads).enumerate() {
                let mut d = if decay { g + weight_decay * *p } else { g };
                if let Some((b, fresh)) = &mut buffer {
                    let b = &mut b[j];
                    *b = if *fresh { d } else { momentum * *b + keep * d };
                    d = if nesterov { d + momentum * *b } else { *b };
                }
                *p = *p - lr * d;
            }
        });
        if use_momentum {
            self.buffers.finish(count);
        }
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
}
