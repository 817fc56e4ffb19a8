//! The Docker adapter (being split by what each part owns).

mod operations;

pub use operations::*;
