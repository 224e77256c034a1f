use autodiff::prelude::*;

#[differentiable]
fn loss((a, b): (Tensor<()>, Tensor<()>)) -> Tensor<()> {
    a * b
}

fn main() {}
