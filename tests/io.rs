//! `autodiff::io`: safetensors files round-trip bit for bit, carry the visitor paths as
//! names, and loading reports every way a file can fail to fit a model.

use autodiff::io::{self, IoError, Mismatch};
use autodiff::prelude::*;
use std::path::PathBuf;

/// A scratch directory, removed when the test ends.
fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[derive(Differentiable)]
struct Linear<I: Dim, O: Dim, E: Float = f32> {
    weight: Tensor<(O, I), E>,
    bias: Tensor<(O,), E>,
}

impl<I: Dim, O: Dim, E: Float> Linear<I, O, E>
where
    (O, I): ConstShape,
    (O,): ConstShape,
{
    fn randn(rng: &mut Rng) -> Self {
        Linear {
            weight: Tensor::randn(rng),
            bias: Tensor::randn(rng),
        }
    }

    fn zeros() -> Self {
        Linear {
            weight: Tensor::zeros(),
            bias: Tensor::zeros(),
        }
    }
}

#[derive(Differentiable)]
struct Mlp<E: Float = f32> {
    hidden: Linear<U3, U4, E>,
    out: Linear<U4, U2, E>,
    scale: Tensor<(), E>,
    #[no_grad]
    steps: usize,
}

fn mlp<E: Float>(seed: u64) -> Mlp<E> {
    let rng = &mut Rng::seed(seed);
    Mlp {
        hidden: Linear::randn(rng),
        out: Linear::randn(rng),
        scale: Tensor::full(E::from_f64(0.5)),
        steps: 7,
    }
}

fn bits32(model: &Mlp<f32>) -> Vec<(String, Vec<u32>)> {
    let params = model.named_params().into_iter();
    params
        .map(|t| (t.path, t.values.iter().map(|v| v.to_bits()).collect()))
        .collect()
}

#[test]
fn round_trip_is_bit_identical_and_keeps_no_grad_fields_of_the_template() {
    let mut model = mlp::<f32>(1);
    // Values whose bits a lossy path would change.
    let w = model.hidden.weight.as_mut_slice();
    w[..5].copy_from_slice(&[
        -0.0,
        f32::MIN_POSITIVE / 8.0,
        f32::INFINITY,
        f32::MAX,
        1e-40,
    ]);
    w[5] = f32::from_bits(0x7fc0_1234); // a NaN with a payload
    let dir = temp_dir();
    let path = dir.path().join("round_trip.safetensors");
    io::save(&model, &path).unwrap();

    let template = Mlp {
        steps: 99,
        ..mlp::<f32>(2)
    };
    let loaded = io::load(&template, &path).unwrap();
    assert_eq!(bits32(&loaded), bits32(&model));
    assert_eq!(loaded.steps, 99, "#[no_grad] fields come from the template");

    // In memory too, and f64.
    let model64 = mlp::<f64>(3);
    let bytes = io::to_bytes(&model64).unwrap();
    let loaded64 = io::from_bytes(&mlp::<f64>(4), &bytes).unwrap();
    for (a, b) in loaded64.named_params().iter().zip(model64.named_params()) {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!((&a.path, bits(&a.values)), (&b.path, bits(&b.values)));
    }
}

#[test]
fn the_file_names_tensors_by_their_paths_with_dtype_and_shape() {
    let bytes = io::to_bytes(&mlp::<f64>(0)).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "hidden.bias",
            "hidden.weight",
            "out.bias",
            "out.weight",
            "scale"
        ]
    );
    let w = file.tensor("hidden.weight").unwrap();
    assert_eq!(w.dtype(), safetensors::Dtype::F64);
    assert_eq!(w.shape(), [4, 3]);
    assert_eq!(file.tensor("scale").unwrap().shape(), [] as [usize; 0]);
    let first = f64::from_le_bytes(w.data()[..8].try_into().unwrap());
    assert_eq!(first, mlp::<f64>(0).hidden.weight.as_slice()[0]);
    assert_eq!(
        io::tensor_names(&mlp::<f32>(0)),
        [
            "hidden.weight",
            "hidden.bias",
            "out.weight",
            "out.bias",
            "scale"
        ]
    );
}

#[test]
fn tuples_and_bare_tensors_get_numbered_names_that_round_trip() {
    let pair = (
        Tensor::<(U2,)>::from_vec(vec![1., 2.]).unwrap(),
        Tensor::<()>::full(3.),
    );
    assert_eq!(io::tensor_names(&pair), ["0", "1"]);
    let bytes = io::to_bytes(&pair).unwrap();
    let template = (Tensor::<(U2,)>::zeros(), Tensor::<()>::zeros());
    let back = io::from_bytes(&template, &bytes).unwrap();
    assert_eq!((back.0.to_vec(), back.1.item()), (vec![1., 2.], 3.));
}

/// A file with `hidden` and `out` layers, `scale`; models below differ from it. In its own
/// scratch directory, which lives as long as the returned `TempDir`.
fn saved_mlp() -> (tempfile::TempDir, PathBuf) {
    let dir = temp_dir();
    let path = dir.path().join("mlp.safetensors");
    io::save(&mlp::<f32>(0), &path).unwrap();
    (dir, path)
}

fn mismatches<M: Differentiable>(model: &M, path: &PathBuf) -> Vec<Mismatch> {
    match io::load(model, path) {
        Err(IoError::Mismatch { mismatches }) => mismatches,
        Err(other) => panic!("expected mismatches, got {other}"),
        Ok(_) => panic!("expected mismatches, the file loaded"),
    }
}

#[derive(Differentiable)]
struct WithExtra {
    hidden: Linear<U3, U4>,
    out: Linear<U4, U2>,
    scale: Tensor<()>,
    extra: Tensor<(U5,)>,
}

#[test]
fn a_tensor_missing_from_the_file_is_reported() {
    let (_dir, path) = saved_mlp();
    let rng = &mut Rng::seed(0);
    let model = WithExtra {
        hidden: Linear::randn(rng),
        out: Linear::randn(rng),
        scale: Tensor::zeros(),
        extra: Tensor::zeros(),
    };
    let expected = Mismatch::Missing {
        name: "extra".into(),
        dtype: "F32".into(),
        shape: vec![5],
    };
    assert_eq!(mismatches(&model, &path), [expected]);
}

#[derive(Differentiable)]
struct OnlyHidden {
    hidden: Linear<U3, U4>,
}

#[test]
fn a_tensor_the_model_does_not_have_is_reported() {
    let (_dir, path) = saved_mlp();
    let model = OnlyHidden {
        hidden: Linear::zeros(),
    };
    let found = mismatches(&model, &path);
    let names: Vec<&str> = found
        .iter()
        .map(|m| match m {
            Mismatch::Unexpected { name, .. } => name.as_str(),
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(names, ["out.bias", "out.weight", "scale"], "sorted by name");
    assert_eq!(
        found[0].to_string(),
        "`out.bias` (F32 [2]) is in the file but not in the model"
    );
}

#[derive(Differentiable)]
struct Wider {
    hidden: Linear<U3, U5>,
    out: Linear<U4, U2>,
    scale: Tensor<()>,
}

#[test]
fn a_shape_that_differs_is_reported_for_each_tensor() {
    let (_dir, path) = saved_mlp();
    let model = Wider {
        hidden: Linear::zeros(),
        out: Linear::zeros(),
        scale: Tensor::zeros(),
    };
    let expected = [
        Mismatch::Shape {
            name: "hidden.weight".into(),
            model: vec![5, 3],
            file: vec![4, 3],
        },
        Mismatch::Shape {
            name: "hidden.bias".into(),
            model: vec![5],
            file: vec![4],
        },
    ];
    assert_eq!(mismatches(&model, &path), expected);
}

#[test]
fn a_dtype_that_differs_is_reported_for_each_tensor() {
    let (_dir, path) = saved_mlp();
    let found = mismatches(&mlp::<f64>(0), &path);
    assert_eq!(found.len(), 5);
    assert_eq!(
        found[0],
        Mismatch::Dtype {
            name: "hidden.weight".into(),
            model: "F64".into(),
            file: "F32".into()
        }
    );
    assert!(found.iter().all(|m| matches!(m, Mismatch::Dtype { .. })));
}

#[derive(Differentiable)]
struct Everything {
    hidden: Linear<U3, U5, f64>,
    extra: Tensor<(U2,), f64>,
}

#[test]
fn every_mismatch_is_reported_at_once_in_the_error_message() {
    let (_dir, path) = saved_mlp();
    let model = Everything {
        hidden: Linear::zeros(),
        extra: Tensor::zeros(),
    };
    let err = io::load(&model, &path).map(|_| ()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file does not fit the model (8 differences):\n\
         \x20 - `hidden.weight`: dtype F64 in the model, F32 in the file\n\
         \x20 - `hidden.weight`: shape [5, 3] in the model, [4, 3] in the file\n\
         \x20 - `hidden.bias`: dtype F64 in the model, F32 in the file\n\
         \x20 - `hidden.bias`: shape [5] in the model, [4] in the file\n\
         \x20 - `extra` (F64 [2]) is in the model but not in the file\n\
         \x20 - `out.bias` (F32 [2]) is in the file but not in the model\n\
         \x20 - `out.weight` (F32 [2, 4]) is in the file but not in the model\n\
         \x20 - `scale` (F32 []) is in the file but not in the model"
    );
}

#[test]
fn a_file_that_is_not_safetensors_is_a_format_error() {
    let model = mlp::<f32>(0);
    let dir = temp_dir();
    let path = dir.path().join("not_safetensors.csv");
    std::fs::write(&path, "p0,p1,label\n0,1,2\n").unwrap();
    let err = io::load(&model, &path).map(|_| ()).unwrap_err();
    assert!(matches!(err, IoError::Format { .. }), "{err:?}");
    assert!(err.to_string().starts_with("not a valid safetensors file"));

    // A real file cut short, and a file too short for a header.
    let bytes = io::to_bytes(&model).unwrap();
    for cut in [&bytes[..bytes.len() - 4], &bytes[..5]] {
        let err = io::from_bytes(&model, cut).map(|_| ()).unwrap_err();
        assert!(matches!(err, IoError::Format { .. }), "{err:?}");
    }
}

#[test]
fn files_that_cannot_be_read_or_written_name_their_path() {
    let model = mlp::<f32>(0);
    let dir = temp_dir();
    let missing = dir.path().join("no_such_file.safetensors");
    let err = io::load(&model, &missing).map(|_| ()).unwrap_err();
    assert!(matches!(&err, IoError::File { path, .. } if *path == missing));
    assert!(err.to_string().contains("no_such_file.safetensors"));

    let in_missing_dir = dir.path().join("no_such_dir").join("model.safetensors");
    let err = io::save(&model, &in_missing_dir).unwrap_err();
    assert!(matches!(&err, IoError::File { path, .. } if *path == in_missing_dir));
}

#[test]
fn load_into_overwrites_in_place_and_changes_nothing_on_an_error() {
    let (_dir, path) = saved_mlp();
    let mut model = mlp::<f32>(5);
    io::load_into(&mut model, &path).unwrap();
    assert_eq!(bits32(&model), bits32(&mlp::<f32>(0)));
    assert_eq!(model.steps, 7);

    let mut wider = Wider {
        hidden: Linear::zeros(),
        out: Linear::zeros(),
        scale: Tensor::full(2.0),
    };
    let err = io::load_into(&mut wider, &path).unwrap_err();
    assert!(matches!(err, IoError::Mismatch { .. }), "{err}");
    assert_eq!(
        wider.scale.item(),
        2.0,
        "`scale` fits, but nothing is written"
    );
    assert_eq!(wider.out.weight.to_vec(), vec![0.0; 8]);
}

#[test]
fn save_replaces_a_file_and_leaves_nothing_else_behind() {
    let dir = temp_dir();
    let path = dir.path().join("model.safetensors");
    std::fs::write(&path, "an older file").unwrap();
    io::save(&mlp::<f32>(0), &path).unwrap();
    io::save(&mlp::<f32>(1), &path).unwrap();
    let loaded = io::load(&mlp::<f32>(2), &path).unwrap();
    assert_eq!(bits32(&loaded), bits32(&mlp::<f32>(1)));
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "no temporary file is left");

    let err = io::save(&mlp::<f32>(0), dir.path().join("..")).unwrap_err();
    assert!(matches!(err, IoError::File { .. }), "{err}");
}
