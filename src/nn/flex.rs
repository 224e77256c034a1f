//! Generic layers computing on `Dyn` views of their typed tensors.
//!
//! The compiler proves a shape rule (broadcasting, matmul) from concrete dimensions only: in
//! code generic over `I: Dim`, `x.matmul(&w)` needs `where` clauses, and so would every
//! caller of such a layer. The layers therefore take and return typed tensors (their
//! signatures are what the compiler checks) and compute on the same tensors seen with
//! `Dyn` dimensions, whose rules hold for every size and are checked when the op runs.
//! [`Tensor::into_shape`] only changes the type (no copy, no graph node), and its check
//! cannot fail here: the sizes come from tensors whose types already agree.

use crate::shape::rules::{BroadcastShapes, ReduceAxis};
use crate::{Dyn, Element, Float, Shape, Tensor};

/// The same tensor under the shape type `S2`, whose sizes it is known to fit.
pub(crate) fn retype<S: Shape, S2: Shape, E: Element>(t: &Tensor<S, E>) -> Tensor<S2, E> {
    t.clone()
        .into_shape()
        .expect("a layer's result has the sizes its type promises")
}

/// Every element, in a vector (a node on the graph that reshapes, no copy).
pub(crate) fn flat<S: Shape, E: Float>(t: &Tensor<S, E>) -> Tensor<(Dyn,), E> {
    match S::RANK {
        0 => retype::<S, (), E>(t).reshape(),
        1 => retype(t),
        2 => retype::<S, (Dyn, Dyn), E>(t).reshape(),
        3 => retype::<S, (Dyn, Dyn, Dyn), E>(t).reshape(),
        _ => retype::<S, (Dyn, Dyn, Dyn, Dyn), E>(t).reshape(),
    }
}

/// `a * b`, element-wise, for two tensors of one shape type.
pub(crate) fn mul_same<S: Shape, E: Float>(a: &Tensor<S, E>, b: &Tensor<S, E>) -> Tensor<S, E> {
    fn on<F, S, E>(a: &Tensor<S, E>, b: &Tensor<S, E>) -> Tensor<S, E>
    where
        F: BroadcastShapes<F, Out = F>,
        S: Shape,
        E: Float,
    {
        retype(&(retype::<S, F, E>(a) * retype::<S, F, E>(b)))
    }
    match S::RANK {
        0 => on::<(), S, E>(a, b),
        1 => on::<(Dyn,), S, E>(a, b),
        2 => on::<(Dyn, Dyn), S, E>(a, b),
        3 => on::<(Dyn, Dyn, Dyn), S, E>(a, b),
        _ => on::<(Dyn, Dyn, Dyn, Dyn), S, E>(a, b),
    }
}

/// Layer normalization over the last axis: `(x - mean) / sqrt(var + eps) * weight + bias`,
/// with the mean and the biased variance of each lane, and `weight`, `bias` of the last
/// axis's size.
///
/// # Panics
/// On a rank-0 tensor (callers take shapes of rank 1 to 4).
pub(crate) fn layer_norm<S: Shape, E: Float>(
    x: &Tensor<S, E>,
    weight: &Tensor<(Dyn,), E>,
    bias: &Tensor<(Dyn,), E>,
    eps: E,
) -> Tensor<S, E> {
    fn on<F, const AX: usize, S, E>(
        x: &Tensor<S, E>,
        weight: &Tensor<(Dyn,), E>,
        bias: &Tensor<(Dyn,), E>,
        eps: E,
    ) -> Tensor<S, E>
    where
        F: ReduceAxis<AX>
            + BroadcastShapes<<F as ReduceAxis<AX>>::Kept, Out = F>
            + BroadcastShapes<(Dyn,), Out = F>,
        S: Shape,
        E: Float,
    {
        let x = retype::<S, F, E>(x);
        let centered = &x - x.mean_axis_keep::<AX>();
        let var = centered.square().mean_axis_keep::<AX>();
        let normed = centered / (var + eps).sqrt();
        retype(&(normed * weight + bias))
    }
    match S::RANK {
        1 => on::<(Dyn,), 0, S, E>(x, weight, bias, eps),
        2 => on::<(Dyn, Dyn), 1, S, E>(x, weight, bias, eps),
        3 => on::<(Dyn, Dyn, Dyn), 2, S, E>(x, weight, bias, eps),
        4 => on::<(Dyn, Dyn, Dyn, Dyn), 3, S, E>(x, weight, bias, eps),
        _ => panic!("layer_norm: a tensor of rank 0 has no last axis"),
    }
}
