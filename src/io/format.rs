//! The bytes of a safetensors file: dtypes, little-endian elements, unique names.

use super::IoError;
use crate::Float;
use safetensors::{Dtype, View};
use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;

/// One tensor to write: what `safetensors::serialize` takes.
pub(super) struct Entry {
    pub(super) dtype: Dtype,
    pub(super) shape: Vec<usize>,
    pub(super) data: Vec<u8>,
}

impl View for Entry {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Paths made unique: an empty or shared path gets the tensor's position among those
/// with that path as a last part (field names never start with a digit, so no clash).
pub(super) fn unique_names(paths: Vec<String>) -> Vec<String> {
    let mut count: HashMap<String, usize> = HashMap::new();
    for path in &paths {
        *count.entry(path.clone()).or_default() += 1;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    paths
        .into_iter()
        .map(|path| {
            if count[&path] == 1 && !path.is_empty() {
                return path;
            }
            let k = seen.entry(path.clone()).or_default();
            let name = if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            };
            *k += 1;
            name
        })
        .collect()
}

pub(super) fn dtype_of<E: Float>() -> Result<Dtype, IoError> {
    let zero: &dyn Any = &E::ZERO;
    if zero.is::<f32>() {
        Ok(Dtype::F32)
    } else if zero.is::<f64>() {
        Ok(Dtype::F64)
    } else {
        Err(IoError::UnsupportedElement { element: E::NAME })
    }
}

/// Little-endian bytes, bit for bit (`E` is `f32` or `f64`, see `dtype_of`).
pub(super) fn encode<E: Float>(values: &[E]) -> Vec<u8> {
    let mut out = Vec::with_capacity(std::mem::size_of_val(values));
    for v in values {
        let v: &dyn Any = v;
        if let Some(x) = v.downcast_ref::<f32>() {
            out.extend_from_slice(&x.to_le_bytes());
        } else if let Some(x) = v.downcast_ref::<f64>() {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

/// The inverse of `encode`; the length was checked by `safetensors` against the shape.
pub(super) fn decode<E: Float>(bytes: &[u8]) -> Vec<E> {
    let any: Box<dyn Any> = if (&E::ZERO as &dyn Any).is::<f32>() {
        let v: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        Box::new(v)
    } else {
        let v: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        Box::new(v)
    };
    *any.downcast::<Vec<E>>()
        .expect("`dtype_of` accepted only f32 and f64")
}

#[cfg(test)]
mod tests {
    use super::unique_names;

    #[test]
    fn unique_names_keep_unique_paths_and_number_the_rest() {
        let paths = ["a.w", "", "b", "", "b", "c"].map(String::from).to_vec();
        assert_eq!(unique_names(paths), ["a.w", "0", "b.0", "1", "b.1", "c"]);
    }
}
