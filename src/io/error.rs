//! What can go wrong when saving or loading parameters.

use std::fmt;
use std::path::PathBuf;

/// Why [`save`](super::save) or [`load`](super::load) failed.
///
/// A file whose tensors do not fit the model gives [`IoError::Mismatch`] with every
/// difference, so one attempt shows everything to fix.
///
/// ```
/// use autodiff::io::{from_bytes, IoError};
/// use autodiff::prelude::*;
///
/// let err = from_bytes(&Tensor::<(U2,)>::zeros(), b"not a safetensors file").unwrap_err();
/// assert!(matches!(err, IoError::Format { .. }));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum IoError {
    /// Reading or writing the file failed.
    File {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The bytes are not a safetensors file (or the model could not be written as one).
    Format {
        /// What the `safetensors` crate said.
        message: String,
    },
    /// The file is a safetensors file whose tensors do not fit the model.
    Mismatch {
        /// Every difference: the model's tensors in visiting order, then the file's extra
        /// tensors by name.
        mismatches: Vec<Mismatch>,
    },
    /// The model's element type has no safetensors dtype (only `f32` and `f64` do).
    UnsupportedElement {
        /// The element type's name.
        element: &'static str,
    },
}

/// One difference between a parameter file and a model.
///
/// ```
/// use autodiff::io::Mismatch;
/// let m = Mismatch::Shape { name: "weight".into(), model: vec![3, 2], file: vec![2, 3] };
/// assert_eq!(m.to_string(), "`weight`: shape [3, 2] in the model, [2, 3] in the file");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The model has a tensor of this name; the file does not.
    Missing {
        /// The tensor's name (its path in the model).
        name: String,
        /// Its dtype in the model (`F32`, `F64`).
        dtype: String,
        /// Its shape in the model.
        shape: Vec<usize>,
    },
    /// The file has a tensor of this name; the model does not.
    Unexpected {
        /// The tensor's name in the file.
        name: String,
        /// Its dtype in the file.
        dtype: String,
        /// Its shape in the file.
        shape: Vec<usize>,
    },
    /// Both have the tensor, with different shapes.
    Shape {
        /// The tensor's name.
        name: String,
        /// The shape in the model.
        model: Vec<usize>,
        /// The shape in the file.
        file: Vec<usize>,
    },
    /// Both have the tensor, with different dtypes.
    Dtype {
        /// The tensor's name.
        name: String,
        /// The dtype in the model.
        model: String,
        /// The dtype in the file.
        file: String,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Missing { name, dtype, shape } => {
                write!(
                    f,
                    "`{name}` ({dtype} {shape:?}) is in the model but not in the file"
                )
            }
            Mismatch::Unexpected { name, dtype, shape } => {
                write!(
                    f,
                    "`{name}` ({dtype} {shape:?}) is in the file but not in the model"
                )
            }
            Mismatch::Shape { name, model, file } => {
                write!(
                    f,
                    "`{name}`: shape {model:?} in the model, {file:?} in the file"
                )
            }
            Mismatch::Dtype { name, model, file } => {
                write!(
                    f,
                    "`{name}`: dtype {model} in the model, {file} in the file"
                )
            }
        }
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoError::File { path, source } => write!(f, "{}: {source}", path.display()),
            IoError::Format { message } => write!(f, "not a valid safetensors file: {message}"),
            IoError::Mismatch { mismatches } => {
                let n = mismatches.len();
                let s = if n == 1 { "" } else { "s" };
                write!(f, "the file does not fit the model ({n} difference{s}):")?;
                for m in mismatches {
                    write!(f, "\n  - {m}")?;
                }
                Ok(())
            }
            IoError::UnsupportedElement { element } => write!(
                f,
                "elements of type {element} cannot be saved: safetensors files here hold f32 or f64"
            ),
        }
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IoError::File { source, .. } => Some(source),
            _ => None,
        }
    }
}
