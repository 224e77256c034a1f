//! Writes the table that maps each nominal dimension `D<N>` (N < 2^TABLE_BITS) to its
//! typenum number and back. Sizes from 2^TABLE_BITS up are plain typenum numbers (see
//! `shape/dim.rs`), so the table stays small while every size remains writable.

use std::fmt::Write as _;
use std::{env, fs, path::PathBuf};

/// Must match `shape::dim::TABLE_BITS`.
const TABLE_BITS: u32 = 12;

fn typenum_of(n: usize) -> String {
    if n == 0 {
        return "UTerm".to_string();
    }
    let mut ty = "UTerm".to_string();
    for bit in (0..usize::BITS - n.leading_zeros()).rev() {
        let b = if n >> bit & 1 == 1 { "B1" } else { "B0" };
        ty = format!("UInt<{ty}, {b}>");
    }
    ty
}

fn main() {
    let mut out = String::new();
    for n in 0..(1usize << TABLE_BITS) {
        let tn = typenum_of(n);
        writeln!(
            out,
            "impl ConstDim for D<{n}> {{ const SIZE: usize = {n}; type Tn = {tn}; }}"
        )
        .unwrap();
        writeln!(out, "impl ToDim for {tn} {{ type Dim = D<{n}>; }}").unwrap();
    }
    let dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(dir.join("dim_table.rs"), out).unwrap();

    // Aliases U0..=U1024 (as typenum names them), then powers of two up to 2^20.
    let mut aliases = String::new();
    let powers = (11..=20).map(|p| 1usize << p);
    for n in (0..=1024).chain(powers) {
        let ty = if n < 1 << TABLE_BITS {
            format!("D<{n}>")
        } else {
            typenum_of(n)
        };
        writeln!(
            aliases,
            "/// The dimension of size {n}.\npub type U{n} = {ty};"
        )
        .unwrap();
    }
    fs::write(dir.join("dim_aliases.rs"), aliases).unwrap();
    fs::write(dir.join("rule_table.rs"), rule_table()).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}

/// `(X0, X1, ...)` for the given names (a one-tuple keeps its comma).
fn tuple(items: &[String]) -> String {
    match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

fn names(prefix: &str, rank: usize) -> Vec<String> {
    (0..rank).map(|i| format!("{prefix}{i}")).collect()
}

fn generics(groups: &[&[String]]) -> String {
    let all: Vec<String> = groups
        .iter()
        .flat_map(|g| g.iter().map(|n| format!("{n}: Dim")))
        .collect();
    all.join(", ")
}

/// Shape-level impls of the rules in `shape/rules.rs`, one per rank (and axis).
fn rule_table() -> String {
    let mut out = String::new();
    // Broadcasting: align from the right; a missing dimension takes the other side's.
    for rl in 0..=4 {
        for rr in 0..=4 {
            let (l, r) = (names("L", rl), names("R", rr));
            let rank = rl.max(rr);
            let mut dims = Vec::new();
            let mut bounds = Vec::new();
            for k in 0..rank {
                let li = (k + rl).checked_sub(rank);
                let ri = (k + rr).checked_sub(rank);
                dims.push(match (li, ri) {
                    (Some(i), Some(j)) => {
                        bounds.push(format!("L{i}: BroadcastDim<R{j}>"));
                        format!("<L{i} as BroadcastDim<R{j}>>::Out")
                    }
                    (Some(i), None) => format!("L{i}"),
                    (None, Some(j)) => format!("R{j}"),
                    (None, None) => unreachable!(),
                });
            }
            let out_ty = if rank == 0 {
                "()".to_string()
            } else {
                tuple(&dims)
            };
            let lt = if rl == 0 { "()".to_string() } else { tuple(&l) };
            let rt = if rr == 0 { "()".to_string() } else { tuple(&r) };
            writeln!(
                out,
                "impl<{}> BroadcastShapes<{rt}> for {lt} where {} {{ type Out = {out_ty}; }}",
                generics(&[&l, &r]),
                bounds.join(", ")
            )
            .unwrap();
        }
    }
    for rank in 1..=4 {
        let l = names("L", rank);
        let r = names("R", rank);
        for ax in 0..rank {
            // Reductions.
            let removed: Vec<String> = l
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != ax)
                .map(|(_, n)| n.clone())
                .collect();
            let removed = if removed.is_empty() {
                "()".to_string()
            } else {
                tuple(&removed)
            };
            let mut kept = l.clone();
            kept[ax] = "D<1>".to_string();
            writeln!(
                out,
                "impl<{}> ReduceAxis<{ax}> for {} {{ type Removed = {removed}; type Kept = {}; type Axis = L{ax}; }}",
                generics(&[&l]),
                tuple(&l),
                tuple(&kept)
            )
            .unwrap();
            // Concatenation.
            let mut dims = Vec::new();
            let mut bounds = Vec::new();
            for i in 0..rank {
                let rule = if i == ax { "DimAdd" } else { "ConcatOther" };
                bounds.push(format!("L{i}: {rule}<R{i}>"));
                dims.push(format!("<L{i} as {rule}<R{i}>>::Out"));
            }
            writeln!(
                out,
                "impl<{}> ConcatAlong<{}, {ax}> for {} where {} {{ type Out = {}; }}",
                generics(&[&l, &r]),
                tuple(&r),
                tuple(&l),
                bounds.join(", "),
                tuple(&dims)
            )
            .unwrap();
            // Slicing.
            let mut sliced = l.clone();
            sliced[ax] = format!("<L{ax} as SliceDim<START, END>>::Out");
            writeln!(
                out,
                "impl<{}, const START: usize, const END: usize> SliceAlong<{ax}, START, END> for {} where L{ax}: SliceDim<START, END> {{ type Out = {}; }}",
                generics(&[&l]),
                tuple(&l),
                tuple(&sliced)
            )
            .unwrap();
        }
        // Permutations of the axes.
        if rank >= 2 {
            for perm in permutations(rank) {
                let args: Vec<String> = perm.iter().map(|p| p.to_string()).collect();
                let dims: Vec<String> = perm.iter().map(|&p| l[p].clone()).collect();
                writeln!(
                    out,
                    "impl<{}> Permute{rank}<{}> for {} {{ type Out = {}; }}",
                    generics(&[&l]),
                    args.join(", "),
                    tuple(&l),
                    tuple(&dims)
                )
                .unwrap();
            }
        }
    }
    out
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut all = Vec::new();
    for p in permutations(n - 1) {
        for pos in 0..=p.len() {
            let mut q = p.clone();
            q.insert(pos, n - 1);
            all.push(q);
        }
    }
    all.sort();
    all
}
