//! The untyped tensor under [`Tensor`](crate::Tensor): run-time sizes and shared storage.
//! Kernels work on this level; the typed layer above has already checked the shapes.

use crate::graph::tape::Trace;
use crate::{Dims, Element};
use std::sync::Arc;

/// Contiguous row-major data with its sizes. Clones share the buffer; writers copy first.
/// `trace` says where the tape recorded it, if it did (see `graph/tape.rs`).
#[derive(Clone)]
pub(crate) struct RawTensor<E: Element> {
    pub(crate) dims: Dims,
    pub(crate) data: Arc<Vec<E>>,
    pub(crate) trace: Option<Trace>,
}

impl<E: Element> RawTensor<E> {
    /// Wraps `data`, which must have `dims.numel()` elements.
    pub(crate) fn new(dims: Dims, data: Vec<E>) -> Self {
        debug_assert_eq!(dims.numel(), data.len(), "kernel produced a wrong length");
        RawTensor {
            dims,
            data: Arc::new(data),
            trace: None,
        }
    }

    pub(crate) fn filled(dims: Dims, value: E) -> Self {
        Self::new(dims, vec![value; dims.numel()])
    }

    pub(crate) fn as_slice(&self) -> &[E] {
        &self.data
    }

    /// The data for writing: copied first when another tensor shares it. Writing cuts
    /// the tensor off from any graph (its values no longer match what was recorded).
    pub(crate) fn make_mut(&mut self) -> &mut [E] {
        self.trace = None;
        Arc::make_mut(&mut self.data).as_mut_slice()
    }

    /// The same data under other sizes with the same element count, untraced.
    pub(crate) fn with_dims(&self, dims: Dims) -> Self {
        debug_assert_eq!(dims.numel(), self.dims.numel());
        RawTensor {
            dims,
            data: Arc::clone(&self.data),
            trace: None,
        }
    }

    /// Applies `f` to every element (untraced: ops record through `graph::tape::record`).
    pub(crate) fn map<F: Element>(&self, f: impl Fn(E) -> F) -> RawTensor<F> {
        RawTensor::new(self.dims, self.data.iter().map(|&x| f(x)).collect())
    }
}
