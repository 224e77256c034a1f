//! Struct arguments of a pass on small arrays: where each input sits among the arguments'
//! tensors, and the gradients handed to the gradient type's own `build`, `visit_mut` and
//! `build_partial`.

use super::{dims, Small, State};
use crate::graph::compiled::Out;
use crate::graph::tree::{Build, Differentiable, Gradients, Visit, VisitMut};
use crate::tensor::raw::RawTensor;
use crate::tensor::small::Sizes;
use crate::{Float, Shape, Tensor};

/// How many inputs (tensor arguments and fields read of struct arguments) a pass on
/// small arrays with struct arguments may have.
pub const PLACES: usize = 8;

/// Where the inputs of a function with struct arguments sit among all the arguments'
/// tensors, in visiting order (the order of `Gradients::build`), found by field path
/// without allocating, and whether every one of those tensors is small (then the pass on
/// small arrays can build the gradients from their types alone).
pub struct Places {
    pub(super) tensors: usize,
    small: bool,
}

impl Default for Places {
    fn default() -> Self {
        Places {
            tensors: 0,
            small: true,
        }
    }
}

impl Places {
    /// A tensor argument; its place.
    #[inline]
    pub fn tensor<S: Shape, E: Float>(&mut self, _t: &Tensor<S, E>) -> Option<usize> {
        self.small &= Sizes::<S>::SMALL.is_some();
        self.tensors += 1;
        Some(self.tensors - 1)
    }

    /// A struct argument; the place of the tensor at each of `paths` (field names joined
    /// by `.`), `None` for a path its `visit` does not name (a `#[no_grad]` field).
    pub fn fields<T: Differentiable, const P: usize>(
        &mut self,
        t: &T,
        paths: [&str; P],
    ) -> [Option<usize>; P] {
        /// How far along the path being visited each wanted path matches: its first
        /// `matched[p]` names are the visited path's, which is `depth` names deep.
        struct Find<'p, 's, const P: usize> {
            places: &'s mut Places,
            paths: [&'p str; P],
            matched: [usize; P],
            depth: usize,
            found: [Option<usize>; P],
        }
        impl<E: Float, const P: usize> Visit<E> for Find<'_, '_, P> {
            fn enter(&mut self, name: &str) {
                for (p, m) in self.paths.iter().zip(&mut self.matched) {
                    if *m == self.depth && p.split('.').nth(self.depth) == Some(name) {
                        *m += 1;
                    }
                }
                self.depth += 1;
            }
            fn leave(&mut self) {
                self.depth -= 1;
                for m in &mut self.matched {
                    *m = (*m).min(self.depth);
                }
            }
            fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) {
                for (i, p) in self.paths.iter().enumerate() {
                    if self.matched[i] == self.depth && p.split('.').count() == self.depth {
                        self.found[i] = Some(self.places.tensors);
                    }
                }
                self.places.tensor(t);
            }
        }
        let mut find = Find {
            places: self,
            paths,
            matched: [0; P],
            depth: 0,
            found: [None; P],
        };
        t.visit(&mut find);
        find.found
    }

    /// Whether the pass on small arrays can take these arguments: every tensor small and
    /// of compile-time sizes, and few enough to be counted in a byte.
    #[inline]
    pub fn small(&self) -> bool {
        self.small && self.tensors <= usize::from(u8::MAX)
    }
}

/// Which inputs a pass with struct arguments wants, in the arguments' visiting order:
/// the selection of `Out::Partial`, or `None` for every one.
///
/// # Panics
/// When a selection has another number of flags than there are tensors.
pub fn wanted<G: Gradients<E>, E: Float>(
    out: &Out<'_, G, E>,
    state: &State<E>,
) -> Option<Vec<bool>> {
    let Out::Partial(_, select) = out else {
        return None;
    };
    let mut flags = Vec::with_capacity(usize::from(state.tensors));
    G::select_flags(select, &mut flags);
    assert_eq!(
        flags.len(),
        usize::from(state.tensors),
        "backward: a selection must have one flag per input"
    );
    Some(flags)
}

/// Whether the `k`th input is wanted (see [`wanted`]).
#[inline]
pub fn flag<E: Float>(wanted: &Option<Vec<bool>>, state: &State<E>, k: usize) -> bool {
    match wanted {
        None => true,
        Some(flags) => flags[usize::from(state.places[k])],
    }
}

/// An input's gradient, if it has one, of any shape: what [`finish`] takes.
pub struct Grad<E: Float>(pub(crate) Option<RawTensor<E>>);

/// An input's gradient as [`finish`] takes it.
#[inline(always)]
pub fn raw<S: Shape, E: Float>(g: Option<Small<S, E>>) -> Grad<E> {
    Grad(g.map(|g| RawTensor::small(dims::<S>(), g.v)))
}

/// Writes the inputs' gradients (`grads[k]` the `k`th's) where `out` says, through the
/// gradient type's own `build`, `visit_mut` and `build_partial`: zeros for a tensor
/// without a gradient, its sizes from its type (every tensor is small, see
/// [`Places::small`]).
pub fn finish<G: Gradients<E>, E: Float, const N: usize>(
    out: Out<'_, G, E>,
    state: &State<E>,
    grads: [Grad<E>; N],
) {
    /// The arguments' tensors in visiting order: the next one's place, and the inputs'
    /// gradients by place.
    struct Placed<E: Float, const N: usize> {
        next: u8,
        places: [u8; N],
        grads: [Option<RawTensor<E>>; N],
        flags: Option<Vec<bool>>,
    }
    impl<E: Float, const N: usize> Placed<E, N> {
        /// The next tensor's gradient, if an input's.
        fn take(&mut self) -> Option<RawTensor<E>> {
            let i = self.next;
            self.next += 1;
            let k = self.places.iter().position(|&p| p == i)?;
            self.grads[k].take()
        }
        fn wanted(&self) -> bool {
            self.flags
                .as_ref()
                .is_none_or(|f| f[usize::from(self.next)])
        }
    }
    impl<E: Float, const N: usize> Build<E> for Placed<E, N> {
        fn tensor<S: Shape>(&mut self) -> Tensor<S, E> {
            let g = self.take();
            Tensor::from_raw(g.unwrap_or_else(|| RawTensor::filled(dims::<S>(), E::ZERO)))
        }
        fn optional<S: Shape>(&mut self) -> Option<Tensor<S, E>> {
            if self.wanted() {
                Some(<Self as Build<E>>::tensor::<S>(self))
            } else {
                self.next += 1;
                None
            }
        }
    }
    impl<E: Float, const N: usize> VisitMut<E> for Placed<E, N> {
        fn tensor<S: Shape>(&mut self, t: &mut Tensor<S, E>) {
            if let Some(g) = self.take() {
                for (a, &b) in t.raw.make_mut().iter_mut().zip(g.as_slice()) {
                    *a = *a + b;
                }
            }
        }
    }
    let mut places = [0; N];
    places.copy_from_slice(&state.places[..N]);
    let mut placed = Placed {
        next: 0,
        places,
        grads: grads.map(|g| g.0),
        flags: None,
    };
    match out {
        Out::Build(g) => *g = Some(G::build(&mut placed)),
        Out::Add(g) => g.visit_mut(&mut placed),
        Out::Partial(g, select) => {
            let mut flags = Vec::with_capacity(usize::from(state.tensors));
            G::select_flags(select, &mut flags);
            placed.flags = Some(flags);
            *g = Some(G::build_partial(&mut placed));
        }
        Out::Dot(_) => {}
    }
}
