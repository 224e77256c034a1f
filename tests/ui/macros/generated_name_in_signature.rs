// Inside the module `loss`, `Grads` would mean `loss::Grads`, not this struct.
use autodiff::prelude::*;

#[derive(Differentiable)]
struct Grads {
    g: Tensor<()>,
}

#[differentiable]
fn loss(x: &Tensor<()>, #[no_grad] g: &Grads) -> Tensor<()> {
    x * &g.g
}

fn main() {}
