//! Helpers shared by the tests of the compiled backward pass (`tests/compiled*.rs`).

#![allow(dead_code)] // each test crate uses some of them

use autodiff::prelude::*;

pub type M23 = Tensor<(U2, U3), f64>;
pub type V3 = Tensor<(U3,), f64>;

pub fn m23(values: [f64; 6]) -> M23 {
    M23::from_vec(values.to_vec()).unwrap()
}

pub fn v3(values: [f64; 3]) -> V3 {
    V3::from_vec(values.to_vec()).unwrap()
}

/// Every element of `got` within `1e-12` (relative) of `want`.
pub fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let scale = 1f64.max(w.abs());
        assert!(
            (g - w).abs() <= 1e-12 * scale,
            "{what}[{i}]: compiled {g}, tape {w}"
        );
    }
}

/// Central differences of `f` (a one-element output) in every element of `x`, the other
/// inputs fixed: `rebuild` makes the input from its elements.
pub fn numeric<T>(x: &[f64], rebuild: impl Fn(Vec<f64>) -> T, f: impl Fn(&T) -> f64) -> Vec<f64> {
    let h = 1e-6;
    (0..x.len())
        .map(|i| {
            let mut up = x.to_vec();
            up[i] += h;
            let mut down = x.to_vec();
            down[i] -= h;
            (f(&rebuild(up)) - f(&rebuild(down))) / (2.0 * h)
        })
        .collect()
}

pub fn assert_near(what: &str, got: &[f64], want: &[f64]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-6 * 1f64.max(w.abs()),
            "{what}[{i}]: compiled {g}, finite differences {w}"
        );
    }
}

/// The inputs most tests use.
pub fn inputs() -> (M23, V3) {
    (
        m23([0.5, -1.0, 1.5, 2.0, -0.25, 0.75]),
        v3([0.3, -0.7, 1.1]),
    )
}
