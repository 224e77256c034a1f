// An associated function (no `self`) cannot have the module `f` beside it either.
use autodiff::prelude::*;

struct Model;

impl Model {
    #[differentiable]
    fn loss(x: &Tensor<()>) -> Tensor<()> {
        x.powi(2)
    }
}

fn main() {}
