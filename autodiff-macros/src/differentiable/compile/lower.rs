//! Reading the body: single assignments from `let`s and expressions, or `None` for
//! anything the compiled form does not cover.

use super::holes::{fill, place};
use super::{
    Arg, Arith, Kind, Op, OpKind, Operand, Origin, Reads, Val, Value, AXIS, TENSOR_ONLY, UNARY,
};
use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, ExprMethodCall, Ident, Lit, Pat, Stmt, Type, UnOp};

pub(super) struct Lowering<'a> {
    pub(super) args: &'a [Arg],
    /// Index among the differentiable arguments, for each argument.
    pub(super) diff_index: Vec<Option<usize>>,
    pub(super) values: Vec<Value>,
    pub(super) ops: Vec<Op>,
    /// The forward pass's statements, with the value each op's statement defines.
    pub(super) forward: Vec<(Option<usize>, TokenStream)>,
    pub(super) locals: HashMap<String, Val>,
    pub(super) consts: usize,
    /// Per differentiable argument: read through its fields (a struct), read whole.
    pub(super) by_field: Vec<bool>,
    pub(super) whole: Vec<bool>,
}

/// Primitive types: never tensors.
const PRIMITIVES: [&str; 15] = [
    "f32", "f64", "bool", "char", "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16",
    "i32", "i64",
];

/// Whether `ty` (after a `&`) may be a tensor: a path that is not a primitive. A type
/// alias of a tensor is one; a struct of tensors is too as far as syntax goes, but a
/// body that uses one only through field accesses and its own methods is not lowered.
pub(super) fn maybe_tensor(ty: &Type) -> bool {
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
    pub(super) fn new(args: &'a [Arg]) -> Self {
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

    pub(super) fn body(&mut self, stmts: &[Stmt]) -> Option<Val> {
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
                    // A tensor constant's tokens are a reference, which `-` takes.
                    Val::Const { tokens, kind } => {
                        Some(self.bind_const(quote!(#neg #tokens), kind))
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
            Expr::MethodCall(m)
                if m.turbofish.is_none() || AXIS.iter().any(|a| m.method == a.method) =>
            {
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
            let (a, b) = (a.clone(), b.clone());
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
            let turbofish = &m.turbofish;
            quote!(#recv #dot #method #turbofish #args)
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
                    || AXIS.iter().any(|a| a.method == name)
                    || ["powi", "matmul", "matmul_t"].contains(&name.as_str()));
            let recv = place(tokens);
            let args = args.iter().map(|a| match a {
                Val::Const { tokens, .. } => tokens.clone(),
                Val::Live(_) => unreachable!(),
            });
            let kind = if tensor_op { Kind::Tensor } else { Kind::Other };
            let turbofish = &m.turbofish;
            let expr = quote!(#recv.#method #turbofish (#(#args),*));
            return Some(self.bind_const(expr, kind));
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
            (_, []) if m.turbofish.is_some() => {
                let Val::Live(v) = recv else { return None };
                let along = AXIS.iter().find(|a| a.method == name)?;
                let turbofish = m.turbofish.to_token_stream();
                Some(self.push_op(
                    OpKind::Axis(along, turbofish),
                    vec![Operand::Live(v)],
                    call(None),
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
}
