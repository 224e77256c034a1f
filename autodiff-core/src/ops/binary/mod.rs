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
//! each summed over the broadcast dimensions back to its operand's shape.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::shape::rules::BroadcastShapes;
use crate::{Float, Shape, Tensor};
use core::ops::{Add, Div, Mul, Sub};

macro_rules! binary_op {
    ($trait:ident, $method:ident, $name:literal, $f:ident) => {
        impl<S1: Shape, S2: Shape, E: Float> $trait<&Tensor<S2, E>> for &Tensor<S1, E>
        where
            S1: BroadcastShapes<S2>,
        {
            type Output = Tensor<<S1 as BroadcastShapes<S2>>::Out, E>;
            fn $method(self, rhs: &Tensor<S2, E>) -> Self::Output {
                Tensor::from_raw(kernel::zip_broadcast($name, &self.raw, &rhs.raw, $f::<E>))
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
            fn $method(self, rhs: &Tensor<S2, E>) -> Self::Output {
                (&self).$method(rhs)
            }
        }

        impl<S1: Shape, S2: Shape, E: Float> $trait<Tensor<S2, E>> for Tensor<S1, E>
        where
            S1: BroadcastShapes<S2>,
        {
            type Output = Tensor<<S1 as BroadcastShapes<S2>>::Out, E>;
            fn $method(self, rhs: Tensor<S2, E>) -> Self::Output {
                (&self).$method(&rhs)
            }
        }

        impl<S: Shape, E: Float> $trait<E> for &Tensor<S, E> {
            type Output = Tensor<S, E>;
            fn $method(self, rhs: E) -> Tensor<S, E> {
                Tensor::from_raw(self.raw.map(|x| $f(x, rhs)))
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
                Tensor::from_raw(rhs.raw.map(|x| $f(self, x)))
            }
        }

        impl<S: Shape> $trait<&Tensor<S, f32>> for f32 {
            type Output = Tensor<S, f32>;
            fn $method(self, rhs: &Tensor<S, f32>) -> Tensor<S, f32> {
                Tensor::from_raw(rhs.raw.map(|x| $f(self, x)))
            }
        }

        impl<S: Shape> $trait<Tensor<S, f64>> for f64 {
            type Output = Tensor<S, f64>;
            fn $method(self, rhs: Tensor<S, f64>) -> Tensor<S, f64> {
                Tensor::from_raw(rhs.raw.map(|x| $f(self, x)))
            }
        }

        impl<S: Shape> $trait<&Tensor<S, f64>> for f64 {
            type Output = Tensor<S, f64>;
            fn $method(self, rhs: &Tensor<S, f64>) -> Tensor<S, f64> {
                Tensor::from_raw(rhs.raw.map(|x| $f(self, x)))
            }
        }
    };
}

fn add<E: Float>(a: E, b: E) -> E {
    a + b
}
fn sub<E: Float>(a: E, b: E) -> E {
    a - b
}
fn mul<E: Float>(a: E, b: E) -> E {
    a * b
}
fn div<E: Float>(a: E, b: E) -> E {
    a / b
}

binary_op!(Add, add, "add", add);
binary_op!(Sub, sub, "sub", sub);
binary_op!(Mul, mul, "mul", mul);
binary_op!(Div, div, "div", div);

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
        Tensor::from_raw(kernel::zip_broadcast(
            "minimum",
            &self.raw,
            &rhs.raw,
            E::min_nan,
        ))
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
        Tensor::from_raw(kernel::zip_broadcast(
            "maximum",
            &self.raw,
            &rhs.raw,
            E::max_nan,
        ))
    }
}
