// The seed of `backward_with` has the output's shape.
use autodiff::prelude::*;

fn main() {
    let x = Tensor::<(U3,)>::ones();
    let (_, graph) = vjp(&x, |x| x.powi(2));
    let _g = graph.backward_with(Tensor::<(U2,)>::ones());
}
