//! `into_shape`: the checked way between `Dyn` and compile-time dimensions.
//!
//! # Shapes
//! `S -> S2` of the same rank, where every compile-time dimension of `S2` equals the
//! run-time size there and a `Dyn` accepts any size. Sizes do not change, so this is a
//! change of type only: no copy, and the result stays on the graph (its gradient is the
//! output gradient, unchanged).
//!
//! A batch loaded at run time as `(Dyn, U784)` becomes `(U32, U784)` when it holds 32
//! rows; a `(U32, U10)` tensor becomes `(Dyn, U10)` to be passed where any batch size is
//! accepted.

#[cfg(test)]
mod tests;

use crate::{Element, Shape, Tensor, TensorError};

impl<S: Shape, E: Element> Tensor<S, E> {
    /// The same tensor under the shape type `S2`, when its run-time sizes fit it.
    ///
    /// # Shapes
    /// Same rank; each compile-time dimension of `S2` equal to the size at its position;
    /// `Dyn` dimensions fit any size. To change the sizes themselves, use `reshape`.
    ///
    /// # Gradient
    /// The output gradient itself (the values and their order are unchanged).
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`] naming `S2` and the sizes, when the rank differs or a
    /// compile-time dimension of `S2` has another size.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let batch = Tensor::<(Dyn, U2)>::zeros_shaped((Dyn(3), U2::default()));
    /// let fixed: Tensor<(U3, U2)> = batch.clone().into_shape::<(U3, U2)>().unwrap();
    /// assert!(batch.into_shape::<(U4, U2)>().is_err());
    /// let back: Tensor<(Dyn, U2)> = fixed.into_shape().unwrap();
    /// assert_eq!(&*back.dims(), &[3, 2]);
    /// ```
    pub fn into_shape<S2: Shape>(self) -> Result<Tensor<S2, E>, TensorError> {
        match S2::from_dims(&self.raw.dims) {
            Some(_) => Ok(Tensor::from_raw(self.raw)),
            None => Err(TensorError::ShapeMismatch {
                expected: core::any::type_name::<S2>().to_string(),
                actual: self.raw.dims.to_vec(),
            }),
        }
    }
}
