use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

fn filled<S: ConstShape, E: Float>(offset: f64) -> Tensor<S, E> {
    Tensor::from_vec(
        (0..S::NUMEL)
            .map(|i| E::from_f64(offset + i as f64))
            .collect(),
    )
    .unwrap()
}

fn unravel(mut flat: usize, dims: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; dims.len()];
    for k in (0..dims.len()).rev() {
        idx[k] = flat % dims[k];
        flat /= dims[k];
    }
    idx
}

/// Reference: each output index reads `a` below `a`'s size along `axis`, `b` from there on.
fn naive_concat<S1: Shape, S2: Shape, E: Element>(
    a: &Tensor<S1, E>,
    b: &Tensor<S2, E>,
    axis: usize,
) -> Vec<E> {
    let na = a.dims()[axis];
    let mut dims = a.dims().to_vec();
    dims[axis] += b.dims()[axis];
    (0..dims.iter().product())
        .map(|flat| {
            let mut idx = unravel(flat, &dims);
            if idx[axis] < na {
                a.get(&idx).unwrap()
            } else {
                idx[axis] -= na;
                b.get(&idx).unwrap()
            }
        })
        .collect()
}

#[test]
fn forward_on_every_axis_f32_and_f64() {
    let a = filled::<(U2, U3, U4), f32>(0.);
    let b0 = filled::<(U1, U3, U4), f32>(100.);
    let c0: Tensor<(U3, U3, U4), f32> = a.concat::<0>(&b0);
    assert_eq!(c0.to_vec(), naive_concat(&a, &b0, 0));
    let b1 = filled::<(U2, U2, U4), f32>(100.);
    let c1: Tensor<(U2, U5, U4), f32> = a.concat::<1>(&b1);
    assert_eq!(c1.to_vec(), naive_concat(&a, &b1, 1));
    let b2 = filled::<(U2, U3, U1), f32>(100.);
    let c2: Tensor<(U2, U3, U5), f32> = a.concat::<2>(&b2);
    assert_eq!(c2.to_vec(), naive_concat(&a, &b2, 2));

    let x = filled::<(U2, U3), f64>(0.);
    let y = filled::<(U2, U2), f64>(10.);
    assert_eq!(
        x.concat::<1>(&y).to_vec(),
        vec![0., 1., 2., 10., 11., 3., 4., 5., 12., 13.]
    );
    let p = filled::<(U2, U1, U2, U2), f64>(0.);
    let q = filled::<(U2, U1, U2, U3), f64>(50.);
    let r: Tensor<(U2, U1, U2, U5), f64> = p.concat::<3>(&q);
    assert_eq!(r.to_vec(), naive_concat(&p, &q, 3));
    let v = filled::<(U2,), f64>(1.);
    assert_eq!(v.concat::<0>(&v).to_vec(), vec![1., 2., 1., 2.]);
}

#[test]
fn dyn_dimensions() {
    let a = Tensor::<(Dyn, U2)>::from_shape_vec((Dyn(1), U2::default()), vec![1., 2.]).unwrap();
    let b =
        Tensor::<(Dyn, U2)>::from_shape_vec((Dyn(2), U2::default()), vec![3., 4., 5., 6.]).unwrap();
    let c: Tensor<(Dyn, U2)> = a.concat::<0>(&b);
    assert_eq!(&*c.dims(), &[3, 2]);
    assert_eq!(c.to_vec(), vec![1., 2., 3., 4., 5., 6.]);
    // A compile-time size joined with a run-time one is known only at run time.
    let s = Tensor::<(U1, U2)>::from_vec(vec![7., 8.]).unwrap();
    let d: Tensor<(Dyn, U2)> = s.concat::<0>(&b);
    assert_eq!(d.to_vec(), vec![7., 8., 3., 4., 5., 6.]);
}

#[test]
#[should_panic(expected = "concat: shapes [2, 3] and [2, 4] differ off axis 0")]
fn dyn_mismatch_off_the_axis_panics() {
    let a = Tensor::<(U2, Dyn)>::zeros_shaped((U2::default(), Dyn(3)));
    let b = Tensor::<(U2, Dyn)>::zeros_shaped((U2::default(), Dyn(4)));
    let _ = a.concat::<0>(&b);
}

#[test]
fn gradient_is_the_seed_sliced_apart() {
    // c = [a; b] along axis 1: da = w[:, 0..1], db = w[:, 1..3].
    let a = filled::<(U2, U1), f64>(0.);
    let b = filled::<(U2, U2), f64>(0.);
    let w = Tensor::<(U2, U3), f64>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    let (_, graph) = vjp(&(a, b), |(a, b)| a.concat::<1>(&b));
    let (da, db) = graph.backward_with(w);
    assert_eq!(da.to_vec(), vec![1., 4.]);
    assert_eq!(db.to_vec(), vec![2., 3., 5., 6.]);
}

#[test]
fn same_input_twice_accumulates() {
    // c = [x; x]: dx = w[0..2] + w[2..4].
    let x = filled::<(U2, U2), f64>(0.);
    let w = Tensor::<(U4, U2), f64>::from_vec(vec![1., 2., 3., 4., 10., 20., 30., 40.]).unwrap();
    let (_, graph) = vjp(&x, |x| x.concat::<0>(&x));
    assert_eq!(graph.backward_with(w).to_vec(), vec![11., 22., 33., 44.]);
}

#[test]
fn gradcheck_on_every_axis() {
    let mut rng = Rng::seed(11);
    let a = Tensor::<(U2, U3, U2), f64>::randn(&mut rng);
    let b0 = Tensor::<(U1, U3, U2), f64>::randn(&mut rng);
    let b1 = Tensor::<(U2, U2, U2), f64>::randn(&mut rng);
    let b2 = Tensor::<(U2, U3, U3), f64>::randn(&mut rng);
    type T<A, B, C> = Tensor<(A, B, C), f64>;
    gradcheck(
        |(a, b): (T<U2, U3, U2>, T<U1, U3, U2>)| a.concat::<0>(&b),
        &(a.clone(), b0),
    )
    .unwrap();
    gradcheck(
        |(a, b): (T<U2, U3, U2>, T<U2, U2, U2>)| a.concat::<1>(&b),
        &(a.clone(), b1),
    )
    .unwrap();
    gradcheck(
        |(a, b): (T<U2, U3, U2>, T<U2, U3, U3>)| a.concat::<2>(&b),
        &(a, b2),
    )
    .unwrap();
}

#[test]
fn gradgradcheck_through_a_product() {
    type M<C> = Tensor<(U2, C), f64>;
    // c² makes the second derivative non-zero: it flows through the slices of the backward.
    let mut rng = Rng::seed(12);
    let a = Tensor::<(U2, U3), f64>::randn(&mut rng);
    let b = Tensor::<(U2, U1), f64>::randn(&mut rng);
    gradgradcheck(
        |(a, b): (M<U3>, M<U1>)| {
            let c = a.concat::<1>(&b);
            &c * &c
        },
        &(a, b),
    )
    .unwrap();
}
