//! `+ - * /`, `minimum`, `maximum`: element-wise with numpy broadcasting.
//!
//! # Shapes
//! Aligned from the right, each pair of dimensions is equal or one of them is 1; missing
//! leading dimensions count as 1. `(B, O) + (O,)` adds a bias row to every row. For
//! compile-time dimensions the rule is checked by the compiler (`broadcast: dimensions
//! D<3> and D<4> differ and neither is 1`); a pair with a `Dyn` is checked when the op runs.
//!
//! # Gradient
//! `d(a+b) = (g, g)`, `d(a-b) = (g, -g)`, `d(a*b) = (g*b, g*a)`, `d(a/b) = (g/b, -g*a/b²)`,
//! each summed over the broadcast dimensions back to its operand's shape. `minimum` and
//! `maximum` send `g` to the operand they chose; on a tie, to the left operand (`self`),
//! a valid subgradient that keeps the two operands' gradients summing to `g`.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::{record, record_adding, record_named, recording, Parents, Trace};
use crate::ops::reduce::sum_to;
use crate::shape::rules::BroadcastShapes;
use crate::tensor::raw::RawTensor;
use crate::tensor::small;
use crate::{Dims, Float, Shape, Tensor};
use core::ops::{Add, Div, Mul, Neg, Sub};

/// `a + b` on raw tensors, recorded. Backward: `(g, g)`, each summed to its operand's shape.
pub(crate) fn add_raw<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    let out = kernel::zip_broadcast("add", a, b, |x, y| x + y);
    add_recorded(a.trace, b, out, a.dims)
}

/// `a - b`, recorded. Backward: `(g, -g)`.
pub(crate) fn sub_raw<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    let out = kernel::zip_broadcast("sub", a, b, |x, y| x - y);
    sub_recorded(a.trace, b, out, a.dims)
}

/// Records `out = a + b` for an `a` known by its trace and sizes `da` (its buffer may hold
/// `out` by now, see [`into_lhs`]).
fn add_recorded<E: Float>(
    a: Option<Trace>,
    b: &RawTensor<E>,
    out: RawTensor<E>,
    da: Dims,
) -> RawTensor<E> {
    sum_recorded(a, b, out, da, false)
}

/// Records `out = a - b`, as [`add_recorded`].
fn sub_recorded<E: Float>(
    a: Option<Trace>,
    b: &RawTensor<E>,
    out: RawTensor<E>,
    da: Dims,
) -> RawTensor<E> {
    sum_recorded(a, b, out, da, true)
}

/// Records `out = a + b` (`a - b` when `minus`). Backward: `(g, g)` (`(g, -g)`), each
/// summed to its operand's shape.
fn sum_recorded<E: Float>(
    a: Option<Trace>,
    b: &RawTensor<E>,
    out: RawTensor<E>,
    da: Dims,
    minus: bool,
) -> RawTensor<E> {
    let db = b.dims;
    let name: fn() -> &'static str = if minus { || "sub" } else { || "add" };
    record_named([a, b.trace], out, name, |_| {
        move |g: &mut RawTensor<E>, w: [bool; 2]| {
            let gb = || match minus {
                true => sum_to(&neg_raw(g), db),
                false => sum_to(g, db),
            };
            [w[0].then(|| sum_to(g, da)), w[1].then(gb)]
        }
    })
}

/// How an op on an owned left operand records itself after writing into its buffer.
type RecordOnto<E> = fn(Option<Trace>, &RawTensor<E>, RawTensor<E>, Dims) -> RawTensor<E>;

/// `a op b` for an owned `a` (`t + &b` with `t` a temporary): computed into `a`'s buffer
/// when no other tensor holds it and the result has `a`'s sizes, so a chain of element-wise
/// ops on temporaries allocates once; otherwise `raw(&a, b)`. `record_onto` records the op
/// with `a`'s trace. The ops whose backward rule saves their operands (`*`, `/`) have
/// none: they write into `a` only when nothing records.
fn into_lhs<E: Float>(
    mut a: RawTensor<E>,
    b: &RawTensor<E>,
    f: impl Fn(E, E) -> E,
    raw: fn(&RawTensor<E>, &RawTensor<E>) -> RawTensor<E>,
    record_onto: Option<RecordOnto<E>>,
) -> RawTensor<E> {
    let records = recording(&[&a, b]);
    if records && record_onto.is_none() {
        return raw(&a, b);
    }
    let (trace, da) = (a.trace, a.dims);
    let written = a
        .unique_mut()
        .is_some_and(|out| kernel::zip_into(out, &da, b, f));
    if !written {
        return raw(&a, b);
    }
    a.trace = None;
    match record_onto {
        // `a`'s buffer holds the result now: recording needs only its trace.
        Some(record_onto) if records => record_onto(trace, b, a, da),
        _ => a,
    }
}

/// `a + b` for an owned `a`, see [`into_lhs`].
fn add_owned<E: Float>(a: RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    into_lhs(a, b, |x, y| x + y, add_raw, Some(add_recorded))
}

/// `a - b` for an owned `a`, see [`into_lhs`].
fn sub_owned<E: Float>(a: RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    into_lhs(a, b, |x, y| x - y, sub_raw, Some(sub_recorded))
}

/// `a * b` for an owned `a`, see [`into_lhs`].
fn mul_owned<E: Float>(a: RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    into_lhs(a, b, |x, y| x * y, mul_raw, None)
}

/// `a / b` for an owned `a`, see [`into_lhs`].
fn div_owned<E: Float>(a: RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    into_lhs(a, b, |x, y| x / y, div_raw, None)
}

/// `a * b`, recorded. Backward: `(g * b, g * a)`. When nothing records and nothing
/// broadcasts, a parent that already has a gradient (a weight used at every step of a
/// chain) gets `g * b` added to it in one pass, and the other takes over `g`'s buffer.
pub(crate) fn mul_raw<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    let out = kernel::zip_broadcast("mul", a, b, |x, y| x * y);
    record_adding(&[a, b], out, |_| {
        let (a, b) = (a.clone(), b.clone());
        move |g: &mut RawTensor<E>, parents: &mut Parents<'_, E>| {
            let fused = g.dims == a.dims && g.dims == b.dims && !parents.records(&[g, &a, &b]);
            let add_product = |acc: &mut [E], g: &RawTensor<E>, x: &RawTensor<E>| {
                for (acc, (&g, &x)) in acc.iter_mut().zip(g.as_slice().iter().zip(x.as_slice())) {
                    *acc = *acc + g * x;
                }
            };
            // `b`'s first: `a`'s may then overwrite `g`.
            if let Some(acc) = parents.accumulator(1, b.dims, fused) {
                add_product(acc, g, &a);
            } else if parents.wants(1) {
                parents.put(1, sum_to(&mul_raw(g, &a), b.dims));
            }
            if let Some(acc) = parents.accumulator(0, a.dims, fused) {
                add_product(acc, g, &b);
            } else if parents.wants(0) {
                let ga = if fused {
                    // `g * b` in `g`'s buffer (copied first if another tensor holds it).
                    for (g, &b) in g.make_mut().iter_mut().zip(b.as_slice()) {
                        *g = *g * b;
                    }
                    g.clone()
                } else {
                    sum_to(&mul_raw(g, &b), a.dims)
                };
                parents.put(0, ga);
            }
        }
    })
}

/// `a / b`, recorded. Backward: `(g / b, -g * (a / b) / b)`.
pub(crate) fn div_raw<E: Float>(a: &RawTensor<E>, b: &RawTensor<E>) -> RawTensor<E> {
    let out = kernel::zip_broadcast("div", a, b, |x, y| x / y);
    record(&[a, b], out, |out| {
        let (da, b2) = (a.dims, b.clone());
        let out = out.clone();
        move |g: &mut RawTensor<E>, w: [bool; 2]| {
            let ga = div_raw(g, &b2);
            let gb = w[1].then(|| sum_to(&neg_raw(&mul_raw(&ga, &out)), b2.dims));
            [w[0].then(|| sum_to(&ga, da)), gb]
        }
    })
}

/// Element-wise choice between `a` and `b` (`minimum`, `maximum`), recorded. `take_a(x, y)`
/// says where `a`'s element is the result; ties go to `a`. Backward: `g` flows to the
/// chosen operand only: `(g * m, g * (1 - m))` with `m` the 0/1 mask of `a`'s picks.
fn select_raw<E: Float>(
    op: &str,
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    take_a: fn(E, E) -> bool,
) -> RawTensor<E> {
    let pick = |x: E, y: E| {
        if x.is_nan() || y.is_nan() {
            x + y
        } else if take_a(x, y) {
            x
        } else {
            y
        }
    };
    let out = kernel::zip_broadcast(op, a, b, pick);
    let (da, db) = (a.dims, b.dims);
    record(&[a, b], out, |_| {
        let mask = kernel::zip_broadcast(
            op,
            a,
            b,
            move |x, y| if take_a(x, y) { E::ONE } else { E::ZERO },
        );
        move |g: &mut RawTensor<E>, w: [bool; 2]| {
            let ga = w[0].then(|| sum_to(&mul_raw(g, &mask), da));
            let gb =
                w[1].then(|| sum_to(&mul_raw(g, &add_scalar_raw(&neg_raw(&mask), E::ONE)), db));
            [ga, gb]
        }
    })
}

/// `-x`, recorded. Backward: `-g`.
pub(crate) fn neg_raw<E: Float>(x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(|v| -v), |_| {
        |g: &mut RawTensor<E>, _: [bool; 2]| [Some(neg_raw(g)), None]
    })
}

/// `x * s` for a constant `s`, recorded. Backward: `g * s`.
pub(crate) fn scale_raw<E: Float>(x: &RawTensor<E>, s: E) -> RawTensor<E> {
    record(&[x], x.map(|v| v * s), |_| {
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(scale_raw(g, s)), None]
    })
}

/// `x + s` for a constant `s`, recorded. Backward: `g`.
pub(crate) fn add_scalar_raw<E: Float>(x: &RawTensor<E>, s: E) -> RawTensor<E> {
    record(&[x], x.map(|v| v + s), |_| {
        |g: &mut RawTensor<E>, _: [bool; 2]| [Some(g.clone()), None]
    })
}

/// `s / x` for a constant `s`, recorded. Backward: `-g * (s / x) / x`.
pub(crate) fn rdiv_scalar_raw<E: Float>(s: E, x: &RawTensor<E>) -> RawTensor<E> {
    record(&[x], x.map(|v| s / v), |out| {
        let x2 = x.clone();
        let out = out.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| {
            [Some(neg_raw(&div_raw(&mul_raw(g, &out), &x2))), None]
        }
    })
}

macro_rules! binary_op {
    (
        $trait:ident, $method:ident, $raw:ident, $owned:ident, $scalar:expr, $rscalar:expr;
        $f:expr, $fs:expr, $frs:expr
    ) => {
        impl<S1: Shape, S2: Shape, E: Float> $trait<&Tensor<S2, E>> for &Tensor<S1, E>
        where
            S1: BroadcastShapes<S2>,
        {
            type Output = Tensor<<S1 as BroadcastShapes<S2>>::Out, E>;
            #[inline(always)]
            fn $method(self, rhs: &Tensor<S2, E>) -> Self::Output {
                if let Some(out) = small::zip(self, rhs, $f) {
                    return out;
                }
                Tensor::from_raw($raw(&self.raw, &rhs.raw))
            }
        }

        impl<S1: Shape, S2: Shape, E: Float> $trait<Tensor<S2, E>> for &Tensor<S1, E>
        where
            S1: BroadcastShapes<S2>,
        {
            type Output = Tensor<<S1 as BroadcastShapes<S2>>::Out, E>;
            fn $method(self, rhs: Tensor<S2, E>) -> Self::Output {
                self.$method(&rhs)
            }
        }

        impl<S1: Shape, S2: Shape, E: Float> $trait<&Tensor<S2, E>> for Tensor<S1, E>
        where
            S1: BroadcastShapes<S2>,
        {
            type Output = Tensor<<S1 as BroadcastShapes<S2>>::Out, E>;
            #[inline(always)]
            fn $method(self, rhs: &Tensor<S2, E>) -> Self::Output {
                if let Some(out) = small::zip(&self, rhs, $f) {
                    return out;
                }
                Tensor::from_raw($owned(self.raw, &rhs.raw))
            }
        }

        impl<S1: Shape, S2: Shape, E: Float> $trait<Tensor<S2, E>> for Tensor<S1, E>
        where
            S1: BroadcastShapes<S2>,
        {
            type Output = Tensor<<S1 as BroadcastShapes<S2>>::Out, E>;
            fn $method(self, rhs: Tensor<S2, E>) -> Self::Output {
                self.$method(&rhs)
            }
        }

        impl<S: Shape, E: Float> $trait<E> for &Tensor<S, E> {
            type Output = Tensor<S, E>;
            #[inline(always)]
            fn $method(self, rhs: E) -> Tensor<S, E> {
                if let Some(out) = small::map(self, |v| ($fs)(v, rhs)) {
                    return out;
                }
                let scalar: fn(&RawTensor<E>, E) -> RawTensor<E> = $scalar;
                Tensor::from_raw(scalar(&self.raw, rhs))
            }
        }

        impl<S: Shape, E: Float> $trait<E> for Tensor<S, E> {
            type Output = Tensor<S, E>;
            fn $method(self, rhs: E) -> Tensor<S, E> {
                (&self).$method(rhs)
            }
        }

        impl<S: Shape> $trait<Tensor<S, f32>> for f32 {
            type Output = Tensor<S, f32>;
            fn $method(self, rhs: Tensor<S, f32>) -> Tensor<S, f32> {
                self.$method(&rhs)
            }
        }

        impl<S: Shape> $trait<&Tensor<S, f32>> for f32 {
            type Output = Tensor<S, f32>;
            #[inline(always)]
            fn $method(self, rhs: &Tensor<S, f32>) -> Tensor<S, f32> {
                if let Some(out) = small::map(rhs, |v| ($frs)(self, v)) {
                    return out;
                }
                Tensor::from_raw(($rscalar)(self, &rhs.raw))
            }
        }

        impl<S: Shape> $trait<Tensor<S, f64>> for f64 {
            type Output = Tensor<S, f64>;
            fn $method(self, rhs: Tensor<S, f64>) -> Tensor<S, f64> {
                self.$method(&rhs)
            }
        }

        impl<S: Shape> $trait<&Tensor<S, f64>> for f64 {
            type Output = Tensor<S, f64>;
            #[inline(always)]
            fn $method(self, rhs: &Tensor<S, f64>) -> Tensor<S, f64> {
                if let Some(out) = small::map(rhs, |v| ($frs)(self, v)) {
                    return out;
                }
                Tensor::from_raw(($rscalar)(self, &rhs.raw))
            }
        }
    };
}

binary_op!(
    Add,
    add,
    add_raw,
    add_owned,
    |x, s| add_scalar_raw(x, s),
    |s, x| { add_scalar_raw(x, s) };
    |x, y| x + y,
    |v, s| v + s,
    |s, v| v + s
);
binary_op!(
    Sub,
    sub,
    sub_raw,
    sub_owned,
    |x, s| add_scalar_raw(x, -s),
    |s, x| { add_scalar_raw(&neg_raw(x), s) };
    |x, y| x - y,
    |v, s| v - s,
    |s, v| s - v
);
binary_op!(
    Mul,
    mul,
    mul_raw,
    mul_owned,
    |x, s| scale_raw(x, s),
    |s, x| scale_raw(x, s);
    |x, y| x * y,
    |v, s| v * s,
    |s, v| v * s
);
binary_op!(
    Div,
    div,
    div_raw,
    div_owned,
    |x, s| scale_raw(x, E::ONE / s),
    rdiv_scalar_raw;
    |x, y| x / y,
    |v, s| v * (E::ONE / s),
    |s, v| s / v
);

impl<S: Shape, E: Float> Neg for Tensor<S, E> {
    type Output = Tensor<S, E>;
    fn neg(self) -> Self {
        -&self
    }
}

impl<S: Shape, E: Float> Neg for &Tensor<S, E> {
    type Output = Tensor<S, E>;
    #[inline(always)]
    fn neg(self) -> Tensor<S, E> {
        if let Some(out) = small::map(self, |v| -v) {
            return out;
        }
        Tensor::from_raw(neg_raw(&self.raw))
    }
}

impl<S1: Shape, E: Float> Tensor<S1, E> {
    /// The element-wise minimum, with broadcasting; NaN if either element is NaN.
    ///
    /// # Shapes
    /// As for `+` (numpy broadcasting).
    ///
    /// # Panics
    /// When a `Dyn` dimension does not broadcast against its partner.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U3,)>::from_vec(vec![1., 5., 3.]).unwrap();
    /// let b = Tensor::<()>::full(2.);
    /// assert_eq!(a.minimum(&b).to_vec(), vec![1., 2., 2.]);
    /// ```
    pub fn minimum<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E>,
    ) -> Tensor<<S1 as BroadcastShapes<S2>>::Out, E>
    where
        S1: BroadcastShapes<S2>,
    {
        Tensor::from_raw(select_raw("minimum", &self.raw, &rhs.raw, |x, y| {
            x <= y || y.is_nan() && !x.is_nan()
        }))
    }

    /// The element-wise maximum, with broadcasting; NaN if either element is NaN.
    ///
    /// # Shapes
    /// As for `+` (numpy broadcasting).
    ///
    /// # Panics
    /// When a `Dyn` dimension does not broadcast against its partner.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U2, U2)>::from_vec(vec![1., 5., 3., 0.]).unwrap();
    /// let b = Tensor::<(U2,)>::from_vec(vec![2., 2.]).unwrap();
    /// assert_eq!(a.maximum(&b).to_vec(), vec![2., 5., 3., 2.]);
    /// ```
    pub fn maximum<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E>,
    ) -> Tensor<<S1 as BroadcastShapes<S2>>::Out, E>
    where
        S1: BroadcastShapes<S2>,
    {
        Tensor::from_raw(select_raw("maximum", &self.raw, &rhs.raw, |x, y| {
            x >= y || y.is_nan() && !x.is_nan()
        }))
    }
}
