//! The compiled backward pass of `#[differentiable]` (docs/macros.md, "The compiled
//! backward pass"): for every op it covers, the same gradients as the tape and as finite
//! differences, with PyTorch's `inputs=`, `retain_graph` and accumulation semantics.

mod support;

use autodiff::prelude::*;
use support::*;

/// `+ - * /` between tensors (broadcasting `(2, 3)` with `(3,)` both ways), with
/// scalars on either side, unary minus, and a value used twice.
#[differentiable]
fn arith(a: &M23, b: &V3) -> Tensor<(), f64> {
    let s = a + b;
    let d = b - a;
    let p = &s * &d;
    let q = &p / (b * b + 1.0);
    let r = (q * 2.0 - 1.0) + (3.0 - &s) * 0.5 / 4.0 + 2.0 / (a * a + 1.0);
    (-r + &s * &s + 1.5 * &d).sum()
}

#[test]
fn arithmetic_matches_the_tape_and_finite_differences() {
    let (a, b) = inputs();
    let (y, graph) = arith::forward(&a, &b);
    assert!(graph.to_dot().contains("compiled"), "the compiled form ran");
    let g = graph.backward();
    let (y_tape, tape) = vjp(&(a.clone(), b.clone()), |(a, b)| arith(&a, &b));
    assert!(!tape.to_dot().contains("compiled"));
    assert_eq!(y.item(), y_tape.item());
    let (ga, gb) = tape.backward();
    assert_close("da", &g.a.to_vec(), &ga.to_vec());
    assert_close("db", &g.b.to_vec(), &gb.to_vec());
    let fd_a = numeric(
        &a.to_vec(),
        |v| M23::from_vec(v).unwrap(),
        |a| arith(a, &b).item(),
    );
    let fd_b = numeric(
        &b.to_vec(),
        |v| V3::from_vec(v).unwrap(),
        |b| arith(&a, b).item(),
    );
    assert_near("da", &g.a.to_vec(), &fd_a);
    assert_near("db", &g.b.to_vec(), &fd_b);
}

/// Every unary op the compiled form knows, `powi` with a literal and with an argument,
/// `mean`, `t` and shadowed names.
#[differentiable]
fn unary(x: &M23, #[no_grad] n: i32) -> Tensor<(), f64> {
    let pos = x.square() + 0.5;
    let a = pos.ln() + pos.sqrt() + pos.recip() + x.exp() * 0.1;
    let b = x.tanh() + x.sigmoid() + x.relu() + x.abs() + x.sin() * x.cos();
    let x = (a + b).powi(3) * 0.01 + x.powi(n);
    x.t().mean() + x.sum()
}

#[test]
fn unary_ops_match_the_tape_and_finite_differences() {
    let (x, _) = inputs();
    for n in [0, 1, 2, 4] {
        let (y, graph) = unary::forward(&x, n);
        assert!(graph.to_dot().contains("compiled"));
        let g = graph.backward();
        let (y_tape, tape) = vjp(&x, |x| unary(&x, n));
        assert_eq!(y.item(), y_tape.item());
        assert_close("dx", &g.x.to_vec(), &tape.backward().to_vec());
        let fd = numeric(
            &x.to_vec(),
            |v| M23::from_vec(v).unwrap(),
            |x| unary(x, n).item(),
        );
        assert_near("dx", &g.x.to_vec(), &fd);
    }
}

/// Matrix products of every rank pairing `matmul` has, a constant operand on either side.
#[differentiable]
fn products(
    a: &M23,
    w: &Tensor<(U3, U2), f64>,
    v: &V3,
    #[no_grad] c: &Tensor<(U2, U2), f64>,
) -> Tensor<(), f64> {
    let mm = a.matmul(w); // (2, 2)
    let mv = a.matmul(v); // (2,)
    let vm = v.matmul(w); // (2,)
    let dot = v.matmul(v); // ()
    let left = c.matmul(&mm); // constant on the left
    let right = mm.matmul(c); // constant on the right
    (left * right).sum() + (mv * vm).sum() + dot
}

#[test]
fn matrix_products_match_the_tape() {
    let (a, v) = inputs();
    let w = Tensor::<(U3, U2), f64>::from_vec(vec![1., -2., 0.5, 0.25, -1., 3.]).unwrap();
    let c = Tensor::<(U2, U2), f64>::from_vec(vec![0.5, 1., -1., 2.]).unwrap();
    let (y, graph) = products::forward(&a, &w, &v, &c);
    assert!(graph.to_dot().contains("compiled"));
    let g = graph.backward();
    let (y_tape, tape) = vjp(&(a.clone(), w.clone(), v.clone()), |(a, w, v)| {
        products(&a, &w, &v, &c)
    });
    assert_eq!(y.item(), y_tape.item());
    let (ga, gw, gv) = tape.backward();
    assert_close("da", &g.a.to_vec(), &ga.to_vec());
    assert_close("dw", &g.w.to_vec(), &gw.to_vec());
    assert_close("dv", &g.v.to_vec(), &gv.to_vec());
}

/// A linear layer as PyTorch stores it, `(out, in)`, applied with `matmul_t`, on a
/// matrix and on a batch of them (whose weight gradient sums over the batch).
#[differentiable]
fn layers(
    w: &Tensor<(U2, U3), f64>,
    x: &M23,
    #[no_grad] batch: &Tensor<(U2, U2, U3), f64>,
) -> Tensor<(), f64> {
    let one = x.matmul_t(w).tanh(); // (2, 2)
    let many = batch.matmul_t(w); // (2, 2, 2)
    (many * &one).sum() + one.sum()
}

#[test]
fn transposed_products_match_the_tape() {
    let (x, _) = inputs();
    let w = Tensor::<(U2, U3), f64>::from_vec(vec![0.5, -1., 0.25, 2., 0.1, -0.3]).unwrap();
    let batch =
        Tensor::<(U2, U2, U3), f64>::from_vec((0..12).map(|i| f64::from(i) * 0.1 - 0.5).collect())
            .unwrap();
    let (y, graph) = layers::forward(&w, &x, &batch);
    assert!(graph.to_dot().contains("matmul_t"));
    let g = graph.backward();
    let (y_tape, tape) = vjp(&(w.clone(), x.clone()), |(w, x)| layers(&w, &x, &batch));
    assert_eq!(y.item(), y_tape.item());
    let (gw, gx) = tape.backward();
    assert_close("dw", &g.w.to_vec(), &gw.to_vec());
    assert_close("dx", &g.x.to_vec(), &gx.to_vec());
    let fd = numeric(
        &w.to_vec(),
        |v| Tensor::from_vec(v).unwrap(),
        |w| layers(w, &x, &batch).item(),
    );
    assert_near("dw", &g.w.to_vec(), &fd);
}

/// The ops along one axis, on either axis of a matrix, and a cross-entropy against
/// one-hot targets.
#[differentiable]
fn along_axes(x: &M23, #[no_grad] targets: &M23) -> Tensor<(), f64> {
    let rows = x.sum_axis::<1>(); // (2,)
    let cols = x.mean_axis::<0>(); // (3,)
    let kept = x.sum_axis_keep::<0>() * x.mean_axis_keep::<1>(); // (1, 3) * (2, 1)
    let p = x.softmax::<0>();
    let nll = -(x.log_softmax::<1>() * targets).sum();
    rows.powi(2).sum() + cols.exp().sum() + kept.sum() + (p * x).sum() + nll
}

#[test]
fn ops_along_an_axis_match_the_tape_and_finite_differences() {
    let (x, _) = inputs();
    let targets = m23([0., 1., 0., 1., 0., 0.]);
    let (y, graph) = along_axes::forward(&x, &targets);
    let dot = graph.to_dot();
    assert!(
        dot.contains("compiled") && dot.contains("log_softmax::<1>"),
        "{dot}"
    );
    let g = graph.backward();
    let (y_tape, tape) = vjp(&x, |x| along_axes(&x, &targets));
    assert!((y.item() - y_tape.item()).abs() < 1e-12);
    assert_close("dx", &g.x.to_vec(), &tape.backward().to_vec());
    let fd = numeric(
        &x.to_vec(),
        |v| M23::from_vec(v).unwrap(),
        |x| along_axes(x, &targets).item(),
    );
    assert_near("dx", &g.x.to_vec(), &fd);
}

/// W1's function: `1x1` tensors take the rules' own loops.
#[differentiable]
fn seed(
    w: &Tensor<(U1, U1), f64>,
    b: &Tensor<(U1,), f64>,
    #[no_grad] x: &Tensor<(U1, U1), f64>,
) -> Tensor<(), f64> {
    (x.matmul(w) + b).powi(2).sum()
}

#[test]
fn the_seed_example_accumulates_over_a_retained_graph() {
    let w = Tensor::<(U1, U1), f64>::full(0.5);
    let b = Tensor::<(U1,), f64>::full(-0.25);
    let x = Tensor::<(U1, U1), f64>::full(1.0);
    let (y, graph) = seed::forward(&w, &b, &x);
    assert_eq!(y.item(), 0.0625);
    let retained = graph.retain();
    let mut grads = seed::Grads {
        w: Tensor::zeros(),
        b: Tensor::zeros(),
    };
    retained.backward_into(&mut grads);
    assert_eq!((grads.w.item(), grads.b.item()), (0.5, 0.5)); // 2 (x w + b) x, 2 (x w + b)
    retained.backward_into(&mut grads);
    assert_eq!((grads.w.item(), grads.b.item()), (1.0, 1.0));
    let mut none: Option<seed::Grads> = None;
    retained.backward_into(&mut none);
    assert_eq!(none.unwrap().w.item(), 0.5);
}

/// An argument the output does not depend on, and a value nothing uses.
#[differentiable]
fn partly_dead(a: &V3, b: &V3, _unused: &M23) -> Tensor<(), f64> {
    let _dead = b.exp() * a;
    let kept = a * a;
    kept.sum() + b.sum() * 2.0
}

#[test]
fn selected_inputs_skip_the_ops_that_lead_only_to_others() {
    let (_, a) = inputs();
    let b = v3([1., 2., 3.]);
    let (m, _) = inputs();
    let (_, graph) = partly_dead::forward(&a, &b, &m);
    // Drawn as a tape is: sizes on every node, what the output does not use left out.
    let dot = graph.to_dot();
    assert!(dot.contains("label=\"a\\n[3]\", shape=ellipse"), "{dot}");
    assert!(dot.contains("label=\"sum\\n[]\", shape=box"), "{dot}");
    assert!(!dot.contains("exp") && !dot.contains("_unused"), "{dot}");
    // `a * a`, `sum`, the sum of `b`, `* 2`, `+`: the dead `exp` and `*` never run.
    assert_eq!(
        graph.nodes_visited(&partly_dead::Select {
            a: true,
            b: true,
            _unused: true
        }),
        5
    );
    assert_eq!(
        graph.nodes_visited(&partly_dead::Select {
            a: true,
            b: false,
            _unused: false
        }),
        3
    );
    assert_eq!(
        graph.nodes_visited(&partly_dead::Select {
            a: false,
            b: false,
            _unused: true
        }),
        0
    );
    let g = graph.retain();
    let full = g.backward();
    assert_eq!(full.a.to_vec(), (&a * 2.0).to_vec());
    assert_eq!(full.b.to_vec(), vec![2.0; 3]);
    assert_eq!(full._unused.to_vec(), vec![0.0; 6]);
    let only_b = g.backward_selected(&partly_dead::Select {
        a: false,
        b: true,
        _unused: false,
    });
    assert!(only_b.a.is_none() && only_b._unused.is_none());
    assert_eq!(only_b.b.unwrap().to_vec(), vec![2.0; 3]);
    let only_unused = g.backward_selected(&partly_dead::Select {
        a: false,
        b: false,
        _unused: true,
    });
    assert_eq!(only_unused._unused.unwrap().to_vec(), vec![0.0; 6]);
}

/// A larger output takes a seed; a `Dyn` batch broadcasts against a fixed bias.
#[differentiable]
fn rows(x: &Tensor<(Dyn, U3), f64>, bias: &V3) -> Tensor<(Dyn, U3), f64> {
    (x * 2.0 + bias).tanh()
}

#[test]
fn a_seed_and_a_dyn_dimension_match_the_tape() {
    let x = Tensor::<(Dyn, U3), f64>::from_shape_vec(
        (Dyn(2), U3::default()),
        vec![0.1, 0.2, -0.3, 0.4, -0.5, 0.6],
    )
    .unwrap();
    let (_, bias) = inputs();
    let seed = Tensor::<(Dyn, U3), f64>::from_shape_vec(
        (Dyn(2), U3::default()),
        vec![1., -1., 2., 0.5, 3., -2.],
    )
    .unwrap();
    let (_, graph) = rows::forward(&x, &bias);
    let dot = graph.to_dot();
    assert!(
        dot.contains("compiled") && dot.contains("label=\"tanh\\n[2, 3]\""),
        "{dot}"
    );
    let retained = graph.retain();
    let g = retained.backward_with(seed.clone());
    let (_, tape) = vjp(&(x.clone(), bias.clone()), |(x, bias)| rows(&x, &bias));
    let (gx, gb) = tape.backward_with(seed.clone());
    assert_close("dx", &g.x.to_vec(), &gx.to_vec());
    assert_close("dbias", &g.bias.to_vec(), &gb.to_vec());
    // Accumulated with the seed: twice the gradient.
    let mut sum = g.clone();
    retained.backward_with_into(seed, &mut sum);
    assert_close("2 dx", &sum.x.to_vec(), &(&gx * 2.0).to_vec());
}

/// The same function in `f32`, the library's default element.
#[differentiable]
fn seed32(w: &Tensor<(U1, U1)>, b: &Tensor<(U1,)>, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul(w) + b).powi(2).sum()
}

#[test]
fn single_precision_matches_the_tape() {
    let (w, b, x) = (Tensor::full(0.5), Tensor::full(-0.25), Tensor::full(1.5));
    let (y, graph) = seed32::forward(&w, &b, &x);
    assert!(graph.to_dot().contains("compiled"));
    let g = graph.backward();
    let (y_tape, tape) = vjp(&(w, b), |(w, b)| seed32(&w, &b, &x));
    let (gw, gb) = tape.backward();
    assert_eq!(y.item(), y_tape.item());
    assert_eq!((g.w.item(), g.b.item()), (gw.item(), gb.item()));
    assert_eq!(g.b.item(), 2.0 * (1.5 * 0.5 - 0.25));
}

/// Inside another differentiable function the graph records on the tape, so gradients
/// of gradients work: `d/dx (d/dx sum(x³)) . v = 6 x v`.
#[differentiable]
fn cube(x: &V3) -> Tensor<(), f64> {
    x.powi(3).sum()
}

#[differentiable]
fn slope_along(x: &V3, #[no_grad] v: &V3) -> Tensor<(), f64> {
    (cube::grad(x).x * v).sum()
}

#[test]
fn nested_calls_record_for_second_derivatives() {
    let x = v3([1., -2., 0.5]);
    let v = v3([1., 1., 2.]);
    assert!(cube::forward(&x).1.to_dot().contains("compiled"));
    assert_eq!(cube::grad(&x).x.to_vec(), vec![3., 12., 0.75]);
    assert_eq!(slope_along::grad(&x, &v).x.to_vec(), vec![6., -12., 6.]);
}

/// What the compiled form does not read (a call, a loop, a closure) records on the tape.
#[differentiable]
fn with_a_call(x: &V3) -> Tensor<(), f64> {
    let y = x.exp();
    cube(&y)
}

#[test]
fn other_bodies_record_on_the_tape() {
    let x = v3([0.1, 0.2, 0.3]);
    let (_, graph) = with_a_call::forward(&x);
    assert!(!graph.to_dot().contains("compiled"));
    let want: Vec<f64> = x.to_vec().iter().map(|v| 3.0 * (3.0 * v).exp()).collect();
    assert_near("dx", &graph.backward().x.to_vec(), &want);
}

/// Bodies written the ways people write them: annotations, parentheses around
/// references, computed and negative constants, a negative power.
#[differentiable]
#[allow(clippy::needless_borrow)] // `(&scaled).exp()` on purpose
fn written_freely(x: &V3, #[no_grad] k: f64) -> Tensor<(), f64> {
    let scaled: V3 = x * k;
    let c = 2.0 * 3.0;
    let y = (&scaled).exp().ln() * c + x * -1.0;
    let z = (1.0 - &y).powi(-2) + x.powi(2 - 4);
    (z * 0.5).sum()
}

#[test]
fn freely_written_bodies_compile_and_match_the_tape() {
    let x = v3([0.3, 0.7, 1.1]);
    let (y, graph) = written_freely::forward(&x, 0.25);
    assert!(graph.to_dot().contains("compiled"));
    let (y_tape, tape) = vjp(&x, |x| written_freely(&x, 0.25));
    assert!((y.item() - y_tape.item()).abs() < 1e-12);
    assert_close(
        "dx",
        &graph.backward().x.to_vec(),
        &tape.backward().to_vec(),
    );
}

/// A compiled graph walked inside another graph's closure with a seed that graph traces:
/// the rules record (the saved values are constants, as a finished tape's are), so the
/// outer gradient with respect to the seed matches the tape's.
#[test]
fn a_traced_seed_records_through_the_compiled_rules() {
    let (a, b) = inputs();
    let s = Tensor::<(), f64>::full(1.5);
    let compiled = arith::forward(&a, &b).1.retain();
    let taped = vjp(&(a.clone(), b.clone()), |(a, b)| arith(&a, &b))
        .1
        .retain();
    let (x, _) = inputs();
    let unary_compiled = unary::forward(&x, 3).1.retain();
    let unary_taped = vjp(&x, |x| unary(&x, 3)).1.retain();

    let (_, outer) = vjp(&s, |s| {
        let g = compiled.backward_with(&s * 1.0);
        (g.a * 2.0).sum() + g.b.sum() + unary_compiled.backward_with(&s * 1.0).x.sum()
    });
    let (_, outer_tape) = vjp(&s, |s| {
        let (ga, gb) = taped.backward_with(&s * 1.0);
        (ga * 2.0).sum() + gb.sum() + unary_taped.backward_with(&s * 1.0).sum()
    });
    let (d, d_tape) = (outer.backward().item(), outer_tape.backward().item());
    assert!(
        d != 0.0 && (d - d_tape).abs() <= 1e-12 * d_tape.abs(),
        "{d} against {d_tape}"
    );
}
