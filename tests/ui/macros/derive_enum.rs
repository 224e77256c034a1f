use autodiff::prelude::*;

#[derive(Differentiable)]
enum Model {
    Small(Tensor<()>),
}

fn main() {}
