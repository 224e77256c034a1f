// A `Graph` is walked backward once: `backward` consumes it (PyTorch's error on a second
// backward without retain_graph=True, at compile time).
use autodiff::prelude::*;

fn main() {
    let x = Tensor::<()>::full(2.0);
    let (_, graph) = vjp(&x, |x| x.powi(2));
    let _first = graph.backward();
    let _second = graph.backward();
}
