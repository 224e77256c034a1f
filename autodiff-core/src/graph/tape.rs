//! The tape: an append-only list of nodes, one per op that had a traced input.
//!
//! A traced tensor carries a [`Trace`]: the id of the tape that recorded it and its node's
//! index. Nothing in a tensor points at the tape, so tensors stay `Send + Sync` and cheap
//! to clone, and there are no reference cycles between saved values and the tape.
//!
//! Recording happens on the thread's *current* tape, set while a `vjp` closure runs. An op
//! records only when one of its inputs was traced on that very tape; anything else (a
//! constant, a tensor from a finished graph, a tensor from another thread) is a constant.
//! So a traced tensor that escapes its `vjp` cannot add nodes to a graph that has been
//! consumed: once the `vjp` returns, no tape is current for it any more.

use crate::ops::binary::add_raw;
use crate::tensor::raw::RawTensor;
use crate::{Dims, Float};
use std::cell::{Cell, RefCell};
use std::num::NonZeroU64;
use std::rc::Rc;

/// Where a traced tensor sits: its tape and its node. Tape ids are never 0, so that an
/// `Option<Trace>` takes no more room than a `Trace` (every tensor handle carries one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Trace {
    pub(crate) tape: NonZeroU64,
    pub(crate) var: u32,
}

/// Gradients for up to two parents; `None` where a parent needs none.
pub(crate) type ParentGrads<E> = [Option<RawTensor<E>>; 2];

/// A backward rule: the output's gradient and which parents want theirs, to the
/// parents' gradients. Written with raw ops, so it records when a tape is current
/// (that is how gradients of gradients are taken).
pub(crate) type BackwardFn<E> = dyn Fn(&mut RawTensor<E>, [bool; 2]) -> ParentGrads<E>;

/// A backward rule that adds into its parents' gradients itself (see [`Parents`]), so
/// that a gradient such as `g * x` for a weight used many times is added in one pass,
/// without a tensor in between.
pub(crate) type BackwardIntoFn<E> = dyn Fn(&mut RawTensor<E>, &mut Parents<'_, E>);

/// A node's backward rule, in one of two forms.
#[derive(Clone)]
pub(crate) enum Rule<E: Float> {
    /// Returns the parents' gradients; the backward pass adds them up.
    Returns(Rc<BackwardFn<E>>),
    /// Adds into the parents' gradients.
    Adds(Rc<BackwardIntoFn<E>>),
}

/// The gradient slots of a node's parents during a backward pass, for [`Rule::Adds`].
pub(crate) struct Parents<'a, E: Float> {
    /// `None` where the parent needs no gradient.
    pub(crate) slots: [Option<&'a mut Option<RawTensor<E>>>; 2],
    /// The current tape, if any: adding in place is only for values nothing records.
    pub(crate) recording: Option<NonZeroU64>,
}

impl<E: Float> Parents<'_, E> {
    /// Whether an op on `inputs` records now (as [`recording`], without the lookup).
    pub(crate) fn records(&self, inputs: &[&RawTensor<E>]) -> bool {
        self.recording
            .is_some_and(|id| inputs.iter().any(|t| on_tape(t, id)))
    }

    /// Whether parent `i` wants a gradient.
    pub(crate) fn wants(&self, i: usize) -> bool {
        self.slots[i].is_some()
    }

    /// Parent `i`'s gradient so far, for adding into in place: when it has one of sizes
    /// `dims` that nothing records, and the values to add would not be recorded either
    /// (`unrecorded`). Copied first if another tensor shares it.
    pub(crate) fn accumulator(
        &mut self,
        i: usize,
        dims: Dims,
        unrecorded: bool,
    ) -> Option<&mut [E]> {
        let recording = self.recording;
        let prev = self.slots[i].as_mut()?.as_mut()?;
        (unrecorded && prev.dims == dims && !traced_on(prev, recording)).then(|| prev.make_mut())
    }

    /// Adds `t` to parent `i`'s gradient (nothing if the parent wants none).
    pub(crate) fn put(&mut self, i: usize, t: RawTensor<E>) {
        if let Some(slot) = self.slots[i].as_mut() {
            add_into(slot, &mut Some(t), self.recording);
        }
    }
}

fn traced_on<E: Float>(t: &RawTensor<E>, recording: Option<NonZeroU64>) -> bool {
    recording.is_some_and(|id| on_tape(t, id))
}

/// Adds the gradient in `gp` (if any) into a node's gradient slot: the first gradient is
/// moved in, later ones are added. When nothing records, in place: `make_mut` writes into
/// the slot's buffer, copying it first only if another tensor shares it (a rule that
/// passed its `g` on unchanged). Otherwise recorded, for higher orders.
///
/// Both are borrowed: a rule's result is read where the rule wrote it, and moved at most
/// once (moving a handle right after it was written stalls on store forwarding, W4 in
/// docs/benchmarks.md).
pub(crate) fn add_into<E: Float>(
    slot: &mut Option<RawTensor<E>>,
    gp: &mut Option<RawTensor<E>>,
    recording: Option<NonZeroU64>,
) {
    let Some(new) = gp.as_ref() else {
        return;
    };
    let Some(prev) = slot else {
        *slot = gp.take();
        return;
    };
    if traced_on(prev, recording) || traced_on(new, recording) || prev.dims != new.dims {
        *prev = add_raw(prev, new);
        return;
    }
    for (p, &q) in prev.make_mut().iter_mut().zip(new.as_slice()) {
        *p = *p + q;
    }
}

const NO_PARENT: u32 = u32::MAX;

pub(crate) struct Node<E: Float> {
    pub(crate) parents: [u32; 2],
    /// The op's name (for `Graph::to_dot`), `"input"` for leaves: a function called only
    /// when the graph is drawn, since reading a name off a type costs ~100 ns.
    pub(crate) op: fn() -> &'static str,
    /// The sizes of the node's value.
    pub(crate) dims: crate::Dims,
    /// `None` for leaves, and for nodes whose saved values a consuming backward has freed.
    pub(crate) backward: Option<Rule<E>>,
}

impl<E: Float> Node<E> {
    pub(crate) fn parents(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.parents
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, p)| p != NO_PARENT)
    }
}

/// The nodes of one outermost `vjp` (nested `vjp`s record on the same tape).
pub(crate) struct Tape<E: Float> {
    pub(crate) id: NonZeroU64,
    pub(crate) nodes: RefCell<Vec<Node<E>>>,
    /// The backward pass's per-node vectors, kept between passes (see [`Tape::scratch`]).
    scratch: Cell<Scratch<E>>,
}

/// Per-node bookkeeping of one backward pass (`graph/walk.rs`), indexed from its lowest
/// node. Lent out by [`Tape::scratch`] and returned by [`Tape::return_scratch`], so that
/// repeated passes (and, through the recycled tape, repeated `vjp`s) allocate nothing.
pub(crate) struct Scratch<E: Float> {
    /// Whether the node leads to a wanted input.
    pub(crate) relevant: Vec<bool>,
    /// The gradient accumulated so far for each node.
    pub(crate) grads: Vec<Option<RawTensor<E>>>,
    /// What the pass produced: one gradient per input of the graph, `None` for inputs
    /// the output does not depend on (or that were not wanted).
    pub(crate) inputs: Vec<Option<RawTensor<E>>>,
}

impl<E: Float> Default for Scratch<E> {
    fn default() -> Self {
        Scratch {
            relevant: Vec::new(),
            grads: Vec::new(),
            inputs: Vec::new(),
        }
    }
}

/// A recycled tape keeps its vectors' capacity up to this many nodes; a larger one is
/// freed, so one big graph does not pin its memory for the rest of the thread.
const RECYCLED_NODES: usize = 1024;

thread_local! {
    static NEXT_TAPE_ID: Cell<NonZeroU64> = const { Cell::new(NonZeroU64::MIN) };
    static NO_GRAD_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The thread's current tape for one element type.
#[doc(hidden)]
pub struct TapeSlot<E: Float> {
    current: RefCell<Option<Rc<Tape<E>>>>,
    /// The tape of the last graph dropped, emptied, for the next `vjp` (see [`recycle`]).
    spare: Cell<Option<Rc<Tape<E>>>>,
}

impl<E: Float> TapeSlot<E> {
    #[doc(hidden)]
    pub const fn new() -> Self {
        TapeSlot {
            current: RefCell::new(None),
            spare: Cell::new(None),
        }
    }
}

impl<E: Float> Default for TapeSlot<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The id of the current tape, if recording is on.
pub(crate) fn current_id<E: Float>() -> Option<NonZeroU64> {
    if NO_GRAD_DEPTH.with(Cell::get) > 0 {
        return None;
    }
    // The current tape's id: what [`recording`] and [`record`] compare traces with,
    // without touching the tape itself.
    E::tape_id().with(Cell::get)
}

/// Whether an op on `inputs` would be recorded now: one of them is traced on the current
/// tape. Backward rules ask it to run one fused kernel when nothing records (a first-order
/// backward) and their composed, recorded form otherwise (gradients of gradients).
pub(crate) fn recording<E: Float>(inputs: &[&RawTensor<E>]) -> bool {
    inputs.iter().any(|t| t.trace.is_some())
        && current_id::<E>().is_some_and(|id| inputs.iter().any(|t| on_tape(t, id)))
}

/// Whether `t` was recorded on the tape `id`.
pub(crate) fn on_tape<E: Float>(t: &RawTensor<E>, id: NonZeroU64) -> bool {
    t.trace.is_some_and(|tr| tr.tape == id)
}

/// Makes a tape current for a `vjp`: the existing one when a `vjp` is already running
/// (nested, returns `true`), a new one otherwise. Pair with [`exit`].
pub(crate) fn enter<E: Float>() -> (Rc<Tape<E>>, bool) {
    E::tape_slot().with(|s| {
        let mut cur = s.current.borrow_mut();
        if let Some(t) = cur.as_ref() {
            return (Rc::clone(t), true);
        }
        let id = NEXT_TAPE_ID.with(|n| {
            let id = n.get();
            n.set(
                id.checked_add(1)
                    .expect("at most 2^64 - 1 tapes per thread"),
            );
            id
        });
        // The last dropped graph's tape when nothing else holds it: its vectors keep
        // their capacity, so recording allocates nothing for them.
        let mut spare = s.spare.take();
        let t = match spare.as_mut().and_then(Rc::get_mut) {
            Some(t) if t.nodes.borrow().is_empty() => {
                t.id = id;
                spare.expect("matched above")
            }
            _ => Rc::new(Tape {
                id,
                nodes: RefCell::new(Vec::new()),
                scratch: Cell::default(),
            }),
        };
        *cur = Some(Rc::clone(&t));
        E::tape_id().with(|c| c.set(Some(id)));
        (t, false)
    })
}

/// Called when a graph that owns `tape` (an outermost `vjp`'s) is dropped: frees its
/// nodes (and the values their rules saved) and keeps the emptied tape for the next
/// `vjp` on this thread, unless something else still holds it.
pub(crate) fn recycle<E: Float>(tape: &Rc<Tape<E>>) {
    if Rc::strong_count(tape) != 1 || Rc::weak_count(tape) != 0 {
        return;
    }
    let mut nodes = tape.nodes.take();
    nodes.clear();
    if nodes.capacity() > RECYCLED_NODES {
        return;
    }
    *tape.nodes.borrow_mut() = nodes;
    let scratch = tape.scratch.take();
    if scratch.grads.capacity() <= RECYCLED_NODES {
        tape.scratch.set(scratch);
    }
    // During thread exit the slot may be gone; then the tape is simply freed.
    let _ = E::tape_slot().try_with(|s| s.spare.set(Some(Rc::clone(tape))));
}

/// Ends the outermost `vjp`'s recording (nested ones leave the tape current).
pub(crate) fn exit<E: Float>(nested: bool) {
    if !nested {
        E::tape_slot().with(|s| {
            E::tape_id().with(|c| c.set(None));
            s.current.borrow_mut().take()
        });
    }
}

/// Restores recording state when a `vjp` closure panics or returns.
pub(crate) struct ExitGuard<E: Float> {
    pub(crate) nested: bool,
    pub(crate) _e: core::marker::PhantomData<E>,
}

impl<E: Float> Drop for ExitGuard<E> {
    fn drop(&mut self) {
        exit::<E>(self.nested);
    }
}

/// Runs `f` with recording off: ops inside compute values only, as in PyTorch's
/// `torch.no_grad()`.
///
/// ```
/// use autodiff_core::prelude::*;
/// let x = Tensor::<()>::full(3.0);
/// let (_, graph) = vjp(&x, |x| {
///     let frozen = no_grad(|| &x * 2.0);  // a constant: no gradient flows through it
///     frozen * x
/// });
/// assert_eq!(graph.backward().item(), 6.0);
/// ```
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            NO_GRAD_DEPTH.with(|d| d.set(d.get() - 1));
        }
    }
    NO_GRAD_DEPTH.with(|d| d.set(d.get() + 1));
    let _restore = Restore;
    f()
}

impl<E: Float> Tape<E> {
    /// The backward pass's vectors, with the capacity of earlier passes (empty vectors if
    /// a pass on this tape is already running). `grads` and `inputs` hold only `None`s,
    /// `relevant` is overwritten by the pass. Give them back with
    /// [`Tape::return_scratch`].
    pub(crate) fn scratch(&self) -> Scratch<E> {
        self.scratch.take()
    }

    /// Keeps `scratch` for the next backward pass.
    pub(crate) fn return_scratch(&self, mut scratch: Scratch<E>) {
        // Drops any input gradient left over, now (refilling the vector with `None`s at
        // every pass costs more than these checks).
        for g in scratch.inputs.iter_mut().filter(|g| g.is_some()) {
            *g = None;
        }
        self.scratch.set(scratch);
    }

    fn var_of(&self, t: &RawTensor<E>) -> u32 {
        match t.trace {
            Some(tr) if tr.tape == self.id => tr.var,
            _ => NO_PARENT,
        }
    }

    /// Appends a leaf (an input of a `vjp`). A leaf made from a tensor already traced on
    /// this tape (a nested `vjp`) passes its gradient on to that tensor, so the outer
    /// graph differentiates through the inner one.
    pub(crate) fn leaf(&self, value: &RawTensor<E>) -> RawTensor<E> {
        let parent = self.var_of(value);
        let backward = (parent != NO_PARENT).then(|| {
            Rule::Returns(Rc::new(|g: &mut RawTensor<E>, _: [bool; 2]| {
                [Some(g.clone()), None]
            }))
        });
        let var = self.push(value.dims, [parent, NO_PARENT], || "input", backward);
        let mut out = value.clone();
        out.trace = Some(Trace { tape: self.id, var });
        out
    }

    /// Appends a node for a value of sizes `dims`; returns its index.
    #[inline(always)]
    fn push(
        &self,
        dims: crate::Dims,
        parents: [u32; 2],
        op: fn() -> &'static str,
        backward: Option<Rule<E>>,
    ) -> u32 {
        let mut nodes = self.nodes.borrow_mut();
        let var = u32::try_from(nodes.len()).expect("a tape holds at most 2^32 - 1 nodes");
        nodes.push(Node {
            parents,
            op,
            dims,
            backward,
        });
        var
    }
}

/// Records an op whose result is `out` and whose inputs are `inputs` (one or two).
///
/// When no input is traced on the current tape (or no tape is current), returns `out`
/// untouched and never builds the backward rule, so untraced code pays nothing but this
/// check. Otherwise `rule` receives the traced output (for rules that reuse it, such as
/// `exp`) and returns the backward rule.
#[inline(always)]
pub(crate) fn record<E: Float, F>(
    inputs: &[&RawTensor<E>],
    out: RawTensor<E>,
    rule: impl FnOnce(&RawTensor<E>) -> F,
) -> RawTensor<E>
where
    F: Fn(&mut RawTensor<E>, [bool; 2]) -> ParentGrads<E> + 'static,
{
    record_rule(traces(inputs), out, op_name::<F>, |t| {
        Rule::Returns(Rc::new(rule(t)))
    })
}

/// [`record`] from the inputs' traces alone (an op that wrote its result into an input's
/// buffer no longer has that input), with the op's name given (ops that share one
/// rule-building function).
#[inline(always)]
pub(crate) fn record_named<E: Float, F>(
    inputs: [Option<Trace>; 2],
    out: RawTensor<E>,
    op: fn() -> &'static str,
    rule: impl FnOnce(&RawTensor<E>) -> F,
) -> RawTensor<E>
where
    F: Fn(&mut RawTensor<E>, [bool; 2]) -> ParentGrads<E> + 'static,
{
    record_rule(inputs, out, op, |t| Rule::Returns(Rc::new(rule(t))))
}

/// [`record`] for a rule that adds into its parents' gradients itself ([`Rule::Adds`]).
#[inline(always)]
pub(crate) fn record_adding<E: Float, F>(
    inputs: &[&RawTensor<E>],
    out: RawTensor<E>,
    rule: impl FnOnce(&RawTensor<E>) -> F,
) -> RawTensor<E>
where
    F: Fn(&mut RawTensor<E>, &mut Parents<'_, E>) + 'static,
{
    record_rule(traces(inputs), out, op_name::<F>, |t| {
        Rule::Adds(Rc::new(rule(t)))
    })
}

/// The traces of an op's one or two inputs.
#[inline(always)]
fn traces<E: Float>(inputs: &[&RawTensor<E>]) -> [Option<Trace>; 2] {
    [inputs[0].trace, inputs.get(1).and_then(|t| t.trace)]
}

/// Inlined into every op, so that an untraced op returns its output where it made it (a
/// handle passed through a call and read back right away stalls on store forwarding).
#[inline(always)]
fn record_rule<E: Float>(
    inputs: [Option<Trace>; 2],
    out: RawTensor<E>,
    op: fn() -> &'static str,
    rule: impl FnOnce(&RawTensor<E>) -> Rule<E>,
) -> RawTensor<E> {
    if inputs == [None, None] {
        return out;
    }
    record_traced(inputs, out, op, rule)
}

/// [`record_rule`] once an input is traced.
fn record_traced<E: Float>(
    inputs: [Option<Trace>; 2],
    out: RawTensor<E>,
    op: fn() -> &'static str,
    rule: impl FnOnce(&RawTensor<E>) -> Rule<E>,
) -> RawTensor<E> {
    let Some(id) = current_id::<E>() else {
        return out;
    };
    let mut parents = [NO_PARENT; 2];
    for (slot, t) in parents.iter_mut().zip(inputs) {
        if let Some(tr) = t.filter(|tr| tr.tape == id) {
            *slot = tr.var;
        }
    }
    if parents == [NO_PARENT; 2] {
        return out;
    }
    let mut traced = out;
    // The tensor stays here, borrowed by the closure: returned through `with`, it would
    // be copied twice more (see `walk.rs` on moving handles).
    E::tape_slot().with(|s| {
        let cur = s.current.borrow();
        let tape = cur.as_ref().expect("a current id has a current tape");
        let var = tape.nodes.borrow().len() as u32;
        traced.trace = Some(Trace { tape: id, var });
        // Built before the push: building a rule may run (unrecorded) kernels.
        let backward = rule(&traced);
        let pushed = tape.push(traced.dims, parents, op, Some(backward));
        debug_assert_eq!(pushed, var);
    });
    traced
}

/// The op that recorded a backward rule, read off the rule's type name: rules are closures
/// defined in the op's `*_raw` function (`autodiff_core::ops::unary::exp_raw<f64>::{{closure}}`
/// gives `exp`). Only for display, so an unexpected form just shows as it is.
fn op_name<F>() -> &'static str {
    let full = core::any::type_name::<F>();
    let path = full.split("::{{closure}}").next().unwrap_or(full);
    let path = path.split('<').next().unwrap_or(path);
    let name = path.rsplit("::").next().unwrap_or(path);
    name.strip_suffix("_raw").unwrap_or(name)
}
