use core::fmt;
use core::ops::Deref;

/// The run-time sizes of a shape (at most four), stored inline.
///
/// ```
/// use autodiff_core::Dims;
/// let d = Dims::new(&[2, 3]);
/// assert_eq!(&*d, &[2, 3]);
/// assert_eq!(format!("{d:?}"), "[2, 3]");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dims {
    len: u8,
    /// The sizes, then 1s: [`Dims::numel`] multiplies all four without a loop.
    sizes: [usize; 4],
}

impl Dims {
    /// The largest rank a shape may have.
    pub const MAX_RANK: usize = 4;

    /// Sizes from a slice of at most four.
    ///
    /// ```
    /// use autodiff_core::Dims;
    /// assert_eq!(Dims::new(&[2, 3]).len(), 2);
    /// ```
    ///
    /// # Panics
    /// If `sizes` has more than four entries.
    #[inline]
    pub fn new(sizes: &[usize]) -> Self {
        assert!(
            sizes.len() <= Self::MAX_RANK,
            "shapes have at most four dimensions"
        );
        let mut out = [1; 4];
        out[..sizes.len()].copy_from_slice(sizes);
        Dims {
            len: sizes.len() as u8,
            sizes: out,
        }
    }

    /// The number of elements of a tensor with these sizes.
    ///
    /// ```
    /// use autodiff_core::Dims;
    /// assert_eq!(Dims::new(&[2, 3, 4]).numel(), 24);
    /// assert_eq!(Dims::new(&[]).numel(), 1); // a scalar
    /// ```
    #[inline]
    pub fn numel(&self) -> usize {
        let [a, b, c, d] = self.sizes;
        a * b * c * d
    }

    /// Row-major strides (elements to skip per step along each dimension).
    ///
    /// ```
    /// use autodiff_core::Dims;
    /// assert_eq!(&*Dims::new(&[2, 3, 4]).strides(), &[12, 4, 1]);
    /// ```
    #[inline]
    pub fn strides(&self) -> Dims {
        let mut s = [1; 4];
        let mut acc = 1;
        for i in (0..self.len()).rev() {
            s[i] = acc;
            acc *= self.sizes[i];
        }
        Dims {
            len: self.len,
            sizes: s,
        }
    }
}

impl Deref for Dims {
    type Target = [usize];
    #[inline]
    fn deref(&self) -> &[usize] {
        &self.sizes[..self.len as usize]
    }
}

impl fmt::Debug for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numel_and_strides_ignore_the_unused_slots() {
        for sizes in [&[][..], &[0], &[3], &[2, 0, 5], &[2, 3], &[1, 4, 1, 2]] {
            let d = Dims::new(sizes);
            assert_eq!(&*d, sizes);
            assert_eq!(d.numel(), sizes.iter().product::<usize>());
            let s = d.strides();
            assert_eq!(s.len(), sizes.len());
            for i in 0..sizes.len() {
                assert_eq!(s[i], sizes[i + 1..].iter().product::<usize>());
            }
        }
    }

    #[test]
    fn equal_sizes_give_equal_dims() {
        assert_eq!(Dims::new(&[2, 3]), Dims::new(&[2, 3]));
        assert_ne!(Dims::new(&[2, 3]), Dims::new(&[2, 3, 1]));
        assert_ne!(Dims::new(&[]), Dims::new(&[1]));
    }
}
