//! Layers, activations and losses: each forward pass against a naive reference, each
//! gradient by `gradcheck` in f64, and the initialization, dropout and stability rules.

use autodiff::nn::loss::{
    bce_with_logits, bce_with_logits_with, cross_entropy, cross_entropy_with, mse, mse_with,
    Reduction,
};
use autodiff::nn::{
    gelu, relu, sigmoid, tanh, Activation, Dropout, Embedding, LayerNorm, Linear, LinearGrads, Mlp2,
};
use autodiff::prelude::*;
use autodiff::testing::{gradcheck, gradgradcheck};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 + 1e-9 * b.abs()
}

fn assert_all_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len());
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(close(*a, *e), "element {i}: {a} vs {e}");
    }
}

/// `y[b][o] = Σ_i x[b][i] w[o][i] + bias[o]`, element by element.
fn naive_linear(x: &[f64], w: &[f64], bias: &[f64], inputs: usize) -> Vec<f64> {
    let outputs = bias.len();
    x.chunks(inputs)
        .flat_map(|row| {
            (0..outputs).map(move |o| {
                let dot: f64 = (0..inputs).map(|i| row[i] * w[o * inputs + i]).sum();
                dot + bias[o]
            })
        })
        .collect()
}

fn linear64<I: ConstDim, O: ConstDim>(seed: u64) -> Linear<I, O, f64> {
    Linear::new(&mut Rng::seed(seed))
}

#[test]
fn linear_forward_matches_the_naive_product() {
    let layer = linear64::<U3, U2>(1);
    let x = Tensor::<(U4, U3), f64>::randn(&mut Rng::seed(2));
    let y: Tensor<(U4, U2), f64> = layer.forward(&x);
    let expected = naive_linear(
        x.as_slice(),
        layer.weight.as_slice(),
        layer.bias.as_slice(),
        3,
    );
    assert_all_close(y.as_slice(), &expected);
}

#[test]
fn linear_takes_a_dyn_batch() {
    let layer = linear64::<U3, U2>(1);
    let data: Vec<f64> = (0..15).map(|i| i as f64 / 7.0).collect();
    let x =
        Tensor::<(Dyn, U3), f64>::from_shape_vec((Dyn(5), U3::default()), data.clone()).unwrap();
    let y: Tensor<(Dyn, U2), f64> = layer.forward(&x);
    assert_eq!(&*y.dims(), &[5, 2]);
    let expected = naive_linear(&data, layer.weight.as_slice(), layer.bias.as_slice(), 3);
    assert_all_close(y.as_slice(), &expected);
}

#[test]
fn linear_gradients_pass_gradcheck() {
    let layer = linear64::<U3, U2>(3);
    let x = Tensor::<(U4, U3), f64>::randn(&mut Rng::seed(4));
    type P = (Linear<U3, U2, f64>, Tensor<(U4, U3), f64>);
    gradcheck(|(l, x): P| l.forward(&x), &(layer, x.clone())).unwrap();
    gradgradcheck(|(l, x): P| l.forward(&x).tanh(), &(linear64(3), x)).unwrap();
}

#[test]
fn linear_gradients_by_their_formulas() {
    // dW = gᵀ x, db = Σ_rows g, for y = x Wᵀ + b and an output gradient g of ones.
    let layer = linear64::<U2, U1>(5);
    let x = Tensor::<(U3, U2), f64>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    let (_, graph) = vjp(&layer, |l| l.forward(&x).sum());
    let grads: LinearGrads<U2, U1, f64> = graph.backward();
    assert_eq!(grads.weight.to_vec(), vec![9., 12.]);
    assert_eq!(grads.bias.to_vec(), vec![3.]);
}

#[test]
fn linear_init_is_pytorchs_uniform_and_seeded() {
    // PyTorch: kaiming_uniform_(a=√5) gives bound = √(2 / (1 + 5)) · √(3 / fan_in) = 1/√fan_in,
    // and the bias is uniform in ±1/√fan_in too.
    let layer = Linear::<U64, U32>::new(&mut Rng::seed(7));
    let bound = 1.0 / 64f32.sqrt();
    for values in [layer.weight.to_vec(), layer.bias.to_vec()] {
        assert!(values.iter().all(|v| v.abs() <= bound));
    }
    let w = layer.weight.to_vec();
    let (min, max) = w
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert!(
        min < -0.95 * bound && max > 0.95 * bound,
        "the range is covered"
    );
    let mean = w.iter().sum::<f32>() / w.len() as f32;
    assert!(mean.abs() < 0.01);

    let again = Linear::<U64, U32>::new(&mut Rng::seed(7));
    assert_eq!(again.weight.to_vec(), w);
    assert_eq!(again.bias.to_vec(), layer.bias.to_vec());
    let other = Linear::<U64, U32>::new(&mut Rng::seed(8));
    assert_ne!(other.weight.to_vec(), w);
}

#[test]
fn mlp2_is_linear_activation_linear() {
    let mut mlp = Mlp2::<U3, U5, U2, f64>::new(&mut Rng::seed(9));
    let x = Tensor::<(U4, U3), f64>::randn(&mut Rng::seed(10));
    for activation in [
        Activation::Relu,
        Activation::Gelu,
        Activation::Tanh,
        Activation::Sigmoid,
    ] {
        mlp.activation = activation;
        let h = activation.apply(&mlp.fc1.forward(&x));
        let expected = naive_linear(
            h.as_slice(),
            mlp.fc2.weight.as_slice(),
            mlp.fc2.bias.as_slice(),
            5,
        );
        assert_all_close(mlp.forward(&x).as_slice(), &expected);
    }
}

#[test]
fn mlp2_gradients_pass_gradcheck() {
    let mlp = Mlp2 {
        activation: Activation::Tanh,
        ..Mlp2::<U3, U4, U2, f64>::new(&mut Rng::seed(11))
    };
    let x = Tensor::<(U2, U3), f64>::randn(&mut Rng::seed(12));
    gradcheck(|m: Mlp2<U3, U4, U2, f64>| m.forward(&x), &mlp).unwrap();
}

#[test]
fn activations_are_the_tensor_methods() {
    let x = Tensor::<(U5,), f64>::from_vec(vec![-2., -0.5, 0., 0.5, 2.]).unwrap();
    assert_eq!(relu(&x).to_vec(), vec![0., 0., 0., 0.5, 2.]);
    let expect = |f: fn(f64) -> f64| x.to_vec().into_iter().map(f).collect::<Vec<_>>();
    assert_all_close(&tanh(&x).to_vec(), &expect(f64::tanh));
    assert_all_close(&sigmoid(&x).to_vec(), &expect(|v| 1.0 / (1.0 + (-v).exp())));
    assert_eq!(gelu(&x).to_vec(), x.gelu().to_vec());
    assert_eq!(Activation::Identity.apply(&x).to_vec(), x.to_vec());
}

#[test]
fn dropout_zeroes_or_scales_by_one_over_keep() {
    let p = 0.3;
    let dropout = Dropout::new(p, 1);
    let x = Tensor::<(U100, U100), f64>::full(2.0);
    let y = dropout.forward(&x).to_vec();
    let scaled = 2.0 / (1.0 - p);
    assert!(y.iter().all(|&v| v == 0.0 || close(v, scaled)));
    let dropped = y.iter().filter(|&&v| v == 0.0).count() as f64 / 10_000.0;
    assert!((dropped - p).abs() < 0.02, "dropped {dropped}");
    let mean = y.iter().sum::<f64>() / 10_000.0;
    assert!((mean - 2.0).abs() < 0.05, "mean {mean}");
}

#[test]
fn dropout_gradient_is_its_mask() {
    let dropout = Dropout::new(0.5, 2);
    let x = Tensor::<(U4, U8), f64>::ones();
    let (y, graph) = vjp(&x, |x| dropout.forward(&x).sum());
    // y = Σ x ⊙ mask: dx = mask, and with x = 1 the output's sum is the mask's.
    let mask = graph.backward().to_vec();
    assert!(mask.iter().all(|&m| m == 0.0 || m == 2.0));
    assert_eq!(mask.iter().sum::<f64>(), y.item());
}

#[test]
fn dropout_gradients_pass_gradcheck() {
    // A fresh generator per call, so every evaluation uses the same mask.
    let x = Tensor::<(U3, U4), f64>::randn(&mut Rng::seed(6));
    gradcheck(
        |x: Tensor<(U3, U4), f64>| Dropout::new(0.4, 9).forward(&x),
        &x,
    )
    .unwrap();
}

#[test]
fn dropout_in_eval_mode_and_at_p_zero_is_the_identity() {
    let mut dropout = Dropout::new(0.9, 3);
    dropout.eval();
    let x = Tensor::<(U3, U3)>::randn(&mut Rng::seed(4));
    let y = dropout.forward(&x);
    assert!(y.shares_storage_with(&x));
    dropout.train();
    assert_ne!(dropout.forward(&x).to_vec(), x.to_vec());
    let none = Dropout::new(0.0, 3);
    assert_eq!(none.forward(&x).to_vec(), x.to_vec());
    assert_eq!(Dropout::new(1.0, 3).forward(&x).to_vec(), vec![0.0; 9]);
}

#[test]
fn dropout_is_seeded_and_clones_share_the_stream() {
    let x = Tensor::<(U64,)>::ones();
    let reference = Dropout::new(0.5, 5);
    let (first, second) = (
        reference.forward(&x).to_vec(),
        reference.forward(&x).to_vec(),
    );
    assert_ne!(first, second, "each call draws a new mask");

    let a = Dropout::new(0.5, 5);
    let b = a.clone();
    assert_eq!(a.forward(&x).to_vec(), first);
    assert_eq!(
        b.forward(&x).to_vec(),
        second,
        "the clone continues the same stream"
    );
}

#[test]
#[should_panic(expected = "Dropout: the probability 1.5 is not in [0, 1]")]
fn dropout_rejects_a_probability_above_one() {
    Dropout::new(1.5, 0);
}

/// `(x - mean) / sqrt(var + eps) * w + b` for each lane of `n`, var biased.
fn naive_layer_norm(x: &[f64], w: &[f64], b: &[f64], eps: f64) -> Vec<f64> {
    let n = w.len();
    x.chunks(n)
        .flat_map(|lane| {
            let mean = lane.iter().sum::<f64>() / n as f64;
            let var = lane.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
            (0..n).map(move |i| (lane[i] - mean) / (var + eps).sqrt() * w[i] + b[i])
        })
        .collect()
}

fn random_norm(seed: u64) -> LayerNorm<U4, f64> {
    let rng = &mut Rng::seed(seed);
    LayerNorm {
        weight: Tensor::randn(rng),
        bias: Tensor::randn(rng),
        eps: 1e-5,
    }
}

#[test]
fn layer_norm_matches_the_formula_for_every_rank() {
    let norm = random_norm(1);
    let (w, b) = (norm.weight.to_vec(), norm.bias.to_vec());
    let rng = &mut Rng::seed(2);
    let x1 = Tensor::<(U4,), f64>::randn(rng);
    let x2 = Tensor::<(U3, U4), f64>::randn(rng);
    let x3 = Tensor::<(U2, U3, U4), f64>::randn(rng);
    let x4 = Tensor::<(U2, U2, U3, U4), f64>::randn(rng);
    // `norm.forward(x)` (its values `y`) against the formula on `x`.
    let check = |y: &[f64], x: &[f64]| assert_all_close(y, &naive_layer_norm(x, &w, &b, 1e-5));
    check(norm.forward(&x1).as_slice(), x1.as_slice());
    check(norm.forward(&x2).as_slice(), x2.as_slice());
    check(norm.forward(&x3).as_slice(), x3.as_slice());
    check(norm.forward(&x4).as_slice(), x4.as_slice());
    let xd =
        Tensor::<(Dyn, U4), f64>::from_shape_vec((Dyn(3), U4::default()), x2.to_vec()).unwrap();
    assert_eq!(norm.forward(&xd).to_vec(), norm.forward(&x2).to_vec());
}

#[test]
fn layer_norm_defaults_are_pytorchs() {
    let norm = LayerNorm::<U3>::default();
    assert_eq!(
        (norm.weight.to_vec(), norm.bias.to_vec(), norm.eps),
        (vec![1.; 3], vec![0.; 3], 1e-5)
    );
    // A lane with variance 2/3: (x - 2) / sqrt(2/3 + 1e-5).
    let x = Tensor::<(U1, U3), f64>::from_vec(vec![1., 2., 3.]).unwrap();
    let y = LayerNorm::<U3, f64>::new().forward(&x).to_vec();
    let s = (2.0f64 / 3.0 + 1e-5).sqrt();
    assert_all_close(&y, &[-1.0 / s, 0.0, 1.0 / s]);
}

#[test]
fn layer_norm_gradients_pass_gradcheck() {
    let x = Tensor::<(U2, U3, U4), f64>::randn(&mut Rng::seed(3));
    type P = (LayerNorm<U4, f64>, Tensor<(U2, U3, U4), f64>);
    gradcheck(|(n, x): P| n.forward(&x), &(random_norm(4), x.clone())).unwrap();
    gradgradcheck(|(n, x): P| n.forward(&x), &(random_norm(4), x)).unwrap();
}

#[test]
fn embedding_looks_up_rows_and_scatters_gradients() {
    let emb = Embedding::<U5, U3, f64>::new(&mut Rng::seed(1));
    let ids = Tensor::<(U4,), usize>::from_vec(vec![4, 0, 4, 2]).unwrap();
    let table = emb.weight.to_vec();
    let expected: Vec<f64> = ids
        .as_slice()
        .iter()
        .flat_map(|&i| table[i * 3..i * 3 + 3].to_vec())
        .collect();
    assert_eq!(emb.forward(&ids).unwrap().to_vec(), expected);

    gradcheck(
        |e: Embedding<U5, U3, f64>| e.forward(&ids).unwrap().powi(2),
        &emb,
    )
    .unwrap();
    let bad = Tensor::<(U2,), usize>::from_vec(vec![1, 5]).unwrap();
    assert!(emb.forward(&bad).is_err());
}

#[test]
fn labels_check_every_class() {
    let t = Tensor::<(U4,), usize>::from_vec(vec![0, 2, 3, 1]).unwrap();
    let err = Labels::<U4, U3>::new(t.clone()).unwrap_err();
    assert_eq!(
        err,
        TensorError::ClassOutOfRange {
            position: 2,
            class: 3,
            classes: 3
        }
    );
    let ok = Labels::<U4, U4>::new(t).unwrap();
    assert_eq!((ok.len(), ok.classes().size()), (4, 4));
    let batch = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(2),), vec![9, 1]).unwrap();
    assert!(Labels::<Dyn, U10>::new(batch.clone()).is_ok());
    assert!(Labels::new_shaped(batch, Dyn(9)).is_err());
}

#[test]
fn mse_by_hand() {
    let pred = Tensor::<(U2, U2), f64>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    let target = Tensor::<(U2, U2), f64>::from_vec(vec![0., 2., 5., 3.]).unwrap();
    // Squared errors 1, 0, 4, 1.
    assert_eq!(mse(&pred, &target).item(), 1.5);
    assert_eq!(mse_with(&pred, &target, Reduction::Sum).item(), 6.0);
    // d/dpred mean((p - t)²) = 2 (p - t) / 4.
    let (_, graph) = vjp(&pred, |p| mse(&p, &target));
    assert_eq!(graph.backward().to_vec(), vec![0.5, 0., -1., 0.5]);
    type P = (Tensor<(U2, U2), f64>, Tensor<(U2, U2), f64>);
    gradcheck(|(p, t): P| mse(&p, &t), &(pred, target)).unwrap();
}

#[test]
#[should_panic(expected = "mse: the input and the target have different sizes")]
fn mse_refuses_to_broadcast_dyn_sizes() {
    let a = Tensor::<(Dyn,), f64>::zeros_shaped((Dyn(3),));
    let b = Tensor::<(Dyn,), f64>::zeros_shaped((Dyn(1),));
    mse(&a, &b);
}

/// `-ln(e^{x_l} / Σ_j e^{x_j})` for one row, directly from the definition.
fn naive_ce(row: &[f64], label: usize) -> f64 {
    -(row[label].exp() / row.iter().map(|v| v.exp()).sum::<f64>()).ln()
}

#[test]
fn cross_entropy_by_hand() {
    let logits = Tensor::<(U2, U3), f64>::from_vec(vec![1., 2., 3., 1., 1., 1.]).unwrap();
    let labels = Labels::<U2, U3>::from_vec(vec![2, 0]).unwrap();
    let rows = [naive_ce(&[1., 2., 3.], 2), 3f64.ln()];
    assert!(close(
        cross_entropy(&logits, &labels).item(),
        (rows[0] + rows[1]) / 2.0
    ));
    assert!(close(
        cross_entropy_with(&logits, &labels, Reduction::Sum).item(),
        rows[0] + rows[1]
    ));

    // dlogits = (softmax - onehot) / B.
    let (_, graph) = vjp(&logits, |l| cross_entropy(&l, &labels));
    let z: f64 = [1f64, 2., 3.].iter().map(|v| v.exp()).sum();
    let expected = [
        1f64.exp() / z / 2.0,
        2f64.exp() / z / 2.0,
        (3f64.exp() / z - 1.0) / 2.0,
        (1.0 / 3.0 - 1.0) / 2.0,
        1.0 / 6.0,
        1.0 / 6.0,
    ];
    assert_all_close(&graph.backward().to_vec(), &expected);
    gradcheck(
        |l: Tensor<(U2, U3), f64>| cross_entropy(&l, &labels),
        &logits,
    )
    .unwrap();
}

#[test]
fn cross_entropy_is_stable_for_large_logits() {
    let labels = Labels::<U2, U3>::from_vec(vec![2, 1]).unwrap();
    let logits = Tensor::<(U2, U3), f64>::from_vec(vec![1000., 0., -1000., 0., 1000., 0.]).unwrap();
    // Row 0: -(-1000 - 1000 - ln(1 + e^-1000 + e^-2000)) = 2000; row 1: ln(1 + 2e^-1000) = 0.
    assert_eq!(cross_entropy(&logits, &labels).item(), 1000.0);
    let (_, graph) = vjp(&logits, |l| cross_entropy(&l, &labels));
    assert!(graph.backward().to_vec().iter().all(|g| g.is_finite()));

    let logits32 =
        Tensor::<(U2, U3), f32>::from_vec(vec![1000., 0., -1000., 0., 1000., 0.]).unwrap();
    let (loss, graph) = vjp(&logits32, |l| cross_entropy(&l, &labels));
    assert_eq!(loss.item(), 1000.0);
    assert!(graph.backward().to_vec().iter().all(|g| g.is_finite()));
}

#[test]
fn bce_with_logits_by_hand_and_stable() {
    let x = Tensor::<(U4,), f64>::from_vec(vec![0., 2., -1., 1000.]).unwrap();
    let y = Tensor::<(U4,), f64>::from_vec(vec![1., 0., 0.25, 0.]).unwrap();
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    // -[y ln σ(x) + (1 - y) ln(1 - σ(x))], with the last term's value 1000 from the limit.
    let terms = [
        -(sig(0.).ln()),
        -((1.0 - sig(2.)).ln()),
        -(0.25 * sig(-1.).ln() + 0.75 * (1.0 - sig(-1.)).ln()),
        1000.0,
    ];
    assert!(close(
        bce_with_logits(&x, &y).item(),
        terms.iter().sum::<f64>() / 4.0
    ));
    assert!(close(
        bce_with_logits_with(&x, &y, Reduction::Sum).item(),
        terms.iter().sum()
    ));

    // dx = (σ(x) - y) / n.
    let (_, graph) = vjp(&x, |x| bce_with_logits(&x, &y));
    let expected: Vec<f64> = x
        .to_vec()
        .iter()
        .zip(y.to_vec())
        .map(|(&x, y)| (sig(x) - y) / 4.0)
        .collect();
    assert_all_close(&graph.backward().to_vec(), &expected);

    let x = Tensor::<(U2, U2), f64>::randn(&mut Rng::seed(3));
    let y = Tensor::<(U2, U2), f64>::from_vec(vec![0., 1., 0.3, 1.]).unwrap();
    type P = (Tensor<(U2, U2), f64>, Tensor<(U2, U2), f64>);
    gradcheck(|(x, y): P| bce_with_logits(&x, &y), &(x, y)).unwrap();
}
