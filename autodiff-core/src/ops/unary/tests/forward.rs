//! Forward values against the `std` references of the table, in f64 and f32.

use super::{assert_close, grid, ops, t32, t64, widen};

#[test]
fn forward_f64_matches_reference() {
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 201);
        let y = (op.on64)(&t64(&xs)).to_vec();
        let expected: Vec<f64> = xs.iter().map(|&x| (op.f)(x)).collect();
        // gelu's reference Φ is only accurate in absolute terms (see `normal_cdf`).
        let atol = if op.name == "gelu" { 1e-13 } else { 1e-14 };
        assert_close(op.name, &y, &expected, &xs, 1e-12, atol);
    }
}

#[test]
fn forward_f32_matches_reference() {
    for op in ops() {
        let xs = grid(op.domain.0, op.domain.1, 201);
        let y = widen(&(op.on32)(&t32(&xs)));
        // The reference runs on the f32 inputs, in f64: only the op's rounding differs.
        let expected: Vec<f64> = xs.iter().map(|&x| (op.f)(f64::from(x as f32))).collect();
        assert_close(op.name, &y, &expected, &xs, 1e-6, 1e-7);
    }
}

#[test]
fn forward_keeps_shape_and_typed_dims() {
    use crate::prelude::*;
    let t = Tensor::<(U2, U3), f64>::from_vec(vec![-1., 0., 1., 2., 3., 4.]).unwrap();
    let y: Tensor<(U2, U3), f64> = t.square().relu().sin();
    assert_eq!(&*y.dims(), &[2, 3]);
    let expected: Vec<f64> = t.to_vec().iter().map(|&x| (x * x).sin()).collect();
    assert_eq!(y.to_vec(), expected);
}

#[test]
fn untraced_ops_do_not_record() {
    let x = t64(&[0.5, 1.5]);
    for op in ops() {
        assert!(!(op.on64)(&x).is_traced(), "{}", op.name);
    }
}

#[test]
fn gelu_matches_high_precision_values() {
    // x Φ(x), from mpmath at 30 digits.
    let cases = [
        (-10.0, -7.619_853_024_160_526e-23),
        (-5.0, -1.433_257_859_395_969_5e-6),
        (-1.0, -0.158_655_253_931_457_05),
        (0.5, 0.345_731_230_637_006_56),
        (1.0, 0.841_344_746_068_542_9),
        (2.0, 1.954_499_736_103_641_6),
        (3.0, 2.995_950_305_905_11),
    ];
    let (xs, expected): (Vec<f64>, Vec<f64>) = cases.into_iter().unzip();
    assert_close(
        "gelu",
        &t64(&xs).gelu().to_vec(),
        &expected,
        &xs,
        1e-12,
        0.0,
    );
    let y32 = widen(&t32(&xs).gelu());
    assert_close("gelu f32", &y32, &expected, &xs, 1e-6, 0.0);
}
