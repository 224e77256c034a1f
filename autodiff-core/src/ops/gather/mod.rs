//! `gather_classes` and `one_hot`: one class per row of a `(B, C)` matrix, chosen by a
//! vector of labels (the indexing under cross-entropy).
//!
//! # Shapes
//! `(B, C)` with labels `(B,)` gives `(B,)`. A label must be below `C`: labels are data,
//! so a bad one is a [`TensorError::ClassOutOfRange`], not a panic.
//!
//! # Gradient
//! `gather` sends `g[i]` to `x[i, labels[i]]` and 0 elsewhere: a `scatter` into zeros,
//! whose own gradient is the gather again.

pub(crate) mod kernel;
#[cfg(test)]
mod tests;

use crate::graph::tape::record;
use crate::tensor::raw::RawTensor;
use crate::{ConstDim, Dim, Dims, Float, Tensor, TensorError};

/// `x[i, labels[i]]` for each row `i` of a matrix, recorded (labels checked by the
/// caller). Backward: `g` scattered into zeros of `x`'s sizes.
pub(crate) fn gather_raw<E: Float>(x: &RawTensor<E>, labels: &RawTensor<usize>) -> RawTensor<E> {
    let classes = x.dims[1];
    record(&[x], kernel::gather(x, labels.as_slice()), |_| {
        let labels = labels.clone();
        move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(scatter_raw(g, &labels, classes)), None]
    })
}

/// A `(labels.len(), classes)` matrix of zeros with row `i`'s element `labels[i]` set to
/// `x[i]`, recorded. Backward: `g[i, labels[i]]`, the gather.
pub(crate) fn scatter_raw<E: Float>(
    x: &RawTensor<E>,
    labels: &RawTensor<usize>,
    classes: usize,
) -> RawTensor<E> {
    let labels = labels.clone();
    record(
        &[x],
        kernel::scatter(x, labels.as_slice(), classes, E::ZERO),
        |_| move |g: &mut RawTensor<E>, _: [bool; 2]| [Some(gather_raw(g, &labels)), None],
    )
}

/// Checks labels against a `(rows, classes)` matrix.
///
/// # Panics
/// When there are not `rows` labels (only a `Dyn` batch can get here).
fn check_labels(
    op: &str,
    labels: &[usize],
    rows: usize,
    classes: usize,
) -> Result<(), TensorError> {
    if labels.len() != rows {
        panic!(
            "{op}: {} labels for a batch of {rows} rows (the lengths must match)",
            labels.len()
        );
    }
    match labels.iter().position(|&l| l >= classes) {
        Some(position) => Err(TensorError::ClassOutOfRange {
            position,
            class: labels[position],
            classes,
        }),
        None => Ok(()),
    }
}

impl<B: Dim, C: Dim, E: Float> Tensor<(B, C), E> {
    /// Row `i`'s element in column `labels[i]`, for every row: the score of each sample's
    /// true class.
    ///
    /// PyTorch equivalent: `x.gather(1, labels.unsqueeze(1)).squeeze(1)`.
    ///
    /// # Shapes
    /// `(B, C)` with labels `(B,)` gives `(B,)`.
    ///
    /// # Gradient
    /// `dx[i, j] = g[i]` where `j = labels[i]`, 0 elsewhere.
    ///
    /// # Errors
    /// [`TensorError::ClassOutOfRange`] for the first label that is not below `C`.
    ///
    /// # Panics
    /// When `B` is `Dyn` and `labels` has another length than the number of rows; the
    /// message names the op and both lengths.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
    /// let labels = Tensor::<(U2,), usize>::from_vec(vec![2, 0]).unwrap();
    /// assert_eq!(x.gather_classes(&labels).unwrap().to_vec(), vec![3., 4.]);
    /// let bad = Tensor::<(U2,), usize>::from_vec(vec![0, 3]).unwrap();
    /// assert!(x.gather_classes(&bad).is_err());
    /// ```
    pub fn gather_classes(
        &self,
        labels: &Tensor<(B,), usize>,
    ) -> Result<Tensor<(B,), E>, TensorError> {
        let d = self.raw.dims;
        check_labels("gather_classes", labels.as_slice(), d[0], d[1])?;
        Ok(Tensor::from_raw(gather_raw(&self.raw, &labels.raw)))
    }

    /// One row per label: 1 in column `labels[i]`, 0 elsewhere, with `classes` columns (the
    /// way to give a `Dyn` class count). A constant: nothing is recorded.
    ///
    /// # Errors
    /// [`TensorError::ClassOutOfRange`] for the first label that is not below the class count.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let labels = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(2),), vec![1, 0]).unwrap();
    /// let y = Tensor::<(Dyn, Dyn)>::one_hot_shaped(&labels, Dyn(2)).unwrap();
    /// assert_eq!(y.to_vec(), vec![0., 1., 1., 0.]);
    /// ```
    pub fn one_hot_shaped(labels: &Tensor<(B,), usize>, classes: C) -> Result<Self, TensorError> {
        let (rows, classes) = (labels.numel(), classes.size());
        check_labels("one_hot", labels.as_slice(), rows, classes)?;
        let ones = RawTensor::filled(Dims::new(&[rows]), E::ONE);
        Ok(Tensor::from_raw(kernel::scatter(
            &ones,
            labels.as_slice(),
            classes,
            E::ZERO,
        )))
    }
}

impl<B: Dim, C: ConstDim, E: Float> Tensor<(B, C), E> {
    /// One row per label: 1 in column `labels[i]`, 0 elsewhere (PyTorch's
    /// `F.one_hot(labels, C)`, as floats). A constant: nothing is recorded.
    ///
    /// # Shapes
    /// Labels `(B,)` give `(B, C)`; for a `Dyn` class count use
    /// [`one_hot_shaped`](Self::one_hot_shaped).
    ///
    /// # Errors
    /// [`TensorError::ClassOutOfRange`] for the first label that is not below `C`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let labels = Tensor::<(U2,), usize>::from_vec(vec![2, 0]).unwrap();
    /// let y = Tensor::<(U2, U3)>::one_hot(&labels).unwrap();
    /// assert_eq!(y.to_vec(), vec![0., 0., 1., 1., 0., 0.]);
    /// ```
    pub fn one_hot(labels: &Tensor<(B,), usize>) -> Result<Self, TensorError> {
        Self::one_hot_shaped(labels, C::default())
    }
}
