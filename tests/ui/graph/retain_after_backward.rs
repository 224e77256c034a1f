// Retaining must happen before the first backward: a consumed graph cannot be retained.
use autodiff::prelude::*;

fn main() {
    let x = Tensor::<()>::full(2.0);
    let (_, graph) = vjp(&x, |x| x.powi(2));
    let _g = graph.backward();
    let _r = graph.retain();
}
