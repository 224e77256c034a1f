use autodiff::prelude::*;

#[differentiable]
fn loss(x: &Tensor<()>, #[no_grad(always)] y: &Tensor<()>) -> Tensor<()> {
    x * y
}

fn main() {}
