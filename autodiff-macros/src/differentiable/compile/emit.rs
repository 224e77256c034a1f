//! Writing the compiled branch: the forward statements, what the backward pass keeps,
//! the backward closure (its rules are in `rules.rs`) and `(output, graph)`.

use super::lower::Lowering;
use super::small::literal;
use super::{Arith, Op, OpKind, Operand, Origin, Reads};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Type};

/// The compiled branch of `forward` for the lowered body `l` whose output is value `out`.
pub(super) fn emit(
    l: &Lowering<'_>,
    out: usize,
    elem: &TokenStream,
    name: &Ident,
    tape: &TokenStream,
) -> TokenStream {
    Emitter::new(l, out).assemble(elem, name, tape)
}

/// What the backward pass needs, worked out once from the lowered body.
#[derive(Clone)]
pub(super) struct Emitter<'l, 'a> {
    pub(super) l: &'l Lowering<'a>,
    pub(super) out: usize,
    /// `::autodiff::__private::compiled`, where the rules live.
    pub(super) c: TokenStream,
    /// The rules the backward pass being written calls: `c`, or `c::small` for the form
    /// on small arrays.
    pub(super) r: TokenStream,
    /// Which values the output depends on: the others' ops have no rule to run.
    pub(super) reaches: Vec<bool>,
    /// The ops the output depends on, in forward order.
    pub(super) ops: Vec<&'l Op>,
    /// The inputs: tensor arguments, and the fields read of struct arguments.
    pub(super) inputs: Vec<usize>,
    /// With a struct argument, inputs are found by their path at run time (`Places`).
    pub(super) by_layout: bool,
    /// Whether the pass being written is the function of the pass on small arrays (it
    /// reads the inputs' places from its `State`) rather than a closure (which has the
    /// `Layout`).
    pub(super) in_fn: bool,
    /// The values the rules read (saved into the closure).
    pub(super) saves: Vec<usize>,
    /// The constant tensors the rules read (their tokens, as text to compare), with the
    /// names their copies get.
    pub(super) consts: Vec<(String, TokenStream, Ident)>,
    /// The scalars the rules read that are not literals (arguments, `let` bindings): the
    /// pass on small arrays, a function, reads them from its `State`.
    pub(super) scalars: Vec<(String, TokenStream, Ident)>,
    /// The values whose shape the rules need (a `Like`).
    pub(super) likes: Vec<usize>,
}

impl<'l, 'a> Emitter<'l, 'a> {
    fn new(l: &'l Lowering<'a>, out: usize) -> Self {
        let mut reaches = vec![false; l.values.len()];
        reaches[out] = true;
        for op in l.ops.iter().rev() {
            if reaches[op.out] {
                for i in op.operands.iter().filter_map(Operand::live) {
                    reaches[i] = true;
                }
            }
        }
        let ops: Vec<&Op> = l.ops.iter().filter(|op| reaches[op.out]).collect();
        let is_input = |i: usize| match &l.values[i].origin {
            Origin::Arg(d) => !l.by_field[*d],
            Origin::Field(..) => true,
            Origin::Op => false,
        };
        let inputs: Vec<usize> = (0..l.values.len()).filter(|&i| is_input(i)).collect();
        let mut e = Emitter {
            l,
            out,
            c: quote!(::autodiff::__private::compiled),
            r: quote!(::autodiff::__private::compiled),
            reaches,
            ops,
            inputs,
            by_layout: l.by_field.iter().any(|&f| f),
            in_fn: false,
            saves: Vec::new(),
            consts: Vec::new(),
            scalars: Vec::new(),
            likes: Vec::new(),
        };
        e.find_saved();
        e
    }

    /// Fills `saves`, `consts` and `likes`: what each op's rule reads.
    fn find_saved(&mut self) {
        let mut saves = Vec::new();
        let mut consts: Vec<TokenStream> = Vec::new();
        let mut save = |o: &Operand| match o {
            Operand::Live(i) if !saves.contains(i) => saves.push(*i),
            Operand::Tensor(t) => consts.push(t.clone()),
            _ => {}
        };
        for op in &self.ops {
            let (a, b) = (&op.operands[0], op.operands.get(1));
            match &op.kind {
                OpKind::Matmul { .. } => {
                    save(a);
                    save(b.expect("two operands"));
                }
                OpKind::Binary(arith @ (Arith::Mul | Arith::Div)) => {
                    let b = b.expect("two operands");
                    if a.live().is_some() {
                        save(b);
                    }
                    if b.live().is_some() {
                        save(a);
                        if *arith == Arith::Div {
                            save(b);
                        }
                    }
                }
                OpKind::ScalarLhs(Arith::Div) => save(b.expect("two operands")),
                OpKind::Unary(_, Reads::In(_)) | OpKind::Powi(_) => save(a),
                OpKind::Unary(_, Reads::Out(_)) => save(&Operand::Live(op.out)),
                OpKind::Axis(along, _) if along.reads_out => save(&Operand::Live(op.out)),
                _ => {}
            }
        }
        for op in &self.ops {
            for i in op.operands.iter().filter_map(Operand::live) {
                if !self.likes.contains(&i) {
                    self.likes.push(i);
                }
            }
        }
        for &i in &self.inputs {
            if !self.likes.contains(&i) {
                self.likes.push(i);
            }
        }
        for (k, t) in consts.iter().enumerate() {
            let key = t.to_string();
            if !self.consts.iter().any(|(s, _, _)| *s == key) {
                self.consts
                    .push((key, t.clone(), format_ident!("__ad_k{}", k)));
            }
        }
        self.saves = saves;
        // The scalars a rule reads: factors and divisors (`+` and `-` read none).
        let reads_scalar = |k: &OpKind| {
            matches!(
                k,
                OpKind::ScalarRhs(Arith::Mul | Arith::Div)
                    | OpKind::ScalarLhs(Arith::Mul | Arith::Div)
            )
        };
        for op in self.ops.iter().filter(|op| reads_scalar(&op.kind)) {
            for o in &op.operands {
                if let Operand::Scalar(t) = o {
                    let key = t.to_string();
                    if !literal(t) && !self.scalars.iter().any(|(s, _, _)| *s == key) {
                        let id = format_ident!("__ad_q{}", self.scalars.len());
                        self.scalars.push((key, t.clone(), id));
                    }
                }
            }
        }
    }

    pub(super) fn is_input(&self, i: usize) -> bool {
        self.inputs.contains(&i)
    }

    /// Value `i` in the forward pass.
    pub(super) fn v(&self, i: usize) -> Ident {
        format_ident!("__ad_v{}", i)
    }

    /// Value `i`'s gradient slot.
    pub(super) fn g(&self, i: usize) -> Ident {
        format_ident!("__ad_g{}", i)
    }

    /// Whether value `i` leads to a wanted input (for an input: whether it is wanted).
    pub(super) fn n(&self, i: usize) -> Ident {
        if self.is_input(i) {
            format_ident!("__ad_w{}", i)
        } else {
            format_ident!("__ad_n{}", i)
        }
    }

    /// Value `i`'s `Like`.
    pub(super) fn l(&self, i: usize) -> Ident {
        format_ident!("__ad_l{}", i)
    }

    /// An input's index in the `Layout`.
    pub(super) fn at(&self, i: usize) -> Ident {
        format_ident!("__ad_i{}", i)
    }

    /// An operand as the backward pass reads it: a saved tensor or a scalar.
    pub(super) fn saved(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Live(i) => {
                let s = format_ident!("__ad_s{}", i);
                quote!(&#s)
            }
            Operand::Tensor(t) => {
                let key = t.to_string();
                let (_, _, id) = self
                    .consts
                    .iter()
                    .find(|(s, _, _)| *s == key)
                    .expect("a constant a rule reads is kept");
                quote!(&#id)
            }
            Operand::Scalar(t) if self.in_fn => {
                let key = t.to_string();
                match self.scalars.iter().find(|(s, _, _)| *s == key) {
                    Some((_, _, id)) => quote!(#id),
                    None => t.clone(),
                }
            }
            Operand::Scalar(t) => t.clone(),
        }
    }

    /// The forward pass: the inputs' `like`s (and their `Layout`), then the ops, each
    /// needed `like` right after its value.
    pub(super) fn forward(&self, tape: &TokenStream) -> Vec<TokenStream> {
        let c = &self.c;
        let mut forward = Vec::new();
        for &i in &self.inputs {
            let (li, r) = (self.l(i), &self.l.values[i].forward_ref);
            forward.push(quote!(let #li = #c::like(#r);));
        }
        if self.by_layout {
            forward.extend(self.layout(tape));
        }
        for (defines, stmt) in &self.l.forward {
            forward.push(stmt.clone());
            if let Some(o) = *defines {
                if self.likes.contains(&o) {
                    let (li, vo) = (self.l(o), self.v(o));
                    forward.push(quote!(let #li = #c::like(&#vo);));
                }
            }
        }
        forward
    }

    /// With struct arguments: each input's place among the arguments' tensors in visiting
    /// order (found by `Places`, which allocates nothing and notes whether every tensor is
    /// small), and the tape when a field path is not among the struct's tensors.
    fn layout(&self, tape: &TokenStream) -> Vec<TokenStream> {
        let c = &self.c;
        let mut stmts = vec![quote!(let mut __ad_places = #c::small::Places::default();)];
        for (arg, d) in self.l.args.iter().filter(|a| !a.no_grad).zip(0..) {
            if !self.l.by_field[d] {
                let (ai, r) = (self.at(d), &self.l.values[d].forward_ref);
                stmts.push(quote!(let #ai = __ad_places.tensor(#r);));
                continue;
            }
            let mut ats = Vec::new();
            let mut names = Vec::new();
            for &i in &self.inputs {
                if let Origin::Field(a, path) = &self.l.values[i].origin {
                    if *a == d {
                        ats.push(self.at(i));
                        let path: Vec<String> = path.iter().map(|p| p.to_string()).collect();
                        names.push(path.join("."));
                    }
                }
            }
            let whole = self.whole_arg(arg);
            stmts.push(quote!(let [#(#ats),*] = __ad_places.fields(#whole, [#(#names),*]);));
        }
        // A path the struct's `visit` does not name is a `#[no_grad]` field, or a part
        // of a hand-written `Differentiable` named otherwise: the tape handles both.
        let fields = self
            .inputs
            .iter()
            .filter(|&&i| matches!(self.l.values[i].origin, Origin::Field(..)))
            .map(|&i| self.at(i));
        stmts.push(quote! {
            if !#c::found(&[#(#fields),*]) {
                return #tape;
            }
        });
        stmts
    }

    /// A struct argument by reference.
    fn whole_arg(&self, arg: &crate::differentiable::ast::Arg) -> TokenStream {
        let id = &arg.ident;
        match &arg.ty {
            Type::Reference(_) => quote!(#id),
            _ => quote!(&#id),
        }
    }

    /// With struct arguments, for the pass that keeps tensors: the sizes of all the
    /// arguments' tensors, in visiting order (the inputs' places are `Places`').
    fn layout_sizes(&self) -> TokenStream {
        let c = &self.c;
        let mut stmts = vec![quote!(let mut __ad_layout = #c::Layout::default();)];
        for (arg, d) in self.l.args.iter().filter(|a| !a.no_grad).zip(0..) {
            if !self.l.by_field[d] {
                let r = &self.l.values[d].forward_ref;
                stmts.push(quote!(__ad_layout.tensor(#r);));
            } else {
                let whole = self.whole_arg(arg);
                stmts.push(quote!(__ad_layout.add(#whole);));
            }
        }
        quote!(#(#stmts)*)
    }

    /// Saved values: an op's result moves into the closure (the output is cloned, since
    /// it is also returned); arguments and constants are cloned.
    pub(super) fn keep(&self) -> Vec<TokenStream> {
        let c = &self.c;
        let mut keep = Vec::new();
        for &i in &self.saves {
            let s = format_ident!("__ad_s{}", i);
            if matches!(self.l.values[i].origin, Origin::Op) && i != self.out {
                let vi = self.v(i);
                keep.push(quote!(let #s = #vi;));
            } else {
                let r = &self.l.values[i].forward_ref;
                keep.push(quote!(let #s = #c::keep(#r);));
            }
        }
        for (_, t, id) in &self.consts {
            keep.push(quote!(let #id = #c::keep(#t);));
        }
        keep
    }

    /// The differentiable arguments' names: the fields of `Grads`, `Partial`, `Select`.
    pub(super) fn fields(&self) -> Vec<&Ident> {
        self.l
            .args
            .iter()
            .filter(|a| !a.no_grad)
            .map(|a| &a.ident)
            .collect()
    }

    /// Which inputs are wanted: all, or those `Out::Partial` selects.
    pub(super) fn wants(&self) -> TokenStream {
        let c = &self.c;
        if self.by_layout && self.in_fn {
            let ws = self.inputs.iter().map(|&i| self.n(i));
            let ks = 0..self.inputs.len();
            return quote! {
                let __ad_wanted = #c::small::wanted(&__ad_to, __ad_state);
                #(let #ws = #c::small::flag(&__ad_wanted, __ad_state, #ks);)*
            };
        }
        if self.by_layout {
            let ws = self.inputs.iter().map(|&i| self.n(i));
            let ats = self.inputs.iter().map(|&i| self.at(i));
            return quote! {
                let __ad_wanted = #c::wanted(&__ad_to, &__ad_layout);
                #(let #ws = #c::flag(&__ad_wanted, #ats);)*
            };
        }
        // Every input is an argument: value `d` is the `d`th.
        let flags: Vec<Ident> = self.inputs.iter().map(|&i| self.n(i)).collect();
        let trues = flags.iter().map(|_| quote!(true));
        let fields = self.fields();
        quote! {
            let (#(#flags,)*) = match &__ad_to {
                #c::Out::Partial(_, __ad_select) => {
                    (#(__ad_select.#fields,)*)
                }
                _ => (#(#trues,)*),
            };
        }
    }

    /// Whether each op's value leads to a wanted input.
    pub(super) fn needs(&self) -> Vec<TokenStream> {
        (0..self.l.values.len())
            .filter(|&i| self.reaches[i] && matches!(self.l.values[i].origin, Origin::Op))
            .map(|i| {
                let ni = self.n(i);
                let ws = self.l.values[i].deps.iter().map(|&d| self.n(d));
                quote!(let #ni = #(#ws)||*;)
            })
            .collect()
    }

    /// A gradient slot per value the output depends on, and per input.
    pub(super) fn slots(&self) -> Vec<TokenStream> {
        (0..self.l.values.len())
            .filter(|&i| i != self.out && (self.reaches[i] || self.is_input(i)))
            .map(|i| {
                let (gi, li) = (self.g(i), self.l(i));
                let mutable = self.reaches[i].then(|| quote!(mut));
                let r = &self.r;
                quote!(let #mutable #gi = #r::none(#li);)
            })
            .collect()
    }

    /// The inputs' gradients, where `Out` says: as the generated structs' fields, or
    /// with struct arguments through `Layout` and the gradient type's own methods.
    pub(super) fn finish(&self) -> TokenStream {
        let (c, r) = (&self.c, &self.r);
        let gs: Vec<Ident> = self.inputs.iter().map(|&i| self.g(i)).collect();
        let ls: Vec<Ident> = self.inputs.iter().map(|&i| self.l(i)).collect();
        if self.by_layout && self.in_fn {
            return quote! {
                #c::small::finish(__ad_to, __ad_state, [#(#r::raw(#gs)),*]);
            };
        }
        if self.by_layout {
            let ats = self.inputs.iter().map(|&i| self.at(i));
            return quote! {
                let mut __ad_slots = __ad_layout.slots();
                #(__ad_slots.put(#ats, #gs);)*
                #c::finish(__ad_to, __ad_slots, &__ad_layout);
            };
        }
        let fields = self.fields();
        quote! {
            match __ad_to {
                #c::Out::Build(__ad_grads) => {
                    *__ad_grads = ::core::option::Option::Some(Grads {
                        #(#fields: #r::or_zeros(#gs, #ls),)*
                    });
                }
                #c::Out::Add(__ad_grads) => {
                    #(#r::add_to(&mut __ad_grads.#fields, #gs);)*
                }
                #c::Out::Partial(__ad_grads, __ad_select) => {
                    *__ad_grads = ::core::option::Option::Some(Partial {
                        #(#fields: if __ad_select.#fields {
                            ::core::option::Option::Some(#r::or_zeros(#gs, #ls))
                        } else {
                            ::core::option::Option::None
                        },)*
                    });
                }
                // Drawn before any rule ran.
                #c::Out::Dot(_) => {}
            }
        }
    }

    /// The backward pass after the `Dot` case, with the rules of `self.r`: which inputs
    /// are wanted, the slots, the rules in reverse and the gradients written out; its
    /// value is the number of rules that ran.
    pub(super) fn pass(&self) -> TokenStream {
        let r = &self.r;
        let (wants, needs, slots) = (self.wants(), self.needs(), self.slots());
        let rules = self.rules();
        let finish = self.finish();
        let (lo, go) = (self.l(self.out), self.g(self.out));
        quote! {
            #wants
            #(#needs)*
            #(#slots)*
            let mut #go = ::core::option::Option::Some(#r::reseed(__ad_seed, #lo));
            let mut __ad_ran = 0usize;
            #(#rules)*
            #finish
            __ad_ran
        }
    }

    /// The `Dot` case of `Out`, which draws the graph and returns.
    fn dot_case(&self, sized: &[usize], small: bool) -> TokenStream {
        let c = &self.c;
        let write = if small {
            quote!(#c::small::write_dot)
        } else {
            quote!(#c::write_dot)
        };
        let dot_likes = sized.iter().map(|&i| self.l(i));
        quote! {
            let __ad_to = match __ad_to {
                #c::Out::Dot(__ad_text) => {
                    #write(__ad_text, GRAPH, &[#(#dot_likes.sizes()),*]);
                    return 0;
                }
                __ad_to => __ad_to,
            };
        }
    }

    /// The whole branch.
    fn assemble(&self, elem: &TokenStream, name: &Ident, tape: &TokenStream) -> TokenStream {
        let c = &self.c;
        let forward = self.forward(tape);
        let keep = self.keep();
        let (vo, lo) = (self.v(self.out), self.l(self.out));
        let (dot_pieces, dot_sized) = self.dot(name);
        let dot = self.dot_case(&dot_sized, false);
        let pass = self.pass();
        let sizes = self.by_layout.then(|| self.layout_sizes());
        let taped = quote! {
            #sizes
            #(#keep)*
            let __ad_out = #c::declared(#vo);
            let __ad_graph = #c::graph(&__ad_out, move |__ad_seed, __ad_to: #c::Out<'_, Grads, #elem>| -> usize {
                #dot
                #pass
            });
            (__ad_out, __ad_graph)
        };
        let graph = if self.may_be_small() {
            let (condition, small) = (
                self.small_condition(),
                self.small_graph(elem, &self.dot_case(&dot_sized, true)),
            );
            quote! {
                if #condition {
                    #small
                } else {
                    #taped
                }
            }
        } else {
            taped
        };
        quote! {
            #(#forward)*
            const GRAPH: &[&str] = &[#(#dot_pieces),*];
            // The output as the declared type: the same type in any program that compiles
            // (the eager function has this body and is checked against the declaration), so
            // a body of another type is reported once, there, and not again here.
            let #lo = #c::like(&#vo);
            #graph
        }
    }
}
