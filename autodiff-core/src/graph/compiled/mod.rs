//! Compiled backward passes: what `#[differentiable]` emits for a function whose body it
//! can read as a list of known tensor ops (see docs/macros.md, "The compiled backward pass").
//!
//! For such a function, `f::forward` called while no graph records runs the ops eagerly
//! and returns a [`Graph`] holding one closure: the backward pass written out as
//! straight-line code, op by op in reverse, with the values it needs captured. No tape,
//! no node per op, no rule behind a pointer per op: one allocation per graph, and the
//! backward pass is one call the compiler optimises as a whole. When every value is a
//! small tensor of compile-time sizes, the pass is a function and the values it reads a
//! few numbers kept in the graph ([`small`]): nothing is allocated. Called while a graph
//! records (inside another `#[differentiable]` function or a `vjp` closure, where its
//! backward pass must itself be recorded for higher orders), `f::forward` records on the
//! tape as before.
//!
//! The functions below are the generated code's vocabulary; each is the backward rule of
//! one op, on typed tensors, so the compiler still checks every shape. They are public
//! for the macro's sake only.

mod layout;
mod rules;
pub mod small;

pub use layout::{finish, flag, found, wanted, Layout, Slots};
pub use rules::*;

use super::accumulate::Place;
use super::{Core, GradBuffer, Gradients, Graph};
use crate::tensor::raw::RawTensor;
use crate::tensor::small::Sizes;
use crate::{Dims, Float, Shape, Tensor};
use core::marker::PhantomData;

/// The backward pass of a compiled graph: the output's gradient and where the inputs'
/// gradients go, to the number of ops whose rule ran.
type Pass<S, G, E> = dyn Fn(Tensor<S, E>, Out<'_, G, E>) -> usize;

/// A compiled backward pass: a closure, or a function with the small arrays it saved
/// ([`small`]: nothing allocated).
/// The closure's graph keeps the output's sizes (for the seed of ones and its check);
/// a small one's are constants.
pub(crate) enum Backward<S: Shape, G: Gradients<E>, E: Float> {
    Boxed(Box<Pass<S, G, E>>, Dims),
    Small(small::Pass<S, G, E>, small::State<E>),
}

/// What a compiled graph holds.
pub(crate) struct Compiled<S: Shape, G: Gradients<E>, E: Float> {
    backward: Backward<S, G, E>,
}

impl<S: Shape, G: Gradients<E>, E: Float> Compiled<S, G, E> {
    /// The output's sizes.
    pub(crate) fn output(&self) -> Dims {
        match &self.backward {
            Backward::Boxed(_, dims) => *dims,
            Backward::Small(..) => small::dims::<S>(),
        }
    }

    /// Runs the pass for `seed` (ones for `None`).
    #[inline(always)]
    fn backward(&self, seed: Option<RawTensor<E>>, out: Out<'_, G, E>) -> usize {
        match &self.backward {
            Backward::Boxed(pass, dims) => {
                let seed = seed.unwrap_or_else(|| RawTensor::filled(*dims, E::ONE));
                pass(Tensor::from_raw(seed), out)
            }
            Backward::Small(pass, state) => {
                let seed = seed.map(Tensor::from_raw);
                pass(state, seed.as_ref(), out)
            }
        }
    }

    /// Every input's gradient.
    pub(crate) fn full(&self, seed: Option<RawTensor<E>>) -> G {
        let mut grads = None;
        self.backward(seed, Out::Build(&mut grads));
        grads.expect("a compiled pass builds the gradients")
    }

    /// Adds every input's gradient into `buffer`: in place into a gradient value (no
    /// gradient built first), into an empty `Option` as a new value.
    #[inline]
    pub(crate) fn full_into<B: GradBuffer<G, E>>(
        &self,
        seed: Option<RawTensor<E>>,
        buffer: &mut B,
    ) {
        match buffer.place() {
            Place::Add(grads) => {
                self.backward(seed, Out::Add(grads));
            }
            Place::Empty(slot) => {
                self.backward(seed, Out::Build(slot));
            }
            Place::Other => buffer.accumulate(self.full(seed)),
        }
    }

    /// The graph in DOT.
    pub(crate) fn dot(&self) -> String {
        let mut text = String::new();
        self.backward(None, Out::Dot(&mut text));
        text
    }

    /// The selected inputs' gradients, and how many ops ran.
    pub(crate) fn partial(
        &self,
        seed: Option<RawTensor<E>>,
        select: &G::Select,
    ) -> (G::Partial, usize) {
        let mut grads = None;
        let ran = self.backward(seed, Out::Partial(&mut grads, select));
        (grads.expect("a compiled pass builds the gradients"), ran)
    }
}

/// Where a compiled backward pass puts the inputs' gradients; the generated code matches
/// on it and writes the gradient struct's fields itself.
pub enum Out<'a, G: Gradients<E>, E: Float> {
    /// Build every gradient (`backward`), zeros where the output does not depend on an
    /// input.
    Build(&'a mut Option<G>),
    /// Add every gradient into a buffer, in place (`backward_into`).
    Add(&'a mut G),
    /// Build the selected gradients (`backward_selected`); the others are `None` and
    /// the rules that lead only to them do not run.
    Partial(&'a mut Option<G::Partial>, &'a G::Select),
    /// Draw the graph in DOT (`to_dot`), with every value's sizes; no rule runs.
    Dot(&'a mut String),
}

/// The DOT text of a compiled graph: `pieces` with each value's `sizes` between them.
pub fn write_dot(text: &mut String, pieces: &[&str], sizes: &[Dims]) {
    for (piece, dims) in pieces.iter().zip(sizes) {
        text.push_str(piece);
        text.push_str(&format!("{dims:?}"));
    }
    if let Some(last) = pieces.get(sizes.len()) {
        text.push_str(last);
    }
}

/// The type and sizes of a tensor, without its values: what a backward rule needs to
/// know of an operand it does not read (`+`'s operands, `sum`'s input).
pub struct Like<S: Shape, E: Float> {
    /// The shape itself: nothing for compile-time dimensions, a size per `Dyn`.
    shape: S,
    _p: PhantomData<fn() -> Tensor<S, E>>,
}

impl<S: Shape, E: Float> Clone for Like<S, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Shape, E: Float> Copy for Like<S, E> {}

impl<S: Shape, E: Float> Like<S, E> {
    /// The sizes (constants, once compiled, for compile-time dimensions).
    #[inline]
    pub fn sizes(self) -> Dims {
        self.shape.dims()
    }
}

/// The [`Like`] of `t`.
#[inline]
pub fn like<S: Shape, E: Float>(t: &Tensor<S, E>) -> Like<S, E> {
    if Sizes::<S>::FIXED {
        // Constants: nothing read from the tensor.
        return like_of(Sizes::<S>::dims());
    }
    like_of(t.raw.dims)
}

/// The [`Like`] of a tensor of sizes `dims`.
#[inline(always)]
fn like_of<S: Shape, E: Float>(dims: Dims) -> Like<S, E> {
    Like {
        shape: S::from_dims(&dims).expect("a tensor's sizes fit its shape"),
        _p: PhantomData,
    }
}

/// True when no graph of element `E` records on this thread: then a `#[differentiable]`
/// function may run its compiled form.
#[inline]
pub fn top_level<E: Float>() -> bool {
    super::tape::current_id::<E>().is_none()
}

/// The graph of a compiled function: `output` is its value, `backward` the pass (see
/// [`Out`]).
pub fn graph<S, G, E, F>(output: &Tensor<S, E>, backward: F) -> Graph<S, G, E>
where
    S: Shape,
    G: Gradients<E>,
    E: Float,
    F: Fn(Tensor<S, E>, Out<'_, G, E>) -> usize + 'static,
{
    graph_of(Backward::Boxed(Box::new(backward), output.raw.dims))
}

/// The graph with the pass `backward`.
#[inline(always)]
fn graph_of<S, G, E>(backward: Backward<S, G, E>) -> Graph<S, G, E>
where
    S: Shape,
    G: Gradients<E>,
    E: Float,
{
    Graph {
        core: Core::Compiled(Compiled { backward }),
        _p: PhantomData,
    }
}

/// An input's gradient for [`Out::Build`]: `g`, or zeros when the output does not
/// depend on the input. `S` is the gradient field's type, the same as `T` in a program
/// that compiles (written loosely so that the generated code may name `T` by a
/// parameter).
#[inline]
pub fn or_zeros<T: Shape, S: Shape, E: Float>(
    g: Option<Tensor<T, E>>,
    like: Like<T, E>,
) -> Tensor<S, E> {
    let raw = match g {
        Some(g) => g.raw,
        None => RawTensor::filled(like.sizes(), E::ZERO),
    };
    Tensor::from_raw(raw)
}

/// Adds an input's gradient into its buffer in place, for [`Out::Add`] (`T` is `S`, as
/// for [`or_zeros`]).
///
/// # Panics
/// When a `Dyn` dimension of the buffer has another size.
#[inline]
pub fn add_to<S: Shape, T: Shape, E: Float>(buffer: &mut Tensor<S, E>, g: Option<Tensor<T, E>>) {
    if let Some(g) = g {
        assert_eq!(
            buffer.raw.dims, g.raw.dims,
            "backward_into: the sizes of a `Dyn` dimension differ"
        );
        for (b, &x) in buffer.raw.make_mut().iter_mut().zip(g.raw.as_slice()) {
            *b = *b + x;
        }
    }
}

/// The output of a compiled forward pass as the function's declared type. The two are
/// the same type in every program that compiles: the eager function has the same body
/// and the compiler checks it against the declaration. Taking any shape here keeps a
/// body of the wrong shape from being reported a second time, in the generated code.
#[inline]
pub fn declared<T: Shape, S: Shape, E: Float>(t: Tensor<T, E>) -> Tensor<S, E> {
    Tensor::from_raw(t.raw)
}

/// The seed of a compiled backward pass as the type of the output's last op (the
/// converse of [`declared`]).
#[inline]
pub fn reseed<T: Shape, S: Shape, E: Float>(seed: Tensor<T, E>, _like: Like<S, E>) -> Tensor<S, E> {
    Tensor::from_raw(seed.raw)
}
