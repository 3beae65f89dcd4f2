//! Donated hashing: the SHA-256d kernels, the worker that runs them and the pool that drives the
//! workers. Everything but `worker` and `pool` is plain Rust and tests natively.

pub mod header;
pub mod job;
pub mod kernel;
pub mod meter;
pub mod nonces;
pub mod pool;
pub mod protocol;
pub mod schedule;
pub mod sha256d;
pub mod shares;
pub mod worker;
