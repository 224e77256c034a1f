// A return type that is a path but not a tensor is caught by the type checker, on the
// return type.
use autodiff::prelude::*;

#[differentiable]
fn loss(x: &Tensor<()>) -> Vec<f32> {
    x.to_vec()
}

fn main() {}
