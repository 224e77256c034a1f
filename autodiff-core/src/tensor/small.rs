//! Tensors of a compile-time shape with at most [`INLINE`] elements: their sizes as
//! constants, and the eager ops on them written as loops over those constants.
//!
//! An op on such tensors that records nothing (no operand traced) skips the general
//! path (sizes computed and checked at run time, kernels over slices, the tape's check):
//! each function below returns `None` unless every shape involved is small and every
//! operand untraced and held inline, and the typed ops try it first. The shape test is a
//! constant, so for other shapes the compiler removes the call. W1's eager forward pass
//! (docs/benchmarks.md) is four such ops.

use super::raw::{RawTensor, INLINE};
use crate::{Dims, Float, Shape, Tensor};
use core::marker::PhantomData;

/// A shape's sizes as constants, so that the loops over them unroll.
pub(crate) struct Sizes<S>(PhantomData<S>);

impl<S: Shape> Sizes<S> {
    /// The number of elements when every size is known at compile time and there are at
    /// most [`INLINE`], else `None`.
    pub(crate) const SMALL: Option<usize> = small_numel(S::FIXED, S::RANK);
    /// The number of elements of a small shape (0 for another).
    pub(crate) const N: usize = match Self::SMALL {
        Some(n) => n,
        None => 0,
    };
    /// Whether every size is known at compile time (of any count of elements).
    pub(crate) const FIXED: bool = {
        let mut all = true;
        let mut i = 0;
        while i < S::RANK {
            all &= S::FIXED[i].is_some();
            i += 1;
        }
        all
    };
    /// The sizes of a shape of compile-time sizes, then 1s.
    const DIMS: [usize; 4] = {
        let mut d = [1; 4];
        let mut i = 0;
        while i < S::RANK {
            if let Some(n) = S::FIXED[i] {
                d[i] = n;
            }
            i += 1;
        }
        d
    };

    /// The sizes of a shape of compile-time sizes.
    #[inline(always)]
    pub(crate) fn dims() -> Dims {
        Dims::new(&Self::DIMS[..S::RANK])
    }
}

/// The product of the first `rank` sizes when all are known and it is at most
/// [`INLINE`].
const fn small_numel(fixed: [Option<usize>; 4], rank: usize) -> Option<usize> {
    let mut n = 1;
    let mut i = 0;
    while i < rank {
        match fixed[i] {
            Some(k) => n *= k,
            None => return None,
        }
        i += 1;
    }
    if n <= INLINE {
        Some(n)
    } else {
        None
    }
}

/// Where element `i` of a tensor of sizes `to` reads from a tensor of sizes `from`
/// broadcast to it (sizes aligned on the right; a size 1 repeats its one element).
#[inline(always)]
pub(crate) fn source(i: usize, to: &Dims, from: &Dims) -> usize {
    let (rt, rf) = (to.len(), from.len());
    let (mut rest, mut at, mut stride) = (i, 0, 1);
    for ax in (0..rt).rev() {
        let coord = rest % to[ax];
        rest /= to[ax];
        if ax + rf >= rt {
            let size = from[ax + rf - rt];
            if size != 1 {
                at += coord * stride;
            }
            stride *= size;
        }
    }
    at
}

/// The elements of `t` when its shape is small and it is untraced and held inline.
#[inline(always)]
fn vals<S: Shape, E: Float>(t: &Tensor<S, E>) -> Option<&[E; INLINE]> {
    Sizes::<S>::SMALL?;
    t.raw.untraced_inline()
}

/// The tensor of shape `O` (small) with elements `v`.
#[inline(always)]
fn make<O: Shape, E: Float>(v: [E; INLINE]) -> Tensor<O, E> {
    Tensor::from_raw(RawTensor::small(Sizes::<O>::dims(), v))
}

/// `f(a, b)` element-wise with broadcasting, into shape `O`.
#[inline(always)]
pub(crate) fn zip<A: Shape, B: Shape, O: Shape, E: Float>(
    a: &Tensor<A, E>,
    b: &Tensor<B, E>,
    f: impl Fn(E, E) -> E,
) -> Option<Tensor<O, E>> {
    Sizes::<O>::SMALL?;
    let (x, y) = (vals(a)?, vals(b)?);
    let (to, da, db) = (Sizes::<O>::dims(), Sizes::<A>::dims(), Sizes::<B>::dims());
    let mut out = [E::ZERO; INLINE];
    for (i, o) in out.iter_mut().enumerate().take(Sizes::<O>::N) {
        *o = f(x[source(i, &to, &da)], y[source(i, &to, &db)]);
    }
    Some(make(out))
}

/// `f(x)` element-wise.
#[inline(always)]
pub(crate) fn map<S: Shape, E: Float>(
    t: &Tensor<S, E>,
    f: impl Fn(E) -> E,
) -> Option<Tensor<S, E>> {
    let x = vals(t)?;
    let mut out = [E::ZERO; INLINE];
    for (o, &v) in out.iter_mut().zip(x).take(Sizes::<S>::N) {
        *o = f(v);
    }
    Some(make(out))
}

/// The sum of all elements.
#[inline(always)]
pub(crate) fn sum<S: Shape, E: Float>(t: &Tensor<S, E>) -> Option<Tensor<(), E>> {
    let x = vals(t)?;
    let mut total = E::ZERO;
    for &v in &x[..Sizes::<S>::N] {
        total = total + v;
    }
    let mut out = [E::ZERO; INLINE];
    out[0] = total;
    Some(make(out))
}

/// How the operands of a matrix product are read: a batch of `m x k` times `k x n`
/// matrices (`n x k` read transposed for `matmul_t`), a vector operand read as a row
/// (left) or a column (right), an operand without the batch shared by all of it.
pub(crate) struct Product {
    pub(crate) batch: Dims,
    pub(crate) batch_a: Dims,
    pub(crate) batch_b: Dims,
    pub(crate) m: usize,
    pub(crate) k: usize,
    pub(crate) n: usize,
}

impl Product {
    /// The product of operands of sizes `a` and `b`.
    #[inline(always)]
    pub(crate) fn of(a: Dims, b: Dims, transposed: bool) -> Self {
        let (ra, rb) = (a.len(), b.len());
        let (m, k) = if ra == 1 {
            (1, a[0])
        } else {
            (a[ra - 2], a[ra - 1])
        };
        let n = match (rb, transposed) {
            (1, _) => 1,
            (_, false) => b[rb - 1],
            (_, true) => b[rb - 2],
        };
        let batch_a = Dims::new(&a[..ra.saturating_sub(2)]);
        let batch_b = Dims::new(&b[..rb.saturating_sub(2)]);
        let batch = if batch_a.len() >= batch_b.len() {
            batch_a
        } else {
            batch_b
        };
        Product {
            batch,
            batch_a,
            batch_b,
            m,
            k,
            n,
        }
    }

    /// Calls `f(out, a, b)` with the indices of every term of the product: output
    /// element `out` gets `a[a] * b[b]`.
    #[inline(always)]
    pub(crate) fn terms(&self, transposed: bool, mut f: impl FnMut(usize, usize, usize)) {
        let (m, k, n) = (self.m, self.k, self.n);
        for z in 0..self.batch.numel() {
            let za = source(z, &self.batch, &self.batch_a) * m * k;
            let zb = source(z, &self.batch, &self.batch_b) * k * n;
            for i in 0..m {
                for j in 0..n {
                    for q in 0..k {
                        let ib = zb + if transposed { j * k + q } else { q * n + j };
                        f((z * m + i) * n + j, za + i * k + q, ib);
                    }
                }
            }
        }
    }
}

/// `a @ b` (`a @ bᵀ` when `transposed`), into shape `O`.
#[inline(always)]
pub(crate) fn matmul<A: Shape, B: Shape, O: Shape, E: Float>(
    a: &Tensor<A, E>,
    b: &Tensor<B, E>,
    transposed: bool,
) -> Option<Tensor<O, E>> {
    Sizes::<O>::SMALL?;
    let (x, y) = (vals(a)?, vals(b)?);
    let p = Product::of(Sizes::<A>::dims(), Sizes::<B>::dims(), transposed);
    let mut out = [E::ZERO; INLINE];
    p.terms(transposed, |o, ia, ib| out[o] = out[o] + x[ia] * y[ib]);
    Some(make(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Dyn, U1, U2, U3};

    #[test]
    fn source_maps_broadcast_indices() {
        let to = Dims::new(&[2, 2]);
        // A row (1, 2) repeats down; a column (2, 1) across; a scalar everywhere.
        let at = |from: &[usize]| -> Vec<usize> {
            (0..4).map(|i| source(i, &to, &Dims::new(from))).collect()
        };
        assert_eq!(at(&[1, 2]), [0, 1, 0, 1]);
        assert_eq!(at(&[2, 1]), [0, 0, 1, 1]);
        assert_eq!(at(&[2]), [0, 1, 0, 1]);
        assert_eq!(at(&[]), [0, 0, 0, 0]);
    }

    #[test]
    fn only_compile_time_shapes_of_four_elements_or_fewer_are_small() {
        assert_eq!(Sizes::<()>::SMALL, Some(1));
        assert_eq!(Sizes::<(U2, U2)>::SMALL, Some(4));
        assert_eq!(Sizes::<(U1, U3)>::SMALL, Some(3));
        assert_eq!(Sizes::<(U2, U3)>::SMALL, None);
        assert_eq!(Sizes::<(Dyn, U1)>::SMALL, None);
        assert_eq!(&*Sizes::<(U1, U3)>::dims(), &[1, 3]);
    }

    /// Each fast path gives what the general op gives (element-wise ops exactly, products
    /// within rounding), and was taken.
    #[test]
    fn the_fast_paths_agree_with_the_general_ops() {
        use crate::ops::binary::{add_raw, div_raw, mul_raw, scale_raw, sub_raw};
        use crate::ops::matmul::{matmul_raw, transpose_raw};
        use crate::ops::reduce::sum_raw;
        use crate::ops::unary::fastmath;
        type M22 = Tensor<(U2, U2), f64>;
        let a = M22::from_vec(vec![0.5, -1.0, 1.5, 2.0]).unwrap();
        let r = Tensor::<(U2,), f64>::from_vec(vec![0.3, -0.7]).unwrap();
        let c = Tensor::<(U2, U1), f64>::from_vec(vec![1.25, -2.0]).unwrap();
        let s = Tensor::<(), f64>::full(0.75);
        let fast = |t: Option<M22>| t.expect("the fast path").to_vec();
        let general = |t: RawTensor<f64>| t.as_slice().to_vec();
        assert_eq!(
            fast(zip(&a, &r, |x, y| x + y)),
            general(add_raw(&a.raw, &r.raw))
        );
        assert_eq!(
            fast(zip(&r, &a, |x, y| x - y)),
            general(sub_raw(&r.raw, &a.raw))
        );
        assert_eq!(
            fast(zip(&c, &r, |x, y| x * y)),
            general(mul_raw(&c.raw, &r.raw))
        );
        assert_eq!(
            fast(zip(&a, &c, |x, y| x / y)),
            general(div_raw(&a.raw, &c.raw))
        );
        assert_eq!(
            fast(zip(&s, &a, |x, y| x * y)),
            general(mul_raw(&s.raw, &a.raw))
        );
        // The typed ops take these paths, scalars on either side included.
        assert_eq!((&c * &r).to_vec(), general(mul_raw(&c.raw, &r.raw)));
        assert_eq!((&a * 3.0).to_vec(), general(scale_raw(&a.raw, 3.0)));
        assert_eq!(
            (2.0 / &a).to_vec(),
            a.to_vec().iter().map(|x| 2.0 / x).collect::<Vec<_>>()
        );
        assert_eq!(
            (1.0 - &a).to_vec(),
            a.to_vec().iter().map(|x| 1.0 - x).collect::<Vec<_>>()
        );
        assert_eq!((-&a).to_vec(), general(scale_raw(&a.raw, -1.0)));

        type Unary = (M22, fn(f64) -> f64);
        let unary: [Unary; 8] = [
            (a.exp(), fastmath::exp),
            (a.tanh(), fastmath::tanh),
            (a.sigmoid(), fastmath::sigmoid),
            (a.abs().ln(), |x| x.abs().ln()),
            (a.square(), |x| x * x),
            (a.powi(3), |x| x.powi(3)),
            (a.recip(), |x| 1.0 / x),
            (a.relu(), |x| x.max(0.0)),
        ];
        for (i, (got, f)) in unary.iter().enumerate() {
            let want: Vec<f64> = a.to_vec().into_iter().map(f).collect();
            assert_eq!(got.to_vec(), want, "unary op {i}");
        }
        assert_eq!(sum(&a).unwrap().item(), general(sum_raw(&a.raw))[0]);

        let close = |got: Vec<f64>, want: Vec<f64>| {
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-12, "{got:?} against {want:?}");
            }
        };
        let row = Tensor::<(U1, U2), f64>::from_vec(vec![0.25, -1.5]).unwrap();
        let batch = Tensor::<(U2, U1, U2), f64>::from_vec(vec![1.0, -0.5, 0.25, 2.0]).unwrap();
        let cols = Tensor::<(U2, U2, U1), f64>::from_vec(vec![0.5, 1.5, -2.0, 0.75]).unwrap();
        let mm = |x: &RawTensor<f64>, y: &RawTensor<f64>| general(matmul_raw(x, y));
        close(fast(matmul(&a, &a, false)), mm(&a.raw, &a.raw));
        close(a.matmul(&r).to_vec(), mm(&a.raw, &r.raw));
        close(r.matmul(&a).to_vec(), mm(&r.raw, &a.raw));
        close(r.matmul(&r).to_vec(), mm(&r.raw, &r.raw));
        close(row.matmul(&a).to_vec(), mm(&row.raw, &a.raw));
        close(batch.matmul(&cols).to_vec(), mm(&batch.raw, &cols.raw));
        close(batch.matmul(&a).to_vec(), mm(&batch.raw, &a.raw));
        let at = transpose_raw(&a.raw);
        close(row.matmul_t(&a).to_vec(), mm(&row.raw, &at));
        close(batch.matmul_t(&a).to_vec(), mm(&batch.raw, &at));
        assert!(matmul::<_, _, (U2, U1, U1), _>(&batch, &cols, false).is_some());
    }

    #[test]
    fn traced_or_large_operands_take_the_general_path() {
        let big = Tensor::<(U2, U3), f64>::ones();
        assert!(map(&big, |x| x).is_none());
        let x = Tensor::<(U2,), f64>::ones();
        let (_, _) = crate::vjp(&x, |x| {
            assert!(map(&x, |v| v).is_none(), "a traced operand records");
            x.clone()
        });
        assert!(map(&x, |v| v + 1.0).is_some());
    }
}
