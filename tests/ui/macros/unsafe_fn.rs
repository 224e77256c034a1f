use autodiff::prelude::*;

#[differentiable]
unsafe fn loss(x: &Tensor<()>) -> Tensor<()> {
    x.powi(2)
}

fn main() {}
