// `f::grad` needs a one-element output; for a larger one, use `forward` and a seed.
use autodiff::prelude::*;

#[differentiable]
fn double(x: &Tensor<(U3,)>) -> Tensor<(U3,)> {
    x * 2.0
}

fn main() {
    let x = Tensor::<(U3,)>::ones();
    let _g = double::grad(&x);
}
