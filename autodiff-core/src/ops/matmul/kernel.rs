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
    // A matrix operand that is a lazy transpose is read from its source; the left one of
    // `(B, M, K) x (K, N)` is read as one `(B*M, K)` matrix, which its source is not.
    let (x, am) = match (ad.len(), bd.len()) {
        (1, _) | (3, 2) => (a.as_slice(), MatRef::row_major(m, k)),
        _ => operand(a, false),
    };
    let (y, bm) = match bd.len() {
        1 => (b.as_slice(), MatRef::row_major(k, n)),
        _ => operand(b, false),
    };
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

/// The transpose of the last two axes: lazy (see [`RawTensor::transpose_last2`]), so a
/// matrix product of it reads the untransposed data in place.
pub(crate) fn transpose_last2<E: Float>(a: &RawTensor<E>) -> RawTensor<E> {
    a.transpose_last2()
}

/// The elements of `t` and how to read each of its matrices (the last two axes), transposed
/// when `transpose` is set. A lazy transpose is read from its source with the flag
/// flipped: the same matrices, no copy.
fn operand<E: Float>(t: &RawTensor<E>, transpose: bool) -> (&[E], MatRef) {
    let r = t.dims.len();
    let (rows, cols) = (t.dims[r - 2], t.dims[r - 1]);
    let read = |rows, cols, t: bool| {
        let m = MatRef::row_major(rows, cols);
        if t {
            m.t()
        } else {
            m
        }
    };
    match t.transposed_source() {
        Some(src) => (src, read(cols, rows, !transpose)),
        None => (t.as_slice(), read(rows, cols, transpose)),
    }
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
    let ((x, am), (y, bm)) = (operand(a, ta), operand(b, tb));
    if am.cols != bm.rows {
        panic!("matmul: shapes {ad:?} and {bd:?} do not chain (inner dimensions differ)");
    }
    let (m, n) = (am.rows, bm.cols);
    let dims = if r == 3 {
        Dims::new(&[batch, m, n])
    } else {
        Dims::new(&[m, n])
    };
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
