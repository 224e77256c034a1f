use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

fn labels<B: ConstDim>(v: Vec<usize>) -> Tensor<(B,), usize> {
    Tensor::from_vec(v).unwrap()
}

/// Reference: row `i`'s element in column `labels[i]`, read with `get`.
fn naive_gather<B: Dim, C: Dim, E: Float>(x: &Tensor<(B, C), E>, l: &[usize]) -> Vec<E> {
    l.iter()
        .enumerate()
        .map(|(i, &c)| x.get(&[i, c]).unwrap())
        .collect()
}

#[test]
fn forward_f32_and_f64() {
    let l = labels::<U4>(vec![2, 0, 1, 2]);
    let x32 = Tensor::<(U4, U3), f32>::rand_uniform(&mut Rng::seed(1), -1., 1.);
    assert_eq!(
        x32.gather_classes(&l).unwrap().to_vec(),
        naive_gather(&x32, l.as_slice())
    );
    let x64 = Tensor::<(U4, U3), f64>::rand_uniform(&mut Rng::seed(2), -1., 1.);
    assert_eq!(
        x64.gather_classes(&l).unwrap().to_vec(),
        naive_gather(&x64, l.as_slice())
    );
    let x = Tensor::<(U2, U2)>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    assert_eq!(
        x.gather_classes(&labels::<U2>(vec![1, 1]))
            .unwrap()
            .to_vec(),
        vec![2., 4.]
    );
}

#[test]
fn label_out_of_range_is_an_error() {
    let x = Tensor::<(U3, U4)>::zeros();
    let err = x.gather_classes(&labels::<U3>(vec![0, 3, 4])).unwrap_err();
    assert_eq!(
        err,
        TensorError::ClassOutOfRange {
            position: 2,
            class: 4,
            classes: 4
        }
    );
    assert!(Tensor::<(U3, U4)>::one_hot(&labels::<U3>(vec![0, 9, 1])).is_err());
}

#[test]
fn dyn_batch() {
    let x =
        Tensor::<(Dyn, U3)>::from_shape_vec((Dyn(2), U3::default()), vec![1., 2., 3., 4., 5., 6.])
            .unwrap();
    let l = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(2),), vec![1, 2]).unwrap();
    let y: Tensor<(Dyn,)> = x.gather_classes(&l).unwrap();
    assert_eq!(y.to_vec(), vec![2., 6.]);
}

#[test]
#[should_panic(expected = "gather_classes: 3 labels for a batch of 2 rows")]
fn dyn_batch_length_mismatch_panics() {
    let x = Tensor::<(Dyn, U3)>::zeros_shaped((Dyn(2), U3::default()));
    let l = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(3),), vec![0, 1, 2]).unwrap();
    let _ = x.gather_classes(&l);
}

#[test]
fn one_hot_against_reference() {
    let l = labels::<U4>(vec![2, 0, 1, 2]);
    let y = Tensor::<(U4, U3), f64>::one_hot(&l).unwrap();
    for i in 0..4 {
        for j in 0..3 {
            let want = if l.as_slice()[i] == j { 1. } else { 0. };
            assert_eq!(y.get(&[i, j]), Ok(want));
        }
    }
    let d = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(1),), vec![3]).unwrap();
    let z = Tensor::<(Dyn, Dyn), f32>::one_hot_shaped(&d, Dyn(5)).unwrap();
    assert_eq!(z.to_vec(), vec![0., 0., 0., 1., 0.]);
    assert!(Tensor::<(Dyn, Dyn), f32>::one_hot_shaped(&d, Dyn(3)).is_err());
}

#[test]
fn gradient_is_the_seed_scattered() {
    // y[i] = x[i, l[i]]: dL/dx[i, j] = w[i] if j = l[i], else 0.
    let x = Tensor::<(U3, U2), f64>::zeros();
    let l = labels::<U3>(vec![1, 0, 1]);
    let w = Tensor::<(U3,), f64>::from_vec(vec![0.5, -1., 2.]).unwrap();
    let (_, graph) = vjp(&x, |x| x.gather_classes(&l).unwrap());
    assert_eq!(
        graph.backward_with(w).to_vec(),
        vec![0., 0.5, -1., 0., 0., 2.]
    );
}

#[test]
fn same_input_twice_accumulates() {
    // y = x[i, a[i]] + x[i, b[i]]: the rows where a and b agree get 2 w[i].
    let x = Tensor::<(U2, U3), f64>::zeros();
    let (a, b) = (labels::<U2>(vec![0, 2]), labels::<U2>(vec![0, 1]));
    let w = Tensor::<(U2,), f64>::from_vec(vec![1., 3.]).unwrap();
    let (_, graph) = vjp(&x, |x| {
        x.gather_classes(&a).unwrap() + x.gather_classes(&b).unwrap()
    });
    assert_eq!(
        graph.backward_with(w).to_vec(),
        vec![2., 0., 0., 0., 3., 3.]
    );
}

#[test]
fn gradcheck_and_gradgradcheck() {
    let x = Tensor::<(U4, U3), f64>::randn(&mut Rng::seed(5));
    let l = labels::<U4>(vec![2, 0, 1, 2]);
    gradcheck(|x: Tensor<(U4, U3), f64>| x.gather_classes(&l).unwrap(), &x).unwrap();
    // g² has a non-zero second derivative, through scatter and its backward, gather.
    gradgradcheck(
        |x: Tensor<(U4, U3), f64>| {
            let g = x.gather_classes(&l).unwrap();
            &g * &g
        },
        &x,
    )
    .unwrap();
}
