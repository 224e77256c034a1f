//! Matrix products too small for gemm's packing to pay: matrix-vector, vector-matrix and
//! tiny matrices, as plain loops with several partial sums so that they vectorize.
//!
//! matrixmultiply copies both operands into packed panels on every call (a 64x64 matrix
//! times a vector packs the whole matrix for 64 columns' worth of work) and allocates
//! the packing buffer each time; these loops read each operand once, in place.

use super::gemm::MatRef;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float};

/// Products with `m * k * n` up to this many multiply-adds take the loops; above it, gemm.
/// Measured on this project's Zen 4 VM (f32 and f64, every transpose flag, cubes and skinny
/// shapes): against gemm the loops are 2.1-4.6x faster at 4³, 1.3-4.6x at 5³, 0.9-2.8x at
/// 6³ and 0.4-1.6x at 8³, where gemm's packed SIMD kernel takes over. Of the shapes at or
/// under 64, only `16x2x2` (two-element rows) is slower in loops: 0.5-0.9x, up to ~150 ns.
pub(crate) const SMALL_MNK: usize = 4 * 4 * 4;

/// Whether an `m x k` by `k x n` product takes the loops: always for a matrix-vector or
/// vector-matrix product (one operand is read once either way, and gemm would pack the
/// other: the loops are 3-7x faster from 64x64 to 784x256), otherwise when it is small.
pub(crate) fn takes_loops(m: usize, k: usize, n: usize) -> bool {
    m == 1 || n == 1 || m * k * n <= SMALL_MNK
}

/// Whether an `m x k` by `k x n` product is tiny: at most four outputs of fewer than four
/// terms each (a 1x1 product in a scalar model), for [`tiny`].
#[inline]
pub(crate) fn is_tiny(m: usize, k: usize, n: usize) -> bool {
    m * n <= 4 && k < 4
}

/// `c = a @ b` for a tiny product: one sum per output, in the same order as the loops of
/// [`product`] (with fewer than four terms `axpy4` is not used) and without their set-up.
/// Small enough to inline into the caller.
#[inline]
pub(crate) fn tiny<E: Float>(a: &[E], am: MatRef, b: &[E], bm: MatRef, c: &mut [E]) {
    let (m, k, n) = (am.rows, am.cols, bm.cols);
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k).fold(E::ZERO, |s, p| {
                s + a[i * am.rs + p * am.cs] * b[p * bm.rs + j * bm.cs]
            });
        }
    }
}

/// `a @ b` for two untraced matrices of at most four elements each (a scalar model's
/// `1x1` weights): the product without the kernel's set-up, or `None` for anything else.
/// Nothing to record, since neither operand is traced.
#[inline]
pub(crate) fn tiny_untraced<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> Option<RawTensor<E>> {
    let fits = |t: &RawTensor<E>| t.dims.len() == 2 && t.dims.numel() <= 4 && t.trace.is_none();
    if !(fits(a) && fits(b)) || a.dims[1] != b.dims[0] {
        return None;
    }
    let (m, k, n) = (a.dims[0], a.dims[1], b.dims[1]);
    let (x, y) = (a.as_slice(), b.as_slice());
    Some(RawTensor::from_zeroed(Dims::new(&[m, n]), |c| {
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).fold(E::ZERO, |s, p| s + x[i * k + p] * y[p * n + j]);
            }
        }
    }))
}

/// Columns of the output handled per pass of the row-update loop: one block of the
/// output row stays in L1 while the rows of `b` stream past it.
const COL_BLOCK: usize = 512;

/// `c = a @ b` for `c` a row-major `am.rows x bm.cols` matrix (overwritten).
///
/// # Panics
/// If an operand does not fit its slice (an index out of bounds).
pub(crate) fn product<E: Float>(a: &[E], am: MatRef, b: &[E], bm: MatRef, c: &mut [E]) {
    debug_assert_eq!(am.cols, bm.rows);
    let (m, k, n) = (am.rows, am.cols, bm.cols);
    let c = &mut c[..m * n];
    if c.is_empty() {
        return;
    }
    if is_tiny(m, k, n) {
        return tiny(a, am, b, bm, c);
    }
    if n == 1 && m > 1 {
        // A column of outputs is also a row: c = a b is cᵀ = bᵀ aᵀ, with one row.
        return product(b, bm.t(), a, am.t(), c);
    }
    if k == 0 {
        c.fill(E::ZERO);
        return;
    }
    if am.cs == 1 && bm.rs == 1 {
        // Rows of `a` against columns of `b`, both contiguous: one dot product each.
        // (Four columns per pass over the row, as `axpy4` does for rows, measured 1.4x
        // slower than this for a 64x64 matrix-vector product.)
        for (i, row) in c.chunks_exact_mut(n).enumerate() {
            let x = &a[i * am.rs..i * am.rs + k];
            for (j, out) in row.iter_mut().enumerate() {
                *out = dot(x, &b[j * bm.cs..j * bm.cs + k]);
            }
        }
    } else if bm.cs == 1 {
        // Rows of `b` contiguous: each output row is a sum of scaled rows of `b`, four
        // rows per pass over the output.
        for (i, row) in c.chunks_exact_mut(n).enumerate() {
            let s = |p: usize| a[i * am.rs + p * am.cs];
            for (jb, out) in row.chunks_mut(COL_BLOCK).enumerate() {
                let (j0, len) = (jb * COL_BLOCK, out.len());
                let b_row = |p: usize| &b[p * bm.rs + j0..p * bm.rs + j0 + len];
                out.fill(E::ZERO);
                let mut p = 0;
                while p + 4 <= k {
                    let rows = [b_row(p), b_row(p + 1), b_row(p + 2), b_row(p + 3)];
                    axpy4([s(p), s(p + 1), s(p + 2), s(p + 3)], rows, out);
                    p += 4;
                }
                for p in p..k {
                    axpy(s(p), b_row(p), out);
                }
            }
        }
    } else {
        // Both read across their storage (`aᵀ bᵀ`): strided, fine for small products.
        for (i, row) in c.chunks_exact_mut(n).enumerate() {
            for (j, out) in row.iter_mut().enumerate() {
                *out = (0..k)
                    .map(|p| a[i * am.rs + p * am.cs] * b[p * bm.rs + j * bm.cs])
                    .fold(E::ZERO, |s, t| s + t);
            }
        }
    }
}

/// `Σ x[i] y[i]` with eight partial sums (float addition does not reorder by itself),
/// added up in order at the end: a pairwise final sum makes the compiler shuffle the
/// partial sums inside the loop.
fn dot<E: Float>(x: &[E], y: &[E]) -> E {
    let (xs, ys) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .fold(E::ZERO, |s, (&p, &q)| s + p * q);
    let mut acc = [E::ZERO; 8];
    for (p, q) in xs.zip(ys) {
        for l in 0..8 {
            acc[l] = acc[l] + p[l] * q[l];
        }
    }
    acc.iter().fold(tail, |s, &a| s + a)
}

/// `y += s[0] x[0] + .. + s[3] x[3]`: one pass over `y` for four rows (a 64x64
/// matrix-vector product in 290 ns instead of 400 with [`axpy`] alone).
fn axpy4<E: Float>(s: [E; 4], [x0, x1, x2, x3]: [&[E]; 4], y: &mut [E]) {
    for ((((o, &p), &q), &r), &t) in y.iter_mut().zip(x0).zip(x1).zip(x2).zip(x3) {
        *o = *o + (s[0] * p + s[1] * q) + (s[2] * r + s[3] * t);
    }
}

/// `y += s x`.
fn axpy<E: Float>(s: E, x: &[E], y: &mut [E]) {
    for (o, &v) in y.iter_mut().zip(x) {
        *o = *o + s * v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::matmul::gemm::Gemm;

    /// Every tiny shape, transposed or not on either side: [`tiny`] against an in-order
    /// naive sum (bit for bit) and against gemm, and the kernels that call it against gemm.
    #[test]
    fn tiny_products_match_naive_sums_and_gemm() {
        use crate::ops::matmul::kernel::mm;
        use crate::tensor::raw::RawTensor;
        use crate::Dims;
        let read = |rows, cols, t: bool| {
            let m = MatRef::row_major(rows, cols);
            if t {
                m.t()
            } else {
                m
            }
        };
        let mut checked = 0;
        for (m, k, n) in
            (0..5).flat_map(|m| (0..4).flat_map(move |k| (0..5).map(move |n| (m, k, n))))
        {
            if !is_tiny(m, k, n) {
                continue;
            }
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                let a: Vec<f64> = (0..m * k).map(|i| i as f64 * 0.7 - 1.1).collect();
                let b: Vec<f64> = (0..k * n).map(|i| 1.3 - i as f64 * 0.4).collect();
                // Stored as `op(x)`'s transpose when the flag is set, read through strides.
                let (ar, ac) = if ta { (k, m) } else { (m, k) };
                let (br, bc) = if tb { (n, k) } else { (k, n) };
                let (am, bm) = (read(ar, ac, ta), read(br, bc, tb));
                let mut c = vec![f64::NAN; m * n];
                tiny(&a, am, &b, bm, &mut c);
                let mut naive = vec![0.0; m * n];
                for i in 0..m {
                    for j in 0..n {
                        let mut s = 0.0;
                        for p in 0..k {
                            s += a[i * am.rs + p * am.cs] * b[p * bm.rs + j * bm.cs];
                        }
                        naive[i * n + j] = s;
                    }
                }
                assert_eq!(c, naive, "{m}x{k}x{n} {ta} {tb}");
                let mut g = vec![0.0; m * n];
                f64::gemm(1.0, &a, am, &b, bm, 0.0, &mut g, MatRef::row_major(m, n));
                let mut p = vec![f64::NAN; m * n];
                product(&a, am, &b, bm, &mut p);
                let (x, y) = (
                    RawTensor::collect(Dims::new(&[ar, ac]), a.iter().copied()),
                    RawTensor::collect(Dims::new(&[br, bc]), b.iter().copied()),
                );
                let through_mm = mm(&x, &y, ta, tb);
                assert_eq!(through_mm.dims, Dims::new(&[m, n]));
                for got in [&c, &p, &through_mm.as_slice().to_vec()] {
                    for (u, v) in got.iter().zip(&g) {
                        assert!((u - v).abs() <= 1e-12 * (1.0 + v.abs()), "{m}x{k}x{n}");
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 100);
    }
}
