//! `#[differentiable]`: parse and check the function (`ast`), then expand it (`expand`);
//! on an error, emit the error and the function as written (`fallback`), so the mistake
//! gives one message and the rest of the crate still sees `f`.

mod ast;
mod compile;
mod expand;
mod fallback;

use proc_macro2::TokenStream;
use syn::ItemFn;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => return fallback::not_a_function(item),
    };
    match ast::Func::parse(attr, &func) {
        Ok(parsed) => expand::expand(&parsed),
        Err(e) => fallback::with_error(e, &func),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Delimiter, TokenStream, TokenTree};
    use quote::ToTokens;

    /// The first ```rust block after `marker` in `doc`, without rustdoc's hidden lines.
    fn code_after(doc: &str, marker: &str) -> String {
        let start = doc.find(marker).expect("the marker is in the guide");
        let block = &doc[start..];
        let open = block
            .find("```rust\n")
            .expect("a rust block follows the marker")
            + 8;
        let close = block[open..].find("\n```").expect("the block ends") + open;
        block[open..close]
            .lines()
            .filter(|l| !(l.starts_with("# ") || *l == "#"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `tokens` as a flat list of token texts, without `#[doc = ..]` attributes (the
    /// guide wraps doc text), punctuation spacing, or commas before a closing delimiter
    /// or the `>` of generic arguments (rustfmt adds them).
    fn normalized(tokens: TokenStream) -> Vec<String> {
        fn walk(tokens: TokenStream, out: &mut Vec<String>) {
            let mut iter = tokens.into_iter().peekable();
            while let Some(tt) = iter.next() {
                match tt {
                    TokenTree::Punct(p) if p.as_char() == '#' => {
                        if let Some(TokenTree::Group(g)) = iter.peek() {
                            if g.stream().to_string().starts_with("doc") {
                                iter.next();
                                continue;
                            }
                        }
                        out.push("#".into());
                    }
                    TokenTree::Group(g) => {
                        let (open, close) = match g.delimiter() {
                            Delimiter::Parenthesis => ("(", ")"),
                            Delimiter::Brace => ("{", "}"),
                            Delimiter::Bracket => ("[", "]"),
                            Delimiter::None => ("", ""),
                        };
                        out.push(open.into());
                        walk(g.stream(), out);
                        if out.last().is_some_and(|t| t == ",") {
                            out.pop();
                        }
                        out.push(close.into());
                    }
                    TokenTree::Punct(p) if p.as_char() == '>' => {
                        if out.last().is_some_and(|t| t == ",") {
                            out.pop();
                        }
                        out.push(">".into());
                    }
                    other => out.push(other.to_string()),
                }
            }
        }
        let mut out = Vec::new();
        walk(tokens, &mut out);
        out
    }

    /// The expansion shown in `docs/macros.md` is what the macro generates today.
    #[test]
    fn documented_expansion_is_current() {
        let doc = include_str!("../../../docs/macros.md");
        let mut item: syn::ItemFn =
            syn::parse_str(&code_after(doc, "<!-- expansion-input -->")).expect("a function");
        item.attrs.retain(|a| !a.path().is_ident("differentiable"));
        let expanded = super::expand(TokenStream::new(), item.to_token_stream());
        let documented: TokenStream = code_after(doc, "<!-- expansion-output -->")
            .parse()
            .expect("the documented expansion parses");
        assert_eq!(
            normalized(expanded).join(" "),
            normalized(documented).join(" "),
            "docs/macros.md shows an outdated expansion: regenerate it (see the guide)"
        );
    }
}
