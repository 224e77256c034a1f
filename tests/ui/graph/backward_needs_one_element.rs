// `backward()` has an implicit seed only for a one-element output.
use autodiff::prelude::*;

fn main() {
    let x = Tensor::<(U3,)>::ones();
    let (_, graph) = vjp(&x, |x| x.powi(2));
    let _g = graph.backward();
}
