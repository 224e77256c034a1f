//! The compiled backward pass for tensors of a few elements: the same rules as the parent
//! module's, on [`Small`] values (plain arrays) instead of tensor handles.
//!
//! When every value a compiled backward pass reads or writes has a compile-time shape of
//! at most four elements (W1's `1x1` seed, a scalar loss, a small bias), the generated
//! code saves those values as [`Small`]s and runs these rules on them: no handle is built
//! or moved per rule, and the loops, whose bounds are constants, unroll to a few
//! instructions. A seed traced by a graph recording now takes the parent module's rules
//! instead (on tensors rebuilt from the saved values), so that the gradients record.
//!
//! Every function here has the name and the argument order of its counterpart in the
//! parent module, so that the macro writes one backward pass for both, with another path.

use super::rules::records;
use super::{Gradients, Graph, Like, Out};
use crate::tensor::raw::{RawTensor, INLINE};
use crate::tensor::small::Sizes;
use crate::{Dims, Float, Shape, Tensor};
use core::marker::PhantomData;

mod places;
mod rules;

pub use places::*;
pub use rules::*;

/// The elements of a tensor of shape `S` with compile-time sizes and at most four
/// elements, in row-major order (the rest zeros). Copied like a number.
pub struct Small<S: Shape, E: Float> {
    v: [E; INLINE],
    _p: PhantomData<fn() -> S>,
}

impl<S: Shape, E: Float> Clone for Small<S, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Shape, E: Float> Copy for Small<S, E> {}

impl<S: Shape, E: Float> core::fmt::Debug for Small<S, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(&self.v[..numel::<S>()]).finish()
    }
}

impl<S: Shape, E: Float> Small<S, E> {
    #[inline(always)]
    fn zeros() -> Self {
        Small {
            v: [E::ZERO; INLINE],
            _p: PhantomData,
        }
    }

    /// The elements.
    #[inline(always)]
    pub fn as_slice(&self) -> &[E] {
        &self.v[..numel::<S>()]
    }
}

/// The number of elements of `S` when its sizes are known at compile time and there are
/// at most four, else `None`.
#[inline(always)]
pub fn small_numel<S: Shape>() -> Option<usize> {
    Sizes::<S>::SMALL
}

/// The number of elements of `S`, a shape [`small_numel`] accepts.
#[inline(always)]
fn numel<S: Shape>() -> usize {
    Sizes::<S>::N
}

/// The sizes of `S`, a shape [`small_numel`] accepts.
#[inline(always)]
pub(crate) fn dims<S: Shape>() -> Dims {
    Sizes::<S>::dims()
}

/// True when every entry of `all` is `Some`: each value the pass reads or writes is
/// small (the generated code lists them as [`Like::small`] and [`numel_of`] give them).
#[inline(always)]
pub fn fits(all: &[Option<usize>]) -> bool {
    all.iter().all(Option::is_some)
}

/// How many values a pass on small arrays may save (the macro writes the pass on
/// tensors for a function that saves more).
pub const SLOTS: usize = 6;

/// The values a pass on small arrays saves, one per slot: what its graph holds besides
/// the pass itself (a function, so nothing is allocated). Each value fills a slot of
/// four elements, written and read whole, at a position the generated code fixes (no
/// running length, no bounds to check).
#[derive(Clone, Copy)]
pub struct State<E: Float> {
    slots: [[E; INLINE]; SLOTS],
    /// With struct arguments, where each input sits among all the arguments' tensors.
    places: [u8; PLACES],
    /// With struct arguments, how many tensors the arguments have.
    tensors: u8,
}

impl<E: Float> Default for State<E> {
    fn default() -> Self {
        State {
            slots: [[E::ZERO; INLINE]; SLOTS],
            places: [0; PLACES],
            tensors: 0,
        }
    }
}

impl<E: Float> State<E> {
    /// Saves `s` in slot `slot`.
    #[inline(always)]
    pub fn put<S: Shape>(&mut self, slot: usize, s: Small<S, E>) {
        self.slots[slot] = s.v;
    }

    /// Keeps where the inputs sit among the arguments' tensors (`at[k]` for the `k`th,
    /// found by `places`), for a pass with struct arguments.
    #[inline(always)]
    pub fn place<const N: usize>(&mut self, places: &Places, at: [Option<usize>; N]) {
        for (slot, i) in self.places.iter_mut().zip(at) {
            // `Places::small` has checked that every index fits.
            *slot = i.unwrap_or(0) as u8;
        }
        self.tensors = places.tensors as u8;
    }

    /// Saves the scalar `s` in slot `slot`.
    #[inline(always)]
    pub fn put_scalar(&mut self, slot: usize, s: E) {
        self.slots[slot][0] = s;
    }

    /// The scalar saved in slot `slot`.
    #[inline(always)]
    pub fn scalar(&self, slot: usize) -> E {
        self.slots[slot][0]
    }

    /// The value of shape `S` saved in slot `slot`.
    #[inline(always)]
    pub fn get<S: Shape>(&self, slot: usize) -> Small<S, E> {
        Small {
            v: self.slots[slot],
            _p: PhantomData,
        }
    }
}

/// The DOT text of a graph whose pass runs on small arrays: as
/// [`write_dot`](super::write_dot), the comment saying so.
pub fn write_dot(text: &mut String, pieces: &[&str], sizes: &[Dims]) {
    let start = text.len();
    super::write_dot(text, pieces, sizes);
    let marker = "compiled by #[differentiable]";
    if let Some(at) = text[start..].find(marker) {
        text.insert_str(start + at + marker.len(), ", on small arrays");
    }
}

/// A backward pass on small arrays: its saved values, the output's gradient (`None` for
/// ones) and where the inputs' gradients go, to the number of ops whose rule ran.
/// The seed comes by reference: a handle passed by value would be copied through memory
/// just after the caller wrote it, a store-forwarding stall that cost W1 a quarter of its
/// backward pass.
pub type Pass<S, G, E> = fn(&State<E>, Option<&Tensor<S, E>>, Out<'_, G, E>) -> usize;

/// The seed of a pass on small arrays: its elements (ones for `None`), or the seed itself
/// when it is traced by the graph recording now (then the gradients must record too,
/// and the pass takes the tensor rules).
#[inline(always)]
pub fn seed<S: Shape, E: Float>(seed: Option<&Tensor<S, E>>) -> Result<Small<S, E>, Tensor<S, E>> {
    match seed {
        None => Ok(Small {
            v: [E::ONE; INLINE],
            _p: PhantomData,
        }),
        Some(seed) if records(&seed.raw) => Err(seed.clone()),
        Some(seed) => Ok(of(seed)),
    }
}

/// The graph of a pass on small arrays.
#[inline(always)]
pub fn graph<S, G, E>(
    _output: &Tensor<S, E>,
    pass: Pass<S, G, E>,
    state: State<E>,
) -> Graph<S, G, E>
where
    S: Shape,
    G: Gradients<E>,
    E: Float,
{
    super::graph_of(super::Backward::Small(pass, state))
}

impl<S: Shape, E: Float> Like<S, E> {
    /// The `Like` of a small shape, made from its type alone (in a pass on small arrays,
    /// which is a function, not a closure that could keep one).
    #[inline(always)]
    pub fn conjure() -> Self {
        super::like_of(dims::<S>())
    }
}

/// [`small_numel`] of a tensor's shape (a constant the backward pass reads).
#[inline(always)]
pub fn numel_of<S: Shape, E: Float>(_: &Tensor<S, E>) -> Option<usize> {
    small_numel::<S>()
}

impl<S: Shape, E: Float> Like<S, E> {
    /// [`small_numel`] of this shape.
    #[inline(always)]
    pub fn small(self) -> Option<usize> {
        small_numel::<S>()
    }
}

/// The elements of `t`, whose shape [`small_numel`] accepts.
#[inline(always)]
pub fn of<S: Shape, E: Float>(t: &Tensor<S, E>) -> Small<S, E> {
    if let Some(v) = t.raw.inline_vals() {
        return Small {
            v: *v,
            _p: PhantomData,
        };
    }
    let mut out = Small::zeros();
    let n = numel::<S>();
    out.v[..n].copy_from_slice(&t.raw.as_slice()[..n]);
    out
}

/// The tensor of `s`'s elements.
#[inline(always)]
pub fn tensor<S: Shape, E: Float>(s: Small<S, E>) -> Tensor<S, E> {
    Tensor::from_raw(RawTensor::small(dims::<S>(), s.v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{U1, U2, U3};

    #[test]
    fn values_round_trip_through_tensors() {
        let t = Tensor::<(U1, U3), f64>::from_vec(vec![1., 2., 3.]).unwrap();
        let s = of(&t);
        assert_eq!(s.as_slice(), &[1., 2., 3.]);
        assert_eq!(tensor(s).to_vec(), vec![1., 2., 3.]);
        // A lazy transpose is read in its transposed order.
        let t = Tensor::<(U2, U2), f64>::from_vec(vec![1., 2., 3., 4.])
            .unwrap()
            .t();
        assert_eq!(of(&t).as_slice(), &[1., 3., 2., 4.]);
    }
}
