//! The ops, one module each: API and docs, shape rule, kernel.
pub mod binary;
pub mod matmul;
