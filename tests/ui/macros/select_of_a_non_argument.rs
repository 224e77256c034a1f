// A selection names the function's differentiable arguments, and only those.
use autodiff::prelude::*;

#[differentiable]
fn loss(a: &Tensor<()>, #[no_grad] b: &Tensor<()>) -> Tensor<()> {
    a * b
}

fn main() {
    let (a, b) = (Tensor::<()>::full(1.0), Tensor::<()>::full(2.0));
    let (_, graph) = loss::forward(&a, &b);
    let _g = graph.backward_selected(&loss::Select { a: true, b: false });
}
