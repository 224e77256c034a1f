// Adding a row of 4 to rows of 3: aligned from the right, 3 and 4 differ and neither is 1.
use autodiff::prelude::*;

fn main() {
    let x = Tensor::<(U2, U3)>::zeros();
    let bias = Tensor::<(U4,)>::zeros();
    let _y = &x + &bias;
}
