//! `#[differentiable]`: the function as the expansion sees it, and the checks that make
//! every unsupported signature an error on the token that causes it.

use crate::attr::{combine, is_no_grad, no_grad};
use crate::model::{check_parts, strip_groups, tensor_parts};
use crate::tokens::leading_idents;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

/// A function `#[differentiable]` accepts.
pub(crate) struct Func {
    /// The function as written, `#[no_grad]` removed from its arguments: the eager one.
    pub(crate) item: ItemFn,
    pub(crate) args: Vec<Arg>,
    pub(crate) output: Output,
    /// The return type as written.
    pub(crate) ret: Type,
}

/// One argument.
pub(crate) struct Arg {
    pub(crate) ident: Ident,
    /// The type as written.
    pub(crate) ty: Type,
    pub(crate) no_grad: bool,
    /// For a differentiable argument written `&T`: `T` (what `f::Inputs` owns).
    pub(crate) by_ref: Option<Type>,
}

impl Arg {
    /// The owned type of a differentiable argument (`T` for `&T`).
    pub(crate) fn owned(&self) -> &Type {
        self.by_ref.as_ref().unwrap_or(&self.ty)
    }
}

/// The return type.
pub(crate) enum Output {
    /// Spelled `Tensor<S>` or `Tensor<S, E>`.
    Tensor {
        shape: Type,
        elem: Option<Box<Type>>,
    },
    /// Another path (a type alias, say): shape and element come from `TensorOutput`.
    Other(Type),
}

/// Names the generated module defines: a type of the signature with one of these names
/// would mean the generated item inside the module.
const GENERATED: [&str; 4] = ["Inputs", "Grads", "Partial", "Select"];

/// Primitive types that are certainly not tensors, rejected before type checking.
const SCALARS: [&str; 16] = [
    "f32", "f64", "bool", "char", "str", "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8",
    "i16", "i32", "i64",
];

impl Func {
    /// Checks `item` (with the attribute's arguments `attr`), collecting every error.
    pub(crate) fn parse(attr: TokenStream, item: &ItemFn) -> syn::Result<Func> {
        let mut errors = Vec::new();
        if !attr.is_empty() {
            errors.push(syn::Error::new_spanned(
                &attr,
                "#[differentiable] takes no arguments; write `#[differentiable]`",
            ));
        }
        let sig = &item.sig;
        if let Some(a) = &sig.asyncness {
            errors.push(syn::Error::new_spanned(
                a,
                "#[differentiable] does not support `async fn`; make the function synchronous (its graph is recorded on the calling thread)",
            ));
        }
        if let Some(u) = &sig.unsafety {
            errors.push(syn::Error::new_spanned(
                u,
                "#[differentiable] does not support `unsafe fn`; make the function safe and put the unsafe code in an `unsafe` block inside it",
            ));
        }
        let mut args = Vec::new();
        for input in &sig.inputs {
            match parse_arg(input, &sig.ident) {
                Ok(arg) => args.push(arg),
                Err(e) => errors.push(e),
            }
        }
        let parts: Vec<(&Ident, &Type)> = args
            .iter()
            .filter(|a| !a.no_grad)
            .map(|a| (&a.ident, a.owned()))
            .collect();
        errors.extend(check_parts("#[differentiable]", "argument", &parts));
        errors.extend(check_generated_names(item));
        let output = parse_output(item);
        let output = match output {
            Ok(o) => Some(o),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if errors.is_empty() && args.iter().all(|a| a.no_grad) {
            errors.push(syn::Error::new_spanned(
                &sig.ident,
                format!(
                    "#[differentiable] found no argument to differentiate in `{}`; take the value to differentiate as an argument without `#[no_grad]`",
                    sig.ident
                ),
            ));
        }
        if let Some(e) = combine(errors) {
            return Err(e);
        }
        let (output, ret) = output.expect("no error means an output");
        Ok(Func {
            item: strip_no_grad(item),
            args,
            output,
            ret,
        })
    }
}

fn parse_arg(input: &FnArg, fn_name: &Ident) -> syn::Result<Arg> {
    let typed = match input {
        FnArg::Receiver(r) => {
            return Err(syn::Error::new_spanned(
                r,
                format!(
                    "#[differentiable] does not support methods (`self`); write a free function that takes the value by reference, `fn {fn_name}(model: &Model, ...)`, and call it from the method"
                ),
            ))
        }
        FnArg::Typed(t) => t,
    };
    let no_grad = no_grad(&typed.attrs)?;
    if let Some(impl_trait) = find_impl_trait(&typed.ty) {
        return Err(syn::Error::new_spanned(
            impl_trait,
            "#[differentiable] does not support `impl Trait` arguments; name the type with a generic parameter: `fn f<T: Trait>(x: T)`",
        ));
    }
    let ident = match &*typed.pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
        other => {
            let why = if no_grad {
                "it is passed on by name"
            } else {
                "it names the argument's gradient"
            };
            return Err(syn::Error::new_spanned(
                other,
                format!("#[differentiable] needs a plain name for each argument ({why}); write `name: Type` and destructure inside the body"),
            ));
        }
    };
    let mut by_ref = None;
    if !no_grad {
        if let Type::Reference(r) = strip_groups(&typed.ty) {
            if let Some(m) = &r.mutability {
                let and = &r.and_token;
                return Err(syn::Error::new_spanned(
                    quote!(#and #m),
                    "#[differentiable] cannot differentiate through a `&mut` argument; take it by value or by `&`, or mark it `#[no_grad]`",
                ));
            }
            by_ref = Some((*r.elem).clone());
        }
    }
    Ok(Arg {
        ident,
        ty: (*typed.ty).clone(),
        no_grad,
        by_ref,
    })
}

/// The first `impl Trait` in `ty`, looking through references, tuples, arrays, slices and
/// generic arguments.
fn find_impl_trait(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(_) => Some(ty),
        Type::Reference(r) => find_impl_trait(&r.elem),
        Type::Paren(p) => find_impl_trait(&p.elem),
        Type::Group(g) => find_impl_trait(&g.elem),
        Type::Slice(s) => find_impl_trait(&s.elem),
        Type::Array(a) => find_impl_trait(&a.elem),
        Type::Tuple(t) => t.elems.iter().find_map(find_impl_trait),
        Type::Path(p) => p.path.segments.iter().find_map(|s| match &s.arguments {
            syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                syn::GenericArgument::Type(t) => find_impl_trait(t),
                _ => None,
            }),
            _ => None,
        }),
        _ => None,
    }
}

fn parse_output(item: &ItemFn) -> syn::Result<(Output, Type)> {
    let sig = &item.sig;
    let ty = match &sig.output {
        ReturnType::Type(_, ty) => ty,
        ReturnType::Default => {
            return Err(syn::Error::new(
                sig.paren_token.span.close(),
                format!(
                    "#[differentiable] needs `{}` to return a tensor; add the return type, e.g. `-> Tensor<()>` for a loss",
                    sig.ident
                ),
            ))
        }
    };
    if let Some((shape, elem)) = tensor_parts(ty) {
        let output = Output::Tensor {
            shape: shape.clone(),
            elem: elem.map(|e| Box::new(e.clone())),
        };
        return Ok((output, (**ty).clone()));
    }
    let plain_path = match strip_groups(ty) {
        Type::Path(p) => p.qself.is_none() && !is_scalar_or_self(&p.path),
        _ => false,
    };
    if plain_path {
        return Ok((Output::Other((**ty).clone()), (**ty).clone()));
    }
    Err(syn::Error::new_spanned(
        ty,
        "#[differentiable] needs a tensor return type; return the value to differentiate as a `Tensor<S, E>` (a loss: `Tensor<()>`)",
    ))
}

fn is_scalar_or_self(path: &syn::Path) -> bool {
    path.get_ident()
        .is_some_and(|i| i == "Self" || SCALARS.iter().any(|s| i == s))
}

/// Errors for types in the signature named like an item of the generated module, which
/// would mean that item inside it.
fn check_generated_names(item: &ItemFn) -> Vec<syn::Error> {
    let sig = &item.sig;
    let mut tokens = TokenStream::new();
    for input in &sig.inputs {
        if let FnArg::Typed(t) = input {
            t.ty.to_tokens(&mut tokens);
        }
    }
    sig.output.to_tokens(&mut tokens);
    sig.generics.to_tokens(&mut tokens);
    sig.generics.where_clause.to_tokens(&mut tokens);
    leading_idents(&tokens)
        .into_iter()
        .filter(|i| GENERATED.iter().any(|g| i == g))
        .map(|i| {
            syn::Error::new_spanned(
                &i,
                format!(
                    "#[differentiable] generates `{name}::{i}`, which hides this `{i}` inside the module `{name}`; refer to it by a path such as `crate::...::{i}`, or rename it",
                    name = sig.ident
                ),
            )
        })
        .collect()
}

/// `item` without `#[no_grad]` on its arguments (what stays of the function).
pub(crate) fn strip_no_grad(item: &ItemFn) -> ItemFn {
    let mut item = item.clone();
    for input in &mut item.sig.inputs {
        if let FnArg::Typed(t) = input {
            t.attrs.retain(|a| !is_no_grad(a));
        }
    }
    item
}
