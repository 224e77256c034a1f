//! The concatenation kernel: for each `outer` position, `a`'s block then `b`'s.

use crate::ops::slice::kernel::{split_at_axis, with_axis};
use crate::tensor::raw::RawTensor;
use crate::Element;

/// `a` and `b` joined along `axis`.
///
/// # Panics
/// When the ranks or the sizes off `axis` differ (only `Dyn` dimensions can get here);
/// the message names the op and both shapes.
pub(crate) fn concat<E: Element>(a: &RawTensor<E>, b: &RawTensor<E>, axis: usize) -> RawTensor<E> {
    let (da, db) = (a.dims, b.dims);
    let agree = da.len() == db.len()
        && axis < da.len()
        && (0..da.len()).all(|i| i == axis || da[i] == db[i]);
    if !agree {
        panic!("concat: shapes {da:?} and {db:?} differ off axis {axis}");
    }
    let (outer, na, inner) = split_at_axis(da, axis);
    let nb = db[axis];
    let (x, y) = (a.as_slice(), b.as_slice());
    let mut out = Vec::with_capacity(x.len() + y.len());
    for o in 0..outer {
        out.extend_from_slice(&x[o * na * inner..(o + 1) * na * inner]);
        out.extend_from_slice(&y[o * nb * inner..(o + 1) * nb * inner]);
    }
    RawTensor::new(with_axis(da, axis, na + nb), out)
}
