//! Dimensions: nominal compile-time sizes (`D<N>`), plain typenum numbers for very large
//! sizes, and the run-time size `Dyn`.

use core::fmt;
use typenum::{Bit, UInt, UTerm, Unsigned, B0, B1};

/// Sizes below `2^TABLE_BITS` have a nominal type `D<N>` with a generated typenum mapping;
/// from `2^TABLE_BITS` up a size is its typenum number itself (write it with `dim!`).
/// Must match `TABLE_BITS` in `build.rs`.
pub const TABLE_BITS: u32 = 12;

/// One dimension of a shape: a size known at compile time or at run time.
///
/// Implemented by [`D<N>`](D) (compile time, prints as `D<5>` in errors), by typenum
/// numbers of 2^12 and more (compile time, for very large sizes) and by [`Dyn`] (run time).
pub trait Dim: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// `B1` when the size is known at compile time, `B0` for [`Dyn`].
    type Static: IsStatic;
    /// The size when it is known at compile time; `None` for [`Dyn`].
    const FIXED: Option<usize>;

    /// The size of this dimension.
    fn size(self) -> usize;

    /// The dimension of size `n`, or `None` when this type cannot hold that size
    /// (a compile-time dimension of another size).
    fn from_size(n: usize) -> Option<Self>;
}

/// A type-level flag, `B1` (known at compile time) or `B0` (known at run time), that
/// combines with `And` for every pair of flags, so generic shapes need no extra bounds.
pub trait IsStatic: Bit {
    /// `B1` when both flags are.
    type And<O: IsStatic>: IsStatic;
}

impl IsStatic for B1 {
    type And<O: IsStatic> = O;
}

impl IsStatic for B0 {
    type And<O: IsStatic> = B0;
}

/// A dimension whose size is known at compile time, with its typenum number for shape rules.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no compile-time size that shape rules can compute with",
    note = "sizes from 4096 up are written `dim!(N)`; sizes known only at run time use `Dyn`"
)]
pub trait ConstDim: Dim + Default {
    /// The size, as a constant.
    const SIZE: usize;
    /// The size as a typenum number, for shape arithmetic.
    type Tn: Unsigned;
}

/// Maps a typenum number back to its canonical dimension type (`U5` to `D<5>`).
#[diagnostic::on_unimplemented(message = "`{Self}` is not a typenum number")]
pub trait ToDim {
    /// The canonical dimension with this size.
    type Dim: ConstDim;
}

/// A dimension of size `N`, known at compile time.
///
/// Errors print it as `D<5>`. The usual spellings are the aliases [`U5`](crate::U5) and,
/// for any size, `dim!(N)`.
///
/// ```
/// use autodiff_core::{Dim, D};
/// assert_eq!(D::<5>.size(), 5);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct D<const N: usize>;

impl<const N: usize> fmt::Debug for D<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{N}")
    }
}

impl<const N: usize> Dim for D<N> {
    type Static = B1;
    const FIXED: Option<usize> = Some(N);
    fn size(self) -> usize {
        N
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == N).then_some(D)
    }
}

/// A dimension whose size is known only at run time (batch size, sequence length).
///
/// Shape rules that involve a `Dyn` are checked when the op runs; a mismatch panics with
/// a message naming the op and both shapes.
///
/// ```
/// use autodiff_core::{Dim, Dyn};
/// assert_eq!(Dyn(7).size(), 7);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dyn(pub usize);

impl fmt::Debug for Dyn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dyn({})", self.0)
    }
}

impl Dim for Dyn {
    type Static = B0;
    const FIXED: Option<usize> = None;
    fn size(self) -> usize {
        self.0
    }
    fn from_size(n: usize) -> Option<Self> {
        Some(Dyn(n))
    }
}

include!(concat!(env!("OUT_DIR"), "/dim_table.rs"));

/// A typenum number with at least 13 binary digits (2^12 and up); `X0` is the lowest bit.
/// Numbers of this form are structurally disjoint from the table's, so they are dims
/// themselves without overlapping impls.
#[rustfmt::skip]
type Big<U, X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12> =
    UInt<UInt<UInt<UInt<UInt<UInt<UInt<UInt<UInt<UInt<UInt<UInt<UInt<U, X12>, X11>, X10>, X9>, X8>, X7>, X6>, X5>, X4>, X3>, X2>, X1>, X0>;

/// `impl $trait for Big<U, X0, .., X12> where Self: $bounds { .. }`: the fourteen type
/// parameters of the three impls below, written once.
macro_rules! impl_for_big {
    (impl $trait_:ident where Self: [$($bound:tt)+] { $($body:tt)* }) => {
        impl<U, X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12> $trait_
            for Big<U, X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12>
        where
            U: Unsigned,
            X0: Bit, X1: Bit, X2: Bit, X3: Bit, X4: Bit, X5: Bit, X6: Bit,
            X7: Bit, X8: Bit, X9: Bit, X10: Bit, X11: Bit, X12: Bit,
            Self: $($bound)+,
        {
            $($body)*
        }
    };
}

impl_for_big! {
    impl Dim where Self: [Unsigned + Default + Copy + Eq + fmt::Debug + Send + Sync + 'static] {
        type Static = B1;
        const FIXED: Option<usize> = Some(<Self as Unsigned>::USIZE);
        fn size(self) -> usize {
            <Self as Unsigned>::USIZE
        }
        fn from_size(n: usize) -> Option<Self> {
            (n == <Self as Unsigned>::USIZE).then(Self::default)
        }
    }
}

impl_for_big! {
    impl ConstDim where Self: [Dim + Unsigned + Default] {
        const SIZE: usize = <Self as Unsigned>::USIZE;
        type Tn = Self;
    }
}

impl_for_big! {
    impl ToDim where Self: [ConstDim] {
        type Dim = Self;
    }
}
