//! Peak memory of W3 (BENCHMARKS.md) with the graph consumed versus retained, measured by
//! a counting allocator. A consuming backward frees each node's saved values as soon as the
//! node has run, so its peak must stay below the retained graph's.
//!
//! This test binary has no harness (`harness = false` in Cargo.toml): the counters see
//! every allocation in the process, so nothing else may run beside the measurement.

use autodiff::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

type V = Tensor<(U1024,)>;

/// W3: 50 times `x = tanh(x * a + b)` with shared `a`, `b`; `loss = sum(x)`.
fn w3(a: V, b: V, x: &V) -> Tensor<()> {
    let mut x = x.clone();
    for _ in 0..50 {
        x = (&x * &a + &b).tanh();
    }
    x.sum()
}

fn inputs() -> (V, V, V) {
    let mut rng = Rng::seed(3);
    (
        V::randn(&mut rng) * 0.5,
        V::randn(&mut rng) * 0.1,
        V::randn(&mut rng),
    )
}

/// Peak bytes above the live bytes at the start, over `f`.
fn peak_of(f: impl FnOnce()) -> usize {
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    f();
    PEAK.load(Relaxed) - start
}

/// The first graph on a thread allocates its tape's vectors, which the next graphs reuse
/// (`graph/tape.rs`, `recycle`): one graph first, so that every measured one starts alike.
fn warm_up() {
    let (a, b, x) = inputs();
    let _ = vjp(&(a, b), |(a, b)| w3(a, b, &x)).1.backward();
}

/// Both gradients are finite: the measured backward really ran.
#[track_caller]
fn assert_finite(ga: &V, gb: &V) {
    assert!(ga
        .as_slice()
        .iter()
        .chain(gb.as_slice())
        .all(|g| g.is_finite()));
}

fn a_consumed_graph_peaks_below_a_retained_one() {
    let (a, b, x) = inputs();
    warm_up();
    let consumed = peak_of(|| {
        let (_, graph) = vjp(&(a.clone(), b.clone()), |(a, b)| w3(a, b, &x));
        let (ga, gb) = graph.backward();
        assert_finite(&ga, &gb);
    });
    let retained = peak_of(|| {
        let (_, graph) = vjp(&(a.clone(), b.clone()), |(a, b)| w3(a, b, &x));
        let graph = graph.retain();
        let (ga, gb) = graph.backward();
        assert_finite(&ga, &gb);
    });
    println!("W3 peak memory: consumed {consumed} bytes, retained {retained} bytes");
    assert!(
        consumed < retained,
        "consumed {consumed} bytes, retained {retained} bytes"
    );
}

fn a_consumed_graph_holds_no_saved_values_when_backward_returns() {
    let (a, b, x) = inputs();
    warm_up();
    let start = LIVE.load(Relaxed);
    let (_, graph) = vjp(&(a.clone(), b.clone()), |(a, b)| w3(a, b, &x));
    let after_forward = LIVE.load(Relaxed) - start;
    let grads = graph.backward();
    let after_backward = LIVE.load(Relaxed) - start;
    // What is left is the two gradients (1024 f32 each) and small bookkeeping.
    assert!(
        after_backward < 3 * 4096 + 1024,
        "{after_backward} bytes left after backward"
    );
    assert!(
        after_forward > 50 * 4096,
        "the forward pass saved {after_forward} bytes"
    );
    drop(grads);
    let start = LIVE.load(Relaxed);
    let retained = vjp(&(a, b), |(a, b)| w3(a, b, &x)).1.retain();
    let grads = retained.backward();
    let held = LIVE.load(Relaxed) - start;
    println!("W3 live after backward: consumed {after_backward} bytes, retained {held} bytes");
    assert!(
        held > after_forward,
        "a retained graph keeps its saved values"
    );
    drop((grads, retained));
}

/// A first-order backward pass writes each step's gradient into the buffer of the one it
/// came from (tanh's `g (1 - y²)`, `*`'s `g a`) and adds into `a`'s and `b`'s gradients in
/// place: a handful of allocations for the whole chain, not a few per step.
fn a_backward_pass_reuses_the_gradients_buffers() {
    let (a, b, x) = inputs();
    warm_up();
    let (_, graph) = vjp(&(a, b), |(a, b)| w3(a, b, &x));
    let start = ALLOCATIONS.load(Relaxed);
    let grads = graph.backward();
    let made = ALLOCATIONS.load(Relaxed) - start;
    println!("W3 allocations in one backward pass: {made} (50 steps)");
    assert!(made < 10, "{made} allocations for 50 steps");
    drop(grads);
}

/// W1 of BENCHMARKS.md through `#[differentiable]`.
#[differentiable]
fn seed(w: &Tensor<(U1, U1)>, b: &Tensor<(U1,)>, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul(w) + b).powi(2).sum()
}

/// The same on a batch of two with three outputs: a `(2, 3)` value is too large for the
/// pass on small arrays.
#[differentiable]
fn wider(w: &Tensor<(U1, U3)>, b: &Tensor<(U3,)>, #[no_grad] x: &Tensor<(U2, U1)>) -> Tensor<()> {
    (x.matmul(w) + b).powi(2).sum()
}

/// The README's example: W1 through a struct argument read by its fields.
#[derive(Differentiable)]
struct Linear {
    weight: Tensor<(U1, U1)>,
    bias: Tensor<(U1,)>,
}

#[differentiable]
fn linear_loss(model: &Linear, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul_t(&model.weight) + &model.bias).powi(2).sum()
}

/// Allocations of a W1 iteration (forward, retain, two `backward_into`) of the graph `forward` returns, adding into `grads`.
fn iteration_allocations<G: Gradients<f32>, B: autodiff::GradBuffer<G, f32>>(
    forward: impl Fn() -> (Tensor<()>, Graph<(), G>),
    grads: &mut B,
) -> usize {
    let start = ALLOCATIONS.load(Relaxed);
    let (y, graph) = forward();
    let retained = graph.retain();
    retained.backward_into(grads);
    retained.backward_into(grads);
    assert!(y.item().is_finite());
    drop(retained);
    ALLOCATIONS.load(Relaxed) - start
}

/// A function whose values all have a few elements of compile-time sizes runs eagerly on
/// arrays held in the tensors and returns a graph holding a function and its saved
/// numbers: forward and backward passes allocate nothing. Larger values allocate.
fn a_small_function_allocates_nothing() {
    let (w, b, x) = (Tensor::full(0.5), Tensor::full(-0.25), Tensor::full(2.0));
    let mut grads = seed::Grads {
        w: Tensor::zeros(),
        b: Tensor::zeros(),
    };
    let made = iteration_allocations(|| seed::forward(&w, &b, &x), &mut grads);
    // dy/db = 2 (x w + b) = 1.5, twice.
    assert_eq!(grads.b.item(), 3.0);
    zero_grads(&mut grads);
    println!("W1 allocations per iteration: {made}");
    assert_eq!(made, 0, "{made} allocations");

    let model = Linear {
        weight: Tensor::full(0.5),
        bias: Tensor::full(-0.25),
    };
    // Into an empty `Option`: the first pass builds the gradients, the second adds.
    let mut grads: Option<linear_loss::Grads> = None;
    let made = iteration_allocations(|| linear_loss::forward(&model, &x), &mut grads);
    assert_eq!(grads.map(|g| g.model.bias.item()), Some(3.0));
    println!("W1 through a struct, allocations per iteration: {made}");
    assert_eq!(made, 0, "{made} allocations through a struct");

    let (w, b, x) = (Tensor::full(0.5), Tensor::full(-0.25), Tensor::full(2.0));
    let mut grads = wider::Grads {
        w: Tensor::zeros(),
        b: Tensor::zeros(),
    };
    let made = iteration_allocations(|| wider::forward(&w, &b, &x), &mut grads);
    assert_eq!(grads.b.to_vec(), vec![6.0; 3]); // 2 * 2 * (x w + b) summed over 2 rows
    assert!(made > 0, "the measurement counts");
}

fn main() {
    a_consumed_graph_peaks_below_a_retained_one();
    a_consumed_graph_holds_no_saved_values_when_backward_returns();
    a_backward_pass_reuses_the_gradients_buffers();
    a_small_function_allocates_nothing();
    println!("memory: 4 passed, 0 failed");
}
