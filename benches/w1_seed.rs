//! W1 of BENCHMARKS.md, the seed example: `w` 1x1, `b` one element, `x = [[1.0]]`,
//! `y = sum((x @ w + b)^2)`. One iteration is: forward, retain, backward, backward again
//! (accumulating into a gradient buffer), zero the gradients. In ns per iteration, through
//! `#[differentiable]` (whose backward pass the macro compiles for this body: see
//! `cargo bench --bench compiled` for the same function on the tape) and hand-written, plus
//! the heap allocations of one library iteration (counted by the benches' global
//! allocator, `common::count_allocs`). Run with `cargo bench --bench w1_seed`.

mod common;

use autodiff::prelude::*;
use common::{
    assert_close, compare, count_allocs, profile_seconds, report_compared, spin, NS, REPEATS,
    WARMUP,
};
use std::hint::black_box;

const LIBRARY_ITERS: u32 = 20_000;
const HAND_ITERS: u32 = 2_000_000;
const COUNTED_ITERS: u32 = 1_000;

/// `y = sum((x @ w + b)^2)`.
#[differentiable]
fn seed(w: &Tensor<(U1, U1)>, b: &Tensor<(U1,)>, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul(w) + b).powi(2).sum()
}

/// One library iteration up to the accumulated gradients (left in `grads`).
fn library_backward_twice(
    w: &Tensor<(U1, U1)>,
    b: &Tensor<(U1,)>,
    x: &Tensor<(U1, U1)>,
    grads: &mut seed::Grads,
) -> f32 {
    let (y, graph) = seed::forward(w, b, x);
    let retained = graph.retain();
    retained.backward_into(grads);
    retained.backward_into(grads);
    y.item()
}

/// One full library iteration: the above, then zero the gradients.
fn library_iter(
    w: &Tensor<(U1, U1)>,
    b: &Tensor<(U1,)>,
    x: &Tensor<(U1, U1)>,
    grads: &mut seed::Grads,
) -> f32 {
    let y = library_backward_twice(w, b, x, grads);
    black_box(&*grads);
    zero_grads(grads);
    y
}

/// The same on plain floats: `z = x w + b`, `y = z²`, `dy/dw = 2 z x`, `dy/db = 2 z`.
/// `grads` is `[dw, db]`; `z` is what the retained graph keeps.
fn hand_backward_twice(w: f32, b: f32, x: f32, grads: &mut [f32; 2]) -> f32 {
    let z = x * w + b;
    let y = z * z;
    for _ in 0..2 {
        let dz = 2.0 * z;
        grads[0] += dz * x;
        grads[1] += dz;
    }
    y
}

fn hand_iter(w: f32, b: f32, x: f32, grads: &mut [f32; 2]) -> f32 {
    let y = hand_backward_twice(w, b, x, grads);
    black_box(&*grads);
    *grads = [0.0; 2];
    y
}

fn main() {
    let w = Tensor::<(U1, U1)>::full(0.5);
    let b = Tensor::<(U1,)>::full(-0.25);
    let x = Tensor::<(U1, U1)>::full(1.0);
    let (wh, bh, xh) = (0.5f32, -0.25f32, 1.0f32);

    let mut grads = seed::Grads {
        w: Tensor::zeros(),
        b: Tensor::zeros(),
    };
    let mut hand = [0.0f32; 2];

    // Both compute the same value and accumulated gradients; check once before timing.
    let y = library_backward_twice(&w, &b, &x, &mut grads);
    let yh = hand_backward_twice(wh, bh, xh, &mut hand);
    assert_close("y", &[y], &[yh], 1e-6);
    assert_close("dy/dw (x2)", grads.w.as_slice(), &hand[..1], 1e-6);
    assert_close("dy/db (x2)", grads.b.as_slice(), &hand[1..], 1e-6);
    zero_grads(&mut grads);

    // Heap allocations of one library iteration.
    let allocs = count_allocs(COUNTED_ITERS, || library_iter(&w, &b, &x, &mut grads));

    if let Some(seconds) = profile_seconds() {
        return spin(seconds, || library_iter(&w, &b, &x, &mut grads));
    }
    let c = compare(
        WARMUP,
        REPEATS,
        (LIBRARY_ITERS, || {
            library_iter(black_box(&w), black_box(&b), black_box(&x), &mut grads)
        }),
        (HAND_ITERS, || {
            hand_iter(black_box(wh), black_box(bh), black_box(xh), &mut hand)
        }),
    );

    println!(
        "W1 seed: y = sum((x @ w + b)^2), 1x1 f32; forward, retain, 2 x backward_into, \
         zero_grads; median of {REPEATS} after {WARMUP} warm-up runs, per iteration"
    );
    report_compared(
        "per iteration",
        "library (#[differentiable])",
        "hand-written",
        &c,
        NS,
    );
    let eager = common::measure_each(WARMUP, REPEATS, LIBRARY_ITERS * 10, || {
        seed(black_box(&w), black_box(&b), black_box(&x)).item()
    });
    common::report("forward only, eager (nothing recorded)", &eager, NS);
    println!("  library heap allocations per iteration: {allocs}");
    let hand_allocs = count_allocs(COUNTED_ITERS, || hand_iter(wh, bh, xh, &mut hand));
    println!("  hand-written heap allocations per iteration: {hand_allocs}");
}
