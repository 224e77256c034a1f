//! Matrix products too small for gemm's packing to pay: matrix-vector, vector-matrix and
//! tiny matrices, as plain loops with several partial sums so that they vectorize.
//!
//! matrixmultiply copies both operands into packed panels on every call (a 64x64 matrix
//! times a vector packs the whole matrix for 64 columns' worth of work) and allocates
//! the packing buffer each time; these loops read each operand once, in place.

use super::gemm::MatRef;
use crate::Float;

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
