//! A tiny timing helper for the benches: warm-up, then the median of several repeats.
//! No external harness, so each bench prints exactly the figures of BENCHMARKS.md.
//!
//! Also the few pieces two or more benches share: a checked `sgemm` for the hand-written
//! baselines, a comparison of library and hand-written results, the report lines, and a
//! global allocator that counts heap allocations on demand ([`count_allocs`]).
//! Each bench binary uses part of this, hence the `allow` below.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Untimed warm-up rounds, then timed rounds, of W1 to W4 (docs/benchmarks.md).
pub const WARMUP: usize = 3;
/// See [`WARMUP`].
pub const REPEATS: usize = 21;

/// The timings of one measured closure, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The median of the repeats: the figure to report.
    pub median: f64,
    /// The fastest repeat, to show the spread.
    pub min: f64,
    /// The slowest repeat, to show the spread.
    pub max: f64,
}

/// Runs `f` `warmup` times untimed, then `repeats` times timed (each call on its own).
///
/// # Panics
/// If `repeats` is 0.
pub fn measure<R>(warmup: usize, repeats: usize, f: impl FnMut() -> R) -> Timing {
    measure_each(warmup, repeats, 1, f)
}

/// [`measure`] for a closure too quick to time alone: each repeat runs it `iters` times,
/// and the timings are per call.
///
/// # Panics
/// If `repeats` or `iters` is 0.
pub fn measure_each<R>(
    warmup: usize,
    repeats: usize,
    iters: u32,
    mut f: impl FnMut() -> R,
) -> Timing {
    assert!(repeats > 0 && iters > 0, "measure: at least one repeat");
    for _ in 0..warmup {
        time(iters, &mut f);
    }
    summary((0..repeats).map(|_| time(iters, &mut f)).collect())
}

/// A library closure against its hand-written twin, timed in alternation.
#[derive(Clone, Copy, Debug)]
pub struct Compared {
    pub library: Timing,
    pub hand: Timing,
    /// The median over the repeats of library time / hand-written time. Each repeat
    /// times both back to back, so load from other processes hits both alike.
    pub ratio: f64,
}

/// Times `library` (`library_iters` calls per repeat) and `hand` (`hand_iters` calls)
/// alternately: warm-up, then `repeats` rounds of one repeat each. Timings are per call.
///
/// # Panics
/// If `repeats` or an iteration count is 0.
pub fn compare<A, B>(
    warmup: usize,
    repeats: usize,
    (library_iters, mut library): (u32, impl FnMut() -> A),
    (hand_iters, mut hand): (u32, impl FnMut() -> B),
) -> Compared {
    assert!(repeats > 0 && library_iters > 0 && hand_iters > 0);
    for _ in 0..warmup {
        time(library_iters, &mut library);
        time(hand_iters, &mut hand);
    }
    let (mut lib, mut hw, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..repeats {
        let l = time(library_iters, &mut library);
        let h = time(hand_iters, &mut hand);
        lib.push(l);
        hw.push(h);
        ratios.push(l / h);
    }
    Compared {
        library: summary(lib),
        hand: summary(hw),
        ratio: summary(ratios).median,
    }
}

/// Seconds per call of `iters` calls of `f`.
fn time<R>(iters: u32, f: &mut impl FnMut() -> R) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed().as_secs_f64() / f64::from(iters)
}

fn summary(mut times: Vec<f64>) -> Timing {
    times.sort_by(f64::total_cmp);
    Timing {
        median: times[times.len() / 2],
        min: times[0],
        max: times[times.len() - 1],
    }
}

/// A unit to print timings in: its name and its length in seconds.
#[derive(Clone, Copy)]
pub struct Unit(pub &'static str, pub f64);

pub const NS: Unit = Unit("ns", 1e-9);
pub const US: Unit = Unit("µs", 1e-6);
pub const MS: Unit = Unit("ms", 1e-3);

/// Prints one timing: `name  median unit  (min .., max ..)`.
pub fn report(name: &str, t: &Timing, unit: Unit) {
    let v = |seconds: f64| seconds / unit.1;
    println!(
        "  {name:<34} {:>10.3} {}   (min {:.3}, max {:.3})",
        v(t.median),
        unit.0,
        v(t.min),
        v(t.max),
    );
}

/// Prints both timings of a comparison and the ratio.
pub fn report_compared(what: &str, library: &str, hand: &str, c: &Compared, unit: Unit) {
    report(library, &c.library, unit);
    report(hand, &c.hand, unit);
    println!(
        "  ratio library / hand-written, {what}: {:.2}x (median of per-round ratios)",
        c.ratio
    );
}

/// Prints the forward-only comparison of W2 to W4: the eager call of the
/// `#[differentiable]` function (nothing recorded) against the hand-written forward.
pub fn report_forward(c: &Compared, unit: Unit) {
    report_compared(
        "forward",
        "library forward (eager, no tape)",
        "hand-written forward",
        c,
        unit,
    );
}

/// Prints the recorded forward of W2 and W3, and how much the library's `what` (its median
/// `full`, in seconds) costs over its eager forward `fwd`.
pub fn report_recording(recorded: &Timing, fwd: &Compared, (what, full): (&str, f64), unit: Unit) {
    report("library forward (recorded, no backward)", recorded, unit);
    println!(
        "  library {what} / eager forward: {:.2}x",
        full / fwd.library.median
    );
}

/// Asserts that two results agree within f32 tolerance: every difference at most `rel`
/// times the largest magnitude in `expected` (or `rel` itself if that is below 1).
/// Returns the largest difference, to print.
pub fn assert_close(what: &str, got: &[f32], expected: &[f32], rel: f32) -> f32 {
    assert_eq!(got.len(), expected.len(), "{what}: lengths differ");
    let scale = expected.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let diff = got
        .iter()
        .zip(expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        diff <= rel * scale,
        "{what}: library and hand-written differ by {diff} (scale {scale})"
    );
    diff
}

/// A row-major or transposed view for [`sgemm`]: rows, columns, row stride, column stride.
#[derive(Clone, Copy)]
pub struct Mat {
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl Mat {
    /// A `rows x cols` matrix stored row-major.
    pub fn rows(rows: usize, cols: usize) -> Mat {
        Mat {
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose of this view (no copy: the strides swap).
    pub fn t(self) -> Mat {
        Mat {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }

    /// The largest offset the view reaches, plus one.
    fn span(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.rs + (self.cols - 1) * self.cs + 1
        }
    }
}

/// `c = a @ b` (beta 0) through `matrixmultiply::sgemm`, one thread; `c` is row-major.
///
/// # Panics
/// If the shapes do not chain or a view does not fit its slice.
pub fn sgemm(a: &[f32], am: Mat, b: &[f32], bm: Mat, c: &mut [f32]) {
    let (m, k, n) = (am.rows, am.cols, bm.cols);
    assert_eq!(bm.rows, k, "sgemm: inner dimensions differ");
    assert!(am.span() <= a.len() && bm.span() <= b.len() && m * n <= c.len());
    // SAFETY: the asserts above keep every offset the kernel reads inside `a` and `b`,
    // and every one it writes (row-major m x n) inside `c`; `c` is an exclusive borrow,
    // so it overlaps neither input; the strides are small and fit in isize.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            am.rs as isize,
            am.cs as isize,
            b.as_ptr(),
            bm.rs as isize,
            bm.cs as isize,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// For profilers: the seconds given in `BENCH_PROFILE_SECONDS`, if set. A bench that gets
/// `Some` runs only its library closure, through [`spin`], and prints no timings.
pub fn profile_seconds() -> Option<f64> {
    let s = std::env::var("BENCH_PROFILE_SECONDS").ok()?;
    Some(
        s.parse()
            .expect("BENCH_PROFILE_SECONDS: a number of seconds"),
    )
}

/// Calls `f` again and again for `seconds`; prints how many calls that was.
pub fn spin<R>(seconds: f64, mut f: impl FnMut() -> R) {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..10 {
            black_box(f());
        }
        calls += 10;
    }
    println!("profile: {calls} calls of the library closure in {seconds} s");
}

/// The system allocator, counting calls and bytes while `COUNTING` is set (off while
/// timing, so timed code pays one relaxed load per allocation and nothing else).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
/// Bytes allocated minus bytes freed since counting started (blocks from before count
/// when freed, so this can go below 0), and its largest value.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

impl Counting {
    fn count(size: usize) {
        if COUNTING.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(size, Relaxed);
            let live = LIVE.fetch_add(size as isize, Relaxed) + size as isize;
            PEAK.fetch_max(live, Relaxed);
        }
    }

    fn uncount(size: usize) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(size as isize, Relaxed);
        }
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::uncount(layout.size());
        Self::count(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::uncount(layout.size());
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations (and reallocations) per call, with the bytes they asked for.
#[derive(Clone, Copy, Debug)]
pub struct Allocs {
    pub calls: f64,
    pub bytes: f64,
}

impl fmt::Display for Allocs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} ({:.0} bytes)", self.calls, self.bytes)
    }
}

/// Calls `f` a few times uncounted (lazy state), then `iters` times counted.
pub fn count_allocs<R>(iters: u32, mut f: impl FnMut() -> R) -> Allocs {
    for _ in 0..3 {
        black_box(f());
    }
    let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    COUNTING.store(true, Relaxed);
    for _ in 0..iters {
        black_box(f());
    }
    COUNTING.store(false, Relaxed);
    let n = f64::from(iters);
    Allocs {
        calls: (ALLOCS.load(Relaxed) - a0) as f64 / n,
        bytes: (BYTES.load(Relaxed) - b0) as f64 / n,
    }
}

/// The most heap memory `f` held at once above what was live when it started, in bytes
/// (after one uncounted call, so that lazily made state is not counted).
pub fn peak_bytes<R>(mut f: impl FnMut() -> R) -> usize {
    black_box(f());
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    black_box(f());
    COUNTING.store(false, Relaxed);
    PEAK.load(Relaxed).max(0) as usize
}
