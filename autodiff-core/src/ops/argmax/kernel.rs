//! Kernels of `argmax` and `max`: the arg-max along an axis, and the gather / scatter pair
//! that reads the maxima and routes their gradients.

use crate::ops::reduce::kernel::AxisSplit;
use crate::Float;

/// The index along the split's axis of each maximum, in row-major order of
/// `(outer, inner)`. Ties go to the first index; NaN counts as larger than any number
/// (the first NaN wins), as in numpy's `argmax`.
///
/// # Panics
/// When the axis is empty but there are results to give (a maximum of nothing).
pub(crate) fn argmax_axis<E: Float>(x: &[E], s: AxisSplit) -> Vec<usize> {
    let mut idx = vec![0; s.reduced()];
    if idx.is_empty() {
        return idx;
    }
    assert!(
        s.len > 0,
        "max/argmax: cannot reduce an axis of size 0 (a maximum of no elements)"
    );
    let mut best = vec![E::ZERO; s.inner];
    for (id, block) in idx
        .chunks_exact_mut(s.inner)
        .zip(x.chunks_exact(s.len * s.inner))
    {
        best.copy_from_slice(&block[..s.inner]);
        for (k, row) in block.chunks_exact(s.inner).enumerate().skip(1) {
            for ((b, j), &v) in best.iter_mut().zip(id.iter_mut()).zip(row) {
                // `v > b` is false when `b` is NaN: the first NaN stays.
                if v > *b || (v.is_nan() && !b.is_nan()) {
                    *b = v;
                    *j = k;
                }
            }
        }
    }
    idx
}

/// `out[o, i] = x[o, idx[o, i], i]`: the elements the indices pick along the axis.
pub(crate) fn gather_axis<E: Copy>(x: &[E], s: AxisSplit, idx: &[usize]) -> Vec<E> {
    idx.iter()
        .enumerate()
        .map(|(r, &k)| {
            let (o, i) = (r / s.inner, r % s.inner);
            x[(o * s.len + k) * s.inner + i]
        })
        .collect()
}

/// The adjoint of [`gather_axis`]: zeros of the split's size, with `g[o, i]` placed at
/// `(o, idx[o, i], i)`.
pub(crate) fn scatter_axis<E: Float>(g: &[E], s: AxisSplit, idx: &[usize]) -> Vec<E> {
    let mut out = vec![E::ZERO; s.outer * s.len * s.inner];
    for (r, (&k, &v)) in idx.iter().zip(g).enumerate() {
        let (o, i) = (r / s.inner, r % s.inner);
        out[(o * s.len + k) * s.inner + i] = v;
    }
    out
}
