//! Picking rows of a `(rows, cols)` matrix by index, and adding rows back into place.

use crate::tensor::raw::RawTensor;
use crate::{Dims, Float};

/// `out[i, :] = x[indices[i], :]` (indices already checked to be below the row count).
pub(crate) fn gather_rows<E: Float>(x: &RawTensor<E>, indices: &[usize]) -> RawTensor<E> {
    let cols = x.dims[1];
    let data = x.as_slice();
    let mut out = Vec::with_capacity(indices.len() * cols);
    for &r in indices {
        out.extend_from_slice(&data[r * cols..(r + 1) * cols]);
    }
    RawTensor::new(Dims::new(&[indices.len(), cols]), out)
}

/// A `(rows, cols)` matrix of zeros with `out[indices[i], :] += x[i, :]`: a repeated index
/// gets the sum of its rows.
pub(crate) fn scatter_add_rows<E: Float>(
    x: &RawTensor<E>,
    indices: &[usize],
    rows: usize,
) -> RawTensor<E> {
    let cols = x.dims[1];
    let mut out = vec![E::ZERO; rows * cols];
    for (src, &r) in x.as_slice().chunks_exact(cols.max(1)).zip(indices) {
        for (o, &v) in out[r * cols..(r + 1) * cols].iter_mut().zip(src) {
            *o = *o + v;
        }
    }
    RawTensor::new(Dims::new(&[rows, cols]), out)
}
