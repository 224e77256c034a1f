//! W3 of BENCHMARKS.md, a long chain of small element-wise ops: `x` 1024 floats, 50 times
//! `x = tanh(x * a + b)` with learnable `a`, `b` (1024 each, shared by the 50 steps),
//! `loss = sum(x)`; forward + backward in µs per iteration, through `#[differentiable]`
//! and hand-written, with forward-only times beside. Run with
//! `cargo bench --bench w3_chain`.

mod common;

use autodiff::kernels::tanh;
use autodiff::prelude::*;
use common::{
    assert_close, compare, count_allocs, measure_each, peak_bytes, profile_seconds, report,
    report_compared, report_forward, report_recording, spin, REPEATS, US, WARMUP,
};
use std::hint::black_box;

const N: usize = 1024;
const STEPS: usize = 50;
const LIBRARY_ITERS: u32 = 10;
const HAND_ITERS: u32 = 10;

type Vector = Tensor<(U1024,)>;

/// `sum(x_50)` with `x_{k+1} = tanh(x_k * a + b)`.
#[differentiable]
fn chain(a: &Vector, b: &Vector, #[no_grad] x: &Vector) -> Tensor<()> {
    let mut x = x.clone();
    for _ in 0..STEPS {
        x = (&x * a + b).tanh();
    }
    x.sum()
}

/// The hand-written chain, with buffers kept between calls (no allocation per call). Its
/// tanh is the library's own kernel (`autodiff::kernels::tanh`, branch-free, vectorised
/// in these loops as in the library's), so that the ratio compares like with like.
struct Hand {
    /// `x_0 .. x_50`, each `N` floats: the forward pass's values the backward pass needs.
    xs: Vec<f32>,
    /// The gradient flowing back through `x_k`.
    g: Vec<f32>,
    ga: Vec<f32>,
    gb: Vec<f32>,
}

impl Hand {
    fn new() -> Hand {
        Hand {
            xs: vec![0.0; (STEPS + 1) * N],
            g: vec![0.0; N],
            ga: vec![0.0; N],
            gb: vec![0.0; N],
        }
    }

    /// Forward only: the loss, nothing kept.
    fn forward(a: &[f32], b: &[f32], x0: &[f32], scratch: &mut [f32]) -> f32 {
        scratch.copy_from_slice(x0);
        for _ in 0..STEPS {
            for ((x, &a), &b) in scratch.iter_mut().zip(a).zip(b) {
                *x = tanh(*x * a + b);
            }
        }
        scratch.iter().sum()
    }

    /// Forward keeping every `x_k`, then backward: with `d = g (1 - x_{k+1}²)`,
    /// `da += d x_k`, `db += d`, and the gradient for `x_k` is `d a`.
    fn forward_backward(&mut self, a: &[f32], b: &[f32], x0: &[f32]) -> f32 {
        self.forward_backward_with(a, b, x0, tanh)
    }

    /// [`Hand::forward_backward`] with another `tanh` kernel.
    fn forward_backward_with(
        &mut self,
        a: &[f32],
        b: &[f32],
        x0: &[f32],
        tanh: impl Fn(f32) -> f32,
    ) -> f32 {
        self.xs[..N].copy_from_slice(x0);
        for k in 0..STEPS {
            let (done, next) = self.xs.split_at_mut((k + 1) * N);
            let x = &done[k * N..];
            for (((y, &x), &a), &b) in next[..N].iter_mut().zip(x).zip(a).zip(b) {
                *y = tanh(x * a + b);
            }
        }
        let loss = self.xs[STEPS * N..].iter().sum();
        self.g.fill(1.0);
        self.ga.fill(0.0);
        self.gb.fill(0.0);
        for k in (0..STEPS).rev() {
            let (x, y) = (&self.xs[k * N..(k + 1) * N], &self.xs[(k + 1) * N..]);
            let grads = self.g.iter_mut().zip(&mut self.ga).zip(&mut self.gb);
            for (((g, ga), gb), ((&x, &y), &a)) in grads.zip(x.iter().zip(y).zip(a)) {
                let d = *g * (1.0 - y * y);
                *ga += d * x;
                *gb += d;
                *g = d * a;
            }
        }
        loss
    }
}

fn main() {
    let a = Vector::rand_uniform(&mut Rng::seed(31), 0.5, 1.5);
    let b = Vector::rand_uniform(&mut Rng::seed(32), -0.5, 0.5);
    let x = Vector::randn(&mut Rng::seed(33));
    let (ah, bh, xh) = (a.to_vec(), b.to_vec(), x.to_vec());
    let mut hand = Hand::new();
    let mut scratch = vec![0.0f32; N];

    // Same loss and gradients on both sides; check once before timing.
    let (loss, graph) = chain::forward(&a, &b, &x);
    let grads = graph.backward();
    let loss_h = hand.forward_backward(&ah, &bh, &xh);
    assert_close("loss", &[loss.item()], &[loss_h], 1e-5);
    assert_close("dloss/da", grads.a.as_slice(), &hand.ga, 1e-4);
    assert_close("dloss/db", grads.b.as_slice(), &hand.gb, 1e-4);
    let tanh_err = (-9000..=9000)
        .map(|i| i as f32 * 1e-3)
        .map(|v| (f64::from(tanh(v)) - f64::from(v).tanh()).abs())
        .fold(0.0f64, f64::max);
    let mut reference = Hand::new();
    reference.forward_backward_with(&ah, &bh, &xh, f32::tanh);
    let ref_err = assert_close("dloss/da (libm tanh)", &reference.ga, &hand.ga, 1e-4);
    let eager = chain(&a, &b, &x).item();
    let forward_h = Hand::forward(&ah, &bh, &xh, &mut scratch);
    assert_close("forward only", &[eager], &[forward_h], 1e-5);

    if let Some(seconds) = profile_seconds() {
        return spin(seconds, || {
            let (loss, graph) = chain::forward(&a, &b, &x);
            (loss, graph.backward())
        });
    }
    let full = compare(
        WARMUP,
        REPEATS,
        (LIBRARY_ITERS, || {
            let (loss, graph) = chain::forward(black_box(&a), black_box(&b), black_box(&x));
            (loss, graph.backward())
        }),
        (HAND_ITERS, || {
            hand.forward_backward(black_box(&ah), black_box(&bh), black_box(&xh))
        }),
    );
    let fwd = compare(
        WARMUP,
        REPEATS,
        (LIBRARY_ITERS, || {
            chain(black_box(&a), black_box(&b), black_box(&x))
        }),
        (HAND_ITERS, || {
            Hand::forward(black_box(&ah), black_box(&bh), black_box(&xh), &mut scratch)
        }),
    );
    let recorded = measure_each(WARMUP, REPEATS, LIBRARY_ITERS, || {
        chain::forward(black_box(&a), black_box(&b), black_box(&x))
    });
    let libm = measure_each(WARMUP, REPEATS, HAND_ITERS, || {
        reference.forward_backward_with(black_box(&ah), black_box(&bh), black_box(&xh), f32::tanh)
    });
    let allocs = count_allocs(LIBRARY_ITERS, || {
        let (loss, graph) = chain::forward(&a, &b, &x);
        (loss, graph.backward())
    });
    // Peak memory of one forward + backward: the graph consumed (each node's saved values
    // freed as soon as it has run) against retained (all kept until the graph drops).
    let consumed = peak_bytes(|| chain::forward(&a, &b, &x).1.backward());
    let retained = peak_bytes(|| chain::forward(&a, &b, &x).1.retain().backward());

    println!(
        "W3 chain: {STEPS} x tanh(x * a + b) on {N} f32, loss = sum(x); \
         median of {REPEATS} after {WARMUP} warm-up runs, per iteration"
    );
    report_compared(
        "forward + backward",
        "library forward + backward",
        "hand-written forward + backward",
        &full,
        US,
    );
    report_forward(&fwd, US);
    report_recording(
        &recorded,
        &fwd,
        ("forward + backward", full.library.median),
        US,
    );
    println!("  library heap allocations per forward + backward: {allocs}");
    println!(
        "  library peak heap memory, forward + backward: graph consumed {consumed} bytes, \
         retained {retained} bytes"
    );
    report("reference: hand-written, libm tanh", &libm, US);
    println!(
        "  (reference only: f32::tanh, scalar calls into libm; both sides above use the \
         library's kernel, within {tanh_err:.1e} of f64::tanh on [-9, 9]; largest gradient \
         difference against libm's {ref_err:.1e})"
    );
}
