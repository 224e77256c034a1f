//! Picking one class per row of a `(rows, classes)` matrix, and the reverse.

use crate::tensor::raw::RawTensor;
use crate::{Dims, Element};

/// `out[i] = x[i, labels[i]]` (labels already checked to be below the class count).
pub(crate) fn gather<E: Element>(x: &RawTensor<E>, labels: &[usize]) -> RawTensor<E> {
    let classes = x.dims[1];
    let data = x.as_slice();
    let out = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| data[i * classes + l])
        .collect();
    RawTensor::new(Dims::new(&[labels.len()]), out)
}

/// A `(rows, classes)` matrix of `zero` with `out[i, labels[i]] = x[i]`.
pub(crate) fn scatter<E: Element>(
    x: &RawTensor<E>,
    labels: &[usize],
    classes: usize,
    zero: E,
) -> RawTensor<E> {
    let rows = labels.len();
    let mut out = vec![zero; rows * classes];
    for (i, (&l, &v)) in labels.iter().zip(x.as_slice()).enumerate() {
        out[i * classes + l] = v;
    }
    RawTensor::new(Dims::new(&[rows, classes]), out)
}
