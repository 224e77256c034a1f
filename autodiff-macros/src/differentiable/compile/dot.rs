//! The graph in DOT, written when the macro runs, with each value's sizes left to be
//! filled in when the graph is drawn.

use super::emit::Emitter;
use super::{Arg, OpKind, Operand, Origin};
use syn::Ident;

impl Emitter<'_, '_> {
    /// The graph in DOT, as the text around each value's sizes (known when the graph
    /// is drawn) and those values: the differentiable arguments as ellipses, one box per
    /// op, what the output does not depend on left out (as `Graph::to_dot` draws a tape).
    pub(super) fn dot(&self, name: &Ident) -> (Vec<String>, Vec<usize>) {
        let (out, reaches) = (self.out, &self.reaches);
        let mut pieces = vec![format!(
            "digraph autodiff {{\n  // `{name}`, compiled by #[differentiable]\n  rankdir=BT;\n  node [fontname=\"monospace\"];\n"
        )];
        let mut sized = Vec::new();
        let diff: Vec<&Arg> = self.l.args.iter().filter(|a| !a.no_grad).collect();
        let mut node = |pieces: &mut Vec<String>, i: usize, label: String, shape: &str| {
            let last = pieces.last_mut().expect("a piece");
            *last += &format!("  n{i} [label=\"{label}\\n");
            sized.push(i);
            pieces.push(format!("\", shape={shape}];\n"));
        };
        for (i, value) in self.l.values.iter().enumerate() {
            let label = match &value.origin {
                Origin::Arg(d) if !self.l.by_field[*d] => diff[*d].ident.to_string(),
                Origin::Field(d, path) => {
                    let mut label = diff[*d].ident.to_string();
                    for p in path {
                        label = format!("{label}.{p}");
                    }
                    label
                }
                _ => continue,
            };
            if reaches[i] {
                node(&mut pieces, i, label, "ellipse");
            }
        }
        for op in self.l.ops.iter().filter(|op| reaches[op.out]) {
            let label = match &op.kind {
                OpKind::Binary(a) => a.name().to_string(),
                OpKind::ScalarRhs(a) | OpKind::ScalarLhs(a) => format!("{} scalar", a.name()),
                OpKind::Unary(n, _) => n.to_string(),
                OpKind::Powi(p) => format!("powi {}", p.to_string().replace('"', "'")),
                OpKind::Matmul { transposed: false } => "matmul".to_string(),
                OpKind::Matmul { transposed: true } => "matmul_t".to_string(),
                OpKind::Axis(along, turbofish) => {
                    format!("{}{}", along.method, turbofish).replace(' ', "")
                }
            };
            let shape = if op.out == out {
                "box, peripheries=2"
            } else {
                "box"
            };
            node(&mut pieces, op.out, label, shape);
            for o in &op.operands {
                if let Operand::Live(i) = o {
                    *pieces.last_mut().expect("a piece") += &format!("  n{i} -> n{};\n", op.out);
                }
            }
        }
        *pieces.last_mut().expect("a piece") += "}\n";
        (pieces, sized)
    }
}
