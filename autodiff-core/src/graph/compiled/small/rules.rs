//! The rules on small arrays: each op's backward step, with the name and the argument
//! order of its counterpart on tensors (`compiled::rules`).

use super::{dims, numel, Small};
use crate::graph::compiled::Like;
use crate::tensor::raw::RawTensor;
use crate::tensor::small::{source, Product};
use crate::{Float, Shape, Tensor};
use core::marker::PhantomData;

pub use crate::graph::compiled::rules::{
    d_abs, d_cos, d_exp, d_ln, d_powi, d_rdiv, d_recip, d_relu, d_sigmoid, d_sin, d_sqrt, d_square,
    d_tanh,
};

/// An empty gradient slot for a value like `_like`.
#[inline(always)]
pub fn none<S: Shape, E: Float>(_like: Like<S, E>) -> Option<Small<S, E>> {
    None
}

/// The seed as the type of the output's last op.
#[inline(always)]
pub fn reseed<T: Shape, S: Shape, E: Float>(seed: Small<T, E>, _like: Like<S, E>) -> Small<S, E> {
    Small {
        v: seed.v,
        _p: PhantomData,
    }
}

/// Adds `g` into a gradient slot.
#[inline(always)]
pub fn acc<S: Shape, E: Float>(slot: &mut Option<Small<S, E>>, g: Small<S, E>) {
    match slot {
        None => *slot = Some(g),
        Some(prev) => {
            for (p, q) in prev.v.iter_mut().zip(g.v) {
                *p = *p + q;
            }
        }
    }
}

/// `f(g_i, other_i)` for each element of `g` (shape `T`; `other` broadcast to it), summed
/// back to the sizes `S` of an operand `T` was broadcast from: the broadcasting ops' rules.
#[inline(always)]
fn sum_back<T: Shape, U: Shape, S: Shape, E: Float>(
    g: &Small<T, E>,
    other: &Small<U, E>,
    f: impl Fn(E, E) -> E,
) -> Small<S, E> {
    let (to, o, s) = (dims::<T>(), dims::<U>(), dims::<S>());
    let mut out = Small::zeros();
    for i in 0..numel::<T>() {
        let j = source(i, &to, &s);
        out.v[j] = out.v[j] + f(g.v[i], other.v[source(i, &to, &o)]);
    }
    out
}

/// `g` summed back to the sizes of an operand it was broadcast from (`+`, `-`).
#[inline(always)]
pub fn unbroadcast<T: Shape, S: Shape, E: Float>(
    g: &Small<T, E>,
    _like: Like<S, E>,
) -> Small<S, E> {
    sum_back(g, g, |g, _| g)
}

/// `slot += g` summed back to the operand's sizes.
#[inline(always)]
pub fn acc_unbroadcast<T: Shape, S: Shape, E: Float>(
    slot: &mut Option<Small<S, E>>,
    g: &Small<T, E>,
    like: Like<S, E>,
) {
    acc(slot, unbroadcast(g, like));
}

/// `-g` summed back to an operand's sizes (the right operand of `-`).
#[inline(always)]
pub fn neg_unbroadcast<T: Shape, S: Shape, E: Float>(
    g: &Small<T, E>,
    like: Like<S, E>,
) -> Small<S, E> {
    neg(unbroadcast(g, like))
}

/// `g * other` summed back to an operand's sizes (either operand of `*`).
#[inline(always)]
pub fn mul_grad<T: Shape, U: Shape, S: Shape, E: Float>(
    g: &Small<T, E>,
    other: &Small<U, E>,
    _like: Like<S, E>,
) -> Small<S, E> {
    sum_back(g, other, |g, o| g * o)
}

/// `slot += g * other` summed back to the operand's sizes.
#[inline(always)]
pub fn acc_mul<T: Shape, U: Shape, S: Shape, E: Float>(
    slot: &mut Option<Small<S, E>>,
    g: &Small<T, E>,
    other: &Small<U, E>,
    like: Like<S, E>,
) {
    acc(slot, mul_grad(g, other, like));
}

/// `g / b` summed back to the left operand's sizes (`a / b`).
#[inline(always)]
pub fn div_lhs_grad<T: Shape, U: Shape, S: Shape, E: Float>(
    g: &Small<T, E>,
    b: &Small<U, E>,
    _like: Like<S, E>,
) -> Small<S, E> {
    sum_back(g, b, |g, b| g / b)
}

/// `-g a / b²` summed back to the right operand's sizes (`a / b`).
#[inline(always)]
pub fn div_rhs_grad<T: Shape, A: Shape, S: Shape, E: Float>(
    g: &Small<T, E>,
    a: &Small<A, E>,
    b: &Small<S, E>,
) -> Small<S, E> {
    let (to, da, s) = (dims::<T>(), dims::<A>(), dims::<S>());
    let mut out = Small::zeros();
    for i in 0..numel::<T>() {
        let j = source(i, &to, &s);
        let bj = b.v[j];
        out.v[j] = out.v[j] - g.v[i] * a.v[source(i, &to, &da)] / (bj * bj);
    }
    out
}

/// `g * s` for a scalar factor `s`.
#[inline(always)]
pub fn scale<S: Shape, E: Float>(mut g: Small<S, E>, s: E) -> Small<S, E> {
    for v in &mut g.v {
        *v = *v * s;
    }
    g
}

/// `g / s` for a scalar divisor.
#[inline(always)]
pub fn scale_div<S: Shape, E: Float>(mut g: Small<S, E>, s: E) -> Small<S, E> {
    for v in &mut g.v {
        *v = *v / s;
    }
    g
}

/// `-g`.
#[inline(always)]
pub fn neg<S: Shape, E: Float>(mut g: Small<S, E>) -> Small<S, E> {
    for v in &mut g.v {
        *v = -*v;
    }
    g
}

/// The gradient of `s / a` for a scalar `s`: `-g s / a²`.
#[inline(always)]
pub fn rdiv_grad<S: Shape, E: Float>(g: Small<S, E>, s: E, a: &Small<S, E>) -> Small<S, E> {
    unary(g, a, d_rdiv(s))
}

/// `g_i = d(g_i, s_i)` element-wise: a unary op's rule, with `s` the input or the output
/// it saved.
#[inline(always)]
pub fn unary<S: Shape, E: Float>(
    mut g: Small<S, E>,
    s: &Small<S, E>,
    d: impl Fn(E, E) -> E,
) -> Small<S, E> {
    for i in 0..numel::<S>() {
        g.v[i] = d(g.v[i], s.v[i]);
    }
    g
}

/// `powi(n)`: `g n x^(n-1)`.
#[inline(always)]
pub fn powi_grad<S: Shape, E: Float>(g: Small<S, E>, x: &Small<S, E>, n: i32) -> Small<S, E> {
    match n {
        1 => g,
        _ => unary(g, x, d_powi(n)),
    }
}

/// `g` broadcast back to the input's sizes (`sum`); `g` has one element.
#[inline(always)]
pub fn sum_grad<T: Shape, S: Shape, E: Float>(g: &Small<T, E>, _like: Like<S, E>) -> Small<S, E> {
    let mut out = Small::zeros();
    for v in &mut out.v[..numel::<S>()] {
        *v = g.v[0];
    }
    out
}

/// `g / n` broadcast back to the input's `n` elements (`mean`).
#[inline(always)]
pub fn mean_grad<T: Shape, S: Shape, E: Float>(g: &Small<T, E>, like: Like<S, E>) -> Small<S, E> {
    scale_div(sum_grad(g, like), E::from_usize(numel::<S>()))
}

/// `g` transposed back (`t`): `S` is `T` with its two axes swapped.
#[inline(always)]
pub fn t_grad<T: Shape, S: Shape, E: Float>(g: &Small<T, E>) -> Small<S, E> {
    let d = dims::<S>();
    let (rows, cols) = (d[0], d[1]);
    let mut out = Small::zeros();
    for r in 0..rows {
        for c in 0..cols {
            out.v[r * cols + c] = g.v[c * rows + r];
        }
    }
    out
}

/// The gradients of two operands, `None` for one that needs none.
pub type Pair<A, B> = (Option<A>, Option<B>);

/// The gradients of `a.matmul(b)` (or `a.matmul_t(b)` when `transposed`) for the
/// operands flagged in `need`: `da = g bᵀ`, `db = aᵀ g`, summed over a batch an operand
/// was broadcast along.
#[inline(always)]
fn product_grads<T: Shape, A: Shape, B: Shape, E: Float>(
    g: &Small<T, E>,
    a: &Small<A, E>,
    b: &Small<B, E>,
    need: [bool; 2],
    transposed: bool,
) -> Pair<Small<A, E>, Small<B, E>> {
    let p = Product::of(dims::<A>(), dims::<B>(), transposed);
    let (mut da, mut db) = (Small::<A, E>::zeros(), Small::<B, E>::zeros());
    p.terms(transposed, |o, ia, ib| {
        da.v[ia] = da.v[ia] + g.v[o] * b.v[ib];
        db.v[ib] = db.v[ib] + a.v[ia] * g.v[o];
    });
    (need[0].then_some(da), need[1].then_some(db))
}

/// The gradients of `a.matmul(b)` for the operands flagged in `need`.
#[inline(always)]
pub fn matmul_grads<T: Shape, A: Shape, B: Shape, E: Float>(
    g: &Small<T, E>,
    a: &Small<A, E>,
    b: &Small<B, E>,
    need: [bool; 2],
) -> Pair<Small<A, E>, Small<B, E>> {
    product_grads(g, a, b, need, false)
}

/// The gradients of `a.matmul_t(b)` for the operands flagged in `need`.
#[inline(always)]
pub fn matmul_t_grads<T: Shape, A: Shape, B: Shape, E: Float>(
    g: &Small<T, E>,
    a: &Small<A, E>,
    b: &Small<B, E>,
    need: [bool; 2],
) -> Pair<Small<A, E>, Small<B, E>> {
    product_grads(g, a, b, need, true)
}

/// An input's gradient for `Out::Build`: `g`, or zeros (`S`, the field's type, is `T`).
#[inline(always)]
pub fn or_zeros<T: Shape, S: Shape, E: Float>(
    g: Option<Small<T, E>>,
    _like: Like<T, E>,
) -> Tensor<S, E> {
    let g = g.unwrap_or_else(Small::zeros);
    Tensor::from_raw(RawTensor::small(dims::<T>(), g.v))
}

/// Adds an input's gradient into its buffer in place, for `Out::Add` (`T` is `S`).
#[inline(always)]
pub fn add_to<S: Shape, T: Shape, E: Float>(buffer: &mut Tensor<S, E>, g: Option<Small<T, E>>) {
    if let Some(g) = g {
        buffer.raw.add_assign_inline(&g.v, numel::<T>());
    }
}
