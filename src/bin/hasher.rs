//! Entry point of the hasher Web Worker, a wasm module of its own so that no Leptos code loads in it.
//!
//! It is built from the miner's worker-side modules alone, compiled here again, rather than from
//! the app's library: a wasm binary keeps every `#[wasm_bindgen]` export of every crate it links,
//! and linking the library would bring its whole dependency graph's (wasm-streams' stream classes,
//! the futures that drive them, and the formatting their errors need) into the worker's download.
//! These modules reach one another through `super::` only, so they compile the same in both crates.
// The app uses more of these modules than the worker does (and natively, where the worker does not
// run, nothing is used).
#![allow(dead_code)]

#[path = "../miner/header.rs"]
mod header;
#[path = "../miner/kernel/mod.rs"]
mod kernel;
#[path = "../miner/protocol.rs"]
mod protocol;
#[path = "../miner/sha256d.rs"]
mod sha256d;
#[path = "../miner/worker.rs"]
mod worker;

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::run();
}
