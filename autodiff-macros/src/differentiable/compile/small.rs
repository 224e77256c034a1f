//! The compiled backward pass on small arrays (docs/macros.md, "Small tensors"): for a body
//! whose values may all be small tensors, a second form of the pass, a generic function
//! whose graph holds a function pointer and the saved numbers (`compiled::small`).

use super::emit::Emitter;
use super::{OpKind, Operand};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

/// Whether `t` is a literal (a pass on small arrays can name it; other scalars it reads
/// from its `State`).
pub(super) fn literal(t: &TokenStream) -> bool {
    syn::parse2::<syn::Lit>(t.clone()).is_ok()
}

impl Emitter<'_, '_> {
    /// This emitter with the rules of `r`, writing the function of the pass on small
    /// arrays.
    pub(super) fn with_rules(&self, r: TokenStream) -> Self {
        Emitter {
            r,
            in_fn: true,
            ..self.clone()
        }
    }

    /// Whether the pass may run on small arrays when the shapes allow (decided here for
    /// the ops; the shapes are checked at run time, where they are constants): not with
    /// ops along an axis, nor with an exponent of `powi` other than a literal (the pass is
    /// a function, which cannot read the arguments: the scalars it reads are saved in its
    /// `State`, an `i32` is not), nor with more values to save than it holds.
    pub(super) fn may_be_small(&self) -> bool {
        // `compiled::small::SLOTS`: the values a pass on small arrays can save.
        const SLOTS: usize = 6;
        // `compiled::small::PLACES`: the inputs a pass with struct arguments can place.
        const PLACES: usize = 8;
        (!self.by_layout || self.inputs.len() <= PLACES)
            && self.saves.len() + self.consts.len() + self.scalars.len() <= SLOTS
            && self.ops.iter().all(|op| match &op.kind {
                OpKind::Axis(..) => false,
                OpKind::Powi(n) => literal(n),
                _ => true,
            })
    }

    /// The values whose types are the same in every program that compiles: an op that
    /// keeps its operand's shape (a one-tensor method other than `sum`, `mean` and `t`,
    /// `powi`, an op with a scalar) gives its output its operand's class. Each class is
    /// one type parameter of the pass on small arrays, so that the rules that take two
    /// values of one type (`unary(g, x, ..)`) type-check there.
    fn classes(&self) -> Vec<usize> {
        let mut class: Vec<usize> = (0..self.l.values.len()).collect();
        fn root(class: &mut [usize], mut i: usize) -> usize {
            while class[i] != i {
                class[i] = class[class[i]];
                i = class[i];
            }
            i
        }
        for op in &self.ops {
            let same = match &op.kind {
                OpKind::Unary(name, _) => !["sum", "mean", "t"].contains(name),
                OpKind::Powi(_) | OpKind::ScalarRhs(_) | OpKind::ScalarLhs(_) => true,
                _ => false,
            };
            let operand = op.operands.iter().find_map(Operand::live);
            if let (true, Some(i)) = (same, operand) {
                let (a, b) = (root(&mut class, i), root(&mut class, op.out));
                class[b] = a;
            }
        }
        (0..class.len()).map(|i| root(&mut class, i)).collect()
    }

    /// The graph of the pass on small arrays (`compiled::small`): the values the rules
    /// read are copied out of their tensors into a `State`, and the pass is a function
    /// generic over their shapes (one parameter per class of `classes`), instantiated
    /// at the types of this call by a second function that takes them as witnesses. So
    /// the graph holds a function pointer and a few numbers: nothing is allocated. A seed
    /// that records takes the tensor rules, on tensors made again from the saved values.
    pub(super) fn small_graph(&self, elem: &TokenStream, dot: &TokenStream) -> TokenStream {
        let c = &self.c;
        let p = quote!(::autodiff::__private);
        let vo = self.v(self.out);
        let class = self.classes();
        let mut likes: Vec<usize> = self.likes.clone();
        if !likes.contains(&self.out) {
            likes.push(self.out);
        }
        let mut roots: Vec<usize> = likes.iter().map(|&i| class[i]).collect();
        roots.sort_unstable();
        roots.dedup();
        let param = |root: usize| format_ident!("__AdS{}", root);
        let params: Vec<Ident> = roots.iter().map(|&r| param(r)).collect();
        let consts: Vec<Ident> = (0..self.consts.len())
            .map(|k| format_ident!("__AdK{}", k))
            .collect();
        // The pass: each `Like` made from its type, the saved values read back.
        let conjured = likes.iter().map(|&i| {
            let (li, t) = (self.l(i), param(class[i]));
            quote!(let #li = #c::Like::<#t, #elem>::conjure();)
        });
        let saved: Vec<Ident> = self
            .saves
            .iter()
            .map(|i| format_ident!("__ad_s{}", i))
            .chain(self.consts.iter().map(|(_, _, id)| id.clone()))
            .collect();
        let saved_types = self
            .saves
            .iter()
            .map(|&i| param(class[i]))
            .chain(consts.iter().cloned());
        let refs = self
            .saves
            .iter()
            .map(|&i| self.l.values[i].forward_ref.clone())
            .chain(self.consts.iter().map(|(_, t, _)| t.clone()));
        // The witnesses: a `Like` per class, the constants.
        let witnesses = roots.iter().map(|&r| {
            let i = *likes.iter().find(|&&i| class[i] == r).expect("a member");
            self.l(i)
        });
        let const_refs = self.consts.iter().map(|(_, t, _)| t);
        let slots: Vec<syn::Index> = (0..saved.len()).map(syn::Index::from).collect();
        let scalar_slots: Vec<syn::Index> = (saved.len()..saved.len() + self.scalars.len())
            .map(syn::Index::from)
            .collect();
        let scalar_refs = self.scalars.iter().map(|(_, t, _)| t);
        let scalar_ids: Vec<&Ident> = self.scalars.iter().map(|(_, _, id)| id).collect();
        let place = self.by_layout.then(|| {
            let ats = self.inputs.iter().map(|&i| self.at(i));
            quote!(__ad_state.place(&__ad_places, [#(#ats),*]);)
        });
        let generics: Vec<Ident> = std::iter::once(format_ident!("__AdO"))
            .chain(params.iter().cloned())
            .chain(consts.iter().cloned())
            .collect();
        let conjured: Vec<TokenStream> = conjured.collect();
        let conjured2 = &conjured;
        let saved_types: Vec<Ident> = saved_types.collect();
        let saved_types2 = &saved_types;
        let tensors = self.with_rules(c.clone()).pass();
        let smalls = self.with_rules(quote!(#c::small)).pass();
        quote! {
            let mut __ad_state = #c::small::State::<#elem>::default();
            #(__ad_state.put(#slots, #c::small::of(#refs));)*
            #(__ad_state.put_scalar(#scalar_slots, #scalar_refs);)*
            #place
            let __ad_out = #c::declared(#vo);
            #[allow(non_camel_case_types, unused_variables, unused_mut, clippy::too_many_arguments)]
            fn __ad_pass<__AdO: #p::Shape, #(#params: #p::Shape,)* #(#consts: #p::Shape,)*>(
                __ad_state: &#c::small::State<#elem>,
                __ad_seed: ::core::option::Option<&#p::Tensor<__AdO, #elem>>,
                __ad_to: #c::Out<'_, Grads, #elem>,
            ) -> usize {
                #(#conjured)*
                #(let #scalar_ids = __ad_state.scalar(#scalar_slots);)*
                #dot
                match #c::small::seed(__ad_seed) {
                    ::core::result::Result::Ok(__ad_seed) => {
                        #(let #saved = __ad_state.get::<#saved_types>(#slots);)*
                        #smalls
                    }
                    ::core::result::Result::Err(__ad_seed) => {
                        __ad_pass_recorded::<#(#generics),*>(__ad_state, __ad_seed, __ad_to)
                    }
                }
            }
            // The pass for a seed that records: the tensor rules, kept out of the pass
            // above, which stays small.
            #[cold]
            #[inline(never)]
            #[allow(non_camel_case_types, unused_variables, unused_mut, clippy::too_many_arguments)]
            fn __ad_pass_recorded<__AdO: #p::Shape, #(#params: #p::Shape,)* #(#consts: #p::Shape,)*>(
                __ad_state: &#c::small::State<#elem>,
                __ad_seed: #p::Tensor<__AdO, #elem>,
                __ad_to: #c::Out<'_, Grads, #elem>,
            ) -> usize {
                #(#conjured2)*
                #(let #scalar_ids = __ad_state.scalar(#scalar_slots);)*
                #(let #saved = #c::small::tensor(__ad_state.get::<#saved_types2>(#slots));)*
                #tensors
            }
            #[allow(non_camel_case_types, clippy::too_many_arguments)]
            fn __ad_pass_for<__AdO: #p::Shape, #(#params: #p::Shape,)* #(#consts: #p::Shape,)*>(
                _: &#p::Tensor<__AdO, #elem>,
                #(_: #c::Like<#params, #elem>,)*
                #(_: &#p::Tensor<#consts, #elem>,)*
            ) -> #c::small::Pass<__AdO, Grads, #elem> {
                __ad_pass::<#(#generics),*>
            }
            let __ad_graph = #c::small::graph(
                &__ad_out,
                __ad_pass_for(&__ad_out, #(#witnesses,)* #(#const_refs,)*),
                __ad_state,
            );
            (__ad_out, __ad_graph)
        }
    }

    /// The run-time condition of the pass on small arrays: every value it holds has a
    /// compile-time shape of at most four elements.
    pub(super) fn small_condition(&self) -> TokenStream {
        let c = &self.c;
        let mut likes: Vec<Ident> = self.likes.iter().map(|&i| self.l(i)).collect();
        likes.push(self.l(self.out));
        let consts = self.consts.iter().map(|(_, t, _)| t);
        let places = self.by_layout.then(|| quote!(&&__ad_places.small()));
        quote! {
            #c::small::fits(&[#(#likes.small(),)* #(#c::small::numel_of(#consts),)*]) #places
        }
    }
}
