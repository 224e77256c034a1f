use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

fn ids<B: ConstDim>(v: Vec<usize>) -> Tensor<(B,), usize> {
    Tensor::from_vec(v).unwrap()
}

/// Reference: row `indices[i]` of `x`, read element by element with `get`.
fn naive<R: Dim, C: Dim, E: Float>(x: &Tensor<(R, C), E>, indices: &[usize]) -> Vec<E> {
    let cols = x.dims()[1];
    indices
        .iter()
        .flat_map(|&r| (0..cols).map(move |c| x.get(&[r, c]).unwrap()))
        .collect()
}

#[test]
fn forward_against_reference() {
    let l = ids::<U5>(vec![3, 0, 3, 1, 2]);
    let x32 = Tensor::<(U4, U3), f32>::rand_uniform(&mut Rng::seed(1), -1., 1.);
    assert_eq!(
        x32.gather_rows(&l).unwrap().to_vec(),
        naive(&x32, l.as_slice())
    );
    let x64 = Tensor::<(U4, U3), f64>::randn(&mut Rng::seed(2));
    assert_eq!(
        x64.gather_rows(&l).unwrap().to_vec(),
        naive(&x64, l.as_slice())
    );
}

#[test]
fn index_out_of_range_is_an_error() {
    let x = Tensor::<(U3, U2)>::zeros();
    let err = x.gather_rows(&ids::<U3>(vec![0, 3, 7])).unwrap_err();
    assert_eq!(
        err,
        TensorError::IndexOutOfRange {
            index: vec![3],
            dims: Dims::new(&[3]),
        }
    );
}

#[test]
fn dyn_batch_and_empty() {
    let x = Tensor::<(U3, U2)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    let l = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(2),), vec![1, 1]).unwrap();
    let y: Tensor<(Dyn, U2)> = x.gather_rows(&l).unwrap();
    assert_eq!(y.to_vec(), vec![3., 4., 3., 4.]);
    let none = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(0),), vec![]).unwrap();
    assert_eq!(&*x.gather_rows(&none).unwrap().dims(), &[0, 2]);
}

#[test]
fn gradient_adds_rows_back() {
    // y[i, :] = x[l[i], :]: dL/dx[r, :] = Σ_{i: l[i] = r} w[i, :].
    let x = Tensor::<(U3, U2), f64>::zeros();
    let l = ids::<U3>(vec![2, 0, 2]);
    let w = Tensor::<(U3, U2), f64>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    let (_, graph) = vjp(&x, |x| x.gather_rows(&l).unwrap());
    assert_eq!(
        graph.backward_with(w).to_vec(),
        vec![3., 4., 0., 0., 6., 8.]
    );
}

#[test]
fn same_input_twice_accumulates() {
    let x = Tensor::<(U2, U2), f64>::zeros();
    let (a, b) = (ids::<U1>(vec![0]), ids::<U1>(vec![0]));
    let (_, graph) = vjp(&x, |x| {
        (x.gather_rows(&a).unwrap() + x.gather_rows(&b).unwrap()).sum()
    });
    assert_eq!(graph.backward().to_vec(), vec![2., 2., 0., 0.]);
}

#[test]
fn gradcheck_and_gradgradcheck() {
    let x = Tensor::<(U4, U3), f64>::randn(&mut Rng::seed(5));
    let l = ids::<U5>(vec![3, 0, 3, 1, 0]);
    gradcheck(|x: Tensor<(U4, U3), f64>| x.gather_rows(&l).unwrap(), &x).unwrap();
    // y² has a non-zero second derivative, through scatter-add and its backward, gather.
    gradgradcheck(
        |x: Tensor<(U4, U3), f64>| {
            let y = x.gather_rows(&l).unwrap();
            &y * &y
        },
        &x,
    )
    .unwrap();
}
