//! Token plumbing: operands put into an expression template, with the spans of the
//! user's tokens they stand for.

use proc_macro2::{Group, Span, TokenStream};

/// A reference's place: `x` for `&x`, and `x` for `x` (a `&Tensor` argument, which a
/// method call dereferences).
pub(super) fn place(r: &TokenStream) -> TokenStream {
    let mut tokens = r.clone().into_iter().peekable();
    match tokens.peek() {
        Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '&' => {
            tokens.next();
            tokens.collect()
        }
        _ => r.clone(),
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut ng = Group::new(g.delimiter(), respan(g.stream(), span));
                ng.set_span(span);
                tt = proc_macro2::TokenTree::Group(ng);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `template` with each hole (`__ad_ref`, `__ad_recv`) replaced by the next operand's
/// reference or place.
pub(super) fn fill(
    template: TokenStream,
    refs: &mut impl Iterator<Item = (TokenStream, TokenStream)>,
) -> TokenStream {
    let mut out = TokenStream::new();
    for tt in template {
        match tt {
            proc_macro2::TokenTree::Ident(i) if i == "__ad_ref" || i == "__ad_recv" => {
                let (r, p) = refs.next().expect("one operand per hole");
                out.extend(respan(if i == "__ad_ref" { r } else { p }, i.span()));
            }
            proc_macro2::TokenTree::Group(g) => {
                let inner = fill(g.stream(), refs);
                let mut ng = proc_macro2::Group::new(g.delimiter(), inner);
                ng.set_span(g.span());
                out.extend(std::iter::once(proc_macro2::TokenTree::Group(ng)));
            }
            tt => out.extend(std::iter::once(tt)),
        }
    }
    out
}
