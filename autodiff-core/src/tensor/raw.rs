//! The untyped tensor under [`Tensor`](crate::Tensor): run-time sizes and shared storage.
//! Kernels work on this level; the typed layer above has already checked the shapes.

use crate::graph::tape::Trace;
use crate::{Dims, Element, Float};
use std::sync::Arc;

/// Tensors of at most this many elements keep them in the handle itself: making one
/// allocates nothing (scalars, losses and small biases are most of the tensors of a small
/// model's step, see W1 in docs/benchmarks.md).
const INLINE: usize = 4;

/// Contiguous row-major data with its sizes. Clones share the buffer; writers copy first.
/// `trace` says where the tape recorded it, if it did (see `graph/tape.rs`).
#[derive(Clone)]
pub(crate) struct RawTensor<E: Element> {
    pub(crate) dims: Dims,
    data: Storage<E>,
    pub(crate) trace: Option<Trace>,
}

/// Where the elements live. Every variant is immutable once shared: writes go through
/// [`RawTensor::make_mut`], which copies shared data first.
#[derive(Clone)]
enum Storage<E: Element> {
    /// Up to [`INLINE`] elements, copied with the handle (never shared, nothing to free).
    Inline { len: u8, vals: [E; INLINE] },
    /// One allocation, header and elements together: what kernels that produce their
    /// elements in order build (`RawTensor::collect`).
    Slice(Arc<[E]>),
    /// A kernel's `Vec`, kept as it is rather than copied into a `Slice`.
    Vec(Arc<Vec<E>>),
}

impl<E: Element> Storage<E> {
    /// `data` copied inline, when it is short enough.
    fn inline(data: &[E]) -> Option<Self> {
        (data.len() <= INLINE).then(|| {
            let mut vals = [E::default(); INLINE];
            vals[..data.len()].copy_from_slice(data);
            Storage::Inline {
                len: data.len() as u8,
                vals,
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
            Storage::Inline { len: n as u8, vals }
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

    #[inline]
    pub(crate) fn filled(dims: Dims, value: E) -> Self {
        let n = dims.numel();
        if n <= INLINE {
            return RawTensor {
                dims,
                data: Storage::Inline {
                    len: n as u8,
                    vals: [value; INLINE],
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
    pub(crate) fn as_slice(&self) -> &[E] {
        match &self.data {
            Storage::Inline { len, vals } => &vals[..*len as usize],
            Storage::Slice(s) => s,
            Storage::Vec(v) => v,
        }
    }

    /// The data for writing: copied first when another tensor shares it. Writing cuts
    /// the tensor off from any graph (its values no longer match what was recorded).
    pub(crate) fn make_mut(&mut self) -> &mut [E] {
        self.trace = None;
        match &mut self.data {
            Storage::Inline { len, vals } => &mut vals[..*len as usize],
            Storage::Slice(s) => Arc::make_mut(s),
            Storage::Vec(v) => Arc::make_mut(v).as_mut_slice(),
        }
    }

    /// True when both hold one buffer. Inline storage is never shared: each handle has
    /// its own copy of its few elements.
    pub(crate) fn shares_storage_with(&self, other: &Self) -> bool {
        match (&self.data, &other.data) {
            (Storage::Slice(a), Storage::Slice(b)) => Arc::ptr_eq(a, b),
            (Storage::Vec(a), Storage::Vec(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
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
                data: Storage::Inline { len: n as u8, vals },
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

    #[test]
    fn handles_stay_small() {
        // Backward passes move handles between vectors: keep them at ten words.
        assert!(size_of::<RawTensor<f32>>() <= 80);
    }
}
