//! `dim!(N)`: a size literal to a dimension type.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitInt;

/// Must match `TABLE_BITS` in autodiff-core.
const TABLE_BITS: u32 = 12;

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let lit: LitInt = syn::parse2(input.clone()).map_err(|_| {
        syn::Error::new_spanned(&input, "dim!: expected a size such as `dim!(50257)`; for a size known only at run time use `Dyn`")
    })?;
    let n: usize = lit.base10_parse()?;
    if n < 1 << TABLE_BITS {
        return Ok(quote!(::autodiff::D<#n>));
    }
    let mut ty = quote!(::autodiff::typenum::UTerm);
    for bit in (0..usize::BITS - n.leading_zeros()).rev() {
        let b = if n >> bit & 1 == 1 {
            quote!(::autodiff::typenum::B1)
        } else {
            quote!(::autodiff::typenum::B0)
        };
        ty = quote!(::autodiff::typenum::UInt<#ty, #b>);
    }
    Ok(ty)
}
