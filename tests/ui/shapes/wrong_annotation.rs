// (2x3) @ (3x4) is (2x4); annotating the result as (2x5) is a type mismatch (E0308).
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3)>::zeros();
    let b = Tensor::<(U3, U4)>::zeros();
    let _c: Tensor<(U2, U5)> = a.matmul(&b);
}
