//! Matrix products on raw tensors: every form reduces to one or more gemm calls.

use super::gemm::MatRef;
use super::small;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float};

/// `a @ b` for the forms of [`MatMul`](crate::shape::rules::MatMul), by the operands' ranks.
///
/// # Panics
/// When a `Dyn` inner or batch dimension disagrees; the message names both shapes.
pub(crate) fn matmul<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    let (ad, bd) = (&a.dims, &b.dims);
    let mismatch = || -> ! {
        panic!("matmul: shapes {ad:?} and {bd:?} do not chain (inner dimensions differ)")
    };
    // Read a vector as a 1 x K row or a K x 1 column, and drop that axis from the result.
    let (batch, m, k, n, out): (usize, usize, usize, usize, Dims) = match (ad.len(), bd.len()) {
        (2, 2) => (1, ad[0], ad[1], bd[1], Dims::new(&[ad[0], bd[1]])),
        (3, 3) => {
            if ad[0] != bd[0] {
                panic!("matmul: shapes {ad:?} and {bd:?} have different batch sizes");
            }
            (
                ad[0],
                ad[1],
                ad[2],
                bd[2],
                Dims::new(&[ad[0], ad[1], bd[2]]),
            )
        }
        (3, 2) => (
            1,
            ad[0] * ad[1],
            ad[2],
            bd[1],
            Dims::new(&[ad[0], ad[1], bd[1]]),
        ),
        (2, 1) => (1, ad[0], ad[1], 1, Dims::new(&[ad[0]])),
        (1, 2) => (1, 1, ad[0], bd[1], Dims::new(&[bd[1]])),
        (1, 1) => (1, 1, ad[0], 1, Dims::new(&[])),
        _ => panic!("matmul: no matrix product of shapes {ad:?} and {bd:?}"),
    };
    let kb = if bd.len() == 1 {
        bd[0]
    } else {
        bd[bd.len() - 2]
    };
    if kb != k {
        mismatch();
    }
    let (am, bm) = (MatRef::row_major(m, k), MatRef::row_major(k, n));
    let (x, y) = (a.as_slice(), b.as_slice());
    if batch == 1 {
        return RawTensor::from_zeroed(out, |c| product(x, am, y, bm, c));
    }
    RawTensor::from_zeroed(out, |c| {
        for i in 0..batch {
            let (xa, yb) = (
                &x[i * m * k..(i + 1) * m * k],
                &y[i * k * n..(i + 1) * k * n],
            );
            product(xa, am, yb, bm, &mut c[i * m * n..(i + 1) * m * n]);
        }
    })
}

/// The transpose of the last two axes, copied into row-major order (blocked for the cache).
pub(crate) fn transpose_last2<E: Float>(a: &RawTensor<E>) -> RawTensor<E> {
    let d = a.dims;
    let r = d.len();
    let (rows, cols) = (d[r - 2], d[r - 1]);
    let batch = d.numel() / (rows * cols).max(1);
    let x = a.as_slice();
    let mut out = vec![E::ZERO; x.len()];
    const BLOCK: usize = 32;
    for b in 0..batch {
        let (src, dst) = (
            &x[b * rows * cols..],
            &mut out[b * rows * cols..(b + 1) * rows * cols],
        );
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
    let mut dims = [0; 4];
    dims[..r].copy_from_slice(&d);
    dims.swap(r - 2, r - 1);
    RawTensor::new(Dims::new(&dims[..r]), out)
}

/// `op(a) @ op(b)` for two matrices or two equal-sized batches of them, where `op`
/// transposes when its flag is set. The transposes are strides handed to gemm: no copy.
///
/// # Panics
/// When the operands do not chain or their batch sizes differ.
pub(crate) fn mm<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>, ta: bool, tb: bool) -> RawTensor<E> {
    let (ad, bd) = (&a.dims, &b.dims);
    let r = ad.len();
    assert!(
        r == bd.len() && (r == 2 || r == 3),
        "mm: shapes {ad:?} and {bd:?}"
    );
    let batch = if r == 3 { ad[0] } else { 1 };
    if r == 3 && bd[0] != batch {
        panic!("matmul: shapes {ad:?} and {bd:?} have different batch sizes");
    }
    let (ar, ac, br, bc) = (ad[r - 2], ad[r - 1], bd[r - 2], bd[r - 1]);
    let read = |rows, cols, t: bool| {
        let m = MatRef::row_major(rows, cols);
        if t {
            m.t()
        } else {
            m
        }
    };
    let (am, bm) = (read(ar, ac, ta), read(br, bc, tb));
    if am.cols != bm.rows {
        panic!("matmul: shapes {ad:?} and {bd:?} do not chain (inner dimensions differ)");
    }
    let (m, n) = (am.rows, bm.cols);
    let dims = if r == 3 {
        Dims::new(&[batch, m, n])
    } else {
        Dims::new(&[m, n])
    };
    let (x, y) = (a.as_slice(), b.as_slice());
    if batch == 1 {
        // One matrix: no per-entry slicing, whose bounds checks outweigh a 1x1 product.
        return RawTensor::from_zeroed(dims, |c| product(x, am, y, bm, c));
    }
    let (sa, sb, sc) = (ar * ac, br * bc, m * n);
    RawTensor::from_zeroed(dims, |c| {
        for i in 0..batch {
            let out = &mut c[i * sc..(i + 1) * sc];
            product(
                &x[i * sa..(i + 1) * sa],
                am,
                &y[i * sb..(i + 1) * sb],
                bm,
                out,
            );
        }
    })
}

/// `c = a @ b` for a row-major `c`: one sum per output for tiny products (inlined here),
/// plain loops for matrix-vector and small products (see [`small::takes_loops`]), gemm's
/// packed kernel otherwise.
fn product<E: Float>(a: &[E], am: MatRef, b: &[E], bm: MatRef, c: &mut [E]) {
    if small::is_tiny(am.rows, am.cols, bm.cols) {
        small::tiny(a, am, b, bm, c);
    } else if small::takes_loops(am.rows, am.cols, bm.cols) {
        small::product(a, am, b, bm, c);
    } else {
        let cm = MatRef::row_major(am.rows, bm.cols);
        E::gemm(E::ONE, a, am, b, bm, E::ZERO, c, cm);
    }
}
