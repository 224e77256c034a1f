//! The compiled backward pass with struct arguments read through their fields, and the
//! fields that keep a function on the tape.

mod support;

use autodiff::prelude::*;
use support::*;

/// A linear layer stored as PyTorch does, and a model of two, with a `#[no_grad]`
/// buffer: struct arguments read through their fields.
#[derive(Differentiable)]
struct Linear {
    weight: Tensor<(U2, U3), f64>,
    bias: Tensor<(U2,), f64>,
}

#[derive(Differentiable)]
struct Model {
    first: Linear,
    second: Linear,
    scale: Tensor<(), f64>,
    #[no_grad]
    shift: Tensor<(U2,), f64>,
}

/// `first` and `scale` are read; `second` is not (its gradient is zeros).
#[differentiable]
fn model_loss(model: &Model, w: &V3, #[no_grad] x: &M23) -> Tensor<(), f64> {
    let h = (x.matmul_t(&model.first.weight) + &model.first.bias).tanh(); // (2, 2)
    let y = h.matmul(&model.first.weight) * w; // (2, 3)
    (y.sum() + h.sum()) * &model.scale
}

/// The `#[no_grad]` buffer is not among the struct's visited tensors: the tape runs.
#[differentiable]
fn shifted(model: &Model) -> Tensor<(), f64> {
    (&model.first.bias - &model.shift).powi(2).sum()
}

#[test]
fn a_no_grad_field_keeps_the_tape() {
    let m = model();
    let (_, graph) = shifted::forward(&m);
    assert!(!graph.to_dot().contains("compiled"));
    let g = graph.backward();
    assert_eq!(
        g.model.first.bias.to_vec(),
        vec![2. * (0.1 - 0.5), 2. * (-0.2 + 0.5)]
    );
}

fn model() -> Model {
    let w = |k: f64| Tensor::from_vec((0..6).map(|i| (f64::from(i) - 2.5) * k).collect()).unwrap();
    Model {
        first: Linear {
            weight: w(0.2),
            bias: Tensor::from_vec(vec![0.1, -0.2]).unwrap(),
        },
        second: Linear {
            weight: w(0.3),
            bias: Tensor::from_vec(vec![0.3, 0.4]).unwrap(),
        },
        scale: Tensor::full(1.5),
        shift: Tensor::from_vec(vec![0.5, -0.5]).unwrap(),
    }
}

#[test]
fn struct_arguments_match_the_tape() {
    let (x, w) = inputs();
    let m = model();
    let (y, graph) = model_loss::forward(&m, &w, &x);
    let dot = graph.to_dot();
    assert!(
        dot.contains("compiled") && dot.contains("label=\"model.first.weight\\n[2, 3]\""),
        "{dot}"
    );
    let g = graph.retain();
    let full = g.backward();
    let (y_tape, tape) = vjp(&(m, w.clone()), |(m, w)| model_loss(&m, &w, &x));
    assert_eq!(y.item(), y_tape.item());
    let (gm, gw) = tape.retain().backward();
    assert_close(
        "d first.weight",
        &full.model.first.weight.to_vec(),
        &gm.first.weight.to_vec(),
    );
    assert_close(
        "d first.bias",
        &full.model.first.bias.to_vec(),
        &gm.first.bias.to_vec(),
    );
    assert_close("d scale", &full.model.scale.to_vec(), &gm.scale.to_vec());
    assert_close("dw", &full.w.to_vec(), &gw.to_vec());
    assert_eq!(full.model.second.weight.to_vec(), vec![0.0; 6]);
    assert_eq!(full.model.second.bias.to_vec(), vec![0.0; 2]);

    // Accumulation into a gradient value and into an empty `Option`.
    let mut sum = g.backward();
    g.backward_into(&mut sum);
    assert_close(
        "2 d first.weight",
        &sum.model.first.weight.to_vec(),
        &(&gm.first.weight * 2.0).to_vec(),
    );
    let mut none: Option<model_loss::Grads> = None;
    g.backward_into(&mut none);
    assert_close(
        "d scale",
        &none.unwrap().model.scale.to_vec(),
        &gm.scale.to_vec(),
    );

    // Selecting the scale alone runs only the last product's rule.
    let mut select = model_loss::Select::default();
    select.model.scale = true;
    let part = g.backward_selected(&select);
    assert!(part.w.is_none() && part.model.first.weight.is_none());
    assert_close(
        "d scale",
        &part.model.scale.unwrap().to_vec(),
        &gm.scale.to_vec(),
    );
    assert_eq!(
        model_loss::forward(&model(), &w, &x)
            .1
            .nodes_visited(&select),
        1
    );
}

#[test]
fn struct_gradients_match_finite_differences() {
    let (x, w) = inputs();
    let m = model();
    let g = model_loss::grad(&m, &w, &x);
    let fd = numeric(
        &m.first.weight.to_vec(),
        |v| Model {
            first: Linear {
                weight: Tensor::from_vec(v).unwrap(),
                bias: m.first.bias.clone(),
            },
            ..model()
        },
        |m| model_loss(m, &w, &x).item(),
    );
    assert_near("d first.weight", &g.model.first.weight.to_vec(), &fd);
}

/// A struct with a number in it.
#[derive(Differentiable)]
struct Scaled {
    w: V3,
    #[no_grad]
    k: f64,
}

/// `s.k` read by value could be a number: the function stays on the tape.
#[differentiable]
fn scaled(s: &Scaled) -> Tensor<(), f64> {
    (&s.w * s.k).sum()
}

#[test]
fn a_field_that_may_be_a_number_keeps_the_tape() {
    let s = Scaled {
        w: v3([1., 2., 3.]),
        k: 2.5,
    };
    let (_, graph) = scaled::forward(&s);
    assert!(!graph.to_dot().contains("compiled"));
    assert_eq!(graph.backward().s.w.to_vec(), vec![2.5; 3]);
}

/// A model whose tensors all have at most four elements: the pass on small arrays, with
/// the inputs placed among the struct's tensors.
#[derive(Differentiable)]
struct Tiny {
    weight: Tensor<(U2, U2), f64>,
    bias: Tensor<(U2,), f64>,
}

#[derive(Differentiable)]
struct TinyModel {
    first: Tiny,
    second: Tiny,
    scale: Tensor<(), f64>,
}

/// Reads `first.weight`, `first.bias`, `second.weight`, `scale` and the argument `w`;
/// `second.bias` gets zeros.
#[differentiable]
fn tiny_loss(
    model: &TinyModel,
    w: &Tensor<(U2,), f64>,
    #[no_grad] x: &Tensor<(U1, U2), f64>,
) -> Tensor<(), f64> {
    let h = (x.matmul_t(&model.first.weight) + &model.first.bias).tanh(); // (1, 2)
    (h.matmul(&model.second.weight) + &model.scale + w).sum()
}

fn tiny() -> TinyModel {
    let m = |k: f64| Tensor::from_vec(vec![0.5 * k, -0.25 * k, 0.75 * k, 1.0 * k]).unwrap();
    TinyModel {
        first: Tiny {
            weight: m(1.0),
            bias: Tensor::from_vec(vec![0.1, -0.2]).unwrap(),
        },
        second: Tiny {
            weight: m(-0.5),
            bias: Tensor::from_vec(vec![0.3, 0.4]).unwrap(),
        },
        scale: Tensor::full(1.5),
    }
}

#[test]
fn small_struct_arguments_run_on_arrays_and_match_the_tape() {
    let x = Tensor::<(U1, U2), f64>::from_vec(vec![0.8, -1.2]).unwrap();
    let w = Tensor::<(U2,), f64>::from_vec(vec![0.25, -0.5]).unwrap();
    let m = tiny();
    let (y, graph) = tiny_loss::forward(&m, &w, &x);
    assert!(graph.to_dot().contains("on small arrays"));
    let g = graph.retain();
    let full = g.backward();
    let (y_tape, tape) = vjp(&(tiny(), w.clone()), |(m, w)| tiny_loss(&m, &w, &x));
    assert_eq!(y.item(), y_tape.item());
    let tape = tape.retain();
    let (gm, gw) = tape.backward();
    let pairs = [
        (
            "first.weight",
            full.model.first.weight.to_vec(),
            gm.first.weight.to_vec(),
        ),
        (
            "first.bias",
            full.model.first.bias.to_vec(),
            gm.first.bias.to_vec(),
        ),
        (
            "second.weight",
            full.model.second.weight.to_vec(),
            gm.second.weight.to_vec(),
        ),
    ];
    for (what, got, want) in pairs {
        assert_close(what, &got, &want);
    }
    assert_close("scale", &full.model.scale.to_vec(), &gm.scale.to_vec());
    assert_close("w", &full.w.to_vec(), &gw.to_vec());
    assert_eq!(full.model.second.bias.to_vec(), vec![0.0; 2]);

    // Accumulation in place, into a value and into an empty `Option`.
    let mut sum = g.backward();
    g.backward_into(&mut sum);
    assert_close(
        "2 d second.weight",
        &sum.model.second.weight.to_vec(),
        &(&gm.second.weight * 2.0).to_vec(),
    );
    let mut none: Option<tiny_loss::Grads> = None;
    g.backward_into(&mut none);
    assert_close("w", &none.unwrap().w.to_vec(), &gw.to_vec());

    // Selecting the scale alone: only the sum's and the additions' rules run.
    let mut select = tiny_loss::Select::default();
    select.model.scale = true;
    let part = g.backward_selected(&select);
    assert!(part.w.is_none() && part.model.first.weight.is_none());
    assert_close(
        "scale",
        &part.model.scale.unwrap().to_vec(),
        &gm.scale.to_vec(),
    );
    let taped_count = vjp(&(tiny(), w.clone()), |(m, w)| tiny_loss(&m, &w, &x))
        .1
        .nodes_visited(&(
            TinyModelSelect {
                scale: true,
                ..Default::default()
            },
            false,
        ));
    assert_eq!(
        tiny_loss::forward(&tiny(), &w, &x).1.nodes_visited(&select),
        taped_count
    );

    // Finite differences through the first layer's weight.
    let fd = numeric(
        &m.first.weight.to_vec(),
        |v| TinyModel {
            first: Tiny {
                weight: Tensor::from_vec(v).unwrap(),
                bias: m.first.bias.clone(),
            },
            ..tiny()
        },
        |m| tiny_loss(m, &w, &x).item(),
    );
    assert_near("first.weight", &full.model.first.weight.to_vec(), &fd);

    // A seed that a recording graph traces: the tensor rules, placed the same way.
    let s = Tensor::<(), f64>::full(1.5);
    let (_, outer) = vjp(&s, |s| {
        let g = g.backward_with(&s * 1.0);
        (g.model.first.weight * 2.0).sum() + g.w.sum()
    });
    let (_, outer_tape) = vjp(&s, |s| {
        let (gm, gw) = tape.backward_with(&s * 1.0);
        (gm.first.weight * 2.0).sum() + gw.sum()
    });
    let (d, d_tape) = (outer.backward().item(), outer_tape.backward().item());
    assert!(
        d != 0.0 && (d - d_tape).abs() <= 1e-12 * d_tape.abs(),
        "{d} against {d_tape}"
    );
}
