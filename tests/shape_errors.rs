//! Compile-time shape errors: each case in `tests/ui/shapes` must fail to compile with the
//! message pinned in its `.stderr` file. Regenerate with `TRYBUILD=overwrite` and review
//! the diff like code.

#[test]
fn shape_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/shapes/*.rs");
}
