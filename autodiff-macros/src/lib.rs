//! Procedural macros for `autodiff`: `dim!` now; `#[differentiable]` and
//! `#[derive(Differentiable)]` follow.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod dim;

use proc_macro::TokenStream;

/// A dimension of any size, as a type: `dim!(50257)`.
///
/// Sizes below 4096 become `D<N>` (errors print them as `D<N>`); larger sizes become the
/// typenum number itself, which every shape rule accepts.
///
/// ```
/// use autodiff::prelude::*;
/// let t = Tensor::<(dim!(5000),)>::zeros();
/// assert_eq!(t.numel(), 5000);
/// let small: Tensor<(dim!(3),)> = Tensor::<(U3,)>::zeros();
/// assert_eq!(small.numel(), 3);
/// ```
#[proc_macro]
pub fn dim(input: TokenStream) -> TokenStream {
    dim::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
