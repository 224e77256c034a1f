//! Procedural macros for `autodiff`: `#[differentiable]`, `#[derive(Differentiable)]` and
//! `dim!`. Use them through the `autodiff` crate (`use autodiff::prelude::*;`); the code
//! they generate names `::autodiff::__private`.
//!
//! Layout, after thiserror: each macro parses and checks its input (errors on the exact
//! token, all of them at once), then expands; `model` is the generator both
//! differentiable macros share, so a function's `f::Grads` is built like a struct's
//! `NameGrads`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attr;
mod derive;
mod differentiable;
mod dim;
mod model;
mod tokens;

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

/// Turns a function returning a tensor into a forward/backward pair.
///
/// `#[differentiable] fn f(..) -> Tensor<S, E>` keeps `f` as written (eager, records
/// nothing) and adds a module `f` with:
///
/// - `f::forward(args) -> (Tensor<S, E>, Graph<S, f::Grads, E>)`: runs `f` and records it;
/// - `f::grad(args) -> f::Grads` for one-element outputs: `forward` then `backward`,
///   itself differentiable when called inside another `#[differentiable]` function;
/// - `f::Grads`: one field per differentiable argument, named after it;
/// - `f::Partial` and `f::Select`: gradients and flags for `backward_selected`;
/// - `f::Inputs`: the differentiable arguments, owned (for `vjp` and `gradcheck`).
///
/// Arguments marked `#[no_grad]` (data, labels, sizes) are passed through and get no
/// gradient. See `docs/macros.md` for the expansion and every error.
///
/// ```
/// use autodiff::prelude::*;
///
/// #[differentiable]
/// fn cube(x: &Tensor<(), f64>) -> Tensor<(), f64> {
///     x.powi(3)
/// }
///
/// # fn main() {
/// let x = Tensor::<(), f64>::full(2.0);
/// assert_eq!(cube(&x).item(), 8.0);             // the function itself
/// let (y, graph) = cube::forward(&x);
/// assert_eq!(y.item(), 8.0);
/// assert_eq!(graph.backward().x.item(), 12.0);  // d(x³)/dx = 3x²
/// assert_eq!(cube::grad(&x).x.item(), 12.0);
/// # }
/// ```
///
/// The module `cube` refers to the function's types through `use super::*`, so put
/// `#[differentiable]` functions at module level, not inside another function's body.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    differentiable::expand(attr.into(), item.into()).into()
}

/// Makes a struct of tensors (and of other such structs) differentiable: `vjp` and
/// `#[differentiable]` functions accept it, and its gradients come back as a struct
/// with the same field names.
///
/// For `struct Name { .. }` it generates `impl Differentiable for Name` and:
///
/// - `NameGrads`: one field per differentiable field, of that field's gradient type;
///   `+=`, `*=` by a scalar, and `GradientsExt` (zeroing, named visiting);
/// - `NamePartial` and `NameSelect`: gradients and flags for `backward_selected`.
///
/// Fields marked `#[no_grad]` (buffers, constants) are cloned, not visited, and have no
/// gradient. Visitors see fields in declaration order, with paths like `linear.weight`.
///
/// ```
/// use autodiff::prelude::*;
///
/// #[derive(Differentiable)]
/// struct Linear<I: Dim, O: Dim> {
///     weight: Tensor<(O, I), f64>,
///     bias: Tensor<(O,), f64>,
/// }
///
/// let model = Linear::<U2, U1> { weight: Tensor::ones(), bias: Tensor::zeros() };
/// let x = Tensor::<(U2,), f64>::from_vec(vec![3., 4.]).unwrap();
/// let (_, graph) = vjp(&model, |m| (m.weight.matmul(&x) + &m.bias).sum());
/// let grads: LinearGrads<U2, U1> = graph.backward();
/// assert_eq!(grads.weight.to_vec(), vec![3., 4.]);
/// assert_eq!(grads.bias.to_vec(), vec![1.]);
/// ```
#[proc_macro_derive(Differentiable, attributes(no_grad))]
pub fn derive_differentiable(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive::expand(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
