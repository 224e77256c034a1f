// `f::forward`'s graph is walked backward once: `backward` consumes it. Use
// `graph.retain()` to walk it several times.
use autodiff::prelude::*;

#[differentiable]
fn loss(x: &Tensor<()>) -> Tensor<()> {
    x.powi(2)
}

fn main() {
    let x = Tensor::<()>::full(2.0);
    let (_, graph) = loss::forward(&x);
    let _first = graph.backward();
    let _second = graph.backward();
}
