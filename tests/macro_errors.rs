//! Every compile error of `#[differentiable]` and `#[derive(Differentiable)]`, and misuse of
//! the generated API, with the messages pinned in `.stderr` files; and a crate that denies
//! warnings and missing docs, which the generated code must pass.

#[test]
fn macro_misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/macros/*.rs");
    t.pass("tests/ui/macros/pass/*.rs");
}
