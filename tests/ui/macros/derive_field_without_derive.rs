// A nested struct must itself derive `Differentiable`: reported once, on the field's type.
use autodiff::prelude::*;

struct Inner {
    w: Tensor<()>,
}

#[derive(Differentiable)]
struct Outer {
    bias: Tensor<()>,
    inner: Inner,
}

fn main() {
    let _ = Inner { w: Tensor::zeros() }.w;
}
