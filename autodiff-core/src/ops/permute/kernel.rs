//! The permutation kernel: a strided copy that reads the input in the output's order, and
//! the blocked copy behind lazy transposes (`tensor/raw.rs`).

use crate::tensor::raw::RawTensor;
use crate::{Dims, Element};

/// The axes of `x` reordered: output axis `i` is input axis `perm[i]`, so the output has
/// sizes `dims[perm[i]]` and element `out[.., j_i, ..] = x[.., j at axis perm[i], ..]`.
/// A swap of the last two axes is a lazy transpose ([`RawTensor::transpose_last2`]): no
/// copy until something reads the elements, none at all for a matrix product.
pub(crate) fn permute<E: Element>(x: &RawTensor<E>, perm: &[usize]) -> RawTensor<E> {
    let r = x.dims.len();
    debug_assert_eq!(perm.len(), r, "permute kernel: one entry per axis");
    let swaps_last2 = r >= 2
        && perm[r - 2] == r - 1
        && perm[r - 1] == r - 2
        && perm[..r - 2].iter().enumerate().all(|(i, &p)| i == p);
    if swaps_last2 {
        return x.transpose_last2();
    }
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

/// The `cols x rows` transposes of the `rows x cols` matrices `src` holds one after the
/// other, in row-major order. Blocked, so that reads and writes both stay in cache.
pub(crate) fn transpose_blocks<E: Element>(src: &[E], rows: usize, cols: usize) -> Vec<E> {
    let mut out = vec![E::default(); src.len()];
    const BLOCK: usize = 32;
    let size = rows * cols;
    if size == 0 {
        return out;
    }
    for (src, dst) in src.chunks_exact(size).zip(out.chunks_exact_mut(size)) {
        for i0 in (0..rows).step_by(BLOCK) {
            for j0 in (0..cols).step_by(BLOCK) {
                for i in i0..(i0 + BLOCK).min(rows) {
                    for j in j0..(j0 + BLOCK).min(cols) {
                        dst[j * rows + i] = src[i * cols + j];
                    }
                }
            }
        }
    }
    out
}
