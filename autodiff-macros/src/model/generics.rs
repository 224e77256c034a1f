//! The generics of the generated structs: those of the differentiable value, kept only
//! where the struct's own field types mention them.
//!
//! `struct Model<T, I: Dim> { #[no_grad] config: T, layer: Linear<I, U1> }` gets
//! `ModelGrads<I: Dim>`: `T` only types a field that has no gradient. And
//! `struct Linear<I, O> { weight: Tensor<(O, I)> }` gets `LinearSelect` with no parameters
//! at all: its field is a `bool`. Keeping the parameters would need a hidden `PhantomData`
//! field (E0392), and a struct with a hidden field cannot be written as a literal
//! (`LinearSelect { weight: true }`).

use crate::tokens::{mentions, Name};
use quote::ToTokens;
use std::collections::BTreeSet;
use syn::punctuated::Punctuated;
use syn::{GenericParam, Generics, Type, TypeParamBound, WhereClause, WherePredicate};

/// The names of the parameters `generics` declares (`'a` with its quote).
pub(crate) fn declared(generics: &Generics) -> BTreeSet<Name> {
    generics.params.iter().map(param_name).collect()
}

fn param_name(p: &GenericParam) -> Name {
    match p {
        GenericParam::Lifetime(l) => format!("'{}", l.lifetime.ident),
        GenericParam::Type(t) => t.ident.to_string(),
        GenericParam::Const(c) => c.ident.to_string(),
    }
}

/// `generics` without the parameters that none of `types` mentions, and without the
/// bounds and `where` predicates that mention a dropped parameter.
pub(crate) fn prune<T: ToTokens>(
    generics: &Generics,
    types: impl IntoIterator<Item = T>,
) -> Generics {
    let declared = declared(generics);
    let mut kept = BTreeSet::new();
    for ty in types {
        kept.extend(mentions(&ty, &declared));
    }
    let only_kept =
        |tokens: &dyn ToTokens| mentions(&tokens.to_token_stream(), &declared).is_subset(&kept);
    let mut out = generics.clone();
    out.params = generics
        .params
        .iter()
        .filter(|p| kept.contains(&param_name(p)))
        .cloned()
        .map(|mut p| {
            match &mut p {
                GenericParam::Type(t) => {
                    t.bounds = keep_bounds(&t.bounds, &only_kept);
                    if t.bounds.is_empty() {
                        t.colon_token = None;
                    }
                }
                GenericParam::Lifetime(l) => {
                    l.bounds = l.bounds.iter().filter(|b| only_kept(*b)).cloned().collect();
                    if l.bounds.is_empty() {
                        l.colon_token = None;
                    }
                }
                GenericParam::Const(_) => {}
            }
            p
        })
        .collect();
    out.where_clause = generics.where_clause.as_ref().and_then(|w| {
        let predicates: Punctuated<WherePredicate, syn::Token![,]> = w
            .predicates
            .iter()
            .filter_map(|pred| prune_predicate(pred, &only_kept))
            .collect();
        (!predicates.is_empty()).then(|| WhereClause {
            where_token: w.where_token,
            predicates,
        })
    });
    if out.params.is_empty() {
        out.lt_token = None;
        out.gt_token = None;
    }
    out
}

type Bounds = Punctuated<TypeParamBound, syn::Token![+]>;

fn keep_bounds(bounds: &Bounds, only_kept: &dyn Fn(&dyn ToTokens) -> bool) -> Bounds {
    bounds.iter().filter(|b| only_kept(*b)).cloned().collect()
}

fn prune_predicate(
    pred: &WherePredicate,
    only_kept: &dyn Fn(&dyn ToTokens) -> bool,
) -> Option<WherePredicate> {
    match pred {
        WherePredicate::Type(t) => {
            if !only_kept(&t.bounded_ty) {
                return None;
            }
            let mut t = t.clone();
            t.bounds = keep_bounds(&t.bounds, only_kept);
            (!t.bounds.is_empty()).then_some(WherePredicate::Type(t))
        }
        WherePredicate::Lifetime(l) => {
            if !only_kept(&l.lifetime) {
                return None;
            }
            let mut l = l.clone();
            l.bounds = l.bounds.iter().filter(|b| only_kept(*b)).cloned().collect();
            (!l.bounds.is_empty()).then_some(WherePredicate::Lifetime(l))
        }
        other => only_kept(other).then(|| other.clone()),
    }
}

/// Whether `ty` mentions any parameter of `generics`.
pub(crate) fn is_generic(ty: &Type, generics: &Generics) -> bool {
    !mentions(ty, &declared(generics)).is_empty()
}

/// `generics` with `predicates` added to its `where` clause.
pub(crate) fn with_predicates(
    generics: &Generics,
    predicates: impl IntoIterator<Item = WherePredicate>,
) -> Generics {
    let mut out = generics.clone();
    let clause = out.make_where_clause();
    clause.predicates.extend(predicates);
    if clause.predicates.is_empty() {
        out.where_clause = None;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use syn::parse_quote;

    #[test]
    fn drops_parameters_only_no_grad_fields_use() {
        let g: Generics = parse_quote!(<'a, T: Clone + 'a, I: Dim + From<T>, const N: usize>);
        let g = with_predicates(&g, [parse_quote!(T: Send), parse_quote!(I: Copy)]);
        let ty: Type = parse_quote!(Tensor<(I, D<N>)>);
        let pruned = prune(&g, [&ty]);
        assert!(prune(&g, [quote!(bool)]).params.is_empty());
        let (imp, _, wh) = pruned.split_for_impl();
        assert_eq!(
            quote!(#imp #wh).to_string(),
            quote!(<I: Dim, const N: usize> where I: Copy).to_string()
        );
    }
}
