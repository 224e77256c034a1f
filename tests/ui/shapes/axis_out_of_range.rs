// A reduction's axis must exist.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3)>::zeros();
    let _s = a.sum_axis::<2>();
}
