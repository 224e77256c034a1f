use autodiff::prelude::*;

#[differentiable]
async fn loss(x: &Tensor<()>) -> Tensor<()> {
    x.powi(2)
}

fn main() {}
