//! A crate that denies warnings and missing docs: everything the macros generate is
//! documented and lint-free, public or not.
#![deny(warnings, missing_docs)]

use autodiff::prelude::*;

/// A layer.
#[derive(Differentiable)]
pub struct Layer {
    /// Weights.
    pub w: Tensor<(U3,)>,
    /// A running statistic.
    #[no_grad]
    pub running: Tensor<(U3,)>,
}

/// Two layers.
#[derive(Differentiable)]
pub struct Model<T: Clone> {
    /// The first.
    pub first: Layer,
    /// The second.
    pub second: Layer,
    /// A name.
    #[no_grad]
    pub name: T,
}

/// A loss.
#[differentiable]
pub fn loss(model: &Model<String>, #[no_grad] x: &Tensor<(U3,)>) -> Tensor<()> {
    (&model.first.w * x + &model.second.w * &model.second.running).sum()
}

mod private {
    use autodiff::prelude::*;

    #[differentiable]
    fn square(x: Tensor<(U2,)>) -> Tensor<(U2,)> {
        &x * &x
    }

    pub(crate) fn run() -> Vec<f32> {
        let (_, graph) = square::forward(Tensor::ones());
        graph.backward_with(Tensor::ones()).x.to_vec()
    }
}

fn main() {
    let layer = || Layer {
        w: Tensor::ones(),
        running: Tensor::zeros(),
    };
    let model = Model {
        first: layer(),
        second: layer(),
        name: String::from("m"),
    };
    let g = loss::grad(&model, &Tensor::full(2.0));
    assert_eq!(g.model.first.w.to_vec(), vec![2.0; 3]);
    assert_eq!(private::run(), vec![2.0, 2.0]);
}
