//! Optimizers ([`Sgd`], [`Adam`], [`AdamW`]) and learning-rate schedules ([`StepLr`],
//! [`CosineAnnealingLr`]).
//!
//! An optimizer updates any [`Differentiable`] model in place from gradients of the
//! model's gradient type: it walks the model with
//! [`visit_mut`](Differentiable::visit_mut) and the gradients with `visit`, which see
//! the same tensors in the same order. Its state (momentum, moment estimates) is made on
//! the first step, one buffer per tensor, so an optimizer needs nothing but its
//! hyperparameters to be built.
//!
//! ```
//! use autodiff::prelude::*;
//! use autodiff::nn::{loss, Linear};
//! use autodiff::optim::Adam;
//!
//! let mut model = Linear::<U2, U1>::new(&mut Rng::seed(0));
//! let x = Tensor::<(U4, U2)>::from_vec(vec![0., 0., 0., 1., 1., 0., 1., 1.]).unwrap();
//! let y = Tensor::<(U4, U1)>::from_vec(vec![1., 3., 2., 4.]).unwrap(); // 1 + x₀ + 2x₁
//!
//! let mut opt = Adam::new(0.1);
//! for _ in 0..300 {
//!     let (_, graph) = vjp(&model, |m| loss::mse(&m.forward(&x), &y));
//!     let grads = graph.backward();
//!     opt.step(&mut model, &grads);
//! }
//! assert!(loss::mse(&model.forward(&x), &y).item() < 1e-3);
//! ```
//!
//! # `zero_grad`
//!
//! A backward pass returns fresh gradients, so a plain loop has nothing to zero. To
//! accumulate over several batches, as PyTorch does in `.grad`, pass a buffer to
//! [`backward_into`](crate::Graph::backward_into); the two forms of PyTorch's
//! `optimizer.zero_grad(set_to_none=...)` are then:
//!
//! | PyTorch | here |
//! |---|---|
//! | `zero_grad(set_to_none=False)`: zeros, kept allocated | a `M::Grads` buffer and [`zero_grads`](crate::zero_grads)`(&mut g)` (or `g.zero()`) |
//! | `zero_grad(set_to_none=True)` (the default): `.grad` is `None` | an `Option<M::Grads>` buffer set to `None`; the next pass fills it |
//!
//! ```
//! use autodiff::prelude::*;
//! use autodiff::nn::{Linear, LinearGrads};
//! use autodiff::optim::Sgd;
//!
//! let mut model = Linear::<U1, U1, f64>::new(&mut Rng::seed(0));
//! let mut opt = Sgd::new(0.1);
//! let batches = [[1.0, 2.0], [3.0, 4.0]];
//! let mut grads: Option<LinearGrads<U1, U1, f64>> = None;   // set_to_none=True
//! for batch in batches {
//!     for x in batch {
//!         let x = Tensor::<(U1, U1), f64>::full(x);
//!         let (_, graph) = vjp(&model, |m| m.forward(&x).sum());
//!         graph.backward_into(&mut grads);                  // accumulates
//!     }
//!     opt.step(&mut model, grads.as_ref().unwrap());
//!     grads = None;                                         // optimizer.zero_grad()
//! }
//! ```
//!
//! # Learning-rate schedules
//!
//! A schedule gives the learning rate of an epoch from the initial one, with PyTorch's
//! closed forms; set it on the optimizer at the start of each epoch:
//!
//! ```
//! use autodiff::prelude::*;
//! use autodiff::optim::{LrSchedule, Sgd, StepLr};
//!
//! let mut model = Tensor::<(U2,), f64>::ones();
//! let mut opt = Sgd::new(0.1);
//! let schedule = StepLr { step_size: 10, gamma: 0.5 };
//! for epoch in 0..30 {
//!     opt.set_lr(schedule.lr_at(0.1, epoch));   // 0.1, then 0.05 from epoch 10, ...
//!     // ... the epoch's steps:
//!     let grads = Tensor::<(U2,), f64>::ones();
//!     opt.step(&mut model, &grads);
//! }
//! assert_eq!(opt.lr(), 0.025);
//! ```

mod adam;
mod schedule;
mod sgd;

pub use adam::{Adam, AdamW};
pub use schedule::{CosineAnnealingLr, LrSchedule, StepLr};
pub use sgd::Sgd;

use crate::graph::{Visit, VisitMut};
use crate::{Differentiable, Float, Shape, Tensor};
use std::any::Any;

/// Updates a model's parameters from its gradients (PyTorch's `torch.optim.Optimizer`).
///
/// Implemented by [`Sgd`], [`Adam`] and [`AdamW`] for every [`Differentiable`] model
/// whose element type is theirs; it is object safe, so `Box<dyn Optimizer<Model>>` works.
///
/// ```
/// use autodiff::prelude::*;
/// use autodiff::optim::{Adam, Sgd};
///
/// type Model = (Tensor<(U2,), f64>, Tensor<(), f64>);
/// let mut opts: Vec<Box<dyn Optimizer<Model>>> = vec![Box::new(Sgd::new(0.1)), Box::new(Adam::new(0.1))];
/// for opt in &mut opts {
///     let mut model: Model = (Tensor::ones(), Tensor::full(2.0));
///     let grads: Model = (Tensor::ones(), Tensor::full(1.0));
///     opt.step(&mut model, &grads);
///     assert!(model.1.item() < 2.0);
///     opt.set_lr(0.01);
///     assert_eq!(opt.lr(), 0.01);
/// }
/// ```
pub trait Optimizer<M: Differentiable> {
    /// Updates every parameter of `model` in place from `grads` (PyTorch's
    /// `optimizer.step()`). The first call makes the optimizer's state for this model.
    ///
    /// # Panics
    /// When the model has another number of tensors (or, through `Dyn` dimensions, other
    /// sizes) than at the first step, or than `grads`.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::optim::Sgd;
    /// let mut model = (Tensor::<(U2,), f64>::ones(), Tensor::<(), f64>::zeros());
    /// let grads = (Tensor::<(U2,), f64>::full(2.0), Tensor::<(), f64>::full(-1.0));
    /// Sgd::new(0.5).step(&mut model, &grads);
    /// assert_eq!((model.0.to_vec(), model.1.item()), (vec![0., 0.], 0.5));
    /// ```
    fn step(&mut self, model: &mut M, grads: &M::Grads);

    /// The learning rate the next step uses.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::optim::Adam;
    /// let opt: Box<dyn Optimizer<Tensor<(U2,)>>> = Box::new(Adam::new(1e-3));
    /// assert_eq!(opt.lr(), 1e-3);
    /// ```
    fn lr(&self) -> f64;

    /// Sets the learning rate (what a schedule does each epoch).
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// use autodiff::optim::Sgd;
    /// let mut opt: Box<dyn Optimizer<Tensor<(U2,)>>> = Box::new(Sgd::new(0.1));
    /// opt.set_lr(0.05);
    /// assert_eq!(opt.lr(), 0.05);
    /// ```
    fn set_lr(&mut self, lr: f64);
}

/// Calls `f(i, param, grad)` for the `i`th tensor of `model` (written in place) and the
/// matching tensor of `grads`, in visiting order. The gradients are not copied: each is
/// held as a shared tensor while the model is walked.
///
/// # Panics
/// When `model` and `grads` have different tensors or sizes.
fn for_each_param<M, F>(model: &mut M, grads: &M::Grads, f: F) -> usize
where
    M: Differentiable,
    F: FnMut(usize, &mut [M::Elem], &[M::Elem]),
{
    struct Collect(Vec<Box<dyn Any>>);
    impl<E: Float> Visit<E> for Collect {
        fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) {
            self.0.push(Box::new(t.clone()));
        }
    }
    struct Apply<F> {
        grads: std::vec::IntoIter<Box<dyn Any>>,
        index: usize,
        f: F,
    }
    impl<E: Float, F: FnMut(usize, &mut [E], &[E])> VisitMut<E> for Apply<F> {
        fn tensor<S: Shape>(&mut self, param: &mut Tensor<S, E>) {
            let grad = self
                .grads
                .next()
                .and_then(|g| g.downcast::<Tensor<S, E>>().ok())
                .expect("optimizer: the gradients do not match the model's tensors");
            assert_eq!(
                param.dims(),
                grad.dims(),
                "optimizer: parameter {} and its gradient have different sizes",
                self.index
            );
            (self.f)(self.index, param.as_mut_slice(), grad.as_slice());
            self.index += 1;
        }
    }
    let mut collected = Collect(Vec::new());
    crate::Gradients::visit(grads, &mut collected);
    let count = collected.0.len();
    let mut apply = Apply {
        grads: collected.0.into_iter(),
        index: 0,
        f,
    };
    model.visit_mut(&mut apply);
    assert_eq!(
        apply.index, count,
        "optimizer: the gradients do not match the model's tensors"
    );
    count
}

/// One buffer per parameter, all zeros, made during the first step and checked on the
/// later ones.
#[derive(Clone, Debug)]
struct Buffers<E> {
    buffers: Vec<Vec<E>>,
    /// Whether the first step has finished.
    ready: bool,
}

impl<E: Float> Buffers<E> {
    /// The buffer of parameter `i`, which has `len` elements, and whether it was just
    /// made (during the first step).
    ///
    /// # Panics
    /// When the model has changed since the first step: more tensors, or other sizes.
    fn get(&mut self, i: usize, len: usize) -> (&mut [E], bool) {
        let fresh = !self.ready;
        if fresh {
            self.buffers.push(vec![E::ZERO; len]);
        }
        let count = self.buffers.len();
        let buffer = self.buffers.get_mut(i).unwrap_or_else(|| {
            panic!("optimizer: the model has more tensors than the {count} of its first step")
        });
        assert_eq!(
            buffer.len(),
            len,
            "optimizer: parameter {i} has {len} elements but had {} at the first step",
            buffer.len()
        );
        (buffer, fresh)
    }

    /// Ends a step that visited `count` parameters.
    ///
    /// # Panics
    /// When the model has fewer tensors than at the first step.
    fn finish(&mut self, count: usize) {
        self.ready = true;
        assert_eq!(
            count,
            self.buffers.len(),
            "optimizer: the model has {count} tensors but had {} at its first step",
            self.buffers.len()
        );
    }
}

impl<E> Default for Buffers<E> {
    fn default() -> Self {
        Buffers {
            buffers: Vec::new(),
            ready: false,
        }
    }
}
