//! Reductions.

use super::*;

/// `sum`, `sum_axis`, `mean_axis`, `max_axis` and `argmax` along axis `AX`, and their
/// `_keep` twins' sizes. `max_axis` and `argmax` panic (as documented) on an empty axis
/// when the result is not empty.
fn check_axis<const AX: usize, S: ReduceAxis<AX>, E: Real>(
    dims: &[usize],
    data: &[f64],
) -> Outcome {
    let x = tensor::<S, E>(dims, data);
    let lanes = lanes(dims, &values(&x), AX);
    let mut removed = dims.to_vec();
    removed.remove(AX);
    let mut kept = dims.to_vec();
    kept[AX] = 1;
    let what = |op: &str| format!("{op}::<{AX}> of {dims:?}");

    let sums: Vec<f64> = lanes.iter().map(|l| l.iter().sum()).collect();
    let scale: Vec<f64> = lanes
        .iter()
        .map(|l| l.iter().map(|v| v.abs()).sum())
        .collect();
    let sum = x.sum_axis::<AX>();
    check_tensor(&what("sum_axis"), &sum, &removed, &sums, &scale)?;
    let sum_keep = x.sum_axis_keep::<AX>();
    check_tensor(&what("sum_axis_keep"), &sum_keep, &kept, &sums, &scale)?;

    let n = dims[AX] as f64;
    let means: Vec<f64> = sums.iter().map(|s| s / n).collect(); // NaN on an empty axis
    let mean_scale: Vec<f64> = scale.iter().map(|s| s / n).collect();
    let mean = x.mean_axis::<AX>();
    check_tensor(&what("mean_axis"), &mean, &removed, &means, &mean_scale)?;

    if dims[AX] == 0 && !lanes.is_empty() {
        check_panics(&what("max_axis"), "max/argmax:", || {
            drop(x.max_axis::<AX>())
        })?;
        return check_panics(&what("argmax"), "max/argmax:", || drop(x.argmax::<AX>()));
    }
    // The first maximal element of each lane (ties go to the lowest index).
    let firsts: Vec<usize> = lanes
        .iter()
        .map(|l| (0..l.len()).fold(0, |best, k| if l[k] > l[best] { k } else { best }))
        .collect();
    let maxima: Vec<f64> = lanes.iter().zip(&firsts).map(|(l, &k)| l[k]).collect();
    let max = x.max_axis::<AX>();
    check_tensor(&what("max_axis"), &max, &removed, &maxima, &maxima)?;
    let max_keep = x.max_axis_keep::<AX>();
    prop_assert_eq!(&*max_keep.dims(), &kept[..], "{}", what("max_axis_keep"));
    let argmax = x.argmax::<AX>();
    prop_assert_eq!(&*argmax.dims(), &removed[..], "{}", what("argmax"));
    prop_assert_eq!(argmax.to_vec(), firsts, "{}", what("argmax"));
    Ok(())
}

/// `sum` over everything, then every axis of the tensor's rank.
fn check_reductions<E: Real>(dims: &[usize], data: &[f64]) -> Outcome {
    fn total<S: Shape, E: Real>(dims: &[usize], data: &[f64]) -> Outcome {
        let x = tensor::<S, E>(dims, data);
        let xs = values(&x);
        let want = xs.iter().sum::<f64>();
        let scale = xs.iter().map(|v| v.abs()).sum::<f64>();
        check_tensor("sum", &x.sum(), &[], &[want], &[scale])
    }
    match dims.len() {
        1 => {
            total::<R1, E>(dims, data)?;
            check_axis::<0, R1, E>(dims, data)
        }
        2 => {
            total::<R2, E>(dims, data)?;
            check_axis::<0, R2, E>(dims, data)?;
            check_axis::<1, R2, E>(dims, data)
        }
        3 => {
            total::<R3, E>(dims, data)?;
            check_axis::<0, R3, E>(dims, data)?;
            check_axis::<1, R3, E>(dims, data)?;
            check_axis::<2, R3, E>(dims, data)
        }
        _ => {
            total::<R4, E>(dims, data)?;
            check_axis::<0, R4, E>(dims, data)?;
            check_axis::<1, R4, E>(dims, data)?;
            check_axis::<2, R4, E>(dims, data)?;
            check_axis::<3, R4, E>(dims, data)
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reductions_along_every_axis_match_the_reference_f32((dims, data) in one_tensor()) {
        check_reductions::<f32>(&dims, &data)?;
    }

    #[test]
    fn reductions_along_every_axis_match_the_reference_f64((dims, data) in one_tensor()) {
        check_reductions::<f64>(&dims, &data)?;
    }
}
