//! `U0` to `U1024` and the powers of two up to `U1048576`, by the names typenum uses.
//! Up to `U2048` each is a [`D<N>`](super::D), which errors print as `D<N>`.

use super::D;
#[allow(unused_imports)]
use typenum::{UInt, UTerm, B0, B1};

include!(concat!(env!("OUT_DIR"), "/dim_aliases.rs"));
