//! numpy-style printing: nested brackets, one row per line, columns aligned, long
//! dimensions elided with `...`.

use super::Tensor;
use crate::{Element, Shape};
use core::fmt;

/// Above this many elements, print only the first and last `EDGE` entries of each dimension.
const THRESHOLD: usize = 1000;
const EDGE: usize = 3;

fn format_nested<E: Element>(
    f: &mut fmt::Formatter<'_>,
    data: &[E],
    dims: &[usize],
    cells: &[String],
    width: usize,
    indent: usize,
    elide: bool,
) -> fmt::Result {
    let Some((&n, inner)) = dims.split_first() else {
        return write!(f, "{:>width$}", cells[0]);
    };
    let stride: usize = inner.iter().product();
    f.write_str("[")?;
    let shown: Vec<Option<usize>> = if elide && n > 2 * EDGE {
        (0..EDGE)
            .map(Some)
            .chain([None])
            .chain((n - EDGE..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    };
    for (k, entry) in shown.iter().enumerate() {
        if k > 0 {
            if inner.is_empty() {
                f.write_str(", ")?;
            } else {
                f.write_str(",")?;
                for _ in 0..inner.len() {
                    f.write_str("\n")?;
                }
                write!(f, "{:indent$}", "", indent = indent + 1)?;
            }
        }
        match entry {
            Some(i) => {
                let range = i * stride..(i + 1) * stride;
                let (d, c) = (&data[range.clone()], &cells[range]);
                format_nested(f, d, inner, c, width, indent + 1, elide)?;
            }
            None => f.write_str("...")?,
        }
    }
    f.write_str("]")
}

fn format_tensor<E: Element>(
    f: &mut fmt::Formatter<'_>,
    data: &[E],
    dims: &[usize],
    indent: usize,
) -> fmt::Result {
    let cells: Vec<String> = match f.precision() {
        Some(p) => data.iter().map(|x| format!("{x:.p$}")).collect(),
        None => data.iter().map(|x| format!("{x}")).collect(),
    };
    let width = cells.iter().map(String::len).max().unwrap_or(0);
    format_nested(f, data, dims, &cells, width, indent, data.len() > THRESHOLD)
}

/// Prints the values like numpy's `print`: `[[1, 2],\n [3, 4]]`. A precision applies to
/// every element (`{:.2}`).
///
/// ```
/// use autodiff_core::prelude::*;
/// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 2.5, 3., 4.]).unwrap();
/// assert_eq!(format!("{t}"), "[[  1, 2.5],\n [  3,   4]]");
/// assert_eq!(format!("{t:.1}"), "[[1.0, 2.5],\n [3.0, 4.0]]");
/// let long = Tensor::<(U2048,)>::zeros();
/// assert_eq!(format!("{long}"), "[0, 0, 0, ..., 0, 0, 0]");
/// ```
impl<S: Shape, E: Element> fmt::Display for Tensor<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_tensor(f, self.as_slice(), &self.dims(), 0)
    }
}

/// Prints like numpy's `repr`: `tensor([...], shape=[2, 2], dtype=f32)`.
///
/// ```
/// use autodiff_core::prelude::*;
/// let t = Tensor::<(U2,)>::from_vec(vec![1., 2.]).unwrap();
/// assert_eq!(format!("{t:?}"), "tensor([1, 2], shape=[2], dtype=f32)");
/// ```
impl<S: Shape, E: Element> fmt::Debug for Tensor<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tensor(")?;
        format_tensor(f, self.as_slice(), &self.dims(), "tensor(".len())?;
        write!(
            f,
            ", shape={:?}, dtype={})",
            self.dims(),
            core::any::type_name::<E>()
        )
    }
}
