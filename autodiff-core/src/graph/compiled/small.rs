//! The compiled backward pass for tensors of a few elements: the same rules as the parent
//! module's, on [`Small`] values (plain arrays) instead of tensor handles.
//!
//! When every value a compiled backward pass reads or writes has a compile-time shape of
//! at most four elements (W1's `1x1` seed, a scalar loss, a small bias), the generated
//! code saves those values as [`Small`]s and runs these rules on them: no handle is built
//! or moved per rule, and the loops, whose bounds are constants, unroll to a few
//! instructions. A seed traced by a graph recording now takes the parent module's rules
//! instead (on tensors rebuilt from the saved values), so that the gradients record.
//!
//! Every function here has the name and the argument order of its counterpart in the
//! parent module, so that the macro writes one backward pass for both, with another path.

use super::{Gradients, Graph, Like, Out};
use crate::graph::tape::recording;
use crate::graph::tree::{Build, Differentiable, Visit, VisitMut};
use crate::tensor::raw::{RawTensor, INLINE};
use crate::tensor::small::{source, Product, Sizes};
use crate::{Dims, Float, Shape, Tensor};
use core::marker::PhantomData;

pub use super::rules::{
    d_abs, d_cos, d_exp, d_ln, d_recip, d_relu, d_sigmoid, d_sin, d_sqrt, d_square, d_tanh,
};

/// The elements of a tensor of shape `S` with compile-time sizes and at most four
/// elements, in row-major order (the rest zeros). Copied like a number.
pub struct Small<S: Shape, E: Float> {
    v: [E; INLINE],
    _p: PhantomData<fn() -> S>,
}

impl<S: Shape, E: Float> Clone for Small<S, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Shape, E: Float> Copy for Small<S, E> {}

impl<S: Shape, E: Float> core::fmt::Debug for Small<S, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(&self.v[..numel::<S>()]).finish()
    }
}

impl<S: Shape, E: Float> Small<S, E> {
    #[inline(always)]
    fn zeros() -> Self {
        Small {
            v: [E::ZERO; INLINE],
            _p: PhantomData,
        }
    }

    /// The elements.
    #[inline(always)]
    pub fn as_slice(&self) -> &[E] {
        &self.v[..numel::<S>()]
    }
}

/// The number of elements of `S` when its sizes are known at compile time and there are
/// at most four, else `None`.
#[inline(always)]
pub fn small_numel<S: Shape>() -> Option<usize> {
    Sizes::<S>::SMALL
}

/// The number of elements of `S`, a shape [`small_numel`] accepts.
#[inline(always)]
fn numel<S: Shape>() -> usize {
    Sizes::<S>::N
}

/// The sizes of `S`, a shape [`small_numel`] accepts.
#[inline(always)]
pub(crate) fn dims<S: Shape>() -> Dims {
    Sizes::<S>::dims()
}

/// True when every entry of `all` is `Some`: each value the pass reads or writes is
/// small (the generated code lists them as [`Like::small`] and [`numel_of`] give them).
#[inline(always)]
pub fn fits(all: &[Option<usize>]) -> bool {
    all.iter().all(Option::is_some)
}

/// How many values a pass on small arrays may save (the macro writes the pass on
/// tensors for a function that saves more).
pub const SLOTS: usize = 6;

/// The values a pass on small arrays saves, one per slot: what its graph holds besides
/// the pass itself (a function, so nothing is allocated). Each value fills a slot of
/// four elements, written and read whole, at a position the generated code fixes (no
/// running length, no bounds to check).
#[derive(Clone, Copy)]
pub struct State<E: Float> {
    slots: [[E; INLINE]; SLOTS],
    /// With struct arguments, where each input sits among all the arguments' tensors.
    places: [u8; PLACES],
    /// With struct arguments, how many tensors the arguments have.
    tensors: u8,
}

impl<E: Float> Default for State<E> {
    fn default() -> Self {
        State {
            slots: [[E::ZERO; INLINE]; SLOTS],
            places: [0; PLACES],
            tensors: 0,
        }
    }
}

impl<E: Float> State<E> {
    /// Saves `s` in slot `slot`.
    #[inline(always)]
    pub fn put<S: Shape>(&mut self, slot: usize, s: Small<S, E>) {
        self.slots[slot] = s.v;
    }

    /// Keeps where the inputs sit among the arguments' tensors (`at[k]` for the `k`th,
    /// found by `places`), for a pass with struct arguments.
    #[inline(always)]
    pub fn place<const N: usize>(&mut self, places: &Places, at: [Option<usize>; N]) {
        for (slot, i) in self.places.iter_mut().zip(at) {
            // `Places::small` has checked that every index fits.
            *slot = i.unwrap_or(0) as u8;
        }
        self.tensors = places.tensors as u8;
    }

    /// Saves the scalar `s` in slot `slot`.
    #[inline(always)]
    pub fn put_scalar(&mut self, slot: usize, s: E) {
        self.slots[slot][0] = s;
    }

    /// The scalar saved in slot `slot`.
    #[inline(always)]
    pub fn scalar(&self, slot: usize) -> E {
        self.slots[slot][0]
    }

    /// The value of shape `S` saved in slot `slot`.
    #[inline(always)]
    pub fn get<S: Shape>(&self, slot: usize) -> Small<S, E> {
        Small {
            v: self.slots[slot],
            _p: PhantomData,
        }
    }
}

/// How many inputs (tensor arguments and fields read of struct arguments) a pass on
/// small arrays with struct arguments may have.
pub const PLACES: usize = 8;

/// Where the inputs of a function with struct arguments sit among all the arguments'
/// tensors, in visiting order (the order of `Gradients::build`), found by field path
/// without allocating, and whether every one of those tensors is small (then the pass on
/// small arrays can build the gradients from their types alone).
pub struct Places {
    tensors: usize,
    small: bool,
}

impl Default for Places {
    fn default() -> Self {
        Places {
            tensors: 0,
            small: true,
        }
    }
}

impl Places {
    /// A tensor argument; its place.
    #[inline]
    pub fn tensor<S: Shape, E: Float>(&mut self, _t: &Tensor<S, E>) -> Option<usize> {
        self.small &= Sizes::<S>::SMALL.is_some();
        self.tensors += 1;
        Some(self.tensors - 1)
    }

    /// A struct argument; the place of the tensor at each of `paths` (field names joined
    /// by `.`), `None` for a path its `visit` does not name (a `#[no_grad]` field).
    pub fn fields<T: Differentiable, const P: usize>(
        &mut self,
        t: &T,
        paths: [&str; P],
    ) -> [Option<usize>; P] {
        /// How far along the path being visited each wanted path matches: its first
        /// `matched[p]` names are the visited path's, which is `depth` names deep.
        struct Find<'p, 's, const P: usize> {
            places: &'s mut Places,
            paths: [&'p str; P],
            matched: [usize; P],
            depth: usize,
            found: [Option<usize>; P],
        }
        impl<E: Float, const P: usize> Visit<E> for Find<'_, '_, P> {
            fn enter(&mut self, name: &str) {
                for (p, m) in self.paths.iter().zip(&mut self.matched) {
                    if *m == self.depth && p.split('.').nth(self.depth) == Some(name) {
                        *m += 1;
                    }
                }
                self.depth += 1;
            }
            fn leave(&mut self) {
                self.depth -= 1;
                for m in &mut self.matched {
                    *m = (*m).min(self.depth);
                }
            }
            fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) {
                for (i, p) in self.paths.iter().enumerate() {
                    if self.matched[i] == self.depth && p.split('.').count() == self.depth {
                        self.found[i] = Some(self.places.tensors);
                    }
                }
                self.places.tensor(t);
            }
        }
        let mut find = Find {
            places: self,
            paths,
            matched: [0; P],
            depth: 0,
            found: [None; P],
        };
        t.visit(&mut find);
        find.found
    }

    /// Whether the pass on small arrays can take these arguments: every tensor small and
    /// of compile-time sizes, and few enough to be counted in a byte.
    #[inline]
    pub fn small(&self) -> bool {
        self.small && self.tensors <= usize::from(u8::MAX)
    }
}

/// Which inputs a pass with struct arguments wants, in the arguments' visiting order:
/// the selection of `Out::Partial`, or `None` for every one.
///
/// # Panics
/// When a selection has another number of flags than there are tensors.
pub fn wanted<G: Gradients<E>, E: Float>(
    out: &Out<'_, G, E>,
    state: &State<E>,
) -> Option<Vec<bool>> {
    let Out::Partial(_, select) = out else {
        return None;
    };
    let mut flags = Vec::with_capacity(usize::from(state.tensors));
    G::select_flags(select, &mut flags);
    assert_eq!(
        flags.len(),
        usize::from(state.tensors),
        "backward: a selection must have one flag per input"
    );
    Some(flags)
}

/// Whether the `k`th input is wanted (see [`wanted`]).
#[inline]
pub fn flag<E: Float>(wanted: &Option<Vec<bool>>, state: &State<E>, k: usize) -> bool {
    match wanted {
        None => true,
        Some(flags) => flags[usize::from(state.places[k])],
    }
}

/// An input's gradient, if it has one, of any shape: what [`finish`] takes.
pub struct Grad<E: Float>(pub(crate) Option<RawTensor<E>>);

/// An input's gradient as [`finish`] takes it.
#[inline(always)]
pub fn raw<S: Shape, E: Float>(g: Option<Small<S, E>>) -> Grad<E> {
    Grad(g.map(|g| RawTensor::small(dims::<S>(), g.v)))
}

/// Writes the inputs' gradients (`grads[k]` the `k`th's) where `out` says, through the
/// gradient type's own `build`, `visit_mut` and `build_partial`: zeros for a tensor
/// without a gradient, its sizes from its type (every tensor is small, see
/// [`Places::small`]).
pub fn finish<G: Gradients<E>, E: Float, const N: usize>(
    out: Out<'_, G, E>,
    state: &State<E>,
    grads: [Grad<E>; N],
) {
    /// The arguments' tensors in visiting order: the next one's place, and the inputs'
    /// gradients by place.
    struct Placed<E: Float, const N: usize> {
        next: u8,
        places: [u8; N],
        grads: [Option<RawTensor<E>>; N],
        flags: Option<Vec<bool>>,
    }
    impl<E: Float, const N: usize> Placed<E, N> {
        /// The next tensor's gradient, if an input's.
        fn take(&mut self) -> Option<RawTensor<E>> {
            let i = self.next;
            self.next += 1;
            let k = self.places.iter().position(|&p| p == i)?;
            self.grads[k].take()
        }
        fn wanted(&self) -> bool {
            self.flags
                .as_ref()
                .is_none_or(|f| f[usize::from(self.next)])
        }
    }
    impl<E: Float, const N: usize> Build<E> for Placed<E, N> {
        fn tensor<S: Shape>(&mut self) -> Tensor<S, E> {
            let g = self.take();
            Tensor::from_raw(g.unwrap_or_else(|| RawTensor::filled(dims::<S>(), E::ZERO)))
        }
        fn optional<S: Shape>(&mut self) -> Option<Tensor<S, E>> {
            if self.wanted() {
                Some(<Self as Build<E>>::tensor::<S>(self))
            } else {
                self.next += 1;
                None
            }
        }
    }
    impl<E: Float, const N: usize> VisitMut<E> for Placed<E, N> {
        fn tensor<S: Shape>(&mut self, t: &mut Tensor<S, E>) {
            if let Some(g) = self.take() {
                for (a, &b) in t.raw.make_mut().iter_mut().zip(g.as_slice()) {
                    *a = *a + b;
                }
            }
        }
    }
    let mut places = [0; N];
    places.copy_from_slice(&state.places[..N]);
    let mut placed = Placed {
        next: 0,
        places,
        grads: grads.map(|g| g.0),
        flags: None,
    };
    match out {
        Out::Build(g) => *g = Some(G::build(&mut placed)),
        Out::Add(g) => g.visit_mut(&mut placed),
        Out::Partial(g, select) => {
            let mut flags = Vec::with_capacity(usize::from(state.tensors));
            G::select_flags(select, &mut flags);
            placed.flags = Some(flags);
            *g = Some(G::build_partial(&mut placed));
        }
        Out::Dot(_) => {}
    }
}

/// The DOT text of a graph whose pass runs on small arrays: as
/// [`write_dot`](super::write_dot), the comment saying so.
pub fn write_dot(text: &mut String, pieces: &[&str], sizes: &[Dims]) {
    let start = text.len();
    super::write_dot(text, pieces, sizes);
    let marker = "compiled by #[differentiable]";
    if let Some(at) = text[start..].find(marker) {
        text.insert_str(start + at + marker.len(), ", on small arrays");
    }
}

/// A backward pass on small arrays: its saved values, the output's gradient (`None` for
/// ones) and where the inputs' gradients go, to the number of ops whose rule ran.
/// The seed comes by reference: a handle passed by value would be copied through memory
/// just after the caller wrote it, a store-forwarding stall that cost W1 a quarter of its
/// backward pass.
pub type Pass<S, G, E> = fn(&State<E>, Option<&Tensor<S, E>>, Out<'_, G, E>) -> usize;

/// The seed of a pass on small arrays: its elements (ones for `None`), or the seed itself
/// when it is traced by the graph recording now (then the gradients must record too,
/// and the pass takes the tensor rules).
#[inline(always)]
pub fn seed<S: Shape, E: Float>(seed: Option<&Tensor<S, E>>) -> Result<Small<S, E>, Tensor<S, E>> {
    match seed {
        None => Ok(Small {
            v: [E::ONE; INLINE],
            _p: PhantomData,
        }),
        Some(seed) if seed.raw.trace.is_some() && recording(&[&seed.raw]) => Err(seed.clone()),
        Some(seed) => Ok(of(seed)),
    }
}

/// The graph of a pass on small arrays.
#[inline(always)]
pub fn graph<S, G, E>(
    _output: &Tensor<S, E>,
    pass: Pass<S, G, E>,
    state: State<E>,
) -> Graph<S, G, E>
where
    S: Shape,
    G: Gradients<E>,
    E: Float,
{
    super::graph_of(super::Backward::Small(pass, state))
}

impl<S: Shape, E: Float> Like<S, E> {
    /// The `Like` of a small shape, made from its type alone (in a pass on small arrays,
    /// which is a function, not a closure that could keep one).
    #[inline(always)]
    pub fn conjure() -> Self {
        super::like_of(dims::<S>())
    }
}

/// [`small_numel`] of a tensor's shape (a constant the backward pass reads).
#[inline(always)]
pub fn numel_of<S: Shape, E: Float>(_: &Tensor<S, E>) -> Option<usize> {
    small_numel::<S>()
}

impl<S: Shape, E: Float> Like<S, E> {
    /// [`small_numel`] of this shape.
    #[inline(always)]
    pub fn small(self) -> Option<usize> {
        small_numel::<S>()
    }
}

/// The elements of `t`, whose shape [`small_numel`] accepts.
#[inline(always)]
pub fn of<S: Shape, E: Float>(t: &Tensor<S, E>) -> Small<S, E> {
    if let Some(v) = t.raw.inline_vals() {
        return Small {
            v: *v,
            _p: PhantomData,
        };
    }
    let mut out = Small::zeros();
    let n = numel::<S>();
    out.v[..n].copy_from_slice(&t.raw.as_slice()[..n]);
    out
}

/// The tensor of `s`'s elements.
#[inline(always)]
pub fn tensor<S: Shape, E: Float>(s: Small<S, E>) -> Tensor<S, E> {
    Tensor::from_raw(RawTensor::small(dims::<S>(), s.v))
}

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

/// `g` summed back to the sizes of an operand it was broadcast from (`+`, `-`).
#[inline(always)]
pub fn unbroadcast<T: Shape, S: Shape, E: Float>(
    g: &Small<T, E>,
    _like: Like<S, E>,
) -> Small<S, E> {
    let (to, from) = (dims::<T>(), dims::<S>());
    let mut out = Small::zeros();
    for i in 0..numel::<T>() {
        let j = source(i, &to, &from);
        out.v[j] = out.v[j] + g.v[i];
    }
    out
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
    let (to, o, s) = (dims::<T>(), dims::<U>(), dims::<S>());
    let mut out = Small::zeros();
    for i in 0..numel::<T>() {
        let j = source(i, &to, &s);
        out.v[j] = out.v[j] + g.v[i] * other.v[source(i, &to, &o)];
    }
    out
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
    let (to, o, s) = (dims::<T>(), dims::<U>(), dims::<S>());
    let mut out = Small::zeros();
    for i in 0..numel::<T>() {
        let j = source(i, &to, &s);
        out.v[j] = out.v[j] + g.v[i] / b.v[source(i, &to, &o)];
    }
    out
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
    unary(g, a, |g, x| E::ZERO - g * s / (x * x))
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
    let c = E::from_f64(f64::from(n));
    match n {
        0 => unary(g, x, |_, _| E::ZERO),
        1 => g,
        2 => unary(g, x, move |g, x| g * (x * c)),
        _ => unary(g, x, move |g, x| g * (x.powi(n - 1) * c)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{U1, U2, U3};

    #[test]
    fn values_round_trip_through_tensors() {
        let t = Tensor::<(U1, U3), f64>::from_vec(vec![1., 2., 3.]).unwrap();
        let s = of(&t);
        assert_eq!(s.as_slice(), &[1., 2., 3.]);
        assert_eq!(tensor(s).to_vec(), vec![1., 2., 3.]);
        // A lazy transpose is read in its transposed order.
        let t = Tensor::<(U2, U2), f64>::from_vec(vec![1., 2., 3., 4.])
            .unwrap()
            .t();
        assert_eq!(of(&t).as_slice(), &[1., 3., 2., 4.]);
    }
}
