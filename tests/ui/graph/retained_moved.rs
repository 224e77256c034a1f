// A `Retained` graph is walked any number of times, but not after it has been moved.
use autodiff::prelude::*;

fn main() {
    let x = Tensor::<()>::full(2.0);
    let retained = vjp(&x, |x| x.powi(2)).1.retain();
    let _ = retained.backward();
    let moved = retained;
    let _ = retained.backward();
    drop(moved);
}
