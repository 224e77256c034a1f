use autodiff::prelude::*;

#[derive(Differentiable)]
struct Model {
    #[no_grad]
    running_mean: Tensor<(U2,)>,
}

fn main() {}
