//! `#[differentiable]` and `#[derive(Differentiable)]` end to end: the seed's model,
//! retention and accumulation, paths, higher order, selection, and every supported kind
//! of signature. Gradients are compared with hand-derived values and with gradcheck.

use autodiff::prelude::*;
use autodiff::rules::{BroadcastShapes, MatMul};
use autodiff::testing::{gradcheck, gradgradcheck};

type S = Tensor<(), f64>;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

fn vec3(v: [f64; 3]) -> Tensor<(U3,), f64> {
    Tensor::from_vec(v.to_vec()).unwrap()
}

/// The seed, as its author wrote it: `f32`, non-generic.
mod seed {
    use autodiff::prelude::*;

    #[derive(Differentiable)]
    pub struct Linear {
        pub weight: Tensor<(U1, U1)>,
        pub bias: Tensor<(U1,)>,
    }

    #[derive(Differentiable)]
    pub struct Function {
        pub linear: Linear,
    }

    /// `y = (x Wᵀ + b)²`, summed.
    #[differentiable]
    pub fn func(func: &Function, #[no_grad] x: &Tensor<(U1, U1)>) -> Tensor<()> {
        (x.matmul(&func.linear.weight.t()) + &func.linear.bias)
            .powi(2)
            .sum()
    }
}

#[test]
fn seed_model_retained_backward_twice_accumulates() {
    use seed::*;
    let model = Function {
        linear: Linear {
            weight: Tensor::full(0.5),
            bias: Tensor::full(-0.25),
        },
    };
    let x = Tensor::<(U1, U1)>::full(1.0);
    let (y, graph) = func::forward(&model, &x);
    // z = x w + b = 0.25; y = z² = 0.0625; dy/dw = 2 z x = 0.5; dy/db = 2 z = 0.5.
    assert_eq!(y.item(), 0.0625);
    assert_eq!(
        func(&model, &x).item(),
        0.0625,
        "the eager function is kept"
    );
    let retained = graph.retain();
    let mut grads: Option<func::Grads> = None;
    retained.backward_into(&mut grads);
    retained.backward_into(&mut grads);
    let grads = grads.unwrap();
    assert_eq!(grads.func.linear.weight.item(), 1.0, "0.5 + 0.5");
    assert_eq!(grads.func.linear.bias.item(), 1.0);
    // A plain gradient buffer works too.
    let mut buffer = func::Inputs { func: model }.zeroed_grads();
    retained.backward_into(&mut buffer);
    assert_eq!(buffer.func.linear.weight.item(), 0.5);
}

/// The same model in `f64` and generic in its sizes, for gradcheck.
#[derive(Differentiable)]
struct Linear<I: Dim, O: Dim> {
    weight: Tensor<(O, I), f64>,
    bias: Tensor<(O,), f64>,
}

impl<I: Dim, O: Dim> Linear<I, O> {
    fn forward<B: Dim>(&self, x: &Tensor<(B, I), f64>) -> Tensor<(B, O), f64>
    where
        (B, I): MatMul<(I, O), Out = (B, O)>,
        (B, O): BroadcastShapes<(O,), Out = (B, O)>,
    {
        x.matmul(&self.weight.t()) + &self.bias
    }
}

#[derive(Differentiable)]
struct Function {
    linear: Linear<U1, U1>,
}

#[differentiable]
fn func(func: &Function, #[no_grad] x: &Tensor<(U1, U1), f64>) -> Tensor<(), f64> {
    func.linear.forward(x).powi(2).sum()
}

fn function(w: f64, b: f64) -> Function {
    Function {
        linear: Linear {
            weight: Tensor::full(w),
            bias: Tensor::full(b),
        },
    }
}

#[test]
fn generated_gradients_match_hand_derived_values_and_gradcheck() {
    let x = Tensor::<(U1, U1), f64>::full(1.5);
    let model = function(0.5, -0.25);
    let g = func::grad(&model, &x);
    // z = 1.5 * 0.5 - 0.25 = 0.5; dy/dw = 2 z x = 1.5; dy/db = 2 z = 1.
    assert!(close(g.func.linear.weight.item(), 1.5));
    assert!(close(g.func.linear.bias.item(), 1.0));
    let inputs = func::Inputs { func: model };
    // `forward`'s recorded graph, checked through an outer vjp (first and second order).
    gradcheck(|p: func::Inputs| func::forward(&p.func, &x).0, &inputs).unwrap();
    gradgradcheck(|p: func::Inputs| func::forward(&p.func, &x).0, &inputs).unwrap();
}

#[test]
fn paths_are_visited_in_declaration_order() {
    let model = function(0.5, -0.25);
    let params: Vec<String> = model.named_params().into_iter().map(|t| t.path).collect();
    assert_eq!(params, ["linear.weight", "linear.bias"]);
    let grads = func::grad(&model, &Tensor::full(1.0));
    let paths: Vec<String> = grads.named_tensors().into_iter().map(|t| t.path).collect();
    assert_eq!(paths, ["func.linear.weight", "func.linear.bias"]);
    let (_, graph) = vjp(&model, |m| func(&m, &Tensor::full(1.0)));
    let grads: FunctionGrads = graph.backward();
    let mut seen = Vec::new();
    grads.for_each_named(|path, values, dims| seen.push((path.to_owned(), values.len(), dims)));
    assert_eq!(seen[0].0, "linear.weight");
    assert_eq!(&*seen[0].2, &[1, 1]);
    assert_eq!(seen[1].0, "linear.bias");
}

#[test]
fn gradient_structs_add_scale_zero_clone_and_print() {
    let x = Tensor::<(U1, U1), f64>::full(1.0);
    let model = function(0.5, -0.25);
    let mut g = func::grad(&model, &x);
    let once = g.clone();
    g += &once;
    assert_eq!(g.func.linear.weight.item(), 1.0);
    g *= 0.25;
    assert_eq!(g.func.linear.bias.item(), 0.25);
    let mut inner: FunctionGrads = g.func.clone();
    inner += &once.func;
    assert_eq!(inner.linear.weight.item(), 0.75);
    assert_eq!(g.zeros_like().func.linear.weight.item(), 0.0);
    g.zero();
    assert_eq!(g.func.linear.weight.item(), 0.0);
    let printed = format!("{once:?}");
    assert!(
        printed.starts_with("Grads { func: FunctionGrads { linear: LinearGrads { weight: tensor("),
        "{printed}"
    );
}

#[differentiable]
fn cube(x: S) -> S {
    x.powi(3)
}

#[differentiable]
fn dcube(x: S) -> S {
    cube::grad(x).x
}

#[differentiable]
fn d2cube(x: S) -> S {
    dcube::grad(x).x
}

#[test]
fn grad_inside_a_differentiable_function_gives_higher_derivatives() {
    let x = S::full(1.5);
    assert!(close(cube::grad(x.clone()).x.item(), 3.0 * 1.5 * 1.5)); // 3x²
    assert!(close(dcube(x.clone()).item(), 3.0 * 1.5 * 1.5));
    assert!(close(dcube::grad(x.clone()).x.item(), 6.0 * 1.5)); // 6x
    assert!(close(d2cube::grad(x.clone()).x.item(), 6.0)); // 6
                                                           // And inside a plain vjp closure.
    let (_, graph) = vjp(&x, |x| cube::grad(x).x);
    assert!(close(graph.backward().item(), 9.0));
    gradcheck(|x: S| dcube::forward(x).0, &x).unwrap();
}

/// f(x) = sum(exp(A x)), A fixed.
#[differentiable]
fn soft(x: &Tensor<(U2,), f64>, #[no_grad] a: &Tensor<(U2, U2), f64>) -> Tensor<(), f64> {
    a.matmul(x).exp().sum()
}

/// ⟨∇f(x), v⟩: its gradient is the Hessian-vector product H v.
#[differentiable]
fn grad_dot(
    x: &Tensor<(U2,), f64>,
    #[no_grad] a: &Tensor<(U2, U2), f64>,
    #[no_grad] v: &Tensor<(U2,), f64>,
) -> Tensor<(), f64> {
    (soft::grad(x, a).x * v).sum()
}

#[test]
fn hessian_vector_product_from_two_differentiable_functions() {
    let a = Tensor::<(U2, U2), f64>::from_vec(vec![0.5, -1.0, 2.0, 0.25]).unwrap();
    let x = Tensor::<(U2,), f64>::from_vec(vec![0.3, -0.2]).unwrap();
    let v = Tensor::<(U2,), f64>::from_vec(vec![1.0, 2.0]).unwrap();
    let hv = grad_dot::grad(&x, &a, &v).x.to_vec();
    // H = Aᵀ diag(exp(A x)) A.
    let ax = [0.5 * 0.3 - 1.0 * -0.2, 2.0 * 0.3 + 0.25 * -0.2];
    let av = [0.5 * 1.0 - 1.0 * 2.0, 2.0 * 1.0 + 0.25 * 2.0];
    let d = [f64::exp(ax[0]) * av[0], f64::exp(ax[1]) * av[1]];
    let expected = [0.5 * d[0] + 2.0 * d[1], -d[0] + 0.25 * d[1]];
    assert!(
        close(hv[0], expected[0]) && close(hv[1], expected[1]),
        "{hv:?}"
    );
}

#[differentiable]
fn two(a: &S, b: &S) -> S {
    a.powi(2).exp() + b.exp().exp().exp()
}

#[test]
fn run_time_selection_through_the_generated_select() {
    let (a, b) = (S::full(0.3), S::full(-0.7));
    let (_, graph) = two::forward(&a, &b);
    let select = two::Select { a: true, b: false };
    assert_eq!(graph.nodes_visited(&two::Select::all()), 6);
    assert_eq!(
        graph.nodes_visited(&select),
        3,
        "b's three exps are skipped"
    );
    let partial: two::Partial = graph.backward_selected(&select);
    assert!(partial.b.is_none());
    assert!(close(partial.a.unwrap().item(), 2.0 * 0.3 * 0.09f64.exp()));
    // Nested selection: one field of a struct argument.
    let x = Tensor::<(U1, U1), f64>::full(1.0);
    let retained = func::forward(&function(0.5, -0.25), &x).1.retain();
    let only_bias = func::Select {
        func: FunctionSelect {
            linear: LinearSelect {
                weight: false,
                bias: true,
            },
        },
    };
    let p = retained.backward_selected(&only_bias);
    assert!(p.func.linear.weight.is_none());
    assert!(close(p.func.linear.bias.unwrap().item(), 0.5));
    let none = retained.backward_selected(&func::Select::default());
    assert!(none.func.linear.bias.is_none());
}

/// Generic in the batch size.
#[differentiable]
fn batch_loss<B: Dim>(
    model: &Linear<U3, U1>,
    #[no_grad] x: &Tensor<(B, U3), f64>,
) -> Tensor<(), f64> {
    model.forward(x).powi(2).sum()
}

#[test]
fn generic_dims_static_and_dynamic() {
    let model = Linear::<U3, U1> {
        weight: Tensor::from_vec(vec![0.1, -0.2, 0.3]).unwrap(),
        bias: Tensor::full(0.05),
    };
    let rows = vec![0.5, 1.0, -1.5, 2.0, 0.25, -0.75];
    let x = Tensor::<(U2, U3), f64>::from_vec(rows.clone()).unwrap();
    let xd = Tensor::<(Dyn, U3), f64>::from_shape_vec((Dyn(2), U3::default()), rows).unwrap();
    let g = batch_loss::grad(&model, &x).model;
    let gd = batch_loss::grad(&model, &xd).model;
    assert_eq!(g.weight.to_vec(), gd.weight.to_vec());
    // d/db Σ (x·w + b)² = 2 Σ (x·w + b)
    let z: Vec<f64> = (0..2)
        .map(|r| {
            (0..3)
                .map(|c| x.get(&[r, c]).unwrap() * model.weight.get(&[0, c]).unwrap())
                .sum::<f64>()
                + 0.05
        })
        .collect();
    assert!(close(g.bias.item(), 2.0 * (z[0] + z[1])));
    let inputs = batch_loss::Inputs { model };
    gradcheck(
        |p: batch_loss::Inputs| batch_loss::forward(&p.model, &xd).0,
        &inputs,
    )
    .unwrap();
}

/// Generic in the element type.
#[differentiable]
fn sum_of_squares<E: Float>(x: &Tensor<(U3,), E>) -> Tensor<(), E> {
    x.powi(2).sum()
}

/// With a `where` clause and a generic shape.
#[differentiable]
fn total<Sh>(x: &Tensor<Sh, f64>) -> Tensor<(), f64>
where
    Sh: Shape,
{
    (x * 3.0).sum()
}

#[test]
fn generic_element_type_and_where_clauses() {
    let g32 = sum_of_squares::grad(&Tensor::<(U3,), f32>::from_vec(vec![1., 2., 3.]).unwrap());
    assert_eq!(g32.x.to_vec(), vec![2f32, 4., 6.]);
    let g64 = sum_of_squares::grad(&vec3([1., 2., 3.]));
    assert_eq!(g64.x.to_vec(), vec![2., 4., 6.]);
    let g = total::grad(&Tensor::<(U2, U2), f64>::ones());
    assert_eq!(g.x.to_vec(), vec![3.; 4]);
}

/// Non-tensor arguments: a size and labels.
#[differentiable]
fn pick(
    scores: &Tensor<(U2, U3), f64>,
    #[no_grad] labels: &[usize],
    #[no_grad] divide_by: usize,
) -> Tensor<(), f64> {
    let mut mask = vec![0.0; 6];
    for (row, &label) in labels.iter().enumerate() {
        mask[row * 3 + label] = 1.0;
    }
    let mask = Tensor::<(U2, U3), f64>::from_vec(mask).expect("2x3");
    -(scores * &mask).sum() * (1.0 / divide_by as f64)
}

#[test]
fn no_grad_arguments_are_passed_through() {
    let scores = Tensor::<(U2, U3), f64>::from_vec(vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6]).unwrap();
    let g = pick::grad(&scores, &[2, 0], 2).scores;
    assert_eq!(g.to_vec(), vec![0., 0., -0.5, -0.5, 0., 0.]);
}

fn helper(x: &Tensor<(U3,), f64>) -> Tensor<(U3,), f64> {
    x.exp() * 0.5
}

/// Loops, `if`, an early return, a closure, a helper and another differentiable function.
#[differentiable]
fn control(
    x: &Tensor<(U3,), f64>,
    #[no_grad] steps: usize,
    #[no_grad] target: &Tensor<(U3,), f64>,
) -> Tensor<(), f64> {
    if steps == 0 {
        return x.sum();
    }
    let square = |t: &Tensor<(U3,), f64>| t * t;
    let mut y = x.clone();
    for i in 0..steps {
        y = if i % 2 == 0 {
            square(&y) * 0.5
        } else {
            helper(&y)
        };
    }
    sq_error(&y, target) + sum_of_squares(x)
}

#[differentiable]
fn sq_error(y: &Tensor<(U3,), f64>, #[no_grad] target: &Tensor<(U3,), f64>) -> Tensor<(), f64> {
    (y - target).powi(2).sum()
}

#[test]
fn control_flow_closures_helpers_and_calls_are_differentiated() {
    let x = vec3([0.3, -0.4, 0.8]);
    let target = vec3([0.1, 0.2, 0.3]);
    assert_eq!(control::grad(&x, 0, &target).x.to_vec(), vec![1.; 3]);
    for steps in 1..4 {
        let check = |p: control::Inputs| control::forward(&p.x, steps, &target).0;
        gradcheck(check, &control::Inputs { x: x.clone() }).unwrap();
    }
}

/// Arguments by value and by reference, a tensor and a struct, with a `#[no_grad]` tensor.
#[differentiable]
fn mixed(
    a: Tensor<(U3,), f64>,
    layer: Linear<U3, U1>,
    b: &Tensor<(U3,), f64>,
    #[no_grad] c: Tensor<(U3,), f64>,
) -> Tensor<(U1,), f64> {
    layer.weight.matmul(&(&a * b + &c)) + &layer.bias
}

#[test]
fn by_value_and_by_reference_arguments_and_a_one_element_shape() {
    let layer = Linear::<U3, U1> {
        weight: Tensor::from_vec(vec![1., 2., 3.]).unwrap(),
        bias: Tensor::full(0.5),
    };
    let (a, b, c) = (
        vec3([1., 2., 3.]),
        vec3([-1., 0.5, 2.]),
        vec3([0.1, 0.2, 0.3]),
    );
    let g = mixed::grad(
        a.clone(),
        Linear {
            weight: layer.weight.clone(),
            bias: layer.bias.clone(),
        },
        &b,
        c.clone(),
    );
    // y = Σ w (a b + c) + bias: dy/da = w b, dy/db = w a, dy/dw = a b + c, dy/dbias = 1.
    assert_eq!(g.a.to_vec(), vec![-1., 1., 6.]);
    assert_eq!(g.b.to_vec(), vec![1., 4., 9.]);
    assert_eq!(g.layer.weight.to_vec(), vec![-0.9, 1.2, 6.3]);
    assert_eq!(g.layer.bias.to_vec(), vec![1.]);
    let inputs = mixed::Inputs { a, layer, b };
    gradcheck(
        |p: mixed::Inputs| mixed::forward(p.a, p.layer, &p.b, c.clone()).0,
        &inputs,
    )
    .unwrap();
}

/// A non-scalar output: `forward` and a seed.
#[differentiable]
fn elementwise(x: &Tensor<(U3,), f64>) -> Tensor<(U3,), f64> {
    x.exp()
}

/// A return type spelled through an alias.
type Loss = Tensor<(), f64>;

#[differentiable]
fn aliased(x: &Tensor<(U3,), f64>) -> Loss {
    x.sum()
}

#[test]
fn seeds_for_larger_outputs_and_aliased_return_types() {
    let x = vec3([0., 1., 2.]);
    let (_, graph) = elementwise::forward(&x);
    let g = graph.backward_with(vec3([1., 0., 2.]));
    assert!(close(g.x.to_vec()[2], 2.0 * 2f64.exp()));
    assert_eq!(aliased::grad(&x).x.to_vec(), vec![1.; 3]);
}

/// Buffers and constants: cloned, never visited, no gradient.
#[derive(Differentiable)]
struct Scaled<T: Clone> {
    scale: Tensor<(U3,), f64>,
    #[no_grad]
    running_mean: Tensor<(U3,), f64>,
    #[no_grad]
    tag: T,
}

#[test]
fn no_grad_fields_are_buffers() {
    let m = Scaled {
        scale: vec3([1., 2., 3.]),
        running_mean: vec3([0.5, 0.5, 2.]),
        tag: String::from("bn1"),
    };
    let (_, graph) = vjp(&m, |m| {
        assert_eq!(m.tag, "bn1");
        assert!(m.scale.is_traced() && !m.running_mean.is_traced());
        (&m.scale * &m.running_mean).sum()
    });
    // The parameter `T` only types a buffer: the gradients do not carry it.
    let g: ScaledGrads = graph.backward();
    assert_eq!(g.scale.to_vec(), vec![0.5, 0.5, 2.]);
    let paths: Vec<String> = m.named_params().into_iter().map(|t| t.path).collect();
    assert_eq!(paths, ["scale"]);
}

/// Nested generic structs: the bounds go on the field types.
#[derive(Differentiable)]
struct Mlp<I: Dim, H: Dim> {
    first: Linear<I, H>,
    second: Linear<H, U1>,
}

#[test]
fn nested_generic_structs() {
    let mlp = Mlp::<U2, U3> {
        first: Linear {
            weight: Tensor::from_vec(vec![0.1, 0.2, -0.3, 0.4, 0.5, -0.6]).unwrap(),
            bias: Tensor::from_vec(vec![0.01, 0.02, 0.03]).unwrap(),
        },
        second: Linear {
            weight: Tensor::from_vec(vec![0.7, -0.8, 0.9]).unwrap(),
            bias: Tensor::full(0.1),
        },
    };
    let x = Tensor::<(U4, U2), f64>::from_vec(vec![1., 2., -1., 0.5, 0.3, -0.7, 2., 1.]).unwrap();
    let f = |m: Mlp<U2, U3>| m.second.forward(&m.first.forward(&x).exp()).powi(2).sum();
    gradcheck(f, &mlp).unwrap();
    let (_, graph) = vjp(&mlp, f);
    let g: MlpGrads<U2, U3> = graph.backward();
    let paths: Vec<String> = g.named_tensors().into_iter().map(|t| t.path).collect();
    assert_eq!(
        paths,
        ["first.weight", "first.bias", "second.weight", "second.bias"]
    );
    let select = MlpSelect {
        first: LinearSelect::default(),
        second: LinearSelect::all(),
    };
    let (_, graph) = vjp(&mlp, f);
    let p: MlpPartial<U2, U3> = graph.backward_selected(&select);
    assert!(p.first.weight.is_none() && p.second.weight.is_some());
}

/// A generic element type on a struct, a raw field name, a lifetime and a const generic.
#[derive(Differentiable)]
struct Affine<E: Float> {
    r#type: Tensor<(U2,), E>,
    shift: Tensor<(), E>,
}

#[differentiable]
fn affine<'a, E: Float>(m: &'a Affine<E>, #[no_grad] x: &'a Tensor<(U2,), E>) -> Tensor<(), E> {
    (&m.r#type * x).sum() + &m.shift
}

#[differentiable]
fn first_of<const N: usize>(x: &Tensor<(D<N>,), f64>) -> Tensor<(), f64> {
    x.powi(2).sum()
}

#[test]
fn element_generic_struct_raw_names_lifetimes_and_const_generics() {
    let m = Affine::<f32> {
        r#type: Tensor::from_vec(vec![1., 2.]).unwrap(),
        shift: Tensor::full(0.5),
    };
    let x = Tensor::<(U2,), f32>::from_vec(vec![3., 4.]).unwrap();
    let g = affine::grad(&m, &x).m;
    assert_eq!(g.r#type.to_vec(), vec![3., 4.]);
    assert_eq!(g.named_tensors()[0].path, "type");
    let x5 = Tensor::<(D<5>,), f64>::ones();
    assert_eq!(first_of::grad(&x5).x.to_vec(), vec![2.; 5]);
}

/// Relative paths in a signature and visibility from another module.
mod nested {
    pub mod models {
        use autodiff::prelude::*;

        pub type Vector = Tensor<(U3,), f64>;

        #[derive(Differentiable)]
        pub struct Weights {
            pub w: super::models::Vector,
        }

        #[differentiable]
        pub fn dot(
            weights: &self::Weights,
            #[no_grad] x: &super::models::Vector,
        ) -> Tensor<(), f64> {
            (&weights.w * x).sum()
        }
    }
}

#[test]
fn relative_paths_and_public_modules() {
    use nested::models::{dot, Weights};
    let weights = Weights {
        w: vec3([1., 2., 3.]),
    };
    let g: dot::Grads = dot::grad(&weights, &vec3([4., 5., 6.]));
    assert_eq!(g.weights.w.to_vec(), vec![4., 5., 6.]);
}

/// Arguments may be named like the generated items.
#[differentiable]
fn shadowing(grad: &S, forward: S, #[no_grad] inputs: usize) -> S {
    grad * &forward * inputs as f64
}

#[test]
fn arguments_named_like_generated_items() {
    let g = shadowing::grad(&S::full(2.0), S::full(3.0), 2);
    assert_eq!((g.grad.item(), g.forward.item()), (6.0, 4.0));
}
