//! Shape rules that must compile, with the shapes they compute pinned by type annotations.
//! The failing side of each rule is in `tests/ui/shapes` (see `shape_errors.rs`).

use autodiff::prelude::*;
use autodiff::shape::rules::{ConcatAlong, Permute3, ReduceAxis, SliceAlong};
use std::marker::PhantomData;

fn vec_of(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32).collect()
}

#[test]
fn bias_row_broadcasts_over_a_batch() {
    // (B, O) + (O,): the bias is added to every row.
    let x = Tensor::<(U2, U3)>::from_vec(vec_of(6)).unwrap();
    let bias = Tensor::<(U3,)>::from_vec(vec![10., 20., 30.]).unwrap();
    let y: Tensor<(U2, U3)> = &x + &bias;
    assert_eq!(y.to_vec(), vec![10., 21., 32., 13., 24., 35.]);
    // The operand order does not matter.
    let y2: Tensor<(U2, U3)> = bias + x;
    assert_eq!(y2.to_vec(), y.to_vec());
}

#[test]
fn column_times_row_is_an_outer_product() {
    // (B, 1) * (1, N) -> (B, N).
    let col = Tensor::<(U3, U1)>::from_vec(vec![1., 2., 3.]).unwrap();
    let row = Tensor::<(U1, U2)>::from_vec(vec![10., 100.]).unwrap();
    let outer: Tensor<(U3, U2)> = &col * &row;
    assert_eq!(outer.to_vec(), vec![10., 100., 20., 200., 30., 300.]);
}

#[test]
fn a_scalar_broadcasts_with_any_shape() {
    let s = Tensor::<()>::full(2.);
    let v: Tensor<(U3,)> = &s * &Tensor::<(U3,)>::ones();
    let m: Tensor<(U2, U3)> = &Tensor::<(U2, U3)>::ones() - &s;
    let b: Tensor<(U2, U2, U2, U2)> = &s + &Tensor::<(U2, U2, U2, U2)>::zeros();
    let ss: Tensor<()> = &s / &s;
    assert_eq!(v.to_vec(), vec![2.; 3]);
    assert_eq!(m.to_vec(), vec![-1.; 6]);
    assert_eq!(b.to_vec(), vec![2.; 16]);
    assert_eq!(ss.item(), 1.);
    // Plain numbers on either side.
    let t: Tensor<(U2,)> = 3.0 * Tensor::<(U2,)>::ones() + 1.0;
    assert_eq!(t.to_vec(), vec![4., 4.]);
}

#[test]
fn a_dyn_batch_meets_static_dims() {
    let x = Tensor::<(Dyn, U3)>::from_shape_vec((Dyn(2), U3::default()), vec_of(6)).unwrap();
    let bias = Tensor::<(U3,)>::ones();
    let y: Tensor<(Dyn, U3)> = &x + &bias;
    assert_eq!(y.shape(), (Dyn(2), U3::default()));
    let w = Tensor::<(U3, U4)>::ones();
    let h: Tensor<(Dyn, U4)> = y.matmul(&w);
    assert_eq!(&*h.dims(), &[2, 4]);
    assert_eq!(h.to_vec(), vec![6., 6., 6., 6., 15., 15., 15., 15.]);
    // A `Dyn` against a compile-time size other than 1 takes the compile-time size.
    let fixed = Tensor::<(U2, U3)>::zeros();
    let z: Tensor<(U2, U3)> = &x + &fixed;
    assert_eq!(z.to_vec(), x.to_vec());
}

#[test]
#[should_panic(expected = "add: shapes [5, 3] and [2, 3] cannot be broadcast together")]
fn a_dyn_size_that_does_not_broadcast_panics_naming_both_shapes() {
    let x = Tensor::<(Dyn, U3)>::zeros_shaped((Dyn(5), U3::default()));
    let _ = &x + &Tensor::<(U2, U3)>::zeros();
}

#[test]
#[should_panic(expected = "matmul: shapes [2, 3] and [4, 2] do not chain")]
fn a_dyn_inner_dim_that_differs_panics_naming_both_shapes() {
    let a = Tensor::<(U2, Dyn)>::zeros_shaped((U2::default(), Dyn(3)));
    let b = Tensor::<(Dyn, U2)>::zeros_shaped((Dyn(4), U2::default()));
    let _ = a.matmul(&b);
}

#[test]
fn every_matmul_form() {
    let a = Tensor::<(U2, U3)>::from_vec(vec_of(6)).unwrap();
    let b = Tensor::<(U3, U2)>::ones();
    let v = Tensor::<(U3,)>::ones();
    let mm: Tensor<(U2, U2)> = a.matmul(&b);
    assert_eq!(mm.to_vec(), vec![3., 3., 12., 12.]);
    let mv: Tensor<(U2,)> = a.matmul(&v);
    assert_eq!(mv.to_vec(), vec![3., 12.]);
    let vm: Tensor<(U2,)> = v.matmul(&b);
    assert_eq!(vm.to_vec(), vec![3., 3.]);
    let dot: Tensor<()> = v.matmul(&v);
    assert_eq!(dot.item(), 3.);

    let batch = Tensor::<(U4, U2, U3)>::ones();
    let bb: Tensor<(U4, U2, U2)> = batch.matmul(&Tensor::<(U4, U3, U2)>::ones());
    assert_eq!(bb.to_vec(), vec![3.; 16]);
    let shared: Tensor<(U4, U2, U2)> = batch.matmul(&b);
    assert_eq!(shared.to_vec(), vec![3.; 16]);

    let at: Tensor<(U3, U2)> = a.t();
    let gram: Tensor<(U3, U3)> = at.matmul(&a);
    assert_eq!(gram.numel(), 9);
}

#[test]
fn sizes_beyond_the_table_with_dim() {
    // Named through aliases: spelled inline, a typenum number trips clippy's
    // `type_complexity` in a `let` annotation.
    type Big = dim!(5000);
    type Vocab = dim!(50257);
    let a = Tensor::<(Big,)>::ones();
    let b: Tensor<(Big,)> = &a + &a;
    assert_eq!(b.numel(), 5000);
    assert!(b.to_vec().iter().all(|&x| x == 2.));
    // A large vocabulary next to a table dimension: (2, 50257) + (50257,).
    let logits = Tensor::<(U2, Vocab)>::zeros();
    let bias = Tensor::<(dim!(50257),)>::ones();
    let out: Tensor<(U2, Vocab)> = &logits + &bias;
    assert_eq!(&*out.dims(), &[2, 50257]);
    // `dim!` below 4096 is the same type as the alias.
    let _: Tensor<(dim!(3),)> = Tensor::<(U3,)>::zeros();
}

#[test]
fn reshape_keeps_the_element_count() {
    let t = Tensor::<(U2, U3)>::from_vec(vec_of(6)).unwrap();
    let flat: Tensor<(U6,)> = t.reshape();
    let back: Tensor<(U3, U2)> = flat.reshape();
    assert_eq!(back.to_vec(), vec_of(6));
    let _: Tensor<(U1, U2, U3, U1)> = t.reshape();
    // With a `Dyn` on either side the count is checked when the op runs; a `Dyn` of the
    // target takes the size that makes the counts match.
    let rows: Tensor<(Dyn, U2)> = t.reshape();
    assert_eq!(&*rows.dims(), &[3, 2]);
    let x = Tensor::<(Dyn, U3)>::zeros_shaped((Dyn(2), U3::default()));
    let _: Tensor<(U6,)> = x.reshape();
}

#[test]
#[should_panic(expected = "reshape: [2, 3] (6 elements) cannot be reshaped to")]
fn a_dyn_reshape_whose_count_differs_panics() {
    let x = Tensor::<(Dyn, U3)>::zeros_shaped((Dyn(2), U3::default()));
    let _ = x.reshape::<(U4,)>();
}

/// The output type of a rule whose tensor method may not exist yet, for annotations.
fn concat<L: ConcatAlong<R, AX>, R: Shape, const AX: usize>() -> PhantomData<L::Out> {
    PhantomData
}
fn reduce<S: ReduceAxis<AX>, const AX: usize>() -> PhantomData<(S::Removed, S::Kept)> {
    PhantomData
}
fn slice<S: SliceAlong<AX, START, END>, const AX: usize, const START: usize, const END: usize>(
) -> PhantomData<S::Out> {
    PhantomData
}
fn permute3<S: Permute3<P0, P1, P2>, const P0: usize, const P1: usize, const P2: usize>(
) -> PhantomData<S::Out> {
    PhantomData
}

#[test]
fn rules_of_ops_still_being_written() {
    // Concatenation adds along the axis through typenum: 1000 + 24 = 1024.
    let _: PhantomData<(U2, U1024)> = concat::<(U2, D<1000>), (U2, D<24>), 1>();
    let _: PhantomData<(Dyn, U3)> = concat::<(Dyn, U3), (U4, U3), 0>();
    let _: PhantomData<((U2,), (U2, U1))> = reduce::<(U2, U3), 1>();
    let _: PhantomData<((), (U1,))> = reduce::<(U5,), 0>();
    let _: PhantomData<(U2, U3)> = slice::<(U2, U10), 1, 4, 7>();
    let _: PhantomData<(U4, U2, U3)> = permute3::<(U2, U3, U4), 2, 0, 1>();
}
