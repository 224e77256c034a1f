use autodiff::prelude::*;

#[derive(Differentiable)]
struct Model(Tensor<()>, Tensor<(U2,)>);

fn main() {}
