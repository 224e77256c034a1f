//! The permutation kernel: a strided copy that reads the input in the output's order.

use crate::tensor::raw::RawTensor;
use crate::{Dims, Element};

/// The axes of `x` reordered: output axis `i` is input axis `perm[i]`, so the output has
/// sizes `dims[perm[i]]` and element `out[.., j_i, ..] = x[.., j at axis perm[i], ..]`.
pub(crate) fn permute<E: Element>(x: &RawTensor<E>, perm: &[usize]) -> RawTensor<E> {
    let r = x.dims.len();
    debug_assert_eq!(perm.len(), r, "permute kernel: one entry per axis");
    let strides = x.dims.strides();
    // The output read as rank 4 (leading axes of size 1), with the input stride of each.
    let (mut size, mut step) = ([1; 4], [0; 4]);
    for (i, &p) in perm.iter().enumerate() {
        size[4 - r + i] = x.dims[p];
        step[4 - r + i] = strides[p];
    }
    let out_dims = Dims::new(&size[4 - r..]);
    if out_dims.numel() == 0 {
        return RawTensor::new(out_dims, Vec::new());
    }
    let data = x.as_slice();
    let mut out = Vec::with_capacity(data.len());
    for i0 in 0..size[0] {
        for i1 in 0..size[1] {
            for i2 in 0..size[2] {
                let base = i0 * step[0] + i1 * step[1] + i2 * step[2];
                if step[3] == 1 {
                    out.extend_from_slice(&data[base..base + size[3]]);
                } else {
                    out.extend((0..size[3]).map(|i| data[base + i * step[3]]));
                }
            }
        }
    }
    RawTensor::new(out_dims, out)
}
