//! Token-level helpers: which generic parameters a type mentions, which names a signature
//! uses, and re-rooting relative paths for a signature that moves one module down.
//!
//! They work on tokens rather than on syn's tree so that types written with macros
//! (`Tensor<(dim!(784),)>`) are handled like any other.

use proc_macro2::{Group, Ident, Spacing, TokenStream, TokenTree};
use quote::{quote_spanned, ToTokens};
use std::collections::BTreeSet;

/// How a generic parameter is mentioned: `T`, `N`, or `'a` (with its quote).
pub(crate) type Name = String;

/// What came just before a token, as far as paths are concerned.
#[derive(Clone, Copy, Default)]
struct Before {
    /// The previous token was a `:` joined to the next one (the first half of `::`).
    joint_colon: bool,
    /// The previous two tokens were `::`, or the previous one was `.`: the next
    /// identifier is a path segment or a field, not a name of its own.
    qualified: bool,
    /// The previous token was the quote of a lifetime.
    quote: bool,
}

impl Before {
    fn next(self, tt: &TokenTree) -> Before {
        match tt {
            TokenTree::Punct(p) => Before {
                joint_colon: p.as_char() == ':' && p.spacing() == Spacing::Joint,
                qualified: (p.as_char() == ':' && self.joint_colon) || p.as_char() == '.',
                quote: p.as_char() == '\'',
            },
            _ => Before::default(),
        }
    }
}

/// The generic parameter names (from `declared`) that `tokens` mentions. A name after
/// `::` or `.` is a path segment or a field, not the parameter (`other::T`, `x.N`).
pub(crate) fn mentions(tokens: &impl ToTokens, declared: &BTreeSet<Name>) -> BTreeSet<Name> {
    let mut found = BTreeSet::new();
    walk_mentions(tokens.to_token_stream(), declared, &mut found);
    found
}

fn walk_mentions(tokens: TokenStream, declared: &BTreeSet<Name>, found: &mut BTreeSet<Name>) {
    let mut before = Before::default();
    for tt in tokens {
        match &tt {
            TokenTree::Group(g) => walk_mentions(g.stream(), declared, found),
            TokenTree::Ident(i) if !before.qualified => {
                let name = if before.quote {
                    format!("'{i}")
                } else {
                    i.to_string()
                };
                if declared.contains(&name) {
                    found.insert(name);
                }
            }
            _ => {}
        }
        before = before.next(&tt);
    }
}

/// The identifiers of `tokens` that start a path or stand alone (not after `::` or `.`).
pub(crate) fn leading_idents(tokens: &impl ToTokens) -> Vec<Ident> {
    let mut out = Vec::new();
    walk_leading(tokens.to_token_stream(), &mut out);
    out
}

fn walk_leading(tokens: TokenStream, out: &mut Vec<Ident>) {
    let mut before = Before::default();
    for tt in tokens {
        match &tt {
            TokenTree::Group(g) => walk_leading(g.stream(), out),
            TokenTree::Ident(i) if !before.qualified && !before.quote => out.push(i.clone()),
            _ => {}
        }
        before = before.next(&tt);
    }
}

/// Rewrites paths that start with `self` or `super` for use one module further down
/// (inside the module `#[differentiable]` generates): `self::X` becomes `super::X` and
/// `super::X` becomes `super::super::X`.
pub(crate) fn reroot(tokens: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut before = Before::default();
    for tt in tokens {
        let next = before.next(&tt);
        match tt {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), reroot(g.stream()));
                group.set_span(g.span());
                out.extend([TokenTree::Group(group)]);
            }
            TokenTree::Ident(i) if !before.qualified && i == "self" => {
                out.extend([TokenTree::Ident(Ident::new("super", i.span()))]);
            }
            TokenTree::Ident(i) if !before.qualified && i == "super" => {
                let span = i.span();
                out.extend(quote_spanned!(span=> super::super));
            }
            other => out.extend([other]),
        }
        before = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn names(list: &[&str]) -> BTreeSet<Name> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mentions_skip_path_segments_and_find_lifetimes() {
        let declared = names(&["T", "N", "'a", "B"]);
        let ty = quote!(&'a Tensor<(T, other::B, D<N>)>);
        assert_eq!(mentions(&ty, &declared), names(&["'a", "N", "T"]));
        assert_eq!(mentions(&quote!(dim!(N)), &declared), names(&["N"]));
    }

    #[test]
    fn reroot_moves_relative_paths_one_module_down() {
        let out = reroot(quote!(self::A<super::B, crate::C, x::self_>));
        assert_eq!(
            out.to_string(),
            quote!(super::A<super::super::B, crate::C, x::self_>).to_string()
        );
    }

    #[test]
    fn leading_idents_are_path_starts() {
        let ids: Vec<String> = leading_idents(&quote!(a::Grads<Inputs, 'x>))
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(ids, ["a", "Inputs"]);
    }
}
