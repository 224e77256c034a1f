//! Derivatives of derivatives: Newton's method for a minimum (second derivatives), a Hessian-vector
//! product, and a gradient penalty. A `#[differentiable]` function's `grad` called inside
//! another differentiable function records its own backward pass (PyTorch's
//! `create_graph=True`), so it can be differentiated again.
//!
//! Run with `cargo run --example higher_order`.

use autodiff::prelude::*;

type Scalar = Tensor<(), f64>;

/// f(x) = x³ - 2x - 5, with a local minimum at x = √(2/3) where f' = 3x² - 2 vanishes.
#[differentiable]
fn f(x: Scalar) -> Scalar {
    x.powi(3) - &x * 2.0 - 5.0
}

/// f'(x), itself differentiable: `f::grad` inside records its backward pass.
#[differentiable]
fn df(x: Scalar) -> Scalar {
    f::grad(x).x
}

/// g(x) = sum(tanh(W x)²): the function of the W4 benchmark, here with a small W.
#[differentiable]
fn g(x: Tensor<(U3,), f64>, #[no_grad] w: &Tensor<(U3, U3), f64>) -> Scalar {
    w.matmul(&x).tanh().powi(2).sum()
}

/// ⟨∇g(x), v⟩: its gradient with respect to x is the Hessian-vector product H v.
#[differentiable]
fn grad_dot(
    x: Tensor<(U3,), f64>,
    #[no_grad] w: &Tensor<(U3, U3), f64>,
    #[no_grad] v: &Tensor<(U3,), f64>,
) -> Scalar {
    (g::grad(x, w).x * v).sum()
}

/// A squared loss plus a gradient penalty λ‖∂loss/∂x‖², differentiated with respect to
/// the weights: the penalty's own gradient flows back through a backward pass.
#[differentiable]
fn penalised(w: Tensor<(U3,), f64>, #[no_grad] x: &Tensor<(U3,), f64>) -> Scalar {
    let data_loss = |x: Tensor<(U3,), f64>| (w.matmul(&x) - 1.0).powi(2);
    let dx = vjp(x, data_loss).1.backward();
    data_loss(x.clone()) + (&dx * &dx).sum() * 0.1
}

fn main() {
    // Newton's method for the minimum: x ← x - f'(x) / f''(x), both from the graph.
    let mut x = 2.0;
    for step in 0..7 {
        let xt = Scalar::full(x);
        let fx = f(xt.clone()).item();
        let dfx = df(xt.clone()).item();
        let d2fx = df::grad(xt).x.item();
        println!(
            "step {step}: x = {x:.12}, f(x) = {fx:.9}, f'(x) = {dfx:+.3e}, f''(x) = {d2fx:.6}"
        );
        x -= dfx / d2fx;
    }
    assert!(
        (x - (2.0f64 / 3.0).sqrt()).abs() < 1e-12,
        "converged to √(2/3)"
    );

    // Hessian-vector product of g at x, against the Hessian derived by hand:
    // H = Wᵀ diag(2 (1 - t²)(1 - 3t²)) W with t = tanh(W x).
    let w = Tensor::<(U3, U3), f64>::from_vec(vec![0.5, -0.2, 0.1, 0.3, 0.8, -0.4, -0.6, 0.2, 0.9])
        .unwrap();
    let xv = Tensor::<(U3,), f64>::from_vec(vec![0.3, -0.5, 0.7]).unwrap();
    let v = Tensor::<(U3,), f64>::from_vec(vec![1.0, 0.0, -1.0]).unwrap();
    let hv = grad_dot::grad(xv.clone(), &w, &v).x;
    let t = w.matmul(&xv).tanh().to_vec();
    let wv = w.matmul(&v).to_vec();
    let inner: Vec<f64> = (0..3)
        .map(|i| 2.0 * (1.0 - t[i] * t[i]) * (1.0 - 3.0 * t[i] * t[i]) * wv[i])
        .collect();
    let by_hand = w
        .t()
        .matmul(&Tensor::<(U3,), f64>::from_vec(inner).unwrap());
    println!("H v         = {:.9}", hv);
    println!("H v by hand = {:.9}", by_hand);
    let err = (&hv - &by_hand).abs().max().item();
    assert!(err < 1e-12, "the two differ by {err}");

    // Gradient penalty: the gradient with respect to w of a loss that contains a gradient.
    let x = Tensor::<(U3,), f64>::from_vec(vec![0.2, -0.4, 0.9]).unwrap();
    let w = Tensor::<(U3,), f64>::from_vec(vec![0.7, 0.1, -0.3]).unwrap();
    let dw = penalised::grad(w.clone(), &x).w;
    println!("d(loss + penalty)/dw = {:.9}", dw);
    autodiff::testing::gradcheck(|w: Tensor<(U3,), f64>| penalised(w, &x), &w)
        .expect("matches finite differences");
    println!("(checked against central finite differences)");
}
