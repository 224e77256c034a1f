//! Permutes and reshapes: pure data movement, so the values must match exactly.

use super::*;

/// `y` is `x` with output axis `i` taken from input axis `perm[i]`.
fn check_permuted<S: Shape, T: Shape, E: Real>(
    x: &Tensor<S, E>,
    y: &Tensor<T, E>,
    perm: &[usize],
) -> Outcome {
    let dims = x.dims();
    let out: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    prop_assert_eq!(&*y.dims(), &out[..], "permute {:?} of {:?}", perm, dims);
    let want: Vec<E> = indices(&out)
        .iter()
        .map(|o| {
            let mut idx = vec![0; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                idx[p] = o[i];
            }
            x.as_slice()[offset(&idx, &dims)]
        })
        .collect();
    prop_assert_eq!(y.to_vec(), want, "permute {:?} of {:?}", perm, dims);
    Ok(())
}

fn check_permutes<E: Real>(d2: &[f64], d3: &[f64], d4: &[f64], sizes: &[usize]) -> Outcome {
    let x = tensor::<R2, E>(&sizes[..2], &d2[..numel(&sizes[..2])]);
    check_permuted(&x, &x.permute::<0, 1>(), &[0, 1])?;
    check_permuted(&x, &x.permute::<1, 0>(), &[1, 0])?;
    check_permuted(&x, &x.t(), &[1, 0])?;

    let x = tensor::<R3, E>(&sizes[..3], &d3[..numel(&sizes[..3])]);
    check_permuted(&x, &x.permute::<0, 1, 2>(), &[0, 1, 2])?;
    check_permuted(&x, &x.permute::<0, 2, 1>(), &[0, 2, 1])?;
    check_permuted(&x, &x.permute::<1, 0, 2>(), &[1, 0, 2])?;
    check_permuted(&x, &x.permute::<1, 2, 0>(), &[1, 2, 0])?;
    check_permuted(&x, &x.permute::<2, 0, 1>(), &[2, 0, 1])?;
    check_permuted(&x, &x.permute::<2, 1, 0>(), &[2, 1, 0])?;
    // (1, 2, 0) and (2, 0, 1) are each other's inverses.
    prop_assert_eq!(
        x.permute::<1, 2, 0>().permute::<2, 0, 1>().to_vec(),
        x.to_vec()
    );

    let x = tensor::<R4, E>(sizes, &d4[..numel(sizes)]);
    check_permuted(&x, &x.permute::<0, 2, 3, 1>(), &[0, 2, 3, 1])?;
    check_permuted(&x, &x.permute::<0, 3, 1, 2>(), &[0, 3, 1, 2])?;
    check_permuted(&x, &x.permute::<3, 2, 1, 0>(), &[3, 2, 1, 0])?;
    check_permuted(&x, &x.permute::<1, 0, 3, 2>(), &[1, 0, 3, 2])?;
    check_permuted(&x, &x.permute::<2, 3, 0, 1>(), &[2, 3, 0, 1])?;
    check_permuted(&x, &x.permute::<1, 2, 3, 0>(), &[1, 2, 3, 0])?;
    check_permuted(&x, &x.permute::<0, 1, 3, 2>(), &[0, 1, 3, 2])?;
    // NCHW -> NHWC -> NCHW.
    let back = x.permute::<0, 2, 3, 1>().permute::<0, 3, 1, 2>();
    prop_assert_eq!(&*back.dims(), &*x.dims());
    prop_assert_eq!(back.to_vec(), x.to_vec());
    Ok(())
}

/// Reshapes keep the data in row-major order and only change the sizes; a reshape with one
/// `Dyn` infers it, and panics when the count does not divide.
fn check_reshapes<E: Real>(dims: &[usize], data: &[f64], n: usize) -> Outcome {
    let x = match dims.len() {
        1 => tensor::<R1, E>(dims, data).reshape::<(Dyn,)>(),
        2 => tensor::<R2, E>(dims, data).reshape::<(Dyn,)>(),
        3 => tensor::<R3, E>(dims, data).reshape::<(Dyn,)>(),
        _ => tensor::<R4, E>(dims, data).reshape::<(Dyn,)>(),
    };
    let len = numel(dims);
    // The data as `E` holds it (f32 rounds it).
    let data: Vec<f64> = data.iter().map(|&v| E::from_f64(v).to_f64()).collect();
    prop_assert_eq!(&*x.dims(), &[len][..]);
    prop_assert_eq!(values(&x), data.clone());
    let column = x.reshape::<(Dyn, U1)>();
    prop_assert_eq!(&*column.dims(), &[len, 1][..]);
    let row = column.reshape::<(U1, Dyn)>();
    prop_assert_eq!(&*row.dims(), &[1, len][..]);
    prop_assert_eq!(values(&row.reshape::<(Dyn,)>()), data);

    // (n, 2, 3) -> (3, 2n) -> (2, n, 3) -> (6, n) -> (n, 2, 3).
    let block: Vec<f64> = (0..6 * n).map(|i| i as f64 - 7.5).collect();
    let x = tensor::<(Dyn, U2, U3), E>(&[n, 2, 3], &block);
    let a = x.reshape::<(U3, Dyn)>();
    prop_assert_eq!(&*a.dims(), &[3, 2 * n][..]);
    let b = a.reshape::<(U2, Dyn, U3)>();
    prop_assert_eq!(&*b.dims(), &[2, n, 3][..]);
    let c = b.reshape::<(U6, Dyn)>();
    prop_assert_eq!(&*c.dims(), &[6, n][..]);
    let back = c.reshape::<(Dyn, U2, U3)>();
    prop_assert_eq!(&*back.dims(), &[n, 2, 3][..]);
    prop_assert_eq!(values(&back), block);
    // 6n elements fill (4, Dyn) only when n is even.
    if n % 2 == 0 {
        prop_assert_eq!(&*x.reshape::<(U4, Dyn)>().dims(), &[4, 3 * n / 2][..]);
    } else {
        check_panics("reshape to (4, Dyn)", "reshape:", || {
            drop(x.reshape::<(U4, Dyn)>())
        })?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn permutes_move_every_element_to_its_permuted_index(
        sizes in prop::collection::vec(0..=5usize, 4),
        d2 in data(25),
        d3 in data(125),
        d4 in data(625),
    ) {
        check_permutes::<f32>(&d2, &d3, &d4, &sizes)?;
        check_permutes::<f64>(&d2, &d3, &d4, &sizes)?;
    }

    #[test]
    fn reshapes_round_trip((dims, data) in one_tensor(), n in 0..=5usize) {
        check_reshapes::<f32>(&dims, &data, n)?;
        check_reshapes::<f64>(&dims, &data, n)?;
    }
}
