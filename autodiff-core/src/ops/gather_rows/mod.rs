//! `gather_rows`: the rows of a `(R, C)` matrix chosen by a vector of indices (an
//! embedding lookup).
//!
//! # Shapes
//! `(R, C)` with indices `(B,)` gives `(B, C)`. An index must be below `R`: indices are
//! data, so a bad one is a [`TensorError::IndexOutOfRange`], not a panic.
//!
//! # Gradient
//! Row `i` of the output gradient is added to row `indices[i]` of the input's gradient
//! (rows picked several times get the sum): a scatter-add into zeros, whose own gradient
//! is the gather again.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::tensor::raw::RawTensor;
use crate::{Dim, Dims, Float, Tensor, TensorError};

/// `x[indices[i], :]` for each `i`, recorded (indices checked by the caller). Backward:
/// `g`'s rows added into zeros of `x`'s sizes.
pub(crate) fn gather_rows_raw<E: Float>(
    x: &RawTensor<E>,
    indices: &RawTensor<usize>,
) -> RawTensor<E> {
    let rows = x.dims[0];
    record(&[x], kernel::gather_rows(x, indices.as_slice()), |_| {
        let indices = indices.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(scatter_add_rows_raw(g, &indices, rows)), None]
        }
    })
}

/// A `(rows, cols)` matrix of zeros with row `i` of `x` added to row `indices[i]`,
/// recorded. Backward: `g[indices[i], :]`, the gather.
pub(crate) fn scatter_add_rows_raw<E: Float>(
    x: &RawTensor<E>,
    indices: &RawTensor<usize>,
    rows: usize,
) -> RawTensor<E> {
    let indices = indices.clone();
    record(
        &[x],
        kernel::scatter_add_rows(x, indices.as_slice(), rows),
        |_| move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(gather_rows_raw(g, &indices)), None],
    )
}

impl<R: Dim, C: Dim, E: Float> Tensor<(R, C), E> {
    /// Row `indices[i]` of the matrix, for every `i`: an embedding lookup, with `self` the
    /// table of one row per token.
    ///
    /// PyTorch equivalent: `x[indices]`, `x.index_select(0, indices)` or
    /// `F.embedding(indices, x)`.
    ///
    /// # Shapes
    /// `(R, C)` with indices `(B,)` gives `(B, C)`.
    ///
    /// # Gradient
    /// `dx[r, :] = Σ_{i : indices[i] = r} g[i, :]`: each output row's gradient goes back
    /// to the row it was read from, summed over repeats; rows never read get 0.
    ///
    /// # Errors
    /// [`TensorError::IndexOutOfRange`] for the first index that is not below `R` (its
    /// `index` is that row, its `dims` the row count).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let table = Tensor::<(U3, U2)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let ids = Tensor::<(U4,), usize>::from_vec(vec![2, 0, 2, 1]).unwrap();
    /// let rows: Tensor<(U4, U2)> = table.gather_rows(&ids).unwrap();
    /// assert_eq!(rows.to_vec(), vec![5., 6., 1., 2., 5., 6., 3., 4.]);
    /// let bad = Tensor::<(U1,), usize>::from_vec(vec![3]).unwrap();
    /// assert!(table.gather_rows(&bad).is_err());
    /// ```
    pub fn gather_rows<B: Dim>(
        &self,
        indices: &Tensor<(B,), usize>,
    ) -> Result<Tensor<(B, C), E>, TensorError> {
        let rows = self.raw.dims[0];
        if let Some(&row) = indices.as_slice().iter().find(|&&r| r >= rows) {
            return Err(TensorError::IndexOutOfRange {
                index: vec![row],
                dims: Dims::new(&[rows]),
            });
        }
        Ok(Tensor::from_raw(gather_rows_raw(&self.raw, &indices.raw)))
    }
}
