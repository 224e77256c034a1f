// A (2x3) matrix times a (4x5) matrix: the inner dimensions 3 and 4 differ.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3)>::zeros();
    let b = Tensor::<(U4, U5)>::zeros();
    let _c = a.matmul(&b);
}
