use autodiff::prelude::*;

#[differentiable(create_graph = true)]
fn loss(x: &Tensor<()>) -> Tensor<()> {
    x.powi(2)
}

fn main() {}
