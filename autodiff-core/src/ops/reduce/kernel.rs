//! Reduction kernels: sums over all elements or along one axis (`outer x len x inner`), and
//! the stable `logsumexp` along one axis.

use crate::ops::argmax::kernel::{argmax_axis, gather_axis};
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float};

/// Sums `x` down to `to`, a shape `x` broadcasts from (leading axes dropped, axes of size 1
/// summed), into `out` (zeros on entry) in row-major order of `to`.
pub(crate) fn sum_to<E: Float>(x: &RawTensor<E>, to: Dims, out: &mut [E]) {
    let from = x.dims;
    let mut to4 = [1; 4];
    to4[4 - to.len()..].copy_from_slice(&to);
    let mut from4 = [1; 4];
    from4[4 - from.len()..].copy_from_slice(&from);
    // Strides into the output: 0 along summed axes.
    let ts = to.strides();
    let mut os = [0; 4];
    for i in 0..to.len() {
        let k = 4 - to.len() + i;
        os[k] = if to[i] == 1 && from4[k] != 1 {
            0
        } else {
            ts[i]
        };
    }
    let data = x.as_slice();
    let inner = from4[3];
    let mut idx = 0;
    for i0 in 0..from4[0] {
        for i1 in 0..from4[1] {
            for i2 in 0..from4[2] {
                let base = i0 * os[0] + i1 * os[1] + i2 * os[2];
                let row = &data[idx..idx + inner];
                if os[3] == 0 {
                    out[base] = out[base] + sum_row(row);
                } else {
                    for (o, &v) in out[base..base + inner].iter_mut().zip(row) {
                        *o = *o + v;
                    }
                }
                idx += inner;
            }
        }
    }
}

/// `Σ x` with eight partial sums, added in order at the end. Float addition does not
/// reorder by itself, so one accumulator is a chain of dependent additions (four cycles
/// each); eight independent ones keep the adder busy and round no worse.
fn sum_row<E: Float>(x: &[E]) -> E {
    let chunks = x.chunks_exact(8);
    let tail = chunks.remainder().iter().fold(E::ZERO, |s, &v| s + v);
    let mut acc = [E::ZERO; 8];
    for c in chunks {
        for l in 0..8 {
            acc[l] = acc[l] + c[l];
        }
    }
    acc.iter().fold(tail, |s, &a| s + a)
}

/// A tensor read as `outer x len x inner` around one axis: `len` is the axis' size, `outer`
/// the product of the sizes before it, `inner` of those after it. Element `(o, k, i)` sits
/// at `(o * len + k) * inner + i`, so for fixed `(o, k)` the `inner` run is contiguous.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AxisSplit {
    pub(crate) outer: usize,
    pub(crate) len: usize,
    pub(crate) inner: usize,
}

impl AxisSplit {
    /// The split of `dims` around `axis` (`axis < dims.len()`).
    pub(crate) fn of(dims: Dims, axis: usize) -> Self {
        AxisSplit {
            outer: dims[..axis].iter().product(),
            len: dims[axis],
            inner: dims[axis + 1..].iter().product(),
        }
    }

    /// All elements as one axis (reductions over everything).
    pub(crate) fn all(dims: Dims) -> Self {
        AxisSplit {
            outer: 1,
            len: dims.numel(),
            inner: 1,
        }
    }

    /// The number of results of a reduction along the axis.
    pub(crate) fn reduced(&self) -> usize {
        self.outer * self.inner
    }
}

/// `dims` without `axis`.
pub(crate) fn removed_dims(dims: Dims, axis: usize) -> Dims {
    let mut out = [0; 4];
    let mut n = 0;
    for (i, &d) in dims.iter().enumerate() {
        if i != axis {
            out[n] = d;
            n += 1;
        }
    }
    Dims::new(&out[..n])
}

/// `dims` with `axis` of size 1.
pub(crate) fn kept_dims(dims: Dims, axis: usize) -> Dims {
    let mut out = [0; 4];
    out[..dims.len()].copy_from_slice(&dims);
    out[axis] = 1;
    Dims::new(&out[..dims.len()])
}

/// Sums along the split's axis: `out[o, i] = Σ_k x[o, k, i]`, in row-major order of
/// `(outer, inner)`. One loop nest for every axis of every rank.
pub(crate) fn sum_axis<E: Float>(x: &[E], s: AxisSplit) -> Vec<E> {
    let mut out = vec![E::ZERO; s.reduced()];
    if out.is_empty() || s.len == 0 {
        return out;
    }
    if s.inner == 1 {
        // The last axis: each result is the sum of a contiguous row.
        for (o, row) in out.iter_mut().zip(x.chunks_exact(s.len)) {
            *o = row.iter().copied().sum();
        }
        return out;
    }
    for (acc, block) in out
        .chunks_exact_mut(s.inner)
        .zip(x.chunks_exact(s.len * s.inner))
    {
        for row in block.chunks_exact(s.inner) {
            // Contiguous on both sides: this loop vectorises.
            for (a, &v) in acc.iter_mut().zip(row) {
                *a = *a + v;
            }
        }
    }
    out
}

/// `log Σ_k e^{x[o, k, i]}`, computed as `m + log Σ_k e^{x - m}` with `m` the maximum along
/// the axis, so no exponential overflows. An infinite or NaN `m` shifts by 0 instead (an
/// all `-inf` row gives `-inf`, not `-inf - -inf = NaN`); an empty axis gives `-inf`.
pub(crate) fn logsumexp_axis<E: Float>(x: &[E], s: AxisSplit) -> Vec<E> {
    let mut shift = max_shift(x, s);
    let mut acc = vec![E::ZERO; s.reduced()];
    if acc.is_empty() || s.len == 0 {
        return acc.iter().map(|_| E::neg_infinity()).collect();
    }
    for ((a, m), block) in acc
        .chunks_exact_mut(s.inner)
        .zip(shift.chunks_exact(s.inner))
        .zip(x.chunks_exact(s.len * s.inner))
    {
        for row in block.chunks_exact(s.inner) {
            for ((a, &m), &v) in a.iter_mut().zip(m).zip(row) {
                *a = *a + (v - m).exp();
            }
        }
    }
    for (m, a) in shift.iter_mut().zip(&acc) {
        *m = *m + a.ln();
    }
    shift
}

/// The maximum along the axis, with infinities and NaN replaced by 0: the constant that
/// stable `softmax` and `logsumexp` subtract (zeros when the axis is empty).
pub(crate) fn max_shift<E: Float>(x: &[E], s: AxisSplit) -> Vec<E> {
    if s.len == 0 {
        return vec![E::ZERO; s.reduced()];
    }
    let mut m = gather_axis(x, s, &argmax_axis(x, s));
    for v in &mut m {
        let inf = -E::neg_infinity();
        if v.is_nan() || *v == inf || *v == -inf {
            *v = E::ZERO;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::sum_row;

    #[test]
    fn sum_row_adds_every_element_whatever_the_length() {
        // Integers add exactly in any order: every length around the 8-lane blocks.
        for n in 0..40 {
            let x: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            assert_eq!(sum_row(&x), (n * (n + 1) / 2) as f64, "n = {n}");
        }
        // In f32, within a few ulp of the exact sum (one accumulator drifts further).
        let x: Vec<f32> = (0..1000)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.01)
            .collect();
        let exact: f64 = x.iter().map(|&v| f64::from(v)).sum();
        assert!((f64::from(sum_row(&x)) - exact).abs() < 1e-4, "{exact}");
    }
}
