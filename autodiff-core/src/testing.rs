//! Checking gradients against finite differences: [`gradcheck`] (first order) and
//! [`gradgradcheck`] (second order), in `f64`.

use crate::graph::{vjp, Differentiable, Gradients, MapTensors, Visit};
use crate::ops::binary::{add_raw, mul_raw};
use crate::ops::reduce::sum_raw;
use crate::tensor::raw::RawTensor;
use crate::{Rng, Shape, Tensor};
use core::fmt;

/// Step and tolerances of a check: an element passes when
/// `|analytic - numeric| <= atol + rtol * |numeric|`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// The finite-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance.
    pub rtol: f64,
}

impl Default for Tolerance {
    /// `eps = 1e-6`, `atol = 1e-5`, `rtol = 1e-3` (PyTorch's gradcheck uses similar values).
    fn default() -> Self {
        Tolerance {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        }
    }
}

/// The worst element of a failed check.
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckError {
    /// Which input tensor, in visiting order.
    pub input: usize,
    /// Which element of it, row-major.
    pub element: usize,
    /// The gradient from the backward pass.
    pub analytic: f64,
    /// The central finite difference.
    pub numeric: f64,
    /// How many elements failed in all.
    pub failures: usize,
}

impl fmt::Display for GradcheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gradcheck failed on {} element(s); worst: input {} element {}: analytic {:.9e} vs numeric {:.9e} (difference {:.3e})",
            self.failures,
            self.input,
            self.element,
            self.analytic,
            self.numeric,
            (self.analytic - self.numeric).abs()
        )
    }
}

impl std::error::Error for GradcheckError {}

/// Checks the backward pass of `f` at `primals` against central finite differences.
///
/// For an output with several elements, both sides are contracted with a fixed random
/// seed `v` (so the check covers `vᵀ J`). Uses [`Tolerance::default`].
///
/// # Errors
/// A [`GradcheckError`] naming the worst element when any element is out of tolerance.
///
/// ```
/// use autodiff_core::prelude::*;
/// use autodiff_core::testing::gradcheck;
/// let x = Tensor::<(U3,), f64>::from_vec(vec![0.5, -1.0, 2.0]).unwrap();
/// gradcheck(|x: Tensor<(U3,), f64>| x.exp() * &x, &x).unwrap();
/// ```
pub fn gradcheck<P, S, F>(f: F, primals: &P) -> Result<(), GradcheckError>
where
    P: Differentiable<Elem = f64>,
    S: Shape,
    F: Fn(P) -> Tensor<S, f64>,
{
    gradcheck_with(f, primals, Tolerance::default())
}

/// [`gradcheck`] with a given step and tolerances.
///
/// # Errors
/// As for [`gradcheck`].
///
/// ```
/// use autodiff_core::prelude::*;
/// use autodiff_core::testing::{gradcheck_with, Tolerance};
/// let x = Tensor::<(), f64>::full(0.3);
/// let tol = Tolerance { eps: 1e-7, ..Tolerance::default() };
/// gradcheck_with(|x: Tensor<(), f64>| x.powi(3), &x, tol).unwrap();
/// ```
pub fn gradcheck_with<P, S, F>(f: F, primals: &P, tol: Tolerance) -> Result<(), GradcheckError>
where
    P: Differentiable<Elem = f64>,
    S: Shape,
    F: Fn(P) -> Tensor<S, f64>,
{
    let (y, graph) = vjp(primals, &f);
    let seed = random_like(&y.raw, 0x5eed);
    let analytic = collect(&graph.backward_with(Tensor::from_raw(seed.clone())));
    let inputs = collect_primals(primals);
    let contracted = |p: P| -> f64 {
        f(p).as_slice()
            .iter()
            .zip(seed.as_slice())
            .map(|(a, b)| a * b)
            .sum()
    };
    let mut worst: Option<GradcheckError> = None;
    let mut failures = 0;
    for (input, values) in inputs.iter().enumerate() {
        for (element, &a) in analytic[input].iter().enumerate().take(values.len()) {
            let at = |delta: f64| {
                contracted(primals.map_tensors(&mut Perturb {
                    target: input,
                    element,
                    delta,
                    seen: 0,
                }))
            };
            let numeric = (at(tol.eps) - at(-tol.eps)) / (2.0 * tol.eps);
            let err = (a - numeric).abs();
            let within = err <= tol.atol + tol.rtol * numeric.abs(); // false for NaN
            if !within {
                failures += 1;
                let worse = worst
                    .as_ref()
                    .is_none_or(|w| err > (w.analytic - w.numeric).abs() || err.is_nan());
                if worse {
                    worst = Some(GradcheckError {
                        input,
                        element,
                        analytic: a,
                        numeric,
                        failures: 0,
                    });
                }
            }
        }
    }
    match worst {
        Some(w) => Err(GradcheckError { failures, ..w }),
        None => Ok(()),
    }
}

/// Checks second derivatives: [`gradcheck`] of `p -> Σ ⟨∇(vᵀ f)(p), w⟩` for fixed random
/// `v` and `w`, whose backward pass differentiates `f`'s backward pass.
///
/// # Errors
/// As for [`gradcheck`].
///
/// ```
/// use autodiff_core::prelude::*;
/// use autodiff_core::testing::gradgradcheck;
/// let x = Tensor::<(U2,), f64>::from_vec(vec![0.5, -1.0]).unwrap();
/// gradgradcheck(|x: Tensor<(U2,), f64>| x.exp() * &x, &x).unwrap();
/// ```
pub fn gradgradcheck<P, S, F>(f: F, primals: &P) -> Result<(), GradcheckError>
where
    P: Differentiable<Elem = f64>,
    S: Shape,
    F: Fn(P) -> Tensor<S, f64>,
{
    let weights: Vec<RawTensor<f64>> = collect_raw(primals)
        .iter()
        .enumerate()
        .map(|(i, t)| random_like(t, 0xbeef + i as u64))
        .collect();
    let inner = |p: P| -> Tensor<(), f64> {
        let (y, graph) = vjp(&p, &f);
        let seed = random_like(&y.raw, 0x5eed);
        let grads = graph.backward_with(Tensor::from_raw(seed));
        let mut c = CollectRaw(Vec::new());
        grads.visit(&mut c);
        let mut total = RawTensor::filled(crate::Dims::new(&[]), 0.0);
        for (g, w) in c.0.iter().zip(&weights) {
            total = add_raw(&total, &sum_raw(&mul_raw(g, w)));
        }
        Tensor::from_raw(total)
    };
    gradcheck(inner, primals)
}

/// A tensor of `t`'s sizes with seeded values in [-1, 1].
fn random_like(t: &RawTensor<f64>, seed: u64) -> RawTensor<f64> {
    let mut rng = Rng::seed(seed);
    RawTensor::new(
        t.dims,
        (0..t.dims.numel())
            .map(|_| 2.0 * rng.uniform() - 1.0)
            .collect(),
    )
}

struct CollectRaw(Vec<RawTensor<f64>>);

impl Visit<f64> for CollectRaw {
    fn tensor<S: Shape>(&mut self, t: &Tensor<S, f64>) {
        self.0.push(t.raw.clone());
    }
}

fn collect<G: Gradients<f64>>(g: &G) -> Vec<Vec<f64>> {
    let mut c = CollectRaw(Vec::new());
    g.visit(&mut c);
    c.0.iter().map(|t| t.as_slice().to_vec()).collect()
}

fn collect_raw<P: Differentiable<Elem = f64>>(p: &P) -> Vec<RawTensor<f64>> {
    let mut c = CollectRaw(Vec::new());
    p.visit(&mut c);
    c.0
}

fn collect_primals<P: Differentiable<Elem = f64>>(p: &P) -> Vec<Vec<f64>> {
    collect_raw(p)
        .iter()
        .map(|t| t.as_slice().to_vec())
        .collect()
}

/// Copies the primals with one element moved by `delta`.
struct Perturb {
    target: usize,
    element: usize,
    delta: f64,
    seen: usize,
}

impl MapTensors<f64> for Perturb {
    fn tensor<S: Shape>(&mut self, t: &Tensor<S, f64>) -> Tensor<S, f64> {
        let mut out = t.detach();
        if self.seen == self.target {
            out.as_mut_slice()[self.element] += self.delta;
        }
        self.seen += 1;
        out
    }
}
