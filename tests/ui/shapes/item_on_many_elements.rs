// `item()` reads the value of a one-element tensor; this one has three.
use autodiff::prelude::*;

fn main() {
    let _x = Tensor::<(U3,)>::zeros().item();
}
