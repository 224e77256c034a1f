//! W5 of BENCHMARKS.md: a 512 x 512 x 512 f32 matmul, in GFLOP/s, through `Tensor::matmul`
//! and through `matrixmultiply::sgemm` called directly (the hand-written baseline), on one
//! thread. Run with `cargo bench --bench w5_sgemm`.

mod common;

use autodiff::prelude::*;
use common::{measure, Timing};
use std::hint::black_box;

const N: usize = 512;
const WARMUP: usize = 3;
const REPEATS: usize = 15;

/// `2 n^3` floating-point operations (one multiply and one add per term).
fn gflops(t: &Timing) -> f64 {
    2.0 * (N * N * N) as f64 / t.median / 1e9
}

/// `c = a @ b` for row-major `N x N` matrices, straight through the gemm kernel.
fn sgemm(a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(a.len() == N * N && b.len() == N * N && c.len() == N * N);
    // SAFETY: each pointer addresses a live N x N row-major matrix (lengths asserted
    // above; the largest offset is (N - 1) * N + (N - 1) < N * N); `c` is an exclusive
    // borrow, so it overlaps neither `a` nor `b`; the strides N and 1 fit in isize.
    unsafe {
        matrixmultiply::sgemm(
            N,
            N,
            N,
            1.0,
            a.as_ptr(),
            N as isize,
            1,
            b.as_ptr(),
            N as isize,
            1,
            0.0,
            c.as_mut_ptr(),
            N as isize,
            1,
        );
    }
}

fn report(name: &str, t: &Timing) {
    println!(
        "  {name:<24} {:>8.3} ms  {:>6.1} GFLOP/s   (min {:.3} ms, max {:.3} ms)",
        t.median * 1e3,
        gflops(t),
        t.min * 1e3,
        t.max * 1e3,
    );
}

fn main() {
    let a = Tensor::<(U512, U512)>::randn(&mut Rng::seed(1));
    let b = Tensor::<(U512, U512)>::randn(&mut Rng::seed(2));

    // Both paths compute the same product; check once before timing.
    let mut c = vec![0.0f32; N * N];
    sgemm(a.as_slice(), b.as_slice(), &mut c);
    let lib = a.matmul(&b);
    let diff = lib
        .as_slice()
        .iter()
        .zip(&c)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-3, "the two products differ by {diff}");

    let library = measure(WARMUP, REPEATS, || black_box(&a).matmul(black_box(&b)));
    let baseline = measure(WARMUP, REPEATS, || {
        sgemm(black_box(a.as_slice()), black_box(b.as_slice()), &mut c);
        c[0]
    });

    println!(
        "W5 sgemm: {N} x {N} x {N} f32, 1 thread, median of {REPEATS} after {WARMUP} warm-up runs"
    );
    report("Tensor::matmul", &library);
    report("matrixmultiply::sgemm", &baseline);
    println!(
        "  ratio library / hand-written (time): {:.3}",
        library.median / baseline.median
    );
}
