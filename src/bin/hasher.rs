//! Entry point of the hasher Web Worker, a wasm module of its own so that no Leptos code loads in it.

fn main() {
    #[cfg(target_arch = "wasm32")]
    hashtwin::miner::worker::run();
}
