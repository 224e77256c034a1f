// Concatenated tensors agree on every axis except the one they are joined along.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3)>::zeros();
    let b = Tensor::<(U5, U4)>::zeros();
    let _c = a.concat::<0>(&b);
}
