// A batched matmul whose batch sizes differ: 2 matrices against 3.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(U2, U3, U4)>::zeros();
    let b = Tensor::<(U3, U4, U5)>::zeros();
    let _c = a.matmul(&b);
}
