//! Recording and walking back: [`vjp`], [`Graph`], [`Retained`].
//!
//! `vjp(&primals, |p| body)` runs `body` on traced copies of the primals and returns the
//! output's value with a [`Graph`]. The graph is PyTorch's `y.backward(...)` in a value:
//!
//! | PyTorch | here |
//! |---|---|
//! | `y.backward()` (one-element `y`) | [`Graph::backward`]; on a larger `y`, a compile error |
//! | `y.backward(gradient=g)` | [`Graph::backward_with`]; `g`'s shape is checked at compile time |
//! | `retain_graph=True` | [`Graph::retain`], then [`Retained::backward`] as often as needed |
//! | a second `backward` without it | a compile error: `backward` consumed the graph (E0382) |
//! | `create_graph=True` | a `vjp` inside another `vjp`'s closure records its backward pass |
//! | `inputs=[...]` | [`Graph::backward_selected`]: other inputs get `None`, their nodes never run |
//! | `.grad` accumulation | [`Graph::backward_into`] adds into a gradient buffer (or an `Option` of one) |
//!
//! # Why a consumed graph cannot be walked again
//! `backward` takes the graph by value, so the compiler rejects a second call. The tensors
//! traced inside the closure cannot walk it either: a tensor only names its tape by id,
//! and ops record only on the tape that is current while a `vjp` closure runs. Once the
//! outermost `vjp` has returned, a traced tensor that escaped is a plain constant.

mod accumulate;
#[doc(hidden)]
pub mod compiled;
mod dot;
pub mod ext;
pub(crate) mod tape;
mod tree;
mod walk;

pub use accumulate::{zero_grads, GradBuffer};
pub use tape::no_grad;
#[doc(hidden)]
pub use tape::TapeSlot;
pub use tree::{Build, Differentiable, Gradients, MapTensors, Visit, VisitMut};

use crate::shape::rules::OneElement;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float, Shape, Tensor};
use core::marker::PhantomData;
use core::ops::Range;
use std::rc::Rc;
use tape::{ExitGuard, Tape, Trace};

/// Runs `f` on traced copies of `primals`, returning its output's value and the recorded
/// [`Graph`], whose backward pass gives gradients with the structure of `primals`.
///
/// `primals` is a tensor, a tuple of tensors, or a struct deriving `Differentiable`.
/// Tensors that `f` captures from outside are constants. Inside another `vjp`'s closure,
/// the backward pass of this graph is itself recorded, so gradients can be differentiated
/// again (PyTorch's `create_graph=True`).
///
/// ```
/// use autodiff_core::prelude::*;
/// let x = Tensor::<(U3,), f64>::from_vec(vec![1., 2., 3.]).unwrap();
/// let (y, graph) = vjp(&x, |x| (&x * &x).sum());
/// assert_eq!(y.item(), 14.0);
/// assert_eq!(graph.backward().to_vec(), vec![2., 4., 6.]); // d/dx sum(x²) = 2x
/// ```
pub fn vjp<P, S, E, F>(primals: &P, f: F) -> (Tensor<S, E>, Graph<S, P::Grads, E>)
where
    P: Differentiable<Elem = E>,
    S: Shape,
    E: Float,
    F: FnOnce(P) -> Tensor<S, E>,
{
    let (tape, nested) = tape::enter::<E>();
    let guard = ExitGuard::<E> {
        nested,
        _e: PhantomData,
    };
    let first = tape.nodes.borrow().len() as u32;
    let mut leaves = Leaves {
        tape: &tape,
        next: first,
    };
    let traced = primals.map_tensors(&mut leaves);
    let leaves = first..leaves.next;
    let out = f(traced);
    drop(guard);
    let value = if nested { out.clone() } else { out.detach() };
    let graph = Graph {
        core: Core::Taped(Taped {
            tape,
            output: out.raw.trace,
            dims: out.raw.dims,
            leaves,
            nested,
        }),
        _p: PhantomData,
    };
    (value, graph)
}

/// Makes each primal a leaf of the tape. The leaves are pushed one after the other, so
/// a graph knows its inputs as a range of nodes.
struct Leaves<'a, E: Float> {
    tape: &'a Tape<E>,
    next: u32,
}

impl<E: Float> MapTensors<E> for Leaves<'_, E> {
    fn tensor<S: Shape>(&mut self, t: &Tensor<S, E>) -> Tensor<S, E> {
        let leaf = self.tape.leaf(&t.raw);
        let var = leaf.trace.expect("a leaf is traced").var;
        assert_eq!(
            var, self.next,
            "vjp: the inputs are recorded one after the other"
        );
        self.next += 1;
        Tensor::from_raw(leaf)
    }
}

/// What both graph handles hold: a recorded tape, or a compiled backward pass
/// (`#[differentiable]` on a function of known ops, see [`compiled`]).
enum Core<S: Shape, G: Gradients<E>, E: Float> {
    Taped(Taped<E>),
    Compiled(compiled::Compiled<S, G, E>),
}

/// A graph recorded on a tape.
struct Taped<E: Float> {
    tape: Rc<Tape<E>>,
    /// Where the tape recorded the output (the backward pass starts there).
    output: Option<Trace>,
    /// The output's sizes (the seed's).
    dims: Dims,
    /// The inputs' nodes, in visiting order (their sizes are the nodes' `dims`).
    leaves: Range<u32>,
    nested: bool,
}

impl<E: Float> Drop for Taped<E> {
    fn drop(&mut self) {
        // The outermost graph owns its tape: hand it back for the next `vjp` to reuse.
        if !self.nested {
            tape::recycle(&self.tape);
        }
    }
}

impl<E: Float> Taped<E> {
    /// Runs a backward pass and hands `take` the inputs' gradients (one per input, `None`
    /// where the output does not depend on it or it was not wanted) with their sizes.
    /// Returns what `take` returns and how many nodes ran.
    fn run<R>(
        &self,
        seed: RawTensor<E>,
        wanted: &[bool],
        free: bool,
        take: impl FnOnce(&mut Walked<'_, E>) -> R,
    ) -> (R, usize) {
        let mut scratch = self.tape.scratch();
        // A nested graph's nodes belong to the enclosing graph too: never free them here.
        let visited = walk::walk(
            &self.tape,
            &mut scratch,
            self.output,
            seed,
            self.leaves.clone(),
            wanted,
            free && !self.nested,
        );
        let r = {
            let nodes = self.tape.nodes.borrow();
            take(&mut Walked {
                grads: scratch.inputs.iter_mut(),
                sizes: Sizes::Nodes(nodes[self.leaves_usize()].iter()),
            })
        };
        self.tape.return_scratch(scratch);
        (r, visited)
    }

    fn leaves_usize(&self) -> Range<usize> {
        self.leaves.start as usize..self.leaves.end as usize
    }

    fn dot(&self) -> String {
        let out = self
            .output
            .filter(|t| t.tape == self.tape.id)
            .map(|t| t.var);
        dot::to_dot(&self.tape, out, self.leaves.clone())
    }
}

impl<E: Float> Taped<E> {
    /// Runs `f` with one `true` per input ("every input").
    fn all<R>(&self, f: impl FnOnce(&[bool]) -> R) -> R {
        const ALL: [bool; 16] = [true; 16];
        match ALL.get(..self.leaves.len()) {
            Some(all) => f(all),
            None => f(&vec![true; self.leaves.len()]),
        }
    }

    fn full<G: Gradients<E>>(&self, seed: RawTensor<E>, free: bool) -> G {
        self.all(|wanted| self.run(seed, wanted, free, |w| G::build(w)).0)
    }

    /// Adds a full pass's gradients into `buffer`.
    fn full_into<G: Gradients<E>, B: GradBuffer<G, E>>(
        &self,
        seed: RawTensor<E>,
        free: bool,
        buffer: &mut B,
    ) {
        self.all(|wanted| self.run(seed, wanted, free, |w| buffer.accumulate_walked(w)));
    }

    fn partial<G: Gradients<E>>(
        &self,
        seed: RawTensor<E>,
        wanted: &[bool],
        free: bool,
    ) -> G::Partial {
        self.run(seed, wanted, free, |w| {
            G::build_partial(&mut Selected {
                walked: w,
                wanted: wanted.iter(),
            })
        })
        .0
    }

    /// The number of nodes a backward pass with this selection runs.
    fn count(&self, wanted: &[bool]) -> usize {
        let seed = RawTensor::filled(self.dims, E::ONE);
        self.run(seed, wanted, false, |_| ()).1
    }
}

impl<S: Shape, G: Gradients<E>, E: Float> Core<S, G, E> {
    fn output_dims(&self) -> Dims {
        match self {
            Core::Taped(t) => t.dims,
            Core::Compiled(c) => c.output(),
        }
    }

    fn seed_ones(&self) -> RawTensor<E> {
        RawTensor::filled(self.output_dims(), E::ONE)
    }

    /// The seed, checked against the output's sizes; ones for `None`.
    fn seed(&self, seed: Option<RawTensor<E>>) -> RawTensor<E> {
        match seed {
            Some(seed) => {
                self.check(&seed);
                seed
            }
            None => self.seed_ones(),
        }
    }

    fn check(&self, seed: &RawTensor<E>) {
        assert_eq!(
            seed.dims,
            self.output_dims(),
            "backward: the seed's sizes differ from the output's"
        );
    }

    /// Every input's gradient, for `seed` (ones for `None`).
    fn full(&self, seed: Option<RawTensor<E>>, free: bool) -> G {
        match self {
            Core::Taped(t) => t.full(self.seed(seed), free),
            Core::Compiled(c) => c.full(seed.map(|s| self.seed(Some(s)))),
        }
    }

    /// Adds a full pass's gradients into `buffer`.
    #[inline]
    fn full_into<B: GradBuffer<G, E>>(
        &self,
        seed: Option<RawTensor<E>>,
        free: bool,
        buffer: &mut B,
    ) {
        match self {
            Core::Taped(t) => t.full_into(self.seed(seed), free, buffer),
            Core::Compiled(c) => c.full_into(seed.map(|s| self.seed(Some(s))), buffer),
        }
    }

    /// The flags of a selection, one per input.
    fn flags(&self, select: &G::Select) -> Vec<bool> {
        let mut wanted = Vec::new();
        G::select_flags(select, &mut wanted);
        wanted
    }

    fn partial(&self, seed: Option<RawTensor<E>>, select: &G::Select, free: bool) -> G::Partial {
        match self {
            Core::Taped(t) => {
                let wanted = self.flags(select);
                assert_eq!(
                    wanted.len(),
                    t.leaves.len(),
                    "backward: a selection must have one flag per input"
                );
                t.partial::<G>(self.seed(seed), &wanted, free)
            }
            Core::Compiled(c) => c.partial(seed.map(|s| self.seed(Some(s))), select).0,
        }
    }

    fn dot(&self) -> String {
        match self {
            Core::Taped(t) => t.dot(),
            Core::Compiled(c) => c.dot(),
        }
    }

    /// The number of nodes (ops) a backward pass with this selection runs.
    fn count(&self, select: &G::Select) -> usize {
        match self {
            Core::Taped(t) => t.count(&self.flags(select)),
            Core::Compiled(c) => c.partial(None, select).1,
        }
    }
}

/// The inputs' gradients of a backward pass, in visiting order, handed out by
/// [`Build`] (an input the output does not depend on gets zeros) or added into a
/// gradient buffer ([`GradBuffer`]) without building a gradient value first.
#[doc(hidden)]
pub struct Walked<'a, E: Float> {
    grads: core::slice::IterMut<'a, Option<RawTensor<E>>>,
    sizes: Sizes<'a, E>,
}

/// Where a [`Walked`] reads the inputs' sizes: the tape's leaves, or a list (a compiled
/// pass with struct arguments, see `compiled::Layout`).
enum Sizes<'a, E: Float> {
    Nodes(core::slice::Iter<'a, tape::Node<E>>),
    Dims(core::slice::Iter<'a, Dims>),
}

impl<'a, E: Float> Walked<'a, E> {
    /// The gradients `grads` of inputs of sizes `dims`, in visiting order.
    pub(crate) fn of(grads: &'a mut [Option<RawTensor<E>>], dims: &'a [Dims]) -> Self {
        Walked {
            grads: grads.iter_mut(),
            sizes: Sizes::Dims(dims.iter()),
        }
    }

    /// The next input's gradient slot and its sizes.
    fn next_slot(&mut self) -> (&'a mut Option<RawTensor<E>>, Dims) {
        let g = self.grads.next().expect("one gradient per input");
        let dims = match &mut self.sizes {
            Sizes::Nodes(nodes) => nodes.next().expect("one node per input").dims,
            Sizes::Dims(dims) => *dims.next().expect("one size per input"),
        };
        (g, dims)
    }

    /// The next input's gradient (`None`: zero) and its sizes.
    fn next_raw(&mut self) -> (Option<RawTensor<E>>, Dims) {
        let (g, dims) = self.next_slot();
        (g.take(), dims)
    }
}

impl<E: Float> Build<E> for Walked<'_, E> {
    fn tensor<S: Shape>(&mut self) -> Tensor<S, E> {
        let (g, dims) = self.next_raw();
        Tensor::from_raw(g.unwrap_or_else(|| RawTensor::filled(dims, E::ZERO)))
    }
    fn optional<S: Shape>(&mut self) -> Option<Tensor<S, E>> {
        Some(self.tensor())
    }
}

/// Adds each gradient of a [`Walked`] into a buffer's tensor, in place.
pub(crate) struct AddWalked<'w, 'a, E: Float>(pub(crate) &'w mut Walked<'a, E>);

impl<E: Float> VisitMut<E> for AddWalked<'_, '_, E> {
    fn tensor<S: Shape>(&mut self, t: &mut Tensor<S, E>) {
        // Read where the pass left it, not moved out (see `walk.rs` on moving handles).
        let (g, dims) = self.0.next_slot();
        assert_eq!(
            t.dims(),
            dims,
            "backward_into: the sizes of a `Dyn` dimension differ"
        );
        if let Some(g) = g.as_ref() {
            for (a, &b) in t.as_mut_slice().iter_mut().zip(g.as_slice()) {
                *a = *a + b;
            }
        }
    }
}

/// Like [`Walked`], but inputs that were not selected get `None`.
pub(crate) struct Selected<'w, 'a, 'f, E: Float> {
    pub(crate) walked: &'w mut Walked<'a, E>,
    pub(crate) wanted: core::slice::Iter<'f, bool>,
}

impl<E: Float> Build<E> for Selected<'_, '_, '_, E> {
    fn tensor<S: Shape>(&mut self) -> Tensor<S, E> {
        self.optional().expect("a selected gradient")
    }
    fn optional<S: Shape>(&mut self) -> Option<Tensor<S, E>> {
        if *self.wanted.next().expect("one flag per input") {
            Some(self.walked.tensor())
        } else {
            self.walked.next_raw();
            None
        }
    }
}

/// A recorded computation with output shape `S`, walked backward once: every backward
/// method takes `self`, so a second walk does not compile. Use [`Graph::retain`] to walk
/// it several times.
///
/// `G` is the gradient type: it mirrors the primals of [`vjp`] (or the differentiable
/// arguments of a `#[differentiable]` function).
///
/// ```
/// use autodiff_core::prelude::*;
/// let w = Tensor::<(U2,), f64>::from_vec(vec![1., 2.]).unwrap();
/// let (loss, graph): (Tensor<(), f64>, Graph<(), Tensor<(U2,), f64>, f64>) =
///     vjp(&w, |w| (&w * &w).sum());
/// assert_eq!(loss.item(), 5.0);
/// assert_eq!(graph.backward().to_vec(), vec![2., 4.]); // consumed: no second call
/// ```
pub struct Graph<S: Shape, G: Gradients<E>, E: Float = f32> {
    core: Core<S, G, E>,
    _p: PhantomData<fn() -> (S, G)>,
}

impl<S: Shape, G: Gradients<E>, E: Float> Graph<S, G, E> {
    /// Gradients of a one-element output (PyTorch's `y.backward()` with its implicit seed
    /// of 1). On an output with more elements this does not compile: pass a seed with
    /// [`Graph::backward_with`].
    ///
    /// While the pass runs, each node's saved values are freed as soon as the node is done.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(3.0);
    /// let (_, graph) = vjp(&x, |x| x.powi(2));
    /// assert_eq!(graph.backward().item(), 6.0);
    /// ```
    pub fn backward(self) -> G
    where
        S: OneElement,
    {
        self.core.full(None, true)
    }

    /// Gradients for a given output gradient (PyTorch's `y.backward(gradient=seed)`); the
    /// seed has the output's shape, checked at compile time.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U2,), f64>::from_vec(vec![1., 2.]).unwrap();
    /// let (_, graph) = vjp(&x, |x| &x * 3.0);
    /// let seed = Tensor::<(U2,), f64>::from_vec(vec![1., 10.]).unwrap();
    /// assert_eq!(graph.backward_with(seed).to_vec(), vec![3., 30.]);
    /// ```
    pub fn backward_with(self, seed: Tensor<S, E>) -> G {
        self.core.full(Some(seed.raw), true)
    }

    /// Keeps the graph for several backward passes (PyTorch's `retain_graph=True`).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(2.0);
    /// let (_, graph) = vjp(&x, |x| x.powi(3));
    /// let retained = graph.retain();
    /// assert_eq!(retained.backward().item(), 12.0);
    /// assert_eq!(retained.backward().item(), 12.0);
    /// ```
    pub fn retain(self) -> Retained<S, G, E> {
        Retained {
            core: self.core,
            _p: PhantomData,
        }
    }

    /// Gradients for the selected inputs only (PyTorch's `inputs=`): the others are
    /// `None`, and nodes that lead only to them never run.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(), f64>::full(2.0);
    /// let b = Tensor::<(), f64>::full(5.0);
    /// let (_, graph) = vjp(&(a, b), |(a, b)| &a * &b);
    /// let (ga, gb) = graph.backward_selected(&(true, false));
    /// assert_eq!(ga.unwrap().item(), 5.0);
    /// assert!(gb.is_none());
    /// ```
    pub fn backward_selected(self, select: &G::Select) -> G::Partial
    where
        S: OneElement,
    {
        self.core.partial(None, select, true)
    }

    /// [`Graph::backward_selected`] with a seed.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(U2,), f64>::ones();
    /// let (_, graph) = vjp(&(a,), |(a,)| &a * 2.0);
    /// let (ga,) = graph.backward_selected_with(Tensor::ones(), &(true,));
    /// assert_eq!(ga.unwrap().to_vec(), vec![2., 2.]);
    /// ```
    pub fn backward_selected_with(self, seed: Tensor<S, E>, select: &G::Select) -> G::Partial {
        self.core.partial(Some(seed.raw), select, true)
    }

    /// Adds this pass's gradients into `buffer` (PyTorch's accumulation into `.grad`):
    /// a `G` is added to in place, an `Option<G>` that is `None` receives them.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(3.0);
    /// let mut grad: Option<Tensor<(), f64>> = None;       // no gradient yet
    /// let (_, graph) = vjp(&x, |x| x.powi(2));
    /// graph.backward_into(&mut grad);
    /// let (_, graph) = vjp(&x, |x| x.powi(2));
    /// graph.backward_into(&mut grad);
    /// assert_eq!(grad.unwrap().item(), 12.0);             // 6 + 6
    /// ```
    pub fn backward_into<B: GradBuffer<G, E>>(self, buffer: &mut B)
    where
        S: OneElement,
    {
        self.core.full_into(None, true, buffer);
    }

    /// [`Graph::backward_into`] with a seed.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U2,), f64>::ones();
    /// let mut grad = Tensor::<(U2,), f64>::ones();
    /// let (_, graph) = vjp(&x, |x| &x * 2.0);
    /// graph.backward_with_into(Tensor::ones(), &mut grad);
    /// assert_eq!(grad.to_vec(), vec![3., 3.]);
    /// ```
    pub fn backward_with_into<B: GradBuffer<G, E>>(self, seed: Tensor<S, E>, buffer: &mut B) {
        self.core.full_into(Some(seed.raw), true, buffer);
    }

    /// How many nodes a backward pass with this selection would run (the skipped ones
    /// are the work `inputs=` saves). Does not consume the graph.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let a = Tensor::<(), f64>::full(2.0);
    /// let b = Tensor::<(), f64>::full(5.0);
    /// let (_, graph) = vjp(&(a, b), |(a, b)| a.exp() + b.exp().exp());
    /// assert_eq!(graph.nodes_visited(&(true, true)), 4);
    /// assert_eq!(graph.nodes_visited(&(true, false)), 2);
    /// ```
    pub fn nodes_visited(&self, select: &G::Select) -> usize {
        self.core.count(select)
    }

    /// The recorded graph in Graphviz's DOT language (render with `dot -Tsvg`): one box
    /// per op with its name and sizes, the inputs as ellipses.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U2,), f64>::ones();
    /// let (_, graph) = vjp(&x, |x| x.exp().sum());
    /// let dot = graph.to_dot();
    /// assert!(dot.contains("label=\"exp\\n[2]\"") && dot.contains("label=\"sum_to\\n[]\""));
    /// ```
    pub fn to_dot(&self) -> String {
        self.core.dot()
    }
}

/// A graph kept for any number of backward passes (PyTorch's `retain_graph=True`); made
/// by [`Graph::retain`]. Its methods take `&self`.
///
/// ```
/// use autodiff_core::prelude::*;
/// let x = Tensor::<(), f64>::full(2.0);
/// let retained = vjp(&x, |x| x.powi(3)).1.retain();
/// assert_eq!(retained.backward().item(), 12.0);
/// assert_eq!(retained.backward().item(), 12.0); // as often as needed
/// ```
pub struct Retained<S: Shape, G: Gradients<E>, E: Float = f32> {
    core: Core<S, G, E>,
    _p: PhantomData<fn() -> (S, G)>,
}

impl<S: Shape, G: Gradients<E>, E: Float> Retained<S, G, E> {
    /// The recorded graph in Graphviz's DOT language; see [`Graph::to_dot`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(1.0);
    /// let retained = vjp(&x, |x| x.exp()).1.retain();
    /// assert!(retained.to_dot().starts_with("digraph"));
    /// ```
    pub fn to_dot(&self) -> String {
        self.core.dot()
    }

    /// Gradients of a one-element output; see [`Graph::backward`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(1.0);
    /// let retained = vjp(&x, |x| x.exp()).1.retain();
    /// assert_eq!(retained.backward().item(), retained.backward().item());
    /// ```
    pub fn backward(&self) -> G
    where
        S: OneElement,
    {
        self.core.full(None, false)
    }

    /// Gradients for a given output gradient; see [`Graph::backward_with`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U2,), f64>::ones();
    /// let retained = vjp(&x, |x| &x * 2.0).1.retain();
    /// assert_eq!(retained.backward_with(Tensor::ones()).to_vec(), vec![2., 2.]);
    /// ```
    pub fn backward_with(&self, seed: Tensor<S, E>) -> G {
        self.core.full(Some(seed.raw), false)
    }

    /// Gradients for the selected inputs only; see [`Graph::backward_selected`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(1.0);
    /// let retained = vjp(&(x.clone(), x), |(a, b)| &a * &b).1.retain();
    /// assert!(retained.backward_selected(&(false, true)).0.is_none());
    /// ```
    pub fn backward_selected(&self, select: &G::Select) -> G::Partial
    where
        S: OneElement,
    {
        self.core.partial(None, select, false)
    }

    /// Adds this pass's gradients into `buffer`; see [`Graph::backward_into`].
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(3.0);
    /// let retained = vjp(&x, |x| x.powi(2)).1.retain();
    /// let mut grad = Tensor::<(), f64>::zeros();
    /// retained.backward_into(&mut grad);
    /// retained.backward_into(&mut grad);
    /// assert_eq!(grad.item(), 12.0);
    /// ```
    pub fn backward_into<B: GradBuffer<G, E>>(&self, buffer: &mut B)
    where
        S: OneElement,
    {
        self.core.full_into(None, false, buffer);
    }

    /// [`Retained::backward_into`] with a seed.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(U2,), f64>::ones();
    /// let retained = vjp(&x, |x| &x * 2.0).1.retain();
    /// let mut grad: Option<Tensor<(U2,), f64>> = None;
    /// retained.backward_with_into(Tensor::ones(), &mut grad);
    /// assert_eq!(grad.unwrap().to_vec(), vec![2., 2.]);
    /// ```
    pub fn backward_with_into<B: GradBuffer<G, E>>(&self, seed: Tensor<S, E>, buffer: &mut B) {
        self.core.full_into(Some(seed.raw), false, buffer);
    }
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The same values, cut off from the graph: no gradient flows through the result
    /// (PyTorch's `detach()`). Shares storage with `self`.
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(3.0);
    /// let (_, graph) = vjp(&x, |x| &x * &x.detach());
    /// assert_eq!(graph.backward().item(), 3.0);
    /// ```
    pub fn detach(&self) -> Self {
        let mut raw = self.raw.clone();
        raw.trace = None;
        Tensor::from_raw(raw)
    }

    /// True when this tensor was recorded on a tape (it depends on a `vjp` input).
    ///
    /// ```
    /// use autodiff_core::prelude::*;
    /// let x = Tensor::<(), f64>::full(3.0);
    /// assert!(!x.is_traced());
    /// vjp(&x, |x| { assert!(x.is_traced()); x });
    /// ```
    pub fn is_traced(&self) -> bool {
        self.raw.trace.is_some()
    }
}
