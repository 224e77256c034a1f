//! Tensors whose shapes the compiler checks, and (soon) the tape that differentiates them.
//!
//! This crate is the engine under [`autodiff`](https://docs.rs/autodiff); most users import
//! `autodiff::prelude::*` instead.
//!
//! # A short tour
//!
//! ```
//! use autodiff_core::prelude::*;
//!
//! // Shapes are types: `(U2, U3)` is a 2x3 matrix.
//! let a = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
//! let w = Tensor::<(U3, U4)>::ones();
//! let y: Tensor<(U2, U4)> = a.matmul(&w);     // (2x3) @ (3x4) = 2x4
//! assert_eq!(y.to_vec()[..4], [6., 6., 6., 6.]);
//! ```
//!
//! A matmul whose inner dimensions differ does not compile, and the error says so in
//! decimal: `matmul: the inner dimensions differ (3 vs 4)`. See `docs/shapes.md` for every
//! rule and how to read its error.
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate self as autodiff_core;

mod element;
mod error;
pub mod graph;
pub mod ops;
pub mod shape;
mod tensor;
pub mod testing;

pub use element::{Element, Float};
pub use error::TensorError;
pub use graph::{no_grad, vjp, zero_grads, Differentiable, GradBuffer, Gradients, Graph, Retained};
pub use shape::*;
pub use tensor::{Rng, Tensor};
pub use typenum;

/// Everything a user of tensors needs: `use autodiff_core::prelude::*;`.
pub mod prelude {
    pub use crate::shape::aliases::*;
    pub use crate::{
        no_grad, vjp, zero_grads, ConstDim, ConstShape, Differentiable, Dim, Dims, Dyn, Element,
        Float, GradBuffer, Gradients, Graph, Retained, Rng, Shape, Tensor, TensorError, D,
    };
}
