//! `+ - * /`, scalars, `minimum`, `maximum`: forward against literals, gradients by formula
//! (summed over broadcast dimensions), gradcheck and gradgradcheck in f64.

use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

type M = Tensor<(U2, U3), f64>;
type R = Tensor<(U3,), f64>;
type C = Tensor<(U2, U1), f64>;

fn m() -> M {
    M::from_vec(vec![0.5, -1.0, 1.5, 2.0, -0.5, 0.25]).unwrap()
}
fn r() -> R {
    R::from_vec(vec![1.5, -2.0, 0.75]).unwrap()
}
fn c() -> C {
    C::from_vec(vec![3.0, -0.5]).unwrap()
}

#[test]
fn broadcasting_forward() {
    // A row added to every row, a column to every column.
    assert_eq!((m() + r()).to_vec(), vec![2.0, -3.0, 2.25, 3.5, -2.5, 1.0]);
    assert_eq!(
        (m() * c()).to_vec(),
        vec![1.5, -3.0, 4.5, -1.0, 0.25, -0.125]
    );
    assert_eq!(
        (r() - m()).to_vec(),
        vec![1.0, -1.0, -0.75, -0.5, -1.5, 0.5]
    );
    assert_eq!(
        (m() / c()).to_vec(),
        vec![0.5 / 3.0, -1.0 / 3.0, 0.5, -4.0, 1.0, -0.5]
    );
    let outer: Tensor<(U2, U3), f64> = c() * r();
    assert_eq!(outer.to_vec(), vec![4.5, -6.0, 2.25, -0.75, 1.0, -0.375]);
}

#[test]
fn scalars_on_either_side() {
    assert_eq!((m() + 1.0).to_vec()[0], 1.5);
    assert_eq!((1.0 - r()).to_vec(), vec![-0.5, 3.0, 0.25]);
    assert_eq!((2.0 * r()).to_vec(), vec![3.0, -4.0, 1.5]);
    assert_eq!((3.0 / r()).to_vec(), vec![2.0, -1.5, 4.0]);
    assert_eq!((r() / 2.0).to_vec(), vec![0.75, -1.0, 0.375]);
    assert_eq!((-r()).to_vec(), vec![-1.5, 2.0, -0.75]);
    let f = Tensor::<(U2,)>::from_vec(vec![1.0, 2.0]).unwrap();
    assert_eq!((0.5f32 * &f).to_vec(), vec![0.5, 1.0]);
}

#[test]
fn gradients_sum_over_broadcast_dimensions() {
    let (_, graph) = vjp(&(m(), r()), |(a, b)| (&a * &b).sum());
    let (ga, gb) = graph.backward();
    // d/da = b broadcast; d/db = column sums of a.
    assert_eq!(ga.to_vec(), vec![1.5, -2.0, 0.75, 1.5, -2.0, 0.75]);
    assert_eq!(gb.to_vec(), vec![2.5, -1.5, 1.75]);
    let (_, graph) = vjp(&(m(), c()), |(a, b)| (&a - &b).sum());
    let (ga, gb) = graph.backward();
    assert_eq!(ga.to_vec(), vec![1.0; 6]);
    assert_eq!(gb.to_vec(), vec![-3.0, -3.0]);
}

#[test]
fn gradcheck_every_op_with_broadcasting() {
    let p = (m(), r());
    gradcheck(|(a, b): (M, R)| &a + &b, &p).unwrap();
    gradcheck(|(a, b): (M, R)| &a - &b, &p).unwrap();
    gradcheck(|(a, b): (M, R)| &a * &b, &p).unwrap();
    gradcheck(|(a, b): (M, R)| &a / &b, &p).unwrap();
    gradgradcheck(|(a, b): (M, R)| &a * &b, &p).unwrap();
    gradgradcheck(|(a, b): (M, R)| &a / &b, &p).unwrap();
    let q = (m(), c());
    gradcheck(|(a, b): (M, C)| (&b / &a) * 2.0 - 1.0, &q).unwrap();
    gradgradcheck(|(a, b): (M, C)| 3.0 / (&a * &b), &q).unwrap();
    gradcheck(|a: M| 2.0 - &a / 4.0 + 1.0, &m()).unwrap();
    gradcheck(|(a, b): (M, R)| a.minimum(&b) + a.maximum(&b) * 2.0, &p).unwrap();
}

#[test]
fn min_and_max_send_the_gradient_to_the_chosen_operand_and_ties_to_the_left() {
    let a = Tensor::<(U3,), f64>::from_vec(vec![1.0, 2.0, 3.0]).unwrap();
    let b = Tensor::<(U3,), f64>::from_vec(vec![2.0, 2.0, 1.0]).unwrap();
    let (y, graph) = vjp(&(a.clone(), b.clone()), |(a, b)| a.maximum(&b));
    assert_eq!(y.to_vec(), vec![2.0, 2.0, 3.0]);
    let (ga, gb) = graph.backward_with(Tensor::ones());
    assert_eq!(
        ga.to_vec(),
        vec![0.0, 1.0, 1.0],
        "the tie at index 1 goes to the left operand"
    );
    assert_eq!(gb.to_vec(), vec![1.0, 0.0, 0.0]);
    let (_, graph) = vjp(&(a, b), |(a, b)| a.minimum(&b));
    let (ga, gb) = graph.backward_with(Tensor::ones());
    assert_eq!(ga.to_vec(), vec![1.0, 1.0, 0.0]);
    assert_eq!(gb.to_vec(), vec![0.0, 0.0, 1.0]);
}

#[test]
fn nan_propagates_through_min_and_max() {
    let a = Tensor::<(U2,)>::from_vec(vec![f32::NAN, 1.0]).unwrap();
    let b = Tensor::<(U2,)>::from_vec(vec![0.0, f32::NAN]).unwrap();
    assert!(a.maximum(&b).to_vec().iter().all(|x| x.is_nan()));
    assert!(a.minimum(&b).to_vec().iter().all(|x| x.is_nan()));
}

#[test]
fn the_same_input_twice_accumulates() {
    // d/dx (x * x + x / x) = 2x + 0
    let x = r();
    let (_, graph) = vjp(&x, |x| (&x * &x + &x / &x).sum());
    let g = graph.backward().to_vec();
    for (g, x) in g.iter().zip(r().to_vec()) {
        assert!((g - 2.0 * x).abs() < 1e-12);
    }
}

#[test]
#[should_panic(expected = "add: shapes [5, 3] and [2, 3] cannot be broadcast together")]
fn dyn_sizes_that_do_not_broadcast_panic_naming_the_op() {
    let x = Tensor::<(Dyn, U3)>::zeros_shaped((Dyn(5), U3::default()));
    let _ = x + Tensor::<(U2, U3)>::zeros();
}

#[test]
fn a_factor_used_at_every_step_adds_its_products_in_place() {
    // `a` multiplies at every step, so from the second product on its gradient is added
    // into the existing one (one pass, no tensor): the same values as summing products.
    let chain = |(x, a): (R, R)| {
        let mut y = x;
        for _ in 0..4 {
            y = (&y * &a).sin();
        }
        y.sum()
    };
    let p = (r(), R::from_vec(vec![0.5, -0.75, 1.25]).unwrap());
    gradcheck(chain, &p).unwrap();
    gradgradcheck(chain, &p).unwrap();
    // By formula: d/da sum(x * a * a * a) = 3 a² x, in every accumulation order.
    let (_, graph) = vjp(&p, |(x, a)| (&(&(&x * &a) * &a) * &a).sum());
    let (gx, ga) = graph.backward();
    let (x, a) = (p.0.to_vec(), p.1.to_vec());
    for i in 0..3 {
        assert_eq!(gx.to_vec()[i], a[i] * a[i] * a[i]);
        assert!((ga.to_vec()[i] - 3.0 * a[i] * a[i] * x[i]).abs() < 1e-12);
    }
}

#[test]
fn an_owned_left_operand_lends_its_buffer_when_nothing_else_holds_it() {
    let ptr = |t: &M| t.raw.as_slice().as_ptr();
    // Eager: every op on an owned temporary writes into it.
    for op in [
        |t: M, r: &R| t + r,
        |t: M, r: &R| t - r,
        |t: M, r: &R| t * r,
        |t: M, r: &R| t / r,
    ] {
        let t = m() * 2.0;
        let before = ptr(&t);
        let want = op(t.clone(), &r()).to_vec(); // shared: a new buffer
        let out = op(t, &r());
        assert_eq!(ptr(&out), before, "written in place");
        assert_eq!(out.to_vec(), want);
    }
    // A temporary someone else holds is left alone.
    let t = m() * 2.0;
    let kept = t.clone();
    let out = t + &r();
    assert_ne!(ptr(&out), ptr(&kept));
    assert_eq!(kept.to_vec(), (m() * 2.0).to_vec());
    // A result larger than the left operand needs a new buffer: `(3,) + (2, 3)`.
    let wide: M = r() + &m();
    assert_eq!(wide.to_vec(), (&r() + &m()).to_vec());
    // One element on the right, and a column (not a contiguous run: a new buffer).
    let one = Tensor::<(U1,), f64>::full(0.5);
    assert_eq!((m() + &one).to_vec(), (&m() + &one).to_vec());
    assert_eq!((m() * &c()).to_vec(), (&m() * &c()).to_vec());
    // An empty left operand.
    let e = Tensor::<(U0, U3), f64>::zeros() + &r();
    assert!(e.to_vec().is_empty());
}

#[test]
fn ops_on_owned_temporaries_record_like_borrowed_ones() {
    // `+` and `-` write into their owned operand and record its trace; `*` and `/` save
    // their operands, so while recording they leave the temporary alone.
    let p = (m(), r());
    gradcheck(|(a, b): (M, R)| (&a * &b) + &b, &p).unwrap();
    gradcheck(|(a, b): (M, R)| (&a * &b) - &b, &p).unwrap();
    gradcheck(|(a, b): (M, R)| (&a + &b) * &b, &p).unwrap();
    gradcheck(|(a, b): (M, R)| (&a + &b) / &b, &p).unwrap();
    gradgradcheck(|(a, b): (M, R)| ((&a * &b) + &b) * &a, &p).unwrap();
    gradgradcheck(|(a, b): (M, R)| ((&a * &b) - &b) / &b, &p).unwrap();
    // Tensors of a few elements live in the handle: the same, inline.
    type Two = Tensor<(U2,), f64>;
    let q = (
        Two::from_vec(vec![0.5, -1.5]).unwrap(),
        Two::from_vec(vec![2.0, 0.25]).unwrap(),
    );
    gradgradcheck(|(a, b): (Two, Two)| ((&a * &b) + &b) * &a - &b, &q).unwrap();
    let (_, graph) = vjp(&p, |(a, b)| ((&a * &b) + &b).sum());
    let dot = graph.to_dot();
    assert!(dot.contains("label=\"add\\n[2, 3]\""), "{dot}");
}
