use autodiff::prelude::*;

#[differentiable]
fn loss(x: &Tensor<()>) {
    let _ = x.powi(2);
}

fn main() {}
