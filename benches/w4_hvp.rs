//! W4 of BENCHMARKS.md, a Hessian-vector product: `f(x) = sum(tanh(W @ x)^2)`, `W` fixed
//! 64x64, `x` 64. The gradient is taken with its graph kept for a second order (`f::grad`
//! called inside another `#[differentiable]` function), then the gradient of
//! `dot(grad, v)` is `H v`. In µs per HVP, through the library and hand-written (the
//! Hessian derived analytically), with the forward-only and gradient times beside. Run
//! with `cargo bench --bench w4_hvp`.

mod common;

use autodiff::kernels::tanh;
use autodiff::prelude::*;
use common::{
    assert_close, compare, count_allocs, profile_seconds, report_compared, report_forward, sgemm,
    spin, Mat, REPEATS, US, WARMUP,
};
use std::hint::black_box;

const N: usize = 64;
const LIBRARY_ITERS: u32 = 100;
const HAND_ITERS: u32 = 200;

type Vector = Tensor<(U64,)>;
type Matrix = Tensor<(U64, U64)>;

/// `f(x) = sum(tanh(W x)^2)`.
#[differentiable]
fn f(x: &Vector, #[no_grad] w: &Matrix) -> Tensor<()> {
    w.matmul(x).tanh().powi(2).sum()
}

/// `<∇f(x), v>`: its gradient with respect to `x` is `H v`.
#[differentiable]
fn grad_dot(x: &Vector, #[no_grad] w: &Matrix, #[no_grad] v: &Vector) -> Tensor<()> {
    (f::grad(x, w).x * v).sum()
}

/// The hand-written side, with buffers kept between calls. With `t = tanh(W x)`:
/// `f = Σ t²`, `∇f = Wᵀ (2 t (1 - t²))`, and `H = Wᵀ diag(2 (1 - t²)(1 - 3 t²)) W`, so
/// `H v = Wᵀ (s ⊙ W v)` with `s = 2 (1 - t²)(1 - 3 t²)`: three matrix-vector products.
/// Its tanh is the library's kernel (`autodiff::kernels::tanh`), as in W3.
struct Hand {
    t: Vec<f32>,
    wv: Vec<f32>,
    r: Vec<f32>,
    out: Vec<f32>,
}

fn matvec(w: &[f32], x: &[f32], y: &mut [f32]) {
    sgemm(w, Mat::rows(N, N), x, Mat::rows(N, 1), y);
}

fn matvec_t(w: &[f32], x: &[f32], y: &mut [f32]) {
    sgemm(w, Mat::rows(N, N).t(), x, Mat::rows(N, 1), y);
}

/// `y = W x` in plain loops (eight partial sums per row, so that it vectorizes).
fn matvec_loop(w: &[f32], x: &[f32], y: &mut [f32]) {
    for (row, y) in w.chunks_exact(N).zip(y) {
        let mut acc = [0.0f32; 8];
        for (r, x) in row.chunks_exact(8).zip(x.chunks_exact(8)) {
            for i in 0..8 {
                acc[i] += r[i] * x[i];
            }
        }
        *y = acc.iter().sum();
    }
}

/// `y = Wᵀ x` in plain loops (a sum of scaled rows).
fn matvec_t_loop(w: &[f32], x: &[f32], y: &mut [f32]) {
    y.fill(0.0);
    for (row, &x) in w.chunks_exact(N).zip(x) {
        for (y, &r) in y.iter_mut().zip(row) {
            *y += r * x;
        }
    }
}

impl Hand {
    fn new() -> Hand {
        Hand {
            t: vec![0.0; N],
            wv: vec![0.0; N],
            r: vec![0.0; N],
            out: vec![0.0; N],
        }
    }

    fn forward(&mut self, w: &[f32], x: &[f32]) -> f32 {
        matvec(w, x, &mut self.t);
        self.t.iter().map(|&u| tanh(u).powi(2)).sum()
    }

    fn grad(&mut self, w: &[f32], x: &[f32]) -> &[f32] {
        matvec(w, x, &mut self.t);
        for (r, u) in self.r.iter_mut().zip(&self.t) {
            let t = tanh(*u);
            *r = 2.0 * t * (1.0 - t * t);
        }
        matvec_t(w, &self.r, &mut self.out);
        &self.out
    }

    fn hvp(&mut self, w: &[f32], x: &[f32], v: &[f32]) -> &[f32] {
        self.hvp_with(w, x, v, matvec, matvec_t)
    }

    /// [`Hand::hvp`] with other matrix-vector kernels.
    fn hvp_with(
        &mut self,
        w: &[f32],
        x: &[f32],
        v: &[f32],
        matvec: fn(&[f32], &[f32], &mut [f32]),
        matvec_t: fn(&[f32], &[f32], &mut [f32]),
    ) -> &[f32] {
        matvec(w, x, &mut self.t);
        matvec(w, v, &mut self.wv);
        for ((r, u), wv) in self.r.iter_mut().zip(&self.t).zip(&self.wv) {
            let t2 = tanh(*u).powi(2);
            *r = 2.0 * (1.0 - t2) * (1.0 - 3.0 * t2) * wv;
        }
        matvec_t(w, &self.r, &mut self.out);
        &self.out
    }
}

fn main() {
    let w = Matrix::randn(&mut Rng::seed(41)) * 0.125;
    let x = Vector::randn(&mut Rng::seed(42));
    let v = Vector::randn(&mut Rng::seed(43));
    let (wh, xh, vh) = (w.to_vec(), x.to_vec(), v.to_vec());
    let mut hand = Hand::new();

    // Same value, gradient and HVP on both sides; check once before timing.
    assert_close("f", &[f(&x, &w).item()], &[hand.forward(&wh, &xh)], 1e-5);
    let g = f::grad(&x, &w).x;
    assert_close("grad", g.as_slice(), hand.grad(&wh, &xh), 1e-5);
    let hv = grad_dot::grad(&x, &w, &v).x;
    assert_close("hvp", hv.as_slice(), hand.hvp(&wh, &xh, &vh), 1e-4);
    let mut reference = Hand::new();
    let hv_loops = reference.hvp_with(&wh, &xh, &vh, matvec_loop, matvec_t_loop);
    assert_close("hvp (loops)", hv_loops, hand.hvp(&wh, &xh, &vh), 1e-4);

    if let Some(seconds) = profile_seconds() {
        return spin(seconds, || grad_dot::grad(&x, &w, &v));
    }
    let hvp = compare(
        WARMUP,
        REPEATS,
        (LIBRARY_ITERS, || {
            grad_dot::grad(black_box(&x), black_box(&w), black_box(&v))
        }),
        (HAND_ITERS, || {
            hand.hvp(black_box(&wh), black_box(&xh), black_box(&vh))[0]
        }),
    );
    // At the top level `f::grad` takes the compiled backward pass (docs/macros.md); inside
    // `grad_dot` it records on the tape, as the HVP needs.
    let grad = compare(
        WARMUP,
        REPEATS,
        (LIBRARY_ITERS, || f::grad(black_box(&x), black_box(&w))),
        (HAND_ITERS, || hand.grad(black_box(&wh), black_box(&xh))[0]),
    );
    // The library's matrix-vector products are plain loops too (ops/matmul/small.rs):
    // against this baseline the ratio is like for like.
    let loops = compare(
        WARMUP,
        REPEATS,
        (LIBRARY_ITERS, || {
            grad_dot::grad(black_box(&x), black_box(&w), black_box(&v))
        }),
        (HAND_ITERS, || {
            let (w, x, v) = (black_box(&wh), black_box(&xh), black_box(&vh));
            reference.hvp_with(w, x, v, matvec_loop, matvec_t_loop)[0]
        }),
    );
    let allocs = count_allocs(LIBRARY_ITERS, || grad_dot::grad(&x, &w, &v));
    let fwd = compare(
        WARMUP,
        REPEATS,
        (LIBRARY_ITERS, || f(black_box(&x), black_box(&w))),
        (HAND_ITERS, || hand.forward(black_box(&wh), black_box(&xh))),
    );

    println!(
        "W4 hvp: f(x) = sum(tanh(W x)^2), W {N}x{N} f32; \
         median of {REPEATS} after {WARMUP} warm-up runs, per call"
    );
    report_compared(
        "HVP",
        "library HVP (grad of <f::grad, v>)",
        "hand-written HVP (analytic)",
        &hvp,
        US,
    );
    report_compared(
        "gradient",
        "library gradient (f::grad)",
        "hand-written gradient",
        &grad,
        US,
    );
    report_forward(&fwd, US);
    println!(
        "  library gradient / forward: {:.2}x, HVP / forward: {:.2}x",
        grad.library.median / fwd.library.median,
        hvp.library.median / fwd.library.median
    );
    let hand_allocs = count_allocs(HAND_ITERS, || hand.hvp(&wh, &xh, &vh)[0]);
    println!("  library heap allocations per HVP: {allocs}");
    println!("  hand-written heap allocations per HVP: {hand_allocs} (sgemm's packing buffers)");
    report_compared(
        "HVP, matrix-vector products as loops on both sides",
        "library HVP (again)",
        "hand-written HVP, loops",
        &loops,
        US,
    );
    println!(
        "  (the hand-written side above calls sgemm, which packs W on every call; the \
         library's matrix-vector products are loops, like this one's)"
    );
}
