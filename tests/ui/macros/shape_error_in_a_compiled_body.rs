// A shape error in a body the macro compiles is reported once, at the user's token, as
// in the eager function: the compiled forward pass reuses the written operators and
// method names with their spans.
use autodiff::prelude::*;

#[differentiable]
fn bad(a: &Tensor<(U2, U3)>, b: &Tensor<(U4,)>, w: &Tensor<(U2, U2)>) -> Tensor<()> {
    (a + b).sum() + a.matmul(w).sum()
}

fn main() {}
