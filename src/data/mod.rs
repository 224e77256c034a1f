//! Data sets for classification: a small CSV reader into typed batches.
//!
//! A [`Dataset<F, C>`](Dataset) holds examples of `F` features (as `f32`) with a class
//! label below `C`. Both are checked once, when the data is read, so errors name the line
//! and column of the bad field; from then on every batch has its types:
//! `(Tensor<(Dyn, F)>, Labels<Dyn, C>)`, with the batch size a [`Dyn`] dimension.
//!
//! # The last batch
//! When the batch size does not divide the number of examples, the last batch is smaller:
//! nothing is dropped and nothing is padded. That is what the `Dyn` batch dimension is
//! for; a model generic over its batch dimension (`B: Dim`) takes it as it is.
//!
//! ```
//! use autodiff::data::Dataset;
//! use autodiff::prelude::*;
//!
//! let csv = "x0,x1,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n4,4,1\n";
//! let data = Dataset::<U2, U2>::from_csv_str(csv, "label").unwrap();
//! let (train, test) = data.split_at(4);
//! assert_eq!((train.len(), test.len()), (4, 1));
//!
//! let mut rng = Rng::seed(0);
//! let sizes: Vec<usize> = train
//!     .shuffled_batches(3, &mut rng)
//!     .map(|(x, labels)| {
//!         let x: Tensor<(Dyn, U2)> = x;
//!         assert_eq!(labels.len(), x.dims()[0]);
//!         x.dims()[0]
//!     })
//!     .collect();
//! assert_eq!(sizes, [3, 1]); // the last batch holds the rest
//! ```

mod batches;
mod csv;
mod error;

pub use batches::Batches;
pub use error::DataError;

use crate::nn::Labels;
use crate::{ConstDim, Dim, Dyn, Rng, Tensor};
use std::path::Path;

/// Examples of `F` features (`f32`) with a class label below `C`, in file order.
///
/// `F` is a compile-time dimension (`U64`) or [`Dyn`] (any number of features, read from
/// the header); `C` is the number of classes.
///
/// ```
/// use autodiff::data::Dataset;
/// use autodiff::prelude::*;
///
/// // The digits of `data/digits.csv`: 8x8 pixels in 0..=16, ten classes.
/// let digits = Dataset::<U64, U10>::from_csv("data/digits.csv", "label")
///     .unwrap()
///     .map_features(|p| p / 16.0);
/// let (train, test) = digits.split_at(1437);
/// let (images, labels) = train.batches(32).next().unwrap();
/// let images: Tensor<(Dyn, U64)> = images;
/// let labels: Labels<Dyn, U10> = labels;
/// assert_eq!((images.dims()[0], labels.len(), test.len()), (32, 32, 360));
/// ```
#[derive(Clone, Debug)]
pub struct Dataset<F: Dim, C: ConstDim> {
    feature_dim: F,
    feature_names: Vec<String>,
    label_name: String,
    /// Row-major, `feature_dim.size()` per example.
    features: Vec<f32>,
    labels: Vec<usize>,
    classes: C,
}

impl<F: Dim, C: ConstDim> Dataset<F, C> {
    /// Reads a CSV file: a header line naming the columns, then one example per line of
    /// comma-separated numbers. The column named `label_column` holds the class index;
    /// every other column is a feature, in file order.
    ///
    /// # Errors
    /// [`DataError::File`] when the file cannot be read, and the errors of
    /// [`from_csv_str`](Self::from_csv_str).
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    ///
    /// let digits = Dataset::<U64, U10>::from_csv("data/digits.csv", "label").unwrap();
    /// assert_eq!(digits.len(), 1797);
    /// assert_eq!(digits.feature_names()[63], "p63");
    /// ```
    pub fn from_csv(path: impl AsRef<Path>, label_column: &str) -> Result<Self, DataError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DataError::File {
            path: path.to_owned(),
            source,
        })?;
        Self::from_csv_str(&text, label_column)
    }

    /// Reads CSV text (see [`from_csv`](Self::from_csv)). Fields may have spaces around
    /// them; blank lines are skipped.
    ///
    /// # Errors
    /// - [`DataError::Empty`]: no header line;
    /// - [`DataError::NoLabelColumn`]: no column named `label_column`;
    /// - [`DataError::FeatureCount`]: the header's other columns are not `F` many;
    /// - [`DataError::ColumnCount`]: a row has another number of fields than the header;
    /// - [`DataError::Parse`]: a feature is not a finite number, or a label not a
    ///   non-negative integer;
    /// - [`DataError::LabelOutOfRange`]: a label is `C` or more.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    ///
    /// let data = Dataset::<U2, U3>::from_csv_str("label,a,b\n2, 0.5, -1\n0,1e3,7\n", "label").unwrap();
    /// assert_eq!(data.labels(), [2, 0]);
    /// assert_eq!(data.features(), [0.5, -1., 1000., 7.]);
    ///
    /// let err = Dataset::<U2, U2>::from_csv_str("a,b,label\n1,2,0\n3,4,5\n", "label").unwrap_err();
    /// assert_eq!(err.to_string(), "line 3, column 3: label 5 is out of range for 2 classes (0..=1)");
    /// let err = Dataset::<U3, U2>::from_csv_str("a,b,label\n1,2,0\n", "label").unwrap_err();
    /// assert_eq!(err.to_string(), "2 feature columns, but the feature dimension holds 3");
    /// ```
    pub fn from_csv_str(text: &str, label_column: &str) -> Result<Self, DataError> {
        let table = csv::parse(text, label_column, F::FIXED, C::SIZE)?;
        let n = table.feature_names.len();
        let feature_dim = F::from_size(n).ok_or(DataError::FeatureCount {
            expected: F::FIXED.unwrap_or(n),
            found: n,
        })?;
        Ok(Dataset {
            feature_dim,
            feature_names: table.feature_names,
            label_name: table.label_name,
            features: table.features,
            labels: table.labels,
            classes: C::default(),
        })
    }

    /// A data set from tensors: one row of features and one label per example. Features
    /// are named `x0`, `x1`, ... and the label `label`.
    ///
    /// # Errors
    /// [`DataError::LengthMismatch`] when the numbers of rows and labels differ.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    ///
    /// let x = Tensor::<(Dyn, U2)>::from_dims_vec(&[2, 2], vec![1., 2., 3., 4.]).unwrap();
    /// let y = Tensor::<(Dyn,), usize>::from_dims_vec(&[2], vec![0, 1]).unwrap();
    /// let data = Dataset::<U2, U2>::from_tensors(&x, &Labels::new(y).unwrap()).unwrap();
    /// assert_eq!(data.len(), 2);
    /// ```
    pub fn from_tensors(
        features: &Tensor<(Dyn, F)>,
        labels: &Labels<Dyn, C>,
    ) -> Result<Self, DataError> {
        let (rows, feature_dim) = features.shape();
        if rows.0 != labels.len() {
            return Err(DataError::LengthMismatch {
                features: rows.0,
                labels: labels.len(),
            });
        }
        Ok(Dataset {
            feature_dim,
            feature_names: (0..feature_dim.size()).map(|i| format!("x{i}")).collect(),
            label_name: "label".to_owned(),
            features: features.to_vec(),
            labels: labels.as_slice().to_vec(),
            classes: C::default(),
        })
    }

    /// The number of examples.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// assert_eq!(Dataset::<U1, U2>::from_csv_str("x,label\n1,0\n", "label").unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no example.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// assert!(Dataset::<U1, U2>::from_csv_str("x,label\n", "label").unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The feature dimension (its size for a `Dyn`).
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<Dyn, U2>::from_csv_str("a,b,c,label\n1,2,3,0\n", "label").unwrap();
    /// assert_eq!(data.feature_dim(), Dyn(3));
    /// ```
    pub fn feature_dim(&self) -> F {
        self.feature_dim
    }

    /// The features' column names, in order.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U2, U2>::from_csv_str("a,label,b\n1,0,2\n", "label").unwrap();
    /// assert_eq!(data.feature_names(), ["a", "b"]);
    /// assert_eq!(data.label_name(), "label");
    /// ```
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The label's column name.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U1, U2>::from_csv_str("x,class\n1,0\n", "class").unwrap();
    /// assert_eq!(data.label_name(), "class");
    /// ```
    pub fn label_name(&self) -> &str {
        &self.label_name
    }

    /// All features, row-major: `feature_dim().size()` per example.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U2, U2>::from_csv_str("a,b,label\n1,2,0\n3,4,1\n", "label").unwrap();
    /// assert_eq!(data.features(), [1., 2., 3., 4.]);
    /// ```
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    /// All labels, one per example.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U1, U3>::from_csv_str("a,label\n1,2\n3,1\n", "label").unwrap();
    /// assert_eq!(data.labels(), [2, 1]);
    /// ```
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The first `n` examples and the rest, in file order (like `slice::split_at`).
    ///
    /// # Panics
    /// If `n > self.len()`.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U1, U2>::from_csv_str("x,label\n1,0\n2,1\n3,0\n", "label").unwrap();
    /// let (a, b) = data.split_at(1);
    /// assert_eq!((a.features(), b.features()), (&[1.][..], &[2., 3.][..]));
    /// ```
    pub fn split_at(&self, n: usize) -> (Self, Self) {
        assert!(
            n <= self.len(),
            "split_at: {n} is past the end of a data set of {} examples",
            self.len()
        );
        let cut = n * self.feature_dim.size();
        let part = |features: &[f32], labels: &[usize]| Dataset {
            features: features.to_vec(),
            labels: labels.to_vec(),
            ..self.clone_header()
        };
        (
            part(&self.features[..cut], &self.labels[..n]),
            part(&self.features[cut..], &self.labels[n..]),
        )
    }

    /// Applies `f` to every feature value (scaling pixels to `[0, 1]`, say).
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U2, U2>::from_csv_str("a,b,label\n8,16,0\n", "label").unwrap();
    /// assert_eq!(data.map_features(|x| x / 16.0).features(), [0.5, 1.0]);
    /// ```
    pub fn map_features(mut self, mut f: impl FnMut(f32) -> f32) -> Self {
        for x in &mut self.features {
            *x = f(*x);
        }
        self
    }

    /// Batches of `batch_size` examples in file order; the last one holds the rest.
    ///
    /// # Panics
    /// If `batch_size` is 0.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U1, U2>::from_csv_str("x,label\n1,0\n2,1\n3,0\n", "label").unwrap();
    /// let mut batches = data.batches(2);
    /// assert_eq!(batches.len(), 2);
    /// let (x, y) = batches.next().unwrap();
    /// assert_eq!((x.to_vec(), y.as_slice()), (vec![1., 2.], &[0, 1][..]));
    /// let (x, _) = batches.next().unwrap();
    /// assert_eq!(x.to_vec(), vec![3.]);
    /// ```
    pub fn batches(&self, batch_size: usize) -> Batches<'_, F, C> {
        Batches::new(self, (0..self.len()).collect(), batch_size)
    }

    /// Batches of `batch_size` examples in an order shuffled by `rng`; the last one holds
    /// the rest. Each call draws a new order, so one generator seeded once gives every
    /// epoch its own order, the same on every run.
    ///
    /// # Panics
    /// If `batch_size` is 0.
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U1, U4>::from_csv_str("x,label\n0,0\n1,1\n2,2\n3,3\n", "label").unwrap();
    /// let epoch = |rng: &mut Rng| -> Vec<usize> {
    ///     data.shuffled_batches(4, rng).flat_map(|(_, y)| y.into_tensor().to_vec()).collect()
    /// };
    /// let mut rng = Rng::seed(1);
    /// let first = epoch(&mut rng);
    /// let mut sorted = first.clone();
    /// sorted.sort();
    /// assert_eq!(sorted, [0, 1, 2, 3]);
    /// assert_eq!(first, epoch(&mut Rng::seed(1)));   // same seed, same order
    /// ```
    pub fn shuffled_batches(&self, batch_size: usize, rng: &mut Rng) -> Batches<'_, F, C> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        rng.shuffle(&mut order);
        Batches::new(self, order, batch_size)
    }

    /// Every example as one batch, in file order (for evaluation).
    ///
    /// ```
    /// use autodiff::data::Dataset;
    /// use autodiff::prelude::*;
    /// let data = Dataset::<U1, U2>::from_csv_str("x,label\n1,0\n2,1\n3,0\n", "label").unwrap();
    /// let (x, y) = data.to_batch();
    /// assert_eq!(&*x.dims(), &[3, 1]);
    /// assert_eq!(y.as_slice(), [0, 1, 0]);
    /// ```
    pub fn to_batch(&self) -> (Tensor<(Dyn, F)>, Labels<Dyn, C>) {
        let order: Vec<usize> = (0..self.len()).collect();
        batches::gather(self, &order)
    }

    /// The same metadata, no examples.
    fn clone_header(&self) -> Self {
        Dataset {
            feature_dim: self.feature_dim,
            feature_names: self.feature_names.clone(),
            label_name: self.label_name.clone(),
            features: Vec::new(),
            labels: Vec::new(),
            classes: self.classes,
        }
    }
}
