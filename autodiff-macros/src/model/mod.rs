//! What `#[derive(Differentiable)]` and `#[differentiable]` share: a value made of named
//! differentiable parts (a struct's fields, or a function's arguments gathered into
//! `f::Inputs`), and the generator of its `Differentiable` impl and gradient structs.

mod expand;
pub(crate) mod generics;

pub(crate) use expand::expand;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{GenericArgument, Generics, Ident, PathArguments, Type, Visibility, WherePredicate};

/// A differentiable value with named parts.
pub(crate) struct Model {
    /// The value's type: the user's struct, or `Inputs` for a function.
    pub(crate) ident: Ident,
    /// The value type's generics.
    pub(crate) generics: Generics,
    /// The visibility of the generated structs.
    pub(crate) vis: Visibility,
    pub(crate) fields: Vec<Field>,
    /// The names of the generated structs.
    pub(crate) grads: Ident,
    pub(crate) partial: Ident,
    pub(crate) select: Ident,
    /// How the docs of the generated structs name the value ("`Linear`").
    pub(crate) what: String,
}

/// A named part of the value.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    /// The visibility of the corresponding fields of the generated structs.
    pub(crate) vis: Visibility,
    pub(crate) ty: Type,
    /// A buffer or constant: cloned, not visited, no gradient.
    pub(crate) no_grad: bool,
}

impl Model {
    /// The generated structs' names for a struct: `LinearGrads`, `LinearPartial`, ...
    pub(crate) fn suffixed_names(ident: &Ident) -> [Ident; 3] {
        [
            format_ident!("{}Grads", ident),
            format_ident!("{}Partial", ident),
            format_ident!("{}Select", ident),
        ]
    }

    fn differentiable(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| !f.no_grad)
    }

    /// The element type: that of the first tensor field if there is one (it reads best:
    /// `f32`), otherwise that of the first differentiable field. Every other field is
    /// bound to it.
    fn elem(&self) -> (TokenStream, usize) {
        let fields: Vec<&Field> = self.differentiable().collect();
        for (i, f) in fields.iter().enumerate() {
            if let Some((_, elem)) = tensor_parts(&f.ty) {
                return (elem_or_default(elem), i);
            }
        }
        let ty = &fields[0].ty;
        (quote!(::autodiff::__private::ElemOf<#ty>), 0)
    }

    /// Bounds for non-tensor fields (tensors need none, so the common expansion has no
    /// `where` clause). With `elem`, for impls: every field has the value's element type.
    /// Without, for struct definitions: each field is differentiable (so that
    /// `GradsOf<Inner<T>>` is well-formed).
    fn field_bounds(&self, elem: Option<(&TokenStream, usize)>) -> Vec<WherePredicate> {
        self.differentiable()
            .enumerate()
            .zip(self.field_types())
            .filter(|(_, t)| t.kind != Kind::Tensor)
            .map(|((i, f), t)| {
                let ty = &f.ty;
                let bound = match elem {
                    // Not for a field of the source's very type: `T: Differentiable<Elem =
                    // <T as Differentiable>::Elem>` would send the compiler in a circle.
                    Some((elem, source)) if i != source && !self.same_type(source, ty) => {
                        quote!(::autodiff::__private::Differentiable<Elem = #elem>)
                    }
                    _ => quote!(::autodiff::__private::Differentiable),
                };
                t.predicate(ty, bound)
            })
            .collect()
    }

    /// `for<'__a> T: Differentiable` for each concrete non-tensor field: what code that
    /// uses the value's impls (`f::forward`) needs so that a field that is not
    /// differentiable is not reported there again.
    pub(crate) fn deferred_bounds(&self) -> Vec<WherePredicate> {
        let (elem, source) = self.elem();
        let concrete = |p: &WherePredicate| p.to_token_stream().to_string().starts_with("for <");
        self.field_bounds(Some((&elem, source)))
            .into_iter()
            .filter(concrete)
            .collect()
    }

    /// The element type every tensor of the value has.
    pub(crate) fn elem_type(&self) -> TokenStream {
        self.elem().0
    }

    /// Whether `ty` is spelled like the type of the `i`th differentiable field.
    fn same_type(&self, i: usize, ty: &Type) -> bool {
        self.differentiable()
            .nth(i)
            .is_some_and(|f| f.ty.to_token_stream().to_string() == ty.to_token_stream().to_string())
    }

    fn field_types(&self) -> impl Iterator<Item = FieldTypes> + '_ {
        self.differentiable()
            .map(|f| FieldTypes::of(f, &self.generics))
    }

    /// `Ty: Clone` for generic `#[no_grad]` fields (cloned by `map_tensors`).
    fn no_grad_bounds(&self) -> Vec<WherePredicate> {
        self.fields
            .iter()
            .filter(|f| f.no_grad && generics::is_generic(&f.ty, &self.generics))
            .map(|f| {
                let ty = &f.ty;
                parse_predicate(quote_spanned!(ty.span()=> #ty: ::autodiff::__private::Clone))
            })
            .collect()
    }
}

/// How a differentiable field's bounds are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Tensor<S, E>`: no bounds, fields spelled out.
    Tensor,
    /// A type that mentions a generic parameter: plain bounds, which make the impls
    /// conditional.
    Generic,
    /// A concrete type (`Linear<U1, U1>`): bounds written `for<'__a> T: ..`. A bound
    /// without parameters that does not hold is an error at every item it is on, so a
    /// field whose type is not differentiable would give one error per generated item;
    /// the higher-ranked form is checked where the item is used instead, and the check
    /// `expand` adds reports the field once.
    Concrete,
}

/// The types a differentiable field contributes to each generated struct.
struct FieldTypes {
    grads: TokenStream,
    partial: TokenStream,
    select: TokenStream,
    kind: Kind,
}

impl FieldTypes {
    /// A tensor's gradient is a tensor of its type, written out so the generated struct
    /// reads like the original; other fields go through `GradsOf`/`PartialOf`/`SelectOf`.
    fn of(field: &Field, generics: &Generics) -> FieldTypes {
        let ty = &field.ty;
        let span = ty.span();
        match tensor_parts(ty) {
            Some(_) => FieldTypes {
                grads: quote!(#ty),
                partial: quote!(::core::option::Option<#ty>),
                select: quote!(bool),
                kind: Kind::Tensor,
            },
            None => FieldTypes {
                grads: quote_spanned!(span=> ::autodiff::__private::GradsOf<#ty>),
                partial: quote_spanned!(span=> ::autodiff::__private::PartialOf<#ty>),
                select: quote_spanned!(span=> ::autodiff::__private::SelectOf<#ty>),
                kind: if generics::is_generic(ty, generics) {
                    Kind::Generic
                } else {
                    Kind::Concrete
                },
            },
        }
    }

    /// `ty: bound`, higher-ranked for a concrete type; spanned on the field's type.
    fn predicate(&self, ty: &impl ToTokens, bound: TokenStream) -> WherePredicate {
        let span = ty.span();
        parse_predicate(match self.kind {
            Kind::Concrete => quote_spanned!(span=> for<'__a> #ty: #bound),
            _ => quote_spanned!(span=> #ty: #bound),
        })
    }
}

fn parse_predicate(tokens: TokenStream) -> WherePredicate {
    syn::parse2(tokens).expect("a generated predicate parses")
}

/// For a type spelled `Tensor<S>` or `Tensor<S, E>` (any path ending in `Tensor`): its
/// shape and, when written, its element type.
pub(crate) fn tensor_parts(ty: &Type) -> Option<(&Type, Option<&Type>)> {
    let ty = strip_groups(ty);
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Tensor" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let shape = types.next()??;
    let elem = match types.next() {
        Some(e) => Some(e?),
        None => None,
    };
    types.next().is_none().then_some((shape, elem))
}

/// The element type a tensor's `E` stands for (`f32` when it is left out).
pub(crate) fn elem_or_default(elem: Option<&Type>) -> TokenStream {
    match elem {
        Some(e) => e.to_token_stream(),
        None => quote!(f32),
    }
}

/// Looks through invisible groups (types passed through `macro_rules!`) and parentheses.
pub(crate) fn strip_groups(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => strip_groups(&g.elem),
        Type::Paren(p) => strip_groups(&p.elem),
        other => other,
    }
}

/// A doc attribute.
fn doc(text: &str) -> TokenStream {
    quote!(#[doc = #text])
}

/// The span of the value's name, for items that stand for it.
fn name_span(model: &Model) -> Span {
    model.ident.span()
}

/// Types that are certainly neither tensors nor differentiable structs (or not even
/// sized): reported by the macro rather than by the type checker.
fn certainly_not_differentiable(ty: &Type) -> bool {
    const NAMES: [&str; 30] = [
        "f32",
        "f64",
        "bool",
        "char",
        "str",
        "usize",
        "isize",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "String",
        "Vec",
        "Option",
        "Box",
        "Rc",
        "Arc",
        "HashMap",
        "BTreeMap",
        "HashSet",
        "PhantomData",
        "Cell",
        "RefCell",
        "Range",
    ];
    match strip_groups(ty) {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| NAMES.iter().any(|n| s.ident == n)),
        Type::Tuple(t) => t.elems.is_empty() || t.elems.iter().any(certainly_not_differentiable),
        Type::Path(_) | Type::Macro(_) | Type::Verbatim(_) => false,
        _ => true,
    }
}

/// The errors of the differentiable parts (`noun`: "field" or "argument") that can be
/// found before type checking: values that are not differentiable, and tensors whose
/// element types differ.
pub(crate) fn check_parts(attr: &str, noun: &str, parts: &[(&Ident, &Type)]) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let mut first_elem: Option<(&Ident, String)> = None;
    for &(ident, ty) in parts {
        if certainly_not_differentiable(ty) {
            let fix = if noun == "field" {
                "mark it `#[no_grad]` (a buffer or constant), or make it a tensor"
            } else {
                "mark it `#[no_grad]` (data, labels, sizes and settings are passed through)"
            };
            errors.push(syn::Error::new_spanned(
                ty,
                format!("{attr} cannot differentiate the {noun} `{ident}`: it is not a tensor or a differentiable struct; {fix}"),
            ));
            continue;
        }
        let Some((_, elem)) = tensor_parts(ty) else {
            continue;
        };
        let elem = elem_or_default(elem).to_string();
        match &first_elem {
            None => first_elem = Some((ident, elem)),
            Some((first, first_elem)) if *first_elem != elem => errors.push(syn::Error::new_spanned(
                ty,
                format!("{attr} needs one element type for all tensors: `{ident}` has `{elem}` but `{first}` has `{first_elem}`; convert one of them, or mark it `#[no_grad]`"),
            )),
            Some(_) => {}
        }
    }
    errors
}
