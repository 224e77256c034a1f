//! What can go wrong when reading a data set.

use std::fmt;
use std::path::PathBuf;

/// Why a [`Dataset`](super::Dataset) could not be made. Errors in the data name the line
/// (1-based, the header being line 1) and the column (1-based, with its header name).
///
/// ```
/// use autodiff::data::{DataError, Dataset};
/// use autodiff::prelude::*;
///
/// let err = Dataset::<U2, U3>::from_csv_str("a,b,label\n1,x,0\n", "label").unwrap_err();
/// assert_eq!(err.to_string(), "line 2, column 2 (`b`): `x` is not a number");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// Reading the file failed.
    File {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The text has no header line.
    Empty,
    /// The header has no column of the label's name.
    NoLabelColumn {
        /// The name asked for.
        name: String,
        /// The header's columns.
        columns: Vec<String>,
    },
    /// The number of feature columns is not the one the feature dimension holds.
    FeatureCount {
        /// The feature dimension's size.
        expected: usize,
        /// The number of feature columns (or of features per example) found.
        found: usize,
    },
    /// A row has another number of fields than the header.
    ColumnCount {
        /// The line of the row.
        line: usize,
        /// The header's number of columns.
        expected: usize,
        /// The row's number of fields.
        found: usize,
    },
    /// A field is not a number (a feature) or not a class index (the label).
    Parse {
        /// The line.
        line: usize,
        /// The column, 1-based.
        column: usize,
        /// The column's name in the header.
        name: String,
        /// The field's text.
        text: String,
        /// What was expected: `a number`, `a class index`.
        expected: &'static str,
    },
    /// A label is not below the number of classes.
    LabelOutOfRange {
        /// The line.
        line: usize,
        /// The label column, 1-based.
        column: usize,
        /// The label.
        label: usize,
        /// The number of classes.
        classes: usize,
    },
    /// Features and labels describe different numbers of examples.
    LengthMismatch {
        /// The number of rows of features.
        features: usize,
        /// The number of labels.
        labels: usize,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::File { path, source } => write!(f, "{}: {source}", path.display()),
            DataError::Empty => write!(f, "no header line: the data is empty"),
            DataError::NoLabelColumn { name, columns } => {
                write!(
                    f,
                    "no column `{name}` in the header; the columns are {columns:?}"
                )
            }
            DataError::FeatureCount { expected, found } => write!(
                f,
                "{found} feature columns, but the feature dimension holds {expected}"
            ),
            DataError::ColumnCount {
                line,
                expected,
                found,
            } => write!(
                f,
                "line {line}: {found} fields, but the header has {expected} columns"
            ),
            DataError::Parse {
                line,
                column,
                name,
                text,
                expected,
            } => write!(
                f,
                "line {line}, column {column} (`{name}`): `{text}` is not {expected}"
            ),
            DataError::LabelOutOfRange {
                line,
                column,
                label,
                classes,
            } => write!(
                f,
                "line {line}, column {column}: label {label} is out of range for {classes} classes (0..={})",
                classes.saturating_sub(1)
            ),
            DataError::LengthMismatch { features, labels } => {
                write!(f, "{features} rows of features but {labels} labels")
            }
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::File { source, .. } => Some(source),
            _ => None,
        }
    }
}
