// A field that is neither a tensor nor a differentiable struct needs `#[no_grad]`.
use autodiff::prelude::*;

#[derive(Differentiable)]
struct Model {
    weight: Tensor<(U2,)>,
    steps: usize,
}

fn main() {}
