//! The untyped tensor under [`Tensor`](crate::Tensor): run-time sizes and shared storage.
//! Kernels work on this level; the typed layer above has already checked the shapes.

use crate::graph::tape::Trace;
use crate::ops::permute::kernel::transpose_blocks;
use crate::{Dims, Element, Float};
use std::sync::{Arc, OnceLock};

/// Tensors of at most this many elements keep them in the handle itself: making one
/// allocates nothing (scalars, losses and small biases are most of the tensors of a small
/// model's step, see W1 in docs/benchmarks.md).
pub(crate) const INLINE: usize = 4;

/// Contiguous row-major data with its sizes. Clones share the buffer; writers copy first.
/// `trace` says where the tape recorded it, if it did (see `graph/tape.rs`).
///
/// The fields are laid out in this order (`repr(C)`), the storage first: W1's compiled
/// iteration, which moves many freshly built handles, measured 3% faster so (253-256x
/// against 259-264x, in alternation), W3 and W4 unchanged.
#[derive(Clone)]
#[repr(C)]
pub(crate) struct RawTensor<E: Element> {
    data: Storage<E>,
    pub(crate) dims: Dims,
    pub(crate) trace: Option<Trace>,
}

/// Where the elements live. Every variant is immutable once shared: writes go through
/// [`RawTensor::make_mut`], which copies shared data first.
#[derive(Clone)]
enum Storage<E: Element> {
    /// Up to [`INLINE`] elements, copied with the handle (never shared, nothing to free).
    Inline { len: u8, vals: Lanes<E> },
    /// One allocation, header and elements together: what kernels that produce their
    /// elements in order build (`RawTensor::collect`).
    Slice(Arc<[E]>),
    /// A kernel's `Vec`, kept as it is rather than copied into a `Slice`.
    Vec(Arc<Vec<E>>),
    /// The transpose of the last two axes of another buffer, copied only when something
    /// reads the elements: matrix products read the source with strides instead
    /// ([`RawTensor::transposed_source`]), so `x.matmul(&w.t())` copies nothing.
    Transposed(Arc<Transposed<E>>),
}

/// The elements of a tensor held inline, aligned to 16 bytes: copied whole, in one
/// store, so that a later wide load of them forwards from it.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Lanes<E>([E; INLINE]);

/// A buffer of `rows x cols` matrices read as their `cols x rows` transposes.
struct Transposed<E: Element> {
    /// The untransposed elements (any storage; `Inline` only if a reshape made it so).
    src: Storage<E>,
    rows: usize,
    cols: usize,
    /// The transposed elements in row-major order, made by the first `as_slice`.
    done: OnceLock<Vec<E>>,
}

impl<E: Element> Transposed<E> {
    fn get(&self) -> &[E] {
        self.done
            .get_or_init(|| transpose_blocks(self.src.as_slice(), self.rows, self.cols))
    }
}

impl<E: Element> Storage<E> {
    #[inline]
    fn as_slice(&self) -> &[E] {
        match self {
            Storage::Inline { len, vals } => &vals.0[..*len as usize],
            Storage::Slice(s) => s,
            Storage::Vec(v) => v,
            Storage::Transposed(t) => t.get(),
        }
    }

    /// `data` copied inline, when it is short enough.
    fn inline(data: &[E]) -> Option<Self> {
        (data.len() <= INLINE).then(|| {
            let mut vals = [E::default(); INLINE];
            vals[..data.len()].copy_from_slice(data);
            Storage::Inline {
                len: data.len() as u8,
                vals: Lanes(vals),
            }
        })
    }
}

impl<E: Element> RawTensor<E> {
    /// Wraps `data`, which must have `dims.numel()` elements. Kernels that produce their
    /// elements in order should prefer [`RawTensor::collect`] (no `Vec` in between).
    pub(crate) fn new(dims: Dims, data: Vec<E>) -> Self {
        debug_assert_eq!(dims.numel(), data.len(), "kernel produced a wrong length");
        let data = Storage::inline(&data).unwrap_or_else(|| Storage::Vec(Arc::new(data)));
        RawTensor {
            dims,
            data,
            trace: None,
        }
    }

    /// The tensor of sizes `dims` whose elements `values` yields in row-major order: no
    /// allocation for a few elements, one otherwise (when `values` knows its exact
    /// length, as maps and zips over slices do).
    #[inline]
    pub(crate) fn collect(dims: Dims, values: impl IntoIterator<Item = E>) -> Self {
        let n = dims.numel();
        let data = if n <= INLINE {
            let mut vals = [E::default(); INLINE];
            let mut len = 0;
            for (slot, v) in vals.iter_mut().zip(values) {
                *slot = v;
                len += 1;
            }
            debug_assert_eq!(len, n, "kernel produced a wrong length");
            Storage::Inline {
                len: n as u8,
                vals: Lanes(vals),
            }
        } else {
            let data: Arc<[E]> = values.into_iter().collect();
            debug_assert_eq!(data.len(), n, "kernel produced a wrong length");
            Storage::Slice(data)
        };
        RawTensor {
            dims,
            data,
            trace: None,
        }
    }

    /// A tensor of at most [`INLINE`] elements, the first `dims.numel()` of `vals`.
    #[inline]
    pub(crate) fn small(dims: Dims, vals: [E; INLINE]) -> Self {
        let n = dims.numel();
        debug_assert!(n <= INLINE, "a small tensor has at most {INLINE} elements");
        RawTensor {
            dims,
            data: Storage::Inline {
                len: n as u8,
                vals: Lanes(vals),
            },
            trace: None,
        }
    }

    #[inline]
    pub(crate) fn filled(dims: Dims, value: E) -> Self {
        let n = dims.numel();
        if n <= INLINE {
            return RawTensor {
                dims,
                data: Storage::Inline {
                    len: n as u8,
                    vals: Lanes([value; INLINE]),
                },
                trace: None,
            };
        }
        // A large block of zeros from `calloc` may be fresh pages that need no pass here.
        if n * size_of::<E>() >= 1 << 18 {
            return Self::new(dims, vec![value; n]);
        }
        Self::collect(dims, std::iter::repeat_n(value, n))
    }

    #[inline]
    /// The elements in row-major order (a lazy transpose is copied out on the first call).
    pub(crate) fn as_slice(&self) -> &[E] {
        self.data.as_slice()
    }

    /// The elements held in the handle itself, when the tensor is untraced and has
    /// them there (at most [`INLINE`] of them; the rest of the array is unspecified).
    #[inline(always)]
    pub(crate) fn untraced_inline(&self) -> Option<&[E; INLINE]> {
        self.trace.is_none().then(|| self.inline_vals()).flatten()
    }

    /// The elements held in the handle itself, if it holds them there (the whole array:
    /// copied whole, it is one store, which a later wider load can forward from).
    #[inline(always)]
    pub(crate) fn inline_vals(&self) -> Option<&[E; INLINE]> {
        match &self.data {
            Storage::Inline { vals, .. } => Some(&vals.0),
            _ => None,
        }
    }

    /// `self += vals` element-wise, in place, for a tensor of `n` elements (`n` a
    /// constant where this is inlined, so the loop unrolls to `n` additions).
    #[inline(always)]
    pub(crate) fn add_assign_inline(&mut self, vals: &[E; INLINE], n: usize)
    where
        E: Float,
    {
        self.trace = None;
        match &mut self.data {
            Storage::Inline { vals: own, .. } => {
                for (o, &v) in own.0.iter_mut().zip(vals).take(n) {
                    *o = *o + v;
                }
            }
            _ => {
                for (o, &v) in self.make_mut().iter_mut().zip(vals) {
                    *o = *o + v;
                }
            }
        }
    }

    /// Every element set to `value`, in place (copied first when shared).
    #[inline]
    pub(crate) fn fill(&mut self, value: E) {
        self.trace = None;
        match &mut self.data {
            Storage::Inline { vals, .. } => *vals = Lanes([value; INLINE]),
            _ => self.make_mut().fill(value),
        }
    }

    /// The data for writing when no other tensor shares it (nothing copied), `None`
    /// otherwise. Unlike [`RawTensor::make_mut`], leaves the trace as it is.
    pub(crate) fn unique_mut(&mut self) -> Option<&mut [E]> {
        match &mut self.data {
            Storage::Inline { len, vals } => Some(&mut vals.0[..*len as usize]),
            Storage::Slice(s) => Arc::get_mut(s).map(|s| &mut s[..]),
            Storage::Vec(v) => Arc::get_mut(v).map(|v| v.as_mut_slice()),
            Storage::Transposed(_) => None,
        }
    }

    /// The data for writing: copied first when another tensor shares it. Writing cuts
    /// the tensor off from any graph (its values no longer match what was recorded).
    pub(crate) fn make_mut(&mut self) -> &mut [E] {
        self.trace = None;
        if let Storage::Transposed(t) = &mut self.data {
            // Writes need plain row-major data: take the transposed copy when no other
            // handle can read it; otherwise copy it, or make one for this handle alone
            // (the others may never need it).
            let owned = match Arc::get_mut(t).map(|t| t.done.take()) {
                Some(Some(done)) => done,
                _ => match t.done.get() {
                    Some(done) => done.clone(),
                    None => transpose_blocks(t.src.as_slice(), t.rows, t.cols),
                },
            };
            self.data = Storage::Vec(Arc::new(owned));
        }
        match &mut self.data {
            Storage::Inline { len, vals } => &mut vals.0[..*len as usize],
            Storage::Slice(s) => Arc::make_mut(s),
            Storage::Vec(v) => Arc::make_mut(v).as_mut_slice(),
            Storage::Transposed(_) => unreachable!("materialized above"),
        }
    }

    /// True when both hold one buffer. Inline storage is never shared: each handle has
    /// its own copy of its few elements. A lazy transpose shares with its clones, not
    /// with its source (their elements are in different orders).
    pub(crate) fn shares_storage_with(&self, other: &Self) -> bool {
        match (&self.data, &other.data) {
            (Storage::Slice(a), Storage::Slice(b)) => Arc::ptr_eq(a, b),
            (Storage::Vec(a), Storage::Vec(b)) => Arc::ptr_eq(a, b),
            (Storage::Transposed(a), Storage::Transposed(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The transpose of the last two axes (rank 2 or more), untraced. Lazy: the result
    /// holds this buffer and copies it into transposed order only when its elements are
    /// read; matrix products read the buffer in place ([`Self::transposed_source`]). The
    /// transpose of a lazy transpose is its source again, and a few elements are copied
    /// at once (inline, nothing to share).
    pub(crate) fn transpose_last2(&self) -> Self {
        let d = self.dims;
        let r = d.len();
        debug_assert!(r >= 2, "transpose_last2 of a rank-{r} tensor");
        let (rows, cols) = (d[r - 2], d[r - 1]);
        let mut sizes = [0; 4];
        sizes[..r].copy_from_slice(&d);
        sizes.swap(r - 2, r - 1);
        let dims = Dims::new(&sizes[..r]);
        let data = if let Some(t) = self.lazy() {
            t.src.clone()
        } else if d.numel() <= INLINE {
            return RawTensor::new(dims, transpose_blocks(self.as_slice(), rows, cols));
        } else {
            Storage::Transposed(Arc::new(Transposed {
                src: self.data.clone(),
                rows,
                cols,
                done: OnceLock::new(),
            }))
        };
        RawTensor {
            dims,
            data,
            trace: None,
        }
    }

    /// The lazy transpose this tensor holds, when its last two axes are the transposed
    /// ones (`(cols, rows)` of a source of `rows x cols` matrices), whatever reshape the
    /// leading axes went through: then its matrices are the source's, transposed.
    fn lazy(&self) -> Option<&Transposed<E>> {
        let Storage::Transposed(t) = &self.data else {
            return None;
        };
        let r = self.dims.len();
        (r >= 2 && self.dims[r - 2] == t.cols && self.dims[r - 1] == t.rows).then_some(&**t)
    }

    /// The source buffer of a lazy transpose read under its own last two axes (see
    /// [`Self::lazy`]): each of this tensor's matrices, transposed, in row-major order.
    /// Matrix products read it with the transpose flag flipped, and copy nothing.
    pub(crate) fn transposed_source(&self) -> Option<&[E]> {
        self.lazy().map(|t| t.src.as_slice())
    }

    /// Whether reading the elements in row-major order would copy them first (a lazy
    /// transpose nobody has read yet): for tests that a product copies nothing.
    #[cfg(test)]
    pub(crate) fn is_lazy(&self) -> bool {
        matches!(&self.data, Storage::Transposed(t) if t.done.get().is_none())
    }

    /// The same data under other sizes with the same element count, untraced.
    #[inline]
    pub(crate) fn with_dims(&self, dims: Dims) -> Self {
        debug_assert_eq!(dims.numel(), self.dims.numel());
        RawTensor {
            dims,
            data: self.data.clone(),
            trace: None,
        }
    }

    /// Applies `f` to every element (untraced: ops record through `graph::tape::record`).
    pub(crate) fn map<F: Element>(&self, f: impl Fn(E) -> F) -> RawTensor<F> {
        RawTensor::collect(self.dims, self.as_slice().iter().map(|&x| f(x)))
    }
}

impl<E: Float> RawTensor<E> {
    /// The tensor of sizes `dims` whose elements `write` sets, starting from zeros: for
    /// kernels that accumulate into their output. A few elements are written on the
    /// stack and stored inline (no `filled` + `make_mut` round trip).
    #[inline]
    pub(crate) fn from_zeroed(dims: Dims, write: impl FnOnce(&mut [E])) -> Self {
        let n = dims.numel();
        if n <= INLINE {
            let mut vals = [E::ZERO; INLINE];
            write(&mut vals[..n]);
            return RawTensor {
                dims,
                data: Storage::Inline {
                    len: n as u8,
                    vals: Lanes(vals),
                },
                trace: None,
            };
        }
        let mut out = Self::filled(dims, E::ZERO);
        write(out.make_mut());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One tensor per kind of storage: inline, one allocation, a kernel's `Vec`.
    fn each_kind() -> [RawTensor<f64>; 3] {
        [
            RawTensor::collect(Dims::new(&[3]), [1., 2., 3.]),
            RawTensor::collect(Dims::new(&[2, 3]), (1..=6).map(f64::from)),
            RawTensor::new(Dims::new(&[6]), (1..=6).map(f64::from).collect()),
        ]
    }

    #[test]
    fn writes_copy_shared_storage_first() {
        for t in each_kind() {
            let mut w = t.clone();
            let inline = t.dims.numel() <= INLINE;
            assert_eq!(t.shares_storage_with(&w), !inline);
            w.make_mut()[0] = -1.0;
            assert_eq!(t.as_slice()[0], 1.0);
            assert_eq!(w.as_slice()[0], -1.0);
            assert!(!t.shares_storage_with(&w));
        }
    }

    #[test]
    fn a_lone_handle_writes_in_place() {
        for mut t in each_kind() {
            let before = t.as_slice().as_ptr();
            t.make_mut()[1] = 0.0;
            assert_eq!(t.as_slice().as_ptr(), before);
            assert_eq!(t.as_slice()[1], 0.0);
        }
    }

    #[test]
    fn filled_and_mapped_tensors_have_every_element() {
        for n in [0, 1, 4, 5, 100] {
            let t = RawTensor::filled(Dims::new(&[n]), 2.0f32);
            assert_eq!(t.as_slice(), vec![2.0; n].as_slice());
            assert_eq!(t.map(|x| x + 1.0).as_slice(), vec![3.0; n].as_slice());
        }
    }

    #[test]
    fn from_zeroed_starts_from_zeros_inline_or_not() {
        for n in [0, 1, 3, 4, 5, 100] {
            let t = RawTensor::<f64>::from_zeroed(Dims::new(&[n]), |out| {
                assert!(out.iter().all(|&v| v == 0.0));
                out.iter_mut().step_by(2).for_each(|v| *v += 1.5);
            });
            let want: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { 1.5 } else { 0.0 }).collect();
            assert_eq!(t.as_slice(), want.as_slice());
            assert_eq!(t.dims, Dims::new(&[n]));
            assert!(t.trace.is_none());
        }
    }

    /// `rows x cols` matrices one after the other, transposed by index arithmetic.
    fn naive_transpose(x: &[f64], rows: usize, cols: usize) -> Vec<f64> {
        let size = rows * cols;
        (0..x.len())
            .map(|o| {
                let (b, j, i) = (o / size, o % size / rows, o % rows);
                x[b * size + i * cols + j]
            })
            .collect()
    }

    #[test]
    fn lazy_transpose_matches_the_copy_at_every_rank() {
        for sizes in [
            &[2, 3][..],
            &[3, 1, 5],
            &[2, 3, 4, 2],
            &[1, 7, 1],
            &[2, 2, 2],
        ] {
            let n = Dims::new(sizes).numel();
            let x = RawTensor::collect(Dims::new(sizes), (0..n).map(|i| i as f64 * 0.5));
            let t = x.transpose_last2();
            let r = sizes.len();
            let mut want = sizes.to_vec();
            want.swap(r - 2, r - 1);
            assert_eq!(&*t.dims, &want[..]);
            assert!(t.is_lazy(), "{sizes:?}");
            assert_eq!(t.transposed_source(), Some(x.as_slice()));
            let (rows, cols) = (sizes[r - 2], sizes[r - 1]);
            assert_eq!(t.as_slice(), naive_transpose(x.as_slice(), rows, cols));
            assert!(!t.is_lazy(), "as_slice keeps its copy");
            // Twice transposed is the source itself, whether or not the copy was made.
            let back = t.transpose_last2();
            assert_eq!(back.dims, x.dims);
            assert!(back.shares_storage_with(&x));
            assert!(!t.shares_storage_with(&x));
        }
    }

    #[test]
    fn a_few_elements_are_transposed_at_once() {
        let x = RawTensor::collect(Dims::new(&[2, 2]), [1., 2., 3., 4.]);
        let t = x.transpose_last2();
        assert!(!t.is_lazy());
        assert_eq!(t.transposed_source(), None);
        assert_eq!(t.as_slice(), &[1., 3., 2., 4.]);
        let e = RawTensor::<f64>::collect(Dims::new(&[0, 3]), []);
        assert_eq!(e.transpose_last2().dims, Dims::new(&[3, 0]));
    }

    #[test]
    fn lazy_transposes_copy_on_write() {
        let x = RawTensor::collect(Dims::new(&[2, 3]), (1..=6).map(f64::from));
        let t = x.transpose_last2();
        let want = [1., 4., 2., 5., 3., 6.];
        // Clones share the lazy transpose; the first to write gets its own copy.
        let mut w = t.clone();
        assert!(w.shares_storage_with(&t));
        w.make_mut()[0] = -1.0;
        assert!(!w.shares_storage_with(&t));
        assert_eq!(w.as_slice(), &[-1., 4., 2., 5., 3., 6.]);
        assert!(t.is_lazy(), "the other handle still reads the source");
        assert_eq!(t.as_slice(), &want);
        assert_eq!(x.as_slice(), &[1., 2., 3., 4., 5., 6.]);
        // Writing the source leaves a transpose taken earlier as it was.
        let mut src = x.clone();
        let t2 = x.transpose_last2();
        drop(x);
        src.make_mut()[0] = 9.0;
        assert_eq!(t2.as_slice(), &want);
        // A lone lazy handle keeps its transposed copy for writing, read or not.
        for read_first in [false, true] {
            let mut t3 = src.transpose_last2();
            let ptr = read_first.then(|| t3.as_slice().as_ptr());
            t3.make_mut()[1] = 0.0;
            if let Some(ptr) = ptr {
                assert_eq!(t3.as_slice().as_ptr(), ptr);
            }
            assert!(t3.transposed_source().is_none());
            assert_eq!(t3.as_slice(), &[9., 0., 2., 5., 3., 6.]);
        }
        assert_eq!(src.as_slice(), &[9., 2., 3., 4., 5., 6.]);
    }

    #[test]
    fn reshaped_lazy_transposes_read_their_source_only_under_the_same_matrices() {
        let x = RawTensor::collect(Dims::new(&[2, 3, 4]), (0..24).map(f64::from));
        let t = x.transpose_last2();
        let want = naive_transpose(x.as_slice(), 3, 4);
        // Leading axes merged or split: the same matrices.
        let flat = t.with_dims(Dims::new(&[1, 2, 4, 3]));
        assert_eq!(flat.transposed_source(), Some(x.as_slice()));
        // Other matrices: no source, the elements in transposed order.
        let other = t.with_dims(Dims::new(&[8, 3]));
        assert_eq!(other.transposed_source(), None);
        assert_eq!(other.as_slice(), want);
        // The transpose of such a view is a transpose of the transposed elements.
        let tt = other.transpose_last2();
        assert_eq!(tt.as_slice(), naive_transpose(&want, 8, 3));
    }

    #[test]
    fn handles_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<RawTensor<f32>>();
    }

    #[test]
    fn handles_stay_small() {
        // Backward passes move handles between vectors: keep them at twelve words in f32
        // (ten, and the inline elements' alignment to 16 bytes, which W1 gains 2-3% from
        // and W3 and W4 do not notice), fourteen in f64.
        assert!(size_of::<RawTensor<f32>>() <= 96);
        assert!(size_of::<RawTensor<f64>>() <= 112);
    }
}
