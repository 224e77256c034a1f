//! The compiled backward pass of `#[differentiable]` against the tape, on the same
//! functions: W1's seed (`1x1`) with tensor arguments and through a struct, a five-step
//! chain on 1024 floats (W3's step unrolled), and a two-layer network on a `32 x 64`
//! batch. Each iteration is forward + backward;
//! the tape runs the eager function under `vjp`, the compiled form is `f::forward`. The
//! ratio is compiled / tape (below 1: the compiled form is faster). Run with
//! `cargo bench --bench compiled`.

mod common;

use autodiff::prelude::*;
use common::{compare, report, Unit, NS, REPEATS, US, WARMUP};
use std::hint::black_box;

/// W1's function.
#[differentiable]
fn seed(w: &Tensor<(U1, U1)>, b: &Tensor<(U1,)>, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul(w) + b).powi(2).sum()
}

/// The same through a struct, as the README writes it.
#[derive(Differentiable)]
struct Linear {
    weight: Tensor<(U1, U1)>,
    bias: Tensor<(U1,)>,
}

#[differentiable]
fn seed_linear(model: &Linear, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul_t(&model.weight) + &model.bias).powi(2).sum()
}

type C = Tensor<(U1024,)>;

/// W3's step, five times, written out (a loop would leave the function on the tape).
#[differentiable]
fn chain(a: &C, b: &C, #[no_grad] x: &C) -> Tensor<()> {
    let x = (x * a + b).tanh();
    let x = (x * a + b).tanh();
    let x = (x * a + b).tanh();
    let x = (x * a + b).tanh();
    let x = (x * a + b).tanh();
    x.sum()
}

type W = Tensor<(U64, U64)>;
type X = Tensor<(U32, U64)>;

/// Two layers with a squared and a sigmoid term.
#[differentiable]
fn net(w: &W, b: &Tensor<(U64,)>, v: &W, #[no_grad] x: &X) -> Tensor<()> {
    let h = (x.matmul(w) + b).tanh();
    let o = h.matmul(v) * 0.5;
    (o.powi(2) + h.sigmoid()).mean()
}

/// Compiled against tape for one function: `compiled` and `tape` each run one
/// forward + backward and return something that depends on both.
fn run<A, B>(
    name: &str,
    iters: u32,
    unit: Unit,
    compiled: impl FnMut() -> A,
    tape: impl FnMut() -> B,
) {
    let c = compare(WARMUP, REPEATS, (iters, compiled), (iters, tape));
    println!("{name}:");
    report("compiled (f::forward)", &c.library, unit);
    report("tape (vjp of f)", &c.hand, unit);
    println!(
        "  ratio compiled / tape: {:.2}x (median of per-round ratios)",
        c.ratio
    );
}

fn main() {
    println!(
        "compiled backward pass against the tape, forward + backward; median of {REPEATS} after \
         {WARMUP} warm-up runs"
    );
    let w = Tensor::<(U1, U1)>::full(0.5);
    let b = Tensor::<(U1,)>::full(-0.25);
    let x = Tensor::<(U1, U1)>::full(1.0);
    assert!(seed::forward(&w, &b, &x).1.to_dot().contains("compiled"));
    let primals = (w.clone(), b.clone());
    run(
        "W1 seed, 1x1",
        20_000,
        NS,
        || {
            let (y, g) = seed::forward(black_box(&w), black_box(&b), black_box(&x));
            (y.item(), g.backward().w.item())
        },
        || {
            let (y, g) = vjp(black_box(&primals), |(w, b)| seed(&w, &b, &x));
            (y.item(), g.backward().0.item())
        },
    );

    let model = Linear {
        weight: w.clone(),
        bias: b.clone(),
    };
    assert!(seed_linear::forward(&model, &x)
        .1
        .to_dot()
        .contains("compiled"));
    run(
        "W1 seed through a Linear struct (the README's example)",
        20_000,
        NS,
        || {
            let (y, g) = seed_linear::forward(black_box(&model), black_box(&x));
            (y.item(), g.backward().model.weight.item())
        },
        || {
            let (y, g) = vjp(black_box(&model), |m| seed_linear(&m, &x));
            (y.item(), g.backward().weight.item())
        },
    );

    let a = C::randn(&mut Rng::seed(1)) * 0.5;
    let b = C::randn(&mut Rng::seed(2)) * 0.5;
    let x = C::randn(&mut Rng::seed(3));
    let primals = (a.clone(), b.clone());
    run(
        "five-step chain, 1024 floats",
        2_000,
        US,
        || {
            let (y, g) = chain::forward(black_box(&a), black_box(&b), black_box(&x));
            (y.item(), g.backward().a.as_slice()[0])
        },
        || {
            let (y, g) = vjp(black_box(&primals), |(a, b)| chain(&a, &b, &x));
            (y.item(), g.backward().0.as_slice()[0])
        },
    );

    let w = W::randn(&mut Rng::seed(4)) * 0.1;
    let b = Tensor::<(U64,)>::randn(&mut Rng::seed(5));
    let v = W::randn(&mut Rng::seed(6)) * 0.1;
    let x = X::randn(&mut Rng::seed(7));
    let primals = (w.clone(), b.clone(), v.clone());
    run(
        "two layers, 32 x 64 batch, 64 x 64 weights",
        500,
        US,
        || {
            let (y, g) = net::forward(black_box(&w), black_box(&b), black_box(&v), black_box(&x));
            (y.item(), g.backward().w.as_slice()[0])
        },
        || {
            let (y, g) = vjp(black_box(&primals), |(w, b, v)| net(&w, &b, &v, &x));
            (y.item(), g.backward().0.as_slice()[0])
        },
    );
}
