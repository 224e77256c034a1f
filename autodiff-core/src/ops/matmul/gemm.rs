//! The one module with `unsafe`: a checked, safe wrapper over `matrixmultiply`'s gemm.
//!
//! `matrixmultiply::{sgemm, dgemm}` take raw pointers and strides. We keep them because
//! the W5 benchmark (docs/benchmarks.md) needs the packed SIMD kernel: a safe triple loop
//! is several times slower. Soundness rests on the checks below: every index the kernel
//! can touch (`(rows - 1) * row_stride + (cols - 1) * col_stride`) is inside its slice,
//! and `c` is an exclusive borrow, so it cannot alias `a` or `b`.
#![allow(unsafe_code)]

/// A matrix in a slice: `rows x cols`, element `(i, j)` at `i * rs + j * cs`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef {
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

impl MatRef {
    /// A contiguous row-major matrix.
    pub fn row_major(rows: usize, cols: usize) -> Self {
        MatRef {
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The same data read as its transpose.
    pub fn t(self) -> Self {
        MatRef {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }

    /// True when every element lies inside a slice of length `len`.
    fn fits(&self, len: usize) -> bool {
        if self.rows == 0 || self.cols == 0 {
            return true;
        }
        let last = (self.rows - 1).checked_mul(self.rs).and_then(|r| {
            (self.cols - 1)
                .checked_mul(self.cs)
                .and_then(|c| r.checked_add(c))
        });
        matches!(last, Some(l) if l < len) && isize::try_from(self.rs.max(self.cs)).is_ok()
    }
}

/// Element types with a gemm kernel (`f32`, `f64`).
pub trait Gemm: Copy {
    /// `c = alpha * a @ b + beta * c`.
    ///
    /// # Panics
    /// If the shapes do not chain or a matrix does not fit in its slice.
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        alpha: Self,
        a: &[Self],
        am: MatRef,
        b: &[Self],
        bm: MatRef,
        beta: Self,
        c: &mut [Self],
        cm: MatRef,
    );
}

fn check(a: usize, am: MatRef, b: usize, bm: MatRef, c: usize, cm: MatRef) {
    assert!(
        am.cols == bm.rows && am.rows == cm.rows && bm.cols == cm.cols,
        "gemm: shapes {am:?} x {bm:?} -> {cm:?} do not chain"
    );
    assert!(
        am.fits(a) && bm.fits(b) && cm.fits(c),
        "gemm: a matrix does not fit in its slice"
    );
}

macro_rules! gemm_impl {
    ($t:ty, $f:path) => {
        impl Gemm for $t {
            fn gemm(
                alpha: Self,
                a: &[Self],
                am: MatRef,
                b: &[Self],
                bm: MatRef,
                beta: Self,
                c: &mut [Self],
                cm: MatRef,
            ) {
                check(a.len(), am, b.len(), bm, c.len(), cm);
                if cm.rows == 0 || cm.cols == 0 {
                    return;
                }
                // SAFETY: `check` proved every element the kernel reads or writes is inside
                // its slice and the strides fit in isize; `c` is borrowed mutably, so it
                // does not overlap `a` or `b`.
                unsafe {
                    $f(
                        am.rows,
                        am.cols,
                        bm.cols,
                        alpha,
                        a.as_ptr(),
                        am.rs as isize,
                        am.cs as isize,
                        b.as_ptr(),
                        bm.rs as isize,
                        bm.cs as isize,
                        beta,
                        c.as_mut_ptr(),
                        cm.rs as isize,
                        cm.cs as isize,
                    )
                }
            }
        }
    };
}

gemm_impl!(f32, matrixmultiply::sgemm);
gemm_impl!(f64, matrixmultiply::dgemm);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_product_matches_naive_loop() {
        // a is 2x3 read through its transpose's storage (3x2 row-major).
        let a_t = [1.0f64, 4., 2., 5., 3., 6.];
        let b = [1.0f64, 0., 0., 1., 1., 1.];
        let mut c = [0.0f64; 4];
        let am = MatRef::row_major(3, 2).t();
        f64::gemm(
            1.0,
            &a_t,
            am,
            &b,
            MatRef::row_major(3, 2),
            0.0,
            &mut c,
            MatRef::row_major(2, 2),
        );
        assert_eq!(c, [4., 5., 10., 11.]);
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn rejects_a_matrix_longer_than_its_slice() {
        let mut c = [0.0f32; 4];
        f32::gemm(
            1.0,
            &[1.0; 3],
            MatRef::row_major(2, 2),
            &[1.0; 4],
            MatRef::row_major(2, 2),
            0.0,
            &mut c,
            MatRef::row_major(2, 2),
        );
    }

    #[test]
    #[should_panic(expected = "do not chain")]
    fn rejects_shapes_that_do_not_chain() {
        let mut c = [0.0f32; 4];
        f32::gemm(
            1.0,
            &[1.0; 6],
            MatRef::row_major(2, 3),
            &[1.0; 4],
            MatRef::row_major(2, 2),
            0.0,
            &mut c,
            MatRef::row_major(2, 2),
        );
    }
}
