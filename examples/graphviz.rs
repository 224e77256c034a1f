//! Writes the graph of a small function as Graphviz DOT: one box per op with its sizes,
//! the inputs as ellipses. `#[differentiable]` compiles this function's backward pass
//! (docs/macros.md), so the graph drawn is that pass's; the tape that `vjp` records for
//! the same body draws the same way, with each node's backward rule named.
//!
//! Run with `cargo run --example graphviz > graph.dot`, then `dot -Tsvg graph.dot -o graph.svg`.

use autodiff::prelude::*;

/// A one-layer network with a squared loss.
#[differentiable]
fn loss(w: Tensor<(U3, U2)>, b: Tensor<(U3,)>, #[no_grad] x: &Tensor<(U4, U2)>) -> Tensor<()> {
    (x.matmul(&w.t()) + &b).tanh().powi(2).mean()
}

fn main() {
    let mut rng = Rng::seed(0);
    let (w, b) = (Tensor::randn(&mut rng), Tensor::zeros());
    let x = Tensor::<(U4, U2)>::randn(&mut rng);
    let (_, graph) = loss::forward(w, b, &x);
    print!("{}", graph.to_dot());
}
