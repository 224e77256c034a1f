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

/// Whether two lists of at most four sizes are equal: a loop, where slice `==` calls
/// `memcmp` (6% of an op on one element, W1 in docs/benchmarks.md).
#[inline]
fn same(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The result's shape when `a` and `b` have the same sizes up to leading 1s (so the same
/// element count and order): the longer of the two. `None` when broadcasting is needed.
#[inline]
fn aligned(a: &Dims, b: &Dims) -> Option<Dims> {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let pad = long.len() - short.len();
    (same(&long[pad..], short) && long[..pad].iter().all(|&d| d == 1)).then_some(*long)
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

/// `a = f(a, b)` element-wise in `a`'s buffer (sizes `da`), when the result has `a`'s sizes
/// and `b` repeats along `a` in contiguous runs: `b`'s sizes, leading 1s aside, are the
/// last sizes of `a` (the same sizes, a bias row, one element). Returns `false`, having
/// written nothing, otherwise (the caller then takes [`zip_broadcast`]'s path). The same
/// arithmetic as [`zip_broadcast`], so the same bits.
pub(crate) fn zip_into<E: Element>(
    a: &mut [E],
    da: &Dims,
    b: &RawTensor<E>,
    f: impl Fn(E, E) -> E,
) -> bool {
    let y = b.as_slice();
    let lead = b.dims.iter().take_while(|&&d| d == 1).count();
    let tail = &b.dims[lead..];
    if b.dims.len() > da.len() || !same(&da[da.len() - tail.len()..], tail) {
        return false;
    }
    if a.is_empty() {
        return true;
    }
    if let [q] = *y {
        for p in a.iter_mut() {
            *p = f(*p, q);
        }
    } else {
        for run in a.chunks_exact_mut(y.len()) {
            for (p, &q) in run.iter_mut().zip(y) {
                *p = f(*p, q);
            }
        }
    }
    true
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
    // Fast paths that need no `broadcast_dims`: operands whose shapes differ only by
    // leading 1s (`(1, 1) + (1,)`) pair their elements in order, and a one-element operand
    // of lower or equal rank leaves the other's shape as the result's.
    if x.len() == y.len() {
        if let Some(dims) = aligned(&a.dims, &b.dims) {
            return RawTensor::collect(dims, x.iter().zip(y).map(|(&p, &q)| f(p, q)));
        }
    }
    if y.len() == 1 && b.dims.len() <= a.dims.len() {
        let q = y[0];
        return RawTensor::collect(a.dims, x.iter().map(|&p| f(p, q)));
    }
    if x.len() == 1 && a.dims.len() <= b.dims.len() {
        let p = x[0];
        return RawTensor::collect(b.dims, y.iter().map(|&q| f(p, q)));
    }
    let dims = broadcast_dims(op, a.dims, b.dims);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `a - b` by multi-indices over the broadcast shape: an independent reference.
    fn naive_sub(a: &RawTensor<f64>, b: &RawTensor<f64>) -> (Dims, Vec<f64>) {
        let dims = broadcast_dims("sub", a.dims, b.dims);
        let at = |t: &RawTensor<f64>, multi: &[usize]| {
            let pad = multi.len() - t.dims.len();
            let flat = (0..t.dims.len()).fold(0, |acc, d| {
                acc * t.dims[d] + if t.dims[d] == 1 { 0 } else { multi[pad + d] }
            });
            t.as_slice()[flat]
        };
        let mut out = Vec::new();
        for flat in 0..dims.numel() {
            let mut multi = vec![0; dims.len()];
            let mut rest = flat;
            for d in (0..dims.len()).rev() {
                multi[d] = rest % dims[d];
                rest /= dims[d];
            }
            out.push(at(a, &multi) - at(b, &multi));
        }
        (dims, out)
    }

    #[test]
    fn fast_paths_match_naive_broadcasting() {
        let shapes: [(&[usize], &[usize]); 12] = [
            (&[1, 1], &[1]),
            (&[1], &[1, 1]),
            (&[1, 3], &[3]),
            (&[3], &[1, 1, 3]),
            (&[2, 3], &[2, 3]),
            (&[2, 3], &[1]),
            (&[1], &[2, 3]),
            (&[], &[2, 3]),
            (&[1, 1], &[2, 3]),
            (&[2, 3], &[1, 1, 1]),
            (&[0, 3], &[1]),
            (&[2, 1], &[1, 3]),
        ];
        for (sa, sb) in shapes {
            let (da, db) = (Dims::new(sa), Dims::new(sb));
            let a = RawTensor::collect(da, (0..da.numel()).map(|i| i as f64 + 0.5));
            let b = RawTensor::collect(db, (0..db.numel()).map(|i| 10.0 * i as f64 - 1.0));
            let got = zip_broadcast("sub", &a, &b, |x, y| x - y);
            let (dims, want) = naive_sub(&a, &b);
            assert_eq!(got.dims, dims, "{sa:?} - {sb:?}");
            assert_eq!(got.as_slice(), want.as_slice(), "{sa:?} - {sb:?}");
        }
    }

    #[test]
    #[should_panic(expected = "sub: shapes [1, 2] and [3] cannot be broadcast together")]
    fn the_fast_paths_leave_mismatches_to_broadcast_dims() {
        let (a, b) = (
            RawTensor::filled(Dims::new(&[1, 2]), 1.0f64),
            RawTensor::filled(Dims::new(&[3]), 1.0f64),
        );
        zip_broadcast("sub", &a, &b, |x, y| x - y);
    }
}
