use autodiff::prelude::*;

#[differentiable]
struct Model {
    w: Tensor<()>,
}

fn main() {}
