//! Values made of tensors: a tensor, a tuple of them, or a struct that derives
//! `Differentiable`. `vjp` takes its primals as one, and gradients come back as one with
//! the same structure.

use crate::{Float, Shape, Tensor};

/// Visits the tensors of a value in a stable order (the order gradients are stored and
/// optimizers step in). `enter`/`leave` bracket named parts, so a visitor can build
/// paths such as `linear.weight`.
pub trait Visit<E: Float> {
    /// Called before the tensors of the part named `name`.
    fn enter(&mut self, _name: &str) {}
    /// Called after them.
    fn leave(&mut self) {}
    /// Called for each tensor.
    fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>);
}

/// Like [`Visit`], with each tensor borrowed mutably (accumulation, optimizer updates).
pub trait VisitMut<E: Float> {
    /// Called before the tensors of the part named `name`.
    fn enter(&mut self, _name: &str) {}
    /// Called after them.
    fn leave(&mut self) {}
    /// Called for each tensor.
    fn tensor<S: Shape>(&mut self, t: &mut Tensor<S, E>);
}

/// Builds a value tensor by tensor, in visiting order (gradients from a backward pass).
pub trait Build<E: Float> {
    /// The next tensor, whose shape the value's type knows.
    fn tensor<S: Shape>(&mut self) -> Tensor<S, E>;
    /// The next tensor, or `None` when it was not asked for.
    fn optional<S: Shape>(&mut self) -> Option<Tensor<S, E>>;
}

/// A value made of tensors that can be differentiated with respect to: the primals of
/// [`vjp`](crate::vjp), with a gradient type of the same structure.
///
/// Implemented for [`Tensor`], for tuples of up to four `Differentiable` values, and by
/// `#[derive(Differentiable)]` for structs.
pub trait Differentiable: Sized {
    /// The element type of every tensor in it.
    type Elem: Float;
    /// One gradient per tensor, same structure (for a tensor: a tensor of its shape).
    type Grads: Gradients<Self::Elem>;

    /// Visits every tensor.
    fn visit<V: Visit<Self::Elem>>(&self, v: &mut V);
    /// Visits every tensor mutably, in the order of [`visit`](Self::visit) and with the
    /// same `enter`/`leave` calls: how optimizers update parameters in place.
    fn visit_mut<V: VisitMut<Self::Elem>>(&mut self, v: &mut V);
    /// The same value with each tensor replaced by the mapper's result (traced copies).
    fn map_tensors<M: MapTensors<Self::Elem>>(&self, m: &mut M) -> Self;
}

/// Replaces tensors one by one (see [`Differentiable::map_tensors`]).
pub trait MapTensors<E: Float> {
    /// The replacement for `t`.
    fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) -> Tensor<S, E>;
}

/// A gradient value: a tensor, a tuple of them, or a derived gradient struct.
pub trait Gradients<E: Float>: Sized {
    /// Like `Self`, each tensor optional (gradients of selected inputs only).
    type Partial;
    /// One flag per tensor, same structure: which inputs get gradients.
    type Select: Clone;

    /// Visits every gradient tensor.
    fn visit<V: Visit<E>>(&self, v: &mut V);
    /// Visits every gradient tensor mutably.
    fn visit_mut<V: VisitMut<E>>(&mut self, v: &mut V);
    /// Builds gradients in visiting order.
    fn build<B: Build<E>>(b: &mut B) -> Self;
    /// Builds partial gradients in visiting order.
    fn build_partial<B: Build<E>>(b: &mut B) -> Self::Partial;
    /// Appends the flags of a selection in visiting order.
    fn select_flags(select: &Self::Select, out: &mut Vec<bool>);
    /// A selection of every input.
    fn select_all() -> Self::Select;
}

impl<S: Shape, E: Float> Differentiable for Tensor<S, E> {
    type Elem = E;
    type Grads = Tensor<S, E>;

    fn visit<V: Visit<E>>(&self, v: &mut V) {
        v.tensor(self)
    }
    fn visit_mut<V: VisitMut<E>>(&mut self, v: &mut V) {
        v.tensor(self)
    }
    fn map_tensors<M: MapTensors<E>>(&self, m: &mut M) -> Self {
        m.tensor(self)
    }
}

impl<S: Shape, E: Float> Gradients<E> for Tensor<S, E> {
    type Partial = Option<Tensor<S, E>>;
    type Select = bool;

    fn visit<V: Visit<E>>(&self, v: &mut V) {
        v.tensor(self)
    }
    fn visit_mut<V: VisitMut<E>>(&mut self, v: &mut V) {
        v.tensor(self)
    }
    fn build<B: Build<E>>(b: &mut B) -> Self {
        b.tensor()
    }
    fn build_partial<B: Build<E>>(b: &mut B) -> Option<Self> {
        b.optional()
    }
    fn select_flags(select: &bool, out: &mut Vec<bool>) {
        out.push(*select)
    }
    fn select_all() -> bool {
        true
    }
}

macro_rules! tuple_tree {
    ($($t:ident $i:tt),+) => {
        impl<E: Float, $($t: Differentiable<Elem = E>),+> Differentiable for ($($t,)+) {
            type Elem = E;
            type Grads = ($($t::Grads,)+);

            fn visit<V: Visit<E>>(&self, v: &mut V) {
                $(self.$i.visit(v);)+
            }
            fn visit_mut<V: VisitMut<E>>(&mut self, v: &mut V) {
                $(self.$i.visit_mut(v);)+
            }
            fn map_tensors<M: MapTensors<E>>(&self, m: &mut M) -> Self {
                ($(self.$i.map_tensors(m),)+)
            }
        }

        impl<E: Float, $($t: Gradients<E>),+> Gradients<E> for ($($t,)+) {
            type Partial = ($($t::Partial,)+);
            type Select = ($($t::Select,)+);

            fn visit<V: Visit<E>>(&self, v: &mut V) {
                $(self.$i.visit(v);)+
            }
            fn visit_mut<V: VisitMut<E>>(&mut self, v: &mut V) {
                $(self.$i.visit_mut(v);)+
            }
            fn build<B: Build<E>>(b: &mut B) -> Self {
                ($($t::build(b),)+)
            }
            fn build_partial<B: Build<E>>(b: &mut B) -> Self::Partial {
                ($($t::build_partial(b),)+)
            }
            fn select_flags(select: &Self::Select, out: &mut Vec<bool>) {
                $($t::select_flags(&select.$i, out);)+
            }
            fn select_all() -> Self::Select {
                ($($t::select_all(),)+)
            }
        }
    };
}

tuple_tree!(T0 0);
tuple_tree!(T0 0, T1 1);
tuple_tree!(T0 0, T1 1, T2 2);
tuple_tree!(T0 0, T1 1, T2 2, T3 3);
