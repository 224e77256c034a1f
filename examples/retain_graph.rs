//! The seed's example: a `Linear(1, 1)` with a fixed weight and bias, `x = [1.0]`,
//! `y = func(x)²`, and two backward passes through one retained graph, so the gradients
//! accumulate as they do in PyTorch's `.grad`.
//!
//! In PyTorch:
//!
//! ```text
//! y = func(x) ** 2
//! y.backward(retain_graph=True)   # grads: 0.5, 0.5
//! y.backward()                    # grads accumulate: 1.0, 1.0
//! ```
//!
//! Run with `cargo run --example retain_graph`.

use autodiff::prelude::*;

/// `Linear(1, 1)`: `x Wᵀ + b`.
#[derive(Differentiable)]
struct Linear {
    weight: Tensor<(U1, U1)>,
    bias: Tensor<(U1,)>,
}

/// The seed's `Function` module: one linear layer.
#[derive(Differentiable)]
struct Function {
    linear: Linear,
}

/// `y = func(x)²`, as a one-element output so that `backward()` needs no seed.
#[differentiable]
fn loss(func: &Function, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul(&func.linear.weight.t()) + &func.linear.bias)
        .powi(2)
        .sum()
}

fn main() {
    let func = Function {
        linear: Linear {
            weight: Tensor::full(0.5),
            bias: Tensor::full(-0.25),
        },
    };
    let x = Tensor::<(U1, U1)>::full(1.0);

    let (y, graph) = loss::forward(&func, &x);
    println!("y = {}", y.item()); // (1 * 0.5 - 0.25)² = 0.0625

    // retain_graph=True is a type: `Retained` can be walked backward any number of times.
    let retained = graph.retain();
    let mut grads: Option<loss::Grads> = None; // PyTorch's `.grad` before any backward: None
    retained.backward_into(&mut grads);
    let g = grads.as_ref().expect("filled by the first backward");
    println!(
        "after one backward:  dW = {}, db = {}",
        g.func.linear.weight.item(),
        g.func.linear.bias.item()
    );
    retained.backward_into(&mut grads);
    let g = grads.as_ref().expect("still filled");
    println!(
        "after two backwards: dW = {}, db = {}",
        g.func.linear.weight.item(),
        g.func.linear.bias.item()
    );
    assert_eq!(g.func.linear.weight.item(), 1.0, "2 (xW + b) x, twice");

    // Without `retain()`, the graph is consumed by its first backward, and a second one
    // does not compile:
    //
    //     let (_, graph) = loss::forward(&func, &x);
    //     let first = graph.backward();
    //     let second = graph.backward();
    //
    // error[E0382]: use of moved value: `graph`
    //   |     let first = graph.backward();
    //   |                       ---------- `graph` moved due to this method call
    //   |     let second = graph.backward();
    //   |                  ^^^^^ value used here after move
    let (_, graph) = loss::forward(&func, &x);
    let once = graph.backward();
    println!(
        "a consumed graph, once: dW = {}",
        once.func.linear.weight.item()
    );
}
