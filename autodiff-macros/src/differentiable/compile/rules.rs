//! The backward closure's rules: for each op the output depends on, in reverse, the
//! share of its gradient each live operand's slot takes.

use super::emit::Emitter;
use super::{Arith, Op, OpKind, Operand, Reads};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

/// An op's share of an operand's gradient, as the backward pass writes it into the
/// operand's slot.
enum Share {
    /// A gradient tensor.
    Value(TokenStream),
    /// The output's gradient summed back to the operand's sizes (its `Like`).
    Unbroadcast(Ident),
    /// The output's gradient times a saved tensor, summed back (that tensor, the `Like`).
    Mul(TokenStream, Ident),
    /// An `Option` of a gradient tensor.
    Maybe(TokenStream),
}

/// Which slots an earlier statement wrote: the first write to a slot finds it empty
/// (whatever the flags), so it assigns instead of adding.
struct Writes<'e, 'l, 'a> {
    e: &'e Emitter<'l, 'a>,
    written: Vec<bool>,
}

impl Writes<'_, '_, '_> {
    /// The statement that gives value `i`'s slot its share.
    fn write(&mut self, i: usize, share: Share) -> TokenStream {
        let (c, gi) = (&self.e.r, self.e.g(i));
        let first = !std::mem::replace(&mut self.written[i], true);
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
    }

    /// `write`, run only when value `i` leads to a wanted input.
    fn guarded(&mut self, i: usize, share: Share) -> TokenStream {
        let ni = self.e.n(i);
        let stmt = self.write(i, share);
        quote!(if #ni { #stmt })
    }
}

impl Emitter<'_, '_> {
    /// One block per op, last op first: its output's gradient taken from its slot and
    /// shared out to its live operands.
    pub(super) fn rules(&self) -> Vec<TokenStream> {
        let mut writes = Writes {
            e: self,
            written: vec![false; self.l.values.len()],
        };
        self.ops
            .iter()
            .rev()
            .map(|op| {
                let (go, no) = (self.g(op.out), self.n(op.out));
                let body = self.rule(op, &mut writes);
                quote! {
                    if #no {
                        if let ::core::option::Option::Some(__ad_g) = #go.take() {
                            __ad_ran += 1;
                            #(#body)*
                        }
                    }
                }
            })
            .collect()
    }

    /// The statements of `op`'s rule, reading its output's gradient as `__ad_g`.
    fn rule(&self, op: &Op, writes: &mut Writes<'_, '_, '_>) -> Vec<TokenStream> {
        let c = &self.r;
        let a = &op.operands[0];
        let b = op.operands.get(1);
        let mut one = |o: &Operand, rule: TokenStream| match o.live() {
            Some(i) => vec![writes.guarded(i, Share::Value(rule))],
            None => Vec::new(),
        };
        match &op.kind {
            OpKind::Binary(arith) => self.binary_rule(*arith, a, b.expect("two operands"), writes),
            OpKind::ScalarRhs(arith) => {
                let s = self.saved(b.expect("two operands"));
                one(
                    a,
                    match arith {
                        Arith::Add | Arith::Sub => quote!(__ad_g),
                        Arith::Mul => quote!(#c::scale(__ad_g, #s)),
                        Arith::Div => quote!(#c::scale_div(__ad_g, #s)),
                    },
                )
            }
            OpKind::ScalarLhs(arith) => {
                let (s, b) = (self.saved(a), b.expect("two operands"));
                let rule = match arith {
                    Arith::Add => quote!(__ad_g),
                    Arith::Sub => quote!(#c::neg(__ad_g)),
                    Arith::Mul => quote!(#c::scale(__ad_g, #s)),
                    Arith::Div => {
                        let sb = self.saved(b);
                        quote!(#c::rdiv_grad(__ad_g, #s, #sb))
                    }
                };
                one(b, rule)
            }
            OpKind::Unary(_, reads) => {
                let rule = self.unary_rule(*reads, a, op.out);
                one(a, rule)
            }
            OpKind::Powi(p) => {
                let s = self.saved(a);
                one(a, quote!(#c::powi_grad(__ad_g, #s, #p)))
            }
            OpKind::Matmul { transposed } => {
                self.matmul_rule(*transposed, a, b.expect("two operands"), writes)
            }
            OpKind::Axis(along, turbofish) => {
                // `compiled::Axis::<AX>::rule`, the axis as the user wrote it.
                let rule = Ident::new(along.rule, Span::call_site());
                let axis = quote!(#c::Axis #turbofish :: #rule);
                let rule = if along.reads_out {
                    let s = self.saved(&Operand::Live(op.out));
                    quote!(#axis(__ad_g, #s))
                } else {
                    let la = a.live().map(|i| self.l(i));
                    quote!(#axis(&__ad_g, #la))
                };
                one(a, rule)
            }
        }
    }

    /// `a op b` between tensors: one statement per live operand.
    fn binary_rule(
        &self,
        arith: Arith,
        a: &Operand,
        b: &Operand,
        writes: &mut Writes<'_, '_, '_>,
    ) -> Vec<TokenStream> {
        let c = &self.r;
        let mut body = Vec::new();
        for (pos, o) in [(0, a), (1, b)] {
            let Some(i) = o.live() else { continue };
            let li = self.l(i);
            let other = if pos == 0 { b } else { a };
            let share = match (arith, pos) {
                (Arith::Add, _) | (Arith::Sub, 0) => Share::Unbroadcast(li),
                (Arith::Sub, _) => Share::Value(quote!(#c::neg_unbroadcast(&__ad_g, #li))),
                (Arith::Mul, _) => Share::Mul(self.saved(other), li),
                (Arith::Div, 0) => {
                    let sb = self.saved(b);
                    Share::Value(quote!(#c::div_lhs_grad(&__ad_g, #sb, #li)))
                }
                (Arith::Div, _) => {
                    let (sa, sb) = (self.saved(a), self.saved(b));
                    Share::Value(quote!(#c::div_rhs_grad(&__ad_g, #sa, #sb)))
                }
            };
            body.push(writes.guarded(i, share));
        }
        body
    }

    /// A one-tensor method's rule, from what it reads.
    fn unary_rule(&self, reads: Reads, a: &Operand, out: usize) -> TokenStream {
        let c = &self.r;
        let ident = |name: &str| Ident::new(name, Span::call_site());
        match reads {
            Reads::In(d) => {
                let (s, d) = (self.saved(a), ident(d));
                quote!(#c::unary(__ad_g, #s, #c::#d))
            }
            Reads::Out(d) => {
                let (s, d) = (self.saved(&Operand::Live(out)), ident(d));
                quote!(#c::unary(__ad_g, #s, #c::#d))
            }
            Reads::Sizes(r) => {
                let (la, r) = (a.live().map(|i| self.l(i)), ident(r));
                quote!(#c::#r(&__ad_g, #la))
            }
            Reads::Nothing("t_grad") => quote!(#c::t_grad(&__ad_g)),
            Reads::Nothing(r) => {
                let r = ident(r);
                quote!(#c::#r(__ad_g))
            }
        }
    }

    /// `a.matmul(b)` or `a.matmul_t(b)`: both gradients from one call, then their shares.
    fn matmul_rule(
        &self,
        transposed: bool,
        a: &Operand,
        b: &Operand,
        writes: &mut Writes<'_, '_, '_>,
    ) -> Vec<TokenStream> {
        let c = &self.r;
        let grads = if transposed {
            quote!(#c::matmul_t_grads)
        } else {
            quote!(#c::matmul_grads)
        };
        let (sa, sb) = (self.saved(a), self.saved(b));
        let flag = |o: &Operand| match o.live() {
            Some(i) => {
                let ni = self.n(i);
                quote!(#ni)
            }
            None => quote!(false),
        };
        let (fa, fb) = (flag(a), flag(b));
        let mut body = vec![quote!(
            let (__ad_ga, __ad_gb) = #grads(&__ad_g, #sa, #sb, [#fa, #fb]);
        )];
        for (o, got) in [(a, quote!(__ad_ga)), (b, quote!(__ad_gb))] {
            if let Some(i) = o.live() {
                body.push(writes.write(i, Share::Maybe(got)));
            }
        }
        body
    }
}
