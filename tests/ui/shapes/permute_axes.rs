// `permute` takes a permutation of the axes.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3, U4)>::zeros();
    let _p = a.permute::<0, 0, 1>();
}
