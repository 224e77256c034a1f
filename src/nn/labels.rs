//! [`Labels`]: class indices checked once, when they come in, so losses cannot fail.

use crate::{ConstDim, Dim, Float, Tensor, TensorError};

/// `B` class labels, each below `C`: a `Tensor<(B,), usize>` whose range was checked when
/// it was made. [`cross_entropy`](crate::nn::loss::cross_entropy) takes these, so a loss
/// never meets a bad label and returns a plain tensor.
///
/// The class count is part of the type, so labels for 10 classes cannot be passed with
/// the logits of a 5-class model.
///
/// ```
/// use autodiff::prelude::*;
/// let t = Tensor::<(U3,), usize>::from_vec(vec![2, 0, 1]).unwrap();
/// let labels = Labels::<U3, U3>::new(t).unwrap();
/// assert_eq!(labels.as_slice(), &[2, 0, 1]);
///
/// let bad = Tensor::<(U2,), usize>::from_vec(vec![0, 3]).unwrap();
/// assert!(Labels::<U2, U3>::new(bad).is_err()); // 3 is not a class of 3
/// ```
#[derive(Clone, Debug)]
pub struct Labels<B: Dim, C: Dim> {
    indices: Tensor<(B,), usize>,
    classes: C,
}

impl<B: Dim, C: ConstDim> Labels<B, C> {
    /// Checks that every label is below `C`.
    ///
    /// # Errors
    /// [`TensorError::ClassOutOfRange`] naming the first label that is not.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let batch = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(4),), vec![9, 0, 3, 9]).unwrap();
    /// let labels: Labels<Dyn, U10> = Labels::new(batch).unwrap();
    /// assert_eq!(labels.len(), 4);
    /// ```
    pub fn new(indices: Tensor<(B,), usize>) -> Result<Self, TensorError> {
        Self::new_shaped(indices, C::default())
    }
}

impl<B: ConstDim, C: ConstDim> Labels<B, C> {
    /// Labels from a vector of `B` class indices.
    ///
    /// # Errors
    /// [`TensorError::LengthMismatch`] when the vector does not have `B` elements,
    /// [`TensorError::ClassOutOfRange`] for the first label not below `C`.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let labels = Labels::<U2, U4>::from_vec(vec![3, 1]).unwrap();
    /// assert_eq!(labels.as_slice(), &[3, 1]);
    /// assert!(Labels::<U2, U4>::from_vec(vec![3]).is_err());
    /// ```
    pub fn from_vec(indices: Vec<usize>) -> Result<Self, TensorError> {
        Self::new(Tensor::from_vec(indices)?)
    }
}

impl<B: Dim, C: Dim> Labels<B, C> {
    /// Checks that every label is below `classes`: the way to give a class count known
    /// only at run time (`Dyn`).
    ///
    /// # Errors
    /// [`TensorError::ClassOutOfRange`] naming the first label that is not.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let t = Tensor::<(U2,), usize>::from_vec(vec![4, 1]).unwrap();
    /// assert!(Labels::new_shaped(t.clone(), Dyn(5)).is_ok());
    /// assert!(Labels::new_shaped(t, Dyn(4)).is_err());
    /// ```
    pub fn new_shaped(indices: Tensor<(B,), usize>, classes: C) -> Result<Self, TensorError> {
        let n = classes.size();
        if let Some(position) = indices.as_slice().iter().position(|&l| l >= n) {
            return Err(TensorError::ClassOutOfRange {
                position,
                class: indices.as_slice()[position],
                classes: n,
            });
        }
        Ok(Labels { indices, classes })
    }

    /// The labels as a tensor.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let labels = Labels::<U2, U3>::from_vec(vec![2, 0]).unwrap();
    /// assert_eq!(labels.as_tensor().to_vec(), vec![2, 0]);
    /// ```
    pub fn as_tensor(&self) -> &Tensor<(B,), usize> {
        &self.indices
    }

    /// The labels as a slice.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let labels = Labels::<U2, U3>::from_vec(vec![2, 0]).unwrap();
    /// assert_eq!(labels.as_slice(), &[2, 0]);
    /// ```
    pub fn as_slice(&self) -> &[usize] {
        self.indices.as_slice()
    }

    /// The tensor of labels, giving up the check's guarantee.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let labels = Labels::<U2, U3>::from_vec(vec![2, 0]).unwrap();
    /// let t: Tensor<(U2,), usize> = labels.into_tensor();
    /// assert_eq!(t.to_vec(), vec![2, 0]);
    /// ```
    pub fn into_tensor(self) -> Tensor<(B,), usize> {
        self.indices
    }

    /// The number of labels.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// assert_eq!(Labels::<U2, U3>::from_vec(vec![2, 0]).unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.indices.numel()
    }

    /// True when there are no labels (an empty `Dyn` batch).
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let empty = Tensor::<(Dyn,), usize>::from_shape_vec((Dyn(0),), vec![]).unwrap();
    /// assert!(Labels::<Dyn, U3>::new(empty).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of classes every label is below.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let labels = Labels::<U2, U3>::from_vec(vec![2, 0]).unwrap();
    /// assert_eq!(labels.classes().size(), 3);
    /// ```
    pub fn classes(&self) -> C {
        self.classes
    }

    /// One row per label, 1 in its class's column (PyTorch's `F.one_hot`, as floats).
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let labels = Labels::<U2, U3>::from_vec(vec![2, 0]).unwrap();
    /// let y: Tensor<(U2, U3)> = labels.one_hot();
    /// assert_eq!(y.to_vec(), vec![0., 0., 1., 1., 0., 0.]);
    /// ```
    pub fn one_hot<E: Float>(&self) -> Tensor<(B, C), E> {
        Tensor::one_hot_shaped(&self.indices, self.classes).expect("labels were checked")
    }

    /// The fraction of rows whose largest logit is at their label (ties go to the first
    /// largest, as `argmax` does); NaN for an empty batch.
    ///
    /// # Panics
    /// When a `Dyn` batch has different sizes in the logits and the labels.
    ///
    /// ```
    /// use autodiff::prelude::*;
    /// let logits = Tensor::<(U4, U2)>::from_vec(vec![0., 1., 2., 1., 0., 3., 5., 4.]).unwrap();
    /// let labels = Labels::<U4, U2>::from_vec(vec![1, 0, 0, 0]).unwrap();
    /// assert_eq!(labels.accuracy(&logits), 0.75);
    /// ```
    pub fn accuracy<E: Float>(&self, logits: &Tensor<(B, C), E>) -> f64 {
        let predicted = logits.argmax::<1>();
        assert_eq!(
            predicted.numel(),
            self.len(),
            "accuracy: {} rows of logits for {} labels",
            predicted.numel(),
            self.len()
        );
        let hits = predicted
            .as_slice()
            .iter()
            .zip(self.as_slice())
            .filter(|(p, l)| p == l)
            .count();
        hits as f64 / self.len() as f64
    }
}
