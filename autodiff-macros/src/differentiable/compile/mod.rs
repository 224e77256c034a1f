//! The compiled backward pass: reverse mode by source transformation, for a function
//! whose body the macro can read as a list of known tensor ops.
//!
//! A body of `let` statements and a final expression built from the arguments (and
//! fields of struct arguments read by reference), number literals, `+ - * /`, unary `-`,
//! `powi`, `matmul`, `matmul_t` and the methods in `UNARY` and `AXIS` is lowered to
//! single assignments (`__ad_v3 = &__ad_v1 + b`, `lower.rs`), and the backward pass is
//! written out from them in reverse (`emit.rs`, `rules.rs`): one rule per op from
//! `autodiff::graph::compiled`, each guarded by whether a wanted input depends on the op
//! (PyTorch's `inputs=`). The types are the compiler's business: the rules are generic, so
//! every shape is inferred and checked as in the eager function.
//!
//! Anything else in the body (a call, a loop, a `match`, another method) makes
//! [`compile`] return `None`, and `forward` records on the tape only. The compiled form
//! runs only when no graph records (see `forward_body` in `expand.rs`).

mod dot;
mod emit;
mod holes;
mod lower;
mod rules;
mod small;

use super::ast::{Arg, Func, Output};
use lower::{maybe_tensor, Lowering};
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::Ident;

/// Methods of one tensor that give a tensor, with where their rule reads from: the
/// input (`In`), the output (`Out`), or only the input's sizes (`Sizes`, `None`).
pub(super) const UNARY: [(&str, Reads); 15] = [
    ("exp", Reads::Out("d_exp")),
    ("ln", Reads::In("d_ln")),
    ("sqrt", Reads::Out("d_sqrt")),
    ("tanh", Reads::Out("d_tanh")),
    ("sigmoid", Reads::Out("d_sigmoid")),
    ("relu", Reads::In("d_relu")),
    ("abs", Reads::In("d_abs")),
    ("square", Reads::In("d_square")),
    ("sin", Reads::In("d_sin")),
    ("cos", Reads::In("d_cos")),
    ("recip", Reads::Out("d_recip")),
    ("sum", Reads::Sizes("sum_grad")),
    ("mean", Reads::Sizes("mean_grad")),
    ("t", Reads::Nothing("t_grad")),
    ("neg", Reads::Nothing("neg")),
];

#[derive(Clone, Copy)]
pub(super) enum Reads {
    /// `rule(g, &input, d)` through `compiled::unary`.
    In(&'static str),
    /// `rule(g, &output, d)` through `compiled::unary`.
    Out(&'static str),
    /// `rule(&g, like(input))`.
    Sizes(&'static str),
    /// `rule(g)`.
    Nothing(&'static str),
}

/// Methods that numbers do not have: their receiver is a tensor.
pub(super) const TENSOR_ONLY: [&str; 8] = [
    "t", "sum", "mean", "relu", "sigmoid", "square", "matmul", "matmul_t",
];

/// What a constant (a value no differentiable argument flows into) is.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Tensor,
    Scalar,
    Other,
}

/// A lowered expression.
#[derive(Clone)]
pub(super) enum Val {
    /// An SSA value that depends on a differentiable argument.
    Live(usize),
    /// A constant: an expression to use as it is (an argument, a literal, or the name a
    /// `let` bound it to). For a tensor, `tokens` is a reference to it.
    Const { tokens: TokenStream, kind: Kind },
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

impl Arith {
    pub(super) fn name(self) -> &'static str {
        match self {
            Arith::Add => "add",
            Arith::Sub => "sub",
            Arith::Mul => "mul",
            Arith::Div => "div",
        }
    }
}

/// An operand of an op: a live value, or a constant tensor or scalar (its tokens).
#[derive(Clone)]
pub(super) enum Operand {
    Live(usize),
    Tensor(TokenStream),
    Scalar(TokenStream),
}

impl Operand {
    /// The value, for a live operand.
    pub(super) fn live(&self) -> Option<usize> {
        match self {
            Operand::Live(i) => Some(*i),
            _ => None,
        }
    }
}

pub(super) enum OpKind {
    /// Tensor with tensor, broadcasting.
    Binary(Arith),
    /// A live tensor with a scalar on the right.
    ScalarRhs(Arith),
    /// A scalar with a live tensor on the right.
    ScalarLhs(Arith),
    Unary(&'static str, Reads),
    Powi(TokenStream),
    /// `matmul` (`transposed: false`) or `matmul_t`.
    Matmul {
        transposed: bool,
    },
    /// An op along one axis, from `AXIS`, with the user's turbofish (`::<1>`).
    Axis(&'static Along, TokenStream),
}

/// An op along one axis (`x.sum_axis::<1>()`): its method, its rule in
/// `compiled::Axis::<AX>`, and whether the rule reads the op's output (else the input's
/// shape).
pub(super) struct Along {
    pub(super) method: &'static str,
    pub(super) rule: &'static str,
    pub(super) reads_out: bool,
}

/// The ops along one axis the compiled form knows.
pub(super) const AXIS: [Along; 6] = [
    Along {
        method: "sum_axis",
        rule: "sum_grad",
        reads_out: false,
    },
    Along {
        method: "sum_axis_keep",
        rule: "sum_grad",
        reads_out: false,
    },
    Along {
        method: "mean_axis",
        rule: "mean_grad",
        reads_out: false,
    },
    Along {
        method: "mean_axis_keep",
        rule: "mean_grad",
        reads_out: false,
    },
    Along {
        method: "softmax",
        rule: "softmax_grad",
        reads_out: true,
    },
    Along {
        method: "log_softmax",
        rule: "log_softmax_grad",
        reads_out: true,
    },
];

pub(super) struct Op {
    pub(super) kind: OpKind,
    pub(super) operands: Vec<Operand>,
    pub(super) out: usize,
}

/// Where an SSA value comes from.
pub(super) enum Origin {
    /// The differentiable argument with this index (among the differentiable ones).
    Arg(usize),
    /// A field of a differentiable struct argument (`model.l1.weight`): the argument's
    /// index and the path below it.
    Field(usize, Vec<Ident>),
    Op,
}

pub(super) struct Value {
    pub(super) origin: Origin,
    /// A reference to the value in the forward pass (`w` for a `&Tensor` argument,
    /// `&__ad_v3` for an op's result).
    pub(super) forward_ref: TokenStream,
    /// The inputs (argument or field values) that flow into it, as value indices.
    pub(super) deps: Vec<usize>,
}

/// `forward`'s body: the compiled form when no graph records, `tape` otherwise; `None`
/// when the function is not one the compiled form covers.
pub(crate) fn compile(
    func: &Func,
    args: &[Arg],
    name: &Ident,
    tape: &TokenStream,
) -> Option<TokenStream> {
    let sig = &func.item.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return None;
    }
    let elem = match &func.output {
        Output::Tensor { elem: Some(e), .. } => e.to_token_stream(),
        Output::Tensor { elem: None, .. } => quote!(f32),
        Output::Other(ty) => quote!(<#ty as ::autodiff::__private::TensorOutput>::Elem),
    };
    if !args
        .iter()
        .filter(|a| !a.no_grad)
        .all(|a| maybe_tensor(&a.ty))
    {
        return None;
    }
    let mut l = Lowering::new(args);
    let out = l.body(&func.item.block.stmts)?;
    if l.by_field.iter().zip(&l.whole).any(|(f, w)| *f && *w) {
        return None;
    }
    let out = match out {
        Val::Live(v) if matches!(l.values[v].origin, Origin::Op) => v,
        _ => return None,
    };
    let compiled = emit::emit(&l, out, &elem, name, tape);
    Some(quote! {
        if ::autodiff::__private::compiled::top_level::<#elem>() {
            #compiled
        } else {
            #tape
        }
    })
}
