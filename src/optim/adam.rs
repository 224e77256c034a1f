//! [`Adam`] and [`AdamW`], as PyTorch's `torch.optim.Adam` and `torch.optim.AdamW`
//! compute them (without `amsgrad`).

use super::{for_each_param, Buffers, Optimizer};
use crate::{Differentiable, Float};

/// What Adam and AdamW share: the hyperparameters, the step count and the two moment
/// estimates. `decoupled` picks AdamW's weight decay.
#[derive(Clone, Debug)]
struct Core<E> {
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    steps: u64,
    first: Buffers<E>,
    second: Buffers<E>,
}

impl<E: Float> Core<E> {
    fn new(lr: f64, weight_decay: f64, decoupled: bool) -> Self {
        Core {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay,
            decoupled,
            steps: 0,
            first: Buffers::default(),
            second: Buffers::default(),
        }
    }

    fn step<M: Differentiable<Elem = E>>(&mut self, model: &mut M, grads: &M::Grads) {
        self.steps += 1;
        let (beta1, beta2) = self.betas;
        let t = i32::try_from(self.steps).unwrap_or(i32::MAX);
        // Bias corrections in f64, as PyTorch computes them (Python floats).
        let step_size = E::from_f64(self.lr / (1.0 - beta1.powi(t)));
        let correction2_sqrt = E::from_f64((1.0 - beta2.powi(t)).sqrt());
        let (b1, b2) = (E::from_f64(beta1), E::from_f64(beta2));
        let (one_minus_b1, one_minus_b2) = (E::from_f64(1.0 - beta1), E::from_f64(1.0 - beta2));
        let eps = E::from_f64(self.eps);
        let wd = E::from_f64(self.weight_decay);
        let decay = self.weight_decay != 0.0;
        // AdamW shrinks the parameter; Adam adds `λ p` to the gradient.
        let (decoupled, coupled) = (decay && self.decoupled, decay && !self.decoupled);
        let shrink = E::from_f64(1.0 - self.lr * self.weight_decay);
        let (first, second) = (&mut self.first, &mut self.second);
        let count = for_each_param(model, grads, |i, params, grads| {
            let (m, _) = first.get(i, params.len());
            let (v, _) = second.get(i, params.len());
            for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m).zip(v) {
                if decoupled {
                    *p = *p * shrink;
                }
                let g = if coupled { g + wd * *p } else { g };
                *m = b1 * *m + one_minus_b1 * g;
                *v = b2 * *v + one_minus_b2 * g * g;
                *p = *p - step_size * *m / (v.sqrt() / correction2_sqrt + eps);
            }
        });
        self.first.finish(count);
        self.second.finish(count);
    }
}

macro_rules! adam_builders {
    ($name:ident) => {
        impl<E: Float> $name<E> {
            /// With the decay rates of the moment estimates (PyTorch's `betas=`;
            /// `(0.9, 0.999)` by default).
            ///
            /// ```
            #[doc = concat!("let opt = autodiff::optim::", stringify!($name), "::<f32>::new(1e-3).betas(0.8, 0.99);")]
            /// ```
            pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
                self.0.betas = (beta1, beta2);
                self
            }

            /// With `eps`, added to the denominator for stability (PyTorch's `eps=`;
            /// `1e-8` by default).
            ///
            /// ```
            #[doc = concat!("let opt = autodiff::optim::", stringify!($name), "::<f32>::new(1e-3).eps(1e-6);")]
            /// ```
            pub fn eps(mut self, eps: f64) -> Self {
                self.0.eps = eps;
                self
            }

            /// With weight decay `weight_decay` (PyTorch's `weight_decay=`; see the type's
            /// docs for how it is applied and its default).
            ///
            /// ```
            #[doc = concat!("let opt = autodiff::optim::", stringify!($name), "::<f32>::new(1e-3).weight_decay(0.1);")]
            /// ```
            pub fn weight_decay(mut self, weight_decay: f64) -> Self {
                self.0.weight_decay = weight_decay;
                self
            }

            /// The learning rate (also [`Optimizer::lr`], without naming the model type).
            ///
            /// ```
            #[doc = concat!("assert_eq!(autodiff::optim::", stringify!($name), "::<f32>::new(1e-3).lr(), 1e-3);")]
            /// ```
            pub fn lr(&self) -> f64 {
                self.0.lr
            }

            /// Sets the learning rate (also [`Optimizer::set_lr`]).
            ///
            /// ```
            #[doc = concat!("let mut opt = autodiff::optim::", stringify!($name), "::<f32>::new(1e-3);")]
            /// opt.set_lr(1e-4);
            /// assert_eq!(opt.lr(), 1e-4);
            /// ```
            pub fn set_lr(&mut self, lr: f64) {
                self.0.lr = lr;
            }

            /// How many steps have been taken (`t` in the bias corrections).
            ///
            /// ```
            /// use autodiff::prelude::*;
            #[doc = concat!("let mut opt = autodiff::optim::", stringify!($name), "::new(1e-3);")]
            /// let mut p = Tensor::<(U2,)>::ones();
            /// opt.step(&mut p, &Tensor::ones());
            /// assert_eq!(opt.steps(), 1);
            /// ```
            pub fn steps(&self) -> u64 {
                self.0.steps
            }
        }

        impl<M: Differentiable<Elem = E>, E: Float> Optimizer<M> for $name<E> {
            fn step(&mut self, model: &mut M, grads: &M::Grads) {
                self.0.step(model, grads);
            }

            fn lr(&self) -> f64 {
                self.0.lr
            }

            fn set_lr(&mut self, lr: f64) {
                self.0.lr = lr;
            }
        }
    };
}

/// Adam (PyTorch's `torch.optim.Adam`, same defaults: `betas = (0.9, 0.999)`,
/// `eps = 1e-8`, no weight decay).
///
/// Each step `t = 1, 2, ...`, for every parameter `p` with gradient `g`, with the weight
/// decay `λ` added to the gradient (L2 regularization):
///
/// ```text
/// g = g + λ p                       (when λ ≠ 0)
/// m = β₁ m + (1 - β₁) g
/// v = β₂ v + (1 - β₂) g²
/// p = p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + eps)
/// ```
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::optim::Adam;
///
/// let mut p = Tensor::<(), f64>::full(1.0);
/// let mut opt = Adam::new(0.1);
/// opt.step(&mut p, &Tensor::full(3.0));
/// // The first step moves by lr · g / (|g| + eps'): almost exactly lr.
/// assert!((p.item() - 0.9).abs() < 1e-8);
/// ```
#[derive(Clone, Debug)]
pub struct Adam<E: Float = f32>(Core<E>);

impl<E: Float> Adam<E> {
    /// Adam with learning rate `lr` (PyTorch's default is `1e-3`) and the other
    /// hyperparameters at PyTorch's defaults.
    ///
    /// ```
    /// let opt = autodiff::optim::Adam::<f32>::new(1e-3);
    /// ```
    pub fn new(lr: f64) -> Self {
        Adam(Core::new(lr, 0.0, false))
    }
}

adam_builders!(Adam);

/// AdamW (PyTorch's `torch.optim.AdamW`, same defaults: `betas = (0.9, 0.999)`,
/// `eps = 1e-8`, `weight_decay = 0.01`): Adam with the weight decay decoupled from the
/// gradient, applied to the parameter directly.
///
/// Each step `t = 1, 2, ...`, for every parameter `p` with gradient `g`:
///
/// ```text
/// p = p (1 - lr λ)
/// m = β₁ m + (1 - β₁) g
/// v = β₂ v + (1 - β₂) g²
/// p = p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + eps)
/// ```
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::optim::AdamW;
///
/// let mut p = Tensor::<(), f64>::full(10.0);
/// let mut opt = AdamW::new(0.1);                  // weight decay 0.01
/// opt.step(&mut p, &Tensor::zeros());             // no gradient: only the decay
/// assert!((p.item() - 9.99).abs() < 1e-12);      // 10 (1 - 0.1 · 0.01)
/// ```
#[derive(Clone, Debug)]
pub struct AdamW<E: Float = f32>(Core<E>);

impl<E: Float> AdamW<E> {
    /// AdamW with learning rate `lr` (PyTorch's default is `1e-3`) and the other
    /// hyperparameters at PyTorch's defaults (weight decay 0.01).
    ///
    /// ```
    /// let opt = autodiff::optim::AdamW::<f32>::new(1e-3);
    /// ```
    pub fn new(lr: f64) -> Self {
        AdamW(Core::new(lr, 0.01, true))
    }
}

adam_builders!(AdamW);
