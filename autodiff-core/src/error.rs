//! Errors for data that comes from outside: vectors, indices, labels, files.

use crate::Dims;
use core::fmt;

/// What went wrong when building or reading a tensor from run-time data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TensorError {
    /// A vector's length does not match the shape's element count.
    LengthMismatch {
        /// The element count of the shape.
        expected: usize,
        /// The length of the data given.
        actual: usize,
        /// The shape asked for.
        dims: Dims,
    },
    /// Run-time sizes that the shape type cannot hold (wrong rank, or a compile-time
    /// dimension of another size).
    ShapeMismatch {
        /// The shape type, as written.
        expected: String,
        /// The sizes given.
        actual: Vec<usize>,
    },
    /// An index outside the tensor.
    IndexOutOfRange {
        /// The index given.
        index: Vec<usize>,
        /// The tensor's sizes.
        dims: Dims,
    },
    /// A class index (label) not below the number of classes.
    ClassOutOfRange {
        /// Which label.
        position: usize,
        /// Its value.
        class: usize,
        /// The number of classes.
        classes: usize,
    },
}

impl fmt::Display for TensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorError::LengthMismatch {
                expected,
                actual,
                dims,
            } => write!(
                f,
                "data has {actual} elements but shape {dims:?} needs {expected}"
            ),
            TensorError::ShapeMismatch { expected, actual } => {
                write!(f, "sizes {actual:?} do not fit the shape type {expected}")
            }
            TensorError::IndexOutOfRange { index, dims } => {
                write!(f, "index {index:?} is out of range for shape {dims:?}")
            }
            TensorError::ClassOutOfRange {
                position,
                class,
                classes,
            } => write!(
                f,
                "label {class} at position {position} is out of range for {classes} classes"
            ),
        }
    }
}

impl std::error::Error for TensorError {}
