//! `autodiff::data`: reading CSV into typed data sets, splitting, batching (the last batch
//! smaller, with a `Dyn` batch dimension), seeded shuffling, and errors that point at
//! the bad field.

use autodiff::data::{DataError, Dataset};
use autodiff::prelude::*;

/// Seven examples of two features; feature 0 is the example's index, the label its
/// index modulo 3.
const SEVEN: &str = "a,b,label\n0,10,0\n1,11,1\n2,12,2\n3,13,0\n4,14,1\n5,15,2\n6,16,0\n";

fn seven() -> Dataset<U2, U3> {
    Dataset::from_csv_str(SEVEN, "label").unwrap()
}

/// The first feature of every example of every batch, batch by batch.
fn indices(batches: autodiff::data::Batches<'_, U2, U3>) -> Vec<Vec<usize>> {
    batches
        .map(|(x, y)| {
            let x: Tensor<(Dyn, U2)> = x;
            let rows: Vec<usize> = x.to_vec().chunks(2).map(|r| r[0] as usize).collect();
            let y: Labels<Dyn, U3> = y;
            assert_eq!(y.as_slice(), rows.iter().map(|i| i % 3).collect::<Vec<_>>());
            rows
        })
        .collect()
}

#[test]
fn reads_the_digits_file_with_its_split() {
    let data = Dataset::<U64, U10>::from_csv("data/digits.csv", "label").unwrap();
    assert_eq!(data.len(), 1797);
    assert_eq!(data.feature_dim(), U64::default());
    assert_eq!(data.feature_names()[0], "p0");
    // The first row: 0,0,5,13,9,1,0,0,... label 0.
    assert_eq!(data.features()[..4], [0., 0., 5., 13.]);
    assert_eq!(data.labels()[0], 0);
    assert!(data.features().iter().all(|&p| (0.0..=16.0).contains(&p)));
    let (train, test) = data.split_at(1437);
    assert_eq!((train.len(), test.len()), (1437, 360));
    assert_eq!(test.features()[..64], data.features()[1437 * 64..1438 * 64]);
}

#[test]
fn batches_in_file_order_end_with_a_smaller_batch() {
    let data = seven();
    let batches = data.batches(3);
    assert_eq!(batches.len(), 3);
    assert_eq!(
        indices(batches),
        [vec![0, 1, 2], vec![3, 4, 5], vec![6]],
        "nothing dropped, nothing padded"
    );
    let (x, y) = data.batches(3).last().unwrap();
    assert_eq!(x.shape(), (Dyn(1), U2::default()));
    assert_eq!(y.len(), 1);
    // A batch size that divides the data, and one larger than it.
    assert_eq!(indices(data.batches(7)), [vec![0, 1, 2, 3, 4, 5, 6]]);
    assert_eq!(indices(data.batches(100)).len(), 1);
}

#[test]
fn a_dyn_batch_goes_through_a_model_generic_in_its_batch() {
    let data = seven();
    let w = Tensor::<(U2, U3)>::ones();
    let (x, _) = data.batches(3).last().unwrap();
    let logits: Tensor<(Dyn, U3)> = x.matmul(&w);
    assert_eq!(logits.to_vec(), vec![22.; 3]);
}

#[test]
fn shuffled_batches_cover_every_example_once_in_a_seeded_order() {
    let data = seven();
    let mut rng = Rng::seed(42);
    let epoch1 = indices(data.shuffled_batches(3, &mut rng));
    let epoch2 = indices(data.shuffled_batches(3, &mut rng));
    assert_eq!(epoch1.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    for epoch in [&epoch1, &epoch2] {
        let mut all: Vec<usize> = epoch.concat();
        all.sort_unstable();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
    }
    assert_ne!(epoch1, epoch2, "each epoch draws a new order");
    let mut again = Rng::seed(42);
    assert_eq!(indices(data.shuffled_batches(3, &mut again)), epoch1);
    assert_eq!(indices(data.shuffled_batches(3, &mut again)), epoch2);
}

#[test]
fn split_map_and_to_batch_keep_rows_together() {
    let (head, tail) = seven().split_at(5);
    assert_eq!((head.len(), tail.len()), (5, 2));
    assert_eq!(tail.features(), [5., 15., 6., 16.]);
    assert_eq!(tail.labels(), [2, 0]);
    let scaled = tail.map_features(|v| v / 2.0);
    let (x, y) = scaled.to_batch();
    assert_eq!(x.to_vec(), vec![2.5, 7.5, 3., 8.]);
    assert_eq!(y.as_slice(), [2, 0]);
    let (empty, all) = seven().split_at(0);
    assert!(empty.is_empty());
    assert_eq!(empty.batches(4).len(), 0);
    assert_eq!(all.len(), 7);
}

#[test]
#[should_panic(expected = "split_at: 8 is past the end of a data set of 7 examples")]
fn split_past_the_end_panics() {
    let _ = seven().split_at(8);
}

#[test]
#[should_panic(expected = "the batch size must be at least 1")]
fn a_batch_size_of_zero_panics() {
    let _ = seven().batches(0);
}

#[test]
fn the_label_may_be_any_column_and_features_a_dyn_dimension() {
    let text = "\u{20}label , x , y , z\r\n1, 0.5, -2e-1, 3\r\n\r\n0,1,2,3\r\n\n";
    let data = Dataset::<Dyn, U2>::from_csv_str(text, "label").unwrap();
    assert_eq!(data.feature_dim(), Dyn(3));
    assert_eq!(data.feature_names(), ["x", "y", "z"]);
    assert_eq!(data.features(), [0.5, -0.2, 3., 1., 2., 3.]);
    assert_eq!(data.labels(), [1, 0]);
}

#[test]
fn reads_a_file_and_names_a_file_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seven.csv");
    std::fs::write(&path, SEVEN).unwrap();
    let data = Dataset::<U2, U3>::from_csv(&path, "label").unwrap();
    assert_eq!(data.labels(), seven().labels());

    let missing = dir.path().join("missing.csv");
    let err = Dataset::<U2, U3>::from_csv(&missing, "label").unwrap_err();
    assert!(matches!(&err, DataError::File { path, .. } if *path == missing));
    assert!(err.to_string().contains("missing.csv"), "{err}");
}

fn error(text: &str) -> String {
    Dataset::<U2, U3>::from_csv_str(text, "label")
        .unwrap_err()
        .to_string()
}

#[test]
fn a_field_that_is_not_a_number_names_its_line_and_column() {
    assert_eq!(
        error("a,b,label\n1,2,0\n3,4x,1\n"),
        "line 3, column 2 (`b`): `4x` is not a number"
    );
    assert_eq!(
        error("a,b,label\n1,,0\n"),
        "line 2, column 2 (`b`): `` is not a number"
    );
    assert_eq!(
        error("a,b,label\n1,inf,0\n"),
        "line 2, column 2 (`b`): `inf` is not a finite number"
    );
    assert_eq!(
        error("a,b,label\n1,2,1.5\n"),
        "line 2, column 3 (`label`): `1.5` is not a class index"
    );
    assert_eq!(
        error("a,b,label\n1,2,-1\n"),
        "line 2, column 3 (`label`): `-1` is not a class index"
    );
    // Line numbers count blank lines too: they are the file's.
    assert_eq!(
        error("a,b,label\n\n1,2,x\n"),
        "line 3, column 3 (`label`): `x` is not a class index"
    );
}

#[test]
fn a_label_out_of_range_names_its_line_and_column() {
    let err = Dataset::<U2, U3>::from_csv_str("a,label,b\n1,0,2\n1,3,2\n", "label").unwrap_err();
    assert!(matches!(
        err,
        DataError::LabelOutOfRange {
            line: 3,
            column: 2,
            label: 3,
            classes: 3
        }
    ));
    assert_eq!(
        err.to_string(),
        "line 3, column 2: label 3 is out of range for 3 classes (0..=2)"
    );
}

#[test]
fn feature_and_field_counts_that_differ_are_errors() {
    assert_eq!(
        error("a,label\n1,0\n"),
        "1 feature columns, but the feature dimension holds 2"
    );
    assert_eq!(
        error("a,b,c,label\n1,2,3,0\n"),
        "3 feature columns, but the feature dimension holds 2"
    );
    assert_eq!(
        error("a,b,label\n1,2,0\n1,2\n"),
        "line 3: 2 fields, but the header has 3 columns"
    );
    assert_eq!(
        error("a,b,label\n1,2,0,9\n"),
        "line 2: 4 fields, but the header has 3 columns"
    );
}

#[test]
fn a_missing_header_or_label_column_is_an_error() {
    assert!(matches!(
        Dataset::<U2, U3>::from_csv_str("\n\n", "label"),
        Err(DataError::Empty)
    ));
    assert_eq!(
        error("a,b,class\n1,2,0\n"),
        r#"no column `label` in the header; the columns are ["a", "b", "class"]"#
    );
}

#[test]
fn from_tensors_checks_lengths() {
    let x = Tensor::<(Dyn, U2)>::from_dims_vec(&[2, 2], vec![1., 2., 3., 4.]).unwrap();
    let labels = |v: Vec<usize>| {
        let n = v.len();
        Labels::<Dyn, U3>::new(Tensor::from_dims_vec(&[n], v).unwrap()).unwrap()
    };
    let data = Dataset::<U2, U3>::from_tensors(&x, &labels(vec![2, 0])).unwrap();
    assert_eq!(data.feature_names(), ["x0", "x1"]);
    assert_eq!(data.labels(), [2, 0]);
    assert_eq!(data.to_batch().0.to_vec(), x.to_vec());

    let err = Dataset::<U2, U3>::from_tensors(&x, &labels(vec![0])).unwrap_err();
    assert_eq!(err.to_string(), "2 rows of features but 1 labels");
}
