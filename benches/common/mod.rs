//! A tiny timing helper for the benches: warm-up, then the median of several repeats.
//! No external harness, so each bench prints exactly the figures of BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The timings of one measured closure.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The median of the repeats: the figure to report.
    pub median: Duration,
    /// The fastest repeat, to show the spread.
    pub min: Duration,
    /// The slowest repeat, to show the spread.
    pub max: Duration,
}

/// Runs `f` `warmup` times untimed, then `repeats` times timed (each call on its own).
///
/// # Panics
/// If `repeats` is 0.
pub fn measure<R>(warmup: usize, repeats: usize, mut f: impl FnMut() -> R) -> Timing {
    assert!(repeats > 0, "measure: at least one repeat");
    for _ in 0..warmup {
        black_box(f());
    }
    let mut times: Vec<Duration> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    Timing {
        median: times[times.len() / 2],
        min: times[0],
        max: times[times.len() - 1],
    }
}
