//! Shapes: tuples of dimensions, checked at compile time.
//!
//! A shape is `()`, `(A,)`, `(A, B)`, `(A, B, C)` or `(A, B, C, D)` where each letter is a
//! [`Dim`]: a compile-time size such as [`U3`] (= [`D<3>`](D)), or [`Dyn`] for a
//! size known only at run time. Shape rules (broadcasting, matmul, reshape, ...) live in
//! [`rules`]; each ends in a marker trait whose error message names the op and the
//! disagreeing dimensions.

pub mod aliases;
mod dim;
mod dims;
pub mod rules;

pub use aliases::*;
pub use dim::{ConstDim, Dim, Dyn, IsStatic, ToDim, D, TABLE_BITS};
pub use dims::Dims;

use core::fmt;
use core::ops::Mul;
use typenum::{Prod, Unsigned, B1};

/// A tensor shape: a tuple of up to four [`Dim`]s.
pub trait Shape: Copy + fmt::Debug + Send + Sync + 'static {
    /// The number of dimensions.
    const RANK: usize;
    /// `B1` when every dimension is known at compile time.
    type Static: IsStatic;

    /// The sizes of the dimensions, outermost first.
    fn dims(&self) -> Dims;

    /// The shape with these sizes, or `None` when the rank differs or a compile-time
    /// dimension has another size.
    fn from_dims(dims: &[usize]) -> Option<Self>;

    /// Each dimension's compile-time size, `None` for a `Dyn` (outermost first; `None`
    /// past the rank too).
    const FIXED: [Option<usize>; 4];

    /// [`Shape::FIXED`].
    fn fixed() -> [Option<usize>; 4] {
        Self::FIXED
    }

    /// The number of elements.
    fn numel(&self) -> usize {
        self.dims().iter().product()
    }
}

/// A shape whose every dimension is known at compile time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a compile-time shape",
    note = "a shape with a `Dyn` dimension has its size only at run time; use the `_shaped` constructors, which take the shape as a value"
)]
pub trait ConstShape: Shape + Default {
    /// The number of elements as a typenum number (`U1` for a one-element tensor).
    type Numel: Unsigned;
    /// The number of elements as a constant.
    const NUMEL: usize;
}

impl Shape for () {
    const RANK: usize = 0;
    type Static = B1;
    fn dims(&self) -> Dims {
        Dims::new(&[])
    }
    const FIXED: [Option<usize>; 4] = [None; 4];
    fn from_dims(dims: &[usize]) -> Option<Self> {
        dims.is_empty().then_some(())
    }
}

impl ConstShape for () {
    type Numel = typenum::U1;
    const NUMEL: usize = 1;
}

macro_rules! tuple_shape {
    ($rank:literal; $($d:ident $i:tt $n:ident),+; $static:ty) => {
        impl<$($d: Dim),+> Shape for ($($d,)+) {
            const RANK: usize = $rank;
            type Static = $static;
            fn dims(&self) -> Dims {
                Dims::new(&[$(self.$i.size()),+])
            }
            const FIXED: [Option<usize>; 4] = {
                let dims = [$($d::FIXED),+];
                let mut f = [None; 4];
                let mut i = 0;
                while i < dims.len() {
                    f[i] = dims[i];
                    i += 1;
                }
                f
            };
            fn from_dims(dims: &[usize]) -> Option<Self> {
                match dims {
                    [$($n),+] => Some(($($d::from_size(*$n)?,)+)),
                    _ => None,
                }
            }
        }

    };
}

#[allow(non_snake_case)]
mod tuple_impls {
    use super::*;
    tuple_shape!(1; A 0 a; A::Static);
    tuple_shape!(2; A 0 a, B 1 b; <A::Static as IsStatic>::And<B::Static>);
    tuple_shape!(3; A 0 a, B 1 b, C 2 c;
        <<A::Static as IsStatic>::And<B::Static> as IsStatic>::And<C::Static>);
    tuple_shape!(4; A 0 a, B 1 b, C 2 c, D 3 d;
        <<<A::Static as IsStatic>::And<B::Static> as IsStatic>::And<C::Static> as IsStatic>::And<D::Static>);

    impl<A: ConstDim> ConstShape for (A,) {
        type Numel = A::Tn;
        const NUMEL: usize = A::SIZE;
    }

    impl<A: ConstDim, B: ConstDim> ConstShape for (A, B)
    where
        A::Tn: Mul<B::Tn, Output: Unsigned>,
    {
        type Numel = Prod<A::Tn, B::Tn>;
        const NUMEL: usize = A::SIZE * B::SIZE;
    }

    impl<A: ConstDim, B: ConstDim, C: ConstDim> ConstShape for (A, B, C)
    where
        A::Tn: Mul<B::Tn>,
        Prod<A::Tn, B::Tn>: Mul<C::Tn, Output: Unsigned>,
    {
        type Numel = Prod<Prod<A::Tn, B::Tn>, C::Tn>;
        const NUMEL: usize = A::SIZE * B::SIZE * C::SIZE;
    }

    impl<A: ConstDim, B: ConstDim, C: ConstDim, D: ConstDim> ConstShape for (A, B, C, D)
    where
        A::Tn: Mul<B::Tn>,
        Prod<A::Tn, B::Tn>: Mul<C::Tn>,
        Prod<Prod<A::Tn, B::Tn>, C::Tn>: Mul<D::Tn, Output: Unsigned>,
    {
        type Numel = Prod<Prod<Prod<A::Tn, B::Tn>, C::Tn>, D::Tn>;
        const NUMEL: usize = A::SIZE * B::SIZE * C::SIZE * D::SIZE;
    }
}
