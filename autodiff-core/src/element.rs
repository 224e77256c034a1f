//! Element types: what a tensor may hold ([`Element`]) and what arithmetic needs ([`Float`]).

use core::fmt;
use core::ops::{Add, Div, Mul, Neg, Sub};

/// A value a tensor can hold: `f32`, `f64`, and (for indices and masks) `usize`, `bool`.
pub trait Element:
    Copy + PartialEq + Default + fmt::Debug + fmt::Display + Send + Sync + 'static
{
}

impl Element for f32 {}
impl Element for f64 {}
impl Element for usize {}
impl Element for bool {}

/// A floating-point element (`f32` or `f64`): the element type of every arithmetic op.
pub trait Float:
    Element
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + core::iter::Sum
    + crate::ops::matmul::gemm::Gemm
    + crate::ops::unary::fastmath::FastMath
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// The name of the type, for messages and file formats.
    const NAME: &'static str;

    /// Conversion from `f64` (rounding for `f32`).
    fn from_f64(x: f64) -> Self;
    /// Conversion to `f64`.
    fn to_f64(self) -> f64;
    /// Conversion from `usize`.
    fn from_usize(n: usize) -> Self {
        Self::from_f64(n as f64)
    }

    /// e^x.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// x^n for an integer n.
    fn powi(self, n: i32) -> Self;
    /// x^p for a real p.
    fn powf(self, p: Self) -> Self;
    /// |x|.
    fn abs(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn ln_1p(self) -> Self;
    /// The larger of two values; NaN if either is NaN.
    fn max_nan(self, other: Self) -> Self {
        if self.is_nan() || other.is_nan() {
            self + other
        } else if other > self {
            other
        } else {
            self
        }
    }
    /// The smaller of two values; NaN if either is NaN.
    fn min_nan(self, other: Self) -> Self {
        if self.is_nan() || other.is_nan() {
            self + other
        } else if other < self {
            other
        } else {
            self
        }
    }
    /// True for NaN.
    fn is_nan(self) -> bool;
    /// Negative infinity.
    fn neg_infinity() -> Self;

    /// The thread's current tape for this element type.
    #[doc(hidden)]
    fn tape_slot() -> &'static std::thread::LocalKey<crate::graph::TapeSlot<Self>>;

    /// The id of the thread's current tape for this element type, apart from the tape
    /// itself: a thread-local without a destructor, read without a check of its state
    /// (every op and every `#[differentiable]` call reads it).
    #[doc(hidden)]
    fn tape_id() -> &'static std::thread::LocalKey<core::cell::Cell<Option<core::num::NonZeroU64>>>;
}

macro_rules! float_impl {
    ($t:ident) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAME: &'static str = stringify!($t);
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn exp(self) -> Self {
                $t::exp(self)
            }
            fn ln(self) -> Self {
                $t::ln(self)
            }
            fn sqrt(self) -> Self {
                $t::sqrt(self)
            }
            fn powi(self, n: i32) -> Self {
                $t::powi(self, n)
            }
            fn powf(self, p: Self) -> Self {
                $t::powf(self, p)
            }
            fn abs(self) -> Self {
                $t::abs(self)
            }
            fn tanh(self) -> Self {
                $t::tanh(self)
            }
            fn sin(self) -> Self {
                $t::sin(self)
            }
            fn cos(self) -> Self {
                $t::cos(self)
            }
            fn ln_1p(self) -> Self {
                $t::ln_1p(self)
            }
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            fn neg_infinity() -> Self {
                $t::NEG_INFINITY
            }
            fn tape_slot() -> &'static std::thread::LocalKey<crate::graph::TapeSlot<Self>> {
                thread_local! {
                    static SLOT: crate::graph::TapeSlot<$t> = const { crate::graph::TapeSlot::new() };
                }
                &SLOT
            }
            fn tape_id(
            ) -> &'static std::thread::LocalKey<core::cell::Cell<Option<core::num::NonZeroU64>>>
            {
                thread_local! {
                    static ID: core::cell::Cell<Option<core::num::NonZeroU64>> =
                        const { core::cell::Cell::new(None) };
                }
                &ID
            }
        }
    };
}

float_impl!(f32);
float_impl!(f64);
