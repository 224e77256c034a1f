// A selection has one flag per input: selecting a third input of a two-input graph is
// a type error.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<()>::full(1.0);
    let b = Tensor::<()>::full(2.0);
    let (_, graph) = vjp(&(a, b), |(a, b)| &a * &b);
    let _g = graph.backward_selected(&(true, false, true));
}
