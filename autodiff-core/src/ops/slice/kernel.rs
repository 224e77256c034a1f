//! Block copies along one axis: a tensor read as `(outer, axis, inner)`, where `outer` is
//! the product of the sizes before the axis and `inner` of those after it. Slicing,
//! padding and concatenation each copy whole `inner`-long runs.

use crate::tensor::raw::RawTensor;
use crate::{Dims, Element};

/// `dims` read as `(outer, dims[axis], inner)`.
pub(crate) fn split_at_axis(dims: Dims, axis: usize) -> (usize, usize, usize) {
    let outer = dims[..axis].iter().product();
    let inner = dims[axis + 1..].iter().product();
    (outer, dims[axis], inner)
}

/// `dims` with the size along `axis` replaced by `size`.
pub(crate) fn with_axis(dims: Dims, axis: usize, size: usize) -> Dims {
    let mut d = [0; 4];
    d[..dims.len()].copy_from_slice(&dims);
    d[axis] = size;
    Dims::new(&d[..dims.len()])
}

/// The elements `start..end` along `axis` (the caller has checked the range).
pub(crate) fn slice<E: Element>(
    x: &RawTensor<E>,
    axis: usize,
    start: usize,
    end: usize,
) -> RawTensor<E> {
    let (outer, n, inner) = split_at_axis(x.dims, axis);
    debug_assert!(start <= end && end <= n, "slice kernel: unchecked range");
    let data = x.as_slice();
    let mut out = Vec::with_capacity(outer * (end - start) * inner);
    for o in 0..outer {
        let base = o * n * inner;
        out.extend_from_slice(&data[base + start * inner..base + end * inner]);
    }
    RawTensor::new(with_axis(x.dims, axis, end - start), out)
}

/// `x` placed at `start` along `axis` in a tensor of size `total` there, the rest `zero`.
pub(crate) fn pad<E: Element>(
    x: &RawTensor<E>,
    axis: usize,
    start: usize,
    total: usize,
    zero: E,
) -> RawTensor<E> {
    let (outer, n, inner) = split_at_axis(x.dims, axis);
    debug_assert!(start + n <= total, "pad kernel: unchecked range");
    let data = x.as_slice();
    let mut out = vec![zero; outer * total * inner];
    for o in 0..outer {
        let at = (o * total + start) * inner;
        out[at..at + n * inner].copy_from_slice(&data[o * n * inner..(o + 1) * n * inner]);
    }
    RawTensor::new(with_axis(x.dims, axis, total), out)
}
