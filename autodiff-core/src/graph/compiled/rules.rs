//! The rules: each op's backward step on typed tensors, as the generated code calls them.

use super::Like;
use crate::graph::tape::recording;
use crate::ops::binary::{add_raw, div_raw, mul_raw, neg_raw, scale_raw, sub_raw};
use crate::ops::matmul::{matmul_backward, mm_backward, transpose_raw};
use crate::ops::reduce::{expand_to, sum_axis_raw, sum_to};
use crate::ops::reshape::reshape_raw;
use crate::ops::unary::exp_raw;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};

/// Whether an op on `t` records: it is traced on the tape recording now (the trace is
/// looked at first, so an untraced gradient costs no lookup of the current tape). A
/// compiled graph's own values never are; a seed can be, when the graph is walked inside
/// a `vjp` closure, and then the rules below record rather than write in place.
#[inline]
pub(crate) fn records<E: Float>(t: &RawTensor<E>) -> bool {
    t.trace.is_some() && recording(&[t])
}

/// An input's gradient as `small::finish` takes it (a pass on small arrays with struct
/// arguments, whose seed records).
#[inline]
pub fn raw<S: Shape, E: Float>(g: Option<Tensor<S, E>>) -> super::small::Grad<E> {
    super::small::Grad(g.map(|g| g.raw))
}

/// An empty gradient slot for a tensor like `_like`.
#[inline]
pub fn none<S: Shape, E: Float>(_like: Like<S, E>) -> Option<Tensor<S, E>> {
    None
}

/// Adds `g` into a gradient slot: moved into an empty one, added in place otherwise.
#[inline]
pub fn acc<S: Shape, E: Float>(slot: &mut Option<Tensor<S, E>>, g: Tensor<S, E>) {
    match slot {
        None => *slot = Some(g),
        Some(prev) if records(&prev.raw) || records(&g.raw) => {
            *prev = Tensor::from_raw(add_raw(&prev.raw, &g.raw));
        }
        Some(prev) => {
            for (p, &q) in prev.raw.make_mut().iter_mut().zip(g.raw.as_slice()) {
                *p = *p + q;
            }
        }
    }
}

/// `slot += g` summed back to the operand's sizes: in place, in one pass, when the slot
/// has a gradient already and nothing is broadcast or recorded (a weight used many
/// times); otherwise [`unbroadcast`] then [`acc`].
#[inline]
pub fn acc_unbroadcast<T: Shape, S: Shape, E: Float>(
    slot: &mut Option<Tensor<S, E>>,
    g: &Tensor<T, E>,
    like: Like<S, E>,
) {
    if let Some(prev) = in_place(slot, &[&g.raw], like) {
        for (p, &q) in prev.iter_mut().zip(g.raw.as_slice()) {
            *p = *p + q;
        }
        return;
    }
    acc(slot, unbroadcast(g, like));
}

/// `slot += g * other` summed back to the operand's sizes, in one pass when it can be
/// (see [`acc_unbroadcast`]); otherwise [`mul_grad`] then [`acc`].
#[inline]
pub fn acc_mul<T: Shape, U: Shape, S: Shape, E: Float>(
    slot: &mut Option<Tensor<S, E>>,
    g: &Tensor<T, E>,
    other: &Tensor<U, E>,
    like: Like<S, E>,
) {
    if let Some(prev) = in_place(slot, &[&g.raw, &other.raw], like) {
        for ((p, &q), &o) in prev
            .iter_mut()
            .zip(g.raw.as_slice())
            .zip(other.raw.as_slice())
        {
            *p = *p + q * o;
        }
        return;
    }
    acc(slot, mul_grad(g, other, like));
}

/// The elements of a slot's gradient to add into, when it has one, and `terms` have its
/// sizes and are not recorded (nor is the gradient).
#[inline]
fn in_place<'a, S: Shape, E: Float>(
    slot: &'a mut Option<Tensor<S, E>>,
    terms: &[&RawTensor<E>],
    like: Like<S, E>,
) -> Option<&'a mut [E]> {
    let prev = slot.as_mut()?;
    let fits = prev.raw.trace.is_none()
        && terms
            .iter()
            .all(|t| t.trace.is_none() && t.dims == like.sizes());
    fits.then(|| prev.raw.make_mut())
}

/// `g` summed back to the sizes of an operand it was broadcast from (`+`, `-`).
#[inline]
pub fn unbroadcast<T: Shape, S: Shape, E: Float>(
    g: &Tensor<T, E>,
    like: Like<S, E>,
) -> Tensor<S, E> {
    if g.raw.trace.is_none() && g.raw.dims.numel() == like.sizes().numel() {
        // Only axes of size 1 differ (or none): the same elements.
        return Tensor::from_raw(g.raw.with_dims(like.sizes()));
    }
    Tensor::from_raw(sum_to(&g.raw, like.sizes()))
}

/// `-g` summed back to an operand's sizes (the right operand of `-`).
#[inline]
pub fn neg_unbroadcast<T: Shape, S: Shape, E: Float>(
    g: &Tensor<T, E>,
    like: Like<S, E>,
) -> Tensor<S, E> {
    Tensor::from_raw(sum_to(&neg_raw(&g.raw), like.sizes()))
}

/// `g * other` summed back to an operand's sizes (either operand of `*`).
#[inline]
pub fn mul_grad<T: Shape, U: Shape, S: Shape, E: Float>(
    g: &Tensor<T, E>,
    other: &Tensor<U, E>,
    like: Like<S, E>,
) -> Tensor<S, E> {
    Tensor::from_raw(sum_to(&mul_raw(&g.raw, &other.raw), like.sizes()))
}

/// `g / b` summed back to the left operand's sizes (`a / b`).
#[inline]
pub fn div_lhs_grad<T: Shape, U: Shape, S: Shape, E: Float>(
    g: &Tensor<T, E>,
    b: &Tensor<U, E>,
    like: Like<S, E>,
) -> Tensor<S, E> {
    Tensor::from_raw(sum_to(&div_raw(&g.raw, &b.raw), like.sizes()))
}

/// `-g a / b²` summed back to the right operand's sizes (`a / b`).
#[inline]
pub fn div_rhs_grad<T: Shape, A: Shape, S: Shape, E: Float>(
    g: &Tensor<T, E>,
    a: &Tensor<A, E>,
    b: &Tensor<S, E>,
) -> Tensor<S, E> {
    let q = div_raw(&div_raw(&mul_raw(&g.raw, &a.raw), &b.raw), &b.raw);
    Tensor::from_raw(sum_to(&neg_raw(&q), b.raw.dims))
}

/// `g * s` for a scalar factor `s` (`a * s`, `s * a`, and `a / s` with `1 / s`).
#[inline]
pub fn scale<S: Shape, E: Float>(mut g: Tensor<S, E>, s: E) -> Tensor<S, E> {
    if records(&g.raw) {
        return Tensor::from_raw(scale_raw(&g.raw, s));
    }
    for v in g.raw.make_mut() {
        *v = *v * s;
    }
    g
}

/// `g / s` for a scalar divisor (`a / s`).
#[inline]
pub fn scale_div<S: Shape, E: Float>(mut g: Tensor<S, E>, s: E) -> Tensor<S, E> {
    if records(&g.raw) {
        return Tensor::from_raw(scale_raw(&g.raw, E::ONE / s));
    }
    for v in g.raw.make_mut() {
        *v = *v / s;
    }
    g
}

/// A saved copy of a tensor the backward pass reads (shares its buffer).
#[inline]
pub fn keep<S: Shape, E: Float>(t: &Tensor<S, E>) -> Tensor<S, E> {
    t.clone()
}

/// `-g`.
#[inline]
pub fn neg<S: Shape, E: Float>(g: Tensor<S, E>) -> Tensor<S, E> {
    scale(g, E::ZERO - E::ONE)
}

/// The gradient of `s / a` for a scalar `s`: `-g s / a²`.
#[inline]
pub fn rdiv_grad<S: Shape, E: Float>(g: Tensor<S, E>, s: E, a: &Tensor<S, E>) -> Tensor<S, E> {
    unary(g, a, d_rdiv(s))
}

/// `s / x` for a scalar `s`, from the input: `-g s / x²` (both forms of the pass use it).
#[inline]
pub fn d_rdiv<E: Float>(s: E) -> impl Fn(E, E) -> E + Copy {
    move |g, x| E::ZERO - g * s / (x * x)
}

/// The gradients of `a.matmul_t(b)` (`a bᵀ` for a matrix `b` of shape `(N, K)`, `a` of
/// rank 2 or 3) for the operands flagged in `need`: `da = g b`, `db = gᵀ a`, a batch of
/// `a` summed over.
pub fn matmul_t_grads<T: Shape, A: Shape, B: Shape, E: Float>(
    g: &Tensor<T, E>,
    a: &Tensor<A, E>,
    b: &Tensor<B, E>,
    need: [bool; 2],
) -> Pair<Tensor<A, E>, Tensor<B, E>> {
    let (x, gr) = (&a.raw, &g.raw);
    let [da, db] = if x.dims.len() == 3 {
        // (B, M, K) x (N, K)ᵀ: read A as (B*M, K) and G as (B*M, N).
        let rows = x.dims[0] * x.dims[1];
        let flat_x = reshape_raw(x, Dims::new(&[rows, x.dims[2]]));
        let flat_g = reshape_raw(gr, Dims::new(&[rows, gr.dims[2]]));
        let [da, db] = mm_backward(&flat_x, &b.raw, false, true, &flat_g, need);
        [da.map(|d| reshape_raw(&d, x.dims)), db]
    } else {
        mm_backward(x, &b.raw, false, true, gr, need)
    };
    (da.map(Tensor::from_raw), db.map(Tensor::from_raw))
}

/// The gradients of two operands, `None` for one that needs none.
pub type Pair<A, B> = (Option<A>, Option<B>);

/// The gradients of `a.matmul(b)` for the operands flagged in `need`.
#[inline]
pub fn matmul_grads<T: Shape, A: Shape, B: Shape, E: Float>(
    g: &Tensor<T, E>,
    a: &Tensor<A, E>,
    b: &Tensor<B, E>,
    need: [bool; 2],
) -> Pair<Tensor<A, E>, Tensor<B, E>> {
    fn tiny<S: Shape, E: Float>(t: &Tensor<S, E>) -> bool {
        t.raw.dims.len() == 2 && t.raw.dims.numel() <= TINY && t.raw.trace.is_none()
    }
    let [ga, gb] = if tiny(g) && tiny(a) && tiny(b) {
        tiny_matmul_grads(&g.raw, &a.raw, &b.raw, need)
    } else {
        matmul_backward(&a.raw, &b.raw, &g.raw, need)
    };
    (ga.map(Tensor::from_raw), gb.map(Tensor::from_raw))
}

/// The gradients of a product of two matrices of at most [`TINY`] elements each, when
/// nothing records: one sum per element, no kernel set-up (W1's `1x1` product).
#[inline]
fn tiny_matmul_grads<E: Float>(
    g: &RawTensor<E>,
    a: &RawTensor<E>,
    b: &RawTensor<E>,
    need: [bool; 2],
) -> [Option<RawTensor<E>>; 2] {
    let (m, k, n) = (a.dims[0], a.dims[1], b.dims[1]);
    let (gs, xa, xb) = (g.as_slice(), a.as_slice(), b.as_slice());
    // dA = G Bᵀ: (m x n)(n x k); dB = Aᵀ G: (k x m)(m x n).
    let ga = if need[0] {
        let mut out = [E::ZERO; TINY];
        for i in 0..m {
            for p in 0..k {
                for j in 0..n {
                    out[i * k + p] = out[i * k + p] + gs[i * n + j] * xb[p * n + j];
                }
            }
        }
        Some(RawTensor::small(a.dims, out))
    } else {
        None
    };
    let gb = if need[1] {
        let mut out = [E::ZERO; TINY];
        for p in 0..k {
            for j in 0..n {
                for i in 0..m {
                    out[p * n + j] = out[p * n + j] + xa[i * k + p] * gs[i * n + j];
                }
            }
        }
        Some(RawTensor::small(b.dims, out))
    } else {
        None
    };
    [ga, gb]
}

/// Tensors of at most this many elements take the rules' own loops when nothing records.
const TINY: usize = crate::tensor::raw::INLINE;

/// `g` broadcast back to the input's sizes (`sum`). `g` has one element (its type is
/// `()`'s, written loosely so that the generated code may name it by a parameter).
#[inline]
pub fn sum_grad<T: Shape, S: Shape, E: Float>(g: &Tensor<T, E>, like: Like<S, E>) -> Tensor<S, E> {
    if g.raw.trace.is_none() {
        return Tensor::from_raw(RawTensor::filled(like.sizes(), g.raw.as_slice()[0]));
    }
    Tensor::from_raw(expand_to(&g.raw, like.sizes()))
}

/// `g / n` broadcast back to the input's `n` elements (`mean`).
#[inline]
pub fn mean_grad<T: Shape, S: Shape, E: Float>(g: &Tensor<T, E>, like: Like<S, E>) -> Tensor<S, E> {
    let n = E::from_f64(like.sizes().numel() as f64);
    scale(sum_grad(g, like), E::ONE / n)
}

/// `g` transposed back (`t`): `S` is `T` with its two axes swapped.
#[inline]
pub fn t_grad<T: Shape, S: Shape, E: Float>(g: &Tensor<T, E>) -> Tensor<S, E> {
    Tensor::from_raw(transpose_raw(&g.raw))
}

/// `g_i = d(g_i, s_i)` element-wise, in `g`'s buffer: a unary op's rule, with `s` the
/// input or the output it saved. Every such `d` is linear in `g`, so a gradient that
/// records (a seed traced by the graph now recording) gets `g * d(1, s)`, recorded, with
/// the saved values as constants, as the tape's rules treat a finished graph's values.
#[inline]
pub fn unary<S: Shape, E: Float>(
    mut g: Tensor<S, E>,
    s: &Tensor<S, E>,
    d: impl Fn(E, E) -> E,
) -> Tensor<S, E> {
    if records(&g.raw) {
        return Tensor::from_raw(mul_raw(&g.raw, &s.raw.map(|s| d(E::ONE, s))));
    }
    for (gi, &si) in g.raw.make_mut().iter_mut().zip(s.raw.as_slice()) {
        *gi = d(*gi, si);
    }
    g
}

/// `powi(n)`: `g n x^(n-1)`.
#[inline]
pub fn powi_grad<S: Shape, E: Float>(g: Tensor<S, E>, x: &Tensor<S, E>, n: i32) -> Tensor<S, E> {
    match n {
        1 => g,
        _ => unary(g, x, d_powi(n)),
    }
}

/// `powi(n)`, from the input: `g n x^(n-1)` (`x * c` for `n = 2`, one product as in the
/// forward pass; 0 for `n = 0`). Both forms of the pass use it.
#[inline]
pub fn d_powi<E: Float>(n: i32) -> impl Fn(E, E) -> E + Copy {
    let c = E::from_f64(f64::from(n));
    move |g, x| match n {
        0 => E::ZERO,
        2 => g * (x * c),
        _ => g * (x.powi(n - 1) * c),
    }
}

/// exp, from the output: `g y`.
pub fn d_exp<E: Float>(g: E, y: E) -> E {
    g * y
}

/// ln, from the input: `g / x`.
pub fn d_ln<E: Float>(g: E, x: E) -> E {
    g / x
}

/// sqrt, from the output: `g / (2 y)`.
pub fn d_sqrt<E: Float>(g: E, y: E) -> E {
    g / (y + y)
}

/// tanh, from the output: `g (1 - y²)`.
pub fn d_tanh<E: Float>(g: E, y: E) -> E {
    g * (E::ONE - y * y)
}

/// sigmoid, from the output: `g y (1 - y)`.
pub fn d_sigmoid<E: Float>(g: E, y: E) -> E {
    g * (y * (E::ONE - y))
}

/// relu, from the input: `g` where `x > 0`, else 0 (relu'(0) = 0).
pub fn d_relu<E: Float>(g: E, x: E) -> E {
    if x > E::ZERO {
        g
    } else {
        E::ZERO
    }
}

/// abs, from the input: `g sign(x)` (abs'(0) = 0).
pub fn d_abs<E: Float>(g: E, x: E) -> E {
    if x > E::ZERO {
        g
    } else if x < E::ZERO {
        E::ZERO - g
    } else {
        E::ZERO
    }
}

/// square, from the input: `2 g x`.
pub fn d_square<E: Float>(g: E, x: E) -> E {
    g * (x + x)
}

/// sin, from the input: `g cos x`.
pub fn d_sin<E: Float>(g: E, x: E) -> E {
    g * x.cos()
}

/// cos, from the input: `-g sin x`.
pub fn d_cos<E: Float>(g: E, x: E) -> E {
    E::ZERO - g * x.sin()
}

/// recip, from the output: `-g y²`.
pub fn d_recip<E: Float>(g: E, y: E) -> E {
    E::ZERO - g * (y * y)
}

/// The rules of the ops along one axis `AX` (`sum_axis::<AX>()` and the like), named
/// with the axis as the generated code writes it: `Axis::<1>::sum_grad(..)`.
pub struct Axis<const AX: usize>;

impl<const AX: usize> Axis<AX> {
    /// `sum_axis` and `sum_axis_keep`: `g` broadcast back along the axis.
    #[inline]
    pub fn sum_grad<T: Shape, S: Shape, E: Float>(
        g: &Tensor<T, E>,
        like: Like<S, E>,
    ) -> Tensor<S, E> {
        let to = like.sizes();
        let mut kept = [1; 4];
        kept[..to.len()].copy_from_slice(&to);
        kept[AX] = 1;
        let kept = reshape_raw(&g.raw, Dims::new(&kept[..to.len()]));
        Tensor::from_raw(expand_to(&kept, to))
    }

    /// `mean_axis` and `mean_axis_keep`: `g / n` broadcast back along the axis of `n`.
    #[inline]
    pub fn mean_grad<T: Shape, S: Shape, E: Float>(
        g: &Tensor<T, E>,
        like: Like<S, E>,
    ) -> Tensor<S, E> {
        let n = E::from_f64(like.sizes()[AX] as f64);
        scale_div(Self::sum_grad(g, like), n)
    }

    /// `softmax`, from its output `y`: `y (g - sum(g y))`, the sum along the axis.
    #[inline]
    pub fn softmax_grad<S: Shape, E: Float>(g: Tensor<S, E>, y: &Tensor<S, E>) -> Tensor<S, E> {
        let dot = sum_axis_raw(&mul_raw(&g.raw, &y.raw), AX, true);
        Tensor::from_raw(mul_raw(&y.raw, &sub_raw(&g.raw, &dot)))
    }

    /// `log_softmax`, from its output `y`: `g - e^y sum(g)`, the sum along the axis.
    #[inline]
    pub fn log_softmax_grad<S: Shape, E: Float>(g: Tensor<S, E>, y: &Tensor<S, E>) -> Tensor<S, E> {
        let total = sum_axis_raw(&g.raw, AX, true);
        Tensor::from_raw(sub_raw(&g.raw, &mul_raw(&exp_raw(&y.raw), &total)))
    }
}
