//! Handwritten digits: a two-layer perceptron learns to read 8x8 images.
//!
//! ```text
//! cargo run --release --example digits                 # 30 epochs, under a second of training
//! cargo run --release --example digits -- --help       # the flags
//! ```
//!
//! The story: read `data/digits.csv` into a typed data set, train an MLP 64 -> 128 -> 10
//! with Adam on the first 1437 images while a progress bar shows the loss, measure the
//! accuracy on the last 360, draw the loss curve as a PNG, save the parameters as a
//! safetensors file, and load them into a fresh model that must score the same.
//!
//! With `AUTODIFF_EXAMPLE_SHORT=1` in the environment (as in CI) it trains one epoch on
//! 320 images and writes its files to a temporary directory.

mod plot;

use autodiff::data::Dataset;
use autodiff::nn::{loss::cross_entropy, Labels, Mlp2};
use autodiff::optim::Adam;
use autodiff::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

/// 64 pixels in, 128 hidden units (ReLU), 10 classes out: the shapes are the type.
type Model = Mlp2<U64, U128, U10>;

/// The data set: 64 features, 10 classes, checked when the file is read.
type Digits = Dataset<U64, U10>;

/// The mean cross-entropy of a batch. `#[differentiable]` adds `loss::forward`, which
/// records the graph; its gradients come back as `loss::Grads { model }`.
#[differentiable]
fn loss(
    model: &Model,
    #[no_grad] images: &Tensor<(Dyn, U64)>,
    #[no_grad] labels: &Labels<Dyn, U10>,
) -> Tensor<()> {
    cross_entropy(&model.forward(images), labels)
}

/// The share of images whose highest logit is their label.
fn accuracy(model: &Model, data: &Digits) -> f64 {
    let (images, labels) = data.to_batch();
    let predicted = model.forward(&images).argmax::<1>();
    let right = predicted
        .as_slice()
        .iter()
        .zip(labels.as_slice())
        .filter(|(p, l)| p == l)
        .count();
    right as f64 / data.len() as f64
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args = Args::parse()?;
    let short = std::env::var_os("AUTODIFF_EXAMPLE_SHORT").is_some_and(|v| v != "0");
    // In the short form the outputs go to a directory removed at the end.
    let scratch = tempfile::tempdir()?;
    let out = |given: &Option<PathBuf>, name: &str| match given {
        Some(path) => path.clone(),
        None if short => scratch.path().join(name),
        None => PathBuf::from(name),
    };

    // 1. Data: pixels are 0..=16, scaled to [0, 1]. The split is the file's order.
    let digits = Digits::from_csv(&args.data, "label")?.map_features(|p| p / 16.0);
    let (mut train, test) = digits.split_at(1437);
    let epochs = if short {
        train = train.split_at(320).0;
        1
    } else {
        args.epochs
    };
    println!(
        "digits: {} training images, {} test images, {epochs} epoch(s), batch {}, Adam lr {}",
        train.len(),
        test.len(),
        args.batch,
        args.lr
    );

    // 2. The model. One seeded generator makes the initial weights and every epoch's
    //    shuffle, so a run is the same on every machine.
    let mut rng = Rng::seed(args.seed);
    let mut model = Model::new(&mut rng);

    // 3. Training, timed.
    let started = Instant::now();
    let losses = train_model(&mut model, &train, &args, epochs, &mut rng);
    let seconds = started.elapsed().as_secs_f64();

    // 4. Evaluation on images the model has never seen.
    let acc = accuracy(&model, &test);
    println!("test accuracy: {acc:.4}");
    println!("training time: {seconds:.2} s");

    // 5. The loss curve, drawn by `plot.rs`.
    let plot_path = out(&args.plot, "loss.png");
    plot_losses(&losses, acc, &plot_path)?;
    println!("loss curve: {}", plot_path.display());

    // 6. Save the parameters (named `fc1.weight`, ..., as in PyTorch), load them into a
    //    fresh model made from another seed, and check it reads the digits the same way.
    let save_path = out(&args.save, "digits.safetensors");
    autodiff::io::save(&model, &save_path)?;
    println!(
        "parameters: {} ({})",
        save_path.display(),
        autodiff::io::tensor_names(&model).join(", ")
    );
    let fresh = Model::new(&mut Rng::seed(args.seed + 1));
    let reloaded = autodiff::io::load(&fresh, &save_path)?;
    let reloaded_acc = accuracy(&reloaded, &test);
    if reloaded_acc != acc {
        return Err(format!("the reloaded model scores {reloaded_acc}, not {acc}").into());
    }
    println!("reloaded model: test accuracy {reloaded_acc:.4}, the same");
    Ok(())
}

/// The loss of every batch (at its epoch, as a fraction) and each epoch's mean.
struct Losses {
    batches: Vec<(f64, f64)>,
    epochs: Vec<(f64, f64)>,
}

/// `epochs` passes over `train` in shuffled batches. Each batch: record the forward
/// pass, walk it back (which consumes the graph), and let Adam update the model in place.
fn train_model(
    model: &mut Model,
    train: &Digits,
    args: &Args,
    epochs: usize,
    rng: &mut Rng,
) -> Losses {
    let mut adam = Adam::new(args.lr);
    let mut losses = Losses {
        batches: Vec::new(),
        epochs: Vec::new(),
    };
    for epoch in 1..=epochs {
        let batches = train.shuffled_batches(args.batch, rng);
        let steps = batches.len();
        let bar = progress_bar(steps, epoch, epochs);
        let mut sum = 0.0;
        for (i, (images, labels)) in batches.enumerate() {
            let (value, graph) = loss::forward(model, &images, &labels);
            let grads = graph.backward();
            adam.step(model, &grads.model);

            let value = f64::from(value.item());
            sum += value;
            let at = epoch as f64 - 1.0 + (i + 1) as f64 / steps as f64;
            losses.batches.push((at, value));
            bar.set_message(format!("{:.4}", sum / (i + 1) as f64));
            bar.inc(1);
        }
        let mean = sum / steps as f64;
        // The mean over an epoch sits at its middle.
        losses.epochs.push((epoch as f64 - 0.5, mean));
        bar.finish();
        if bar.is_hidden() {
            // Not a terminal (CI, a pipe): one line per epoch instead of the bar.
            println!("epoch {epoch:>2}/{epochs}: loss {mean:.4}");
        }
    }
    losses
}

fn plot_losses(losses: &Losses, acc: f64, path: &std::path::Path) -> std::io::Result<()> {
    let title = format!("digits: training loss (test accuracy {acc:.4})");
    let labels = plot::Labels {
        title: &title,
        x: "epoch",
        y: "loss",
    };
    let series = [
        plot::Series {
            points: &losses.batches,
            color: [150, 185, 230],
            width: 1,
            label: "batch",
        },
        plot::Series {
            points: &losses.epochs,
            color: [200, 60, 40],
            width: 3,
            label: "epoch mean",
        },
    ];
    plot::line_chart(path, &labels, &series)
}

fn progress_bar(len: usize, epoch: usize, epochs: usize) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "epoch {prefix} [{bar:30.cyan/blue}] {pos:>2}/{len} batches, loss {msg}",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    let bar = ProgressBar::new(len as u64).with_style(style);
    bar.set_prefix(format!("{epoch:>2}/{epochs}"));
    bar
}

/// The command line.
struct Args {
    data: PathBuf,
    plot: Option<PathBuf>,
    save: Option<PathBuf>,
    epochs: usize,
    batch: usize,
    lr: f64,
    seed: u64,
}

const USAGE: &str = "\
usage: digits [--plot PATH] [--save PATH] [--data PATH] [--epochs N] [--batch N] [--lr X] [--seed N]
  --plot PATH    the loss curve, a PNG (default: loss.png)
  --save PATH    the trained parameters, a safetensors file (default: digits.safetensors)
  --data PATH    the data (default: data/digits.csv of this project)
  --epochs N     passes over the training images (default: 30)
  --batch N      images per step (default: 32)
  --lr X         Adam's learning rate (default: 0.001)
  --seed N       initial weights and shuffling (default: 0)";

impl Args {
    fn parse() -> Result<Self, String> {
        let mut args = Args {
            data: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv")),
            plot: None,
            save: None,
            epochs: 30,
            batch: 32,
            lr: 1e-3,
            seed: 0,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            if flag == "-h" || flag == "--help" {
                println!("{USAGE}");
                std::process::exit(0);
            }
            let value = it
                .next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}\n{USAGE}");
            match flag.as_str() {
                "--data" => args.data = value.into(),
                "--plot" => args.plot = Some(value.into()),
                "--save" => args.save = Some(value.into()),
                "--epochs" => args.epochs = value.parse().map_err(|e| bad(&e))?,
                "--batch" => args.batch = value.parse().map_err(|e| bad(&e))?,
                "--lr" => args.lr = value.parse().map_err(|e| bad(&e))?,
                "--seed" => args.seed = value.parse().map_err(|e| bad(&e))?,
                _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
            }
        }
        if args.batch == 0 || args.epochs == 0 {
            return Err(format!("--batch and --epochs must be at least 1\n{USAGE}"));
        }
        Ok(args)
    }
}
