//! Gradient buffers: where [`Graph::backward_into`](super::Graph::backward_into) adds.

use super::ext::GradientsExt;
use super::tree::{Gradients, VisitMut};
use super::{AddWalked, Walked};
use crate::{Float, Shape, Tensor};

/// A place gradients accumulate into: a gradient value `G` (added to in place, like
/// PyTorch's `.grad +=`) or an `Option<G>` (`None` = no gradient yet, PyTorch's
/// `grad = None`; the first pass fills it).
pub trait GradBuffer<G: Gradients<E>, E: Float> {
    /// Adds `grads` into the buffer.
    fn accumulate(&mut self, grads: G);

    /// Adds a backward pass's gradients straight from the pass: what `backward_into`
    /// calls. The default builds a `G` first.
    #[doc(hidden)]
    fn accumulate_walked(&mut self, walked: &mut Walked<'_, E>) {
        self.accumulate(G::build(walked));
    }

    /// Where a compiled backward pass may write: a gradient value to add into in place,
    /// an empty `Option` to fill, or neither (then it builds a `G` for `accumulate`).
    #[doc(hidden)]
    fn place(&mut self) -> Place<'_, G> {
        Place::Other
    }
}

/// See [`GradBuffer::place`].
#[doc(hidden)]
pub enum Place<'a, G> {
    Add(&'a mut G),
    Empty(&'a mut Option<G>),
    Other,
}

impl<G: Gradients<E>, E: Float> GradBuffer<G, E> for G {
    fn accumulate(&mut self, grads: G) {
        self.add_assign_from(&grads);
    }

    fn accumulate_walked(&mut self, walked: &mut Walked<'_, E>) {
        // In place, tensor by tensor: no gradient value, no zeros for absent gradients.
        self.visit_mut(&mut AddWalked(walked));
    }

    fn place(&mut self) -> Place<'_, G> {
        Place::Add(self)
    }
}

impl<G: Gradients<E>, E: Float> GradBuffer<G, E> for Option<G> {
    fn accumulate(&mut self, grads: G) {
        match self {
            Some(buffer) => buffer.add_assign_from(&grads),
            None => *self = Some(grads),
        }
    }

    fn accumulate_walked(&mut self, walked: &mut Walked<'_, E>) {
        match self {
            Some(buffer) => buffer.accumulate_walked(walked),
            None => *self = Some(G::build(walked)),
        }
    }

    fn place(&mut self) -> Place<'_, G> {
        if self.is_some() {
            Place::Add(self.as_mut().expect("checked"))
        } else {
            Place::Empty(self)
        }
    }
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
            t.raw.fill(E::ZERO);
        }
    }
    grads.visit_mut(&mut Zero);
}
