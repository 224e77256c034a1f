//! What `#[differentiable]` emits when it reports an error: the error, and the item as
//! written (minus `#[no_grad]`, which means nothing without the attribute), so that code
//! calling `f` does not add errors of its own.

use super::ast::strip_no_grad;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Item, ItemFn};

pub(crate) fn with_error(error: syn::Error, func: &ItemFn) -> TokenStream {
    let error = error.to_compile_error();
    let func = strip_no_grad(func);
    quote!(#error #func)
}

/// The attribute on something other than a function: an error on its keyword.
pub(crate) fn not_a_function(item: TokenStream) -> TokenStream {
    let message = "#[differentiable] applies to functions; put it on a `fn`";
    let error = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(s)) => syn::Error::new_spanned(
            s.struct_token,
            "#[differentiable] applies to functions; for a struct of tensors, use `#[derive(Differentiable)]`",
        ),
        Ok(Item::Impl(i)) => syn::Error::new_spanned(
            i.impl_token,
            "#[differentiable] applies to free functions, not to `impl` blocks; put it on a `fn` outside the block",
        ),
        Ok(Item::Enum(e)) => syn::Error::new_spanned(e.enum_token, message),
        Ok(Item::Mod(m)) => syn::Error::new_spanned(m.mod_token, message),
        Ok(Item::Trait(t)) => syn::Error::new_spanned(t.trait_token, message),
        _ => syn::Error::new_spanned(&item, message),
    }
    .to_compile_error();
    quote!(#error #item)
}
