//! The backward pass: one sweep over the tape from the output down to the inputs.
//!
//! Iterative (no recursion), so a chain of 100 000 ops needs no deep stack. Nodes that do
//! not lead to a wanted input are skipped before any rule runs: PyTorch's `inputs=`.

use super::tape::{recording, Tape};
use crate::ops::binary::add_raw;
use crate::tensor::raw::RawTensor;
use crate::Float;
use std::rc::Rc;

/// What a backward pass produced: one optional gradient per input, and how many nodes
/// ran their backward rule.
pub(crate) struct Walked<E: Float> {
    pub(crate) grads: Vec<Option<RawTensor<E>>>,
    pub(crate) visited: usize,
}

/// Runs the backward pass from `output` (seeded with `seed`) to the inputs `leaves`,
/// for the inputs whose flag in `wanted` is set. With `free`, each node's backward rule,
/// and with it every value it saved, is dropped as soon as the node has run.
///
/// # Panics
/// If a node this pass needs was freed by an earlier consuming pass (a nested graph used
/// after its enclosing graph was consumed).
pub(crate) fn walk<E: Float>(
    tape: &Tape<E>,
    output: &RawTensor<E>,
    seed: RawTensor<E>,
    leaves: &[u32],
    wanted: &[bool],
    free: bool,
) -> Walked<E> {
    let mut result: Vec<Option<RawTensor<E>>> = vec![None; leaves.len()];
    let out = match output.trace {
        Some(t) if t.tape == tape.id => t.var as usize,
        _ => {
            return Walked {
                grads: result,
                visited: 0,
            }
        }
    };
    let lowest_wanted = leaves
        .iter()
        .zip(wanted)
        .filter(|(_, &w)| w)
        .map(|(&l, _)| l as usize)
        .min();
    let Some(lo) = lowest_wanted else {
        return Walked {
            grads: result,
            visited: 0,
        };
    };
    if lo > out {
        return Walked {
            grads: result,
            visited: 0,
        };
    }
    let n = out - lo + 1;
    // Which input each node is (for the wanted ones), and which nodes lead to one.
    // The vectors of the tape's earlier passes: no allocation after the first pass.
    let mut scratch = tape.scratch();
    let (leaf_of, relevant, grads) = (
        &mut scratch.leaf_of,
        &mut scratch.relevant,
        &mut scratch.grads,
    );
    leaf_of.resize(n, usize::MAX);
    relevant.resize(n, false);
    grads.resize(n, None);
    for (k, (&l, &w)) in leaves.iter().zip(wanted).enumerate() {
        let l = l as usize;
        if w && l <= out {
            leaf_of[l - lo] = k;
            relevant[l - lo] = true;
        }
    }
    {
        let nodes = tape.nodes.borrow();
        for v in lo..=out {
            if leaf_of[v - lo] == usize::MAX {
                let r = nodes[v]
                    .parents()
                    .any(|(_, p)| p as usize >= lo && relevant[p as usize - lo]);
                relevant[v - lo] = r;
            }
        }
    }
    if relevant[out - lo] {
        grads[out - lo] = Some(seed);
    }
    let mut visited = 0;
    for v in (lo..=out).rev() {
        if !relevant[v - lo] {
            continue;
        }
        let Some(g) = grads[v - lo].take() else {
            continue;
        };
        if leaf_of[v - lo] != usize::MAX {
            result[leaf_of[v - lo]] = Some(g);
            continue;
        }
        let (parents, rule) = {
            let nodes = tape.nodes.borrow();
            let node = &nodes[v];
            let rule = node.backward.as_ref().map(Rc::clone).unwrap_or_else(|| {
                panic!("backward: a node of this graph was freed by a consuming backward of the graph around it; retain that graph (`.retain()`) to walk this one afterwards")
            });
            (node.parents, rule)
        };
        let mut wants = [false; 2];
        for (slot, &p) in parents.iter().enumerate() {
            wants[slot] = p != u32::MAX && p as usize >= lo && relevant[p as usize - lo];
        }
        let mut parent_grads = rule(&g, wants);
        drop(g);
        for (slot, gp) in parent_grads.iter_mut().enumerate() {
            // Taken in place: moving tensor handles through iterator adapters cost more
            // than the rest of this loop (W1 in docs/benchmarks.md).
            if let Some(gp) = gp.take().filter(|_| wants[slot]) {
                let acc = &mut grads[parents[slot] as usize - lo];
                *acc = Some(match acc.take() {
                    Some(prev) => accumulate(prev, &gp),
                    None => gp,
                });
            }
        }
        visited += 1;
        if free {
            // Drop the rule (and the values it saved) now, not when the graph goes.
            drop(rule);
            tape.nodes.borrow_mut()[v].backward = None;
        }
    }
    tape.return_scratch(scratch);
    Walked {
        grads: result,
        visited,
    }
}

/// `prev + gp` for a node's second (third, ...) gradient. When nothing records, in place:
/// `make_mut` writes into `prev`'s buffer, copying it first only if another tensor shares
/// it (a rule that passed its `g` on unchanged). Otherwise recorded, for higher orders.
fn accumulate<E: Float>(mut prev: RawTensor<E>, gp: &RawTensor<E>) -> RawTensor<E> {
    if recording(&[&prev, gp]) || prev.dims != gp.dims {
        return add_raw(&prev, gp);
    }
    for (p, &q) in prev.make_mut().iter_mut().zip(gp.as_slice()) {
        *p = *p + q;
    }
    prev
}
