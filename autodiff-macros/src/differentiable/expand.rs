//! The expansion of `#[differentiable] fn f`: `f` itself, and a module `f` with `Inputs`,
//! the gradient structs (from the generator `#[derive(Differentiable)]` uses), `forward`
//! and `grad`.

use super::ast::{Arg, Func, Output};
use super::compile;
use crate::model::{self, generics, Field, Model};
use crate::tokens::{mentions, reroot};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Generics, Ident, Type, Visibility, WhereClause, WherePredicate};

pub(crate) fn expand(func: &Func) -> TokenStream {
    let item = &func.item;
    let name = &item.sig.ident;
    // The signature moves one module down: `self::X` and `super::X` must follow it.
    let generics = reroot_generics(&item.sig.generics);
    let args: Vec<Arg> = func.args.iter().map(reroot_arg).collect();
    let output = reroot_output(&func.output);
    let ret = reroot_type(&func.ret);
    let inner = inner_vis(&item.vis);

    let model = inputs_model(name, &args, &generics, &inner);
    let inputs = inputs_struct(&model, name, &inner);
    let generated = model::expand(&model);
    let (_, grads_ty_g, _) = model.generics.split_for_impl();
    let grads_ty = quote!(Grads #grads_ty_g);
    let (value_ty, graph_ty) = output_types(&output, &ret, &grads_ty);
    let params = args.iter().map(|a| {
        let (id, ty) = (&a.ident, &a.ty);
        quote!(#id: #ty)
    });
    let params = quote!(#(#params),*);
    let arg_names: Vec<&Ident> = args.iter().map(|a| &a.ident).collect();
    let turbofish = turbofish(&generics);
    let (deferred, checks) = deferred_bounds(&model, &output, &generics);
    let forward_generics = generics::with_predicates(&generics, deferred);
    let where_c = &forward_generics.where_clause;
    let forward_body = forward_body(name, &args, &turbofish, &output);
    let forward_body = compile::compile(func, &args, name, &forward_body).unwrap_or(forward_body);
    let grad_where = grad_where(&output, &ret, &forward_generics);
    let vis = &item.vis;
    let mod_attrs = item.attrs.iter().filter(|a| carried_to_module(a));
    let differentiable: Vec<&Arg> = args.iter().filter(|a| !a.no_grad).collect();
    let docs = Docs::new(name, &differentiable);
    let (mod_doc, forward_doc, grad_doc) = (&docs.module, &docs.forward, &docs.grad);

    quote! {
        #item

        #(#mod_attrs)*
        #mod_doc
        #vis mod #name {
            #[allow(unused_imports)]
            use super::*;

            #inputs

            #generated

            #checks

            #forward_doc
            #inner fn forward #generics (#params) -> (#value_ty, #graph_ty) #where_c {
                #forward_body
            }

            #grad_doc
            #inner fn grad #generics (#params) -> #grads_ty #grad_where {
                self::forward #turbofish (#(#arg_names),*).1.backward()
            }
        }
    }
}

/// `Inputs` as the generator sees it: the differentiable arguments as fields (owned), with
/// the generic parameters their types mention.
fn inputs_model(name: &Ident, args: &[Arg], generics: &Generics, vis: &Visibility) -> Model {
    let differentiable: Vec<&Arg> = args.iter().filter(|a| !a.no_grad).collect();
    let named = |n: &str| Ident::new(n, Span::call_site());
    Model {
        ident: named("Inputs"),
        generics: generics::prune(generics, differentiable.iter().map(|a| a.owned())),
        vis: vis.clone(),
        fields: differentiable
            .iter()
            .map(|a| Field {
                ident: a.ident.clone(),
                vis: vis.clone(),
                ty: a.owned().clone(),
                no_grad: false,
            })
            .collect(),
        grads: named("Grads"),
        partial: named("Partial"),
        select: named("Select"),
        what: format!("the arguments of `{name}`"),
    }
}

/// Bounds for `forward` and `grad` that hold unless a check of the macro's fails, written
/// so that they add no errors of their own (see `model::Kind::Concrete`), and the checks
/// for a return type that is not spelled `Tensor<..>`.
fn deferred_bounds(
    model: &Model,
    output: &Output,
    generics: &Generics,
) -> (Vec<WherePredicate>, TokenStream) {
    let mut deferred = model.deferred_bounds();
    let Output::Other(ty) = output else {
        return (deferred, TokenStream::new());
    };
    let span = ty.span();
    let elem = model.elem_type();
    let bound = quote!(::autodiff::__private::TensorOutput<Elem = #elem>);
    if !mentions(ty, &generics::declared(generics)).is_empty() {
        deferred.push(syn::parse_quote_spanned!(span=> #ty: #bound));
        return (deferred, TokenStream::new());
    }
    deferred.push(syn::parse_quote_spanned!(span=> for<'__a> #ty: #bound));
    let check = quote_spanned! {span=>
        const _: fn() = || ::autodiff::__private::assert_tensor_output::<#ty>();
    };
    (deferred, check)
}

/// The visibility of the module's items: the function's, seen from inside the module.
/// A private `f` gives `pub(super)`: its items are as visible as `f` itself, which is
/// also what lets them name the parent module's private types.
fn inner_vis(vis: &Visibility) -> Visibility {
    match vis {
        Visibility::Public(_) => vis.clone(),
        Visibility::Inherited => syn::parse_quote!(pub(super)),
        Visibility::Restricted(r) => {
            let path = &*r.path;
            if path.is_ident("crate") {
                vis.clone()
            } else if path.is_ident("self") {
                syn::parse_quote!(pub(super))
            } else {
                let rerooted = reroot(path.to_token_stream());
                syn::parse_quote!(pub(in #rerooted))
            }
        }
    }
}

/// `vjp(&Inputs { .. }, move |Inputs { .. }| super::f(..))`: the differentiable arguments
/// become the primals (owned: a `&T` argument is copied tensor by tensor, without asking
/// `T: Clone`), the others are captured.
fn forward_body(
    name: &Ident,
    args: &[Arg],
    turbofish: &TokenStream,
    output: &Output,
) -> TokenStream {
    let primals = args.iter().filter(|a| !a.no_grad).map(|a| {
        let id = &a.ident;
        match a.by_ref {
            Some(_) => quote!(#id: ::autodiff::__private::copy(#id)),
            None => quote!(#id),
        }
    });
    let pattern = args.iter().filter(|a| !a.no_grad).map(|a| &a.ident);
    let call_args = args.iter().map(|a| {
        let id = &a.ident;
        match (a.no_grad, &a.by_ref) {
            (false, Some(_)) => quote!(&#id),
            _ => quote!(#id),
        }
    });
    let capture = args.iter().any(|a| a.no_grad).then(|| quote!(move));
    let mut call = quote!(super::#name #turbofish (#(#call_args),*));
    if let Output::Other(_) = output {
        call = quote!(::autodiff::__private::TensorOutput::into_tensor(#call));
    }
    quote! {
        ::autodiff::__private::vjp(
            &Inputs { #(#primals),* },
            #capture |Inputs { #(#pattern),* }| #call,
        )
    }
}

/// The output's type and `Graph<S, Grads, E>`. For a return type spelled `Tensor<S, E>`,
/// that type; for another (an alias), `Tensor<S, E>` through `TensorOutput`, which is the
/// same type when the alias names a tensor.
fn output_types(output: &Output, ret: &Type, grads: &TokenStream) -> (TokenStream, TokenStream) {
    match output {
        Output::Tensor {
            shape,
            elem: Some(elem),
        } => (
            ret.to_token_stream(),
            quote!(::autodiff::__private::Graph<#shape, #grads, #elem>),
        ),
        Output::Tensor { shape, elem: None } => (
            ret.to_token_stream(),
            quote!(::autodiff::__private::Graph<#shape, #grads>),
        ),
        Output::Other(_) => {
            let span = ret.span();
            let shape = quote_spanned!(span=> <#ret as ::autodiff::__private::TensorOutput>::Shape);
            let elem = quote_spanned!(span=> <#ret as ::autodiff::__private::TensorOutput>::Elem);
            (
                quote!(::autodiff::__private::Tensor<#shape, #elem>),
                quote!(::autodiff::__private::Graph<#shape, #grads, #elem>),
            )
        }
    }
}

/// `grad` needs a one-element output. Nothing to say for `()`; a bound for other shapes.
/// A bound without generic parameters that does not hold would be an error where `grad`
/// is defined, for every function with a larger output; `for<'__s>` defers it to where
/// `grad` is called, so only calling `grad` on such a function is an error.
fn grad_where(output: &Output, ret: &Type, generics: &Generics) -> TokenStream {
    let shape = match output {
        Output::Tensor { shape, .. } => shape.to_token_stream(),
        Output::Other(_) => quote!(<#ret as ::autodiff::__private::TensorOutput>::Shape),
    };
    let mut clause: WhereClause = generics
        .where_clause
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(where));
    let is_unit =
        matches!(output, Output::Tensor { shape: Type::Tuple(t), .. } if t.elems.is_empty());
    if !is_unit {
        let one = quote!(::autodiff::__private::OneElement);
        let generic = !mentions(&shape, &generics::declared(generics)).is_empty();
        clause.predicates.push(if generic {
            syn::parse_quote!(#shape: #one)
        } else {
            syn::parse_quote!(for<'__s> #shape: #one)
        });
    }
    if clause.predicates.is_empty() {
        TokenStream::new()
    } else {
        clause.to_token_stream()
    }
}

/// `::<T, N>` for the function's type and const parameters (lifetimes are inferred).
fn turbofish(generics: &Generics) -> TokenStream {
    let params: Vec<&Ident> = generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(&t.ident),
            syn::GenericParam::Const(c) => Some(&c.ident),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    if params.is_empty() {
        TokenStream::new()
    } else {
        quote!(::<#(#params),*>)
    }
}

/// `pub struct Inputs { pub x: T, .. }`: the differentiable arguments, owned.
fn inputs_struct(model: &Model, name: &Ident, vis: &Visibility) -> TokenStream {
    let g = &model.generics;
    let where_c = &g.where_clause;
    let fields = model.fields.iter().map(|f| {
        let (id, ty) = (&f.ident, &f.ty);
        let doc = format!("The argument `{id}`.");
        quote!(#[doc = #doc] #vis #id: #ty)
    });
    let doc = format!(
        "The differentiable arguments of `{name}`, owned: the primals its graph is recorded \
         for (`forward` copies `&` arguments into one). Implements `Differentiable` with \
         `Grads` as its gradient type, so it can be passed to `vjp` or `gradcheck`."
    );
    quote! {
        #[doc = #doc]
        #vis struct Inputs #g #where_c {
            #(#fields,)*
        }
    }
}

/// The doc comments of the module and its functions.
struct Docs {
    module: TokenStream,
    forward: TokenStream,
    grad: TokenStream,
}

impl Docs {
    fn new(name: &Ident, differentiable: &[&Arg]) -> Docs {
        let fields = differentiable
            .iter()
            .map(|a| format!("`{}`", a.ident))
            .collect::<Vec<_>>()
            .join(", ");
        let module = format!(
            "The differentiable version of the function `{name}`, made by \
             `#[differentiable]`: `forward` records a graph, `grad` returns gradients, and \
             `Grads` has one field per differentiable argument ({fields})."
        );
        let forward = format!(
            "Runs `{name}` and records it: its output, and the graph whose backward pass \
             gives one gradient per differentiable argument ({fields})."
        );
        let grad = format!(
            "The gradients of `{name}`'s one-element output: `forward(..).1.backward()`.\n\n\
             Called while another graph records (in a `#[differentiable]` function or a \
             `vjp` closure), its backward pass is recorded too, so the gradients can be \
             differentiated again."
        );
        Docs {
            module: quote!(#[doc = #module]),
            forward: quote!(#[doc = #forward]),
            grad: quote!(#[doc = #grad]),
        }
    }
}

/// `#[cfg]` and `#[allow]` apply to the module as they do to the function.
fn carried_to_module(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg") || attr.path().is_ident("allow")
}

/// `ty` with `self::`/`super::` paths re-rooted (unchanged if that would not parse,
/// which only a signature the compiler rejects anyway could cause).
fn reroot_type(ty: &Type) -> Type {
    syn::parse2(reroot(ty.to_token_stream())).unwrap_or_else(|_| ty.clone())
}

fn reroot_arg(arg: &Arg) -> Arg {
    Arg {
        ident: arg.ident.clone(),
        ty: reroot_type(&arg.ty),
        no_grad: arg.no_grad,
        by_ref: arg.by_ref.as_ref().map(reroot_type),
    }
}

fn reroot_output(output: &Output) -> Output {
    match output {
        Output::Tensor { shape, elem } => Output::Tensor {
            shape: reroot_type(shape),
            elem: elem.as_ref().map(|e| Box::new(reroot_type(e))),
        },
        Output::Other(ty) => Output::Other(reroot_type(ty)),
    }
}

fn reroot_generics(generics: &Generics) -> Generics {
    let mut out: Generics =
        syn::parse2(reroot(generics.to_token_stream())).unwrap_or_else(|_| generics.clone());
    out.where_clause = generics
        .where_clause
        .as_ref()
        .map(|w| syn::parse2(reroot(w.to_token_stream())).unwrap_or_else(|_| w.clone()));
    out
}
