//! The compiled backward pass: reverse mode by source transformation, for a function
//! whose body the macro can read as a list of known tensor ops.
//!
//! A body of `let` statements and a final expression built from the arguments, number
//! literals, `+ - * /`, unary `-`, and the methods in [`UNARY`], `powi`, `matmul` and
//! `matmul_t` is
//! lowered to single assignments (`__ad_v3 = &__ad_v1 + b`), and the backward pass is
//! written out from them in reverse: one rule per op from `autodiff::graph::compiled`,
//! each guarded by whether a wanted input depends on the op (PyTorch's `inputs=`). The
//! types are the compiler's business: the rules are generic, so every shape is inferred
//! and checked as in the eager function.
//!
//! Anything else in the body (a call, a loop, a `match`, another method) makes
//! [`compile`] return `None`, and `forward` records on the tape only. The compiled form
//! runs only when no graph records (see `forward_body` in `expand.rs`).

use super::ast::{Arg, Func, Output};
use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, ExprMethodCall, Ident, Lit, Pat, Stmt, Type, UnOp};

/// Methods of one tensor that give a tensor, with where their rule reads from: the
/// input (`In`), the output (`Out`), or only the input's sizes (`Sizes`, `None`).
const UNARY: [(&str, Reads); 15] = [
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
enum Reads {
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
const TENSOR_ONLY: [&str; 8] = [
    "t", "sum", "mean", "relu", "sigmoid", "square", "matmul", "matmul_t",
];

/// What a constant (a value no differentiable argument flows into) is.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Tensor,
    Scalar,
    Other,
}

/// A lowered expression.
#[derive(Clone)]
enum Val {
    /// An SSA value that depends on a differentiable argument.
    Live(usize),
    /// A constant: an expression to use as it is (an argument, a literal, or the name a
    /// `let` bound it to). For a tensor, `tokens` is a reference to it.
    Const { tokens: TokenStream, kind: Kind },
}

#[derive(Clone, Copy, PartialEq)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

impl Arith {
    fn name(self) -> &'static str {
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
enum Operand {
    Live(usize),
    Tensor(TokenStream),
    Scalar(TokenStream),
}

/// An op's share of an operand's gradient, as the backward pass writes it into the
/// operand's slot (see `emit`).
enum Share {
    /// A gradient tensor.
    Value(TokenStream),
    /// The output's gradient summed back to the operand's sizes (its `Like`).
    Unbroadcast(TokenStream),
    /// The output's gradient times a saved tensor, summed back (that tensor, the `Like`).
    Mul(TokenStream, TokenStream),
    /// An `Option` of a gradient tensor.
    Maybe(TokenStream),
}

enum OpKind {
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
}

struct Op {
    kind: OpKind,
    operands: Vec<Operand>,
    out: usize,
}

/// Where an SSA value comes from.
enum Origin {
    /// The differentiable argument with this index (among the differentiable ones).
    Arg(usize),
    /// A field of a differentiable struct argument (`model.l1.weight`): the argument's
    /// index and the path below it.
    Field(usize, Vec<Ident>),
    Op,
}

struct Value {
    origin: Origin,
    /// A reference to the value in the forward pass (`w` for a `&Tensor` argument,
    /// `&__ad_v3` for an op's result).
    forward_ref: TokenStream,
    /// The inputs (argument or field values) that flow into it, as value indices.
    deps: Vec<usize>,
}

struct Lowering<'a> {
    args: &'a [Arg],
    /// Index among the differentiable arguments, for each argument.
    diff_index: Vec<Option<usize>>,
    values: Vec<Value>,
    ops: Vec<Op>,
    /// The forward pass's statements, with the value each op's statement defines.
    forward: Vec<(Option<usize>, TokenStream)>,
    locals: HashMap<String, Val>,
    consts: usize,
    /// Per differentiable argument: read through its fields (a struct), read whole.
    by_field: Vec<bool>,
    whole: Vec<bool>,
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
    let compiled = l.emit(out, &elem, name, tape);
    Some(quote! {
        if ::autodiff::__private::compiled::top_level::<#elem>() {
            #compiled
        } else {
            #tape
        }
    })
}

/// Primitive types: never tensors.
const PRIMITIVES: [&str; 15] = [
    "f32", "f64", "bool", "char", "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16",
    "i32", "i64",
];

/// Whether `ty` (after a `&`) may be a tensor: a path that is not a primitive. A type
/// alias of a tensor is one; a struct of tensors is too as far as syntax goes, but a
/// body that uses one only through field accesses and its own methods is not lowered.
fn maybe_tensor(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => maybe_tensor(&r.elem),
        Type::Paren(p) => maybe_tensor(&p.elem),
        Type::Group(g) => maybe_tensor(&g.elem),
        Type::Path(p) if p.qself.is_none() => !PRIMITIVES.iter().any(|n| p.path.is_ident(n)),
        _ => false,
    }
}

/// The kind of a `#[no_grad]` argument of type `ty`.
fn arg_kind(ty: &Type) -> Kind {
    let ty = match ty {
        Type::Reference(r) => &*r.elem,
        t => t,
    };
    match ty {
        Type::Path(p) if p.path.is_ident("f32") || p.path.is_ident("f64") => Kind::Scalar,
        t if maybe_tensor(t) => Kind::Tensor,
        _ => Kind::Other,
    }
}

impl<'a> Lowering<'a> {
    fn new(args: &'a [Arg]) -> Self {
        let mut diff_index = Vec::new();
        let mut n = 0;
        for a in args {
            diff_index.push((!a.no_grad).then(|| {
                n += 1;
                n - 1
            }));
        }
        let mut l = Lowering {
            args,
            diff_index,
            values: Vec::new(),
            ops: Vec::new(),
            forward: Vec::new(),
            locals: HashMap::new(),
            consts: 0,
            by_field: vec![false; n],
            whole: vec![false; n],
        };
        for (i, a) in args.iter().enumerate() {
            let Some(d) = l.diff_index[i] else { continue };
            let id = &a.ident;
            let forward_ref = match &a.ty {
                Type::Reference(_) => quote!(#id),
                _ => quote!(&#id),
            };
            l.values.push(Value {
                origin: Origin::Arg(d),
                forward_ref,
                deps: vec![d],
            });
        }
        l
    }

    fn body(&mut self, stmts: &[Stmt]) -> Option<Val> {
        let (last, init) = stmts.split_last()?;
        for stmt in init {
            let Stmt::Local(local) = stmt else {
                return None;
            };
            let init = local.init.as_ref()?;
            if init.diverge.is_some() || !local.attrs.is_empty() {
                return None;
            }
            let ident = match &local.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => &p.ident,
                Pat::Type(t) => match &*t.pat {
                    Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => &p.ident,
                    _ => return None,
                },
                _ => return None,
            };
            let val = self.lower(&init.expr)?;
            self.locals.insert(ident.to_string(), val);
        }
        match last {
            Stmt::Expr(e, None) => self.lower(e),
            _ => None,
        }
    }

    /// Binds a constant expression to a fresh name, evaluated here in the forward pass.
    fn bind_const(&mut self, expr: TokenStream, kind: Kind) -> Val {
        let id = format_ident!("__ad_c{}", self.consts);
        self.consts += 1;
        self.forward.push((None, quote!(let #id = #expr;)));
        let tokens = match kind {
            Kind::Tensor => quote!(&#id),
            _ => quote!(#id),
        };
        Val::Const { tokens, kind }
    }

    /// A constant in an expression (a tensor by reference: the ops take references).
    fn const_expr(tokens: &TokenStream, _kind: Kind) -> TokenStream {
        tokens.clone()
    }

    fn lower(&mut self, e: &Expr) -> Option<Val> {
        match e {
            Expr::Paren(p) => self.lower(&p.expr),
            Expr::Group(g) => self.lower(&g.expr),
            // `&model.weight`: only a tensor field can be an operand by reference.
            Expr::Reference(r) if r.mutability.is_none() => match &*r.expr {
                Expr::Field(f) => self.field(f, true),
                e => self.lower(e),
            },
            Expr::Lit(l) => match &l.lit {
                Lit::Float(_) => Some(Val::Const {
                    tokens: l.to_token_stream(),
                    kind: Kind::Scalar,
                }),
                Lit::Int(_) => Some(Val::Const {
                    tokens: l.to_token_stream(),
                    kind: Kind::Other,
                }),
                _ => None,
            },
            Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
                let id = p.path.get_ident()?;
                if let Some(v) = self.locals.get(&id.to_string()) {
                    return Some(v.clone());
                }
                let i = self.args.iter().position(|a| a.ident == *id)?;
                let a = &self.args[i];
                match self.diff_index[i] {
                    Some(d) => {
                        self.whole[d] = true;
                        Some(Val::Live(d))
                    }
                    None => {
                        let kind = arg_kind(&a.ty);
                        let tokens = match (&a.ty, kind) {
                            (Type::Reference(_), _) => quote!(#id),
                            (_, Kind::Tensor) => quote!(&#id),
                            _ => quote!(#id),
                        };
                        Some(Val::Const { tokens, kind })
                    }
                }
            }
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
                let neg = &u.op;
                match self.lower(&u.expr)? {
                    Val::Live(v) => Some(self.push_op(
                        OpKind::Unary("neg", Reads::Nothing("neg")),
                        vec![Operand::Live(v)],
                        {
                            let hole = Ident::new("__ad_ref", u.expr.span());
                            quote!(#neg #hole)
                        },
                    )),
                    Val::Const { tokens, kind } => {
                        let inner = Self::const_expr(&tokens, kind);
                        Some(self.bind_const(quote!(#neg #inner), kind))
                    }
                }
            }
            Expr::Binary(b) => {
                let arith = match b.op {
                    BinOp::Add(_) => Arith::Add,
                    BinOp::Sub(_) => Arith::Sub,
                    BinOp::Mul(_) => Arith::Mul,
                    BinOp::Div(_) => Arith::Div,
                    _ => return None,
                };
                let lhs = self.lower(&b.left)?;
                let rhs = self.lower(&b.right)?;
                let holes = [b.left.span(), b.right.span()].map(|s| Ident::new("__ad_ref", s));
                let [l, r] = &holes;
                let op = &b.op;
                self.binary(arith, quote!(#l #op #r), lhs, rhs)
            }
            Expr::Field(f) => self.field(f, false),
            Expr::MethodCall(m) if m.turbofish.is_none() => {
                let recv = match &*m.receiver {
                    Expr::Field(f) => {
                        self.field(f, TENSOR_ONLY.contains(&&*m.method.to_string()))?
                    }
                    e => self.lower(e)?,
                };
                let args = m
                    .args
                    .iter()
                    .map(|a| self.lower(a))
                    .collect::<Option<Vec<_>>>()?;
                self.method(m, recv, args)
            }
            _ => None,
        }
    }

    /// `arg.a.b`: for a differentiable argument, an input of its own (one value per
    /// path); for a `#[no_grad]` one, a constant. A field is known to be a tensor when
    /// it is read by reference (`&model.bias`) or is the receiver of a method only
    /// tensors have (`model.weight.t()`): that is `tensor`. Read otherwise (`x *
    /// model.lr`), it may be a number: a differentiable argument's such field leaves the
    /// function on the tape, a `#[no_grad]` one's is a constant of unknown kind.
    fn field(&mut self, f: &syn::ExprField, tensor: bool) -> Option<Val> {
        let mut path = Vec::new();
        let mut e: &Expr = &Expr::Field(f.clone());
        while let Expr::Field(f) = e {
            match &f.member {
                syn::Member::Named(id) if f.attrs.is_empty() => path.push(id.clone()),
                _ => return None,
            }
            e = &f.base;
        }
        path.reverse();
        let Expr::Path(p) = e else { return None };
        let base = p.path.get_ident()?;
        if self.locals.contains_key(&base.to_string()) {
            return None;
        }
        let i = self.args.iter().position(|a| a.ident == *base)?;
        let Some(d) = self.diff_index[i] else {
            return Some(match tensor {
                true => Val::Const {
                    tokens: quote!(&#base #(.#path)*),
                    kind: Kind::Tensor,
                },
                false => Val::Const {
                    tokens: quote!(#base #(.#path)*),
                    kind: Kind::Other,
                },
            });
        };
        if !tensor {
            return None;
        }
        self.by_field[d] = true;
        let same = |v: &Value| matches!(&v.origin, Origin::Field(a, p) if *a == d && *p == path);
        if let Some(v) = self.values.iter().position(same) {
            return Some(Val::Live(v));
        }
        let v = self.values.len();
        self.values.push(Value {
            origin: Origin::Field(d, path.clone()),
            forward_ref: quote!(&#base #(.#path)*),
            deps: vec![v],
        });
        Some(Val::Live(v))
    }

    fn operand(&self, v: &Val) -> Option<Operand> {
        match v {
            Val::Live(i) => Some(Operand::Live(*i)),
            Val::Const {
                tokens,
                kind: Kind::Tensor,
            } => Some(Operand::Tensor(tokens.clone())),
            Val::Const {
                tokens,
                kind: Kind::Scalar,
            } => Some(Operand::Scalar(tokens.clone())),
            Val::Const { .. } => None,
        }
    }

    /// `lhs op rhs`; `template` is the expression as written, with holes (see `method`).
    fn binary(&mut self, arith: Arith, template: TokenStream, lhs: Val, rhs: Val) -> Option<Val> {
        if let (
            Val::Const {
                tokens: a,
                kind: ka,
            },
            Val::Const {
                tokens: b,
                kind: kb,
            },
        ) = (&lhs, &rhs)
        {
            let kind = match (*ka, *kb) {
                (Kind::Tensor, _) | (_, Kind::Tensor) => Kind::Tensor,
                (Kind::Scalar, Kind::Scalar) => Kind::Scalar,
                _ => Kind::Other,
            };
            let (a, b) = (Self::const_expr(a, *ka), Self::const_expr(b, *kb));
            let expr = fill(template, &mut [(a.clone(), a), (b.clone(), b)].into_iter());
            return Some(self.bind_const(expr, kind));
        }
        let (a, b) = (self.operand(&lhs)?, self.operand(&rhs)?);
        let kind = match (&a, &b) {
            (Operand::Scalar(_), Operand::Scalar(_)) => return None,
            (_, Operand::Scalar(_)) => OpKind::ScalarRhs(arith),
            (Operand::Scalar(_), _) => OpKind::ScalarLhs(arith),
            _ => OpKind::Binary(arith),
        };
        Some(self.push_op(kind, vec![a, b], template))
    }

    fn method(&mut self, m: &ExprMethodCall, recv: Val, args: Vec<Val>) -> Option<Val> {
        let method = &m.method;
        let name = method.to_string();
        // The call as the user wrote it, operands replaced by holes with their spans:
        // an error in it points where the eager function's does, and is reported once.
        let call = |arg: Option<TokenStream>| {
            let recv = Ident::new("__ad_recv", m.receiver.span());
            let dot = &m.dot_token;
            let mut args = Group::new(Delimiter::Parenthesis, arg.unwrap_or_default());
            args.set_span(m.paren_token.span.join());
            quote!(#recv #dot #method #args)
        };
        let arg_hole = || Ident::new("__ad_ref", m.args[0].span()).to_token_stream();
        let all_const = matches!(recv, Val::Const { .. })
            && args.iter().all(|a| matches!(a, Val::Const { .. }));
        if all_const {
            // Evaluated eagerly; a tensor if a tensor's own op made it.
            let Val::Const { tokens, kind } = &recv else {
                unreachable!()
            };
            let tensor_op = *kind == Kind::Tensor
                && (UNARY.iter().any(|(n, _)| *n == name)
                    || ["powi", "matmul", "matmul_t"].contains(&name.as_str()));
            let recv = place(tokens);
            let args = args.iter().map(|a| match a {
                Val::Const { tokens, .. } => tokens.clone(),
                Val::Live(_) => unreachable!(),
            });
            let kind = if tensor_op { Kind::Tensor } else { Kind::Other };
            return Some(self.bind_const(quote!(#recv.#method(#(#args),*)), kind));
        }
        match (name.as_str(), args.as_slice()) {
            ("powi", [Val::Const { tokens, kind }]) if *kind != Kind::Tensor => {
                let Val::Live(v) = recv else { return None };
                let n = tokens.clone();
                Some(self.push_op(
                    OpKind::Powi(n.clone()),
                    vec![Operand::Live(v)],
                    call(Some(n.clone())),
                ))
            }
            ("matmul" | "matmul_t", [rhs]) => {
                let (a, b) = (self.operand(&recv)?, self.operand(rhs)?);
                if matches!(a, Operand::Scalar(_)) || matches!(b, Operand::Scalar(_)) {
                    return None;
                }
                let transposed = name == "matmul_t";
                Some(self.push_op(
                    OpKind::Matmul { transposed },
                    vec![a, b],
                    call(Some(arg_hole())),
                ))
            }
            (_, []) => {
                let Val::Live(v) = recv else { return None };
                let (n, reads) = *UNARY.iter().find(|(n, _)| *n == name)?;
                Some(self.push_op(OpKind::Unary(n, reads), vec![Operand::Live(v)], call(None)))
            }
            _ => None,
        }
    }

    /// Adds an op; `template` is its forward expression with a hole for each operand:
    /// `__ad_ref` for a reference to it (an operator's operand, a method's argument),
    /// `__ad_recv` for the value (a method's receiver).
    fn push_op(&mut self, kind: OpKind, operands: Vec<Operand>, template: TokenStream) -> Val {
        let refs: Vec<(TokenStream, TokenStream)> = operands
            .iter()
            .map(|o| match o {
                Operand::Live(v) => {
                    let value = &self.values[*v];
                    (value.forward_ref.clone(), place(&value.forward_ref))
                }
                Operand::Tensor(t) => (t.clone(), place(t)),
                Operand::Scalar(t) => (t.clone(), t.clone()),
            })
            .collect();
        let expr = fill(template, &mut refs.into_iter());
        let out = self.values.len();
        let id = format_ident!("__ad_v{}", out);
        let mut deps: Vec<usize> = operands
            .iter()
            .filter_map(|o| match o {
                Operand::Live(v) => Some(self.values[*v].deps.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect();
        deps.sort_unstable();
        deps.dedup();
        self.forward.push((Some(out), quote!(let #id = #expr;)));
        self.values.push(Value {
            origin: Origin::Op,
            forward_ref: quote!(&#id),
            deps,
        });
        self.ops.push(Op {
            kind,
            operands,
            out,
        });
        Val::Live(out)
    }

    /// The compiled branch: the forward statements, the saved values, the backward
    /// closure, and `(output, graph)`.
    fn emit(
        &self,
        out: usize,
        elem: &TokenStream,
        name: &Ident,
        tape: &TokenStream,
    ) -> TokenStream {
        let c = quote!(::autodiff::__private::compiled);
        let v = |i: usize| format_ident!("__ad_v{}", i);
        let g = |i: usize| format_ident!("__ad_g{}", i);
        // The inputs: tensor arguments, and the fields read of struct arguments. With a
        // struct argument, inputs are found by their path in a `Layout` at run time.
        let is_input = |i: usize| match &self.values[i].origin {
            Origin::Arg(d) => !self.by_field[*d],
            Origin::Field(..) => true,
            Origin::Op => false,
        };
        let inputs: Vec<usize> = (0..self.values.len()).filter(|&i| is_input(i)).collect();
        let by_layout = self.by_field.iter().any(|&f| f);
        // Whether value `i` leads to a wanted input (for an input: whether it is wanted).
        let n = |i: usize| {
            if is_input(i) {
                format_ident!("__ad_w{}", i)
            } else {
                format_ident!("__ad_n{}", i)
            }
        };
        // An input's index in the `Layout`.
        let at = |i: usize| format_ident!("__ad_i{}", i);
        let l = |i: usize| format_ident!("__ad_l{}", i);
        let live = |o: &Operand| match o {
            Operand::Live(i) => Some(*i),
            _ => None,
        };

        // Which values the output depends on: the others' ops have no rule to run.
        let mut reaches = vec![false; self.values.len()];
        reaches[out] = true;
        for op in self.ops.iter().rev() {
            if reaches[op.out] {
                for o in &op.operands {
                    if let Some(i) = live(o) {
                        reaches[i] = true;
                    }
                }
            }
        }
        let ops: Vec<&Op> = self.ops.iter().filter(|op| reaches[op.out]).collect();

        // What the backward pass reads: saved tensors (by operand) and sizes (by value).
        let mut saves: Vec<usize> = Vec::new();
        let mut saved_consts: Vec<TokenStream> = Vec::new();
        let mut likes: Vec<usize> = Vec::new();
        let mut save = |o: &Operand, saves: &mut Vec<usize>| match o {
            Operand::Live(i) => {
                if !saves.contains(i) {
                    saves.push(*i)
                }
            }
            Operand::Tensor(t) => saved_consts.push(t.clone()),
            Operand::Scalar(_) => {}
        };
        for op in &ops {
            let [a, b] = [op.operands.first(), op.operands.get(1)];
            match &op.kind {
                OpKind::Matmul { .. } => {
                    save(a.unwrap(), &mut saves);
                    save(b.unwrap(), &mut saves);
                }
                OpKind::Binary(arith @ (Arith::Mul | Arith::Div)) => {
                    let (a, b) = (a.unwrap(), b.unwrap());
                    if live(a).is_some() {
                        save(b, &mut saves);
                    }
                    if live(b).is_some() {
                        save(a, &mut saves);
                        if *arith == Arith::Div {
                            save(b, &mut saves);
                        }
                    }
                }
                OpKind::ScalarLhs(Arith::Div) => save(b.unwrap(), &mut saves),
                OpKind::Unary(_, Reads::In(_)) | OpKind::Powi(_) => save(a.unwrap(), &mut saves),
                OpKind::Unary(_, Reads::Out(_)) => save(&Operand::Live(op.out), &mut saves),
                _ => {}
            }
            for o in &op.operands {
                if let Some(i) = live(o) {
                    if !likes.contains(&i) {
                        likes.push(i);
                    }
                }
            }
        }
        for &i in &inputs {
            if !likes.contains(&i) {
                likes.push(i);
            }
        }

        // The forward pass: the inputs' `like`s (and their `Layout`), then the ops, each
        // needed `like` right after its value.
        let mut forward = Vec::new();
        for &i in &inputs {
            let (li, r) = (l(i), &self.values[i].forward_ref);
            forward.push(quote!(let #li = #c::like(#r);));
        }
        if by_layout {
            forward.push(quote!(let mut __ad_layout = #c::Layout::default();));
            for (arg, d) in self.args.iter().filter(|a| !a.no_grad).zip(0..) {
                if !self.by_field[d] {
                    let (ai, r) = (at(d), &self.values[d].forward_ref);
                    forward.push(quote!(let #ai = __ad_layout.tensor(#r);));
                    continue;
                }
                let fields: Vec<usize> = inputs
                    .iter()
                    .copied()
                    .filter(|&i| matches!(&self.values[i].origin, Origin::Field(a, _) if *a == d))
                    .collect();
                let names = fields.iter().map(|&i| match &self.values[i].origin {
                    Origin::Field(_, path) => path
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join("."),
                    _ => unreachable!(),
                });
                let ats = fields.iter().map(|&i| at(i));
                let id = &arg.ident;
                let whole = match &arg.ty {
                    Type::Reference(_) => quote!(#id),
                    _ => quote!(&#id),
                };
                forward.push(quote!(let [#(#ats),*] = __ad_layout.fields(#whole, [#(#names),*]);));
            }
            // A path the struct's `visit` does not name is a `#[no_grad]` field, or a part
            // of a hand-written `Differentiable` named otherwise: the tape handles both.
            let fields = inputs
                .iter()
                .filter(|&&i| matches!(self.values[i].origin, Origin::Field(..)))
                .map(|&i| at(i));
            forward.push(quote! {
                if !#c::found(&[#(#fields),*]) {
                    return #tape;
                }
            });
        }
        for (defines, stmt) in &self.forward {
            forward.push(stmt.clone());
            if let Some(o) = *defines {
                if likes.contains(&o) {
                    let (li, vo) = (l(o), v(o));
                    forward.push(quote!(let #li = #c::like(&#vo);));
                }
            }
        }

        // Saved values: an op's result moves into the closure (the output is cloned,
        // since it is also returned); arguments and constants are cloned.
        let mut keep = Vec::new();
        let saved_name = |i: usize| format_ident!("__ad_s{}", i);
        for &i in &saves {
            let s = saved_name(i);
            let r = &self.values[i].forward_ref;
            if matches!(self.values[i].origin, Origin::Op) && i != out {
                let vi = v(i);
                keep.push(quote!(let #s = #vi;));
            } else {
                keep.push(quote!(let #s = #c::keep(#r);));
            }
        }
        let mut const_names: Vec<(String, Ident)> = Vec::new();
        for (k, t) in saved_consts.iter().enumerate() {
            let key = t.to_string();
            if const_names.iter().any(|(s, _)| *s == key) {
                continue;
            }
            let id = format_ident!("__ad_k{}", k);
            keep.push(quote!(let #id = #c::keep(#t);));
            const_names.push((key, id));
        }
        let saved = |o: &Operand| -> TokenStream {
            match o {
                Operand::Live(i) => {
                    let s = saved_name(*i);
                    quote!(&#s)
                }
                Operand::Tensor(t) => {
                    let key = t.to_string();
                    let id = &const_names.iter().find(|(s, _)| *s == key).unwrap().1;
                    quote!(&#id)
                }
                Operand::Scalar(t) => t.clone(),
            }
        };

        // The backward pass.
        // Flags: which inputs are wanted, which values lead to a wanted one.
        let used = |i: usize| reaches[i];
        let diff: Vec<&Ident> = self
            .args
            .iter()
            .filter(|a| !a.no_grad)
            .map(|a| &a.ident)
            .collect();
        let wants = if by_layout {
            let (ws, ats): (Vec<Ident>, Vec<Ident>) = inputs.iter().map(|&i| (n(i), at(i))).unzip();
            quote! {
                let __ad_wanted = #c::wanted(&__ad_to, &__ad_layout);
                #(let #ws = #c::flag(&__ad_wanted, #ats);)*
            }
        } else {
            // Every input is an argument: value `d` is the `d`th.
            let flags: Vec<Ident> = inputs.iter().map(|&i| n(i)).collect();
            let trues = flags.iter().map(|_| quote!(true));
            quote! {
                let (#(#flags,)*) = match &__ad_to {
                    #c::Out::Partial(_, __ad_select) => {
                        (#(__ad_select.#diff,)*)
                    }
                    _ => (#(#trues,)*),
                };
            }
        };
        let needs = (0..self.values.len())
            .filter(|&i| used(i) && matches!(self.values[i].origin, Origin::Op))
            .map(|i| {
                let ni = n(i);
                let ws = self.values[i].deps.iter().map(|&d| n(d));
                quote!(let #ni = #(#ws)||*;)
            });
        // A gradient slot per value the output depends on, and per input.
        let slots = (0..self.values.len())
            .filter(|&i| i != out && (used(i) || is_input(i)))
            .map(|i| {
                let (gi, li) = (g(i), l(i));
                let mutable = used(i).then(|| quote!(mut));
                quote!(let #mutable #gi = #li.none();)
            });
        let go = g(out);
        let mut rules = Vec::new();
        // Whether a slot has been written by an earlier statement: the first write to
        // a slot finds it empty (whatever the flags), so it assigns instead of adding.
        let mut written = vec![false; self.values.len()];
        let mut write = |i: usize, share: Share| -> TokenStream {
            let gi = g(i);
            let first = !std::mem::replace(&mut written[i], true);
            match (share, first) {
                (Share::Value(x), true) => quote!(#gi = ::core::option::Option::Some(#x);),
                (Share::Value(x), false) => quote!(#c::acc(&mut #gi, #x);),
                (Share::Unbroadcast(li), true) => {
                    quote!(#gi = ::core::option::Option::Some(#c::unbroadcast(&__ad_g, #li));)
                }
                (Share::Unbroadcast(li), false) => {
                    quote!(#c::acc_unbroadcast(&mut #gi, &__ad_g, #li);)
                }
                (Share::Mul(so, li), true) => {
                    quote!(#gi = ::core::option::Option::Some(#c::mul_grad(&__ad_g, #so, #li));)
                }
                (Share::Mul(so, li), false) => quote!(#c::acc_mul(&mut #gi, &__ad_g, #so, #li);),
                (Share::Maybe(x), true) => quote!(#gi = #x;),
                (Share::Maybe(x), false) => quote!(
                    if let ::core::option::Option::Some(__ad_x) = #x { #c::acc(&mut #gi, __ad_x); }
                ),
            }
        };
        for op in ops.iter().rev() {
            let (go_i, no) = (g(op.out), n(op.out));
            let a = &op.operands[0];
            let b = op.operands.get(1);
            let mut body = Vec::new();
            let mut grad_of = |o: &Operand, rule: TokenStream, body: &mut Vec<TokenStream>| {
                if let Operand::Live(i) = o {
                    let ni = n(*i);
                    let stmt = write(*i, Share::Value(rule));
                    body.push(quote!(if #ni { #stmt }));
                }
            };
            match &op.kind {
                OpKind::Binary(arith) => {
                    let b = b.unwrap();
                    // One statement per live operand: how its slot takes its share.
                    for (pos, o) in [(0, a), (1, b)] {
                        let Some(i) = live(o) else { continue };
                        let (ni, li) = (n(i), l(i));
                        let other = if pos == 0 { b } else { a };
                        let share = match (arith, pos) {
                            (Arith::Add, _) | (Arith::Sub, 0) => Share::Unbroadcast(quote!(#li)),
                            (Arith::Sub, _) => {
                                Share::Value(quote!(#c::neg_unbroadcast(&__ad_g, #li)))
                            }
                            (Arith::Mul, _) => Share::Mul(saved(other), quote!(#li)),
                            (Arith::Div, 0) => {
                                let sb = saved(b);
                                Share::Value(quote!(#c::div_lhs_grad(&__ad_g, #sb, #li)))
                            }
                            (Arith::Div, _) => {
                                let (sa, sb) = (saved(a), saved(b));
                                Share::Value(quote!(#c::div_rhs_grad(&__ad_g, #sa, #sb)))
                            }
                        };
                        let stmt = write(i, share);
                        body.push(quote!(if #ni { #stmt }));
                    }
                }
                OpKind::ScalarRhs(arith) => {
                    let s = saved(b.unwrap());
                    let rule = match arith {
                        Arith::Add | Arith::Sub => quote!(__ad_g),
                        Arith::Mul => quote!(#c::scale(__ad_g, #s)),
                        Arith::Div => quote!(#c::scale_div(__ad_g, #s)),
                    };
                    grad_of(a, rule, &mut body);
                }
                OpKind::ScalarLhs(arith) => {
                    let s = saved(a);
                    let b = b.unwrap();
                    let rule = match arith {
                        Arith::Add => quote!(__ad_g),
                        Arith::Sub => quote!(#c::neg(__ad_g)),
                        Arith::Mul => quote!(#c::scale(__ad_g, #s)),
                        Arith::Div => {
                            let sb = saved(b);
                            quote!(#c::rdiv_grad(__ad_g, #s, #sb))
                        }
                    };
                    grad_of(b, rule, &mut body);
                }
                OpKind::Unary(_, reads) => {
                    let rule = match *reads {
                        Reads::In(d) => {
                            let (s, d) = (saved(a), Ident::new(d, Span::call_site()));
                            quote!(#c::unary(__ad_g, #s, #c::#d))
                        }
                        Reads::Out(d) => {
                            let (s, d) = (
                                saved(&Operand::Live(op.out)),
                                Ident::new(d, Span::call_site()),
                            );
                            quote!(#c::unary(__ad_g, #s, #c::#d))
                        }
                        Reads::Sizes(r) => {
                            let (la, r) = (live(a).map(l), Ident::new(r, Span::call_site()));
                            quote!(#c::#r(&__ad_g, #la))
                        }
                        Reads::Nothing(r) => {
                            let r = Ident::new(r, Span::call_site());
                            if r == "t_grad" {
                                quote!(#c::#r(&__ad_g))
                            } else {
                                quote!(#c::#r(__ad_g))
                            }
                        }
                    };
                    grad_of(a, rule, &mut body);
                }
                OpKind::Powi(p) => {
                    let s = saved(a);
                    grad_of(a, quote!(#c::powi_grad(__ad_g, #s, #p)), &mut body);
                }
                OpKind::Matmul { transposed } => {
                    let b = b.unwrap();
                    let grads = if *transposed {
                        quote!(#c::matmul_t_grads)
                    } else {
                        quote!(#c::matmul_grads)
                    };
                    let (sa, sb) = (saved(a), saved(b));
                    let flag = |o: &Operand| match live(o) {
                        Some(i) => {
                            let ni = n(i);
                            quote!(#ni)
                        }
                        None => quote!(false),
                    };
                    let (fa, fb) = (flag(a), flag(b));
                    body.push(quote!(
                        let (__ad_ga, __ad_gb) = #grads(&__ad_g, #sa, #sb, [#fa, #fb]);
                    ));
                    for (o, got) in [(a, quote!(__ad_ga)), (b, quote!(__ad_gb))] {
                        if let Some(i) = live(o) {
                            body.push(write(i, Share::Maybe(got)));
                        }
                    }
                }
            }
            rules.push(quote! {
                if #no {
                    if let ::core::option::Option::Some(__ad_g) = #go_i.take() {
                        __ad_ran += 1;
                        #(#body)*
                    }
                }
            });
        }
        // The inputs' gradients, where `Out` says: as the generated structs' fields, or
        // with struct arguments through `Layout` and the gradient type's own methods.
        let (gs, ls): (Vec<Ident>, Vec<Ident>) = inputs.iter().map(|&i| (g(i), l(i))).unzip();
        let ats = inputs.iter().map(|&i| at(i));
        let finish = if by_layout {
            quote! {
                let mut __ad_slots = __ad_layout.slots();
                #(__ad_slots.put(#ats, #gs);)*
                #c::finish(__ad_to, __ad_slots, &__ad_layout);
            }
        } else {
            quote! {
            match __ad_to {
                #c::Out::Build(__ad_grads) => {
                    *__ad_grads = ::core::option::Option::Some(Grads {
                        #(#diff: #c::or_zeros(#gs, #ls),)*
                    });
                }
                #c::Out::Add(__ad_grads) => {
                    #(#c::add_to(&mut __ad_grads.#diff, #gs);)*
                }
                #c::Out::Partial(__ad_grads, __ad_select) => {
                    *__ad_grads = ::core::option::Option::Some(Partial {
                        #(#diff: if __ad_select.#diff {
                            ::core::option::Option::Some(#c::or_zeros(#gs, #ls))
                        } else {
                            ::core::option::Option::None
                        },)*
                    });
                }
                // Drawn before any rule ran.
                #c::Out::Dot(_) => {}
            }
            }
        };
        let (vo, lo) = (v(out), l(out));
        let (dot_pieces, dot_sized) = self.dot(out, name, &reaches);
        let dot_likes = dot_sized.iter().map(|&i| l(i));
        quote! {
            #(#forward)*
            #(#keep)*
            const GRAPH: &[&str] = &[#(#dot_pieces),*];
            // The output as the declared type: the same type in any program that compiles
            // (the eager function has this body and is checked against the declaration), so
            // a body of another type is reported once, there, and not again here.
            let #lo = #c::like(&#vo);
            let __ad_out = #c::declared(#vo);
            let __ad_graph = #c::graph(&__ad_out, move |__ad_seed, __ad_to: #c::Out<'_, Grads, #elem>| -> usize {
                let __ad_to = match __ad_to {
                    #c::Out::Dot(__ad_text) => {
                        #c::write_dot(__ad_text, GRAPH, &[#(#dot_likes.sizes()),*]);
                        return 0;
                    }
                    __ad_to => __ad_to,
                };
                #wants
                #(#needs)*
                #(#slots)*
                let mut #go = ::core::option::Option::Some(#c::reseed(__ad_seed, #lo));
                let mut __ad_ran = 0usize;
                #(#rules)*
                #finish
                __ad_ran
            });
            (__ad_out, __ad_graph)
        }
    }

    /// The graph in DOT, as the text around each value's sizes (known when the graph
    /// is drawn) and those values: the differentiable arguments as ellipses, one box per
    /// op, what the output does not depend on left out (as `Graph::to_dot` draws a tape).
    fn dot(&self, out: usize, name: &Ident, reaches: &[bool]) -> (Vec<String>, Vec<usize>) {
        let mut pieces = vec![format!(
            "digraph autodiff {{\n  // `{name}`, compiled by #[differentiable]\n  rankdir=BT;\n  node [fontname=\"monospace\"];\n"
        )];
        let mut sized = Vec::new();
        let diff: Vec<&Arg> = self.args.iter().filter(|a| !a.no_grad).collect();
        let mut node = |pieces: &mut Vec<String>, i: usize, label: String, shape: &str| {
            let last = pieces.last_mut().expect("a piece");
            *last += &format!("  n{i} [label=\"{label}\\n");
            sized.push(i);
            pieces.push(format!("\", shape={shape}];\n"));
        };
        for (i, value) in self.values.iter().enumerate() {
            let label = match &value.origin {
                Origin::Arg(d) if !self.by_field[*d] => diff[*d].ident.to_string(),
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
        for op in self.ops.iter().filter(|op| reaches[op.out]) {
            let label = match &op.kind {
                OpKind::Binary(a) => a.name().to_string(),
                OpKind::ScalarRhs(a) | OpKind::ScalarLhs(a) => format!("{} scalar", a.name()),
                OpKind::Unary(n, _) => n.to_string(),
                OpKind::Powi(p) => format!("powi {}", p.to_string().replace('"', "'")),
                OpKind::Matmul { transposed: false } => "matmul".to_string(),
                OpKind::Matmul { transposed: true } => "matmul_t".to_string(),
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

/// A reference's place: `x` for `&x`, and `x` for `x` (a `&Tensor` argument, which a
/// method call dereferences).
fn place(r: &TokenStream) -> TokenStream {
    let mut tokens = r.clone().into_iter().peekable();
    match tokens.peek() {
        Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '&' => {
            tokens.next();
            tokens.collect()
        }
        _ => r.clone(),
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut ng = Group::new(g.delimiter(), respan(g.stream(), span));
                ng.set_span(span);
                tt = proc_macro2::TokenTree::Group(ng);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `template` with each hole (`__ad_ref`, `__ad_recv`) replaced by the next operand's
/// reference or place.
fn fill(
    template: TokenStream,
    refs: &mut impl Iterator<Item = (TokenStream, TokenStream)>,
) -> TokenStream {
    let mut out = TokenStream::new();
    for tt in template {
        match tt {
            proc_macro2::TokenTree::Ident(i) if i == "__ad_ref" || i == "__ad_recv" => {
                let (r, p) = refs.next().expect("one operand per hole");
                out.extend(respan(if i == "__ad_ref" { r } else { p }, i.span()));
            }
            proc_macro2::TokenTree::Group(g) => {
                let inner = fill(g.stream(), refs);
                let mut ng = proc_macro2::Group::new(g.delimiter(), inner);
                ng.set_span(g.span());
                out.extend(std::iter::once(proc_macro2::TokenTree::Group(ng)));
            }
            tt => out.extend(std::iter::once(tt)),
        }
    }
    out
}
