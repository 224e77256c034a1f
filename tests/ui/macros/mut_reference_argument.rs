use autodiff::prelude::*;

#[differentiable]
fn loss(x: &mut Tensor<()>) -> Tensor<()> {
    x.powi(2)
}

fn main() {}
