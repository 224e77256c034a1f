//! Optimizers and schedules against PyTorch's formulas, written out here (by hand for a
//! step or two, as scalar reference loops for longer runs), and an end-to-end training run.

use autodiff::nn::{loss, Linear, LinearGrads, Mlp2};
use autodiff::optim::{Adam, AdamW, CosineAnnealingLr, LrSchedule, Sgd, StepLr};
use autodiff::prelude::*;

/// A model with a matrix and a vector, visited `w` then `b`: 7 parameters.
#[derive(Differentiable)]
struct Params {
    w: Tensor<(U2, U2), f64>,
    b: Tensor<(U3,), f64>,
}

const P0: [f64; 7] = [1.0, -2.0, 0.5, 3.0, -0.25, 2.0, -1.5];
/// The loss `Σ_k a_k p_k² / 2 + c_k p_k`, so the gradient is `a_k p_k + c_k`.
const A: [f64; 7] = [1.0, 0.5, 2.0, 0.1, 3.0, 1.5, 0.2];
const C: [f64; 7] = [0.3, -0.2, 0.0, 1.0, -0.5, 0.1, 0.4];

fn params() -> Params {
    Params {
        w: Tensor::from_vec(P0[..4].to_vec()).unwrap(),
        b: Tensor::from_vec(P0[4..].to_vec()).unwrap(),
    }
}

fn flat(p: &Params) -> Vec<f64> {
    [p.w.to_vec(), p.b.to_vec()].concat()
}

/// The gradient of the quadratic loss, through the graph.
fn grads(p: &Params) -> ParamsGrads {
    let part = |x: &Tensor<(Dyn,), f64>, a: &[f64], c: &[f64]| {
        let n = a.len();
        let a = Tensor::<(Dyn,), f64>::from_shape_vec((Dyn(n),), a.to_vec()).unwrap();
        let c = Tensor::<(Dyn,), f64>::from_shape_vec((Dyn(n),), c.to_vec()).unwrap();
        ((&a * x.square()) * 0.5 + &c * x).sum()
    };
    let (_, graph) = vjp(p, |p| {
        let w = p.w.reshape::<(Dyn,)>();
        let b = p.b.clone().into_shape::<(Dyn,)>().unwrap();
        part(&w, &A[..4], &C[..4]) + part(&b, &A[4..], &C[4..])
    });
    graph.backward()
}

/// The same gradient, by its formula.
fn reference_grad(p: &[f64]) -> Vec<f64> {
    p.iter()
        .zip(A)
        .zip(C)
        .map(|((p, a), c)| a * p + c)
        .collect()
}

fn assert_close(actual: &[f64], expected: &[f64], tol: f64) {
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tol * (1.0 + e.abs()),
            "parameter {i}: {a} vs {e}"
        );
    }
}

fn run<O: Optimizer<Params>>(mut opt: O, steps: usize) -> Vec<f64> {
    let mut p = params();
    for _ in 0..steps {
        let g = grads(&p);
        opt.step(&mut p, &g);
    }
    flat(&p)
}

#[test]
fn the_quadratic_gradient_is_the_formula() {
    assert_close(&flat_grads(&grads(&params())), &reference_grad(&P0), 1e-15);
}

fn flat_grads(g: &ParamsGrads) -> Vec<f64> {
    [g.w.to_vec(), g.b.to_vec()].concat()
}

/// PyTorch's SGD, one scalar at a time.
fn sgd_reference(steps: usize, lr: f64, mu: f64, tau: f64, wd: f64, nesterov: bool) -> Vec<f64> {
    let mut p = P0.to_vec();
    let mut buf: Option<Vec<f64>> = None;
    for _ in 0..steps {
        let g = reference_grad(&p);
        let mut d: Vec<f64> = g.iter().zip(&p).map(|(g, p)| g + wd * p).collect();
        if mu != 0.0 {
            let b = match buf.take() {
                None => d.clone(),
                Some(b) => b
                    .iter()
                    .zip(&d)
                    .map(|(b, d)| mu * b + (1.0 - tau) * d)
                    .collect(),
            };
            d = if nesterov {
                d.iter().zip(&b).map(|(d, b)| d + mu * b).collect()
            } else {
                b.clone()
            };
            buf = Some(b);
        }
        p = p.iter().zip(&d).map(|(p, d)| p - lr * d).collect();
    }
    p
}

#[test]
fn sgd_by_hand() {
    // p = 1, loss p²/2 (g = p), lr 0.1, momentum 0.9, Nesterov:
    // step 1: g = 1, b = 1, d = 1 + 0.9 · 1 = 1.9, p = 1 - 0.19 = 0.81
    // step 2: g = 0.81, b = 0.9 + 0.81 = 1.71, d = 0.81 + 0.9 · 1.71 = 2.349, p = 0.5751
    let mut p = Tensor::<(), f64>::full(1.0);
    let mut opt = Sgd::new(0.1).momentum(0.9).nesterov(true);
    for _ in 0..2 {
        let g = p.clone();
        opt.step(&mut p, &g);
    }
    assert!((p.item() - 0.5751).abs() < 1e-12);

    // p = 2, loss p (g = 1), lr 0.1, weight decay 0.5, momentum 0.9, dampening 0.5:
    // step 1: d = 1 + 0.5 · 2 = 2, b = 2 (no dampening on the first), p = 1.8
    // step 2: d = 1 + 0.9 = 1.9, b = 0.9 · 2 + 0.5 · 1.9 = 2.75, p = 1.8 - 0.275 = 1.525
    let mut p = Tensor::<(), f64>::full(2.0);
    let mut opt = Sgd::new(0.1).weight_decay(0.5).momentum(0.9).dampening(0.5);
    for _ in 0..2 {
        opt.step(&mut p, &Tensor::full(1.0));
    }
    assert!((p.item() - 1.525).abs() < 1e-12);
}

#[test]
fn sgd_against_the_formula() {
    let cases = [
        (0.1, 0.0, 0.0, 0.0, false),
        (0.1, 0.9, 0.0, 0.0, false),
        (0.05, 0.9, 0.0, 0.0, true),
        (0.1, 0.8, 0.3, 0.0, false),
        (0.1, 0.0, 0.0, 0.01, false),
        (0.05, 0.9, 0.0, 0.1, true),
    ];
    for (lr, mu, tau, wd, nesterov) in cases {
        let opt = Sgd::new(lr)
            .momentum(mu)
            .dampening(tau)
            .weight_decay(wd)
            .nesterov(nesterov);
        let expected = sgd_reference(5, lr, mu, tau, wd, nesterov);
        assert_close(&run(opt, 5), &expected, 1e-12);
    }
}

#[test]
#[should_panic(expected = "Sgd: Nesterov momentum needs a momentum above 0 and no dampening")]
fn sgd_refuses_nesterov_without_momentum() {
    run(Sgd::new(0.1).nesterov(true), 1);
}

/// PyTorch's Adam (`decoupled = false`, weight decay added to the gradient) or AdamW
/// (`decoupled = true`, the parameter shrunk by `1 - lr λ`), one scalar at a time, with
/// the bias corrections written as in the paper: `m̂ = m / (1 - β₁ᵗ)`,
/// `v̂ = v / (1 - β₂ᵗ)`, `p -= lr m̂ / (√v̂ + eps)` (PyTorch computes the same as
/// `p -= lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + eps)`).
fn adam_reference(
    steps: usize,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    wd: f64,
    decoupled: bool,
) -> Vec<f64> {
    let (b1, b2) = betas;
    let mut p = P0.to_vec();
    let mut m = [0.0; 7];
    let mut v = [0.0; 7];
    for t in 1..=steps as i32 {
        let g = reference_grad(&p);
        for k in 0..7 {
            if decoupled {
                p[k] *= 1.0 - lr * wd;
            }
            let g = if decoupled { g[k] } else { g[k] + wd * p[k] };
            m[k] = b1 * m[k] + (1.0 - b1) * g;
            v[k] = b2 * v[k] + (1.0 - b2) * g * g;
            let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
            let (m_hat, v_hat) = (m[k] / c1, v[k] / c2);
            p[k] -= lr * m_hat / (v_hat.sqrt() + eps);
        }
    }
    p
}

#[test]
fn adam_by_hand() {
    // p = 1, a constant gradient 2, lr 0.1, PyTorch's defaults:
    // step 1: m = 0.2, v = 0.004, m̂ = 2, v̂ = 4: p = 1 - 0.1 · 2 / (2 + 1e-8)
    // step 2: m = 0.38, v = 0.007996, m̂ = 0.38 / 0.19 = 2, v̂ = 0.007996 / 0.001999 = 4
    let mut p = Tensor::<(), f64>::full(1.0);
    let mut opt = Adam::new(0.1);
    opt.step(&mut p, &Tensor::full(2.0));
    assert!((p.item() - (1.0 - 0.2 / (2.0 + 1e-8))).abs() < 1e-12);
    opt.step(&mut p, &Tensor::full(2.0));
    assert!((p.item() - (1.0 - 0.4 / (2.0 + 1e-8))).abs() < 1e-9);
    assert_eq!(opt.steps(), 2);
}

#[test]
fn adam_and_adamw_against_the_formula() {
    let steps = 6;
    let defaults = ((0.9, 0.999), 1e-8);
    let expected = adam_reference(steps, 0.05, defaults.0, defaults.1, 0.0, false);
    assert_close(&run(Adam::new(0.05), steps), &expected, 1e-12);

    let expected = adam_reference(steps, 0.05, (0.8, 0.99), 1e-3, 0.1, false);
    let opt = Adam::new(0.05).betas(0.8, 0.99).eps(1e-3).weight_decay(0.1);
    assert_close(&run(opt, steps), &expected, 1e-12);

    let expected = adam_reference(steps, 0.05, defaults.0, defaults.1, 0.01, true);
    assert_close(&run(AdamW::new(0.05), steps), &expected, 1e-12);

    let expected = adam_reference(steps, 0.05, (0.85, 0.995), 1e-6, 0.3, true);
    let opt = AdamW::new(0.05)
        .betas(0.85, 0.995)
        .eps(1e-6)
        .weight_decay(0.3);
    assert_close(&run(opt, steps), &expected, 1e-12);
}

#[test]
fn adam_and_adamw_defaults_are_pytorchs() {
    // With a zero gradient only weight decay moves a parameter: Adam's is 0, AdamW's 0.01.
    let zero = Tensor::<(U2,), f64>::zeros();
    let mut p = Tensor::<(U2,), f64>::full(10.0);
    let mut adam = Adam::new(0.1);
    adam.step(&mut p, &zero);
    assert_eq!(p.to_vec(), vec![10.0, 10.0]);
    let mut adamw = AdamW::new(0.1);
    adamw.step(&mut p, &zero);
    assert_close(&p.to_vec(), &[10.0 * (1.0 - 0.1 * 0.01); 2], 1e-15);
    // PyTorch's Adam and AdamW with lr 1e-3 on a gradient of 1: 1e-3 / (1 + 1e-8).
    let mut p = Tensor::<(), f32>::full(0.0);
    let mut adam = Adam::new(1e-3);
    adam.step(&mut p, &Tensor::full(1.0));
    assert!((p.item() + 1e-3).abs() < 1e-9);
}

#[test]
fn state_is_made_on_the_first_step_for_any_model() {
    let mut opt = Adam::new(0.01);
    assert_eq!(opt.steps(), 0);
    let mut mlp = Mlp2::<U2, U3, U1, f64>::new(&mut Rng::seed(0));
    let before = mlp.named_params();
    let x = Tensor::<(U4, U2), f64>::ones();
    let (_, graph) = vjp(&mlp, |m| m.forward(&x).sum());
    opt.step(&mut mlp, &graph.backward());
    assert_eq!(opt.steps(), 1);
    // Every parameter moved by about lr (Adam's first step is lr · sign(g) where g ≠ 0).
    for (old, new) in before.iter().zip(mlp.named_params()) {
        assert_eq!(old.path, new.path);
        for (a, b) in old.values.iter().zip(&new.values) {
            assert!((a - b).abs() <= 0.01 + 1e-9);
        }
    }
}

#[test]
#[should_panic(expected = "optimizer: parameter 0 has 3 elements but had 2 at the first step")]
fn a_changed_model_is_refused() {
    let mut opt = Sgd::new(0.1).momentum(0.9);
    let mut small = Tensor::<(U2,), f64>::ones();
    opt.step(&mut small, &Tensor::ones());
    let mut large = Tensor::<(U3,), f64>::ones();
    opt.step(&mut large, &Tensor::ones());
}

#[test]
fn zero_grad_through_the_accumulation_api() {
    let x = Tensor::<(U1, U2), f64>::from_vec(vec![1.0, 2.0]).unwrap();
    let model = Linear::<U2, U1, f64>::new(&mut Rng::seed(0));
    let pass = || vjp(&model, |m| m.forward(&x).sum()).1;

    // set_to_none=False: a buffer of zeros, accumulated into, then zeroed in place.
    let mut buffer = model.zeroed_grads();
    pass().backward_into(&mut buffer);
    pass().backward_into(&mut buffer);
    assert_eq!(buffer.weight.to_vec(), vec![2.0, 4.0]);
    zero_grads(&mut buffer);
    assert_eq!(buffer.weight.to_vec(), vec![0.0, 0.0]);

    // set_to_none=True: `None` until the next pass fills it.
    let mut grad: Option<LinearGrads<U2, U1, f64>> = None;
    pass().backward_into(&mut grad);
    assert_eq!(grad.as_ref().unwrap().weight.to_vec(), vec![1.0, 2.0]);
    grad = None;
    pass().backward_into(&mut grad);
    assert_eq!(grad.unwrap().bias.to_vec(), vec![1.0]);
}

#[test]
fn step_lr_is_pytorchs() {
    // PyTorch's StepLR.get_lr (chainable form): unchanged unless epoch is a positive
    // multiple of step_size, then multiplied by gamma.
    let s = StepLr {
        step_size: 3,
        gamma: 0.1,
    };
    let base = 0.5;
    let mut lr = base;
    for epoch in 0..20 {
        if epoch > 0 && epoch % 3 == 0 {
            lr *= 0.1;
        }
        assert!(
            (s.lr_at(base, epoch) - lr).abs() <= 1e-15 * lr.max(1e-300),
            "epoch {epoch}"
        );
        // The closed form: base · γ^⌊epoch / step_size⌋.
        assert_eq!(s.lr_at(base, epoch), base * 0.1f64.powi((epoch / 3) as i32));
    }
}

#[test]
fn cosine_annealing_is_pytorchs() {
    // PyTorch's CosineAnnealingLR.get_lr (chainable form), against the closed form.
    let (t_max, eta_min, base) = (10usize, 0.01, 0.1);
    let s = CosineAnnealingLr { t_max, eta_min };
    let pi = std::f64::consts::PI;
    let mut lr = base;
    for epoch in 0..35usize {
        if epoch == 0 {
            lr = base;
        } else if (epoch as i64 - 1 - t_max as i64).rem_euclid(2 * t_max as i64) == 0 {
            lr += (base - eta_min) * (1.0 - (pi / t_max as f64).cos()) / 2.0;
        } else {
            let e = epoch as f64;
            let t = t_max as f64;
            lr = (1.0 + (pi * e / t).cos()) / (1.0 + (pi * (e - 1.0) / t).cos()) * (lr - eta_min)
                + eta_min;
        }
        let closed =
            eta_min + (base - eta_min) * (1.0 + (pi * epoch as f64 / t_max as f64).cos()) / 2.0;
        assert!(
            (s.lr_at(base, epoch) - closed).abs() < 1e-15,
            "epoch {epoch}"
        );
        assert!(
            (s.lr_at(base, epoch) - lr).abs() < 1e-12,
            "epoch {epoch}: {} vs {lr}",
            s.lr_at(base, epoch)
        );
    }
    assert!((s.lr_at(base, t_max) - eta_min).abs() < 1e-15);
}

#[test]
fn a_schedule_sets_the_optimizers_rate() {
    let mut opt = AdamW::<f32>::new(0.1);
    let s = StepLr {
        step_size: 2,
        gamma: 0.5,
    };
    for epoch in 0..5 {
        opt.set_lr(s.lr_at(0.1, epoch));
    }
    assert_eq!(opt.lr(), 0.025);
}

#[test]
fn sgd_with_momentum_fits_a_line() {
    let x = Tensor::<(U4, U2)>::from_vec(vec![0., 0., 0., 1., 1., 0., 1., 1.]).unwrap();
    let y = Tensor::<(U4, U1)>::from_vec(vec![1., 3., 2., 4.]).unwrap(); // 1 + x₀ + 2 x₁
    let mut model = Linear::<U2, U1>::new(&mut Rng::seed(1));
    let mut opt = Sgd::new(0.1).momentum(0.9);
    for _ in 0..300 {
        let (_, graph) = vjp(&model, |m| loss::mse(&m.forward(&x), &y));
        opt.step(&mut model, &graph.backward());
    }
    assert!(loss::mse(&model.forward(&x), &y).item() < 1e-6);
    assert_close(
        &model
            .weight
            .to_vec()
            .iter()
            .map(|&v| v as f64)
            .collect::<Vec<_>>(),
        &[1.0, 2.0],
        1e-3,
    );
    assert!((model.bias.item() - 1.0).abs() < 1e-3);
}

/// XOR with a margin: the class is whether `x₀ x₁ > 0`, with every point at least 0.2
/// from both axes. Not linearly separable; separable by a small MLP.
fn xor_data() -> (Tensor<(U64, U2)>, Labels<U64, U2>) {
    let mut rng = Rng::seed(3);
    let mut xs = Vec::new();
    let mut labels = Vec::new();
    while labels.len() < 64 {
        let (a, b) = (2.0 * rng.uniform() - 1.0, 2.0 * rng.uniform() - 1.0);
        if a.abs() < 0.2 || b.abs() < 0.2 {
            continue;
        }
        xs.extend([a as f32, b as f32]);
        labels.push(usize::from(a * b > 0.0));
    }
    (
        Tensor::from_vec(xs).unwrap(),
        Labels::from_vec(labels).unwrap(),
    )
}

#[test]
fn an_mlp_learns_xor_with_adam() {
    let (x, labels) = xor_data();
    let mut model = Mlp2::<U2, U16, U2>::new(&mut Rng::seed(4));
    let mut opt = Adam::new(0.05);
    let first = loss::cross_entropy(&model.forward(&x), &labels).item();
    for _ in 0..300 {
        let (_, graph) = vjp(&model, |m| loss::cross_entropy(&m.forward(&x), &labels));
        opt.step(&mut model, &graph.backward());
    }
    let logits = model.forward(&x);
    let last = loss::cross_entropy(&logits, &labels).item();
    assert!(last < 0.05, "loss {first} -> {last}");
    assert_eq!(labels.accuracy(&logits), 1.0, "every point classified");
}
