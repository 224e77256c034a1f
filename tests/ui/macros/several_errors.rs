// Every problem of a signature is reported at once.
use autodiff::prelude::*;

struct Model {
    w: Tensor<()>,
}

impl Model {
    #[differentiable]
    async fn loss(&self, (a, b): (Tensor<()>, Tensor<()>)) -> f32 {
        (&self.w * a * b).item()
    }
}

fn main() {}
