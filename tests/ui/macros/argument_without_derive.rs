// A struct argument is differentiated only when it derives `Differentiable`; settings
// are passed through with `#[no_grad]`.
use autodiff::prelude::*;

struct Config {
    scale: f32,
}

#[differentiable]
fn loss(x: &Tensor<()>, config: &Config) -> Tensor<()> {
    x * config.scale
}

fn main() {}
