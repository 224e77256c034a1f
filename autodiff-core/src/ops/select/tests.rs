use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

#[test]
fn comparisons_against_reference_f32_and_f64() {
    let a = Tensor::<(U2, U3), f32>::from_vec(vec![1., 2., 3., 4., f32::NAN, 0.]).unwrap();
    let b = Tensor::<(U3,), f32>::from_vec(vec![2., 2., 0.]).unwrap();
    let bv = [2., 2., 0.];
    let cmp = |m: Tensor<(U2, U3), bool>, f: fn(f32, f32) -> bool| {
        let want: Vec<bool> = a
            .as_slice()
            .iter()
            .enumerate()
            .map(|(i, &x)| f(x, bv[i % 3]))
            .collect();
        assert_eq!(m.to_vec(), want);
    };
    cmp(a.gt(&b), |x, y| x > y);
    cmp(a.lt(&b), |x, y| x < y);
    cmp(a.ge(&b), |x, y| x >= y);
    cmp(a.le(&b), |x, y| x <= y);
    cmp(a.eq_elem(&b), |x, y| x == y);
    // NaN compares false every way.
    assert_eq!(a.gt(&b).get(&[1, 1]), Ok(false));
    assert_eq!(a.le(&b).get(&[1, 1]), Ok(false));

    let c = Tensor::<(U3,), f64>::from_vec(vec![-1., 0., 1.]).unwrap();
    let zero = Tensor::<(), f64>::full(0.);
    assert_eq!(c.ge(&zero).to_vec(), vec![false, true, true]);
    assert_eq!(zero.lt(&c).to_vec(), vec![false, false, true]);
}

#[test]
fn comparisons_on_labels() {
    let predicted = Tensor::<(U4,), usize>::from_vec(vec![1, 0, 2, 2]).unwrap();
    let truth = Tensor::<(U4,), usize>::from_vec(vec![1, 1, 2, 0]).unwrap();
    let hits = predicted.eq_elem(&truth);
    assert_eq!(hits.to_vec(), vec![true, false, true, false]);
    assert_eq!(hits.to_float::<f64>().mean().item(), 0.5);
}

#[test]
#[should_panic(expected = "gt: shapes [2] and [3] cannot be broadcast together")]
fn dyn_comparison_mismatch_panics() {
    let a = Tensor::<(Dyn,)>::zeros_shaped((Dyn(2),));
    let b = Tensor::<(Dyn,)>::zeros_shaped((Dyn(3),));
    let _ = a.gt(&b);
}

#[test]
#[should_panic(expected = "select: shapes [2] and [3] cannot be broadcast together")]
fn dyn_select_mismatch_panics() {
    let m = Tensor::<(Dyn,), bool>::zeros_shaped((Dyn(2),));
    let a = Tensor::<(Dyn,)>::zeros_shaped((Dyn(3),));
    let _ = m.select(&a, &a);
}

fn mask<S: ConstShape>(v: Vec<bool>) -> Tensor<S, bool> {
    Tensor::from_vec(v).unwrap()
}

#[test]
fn select_forward_same_shape_and_broadcast() {
    let m = mask::<(U2, U2)>(vec![true, false, false, true]);
    let a = Tensor::<(U2, U2), f64>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    let b = Tensor::<(U2, U2), f64>::from_vec(vec![10., 20., 30., 40.]).unwrap();
    let want: Vec<f64> = (0..4)
        .map(|i| {
            if m.as_slice()[i] {
                a.as_slice()[i]
            } else {
                b.as_slice()[i]
            }
        })
        .collect();
    assert_eq!(m.select(&a, &b).to_vec(), want);
    // A column mask, a matrix and a scalar: (U2, U1), (U2, U3), () -> (U2, U3).
    let col = mask::<(U2, U1)>(vec![true, false]);
    let x = Tensor::<(U2, U3), f32>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    let y: Tensor<(U2, U3), f32> = col.select(&x, &Tensor::<(), f32>::full(-1.));
    assert_eq!(y.to_vec(), vec![1., 2., 3., -1., -1., -1.]);
    // The mask may be the widest of the three.
    let z: Tensor<(U2, U2), f32> = m.select(
        &Tensor::<(U2,), f32>::from_vec(vec![1., 2.]).unwrap(),
        &Tensor::<(), f32>::full(0.),
    );
    assert_eq!(z.to_vec(), vec![1., 0., 0., 2.]);
}

#[test]
fn select_gradient_goes_to_the_chosen_side() {
    // y = where(m, a, b) with b a scalar: da = w * m, db = Σ w * (1 - m).
    let m = mask::<(U3,)>(vec![true, false, false]);
    let a = Tensor::<(U3,), f64>::from_vec(vec![1., 2., 3.]).unwrap();
    let b = Tensor::<(), f64>::full(5.);
    let w = Tensor::<(U3,), f64>::from_vec(vec![0.5, 0.25, 2.]).unwrap();
    let (_, graph) = vjp(&(a, b), |(a, b)| m.select(&a, &b));
    let (da, db) = graph.backward_with(w);
    assert_eq!(da.to_vec(), vec![0.5, 0., 0.]);
    assert_eq!(db.item(), 2.25);
}

#[test]
fn same_input_on_both_sides_accumulates() {
    // where(m, x, x) = x: dx = w whatever the mask.
    let m = mask::<(U3,)>(vec![true, false, true]);
    let x = Tensor::<(U3,), f64>::from_vec(vec![1., 2., 3.]).unwrap();
    let w = Tensor::<(U3,), f64>::from_vec(vec![0.5, 0.25, 2.]).unwrap();
    let (_, graph) = vjp(&x, |x| m.select(&x, &x));
    assert_eq!(graph.backward_with(w.clone()).to_vec(), w.to_vec());
}

#[test]
fn gradcheck_and_gradgradcheck() {
    let mut rng = Rng::seed(21);
    let a = Tensor::<(U2, U3), f64>::randn(&mut rng);
    let b = Tensor::<(U3,), f64>::randn(&mut rng);
    // The mask is fixed data, so there is no kink: both branches are smooth.
    let m = mask::<(U2, U1)>(vec![false, true]);
    let full = mask::<(U2, U3)>(vec![true, false, true, false, false, true]);
    type P = (Tensor<(U2, U3), f64>, Tensor<(U3,), f64>);
    gradcheck(|(a, b): P| full.select(&a, &b), &(a.clone(), b.clone())).unwrap();
    gradcheck(|(a, b): P| m.select(&a, &b), &(a.clone(), b.clone())).unwrap();
    gradgradcheck(|(a, b): P| full.select(&(&a * &a), &(&b * &a)), &(a, b)).unwrap();
}
