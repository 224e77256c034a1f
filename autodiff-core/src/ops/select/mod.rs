//! Masks and choosing by mask: comparisons `gt`, `lt`, `ge`, `le`, `eq_elem` give
//! `Tensor<_, bool>`; `mask.select(&a, &b)` takes `a` where the mask is true and `b`
//! elsewhere (PyTorch's `torch.where(mask, a, b)`).
//!
//! # Shapes
//! numpy broadcasting, as for `+`: between the two sides of a comparison, and between the
//! mask, `a` and `b` of a `select`.
//!
//! # Gradient
//! Comparisons have none (their outputs are booleans). `select` sends `g` to `a` where the
//! mask is true and to `b` where it is false (0 to the other), each summed back over its
//! broadcast dimensions. The positions not chosen get an exact 0 (not `0 * g`), but an
//! input computed by an op undefined there (`sqrt` of a negative, say) still gets that
//! op's NaN through its own backward rule, as in PyTorch.

#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::ops::binary::kernel::{broadcast_dims, zip_broadcast};
use crate::ops::reduce::sum_to;
use crate::shape::rules::BroadcastShapes;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Element, Float, Shape, Tensor};

/// `x` broadcast to the sizes `to` (untraced; `to` is a broadcast of `x`'s sizes).
fn broadcast_value<T: Element>(op: &str, x: &RawTensor<T>, to: Dims) -> RawTensor<T> {
    if x.dims == to {
        return x.clone();
    }
    zip_broadcast(op, &RawTensor::filled(to, T::default()), x, |_, v| v)
}

/// `x` where `mask == keep`, 0 elsewhere (same sizes), recorded. Linear and its own
/// adjoint: backward is `masked_raw(g, mask, keep)`.
pub(crate) fn masked_raw<E: Float>(
    x: &RawTensor<E>,
    mask: &RawTensor<bool>,
    keep: bool,
) -> RawTensor<E> {
    let out = zip_broadcast(
        "select",
        mask,
        x,
        |m, v| if m == keep { v } else { E::ZERO },
    );
    record(&[x], out, |_| {
        let mask = mask.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(masked_raw(g, &mask, keep)), None]
    })
}

/// `a` where `mask` is true, `b` elsewhere, all three broadcast together; recorded.
/// Backward: `(g` where true, `g` where false`)`, each summed to its operand's sizes.
pub(crate) fn where_raw<E: Float>(
    mask: &RawTensor<bool>,
    a: &RawTensor<E>,
    b: &RawTensor<E>,
) -> RawTensor<E> {
    let to = broadcast_dims(
        "select",
        mask.dims,
        broadcast_dims("select", a.dims, b.dims),
    );
    let m = broadcast_value("select", mask, to);
    let (ea, eb) = (
        broadcast_value("select", a, to),
        broadcast_value("select", b, to),
    );
    let data = m
        .as_slice()
        .iter()
        .zip(ea.as_slice().iter().zip(eb.as_slice()));
    let out = RawTensor::new(
        to,
        data.map(|(&k, (&x, &y))| if k { x } else { y }).collect(),
    );
    let (da, db) = (a.dims, b.dims);
    record(&[a, b], out, |_| {
        move |g: &mut RawTensor<E>, w: [bool; 2]| {
            [
                w[0].then(|| sum_to(&masked_raw(g, &m, true), da)),
                w[1].then(|| sum_to(&masked_raw(g, &m, false), db)),
            ]
        }
    })
}

/// One comparison method: its name, the op as a closure, and its doc example.
macro_rules! comparison {
    ($name:ident, $op:tt, $what:literal, $a:literal, $b:literal, $expect:literal) => {
        #[doc = concat!("`self ", stringify!($op), " rhs` element-wise (", $what, "), with broadcasting; a mask.")]
        ///
        /// Comparisons with NaN are false (IEEE 754), as in PyTorch.
        ///
        /// # Shapes
        /// As for `+` (numpy broadcasting); compare with a scalar through a `()` tensor.
        ///
        /// # Gradient
        /// None: the result is a `bool` tensor, a constant for every graph.
        ///
        /// # Panics
        /// When a `Dyn` dimension does not broadcast against its partner.
        ///
        /// ```
        /// use autodiff_core::prelude::*;
        #[doc = concat!("let a = Tensor::<(U3,)>::from_vec(vec!", $a, ").unwrap();")]
        #[doc = concat!("let b = Tensor::<(U3,)>::from_vec(vec!", $b, ").unwrap();")]
        #[doc = concat!("assert_eq!(a.", stringify!($name), "(&b).to_vec(), vec!", $expect, ");")]
        /// ```
        pub fn $name<S2: Shape>(&self, rhs: &Tensor<S2, E>) -> Tensor<<S as BroadcastShapes<S2>>::Out, bool>
        where
            S: BroadcastShapes<S2>,
        {
            Tensor::from_raw(zip_broadcast(stringify!($name), &self.raw, &rhs.raw, |x, y| x $op y))
        }
    };
}

impl<S: Shape, E: Element + PartialOrd> Tensor<S, E> {
    comparison!(gt, >, "greater than", "[1., 2., 3.]", "[2., 2., 2.]", "[false, false, true]");
    comparison!(lt, <, "less than", "[1., 2., 3.]", "[2., 2., 2.]", "[true, false, false]");
    comparison!(ge, >=, "greater than or equal", "[1., 2., 3.]", "[2., 2., 2.]", "[false, true, true]");
    comparison!(le, <=, "less than or equal", "[1., 2., 3.]", "[2., 2., 2.]", "[true, true, false]");
    comparison!(eq_elem, ==, "equal; `==` on tensors would compare whole tensors", "[1., 2., 3.]", "[2., 2., 2.]", "[false, true, false]");
}

impl<S: Shape> Tensor<S, bool> {
    /// `on_true` where the mask is true, `on_false` where it is false.
    ///
    /// PyTorch equivalent: `torch.where(mask, on_true, on_false)`.
    ///
    /// # Shapes
    /// The mask, `on_true` and `on_false` broadcast together (numpy rules, as for `+`).
    ///
    /// # Gradient
    /// `d on_true = g` where the mask is true and 0 elsewhere; `d on_false = g` where it is
    /// false and 0 elsewhere; each summed over its broadcast dimensions.
    ///
    /// # Panics
    /// When a `Dyn` dimension does not broadcast against its partners.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U4,)>::from_vec(vec![-2., -1., 1., 2.]).unwrap();
    /// let zero = Tensor::<()>::full(0.);
    /// let relu = x.gt(&zero).select(&x, &zero);
    /// assert_eq!(relu.to_vec(), vec![0., 0., 1., 2.]);
    /// ```
    pub fn select<SA, SB: Shape, E: Float>(
        &self,
        on_true: &Tensor<SA, E>,
        on_false: &Tensor<SB, E>,
    ) -> Tensor<<S as BroadcastShapes<<SA as BroadcastShapes<SB>>::Out>>::Out, E>
    where
        SA: BroadcastShapes<SB>,
        S: BroadcastShapes<<SA as BroadcastShapes<SB>>::Out>,
    {
        Tensor::from_raw(where_raw(&self.raw, &on_true.raw, &on_false.raw))
    }

    /// 1 where the mask is true, 0 elsewhere, as floats (to count or average a mask).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U4,)>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    /// let hits = a.gt(&Tensor::<()>::full(2.5)).to_float::<f32>();
    /// assert_eq!(hits.mean().item(), 0.5);
    /// ```
    pub fn to_float<E: Float>(&self) -> Tensor<S, E> {
        Tensor::from_raw(self.raw.map(|m| if m { E::ONE } else { E::ZERO }))
    }
}
