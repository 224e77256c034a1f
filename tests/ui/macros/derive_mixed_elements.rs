// Every tensor of a differentiable struct has one element type.
use autodiff::prelude::*;

#[derive(Differentiable)]
struct Model {
    weight: Tensor<(U2,)>,
    bias: Tensor<(), f64>,
}

fn main() {}
