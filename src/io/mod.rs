//! Saving and loading parameters in the [safetensors] format, the format of Hugging Face's
//! model files: a JSON header naming each tensor's dtype, shape and byte range, then the
//! raw little-endian data.
//!
//! A tensor's name in the file is its path in the model, the one
//! [`named_params`](crate::DifferentiableExt::named_params) gives (`linear.weight`); the
//! dtype is `F32` or `F64` from the element type. Files written here load in Python with
//! `safetensors.numpy.load_file` (or `safetensors.torch.load_file`) under the same names.
//!
//! ```
//! use autodiff::prelude::*;
//!
//! #[derive(Differentiable)]
//! struct Linear {
//!     weight: Tensor<(U2, U3)>,
//!     bias: Tensor<(U2,)>,
//! }
//!
//! # fn main() -> Result<(), autodiff::io::IoError> {
//! let model = Linear { weight: Tensor::randn(&mut Rng::seed(0)), bias: Tensor::ones() };
//! let path = std::env::temp_dir().join("autodiff-io-module-doc.safetensors");
//! autodiff::io::save(&model, &path)?;
//!
//! // `load` takes a model of the same type as a template and returns a new one.
//! let fresh = Linear { weight: Tensor::zeros(), bias: Tensor::zeros() };
//! let loaded = autodiff::io::load(&fresh, &path)?;
//! assert_eq!(loaded.weight.to_vec(), model.weight.to_vec());
//! assert_eq!(loaded.bias.to_vec(), vec![1., 1.]);
//! # std::fs::remove_file(&path).ok();
//! # Ok(())
//! # }
//! ```
//!
//! # Names
//! Paths are unique in a struct, since they are made of field names. Tensors of a tuple
//! share their parent's path, and a bare tensor has the empty path; where a path is empty
//! or shared, each tensor gets its position among those with that path as a last part:
//! a model `(Tensor, Tensor)` is saved as `0` and `1`, a tuple of two `Linear`s as
//! `weight.0`, `bias.0`, `weight.1`, `bias.1`. [`tensor_names`] lists the names a model
//! gets.
//!
//! `#[no_grad]` fields are not parameters and are neither saved nor loaded: [`load`] takes
//! them from the template, and [`load_into`] leaves them as they are.
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

mod error;
mod format;

pub use error::{IoError, Mismatch};

use format::{decode, dtype_of, encode, unique_names, Entry};

use crate::graph::{MapTensors, VisitMut};
use crate::{Differentiable, DifferentiableExt, Dims, Float, Shape, Tensor};
use safetensors::{SafeTensorError, SafeTensors};
use std::collections::HashSet;
use std::path::Path;

/// Writes every tensor of `model` to a safetensors file at `path`, replacing it.
///
/// The file is written beside `path` and then renamed over it, so a reader never sees a
/// half-written file.
///
/// # Errors
/// [`IoError::File`] when the file cannot be written; [`IoError::UnsupportedElement`]
/// for elements other than `f32` and `f64`.
///
/// ```
/// use autodiff::prelude::*;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let params = (Tensor::<(U3,)>::ones(), Tensor::<(U2, U2), f32>::zeros());
/// let path = std::env::temp_dir().join("autodiff-io-save-doc.safetensors");
/// autodiff::io::save(&params, &path)?;
/// assert!(std::fs::metadata(&path)?.len() > 28);   // 12 + 16 bytes of data, plus a header
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub fn save<M: Differentiable>(model: &M, path: impl AsRef<Path>) -> Result<(), IoError> {
    let path = path.as_ref();
    let bytes = to_bytes(model)?;
    let file_error = |source| IoError::File {
        path: path.to_owned(),
        source,
    };
    let name = path.file_name().ok_or_else(|| {
        file_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ))
    })?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let written = std::fs::write(&temp, &bytes).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        std::fs::remove_file(&temp).ok();
    }
    written.map_err(file_error)
}

/// The bytes of the safetensors file that [`save`] would write.
///
/// # Errors
/// [`IoError::UnsupportedElement`] for elements other than `f32` and `f64`.
///
/// ```
/// use autodiff::prelude::*;
/// let bytes = autodiff::io::to_bytes(&Tensor::<(U2,)>::ones()).unwrap();
/// let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
/// let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
/// assert!(header.starts_with(r#"{"0":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#));
/// ```
pub fn to_bytes<M: Differentiable>(model: &M) -> Result<Vec<u8>, IoError> {
    safetensors::serialize(entries(model)?, None).map_err(format_error)
}

/// Reads the safetensors file at `path` into a new model shaped like `model_like`.
///
/// Every tensor of the model must be in the file under its name (see the
/// [module docs](self)), with the model's shape and dtype, and the file may hold no other
/// tensor. `model_like` serves as a template: its tensors give the names, shapes and
/// dtypes expected, and its `#[no_grad]` fields are copied into the result.
///
/// # Errors
/// [`IoError::File`] when the file cannot be read; [`IoError::Format`] when it is not a
/// safetensors file; [`IoError::Mismatch`] listing every missing or unexpected tensor and
/// every shape or dtype that differs.
///
/// ```
/// use autodiff::io::{load, save, IoError, Mismatch};
/// use autodiff::prelude::*;
/// # fn main() -> Result<(), IoError> {
/// let path = std::env::temp_dir().join("autodiff-io-load-doc.safetensors");
/// save(&Tensor::<(U3,)>::arange(), &path)?;
/// assert_eq!(load(&Tensor::<(U3,)>::zeros(), &path)?.to_vec(), vec![0., 1., 2.]);
///
/// // A model of another shape or element type does not fit the file.
/// let Err(IoError::Mismatch { mismatches }) = load(&Tensor::<(U4,), f64>::zeros(), &path) else {
///     panic!("expected a mismatch");
/// };
/// assert_eq!(mismatches.len(), 2);
/// assert!(matches!(&mismatches[0], Mismatch::Dtype { model, file, .. } if model == "F64" && file == "F32"));
/// assert!(matches!(&mismatches[1], Mismatch::Shape { model, file, .. } if model == &[4] && file == &[3]));
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub fn load<M: Differentiable>(model_like: &M, path: impl AsRef<Path>) -> Result<M, IoError> {
    from_bytes(model_like, &read_file(path.as_ref())?)
}

fn read_file(path: &Path) -> Result<Vec<u8>, IoError> {
    std::fs::read(path).map_err(|source| IoError::File {
        path: path.to_owned(),
        source,
    })
}

/// Reads the safetensors file at `path` into `model`, in place: [`load`] for a model
/// that is already there (after training, say, to go back to a checkpoint).
///
/// Nothing is written unless the whole file fits: on an error `model` is unchanged.
///
/// # Errors
/// As [`load`].
///
/// ```
/// use autodiff::prelude::*;
/// # fn main() -> Result<(), autodiff::io::IoError> {
/// let path = std::env::temp_dir().join("autodiff-io-load-into-doc.safetensors");
/// let saved = (Tensor::<(U2,)>::full(4.0), Tensor::<()>::full(-1.0));
/// autodiff::io::save(&saved, &path)?;
///
/// let mut model = (Tensor::<(U2,)>::zeros(), Tensor::<()>::zeros());
/// autodiff::io::load_into(&mut model, &path)?;
/// assert_eq!((model.0.to_vec(), model.1.item()), (vec![4., 4.], -1.));
///
/// let mut other = (Tensor::<(U3,)>::zeros(), Tensor::<()>::zeros());
/// assert!(autodiff::io::load_into(&mut other, &path).is_err());
/// assert_eq!(other.1.item(), 0.0);   // untouched, though `1` fits
/// # std::fs::remove_file(&path).ok();
/// # Ok(())
/// # }
/// ```
pub fn load_into<M: Differentiable>(model: &mut M, path: impl AsRef<Path>) -> Result<(), IoError> {
    let bytes = read_file(path.as_ref())?;
    let values = read_checked::<M>(model, &bytes)?;
    model.visit_mut(&mut Write(values.into_iter()));
    Ok(())
}

/// [`load`] from the bytes of a safetensors file.
///
/// # Errors
/// As [`load`], without [`IoError::File`].
///
/// ```
/// use autodiff::prelude::*;
/// let bytes = autodiff::io::to_bytes(&Tensor::<(U2,), f64>::full(0.5)).unwrap();
/// let t = autodiff::io::from_bytes(&Tensor::<(U2,), f64>::zeros(), &bytes).unwrap();
/// assert_eq!(t.to_vec(), vec![0.5, 0.5]);
/// ```
pub fn from_bytes<M: Differentiable>(model_like: &M, bytes: &[u8]) -> Result<M, IoError> {
    let values = read_checked::<M>(model_like, bytes)?;
    Ok(model_like.map_tensors(&mut Fill(values.into_iter())))
}

/// The names [`save`] gives the tensors of `model`, in visiting order.
///
/// ```
/// use autodiff::prelude::*;
///
/// #[derive(Differentiable)]
/// struct Linear { weight: Tensor<(U2, U2)>, bias: Tensor<(U2,)> }
///
/// let layer = || Linear { weight: Tensor::zeros(), bias: Tensor::zeros() };
/// assert_eq!(autodiff::io::tensor_names(&layer()), ["weight", "bias"]);
/// assert_eq!(
///     autodiff::io::tensor_names(&(layer(), layer())),
///     ["weight.0", "bias.0", "weight.1", "bias.1"],
/// );
/// ```
pub fn tensor_names<M: Differentiable>(model: &M) -> Vec<String> {
    let mut paths = Vec::new();
    model.for_each_param(|path, _, _| paths.push(path.to_owned()));
    unique_names(paths)
}

fn entries<M: Differentiable>(model: &M) -> Result<Vec<(String, Entry)>, IoError> {
    let dtype = dtype_of::<M::Elem>()?;
    let mut out = Vec::new();
    model.for_each_param(|path, values, dims| {
        let entry = Entry {
            dtype,
            shape: dims.to_vec(),
            data: encode(values),
        };
        out.push((path.to_owned(), entry));
    });
    let names = unique_names(out.iter().map(|(path, _)| path.clone()).collect());
    Ok(names
        .into_iter()
        .zip(out)
        .map(|(name, (_, entry))| (name, entry))
        .collect())
}

/// Tensors read from a file, in visiting order: sizes and elements.
type Decoded<E> = Vec<(Dims, Vec<E>)>;

/// Checks the file against the model and decodes its tensors in visiting order.
fn read_checked<M: Differentiable>(
    model_like: &M,
    bytes: &[u8],
) -> Result<Decoded<M::Elem>, IoError> {
    let dtype = dtype_of::<M::Elem>()?;
    let file = SafeTensors::deserialize(bytes).map_err(format_error)?;
    let mut wanted = Vec::new();
    model_like.for_each_param(|path, _, dims| wanted.push((path.to_owned(), dims)));
    let names = unique_names(wanted.iter().map(|(path, _)| path.clone()).collect());

    let mut mismatches = Vec::new();
    let mut values = Vec::with_capacity(names.len());
    for (name, (_, dims)) in names.iter().zip(&wanted) {
        let Ok(view) = file.tensor(name) else {
            mismatches.push(Mismatch::Missing {
                name: name.clone(),
                dtype: dtype.to_string(),
                shape: dims.to_vec(),
            });
            continue;
        };
        let dtype_fits = view.dtype() == dtype;
        if !dtype_fits {
            mismatches.push(Mismatch::Dtype {
                name: name.clone(),
                model: dtype.to_string(),
                file: view.dtype().to_string(),
            });
        }
        let shape_fits = view.shape() == &dims[..];
        if !shape_fits {
            mismatches.push(Mismatch::Shape {
                name: name.clone(),
                model: dims.to_vec(),
                file: view.shape().to_vec(),
            });
        }
        if dtype_fits && shape_fits {
            values.push((*dims, decode(view.data())));
        }
    }

    let known: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut extra: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|name| !known.contains(name))
        .collect();
    extra.sort_unstable();
    for name in extra {
        let view = file.tensor(name).map_err(format_error)?;
        mismatches.push(Mismatch::Unexpected {
            name: name.to_owned(),
            dtype: view.dtype().to_string(),
            shape: view.shape().to_vec(),
        });
    }

    if mismatches.is_empty() {
        Ok(values)
    } else {
        Err(IoError::Mismatch { mismatches })
    }
}

/// Hands out the decoded tensors in visiting order (the order of `map_tensors`).
struct Fill<E>(std::vec::IntoIter<(Dims, Vec<E>)>);

impl<E: Float> MapTensors<E> for Fill<E> {
    fn tensor<S: Shape>(&mut self, _: &Tensor<S, E>) -> Tensor<S, E> {
        let (dims, data) = self
            .0
            .next()
            .expect("`map_tensors` maps the tensors that `visit` visits");
        Tensor::from_dims_vec(&dims, data).expect("sizes were checked against the model")
    }
}

/// Writes the decoded tensors over the model's, in visiting order.
struct Write<E>(std::vec::IntoIter<(Dims, Vec<E>)>);

impl<E: Float> VisitMut<E> for Write<E> {
    fn tensor<S: Shape>(&mut self, t: &mut Tensor<S, E>) {
        let (_, data) = self
            .0
            .next()
            .expect("`visit_mut` visits the tensors that `visit` visits");
        t.as_mut_slice().copy_from_slice(&data);
    }
}

fn format_error(e: SafeTensorError) -> IoError {
    IoError::Format {
        message: e.to_string(),
    }
}
