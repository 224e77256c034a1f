use super::{pad_raw, slice_raw};
use crate::prelude::*;
use crate::testing::{gradcheck, gradgradcheck};

fn iota<S: ConstShape, E: Float>() -> Tensor<S, E> {
    Tensor::from_vec((0..S::NUMEL).map(|i| E::from_f64(i as f64 + 0.5)).collect()).unwrap()
}

/// Reference: every index of the sliced shape, read from the input at the index shifted by
/// `start` along `axis`.
fn naive_slice<S: Shape, E: Element>(
    x: &Tensor<S, E>,
    axis: usize,
    start: usize,
    end: usize,
) -> Vec<E> {
    let mut dims = x.dims().to_vec();
    dims[axis] = end - start;
    let n: usize = dims.iter().product();
    (0..n)
        .map(|flat| {
            let mut idx = vec![0; dims.len()];
            let mut rem = flat;
            for k in (0..dims.len()).rev() {
                idx[k] = rem % dims[k];
                rem /= dims[k];
            }
            idx[axis] += start;
            x.get(&idx).unwrap()
        })
        .collect()
}

#[test]
fn forward_on_every_axis_f32_and_f64() {
    let x = iota::<(U3, U4, U5), f32>();
    let a: Tensor<(U2, U4, U5), f32> = x.slice::<0, 1, 3>();
    assert_eq!(a.to_vec(), naive_slice(&x, 0, 1, 3));
    let b: Tensor<(U3, U1, U5), f32> = x.slice::<1, 2, 3>();
    assert_eq!(b.to_vec(), naive_slice(&x, 1, 2, 3));
    let c: Tensor<(U3, U4, U3), f32> = x.slice::<2, 0, 3>();
    assert_eq!(c.to_vec(), naive_slice(&x, 2, 0, 3));
    let y = iota::<(U2, U3, U2, U4), f64>();
    let d: Tensor<(U2, U3, U2, U2), f64> = y.slice::<3, 2, 4>();
    assert_eq!(d.to_vec(), naive_slice(&y, 3, 2, 4));
    let e: Tensor<(U2, U2, U2, U4), f64> = y.slice::<1, 1, 3>();
    assert_eq!(e.to_vec(), naive_slice(&y, 1, 1, 3));
}

#[test]
fn literals_empty_and_whole_ranges() {
    let v = Tensor::<(U5,)>::from_vec(vec![1., 2., 3., 4., 5.]).unwrap();
    assert_eq!(v.slice::<0, 1, 4>().to_vec(), vec![2., 3., 4.]);
    let empty: Tensor<(U0,)> = v.slice::<0, 2, 2>();
    assert_eq!(empty.numel(), 0);
    assert_eq!(v.slice::<0, 0, 5>().to_vec(), v.to_vec());
}

#[test]
fn dyn_axis() {
    let x =
        Tensor::<(Dyn, U2)>::from_shape_vec((Dyn(3), U2::default()), vec![1., 2., 3., 4., 5., 6.])
            .unwrap();
    let s: Tensor<(U2, U2)> = x.slice::<0, 1, 3>();
    assert_eq!(s.to_vec(), vec![3., 4., 5., 6.]);
}

#[test]
#[should_panic(expected = "slice: the range 1..4 does not fit axis 0 of shape [3, 2]")]
fn dyn_axis_too_short_panics() {
    let x = Tensor::<(Dyn, U2)>::zeros_shaped((Dyn(3), U2::default()));
    let _ = x.slice::<0, 1, 4>();
}

#[test]
fn pad_places_the_block_in_zeros() {
    let x = iota::<(U2, U2), f64>();
    let p = pad_raw(&x.raw, 1, 1, 4);
    assert_eq!(&*p.dims, &[2, 4]);
    assert_eq!(p.as_slice(), &[0., 0.5, 1.5, 0., 0., 2.5, 3.5, 0.]);
    // Slicing undoes padding.
    assert_eq!(slice_raw(&p, 1, 1, 3).as_slice(), x.as_slice());
}

#[test]
fn gradient_is_the_padded_seed() {
    // y = x[:, 1:3]: dL/dx[i, j] = w[i, j - 1] for j in 1..3, 0 elsewhere.
    let x = iota::<(U2, U4), f64>();
    let w = Tensor::<(U2, U2), f64>::from_vec(vec![0.1, 0.2, 0.3, 0.4]).unwrap();
    let (_, graph) = vjp(&x, |x| x.slice::<1, 1, 3>());
    let dx = graph.backward_with(w);
    assert_eq!(dx.to_vec(), vec![0., 0.1, 0.2, 0., 0., 0.3, 0.4, 0.]);
}

#[test]
fn overlapping_slices_of_one_input_accumulate() {
    // y = x[0:2] + x[1:3]: dx = (w0, w0 + w1, w1).
    let x = iota::<(U3,), f64>();
    let w = Tensor::<(U2,), f64>::from_vec(vec![0.25, 0.5]).unwrap();
    let (_, graph) = vjp(&x, |x| x.slice::<0, 0, 2>() + x.slice::<0, 1, 3>());
    assert_eq!(graph.backward_with(w).to_vec(), vec![0.25, 0.75, 0.5]);
}

#[test]
fn gradcheck_and_gradgradcheck() {
    let mut rng = Rng::seed(7);
    let x = Tensor::<(U2, U4, U3), f64>::randn(&mut rng);
    gradcheck(|x: Tensor<(U2, U4, U3), f64>| x.slice::<1, 1, 3>(), &x).unwrap();
    gradcheck(|x: Tensor<(U2, U4, U3), f64>| x.slice::<2, 2, 3>(), &x).unwrap();
    // s² makes the second derivative non-zero: it flows through pad and its backward, slice.
    gradgradcheck(
        |x: Tensor<(U2, U4, U3), f64>| {
            let s = x.slice::<0, 1, 2>();
            &s * &s
        },
        &x,
    )
    .unwrap();
}
