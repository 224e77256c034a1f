//! Compiled backward passes: what `#[differentiable]` emits for a function whose body it
//! can read as a list of known tensor ops (see docs/macros.md, "The compiled backward pass").
//!
//! For such a function, `f::forward` called while no graph records runs the ops eagerly
//! and returns a [`Graph`] holding one closure: the backward pass written out as
//! straight-line code, op by op in reverse, with the values it needs captured. No tape,
//! no node per op, no rule behind a pointer per op: one allocation per graph, and the
//! backward pass is one call the compiler optimises as a whole. Called while a graph
//! records (inside another `#[differentiable]` function or a `vjp` closure, where its
//! backward pass must itself be recorded for higher orders), `f::forward` records on the
//! tape as before.
//!
//! The functions below are the generated code's vocabulary; each is the backward rule of
//! one op, on typed tensors, so the compiler still checks every shape. They are public
//! for the macro's sake only.

use super::accumulate::Place;
use super::tree::{Differentiable, Visit};
use super::{AddWalked, Core, GradBuffer, Gradients, Graph, Selected, Walked};
use crate::ops::binary::{div_raw, mul_raw, neg_raw};
use crate::ops::matmul::{matmul_backward, mm_backward};
use crate::ops::reduce::{expand_to, sum_to};
use crate::ops::reshape::reshape_raw;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};
use core::marker::PhantomData;

/// The backward pass of a compiled graph: the output's gradient and where the inputs'
/// gradients go, to the number of ops whose rule ran.
type Pass<S, G, E> = dyn Fn(Tensor<S, E>, Out<'_, G, E>) -> usize;

/// What a compiled graph holds.
pub(crate) struct Compiled<S: Shape, G: Gradients<E>, E: Float> {
    backward: Box<Pass<S, G, E>>,
    /// The output's sizes (for the seed of ones and its check).
    pub(crate) output: Dims,
}

impl<S: Shape, G: Gradients<E>, E: Float> Compiled<S, G, E> {
    /// Every input's gradient.
    pub(crate) fn full(&self, seed: RawTensor<E>) -> G {
        let mut grads = None;
        (self.backward)(Tensor::from_raw(seed), Out::Build(&mut grads));
        grads.expect("a compiled pass builds the gradients")
    }

    /// Adds every input's gradient into `buffer`: in place into a gradient value (no
    /// gradient built first), into an empty `Option` as a new value.
    pub(crate) fn full_into<B: GradBuffer<G, E>>(&self, seed: RawTensor<E>, buffer: &mut B) {
        let seed = Tensor::from_raw(seed);
        match buffer.place() {
            Place::Add(grads) => {
                (self.backward)(seed, Out::Add(grads));
            }
            Place::Empty(slot) => {
                (self.backward)(seed, Out::Build(slot));
            }
            Place::Other => buffer.accumulate(self.full(seed.raw)),
        }
    }

    /// The graph in DOT.
    pub(crate) fn dot(&self) -> String {
        let mut text = String::new();
        let seed = RawTensor::filled(self.output, E::ONE);
        (self.backward)(Tensor::from_raw(seed), Out::Dot(&mut text));
        text
    }

    /// The selected inputs' gradients, and how many ops ran.
    pub(crate) fn partial(&self, seed: RawTensor<E>, select: &G::Select) -> (G::Partial, usize) {
        let mut grads = None;
        let ran = (self.backward)(Tensor::from_raw(seed), Out::Partial(&mut grads, select));
        (grads.expect("a compiled pass builds the gradients"), ran)
    }
}

/// Where a compiled backward pass puts the inputs' gradients; the generated code matches
/// on it and writes the gradient struct's fields itself.
pub enum Out<'a, G: Gradients<E>, E: Float> {
    /// Build every gradient (`backward`), zeros where the output does not depend on an
    /// input.
    Build(&'a mut Option<G>),
    /// Add every gradient into a buffer, in place (`backward_into`).
    Add(&'a mut G),
    /// Build the selected gradients (`backward_selected`); the others are `None` and
    /// the rules that lead only to them do not run.
    Partial(&'a mut Option<G::Partial>, &'a G::Select),
    /// Draw the graph in DOT (`to_dot`), with every value's sizes; no rule runs.
    Dot(&'a mut String),
}

/// The inputs of a compiled function with struct arguments, in visiting order (the order
/// of `Gradients::build`): their sizes, and which of them the body reads through which
/// field path (`model.l1.weight`). Made once per forward pass.
#[derive(Default)]
pub struct Layout {
    dims: Vec<Dims>,
}

impl Layout {
    /// Adds a tensor argument; its index.
    pub fn tensor<S: Shape, E: Float>(&mut self, t: &Tensor<S, E>) -> Option<usize> {
        self.dims.push(t.raw.dims);
        Some(self.dims.len() - 1)
    }

    /// Adds the tensors of a struct argument; the index of the tensor at each of `paths`
    /// (field names joined by `.`), `None` for a path its `visit` does not name (a
    /// `#[no_grad]` field: the generated code then records on the tape instead).
    pub fn fields<T: Differentiable, const P: usize>(
        &mut self,
        t: &T,
        paths: [&str; P],
    ) -> [Option<usize>; P] {
        struct Find<'l, const P: usize> {
            dims: &'l mut Vec<Dims>,
            /// The path of the field being visited, `a.b.c`.
            path: String,
            paths: [&'l str; P],
            found: [Option<usize>; P],
        }
        impl<E: Float, const P: usize> Visit<E> for Find<'_, P> {
            fn enter(&mut self, name: &str) {
                if !self.path.is_empty() {
                    self.path.push('.');
                }
                self.path.push_str(name);
            }
            fn leave(&mut self) {
                // Field names are identifiers: the last level starts after the last dot.
                let start = self.path.rfind('.').unwrap_or(0);
                self.path.truncate(start);
            }
            fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) {
                for (i, p) in self.paths.iter().enumerate() {
                    if *p == self.path {
                        self.found[i] = Some(self.dims.len());
                    }
                }
                self.dims.push(t.raw.dims);
            }
        }
        let mut find = Find {
            dims: &mut self.dims,
            path: String::new(),
            paths,
            found: [None; P],
        };
        t.visit(&mut find);
        find.found
    }

    /// Empty gradient slots, one per input.
    pub fn slots<E: Float>(&self) -> Slots<E> {
        Slots {
            grads: vec![None; self.dims.len()],
        }
    }
}

/// The inputs' gradients of a compiled pass with struct arguments, by index in [`Layout`].
pub struct Slots<E: Float> {
    grads: Vec<Option<RawTensor<E>>>,
}

impl<E: Float> Slots<E> {
    /// Hands over the gradient of input `i`.
    #[inline]
    pub fn put<S: Shape>(&mut self, i: Option<usize>, g: Option<Tensor<S, E>>) {
        if let (Some(i), Some(g)) = (i, g) {
            self.grads[i] = Some(g.raw);
        }
    }
}

/// Whether every field path was found (see [`Layout::fields`]).
#[inline]
pub fn found(at: &[Option<usize>]) -> bool {
    at.iter().all(Option::is_some)
}

/// Which inputs of a [`Layout`] a pass wants, in visiting order: every one, or the
/// selection of [`Out::Partial`].
///
/// # Panics
/// When a selection has another number of flags than there are inputs.
pub fn wanted<G: Gradients<E>, E: Float>(out: &Out<'_, G, E>, layout: &Layout) -> Vec<bool> {
    match out {
        Out::Partial(_, select) => {
            let mut flags = Vec::with_capacity(layout.dims.len());
            G::select_flags(select, &mut flags);
            assert_eq!(
                flags.len(),
                layout.dims.len(),
                "backward: a selection must have one flag per input"
            );
            flags
        }
        _ => vec![true; layout.dims.len()],
    }
}

/// Whether the input at index `i` is wanted.
#[inline]
pub fn flag(wanted: &[bool], i: Option<usize>) -> bool {
    i.is_some_and(|i| wanted[i])
}

/// Writes a pass's gradients where `out` says, through the gradient type's own
/// `build`, `visit_mut` and `build_partial` (zeros for an input the output does not
/// depend on).
pub fn finish<G: Gradients<E>, E: Float>(out: Out<'_, G, E>, mut slots: Slots<E>, layout: &Layout) {
    let mut walked = Walked::of(&mut slots.grads, &layout.dims);
    match out {
        Out::Build(grads) => *grads = Some(G::build(&mut walked)),
        Out::Add(grads) => grads.visit_mut(&mut AddWalked(&mut walked)),
        Out::Partial(grads, select) => {
            let mut flags = Vec::with_capacity(layout.dims.len());
            G::select_flags(select, &mut flags);
            *grads = Some(G::build_partial(&mut Selected {
                walked: &mut walked,
                wanted: flags.iter(),
            }));
        }
        Out::Dot(_) => {}
    }
}

/// The DOT text of a compiled graph: `pieces` with each value's `sizes` between them.
pub fn write_dot(text: &mut String, pieces: &[&str], sizes: &[Dims]) {
    for (piece, dims) in pieces.iter().zip(sizes) {
        text.push_str(piece);
        text.push_str(&format!("{dims:?}"));
    }
    if let Some(last) = pieces.get(sizes.len()) {
        text.push_str(last);
    }
}

/// The type and sizes of a tensor, without its values: what a backward rule needs to
/// know of an operand it does not read (`+`'s operands, `sum`'s input).
pub struct Like<S: Shape, E: Float> {
    /// The shape itself: nothing for compile-time dimensions, a size per `Dyn`.
    shape: S,
    _p: PhantomData<fn() -> Tensor<S, E>>,
}

impl<S: Shape, E: Float> Clone for Like<S, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Shape, E: Float> Copy for Like<S, E> {}

impl<S: Shape, E: Float> Like<S, E> {
    /// An empty gradient slot for a tensor like this one.
    #[inline]
    pub fn none(self) -> Option<Tensor<S, E>> {
        None
    }

    /// The sizes (constants, once compiled, for compile-time dimensions).
    #[inline]
    pub fn sizes(self) -> Dims {
        self.shape.dims()
    }
}

/// The [`Like`] of `t`.
#[inline]
pub fn like<S: Shape, E: Float>(t: &Tensor<S, E>) -> Like<S, E> {
    Like {
        shape: S::from_dims(&t.raw.dims).expect("a tensor's sizes fit its shape"),
        _p: PhantomData,
    }
}

/// True when no graph of element `E` records on this thread: then a `#[differentiable]`
/// function may run its compiled form.
#[inline]
pub fn top_level<E: Float>() -> bool {
    super::tape::current_id::<E>().is_none()
}

/// The graph of a compiled function: `output` is its value, `backward` the pass (see
/// [`Out`]).
pub fn graph<S, G, E, F>(output: &Tensor<S, E>, backward: F) -> Graph<S, G, E>
where
    S: Shape,
    G: Gradients<E>,
    E: Float,
    F: Fn(Tensor<S, E>, Out<'_, G, E>) -> usize + 'static,
{
    Graph {
        core: Core::Compiled(Compiled {
            backward: Box::new(backward),
            output: output.raw.dims,
        }),
        _p: PhantomData,
    }
}

/// An input's gradient for [`Out::Build`]: `g`, or zeros when the output does not
/// depend on the input.
#[inline]
pub fn or_zeros<S: Shape, E: Float>(g: Option<Tensor<S, E>>, like: Like<S, E>) -> Tensor<S, E> {
    g.unwrap_or_else(|| Tensor::from_raw(RawTensor::filled(like.sizes(), E::ZERO)))
}

/// Adds an input's gradient into its buffer in place, for [`Out::Add`].
///
/// # Panics
/// When a `Dyn` dimension of the buffer has another size.
#[inline]
pub fn add_to<S: Shape, E: Float>(buffer: &mut Tensor<S, E>, g: Option<Tensor<S, E>>) {
    if let Some(g) = g {
        assert_eq!(
            buffer.raw.dims, g.raw.dims,
            "backward_into: the sizes of a `Dyn` dimension differ"
        );
        for (b, &x) in buffer.raw.make_mut().iter_mut().zip(g.raw.as_slice()) {
            *b = *b + x;
        }
    }
}

/// The output of a compiled forward pass as the function's declared type. The two are
/// the same type in every program that compiles: the eager function has the same body
/// and the compiler checks it against the declaration. Taking any shape here keeps a
/// body of the wrong shape from being reported a second time, in the generated code.
#[inline]
pub fn declared<T: Shape, S: Shape, E: Float>(t: Tensor<T, E>) -> Tensor<S, E> {
    Tensor::from_raw(t.raw)
}

/// The seed of a compiled backward pass as the type of the output's last op (the
/// converse of [`declared`]).
#[inline]
pub fn reseed<T: Shape, S: Shape, E: Float>(seed: Tensor<T, E>, _like: Like<S, E>) -> Tensor<S, E> {
    Tensor::from_raw(seed.raw)
}

/// Adds `g` into a gradient slot: moved into an empty one, added in place otherwise.
#[inline]
pub fn acc<S: Shape, E: Float>(slot: &mut Option<Tensor<S, E>>, g: Tensor<S, E>) {
    match slot {
        None => *slot = Some(g),
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
    for v in g.raw.make_mut() {
        *v = *v * s;
    }
    g
}

/// `g / s` for a scalar divisor (`a / s`).
#[inline]
pub fn scale_div<S: Shape, E: Float>(mut g: Tensor<S, E>, s: E) -> Tensor<S, E> {
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
    unary(g, a, |g, x| E::ZERO - g * s / (x * x))
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

/// `g` broadcast back to the input's sizes (`sum`).
#[inline]
pub fn sum_grad<S: Shape, E: Float>(g: &Tensor<(), E>, like: Like<S, E>) -> Tensor<S, E> {
    if g.raw.trace.is_none() {
        return Tensor::from_raw(RawTensor::filled(like.sizes(), g.raw.as_slice()[0]));
    }
    Tensor::from_raw(expand_to(&g.raw, like.sizes()))
}

/// `g / n` broadcast back to the input's `n` elements (`mean`).
#[inline]
pub fn mean_grad<S: Shape, E: Float>(g: &Tensor<(), E>, like: Like<S, E>) -> Tensor<S, E> {
    let n = E::from_f64(like.sizes().numel() as f64);
    scale(sum_grad(g, like), E::ONE / n)
}

/// `g` transposed back (`t`).
#[inline]
pub fn t_grad<A: crate::Dim, B: crate::Dim, E: Float>(g: &Tensor<(B, A), E>) -> Tensor<(A, B), E> {
    g.t()
}

/// `g_i = d(g_i, s_i)` element-wise, in `g`'s buffer: a unary op's rule, with `s` the
/// input or the output it saved.
#[inline]
pub fn unary<S: Shape, E: Float>(
    mut g: Tensor<S, E>,
    s: &Tensor<S, E>,
    d: impl Fn(E, E) -> E,
) -> Tensor<S, E> {
    for (gi, &si) in g.raw.make_mut().iter_mut().zip(s.raw.as_slice()) {
        *gi = d(*gi, si);
    }
    g
}

/// `powi(n)`: `g n x^(n-1)`.
#[inline]
pub fn powi_grad<S: Shape, E: Float>(g: Tensor<S, E>, x: &Tensor<S, E>, n: i32) -> Tensor<S, E> {
    let c = E::from_f64(f64::from(n));
    match n {
        0 => unary(g, x, |_, _| E::ZERO),
        1 => g,
        2 => unary(g, x, move |g, x| g * (x * c)),
        _ => unary(g, x, move |g, x| g * (x.powi(n - 1) * c)),
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
