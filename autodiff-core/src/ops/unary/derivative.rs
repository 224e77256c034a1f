//! A unary op's backward rule `g * f'(·)` as one recorded op, for the ops whose derivative
//! is a short formula of their input or output (tanh, sigmoid, the powers).
//!
//! A first-order backward records nothing, and a rule could run any kernel. Under
//! `create_graph` the rule itself is recorded: written with raw ops (`1 - y²` as square,
//! neg, add, then a product) it recorded four nodes for tanh and three for `powi`, each a
//! tensor, a node, a rule closure and a walk step (W4 in docs/benchmarks.md). Here the
//! rule is one node, [`times_derivative_raw`], whose own rule is this op again for `g`
//! and, for the saved tensor, the same op on the next [`Derivative`] with `gg * g`: closed
//! under differentiation, so every order stays available.

use crate::graph::tape::{record_named, recording};
use crate::ops::binary::kernel::zip_broadcast;
use crate::ops::binary::mul_raw;
use crate::tensor::raw::RawTensor;
use crate::Float;

/// A derivative `k(s)` of a unary op, as a formula of a saved tensor `s` (its input `x` or
/// its output `y`). The kernels write the arithmetic of the composed rules they replace,
/// so that the bits are those of the fused first-order rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Derivative<E> {
    /// `1 - y²` (tanh, of its output).
    Tanh,
    /// `y (1 - y)` (sigmoid, of its output).
    Sigmoid,
    /// `s^m * c` (`powi(n)`: `c = n`, `m = n - 1`; `square`: `c = 2`, `m = 1`; `recip`,
    /// of its output: `c = -1`, `m = 2`).
    Powi { c: E, m: i32 },
    /// `s^p * c` for a real `p` (`powf(p)`: `c = p`, `p - 1`).
    Powf { c: E, p: E },
    /// `s a + b`, the derivative of `Sigmoid`.
    Affine { a: E, b: E },
    /// `s * 0`: 0, or NaN where `s` is not finite (`powi(0)`, `powf(0)`).
    Zero,
}

impl<E: Float> Derivative<E> {
    /// `k(s)` at one element.
    #[inline(always)]
    fn at(self, s: E) -> E {
        match self {
            Derivative::Tanh => E::ONE - s * s,
            Derivative::Sigmoid => s * (E::ONE - s),
            // `s.powi(0)` is 1, `s.powi(1)` is `s` and `s.powi(2)` is `s * s`, exactly (one
            // rounding at most): skip the call.
            Derivative::Powi { c, m: 0 } => c,
            Derivative::Powi { c, m: 1 } => s * c,
            Derivative::Powi { c, m: 2 } => s * s * c,
            Derivative::Powi { c, m } => s.powi(m) * c,
            Derivative::Powf { c, p } => s.powf(p) * c,
            Derivative::Affine { a, b } => s * a + b,
            Derivative::Zero => s * E::ZERO,
        }
    }

    /// The node's name in `Graph::to_dot`: what it computes, `s` its saved tensor.
    fn label(self) -> fn() -> &'static str {
        match self {
            Derivative::Tanh => || "g*(1-s^2)",
            Derivative::Sigmoid => || "g*s*(1-s)",
            Derivative::Powi { .. } => || "g*c*s^m",
            Derivative::Powf { .. } => || "g*c*s^p",
            Derivative::Affine { .. } => || "g*(a*s+b)",
            Derivative::Zero => || "g*s*0",
        }
    }

    /// `dk/ds`, `None` where it is 0 (`Zero` and the constants).
    fn next(self) -> Option<Derivative<E>> {
        let two = E::from_f64(2.0);
        match self {
            Derivative::Tanh => Some(Derivative::Powi { c: -two, m: 1 }),
            Derivative::Sigmoid => Some(Derivative::Affine { a: -two, b: E::ONE }),
            Derivative::Powi { m: 0, .. } | Derivative::Zero => None,
            Derivative::Powi { c, m } => Some(Derivative::Powi {
                c: c * E::from_f64(f64::from(m)),
                m: m - 1,
            }),
            // `s^0` is 1 (and its derivative `0 * s^-1` NaN at 0): a constant.
            Derivative::Powf { p, .. } if p == E::ZERO => None,
            Derivative::Powf { c, p } => Some(Derivative::Powf {
                c: c * p,
                p: p - E::ONE,
            }),
            Derivative::Affine { a, .. } => Some(Derivative::Powi { c: a, m: 0 }),
        }
    }

    /// Runs `pass` with the element function `|g, s| g * k(s)`, chosen once outside the
    /// loop: the common kinds get their own closure, so that the kind is not matched at
    /// every element. One place for the arithmetic of [`Derivative::apply`] and
    /// [`Derivative::apply_in_place`], which must give the same bits.
    #[inline(always)]
    fn times<P: Pass<E>>(self, pass: P) -> P::Out {
        match self {
            Derivative::Tanh => pass.run(|g, y| g * (E::ONE - y * y)),
            Derivative::Sigmoid => pass.run(|g, y| g * (y * (E::ONE - y))),
            Derivative::Powi { c, m: 0 } => pass.run(move |g, _| g * c),
            Derivative::Powi { c, m: 1 } => pass.run(move |g, x| g * (x * c)),
            k => pass.run(move |g, x| g * k.at(x)),
        }
    }

    /// `g *= k(s)` element-wise, in place.
    fn apply_in_place(self, g: &mut [E], s: &[E]) {
        self.times(InPlace(g, s))
    }

    /// `g * k(s)` element-wise, one pass.
    fn apply(self, g: &RawTensor<E>, s: &RawTensor<E>) -> RawTensor<E> {
        self.times(Zipped(g, s))
    }
}

/// A pass over a gradient and a saved tensor with an element function (see
/// [`Derivative::times`]).
trait Pass<E> {
    type Out;
    fn run(self, f: impl Fn(E, E) -> E) -> Self::Out;
}

/// Into a new tensor.
struct Zipped<'a, E: Float>(&'a RawTensor<E>, &'a RawTensor<E>);

impl<E: Float> Pass<E> for Zipped<'_, E> {
    type Out = RawTensor<E>;
    fn run(self, f: impl Fn(E, E) -> E) -> RawTensor<E> {
        zip_broadcast("backward", self.0, self.1, f)
    }
}

/// Into the gradient's buffer.
struct InPlace<'a, E>(&'a mut [E], &'a [E]);

impl<E: Float> Pass<E> for InPlace<'_, E> {
    type Out = ();
    fn run(self, f: impl Fn(E, E) -> E) {
        for (g, &s) in self.0.iter_mut().zip(self.1) {
            *g = f(*g, s);
        }
    }
}

/// [`times_derivative_raw`] in a backward rule, whose gradient `g` is the rule's to
/// overwrite: when nothing records, `g * k(s)` is written into `g`'s buffer (copied
/// first only if another tensor holds it), so a chain of unary ops makes no tensor per
/// step in a first-order backward pass. The same bits as [`times_derivative_raw`].
pub(crate) fn times_derivative_of<E: Float>(
    g: &mut RawTensor<E>,
    s: &RawTensor<E>,
    k: Derivative<E>,
) -> RawTensor<E> {
    if g.dims != s.dims || recording(&[g, s]) {
        return times_derivative_raw(g, s, k);
    }
    k.apply_in_place(g.make_mut(), s.as_slice());
    g.clone()
}

/// `g * k(s)` element-wise for a gradient `g` and a saved tensor `s` of equal sizes,
/// recorded as one op: a unary op's backward rule. Backward: `gg * k(s)` for `g` (this op
/// again) and `gg * g * k'(s)` for `s`: one fused pass when nothing records, otherwise
/// this op on `k'` with a recorded `gg * g`.
pub(crate) fn times_derivative_raw<E: Float>(
    g: &RawTensor<E>,
    s: &RawTensor<E>,
    k: Derivative<E>,
) -> RawTensor<E> {
    debug_assert_eq!(
        g.dims, s.dims,
        "a backward rule's gradient has its value's sizes"
    );
    record_named([g.trace, s.trace], k.apply(g, s), k.label(), |_| {
        let (g, s) = (g.clone(), s.clone());
        move |gg: &mut RawTensor<E>, w: [bool; 2]| {
            let dg = w[0].then(|| times_derivative_raw(gg, &s, k));
            let ds = match k.next() {
                Some(dk) if w[1] => Some(if recording(&[gg, &g, &s]) || gg.dims != s.dims {
                    times_derivative_raw(&mul_raw(gg, &g), &s, dk)
                } else {
                    let it = gg.as_slice().iter().zip(g.as_slice()).zip(s.as_slice());
                    RawTensor::collect(s.dims, it.map(|((&gg, &g), &s)| gg * g * dk.at(s)))
                }),
                _ => None,
            };
            [dg, ds]
        }
    })
}
