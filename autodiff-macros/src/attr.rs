//! `#[no_grad]` on fields and arguments, and combining errors.

use syn::{Attribute, Meta};

/// Whether `attrs` hold `#[no_grad]`; an error when it is given arguments.
pub(crate) fn no_grad(attrs: &[Attribute]) -> syn::Result<bool> {
    let mut found = false;
    for attr in attrs.iter().filter(|a| is_no_grad(a)) {
        match &attr.meta {
            Meta::Path(_) => found = true,
            Meta::List(list) => {
                return Err(syn::Error::new_spanned(
                    &list.tokens,
                    "#[no_grad] takes no arguments; write `#[no_grad]`",
                ))
            }
            Meta::NameValue(nv) => {
                return Err(syn::Error::new_spanned(
                    &nv.value,
                    "#[no_grad] takes no value; write `#[no_grad]`",
                ))
            }
        }
    }
    Ok(found)
}

/// Whether `attr` is `#[no_grad]` (with or without arguments).
pub(crate) fn is_no_grad(attr: &Attribute) -> bool {
    attr.path().is_ident("no_grad")
}

/// One error holding all of `errors`, or `None` when there are none.
pub(crate) fn combine(errors: impl IntoIterator<Item = syn::Error>) -> Option<syn::Error> {
    errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    })
}
