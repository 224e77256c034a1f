use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

#[test]
fn dyn_to_static_and_back() {
    let x =
        Tensor::<(Dyn, U2)>::from_shape_vec((Dyn(3), U2::default()), vec![1., 2., 3., 4., 5., 6.])
            .unwrap();
    let s: Tensor<(U3, U2)> = x.clone().into_shape().unwrap();
    assert_eq!(s.to_vec(), x.to_vec());
    assert!(s.shares_storage_with(&x.clone().into_shape().unwrap()));
    let d: Tensor<(Dyn, Dyn)> = s.into_shape().unwrap();
    assert_eq!(&*d.dims(), &[3, 2]);
    let labels = Tensor::<(U3,), usize>::from_vec(vec![2, 0, 1]).unwrap();
    let dl: Tensor<(Dyn,), usize> = labels.into_shape().unwrap();
    assert_eq!(dl.to_vec(), vec![2, 0, 1]);
}

#[test]
fn sizes_that_do_not_fit_are_errors() {
    let x = Tensor::<(Dyn, U2)>::zeros_shaped((Dyn(3), U2::default()));
    match x.clone().into_shape::<(U4, U2)>() {
        Err(TensorError::ShapeMismatch { expected, actual }) => {
            assert_eq!(actual, vec![3, 2]);
            assert!(expected.contains("D<4>"), "{expected}");
        }
        other => panic!(
            "expected a shape mismatch, got {:?}",
            other.map(|t| t.dims())
        ),
    }
    // Another rank does not fit, even with the same element count.
    assert!(x.clone().into_shape::<(Dyn,)>().is_err());
    assert!(x.into_shape::<(Dyn, U2, U1)>().is_err());
}

#[test]
fn stays_on_the_graph() {
    // y = into_shape(x) * into_shape(x) viewed as (Dyn, U2): dx = 2 x w.
    let x = Tensor::<(U3, U2), f64>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    let w = Tensor::<(U3, U2), f64>::from_vec(vec![1., -1., 0.5, 2., 0., 1.]).unwrap();
    let (_, graph) = vjp(&x, |x| {
        let d = x.clone().into_shape::<(Dyn, U2)>().unwrap();
        let y = &d * &x.into_shape::<(Dyn, U2)>().unwrap();
        y.into_shape::<(U3, U2)>().unwrap()
    });
    let want: Vec<f64> = x
        .to_vec()
        .iter()
        .zip(w.as_slice())
        .map(|(a, b)| 2. * a * b)
        .collect();
    assert_eq!(graph.backward_with(w).to_vec(), want);
}

#[test]
fn gradcheck_and_gradgradcheck() {
    let x = Tensor::<(U2, U3), f64>::randn(&mut Rng::seed(9));
    let f = |x: Tensor<(U2, U3), f64>| {
        let d = x.into_shape::<(Dyn, Dyn)>().unwrap();
        (&d * &d).into_shape::<(U2, U3)>().unwrap()
    };
    gradcheck(f, &x).unwrap();
    gradgradcheck(f, &x).unwrap();
}
