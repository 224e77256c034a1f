// A reshape keeps every element: 2x3 = 6 elements cannot become 5.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3)>::zeros();
    let _b = a.reshape::<(U5,)>();
}
