//! W2 of BENCHMARKS.md, a small MLP training step: 784 -> 256 -> 10, ReLU, batch 64,
//! softmax cross-entropy with integer labels (mean over the batch), forward + backward +
//! plain SGD (lr 0.01), in ms per step. Through `#[differentiable]` (weights stored
//! `(out, in)` as in PyTorch, applied with `matmul_t`; a second library line applies them
//! as `x.matmul(&w.t())`, to show what the transpose copy costs) and hand-written on
//! slices with `matrixmultiply::sgemm`. Forward-only times beside. Run with
//! `cargo bench --bench w2_mlp`.

mod common;

use autodiff::prelude::*;
use common::{
    assert_close, compare, count_allocs, measure_each, profile_seconds, report_compared,
    report_forward, report_recording, sgemm, spin, Mat, MS, REPEATS, WARMUP,
};
use std::hint::black_box;

const BATCH: usize = 64;
const IN: usize = 784;
const HIDDEN: usize = 256;
const CLASSES: usize = 10;
const LR: f32 = 0.01;
/// Steps per timed repeat.
const ITERS: u32 = 10;

#[derive(Differentiable)]
struct Linear<I: Dim, O: Dim> {
    weight: Tensor<(O, I)>,
    bias: Tensor<(O,)>,
}

#[derive(Differentiable)]
struct Mlp {
    l1: Linear<U784, U256>,
    l2: Linear<U256, U10>,
}

type Batch = Tensor<(U64, U784)>;
type Labels = Tensor<(U64,), usize>;

/// Mean softmax cross-entropy of the MLP's logits.
#[differentiable]
fn mlp_loss(m: &Mlp, #[no_grad] x: &Batch, #[no_grad] labels: &Labels) -> Tensor<()> {
    let h = (x.matmul_t(&m.l1.weight) + &m.l1.bias).relu();
    let logits = h.matmul_t(&m.l2.weight) + &m.l2.bias;
    let picked = logits.log_softmax::<1>().gather_classes(labels);
    -picked.expect("labels are below 10").mean()
}

/// The same with `x.matmul(&w.t())`: a transposed copy of each weight per step.
#[differentiable]
fn mlp_loss_t(m: &Mlp, #[no_grad] x: &Batch, #[no_grad] labels: &Labels) -> Tensor<()> {
    let h = (x.matmul(&m.l1.weight.t()) + &m.l1.bias).relu();
    let logits = h.matmul(&m.l2.weight.t()) + &m.l2.bias;
    let picked = logits.log_softmax::<1>().gather_classes(labels);
    -picked.expect("labels are below 10").mean()
}

fn sgd(param: &mut [f32], grad: &[f32]) {
    for (p, g) in param.iter_mut().zip(grad) {
        *p -= LR * g;
    }
}

/// Plain SGD on the model's tensors, in place through `as_mut_slice`.
fn update(model: &mut Mlp, g: &MlpGrads) {
    sgd(model.l1.weight.as_mut_slice(), g.l1.weight.as_slice());
    sgd(model.l1.bias.as_mut_slice(), g.l1.bias.as_slice());
    sgd(model.l2.weight.as_mut_slice(), g.l2.weight.as_slice());
    sgd(model.l2.bias.as_mut_slice(), g.l2.bias.as_slice());
}

/// One library step: forward, backward, SGD. Returns the loss.
fn library_step(model: &mut Mlp, x: &Batch, labels: &Labels) -> f32 {
    let (loss, graph) = mlp_loss::forward(model, x, labels);
    update(model, &graph.backward().m);
    loss.item()
}

/// [`library_step`] through `mlp_loss_t`.
fn library_step_t(model: &mut Mlp, x: &Batch, labels: &Labels) -> f32 {
    let (loss, graph) = mlp_loss_t::forward(model, x, labels);
    update(model, &graph.backward().m);
    loss.item()
}

/// Parameters, activations and gradients of the hand-written MLP, allocated once.
struct Hand {
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
    /// Hidden activations after ReLU, `BATCH x HIDDEN`.
    h: Vec<f32>,
    /// Logits, then the gradient of the loss with respect to them, `BATCH x CLASSES`.
    z2: Vec<f32>,
    /// The gradient with respect to the hidden layer, `BATCH x HIDDEN`.
    dh: Vec<f32>,
    gw1: Vec<f32>,
    gb1: Vec<f32>,
    gw2: Vec<f32>,
    gb2: Vec<f32>,
}

impl Hand {
    fn new(model: &Mlp) -> Hand {
        Hand {
            w1: model.l1.weight.to_vec(),
            b1: model.l1.bias.to_vec(),
            w2: model.l2.weight.to_vec(),
            b2: model.l2.bias.to_vec(),
            h: vec![0.0; BATCH * HIDDEN],
            z2: vec![0.0; BATCH * CLASSES],
            dh: vec![0.0; BATCH * HIDDEN],
            gw1: vec![0.0; HIDDEN * IN],
            gb1: vec![0.0; HIDDEN],
            gw2: vec![0.0; CLASSES * HIDDEN],
            gb2: vec![0.0; CLASSES],
        }
    }

    /// `h = relu(x W1ᵀ + b1)`, `z2 = h W2ᵀ + b2` (weights read transposed in place).
    fn logits(&mut self, x: &[f32]) {
        sgemm(
            x,
            Mat::rows(BATCH, IN),
            &self.w1,
            Mat::rows(HIDDEN, IN).t(),
            &mut self.h,
        );
        for row in self.h.chunks_exact_mut(HIDDEN) {
            for (v, b) in row.iter_mut().zip(&self.b1) {
                *v = (*v + b).max(0.0);
            }
        }
        sgemm(
            &self.h,
            Mat::rows(BATCH, HIDDEN),
            &self.w2,
            Mat::rows(CLASSES, HIDDEN).t(),
            &mut self.z2,
        );
        for row in self.z2.chunks_exact_mut(CLASSES) {
            for (v, b) in row.iter_mut().zip(&self.b2) {
                *v += b;
            }
        }
    }

    /// The mean cross-entropy; with `grad`, `z2` becomes its gradient `(softmax - onehot) / B`.
    fn cross_entropy(&mut self, labels: &[usize], grad: bool) -> f32 {
        let mut total = 0.0f32;
        for (row, &label) in self.z2.chunks_exact_mut(CLASSES).zip(labels) {
            let m = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let sum: f32 = row.iter().map(|&v| (v - m).exp()).sum();
            let lse = m + sum.ln();
            total += lse - row[label];
            if grad {
                for v in row.iter_mut() {
                    *v = (*v - lse).exp() / BATCH as f32;
                }
                row[label] -= 1.0 / BATCH as f32;
            }
        }
        total / BATCH as f32
    }

    fn forward(&mut self, x: &[f32], labels: &[usize]) -> f32 {
        self.logits(x);
        self.cross_entropy(labels, false)
    }

    /// Forward and backward: the loss, with the gradients in `g*`.
    fn forward_backward(&mut self, x: &[f32], labels: &[usize]) -> f32 {
        self.logits(x);
        let loss = self.cross_entropy(labels, true);
        let dz2 = &self.z2;
        // dW2 = dz2ᵀ h, db2 = Σ_rows dz2, dh = dz2 W2.
        sgemm(
            dz2,
            Mat::rows(BATCH, CLASSES).t(),
            &self.h,
            Mat::rows(BATCH, HIDDEN),
            &mut self.gw2,
        );
        column_sums(dz2, CLASSES, &mut self.gb2);
        sgemm(
            dz2,
            Mat::rows(BATCH, CLASSES),
            &self.w2,
            Mat::rows(CLASSES, HIDDEN),
            &mut self.dh,
        );
        // Through the ReLU: zero where the unit was off (h = 0).
        for (d, &h) in self.dh.iter_mut().zip(&self.h) {
            if h <= 0.0 {
                *d = 0.0;
            }
        }
        // dW1 = dz1ᵀ x, db1 = Σ_rows dz1.
        sgemm(
            &self.dh,
            Mat::rows(BATCH, HIDDEN).t(),
            x,
            Mat::rows(BATCH, IN),
            &mut self.gw1,
        );
        column_sums(&self.dh, HIDDEN, &mut self.gb1);
        loss
    }

    fn step(&mut self, x: &[f32], labels: &[usize]) -> f32 {
        let loss = self.forward_backward(x, labels);
        sgd(&mut self.w1, &self.gw1);
        sgd(&mut self.b1, &self.gb1);
        sgd(&mut self.w2, &self.gw2);
        sgd(&mut self.b2, &self.gb2);
        loss
    }
}

fn column_sums(m: &[f32], cols: usize, out: &mut [f32]) {
    out.fill(0.0);
    for row in m.chunks_exact(cols) {
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

fn init_model() -> Mlp {
    // PyTorch's default: uniform in ±1/√fan_in for weights and biases.
    let (s1, s2) = (1.0 / (IN as f32).sqrt(), 1.0 / (HIDDEN as f32).sqrt());
    Mlp {
        l1: Linear {
            weight: Tensor::rand_uniform(&mut Rng::seed(21), -s1, s1),
            bias: Tensor::rand_uniform(&mut Rng::seed(22), -s1, s1),
        },
        l2: Linear {
            weight: Tensor::rand_uniform(&mut Rng::seed(23), -s2, s2),
            bias: Tensor::rand_uniform(&mut Rng::seed(24), -s2, s2),
        },
    }
}

fn main() {
    let x = Batch::randn(&mut Rng::seed(25));
    let mut rng = Rng::seed(26);
    let labels =
        Labels::from_vec((0..BATCH).map(|_| rng.below(CLASSES)).collect()).expect("BATCH labels");
    let (xh, lh) = (x.to_vec(), labels.to_vec());

    let mut model = init_model();
    let mut model_t = init_model();
    let mut hand = Hand::new(&model);

    // Same loss and gradients on both sides (and with the transpose); check once.
    let (loss, graph) = mlp_loss::forward(&model, &x, &labels);
    let g = graph.backward().m;
    let loss_h = hand.forward_backward(&xh, &lh);
    assert_close("loss", &[loss.item()], &[loss_h], 1e-5);
    assert_close("dW1", g.l1.weight.as_slice(), &hand.gw1, 1e-4);
    assert_close("db1", g.l1.bias.as_slice(), &hand.gb1, 1e-4);
    assert_close("dW2", g.l2.weight.as_slice(), &hand.gw2, 1e-4);
    assert_close("db2", g.l2.bias.as_slice(), &hand.gb2, 1e-4);
    let (loss_t, graph_t) = mlp_loss_t::forward(&model, &x, &labels);
    let gt = graph_t.backward().m;
    assert_close("loss (w.t())", &[loss_t.item()], &[loss_h], 1e-5);
    assert_close("dW1 (w.t())", gt.l1.weight.as_slice(), &hand.gw1, 1e-4);
    let eager = mlp_loss(&model, &x, &labels).item();
    assert_close("forward only", &[eager], &[hand.forward(&xh, &lh)], 1e-5);
    // One SGD step from the same parameters lands on the same parameters.
    library_step(&mut model, &x, &labels);
    hand.step(&xh, &lh);
    assert_close(
        "W1 after a step",
        model.l1.weight.as_slice(),
        &hand.w1,
        1e-5,
    );
    assert_close("b2 after a step", model.l2.bias.as_slice(), &hand.b2, 1e-5);

    if let Some(seconds) = profile_seconds() {
        return spin(seconds, || library_step(&mut model, &x, &labels));
    }
    let step = compare(
        WARMUP,
        REPEATS,
        (ITERS, || {
            library_step(&mut model, black_box(&x), black_box(&labels))
        }),
        (ITERS, || hand.step(black_box(&xh), black_box(&lh))),
    );
    let step_t = compare(
        WARMUP,
        REPEATS,
        (ITERS, || {
            library_step_t(&mut model_t, black_box(&x), black_box(&labels))
        }),
        (ITERS, || hand.step(black_box(&xh), black_box(&lh))),
    );
    let fwd = compare(
        WARMUP,
        REPEATS,
        (ITERS, || {
            mlp_loss(&model, black_box(&x), black_box(&labels))
        }),
        (ITERS, || hand.forward(black_box(&xh), black_box(&lh))),
    );
    let recorded = measure_each(WARMUP, REPEATS, ITERS, || {
        mlp_loss::forward(&model, black_box(&x), black_box(&labels))
    });
    let allocs = count_allocs(ITERS, || library_step(&mut model, &x, &labels));
    let allocs_t = count_allocs(ITERS, || library_step_t(&mut model_t, &x, &labels));

    println!(
        "W2 mlp: {IN} -> {HIDDEN} -> {CLASSES}, ReLU, batch {BATCH}, softmax cross-entropy, \
         SGD lr {LR}; median of {REPEATS} after {WARMUP} warm-up runs, per step"
    );
    report_compared(
        "step",
        "library step (matmul_t)",
        "hand-written step",
        &step,
        MS,
    );
    report_compared(
        "step with w.t()",
        "library step (matmul(&w.t()))",
        "hand-written step (again)",
        &step_t,
        MS,
    );
    report_forward(&fwd, MS);
    report_recording(&recorded, &fwd, ("step", step.library.median), MS);
    let hand_allocs = count_allocs(ITERS, || hand.step(&xh, &lh));
    println!("  library heap allocations per step: {allocs}; with w.t(): {allocs_t}");
    println!("  hand-written heap allocations per step: {hand_allocs} (sgemm's packing buffers)");
}
