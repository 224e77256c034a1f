//! Graphviz output of a recorded graph.

use super::tape::Tape;
use crate::Float;
use core::ops::Range;
use std::fmt::Write as _;

/// The nodes from the inputs to `output`, as a Graphviz `digraph`: one box per op with
/// its name and sizes, inputs as ellipses, edges from operands to results. Nodes that do
/// not lead to the output are left out.
pub(crate) fn to_dot<E: Float>(tape: &Tape<E>, output: Option<u32>, leaves: Range<u32>) -> String {
    let mut out =
        String::from("digraph autodiff {\n  rankdir=BT;\n  node [fontname=\"monospace\"];\n");
    let Some(out_var) = output else {
        out.push_str("}\n");
        return out;
    };
    let lo = if leaves.is_empty() {
        out_var
    } else {
        leaves.start.min(out_var)
    } as usize;
    let hi = out_var as usize;
    let nodes = tape.nodes.borrow();
    // Walk back from the output so that only what it depends on is drawn.
    let mut needed = vec![false; hi - lo + 1];
    needed[hi - lo] = true;
    for v in (lo..=hi).rev() {
        if !needed[v - lo] || leaves.contains(&(v as u32)) {
            continue;
        }
        for (_, p) in nodes[v].parents() {
            if p as usize >= lo {
                needed[p as usize - lo] = true;
            }
        }
    }
    for v in lo..=hi {
        if !needed[v - lo] {
            continue;
        }
        let node = &nodes[v];
        let (label, shape) = if leaves.contains(&(v as u32)) {
            (format!("input {}", v as u32 - leaves.start), "ellipse")
        } else {
            ((node.op)().to_string(), "box")
        };
        let _ = writeln!(
            out,
            "  n{v} [label=\"{label}\\n{:?}\", shape={shape}];",
            node.dims
        );
        if leaves.contains(&(v as u32)) {
            continue;
        }
        for (_, p) in node.parents() {
            if p as usize >= lo {
                let _ = writeln!(out, "  n{p} -> n{v};");
            }
        }
    }
    out.push_str("}\n");
    out
}
