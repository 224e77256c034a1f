// Data, labels and sizes are passed through with `#[no_grad]`.
use autodiff::prelude::*;

#[differentiable]
fn loss(x: &Tensor<(U3,)>, labels: &[usize], steps: usize) -> Tensor<()> {
    x.sum() * (labels.len() + steps) as f32
}

fn main() {}
