//! A tour of typed tensors: the shape is part of the type, so the compiler checks it.
//!
//! Run it with `cargo run --example tour`.

use autodiff::prelude::*;

fn main() {
    // 1. Construction. `from_vec` takes row-major data and checks its length, because the
    //    data comes from outside the type system.
    let x = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    println!("x: a 2x3 matrix\n{x}\n");

    match Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5.]) {
        Ok(_) => unreachable!("five elements cannot fill a 2x3 matrix"),
        Err(e) => println!("from_vec with 5 elements: Err({e})\n"),
    }

    let zeros = Tensor::<(U2, U2)>::zeros();
    let ones = Tensor::<(U3,), f64>::ones();
    // Random tensors take a seeded generator: the same seed gives the same values anywhere.
    let w = Tensor::<(U3, U4)>::randn(&mut Rng::seed(42));
    println!("zeros:\n{zeros}\nones (f64): {ones}\nw ~ N(0, 1), seed 42:\n{w:.3}\n");
    // `{:?}` adds the sizes and the element type.
    println!("debug: {ones:?}\n");

    // 2. Broadcasting: a bias row of shape (4,) is added to every row of a (2, 4) matrix.
    //    Shapes are aligned from the right; each pair must be equal or one of them 1.
    let h: Tensor<(U2, U4)> = x.matmul(&w); // (2x3) @ (3x4) = (2x4)
    let bias = Tensor::<(U4,)>::from_vec(vec![0.5, -0.5, 1.0, -1.0]).unwrap();
    let y: Tensor<(U2, U4)> = &h + &bias;
    println!("y = x @ w + bias:\n{y:.3}\n");

    // The mistakes below do not compile. Uncomment one to see its error:
    //
    // let bad = x.matmul(&x);
    //     error[E0277]: matmul: the inner dimensions differ (D<3> vs D<2>)
    //
    // let bad = &x + &bias;
    //     error[E0277]: broadcast: dimensions D<3> and D<4> differ and neither is 1
    //
    // let bad: Tensor<(U2, U5)> = x.matmul(&w);
    //     error[E0308]: mismatched types ... expected `5`, found `4`
    //     = note: expected struct `autodiff::Tensor<(D<2>, D<5>)>`
    //                found struct `autodiff::Tensor<(D<2>, D<4>)>`

    // 3. A batch size known only at run time: `Dyn`. Rules that involve it are checked
    //    when the op runs, and a mismatch panics naming the op and both shapes.
    let batch = 5;
    let data: Vec<f32> = (0..batch * 3).map(|i| i as f32 / 10.).collect();
    let xb = Tensor::<(Dyn, U3)>::from_shape_vec((Dyn(batch), U3::default()), data).unwrap();
    let yb: Tensor<(Dyn, U4)> = xb.matmul(&w) + &bias; // static dims still checked statically
    println!(
        "a Dyn batch: sizes {:?}, shape {:?}\n",
        yb.dims(),
        yb.shape()
    );

    // 4. Sizes from 4096 up are written `dim!(N)`: here a GPT-2-sized vocabulary.
    type Vocab = dim!(50257);
    let logits = Tensor::<(U2, Vocab)>::zeros();
    let vocab_bias = Tensor::<(Vocab,)>::full(0.25);
    let shifted: Tensor<(U2, Vocab)> = &logits + &vocab_bias;
    println!("logits over a vocabulary of 50257:\n{shifted}\n");

    // 5. A one-element tensor reads out with `item()`; on a larger one it does not compile.
    let dot: Tensor<(), f64> = ones.matmul(&ones);
    println!("ones . ones = {}", dot.item());
}
