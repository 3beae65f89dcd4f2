//! Donated hashing: the SHA-256d kernels, the worker that runs them and the pool that drives the
//! workers. The kernels and the message protocol are plain Rust; only `worker` and `pool` touch
//! browser APIs.

pub mod job;
pub mod kernel;
pub mod pool;
pub mod protocol;
pub mod sha256d;
pub mod worker;
