//! The backward pass: one sweep over the tape from the output down to the inputs.
//!
//! Iterative (no recursion), so a chain of 100 000 ops needs no deep stack. Nodes that do
//! not lead to a wanted input are skipped before any rule runs: PyTorch's `inputs=`.

use super::tape::{add_into, current_id, Parents, Rule, Scratch, Tape, Trace};
use crate::tensor::raw::RawTensor;
use crate::Float;
use core::ops::Range;

/// Runs the backward pass from `output` (seeded with `seed`) to the inputs, whose nodes
/// are `leaves` (an outermost or nested `vjp` records its inputs one after the other),
/// for the inputs whose flag in `wanted` is set. With `free`, each node's backward rule,
/// and with it every value it saved, is dropped as soon as the node has run.
///
/// The inputs' gradients land in `scratch.inputs`, one per input (`None` where the
/// output does not depend on it or it was not wanted). Returns how many nodes ran their
/// backward rule.
///
/// # Panics
/// If a node this pass needs was freed by an earlier consuming pass (a nested graph used
/// after its enclosing graph was consumed).
pub(crate) fn walk<E: Float>(
    tape: &Tape<E>,
    scratch: &mut Scratch<E>,
    output: Option<Trace>,
    seed: RawTensor<E>,
    leaves: Range<u32>,
    wanted: &[bool],
    free: bool,
) -> usize {
    let Scratch {
        relevant,
        grads,
        inputs,
    } = scratch;
    if inputs.len() < leaves.len() {
        inputs.resize(leaves.len(), None);
    }
    let out = match output {
        Some(t) if t.tape == tape.id => t.var as usize,
        _ => return 0,
    };
    let Some(lo) = wanted.iter().position(|&w| w) else {
        return 0;
    };
    let lo = leaves.start as usize + lo;
    if lo > out {
        return 0;
    }
    let n = out - lo + 1;
    let first = leaves.start as usize;
    let is_leaf = |v: usize| v >= first && v < leaves.end as usize;
    // Which nodes lead to a wanted input. The vectors are the tape's, from earlier
    // passes: no allocation after the first pass. `grads` holds only `None`s between
    // passes (every gradient is taken or dropped below), so it only ever grows.
    if relevant.len() < n {
        relevant.resize(n, false);
    }
    if grads.len() < n {
        grads.resize(n, None);
    }
    {
        let nodes = tape.nodes.borrow();
        for v in lo..=out {
            relevant[v - lo] = if is_leaf(v) {
                wanted[v - first]
            } else {
                nodes[v]
                    .parents()
                    .any(|(_, p)| p as usize >= lo && relevant[p as usize - lo])
            };
        }
    }
    if !relevant[out - lo] {
        return 0;
    }
    grads[out - lo] = Some(seed);
    // Read once: rules do not change which tape records.
    let recording = current_id::<E>();
    let mut visited = 0;
    for v in (lo..=out).rev() {
        if !relevant[v - lo] || grads[v - lo].is_none() {
            continue;
        }
        if is_leaf(v) {
            inputs[v - first] = grads[v - lo].take();
            continue;
        }
        let (parents, rule) = {
            let nodes = tape.nodes.borrow();
            let node = &nodes[v];
            let rule = node.backward.clone().unwrap_or_else(|| {
                panic!("backward: a node of this graph was freed by a consuming backward of the graph around it; retain that graph (`.retain()`) to walk this one afterwards")
            });
            (node.parents, rule)
        };
        let mut wants = [false; 2];
        for (slot, &p) in parents.iter().enumerate() {
            wants[slot] = p != u32::MAX && p as usize >= lo && relevant[p as usize - lo];
        }
        // The node's gradient stays in its slot while its rule reads it: moving tensor
        // handles in and out of slots stalls on store forwarding (W4 in
        // docs/benchmarks.md). Parents come before the node, so their slots are `below`.
        let (below, here) = grads.split_at_mut(v - lo);
        let g = here[0].as_mut().expect("checked above");
        match &rule {
            Rule::Returns(rule) => {
                let mut got = rule(g, wants);
                here[0] = None;
                for (i, gp) in got.iter_mut().enumerate() {
                    if wants[i] {
                        add_into(&mut below[parents[i] as usize - lo], gp, recording);
                    }
                }
            }
            Rule::Adds(rule) => {
                let mut spare = None;
                let slots = parent_slots(below, parents, lo, wants, &mut spare);
                rule(g, &mut Parents { slots, recording });
                here[0] = None;
                if spare.is_some() {
                    // A node used twice (`x * x`): its second gradient, as a returned one.
                    add_into(&mut below[parents[0] as usize - lo], &mut spare, recording);
                }
            }
        }
        visited += 1;
        if free {
            // Drop the rule (and the values it saved) now, not when the graph goes.
            drop(rule);
            tape.nodes.borrow_mut()[v].backward = None;
        }
    }
    debug_assert!(grads.iter().all(Option::is_none), "a gradient left behind");
    visited
}

/// The gradient slots of a node's parents (indices `parents`, less `lo`), `None` for one
/// that wants no gradient. A parent used twice (`x * x`) gets `spare` as its second slot:
/// two `&mut` to one slot cannot be.
fn parent_slots<'s, T>(
    below: &'s mut [T],
    parents: [u32; 2],
    lo: usize,
    wants: [bool; 2],
    spare: &'s mut T,
) -> [Option<&'s mut T>; 2] {
    let [p0, p1] = parents.map(|p| (p as usize).wrapping_sub(lo));
    match wants {
        [true, true] if p0 == p1 => [Some(&mut below[p0]), Some(spare)],
        [true, true] if p0 < p1 => {
            let (low, high) = below.split_at_mut(p1);
            [Some(&mut low[p0]), Some(&mut high[0])]
        }
        [true, true] => {
            let (low, high) = below.split_at_mut(p0);
            [Some(&mut high[0]), Some(&mut low[p1])]
        }
        [true, false] => [Some(&mut below[p0]), None],
        [false, true] => [None, Some(&mut below[p1])],
        [false, false] => [None, None],
    }
}
