//! Struct arguments: their tensors in visiting order, found by field path, and the
//! gradients handed to the gradient type's own `build`, `visit_mut`, `build_partial`.

use super::Out;
use crate::graph::tree::{Differentiable, Visit};
use crate::graph::{AddWalked, Gradients, Selected, Walked};
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};

/// The tensors of a compiled function's arguments when one is a struct, in visiting order
/// (the order of `Gradients::build`): their sizes, for the pass that keeps tensors (where
/// the inputs sit among them is found by [`Places`](super::small::Places)). Made once per
/// forward pass.
#[derive(Default)]
pub struct Layout {
    dims: Vec<Dims>,
}

impl Layout {
    /// Adds a tensor argument.
    pub fn tensor<S: Shape, E: Float>(&mut self, t: &Tensor<S, E>) {
        self.dims.push(t.raw.dims);
    }

    /// Adds the tensors of a struct argument (their places are found by
    /// [`Places`](super::small::Places)).
    pub fn add<T: Differentiable>(&mut self, t: &T) {
        struct Push<'l>(&'l mut Vec<Dims>);
        impl<E: Float> Visit<E> for Push<'_> {
            fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) {
                self.0.push(t.raw.dims);
            }
        }
        t.visit(&mut Push(&mut self.dims));
    }

    /// Empty gradient slots, one per input.
    pub fn slots<E: Float>(&self) -> Slots<E> {
        Slots {
            grads: vec![None; self.dims.len()],
        }
    }
}

/// The inputs' gradients of a compiled pass with struct arguments, by index in [`Layout`].
pub struct Slots<E: Float> {
    grads: Vec<Option<RawTensor<E>>>,
}

impl<E: Float> Slots<E> {
    /// Hands over the gradient of input `i`.
    #[inline]
    pub fn put<S: Shape>(&mut self, i: Option<usize>, g: Option<Tensor<S, E>>) {
        if let (Some(i), Some(g)) = (i, g) {
            self.grads[i] = Some(g.raw);
        }
    }
}

/// Whether every field path was found (see [`Places::fields`](super::small::Places::fields)).
#[inline]
pub fn found(at: &[Option<usize>]) -> bool {
    at.iter().all(Option::is_some)
}

/// Which inputs of a [`Layout`] a pass wants, in visiting order: the selection of
/// [`Out::Partial`], or `None` for every one (nothing to allocate).
///
/// # Panics
/// When a selection has another number of flags than there are inputs.
pub fn wanted<G: Gradients<E>, E: Float>(
    out: &Out<'_, G, E>,
    layout: &Layout,
) -> Option<Vec<bool>> {
    let Out::Partial(_, select) = out else {
        return None;
    };
    let mut flags = Vec::with_capacity(layout.dims.len());
    G::select_flags(select, &mut flags);
    assert_eq!(
        flags.len(),
        layout.dims.len(),
        "backward: a selection must have one flag per input"
    );
    Some(flags)
}

/// Whether the input at index `i` is wanted (see [`wanted`]).
#[inline]
pub fn flag(wanted: &Option<Vec<bool>>, i: Option<usize>) -> bool {
    match (wanted, i) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(flags), Some(i)) => flags[i],
    }
}

/// Writes a pass's gradients where `out` says, through the gradient type's own
/// `build`, `visit_mut` and `build_partial` (zeros for an input the output does not
/// depend on).
pub fn finish<G: Gradients<E>, E: Float>(out: Out<'_, G, E>, mut slots: Slots<E>, layout: &Layout) {
    let mut walked = Walked::of(&mut slots.grads, &layout.dims);
    match out {
        Out::Build(grads) => *grads = Some(G::build(&mut walked)),
        Out::Add(grads) => grads.visit_mut(&mut AddWalked(&mut walked)),
        Out::Partial(grads, select) => {
            let mut flags = Vec::with_capacity(layout.dims.len());
            G::select_flags(select, &mut flags);
            *grads = Some(G::build_partial(&mut Selected {
                walked: &mut walked,
                wanted: flags.iter(),
            }));
        }
        Out::Dot(_) => {}
    }
}
