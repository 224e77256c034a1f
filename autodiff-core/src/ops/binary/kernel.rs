//! Element-wise binary kernels with numpy broadcasting.

use crate::tensor::raw::RawTensor;
use crate::{Dims, Element};

/// The broadcast of two run-time shapes.
///
/// # Panics
/// When a pair of sizes differs and neither is 1; the message names `op` and both shapes.
/// Compile-time shapes never reach this panic: their rule is checked by the compiler.
pub(crate) fn broadcast_dims(op: &str, a: Dims, b: Dims) -> Dims {
    let rank = a.len().max(b.len());
    let mut out = [0; 4];
    for (k, slot) in out.iter_mut().enumerate().take(rank) {
        let x = (k + a.len()).checked_sub(rank).map_or(1, |i| a[i]);
        let y = (k + b.len()).checked_sub(rank).map_or(1, |i| b[i]);
        *slot = match (x, y) {
            _ if x == y => x,
            (1, _) => y,
            (_, 1) => x,
            _ => panic!("{op}: shapes {a:?} and {b:?} cannot be broadcast together"),
        };
    }
    Dims::new(&out[..rank])
}

/// Strides of `dims` read as a tensor of rank 4 with sizes `out` (0 where it is broadcast).
fn broadcast_strides(dims: Dims, out: &[usize; 4]) -> [usize; 4] {
    let own = dims.strides();
    let pad = 4 - dims.len();
    let mut s = [0; 4];
    for i in 0..dims.len() {
        s[pad + i] = if dims[i] == 1 && out[pad + i] != 1 {
            0
        } else {
            own[i]
        };
    }
    s
}

/// `f(a, b)` element-wise with numpy broadcasting.
///
/// # Panics
/// See [`broadcast_dims`].
pub(crate) fn zip_broadcast<A: Element, B: Element, O: Element>(
    op: &str,
    a: &RawTensor<A>,
    b: &RawTensor<B>,
    f: impl Fn(A, B) -> O,
) -> RawTensor<O> {
    let (x, y) = (a.as_slice(), b.as_slice());
    if a.dims == b.dims {
        return RawTensor::collect(a.dims, x.iter().zip(y).map(|(&p, &q)| f(p, q)));
    }
    let dims = broadcast_dims(op, a.dims, b.dims);
    if y.len() == 1 && dims == a.dims {
        let q = y[0];
        return RawTensor::collect(dims, x.iter().map(|&p| f(p, q)));
    }
    if x.len() == 1 && dims == b.dims {
        let p = x[0];
        return RawTensor::collect(dims, y.iter().map(|&q| f(p, q)));
    }
    let mut out4 = [1; 4];
    out4[4 - dims.len()..].copy_from_slice(&dims);
    let (sa, sb) = (
        broadcast_strides(a.dims, &out4),
        broadcast_strides(b.dims, &out4),
    );
    let inner = out4[3];
    let mut out = Vec::with_capacity(dims.numel());
    for i0 in 0..out4[0] {
        for i1 in 0..out4[1] {
            for i2 in 0..out4[2] {
                let oa = i0 * sa[0] + i1 * sa[1] + i2 * sa[2];
                let ob = i0 * sb[0] + i1 * sb[1] + i2 * sb[2];
                match (sa[3], sb[3]) {
                    // The common case (a bias row, a column of scales): contiguous runs.
                    (1, 1) => out.extend(
                        x[oa..oa + inner]
                            .iter()
                            .zip(&y[ob..ob + inner])
                            .map(|(&p, &q)| f(p, q)),
                    ),
                    (1, 0) => out.extend(x[oa..oa + inner].iter().map(|&p| f(p, y[ob]))),
                    (0, 1) => out.extend(y[ob..ob + inner].iter().map(|&q| f(x[oa], q))),
                    (s, t) => out.extend((0..inner).map(|i| f(x[oa + i * s], y[ob + i * t]))),
                }
            }
        }
    }
    RawTensor::new(dims, out)
}
