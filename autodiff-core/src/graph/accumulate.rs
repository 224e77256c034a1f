//! Gradient buffers: where [`Graph::backward_into`](super::Graph::backward_into) adds.

use super::tree::{Gradients, Visit, VisitMut};
use crate::tensor::raw::RawTensor;
use crate::{Float, Shape, Tensor};

/// A place gradients accumulate into: a gradient value `G` (added to in place, like
/// PyTorch's `.grad +=`) or an `Option<G>` (`None` = no gradient yet, PyTorch's
/// `grad = None`; the first pass fills it).
pub trait GradBuffer<G: Gradients<E>, E: Float> {
    /// Adds `grads` into the buffer.
    fn accumulate(&mut self, grads: G);
}

impl<G: Gradients<E>, E: Float> GradBuffer<G, E> for G {
    fn accumulate(&mut self, grads: G) {
        add_into(self, &grads);
    }
}

impl<G: Gradients<E>, E: Float> GradBuffer<G, E> for Option<G> {
    fn accumulate(&mut self, grads: G) {
        match self {
            Some(buffer) => add_into(buffer, &grads),
            None => *self = Some(grads),
        }
    }
}

/// Collects the raw tensors of a gradient value, in visiting order.
struct Collect<E: Float>(Vec<RawTensor<E>>);

impl<E: Float> Visit<E> for Collect<E> {
    fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) {
        self.0.push(t.raw.clone());
    }
}

/// `buffer += grads`, tensor by tensor, in place (the buffer's storage is reused unless
/// another tensor shares it).
fn add_into<G: Gradients<E>, E: Float>(buffer: &mut G, grads: &G) {
    struct AddEach<E: Float>(std::vec::IntoIter<RawTensor<E>>);
    impl<E: Float> VisitMut<E> for AddEach<E> {
        fn tensor<S: Shape>(&mut self, t: &mut Tensor<S, E>) {
            let g = self
                .0
                .next()
                .expect("gradient values of one type have the same tensors");
            for (a, &b) in t.as_mut_slice().iter_mut().zip(g.as_slice()) {
                *a = *a + b;
            }
        }
    }
    let mut c = Collect(Vec::new());
    grads.visit(&mut c);
    buffer.visit_mut(&mut AddEach(c.0.into_iter()));
}

/// Sets every tensor of a gradient value to zero in place (PyTorch's `zero_grad()` with
/// `set_to_none=False`; for `set_to_none=True`, set an `Option` buffer to `None`).
///
/// ```
/// use autodiff_core::prelude::*;
/// let mut g = (Tensor::<(U2,), f64>::ones(), Tensor::<(), f64>::full(3.0));
/// zero_grads(&mut g);
/// assert_eq!(g.0.to_vec(), vec![0., 0.]);
/// assert_eq!(g.1.item(), 0.0);
/// ```
pub fn zero_grads<G: Gradients<E>, E: Float>(grads: &mut G) {
    struct Zero;
    impl<E: Float> VisitMut<E> for Zero {
        fn tensor<S: Shape>(&mut self, t: &mut Tensor<S, E>) {
            t.as_mut_slice().fill(E::ZERO);
        }
    }
    grads.visit_mut(&mut Zero);
}
