//! Reverse-mode automatic differentiation in which the compiler checks tensor shapes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use autodiff_core::*;
pub use autodiff_macros::*;

/// Everything a user needs: `use autodiff::prelude::*;`.
pub mod prelude {
    pub use autodiff_core::prelude::*;
    pub use autodiff_macros::{differentiable, dim, Differentiable};
}

/// The guides in `docs/`, compiled and run as doctests so their examples stay true.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../docs/shapes.md")]
    struct Shapes;
    #[doc = include_str!("../docs/gradients.md")]
    struct Gradients;
    #[doc = include_str!("../docs/macros.md")]
    struct Macros;
}
