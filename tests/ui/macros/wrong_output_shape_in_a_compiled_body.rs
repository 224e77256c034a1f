// A body of another shape than the declared output is reported once, where the eager
// function's body is, even for a body the macro compiles.
use autodiff::prelude::*;

#[differentiable]
fn loss(a: &Tensor<(U2, U3)>) -> Tensor<()> {
    a.exp()
}

fn main() {}
