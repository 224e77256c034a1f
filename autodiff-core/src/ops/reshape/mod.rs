//! `reshape`: the same elements in row-major order under another shape.
//!
//! # Shapes
//! Both shapes have the same element count: checked at compile time for compile-time
//! shapes (`reshape: `(D<2>, D<3>)` and `(D<4>,)` have different numbers of elements`),
//! at run time when either has a `Dyn`.
//!
//! # Gradient
//! The output gradient reshaped back to the input's shape.

use crate::graph::tape::record;
use crate::shape::rules::ReshapeTo;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};

/// The same data under the sizes `to` (same element count), recorded. No copy.
pub(crate) fn reshape_raw<E: Float>(x: &RawTensor<E>, to: Dims) -> RawTensor<E> {
    if x.dims == to {
        return x.clone();
    }
    let from = x.dims;
    record(&[x], x.with_dims(to), |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(reshape_raw(g, from)), None]
    })
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The same elements, row-major, under shape `S2` (no copy).
    ///
    /// # Shapes
    /// `S` and `S2` have the same element count (compile-time check when both are
    /// compile-time shapes).
    ///
    /// # Panics
    /// When a shape has a `Dyn` dimension and the counts differ at run time, or when a
    /// `Dyn` dimension of `S2` cannot be inferred: every `Dyn` of `S2` takes the size that
    /// makes the counts match, so `S2` may have at most one.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let r: Tensor<(U3, U2)> = t.reshape::<(U3, U2)>();
    /// assert_eq!(r.get(&[2, 0]), Ok(5.));
    /// let flat = t.reshape::<(Dyn,)>();
    /// assert_eq!(&*flat.dims(), &[6]);
    /// ```
    pub fn reshape<S2: Shape>(&self) -> Tensor<S2, E>
    where
        S: ReshapeTo<S2>,
    {
        let n = self.numel();
        let to = infer_dims::<S2>(n).unwrap_or_else(|| {
            panic!(
                "reshape: {:?} ({n} elements) cannot be reshaped to {}",
                self.dims(),
                core::any::type_name::<S2>()
            )
        });
        Tensor::from_raw(reshape_raw(&self.raw, to))
    }
}

/// The sizes of `S` holding `n` elements: compile-time dims as they are, a `Dyn` whatever
/// makes the count `n` (all but one `Dyn` would be ambiguous: `None`).
pub(crate) fn infer_dims<S: Shape>(n: usize) -> Option<Dims> {
    let fixed = &S::fixed()[..S::RANK];
    let known: usize = fixed.iter().flatten().product();
    let sizes: Vec<usize> = match fixed.iter().filter(|d| d.is_none()).count() {
        0 => fixed.iter().flatten().copied().collect(),
        1 if known > 0 && n % known == 0 => fixed.iter().map(|d| d.unwrap_or(n / known)).collect(),
        _ => return None,
    };
    let dims = Dims::new(&sizes);
    (dims.numel() == n).then_some(dims)
}
