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
    sizes: [usize; 4],
}

impl Dims {
    /// The largest rank a shape may have.
    pub const MAX_RANK: usize = 4;

    /// Sizes from a slice of at most four.
    ///
    /// # Panics
    /// If `sizes` has more than four entries.
    pub fn new(sizes: &[usize]) -> Self {
        assert!(
            sizes.len() <= Self::MAX_RANK,
            "shapes have at most four dimensions"
        );
        let mut out = [0; 4];
        out[..sizes.len()].copy_from_slice(sizes);
        Dims {
            len: sizes.len() as u8,
            sizes: out,
        }
    }

    /// The number of elements of a tensor with these sizes.
    pub fn numel(&self) -> usize {
        self.iter().product()
    }

    /// Row-major strides (elements to skip per step along each dimension).
    pub fn strides(&self) -> Dims {
        let mut s = [0; 4];
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
