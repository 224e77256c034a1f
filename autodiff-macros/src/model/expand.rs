//! The generator: `impl Differentiable` for the value, its three gradient structs
//! (`Grads`, `Partial`, `Select`), `impl Gradients` and the standard traits.
//!
//! Tensor fields are spelled out the way a person would write them (`v.tensor(&self.w)`,
//! `b.optional()`, `bool`); nested values go through their own impls.

use super::{doc, generics, name_span, Field, FieldTypes, Kind, Model};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Generics, Ident};

/// Everything generated for `model`.
pub(crate) fn expand(model: &Model) -> TokenStream {
    let ctx = Context::new(model);
    let value_impl = ctx.value_impl();
    let structs = ctx.structs();
    let gradients_impl = ctx.gradients_impl();
    let std_impls = ctx.std_impls();
    let select_impls = ctx.select_impls();
    let grads_ops = ctx.grads_ops();
    let checks = ctx.checks();
    quote! {
        #checks
        #value_impl
        #structs
        #gradients_impl
        #std_impls
        #select_impls
        #grads_ops
    }
}

/// One of the three generated structs: its name, generics and field types.
struct Generated<'a> {
    ident: &'a Ident,
    generics: Generics,
    pick: fn(&FieldTypes) -> &TokenStream,
}

/// What every part of the expansion needs.
struct Context<'a> {
    model: &'a Model,
    elem: TokenStream,
    fields: Vec<(&'a Field, FieldTypes)>,
    /// The value's generics with the field bounds (and `Clone` for `#[no_grad]` fields).
    value_generics: Generics,
    /// The generics of `impl Gradients for Grads` (and of `+=`, `*=`).
    gradients_generics: Generics,
    grads: Generated<'a>,
    partial: Generated<'a>,
    select: Generated<'a>,
}

/// `name` as a visitor sees it: `r#type` is entered as `type`.
fn path_name(ident: &Ident) -> String {
    ident.unraw().to_string()
}

impl<'a> Context<'a> {
    fn new(model: &'a Model) -> Self {
        let (elem, source) = model.elem();
        let fields: Vec<(&Field, FieldTypes)> = model
            .differentiable()
            .map(|f| (f, FieldTypes::of(f, &model.generics)))
            .collect();
        let impl_bounds = model.field_bounds(Some((&elem, source)));
        let def_generics = generics::with_predicates(&model.generics, model.field_bounds(None));
        let generated = |ident: &'a Ident, pick: fn(&FieldTypes) -> &TokenStream| Generated {
            ident,
            generics: generics::prune(&def_generics, fields.iter().map(|(_, t)| pick(t))),
            pick,
        };
        let grads = generated(&model.grads, |t| &t.grads);
        let partial = generated(&model.partial, |t| &t.partial);
        let select = generated(&model.select, |t| &t.select);
        let with_impl_bounds = generics::with_predicates(&model.generics, impl_bounds.clone());
        Context {
            model,
            value_generics: generics::with_predicates(
                &model.generics,
                impl_bounds.into_iter().chain(model.no_grad_bounds()),
            ),
            gradients_generics: generics::prune(
                &with_impl_bounds,
                fields.iter().map(|(_, t)| &t.grads),
            ),
            elem,
            fields,
            grads,
            partial,
            select,
        }
    }

    /// `Name<..>` for a generated struct.
    fn ty(&self, g: &Generated) -> TokenStream {
        let ident = g.ident;
        let (_, ty_g, _) = g.generics.split_for_impl();
        quote!(#ident #ty_g)
    }

    /// `impl Differentiable for Value`: visiting with paths (by reference and mutably), and
    /// rebuilding with each tensor mapped and each `#[no_grad]` field cloned.
    fn value_impl(&self) -> TokenStream {
        let ident = &self.model.ident;
        let elem = &self.elem;
        let (impl_g, ty_g, where_c) = self.value_generics.split_for_impl();
        let grads = self.ty(&self.grads);
        let mut visits = Vec::new();
        let mut visits_mut = Vec::new();
        for (f, t) in &self.fields {
            let (id, name) = (&f.ident, path_name(&f.ident));
            let (call, call_mut) = if t.kind == Kind::Tensor {
                (
                    quote!(v.tensor(&self.#id);),
                    quote!(v.tensor(&mut self.#id);),
                )
            } else {
                (
                    quote!(::autodiff::__private::Differentiable::visit(&self.#id, v);),
                    quote!(::autodiff::__private::Differentiable::visit_mut(&mut self.#id, v);),
                )
            };
            visits.push(quote!(v.enter(#name); #call v.leave();));
            visits_mut.push(quote!(v.enter(#name); #call_mut v.leave();));
        }
        let maps = self.model.fields.iter().map(|f| {
            let id = &f.ident;
            match FieldTypes::of(f, &self.model.generics) {
                _ if f.no_grad => quote!(#id: ::autodiff::__private::Clone::clone(&self.#id)),
                t if t.kind == Kind::Tensor => quote!(#id: m.tensor(&self.#id)),
                _ => quote!(#id: ::autodiff::__private::Differentiable::map_tensors(&self.#id, m)),
            }
        });
        quote! {
            impl #impl_g ::autodiff::__private::Differentiable for #ident #ty_g #where_c {
                type Elem = #elem;
                type Grads = #grads;

                fn visit<__V: ::autodiff::__private::Visit<#elem>>(&self, v: &mut __V) {
                    #(#visits)*
                }

                fn visit_mut<__V: ::autodiff::__private::VisitMut<#elem>>(&mut self, v: &mut __V) {
                    #(#visits_mut)*
                }

                fn map_tensors<__M: ::autodiff::__private::MapTensors<#elem>>(&self, m: &mut __M) -> Self {
                    Self {
                        #(#maps,)*
                    }
                }
            }
        }
    }

    /// The three gradient structs, each with the value's differentiable fields.
    fn structs(&self) -> TokenStream {
        let Model { vis, what, .. } = self.model;
        let select = self.select.ident;
        let docs = [
            (
                &self.grads,
                format!(
                    "Gradients of {what}: one field per differentiable part, of that part's \
                     gradient type.\n\nSupports `+=`, `*=` by a scalar, and zeroing and \
                     named visiting through `GradientsExt`."
                ),
                "The gradient of `{}`.",
            ),
            (
                &self.partial,
                format!(
                    "Gradients of {what} for the parts a `{select}` selected (the others \
                     are `None`): what `backward_selected` returns."
                ),
                "The gradient of `{}`, if it was selected.",
            ),
            (
                &self.select,
                format!(
                    "Which parts of {what} get gradients from `backward_selected`: `true` \
                     selects. `Default` selects nothing, `{select}::all()` everything."
                ),
                "Whether `{}` gets a gradient.",
            ),
        ];
        let mut out = TokenStream::new();
        for (g, text, field_text) in docs {
            let (ident, generics) = (g.ident, &g.generics);
            let where_c = &generics.where_clause;
            let struct_doc = doc(&text);
            let fields = self.fields.iter().map(|(f, t)| {
                let (vis, id, ty) = (&f.vis, &f.ident, (g.pick)(t));
                let doc = doc(&field_text.replace("{}", &path_name(&f.ident)));
                quote!(#doc #vis #id: #ty)
            });
            out.extend(quote! {
                #struct_doc
                #vis struct #ident #generics #where_c {
                    #(#fields,)*
                }
            });
        }
        out
    }

    /// `impl Gradients for Grads`: visiting in the value's order, building from a
    /// backward pass, and selections.
    fn gradients_impl(&self) -> TokenStream {
        let elem = &self.elem;
        let (impl_g, _, where_c) = self.gradients_generics.split_for_impl();
        let (grads, partial, select) = (
            self.ty(&self.grads),
            self.ty(&self.partial),
            self.ty(&self.select),
        );
        let (partial_ident, select_ident) = (self.partial.ident, self.select.ident);
        let gradients = quote!(::autodiff::__private::Gradients<#elem>);
        let mut visit = Vec::new();
        let mut visit_mut = Vec::new();
        let mut build = Vec::new();
        let mut build_partial = Vec::new();
        let mut flags = Vec::new();
        for (f, t) in &self.fields {
            let (id, name, g) = (&f.ident, path_name(&f.ident), &t.grads);
            let (v, vm) = if t.kind == Kind::Tensor {
                (
                    quote!(v.tensor(&self.#id);),
                    quote!(v.tensor(&mut self.#id);),
                )
            } else {
                (
                    quote!(<#g as #gradients>::visit(&self.#id, v);),
                    quote!(<#g as #gradients>::visit_mut(&mut self.#id, v);),
                )
            };
            visit.push(quote!(v.enter(#name); #v v.leave();));
            visit_mut.push(quote!(v.enter(#name); #vm v.leave();));
            if t.kind == Kind::Tensor {
                build.push(quote!(#id: b.tensor()));
                build_partial.push(quote!(#id: b.optional()));
                flags.push(quote!(out.push(select.#id);));
            } else {
                build.push(quote!(#id: <#g as #gradients>::build(b)));
                build_partial.push(quote!(#id: <#g as #gradients>::build_partial(b)));
                flags.push(quote!(<#g as #gradients>::select_flags(&select.#id, out);));
            }
        }
        quote! {
            impl #impl_g #gradients for #grads #where_c {
                type Partial = #partial;
                type Select = #select;

                fn visit<__V: ::autodiff::__private::Visit<#elem>>(&self, v: &mut __V) {
                    #(#visit)*
                }

                fn visit_mut<__V: ::autodiff::__private::VisitMut<#elem>>(&mut self, v: &mut __V) {
                    #(#visit_mut)*
                }

                fn build<__B: ::autodiff::__private::Build<#elem>>(b: &mut __B) -> Self {
                    Self {
                        #(#build,)*
                    }
                }

                fn build_partial<__B: ::autodiff::__private::Build<#elem>>(b: &mut __B) -> Self::Partial {
                    #partial_ident {
                        #(#build_partial,)*
                    }
                }

                fn select_flags(select: &Self::Select, out: &mut ::autodiff::__private::Vec<bool>) {
                    #(#flags)*
                }

                fn select_all() -> Self::Select {
                    #select_ident::all()
                }
            }
        }
    }

    /// `generics`' where clause plus `field type: bound` for the fields whose types are
    /// generic (the others are concrete: the compiler checks them directly).
    fn where_fields(&self, g: &Generated, bound: TokenStream) -> TokenStream {
        let extra = self
            .fields
            .iter()
            .filter(|(_, t)| t.kind != Kind::Tensor)
            .map(|(_, t)| t.predicate((g.pick)(t), bound.clone()));
        generics::with_predicates(&g.generics, extra)
            .where_clause
            .to_token_stream()
    }

    /// For concrete non-tensor fields, whose bounds are deferred (see `Kind::Concrete`):
    /// one check each that the type is differentiable with the value's element type, so
    /// a field that is not gives one error, on its type.
    fn checks(&self) -> TokenStream {
        let elem = &self.elem;
        let (_, source) = self.model.elem();
        let calls: Vec<TokenStream> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(_, (_, t))| t.kind == Kind::Concrete)
            .map(|(i, (f, _))| {
                let ty = &f.ty;
                let span = ty.span();
                if i == source {
                    quote_spanned!(span=> ::autodiff::__private::assert_differentiable::<#ty>();)
                } else {
                    quote_spanned!(span=> ::autodiff::__private::assert_differentiable_with::<#ty, #elem>();)
                }
            })
            .collect();
        if calls.is_empty() {
            return TokenStream::new();
        }
        quote! {
            const _: fn() = || {
                #(#calls)*
            };
        }
    }

    /// `Clone` and `Debug` for the three structs. Written out rather than derived so their
    /// bounds are on the field types, not on every generic parameter.
    fn std_impls(&self) -> TokenStream {
        let clone = quote!(::autodiff::__private::Clone);
        let debug = quote!(::autodiff::__private::fmt::Debug);
        let ids: Vec<&Ident> = self.fields.iter().map(|(f, _)| &f.ident).collect();
        let names: Vec<String> = ids.iter().map(|i| path_name(i)).collect();
        let mut out = TokenStream::new();
        for g in [&self.grads, &self.partial, &self.select] {
            let (impl_g, _, _) = g.generics.split_for_impl();
            let ty = self.ty(g);
            let label = g.ident.to_string();
            let where_clone = self.where_fields(g, clone.clone());
            let where_debug = self.where_fields(g, debug.clone());
            out.extend(quote! {
                impl #impl_g #clone for #ty #where_clone {
                    fn clone(&self) -> Self {
                        Self {
                            #(#ids: #clone::clone(&self.#ids),)*
                        }
                    }
                }

                impl #impl_g #debug for #ty #where_debug {
                    fn fmt(&self, f: &mut ::autodiff::__private::fmt::Formatter<'_>) -> ::autodiff::__private::fmt::Result {
                        f.debug_struct(#label)
                            #(.field(#names, &self.#ids))*
                            .finish()
                    }
                }
            });
        }
        out
    }

    /// `Copy`, `Default` (nothing selected) and `all()` for the selection.
    fn select_impls(&self) -> TokenStream {
        let g = &self.select;
        let (impl_g, _, where_c) = g.generics.split_for_impl();
        let ty = self.ty(g);
        let where_copy = self.where_fields(g, quote!(::autodiff::__private::Copy));
        let where_default = self.where_fields(g, quote!(::autodiff::__private::Default));
        let ids: Vec<&Ident> = self.fields.iter().map(|(f, _)| &f.ident).collect();
        let all = self.fields.iter().map(|(f, t)| {
            let (id, ty) = (&f.ident, &f.ty);
            if t.kind == Kind::Tensor {
                quote!(#id: true)
            } else {
                quote!(#id: <::autodiff::__private::GradsOf<#ty> as ::autodiff::__private::Gradients<::autodiff::__private::ElemOf<#ty>>>::select_all())
            }
        });
        quote! {
            impl #impl_g ::autodiff::__private::Copy for #ty #where_copy {}

            impl #impl_g ::autodiff::__private::Default for #ty #where_default {
                /// Nothing selected.
                fn default() -> Self {
                    Self {
                        #(#ids: ::autodiff::__private::Default::default(),)*
                    }
                }
            }

            impl #impl_g #ty #where_c {
                /// Everything selected.
                pub fn all() -> Self {
                    Self {
                        #(#all,)*
                    }
                }
            }
        }
    }

    /// `grads += &other` and `grads *= factor`.
    fn grads_ops(&self) -> TokenStream {
        let elem = &self.elem;
        let (impl_g, _, where_c) = self.gradients_generics.split_for_impl();
        let grads = self.ty(&self.grads);
        let span = name_span(self.model);
        let add_assign = quote_spanned!(span=> ::autodiff::__private::AddAssign);
        let mul_assign = quote_spanned!(span=> ::autodiff::__private::MulAssign);
        quote! {
            impl #impl_g #add_assign<&#grads> for #grads #where_c {
                /// Adds `rhs` tensor by tensor (gradient accumulation).
                fn add_assign(&mut self, rhs: &Self) {
                    ::autodiff::__private::GradientsExt::<#elem>::add_assign_from(self, rhs);
                }
            }

            impl #impl_g #mul_assign<#elem> for #grads #where_c {
                /// Multiplies every element by `rhs` (a learning rate, `1 / n` for a mean).
                fn mul_assign(&mut self, rhs: #elem) {
                    ::autodiff::__private::GradientsExt::<#elem>::scale(self, rhs);
                }
            }
        }
    }
}
