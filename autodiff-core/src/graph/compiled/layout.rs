//! Struct arguments: their tensors in visiting order, found by field path, and the
//! gradients handed to the gradient type's own `build`, `visit_mut`, `build_partial`.

use super::Out;
use crate::graph::tree::{Differentiable, Visit};
use crate::graph::{AddWalked, Gradients, Selected, Walked};
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};

/// The inputs of a compiled function with struct arguments, in visiting order (the order
/// of `Gradients::build`): their sizes, and which of them the body reads through which
/// field path (`model.l1.weight`). Made once per forward pass.
#[derive(Default)]
pub struct Layout {
    dims: Vec<Dims>,
}

impl Layout {
    /// Adds a tensor argument; its index.
    pub fn tensor<S: Shape, E: Float>(&mut self, t: &Tensor<S, E>) -> Option<usize> {
        self.dims.push(t.raw.dims);
        Some(self.dims.len() - 1)
    }

    /// Adds the tensors of a struct argument; the index of the tensor at each of `paths`
    /// (field names joined by `.`), `None` for a path its `visit` does not name (a
    /// `#[no_grad]` field: the generated code then records on the tape instead).
    pub fn fields<T: Differentiable, const P: usize>(
        &mut self,
        t: &T,
        paths: [&str; P],
    ) -> [Option<usize>; P] {
        struct Find<'l, const P: usize> {
            dims: &'l mut Vec<Dims>,
            /// The path of the field being visited, `a.b.c`.
            path: String,
            paths: [&'l str; P],
            found: [Option<usize>; P],
        }
        impl<E: Float, const P: usize> Visit<E> for Find<'_, P> {
            fn enter(&mut self, name: &str) {
                if !self.path.is_empty() {
                    self.path.push('.');
                }
                self.path.push_str(name);
            }
            fn leave(&mut self) {
                // Field names are identifiers: the last level starts after the last dot.
                let start = self.path.rfind('.').unwrap_or(0);
                self.path.truncate(start);
            }
            fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) {
                for (i, p) in self.paths.iter().enumerate() {
                    if *p == self.path {
                        self.found[i] = Some(self.dims.len());
                    }
                }
                self.dims.push(t.raw.dims);
            }
        }
        let mut find = Find {
            dims: &mut self.dims,
            path: String::new(),
            paths,
            found: [None; P],
        };
        t.visit(&mut find);
        find.found
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

/// Whether every field path was found (see [`Layout::fields`]).
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
