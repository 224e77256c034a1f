use autodiff::prelude::*;

#[differentiable]
fn loss(x: &Tensor<()>) -> f32 {
    x.item()
}

fn main() {}
