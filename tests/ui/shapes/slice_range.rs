// A compile-time slice must fit in its dimension.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3)>::zeros();
    let _s = a.slice::<1, 1, 5>();
}
