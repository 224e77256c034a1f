// `D<N>` maps to a typenum number only below 4096; larger sizes are written `dim!(N)`.
use autodiff::prelude::*;

fn main() {
    let a = Tensor::<(D<5000>,)>::zeros_shaped((D::<5000>,));
    let b = Tensor::<(D<5000>,)>::zeros_shaped((D::<5000>,));
    let _c = &a + &b;
}
