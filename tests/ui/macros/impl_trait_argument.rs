use autodiff::prelude::*;

#[differentiable]
fn loss(x: &Tensor<()>, #[no_grad] scale: impl Into<f32>) -> Tensor<()> {
    x * scale.into()
}

fn main() {}
