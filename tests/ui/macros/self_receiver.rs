// Methods are not supported: the module `f` cannot live in an `impl` block.
use autodiff::prelude::*;

struct Model {
    w: Tensor<()>,
}

impl Model {
    #[differentiable]
    fn loss(&self, x: &Tensor<()>) -> Tensor<()> {
        &self.w * x
    }
}

fn main() {}
