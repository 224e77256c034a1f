//! [`Tensor`]: a value of a compile-time shape, cheap to clone, safe to share across threads.

mod construct;
mod display;
mod random;
pub(crate) mod raw;
pub(crate) mod small;

pub use random::Rng;

use crate::shape::rules::OneElement;
use crate::{Dims, Element, Shape, TensorError};
use core::marker::PhantomData;
use raw::RawTensor;

/// A tensor of shape `S` with elements of type `E` (`f32` by default, or `f64`; `usize` and
/// `bool` tensors hold indices and masks).
///
/// The shape is part of the type, so ops whose shapes disagree do not compile:
///
/// ```
/// use autodiff_core::prelude::*;
/// let a = Tensor::<(U2, U3)>::from_vec(vec![1., 2., 3., 4., 5., 6.]).unwrap();
/// let b = Tensor::<(U3, U1)>::ones();
/// let c: Tensor<(U2, U1)> = a.matmul(&b);
/// assert_eq!(c.to_vec(), vec![6., 15.]);
/// ```
///
/// Storage is contiguous and row-major, behind a shared pointer (or, for at most four
/// elements, inside the tensor itself): `clone` is O(1), and a write through
/// [`Tensor::as_mut_slice`] copies the data first when it is shared, so a value kept
/// elsewhere never changes behind its owner's back.
pub struct Tensor<S: Shape, E: Element = f32> {
    pub(crate) raw: RawTensor<E>,
    shape: PhantomData<fn() -> S>,
}

impl<S: Shape, E: Element> Clone for Tensor<S, E> {
    fn clone(&self) -> Self {
        Tensor::from_raw(self.raw.clone())
    }
}

impl<S: Shape, E: Element> Tensor<S, E> {
    /// Wraps a raw tensor whose sizes the caller has checked against `S`.
    #[inline(always)]
    pub(crate) fn from_raw(raw: RawTensor<E>) -> Self {
        debug_assert!(
            S::from_dims(&raw.dims).is_some(),
            "sizes {:?} do not fit",
            raw.dims
        );
        Tensor {
            raw,
            shape: PhantomData,
        }
    }

    /// The shape as a value (holds the sizes of `Dyn` dimensions).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn, U2)>::zeros_shaped((Dyn(3), U2::default()));
    /// assert_eq!(t.shape(), (Dyn(3), U2::default()));
    /// ```
    pub fn shape(&self) -> S {
        S::from_dims(&self.raw.dims).expect("a tensor's sizes always fit its shape type")
    }

    /// The sizes of the dimensions, outermost first.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(&*Tensor::<(U2, U3)>::zeros().dims(), &[2, 3]);
    /// ```
    pub fn dims(&self) -> Dims {
        self.raw.dims
    }

    /// The number of elements.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U2, U3)>::zeros().numel(), 6);
    /// ```
    pub fn numel(&self) -> usize {
        self.raw.dims.numel()
    }

    /// The elements in row-major order.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,)>::from_vec(vec![1., 2.]).unwrap();
    /// assert_eq!(t.as_slice(), &[1., 2.]);
    /// ```
    pub fn as_slice(&self) -> &[E] {
        self.raw.as_slice()
    }

    /// The elements for writing in place (optimizers). If another tensor shares the
    /// storage, it is copied first, so the other tensor keeps its values. A traced tensor
    /// written this way is detached from its graph.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U2,)>::zeros();
    /// let mut b = a.clone();
    /// b.as_mut_slice()[0] = 5.0;
    /// assert_eq!(a.to_vec(), vec![0., 0.]);
    /// assert_eq!(b.to_vec(), vec![5., 0.]);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [E] {
        self.raw.make_mut()
    }

    /// A copy of the elements in row-major order.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U2,)>::ones().to_vec(), vec![1., 1.]);
    /// ```
    pub fn to_vec(&self) -> Vec<E> {
        self.raw.as_slice().to_vec()
    }

    /// The element at a position, one index per dimension.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    /// assert_eq!(t.get(&[1, 0]), Ok(3.));
    /// assert!(t.get(&[2, 0]).is_err());
    /// ```
    pub fn get(&self, index: &[usize]) -> Result<E, TensorError> {
        let dims = self.raw.dims;
        let out_of_range = || TensorError::IndexOutOfRange {
            index: index.to_vec(),
            dims,
        };
        if index.len() != dims.len() {
            return Err(out_of_range());
        }
        let strides = dims.strides();
        let mut offset = 0;
        for ((&i, &n), &s) in index.iter().zip(dims.iter()).zip(strides.iter()) {
            if i >= n {
                return Err(out_of_range());
            }
            offset += i * s;
        }
        Ok(self.raw.as_slice()[offset])
    }

    /// True when both tensors share one buffer (a clone that nobody has written to).
    /// Tensors of at most four elements keep them inline, without a buffer: each clone
    /// has its own copy, so for them this is always false.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U8,)>::zeros();
    /// assert!(a.shares_storage_with(&a.clone()));
    /// let s = Tensor::<(U2,)>::zeros();
    /// assert!(!s.shares_storage_with(&s.clone()));
    /// ```
    pub fn shares_storage_with(&self, other: &Self) -> bool {
        self.raw.shares_storage_with(&other.raw)
    }

    /// The value of a one-element tensor; on a tensor with more elements (or a `Dyn`
    /// size) a compile error.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<()>::full(2.5);
    /// assert_eq!(t.item(), 2.5);
    /// ```
    pub fn item(&self) -> E
    where
        S: OneElement,
    {
        self.raw.as_slice()[0]
    }
}
