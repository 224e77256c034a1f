//! Constructors: from data, filled, ranges. Random ones are in `random.rs`.

use super::{RawTensor, Tensor};
use crate::{ConstShape, Dim, Element, Float, Shape, TensorError};

impl<S: ConstShape, E: Element> Tensor<S, E> {
    /// A tensor from row-major data.
    ///
    /// # Errors
    /// [`TensorError::LengthMismatch`] when `data.len()` is not the shape's element count;
    /// the error names both lengths.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2, U2)>::from_vec(vec![1., 2., 3., 4.]).unwrap();
    /// assert_eq!(t.get(&[0, 1]), Ok(2.));
    /// let err = Tensor::<(U2, U2)>::from_vec(vec![1., 2., 3.]).unwrap_err();
    /// assert_eq!(err.to_string(), "data has 3 elements but shape [2, 2] needs 4");
    /// ```
    pub fn from_vec(data: Vec<E>) -> Result<Self, TensorError> {
        Self::from_shape_vec(S::default(), data)
    }

    /// A tensor with every element `value`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U2,)>::full(7.).to_vec(), vec![7., 7.]);
    /// ```
    pub fn full(value: E) -> Self {
        Self::full_shaped(S::default(), value)
    }

    /// A tensor of zeros (`0`, `0.0` or `false`).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U3,)>::zeros().to_vec(), vec![0.; 3]);
    /// ```
    pub fn zeros() -> Self {
        Self::full(E::default())
    }
}

impl<S: ConstShape, E: Float> Tensor<S, E> {
    /// A tensor of ones.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U2,), f64>::ones().to_vec(), vec![1.; 2]);
    /// ```
    pub fn ones() -> Self {
        Self::full(E::ONE)
    }
}

impl<S: Shape, E: Element> Tensor<S, E> {
    /// A tensor of the given shape value from row-major data; the way to build tensors
    /// whose shape has [`Dyn`](crate::Dyn) dimensions.
    ///
    /// # Errors
    /// [`TensorError::LengthMismatch`] when `data.len()` is not the shape's element count.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn, U2)>::from_shape_vec((Dyn(2), U2::default()), vec![1., 2., 3., 4.]).unwrap();
    /// assert_eq!(&*t.dims(), &[2, 2]);
    /// ```
    pub fn from_shape_vec(shape: S, data: Vec<E>) -> Result<Self, TensorError> {
        let dims = shape.dims();
        if dims.numel() != data.len() {
            return Err(TensorError::LengthMismatch {
                expected: dims.numel(),
                actual: data.len(),
                dims,
            });
        }
        Ok(Tensor::from_raw(RawTensor::new(dims, data)))
    }

    /// A tensor of the given sizes from row-major data, checking the sizes against `S`.
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`] when the sizes do not fit `S` (wrong rank, or a
    /// compile-time dimension of another size); [`TensorError::LengthMismatch`] as in
    /// [`Tensor::from_shape_vec`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn, U2)>::from_dims_vec(&[1, 2], vec![1., 2.]).unwrap();
    /// assert_eq!(t.shape(), (Dyn(1), U2::default()));
    /// assert!(Tensor::<(Dyn, U2)>::from_dims_vec(&[2, 1], vec![1., 2.]).is_err());
    /// ```
    pub fn from_dims_vec(dims: &[usize], data: Vec<E>) -> Result<Self, TensorError> {
        let shape = S::from_dims(dims).ok_or_else(|| TensorError::ShapeMismatch {
            expected: core::any::type_name::<S>().to_string(),
            actual: dims.to_vec(),
        })?;
        Self::from_shape_vec(shape, data)
    }

    /// A tensor of the given shape value with every element `value`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn,)>::full_shaped((Dyn(3),), 1.5);
    /// assert_eq!(t.to_vec(), vec![1.5; 3]);
    /// ```
    pub fn full_shaped(shape: S, value: E) -> Self {
        Tensor::from_raw(RawTensor::filled(shape.dims(), value))
    }

    /// A tensor of zeros of the given shape value.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn, U2)>::zeros_shaped((Dyn(2), U2::default()));
    /// assert_eq!(t.numel(), 4);
    /// ```
    pub fn zeros_shaped(shape: S) -> Self {
        Self::full_shaped(shape, E::default())
    }

    /// A tensor of zeros with the same shape as `self`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(U2,)>::ones();
    /// assert_eq!(t.zeros_like().to_vec(), vec![0.; 2]);
    /// ```
    pub fn zeros_like(&self) -> Self {
        Tensor::from_raw(RawTensor::filled(self.raw.dims, E::default()))
    }
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// A tensor of ones of the given shape value.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let t = Tensor::<(Dyn,)>::ones_shaped((Dyn(2),));
    /// assert_eq!(t.to_vec(), vec![1.; 2]);
    /// ```
    pub fn ones_shaped(shape: S) -> Self {
        Self::full_shaped(shape, E::ONE)
    }

    /// A tensor of ones with the same shape as `self`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U2,)>::zeros().ones_like().to_vec(), vec![1.; 2]);
    /// ```
    pub fn ones_like(&self) -> Self {
        Tensor::from_raw(RawTensor::filled(self.raw.dims, E::ONE))
    }
}

impl<N: Dim + Default, E: Float> Tensor<(N,), E> {
    /// `0, 1, 2, ...`: one element per position.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U4,)>::arange().to_vec(), vec![0., 1., 2., 3.]);
    /// ```
    pub fn arange() -> Self {
        Self::arange_shaped((N::default(),))
    }

    /// `n` evenly spaced values from `start` to `end`, both included (`start` alone when
    /// `n` is 1).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(U3,)>::linspace(0., 1.).to_vec(), vec![0., 0.5, 1.]);
    /// ```
    pub fn linspace(start: E, end: E) -> Self {
        let n = N::default().size();
        let step = if n > 1 {
            (end - start) / E::from_usize(n - 1)
        } else {
            E::ZERO
        };
        let data = (0..n).map(|i| start + step * E::from_usize(i)).collect();
        Tensor::from_raw(RawTensor::new(crate::Dims::new(&[n]), data))
    }
}

impl<N: Dim, E: Float> Tensor<(N,), E> {
    /// `0, 1, 2, ...` for a shape value (a `Dyn` length).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// assert_eq!(Tensor::<(Dyn,)>::arange_shaped((Dyn(3),)).to_vec(), vec![0., 1., 2.]);
    /// ```
    pub fn arange_shaped(shape: (N,)) -> Self {
        let n = shape.0.size();
        Tensor::from_raw(RawTensor::new(
            crate::Dims::new(&[n]),
            (0..n).map(E::from_usize).collect(),
        ))
    }
}
