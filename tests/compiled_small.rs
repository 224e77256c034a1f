//! The compiled backward pass on small arrays (docs/macros.md, "Small tensors"): when every
//! value a compiled pass holds has a compile-time shape of at most four elements, the
//! pass runs on plain arrays and its graph holds a function and the saved numbers. Each
//! test checks that this form ran (`to_dot` says "on small arrays") and that it gives the
//! tape's gradients and the finite differences', for every op it covers.

mod support;

use autodiff::prelude::*;
use support::{assert_close, assert_near, numeric};

type M22 = Tensor<(U2, U2), f64>;
type V2 = Tensor<(U2,), f64>;
type S = Tensor<(), f64>;

fn m22(values: [f64; 4]) -> M22 {
    M22::from_vec(values.to_vec()).unwrap()
}

fn v2(values: [f64; 2]) -> V2 {
    V2::from_vec(values.to_vec()).unwrap()
}

fn inputs() -> (M22, V2) {
    (m22([0.5, -1.0, 1.5, 2.0]), v2([0.3, -0.7]))
}

/// What a compiled graph gave: the output, the graph drawn, and the gradients of `a` and
/// `b`.
struct Compiled {
    y: f64,
    dot: String,
    da: Vec<f64>,
    db: Vec<f64>,
}

/// `f::forward` then `backward` on the inputs of [`inputs`], for a function of `a`, `b`
/// and constants.
macro_rules! compiled {
    ($f:ident $(, $c:expr)*) => {
        |a: &M22, b: &V2| {
            let (y, graph) = $f::forward(a, b $(, $c)*);
            let dot = graph.to_dot();
            let g = graph.backward();
            Compiled { y: y.item(), dot, da: g.a.to_vec(), db: g.b.to_vec() }
        }
    };
}

/// The gradients of `compiled`, which must have run on small arrays, against the tape's
/// (`eager` recorded) and the finite differences of `eager`.
fn check_pair(compiled: impl Fn(&M22, &V2) -> Compiled, eager: impl Fn(&M22, &V2) -> S) {
    let (a, b) = inputs();
    let got = compiled(&a, &b);
    assert!(got.dot.contains("on small arrays"), "{}", got.dot);
    let (y_tape, tape) = vjp(&(a.clone(), b.clone()), |(a, b)| eager(&a, &b));
    assert!((got.y - y_tape.item()).abs() <= 1e-12 * y_tape.item().abs().max(1.0));
    let (ta, tb) = tape.backward();
    assert_close("da", &got.da, &ta.to_vec());
    assert_close("db", &got.db, &tb.to_vec());
    let fd_a = numeric(
        &a.to_vec(),
        |v| M22::from_vec(v).unwrap(),
        |a| eager(a, &b).item(),
    );
    let fd_b = numeric(
        &b.to_vec(),
        |v| V2::from_vec(v).unwrap(),
        |b| eager(&a, b).item(),
    );
    assert_near("da", &got.da, &fd_a);
    assert_near("db", &got.db, &fd_b);
}

/// `+` and `-` broadcasting `(2, 2)` with `(2,)` both ways, scalars on either side,
/// unary minus.
#[differentiable]
fn sums(a: &M22, b: &V2) -> S {
    let s = a + b;
    let d = b - a;
    (-(s - 1.5) + d * 2.0 + (3.0 - a) + 2.0 * b - b / 4.0 + 0.5).sum()
}

/// `*` and `/` broadcasting both ways, a scalar divided by a tensor.
#[differentiable]
fn products(a: &M22, b: &V2) -> S {
    ((a * b) / (b + 2.0) + 1.0 / (a + 3.0)).sum()
}

#[test]
fn broadcasting_arithmetic_matches_the_tape_and_finite_differences() {
    check_pair(compiled!(sums), sums);
    check_pair(compiled!(products), products);
}

/// Every one-tensor op, on a scalar, in three functions (each saves at most six values,
/// what a pass on small arrays holds).
#[differentiable]
fn logs_and_roots(x: &S) -> S {
    let pos = x.square() + 0.5;
    pos.ln() + pos.sqrt() + pos.recip() + x.exp() * 0.1
}

#[differentiable]
fn activations(x: &S) -> S {
    x.tanh() + x.sigmoid() + x.relu() + x.abs() + x.sin() * x.cos()
}

#[differentiable]
fn powers(x: &S) -> S {
    (x * 1.5 - 0.25).powi(3) * 0.01 + x.powi(2) + x.powi(1) + x.powi(0) - (-x)
}

/// `f::forward` then `backward` for a function of one scalar: the output, the graph
/// drawn and the gradient.
macro_rules! scalar {
    ($f:ident) => {
        (
            (|x: &S| {
                let (y, graph) = $f::forward(x);
                let dot = graph.to_dot();
                (y.item(), dot, graph.backward().x.item())
            }) as fn(&S) -> (f64, String, f64),
            $f as fn(&S) -> S,
        )
    };
}

#[test]
fn unary_ops_match_the_tape_and_finite_differences() {
    for (compiled, eager) in [
        scalar!(logs_and_roots),
        scalar!(activations),
        scalar!(powers),
    ] {
        for v in [0.7, -0.4] {
            let x = S::full(v);
            let (y, dot, g) = compiled(&x);
            assert!(dot.contains("on small arrays"), "{dot}");
            let (y_tape, tape) = vjp(&x, |x| eager(&x));
            assert_eq!(y, y_tape.item());
            assert_close("dx", &[g], &tape.backward().to_vec());
            let fd = numeric(&[v], |v| S::full(v[0]), |x| eager(x).item());
            assert_near("dx", &[g], &fd);
        }
    }
}

/// Matrix products of every rank pairing, a constant on either side, and `matmul_t`.
#[differentiable]
fn matrices(a: &M22, b: &V2, #[no_grad] c: &Tensor<(U1, U2), f64>) -> S {
    let mm = a.matmul(a); // (2, 2) x (2, 2)
    let mv = a.matmul(b); // (2, 2) x (2,)
    let vm = b.matmul(&mm); // (2,) x (2, 2)
    let vv = b.matmul(&mv); // (2,) x (2,)
    let cm = c.matmul(a).matmul_t(a); // (1, 2) x (2, 2), then against a transposed
    vv + vm.sum() + cm.mean()
}

/// A batch of products: `(2, 1, 2) x (2, 2, 1)`.
#[differentiable]
fn batches(x: &Tensor<(U2, U1, U2), f64>, y: &Tensor<(U2, U2, U1), f64>) -> S {
    (x.matmul(y) * x.matmul(y)).sum()
}

/// A batch times one matrix, and its transposed form.
#[differentiable]
fn shared(a: &M22, b: &V2, #[no_grad] x: &Tensor<(U2, U1, U2), f64>) -> S {
    (x.matmul(a) * b).sum() + x.matmul_t(a).mean()
}

#[test]
fn matrix_products_match_the_tape_and_finite_differences() {
    let c = Tensor::<(U1, U2), f64>::from_vec(vec![0.25, -1.5]).unwrap();
    check_pair(compiled!(matrices, &c), |a, b| matrices(a, b, &c));
    let x = Tensor::<(U2, U1, U2), f64>::from_vec(vec![1.0, -0.5, 0.25, 2.0]).unwrap();
    check_pair(compiled!(shared, &x), |a, b| shared(a, b, &x));

    // `(2, 1, 2) x (2, 2, 1)`, both differentiable.
    let y = Tensor::<(U2, U2, U1), f64>::from_vec(vec![0.5, 1.5, -2.0, 0.75]).unwrap();
    let (out, graph) = batches::forward(&x, &y);
    assert!(graph.to_dot().contains("on small arrays"));
    let g = graph.backward();
    let (out_tape, tape) = vjp(&(x.clone(), y.clone()), |(x, y)| batches(&x, &y));
    assert_eq!(out.item(), out_tape.item());
    let (tx, ty) = tape.backward();
    assert_close("dx", &g.x.to_vec(), &tx.to_vec());
    assert_close("dy", &g.y.to_vec(), &ty.to_vec());
    let fd = numeric(
        &y.to_vec(),
        |v| Tensor::<(U2, U2, U1), f64>::from_vec(v).unwrap(),
        |y| batches(&x, y).item(),
    );
    assert_near("dy", &g.y.to_vec(), &fd);
}

/// `t`, `mean`, `sum` and a value used by several ops.
#[differentiable]
fn reductions(a: &M22, b: &V2) -> S {
    let t = a.t();
    (&t * &t).mean() + (t - a).sum() * b.sum()
}

#[test]
fn transposes_and_reductions_match_the_tape_and_finite_differences() {
    check_pair(compiled!(reductions), reductions);
}

/// W1 of BENCHMARKS.md in `f32`.
#[differentiable]
fn seed(w: &Tensor<(U1, U1)>, b: &Tensor<(U1,)>, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
    (x.matmul(w) + b).powi(2).sum()
}

#[test]
fn a_retained_small_graph_accumulates_selects_and_counts_like_the_tape() {
    let (w, b, x) = (Tensor::full(0.5), Tensor::full(-0.25), Tensor::full(2.0));
    let (y, graph) = seed::forward(&w, &b, &x);
    assert_eq!(y.item(), 0.5625); // (2 * 0.5 - 0.25)²
    let taped = vjp(&(w.clone(), b.clone()), |(w, b)| seed(&w, &b, &x)).1;
    assert_eq!(
        graph.nodes_visited(&seed::Select::all()),
        taped.nodes_visited(&(true, true))
    );
    assert_eq!(graph.nodes_visited(&seed::Select::default()), 0);
    let retained = graph.retain();
    assert!(retained.to_dot().contains("on small arrays"));
    let mut grads = seed::Grads {
        w: Tensor::zeros(),
        b: Tensor::zeros(),
    };
    retained.backward_into(&mut grads);
    retained.backward_into(&mut grads);
    // dy/dw = 2 (x w + b) x = 3, dy/db = 2 (x w + b) = 1.5; twice.
    assert_eq!((grads.w.item(), grads.b.item()), (6.0, 3.0));
    let mut empty: Option<seed::Grads> = None;
    retained.backward_into(&mut empty);
    assert_eq!(empty.map(|g| g.b.item()), Some(1.5));
    let only_b = retained.backward_selected(&seed::Select { w: false, b: true });
    assert!(only_b.w.is_none());
    assert_eq!(only_b.b.map(|b| b.item()), Some(1.5));
    let seeded = retained.backward_with(Tensor::full(2.0));
    assert_eq!((seeded.w.item(), seeded.b.item()), (6.0, 3.0));
}

#[test]
fn a_traced_seed_records_through_the_tensor_rules() {
    let (a, b) = inputs();
    let s = S::full(1.5);
    let small = products::forward(&a, &b).1.retain();
    assert!(small.to_dot().contains("on small arrays"));
    let taped = vjp(&(a.clone(), b.clone()), |(a, b)| products(&a, &b))
        .1
        .retain();
    let (_, outer) = vjp(&s, |s| {
        let g = small.backward_with(&s * 1.0);
        (g.a * 2.0).sum() + g.b.sum()
    });
    let (_, outer_tape) = vjp(&s, |s| {
        let (ga, gb) = taped.backward_with(&s * 1.0);
        (ga * 2.0).sum() + gb.sum()
    });
    let (d, d_tape) = (outer.backward().item(), outer_tape.backward().item());
    assert!(
        d != 0.0 && (d - d_tape).abs() <= 1e-12 * d_tape.abs(),
        "{d} against {d_tape}"
    );
}

/// Too many saved elements for a `State` (sixteen): the compiled pass on tensors.
#[differentiable]
fn many_saved(a: &M22) -> S {
    (a.exp() * a.sin() * a.cos() * a.tanh() * a.sigmoid()).sum()
}

/// A `(2, 3)` intermediate: more than four elements.
#[differentiable]
fn one_large(a: &V2, #[no_grad] w: &Tensor<(U2, U3), f64>) -> S {
    a.matmul(w).tanh().sum()
}

#[test]
fn larger_values_take_the_pass_on_tensors() {
    let (a, b) = inputs();
    let graph = many_saved::forward(&a).1;
    let dot = graph.to_dot();
    assert!(
        dot.contains("compiled") && !dot.contains("small arrays"),
        "{dot}"
    );
    let (_, tape) = vjp(&a, |a| many_saved(&a));
    assert_close(
        "da",
        &graph.backward().a.to_vec(),
        &tape.backward().to_vec(),
    );

    let w = Tensor::<(U2, U3), f64>::from_vec(vec![0.1, 0.2, 0.3, -0.4, 0.5, -0.6]).unwrap();
    let graph = one_large::forward(&b, &w).1;
    assert!(!graph.to_dot().contains("small arrays"));
    let (_, tape) = vjp(&b, |b| one_large(&b, &w));
    assert_close(
        "db",
        &graph.backward().a.to_vec(),
        &tape.backward().to_vec(),
    );
}

/// The output is a value the pass saves (`exp` reads its output), and a constant bound
/// by `let` from a `#[no_grad]` argument is saved too.
#[differentiable]
fn saves_its_output(a: &M22, #[no_grad] x: &V2) -> Tensor<(U2, U2), f64> {
    let c = x * 2.0 - 1.0;
    (a * &c).exp()
}

#[test]
fn an_output_the_pass_reads_and_a_let_bound_constant() {
    let (a, b) = inputs();
    let seed = m22([1.0, -0.5, 0.25, 2.0]);
    let (y, graph) = saves_its_output::forward(&a, &b);
    assert!(graph.to_dot().contains("on small arrays"));
    let g = graph.backward_with(seed.clone());
    let (y_tape, tape) = vjp(&a, |a| saves_its_output(&a, &b));
    assert_eq!(y.to_vec(), y_tape.to_vec());
    assert_close("da", &g.a.to_vec(), &tape.backward_with(seed).to_vec());
}

/// Scalars that are arguments: the pass on small arrays keeps the ones its rules read.
#[differentiable]
fn scaled(a: &M22, b: &V2, #[no_grad] k: f64, #[no_grad] shift: f64) -> S {
    let twice = k * 2.0;
    ((a * k + shift) / (b * twice + 3.0) - shift / (b + 2.0)).sum()
}

#[test]
fn scalar_arguments_are_saved_for_the_pass_on_small_arrays() {
    for (k, shift) in [(0.5, 1.5), (-2.0, 0.25)] {
        check_pair(compiled!(scaled, k, shift), |a, b| scaled(a, b, k, shift));
    }
}
