//! The ops, one module each: API and docs, shape rule, kernel, backward rule.
//!
//! Every op has a raw-level function (`*_raw`) that computes with a kernel and records a
//! node with its backward rule when an input is traced; the typed methods on
//! [`Tensor`](crate::Tensor) check shapes at compile time and call it. Backward rules are
//! written with the same raw functions, so they record too when a tape is current: that
//! is how gradients of gradients work.

pub mod argmax;
pub mod binary;
pub mod concat;
pub mod convert;
pub mod gather;
pub mod gather_rows;
pub mod matmul;
pub mod permute;
pub mod reduce;
pub mod reshape;
pub mod select;
pub mod slice;
pub mod softmax;
pub mod unary;
