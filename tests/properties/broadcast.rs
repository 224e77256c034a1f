//! Broadcasting.

use super::*;

/// A property of a pair of tensors, run with the pair's ranks as `Dyn` shapes.
trait PairCheck {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(pair: &Pair) -> Outcome;
}

/// Runs `C` with the shape types of the pair's ranks.
fn for_ranks<C: PairCheck, E: Real>(p: &Pair) -> Outcome {
    match (p.left.len(), p.right.len()) {
        (1, 1) => C::run::<R1, R1, E>(p),
        (1, 2) => C::run::<R1, R2, E>(p),
        (1, 3) => C::run::<R1, R3, E>(p),
        (1, 4) => C::run::<R1, R4, E>(p),
        (2, 1) => C::run::<R2, R1, E>(p),
        (2, 2) => C::run::<R2, R2, E>(p),
        (2, 3) => C::run::<R2, R3, E>(p),
        (2, 4) => C::run::<R2, R4, E>(p),
        (3, 1) => C::run::<R3, R1, E>(p),
        (3, 2) => C::run::<R3, R2, E>(p),
        (3, 3) => C::run::<R3, R3, E>(p),
        (3, 4) => C::run::<R3, R4, E>(p),
        (4, 1) => C::run::<R4, R1, E>(p),
        (4, 2) => C::run::<R4, R2, E>(p),
        (4, 3) => C::run::<R4, R3, E>(p),
        (4, 4) => C::run::<R4, R4, E>(p),
        ranks => unreachable!("ranks {ranks:?}"),
    }
}

/// The reference of a binary op, in f64.
type Scalar = fn(f64, f64) -> f64;

/// `+ - * / minimum maximum` equal the scalar op at every broadcast position.
struct Elementwise;

impl PairCheck for Elementwise {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(p: &Pair) -> Outcome {
        let a = tensor::<S1, E>(&p.left, &p.a);
        let b = tensor::<S2, E>(&p.right, &p.b);
        let (xa, xb) = (values(&a), values(&b));
        let out = broadcast_shape(&p.left, &p.right);
        let check = |op: &str, got: Tensor<S1::Out, E>, f: Scalar| {
            let want: Vec<f64> = indices(&out)
                .iter()
                .map(|i| {
                    f(
                        xa[broadcast_offset(i, &p.left)],
                        xb[broadcast_offset(i, &p.right)],
                    )
                })
                .collect();
            check_tensor(op, &got, &out, &want, &want)
        };
        check("add", &a + &b, |x, y| x + y)?;
        check("sub", &a - &b, |x, y| x - y)?;
        check("mul", &a * &b, |x, y| x * y)?;
        check("div", &a / &b, |x, y| x / y)?;
        check("minimum", a.minimum(&b), f64::min)?;
        check("maximum", a.maximum(&b), f64::max)
    }
}

/// Every binary op panics on a pair that does not broadcast, naming itself and both shapes.
struct Mismatch;

impl PairCheck for Mismatch {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(p: &Pair) -> Outcome {
        let a = tensor::<S1, E>(&p.left, &p.a);
        let b = tensor::<S2, E>(&p.right, &p.b);
        let (l, r) = (&p.left, &p.right);
        let check = |op: &str, f: &dyn Fn() -> Tensor<S1::Out, E>| {
            let message = format!("{op}: shapes {l:?} and {r:?} cannot be broadcast together");
            check_panics(op, &message, || drop(f()))
        };
        check("add", &|| &a + &b)?;
        check("sub", &|| &a - &b)?;
        check("mul", &|| &a * &b)?;
        check("div", &|| &a / &b)?;
        check("minimum", &|| a.minimum(&b))?;
        check("maximum", &|| a.maximum(&b))
    }
}

/// The gradient of `sum(a * b)`: `b` summed over the dimensions `a` was broadcast along
/// (and the same for `b`), accumulated by a loop over the output positions.
struct MulGradient;

impl PairCheck for MulGradient {
    fn run<S1: BroadcastShapes<S2>, S2: Shape, E: Real>(p: &Pair) -> Outcome {
        let a = tensor::<S1, E>(&p.left, &p.a);
        let b = tensor::<S2, E>(&p.right, &p.b);
        let (xa, xb) = (values(&a), values(&b));
        let (ga, gb) = vjp(&(a, b), |(a, b)| (&a * &b).sum()).1.backward();
        let (mut want_a, mut scale_a) = (vec![0.0; xa.len()], vec![0.0; xa.len()]);
        let (mut want_b, mut scale_b) = (vec![0.0; xb.len()], vec![0.0; xb.len()]);
        for i in indices(&broadcast_shape(&p.left, &p.right)) {
            let (ia, ib) = (
                broadcast_offset(&i, &p.left),
                broadcast_offset(&i, &p.right),
            );
            want_a[ia] += xb[ib];
            scale_a[ia] += xb[ib].abs();
            want_b[ib] += xa[ia];
            scale_b[ib] += xa[ia].abs();
        }
        check_tensor("d/da", &ga, &p.left, &want_a, &scale_a)?;
        check_tensor("d/db", &gb, &p.right, &want_b, &scale_b)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn broadcasting_ops_match_the_reference_f32(p in pair()) {
        for_ranks::<Elementwise, f32>(&p)?;
    }

    #[test]
    fn broadcasting_ops_match_the_reference_f64(p in pair()) {
        for_ranks::<Elementwise, f64>(&p)?;
    }

    #[test]
    fn shapes_that_do_not_broadcast_panic_naming_the_op(p in mismatched_pair()) {
        for_ranks::<Mismatch, f32>(&p)?;
        for_ranks::<Mismatch, f64>(&p)?;
    }

    #[test]
    fn gradient_of_a_broadcast_product_sums_the_other_operand(p in pair()) {
        for_ranks::<MulGradient, f64>(&p)?;
    }
}
