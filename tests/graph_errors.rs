//! Misuse of graphs that the compiler rejects, with the messages pinned in `.stderr` files.

#[test]
fn graph_misuse_does_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/graph/*.rs");
}
