//! Reduction kernels: sums over all elements or over chosen axes.

use crate::tensor::raw::RawTensor;
use crate::{Dims, Float};

/// Sums `x` down to `to`, a shape `x` broadcasts from (leading axes dropped, axes of size 1
/// summed). Returns the sums in row-major order of `to`.
pub(crate) fn sum_to<E: Float>(x: &RawTensor<E>, to: Dims) -> Vec<E> {
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
    let mut out = vec![E::ZERO; to.numel()];
    let data = x.as_slice();
    let inner = from4[3];
    let mut idx = 0;
    for i0 in 0..from4[0] {
        for i1 in 0..from4[1] {
            for i2 in 0..from4[2] {
                let base = i0 * os[0] + i1 * os[1] + i2 * os[2];
                let row = &data[idx..idx + inner];
                if os[3] == 0 {
                    out[base] = out[base] + row.iter().copied().sum::<E>();
                } else {
                    for (o, &v) in out[base..base + inner].iter_mut().zip(row) {
                        *o = *o + v;
                    }
                }
                idx += inner;
            }
        }
    }
    out
}
