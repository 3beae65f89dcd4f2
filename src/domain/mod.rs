//! What HashTwin is about, in plain Rust: no chain, no browser. Everything here tests natively.

pub mod address;
pub mod market;
pub mod twin;
pub mod units;

pub use address::Address;
pub use market::Listing;
pub use twin::{RigSpec, Twin};
pub use units::Wei;
