//! Iterating a data set in batches.

use super::Dataset;
use crate::nn::Labels;
use crate::{ConstDim, Dim, Dyn, Tensor};
use std::marker::PhantomData;

/// The batches of a [`Dataset`], from [`Dataset::batches`] or
/// [`Dataset::shuffled_batches`]: `(features, labels)` with `batch_size` examples each,
/// the last one holding the rest.
///
/// Knows how many batches remain (`len()`), which a progress bar can use.
///
/// ```
/// use autodiff::data::Dataset;
/// use autodiff::prelude::*;
/// let data = Dataset::<U1, U2>::from_csv_str("x,label\n1,0\n2,1\n3,0\n", "label").unwrap();
/// let batches = data.batches(2);
/// assert_eq!(batches.len(), 2);
/// assert_eq!(batches.map(|(x, _)| x.dims()[0]).collect::<Vec<_>>(), [2, 1]);
/// ```
#[derive(Clone, Debug)]
pub struct Batches<'a, F: Dim, C: ConstDim> {
    data: &'a Dataset<F, C>,
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
    _classes: PhantomData<C>,
}

impl<'a, F: Dim, C: ConstDim> Batches<'a, F, C> {
    pub(super) fn new(data: &'a Dataset<F, C>, order: Vec<usize>, batch_size: usize) -> Self {
        assert!(batch_size > 0, "batches: the batch size must be at least 1");
        Batches {
            data,
            order,
            batch_size,
            next: 0,
            _classes: PhantomData,
        }
    }
}

impl<F: Dim, C: ConstDim> Iterator for Batches<'_, F, C> {
    type Item = (Tensor<(Dyn, F)>, Labels<Dyn, C>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.order.len() {
            return None;
        }
        let end = (self.next + self.batch_size).min(self.order.len());
        let batch = gather(self.data, &self.order[self.next..end]);
        self.next = end;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.order.len() - self.next).div_ceil(self.batch_size);
        (n, Some(n))
    }
}

impl<F: Dim, C: ConstDim> ExactSizeIterator for Batches<'_, F, C> {}

/// The examples at `rows`, in that order, as one batch.
pub(super) fn gather<F: Dim, C: ConstDim>(
    data: &Dataset<F, C>,
    rows: &[usize],
) -> (Tensor<(Dyn, F)>, Labels<Dyn, C>) {
    let f = data.feature_dim.size();
    let mut features = Vec::with_capacity(rows.len() * f);
    let mut labels = Vec::with_capacity(rows.len());
    for &r in rows {
        features.extend_from_slice(&data.features[r * f..(r + 1) * f]);
        labels.push(data.labels[r]);
    }
    let b = Dyn(rows.len());
    let x = Tensor::from_shape_vec((b, data.feature_dim), features)
        .expect("rows times features elements");
    let y = Tensor::from_shape_vec((b,), labels).expect("one label per row");
    let y = Labels::new(y).expect("labels were checked against `C` when the data was read");
    (x, y)
}
